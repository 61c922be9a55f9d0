-- Drops the foreign keys from the per-message tables to contacts (each inserted row ran a check
-- query against a contact row the step already holds, and contacts are never deleted), and lets
-- autovacuum visit the queue tables after a few thousand changed rows rather than a fifth of the table.
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_contact_id_fkey;
ALTER TABLE conversations DROP CONSTRAINT IF EXISTS conversations_contact_id_fkey;
ALTER TABLE inbox DROP CONSTRAINT IF EXISTS inbox_contact_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_contact_id_fkey;
ALTER TABLE inbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
	autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000);
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
	autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000);
ALTER TABLE contacts SET (autovacuum_vacuum_scale_factor = 0.02);
ALTER TABLE sessions SET (autovacuum_vacuum_scale_factor = 0.02);
