import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '@supply/service-kit/database';
import { Unavailable } from '@supply/service-kit/errors';
import { requestHash } from '@supply/service-kit/idempotency';
import { createLogger } from '@supply/service-kit/logger';
import { count, GADGET, GIZMO, stockOf, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import type { AxiosInstance } from 'axios';
import { idempotency } from '../src/idempotency.ts';
import type { Neighbours } from '../src/neighbours.ts';
import { orderPlacing, placeOrderInput } from '../src/placing.ts';
import { type System, startSystem } from './system.ts';

let system: System;
let http: AxiosInstance;

beforeAll(async () => {
  system = await startSystem();
  http = httpClient(system.orders.url);
});

afterAll(async () => {
  await system?.stop();
});

const order = { customerId: WITH_ADDRESS, items: [{ productId: GADGET, quantity: 4 }] };
const withKey = (key: string) => ({ headers: { 'Idempotency-Key': key } });

describe('Idempotency-Key on POST /supply-orders', () => {
  it('places one order for 8 concurrent requests with one key, reserving the stock once', async () => {
    const before = await count(system.db, 'orders');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => http.post('/supply-orders', order, withKey('k-concurrent'))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const ids = new Set(results.map((r) => r.data.id));
    expect(ids.size).toBe(1);
    expect(await count(system.db, 'orders')).toBe(before + 1);
    expect(await stockOf(system.db, GADGET)).toEqual({ onHand: 100, reserved: 4 });

    const later = await http.post('/supply-orders', order, withKey('k-concurrent'));
    expect(later.status).toBe(201);
    expect(later.data).toEqual(results[0]?.data);
    expect(await stockOf(system.db, GADGET)).toEqual({ onHand: 100, reserved: 4 });
  });

  it('answers 422 for the same key with a different body, and does nothing', async () => {
    await http.post('/supply-orders', order, withKey('k-other-body'));
    const before = await count(system.db, 'orders');
    const res = await http.post(
      '/supply-orders',
      { ...order, items: [{ productId: GIZMO, quantity: 1 }] },
      withKey('k-other-body'),
    );
    expect(res.status).toBe(422);
    expect(await count(system.db, 'orders')).toBe(before);
  });

  it('treats a reordered but equal body as the same request', async () => {
    const first = await http.post(
      '/supply-orders',
      { items: order.items, customerId: WITH_ADDRESS },
      withKey('k-reordered'),
    );
    const again = await http.post('/supply-orders', order, withKey('k-reordered'));
    expect(again.status).toBe(201);
    expect(again.data.id).toBe(first.data.id);
  });

  it('replays a 409 as the same 409 without trying again', async () => {
    const short = { customerId: WITH_ADDRESS, items: [{ productId: WIDGET, quantity: 50 }] };
    const first = await http.post('/supply-orders', short, withKey('k-short'));
    expect(first.status).toBe(409);
    const before = await count(system.db, 'orders');
    await system.db.query(
      'UPDATE warehouse_stock SET quantity_on_hand = 1000 WHERE product_id = $1 AND warehouse_id = 1',
      [WIDGET],
    );
    const replay = await http.post('/supply-orders', short, withKey('k-short'));
    expect(replay.status).toBe(409);
    expect(replay.data).toEqual(first.data);
    expect(await count(system.db, 'orders')).toBe(before);
    await system.db.query(
      'UPDATE warehouse_stock SET quantity_on_hand = 10 WHERE product_id = $1 AND warehouse_id = 1',
      [WIDGET],
    );
  });

  it('replays a 201 and a 409 with the very text of the first answer', async () => {
    const raw = { ...withKey('k-text'), transformResponse: (text: string) => text };
    const first = await http.post('/supply-orders', order, raw);
    const replay = await http.post('/supply-orders', order, raw);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.data).toBe(first.data);
    const short = { customerId: WITH_ADDRESS, items: [{ productId: WIDGET, quantity: 500 }] };
    const refused = { ...withKey('k-text-409'), transformResponse: (text: string) => text };
    const firstRefusal = await http.post('/supply-orders', short, refused);
    expect(firstRefusal.status).toBe(409);
    expect((await http.post('/supply-orders', short, refused)).data).toBe(firstRefusal.data);
  });

  it('replays a 404 with every member of the first answer', async () => {
    const unknown = { customerId: WITH_ADDRESS, items: [{ productId: 999_999, quantity: 1 }] };
    const first = await http.post('/supply-orders', unknown, withKey('k-unknown-product'));
    expect(first.status).toBe(404);
    expect(first.data.productIds).toEqual([999_999]);
    const replay = await http.post('/supply-orders', unknown, withKey('k-unknown-product'));
    expect(replay.status).toBe(404);
    expect(replay.data).toEqual(first.data);
  });

  it('links the key to the order it placed', async () => {
    const placed = await http.post('/supply-orders', order, withKey('k-linked'));
    const { rows } = await system.db.query(`SELECT order_id FROM idempotency_keys WHERE key = 'k-linked'`);
    expect(rows).toEqual([{ order_id: placed.data.id }]);
  });

  it('stops before reserving anything when its key was taken over before the order was recorded', async () => {
    const calls: string[] = [];
    const neighbours = {
      reserve: async () => calls.push('reserve'),
      release: async () => calls.push('release'),
    } as unknown as Neighbours;
    const logger = createLogger('test', 'silent');
    const db = openDatabase({ url: system.db.url, poolSize: 2, logger });
    try {
      const placing = orderPlacing({ db, neighbours, logger });
      const input = { ...order, serviceLevel: 'standard' as const };
      await expect(
        placing.place(input, {
          scope: 'supply-orders',
          caller: 'open',
          key: 'k-let-go',
          owner: 'a-dead-process',
        }),
      ).rejects.toThrow(/was taken over/);
    } finally {
      await db.close();
    }
    expect(calls).toEqual([]);
    // Left pending, for the recovery sweep to fail like any order whose saga stopped.
    const { rows } = await system.db.query(`SELECT status FROM orders ORDER BY id DESC LIMIT 1`);
    expect(rows).toEqual([{ status: 'pending' }]);
  });

  it('answers 400 for a key that is empty or too long', async () => {
    expect((await http.post('/supply-orders', order, withKey(' '))).status).toBe(400);
    expect((await http.post('/supply-orders', order, withKey('k'.repeat(256)))).status).toBe(400);
  });
});

