-- Gives the outbox's partial indexes a predicate of their own, is_open (queued or in flight), so that
-- only opening and closing a row write index entries; a claim and the delivery statuses can be
-- heap-only updates.
ALTER TABLE outbox ADD COLUMN is_open boolean NOT NULL DEFAULT TRUE;
UPDATE outbox SET is_open = (status IN (0, 1));
DROP INDEX outbox_open;
DROP INDEX outbox_contact_open;
CREATE INDEX outbox_open ON outbox (id) WHERE is_open;
CREATE INDEX outbox_contact_open ON outbox (contact_id, seq) WHERE is_open;
