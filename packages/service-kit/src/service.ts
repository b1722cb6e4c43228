// How a process starts and stops: config, logger, database, then the app; on
// SIGTERM or SIGINT in-flight requests finish before exit. Migrations are the
// migration role's step (npm run migrate, or `node . migrate` in an image), never start-up's.
import type { Express } from 'express';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './database.ts';
import { listen } from './http.ts';
import { createLogger, type Logger } from './logger.ts';
import { enableLogins, loginsFromEnv, migrate } from './migrate.ts';
import { exitOnCrash, loadConfigOrExit, onShutdown } from './process.ts';
import { defaultPortOf, type ServiceName } from './processes.ts';
import { startTracing } from './telemetry.ts';

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  db: Database;
}

export interface BuiltService {
  app: Express;
  /** Stops what the service runs besides HTTP (sweeps, GraphQL server). */
  close?: () => Promise<void>;
  /** Resolves when the work it starts with (a first sweep) is done; tests wait for it to measure. */
  settled?: Promise<void>;
}

export interface ServiceSpec {
  name: ServiceName;
  build: (deps: ServiceDeps) => Promise<BuiltService>;
}

export async function runService(spec: ServiceSpec): Promise<void> {
  const config = loadConfigOrExit(spec.name, defaultPortOf(spec.name));
  const stopTracing = await startTracing(spec.name);
  const logger = createLogger(spec.name, config.logLevel);
  exitOnCrash(logger);
  if (!config.apiKeys) logger.warn('API_KEYS is not set: every route is open to every caller');
  if (process.argv[2] === 'migrate') return migrateAndExit(config, logger);
  const db = openDatabase({ url: config.databaseUrl, poolSize: config.dbPoolSize, logger });
  const service = await spec.build({ config, logger, db });
  const server = await listen(service.app, config.port);
  logger.info({ port: server.port }, `${spec.name} listening on port ${server.port}`);
  onShutdown(logger, [server.close, async () => service.close?.(), db.close, stopTracing]);
}

/**
 * `node . migrate [--sample-data]` (a service's image): migrates the database,
 * loads the sample data when asked, gives each service role named by a
 * `<ROLE>_DB_PASSWORD` variable its login, and exits; a one-shot job runs it
 * before a release, with the role that owns the schema.
 */
async function migrateAndExit(config: Config, logger: Logger): Promise<void> {
  const sampleData = process.argv.includes('--sample-data');
  const { applied } = await migrate({ databaseUrl: config.databaseUrl, logger, sampleData });
  logger.info({ applied }, applied.length > 0 ? 'migrated' : 'the database is up to date');
  const logins = loginsFromEnv(process.env);
  await enableLogins(config.databaseUrl, logins);
  if (logins.length > 0)
    logger.info({ roles: logins.map((login) => login.role) }, 'service roles may log in');
  logger.flush();
  process.exit(0);
}
