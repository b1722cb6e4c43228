-- inventory-service and logistics-service may not read orders, yet must not
-- hold stock or book a label for an order already failed or cancelled (a call
-- that lands after its saga gave up). This function answers an order's status
-- (NULL: no such order) and holds a shared lock on its row until the caller's
-- transaction ends, so an order being failed waits for it, or it sees the
-- failure. It runs with its owner's rights and is all they are granted.
CREATE FUNCTION order_status_for_work(order_id integer) RETURNS text
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT status FROM orders WHERE id = order_id FOR SHARE $$;
REVOKE ALL ON FUNCTION order_status_for_work(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_status_for_work(integer) TO inventory_service, logistics_service;
