// Starts the gateway in-process on port 0 in front of subgraphs under test,
// its log lines kept for the test to read (as startService keeps a service's).
import { type Env, loadConfig } from '@supply/service-kit/config';
import { listen } from '@supply/service-kit/http';
import { buildGateway } from '../../../gateway/src/app.ts';
import { capturingLogger, NEIGHBOUR_URLS, NOWHERE } from './services.ts';

export interface StartedGateway {
  url: string;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startGateway(env: Env): Promise<StartedGateway> {
  const config = loadConfig('gateway', 0, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    // Subgraphs a test does not start are unreachable, whatever runs on this machine.
    ...Object.fromEntries(NEIGHBOUR_URLS.map((name) => [name, NOWHERE])),
    ...env,
  });
  const { logger, logs } = capturingLogger('gateway', config.logLevel);
  const gateway = await buildGateway({ config, logger });
  const server = await listen(gateway.app, 0, '127.0.0.1');
  return {
    url: server.url,
    logs,
    close: async () => {
      await server.close();
      await gateway.close();
    },
  };
}
