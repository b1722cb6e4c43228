// migrate() runs in every process at start-up, often several at once: the
// schema and the sample data must each land exactly once, whole or not at all.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { sqlState } from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { databaseUrl, type MigrateResult, migrate, quoteIdent } from '@supply/service-kit/migrate';
import { adminQuery, createTestDatabase } from '@supply/test-support/database';
import pg from 'pg';

const logger = createLogger('test', 'silent');

/** The numbered migrations in docs/migrations: a new database counts them all as applied. */
const NUMBERED = readdirSync(new URL('../../../docs/migrations/', import.meta.url))
  .filter((name) => /^\d{4}_.*\.sql$/.test(name))
  .map((name) => name.replace(/\.sql$/, ''))
  .sort();
const SCHEMA = ['0000_baseline', ...NUMBERED];

const TABLES = [
  'customers',
  'products',
  'inventory',
  'inventory_adjustments',
  'warehouses',
  'warehouse_stock',
  'stock_transfers',
  'orders',
  'order_items',
  'order_item_allocations',
  'order_status_history',
  'reservations',
  'reservation_items',
  'reservation_allocations',
  'shipments',
  'shipment_reports',
  'idempotency_keys',
  'idempotent_requests',
  'webhook_endpoints',
  'webhook_events',
  'webhook_deliveries',
  'returns',
  'return_items',
  'restocks',
  'restock_items',
];

function server(): { serverUrl: string; prefix: string } {
  const serverUrl = process.env.TEST_DB_SERVER_URL;
  const prefix = process.env.TEST_DB_PREFIX;
  if (!serverUrl || !prefix) throw new Error('No test database server: run the tests through jest');
  return { serverUrl, prefix };
}

const made: string[] = [];

/** A brand-new database with nothing in it: not cloned from the template. */
async function emptyDatabase(label: string): Promise<string> {
  const { serverUrl, prefix } = server();
  const name = `${prefix}_mig_${label}_${randomBytes(3).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  made.push(name);
  return databaseUrl(serverUrl, name);
}

afterAll(async () => {
  const { serverUrl } = server();
  for (const name of made)
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
});

async function versions(url: string): Promise<string[]> {
  const { rows } = await adminQuery<{ version: string }>(
    url,
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((row) => row.version);
}

async function rowCounts(url: string, tables = TABLES): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await adminQuery<{ n: string }>(url, `SELECT count(*) AS n FROM ${quoteIdent(table)}`);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

const appliedLists = (results: MigrateResult[]) => results.map((result) => result.applied);

describe('migrate on a new, empty database', () => {
  it('applies the schema exactly once when five processes migrate at the same moment', async () => {
    const url = await emptyDatabase('schema');
    const tablesBefore = await adminQuery(
      url,
      `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tablesBefore.rowCount).toBe(0);

    const results = await Promise.all(Array.from({ length: 5 }, () => migrate({ databaseUrl: url, logger })));

    const applied = appliedLists(results);
    expect(applied.filter((list) => list.length > 0)).toEqual([['0000_baseline']]);
    expect(applied.filter((list) => list.length === 0)).toHaveLength(4);
    expect((await versions(url)).filter((version) => version === '0000_baseline')).toEqual(['0000_baseline']);
    expect(await versions(url)).not.toContain('sample-data');
    const { rows } = await adminQuery<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(rows.map((row) => row.table_name).sort()).toEqual(
      [...TABLES, 'schema_migrations', 'rate_limits'].sort(),
    );
    // Schema only: no sample rows unless asked, only the default warehouse every database starts with.
    expect(await rowCounts(url)).toEqual({ ...Object.fromEntries(TABLES.map((t) => [t, 0])), warehouses: 1 });
  });

  it('loads the sample data once when asked, and a later run with the same request changes nothing', async () => {
    const url = await emptyDatabase('sample');
    expect(await migrate({ databaseUrl: url, logger })).toEqual({ applied: ['0000_baseline'] });

    expect(await migrate({ databaseUrl: url, logger, sampleData: true })).toEqual({
      applied: ['sample-data'],
    });
    const loaded = await rowCounts(url);
    expect(loaded.customers).toBeGreaterThan(0);
    expect(loaded.orders).toBeGreaterThan(0);

    expect(await migrate({ databaseUrl: url, logger, sampleData: true })).toEqual({ applied: [] });
    expect(await rowCounts(url)).toEqual(loaded);
    expect(await versions(url)).toEqual([...SCHEMA, 'sample-data']);
  });

  it('loads the sample data exactly once when five processes ask for it at the same moment', async () => {
    const [url, reference] = await Promise.all([emptyDatabase('concurrent'), createTestDatabase()]);
    try {
      // What a single load leaves behind, for comparison.
      await migrate({ databaseUrl: reference.url, logger, sampleData: true });
      const single = await rowCounts(reference.url);

      const results = await Promise.all(
        Array.from({ length: 5 }, () => migrate({ databaseUrl: url, logger, sampleData: true })),
      );

      const applied = appliedLists(results);
      expect(applied.filter((list) => list.length > 0)).toEqual([['0000_baseline', 'sample-data']]);
      expect(applied.filter((list) => list.length === 0)).toHaveLength(4);
      const counts = await rowCounts(url);
      expect(counts.customers).toBe(single.customers);
      expect(counts).toEqual(single);
      expect(await versions(url)).toEqual([...SCHEMA, 'sample-data']);
    } finally {
      await reference.drop();
    }
  });
});

