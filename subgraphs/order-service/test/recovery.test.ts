import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@supply/service-kit/config';
import { openDatabase } from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { GADGET, GIZMO, seed, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { freePort, type HungServer, startHungServer, waitFor } from '@supply/test-support/network';
import { spawnService } from '@supply/test-support/processes';
import { neighbours } from '../src/neighbours.ts';
import { orderRecovery } from '../src/recovery.ts';
import { supplyOrders } from '../src/supply-orders.ts';
import { type System, startSystem } from './system.ts';

let db: TestDatabase;
let hung: HungServer;

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db);
  hung = await startHungServer();
});

afterAll(async () => {
  await hung?.close();
  await db?.drop();
});

describe('an order-service killed after reserving and before booking the shipment', () => {
  it('settles the order when it next starts: failed, and no stock stays reserved', async () => {
    let system: System | undefined = await startSystem({ db });
    const child = await spawnService('order-service', await freePort(), {
      DATABASE_URL: db.url,
      INVENTORY_SERVICE_URL: system.inventory.url,
      // Logistics hangs, so the saga waits between reserving and booking.
      LOGISTICS_SERVICE_URL: hung.url,
      SERVICE_TIMEOUT_MS: '60000',
      ORDER_TIMEOUT_MS: '120000',
    });
    try {
      const orders = httpClient(child.url);
      const placing = orders.post('/supply-orders', {
        customerId: WITH_ADDRESS,
        items: [{ productId: GADGET, quantity: 7 }],
      });
      await waitFor(async () => (await stockOf(db, GADGET))?.reserved === 7, 'the stock to be reserved');
      await waitFor(async () => hung.connections > 0, 'the shipment call to hang');
      child.kill();
      await placing.catch(() => {});
      const { rows } = await db.query(`SELECT id, status FROM orders ORDER BY id DESC LIMIT 1`);
      expect(rows[0]?.status).toBe('pending');

      // It starts again; an order untouched this long is taken as abandoned.
      await system.stop();
      system = await startSystem({ db, recovery: { pendingTimeoutMs: 0, intervalMs: 60_000 } });
      const orderId = rows[0]?.id;
      const settled = await waitFor(async () => {
        const order = (await httpClient(system!.orders.url).get(`/supply-orders/${orderId}`)).data;
        return order.status === 'failed' ? order : undefined;
      }, 'the order to be settled');
      expect(settled.failureReason).toMatch(/interrupted/);
      // Failed first, then undone: the release follows the move.
      await waitFor(async () => (await stockOf(db, GADGET))?.reserved === 0, 'the stock to be released');
      expect(await stockOf(db, GADGET)).toEqual({ onHand: 100, reserved: 0 });
      const reservation = await db.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
      expect(reservation.rows[0]?.status).toBe('released');
    } finally {
      child.kill();
      await system?.stop();
    }
  });
});

describe('the recovery sweep', () => {
  it('releases the stock and cancels the shipment that a failed order still holds', async () => {
    const system = await startSystem({ db, recovery: { pendingTimeoutMs: 60_000, intervalMs: 100 } });
    try {
      // What a failed order looks like when its compensation could not get through.
      const order = await httpClient(system.orders.url).post('/supply-orders', {
        customerId: WITH_ADDRESS,
        items: [{ productId: GADGET, quantity: 2 }],
      });
      expect(order.status).toBe(201);
      await db.query(
        `UPDATE orders SET status = 'failed', failure_reason = 'test: left holding stock' WHERE id = $1`,
        [order.data.id],
      );
      await waitFor(async () => (await stockOf(db, GADGET))?.reserved === 0, 'the stock to be released');
      // The shipment is cancelled first, then the stock released: both are done by now.
      const shipmentStatus = async () =>
        (await db.query('SELECT status FROM shipments WHERE order_id = $1', [order.data.id])).rows[0]?.status;
      expect(await shipmentStatus()).toBe('cancelled');
    } finally {
      await system.stop();
    }
  });

  it('releases stock held without a shipment and cancels a shipment held without stock, and leaves live orders be', async () => {
    const system = await startSystem({ db, recovery: { pendingTimeoutMs: 60_000, intervalMs: 100 } });
    try {
      const orders = httpClient(system.orders.url);
      const place = async () => {
        const res = await orders.post('/supply-orders', {
          customerId: WITH_ADDRESS,
          items: [{ productId: GIZMO, quantity: 1 }],
        });
        expect(res.status).toBe(201);
        return res.data as { id: number; shipment: { id: number } };
      };
      const [stockOnly, shipmentOnly, live] = [await place(), await place(), await place()];
      // Each order holds one of the two, as when one compensation step got through and the other did not.
      expect(
        (
          await httpClient(system.logistics.url).patch(`/shipments/${stockOnly.shipment.id}`, {
            status: 'cancelled',
          })
        ).status,
      ).toBe(200);
      await db.query(
        `UPDATE orders SET status = 'failed', failure_reason = 'test: left holding stock' WHERE id = $1`,
        [stockOnly.id],
      );
      expect(
        (await httpClient(system.inventory.url).delete(`/inventory/reservations/${shipmentOnly.id}`)).status,
      ).toBe(204);
      await db.query(`UPDATE orders SET status = 'cancelled' WHERE id = $1`, [shipmentOnly.id]);

      const held = async (orderId: number) => {
        const { rows } = await db.query(
          `SELECT r.status AS reservation, s.status AS shipment
           FROM reservations r JOIN shipments s ON s.order_id = r.order_id WHERE r.order_id = $1`,
          [orderId],
        );
        return rows[0];
      };
      await waitFor(
        async () =>
          (await held(stockOnly.id))?.reservation === 'released' &&
          (await held(shipmentOnly.id))?.shipment === 'cancelled',
        'the leftovers to be released',
      );
      expect(await held(live.id)).toEqual({ reservation: 'reserved', shipment: 'label_created' });
    } finally {
      await system.stop();
    }
  });
});

