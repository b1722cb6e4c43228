// The one configuration loader: every process reads its environment here,
// once, at start-up, and passes the result down.
import { z } from 'zod';
import { defaultUrlOf, SERVICES, type Service, type ServiceUrls } from './processes.ts';

export const roles = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Start-up stops with this error; its message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_DB_PASSWORDS = new Set(['', 'postgres', 'password', 'changeme']);
/** Shortest key production accepts: 32 characters, e.g. `openssl rand -hex 16`. */
const MIN_KEY_LENGTH = 32;

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be 0..65535')
    .max(65535, 'must be 0..65535')
    .default(fallback);

const httpUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:4000' })
    .default(fallback)
    .transform((url) => url.replace(/\/+$/, ''));

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive().default(fallback);

// Unset stays undefined so the default can depend on NODE_ENV.
const flag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => (value === undefined ? undefined : value === 'true'));

// A host name, an IPv4 address or a bracketed IPv6 address.
const hostname = z
  .string()
  .regex(
    /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/,
    {
      message: 'must be a host name or IP address (IPv6 in brackets); use DATABASE_URL for anything else',
    },
  )
  .default('localhost');

const apiKeys = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return null;
    const keys = new Map<string, Role>();
    for (const [index, entry] of raw
      .split(',')
      .map((part) => part.trim())
      .entries()) {
      const [key, role, ...rest] = entry.split(':');
      if (!key || !role || rest.length > 0 || !(roles as readonly string[]).includes(role)) {
        // The entry itself may hold a key: it is named by position only.
        ctx.addIssue({
          code: 'custom',
          message: `entry ${index + 1} is not key:role with role ${roles.join('|')}`,
        });
      } else if (keys.has(key)) {
        ctx.addIssue({ code: 'custom', message: `entry ${index + 1} repeats a key: each is listed once` });
      } else {
        keys.set(key, role as Role);
      }
    }
    return keys;
  });

// Origins as browsers send them: scheme, host and port, no path; port `*` is any port.
const ORIGIN = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(\d{1,5}|\*))?$/;
const corsOrigins = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const origins = raw.split(',').map((part) => part.trim().replace(/\/$/, ''));
    for (const origin of origins.filter((entry) => !ORIGIN.test(entry))) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin such as https://ops.example.com or http://localhost:*`,
      });
    }
    return origins;
  });

/** Outside production, pages served from this machine on any port. */
const LOCAL_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

/** CRM_API_URL and the others: each service's URL, by default on this machine at its port. */
const serviceUrlVariables = Object.fromEntries(
  SERVICES.map((service) => [service.variable, httpUrl(defaultUrlOf(service))]),
) as Record<Service['variable'], ReturnType<typeof httpUrl>>;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL' }).optional(),
  DB_HOST: hostname,
  DB_PORT: port(5432).refine((value) => value > 0, 'must be 1..65535'),
  DB_USER: z.string().min(1).default('postgres'),
  DB_PASSWORD: z.string().default('postgres'),
  DB_NAME: z.string().min(1).default('crm_supply_db'),
  DB_POOL_SIZE: positiveInt(10),
  ...serviceUrlVariables,
  SERVICE_TIMEOUT_MS: positiveInt(3000),
  SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
  ORDER_TIMEOUT_MS: positiveInt(10_000),
  SUBGRAPH_DEDUPLICATION: flag,
  GRAPHQL_SANDBOX: flag,
  API_KEYS: apiKeys,
  SERVICE_API_KEY: z.string().min(1).optional(),
  CORS_ORIGINS: corsOrigins,
  RATE_LIMIT_REQUESTS: positiveInt(1_200),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^[0-9]+(,[0-9]+)*$/, 'must be seconds between attempts, separated by commas, e.g. 5,300,1800')
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((text) => text.split(',').map(Number)),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  service: string;
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  logLevel: string;
  databaseUrl: string;
  dbPoolSize: number;
  urls: ServiceUrls;
  /** Bound on every call to another service. */
  serviceTimeoutMs: number;
  /**
   * The gateway's bound on each subgraph fetch. Longer than serviceTimeoutMs:
   * a mutation's subgraph may itself wait on its neighbours, with retries.
   */
  subgraphTimeoutMs: number;
  /**
   * How long a caller waits for an order to be placed: crm-api waits this long
   * for order-service, which settles the order (confirmed or failed) within it.
   */
  orderTimeoutMs: number;
  /**
   * Whether the gateway shares one subgraph fetch among identical queries in
   * flight (same subgraph, operation, variables and authorization). On unless
   * SUBGRAPH_DEDUPLICATION=false.
   */
  subgraphDeduplication: boolean;
  /** Apollo Sandbox and introspection: GRAPHQL_SANDBOX, else on everywhere but production. */
  graphqlSandbox: boolean;
  /** null: no API_KEYS, everything is open (refused in production). */
  apiKeys: ReadonlyMap<string, Role> | null;
  serviceApiKey: string | undefined;
  /**
   * Origins whose pages may call from a browser (cors.ts): CORS_ORIGINS, else
   * http://localhost:* and http://127.0.0.1:* outside production and none in it.
   */
  corsOrigins: readonly string[];
  /** Requests one API key may make of one process (all its replicas) per window. */
  rateLimit: { requests: number; windowSeconds: number };
  /** Seconds between a webhook delivery's attempts; after the last one it has failed. */
  webhookRetrySchedule: readonly number[];
}

