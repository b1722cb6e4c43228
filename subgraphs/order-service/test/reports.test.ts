// Shipment reports from logistics-service, end to end through its outbox:
// none is dropped. A report for an order still being placed is sent again
// until it applies; a duplicate is acknowledged; a shipment cancelled in
// logistics reaches its order; only a report that can never apply is parked,
// listed for operators and replayable.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import type { AxiosInstance } from 'axios';
import pg from 'pg';
import { type System, startSystem } from './system.ts';

let system: System;
let logisticsProxy: SlowProxy;
let orders: AxiosInstance;
let logistics: AxiosInstance;

beforeAll(async () => {
  logisticsProxy = await startSlowProxy();
  // A deadline long enough that the order stays pending for as long as the first test holds it.
  system = await startSystem({ logisticsUrl: logisticsProxy.url, env: { ORDER_TIMEOUT_MS: '30000' } });
  logisticsProxy.target = system.logistics.url;
  orders = httpClient(system.orders.url);
  logistics = httpClient(system.logistics.url);
});

afterAll(async () => {
  await system?.stop();
  await logisticsProxy?.close();
});

const order = { customerId: WITH_ADDRESS, items: [{ productId: GADGET, quantity: 2 }] };

async function place() {
  const res = await orders.post('/supply-orders', order);
  expect(res.status).toBe(201);
  return res.data as { id: number; shipment: { id: number } };
}

const statusOf = async (id: number) => (await orders.get(`/supply-orders/${id}`)).data.status as string;
const reserved = async () => (await stockOf(system.db, GADGET))?.reserved;

