// The contract's graph end to end through the gateway, with API_KEYS on in
// every process: each query and mutation once, the error codes as the
// subgraphs give them, and the caller's identity and request id reaching
// every process an operation touches.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, seed, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { counters, resetCounters, servicesOf, subgraphEnv } from './harness.ts';
import { CUSTOMER, DASHBOARD, PLACE_ORDER } from './operations.ts';

const KEYS = { API_KEYS: 'reader-key:reader,writer-key:writer', SERVICE_API_KEY: 'service-key' };

let system: System;
let gateway: StartedGateway;

beforeAll(async () => {
  system = await startSystem({ seed, env: KEYS });
  gateway = await startGateway({ ...subgraphEnv(system), ...KEYS });
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

/** Sends an operation as the writer (or `key`), answering the body. */
async function send(
  query: string,
  variables: Record<string, unknown> = {},
  key = 'writer-key',
  requestId?: string,
) {
  const headers = { authorization: `Bearer ${key}`, ...(requestId && { 'x-request-id': requestId }) };
  const { body } = await graphql(gateway.url, query, variables, headers);
  return body;
}

/** The data of an operation that must succeed. */
async function ok(query: string, variables: Record<string, unknown> = {}) {
  const body = await send(query, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** The one error of an operation that must fail. */
async function failure(query: string, variables: Record<string, unknown> = {}) {
  const body = await send(query, variables);
  expect(body.errors).toHaveLength(1);
  return { data: body.data, error: body.errors[0] };
}

const ORDER_FIELDS =
  'id status totalCents customer { id } items { quantity product { id } } shipment { id status }';

describe('customers (crm-api)', () => {
  it('creates, reads, lists, searches and updates a customer', async () => {
    const { createCustomer } = await ok(
      `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id name email company address { city country } } }`,
      {
        input: {
          name: 'Katherine Johnson',
          email: 'katherine@example.com',
          company: 'Langley Research',
          address: { line1: '1 NASA Drive', city: 'Hampton', postalCode: '23666', country: 'us' },
        },
      },
    );
    expect(createCustomer).toEqual({
      id: '3',
      name: 'Katherine Johnson',
      email: 'katherine@example.com',
      company: 'Langley Research',
      address: { city: 'Hampton', country: 'US' },
    });
    expect((await ok(CUSTOMER, { id: '3' })).customer).toMatchObject({ name: 'Katherine Johnson' });

    const { updateCustomer } = await ok(
      `mutation { updateCustomer(id: 3, input: { company: null, phone: "+1 757 555 0100" }) { id company phone } }`,
    );
    expect(updateCustomer).toEqual({ id: '3', company: null, phone: '+1 757 555 0100' });

    const page = `query ($after: String) { customers(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const first = (await ok(page)).customers;
    expect(first.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(['1', '2']);
    const second = (await ok(page, { after: first.pageInfo.endCursor })).customers;
    expect(second).toEqual({
      edges: [{ node: { id: '3' } }],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });

    const found = await ok(`{ customers(first: 10, search: "LOVELACE") { edges { node { name } } } }`);
    expect(found.customers.edges).toEqual([{ node: { name: 'Ada Lovelace' } }]);
  });

  it('answers CONFLICT for an email already in use, NOT_FOUND for a missing customer, null for a missing lookup', async () => {
    const duplicate = await failure(
      `mutation { createCustomer(input: { name: "Ada", email: "ADA@example.com" }) { id } }`,
    );
    expect(duplicate.error).toMatchObject({ path: ['createCustomer'], extensions: { code: 'CONFLICT' } });
    const missing = await failure(`mutation { updateCustomer(id: 999, input: { name: "Nobody" }) { id } }`);
    expect(missing.error).toMatchObject({
      message: expect.stringContaining('999'),
      extensions: { code: 'NOT_FOUND' },
    });
    expect(await send(`{ customer(id: 999) { id } }`)).toEqual({ data: { customer: null } });
  });

  it('answers BAD_USER_INPUT naming each bad field', async () => {
    const { error } = await failure(
      `mutation { createCustomer(input: { name: " ", email: "not-an-email" }) { id } }`,
    );
    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: [
        { field: 'name', message: expect.any(String) },
        { field: 'email', message: expect.any(String) },
      ],
    });
  });
});

describe('products and stock (inventory-service)', () => {
  it('creates a product, reads it, lists low stock, sets and adjusts its stock', async () => {
    const { createProduct } = await ok(
      `mutation { createProduct(input: { sku: "SPR-4", name: "Sprocket", unitPriceCents: 250, currency: "USD", weightGrams: 30, quantityOnHand: 4, reorderPoint: 5, location: "A-1" }) { id sku inventory { quantityOnHand quantityAvailable reorderPoint location version } } }`,
    );
    expect(createProduct).toEqual({
      id: '4',
      sku: 'SPR-4',
      inventory: { quantityOnHand: 4, quantityAvailable: 4, reorderPoint: 5, location: 'A-1', version: 1 },
    });
    expect((await ok(`{ product(id: 4) { name unitPriceCents currency weightGrams } }`)).product).toEqual({
      name: 'Sprocket',
      unitPriceCents: 250,
      currency: 'USD',
      weightGrams: 30,
    });
    const low = await ok(
      `{ products(first: 10, lowStockOnly: true) { edges { node { sku } } pageInfo { hasNextPage } } }`,
    );
    expect(low.products).toEqual({ edges: [{ node: { sku: 'SPR-4' } }], pageInfo: { hasNextPage: false } });
    const afterFirst = await ok(`{ products(first: 2) { pageInfo { endCursor } } }`);
    const rest = await ok(
      `query ($after: String) { products(first: 10, after: $after) { edges { node { id } } } }`,
      {
        after: afterFirst.products.pageInfo.endCursor,
      },
    );
    expect(rest.products.edges).toEqual([{ node: { id: '3' } }, { node: { id: '4' } }]);

    const { setStock } = await ok(
      `mutation { setStock(productId: 4, quantityOnHand: 40, expectedVersion: 1) { inventory { quantityOnHand version } } }`,
    );
    expect(setStock.inventory).toEqual({ quantityOnHand: 40, version: 2 });
    const { adjustStock } = await ok(
      `mutation { adjustStock(productId: 4, delta: -3, reason: "damaged in storage") { inventory { quantityOnHand version } } }`,
    );
    expect(adjustStock.inventory).toEqual({ quantityOnHand: 37, version: 3 });
  });

  it('answers CONFLICT for a stale version or a duplicate sku, NOT_FOUND for a missing product', async () => {
    const stale = await failure(
      `mutation { setStock(productId: 4, quantityOnHand: 1, expectedVersion: 1) { id } }`,
    );
    expect(stale.error.extensions.code).toBe('CONFLICT');
    const duplicate = await failure(
      `mutation { createProduct(input: { sku: "SPR-4", name: "Again", unitPriceCents: 1, currency: "USD", weightGrams: 1 }) { id } }`,
    );
    expect(duplicate.error.extensions.code).toBe('CONFLICT');
    const missing = await failure(
      `mutation { adjustStock(productId: 999, delta: 1, reason: "found") { id } }`,
    );
    expect(missing.error.extensions.code).toBe('NOT_FOUND');
    expect(await send(`{ product(id: 999) { id } }`)).toEqual({ data: { product: null } });
  });
});

describe('orders and shipments (order-service, logistics-service)', () => {
  const place = (items: Array<{ productId: number; quantity: number }>, idempotencyKey?: string) =>
    send(PLACE_ORDER, {
      input: { customerId: WITH_ADDRESS, items, serviceLevel: 'EXPRESS' },
      idempotencyKey,
    });

  it('places an order once for one idempotency key, reads it, lists it and its shipment', async () => {
    const first = await place(
      [
        { productId: WIDGET, quantity: 2 },
        { productId: GIZMO, quantity: 1 },
      ],
      'contract-1',
    );
    expect(first.errors).toBeUndefined();
    const order = first.data.placeOrder;
    expect(order).toMatchObject({
      status: 'CONFIRMED',
      totalCents: 2 * 1250 + 500,
      currency: 'USD',
      customer: { id: '1', name: 'Ada Lovelace' },
      items: [
        { quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500, product: { id: '1', sku: 'WID-1' } },
        { quantity: 1, unitPriceCents: 500, lineTotalCents: 500, product: { id: '3', sku: 'GIZ-3' } },
      ],
      shipment: { status: 'LABEL_CREATED', carrier: expect.any(String) },
    });
    const again = await place(
      [
        { productId: WIDGET, quantity: 2 },
        { productId: GIZMO, quantity: 1 },
      ],
      'contract-1',
    );
    expect(again.data.placeOrder).toEqual(order);

    expect(
      (await ok(`query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id: order.id })).order,
    ).toMatchObject({
      id: order.id,
      items: [{ product: { id: '1' } }, { product: { id: '3' } }],
    });
    const listed = await ok(
      `query ($c: ID) { orders(first: 5, status: CONFIRMED, customerId: $c) { edges { node { id } } pageInfo { hasNextPage } } }`,
      { c: String(WITH_ADDRESS) },
    );
    expect(listed.orders).toEqual({ edges: [{ node: { id: order.id } }], pageInfo: { hasNextPage: false } });
    const ofCustomer = await ok(`{ customer(id: 1) { orders(first: 5) { edges { node { id status } } } } }`);
    expect(ofCustomer.customer.orders.edges).toEqual([{ node: { id: order.id, status: 'CONFIRMED' } }]);

    const { shipment } = await ok(
      `query ($id: ID!) { shipment(id: $id) { id orderId serviceLevel status } }`,
      {
        id: order.shipment.id,
      },
    );
    expect(shipment).toEqual({
      id: order.shipment.id,
      orderId: order.id,
      serviceLevel: 'EXPRESS',
      status: 'LABEL_CREATED',
    });
    const shipments = await ok(`{ shipments(first: 5, status: LABEL_CREATED) { edges { node { id } } } }`);
    expect(shipments.shipments.edges).toEqual([{ node: { id: order.shipment.id } }]);
  });

  it('moves a shipment on, and answers CONFLICT with the current status for a move the machine forbids', async () => {
    const { data } = await place([{ productId: GADGET, quantity: 1 }]);
    const id = data.placeOrder.shipment.id;
    const moved = await ok(
      `mutation ($id: ID!) { updateShipmentStatus(id: $id, status: IN_TRANSIT) { id status } }`,
      { id },
    );
    expect(moved.updateShipmentStatus).toEqual({ id, status: 'IN_TRANSIT' });
    const { error } = await failure(
      `mutation ($id: ID!) { updateShipmentStatus(id: $id, status: CANCELLED) { id } }`,
      {
        id,
      },
    );
    expect(error).toMatchObject({
      path: ['updateShipmentStatus'],
      extensions: { code: 'CONFLICT', currentStatus: 'in_transit', requestedStatus: 'cancelled' },
    });
  });

  it('cancels an order, releasing its stock and cancelling its shipment', async () => {
    const { data } = await place([{ productId: GIZMO, quantity: 4 }]);
    const cancelled = await ok(
      `mutation ($id: ID!) { cancelOrder(id: $id) { id status shipment { status } } }`,
      {
        id: data.placeOrder.id,
      },
    );
    expect(cancelled.cancelOrder).toEqual({
      id: data.placeOrder.id,
      status: 'CANCELLED',
      shipment: { status: 'CANCELLED' },
    });
  });

  it('answers INSUFFICIENT_STOCK with each short item', async () => {
    const body = await place([{ productId: WIDGET, quantity: 50 }]);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining('Not enough stock'),
        path: ['placeOrder'],
        extensions: {
          code: 'INSUFFICIENT_STOCK',
          items: [{ productId: WIDGET, requested: 50, available: 8 }],
        },
      },
    ]);
  });

  it('answers NOT_FOUND for a mutation on a missing order, shipment or product, null for missing lookups', async () => {
    expect((await failure(`mutation { cancelOrder(id: 999) { id } }`)).error.extensions.code).toBe(
      'NOT_FOUND',
    );
    expect(
      (await failure(`mutation { updateShipmentStatus(id: 999, status: DELIVERED) { id } }`)).error.extensions
        .code,
    ).toBe('NOT_FOUND');
    const unknownProduct = await failure(
      `mutation { placeOrder(input: { customerId: ${WITH_ADDRESS}, items: [{ productId: 999, quantity: 1 }] }) { id } }`,
    );
    expect(unknownProduct.error.extensions.code).toBe('NOT_FOUND');
    expect(await send(`{ order(id: 999) { id } shipment(id: 999) { id } }`)).toEqual({
      data: { order: null, shipment: null },
    });
  });

  it.each([
    ['customer', 'abc'],
    ['product', '0'],
    ['order', '-3'],
    ['shipment', '1.5'],
  ])('answers BAD_USER_INPUT for %s(id: %p)', async (field, id) => {
    const { data, error } = await failure(`query ($id: ID!) { ${field}(id: $id) { id } }`, { id });
    expect(data).toEqual({ [field]: null });
    expect(error).toMatchObject({
      path: [field],
      extensions: {
        code: 'BAD_USER_INPUT',
        errors: [{ field: 'id', message: 'must be a positive integer id' }],
      },
    });
  });
});

