// What reading orders costs. GraphQL reads the items with the orders and the
// history only when it is selected, in one statement for the whole page; REST
// answers the whole order, shipment summary and history, as it always has.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeCursor } from '@supply/service-kit/pagination';
import { seed } from '@supply/test-support/catalogue';
import type { TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type System, startSystem } from './system.ts';

const ORDERS = 60;

/**
 * 60 orders of customer 1 at fixed times, each with two items and two status
 * changes: every third confirmed with a live shipment (every sixth after a
 * cancelled one), every third cancelled with its shipment cancelled, every
 * third failed without one.
 */
async function seedOrders(db: TestDatabase) {
  await seed(db);
  await db.query(`
    INSERT INTO orders (id, customer_id, status, total_cents, currency, shipping_line1, shipping_city,
        shipping_postal_code, shipping_country, failure_reason, created_at, updated_at)
      SELECT o, 1, (ARRAY['confirmed', 'cancelled', 'failed'])[1 + o % 3], 1250 + 500 * o, 'USD',
        o || ' Dock Road', 'London', 'E16 ' || o, 'GB', CASE WHEN o % 3 = 2 THEN 'test: failed ' || o END,
        TIMESTAMPTZ '2026-01-01T00:00:00Z' + o * interval '1 hour',
        TIMESTAMPTZ '2026-01-02T00:00:00Z' + o * interval '1 hour'
      FROM generate_series(1, ${ORDERS}) o;
    INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
      SELECT o, 1, 1, 1250 FROM generate_series(1, ${ORDERS}) o
      UNION ALL SELECT o, 3, o, 500 FROM generate_series(1, ${ORDERS}) o;
    INSERT INTO order_item_allocations (order_id, product_id, warehouse_id, quantity)
      SELECT order_id, product_id, 1, quantity FROM order_items WHERE order_id % 3 = 0;
    INSERT INTO order_status_history (order_id, from_status, to_status, reason, changed_at)
      SELECT id, NULL, 'pending', NULL, created_at FROM orders ORDER BY id;
    INSERT INTO order_status_history (order_id, from_status, to_status, reason, changed_at)
      SELECT id, 'pending', status, failure_reason, updated_at FROM orders ORDER BY id;
    INSERT INTO shipments (order_id, carrier, service_level, tracking_number, status, destination_line1,
        destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
        estimated_delivery_date)
      SELECT o, 'GlobePost', 'standard', 'GLX' || lpad(o::text, 10, '0'), 'cancelled', o || ' Dock Road',
        'London', 'E16 ' || o, 'GB', 1100, 1500, 'USD', DATE '2026-02-01' + o
      FROM generate_series(1, ${ORDERS}) o WHERE o % 3 = 1 OR o % 6 = 0;
    INSERT INTO shipments (order_id, carrier, service_level, tracking_number, status, destination_line1,
        destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
        estimated_delivery_date)
      SELECT o, 'GlobePost', 'standard', 'GLP' || lpad(o::text, 10, '0'), 'label_created', o || ' Dock Road',
        'London', 'E16 ' || o, 'GB', 1100, 1500, 'USD', DATE '2026-02-01' + o
      FROM generate_series(1, ${ORDERS}) o WHERE o % 3 = 0;
    SELECT setval(pg_get_serial_sequence('orders', 'id'), ${ORDERS});`);
}

let system: System;

beforeAll(async () => {
  system = await startSystem({ seed: seedOrders });
  // The recovery sweep runs once at start: wait for its last statement, so it is not counted with a read.
  await waitFor(
    async () => system.orders.queries.statements.some((sql) => /idempotency_keys/.test(sql)),
    'the start-up recovery sweep',
  );
});

afterAll(async () => {
  await system?.stop();
});

/** What `send` answers, and the statements order-service sent to answer it. */
async function measured<T>(send: () => Promise<T>): Promise<{ answer: T; statements: string[] }> {
  system.orders.queries.reset();
  const answer = await send();
  return { answer, statements: system.orders.queries.statements };
}

const reading = (table: string) => (statements: string[]) =>
  statements.filter((sql) => new RegExp(`\\b${table}\\b`).test(sql));
const history = reading('order_status_history');
const shipments = reading('shipments');

const PAGE = `query($history: Boolean!) {
  orders(first: 50) {
    edges { node {
      id status items { product { id } quantity unitPriceCents }
      history @include(if: $history) { from to reason at }
    } }
  }
}`;

