// How a process starts and stops: config, logger, database and migrations,
// then the app; on SIGTERM or SIGINT in-flight requests finish before exit.
import type { Express } from 'express';
import { type Config, ConfigError, type ConfigNeeds, loadConfig } from './config.ts';
import { type Database, openDatabase } from './database.ts';
import { listen } from './http.ts';
import { createLogger, type Logger } from './logger.ts';
import { migrate } from './migrate.ts';
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
}

export interface ServiceSpec {
  name: string;
  defaultPort: number;
  build: (deps: ServiceDeps) => Promise<BuiltService>;
}

/** Reads the configuration or exits with a message that names each bad variable. */
export function loadConfigOrExit(name: string, defaultPort: number, needs?: ConfigNeeds): Config {
  try {
    return loadConfig(name, defaultPort, process.env, needs);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
}

export async function runService(spec: ServiceSpec): Promise<void> {
  const config = loadConfigOrExit(spec.name, spec.defaultPort);
  const stopTracing = await startTracing(spec.name);
  const logger = createLogger(spec.name, config.logLevel);
  exitOnCrash(logger);
  if (!config.apiKeys) logger.warn('API_KEYS is not set: every route is open to every caller');
  await migrate({ databaseUrl: config.databaseUrl, logger });
  const db = openDatabase({ url: config.databaseUrl, poolSize: config.dbPoolSize, logger });
  const service = await spec.build({ config, logger, db });
  const server = await listen(service.app, config.port);
  logger.info({ port: server.port }, `${spec.name} listening on port ${server.port}`);
  onShutdown(logger, [server.close, async () => service.close?.(), db.close, stopTracing]);
}

/** Runs the steps in order on the first SIGTERM or SIGINT, then exits. */
export function onShutdown(logger: Logger, steps: Array<() => Promise<unknown>>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    let code = 0;
    for (const step of steps) {
      await step().catch((error: unknown) => {
        code = 1;
        logger.error({ err: error }, 'error while shutting down');
      });
    }
    logger.info('stopped');
    logger.flush();
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function exitOnCrash(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}
