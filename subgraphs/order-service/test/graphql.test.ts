import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GADGET,
  GIZMO,
  stockOf,
  WIDGET,
  WITH_ADDRESS,
  WITHOUT_ADDRESS,
} from '@supply/test-support/catalogue';
import { BAD_AFTER_ERROR, graphql } from '@supply/test-support/http';
import { type System, startSystem } from './system.ts';

let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  await system?.stop();
});

const PLACE = `mutation($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) {
    id status serviceLevel totalCents currency
    customer { id }
    items { product { id } quantity unitPriceCents lineTotalCents }
    history { from to }
  }
}`;

const place = (input: Record<string, unknown>, key?: string) =>
  graphql(system.orders.url, PLACE, { input, key });

describe('placeOrder and cancelOrder', () => {
  it('places an order with the same rules as REST', async () => {
    const { body } = await place({
      customerId: String(WITH_ADDRESS),
      items: [{ productId: String(GIZMO), quantity: 2 }],
      serviceLevel: 'EXPRESS',
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.placeOrder).toEqual({
      id: expect.any(String),
      status: 'CONFIRMED',
      serviceLevel: 'EXPRESS',
      totalCents: 1000,
      currency: 'USD',
      customer: { id: String(WITH_ADDRESS) },
      items: [{ product: { id: String(GIZMO) }, quantity: 2, unitPriceCents: 500, lineTotalCents: 1000 }],
      history: [
        { from: null, to: 'PENDING' },
        { from: 'PENDING', to: 'CONFIRMED' },
      ],
    });

    const cancelled = await graphql(
      system.orders.url,
      'mutation($id: ID!) { cancelOrder(id: $id) { status } }',
      {
        id: body.data.placeOrder.id,
      },
    );
    expect(cancelled.body.data.cancelOrder.status).toBe('CANCELLED');
  });

  it('answers a replay with the same key with the first order', async () => {
    const input = { customerId: '1', items: [{ productId: String(GADGET), quantity: 1 }] };
    const first = await place(input, 'gql-key-1');
    const again = await place(input, 'gql-key-1');
    expect(again.body.data.placeOrder.id).toBe(first.body.data.placeOrder.id);
    const other = await place({ ...input, serviceLevel: 'EXPRESS' }, 'gql-key-1');
    expect(other.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['INSUFFICIENT_STOCK', { customerId: '1', items: [{ productId: String(WIDGET), quantity: 11 }] }],
    ['NOT_FOUND', { customerId: '999', items: [{ productId: String(WIDGET), quantity: 1 }] }],
    ['NOT_FOUND', { customerId: '1', items: [{ productId: '999', quantity: 1 }] }],
    ['BAD_USER_INPUT', { customerId: 'x', items: [{ productId: String(WIDGET), quantity: 1 }] }],
    ['BAD_USER_INPUT', { customerId: '1', items: [{ productId: String(WIDGET), quantity: 0 }] }],
    [
      'BAD_USER_INPUT',
      { customerId: String(WITHOUT_ADDRESS), items: [{ productId: String(WIDGET), quantity: 1 }] },
    ],
  ])('answers %s', async (code, input) => {
    const { body } = await place(input);
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions.code).toBe(code);
  });

  it('names each short item in the INSUFFICIENT_STOCK error', async () => {
    const { body } = await place({ customerId: '1', items: [{ productId: String(WIDGET), quantity: 11 }] });
    expect(body.errors[0].extensions.items).toEqual([{ productId: WIDGET, requested: 11, available: 10 }]);
    expect(await stockOf(system.db, WIDGET)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('answers NOT_FOUND for cancelling an unknown order and CONFLICT once shipped', async () => {
    const missing = await graphql(system.orders.url, 'mutation { cancelOrder(id: 999999) { id } }');
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const { body } = await place({ customerId: '1', items: [{ productId: String(GIZMO), quantity: 1 }] });
    const id = body.data.placeOrder.id;
    await system.db.query(`UPDATE orders SET status = 'shipped' WHERE id = $1`, [id]);
    const shipped = await graphql(system.orders.url, `mutation { cancelOrder(id: ${id}) { id } }`);
    expect(shipped.body.errors[0].extensions.code).toBe('CONFLICT');
  });
});

describe('order and orders', () => {
  it('reads one order, null for a missing one, BAD_USER_INPUT for a bad id', async () => {
    const { body } = await place({ customerId: '1', items: [{ productId: String(GIZMO), quantity: 1 }] });
    const id = body.data.placeOrder.id;
    const found = await graphql(
      system.orders.url,
      `{ order(id: ${id}) { id status shippingAddress { country } } }`,
    );
    expect(found.body.data.order).toEqual({ id, status: 'CONFIRMED', shippingAddress: { country: 'GB' } });
    expect((await graphql(system.orders.url, '{ order(id: 999999) { id } }')).body).toEqual({
      data: { order: null },
    });
    const bad = await graphql(system.orders.url, '{ order(id: "0") { id } }');
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('lists orders by status and customer as a connection, page by page', async () => {
    for (let i = 0; i < 3; i++)
      await place({ customerId: '1', items: [{ productId: String(GIZMO), quantity: 1 }] });
    const query = `query($after: String) {
      orders(first: 2, after: $after, status: CONFIRMED, customerId: 1) {
        edges { node { id status } cursor } pageInfo { hasNextPage endCursor }
      }
    }`;
    const first = (await graphql(system.orders.url, query)).body.data.orders;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await graphql(system.orders.url, query, { after: first.pageInfo.endCursor })).body.data
      .orders;
    expect(Number(second.edges[0].node.id)).toBeGreaterThan(Number(first.edges[1].node.id));
  });

  it('reports an `after` it did not issue as BAD_USER_INPUT naming `after`, as every service does', async () => {
    const { body } = await graphql(system.orders.url, '{ orders(after: "c1.bogus") { edges { cursor } } }');
    expect(body.errors).toEqual([expect.objectContaining(BAD_AFTER_ERROR)]);
  });
});

describe('entity references', () => {
  it("resolves 50 Order references and 50 customers' orders in a bounded number of statements", async () => {
    await system.db.query(
      `INSERT INTO customers (name, email) SELECT 'Buyer ' || n, 'buyer' || n || '@example.com' FROM generate_series(1, 50) n`,
    );
    await system.db.query(`
      INSERT INTO orders (customer_id, status, total_cents, currency, shipping_line1, shipping_city, shipping_postal_code, shipping_country)
      SELECT c.id, 'confirmed', 500, 'USD', 'x', 'y', 'z', 'GB' FROM customers c WHERE c.email LIKE 'buyer%'`);
    const { rows } = await system.db.query<{ id: number; customer_id: number }>(
      `SELECT id, customer_id FROM orders WHERE shipping_line1 = 'x' ORDER BY id`,
    );
    const orderRefs = rows.map((row) => ({ __typename: 'Order', id: String(row.id) }));
    const customerRefs = rows.map((row) => ({ __typename: 'Customer', id: String(row.customer_id) }));

    system.orders.queries.reset();
    const orders = await graphql(
      system.orders.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status customer { id } } } }',
      { r: orderRefs },
    );
    expect(orders.body.data._entities).toHaveLength(50);
    const forOrders = system.orders.queries.count;

    system.orders.queries.reset();
    const customers = await graphql(
      system.orders.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 5) { edges { node { id } } } } } }',
      { r: customerRefs },
    );
    expect(customers.body.data._entities.map((c: any) => c.orders.edges.length)).toEqual(Array(50).fill(1));
    const forCustomers = system.orders.queries.count;

    // The orders, then their items, whatever N is (the windowed page first for customers); no
    // history is selected, so none is read.
    expect(forOrders).toBeLessThanOrEqual(2);
    expect(forCustomers).toBeLessThanOrEqual(3);
  });
});
