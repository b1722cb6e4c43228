import { afterEach, describe, expect, it } from '@jest/globals';
import { GADGET, seed, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { startHungServer } from '@supply/test-support/network';
import { NOWHERE } from '@supply/test-support/services';
import { type System, startSystem, TIMEOUT_MS } from './system.ts';

let system: System | undefined;

afterEach(async () => {
  await system?.stop();
  system = undefined;
});

const order = { customerId: WITH_ADDRESS, items: [{ productId: GADGET, quantity: 5 }] };

/** Three tries of TIMEOUT_MS each, their backoff, and the compensation. */
const BOUND_MS = 3 * TIMEOUT_MS + 2_000;

async function expectFailedAndReleased(res: { status: number; data: any }, running: System) {
  expect(res.status).toBe(503);
  expect(res.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  expect(await stockOf(running.db, GADGET)).toEqual({ onHand: 100, reserved: 0 });
  const { rows } = await running.db.query(
    `SELECT status, failure_reason FROM orders ORDER BY id DESC LIMIT 1`,
  );
  expect(rows[0]).toMatchObject({
    status: 'failed',
    failure_reason: expect.stringMatching(/booking the shipment: logistics-service/),
  });
  const reservation = await running.db.query(
    `SELECT status FROM reservations ORDER BY order_id DESC LIMIT 1`,
  );
  expect(reservation.rows[0]?.status).toBe('released');
}

describe('a dependency that is down or hangs', () => {
  it('answers 503 when logistics-service is stopped, releases the stock, keeps the order failed, and works again after', async () => {
    const db = await createTestDatabase();
    await seed(db);
    try {
      system = await startSystem({ db, logisticsUrl: NOWHERE, timeoutMs: TIMEOUT_MS });
      const started = Date.now();
      const res = await httpClient(system.orders.url).post('/supply-orders', order);
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      await expectFailedAndReleased(res, system);

      // logistics-service back: the same database, order-service pointed at the live one.
      await system.stop();
      system = await startSystem({ db });
      const again = await httpClient(system.orders.url).post('/supply-orders', order);
      expect(again.status).toBe(201);
      expect(await stockOf(db, GADGET)).toEqual({ onHand: 100, reserved: 5 });
    } finally {
      await system?.stop();
      system = undefined;
      await db.drop();
    }
  });

  it('answers 503 within a bounded time when logistics-service accepts but never answers', async () => {
    const hung = await startHungServer();
    try {
      system = await startSystem({ logisticsUrl: hung.url, timeoutMs: TIMEOUT_MS });
      const started = Date.now();
      const res = await httpClient(system.orders.url).post('/supply-orders', order);
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(hung.connections).toBeGreaterThanOrEqual(1);
      await expectFailedAndReleased(res, system);
      expect(res.data.detail).toMatch(/did not answer in time/);
    } finally {
      await hung.close();
    }
  });

  it('is not ready while a neighbour is down, and says which', async () => {
    system = await startSystem({ logisticsUrl: NOWHERE, timeoutMs: TIMEOUT_MS });
    const res = await httpClient(system.orders.url).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.data.checks).toMatchObject({ database: 'ok', 'inventory-service': 'ok' });
    expect(res.data.reason).toMatch(/logistics-service/);
  });
});
