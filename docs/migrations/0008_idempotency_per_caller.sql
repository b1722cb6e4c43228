-- Idempotency-Keys per caller, and for the writes that are one transaction
-- (customers, products, stock adjustments). Keys recorded before this have no
-- caller: they are given 'open', the one caller of a setup without API keys.
ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT 'open'
  CHECK (length(caller) BETWEEN 1 AND 64);
ALTER TABLE idempotency_keys ALTER COLUMN caller DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, caller, key);

-- Answers remembered for Idempotency-Key replays of writes that are one
-- transaction: the key is inserted first in the write's own transaction and its
-- answer set before it commits, so a key is there exactly when its effect is.
CREATE TABLE idempotent_requests (
  scope           text NOT NULL CHECK (length(scope) BETWEEN 1 AND 50),
  caller          text NOT NULL CHECK (length(caller) BETWEEN 1 AND 64),
  key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash    text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  response_status integer CHECK (response_status BETWEEN 100 AND 599),
  response_body   json,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, caller, key)
);
CREATE INDEX idempotent_requests_created_idx ON idempotent_requests (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotent_requests TO crm_api, inventory_service;
