-- The initial schema. Every hot table is keyed by contact_id (see the package doc of adapters/store).
CREATE TABLE integrations (
	id              text PRIMARY KEY,
	name            text NOT NULL DEFAULT '',
	phone_number_id text NOT NULL DEFAULT '',
	settings        bytea,
	access_token    bytea,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX integrations_phone_number_id ON integrations (phone_number_id) WHERE phone_number_id <> '';

CREATE TABLE contacts (
	id             text PRIMARY KEY,
	integration_id text NOT NULL,
	key            text NOT NULL,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	profile_name   text NOT NULL DEFAULT '',
	username       text NOT NULL DEFAULT '',
	language       text NOT NULL DEFAULT '',
	opted_out      boolean NOT NULL DEFAULT FALSE,
	version        bigint NOT NULL DEFAULT 0,
	steps          bigint NOT NULL DEFAULT 0,
	conversations  integer NOT NULL DEFAULT 0,
	msg_seq        bigint NOT NULL DEFAULT 0,
	hold_until     timestamptz,
	first_seen     timestamptz NOT NULL,
	last_seen      timestamptz NOT NULL
);
CREATE INDEX contacts_wa_id ON contacts (integration_id, wa_id);
CREATE INDEX contacts_user_id ON contacts (integration_id, user_id) WHERE user_id <> '';

CREATE TABLE sessions (
	contact_id   text PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	state        bytea,
	checksum     bigint NOT NULL DEFAULT 0,
	flow_id      text NOT NULL DEFAULT '',
	flow_version text NOT NULL DEFAULT '',
	conversation integer NOT NULL DEFAULT 0,
	updated_at   timestamptz NOT NULL,
	expires_at   timestamptz
);

CREATE TABLE conversations (
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            integer NOT NULL,
	integration_id text NOT NULL,
	opened_at      timestamptz NOT NULL,
	closed_at      timestamptz,
	handoff_queue  text NOT NULL DEFAULT '',
	handoff_reason text NOT NULL DEFAULT '',
	handoff_at     timestamptz,
	PRIMARY KEY (contact_id, seq)
);
CREATE INDEX conversations_handoff ON conversations (integration_id, handoff_at) WHERE handoff_at IS NOT NULL AND closed_at IS NULL;

CREATE TABLE inbox (
	id bigint GENERATED ALWAYS AS IDENTITY,
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	wamid          text NOT NULL,
	integration_id text NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	wa_ts          timestamptz NOT NULL,
	received_at    timestamptz NOT NULL,
	arrival        bigint NOT NULL,
	input          bytea,
	raw            bytea,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	profile_name   text NOT NULL DEFAULT '',
	username       text NOT NULL DEFAULT '',
	state          smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	last_error     text NOT NULL DEFAULT '',
	done_at        timestamptz,
	PRIMARY KEY (contact_id, wamid)
);
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 0;
CREATE INDEX inbox_contact_pending ON inbox (contact_id, id) WHERE state = 0;
CREATE INDEX inbox_parked ON inbox (id) WHERE state = 2;

CREATE TABLE outbox (
	id bigint GENERATED ALWAYS AS IDENTITY,
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            bigint NOT NULL,
	integration_id text NOT NULL,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	conversation   integer NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	payload        bytea NOT NULL,
	status         smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	claims         integer NOT NULL DEFAULT 0,
	due_at         timestamptz NOT NULL,
	lease_until    timestamptz,
	provider_wamid text,
	error_code     integer,
	error_title    text,
	error_details  text,
	created_at     timestamptz NOT NULL,
	sent_at        timestamptz,
	status_at      timestamptz,
	PRIMARY KEY (contact_id, seq)
);
CREATE INDEX outbox_open ON outbox (id) WHERE status IN (0, 1);
CREATE INDEX outbox_contact_open ON outbox (contact_id, seq) WHERE status IN (0, 1);
CREATE INDEX outbox_provider_wamid ON outbox (provider_wamid) WHERE provider_wamid IS NOT NULL;

CREATE TABLE messages (
	contact_id     text NOT NULL,
	seq            bigint NOT NULL,
	conversation   integer NOT NULL,
	integration_id text NOT NULL,
	direction      text NOT NULL,
	wamid          text,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	status         smallint NOT NULL DEFAULT 0,
	error_code     integer,
	error_title    text,
	error_details  text,
	at             timestamptz NOT NULL,
	status_at      timestamptz,
	PRIMARY KEY (contact_id, seq)
);
CREATE INDEX messages_out_wamid ON messages (wamid) WHERE direction = 'out' AND wamid IS NOT NULL;

CREATE TABLE events (
	id bigint GENERATED ALWAYS AS IDENTITY,
	contact_id     text NOT NULL,
	integration_id text NOT NULL,
	conversation   integer NOT NULL,
	kind           text NOT NULL,
	flow           text NOT NULL DEFAULT '',
	node           text NOT NULL DEFAULT '',
	detail         text NOT NULL DEFAULT '',
	at             timestamptz NOT NULL,
	PRIMARY KEY (contact_id, id)
);
CREATE INDEX events_integration_at ON events (integration_id, at);

CREATE TABLE event_log (
	id bigint GENERATED ALWAYS AS IDENTITY,
	integration_id text NOT NULL,
	level          text NOT NULL,
	kind           text NOT NULL,
	message        text NOT NULL DEFAULT '',
	data           bytea,
	at             timestamptz NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX event_log_integration ON event_log (integration_id, id);

CREATE TABLE statuses (
	wamid          text NOT NULL,
	status         text NOT NULL,
	rank           smallint NOT NULL,
	integration_id text NOT NULL,
	at             timestamptz NOT NULL,
	recipient      text NOT NULL DEFAULT '',
	error_code     integer,
	error_title    text,
	error_details  text,
	received_at    timestamptz NOT NULL,
	PRIMARY KEY (wamid, status)
);

CREATE TABLE grievances (
	integration_id   text NOT NULL,
	reference        text NOT NULL,
	contact_id       text NOT NULL DEFAULT '',
	category         text NOT NULL DEFAULT '',
	description      text NOT NULL DEFAULT '',
	pin_code         text NOT NULL DEFAULT '',
	latitude         double precision,
	longitude        double precision,
	location_name    text NOT NULL DEFAULT '',
	location_address text NOT NULL DEFAULT '',
	attachments      bytea,
	status           text NOT NULL,
	due_at           timestamptz,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	PRIMARY KEY (integration_id, reference)
);
CREATE INDEX grievances_contact ON grievances (contact_id);
CREATE INDEX grievances_status_due ON grievances (integration_id, status, due_at);

CREATE TABLE flow_versions (
	flow_id    text NOT NULL,
	version    text NOT NULL,
	source     bytea NOT NULL,
	first_seen timestamptz NOT NULL,
	PRIMARY KEY (flow_id, version)
);
CREATE INDEX outbox_id ON outbox (id);
