import { listen } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { exitOnCrash, loadConfigOrExit, onShutdown } from '@supply/service-kit/process';
import { GATEWAY } from '@supply/service-kit/processes';
import { openRateLimitStore } from '@supply/service-kit/rate-limit';
import { startTracing } from '@supply/service-kit/telemetry';
import { buildGateway } from './app.ts';

// With API keys, the gateway counts requests per key in the database (its role may touch nothing else).
const config = loadConfigOrExit(GATEWAY.name, GATEWAY.port, { database: Boolean(process.env.API_KEYS) });
const stopTracing = await startTracing('gateway');
const logger = createLogger('gateway', config.logLevel);
exitOnCrash(logger);
if (!config.apiKeys) logger.warn('API_KEYS is not set: every route is open to every caller');
const rateLimitStore = config.apiKeys ? openRateLimitStore(config.databaseUrl, logger) : undefined;
const gateway = await buildGateway({ config, logger, rateLimitStore });
const server = await listen(gateway.app, config.port);
logger.info({ port: server.port }, `gateway listening on port ${server.port}`);
onShutdown(logger, [server.close, gateway.close, async () => rateLimitStore?.end(), stopTracing]);
