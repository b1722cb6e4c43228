// The dashboard crosses all four subgraphs; entity references are loaded in
// batches, so a page of 50 orders costs the same SQL statements and subgraph
// fetches as a page of 5. Lists page forward by cursor without gaps.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestDatabase } from '@supply/test-support/database';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { counters, resetCounters, subgraphEnv } from './harness.ts';
import { DASHBOARD, DASHBOARD_WITH_SHIPMENTS } from './operations.ts';

const CUSTOMERS = 12;
const PRODUCTS = 8;
const ORDERS = 72;

/** 72 orders of 12 customers, 3 items each over 8 products; every order but each sixth shipped. */
async function seedOrders(db: TestDatabase) {
  await db.query(`
    INSERT INTO customers (id, name, email, address_line1, address_city, address_postal_code, address_country)
      SELECT c, 'Customer ' || c, 'customer' || c || '@example.com', c || ' High Street', 'London', 'E1 ' || c, 'GB'
      FROM generate_series(1, ${CUSTOMERS}) c;
    INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams)
      SELECT p, 'SKU-' || p, 'Product ' || p, 100 * p, 'USD', 50 * p FROM generate_series(1, ${PRODUCTS}) p;
    INSERT INTO inventory (product_id) SELECT p FROM generate_series(1, ${PRODUCTS}) p;
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, quantity_reserved, reorder_point)
      SELECT p, 1, 1000 + p, p, 10 FROM generate_series(1, ${PRODUCTS}) p;
    INSERT INTO orders (id, customer_id, status, total_cents, currency,
        shipping_line1, shipping_city, shipping_postal_code, shipping_country)
      SELECT o, 1 + o % ${CUSTOMERS}, (ARRAY['confirmed', 'shipped', 'delivered', 'cancelled'])[1 + o % 4],
        0, 'USD', o || ' Dock Road', 'London', 'E16 ' || o, 'GB'
      FROM generate_series(1, ${ORDERS}) o;
    INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
      SELECT o, 1 + (o + k) % ${PRODUCTS}, k, 100 * (1 + (o + k) % ${PRODUCTS})
      FROM generate_series(1, ${ORDERS}) o, generate_series(1, 3) k;
    UPDATE orders SET total_cents =
      (SELECT sum(quantity * unit_price_cents) FROM order_items WHERE order_id = orders.id);
    INSERT INTO order_status_history (order_id, from_status, to_status)
      SELECT id, NULL, status FROM orders;
    INSERT INTO shipments (order_id, carrier, service_level, tracking_number, status, destination_line1,
        destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
        estimated_delivery_date)
      SELECT o, 'GlobePost', 'standard', 'GLP' || lpad(o::text, 12, '0'), 'in_transit', o || ' Dock Road',
        'London', 'E16 ' || o, 'GB', 500, 1500, 'USD', DATE '2026-12-01' + o
      FROM generate_series(1, ${ORDERS}) o WHERE o % 6 <> 0;
    -- Every third order also ships from Newark.
    INSERT INTO warehouses (id, code, name) VALUES (2, 'EWR', 'Newark');
    INSERT INTO shipments (order_id, origin_warehouse_id, carrier, service_level, tracking_number, status,
        destination_line1, destination_city, destination_postal_code, destination_country, weight_grams,
        cost_cents, currency, estimated_delivery_date)
      SELECT o, 2, 'GlobePost', 'standard', 'GLN' || lpad(o::text, 12, '0'), 'label_created', o || ' Dock Road',
        'London', 'E16 ' || o, 'GB', 500, 1500, 'USD', DATE '2026-12-01' + o
      FROM generate_series(1, ${ORDERS}) o WHERE o % 3 = 1;
    SELECT setval(pg_get_serial_sequence('customers', 'id'), ${CUSTOMERS});
    SELECT setval(pg_get_serial_sequence('products', 'id'), ${PRODUCTS});
    SELECT setval(pg_get_serial_sequence('orders', 'id'), ${ORDERS});`);
}

let system: System;
let gateway: StartedGateway;

