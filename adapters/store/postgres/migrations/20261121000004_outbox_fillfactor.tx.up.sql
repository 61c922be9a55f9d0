-- Leaves a third of each outbox page free, so that a row's claim and delivery statuses can be
-- written on its own page as heap-only updates.
ALTER TABLE outbox SET (fillfactor = 70);