describe('GraphQL reads', () => {
  it('reads a page of 50 orders with their items in one statement, and no history or shipment', async () => {
    const { answer, statements } = await measured(() => graphql(system.orders.url, PAGE, { history: false }));
    const { body } = answer;
    expect(body.errors).toBeUndefined();
    expect(body.data.orders.edges).toHaveLength(50);
    expect(body.data.orders.edges[5].node).toEqual({
      id: '6',
      status: 'CONFIRMED',
      items: [
        { product: { id: '1' }, quantity: 1, unitPriceCents: 1250 },
        { product: { id: '3' }, quantity: 6, unitPriceCents: 500 },
      ],
    });
    expect(statements).toHaveLength(1);
    expect(history(statements)).toEqual([]);
    expect(shipments(statements)).toEqual([]);
  });

  it('reads the history of a page of 50 orders in one statement, each order its own, oldest first', async () => {
    const { answer, statements } = await measured(() => graphql(system.orders.url, PAGE, { history: true }));
    const { body } = answer;
    expect(body.errors).toBeUndefined();
    const nodes = body.data.orders.edges.map((edge: any) => edge.node);
    expect(nodes).toHaveLength(50);
    expect(nodes[4].history).toEqual([
      { from: null, to: 'PENDING', reason: null, at: '2026-01-01T05:00:00.000Z' },
      { from: 'PENDING', to: 'FAILED', reason: 'test: failed 5', at: '2026-01-02T05:00:00.000Z' },
    ]);
    for (const node of nodes)
      expect(node.history.map((change: any) => change.from)).toEqual([null, 'PENDING']);
    expect(statements).toHaveLength(2);
    expect(history(statements)).toHaveLength(1);
    expect(shipments(statements)).toEqual([]);
  });

  it('reads the history of 50 orders resolved by reference in one statement', async () => {
    const representations = Array.from({ length: 50 }, (_, i) => ({
      __typename: 'Order',
      id: String(i + 1),
    }));
    const { answer, statements } = await measured(() =>
      graphql(
        system.orders.url,
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id history { to } } } }',
        { r: representations },
      ),
    );
    const { body } = answer;
    expect(body.errors).toBeUndefined();
    expect(body.data._entities[2]).toEqual({ id: '3', history: [{ to: 'PENDING' }, { to: 'CONFIRMED' }] });
    expect(statements).toHaveLength(2);
    expect(history(statements)).toHaveLength(1);
  });
});

describe('GraphQL reads by reference', () => {
  const fields = `id customer { id } status serviceLevel totalCents currency failureReason createdAt updatedAt
    shippingAddress { line1 city postalCode country } items { product { id } quantity unitPriceCents lineTotalCents }`;

  /** Order `o` of the seed, as GraphQL answers it. */
  const seeded = (o: number, status: string, failureReason: string | null = null) => ({
    id: String(o),
    customer: { id: '1' },
    status,
    serviceLevel: 'STANDARD',
    totalCents: 1250 + 500 * o,
    currency: 'USD',
    failureReason,
    createdAt: new Date(Date.UTC(2026, 0, 1, o)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 2, o)).toISOString(),
    shippingAddress: { line1: `${o} Dock Road`, city: 'London', postalCode: `E16 ${o}`, country: 'GB' },
    items: [
      { product: { id: '1' }, quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 },
      { product: { id: '3' }, quantity: o, unitPriceCents: 500, lineTotalCents: 500 * o },
    ],
  });

  it('answers a batch of Order references in the order asked, repeats and missing ones included, every field', async () => {
    const representations = [6, 999_999, 5, 6].map((id) => ({ __typename: 'Order', id: String(id) }));
    const { answer, statements } = await measured(() =>
      graphql(
        system.orders.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { ${fields} } } }`,
        {
          r: representations,
        },
      ),
    );
    expect(answer.body.errors).toBeUndefined();
    const [six, five] = [seeded(6, 'CONFIRMED'), seeded(5, 'FAILED', 'test: failed 5')];
    expect(answer.body.data._entities).toEqual([six, null, five, six]);
    expect(statements).toHaveLength(1);
  });

  it("pages a customer's orders of one status after a cursor, every field, telling whether more follow", async () => {
    const page = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer {
      orders(first: 2, status: CANCELLED, after: $after) {
        edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } } } }`;
    const r = [{ __typename: 'Customer', id: '1' }];
    const first = (await graphql(system.orders.url, page, { r })).body;
    expect(first.errors).toBeUndefined();
    const { edges, pageInfo } = first.data._entities[0].orders;
    expect(edges.map((edge: any) => edge.node)).toEqual([seeded(1, 'CANCELLED'), seeded(4, 'CANCELLED')]);
    expect(pageInfo).toEqual({ hasNextPage: true, endCursor: edges[1].cursor });
    const { answer, statements } = await measured(() =>
      graphql(system.orders.url, page, { r, after: pageInfo.endCursor }),
    );
    const next = answer.body.data._entities[0].orders;
    expect(next.edges.map((edge: any) => edge.node.id)).toEqual(['7', '10']);
    expect(statements).toHaveLength(1);
    // Cancelled orders are 1, 4, ... 58: the last page says no more follow.
    const last = (await graphql(system.orders.url, page, { r, after: encodeCursor(55) })).body;
    expect(last.data._entities[0].orders).toEqual({
      edges: [expect.objectContaining({ cursor: encodeCursor(58) })],
      pageInfo: { hasNextPage: false, endCursor: encodeCursor(58) },
    });
  });
});

