// Starts a service in-process on port 0 against a test database, the same
// way main.ts does, with a counter of the SQL statements it sends.
import { type Config, type Env, loadConfig } from '@supply/service-kit/config';
import { openDatabase } from '@supply/service-kit/database';
import { listen } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { loginUrl } from '@supply/service-kit/migrate';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { localLoginOf, SERVICES } from '../../../scripts/services.ts';
import { documentService } from './openapi.ts';

/**
 * What services do in the background whatever a test does: logistics-service's
 * report outbox and crm-api's webhook sweep. Not the cost of what a test measures.
 */
export const BACKGROUND_SQL = /\b(shipment_reports|webhook_\w+)\b/;

/** A closed port (discard): connections to it are refused at once. */
export const NOWHERE = 'http://127.0.0.1:9';
export const NEIGHBOUR_URLS: string[] = SERVICES.map((service) => service.variable);

export interface StartedService {
  url: string;
  port: number;
  config: Config;
  /** SQL statements sent since start or the last reset. */
  queries: { count: number; statements: string[]; reset(): void };
  /** HTTP requests received since start or the last reset, as "METHOD /path". */
  requests: { count: number; lines: string[]; reset(): void };
  /** Every log line the service wrote, parsed (at the level TEST_LOG_LEVEL or `logLevel`, default info). */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface StartOptions {
  name: string;
  databaseUrl: string;
  build: (deps: ServiceDeps) => Promise<BuiltService>;
  /** Extra environment, e.g. neighbour URLs or API_KEYS. */
  env?: Env;
  /** Listen on this port instead of a free one (to restart a stopped neighbour in place). */
  port?: number;
}

/** A counter that tests reset between the steps they measure. */
function counter() {
  return {
    count: 0,
    lines: [] as string[],
    add(line: string) {
      this.count++;
      this.lines.push(line);
    },
    reset() {
      this.count = 0;
      this.lines = [];
    },
  };
}

/** A logger for a service under test: its lines are kept, parsed, for assertions. */
export function capturingLogger(name: string, level: string) {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger(name, level, {
    write: (line: string) => {
      logs.push(JSON.parse(line));
    },
  });
  return { logger, logs };
}

export async function startService(options: StartOptions): Promise<StartedService> {
  // Each of the four connects as its own database role, which the schema limits to its tables.
  const login = localLoginOf(options.name);
  const config = loadConfig(options.name, options.port ?? 0, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    // Neighbours a test does not start are unreachable, whatever runs on this machine.
    ...Object.fromEntries(NEIGHBOUR_URLS.map((name) => [name, NOWHERE])),
    ...options.env,
    DATABASE_URL: login ? loginUrl(options.databaseUrl, login) : options.databaseUrl,
  });
  const { logger, logs } = capturingLogger(options.name, config.logLevel);
  const queries = {
    count: 0,
    statements: [] as string[],
    reset() {
      this.count = 0;
      this.statements = [];
    },
  };
  const requests = counter();
  const db = openDatabase({
    url: config.databaseUrl,
    poolSize: config.dbPoolSize,
    logger,
    onQuery: (sql) => {
      queries.count++;
      queries.statements.push(sql);
    },
  });
  const service = await options.build({ config, logger, db });
  // What a service does at start-up (order-service's first recovery sweep) is not a test's to count.
  await service.settled;
  const server = await listen(service.app, config.port, '127.0.0.1');
  server.server.on('request', (req: { method?: string; url?: string }) =>
    requests.add(`${req.method} ${req.url}`),
  );
  documentService(server.url, options.name);
  return {
    url: server.url,
    port: server.port,
    config,
    queries,
    requests,
    logs,
    close: async () => {
      await server.close();
      await service.close?.();
      await db.close();
    },
  };
}
