-- Idempotency keys carry a lease (owner, expiry): a key whose owner died is
-- taken over by any replica. Keys in progress before this migration count as
-- expired, so the next retry or sweep settles them.
ALTER TABLE idempotency_keys
  ADD COLUMN locked_by text NOT NULL DEFAULT '',
  ADD COLUMN locked_until timestamptz NOT NULL DEFAULT now();
CREATE INDEX idempotency_keys_lease_idx ON idempotency_keys (locked_until) WHERE state = 'in_progress';

-- A shipment cancelled in logistics-service is reported to its order too.
ALTER TABLE shipment_reports DROP CONSTRAINT shipment_reports_status_check;
ALTER TABLE shipment_reports ADD CONSTRAINT shipment_reports_status_check
  CHECK (status IN ('in_transit', 'delivered', 'cancelled'));
