// An order no single warehouse can fill ships from each warehouse it is
// allocated to: one shipment per warehouse, priced as a domestic or an
// international leg, booked all or none. Reports from each shipment land in
// any order, twice or at once, and the order ends right.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Database, openDatabase } from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import type { TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import type { AxiosInstance } from 'axios';
import { deliveredQuantities } from '../src/shipping-progress.ts';
import { type System, startSystem } from './system.ts';

const MAIN = 1; // the default warehouse: no address, so it ships as from the US
const RTM = 2; // Rotterdam, NL
const PARTS = 4; // 100 g each: 30 in MAIN, 20 in Rotterdam before each test
const ANVIL = 5; // 4 kg each: 2 in MAIN, 10 in Rotterdam
const AMSTERDAM = { line1: 'Prinsengracht 263', city: 'Amsterdam', postalCode: '1016 GV', country: 'NL' };

async function seedWarehouses(db: TestDatabase) {
  await seed(db);
  await db.query(`
    INSERT INTO warehouses (id, code, name, address_line1, address_city, address_postal_code, address_country, priority)
      VALUES (${RTM}, 'RTM', 'Rotterdam', 'Maasvlakteweg 2', 'Rotterdam', '3199 LZ', 'NL', 10);
    SELECT setval(pg_get_serial_sequence('warehouses', 'id'), ${RTM});
    INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams) VALUES
      (${PARTS}, 'PRT-4', 'Parts', 200, 'USD', 100), (${ANVIL}, 'ANV-5', 'Anvil', 9000, 'USD', 4000);
    INSERT INTO inventory (product_id) VALUES (${PARTS}), (${ANVIL});
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand) VALUES
      (${PARTS}, ${MAIN}, 30), (${PARTS}, ${RTM}, 20), (${ANVIL}, ${MAIN}, 2), (${ANVIL}, ${RTM}, 10);
    SELECT setval(pg_get_serial_sequence('products', 'id'), ${ANVIL});`);
}

let system: System;
let orders: AxiosInstance;
let logistics: AxiosInstance;
let database: Database;

beforeAll(async () => {
  system = await startSystem({ seed: seedWarehouses });
  orders = httpClient(system.orders.url);
  logistics = httpClient(system.logistics.url);
  database = openDatabase({ url: system.db.url, poolSize: 2, logger: createLogger('test', 'silent') });
});

afterAll(async () => {
  await database?.close();
  await system?.stop();
});

// Whatever earlier tests hold or shipped, 30 parts are free in MAIN and 20 in Rotterdam.
beforeEach(async () => {
  await system.db.query(
    `UPDATE warehouse_stock SET quantity_on_hand = quantity_reserved + CASE warehouse_id WHEN ${MAIN} THEN 30 ELSE 20 END
     WHERE product_id = ${PARTS}`,
  );
});

interface Shipment {
  id: number;
  originWarehouseId: number;
  carrier: string;
  status: string;
  costCents: number;
}

async function placeSplit(quantity = 40) {
  const res = await orders.post('/supply-orders', {
    customerId: WITH_ADDRESS,
    items: [{ productId: PARTS, quantity }],
    shippingAddress: AMSTERDAM,
  });
  expect(res.status).toBe(201);
  const from = (warehouse: number) =>
    res.data.shipments.find((s: Shipment) => s.originWarehouseId === warehouse) as Shipment;
  return { order: res.data, rotterdam: from(RTM), main: from(MAIN) };
}

async function stockIn(warehouse: number, productId = PARTS) {
  const { rows } = await system.db.query<{ onHand: number; reserved: number }>(
    `SELECT quantity_on_hand AS "onHand", quantity_reserved AS "reserved" FROM warehouse_stock
     WHERE product_id = $1 AND warehouse_id = $2`,
    [productId, warehouse],
  );
  return rows[0];
}

const statusOf = async (id: number) => (await orders.get(`/supply-orders/${id}`)).data.status;
const historyOf = async (id: number) =>
  (await orders.get(`/supply-orders/${id}`)).data.history.map((h: { to: string }) => h.to);
const move = (shipment: Shipment, status: string) => logistics.patch(`/shipments/${shipment.id}`, { status });

