// Starts the gateway in-process on port 0 in front of subgraphs under test,
// its log lines kept for the test to read (as startService keeps a service's).
import { type Env, loadConfig } from '@supply/service-kit/config';
import { listen } from '@supply/service-kit/http';
import { loginUrl } from '@supply/service-kit/migrate';
import { openRateLimitStore } from '@supply/service-kit/rate-limit';
import { buildGateway } from '../../../gateway/src/app.ts';
import { localLoginOf } from '../../../scripts/services.ts';
import { capturingLogger, NEIGHBOUR_URLS, NOWHERE } from './services.ts';

export interface StartedGateway {
  url: string;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** With DATABASE_URL in `env` (and API_KEYS), it counts requests per key there, as its own role. */
export async function startGateway(env: Env): Promise<StartedGateway> {
  const login = localLoginOf('gateway');
  const databaseUrl = env.DATABASE_URL && login ? loginUrl(env.DATABASE_URL, login) : undefined;
  const config = loadConfig('gateway', 0, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    // Subgraphs a test does not start are unreachable, whatever runs on this machine.
    ...Object.fromEntries(NEIGHBOUR_URLS.map((name) => [name, NOWHERE])),
    ...env,
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const { logger, logs } = capturingLogger('gateway', config.logLevel);
  const rateLimitStore = databaseUrl ? openRateLimitStore(databaseUrl, logger) : undefined;
  const gateway = await buildGateway({ config, logger, rateLimitStore });
  const server = await listen(gateway.app, 0, '127.0.0.1');
  return {
    url: server.url,
    logs,
    close: async () => {
      await server.close();
      await gateway.close();
      await rateLimitStore?.end();
    },
  };
}
