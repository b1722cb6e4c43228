// The benchmark's data: a realistic volume loaded in a few seconds with
// set-based SQL (INSERT ... SELECT FROM generate_series), consistent with
// every rule the services keep, so the invariant check can hold it to them.
// Statuses follow the saga: confirmed orders hold a reservation and a label,
// shipped and delivered ones have committed stock, cancelled ones released
// it, failed ones never reserved. No order is left pending (the recovery
// sweep would start working on it in the middle of a measurement).
import type pg from 'pg';

export const VOLUME = { customers: 10_000, products: 2_000, orders: 50_000 };
/** Every product starts with this much stock: ample for the orders scenario. */
export const INITIAL_STOCK = 1_000_000;
/** Of which Newark and Singapore hold this much each; the default warehouse holds the rest. */
const OTHER_WAREHOUSE_STOCK = 100_000;

const CITIES = `(VALUES (0, 'London', 'GB'), (1, 'New York', 'US'), (2, 'Berlin', 'DE'), (3, 'Paris', 'FR'),
  (4, 'Tokyo', 'JP'), (5, 'Toronto', 'CA'), (6, 'Sydney', 'AU'), (7, 'Amsterdam', 'NL'),
  (8, 'Chicago', 'US'), (9, 'São Paulo', 'BR')) AS c(k, city, country)`;

// Each status's path through order_status_history.
const PATHS = `(VALUES
  ('delivered', 1, NULL, 'pending'), ('delivered', 2, 'pending', 'confirmed'),
  ('delivered', 3, 'confirmed', 'shipped'), ('delivered', 4, 'shipped', 'delivered'),
  ('shipped', 1, NULL, 'pending'), ('shipped', 2, 'pending', 'confirmed'), ('shipped', 3, 'confirmed', 'shipped'),
  ('confirmed', 1, NULL, 'pending'), ('confirmed', 2, 'pending', 'confirmed'),
  ('cancelled', 1, NULL, 'pending'), ('cancelled', 2, 'pending', 'confirmed'), ('cancelled', 3, 'confirmed', 'cancelled'),
  ('failed', 1, NULL, 'pending'), ('failed', 2, 'pending', 'failed')) AS p(status, step, from_status, to_status)`;

