// Neighbours made slow in sequence (inventory, then logistics), through every
// door an order comes in by: whatever the timing, the caller's answer is the
// order's final state (201: confirmed and held; 503: failed and nothing held),
// and one request never yields two orders.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import { type System, startSystem } from './system.ts';

let system: System;
let inventory: SlowProxy;
let logistics: SlowProxy;

beforeAll(async () => {
  [inventory, logistics] = [await startSlowProxy(), await startSlowProxy()];
  system = await startSystem({
    gateway: true,
    inventoryUrl: inventory.url,
    logisticsUrl: logistics.url,
    timeoutMs: 500,
    env: { ORDER_TIMEOUT_MS: '2000', SUBGRAPH_TIMEOUT_MS: '2500' },
  });
  inventory.target = system.inventory.url;
  logistics.target = system.logistics.url;
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([inventory?.close(), logistics?.close()]);
});

const QUANTITY = 3;
const body = { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: QUANTITY }] };
const PLACE = `mutation($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) { id status }
}`;

interface Answer {
  status: 201 | 503;
  orderId?: number;
  /** The key to retry with, when the door gives one. */
  key?: string;
}

/** The three doors; each answers what its caller is told. */
const doors: Record<string, (key: string) => Promise<Answer>> = {
  'crm-api with a key': async (key) => crmAnswer(await crmPost({ 'Idempotency-Key': key })),
  'crm-api without a key': async () => crmAnswer(await crmPost({})),
  'the gateway': async (key) => {
    const input = {
      ...body,
      customerId: String(WITH_ADDRESS),
      items: [{ productId: String(GIZMO), quantity: QUANTITY }],
    };
    const { body: answer } = await graphql(system.gateway?.url ?? '', PLACE, { input, key });
    if (answer.data?.placeOrder) return { status: 201, orderId: Number(answer.data.placeOrder.id), key };
    expect(answer.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    return { status: 503, key };
  },
};

const crmPost = (headers: Record<string, string>) =>
  httpClient(system.crm.url, headers).post('/orders', body);

function crmAnswer(res: { status: number; data: any; headers: any }): Answer {
  expect([201, 503]).toContain(res.status);
  // Made up by crm-api when the caller sent none: even a legacy caller can retry safely.
  expect(res.headers['idempotency-key']).toEqual(expect.any(String));
  return { status: res.status as 201 | 503, orderId: res.data.id, key: res.headers['idempotency-key'] };
}

/** What the database says about the orders recorded after `sinceId`. */
async function ordersSince(sinceId: number) {
  const { rows } = await system.db.query<{
    id: number;
    status: string;
    reservation: string | null;
    live: number;
  }>(
    `SELECT o.id, o.status, r.status AS reservation,
       (SELECT count(*)::int FROM shipments s WHERE s.order_id = o.id AND s.status <> 'cancelled') AS live
     FROM orders o LEFT JOIN reservations r ON r.order_id = o.id WHERE o.id > $1 ORDER BY o.id`,
    [sinceId],
  );
  return rows;
}

async function lastOrderId(): Promise<number> {
  const { rows } = await system.db.query<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM orders');
  return rows[0]?.id ?? 0;
}

/** Every confirmed order holds its stock and nothing else holds any. */
async function expectStockOfConfirmedOrders() {
  const { rows } = await system.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders WHERE status = 'confirmed'`,
  );
  expect(await stockOf(system.db, GIZMO)).toEqual({ onHand: 500, reserved: (rows[0]?.n ?? 0) * QUANTITY });
}

// Inventory slow for, then logistics slow for (ms), against a 500 ms call timeout and a 2 s order
// timeout, and the answer expected when the timing leaves no doubt (slower than any deadline); near
// the deadline either answer may come, on a loaded machine too, and it must be the truth.
const timings: Array<[number, number, number | 'either']> = [
  [700, 0, 'either'],
  [600, 700, 'either'],
  [2_500, 0, 503],
  [0, 2_500, 503],
];

describe.each(timings)(
  'inventory slow for %i ms, then logistics for %i ms',
  (inventoryMs, logisticsMs, expected) => {
    it.each(Object.keys(doors))(
      'through %s, the answer is the order’s fate and a retry is safe',
      async (door) => {
        const since = await lastOrderId();
        const start = Date.now();
        inventory.slowUntil = start + inventoryMs;
        logistics.slowUntil = start + inventoryMs + logisticsMs;
        const answer = await doors[door]!(
          `deadline-${door.replaceAll(' ', '-')}-${inventoryMs}-${logisticsMs}`,
        );
        if (expected !== 'either') expect(answer.status).toBe(expected);
        // Every held call lands (late ones too) before the outcome is read.
        await Promise.all([inventory.drained(), logistics.drained()]);

        const [order, ...more] = await ordersSince(since);
        expect(more).toEqual([]);
        if (answer.status === 201) {
          expect(order).toEqual({
            id: answer.orderId,
            status: 'confirmed',
            reservation: 'reserved',
            live: 1,
          });
        } else {
          expect(order).toMatchObject({ status: 'failed', live: 0 });
          expect(order?.reservation).not.toBe('reserved');
        }
        await expectStockOfConfirmedOrders();

        // Retried with the key it was given, now that the neighbours are quick: one live order in all.
        // (A 503 comes before crm-api's own deadline, so possibly before the slow spells end: end them.)
        if (!answer.key) return;
        inventory.slowUntil = 0;
        logistics.slowUntil = 0;
        const retry = await doors[door === 'crm-api without a key' ? 'crm-api with a key' : door]!(
          answer.key,
        );
        expect(retry.status).toBe(201);
        if (answer.status === 201) expect(retry.orderId).toBe(answer.orderId);
        const after = await ordersSince(since);
        expect(after.filter((o) => o.status === 'confirmed')).toHaveLength(1);
        await expectStockOfConfirmedOrders();
      },
    );
  },
);
