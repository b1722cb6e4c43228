// Once per test run: find a PostgreSQL server (DATABASE_URL's, or an embedded
// one started for this run), build a template database from docs/db-schema.sql,
// and tell the workers where it is. Every test file clones the template. The
// dashboard is built here too, when stale.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  createDatabaseIfMissing,
  databaseUrl,
  enableLogins,
  migrate,
  quoteIdent,
} from '@supply/service-kit/migrate';
import { buildDashboardIfStale } from '../../../scripts/dashboard.ts';
import { type EmbeddedDb, startEmbeddedDb } from '../../../scripts/embedded-db.ts';
import { LOCAL_LOGINS } from '../../../scripts/services.ts';
import { adminQuery } from './database.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface RunState {
  embedded?: EmbeddedDb;
  serverUrl: string;
  prefix: string;
}

declare global {
  var __testRun: RunState | undefined;
}

export async function setupTestRun(): Promise<void> {
  // Once, before any test file serves it: files building it side by side would race.
  buildDashboardIfStale({ info: (message) => console.warn(message) });
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = `crm_supply_test_${runId}`;
  let embedded: EmbeddedDb | undefined;
  let serverUrl: string;
  if (process.env.DATABASE_URL) {
    serverUrl = databaseUrl(process.env.DATABASE_URL, 'postgres');
  } else {
    embedded = await startEmbeddedDb({
      dataDir: path.join(ROOT, '.data', `test-${runId}`),
      port: 0,
      persistent: false,
      postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'max_connections=300'],
    });
    serverUrl = embedded.serverUrl;
  }
  const template = databaseUrl(serverUrl, `${prefix}_template`);
  await createDatabaseIfMissing(template);
  await migrate({ databaseUrl: template, logger: { info: () => {} } });
  // Services under test connect as their own roles, as in production.
  await enableLogins(serverUrl, LOCAL_LOGINS);
  globalThis.__testRun = { embedded, serverUrl, prefix };
  process.env.TEST_DB_SERVER_URL = serverUrl;
  process.env.TEST_DB_PREFIX = prefix;
}

/** Once after the run: drops every database the run made, stops the embedded server. */
export async function teardownTestRun(): Promise<void> {
  const run = globalThis.__testRun;
  if (!run) return;
  try {
    const { rows } = await adminQuery<{ datname: string }>(
      run.serverUrl,
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [run.prefix],
    );
    for (const { datname } of rows) {
      await adminQuery(run.serverUrl, `DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
  } finally {
    await run.embedded?.stop();
  }
}
