-- Split shipments: an order ships from each warehouse its stock was allocated
-- in, one shipment per warehouse, and is partially shipped while only some
-- move. Every order keeps the allocations its reservation recorded (before
-- warehouses, all from the default one; see 0007), and its shipment leaves
-- from the warehouse that held most of it (the default one when none did).
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('pending', 'confirmed', 'partially_shipped', 'shipped', 'delivered', 'cancelled', 'failed'));
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_from_status_check;
ALTER TABLE order_status_history ADD CONSTRAINT order_status_history_from_status_check
  CHECK (from_status IN ('pending', 'confirmed', 'partially_shipped', 'shipped', 'delivered', 'cancelled', 'failed'));
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_to_status_check;
ALTER TABLE order_status_history ADD CONSTRAINT order_status_history_to_status_check
  CHECK (to_status IN ('pending', 'confirmed', 'partially_shipped', 'shipped', 'delivered', 'cancelled', 'failed'));

-- A partially shipped order is reported to webhooks like every other move.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_type_check
  CHECK (type IN ('order.confirmed', 'order.failed', 'order.cancelled', 'order.partially_shipped',
                  'order.shipped', 'order.delivered', 'shipment.exception', 'stock.low'));

CREATE TABLE order_item_allocations (
  order_id     integer NOT NULL,
  product_id   integer NOT NULL,
  warehouse_id integer NOT NULL REFERENCES warehouses (id),
  quantity     integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id, warehouse_id),
  FOREIGN KEY (order_id, product_id) REFERENCES order_items (order_id, product_id) ON DELETE CASCADE
);
INSERT INTO order_item_allocations (order_id, product_id, warehouse_id, quantity)
  SELECT a.order_id, a.product_id, a.warehouse_id, a.quantity
  FROM reservation_allocations a JOIN order_items i USING (order_id, product_id);

CREATE FUNCTION default_warehouse_id() RETURNS integer
  LANGUAGE sql STABLE AS $$ SELECT id FROM warehouses WHERE is_default $$;
-- The default fills every existing row, and any booking of a replica of the
-- old release, which names no origin.
ALTER TABLE shipments ADD COLUMN origin_warehouse_id integer NOT NULL
  DEFAULT default_warehouse_id() REFERENCES warehouses (id);
-- An order placed after 0007 may have had its stock held outside the default
-- warehouse. Inventory's reservation rows say where its units were held and
-- committed, so the allocations follow them, and the shipment leaves from the
-- warehouse that held most of them: the shipment's origin then matches its
-- allocations (delivered quantities, the order view) and a return restocks
-- the warehouse the units were taken from. (Units of a reservation split over
-- several warehouses beyond the largest stay allocated where they were held.)
UPDATE shipments s SET origin_warehouse_id = held.warehouse_id
  FROM (SELECT DISTINCT ON (order_id) order_id, warehouse_id
        FROM reservation_allocations
        GROUP BY order_id, warehouse_id
        ORDER BY order_id, sum(quantity) DESC, warehouse_id) held
  WHERE s.order_id = held.order_id;
DROP INDEX shipments_live_order_key;
CREATE UNIQUE INDEX shipments_live_order_key ON shipments (order_id, origin_warehouse_id)
  WHERE status <> 'cancelled';

GRANT SELECT, INSERT, UPDATE, DELETE ON order_item_allocations TO order_service;
GRANT SELECT ON warehouses TO logistics_service;
