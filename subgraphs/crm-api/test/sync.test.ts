import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seed } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { expectSyncWithoutGaps, type Row } from '@supply/test-support/sync';
import type { AxiosInstance } from 'axios';
import { buildApp as buildOrders } from '../../order-service/src/app.ts';
import { buildApp } from '../src/app.ts';

let db: TestDatabase;
let orders: StartedService;
let crm: StartedService;
let http: AxiosInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db);
  // Ten more customers and seven orders of customer 1, each set written at one instant (ties on updated_at).
  await db.query(`
    INSERT INTO customers (name, email) SELECT 'Customer ' || n, 'c' || n || '@example.com' FROM generate_series(3, 12) n;
    INSERT INTO orders (customer_id, total_cents, currency, shipping_line1, shipping_city, shipping_postal_code, shipping_country)
      SELECT 1, 100 * n, 'USD', '1 Main St', 'Springfield', '12345', 'US' FROM generate_series(1, 7) n;`);
  orders = await startService({ name: 'order-service', databaseUrl: db.url, build: buildOrders });
  crm = await startService({
    name: 'crm-api',
    databaseUrl: db.url,
    build: buildApp,
    env: { ORDER_SERVICE_URL: orders.url },
  });
  http = httpClient(crm.url);
});

afterAll(async () => {
  await crm?.close();
  await orders?.close();
  await db?.drop();
});

async function ids(sql: string): Promise<number[]> {
  return (await db.query<{ id: number }>(sql)).rows.map((row) => row.id);
}

describe('sync by updatedAt', () => {
  it('GET /customers reads every customer once while customers change, and the changed ones next time', async () => {
    const all = await ids('SELECT id FROM customers');
    await expectSyncWithoutGaps(http, '/customers', all, async (id) => {
      expect((await http.patch(`/customers/${id}`, { company: `Changed ${id}` })).status).toBe(200);
    });
  });

  it("GET /customers/:id/orders does the same for a customer's orders", async () => {
    const all = await ids('SELECT id FROM orders WHERE customer_id = 1');
    await expectSyncWithoutGaps(http, '/customers/1/orders', all, async (id) => {
      await db.query('UPDATE orders SET total_cents = total_cents + 1 WHERE id = $1', [id]);
    });
  });

  it('takes updatedSince with the id order, and refuses a cursor of the other order', async () => {
    // The trigger keeps updated_at true; set aside here to date rows in the past.
    await db.query(
      "BEGIN; SET LOCAL session_replication_role = replica; UPDATE customers SET updated_at = '2020-01-01' WHERE id > 2; COMMIT;",
    );
    const since = await http.get('/customers', { params: { updatedSince: '2021-01-01T00:00:00Z' } });
    expect(since.data.items.map((c: Row) => c.id)).toEqual([1, 2]);
    const byId = await http.get('/customers', { params: { limit: 1 } });
    const mixed = await http.get('/customers', {
      params: { sort: 'updatedAt', cursor: byId.data.nextCursor },
    });
    expect(mixed.status).toBe(400);
    const bad = await http.get('/customers', { params: { updatedSince: 'yesterday' } });
    expect(bad.status).toBe(400);
  });
});
