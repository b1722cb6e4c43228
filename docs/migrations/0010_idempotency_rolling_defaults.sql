-- Rolling deploys: while replicas from before 0003 and 0008 still run, they
-- insert keys with no caller and no lease. Such a key gets caller 'open' (the
-- old replica's only caller) rather than failing its insert, and a lease of a
-- minute rather than now(), which a new replica would take for expired and take
-- over while the old one is still placing its order.
ALTER TABLE idempotency_keys ALTER COLUMN caller SET DEFAULT 'open';
ALTER TABLE idempotency_keys ALTER COLUMN locked_until SET DEFAULT now() + interval '1 minute';
