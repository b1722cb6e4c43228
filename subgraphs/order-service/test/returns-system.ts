// What the return tests share: the whole system, with order-service reaching
// inventory-service through a proxy that can take it down and a quick recovery
// sweep (a restock owed is sent again within a test), and their steps.
import { expect } from '@jest/globals';
import { WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import { type System, startSystem } from './system.ts';

export type Line = { productId: number; quantity: number };

export async function startReturnsSystem() {
  const proxy: SlowProxy = await startSlowProxy();
  const system: System = await startSystem({
    inventoryUrl: proxy.url,
    timeoutMs: 500,
    recovery: { pendingTimeoutMs: 60_000, intervalMs: 300 },
  });
  proxy.target = system.inventory.url;
  const orders = httpClient(system.orders.url);
  const logistics = httpClient(system.logistics.url);

  return {
    system,
    proxy,
    orders,
    inventory: httpClient(system.inventory.url),

    /** An order placed, and each of its shipments carried and delivered (logistics reports them). */
    async deliveredOrder(items: Line[]): Promise<{ id: number }> {
      const placed = await orders.post('/supply-orders', { customerId: WITH_ADDRESS, items });
      expect(placed.status).toBe(201);
      for (const shipment of placed.data.shipments as Array<{ id: number }>) {
        for (const status of ['in_transit', 'delivered']) {
          expect((await logistics.patch(`/shipments/${shipment.id}`, { status })).status).toBe(200);
        }
      }
      const status = async () => (await orders.get(`/supply-orders/${placed.data.id}`)).data.status;
      await waitFor(async () => (await status()) === 'delivered', 'the order to be delivered');
      return placed.data;
    },

    async onHand(productId: number, warehouseId = 1): Promise<number> {
      const { rows } = await system.db.query<{ n: number }>(
        'SELECT quantity_on_hand AS n FROM warehouse_stock WHERE product_id = $1 AND warehouse_id = $2',
        [productId, warehouseId],
      );
      return rows[0]?.n ?? 0;
    },

    requestReturn: (orderId: number, items: Line[], headers: Record<string, string> = {}) =>
      orders.post(`/supply-orders/${orderId}/returns`, { items, reason: 'Arrived damaged' }, { headers }),

    /** The return's restockedAt, once it is set. */
    restocked: async (returnId: number) =>
      ((await orders.get(`/returns/${returnId}`)).data.restockedAt as string | null) ?? undefined,

    async stop(): Promise<void> {
      await system.stop();
      await proxy.close();
    },
  };
}

export type ReturnsSystem = Awaited<ReturnType<typeof startReturnsSystem>>;
