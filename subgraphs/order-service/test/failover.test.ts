// Two copies of order-service on one database, as any deployment with replicas
// runs it. One copy, a real process, is killed with SIGKILL while orders are
// in flight; its callers retry on the other copy with the same Idempotency-Key
// until they get an answer. Then: no key stuck, the live orders are exactly
// the ones callers were told 201 about, and every unit of stock is accounted for.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, seed, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { freePort, waitFor } from '@supply/test-support/network';
import { type ServiceProcess, spawnService } from '@supply/test-support/processes';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import { type System, startSystem } from './system.ts';

const CALLERS = 40;
const ORDER_TIMEOUT_MS = '2000';

let db: TestDatabase;
let system: System;
let logistics: SlowProxy;
let doomed: ServiceProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db);
  // The surviving copy: every service in this process, its recovery sweep running often.
  system = await startSystem({
    db,
    env: { ORDER_TIMEOUT_MS },
    recovery: { pendingTimeoutMs: 3_000, intervalMs: 500 },
  });
  // The copy that dies: order-service as its own process, its bookings a little slow so
  // that orders are at every step when it is killed.
  logistics = await startSlowProxy(system.logistics.url);
  logistics.delayMs = 150;
  doomed = await spawnService('order-service', await freePort(), {
    DATABASE_URL: db.url,
    INVENTORY_SERVICE_URL: system.inventory.url,
    LOGISTICS_SERVICE_URL: logistics.url,
    ORDER_TIMEOUT_MS,
  });
}, 60_000);

afterAll(async () => {
  doomed?.kill();
  await system?.stop();
  await logistics?.close();
  await db?.drop();
});

const quantityOf = (caller: number) => 1 + (caller % 3);

/** One caller: tries the doomed copy, then the survivor with the same key until it has an answer that is not a 503. */
async function caller(index: number): Promise<{ status: number; orderId?: number }> {
  const body = { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: quantityOf(index) }] };
  const headers = { 'Idempotency-Key': `failover-${index}` };
  const first = await httpClient(doomed.url, headers)
    .post('/supply-orders', body)
    .catch(() => undefined);
  // A 503 means failed and nothing held: the caller retries, as after no answer at all.
  if (first && first.status !== 503) return { status: first.status, orderId: first.data.id };
  const survivor = httpClient(system.orders.url, headers);
  for (;;) {
    const retry = await survivor.post('/supply-orders', body);
    // 503: failed, nothing held; 409 "still in progress": the key's first request holds its lease.
    const inProgress = retry.status === 409 && /still in progress/.test(retry.data.detail);
    if (retry.status !== 503 && !inProgress) return { status: retry.status, orderId: retry.data.id };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('an order-service replica killed mid-load, its callers retrying on the other', () => {
  it('leaves no key stuck, a live order for each 201 and none other, and every unit of stock accounted for', async () => {
    const answers = Array.from({ length: CALLERS }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * 20));
      return caller(index);
    });
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM orders WHERE status = 'pending'`)).rows.length >= 3,
      'orders in flight on the doomed copy',
    );
    doomed.kill();
    const told = await Promise.all(answers);

    const created = told.filter((answer) => answer.status === 201).map((answer) => answer.orderId);
    const live = await db.query<{ id: number; quantity: number }>(
      `SELECT o.id, sum(i.quantity)::int AS quantity FROM orders o JOIN order_items i ON i.order_id = o.id
       WHERE o.status = 'confirmed' GROUP BY o.id ORDER BY o.id`,
    );
    const stuck = await db.query(`SELECT key FROM idempotency_keys WHERE state = 'in_progress'`);
    // Orders the doomed copy left pending without a caller to settle them are the sweep's.
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM orders WHERE status = 'pending'`)).rows.length === 0 &&
        (
          await db.query(
            `SELECT 1 FROM reservations r JOIN orders o ON o.id = r.order_id
             WHERE r.status = 'reserved' AND o.status <> 'confirmed'`,
          )
        ).rows.length === 0,
      'the sweep to settle what the doomed copy left',
    );
    const stock = await stockOf(db, GIZMO);
    const held = live.rows.reduce((sum, row) => sum + row.quantity, 0);
    const figures = {
      callers: CALLERS,
      toldCreated: created.length,
      liveOrders: live.rows.length,
      keysStuck: stuck.rows.length,
      ordersRecorded: Number((await db.query('SELECT count(*) AS n FROM orders')).rows[0]?.n),
      unitsReserved: stock?.reserved,
      unitsHeldByLiveOrders: held,
    };
    process.stdout.write(`two-copy failover: ${JSON.stringify(figures)}\n`);

    expect(told.every((answer) => answer.status === 201)).toBe(true);
    expect(new Set(created).size).toBe(CALLERS);
    expect(live.rows.map((row) => row.id)).toEqual([...created].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(stuck.rows).toEqual([]);
    expect(stock).toEqual({ onHand: 500, reserved: held });
    const liveShipments = await db.query(
      `SELECT s.order_id FROM shipments s JOIN orders o ON o.id = s.order_id
       WHERE s.status <> 'cancelled' AND o.status <> 'confirmed'`,
    );
    expect(liveShipments.rows).toEqual([]);
  }, 90_000);
});
