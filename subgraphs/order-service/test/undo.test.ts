// Undoing is failure-safe: a cancellation is recorded before anything is
// given back, and what does not get through is finished by the recovery
// sweep; a cancel racing a saga leaves nothing live; and recovery never holds
// a transaction (or a row lock) while it calls a neighbour.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import type { AxiosInstance } from 'axios';
import { type System, startSystem } from './system.ts';

let system: System;
let inventory: SlowProxy;
let logistics: SlowProxy;
let orders: AxiosInstance;

beforeAll(async () => {
  [inventory, logistics] = [await startSlowProxy(), await startSlowProxy()];
  system = await startSystem({
    inventoryUrl: inventory.url,
    logisticsUrl: logistics.url,
    timeoutMs: 500,
    env: { ORDER_TIMEOUT_MS: '2000' },
    recovery: { pendingTimeoutMs: 5_000, intervalMs: 300 },
  });
  inventory.target = system.inventory.url;
  logistics.target = system.logistics.url;
  orders = httpClient(system.orders.url);
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([inventory?.close(), logistics?.close()]);
});

const order = { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 4 }] };
const reserved = async () => (await stockOf(system.db, GIZMO))?.reserved;
const liveShipments = async (orderId: number) =>
  (await system.db.query(`SELECT id FROM shipments WHERE order_id = $1 AND status <> 'cancelled'`, [orderId]))
    .rows.length;

describe('cancelling', () => {
  it('records the cancellation when the release fails, and the sweep releases the stock once inventory is back', async () => {
    const before = await reserved();
    const placed = await orders.post('/supply-orders', order);
    expect(placed.status).toBe(201);
    inventory.down = true;
    try {
      const res = await orders.post(`/supply-orders/${placed.data.id}/cancel`);
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ status: 'cancelled', shipment: { status: 'cancelled' } });
      expect(await reserved()).toBe(before! + 4);
    } finally {
      inventory.down = false;
    }
    await waitFor(async () => (await reserved()) === before, 'the sweep to release the stock');
  });

  it('leaves no live label and no stock held when it races a saga whose booking lands late', async () => {
    const before = await reserved();
    // Bookings are held past the saga's deadline, then land.
    logistics.slowUntil = Date.now() + 2_500;
    const placing = orders.post('/supply-orders', order);
    const { rows } = await waitFor(async () => {
      const found = await system.db.query<{ id: number }>(
        `SELECT order_id AS id FROM reservations WHERE status = 'reserved' AND order_id =
           (SELECT max(id) FROM orders WHERE status = 'pending')`,
      );
      return found.rows.length > 0 ? found : undefined;
    }, 'the stock of the pending order to be reserved');
    const orderId = rows[0]!.id;
    const cancel = await orders.post(`/supply-orders/${orderId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.data.status).toBe('cancelled');
    expect([409, 503]).toContain((await placing).status);
    await logistics.drained();
    expect(await liveShipments(orderId)).toBe(0);
    expect(await reserved()).toBe(before);
    expect((await orders.get(`/supply-orders/${orderId}`)).data.status).toBe('cancelled');
  });
});

describe('the recovery sweep', () => {
  it('holds no transaction and no lock on the order while it calls inventory-service', async () => {
    // An order its process left pending an hour ago, holding stock.
    const { rows } = await system.db.query<{ id: number }>(
      `INSERT INTO orders (customer_id, status, total_cents, currency, shipping_line1, shipping_city,
         shipping_postal_code, shipping_country)
       VALUES ($1, 'pending', 2000, 'USD', '1 Road', 'London', 'N1 1AA', 'GB') RETURNING id`,
      [WITH_ADDRESS],
    );
    const orderId = rows[0]!.id;
    const before = await reserved();
    const reserve = { orderId, items: [{ productId: GIZMO, quantity: 4 }] };
    expect((await httpClient(system.inventory.url).post('/inventory/reservations', reserve)).status).toBe(
      201,
    );
    // Inventory answers slowly from now on: the sweep's release waits on it.
    inventory.slowUntil = Date.now() + 60_000;
    await system.db.query(`UPDATE orders SET updated_at = now() - interval '1 hour' WHERE id = $1`, [
      orderId,
    ]);
    try {
      await waitFor(async () => inventory.pending > 0, 'the sweep to call inventory-service');
      // Another transaction takes the order's row lock at once: nobody holds it.
      const locked = await system.db.query(
        `WITH o AS (SELECT id FROM orders WHERE id = $1 FOR UPDATE NOWAIT) SELECT id FROM o`,
        [orderId],
      );
      expect(locked.rows).toEqual([{ id: orderId }]);
      const idle = await system.db.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(idle.rows).toEqual([]);
      expect((await orders.get(`/supply-orders/${orderId}`)).data.status).toBe('failed');
    } finally {
      inventory.slowUntil = 0;
    }
    await waitFor(async () => (await reserved()) === before, 'the stock to be released');
  });
});
