import { listen } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { exitOnCrash, loadConfigOrExit, onShutdown } from '@supply/service-kit/process';
import { startTracing } from '@supply/service-kit/telemetry';
import { buildGateway } from './app.ts';

const config = loadConfigOrExit('gateway', 8080, { database: false });
const stopTracing = await startTracing('gateway');
const logger = createLogger('gateway', config.logLevel);
exitOnCrash(logger);
if (!config.apiKeys) logger.warn('API_KEYS is not set: every route is open to every caller');
const gateway = await buildGateway({ config, logger });
const server = await listen(gateway.app, config.port);
logger.info({ port: server.port }, `gateway listening on port ${server.port}`);
onShutdown(logger, [server.close, gateway.close, stopTracing]);
