// A small catalogue for order tests: two customers (one without an address)
// and three products with stock, and readers for what the tests check.
import type { TestDatabase } from './database.ts';

export const WITH_ADDRESS = 1;
export const WITHOUT_ADDRESS = 2;
/** Product ids of the seeded catalogue. */
export const WIDGET = 1; // 10 in stock, $12.50, 400 g
export const GADGET = 2; // 100 in stock, $99.00, 1.2 kg
export const GIZMO = 3; // 500 in stock, $5.00, 100 g

export async function seed(db: TestDatabase): Promise<void> {
  await db.query(`
    INSERT INTO customers (id, name, email, address_line1, address_city, address_postal_code, address_country) VALUES
      (1, 'Ada Lovelace', 'ada@example.com', '12 St James''s Square', 'London', 'SW1Y 4JH', 'GB'),
      (2, 'Grace Hopper', 'grace@example.com', NULL, NULL, NULL, NULL);
    INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams) VALUES
      (1, 'WID-1', 'Widget', 1250, 'USD', 400),
      (2, 'GAD-2', 'Gadget', 9900, 'USD', 1200),
      (3, 'GIZ-3', 'Gizmo', 500, 'USD', 100);
    INSERT INTO inventory (product_id) VALUES (1), (2), (3);
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, reorder_point) VALUES
      (1, 1, 10, 2), (2, 1, 100, 5), (3, 1, 500, 10);
    SELECT setval(pg_get_serial_sequence('customers', 'id'), 2);
    SELECT setval(pg_get_serial_sequence('products', 'id'), 3);`);
}

export async function stockOf(db: TestDatabase, productId: number) {
  const { rows } = await db.query<{ onHand: number; reserved: number }>(
    'SELECT quantity_on_hand AS "onHand", quantity_reserved AS "reserved" FROM inventory WHERE product_id = $1',
    [productId],
  );
  return rows[0];
}

export async function count(db: TestDatabase, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]?.n ?? 0;
}
