// buildApp(deps): the crm-api Express app with REST routes and /graphql.
import { readFileSync } from 'node:fs';
import { createServiceClient } from '@supply/service-kit/client';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { customersDomain } from './customers.ts';
import { createLoaders } from './loaders.ts';
import { openApiDocument } from './openapi.ts';
import { ordersFrontDoor } from './orders.ts';
import { type Context, resolvers } from './resolvers.ts';
import { customerRoutes } from './routes.ts';

const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export async function buildApp({ config, logger, db }: ServiceDeps): Promise<BuiltService> {
  const customers = customersDomain(db);
  const orderService = createServiceClient({
    name: 'order-service',
    baseURL: config.urls.orders,
    timeoutMs: config.serviceTimeoutMs,
    serviceApiKey: config.serviceApiKey,
    logger,
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
  app.use(customerRoutes(customers, ordersFrontDoor(orderService, customers, config.orderTimeoutMs)));
  const graphql = await mountSubgraph<Context>(app, {
    typeDefs,
    resolvers,
    logger,
    introspection: config.nodeEnv !== 'production',
    context: async () => ({ customers, loaders: createLoaders(customers) }),
  });
  finishApp(app, logger);
  return { app, close: () => graphql.stop() };
}
