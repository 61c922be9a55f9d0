-- A case's life: the officer it is assigned to, the level it has been
-- escalated to (0: not escalated), when it was last resolved (the reopen
-- period counts from then), and every change as a row of case_history:
-- a move from one status to another, an assignment, a remark, an
-- escalation, with who made it and when.
ALTER TABLE grievances ADD COLUMN assigned_to text NOT NULL DEFAULT '';
ALTER TABLE grievances ADD COLUMN escalation_level integer NOT NULL DEFAULT 0;
ALTER TABLE grievances ADD COLUMN resolved_at timestamptz;
CREATE INDEX grievances_due ON grievances (due_at);
CREATE INDEX grievances_case_list ON grievances (integration_id, created_at, reference);
CREATE TABLE case_history (
	id             bigserial PRIMARY KEY,
	integration_id text NOT NULL,
	reference      text NOT NULL,
	at             timestamptz NOT NULL,
	actor          text NOT NULL,
	action         text NOT NULL,
	from_status    text NOT NULL DEFAULT '',
	to_status      text NOT NULL DEFAULT '',
	remark         text NOT NULL DEFAULT ''
);
CREATE INDEX case_history_case ON case_history (integration_id, reference, id);
