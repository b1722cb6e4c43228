// buildApp(deps, options): the logistics-service Express app with REST routes,
// /graphql, and the sweep that delivers shipment reports to order-service.
import { readFileSync } from 'node:fs';
import { type AccessPolicy, defaultPolicy } from '@supply/service-kit/auth';
import { createServiceClient } from '@supply/service-kit/client';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { createLoaders } from './loaders.ts';
import { openApiDocument } from './openapi.ts';
import { createReportOutbox, DEFAULT_REPORT_OPTIONS } from './reports.ts';
import { type Context, resolvers } from './resolvers.ts';
import { reportRoutes, shipmentRoutes } from './routes.ts';
import { shipmentsDomain } from './shipments.ts';
import type { Carrier } from './shipping-rules.ts';

const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface AppOptions {
  /** How often the report sweep runs (default 5000 ms). */
  reportIntervalMs?: number;
  /** First retry delay of an undelivered report; doubles per attempt up to 5 minutes (default 1000 ms). */
  reportRetryBaseMs?: number;
  /** Where tracking numbers come from (tests force collisions with it). */
  newTrackingNumber?: (carrier: Carrier) => string;
}

// Booking labels and cancelling an order's are order-service's steps: the service key (admin) only.
// The parked reports are for operators only.
const access: AccessPolicy = (req) =>
  (req.method === 'POST' && req.path.startsWith('/shipments')) || req.path.startsWith('/shipment-reports')
    ? 'admin'
    : defaultPolicy(req);

export async function buildApp(
  { config, logger, db }: ServiceDeps,
  options: AppOptions = {},
): Promise<BuiltService> {
  const orderService = createServiceClient({
    name: 'order-service',
    baseURL: config.urls.orders,
    timeoutMs: config.serviceTimeoutMs,
    serviceApiKey: config.serviceApiKey,
    logger,
    retries: 0,
  });
  const reports = createReportOutbox({
    db,
    logger,
    orderService,
    options: {
      ...DEFAULT_REPORT_OPTIONS,
      intervalMs: options.reportIntervalMs ?? DEFAULT_REPORT_OPTIONS.intervalMs,
      retryBaseMs: options.reportRetryBaseMs ?? DEFAULT_REPORT_OPTIONS.retryBaseMs,
      sendTimeoutMs: config.serviceTimeoutMs,
    },
  });
  const shipments = shipmentsDomain({ db, reports, newTrackingNumber: options.newTrackingNumber });
  const app = createHttpApp({
    openApi: openApiDocument,
    rateLimitStore: db.pool,
    config,
    logger,
    access,
    // Not order-service: reports wait in the outbox while it is down.
    readiness: [{ name: 'database', check: db.ping }],
  });
  app.use(shipmentRoutes(shipments), reportRoutes(reports));
  const graphql = await mountSubgraph<Context>(app, {
    typeDefs,
    resolvers,
    logger,
    introspection: config.nodeEnv !== 'production',
    context: async () => ({ shipments, loaders: createLoaders(shipments) }),
  });
  finishApp(app, logger);
  reports.start();
  return {
    app,
    close: async () => {
      await reports.close();
      await graphql.stop();
    },
  };
}