describe('who may do what, through the gateway', () => {
  it('refuses a caller without a known key with UNAUTHENTICATED, before any subgraph', async () => {
    resetCounters(system);
    for (const headers of [{}, { authorization: 'Bearer wrong-key' }] as Array<Record<string, string>>) {
      const { status, body } = await graphql(gateway.url, '{ customer(id: 1) { id } }', {}, headers);
      expect(status).toBe(401);
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(counters(system).totalFetches).toBe(0);
  });

  it("passes the reader's identity on: reads work, a mutation is FORBIDDEN by the subgraph", async () => {
    expect((await send(CUSTOMER, { id: '1' }, 'reader-key')).data.customer.name).toBe('Ada Lovelace');
    const body = await send(
      `mutation { adjustStock(productId: 1, delta: 1, reason: "count") { id } }`,
      {},
      'reader-key',
    );
    expect(body.errors[0]).toMatchObject({ path: ['adjustStock'], extensions: { code: 'FORBIDDEN' } });
  });
});

describe('the request id', () => {
  const withId = (logs: Array<Record<string, unknown>>, id: string) =>
    logs.filter((line) => line.requestId === id);

  it("reaches the gateway and all four subgraphs' logs for one dashboard operation", async () => {
    await send(DASHBOARD, { first: 5 }, 'reader-key', 'dashboard-request-1');
    expect(withId(gateway.logs, 'dashboard-request-1')).not.toHaveLength(0);
    for (const [name, service] of Object.entries(servicesOf(system))) {
      expect([name, withId(service.logs, 'dashboard-request-1').length > 0]).toEqual([name, true]);
    }
  });

  it('reaches inventory-service and logistics-service when order-service places an order for it', async () => {
    const body = await send(
      PLACE_ORDER,
      { input: { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }] } },
      'writer-key',
      'place-request-1',
    );
    expect(body.errors).toBeUndefined();
    const urls = (logs: Array<Record<string, unknown>>) =>
      withId(logs, 'place-request-1').map((line) => (line.req as { url?: string } | undefined)?.url);
    expect(urls(system.inventory.logs)).toContain('/inventory/reservations');
    expect(urls(system.logistics.logs)).toContain('/shipments');
    expect(urls(system.orders.logs)).toContain('/graphql');
    expect(withId(gateway.logs, 'place-request-1')).not.toHaveLength(0);
  });

  it('is made up by the gateway when the caller sends none, and the subgraphs log that one', async () => {
    const { headers } = await httpClient(gateway.url, { authorization: 'Bearer reader-key' }).post(
      '/graphql',
      {
        query: '{ product(id: 1) { sku } }',
      },
    );
    const id = String(headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(withId(system.inventory.logs, id)).not.toHaveLength(0);
  });
});
