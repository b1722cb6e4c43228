// What placing an order costs, and what it answers. order-service records the
// order in one statement, confirms it in another and answers from the rows in
// hand; the answer is still exactly what reading the order back gives.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, WITH_ADDRESS, WITHOUT_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { BACKGROUND_SQL } from '@supply/test-support/services';
import { type System, startSystem } from './system.ts';

let system: System;

beforeAll(async () => {
  system = await startSystem();
  // The recovery sweep runs once at start: wait for its last statement, so it is not counted with an order.
  await waitFor(
    async () => system.orders.queries.statements.some((sql) => /idempotency_keys/.test(sql)),
    'the start-up recovery sweep',
  );
});

afterAll(async () => {
  await system?.stop();
});

/** What `send` answers, and the statements each service sent meanwhile. */
async function measured<T>(send: () => Promise<T>) {
  const services = {
    crm: system.crm,
    inventory: system.inventory,
    logistics: system.logistics,
    orders: system.orders,
  };
  for (const service of Object.values(services)) service.queries.reset();
  const answer = await send();
  const statements = Object.fromEntries(
    Object.entries(services).map(([name, service]) => [
      name,
      service.queries.statements.filter((sql) => !BACKGROUND_SQL.test(sql)),
    ]),
  ) as Record<keyof typeof services, string[]>;
  return { answer, statements };
}

const twoItems = {
  customerId: WITH_ADDRESS,
  items: [
    { productId: GIZMO, quantity: 2 },
    { productId: GADGET, quantity: 1 },
  ],
};

describe('the statements of one order placed through crm-api', () => {
  it('are 12: order-service 6 without a transaction, inventory-service 4 (the order claimed with its products locked, the stock in warehouses read, then held and recorded), logistics-service 2, crm-api none', async () => {
    const crm = httpClient(system.crm.url);
    const { answer, statements } = await measured(() => crm.post('/orders', twoItems));
    expect(answer.status).toBe(201);
    const counts = Object.fromEntries(Object.entries(statements).map(([name, sql]) => [name, sql.length]));
    expect(counts).toEqual({ crm: 0, inventory: 4, logistics: 2, orders: 6 });
    // Claim the key, read the customer with the products, record, record the allocations, confirm, keep the answer.
    const kinds = [
      /^INSERT INTO idempotency_keys/,
      /^SELECT c\.id AS "customerId", .* FROM products p WHERE p\.id = ANY/,
      /^WITH o AS \( INSERT INTO orders /,
      /^INSERT INTO order_item_allocations /,
      /^WITH prev AS \( SELECT id, status FROM orders WHERE id = \$1 FOR UPDATE \)/,
      /^UPDATE idempotency_keys SET state = 'completed'/,
    ];
    const orders = statements.orders.map((sql) => sql.trim().replace(/\s+/g, ' '));
    expect(orders).toHaveLength(kinds.length);
    for (const [i, kind] of kinds.entries()) expect(orders[i]).toMatch(kind);
    // The reservation: claimed with its products locked, the stock read, then held with its lines and allocations.
    const inventory = statements.inventory.map((sql) => sql.trim().replace(/\s+/g, ' '));
    const reserving = [
      /^WITH claimed AS \( INSERT INTO reservations .* FOR UPDATE\)/,
      /^SELECT .* FROM warehouse_stock s JOIN warehouses w/,
      /^WITH held AS \( UPDATE warehouse_stock .* INSERT INTO reservation_allocations/,
      /^COMMIT$/,
    ];
    for (const [i, kind] of reserving.entries()) expect(inventory[i]).toMatch(kind);
    // The origin warehouse is read (its country prices the leg); the shipment is inserted and answered
    // in one statement, not read back.
    expect(statements.logistics[0]).toMatch(/FROM warehouses/);
    expect(statements.logistics[1]).toMatch(/^\s*INSERT INTO shipments[\s\S]*RETURNING/);
  });

  it('are 4 in order-service without an Idempotency-Key: no key to claim, link or complete', async () => {
    const http = httpClient(system.orders.url);
    const { answer, statements } = await measured(() => http.post('/supply-orders', twoItems));
    expect(answer.status).toBe(201);
    expect(statements.orders).toHaveLength(4);
    expect(statements.orders.filter((sql) => /^\s*COMMIT/.test(sql))).toEqual([]);
  });
});

describe('the answer to an order placed', () => {
  const http = () => httpClient(system.orders.url);
  const text = async (path: string) => (await http().get<string>(path, { responseType: 'text' })).data;

  it.each([
    ['with the address on file', twoItems],
    [
      'with a given address, express',
      {
        customerId: WITHOUT_ADDRESS,
        items: [{ productId: GIZMO, quantity: 3 }],
        shippingAddress: { line1: '1 Infinite Loop', city: 'Cupertino', postalCode: '95014', country: 'us' },
        serviceLevel: 'express',
      },
    ],
  ])('is, byte for byte, the order read back (%s)', async (_, body) => {
    for (const key of [undefined, `bytes-${Math.random()}`]) {
      const placed = await http().post<string>('/supply-orders', body, {
        responseType: 'text',
        headers: key ? { 'Idempotency-Key': key } : {},
      });
      expect(placed.status).toBe(201);
      const { id } = JSON.parse(placed.data);
      expect(placed.data).toBe(await text(`/supply-orders/${id}`));
    }
  });

  it('is, byte for byte, the order read back through crm-api', async () => {
    const crm = httpClient(system.crm.url);
    const placed = await crm.post<string>('/orders', twoItems, { responseType: 'text' });
    expect(placed.status).toBe(201);
    const { id } = JSON.parse(placed.data);
    expect(placed.data).toBe((await crm.get<string>(`/orders/${id}`, { responseType: 'text' })).data);
  });

  it('is in GraphQL what order(id) reads', async () => {
    const fields = `id status serviceLevel totalCents currency failureReason createdAt updatedAt
      customer { id } shippingAddress { line1 city postalCode country }
      items { product { id } quantity unitPriceCents lineTotalCents }
      history { from to reason at }`;
    const placed = await graphql(
      system.orders.url,
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${fields} } }`,
      {
        input: {
          customerId: String(WITH_ADDRESS),
          items: [{ productId: String(GADGET), quantity: 2 }],
          serviceLevel: 'EXPRESS',
        },
      },
    );
    expect(placed.body.errors).toBeUndefined();
    const order = placed.body.data.placeOrder;
    const read = await graphql(system.orders.url, `query($id: ID!) { order(id: $id) { ${fields} } }`, {
      id: order.id,
    });
    expect(JSON.stringify(order)).toBe(JSON.stringify(read.body.data.order));
  });
});
