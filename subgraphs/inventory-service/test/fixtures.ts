// Shared setup for the inventory-service tests: products through the API,
// orders (which reservations need, by foreign key) straight into the database.
import type { TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';

let skuCounter = 0;
let orderCounter = 1000;

export function productBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  skuCounter += 1;
  return {
    sku: `SKU-${process.pid}-${skuCounter}`,
    name: `Test product ${skuCounter}`,
    unitPriceCents: 1299,
    currency: 'USD',
    weightGrams: 250,
    ...overrides,
  };
}

/** Creates a product through POST /products and answers its body. */
export async function createProduct(url: string, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await httpClient(url).post('/products', productBody(overrides));
  if (res.status !== 201)
    throw new Error(`POST /products answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data;
}

/** Inserts `count` orders (and their customer) and answers their ids. */
export async function createOrders(db: TestDatabase, count = 1): Promise<number[]> {
  await db.query(
    `INSERT INTO customers (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')
     ON CONFLICT DO NOTHING`,
  );
  const ids = Array.from({ length: count }, () => ++orderCounter);
  await db.query(
    `INSERT INTO orders (id, customer_id, total_cents, currency, shipping_line1, shipping_city,
                         shipping_postal_code, shipping_country)
     SELECT id, 1, 0, 'USD', '12 St James''s Square', 'London', 'SW1Y 4JH', 'GB' FROM unnest($1::int[]) AS id`,
    [ids],
  );
  return ids;
}

export async function createOrder(db: TestDatabase): Promise<number> {
  const [id] = await createOrders(db, 1);
  return id!;
}

/** The stock row as the database holds it. */
export async function stockRow(db: TestDatabase, productId: number) {
  const { rows } = await db.query(
    `SELECT quantity_on_hand AS "onHand", quantity_reserved AS "reserved", version
     FROM inventory WHERE product_id = $1`,
    [productId],
  );
  return rows[0] as { onHand: number; reserved: number; version: number };
}

export function fieldsOf(body: any): string[] {
  return (body?.errors ?? []).map((error: { field: string }) => error.field).sort();
}

let warehouseCounter = 0;

/** Creates a warehouse through POST /warehouses and answers its body. */
export async function createWarehouse(url: string, country = 'US', priority?: number): Promise<any> {
  warehouseCounter += 1;
  const res = await httpClient(url).post('/warehouses', {
    code: `W${process.pid}-${warehouseCounter}`,
    name: `Warehouse ${warehouseCounter}`,
    address: { line1: `${warehouseCounter} Dock Road`, city: 'Port', postalCode: '1000', country },
    ...(priority === undefined ? {} : { priority }),
  });
  if (res.status !== 201)
    throw new Error(`POST /warehouses answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data;
}

/** Each warehouse's stock row of the product, and the product's totals, as the database holds them. */
export async function stockByWarehouse(db: TestDatabase, productId: number) {
  const { rows } = await db.query<{ warehouseId: number; onHand: number; reserved: number }>(
    `SELECT warehouse_id AS "warehouseId", quantity_on_hand AS "onHand", quantity_reserved AS "reserved"
     FROM warehouse_stock WHERE product_id = $1 ORDER BY warehouse_id`,
    [productId],
  );
  const totals = await stockRow(db, productId);
  return { warehouses: rows, totals };
}
