// What the logistics tests share: orders to ship (shipments need them), a
// booking body, a started service, a bounded wait, and a free port.
import type { TestDatabase } from '@supply/test-support/database';
import { type StartedService, startService } from '@supply/test-support/services';
import { type AppOptions, buildApp } from '../src/app.ts';

export async function seedCustomer(db: TestDatabase): Promise<void> {
  await db.query(`INSERT INTO customers (id, name, email) VALUES (1, 'Grace Hopper', 'grace@example.com')`);
}

/** `count` new orders of customer 1; their ids. */
export async function newOrders(db: TestDatabase, count = 1): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO orders (customer_id, total_cents, currency, shipping_line1, shipping_city,
       shipping_postal_code, shipping_country)
     SELECT 1, 2500, 'USD', '350 Fifth Avenue', 'New York', '10118', 'US' FROM generate_series(1, $1)
     RETURNING id`,
    [count],
  );
  return rows.map((row) => row.id);
}

export async function newOrder(db: TestDatabase): Promise<number> {
  const [id] = await newOrders(db, 1);
  return id!;
}

export function booking(orderId: number, overrides: Record<string, unknown> = {}) {
  return {
    orderId,
    destination: { line1: 'Unter den Linden 77', city: 'Berlin', postalCode: '10117', country: 'DE' },
    weightGrams: 1_600,
    serviceLevel: 'standard',
    ...overrides,
  };
}

export function startLogistics(
  db: TestDatabase,
  options: AppOptions = {},
  env: Record<string, string> = {},
): Promise<StartedService> {
  return startService({
    name: 'logistics-service',
    databaseUrl: db.url,
    build: (deps) => buildApp(deps, options),
    env,
  });
}
