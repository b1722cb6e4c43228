// Applies docs/db-schema.sql to a new database, later numbered migrations
// from docs/migrations/ to an existing one, and the sample data when asked;
// each exactly once per database. Many processes may start at the same
// moment: an advisory lock lets one of them work while the others wait.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from './logger.ts';
import { DATABASE_ROLES } from './processes.ts';

const DOCS = new URL('../../../docs/', import.meta.url);
const SAMPLE_DATA_MARKER = /^-- sample-data:.*$/m;
const BASELINE = '0000_baseline';
const SAMPLE_DATA = 'sample-data';
// pg_advisory_lock key: any constant shared by every process of the system.
const LOCK_KEY = 7_216_053_001;
const LOCK_WAIT_MS = 60_000;
const LOCK_NOT_AVAILABLE = '55P03';

export interface MigrateOptions {
  databaseUrl: string;
  logger: Pick<Logger, 'info'>;
  sampleData?: boolean;
  /** How long to wait for another process's migration or a table's lock (default 60 s). */
  lockWaitMs?: number;
}

export interface MigrateResult {
  applied: string[];
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { ddl, sample } = await readSchema();
  const migrations = await readMigrations();
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    // Waiting for the lock, or for a table a running service holds, ends with an error, not a hang.
    const waitMs = Math.floor(options.lockWaitMs ?? LOCK_WAIT_MS);
    await client.query(`SET lock_timeout = ${waitMs}`);
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]).catch((error: { code?: string }) => {
      if (error.code !== LOCK_NOT_AVAILABLE) throw error;
      throw new Error(`Another process has held the migration lock for ${waitMs} ms; giving up`);
    });
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    // The schema file is always current, so a new database takes it whole and
    // counts every numbered migration as already in it.
    const steps: Array<{ version: string; sql: string; marks?: string[] }> = done.has(BASELINE)
      ? migrations.filter((m) => !done.has(m.version))
      : [{ version: BASELINE, sql: ddl, marks: migrations.map((m) => m.version) }];
    if (options.sampleData && !done.has(SAMPLE_DATA)) steps.push({ version: SAMPLE_DATA, sql: sample });
    for (const step of steps) {
      await inTransaction(client, async () => {
        await client.query(step.sql);
        for (const version of [step.version, ...(step.marks ?? [])]) {
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
        }
      });
      applied.push(step.version);
      options.logger.info({ version: step.version }, 'database migration applied');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return { applied };
}

/** A service's database role and its password. */
export interface Login {
  role: string;
  password: string;
}

/** The logins a deployment gives as `<ROLE>_DB_PASSWORD` variables (compose's .env, a Kubernetes Secret). */
export function loginsFromEnv(env: Record<string, string | undefined>): Login[] {
  return DATABASE_ROLES.flatMap((role) => {
    const password = env[`${role.toUpperCase()}_DB_PASSWORD`];
    return password ? [{ role, password }] : [];
  });
}

/**
 * Lets each service role (created without LOGIN by the schema) log in with its
 * password: the embedded runner and the tests do this with local passwords.
 */
export async function enableLogins(databaseUrl: string, logins: Login[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const { role, password } of logins) {
      // ALTER ROLE takes no parameters: both parts are quoted by pg itself.
      await client.query(
        `ALTER ROLE ${client.escapeIdentifier(role)} LOGIN PASSWORD ${client.escapeLiteral(password)}`,
      );
    }
  } finally {
    await client.end();
  }
}

/** `databaseUrl` with the login's role and password as its user. */
export function loginUrl(databaseUrl: string, login: Login): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(login.role);
  url.password = encodeURIComponent(login.password);
  return url.toString();
}

/** The same server's URL for another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the URL's database on its server when it is not there; true when it did. */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new pg.Client({ connectionString: databaseUrl(url, 'postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } finally {
    await admin.end();
  }
}

async function inTransaction(client: pg.Client, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function readSchema(): Promise<{ ddl: string; sample: string }> {
  const text = await readFile(new URL('db-schema.sql', DOCS), 'utf8');
  const marker = SAMPLE_DATA_MARKER.exec(text);
  if (!marker) throw new Error('docs/db-schema.sql has no "-- sample-data:" marker line');
  return { ddl: text.slice(0, marker.index), sample: text.slice(marker.index) };
}

async function readMigrations(): Promise<Array<{ version: string; sql: string }>> {
  const dir = new URL('migrations/', DOCS);
  const names = (await readdir(fileURLToPath(dir)).catch(() => [] as string[]))
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      version: name.replace(/\.sql$/, ''),
      sql: await readFile(new URL(name, dir), 'utf8'),
    })),
  );
}
