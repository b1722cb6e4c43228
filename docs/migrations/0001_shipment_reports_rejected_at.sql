-- A report order-service refused for good (a 4xx) is kept, marked rejected,
-- and no longer retried.
ALTER TABLE shipment_reports
  ADD COLUMN rejected_at timestamptz,
  ADD CONSTRAINT shipment_reports_settled_once CHECK (delivered_at IS NULL OR rejected_at IS NULL);
DROP INDEX shipment_reports_due_idx;
CREATE INDEX shipment_reports_due_idx ON shipment_reports (next_attempt_at)
  WHERE delivered_at IS NULL AND rejected_at IS NULL;
