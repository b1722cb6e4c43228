// The whole system in-process for end-to-end tests: the four services (and
// the gateway when asked) on port 0 over one test database, wired to each
// other over HTTP exactly as in production.
import { buildApp as buildCrm } from '../../../subgraphs/crm-api/src/app.ts';
import { buildApp as buildInventory } from '../../../subgraphs/inventory-service/src/app.ts';
import { buildApp as buildLogistics } from '../../../subgraphs/logistics-service/src/app.ts';
import { buildApp as buildOrders } from '../../../subgraphs/order-service/src/app.ts';
import type { RecoveryOptions } from '../../../subgraphs/order-service/src/recovery.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { type StartedGateway, startGateway } from './gateway.ts';
import { freePort } from './network.ts';
import { type StartedService, startService } from './services.ts';

export interface SystemOptions {
  /** Reuse a database (a restart) instead of a fresh one; it is then not dropped. */
  db?: TestDatabase;
  /** Fills a fresh database before the services start. */
  seed?: (db: TestDatabase) => Promise<unknown>;
  /** Point order-service at this logistics URL instead (a stopped, hung or slow one). */
  logisticsUrl?: string;
  /** Point order-service at this inventory URL instead (a slow one). */
  inventoryUrl?: string;
  /** SERVICE_TIMEOUT_MS of order-service; failure tests bound it tightly. */
  timeoutMs?: number;
  recovery?: RecoveryOptions;
  gateway?: boolean;
  /** Extra environment for every process (e.g. API_KEYS). */
  env?: Record<string, string>;
}

export interface System {
  db: TestDatabase;
  crm: StartedService;
  inventory: StartedService;
  logistics: StartedService;
  orders: StartedService;
  gateway?: StartedGateway;
  stop(): Promise<void>;
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const db = options.db ?? (await createTestDatabase());
  if (!options.db) await options.seed?.(db);
  const env = options.env ?? {};
  // order-service and logistics-service call each other: fix order-service's port first.
  const ordersPort = await freePort();
  const ordersUrl = `http://127.0.0.1:${ordersPort}`;
  const start = (
    name: string,
    build: Parameters<typeof startService>[0]['build'],
    extra: Record<string, string> = {},
  ) =>
    startService({
      name,
      databaseUrl: db.url,
      build,
      env: { ...env, ORDER_SERVICE_URL: ordersUrl, ...extra },
    });
  const inventory = await start('inventory-service', buildInventory);
  const logistics = await start('logistics-service', (deps) =>
    buildLogistics(deps, { reportIntervalMs: 200 }),
  );
  const orders = await startService({
    name: 'order-service',
    databaseUrl: db.url,
    port: ordersPort,
    env: {
      ...env,
      INVENTORY_SERVICE_URL: options.inventoryUrl ?? inventory.url,
      LOGISTICS_SERVICE_URL: options.logisticsUrl ?? logistics.url,
      ...(options.timeoutMs && { SERVICE_TIMEOUT_MS: String(options.timeoutMs) }),
    },
    build: (deps) => buildOrders(deps, options.recovery ?? { pendingTimeoutMs: 60_000, intervalMs: 60_000 }),
  });
  // crm-api reads webhook events' data from each service.
  const crm = await start('crm-api', buildCrm, {
    INVENTORY_SERVICE_URL: inventory.url,
    LOGISTICS_SERVICE_URL: logistics.url,
  });
  const gateway = options.gateway
    ? await startGateway({
        ...env,
        DATABASE_URL: db.url,
        CRM_API_URL: crm.url,
        INVENTORY_SERVICE_URL: inventory.url,
        LOGISTICS_SERVICE_URL: logistics.url,
        ORDER_SERVICE_URL: orders.url,
      })
    : undefined;
  return {
    db,
    crm,
    inventory,
    logistics,
    orders,
    gateway,
    stop: async () => {
      await gateway?.close();
      for (const service of [crm, orders, logistics, inventory]) await service.close();
      if (!options.db) await db.drop();
    },
  };
}
