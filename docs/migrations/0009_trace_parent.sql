-- The W3C traceparent of the request that wrote a row of later work, kept
-- only while tracing is on: the outbox's send and recovery's settling of an
-- order start their spans linked to it. The tables' grants cover new columns.
ALTER TABLE orders ADD COLUMN trace_parent text;
ALTER TABLE shipment_reports ADD COLUMN trace_parent text;
