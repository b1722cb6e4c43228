-- Least-privilege database roles: one per service, each allowed to write only
-- the tables its service owns, and the gateway's, allowed only rate_limits
-- (the same block ends docs/db-schema.sql); and the rate limiter's table.
-- Requests per API key and window, counted by rate-limiter-flexible (its own
-- layout) and shared by every replica: key is process:digest-of-the-key,
-- expire is in epoch milliseconds.
CREATE TABLE rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);

DO $$
DECLARE
  service text;
BEGIN
  FOREACH service IN ARRAY ARRAY['crm_api', 'inventory_service', 'logistics_service', 'order_service', 'gateway'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = service) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', service);
    END IF;
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', service, '10s');
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', service);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', service);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', service);
  END LOOP;
END
$$;

-- crm-api: customers.
GRANT SELECT, INSERT, UPDATE ON customers TO crm_api;

-- inventory-service: the catalogue, stock and reservations.
GRANT SELECT, INSERT, UPDATE, DELETE
  ON products, inventory, inventory_adjustments, reservations, reservation_items
  TO inventory_service;

-- logistics-service: shipments and the reports it owes order-service.
GRANT SELECT, INSERT, UPDATE, DELETE ON shipments, shipment_reports TO logistics_service;

-- order-service: orders and idempotency keys; it reads the customer, the
-- products' prices, and (recovering a crash) reservations and shipments.
GRANT SELECT, INSERT, UPDATE, DELETE
  ON orders, order_items, order_status_history, idempotency_keys
  TO order_service;
GRANT SELECT ON customers, products, reservations, shipments TO order_service;

-- Every process, the gateway included, counts requests per API key here.
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits
  TO crm_api, inventory_service, logistics_service, order_service, gateway;