export interface ConfigNeeds {
  /** False for a process that opens no database (the gateway without API_KEYS): its password is not checked. */
  database?: boolean;
}

export function loadConfig(
  service: string,
  defaultPort: number,
  env: Env = process.env,
  needs: ConfigNeeds = {},
): Config {
  // An empty variable counts as unset, as shells and env files often leave them.
  const given = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.extend({ PORT: port(defaultPort) }).safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`${service}: invalid configuration\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const databaseUrl = e.DATABASE_URL ?? composeDatabaseUrl(e);
  const config: Config = {
    service,
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl,
    dbPoolSize: e.DB_POOL_SIZE,
    urls: Object.fromEntries(SERVICES.map((service) => [service.urlKey, e[service.variable]])) as ServiceUrls,
    serviceTimeoutMs: e.SERVICE_TIMEOUT_MS,
    subgraphTimeoutMs: e.SUBGRAPH_TIMEOUT_MS,
    orderTimeoutMs: e.ORDER_TIMEOUT_MS,
    subgraphDeduplication: e.SUBGRAPH_DEDUPLICATION ?? true,
    graphqlSandbox: e.GRAPHQL_SANDBOX ?? e.NODE_ENV !== 'production',
    apiKeys: e.API_KEYS,
    serviceApiKey: e.SERVICE_API_KEY,
    corsOrigins: e.CORS_ORIGINS ?? (e.NODE_ENV === 'production' ? [] : LOCAL_ORIGINS),
    rateLimit: { requests: e.RATE_LIMIT_REQUESTS, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    webhookRetrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
  };
  if (config.nodeEnv === 'production') rejectInsecureProduction(config, needs.database ?? true);
  else if (config.apiKeys && !config.serviceApiKey) {
    // Without it a subgraph's /graphql refuses the gateway, and every call between services is a 401.
    throw new ConfigError(
      `${service}: API_KEYS is set but SERVICE_API_KEY is not; set SERVICE_API_KEY, the same on every process (the gateway and the services call each other with it)`,
    );
  }
  return config;
}

function composeDatabaseUrl(e: z.infer<typeof envSchema>): string {
  const url = new URL('postgresql://localhost');
  url.hostname = e.DB_HOST;
  url.port = String(e.DB_PORT);
  // The URL setters leave % alone, so encode first to keep it literal.
  url.username = encodeURIComponent(e.DB_USER);
  url.password = encodeURIComponent(e.DB_PASSWORD);
  url.pathname = `/${e.DB_NAME}`;
  return url.toString();
}

function rejectInsecureProduction(config: Config, database: boolean): void {
  const problems = [...weakKeys(config)];
  const password = decodeURIComponent(new URL(config.databaseUrl).password);
  if (database && DEFAULT_DB_PASSWORDS.has(password)) {
    problems.push('  DATABASE_URL / DB_PASSWORD: the database password is a default; set a real one');
  }
  if (problems.length > 0) {
    throw new ConfigError(`${config.service}: refusing to start in production\n${problems.join('\n')}`);
  }
}

/** What production refuses in its keys, each line naming the variable (never the key). */
function* weakKeys({ apiKeys, serviceApiKey }: Config): Generator<string> {
  if (!apiKeys) yield '  API_KEYS: must be set in production (comma-separated key:role)';
  if (!serviceApiKey) {
    yield '  SERVICE_API_KEY: must be set in production (the gateway and the services call each other with it)';
  } else if (serviceApiKey.length < MIN_KEY_LENGTH) {
    yield `  SERVICE_API_KEY: must be at least ${MIN_KEY_LENGTH} characters`;
  }
  const keys = [...(apiKeys?.keys() ?? [])];
  const short = keys.findIndex((key) => key.length < MIN_KEY_LENGTH);
  if (short >= 0) yield `  API_KEYS: entry ${short + 1} is shorter than ${MIN_KEY_LENGTH} characters`;
  if (serviceApiKey && apiKeys?.has(serviceApiKey)) {
    yield '  API_KEYS: a caller key equals SERVICE_API_KEY; callers and services need keys of their own';
  }
}
