// The logistics subgraph: queries, the mutation, and entity references in batches.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { BAD_AFTER_ERROR, graphql, httpClient } from '@supply/test-support/http';
import { freePort } from '@supply/test-support/network';
import type { StartedService } from '@supply/test-support/services';
import { BACKGROUND_SQL } from '@supply/test-support/services';
import { booking, newOrder, newOrders, seedCustomer, startLogistics } from './fixtures.ts';

let db: TestDatabase;
let logistics: StartedService;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCustomer(db);
  const orderServiceUrl = `http://127.0.0.1:${await freePort()}`;
  // No sweep during these tests: statement counts must see only the query under test.
  logistics = await startLogistics(
    db,
    { reportIntervalMs: 3_600_000 },
    { ORDER_SERVICE_URL: orderServiceUrl },
  );
});

afterAll(async () => {
  await logistics?.close();
  await db?.drop();
});

const gql = (query: string, variables: Record<string, unknown> = {}) =>
  graphql(logistics.url, query, variables);

async function book(orderId?: number, overrides: Record<string, unknown> = {}) {
  const res = await httpClient(logistics.url).post(
    '/shipments',
    booking(orderId ?? (await newOrder(db)), overrides),
  );
  return res.data as { id: number; orderId: number; trackingNumber: string };
}

const updateStatus = `mutation ($id: ID!, $status: ShipmentStatus!) {
  updateShipmentStatus(id: $id, status: $status) { id status updatedAt }
}`;

describe('shipment(id)', () => {
  it('answers the shipment with enum values in capitals', async () => {
    const shipment = await book(undefined, { serviceLevel: 'express' });
    const { body } = await gql(
      `query ($id: ID!) { shipment(id: $id) {
        id orderId carrier serviceLevel trackingNumber status weightGrams costCents currency
        estimatedDeliveryDate createdAt destination { line1 city postalCode country } } }`,
      { id: shipment.id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.shipment).toEqual({
      id: String(shipment.id),
      orderId: String(shipment.orderId),
      carrier: 'SwiftAir Express',
      serviceLevel: 'EXPRESS',
      trackingNumber: shipment.trackingNumber,
      status: 'LABEL_CREATED',
      weightGrams: 1_600,
      costCents: 3_999 + 2 * 799,
      currency: 'USD',
      estimatedDeliveryDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      destination: { line1: 'Unter den Linden 77', city: 'Berlin', postalCode: '10117', country: 'DE' },
    });
  });

  it('answers null for a shipment that does not exist', async () => {
    const { body } = await gql('{ shipment(id: 999999) { id } }');
    expect(body).toEqual({ data: { shipment: null } });
  });

  it('answers BAD_USER_INPUT for an id that is not a positive integer', async () => {
    const { body } = await gql('{ shipment(id: "x") { id } }');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'id' }] });
  });
});

describe('shipments(first, after, status)', () => {
  const page = `query ($first: Int, $after: String, $status: ShipmentStatus) {
    shipments(first: $first, after: $after, status: $status) {
      edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`;

  it('reports an `after` it did not issue as BAD_USER_INPUT naming `after`, as every service does', async () => {
    const { body } = await gql('{ shipments(after: "c1.bogus") { edges { cursor } } }');
    expect(body.errors).toEqual([expect.objectContaining(BAD_AFTER_ERROR)]);
  });

  it('pages through shipments in id order', async () => {
    for (let i = 0; i < 3; i++) await book();
    const seen: number[] = [];
    let after: string | null = null;
    do {
      const { body } = await gql(page, { first: 2, after });
      const { edges, pageInfo } = body.data.shipments;
      expect(edges.length).toBeLessThanOrEqual(2);
      seen.push(...edges.map((edge: { node: { id: string } }) => Number(edge.node.id)));
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('filters by status', async () => {
    const shipment = await book();
    await gql(updateStatus, { id: shipment.id, status: 'CANCELLED' });
    const { body } = await gql(page, { first: 100, status: 'CANCELLED' });
    const nodes = body.data.shipments.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes).toContainEqual({ id: String(shipment.id), status: 'CANCELLED' });
    expect(nodes.every((node: { status: string }) => node.status === 'CANCELLED')).toBe(true);
  });

  it.each([
    ['first', { first: 0 }],
    ['first', { first: 101 }],
    ['after', { after: 'not-ours' }],
  ])('answers BAD_USER_INPUT naming %s', async (field, variables) => {
    const { body } = await gql(page, variables);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field }] });
  });
});

