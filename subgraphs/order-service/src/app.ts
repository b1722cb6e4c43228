// buildApp(deps): the order-service Express app with REST routes, /graphql,
// and the crash-recovery sweep.
import { readFileSync } from 'node:fs';
import type { AccessPolicy } from '@supply/service-kit/auth';
import { defaultPolicy } from '@supply/service-kit/auth';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import type { BuiltService, ServiceDeps } from '@supply/service-kit/service';
import { createLoaders } from './loaders.ts';
import { neighbours } from './neighbours.ts';
import { openApiDocument } from './openapi.ts';
import { orderRecovery, type RecoveryOptions } from './recovery.ts';
import { type Context, resolvers } from './resolvers.ts';
import { returnRoutes } from './return-routes.ts';
import { orderReturns } from './returns.ts';
import { supplyOrderRoutes } from './routes.ts';
import { supplyOrders } from './supply-orders.ts';

const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

// Shipment reports come from logistics-service only.
const access: AccessPolicy = (req) =>
  /^\/supply-orders\/[^/]+\/shipment-events$/.test(req.path) ? 'admin' : defaultPolicy(req);

export async function buildApp(
  { config, logger, db }: ServiceDeps,
  recovery: RecoveryOptions = { pendingTimeoutMs: 60_000, intervalMs: 30_000 },
): Promise<BuiltService> {
  const calls = neighbours(config, logger);
  const orders = supplyOrders(db, calls, logger, { orderTimeoutMs: config.orderTimeoutMs });
  const returns = orderReturns(db, calls, logger);
  const app = createHttpApp({
    openApi: openApiDocument,
    rateLimitStore: db.pool,
    config,
    logger,
    access,
    readiness: [{ name: 'database', check: db.ping }, ...calls.readiness],
  });
  app.use(supplyOrderRoutes(orders));
  app.use(returnRoutes(returns));
  const graphql = await mountSubgraph<Context>(app, {
    typeDefs,
    resolvers,
    logger,
    introspection: config.nodeEnv !== 'production',
    context: async () => ({ orders, returns, loaders: createLoaders(db, orders, returns) }),
  });
  finishApp(app, logger);
  const sweep = orderRecovery(db, orders, logger, recovery, [returns.restockOwed]);
  const settled = sweep.start();
  return {
    app,
    settled,
    close: async () => {
      await sweep.stop();
      await graphql.stop();
    },
  };
}
