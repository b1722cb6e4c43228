// Least privilege as PostgreSQL's own rule: each service's role writes only the
// tables its service owns, reads only what it needs, and runs no DDL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loginUrl } from '@supply/service-kit/migrate';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import pg from 'pg';
import { localLoginOf } from '../../../scripts/services.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(`INSERT INTO customers (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')`);
});

afterAll(async () => {
  await db?.drop();
});

/** Runs `sql` as the database role of the service called `name`; answers the SQLSTATE, or 'ok'. */
async function as(name: string, sql: string): Promise<string> {
  const login = localLoginOf(name);
  if (!login) throw new Error(`no database role for ${name}`);
  const client = new pg.Client({ connectionString: loginUrl(db.url, login) });
  await client.connect();
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

describe("each service's database role", () => {
  it('writes the tables its service owns', async () => {
    expect(await as('crm-api', `UPDATE customers SET phone = '+44 1' WHERE id = 1`)).toBe('ok');
    expect(
      await as(
        'inventory-service',
        `INSERT INTO products (sku, name, unit_price_cents, currency, weight_grams) VALUES ('R-1', 'Rope', 100, 'USD', 50)`,
      ),
    ).toBe('ok');
  });

  it("is refused when it writes another service's table", async () => {
    expect(
      await as(
        'crm-api',
        `INSERT INTO products (sku, name, unit_price_cents, currency, weight_grams) VALUES ('X-1', 'X', 1, 'USD', 1)`,
      ),
    ).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('logistics-service', 'UPDATE inventory SET quantity_on_hand = 0')).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await as('order-service', 'DELETE FROM customers')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('inventory-service', `UPDATE orders SET status = 'cancelled'`)).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it('reads only what it needs', async () => {
    expect(await as('order-service', 'SELECT name FROM customers')).toBe('ok');
    expect(await as('crm-api', 'SELECT * FROM idempotency_keys')).toBe(INSUFFICIENT_PRIVILEGE);
    // Keyed writes of customers, products and stock keep their keys; the others may not touch them.
    expect(await as('crm-api', 'DELETE FROM idempotent_requests')).toBe('ok');
    expect(await as('inventory-service', 'DELETE FROM idempotent_requests')).toBe('ok');
    expect(await as('logistics-service', 'SELECT * FROM idempotent_requests')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('logistics-service', 'SELECT email FROM customers')).toBe(INSUFFICIENT_PRIVILEGE);
    // The gateway's role only counts requests per API key.
    expect(await as('gateway', 'SELECT * FROM rate_limits')).toBe('ok');
    expect(await as('gateway', 'SELECT email FROM customers')).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('may add webhook events, and no more, where its service makes the changes they report', async () => {
    const event = `INSERT INTO webhook_events (type, subject_id) VALUES ('stock.low', 1)`;
    for (const name of ['inventory-service', 'logistics-service', 'order-service']) {
      expect(await as(name, event)).toBe('ok');
      expect(await as(name, 'SELECT * FROM webhook_events')).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await as(name, 'UPDATE webhook_events SET fanned_at = now()')).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await as(name, 'SELECT * FROM webhook_endpoints')).toBe(INSUFFICIENT_PRIVILEGE);
    }
    expect(await as('crm-api', 'UPDATE webhook_events SET fanned_at = now()')).toBe('ok');
  });

  it('keeps returns to order-service and their restocks to inventory-service', async () => {
    expect(await as('order-service', `UPDATE returns SET reason = 'Too small'`)).toBe('ok');
    expect(await as('order-service', 'DELETE FROM idempotent_requests')).toBe('ok');
    expect(await as('order-service', 'DELETE FROM returns')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('order-service', 'SELECT * FROM restock_items')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('inventory-service', 'SELECT * FROM restocks')).toBe('ok');
    expect(await as('inventory-service', 'UPDATE restock_items SET quantity = 1')).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await as('inventory-service', `UPDATE returns SET status = 'received'`)).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await as('logistics-service', 'SELECT * FROM returns')).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('runs no DDL: the migration role owns the schema', async () => {
    expect(await as('crm-api', 'CREATE TABLE notes (id int)')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await as('order-service', 'DROP TABLE customers')).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('has its statements bounded in time', async () => {
    const bounded = `DO $$ BEGIN
      IF current_setting('statement_timeout') <> '10s' THEN RAISE 'statements unbounded'; END IF;
    END $$`;
    for (const name of ['crm-api', 'inventory-service', 'logistics-service', 'order-service']) {
      expect(await as(name, bounded)).toBe('ok');
    }
  });
});