describe('updateShipmentStatus', () => {
  it('moves the shipment and answers it', async () => {
    const shipment = await book();
    const { body } = await gql(updateStatus, { id: shipment.id, status: 'IN_TRANSIT' });
    expect(body.errors).toBeUndefined();
    expect(body.data.updateShipmentStatus).toMatchObject({ id: String(shipment.id), status: 'IN_TRANSIT' });
    const { rows } = await db.query('SELECT status FROM shipment_reports WHERE shipment_id = $1', [
      shipment.id,
    ]);
    expect(rows).toEqual([{ status: 'in_transit' }]);
  });

  it('answers CONFLICT naming the current and requested status for a forbidden move', async () => {
    const shipment = await book();
    const { body } = await gql(updateStatus, { id: shipment.id, status: 'DELIVERED' });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      currentStatus: 'label_created',
      requestedStatus: 'delivered',
    });
  });

  it('answers NOT_FOUND for a shipment that does not exist', async () => {
    const { body } = await gql(updateStatus, { id: 999999, status: 'IN_TRANSIT' });
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers BAD_USER_INPUT for a bad id or an unknown status', async () => {
    const badId = await gql(updateStatus, { id: 'abc', status: 'IN_TRANSIT' });
    expect(badId.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'id' }],
    });
    const badStatus = await gql(updateStatus, { id: 1, status: 'LOST' });
    expect(badStatus.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('entity references', () => {
  const entities = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Shipment { id status }
      ... on Order { id shipment { id status } }
    } }`;

  it('resolves 50 Shipment references with one SQL statement', async () => {
    const orderIds = await newOrders(db, 50);
    const ids: number[] = [];
    for (const orderId of orderIds) ids.push((await book(orderId)).id);
    const representations = ids.map((id) => ({ __typename: 'Shipment', id: String(id) }));
    logistics.queries.reset();
    const { body } = await gql(entities, { representations });
    expect(logistics.queries.statements.filter((sql) => !BACKGROUND_SQL.test(sql))).toHaveLength(1);
    expect(body.data._entities).toEqual(ids.map((id) => ({ id: String(id), status: 'LABEL_CREATED' })));
  });

  it("resolves 50 orders' shipments with one SQL statement", async () => {
    const orderIds = await newOrders(db, 50);
    for (const orderId of orderIds.slice(1, 48)) await book(orderId);
    // The first has a cancelled shipment before its live one.
    const replaced = await book(orderIds[0]);
    await gql(updateStatus, { id: replaced.id, status: 'CANCELLED' });
    const live = await book(orderIds[0]);
    // The 49th has only cancelled shipments, the 50th none.
    const cancelledFirst = await book(orderIds[48]);
    await gql(updateStatus, { id: cancelledFirst.id, status: 'CANCELLED' });
    const cancelledLast = await book(orderIds[48]);
    await gql(updateStatus, { id: cancelledLast.id, status: 'CANCELLED' });
    const representations = orderIds.map((id) => ({ __typename: 'Order', id: String(id) }));
    logistics.queries.reset();
    const { body } = await gql(entities, { representations });
    // The cancellations' reports to order-service go out meanwhile: background, not this query's.
    expect(logistics.queries.statements.filter((sql) => !/\bshipment_reports\b/.test(sql))).toHaveLength(1);
    const orders = body.data._entities as Array<{
      id: string;
      shipment: { id: string; status: string } | null;
    }>;
    expect(orders.map((order) => order.id)).toEqual(orderIds.map(String));
    expect(orders[0]!.shipment).toEqual({ id: String(live.id), status: 'LABEL_CREATED' });
    expect(orders[48]!.shipment).toEqual({ id: String(cancelledLast.id), status: 'CANCELLED' });
    expect(orders[49]!.shipment).toBeNull();
    expect(orders.slice(1, 48).every((order) => order.shipment?.status === 'LABEL_CREATED')).toBe(true);
  });

  const everyField = `id orderId origin { id } carrier serviceLevel trackingNumber status weightGrams costCents
    currency estimatedDeliveryDate createdAt updatedAt destination { line1 city postalCode country }`;

  /** A shipment as REST answers it, in the shape GraphQL answers it. */
  async function asGraphql(id: number) {
    const { data } = await httpClient(logistics.url).get(`/shipments/${id}`);
    const { originWarehouseId, serviceLevel, status, ...rest } = data;
    return {
      ...rest,
      id: String(data.id),
      orderId: String(data.orderId),
      origin: { id: String(originWarehouseId) },
      serviceLevel: serviceLevel.toUpperCase(),
      status: status.toUpperCase(),
    };
  }

  it('answers a batch of Shipment references in the order asked, repeats and missing ones included, each as REST answers it', async () => {
    const first = await book(undefined, { serviceLevel: 'express' });
    const second = await book();
    await gql(updateStatus, { id: second.id, status: 'IN_TRANSIT' });
    const representations = [second.id, 999_999, first.id, second.id].map((id) => ({
      __typename: 'Shipment',
      id: String(id),
    }));
    const { body } = await gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Shipment { ${everyField} } } }`,
      { r: representations },
    );
    expect(body.errors).toBeUndefined();
    const [a, b] = [await asGraphql(second.id), await asGraphql(first.id)];
    expect(body.data._entities).toEqual([a, null, b, a]);
  });

  it("answers each order's shipments in id order, each as REST answers it, and none for an order without", async () => {
    const [orderId, bare] = await newOrders(db, 2);
    const cancelled = await book(orderId);
    await gql(updateStatus, { id: cancelled.id, status: 'CANCELLED' });
    const live = await book(orderId);
    const representations = [orderId, bare, orderId].map((id) => ({ __typename: 'Order', id: String(id) }));
    const { body } = await gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) {
        ... on Order { id shipments { ${everyField} } shipment { id } } } }`,
      { r: representations },
    );
    expect(body.errors).toBeUndefined();
    const shipments = [await asGraphql(cancelled.id), await asGraphql(live.id)];
    const whole = { id: String(orderId), shipments, shipment: { id: String(live.id) } };
    expect(body.data._entities).toEqual([whole, { id: String(bare), shipments: [], shipment: null }, whole]);
  });

  it('answers null for a Shipment reference that does not exist', async () => {
    const { body } = await gql(entities, { representations: [{ __typename: 'Shipment', id: '999999' }] });
    expect(body.data._entities).toEqual([null]);
  });

  it('serves its SDL with the federation link', async () => {
    const { body } = await gql('{ _service { sdl } }');
    expect(body.data._service.sdl).toContain(
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.14", import: ["@key", "@shareable"])',
    );
  });
});
