// docker-compose.yml, .env.example and .dockerignore, read the way Compose and
// Docker read them (no engine here to run `docker compose config`): every
// service, its port, settings, health check and order of start, secrets only
// from the uncommitted .env, and each process's settings accepted by the
// kit's own production checks once .env is filled in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@supply/service-kit/config';
import { GATEWAY, nodeFlagsOf, SERVICES } from '@supply/service-kit/processes';
import { parse } from 'yaml';
import { dockerignoreMatcher } from './docker-context.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true });
const services: Record<string, any> = compose.services;

// Compose's file is YAML of its own: what it must agree with comes from the one table.
const APPS: Record<string, { port: number; role: string }> = Object.fromEntries(
  [...SERVICES, GATEWAY].map(({ name, port, role }) => [name, { port, role }]),
);
const SUBGRAPHS = SERVICES.map((service) => service.name);
const ROLE_PASSWORDS = Object.values(APPS).map(({ role }) => `${role.toUpperCase()}_DB_PASSWORD`);
const SECRETS = ['POSTGRES_PASSWORD', 'API_KEYS', 'SERVICE_API_KEY', ...ROLE_PASSWORDS];

/** `${...}` as Compose writes it. */
const interpolation = (inside: string) => `\${${inside}}`;

/** KEY=value lines of an env file; commented-out `# KEY=` lines count as listed. */
function envFile(text: string): { values: Record<string, string>; listed: Set<string> } {
  const values: Record<string, string> = {};
  const listed = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(#\s*)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    listed.add(match[2]!);
    if (!match[1]) values[match[2]!] = match[3]!;
  }
  return { values, listed };
}

/** Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR:?error} (empty counts as unset). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (whole, name, op, arg) => {
    if (whole === '$$') return '$';
    const given = env[name];
    if (given) return given;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? arg : '';
  });
}

/** What a container of `service` sees: env_file first, `environment:` over it. */
function containerEnv(service: any, dotEnv: Record<string, string>): Record<string, string> {
  const environment = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      interpolate(String(value), dotEnv),
    ]),
  );
  return { ...(service.env_file ? dotEnv : {}), ...environment };
}