describe('an order no single warehouse can fill', () => {
  it('records its allocations and books one shipment per warehouse, the domestic leg priced as domestic', async () => {
    const { order, rotterdam, main } = await placeSplit();
    // Rotterdam ranks first for a Dutch address and gives all it has; MAIN the rest.
    expect(order.items[0].allocations).toEqual([
      { warehouseId: MAIN, quantity: 20 },
      { warehouseId: RTM, quantity: 20 },
    ]);
    expect(order.shipments).toHaveLength(2);
    expect(order.shipment).toEqual(order.shipments[0]);
    // 2 kg each: NL to NL is domestic; from the US to NL is a European leg.
    expect(rotterdam).toMatchObject({ carrier: 'Parcelink Ground', costCents: 599 + 2 * 99 });
    expect(main).toMatchObject({ carrier: 'GlobePost', costCents: 1899 + 2 * 399 });
    const read = (await orders.get(`/supply-orders/${order.id}`)).data;
    expect(read).toEqual(order);
    const graph = await graphql(
      system.logistics.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipments { id origin { id } } shipment { id } } } }',
      { r: [{ __typename: 'Order', id: String(order.id) }] },
    );
    expect(graph.body.data._entities[0]).toEqual({
      shipments: order.shipments.map((s: Shipment) => ({
        id: String(s.id),
        origin: { id: String(s.originWarehouseId) },
      })),
      shipment: { id: String(order.shipments[0].id) },
    });
  });

  it('is partially shipped while one shipment moves, shipped when both do, delivered when both are', async () => {
    const before = { main: await stockIn(MAIN), rotterdam: await stockIn(RTM) };
    const { order, rotterdam, main } = await placeSplit();
    expect((await move(main, 'in_transit')).status).toBe(200);
    await waitFor(async () => (await statusOf(order.id)) === 'partially_shipped', 'partially shipped');
    expect((await move(main, 'delivered')).status).toBe(200);
    await waitFor(
      async () => (await deliveredQuantities(database.prisma, order.id)).length > 0,
      "the first shipment's delivery",
    );
    expect(await deliveredQuantities(database.prisma, order.id)).toEqual([
      { productId: PARTS, quantity: 20 },
    ]);
    expect(await statusOf(order.id)).toBe('partially_shipped');
    // Refused once a shipment has moved: nothing is cancelled.
    expect((await orders.post(`/supply-orders/${order.id}/cancel`)).status).toBe(409);

    expect((await move(rotterdam, 'in_transit')).status).toBe(200);
    await waitFor(async () => (await statusOf(order.id)) === 'shipped', 'shipped');
    expect((await move(rotterdam, 'delivered')).status).toBe(200);
    await waitFor(async () => (await statusOf(order.id)) === 'delivered', 'delivered');
    expect(await historyOf(order.id)).toEqual([
      'pending',
      'confirmed',
      'partially_shipped',
      'shipped',
      'delivered',
    ]);
    // The stock left each warehouse once, as allocated.
    expect(await stockIn(MAIN)).toEqual({
      onHand: before.main!.onHand - 20,
      reserved: before.main!.reserved,
    });
    expect(await stockIn(RTM)).toEqual({
      onHand: before.rotterdam!.onHand - 20,
      reserved: before.rotterdam!.reserved,
    });
    expect(await deliveredQuantities(database.prisma, order.id)).toEqual([
      { productId: PARTS, quantity: 40 },
    ]);
  });

  it('ends delivered whatever order its reports land in, repeated and at the same time', async () => {
    const { order, rotterdam, main } = await placeSplit();
    // Both delivered in logistics before any report lands; the reports come last first, each twice, at once.
    await system.db.query(`UPDATE shipments SET status = 'delivered' WHERE order_id = $1`, [order.id]);
    const events = [
      { shipmentId: main.id, status: 'delivered' },
      { shipmentId: rotterdam.id, status: 'delivered' },
      { shipmentId: main.id, status: 'in_transit' },
      { shipmentId: rotterdam.id, status: 'in_transit' },
    ];
    const answers = await Promise.all(
      [...events, ...events].map((event) => orders.post(`/supply-orders/${order.id}/shipment-events`, event)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    await waitFor(async () => (await statusOf(order.id)) === 'delivered', 'delivered');
    expect(await historyOf(order.id)).toEqual(['pending', 'confirmed', 'shipped', 'delivered']);
  });

  it('cancels every shipment and releases the stock in each warehouse when cancelled before any moves', async () => {
    const before = { main: await stockIn(MAIN), rotterdam: await stockIn(RTM) };
    const { order } = await placeSplit();
    const res = await orders.post(`/supply-orders/${order.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.data.status).toBe('cancelled');
    expect(res.data.shipments.map((s: Shipment) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(await stockIn(MAIN)).toEqual(before.main);
    expect(await stockIn(RTM)).toEqual(before.rotterdam);
  });

  it('refuses to cancel one shipment once another of its order has left', async () => {
    const { order, rotterdam, main } = await placeSplit();
    expect((await move(main, 'in_transit')).status).toBe(200);
    await waitFor(async () => (await statusOf(order.id)) === 'partially_shipped', 'partially shipped');
    const refused = await move(rotterdam, 'cancelled');
    expect(refused.status).toBe(409);
    expect(refused.data).toMatchObject({ shipmentId: main.id, currentStatus: 'in_transit' });
    expect((await logistics.get(`/shipments/${rotterdam.id}`)).data.status).toBe('label_created');
    expect(await statusOf(order.id)).toBe('partially_shipped');
  });

  it('lets one shipment leave or another be cancelled when both are asked at once, never both', async () => {
    const { order, rotterdam, main } = await placeSplit();
    const [cancel, leave] = await Promise.all([move(main, 'cancelled'), move(rotterdam, 'in_transit')]);
    expect([cancel.status, leave.status].sort()).toEqual([200, 409]);
    if (cancel.status === 200) {
      await waitFor(async () => (await statusOf(order.id)) === 'cancelled', 'cancelled');
      // The order is cancelled on logistics' report, then its other shipment: the second step follows.
      const sibling = async () => (await logistics.get(`/shipments/${rotterdam.id}`)).data.status;
      await waitFor(async () => (await sibling()) === 'cancelled', 'the other shipment cancelled');
    } else {
      await waitFor(async () => (await statusOf(order.id)) === 'partially_shipped', 'partially shipped');
      expect((await logistics.get(`/shipments/${main.id}`)).data.status).toBe('label_created');
    }
  });

  it('cancels the shipments booked and releases the stock when one booking is refused', async () => {
    const before = { main: await stockIn(MAIN, ANVIL), rotterdam: await stockIn(RTM, ANVIL) };
    // Rotterdam's 10 anvils weigh 40 kg, too heavy for a parcel; MAIN's 2 are booked, then undone.
    const res = await orders.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: ANVIL, quantity: 12 }],
      shippingAddress: AMSTERDAM,
    });
    expect(res.status).toBe(422);
    const { rows } = await system.db.query<{ id: number; status: string }>(
      'SELECT id, status FROM orders ORDER BY id DESC LIMIT 1',
    );
    expect(rows[0]?.status).toBe('failed');
    const shipments = await system.db.query<{ status: string }>(
      'SELECT status FROM shipments WHERE order_id = $1',
      [rows[0]!.id],
    );
    expect(shipments.rows).toEqual([{ status: 'cancelled' }]);
    expect(await stockIn(MAIN, ANVIL)).toEqual(before.main);
    expect(await stockIn(RTM, ANVIL)).toEqual(before.rotterdam);
  });
});

describe('a return from an order partly delivered', () => {
  it('puts the units back in the warehouse whose shipment arrived, not one whose goods are still on the way', async () => {
    const { order, rotterdam } = await placeSplit();
    expect((await move(rotterdam, 'in_transit')).status).toBe(200);
    expect((await move(rotterdam, 'delivered')).status).toBe(200);
    await waitFor(
      async () => (await deliveredQuantities(database.prisma, order.id)).length > 0,
      "Rotterdam's delivery",
    );
    const committed = async () =>
      (await system.db.query('SELECT status FROM reservations WHERE order_id = $1', [order.id])).rows[0]
        ?.status;
    await waitFor(async () => (await committed()) === 'committed', 'the stock to leave');
    const before = { main: await stockIn(MAIN), rotterdam: await stockIn(RTM) };
    const asked = await orders.post(`/supply-orders/${order.id}/returns`, {
      items: [{ productId: PARTS, quantity: 5 }],
      reason: 'Too many',
    });
    expect(asked.status).toBe(201);
    const received = await orders.post(`/returns/${asked.data.id}/receive`, {});
    expect(received.status).toBe(200);
    expect(received.data.restockedAt).not.toBeNull();
    expect(await stockIn(RTM)).toEqual({ ...before.rotterdam, onHand: before.rotterdam!.onHand + 5 });
    expect(await stockIn(MAIN)).toEqual(before.main);
  });
});
