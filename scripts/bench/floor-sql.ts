// The floor's SQL: each answer the system gives, from one hand-written
// statement, the JSON built by PostgreSQL. Kept apart from the handler so the
// handler reads as what it is: parse, one query, send.

export interface PageFilter {
  after?: number | undefined;
  status?: string | undefined;
  customerId?: number | undefined;
}

const ORDER_JSON = `json_build_object(
  'id', o.id::text, 'status', upper(o.status), 'totalCents', o.total_cents, 'currency', o.currency,
  'createdAt', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'customer', json_build_object('id', c.id::text, 'name', c.name, 'email', c.email),
  'items', coalesce((
    SELECT json_agg(json_build_object(
      'quantity', oi.quantity, 'unitPriceCents', oi.unit_price_cents,
      'product', json_build_object('id', p.id::text, 'sku', p.sku, 'name', p.name,
        'inventory', json_build_object('quantityOnHand', i.quantity_on_hand,
          'quantityReserved', i.quantity_reserved,
          'quantityAvailable', i.quantity_on_hand - i.quantity_reserved))) ORDER BY oi.product_id)
    FROM order_items oi JOIN products p ON p.id = oi.product_id JOIN inventory i ON i.product_id = p.id
    WHERE oi.order_id = o.id), '[]'),
  'shipment', (
    SELECT json_build_object('id', s.id::text, 'status', upper(s.status), 'carrier', s.carrier,
      'trackingNumber', s.tracking_number,
      'estimatedDeliveryDate', to_char(s.estimated_delivery_date, 'YYYY-MM-DD'))
    FROM shipments s WHERE s.order_id = o.id
    ORDER BY s.status = 'cancelled', s.id DESC LIMIT 1))`;

/**
 * A page of the Dashboard query's answer, shaped exactly as the gateway shapes
 * it. One text per combination of filters, as a hand-tuned handler would
 * write it: each gets a plan that uses its index. $1 is the page size.
 */
