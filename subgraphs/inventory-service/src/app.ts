// buildApp(deps): the inventory-service Express app with REST routes and /graphql.
import { readFileSync } from 'node:fs';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { createLoaders } from './loaders.ts';
import { openApiDocument } from './openapi.ts';
import { productsDomain } from './products.ts';
import { reservationsDomain } from './reservations.ts';
import { type Context, resolvers } from './resolvers.ts';
import { restocksDomain } from './restocks.ts';
import { access, inventoryRoutes } from './routes.ts';
import { inventoryDomain } from './stock.ts';
import { warehousesDomain } from './warehouses.ts';

const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export async function buildApp({ config, logger, db }: ServiceDeps): Promise<BuiltService> {
  const products = productsDomain(db);
  const inventory = inventoryDomain(db);
  const reservations = reservationsDomain(db);
  const warehouses = warehousesDomain(db);
  const app = createHttpApp({
    openApi: openApiDocument,
    rateLimitStore: db.pool,
    config,
    logger,
    readiness: [{ name: 'database', check: db.ping }],
    access,
  });
  app.use(inventoryRoutes({ products, inventory, reservations, warehouses, restocks: restocksDomain(db) }));
  const graphql = await mountSubgraph<Context>(app, {
    typeDefs,
    resolvers,
    logger,
    introspection: config.nodeEnv !== 'production',
    context: async () => ({ loaders: createLoaders(products, warehouses), products, inventory, warehouses }),
  });
  finishApp(app, logger);
  return { app, close: () => graphql.stop() };
}
