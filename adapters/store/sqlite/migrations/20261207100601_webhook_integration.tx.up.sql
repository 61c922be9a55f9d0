-- A producer that knows only a case's integration (the escalation job)
-- queues a delivery with an empty department; the deliverer finds the
-- department from the configuration. For a while main carried this column
-- in 20261207100600 itself, and SQLite cannot add a column only if it is
-- missing: the table is made again, with the columns both forms have.
CREATE TABLE webhook_deliveries_new (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	department   text NOT NULL DEFAULT '',
	integration_id text NOT NULL DEFAULT '',
	event        text NOT NULL,
	event_key    text,
	payload      blob NOT NULL,
	status       text NOT NULL DEFAULT 'pending',
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	due_at       INTEGER NOT NULL,
	lease_until  INTEGER,
	lease_owner  text NOT NULL DEFAULT '',
	delivered_at INTEGER
);
INSERT INTO webhook_deliveries_new (id, department, event, event_key, payload, status, attempts, last_error,
		created_at, due_at, lease_until, lease_owner, delivered_at)
	SELECT id, department, event, event_key, payload, status, attempts, last_error,
		created_at, due_at, lease_until, lease_owner, delivered_at
	FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE UNIQUE INDEX webhook_deliveries_key ON webhook_deliveries (department, event_key);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';

-- The webhook's sweep reads the handoffs of the last minutes by time, to
-- catch one whose step committed after the tail had read past its id.
CREATE INDEX events_webhook_at ON events (at) WHERE kind IN ('handoff', 'handoff_message');