export function dashboardSql(filter: PageFilter): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length + 1}`));
  };
  if (filter.after !== undefined) add('id > ?', filter.after);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.customerId !== undefined) add('customer_id = ?', filter.customerId);
  const name = `dashboard:${['after', 'status', 'customerId'].filter((k) => filter[k as keyof PageFilter] !== undefined).join(',')}`;
  const text = `
  WITH page AS (SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $1 + 1),
  shown AS (SELECT * FROM page ORDER BY id LIMIT $1)
  SELECT json_build_object('data', json_build_object('orders', json_build_object(
    'edges', coalesce((
      SELECT json_agg(json_build_object('node', ${ORDER_JSON}) ORDER BY o.id)
      FROM shown o JOIN customers c ON c.id = o.customer_id), '[]'),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM page) > $1,
      'endCursor', (SELECT 'c1.' || rtrim(translate(encode(convert_to(max(id)::text, 'UTF8'), 'base64'),
        '+/', '-_'), '=') FROM shown))
  )))::text AS body`;
  return { name, text, values };
}

// GET /inventory/:productId's answer, the totals and each warehouse's stock, from the rows inventory-service reads.
export const LEVEL_SQL = `
  SELECT p.id AS "productId", p.sku, p.name, i.quantity_on_hand AS "quantityOnHand",
    i.quantity_reserved AS "quantityReserved", i.quantity_on_hand - i.quantity_reserved AS "quantityAvailable",
    i.reorder_point AS "reorderPoint", i.location, i.version, i.updated_at AS "updatedAt",
    (SELECT coalesce(json_agg(json_build_object(
       'warehouseId', w.id, 'code', w.code, 'country', w.address_country,
       'quantityOnHand', s.quantity_on_hand, 'quantityReserved', s.quantity_reserved,
       'quantityAvailable', s.quantity_on_hand - s.quantity_reserved, 'reorderPoint', s.reorder_point,
       'lowStock', s.quantity_on_hand - s.quantity_reserved <= s.reorder_point,
       'location', s.location, 'version', s.version) ORDER BY w.id), '[]')
     FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id WHERE s.product_id = p.id) AS warehouses
  FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = $1`;

/**
 * An order placed in one statement: stock held in the first warehouse that
 * fills every line (in the customer's country first, then by priority, as
 * inventory-service ranks them), the order recorded confirmed with its items
 * and history, its reservation and allocations, its shipment booked. When a
 * line could not be held, `placed` is false and the caller rolls back.
 * $1 customer id, $2 product ids, $3 quantities.
 */
export const ORDER_SQL = `
  WITH lines AS (
    SELECT product_id, sum(quantity)::int AS quantity FROM unnest($2::int[], $3::int[]) AS l(product_id, quantity)
    GROUP BY product_id
  ), cu AS (SELECT * FROM customers WHERE id = $1),
  wh AS (
    SELECT w.id FROM warehouses w CROSS JOIN cu
    WHERE (SELECT count(*) FROM lines l JOIN warehouse_stock s ON s.product_id = l.product_id
           AND s.warehouse_id = w.id AND s.quantity_on_hand - s.quantity_reserved >= l.quantity)
        = (SELECT count(*) FROM lines)
    ORDER BY w.address_country IS DISTINCT FROM cu.address_country, w.priority, w.id LIMIT 1
  ), held AS (
    UPDATE warehouse_stock s SET quantity_reserved = s.quantity_reserved + l.quantity, version = s.version + 1
    FROM lines l, wh
    WHERE s.product_id = l.product_id AND s.warehouse_id = wh.id
      AND s.quantity_on_hand - s.quantity_reserved >= l.quantity
    RETURNING s.product_id, s.warehouse_id, l.quantity
  ), priced AS (
    SELECT l.product_id, l.quantity, p.unit_price_cents, p.weight_grams
    FROM lines l JOIN products p ON p.id = l.product_id
  ), o AS (
    INSERT INTO orders (customer_id, status, service_level, total_cents, currency, shipping_line1,
      shipping_city, shipping_postal_code, shipping_country)
    SELECT cu.id, 'confirmed', 'standard', (SELECT sum(quantity * unit_price_cents) FROM priced), 'USD',
      cu.address_line1, cu.address_city, cu.address_postal_code, cu.address_country
    FROM cu WHERE (SELECT count(*) FROM held) = (SELECT count(*) FROM lines)
    RETURNING *
  ), items AS (
    INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
    SELECT o.id, p.product_id, p.quantity, p.unit_price_cents FROM o, priced p
  ), history AS (
    INSERT INTO order_status_history (order_id, from_status, to_status)
    SELECT id, NULL, 'pending' FROM o UNION ALL SELECT id, 'pending', 'confirmed' FROM o
  ), reservation AS (
    INSERT INTO reservations (order_id) SELECT id FROM o RETURNING order_id
  ), reserved AS (
    INSERT INTO reservation_items (order_id, product_id, quantity)
    SELECT r.order_id, l.product_id, l.quantity FROM reservation r, lines l
    RETURNING order_id, product_id
  ), allocated AS (
    INSERT INTO reservation_allocations (order_id, product_id, warehouse_id, quantity)
    SELECT o.id, h.product_id, h.warehouse_id, h.quantity FROM o, held h
  ), shipment AS (
    INSERT INTO shipments (order_id, carrier, service_level, tracking_number, destination_line1,
      destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
      estimated_delivery_date)
    SELECT o.id, 'GlobePost', 'standard', 'FLR' || lpad(o.id::text, 12, '0'), o.shipping_line1, o.shipping_city,
      o.shipping_postal_code, o.shipping_country, w.grams, 1299 + 249 * ceil(w.grams / 1000.0)::int, 'USD',
      current_date + 7
    FROM o, (SELECT sum(quantity * weight_grams)::int AS grams FROM priced) w
    RETURNING id, tracking_number, status
  )
  SELECT EXISTS (SELECT FROM o) AS placed, (
    SELECT json_build_object('id', o.id, 'status', o.status, 'totalCents', o.total_cents, 'currency', o.currency,
      'items', (SELECT json_agg(json_build_object('productId', product_id, 'quantity', quantity)) FROM lines),
      'shipment', (SELECT json_build_object('id', id, 'trackingNumber', tracking_number, 'status', status)
                   FROM shipment))::text
    FROM o) AS body`;
