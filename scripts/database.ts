// The database `npm start`, `npm run migrate` and the benchmark use: the
// server named by DATABASE_URL, or else the embedded one under .data/postgres,
// with crm_supply_db created and migrated.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  createDatabaseIfMissing,
  databaseUrl,
  enableLogins,
  loginUrl,
  migrate,
} from '@supply/service-kit/migrate';
import { startEmbeddedDb } from './embedded-db.ts';
import { LOCAL_LOGINS, localLoginOf } from './services.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const EMBEDDED_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54320);
const DATA_DIR = path.resolve(ROOT, process.env.EMBEDDED_PG_DATA ?? path.join('.data', 'postgres'));
const DB_NAME = 'crm_supply_db';

export interface SystemDatabase {
  /** The migration role's URL (the server's superuser on the embedded one). */
  url: string;
  /** The URL the service called `name` connects with: its own role on the embedded database. */
  urlFor(name: string): string;
  embedded: boolean;
  stop(): Promise<void>;
}

interface Log {
  info(message: string): void;
}

export async function prepareDatabase(options: { sampleData: boolean; log: Log }): Promise<SystemDatabase> {
  const { log } = options;
  let serverUrl: string;
  let stop = async () => {};
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
  } else {
    const firstStart = !existsSync(path.join(DATA_DIR, 'PG_VERSION'));
    log.info(
      `${firstStart ? 'creating' : 'starting'} the embedded PostgreSQL in .data/postgres (port ${EMBEDDED_PORT})`,
    );
    const embedded = await startEmbeddedDb({ dataDir: DATA_DIR, port: EMBEDDED_PORT, persistent: true });
    serverUrl = databaseUrl(embedded.serverUrl, DB_NAME);
    stop = embedded.stop;
  }
  const created = await createDatabaseIfMissing(serverUrl);
  if (created) log.info(`created database ${new URL(serverUrl).pathname.slice(1)}`);
  // The embedded default gets sample data the first time its database is made.
  const sampleData = options.sampleData || (created && !process.env.DATABASE_URL);
  const { applied } = await migrate({ databaseUrl: serverUrl, logger: { info: () => {} }, sampleData });
  if (applied.length > 0) log.info(`applied ${applied.join(', ')}`);
  const embedded = !process.env.DATABASE_URL;
  // With DATABASE_URL, the roles' passwords are the deployer's (docs/deploy.md); that URL serves all.
  if (embedded) await enableLogins(serverUrl, LOCAL_LOGINS);
  const urlFor = (name: string) => {
    const login = localLoginOf(name);
    return embedded && login ? loginUrl(serverUrl, login) : serverUrl;
  };
  return { url: serverUrl, urlFor, embedded, stop };
}