/** Runs `fn` with a second connection pool on the test database, as another part of a replica would. */
async function withDatabase<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase({ url: system.db.url, poolSize: 2, logger: createLogger('test', 'silent') });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const expireLease = (key: string) =>
  system.db.query(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = $1`, [
    key,
  ]);

describe('a key whose answer could not be kept', () => {
  it('stays claimed after its order was confirmed, and a retry after the lease gets that order, not a second', async () => {
    // The database refuses to keep this key's answer, once, after the order is confirmed.
    await system.db.query(`CREATE FUNCTION refuse_answer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.key = 'k-unkept' AND NEW.state = 'completed' THEN RAISE EXCEPTION 'no space left'; END IF;
      RETURN NEW; END $$`);
    await system.db.query(
      'CREATE TRIGGER refuse_answer BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION refuse_answer()',
    );
    const before = await count(system.db, 'orders');
    const first = await http.post('/supply-orders', order, withKey('k-unkept')).finally(async () => {
      await system.db.query('DROP TRIGGER refuse_answer ON idempotency_keys');
      await system.db.query('DROP FUNCTION refuse_answer()');
    });
    expect(first.status).toBe(201);
    expect(first.data.status).toBe('confirmed');

    await expireLease('k-unkept');
    const retry = await http.post('/supply-orders', order, withKey('k-unkept'));
    expect(retry.status).toBe(201);
    expect(retry.data.id).toBe(first.data.id);
    expect(await count(system.db, 'orders')).toBe(before + 1);
  });
});

describe('a request that outlived its lease', () => {
  const gate = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { opened, open };
  };

  it.each([
    ['failing', () => Promise.reject(new Unavailable('inventory-service did not answer in time'))],
    ['succeeding', () => Promise.resolve({ id: 'first' })],
  ])('cannot touch the claim of the retry that took its key over, %s', async (_, outcome) =>
    withDatabase(async (db) => {
      const key = `k-outlived-${_}`;
      const keys = idempotency(db, { leaseMs: 60_000, logger: createLogger('test', 'silent') });
      const settle = async () => undefined;
      const [late, retried] = [gate(), gate()];
      const first = keys.run(key, order, () => late.opened.then(outcome), settle);
      await waitFor(
        async () =>
          (await system.db.query('SELECT FROM idempotency_keys WHERE key = $1', [key])).rowCount === 1,
        'the claim',
      );
      await expireLease(key);
      const second = keys.run(key, order, () => retried.opened.then(() => ({ id: 'second' })), settle);
      await waitFor(
        async () =>
          (
            await system.db.query('SELECT FROM idempotency_keys WHERE key = $1 AND locked_until > now()', [
              key,
            ])
          ).rowCount === 1,
        'the retry to take the key over',
      );
      late.open();
      await first.catch(() => {});
      retried.open();
      expect(await second).toEqual({ id: 'second' });
      // Every later request replays the retry's answer.
      expect(await keys.run(key, order, async () => ({ id: 'third' }), settle)).toEqual({ id: 'second' });
    }),
  );
});

describe('a key taken over from a dead owner', () => {
  it('answers 409, as the live path does, when its order was cancelled while it was being placed', async () => {
    const input = placeOrderInput.parse(order);
    // Its owner recorded the order, pending, and died: the key links it, its lease run out.
    const orderId = await withDatabase(async (db) => {
      const logger = createLogger('test', 'silent');
      const placing = orderPlacing({ db, neighbours: {} as Neighbours, logger });
      const claim = { scope: 'supply-orders', caller: 'open', key: 'k-cancelled-placing', owner: 'gone' };
      await expect(placing.place(input, claim)).rejects.toThrow(/was taken over/);
      const { rows } = await system.db.query(`SELECT max(id) AS id FROM orders`);
      return rows[0]?.id as number;
    });
    await system.db.query(
      `INSERT INTO idempotency_keys (scope, caller, key, request_hash, locked_by, locked_until, order_id)
       VALUES ('supply-orders', 'open', 'k-cancelled-placing', $1, 'gone', now() - interval '1 second', $2)`,
      [requestHash(input), orderId],
    );
    expect((await http.post(`/supply-orders/${orderId}/cancel`)).data.status).toBe('cancelled');

    const retry = await http.post('/supply-orders', order, withKey('k-cancelled-placing'));
    expect(retry.status).toBe(409);
    expect(retry.data.detail).toBe(`Order ${orderId} was cancelled while it was being placed`);
    expect((await http.post('/supply-orders', order, withKey('k-cancelled-placing'))).data).toEqual(
      retry.data,
    );
  });
});
