// Every unit accounted for, checked with SQL after the load: a run whose
// numbers look good but whose stock does not add up fails.
import type pg from 'pg';

export interface InvariantResult {
  name: string;
  /** Rows that break it (0: it holds). */
  broken: number;
  /** A few of them, to start looking. */
  sample: unknown[];
}

const COMMITTED = `(SELECT ri.product_id, sum(ri.quantity)::int AS quantity
  FROM reservation_items ri JOIN reservations r ON r.order_id = ri.order_id
  WHERE r.status = 'committed' GROUP BY ri.product_id)`;
const HELD = `(SELECT ri.product_id, sum(ri.quantity)::int AS quantity
  FROM reservation_items ri JOIN reservations r ON r.order_id = ri.order_id
  WHERE r.status = 'reserved' GROUP BY ri.product_id)`;
const CONFIRMED = `(SELECT oi.product_id, sum(oi.quantity)::int AS quantity
  FROM order_items oi JOIN orders o ON o.id = oi.order_id
  WHERE o.status = 'confirmed' GROUP BY oi.product_id)`;

const CHECKS: Array<{ name: string; sql: string }> = [
  {
    name: 'on hand = initial − committed, for every product',
    sql: `SELECT i.product_id, i.quantity_on_hand, s.quantity AS initial, coalesce(c.quantity, 0) AS committed
      FROM inventory i JOIN bench_initial_stock s ON s.product_id = i.product_id
      LEFT JOIN ${COMMITTED} c ON c.product_id = i.product_id
      WHERE i.quantity_on_hand <> s.quantity - coalesce(c.quantity, 0)`,
  },
  {
    name: "reserved = sum of confirmed orders' quantities, for every product",
    sql: `SELECT i.product_id, i.quantity_reserved, coalesce(c.quantity, 0) AS confirmed
      FROM inventory i LEFT JOIN ${CONFIRMED} c ON c.product_id = i.product_id
      WHERE i.quantity_reserved <> coalesce(c.quantity, 0)`,
  },
  {
    name: 'reserved = sum of held reservations, for every product',
    sql: `SELECT i.product_id, i.quantity_reserved, coalesce(h.quantity, 0) AS held
      FROM inventory i LEFT JOIN ${HELD} h ON h.product_id = i.product_id
      WHERE i.quantity_reserved <> coalesce(h.quantity, 0)`,
  },
  {
    name: 'every confirmed order holds its items and one live shipment',
    sql: `SELECT o.id, r.status AS reservation,
        (SELECT count(*) FROM shipments s WHERE s.order_id = o.id AND s.status <> 'cancelled') AS live_shipments
      FROM orders o LEFT JOIN reservations r ON r.order_id = o.id
      WHERE o.status = 'confirmed' AND (r.status IS DISTINCT FROM 'reserved'
        OR (SELECT count(*) FROM shipments s WHERE s.order_id = o.id AND s.status <> 'cancelled') <> 1
        OR EXISTS (SELECT product_id, quantity FROM order_items WHERE order_id = o.id
                   EXCEPT SELECT product_id, quantity FROM reservation_items WHERE order_id = o.id)
        OR EXISTS (SELECT product_id, quantity FROM reservation_items WHERE order_id = o.id
                   EXCEPT SELECT product_id, quantity FROM order_items WHERE order_id = o.id))`,
  },
  {
    name: 'totals = sum of the warehouses, for every product',
    sql: `SELECT i.product_id FROM inventory i
      JOIN (SELECT product_id, sum(quantity_on_hand) AS on_hand, sum(quantity_reserved) AS reserved
            FROM warehouse_stock GROUP BY product_id) w ON w.product_id = i.product_id
      WHERE (i.quantity_on_hand, i.quantity_reserved) <> (w.on_hand, w.reserved)`,
  },
  {
    name: 'no order left pending',
    sql: `SELECT id, created_at FROM orders WHERE status = 'pending'`,
  },
];

export async function checkInvariants(client: pg.Client): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  for (const check of CHECKS) {
    const { rows, rowCount } = await client.query(check.sql);
    results.push({ name: check.name, broken: rowCount ?? rows.length, sample: rows.slice(0, 3) });
  }
  return results;
}

/** How the orders placed by the run (ids above `loadedUpTo`) ended, by status. */
export async function placedOrders(client: pg.Client, loadedUpTo: number): Promise<Record<string, number>> {
  const { rows } = await client.query<{ status: string; count: string }>(
    'SELECT status, count(*) FROM orders WHERE id > $1 GROUP BY status ORDER BY status',
    [loadedUpTo],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}
