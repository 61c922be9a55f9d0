-- A grievance is one kind of case; a service request (an application for a
-- ration card, a certificate) is another, kept in the same table: kind says
-- which, title names it for the citizen, fields hold what it was made with
-- (JSON), note is the officer's remark to the citizen. serial is the number
-- the case's reference was made from: the one process on the file counts
-- on from the greatest, so that no reference is tried twice.
ALTER TABLE grievances ADD COLUMN kind text NOT NULL DEFAULT 'grievance';
ALTER TABLE grievances ADD COLUMN title text NOT NULL DEFAULT '';
ALTER TABLE grievances ADD COLUMN fields BLOB;
ALTER TABLE grievances ADD COLUMN note text NOT NULL DEFAULT '';
ALTER TABLE grievances ADD COLUMN serial INTEGER;
CREATE INDEX grievances_kind ON grievances (integration_id, kind, status, due_at);
