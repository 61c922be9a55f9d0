-- The outgoing webhook: what each department's own system is to be told
-- (a handoff, a citizen's message to an officer, a case's change), kept
-- until it is delivered or given up. event_key, when set, makes a
-- delivery once only (the events tail sets it to the event's id).
-- lease_until and lease_owner let several processes deliver without
-- posting one delivery twice. A producer that knows only a case's
-- integration (the escalation job) leaves department empty and names the
-- integration; the deliverer finds the department from the configuration.
CREATE TABLE webhook_deliveries (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	department   text NOT NULL DEFAULT '',
	integration_id text NOT NULL DEFAULT '',
	event        text NOT NULL,
	event_key    text,
	payload      bytea NOT NULL,
	status       text NOT NULL DEFAULT 'pending',
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	due_at       timestamptz NOT NULL,
	lease_until  timestamptz,
	lease_owner  text NOT NULL DEFAULT '',
	delivered_at timestamptz
);
CREATE UNIQUE INDEX webhook_deliveries_key ON webhook_deliveries (department, event_key);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';

-- Where the tail of the events table that feeds the webhook has read to.
CREATE TABLE webhook_tail (
	name    text PRIMARY KEY,
	last_id bigint NOT NULL
);

-- The tail reads handoff events by id; a partial index keeps every other
-- event's insert as cheap as it was.
CREATE INDEX events_webhook ON events (id) WHERE kind IN ('handoff', 'handoff_message');

-- The webhook's sweep reads the handoffs of the last minutes by time, to
-- catch one whose step committed after the tail had read past its id.
CREATE INDEX events_webhook_at ON events (at) WHERE kind IN ('handoff', 'handoff_message');