// migrate.ts reads its migrations from docs/ with no way to hand it a failing
// one, so a failing numbered migration is not tested here. The sample-data
// step runs through the same one-transaction-per-step path, and can be made to
// fail part-way by a row that is in its way.
describe('a migration step that fails', () => {
  it('leaves none of its rows behind, records nothing, and can be run again once the obstacle is gone', async () => {
    const db = await createTestDatabase();
    try {
      // Customers load first, then products: product id 25 collides with the second INSERT.
      await db.query(
        `INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams)
         VALUES (25, 'IN-THE-WAY', 'Obstacle', 1, 'USD', 1)`,
      );
      const error = await migrate({ databaseUrl: db.url, logger, sampleData: true }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeDefined();
      expect(sqlState(error)).toBe('23505');

      const counts = await rowCounts(db.url);
      expect(counts).toEqual({
        ...Object.fromEntries(TABLES.map((t) => [t, 0])),
        products: 1,
        warehouses: 1,
      });
      expect(await versions(db.url)).toEqual(SCHEMA);

      await db.query('DELETE FROM products');
      // Would hang here if the failed run had kept the advisory lock.
      expect(await migrate({ databaseUrl: db.url, logger, sampleData: true })).toEqual({
        applied: ['sample-data'],
      });
      expect((await rowCounts(db.url)).products).toBe(25);
    } finally {
      await db.drop();
    }
  });
});

describe('migrate on a database from before 0002', () => {
  it('turns idempotency answers into json, keeping the stored ones', async () => {
    const url = await emptyDatabase('0002');
    await migrate({ databaseUrl: url, logger });
    // The database as 0001 left it: answers in jsonb, 0002 not yet applied.
    await adminQuery(url, 'ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE jsonb');
    await adminQuery(url, `DELETE FROM schema_migrations WHERE version = '0002_idempotency_response_json'`);
    await adminQuery(
      url,
      `INSERT INTO idempotency_keys (scope, caller, key, request_hash, state, response_status, response_body)
       VALUES ('supply-orders', 'open', 'k1', repeat('a', 64), 'completed', 201, '{"id": 7, "status": "confirmed"}')`,
    );

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toEqual(['0002_idempotency_response_json']);
    const { rows } = await adminQuery<{ type: string; body: string }>(
      url,
      `SELECT pg_typeof(response_body)::text AS type, response_body::text AS body FROM idempotency_keys`,
    );
    expect(rows).toEqual([{ type: 'json', body: '{"id": 7, "status": "confirmed"}' }]);
  });
});

describe('migrate on a database from before 0003', () => {
  it('gives idempotency keys a lease (ones in progress count as expired) and lets a cancelled shipment be reported', async () => {
    const url = await emptyDatabase('0003');
    await migrate({ databaseUrl: url, logger });
    // The database as 0002 left it.
    await adminQuery(
      url,
      `ALTER TABLE idempotency_keys DROP COLUMN locked_by, DROP COLUMN locked_until;
       ALTER TABLE shipment_reports DROP CONSTRAINT shipment_reports_status_check;
       ALTER TABLE shipment_reports ADD CONSTRAINT shipment_reports_status_check
         CHECK (status IN ('in_transit', 'delivered'));
       DELETE FROM schema_migrations WHERE version = '0003_order_edges';
       INSERT INTO idempotency_keys (scope, caller, key, request_hash)
         VALUES ('supply-orders', 'open', 'k1', repeat('a', 64));`,
    );

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toEqual(['0003_order_edges']);
    const keys = await adminQuery(
      url,
      'SELECT locked_by, locked_until <= now() AS expired FROM idempotency_keys',
    );
    expect(keys.rows).toEqual([{ locked_by: '', expired: true }]);
    const check = await adminQuery<{ def: string }>(
      url,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'shipment_reports_status_check'`,
    );
    expect(check.rows[0]?.def).toContain('cancelled');
  });
});

// docs/db-schema.sql as it was before 0007, sample data and all, as an existing database holds it.
const BEFORE_WAREHOUSES = readFileSync(
  new URL('./fixtures/db-schema-before-warehouses.sql', import.meta.url),
  'utf8',
);

/** A database as the release before 0007 left it: its schema, sample data and migrations record. */
async function databaseBeforeWarehouses(label: string): Promise<string> {
  const url = await emptyDatabase(label);
  await adminQuery(url, BEFORE_WAREHOUSES);
  await adminQuery(
    url,
    `CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO schema_migrations (version) VALUES ('0000_baseline'), ('0001_shipment_reports_rejected_at'),
       ('0002_idempotency_response_json'), ('0003_order_edges'), ('0004_service_roles_and_rate_limits'),
       ('0005_order_status_for_neighbours'), ('sample-data')`,
  );
  return url;
}

describe('migrate on a database from before 0007 (one stock level per product)', () => {
  const STOCK = `SELECT product_id, quantity_on_hand, quantity_reserved, reorder_point, location, version
    FROM inventory ORDER BY product_id`;
  const ORDERS = `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_items) AS items,
    (SELECT count(*) FROM reservation_items) AS held, (SELECT count(*) FROM shipments) AS shipments,
    (SELECT count(*) FROM inventory_adjustments) AS adjustments`;

  it('moves every unit of stock to the default warehouse, keeping every order, and totals follow', async () => {
    const url = await databaseBeforeWarehouses('0007');
    const stock = (await adminQuery(url, STOCK)).rows;
    const orders = (await adminQuery(url, ORDERS)).rows;

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toContain('0007_warehouses');
    expect((await adminQuery(url, STOCK)).rows).toEqual(stock);
    expect((await adminQuery(url, ORDERS)).rows).toEqual(orders);
    const warehouses = await adminQuery(url, 'SELECT id, code, is_default FROM warehouses');
    expect(warehouses.rows).toEqual([{ id: 1, code: 'MAIN', is_default: true }]);
    const moved = await adminQuery(
      url,
      `SELECT product_id, quantity_on_hand, quantity_reserved, reorder_point, location, version
       FROM warehouse_stock WHERE warehouse_id = 1 ORDER BY product_id`,
    );
    expect(moved.rows).toEqual(stock);
    const adjustments = await adminQuery(url, 'SELECT DISTINCT warehouse_id FROM inventory_adjustments');
    expect(adjustments.rows).toEqual([{ warehouse_id: 1 }]);
    // From now on the totals follow the warehouses.
    await adminQuery(
      url,
      `INSERT INTO warehouses (code, name) VALUES ('EWR', 'Newark');
       INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand) VALUES (1, 2, 5);
       UPDATE warehouse_stock SET quantity_on_hand = quantity_on_hand - 1 WHERE product_id = 1 AND warehouse_id = 1`,
    );
    const [first] = (await adminQuery(url, STOCK)).rows;
    expect(first).toMatchObject({ product_id: 1, quantity_on_hand: stock[0]!.quantity_on_hand + 4 });
  });
});

describe('migrate on a database from before 0011 (one shipment per order)', () => {
  const SHIPMENTS = `SELECT id, order_id, status, tracking_number, cost_cents FROM shipments ORDER BY id`;
  const ORDERS = `SELECT id, status, total_cents FROM orders ORDER BY id`;

  it('keeps every order, its shipment (leaving from the default warehouse) and its allocations', async () => {
    const url = await databaseBeforeWarehouses('0011');
    const shipments = (await adminQuery(url, SHIPMENTS)).rows;
    const orders = (await adminQuery(url, ORDERS)).rows;
    const held = (
      await adminQuery(url, 'SELECT order_id, product_id, quantity FROM reservation_items ORDER BY 1, 2')
    ).rows;
    expect(shipments.length).toBeGreaterThan(0);

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toContain('0011_split_shipments');
    expect((await adminQuery(url, SHIPMENTS)).rows).toEqual(shipments);
    expect((await adminQuery(url, ORDERS)).rows).toEqual(orders);
    const origins = await adminQuery(url, 'SELECT DISTINCT origin_warehouse_id AS origin FROM shipments');
    expect(origins.rows).toEqual([{ origin: 1 }]);
    const allocations = await adminQuery(
      url,
      'SELECT order_id, product_id, quantity FROM order_item_allocations WHERE warehouse_id = 1 ORDER BY 1, 2',
    );
    expect(allocations.rows).toEqual(held);
    expect(await rowCounts(url)).toMatchObject({ order_item_allocations: held.length });
    // An order may now ship from a second warehouse, and be partially shipped.
    await adminQuery(
      url,
      `INSERT INTO warehouses (id, code, name) VALUES (9, 'EWR', 'Newark');
       INSERT INTO shipments (order_id, origin_warehouse_id, carrier, service_level, tracking_number,
         destination_line1, destination_city, destination_postal_code, destination_country, weight_grams,
         cost_cents, currency, estimated_delivery_date)
       SELECT order_id, 9, carrier, service_level, 'SPLIT' || tracking_number, destination_line1, destination_city,
         destination_postal_code, destination_country, weight_grams, cost_cents, currency, estimated_delivery_date
       FROM shipments WHERE status = 'label_created';
       UPDATE orders SET status = 'partially_shipped' WHERE status = 'confirmed'`,
    );
  });
});

/** Applies the numbered migrations before `version` as migrate() would, and records them. */
async function migrateUpTo(url: string, version: string): Promise<void> {
  const done = new Set(await versions(url));
  for (const step of NUMBERED.filter((name) => name < version && !done.has(name))) {
    await adminQuery(
      url,
      readFileSync(new URL(`../../../docs/migrations/${step}.sql`, import.meta.url), 'utf8'),
    );
    await adminQuery(url, 'INSERT INTO schema_migrations (version) VALUES ($1)', [step]);
  }
}

describe('migrate on a database from before 0011 holding an order placed after 0007', () => {
  it('ships it from the warehouse its stock was held in, where its allocations are', async () => {
    const url = await databaseBeforeWarehouses('0011_held');
    await migrateUpTo(url, '0011');
    // Placed after 0007: its stock held in Newark, its shipment booked by the old saga with no origin.
    const { rows } = await adminQuery<{ id: number }>(
      url,
      `SELECT DISTINCT order_id AS id FROM shipments JOIN reservation_allocations USING (order_id)
       ORDER BY order_id LIMIT 1`,
    );
    const held = rows[0]!.id;
    await adminQuery(
      url,
      `INSERT INTO warehouses (id, code, name) VALUES (9, 'EWR', 'Newark');
       UPDATE reservation_allocations SET warehouse_id = 9 WHERE order_id = ${held}`,
    );

    await migrate({ databaseUrl: url, logger });

    const origins = await adminQuery(
      url,
      `SELECT DISTINCT order_id = ${held} AS held, origin_warehouse_id AS origin FROM shipments ORDER BY 1`,
    );
    expect(origins.rows).toEqual([
      { held: false, origin: 1 },
      { held: true, origin: 9 },
    ]);
    // Every allocation of an order with a shipment is at that shipment's origin.
    const apart = await adminQuery(
      url,
      `SELECT a.order_id FROM order_item_allocations a JOIN shipments s USING (order_id)
       WHERE a.warehouse_id <> s.origin_warehouse_id`,
    );
    expect(apart.rows).toEqual([]);
  });
});

describe('migrate on a database from before 0008', () => {
  it('gives the kept keys to the open caller, scopes keys per caller and adds the keyed writes table', async () => {
    const url = await emptyDatabase('0008');
    await migrate({ databaseUrl: url, logger });
    // The database as 0005 left it.
    await adminQuery(
      url,
      `DROP TABLE idempotent_requests;
       ALTER TABLE idempotency_keys DROP COLUMN caller;
       ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key);
       DELETE FROM schema_migrations WHERE version = '0008_idempotency_per_caller';
       INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('supply-orders', 'k1', repeat('a', 64));`,
    );

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toEqual(['0008_idempotency_per_caller']);
    await adminQuery(
      url,
      `INSERT INTO idempotency_keys (scope, caller, key, request_hash) VALUES ('supply-orders', 'other', 'k1', repeat('a', 64));
       INSERT INTO idempotent_requests (scope, caller, key, request_hash) VALUES ('customers', 'open', 'k1', repeat('a', 64))`,
    );
    const keys = await adminQuery(url, 'SELECT caller, key FROM idempotency_keys ORDER BY caller');
    expect(keys.rows).toEqual([
      { caller: 'open', key: 'k1' },
      { caller: 'other', key: 'k1' },
    ]);
  });
});

describe('migrate on a database from before 0010', () => {
  it("takes a key from a replica of the old release (no caller, no lease) as the open caller's, leased a minute", async () => {
    const url = await emptyDatabase('0010');
    await migrate({ databaseUrl: url, logger });
    await adminQuery(
      url,
      `ALTER TABLE idempotency_keys ALTER COLUMN caller DROP DEFAULT;
       ALTER TABLE idempotency_keys ALTER COLUMN locked_until SET DEFAULT now();
       DELETE FROM schema_migrations WHERE version = '0010_idempotency_rolling_defaults';`,
    );

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toEqual(['0010_idempotency_rolling_defaults']);
    await adminQuery(
      url,
      `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('supply-orders', 'old', repeat('a', 64))`,
    );
    const keys = await adminQuery(
      url,
      `SELECT caller, locked_until > now() + interval '50 seconds' AS "leaseLive" FROM idempotency_keys`,
    );
    expect(keys.rows).toEqual([{ caller: 'open', leaseLive: true }]);
  });
});

describe('migrate on a database from before 0012 (no returns)', () => {
  const COLUMNS = `SELECT table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_name IN ('returns', 'return_items', 'restocks', 'restock_items')
    ORDER BY table_name, column_name`;
  const GRANTS = `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
    WHERE table_name IN ('returns', 'return_items', 'restocks', 'restock_items') ORDER BY 1, 2, 3`;

  const KEPT = TABLES.filter((table) => !/^re(turn|stock)/.test(table));

  it('adds the returns as a new database has them, keeping every order, and takes return.received events', async () => {
    const [url, fresh] = [await emptyDatabase('0012'), await emptyDatabase('0012new')];
    // One after the other: both set the server's roles.
    await migrate({ databaseUrl: url, logger, sampleData: true });
    await migrate({ databaseUrl: fresh, logger });
    // The database as 0010 left it.
    await adminQuery(
      url,
      `DROP TABLE restock_items, restocks, return_items, returns;
       DROP FUNCTION webhook_return_event();
       ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check;
       ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_type_check CHECK (type IN ('order.confirmed',
         'order.failed', 'order.cancelled', 'order.partially_shipped', 'order.shipped', 'order.delivered',
         'shipment.exception', 'stock.low'));
       DELETE FROM schema_migrations WHERE version = '0012_returns';`,
    );
    const before = await rowCounts(url, KEPT);

    const { applied } = await migrate({ databaseUrl: url, logger });

    expect(applied).toEqual(['0012_returns']);
    expect(await rowCounts(url, KEPT)).toEqual(before);
    expect((await adminQuery(url, COLUMNS)).rows).toEqual((await adminQuery(fresh, COLUMNS)).rows);
    expect((await adminQuery(url, GRANTS)).rows).toEqual((await adminQuery(fresh, GRANTS)).rows);
    await adminQuery(
      url,
      `INSERT INTO returns (order_id, reason, currency) SELECT id, 'Too small', currency FROM orders WHERE status = 'delivered' LIMIT 1;
       UPDATE returns SET status = 'received', received_at = now(), refund_cents = 0`,
    );
    const events = await adminQuery(
      url,
      `SELECT count(*)::int AS n FROM webhook_events WHERE type = 'return.received'`,
    );
    expect(events.rows).toEqual([{ n: 1 }]);
  });
});

describe('a migration lock held by another process', () => {
  it('is waited for a bounded time, then migrate fails saying so', async () => {
    const url = await emptyDatabase('lock');
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7216053001)');
      await expect(migrate({ databaseUrl: url, logger, lockWaitMs: 300 })).rejects.toThrow(
        /held the migration lock for 300 ms/,
      );
    } finally {
      await holder.end();
    }
  });
});
