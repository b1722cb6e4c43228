// What every process does around its work, database or not: read the
// configuration or exit naming each bad variable, stop in order on a signal,
// and exit on a crash. The gateway uses these alone (no Prisma in its bundle).
import { type Config, ConfigError, type ConfigNeeds, loadConfig } from './config.ts';
import type { Logger } from './logger.ts';

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
