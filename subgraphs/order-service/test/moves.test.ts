// Status moves are one statement that locks the order's row: a move that
// races another waits for it and is checked against where it left the order.
// Here the other move is held open in a transaction of its own, so the race
// is certain rather than likely.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { waitFor } from '@supply/test-support/network';
import pg from 'pg';
import { ordersStore } from '../src/orders.ts';
import type { OrderStatus } from '../src/status-machine.ts';
import { transition } from '../src/transition.ts';

let db: TestDatabase;
let database: ReturnType<typeof openDatabase>;
let store: ReturnType<typeof ordersStore>;

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db);
  database = openDatabase({ url: db.url, poolSize: 4, logger: createLogger('test', 'silent') });
  store = ordersStore(database);
});

afterAll(async () => {
  await database?.close();
  await db?.drop();
});

/** A new order in `status`, with the history that led there. */
async function newOrder(path: OrderStatus[] = ['pending']): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO orders (customer_id, status, total_cents, currency, shipping_line1, shipping_city,
       shipping_postal_code, shipping_country)
     VALUES ($1, $2, 500, 'USD', '1 Dock Road', 'London', 'E16 1', 'GB') RETURNING id`,
    [WITH_ADDRESS, path.at(-1)],
  );
  const id = rows[0]!.id;
  for (const [i, to] of path.entries()) {
    await db.query(
      `INSERT INTO order_status_history (order_id, from_status, to_status) VALUES ($1, $2, $3)`,
      [id, path[i - 1] ?? null, to],
    );
  }
  return id;
}

async function historyOf(id: number) {
  const { rows } = await db.query<{ from: string | null; to: string }>(
    `SELECT from_status AS "from", to_status AS "to" FROM order_status_history WHERE order_id = $1 ORDER BY id`,
    [id],
  );
  return rows;
}

/** Moves the order from `from` to `to` in a transaction left open until `commit` is called. */
async function heldMove(id: number, from: OrderStatus, to: OrderStatus) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('UPDATE orders SET status = $2 WHERE id = $1', [id, to]);
  await client.query(
    `INSERT INTO order_status_history (order_id, from_status, to_status) VALUES ($1, $2, $3)`,
    [id, from, to],
  );
  return {
    commit: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Resolves once a statement of this database waits for a row lock. */
const someoneWaits = () =>
  waitFor(async () => {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]!.n > 0;
  }, 'a move to wait for the row lock');

describe('a status move', () => {
  it('waits for a confirmation in flight, then ships the order it confirmed', async () => {
    const id = await newOrder();
    const held = await heldMove(id, 'pending', 'confirmed');
    const moving = store.move(id, ['confirmed'], 'shipped', 'in transit');
    await someoneWaits();
    await held.commit();
    await moving;
    expect(await historyOf(id)).toEqual([
      { from: null, to: 'pending' },
      { from: 'pending', to: 'confirmed' },
      { from: 'confirmed', to: 'shipped' },
    ]);
  });

  it('records the status it actually left when it may leave more than one', async () => {
    const id = await newOrder();
    const held = await heldMove(id, 'pending', 'confirmed');
    const moving = transition(database.prisma, id, ['pending', 'confirmed'], 'cancelled', 'on request');
    await someoneWaits();
    await held.commit();
    const outcome = await moving;
    expect(outcome.moved?.change).toEqual({
      from: 'confirmed',
      to: 'cancelled',
      reason: 'on request',
      at: expect.any(Date),
    });
    expect((await historyOf(id)).at(-1)).toEqual({ from: 'confirmed', to: 'cancelled' });
  });

  it('writes nothing and answers a conflict naming the status when a cancellation got there first', async () => {
    const id = await newOrder();
    const held = await heldMove(id, 'pending', 'cancelled');
    const moving = store.move(id, ['pending'], 'confirmed').catch((error: unknown) => error);
    await someoneWaits();
    await held.commit();
    expect(await moving).toMatchObject({ status: 409, details: { currentStatus: 'cancelled' } });
    expect(await historyOf(id)).toEqual([
      { from: null, to: 'pending' },
      { from: 'pending', to: 'cancelled' },
    ]);
  });

  it('never makes a move the machine forbids, whatever `from` says', async () => {
    const id = await newOrder(['pending', 'confirmed']);
    await expect(store.move(id, ['confirmed'], 'failed', 'no')).rejects.toMatchObject({
      status: 409,
      details: { currentStatus: 'confirmed' },
    });
    expect(await historyOf(id)).toHaveLength(2);
  });

  it('answers not found for an order that does not exist', async () => {
    await expect(store.move(999_999, ['pending'], 'confirmed')).rejects.toMatchObject({ status: 404 });
    expect(await transition(database.prisma, 999_999, ['pending'], 'confirmed')).toEqual({
      moved: null,
      current: null,
    });
  });

  it('writes the reason of a failure on the order', async () => {
    const id = await newOrder();
    const { moved } = await transition(database.prisma, id, ['pending'], 'failed', 'reserving stock: short');
    expect(moved).toMatchObject({ status: 'failed', failureReason: 'reserving stock: short' });
    const { rows } = await db.query('SELECT status, failure_reason FROM orders WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'failed', failure_reason: 'reserving stock: short' });
  });
});