const STATEMENTS = [
  `INSERT INTO customers (id, name, email, phone, company, address_line1, address_city, address_postal_code,
     address_country, created_at, updated_at)
   SELECT n, 'Customer ' || n, 'customer' || n || '@bench.example', '+1 555 ' || lpad((n % 10000)::text, 4, '0'),
     CASE WHEN n % 3 = 0 THEN 'Company ' || (n / 3) END, n || ' Bench Street', c.city,
     lpad((10000 + n % 89999)::text, 5, '0'), c.country,
     now() - interval '2 years' + n * interval '1 hour', now() - interval '2 years' + n * interval '1 hour'
   FROM generate_series(1, ${VOLUME.customers}) n JOIN ${CITIES} ON c.k = n % 10`,
  `INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams, created_at, updated_at)
   SELECT n, 'BENCH-' || lpad(n::text, 5, '0'), 'Bench product ' || n, 100 + (n * 37) % 9900, 'USD',
     100 + (n * 53) % 1900, now() - interval '2 years', now() - interval '2 years'
   FROM generate_series(1, ${VOLUME.products}) n`,
  // What each product had before any order: the invariant check's starting point.
  `CREATE TABLE bench_initial_stock (product_id integer PRIMARY KEY, quantity integer NOT NULL)`,
  `INSERT INTO bench_initial_stock SELECT id, ${INITIAL_STOCK} FROM products`,
  // 1 to 4 distinct products per order (k * 499 differ modulo 2000 for k = 1..4).
  `CREATE TEMP TABLE bench_lines AS
   SELECT n AS order_id, 1 + (n * 31 + k * 499) % ${VOLUME.products} AS product_id, 1 + (n + k) % 3 AS quantity
   FROM generate_series(1, ${VOLUME.orders}) n CROSS JOIN LATERAL generate_series(1, 1 + n % 4) k`,
  `INSERT INTO orders (id, customer_id, status, service_level, total_cents, currency, shipping_line1,
     shipping_city, shipping_postal_code, shipping_country, failure_reason, created_at, updated_at)
   SELECT o.n, cu.id, o.status, CASE WHEN o.n % 4 = 0 THEN 'express' ELSE 'standard' END, t.total, 'USD',
     cu.address_line1, cu.address_city, cu.address_postal_code, cu.address_country,
     CASE WHEN o.status = 'failed' THEN 'reserving stock: not enough stock' END,
     now() - (${VOLUME.orders} - o.n + 10) * interval '10 minutes',
     now() - (${VOLUME.orders} - o.n + 10) * interval '10 minutes' + interval '4 hours'
   FROM (SELECT n, (ARRAY['delivered', 'delivered', 'delivered', 'delivered', 'delivered', 'delivered',
           'delivered', 'delivered', 'shipped', 'shipped', 'shipped', 'confirmed', 'confirmed', 'confirmed',
           'confirmed', 'cancelled', 'cancelled', 'failed', 'delivered', 'delivered'])[1 + n % 20] AS status
         FROM generate_series(1, ${VOLUME.orders}) n) o
   JOIN customers cu ON cu.id = 1 + (o.n * 7919) % ${VOLUME.customers}
   JOIN (SELECT l.order_id, sum(l.quantity * p.unit_price_cents) AS total
         FROM bench_lines l JOIN products p ON p.id = l.product_id GROUP BY l.order_id) t ON t.order_id = o.n`,
  `INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
   SELECT l.order_id, l.product_id, l.quantity, p.unit_price_cents
   FROM bench_lines l JOIN products p ON p.id = l.product_id`,
  `INSERT INTO order_status_history (order_id, from_status, to_status, reason, changed_at)
   SELECT o.id, p.from_status, p.to_status, CASE WHEN p.to_status = 'failed' THEN o.failure_reason END,
     o.created_at + (p.step - 1) * interval '1 hour'
   FROM orders o JOIN ${PATHS} ON p.status = o.status ORDER BY o.id, p.step`,
  `INSERT INTO reservations (order_id, status, created_at, updated_at)
   SELECT id, CASE status WHEN 'confirmed' THEN 'reserved' WHEN 'cancelled' THEN 'released' ELSE 'committed' END,
     created_at, updated_at
   FROM orders WHERE status <> 'failed'`,
  `INSERT INTO reservation_items (order_id, product_id, quantity)
   SELECT l.order_id, l.product_id, l.quantity FROM bench_lines l JOIN reservations r ON r.order_id = l.order_id`,
  // Three warehouses: the default one (Rotterdam) holds what orders reserved and shipped, and the rest
  // of each product's stock but what Newark and Singapore hold.
  `UPDATE warehouses SET code = 'RTM', name = 'Rotterdam', address_line1 = 'Maasvlakteweg 2',
     address_city = 'Rotterdam', address_postal_code = '3199 LZ', address_country = 'NL', priority = 10
   WHERE is_default`,
  `INSERT INTO warehouses (code, name, address_line1, address_city, address_postal_code, address_country, priority)
   VALUES ('EWR', 'Newark', '1 Port Newark Blvd', 'Newark', '07114', 'US', 20),
          ('SIN', 'Singapore', '7 Tanjong Pagar Road', 'Singapore', '088753', 'SG', 30)`,
  `INSERT INTO inventory (product_id, updated_at) SELECT product_id, now() - interval '1 day' FROM bench_initial_stock`,
  `INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, quantity_reserved, reorder_point, location,
     version, updated_at)
   SELECT s.product_id, (SELECT id FROM warehouses WHERE is_default),
     s.quantity - ${2 * OTHER_WAREHOUSE_STOCK} - coalesce(sum(ri.quantity) FILTER (WHERE r.status = 'committed'), 0),
     coalesce(sum(ri.quantity) FILTER (WHERE r.status = 'reserved'), 0),
     50, 'A-' || lpad((s.product_id % 100)::text, 2, '0'), 1, now() - interval '1 day'
   FROM bench_initial_stock s
   LEFT JOIN reservation_items ri ON ri.product_id = s.product_id
   LEFT JOIN reservations r ON r.order_id = ri.order_id
   GROUP BY s.product_id, s.quantity`,
  `INSERT INTO reservation_allocations (order_id, product_id, warehouse_id, quantity)
   SELECT order_id, product_id, (SELECT id FROM warehouses WHERE is_default), quantity FROM reservation_items`,
  `INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, reorder_point, location, updated_at)
   SELECT s.product_id, w.id, ${OTHER_WAREHOUSE_STOCK}, 20, w.code || '-' || lpad((s.product_id % 100)::text, 2, '0'),
     now() - interval '1 day'
   FROM bench_initial_stock s CROSS JOIN warehouses w WHERE w.code IN ('EWR', 'SIN')`,
  // The load runs with triggers off (below), the totals trigger too: the totals are summed once here.
  `UPDATE inventory i SET quantity_on_hand = t.on_hand, quantity_reserved = t.reserved, reorder_point = t.reorder_point,
     location = t.location
   FROM (SELECT s.product_id, sum(s.quantity_on_hand) AS on_hand, sum(s.quantity_reserved) AS reserved,
           sum(s.reorder_point) AS reorder_point, max(s.location) FILTER (WHERE w.is_default) AS location
         FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id GROUP BY s.product_id) t
   WHERE t.product_id = i.product_id`,
  `INSERT INTO shipments (order_id, carrier, service_level, tracking_number, status, destination_line1,
     destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
     estimated_delivery_date, created_at, updated_at)
   SELECT o.id, CASE o.service_level WHEN 'express' THEN 'SwiftAir Express' ELSE 'GlobePost' END, o.service_level,
     CASE o.service_level WHEN 'express' THEN 'SWX' ELSE 'GLP' END || lpad(o.id::text, 12, '0'),
     CASE o.status WHEN 'confirmed' THEN 'label_created' WHEN 'shipped' THEN 'in_transit'
       WHEN 'delivered' THEN 'delivered' ELSE 'cancelled' END,
     o.shipping_line1, o.shipping_city, o.shipping_postal_code, o.shipping_country, w.grams,
     1299 + 249 * ceil(w.grams / 1000.0)::int, 'USD', (o.created_at + interval '7 days')::date,
     o.created_at, o.updated_at
   FROM orders o
   JOIN (SELECT l.order_id, sum(l.quantity * p.weight_grams) AS grams
         FROM bench_lines l JOIN products p ON p.id = l.product_id GROUP BY l.order_id) w ON w.order_id = o.id
   WHERE o.status <> 'failed'`,
  // Reports order-service has already accepted, as the outbox leaves them.
  `INSERT INTO shipment_reports (shipment_id, order_id, status, attempts, next_attempt_at, delivered_at, created_at)
   SELECT s.id, s.order_id, r.status, 1, s.updated_at, s.updated_at, s.updated_at
   FROM shipments s JOIN (VALUES ('in_transit', 'in_transit'), ('delivered', 'in_transit'),
     ('delivered', 'delivered')) AS r(shipment_status, status) ON r.shipment_status = s.status`,
  ...['customers', 'products', 'orders', 'order_status_history', 'shipments', 'shipment_reports'].map(
    (table) => `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
  ),
  'DROP TABLE bench_lines',
];

/** Loads the volume into a migrated, empty database; answers the row counts. */
export async function loadVolume(client: pg.Client): Promise<Record<string, number>> {
  await client.query('BEGIN');
  // Foreign keys are checked by row triggers, the bulk of a load this size; the rows are
  // built from the rows they reference, and the invariant check reads them all afterwards.
  await client.query("SET LOCAL session_replication_role = 'replica'");
  for (const sql of STATEMENTS) await client.query(sql);
  await client.query('COMMIT');
  // Fresh statistics, as autovacuum would have them on a database this old.
  await client.query('ANALYZE');
  const { rows } = await client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM products) AS products,
       (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_items) AS "order items",
       (SELECT count(*) FROM shipments) AS shipments`,
  );
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([key, value]) => [key, Number(value)]));
}