beforeAll(async () => {
  system = await startSystem({ seed: seedOrders });
  gateway = await startGateway(subgraphEnv(system));
  // The first operation warms Prisma and the query planner, and order-service's recovery
  // sweep runs once at start: neither belongs to what the dashboard costs.
  await graphql(gateway.url, DASHBOARD, { first: 1 });
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

async function dashboard(first: number, operation = DASHBOARD) {
  resetCounters(system);
  const { status, body } = await graphql(gateway.url, operation, { first });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return { orders: body.data.orders, ...counters(system) };
}

describe('the dashboard', () => {
  // Measured: 6 SQL statements and 4 subgraph fetches for 5 orders and for 50: crm 1 (customers by id), inventory 3
  // (products with their totals by id, their stock per warehouse by product id, then the warehouses by id), logistics 1
  // (shipments by order id), orders 1 (the page, each order with its items; the dashboard selects no history, so none
  // is read).
  it('costs 6 SQL statements (crm 1, inventory 3, logistics 1, orders 1) and one fetch per subgraph, for 5 orders as for 50', async () => {
    const five = await dashboard(5);
    const fifty = await dashboard(50);
    for (const page of [five, fifty]) {
      expect(page.sql).toEqual({ crm: 1, inventory: 3, logistics: 1, orders: 1 });
      expect(page.fetches).toEqual({ crm: 1, inventory: 1, logistics: 1, orders: 1 });
    }
    expect(five.orders.edges).toHaveLength(5);
    expect(fifty.orders.edges).toHaveLength(50);
  });

  // Measured: with every shipment and its origin selected, one more statement and fetch (inventory's warehouses by
  // id, for the shipments' origins), whatever the page size.
  it('costs 7 SQL statements and 5 fetches with every shipment and its origin selected, for 5 orders as for 50', async () => {
    const five = await dashboard(5, DASHBOARD_WITH_SHIPMENTS);
    const fifty = await dashboard(50, DASHBOARD_WITH_SHIPMENTS);
    for (const page of [five, fifty]) {
      expect(page.sql).toEqual({ crm: 1, inventory: 4, logistics: 1, orders: 1 });
      expect(page.fetches).toEqual({ crm: 1, inventory: 2, logistics: 1, orders: 1 });
    }
    const first = fifty.orders.edges[0].node;
    expect(first.shipments).toEqual([
      expect.objectContaining({ status: 'IN_TRANSIT', origin: { code: 'MAIN' } }),
      expect.objectContaining({ status: 'LABEL_CREATED', origin: { code: 'EWR' } }),
    ]);
    expect(fifty.orders.edges[5].node.shipments).toEqual([]);
  });

  it('answers every order with its customer, items, products with stock, and shipment', async () => {
    const { orders } = await dashboard(50);
    expect(orders.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });
    const sixth = orders.edges[5].node;
    expect(sixth).toEqual({
      id: '6',
      status: 'DELIVERED',
      totalCents: 1 * 800 + 2 * 100 + 3 * 200,
      currency: 'USD',
      createdAt: expect.any(String),
      customer: { id: '7', name: 'Customer 7', email: 'customer7@example.com' },
      items: [
        { quantity: 2, unitPriceCents: 100, product: expect.objectContaining({ id: '1', sku: 'SKU-1' }) },
        { quantity: 3, unitPriceCents: 200, product: expect.objectContaining({ id: '2', sku: 'SKU-2' }) },
        { quantity: 1, unitPriceCents: 800, product: expect.objectContaining({ id: '8', sku: 'SKU-8' }) },
      ],
      shipment: null,
    });
    expect(sixth.items[0].product.inventory).toEqual({
      quantityOnHand: 1001,
      quantityReserved: 1,
      quantityAvailable: 1000,
      byWarehouse: [{ quantityAvailable: 1000, lowStock: false, warehouse: { code: 'MAIN' } }],
    });
    expect(orders.edges[0].node.shipment).toEqual({
      id: expect.any(String),
      status: 'IN_TRANSIT',
      carrier: 'GlobePost',
      trackingNumber: 'GLP000000000001',
      estimatedDeliveryDate: '2026-12-02',
    });
  });
});

/** Follows endCursor from the first page until hasNextPage is false; the ids seen, in order. */
async function everyId(field: string, first: number, filters = '') {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const query = `query Page($first: Int!, $after: String) {
      ${field}(first: $first, after: $after${filters}) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }`;
    const { body } = await graphql(gateway.url, query, { first, after });
    expect(body.errors).toBeUndefined();
    const page = body.data[field];
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    ids.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
}

async function idsInDatabase(sql: string): Promise<string[]> {
  const { rows } = await system.db.query<{ id: number }>(sql);
  return rows.map((row) => String(row.id));
}

describe('paging forward by cursor', () => {
  it.each([
    ['orders', 7, 'SELECT id FROM orders ORDER BY id'],
    ['customers', 5, 'SELECT id FROM customers ORDER BY id'],
    ['products', 3, 'SELECT id FROM products ORDER BY id'],
    ['shipments', 9, 'SELECT id FROM shipments ORDER BY id'],
  ])('walks every one of the %s, %i at a time, without a duplicate or a gap', async (field, first, sql) => {
    const ids = await everyId(field, first);
    expect(ids).toEqual(await idsInDatabase(sql));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps a filter from page to page', async () => {
    expect(await everyId('orders', 4, ', status: CANCELLED, customerId: 4')).toEqual(
      await idsInDatabase(`SELECT id FROM orders WHERE status = 'cancelled' AND customer_id = 4 ORDER BY id`),
    );
    expect(await everyId('shipments', 10, ', status: IN_TRANSIT')).toHaveLength(60);
  });
});