describe('shipment reports', () => {
  it('sends a report for an order still being placed again until it applies: shipped, stock committed', async () => {
    const before = await stockOf(system.db, GADGET);
    // The booking is made at once, its answer held until released: the order stays pending meanwhile.
    logisticsProxy.holdAnswers = true;
    logisticsProxy.slowUntil = Date.now() + 60_000;
    const placing = orders.post('/supply-orders', order);
    const { rows } = await waitFor(async () => {
      const found = await system.db.query<{ id: number; order_id: number }>(
        `SELECT s.id, s.order_id FROM shipments s JOIN orders o ON o.id = s.order_id
         WHERE o.status = 'pending' AND s.status = 'label_created'`,
      );
      return found.rows.length > 0 ? found : undefined;
    }, 'the shipment of a pending order');
    const shipment = rows[0]!;
    expect((await logistics.patch(`/shipments/${shipment.id}`, { status: 'in_transit' })).status).toBe(200);
    // The report reaches the order while it is pending; then the booking's answer is let go.
    await waitFor(async () => {
      const sent = await system.db.query<{ attempts: number }>(
        'SELECT attempts FROM shipment_reports WHERE shipment_id = $1 AND attempts > 0',
        [shipment.id],
      );
      return sent.rows.length > 0 ? true : undefined;
    }, 'the report to be sent while the order is pending');
    logisticsProxy.slowUntil = 0;

    expect((await placing).status).toBe(201);
    logisticsProxy.holdAnswers = false;
    await waitFor(async () => (await statusOf(shipment.order_id)) === 'shipped', 'the order to be shipped');
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand - 2,
      reserved: before!.reserved,
    });
    // Sent while the order was pending (a 503, kept for later), then again once it was confirmed.
    const report = await waitFor(async () => {
      const found = await system.db.query<{ attempts: number }>(
        'SELECT attempts FROM shipment_reports WHERE shipment_id = $1 AND delivered_at IS NOT NULL',
        [shipment.id],
      );
      return found.rows.length > 0 ? found : undefined;
    }, 'the report to be delivered');
    expect(report.rows[0]?.attempts).toBeGreaterThan(1);
  });

  it('acknowledges a duplicate report that loses a race to the first, and commits the stock once', async () => {
    const placed = await place();
    const before = await stockOf(system.db, GADGET);
    const event = { shipmentId: placed.shipment.id, status: 'in_transit' };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => orders.post(`/supply-orders/${placed.id}/shipment-events`, event)),
    );
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(await statusOf(placed.id)).toBe('shipped');
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand - 2,
      reserved: before!.reserved - 2,
    });
  });

  it('reports a shipment cancelled in logistics to its order, which is cancelled and its stock released', async () => {
    const before = await reserved();
    const placed = await place();
    expect((await logistics.patch(`/shipments/${placed.shipment.id}`, { status: 'cancelled' })).status).toBe(
      200,
    );
    await waitFor(async () => (await statusOf(placed.id)) === 'cancelled', 'the order to be cancelled');
    await waitFor(async () => (await reserved()) === before, 'the stock to be released');
  });

  it('cancels an order confirmed after a shipment-cancelled report read it pending, and releases its stock', async () => {
    const before = await reserved();
    const placed = await place();
    // Pending again, as while its saga runs: the report reads it so, then the saga confirms it first.
    await system.db.query(`UPDATE orders SET status = 'pending' WHERE id = $1`, [placed.id]);
    const saga = new pg.Client({ connectionString: system.db.url });
    await saga.connect();
    try {
      await saga.query('BEGIN');
      await saga.query('SELECT FROM orders WHERE id = $1 FOR UPDATE', [placed.id]);
      const sagaPid = (await saga.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const report = orders.post(`/supply-orders/${placed.id}/shipment-events`, {
        shipmentId: placed.shipment.id,
        status: 'cancelled',
      });
      await waitFor(
        async () =>
          ((
            await system.db.query('SELECT FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [
              sagaPid,
            ])
          ).rowCount ?? 0) > 0,
        'the report to wait for the order the saga holds',
      );
      await saga.query(`UPDATE orders SET status = 'confirmed' WHERE id = $1`, [placed.id]);
      await saga.query('COMMIT');
      const answer = await report;
      expect(answer.status).toBe(200);
      expect(answer.data.status).toBe('cancelled');
    } finally {
      await saga.end();
    }
    await waitFor(async () => (await reserved()) === before, 'the stock to be released');
  });

  it('parks a report that can never apply, with its reason, lists it and sends it again on request', async () => {
    const placed = await place();
    await orders.post(`/supply-orders/${placed.id}/cancel`);
    // A report no order-service can apply: the goods of a cancelled order in transit.
    const { rows } = await system.db.query<{ id: number }>(
      `INSERT INTO shipment_reports (shipment_id, order_id, status) VALUES ($1, $2, 'in_transit') RETURNING id`,
      [placed.shipment.id, placed.id],
    );
    const id = rows[0]!.id;
    const parked = await waitFor(async () => {
      const { data } = await logistics.get('/shipment-reports/parked');
      return data.items.find((item: { id: number }) => item.id === id);
    }, 'the report to be parked');
    expect(parked).toMatchObject({
      orderId: placed.id,
      status: 'in_transit',
      reason: expect.stringMatching(/409/),
    });

    expect((await logistics.post(`/shipment-reports/${id}/replay`)).status).toBe(202);
    await waitFor(async () => {
      const { rows: again } = await system.db.query(
        'SELECT attempts FROM shipment_reports WHERE id = $1 AND rejected_at IS NOT NULL',
        [id],
      );
      return again[0]?.attempts === 2;
    }, 'the replayed report to be sent and parked again');
    expect((await logistics.post('/shipment-reports/999999/replay')).status).toBe(404);
  });
});

describe('a second booking for an order with a live shipment', () => {
  it('is a 409 when it asks for another destination, and answers the live shipment when it asks for the same', async () => {
    const placed = await place();
    const booking = {
      orderId: placed.id,
      destination: { line1: '1 Elsewhere Road', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' },
      weightGrams: 2_400,
      serviceLevel: 'standard',
    };
    const other = await logistics.post('/shipments', booking);
    expect(other.status).toBe(409);
    expect(other.data.shipmentId).toBe(placed.shipment.id);
    const live = (await logistics.get(`/shipments/${placed.shipment.id}`)).data;
    const same = await logistics.post('/shipments', {
      ...booking,
      destination: {
        line1: live.destination.line1,
        city: live.destination.city,
        postalCode: live.destination.postalCode,
        country: live.destination.country,
      },
    });
    expect(same.status).toBe(200);
    expect(same.data.id).toBe(placed.shipment.id);
  });
});
