-- A SQLite file as the store made it before the driver split (commit
-- 84bd7ec, all six migrations), with a little of everything in it: the
-- sqlite3 .dump of a file written by that code's public API. See
-- TestOpensADatabaseOfTheOldStore.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE bun_migrations ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR, "group_id" INTEGER, "migrated_at" TIMESTAMP NOT NULL DEFAULT current_timestamp);
INSERT INTO bun_migrations VALUES(1,'20260521000001',1,'2026-12-07 04:48:09');
INSERT INTO bun_migrations VALUES(2,'20261121000001',1,'2026-12-07 04:48:09');
INSERT INTO bun_migrations VALUES(3,'20261121000002',1,'2026-12-07 04:48:09');
INSERT INTO bun_migrations VALUES(4,'20261121000003',1,'2026-12-07 04:48:09');
INSERT INTO bun_migrations VALUES(5,'20261121000004',1,'2026-12-07 04:48:09');
INSERT INTO bun_migrations VALUES(6,'20261121000005',1,'2026-12-07 04:48:09');
CREATE TABLE bun_migration_locks ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "table_name" VARCHAR, UNIQUE ("table_name"));
CREATE TABLE integrations (
	id              text PRIMARY KEY,
	name            text NOT NULL DEFAULT '',
	phone_number_id text NOT NULL DEFAULT '',
	settings        BLOB,
	access_token    BLOB,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
INSERT INTO integrations VALUES('city','City','106540352242922',X'7b226c616e67223a226869227d',X'01f741775b61f56aae7ac0a224b549b6666c5581649d2df9463173dd6c7511cba5b078904d544fc2048e0dcb16faf1509e50af',1795251600000000,1795251600000000);
CREATE TABLE contacts (
	id             text PRIMARY KEY,
	integration_id text NOT NULL,
	key            text NOT NULL,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	profile_name   text NOT NULL DEFAULT '',
	username       text NOT NULL DEFAULT '',
	language       text NOT NULL DEFAULT '',
	opted_out      INTEGER NOT NULL DEFAULT FALSE,
	version        bigint NOT NULL DEFAULT 0,
	steps          bigint NOT NULL DEFAULT 0,
	conversations  integer NOT NULL DEFAULT 0,
	msg_seq        bigint NOT NULL DEFAULT 0,
	hold_until     INTEGER,
	first_seen     INTEGER NOT NULL,
	last_seen      INTEGER NOT NULL
);
INSERT INTO contacts VALUES('city/919800000001','city','919800000001','919800000001','','Citizen 919800000001','','',0,1,1,1,2,NULL,1795251600000000,1795251601000000);
INSERT INTO contacts VALUES('city/919800000002','city','919800000002','919800000002','','Citizen 919800000002','','',0,1,1,1,2,NULL,1795251600000000,1795251602000000);
INSERT INTO contacts VALUES('city/919800000003','city','919800000003','919800000003','','Citizen 919800000003','','',0,1,0,1,2,NULL,1795251600000000,1795251600000000);
CREATE TABLE sessions (
	contact_id   text PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	state        BLOB,
	checksum     bigint NOT NULL DEFAULT 0,
	flow_id      text NOT NULL DEFAULT '',
	flow_version text NOT NULL DEFAULT '',
	conversation integer NOT NULL DEFAULT 0,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER
);
INSERT INTO sessions VALUES('city/919800000001',X'73746174653a68656c6c6f',481999971,'main','v1',1,1795251600000000,1795338000000000);
INSERT INTO sessions VALUES('city/919800000002',X'73746174653a706f74686f6c65',320258593,'main','v1',1,1795251600000000,1795338000000000);
CREATE TABLE conversations (
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            integer NOT NULL,
	integration_id text NOT NULL,
	opened_at      INTEGER NOT NULL,
	closed_at      INTEGER,
	handoff_queue  text NOT NULL DEFAULT '',
	handoff_reason text NOT NULL DEFAULT '',
	handoff_at     INTEGER,
	PRIMARY KEY (contact_id, seq)
);
INSERT INTO conversations VALUES('city/919800000001',1,'city',1795251600000000,NULL,'','',NULL);
INSERT INTO conversations VALUES('city/919800000002',1,'city',1795251600000000,NULL,'','',NULL);
INSERT INTO conversations VALUES('city/919800000003',1,'city',1795251600000000,NULL,'','',NULL);
CREATE TABLE inbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	wamid          text NOT NULL,
	integration_id text NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	wa_ts          INTEGER NOT NULL,
	received_at    INTEGER NOT NULL,
	arrival        bigint NOT NULL,
	input          BLOB,
	raw            BLOB,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	profile_name   text NOT NULL DEFAULT '',
	username       text NOT NULL DEFAULT '',
	state          smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	last_error     text NOT NULL DEFAULT '',
	done_at        INTEGER,
	UNIQUE (contact_id, wamid)
);
INSERT INTO inbox VALUES(1,'city/919800000001','wamid.in.1','city','text','hello',1795251601000000,1795251600000000,1795251600000000000,X'68656c6c6f',X'7b7d','919800000001','','Citizen 919800000001','',1,0,'',1795251600000000);
INSERT INTO inbox VALUES(2,'city/919800000002','wamid.in.2','city','text','pothole',1795251602000000,1795251600000000,1795251600000000001,X'706f74686f6c65',X'7b7d','919800000002','','Citizen 919800000002','',1,0,'',1795251600000000);
INSERT INTO inbox VALUES(3,'city/919800000003','wamid.in.3','city','text','poison',1795251603000000,1795251600000000,1795251600000000002,X'706f69736f6e',X'7b7d','919800000003','','Citizen 919800000003','',2,1,'engine cannot handle this message',1795251600000000);
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            bigint NOT NULL,
	integration_id text NOT NULL,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	conversation   integer NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	payload        BLOB NOT NULL,
	status         smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	claims         integer NOT NULL DEFAULT 0,
	due_at         INTEGER NOT NULL,
	lease_until    INTEGER,
	provider_wamid text,
	error_code     integer,
	error_title    text,
	error_details  text,
	created_at     INTEGER NOT NULL,
	sent_at        INTEGER,
	status_at      INTEGER, is_open INTEGER NOT NULL DEFAULT TRUE,
	UNIQUE (contact_id, seq)
);
INSERT INTO outbox VALUES(1,'city/919800000001',2,'city','919800000001','',1,'text','re hello',X'72653a68656c6c6f',3,0,1,1795251600000000,NULL,'wamid.out.1',NULL,NULL,NULL,1795251600000000,1795251600000000,1795251660000000,0);
INSERT INTO outbox VALUES(2,'city/919800000002',2,'city','919800000002','',1,'text','re pothole',X'72653a706f74686f6c65',0,0,1,1795251600000000,NULL,NULL,NULL,NULL,NULL,1795251600000000,NULL,NULL,1);
INSERT INTO outbox VALUES(3,'city/919800000003',2,'city','919800000003','',1,'text','sorry',X'61706f6c6f677920666f7220393139383030303030303033',0,0,1,1795251600000000,NULL,NULL,NULL,NULL,NULL,1795251600000000,NULL,NULL,1);
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
	at             INTEGER NOT NULL,
	status_at      INTEGER,
	PRIMARY KEY (contact_id, seq)
);
INSERT INTO messages VALUES('city/919800000001',1,1,'city','in','wamid.in.1','text','hello',0,NULL,NULL,NULL,1795251601000000,NULL);
INSERT INTO messages VALUES('city/919800000001',2,1,'city','out',NULL,'text','re hello',0,NULL,NULL,NULL,1795251600000000,NULL);
INSERT INTO messages VALUES('city/919800000002',1,1,'city','in','wamid.in.2','text','pothole',0,NULL,NULL,NULL,1795251602000000,NULL);
INSERT INTO messages VALUES('city/919800000002',2,1,'city','out',NULL,'text','re pothole',0,NULL,NULL,NULL,1795251600000000,NULL);
INSERT INTO messages VALUES('city/919800000003',1,1,'city','in','wamid.in.3','text','poison',5,NULL,NULL,NULL,1795251603000000,NULL);
INSERT INTO messages VALUES('city/919800000003',2,1,'city','out',NULL,'text','sorry',0,NULL,NULL,NULL,1795251600000000,NULL);
CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	contact_id     text NOT NULL,
	integration_id text NOT NULL,
	conversation   integer NOT NULL,
	kind           text NOT NULL,
	flow           text NOT NULL DEFAULT '',
	node           text NOT NULL DEFAULT '',
	detail         text NOT NULL DEFAULT '',
	at             INTEGER NOT NULL,
	CHECK (id > 0)
);
INSERT INTO events VALUES(1,'city/919800000001','city',1,'flow_started','main','start','',1795251600000000);
INSERT INTO events VALUES(2,'city/919800000002','city',1,'flow_started','main','start','',1795251600000000);
CREATE TABLE event_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	integration_id text NOT NULL,
	level          text NOT NULL,
	kind           text NOT NULL,
	message        text NOT NULL DEFAULT '',
	data           BLOB,
	at             INTEGER NOT NULL,
	CHECK (id > 0)
);
INSERT INTO event_log VALUES(1,'city','warn','webhook_note','old note',NULL,1795251600000000);
INSERT INTO event_log VALUES(2,'city','error','message_parked','message wamid.in.3 of contact city/********0003 parked after 1 attempts; an apology was queued: engine cannot handle this message',NULL,1795251600000000);
CREATE TABLE statuses (
	wamid          text NOT NULL,
	status         text NOT NULL,
	rank           smallint NOT NULL,
	integration_id text NOT NULL,
	at             INTEGER NOT NULL,
	recipient      text NOT NULL DEFAULT '',
	error_code     integer,
	error_title    text,
	error_details  text,
	received_at    INTEGER NOT NULL,
	PRIMARY KEY (wamid, status)
);
INSERT INTO statuses VALUES('wamid.out.1','delivered',3,'city',1795251660000000,'',NULL,NULL,NULL,1795251600000000);
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
	attachments      BLOB,
	status           text NOT NULL,
	due_at           INTEGER,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	PRIMARY KEY (integration_id, reference)
);
INSERT INTO grievances VALUES('city','GRV-26-OLD1-AA','city/919800000002','roads','pothole on MG road','560001',12.970000000000000639,77.59000000000000341,'MG Road','',NULL,'open',NULL,1795251600000000,1795251600000000);
CREATE TABLE flow_versions (
	flow_id    text NOT NULL,
	version    text NOT NULL,
	source     BLOB NOT NULL,
	first_seen INTEGER NOT NULL,
	PRIMARY KEY (flow_id, version)
);
INSERT INTO flow_versions VALUES('main','v1',X'666c6f773a206d61696e',1795251600000000);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('bun_migrations',6);
INSERT INTO sqlite_sequence VALUES('event_log',2);
INSERT INTO sqlite_sequence VALUES('inbox',3);
INSERT INTO sqlite_sequence VALUES('outbox',3);
INSERT INTO sqlite_sequence VALUES('events',2);
CREATE UNIQUE INDEX integrations_phone_number_id ON integrations (phone_number_id) WHERE phone_number_id <> '';
CREATE INDEX contacts_wa_id ON contacts (integration_id, wa_id);
CREATE INDEX contacts_user_id ON contacts (integration_id, user_id) WHERE user_id <> '';
CREATE INDEX conversations_handoff ON conversations (integration_id, handoff_at) WHERE handoff_at IS NOT NULL AND closed_at IS NULL;
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 0;
CREATE INDEX inbox_contact_pending ON inbox (contact_id, id) WHERE state = 0;
CREATE INDEX inbox_parked ON inbox (id) WHERE state = 2;
CREATE INDEX outbox_provider_wamid ON outbox (provider_wamid) WHERE provider_wamid IS NOT NULL;
CREATE INDEX events_integration_at ON events (integration_id, at);
CREATE INDEX event_log_integration ON event_log (integration_id, id);
CREATE INDEX grievances_contact ON grievances (contact_id);
CREATE INDEX grievances_status_due ON grievances (integration_id, status, due_at);
CREATE INDEX outbox_open ON outbox (id) WHERE is_open;
CREATE INDEX outbox_contact_open ON outbox (contact_id, seq) WHERE is_open;
COMMIT;
