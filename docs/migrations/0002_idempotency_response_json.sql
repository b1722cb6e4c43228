-- A replayed answer is the first answer's text: json keeps the keys in the
-- order they were written, where jsonb sorts them.
ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE json USING response_body::json;