describe('undoing an order whose shipment has already left', () => {
  it('keeps its stock committed, not released, and says so on the order', async () => {
    const system = await startSystem({ db, recovery: { pendingTimeoutMs: 60_000, intervalMs: 100 } });
    try {
      const placed = await httpClient(system.orders.url).post('/supply-orders', {
        customerId: WITH_ADDRESS,
        items: [{ productId: GADGET, quantity: 2 }],
      });
      expect(placed.status).toBe(201);
      const before = await stockOf(db, GADGET);
      // Its goods left, and its undo never got through: failed, still holding stock.
      await db.query(`UPDATE shipments SET status = 'in_transit' WHERE id = $1`, [placed.data.shipment.id]);
      await db.query(
        `UPDATE orders SET status = 'failed', failure_reason = 'test: left holding stock' WHERE id = $1`,
        [placed.data.id],
      );
      const reservation = async () =>
        (await db.query('SELECT status FROM reservations WHERE order_id = $1', [placed.data.id])).rows[0]
          ?.status;
      await waitFor(async () => (await reservation()) !== 'reserved', 'the sweep to undo the order');
      expect(await reservation()).toBe('committed');
      expect(await stockOf(db, GADGET)).toEqual({
        onHand: before!.onHand - 2,
        reserved: before!.reserved - 2,
      });
      const order = (await httpClient(system.orders.url).get(`/supply-orders/${placed.data.id}`)).data;
      expect(order.history.at(-1)).toMatchObject({
        from: 'failed',
        to: 'failed',
        reason: `its shipment ${placed.data.shipment.id} had already left: stock committed, not released`,
      });
    } finally {
      await system.stop();
    }
  });
});

describe('three replicas sweeping at the same moment', () => {
  it('settle each abandoned order and each dead owner’s key exactly once, and forget keys older than a day', async () => {
    const system = await startSystem({ db });
    const config = loadConfig('order-service', 0, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      INVENTORY_SERVICE_URL: system.inventory.url,
      LOGISTICS_SERVICE_URL: system.logistics.url,
    });
    const logger = createLogger('order-service', 'silent');
    const replicas = [1, 2, 3].map(() => {
      const replicaDb = openDatabase({ url: db.url, poolSize: 2, logger });
      const orders = supplyOrders(replicaDb, neighbours(config, logger), logger, { orderTimeoutMs: 2_000 });
      return {
        db: replicaDb,
        recovery: orderRecovery(replicaDb, orders, logger, { pendingTimeoutMs: 0, intervalMs: 60_000 }),
      };
    });
    try {
      const before = await stockOf(db, GIZMO);
      const http = httpClient(system.orders.url);
      const place = (key: string) =>
        http.post(
          '/supply-orders',
          { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }] },
          {
            headers: { 'Idempotency-Key': key },
          },
        );
      // Confirmed, but their owner died before keeping the answer: keys in progress, leases run out.
      const confirmed = [(await place('swept-1')).data.id, (await place('swept-2')).data.id];
      await db.query(
        `UPDATE idempotency_keys SET state = 'in_progress', response_status = NULL, response_body = NULL,
           locked_until = now() - interval '1 second' WHERE key IN ('swept-1', 'swept-2')`,
      );
      // Pending, their owner died mid-saga holding stock; one with its key.
      const pending = [(await place('swept-3')).data.id, (await place('swept-4')).data.id];
      await db.query(`UPDATE orders SET status = 'pending' WHERE id = ANY($1)`, [pending]);
      await db.query(
        `UPDATE idempotency_keys SET state = 'in_progress', response_status = NULL, response_body = NULL,
           locked_until = now() - interval '1 second' WHERE key = 'swept-3'`,
      );

      // A key from yesterday: kept 24 hours, then forgotten.
      await db.query(
        `INSERT INTO idempotency_keys (scope, caller, key, request_hash, state, response_status, response_body, created_at)
         VALUES ('supply-orders', 'open', 'swept-old', repeat('a', 64), 'completed', 201, '{}', now() - interval '25 hours')`,
      );

      await Promise.all(replicas.map((replica) => replica.recovery.runOnce()));

      const keys = await db.query<{ key: string; state: string; status: number; id: number }>(
        `SELECT key, state, response_status AS status, (response_body->>'id')::int AS id
         FROM idempotency_keys WHERE key LIKE 'swept-%' ORDER BY key`,
      );
      expect(keys.rows).toEqual([
        { key: 'swept-1', state: 'completed', status: 201, id: confirmed[0] },
        { key: 'swept-2', state: 'completed', status: 201, id: confirmed[1] },
        { key: 'swept-4', state: 'completed', status: 201, id: pending[1] },
      ]);
      const failed = await db.query(
        `SELECT order_id FROM order_status_history WHERE to_status = 'failed' AND order_id = ANY($1)`,
        [pending],
      );
      expect(failed.rows.map((row) => row.order_id).sort()).toEqual([...pending].sort());
      await waitFor(
        async () => (await stockOf(db, GIZMO))?.reserved === before!.reserved + 2,
        'the stock of the failed orders to be released',
      );
    } finally {
      for (const replica of replicas) {
        await replica.recovery.stop();
        await replica.db.close();
      }
      await system.stop();
    }
  });
});
