// buildApp(deps): the crm-api Express app with REST routes and /graphql.
import { readFileSync } from 'node:fs';
import { createServiceClient } from '@supply/service-kit/client';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { customersDomain } from './customers.ts';
import { createLoaders } from './loaders.ts';
import { openApiDocument } from './openapi.ts';
import { ordersClient } from './orders.ts';
import { type Context, resolvers } from './resolvers.ts';
import { customerRoutes } from './routes.ts';
import { createDeliverer } from './webhook-delivery.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { webhooksDomain } from './webhooks.ts';

const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export async function buildApp({ config, logger, db }: ServiceDeps): Promise<BuiltService> {
  const customers = customersDomain(db);
  const client = (name: string, baseURL: string) =>
    createServiceClient({
      name,
      baseURL,
      timeoutMs: config.serviceTimeoutMs,
      serviceApiKey: config.serviceApiKey,
      logger,
    });
  const orderService = client('order-service', config.urls.orders);
  const production = config.nodeEnv === 'production';
  const deliverer = createDeliverer({
    db,
    logger,
    production,
    retrySchedule: config.webhookRetrySchedule,
    sources: {
      orders: orderService,
      logistics: client('logistics-service', config.urls.logistics),
      inventory: client('inventory-service', config.urls.inventory),
    },
  });
  const app = createHttpApp({
    openApi: openApiDocument,
    rateLimitStore: db.pool,
    config,
    logger,
    readiness: [
      { name: 'database', check: db.ping },
      { name: 'order-service', check: () => orderService.get('/healthz', { 'axios-retry': { retries: 0 } }) },
    ],
  });
  app.use(customerRoutes(customers, ordersClient(orderService, customers, config.orderTimeoutMs)));
  app.use(webhookRoutes(webhooksDomain(db, production)));
  const graphql = await mountSubgraph<Context>(app, {
    typeDefs,
    resolvers,
    logger,
    introspection: config.nodeEnv !== 'production',
    context: async () => ({ customers, loaders: createLoaders(customers) }),
  });
  finishApp(app, logger);
  deliverer.start();
  return {
    app,
    close: async () => {
      await deliverer.close();
      await graphql.stop();
    },
  };
}