const example = envFile(read('.env.example'));
const filledIn = {
  ...example.values,
  POSTGRES_PASSWORD: 'a-real-password',
  ...Object.fromEntries(ROLE_PASSWORDS.map((name) => [name, `${name.toLowerCase()}-secret`])),
  API_KEYS: ['read:reader', 'write:writer', 'admin:admin']
    .map((entry) => `k-${entry.padStart(38, '0')}`)
    .join(','),
  SERVICE_API_KEY: 'k-service-0123456789abcdef0123456789',
};

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, a migrate one-shot, the four services, the gateway, and a sample-data one-shot', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['postgres', 'migrate', ...Object.keys(APPS), 'sample-data'].sort(),
    );
  });

  it('runs postgres:18-alpine with a health check, a named volume and no published port', () => {
    const postgres = services.postgres;
    expect(postgres.image).toBe('postgres:18-alpine');
    expect(postgres.healthcheck.test.join(' ')).toMatch(/pg_isready .*-d crm_supply_db/);
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql']);
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data']);
    expect(postgres.environment.POSTGRES_DB).toBe('crm_supply_db');
    expect(postgres.ports).toBeUndefined();
  });

  for (const [name, { port, role }] of Object.entries(APPS)) {
    it(`${name}: builds the Dockerfile with APP=${name} and PORT=${port}, and publishes that port`, () => {
      const service = services[name];
      expect(service.build).toEqual({ context: '.', args: { APP: name, PORT: String(port) } });
      expect(service.ports).toEqual([`${port}:${port}`]);
    });

    it(`${name}: gets every setting from the environment, pointing at compose's service names`, () => {
      const service = services[name];
      expect(service.environment).toEqual({
        NODE_ENV: 'production',
        LOG_LEVEL: interpolation('LOG_LEVEL:-info'),
        PORT: String(port),
        DB_HOST: 'postgres',
        DB_PORT: '5432',
        DB_NAME: 'crm_supply_db',
        // Each service as its own database role; the gateway opens no database.
        ...(role
          ? {
              DB_USER: role,
              DB_PASSWORD: interpolation(
                `${role.toUpperCase()}_DB_PASSWORD:?set ${role.toUpperCase()}_DB_PASSWORD in .env (see .env.example)`,
              ),
            }
          : {
              DB_USER: interpolation('POSTGRES_USER:-supply'),
              DB_PASSWORD: interpolation(
                'POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (see .env.example)',
              ),
            }),
        CRM_API_URL: 'http://crm-api:3000',
        INVENTORY_SERVICE_URL: 'http://inventory-service:4000',
        LOGISTICS_SERVICE_URL: 'http://logistics-service:5000',
        ORDER_SERVICE_URL: 'http://order-service:6000',
        // The process's node flags, as npm start and the benchmark give them.
        ...(nodeFlagsOf(name).length > 0 && { NODE_OPTIONS: nodeFlagsOf(name).join(' ') }),
      });
      expect(service.env_file).toBe('.env');
    });

    it(`${name}: has a health check on /healthz and starts after what it needs is healthy`, () => {
      const service = services[name];
      expect(service.healthcheck.test).toEqual([
        'CMD-SHELL',
        `wget -qO- http://127.0.0.1:${port}/healthz || exit 1`,
      ]);
      expect(service.healthcheck).toMatchObject({ interval: '10s', timeout: '3s', retries: 3 });
      expect(service.depends_on).toEqual(
        name === 'gateway'
          ? Object.fromEntries(SUBGRAPHS.map((need) => [need, { condition: 'service_healthy' }]))
          : { migrate: { condition: 'service_completed_successfully' } },
      );
      expect(service.stop_grace_period).toBe('15s');
    });
  }

  it('migrates as the superuser once postgres is healthy, and gives each service role its login', () => {
    const oneShot = services.migrate;
    expect(oneShot.build).toEqual(services['crm-api'].build);
    expect(oneShot.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(oneShot.restart).toBe('no');
    expect(oneShot.command).toEqual(['node', '.', 'migrate']);
    // node . migrate gives a login to each role whose <ROLE>_DB_PASSWORD it is given.
    const environment = containerEnv(oneShot, filledIn);
    for (const { role } of Object.values(APPS))
      expect(environment).toHaveProperty(`${role.toUpperCase()}_DB_PASSWORD`);
    expect(containerEnv(oneShot, filledIn).DB_USER).toBe('supply');
  });

  it('loads sample data only when asked, from the crm-api image, after the migrate one-shot', () => {
    const oneShot = services['sample-data'];
    expect(oneShot.profiles).toEqual(['sample-data']);
    expect(oneShot.build).toEqual(services['crm-api'].build);
    expect(oneShot.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect(oneShot.command).toEqual(['node', '.', 'migrate', '--sample-data']);
  });

  it('takes the secrets only from the uncommitted .env', () => {
    for (const [name, service] of Object.entries(services)) {
      const environment = service.environment ?? {};
      for (const secret of SECRETS)
        expect({ name, secret, inline: secret in environment }).toMatchObject({ inline: false });
      for (const [key, value] of Object.entries(environment)) {
        // A value built from a secret is only ever an interpolation of it.
        if (/PASSWORD|KEY/.test(key))
          expect({ name, key, value }).toMatchObject({ value: expect.stringMatching(/^\$\{/) });
      }
      expect({ name, env_file: service.env_file }).toEqual({ name, env_file: '.env' });
    }
    const gitignore = read('.gitignore').split('\n');
    expect(gitignore).toContain('.env');
    expect(dockerignoreMatcher(read('.dockerignore'))('.env')).toBe(true);
  });

  it('interpolates only variables that .env.example lists', () => {
    const used = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map(
      (match) => match[1]!,
    );
    expect([...new Set(used)].filter((name) => !example.listed.has(name))).toEqual([]);
  });

  it("gives every process settings that pass the kit's production checks once .env is filled in", () => {
    for (const [name, { port, role }] of Object.entries(APPS)) {
      const config = loadConfig(name, 0, containerEnv(services[name], filledIn));
      const login = `${role}:${role}_db_password-secret`;
      expect({
        name,
        nodeEnv: config.nodeEnv,
        port: config.port,
        database: config.databaseUrl,
        orders: config.urls.orders,
      }).toEqual({
        name,
        nodeEnv: 'production',
        port,
        database: `postgresql://${login}@postgres:5432/crm_supply_db`,
        orders: 'http://order-service:6000',
      });
    }
  });
});

describe('.env.example', () => {
  it('lists every secret blank, so nothing starts until real ones are set', () => {
    for (const secret of SECRETS)
      expect({ secret, value: example.values[secret] }).toEqual({ secret, value: '' });
    expect(read('.env.example')).toMatch(/REFUSES TO START/);
    expect(() => containerEnv(services.migrate, example.values)).toThrow(/POSTGRES_PASSWORD/);
    expect(() => containerEnv(services['crm-api'], example.values)).toThrow(/CRM_API_DB_PASSWORD/);
    const withPassword = {
      ...example.values,
      POSTGRES_PASSWORD: 'a-real-password',
      CRM_API_DB_PASSWORD: 'a-real-password',
    };
    expect(() => loadConfig('crm-api', 3000, containerEnv(services['crm-api'], withPassword))).toThrow(
      /API_KEYS: must be set in production/,
    );
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignoreMatcher(read('.dockerignore'));

  it('keeps out everything .gitignore does, at any depth it applies to', () => {
    for (const line of read('.gitignore').split('\n')) {
      const pattern = line.trim().replace(/\/$/, '');
      if (!pattern || pattern.startsWith('#')) continue;
      const probe = pattern.replace('*', 'x');
      const probes = pattern.includes('/')
        ? [`${probe}/file`]
        : [`${probe}/file`, `subgraphs/a/${probe}/file`];
      for (const file of probes) expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
  });

  it('keeps out tests, scratch work and git, and keeps the sources, manifests and docs in', () => {
    for (const file of [
      '.git/HEAD',
      'subgraphs/crm-api/test/a.test.ts',
      'scripts/test/images.test.ts',
      'coverage/x',
    ]) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
    for (const file of [
      'package.json',
      'package-lock.json',
      'subgraphs/crm-api/src/main.ts',
      'subgraphs/crm-api/src/schema.graphql',
      'gateway/supergraph.graphql',
      'prisma/schema.prisma',
      'scripts/build.ts',
      'docs/db-schema.sql',
      'docs/migrations/0001_shipment_reports_rejected_at.sql',
    ]) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: false });
    }
  });
});