describe('REST reads', () => {
  const http = () => httpClient(system.orders.url);
  const text = async (path: string) => (await http().get<string>(path, { responseType: 'text' })).data;
  const liveShipment = async (orderId: number) =>
    (
      await system.db.query<{ id: number }>(
        `SELECT id FROM shipments WHERE order_id = $1 AND status <> 'cancelled'`,
        [orderId],
      )
    ).rows[0]?.id;

  const cancelledShipment = async (orderId: number) =>
    (
      await system.db.query<{ id: number }>(
        `SELECT id FROM shipments WHERE order_id = $1 AND status = 'cancelled'`,
        [orderId],
      )
    ).rows[0]?.id;

  it('answers a path with bad percent-encoding with 400', async () => {
    const res = await http().get('/supply-orders/%E0');
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ status: 400, detail: 'The request path holds bad percent-encoding' });
  });

  it('answers an order whole, byte for byte: items with their allocations, the live shipment, every shipment, history', async () => {
    const { answer: body, statements } = await measured(() => text('/supply-orders/6'));
    // The same fields in the same order as ever: JSON.stringify keeps the order they are written in.
    const one = (quantity: number) => ({ warehouseId: 1, quantity });
    const summary = (id: number | undefined, trackingNumber: string, status: string) => ({
      id,
      originWarehouseId: 1,
      carrier: 'GlobePost',
      serviceLevel: 'standard',
      trackingNumber,
      status,
      estimatedDeliveryDate: '2026-02-07',
      costCents: 1500,
      currency: 'USD',
    });
    const live = summary(await liveShipment(6), 'GLP0000000006', 'label_created');
    const cancelled = summary(await cancelledShipment(6), 'GLX0000000006', 'cancelled');
    const expected = {
      id: 6,
      customerId: 1,
      status: 'confirmed',
      serviceLevel: 'standard',
      shippingAddress: { line1: '6 Dock Road', city: 'London', postalCode: 'E16 6', country: 'GB' },
      items: [
        { productId: 1, quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250, allocations: [one(1)] },
        { productId: 3, quantity: 6, unitPriceCents: 500, lineTotalCents: 3000, allocations: [one(6)] },
      ],
      totalCents: 4250,
      currency: 'USD',
      failureReason: null,
      shipment: live,
      shipments: [cancelled, live],
      history: [
        { from: null, to: 'pending', reason: null, at: '2026-01-01T06:00:00.000Z' },
        { from: 'pending', to: 'confirmed', reason: null, at: '2026-01-02T06:00:00.000Z' },
      ],
      createdAt: '2026-01-01T06:00:00.000Z',
      updatedAt: '2026-01-02T06:00:00.000Z',
    };
    expect(body).toBe(JSON.stringify(expected));
    // The order with its items, their allocations, its shipments and its history.
    expect(statements).toHaveLength(4);
  });

  it('answers the latest cancelled shipment when there is no live one, and null when there is none', async () => {
    const cancelled = JSON.parse(await text('/supply-orders/4'));
    expect(cancelled.shipment).toMatchObject({ trackingNumber: 'GLX0000000004', status: 'cancelled' });
    expect(cancelled.history.map((change: any) => change.to)).toEqual(['pending', 'cancelled']);
    const failed = JSON.parse(await text('/supply-orders/5'));
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'test: failed 5', shipment: null });
  });

  it('answers a page of orders each exactly as it is answered alone', async () => {
    const page = JSON.parse(await text('/supply-orders?limit=6'));
    expect(page.nextCursor).toEqual(expect.any(String));
    const alone = await Promise.all(page.items.map((order: any) => text(`/supply-orders/${order.id}`)));
    expect(page.items.map((order: unknown) => JSON.stringify(order))).toEqual(alone);
  });
});
