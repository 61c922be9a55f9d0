package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// The schema is created and changed by Go migrations compiled into the
// binary (bun/migrate; the applied ones are recorded in bun_migrations). Each
// migration runs in one transaction on both dialects, so a failed migration
// leaves nothing half-done.
//
// One DDL text serves both dialects; the tokens below are replaced per dialect:
//
//	{ID}     an identity column: bigint identity on Postgres, an INTEGER
//	         PRIMARY KEY AUTOINCREMENT rowid on SQLite (never reused, so
//	         arrival order holds)
//	{PK …}   a composite primary key on Postgres; on SQLite, where the rowid
//	         is the key, the same columns are a UNIQUE constraint (none when
//	         they include the rowid)
//	{TIME}   timestamptz / INTEGER microseconds since the epoch
//	{BYTES}  bytea / BLOB
//	{BOOL}   boolean / INTEGER 0-1
const schemaV1 = `
CREATE TABLE integrations (
	id              text PRIMARY KEY,
	name            text NOT NULL DEFAULT '',
	phone_number_id text NOT NULL DEFAULT '',
	settings        {BYTES},
	access_token    {BYTES},
	created_at      {TIME} NOT NULL,
	updated_at      {TIME} NOT NULL
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
	opted_out      {BOOL} NOT NULL DEFAULT FALSE,
	version        bigint NOT NULL DEFAULT 0,
	steps          bigint NOT NULL DEFAULT 0,
	conversations  integer NOT NULL DEFAULT 0,
	msg_seq        bigint NOT NULL DEFAULT 0,
	hold_until     {TIME},
	first_seen     {TIME} NOT NULL,
	last_seen      {TIME} NOT NULL
);
CREATE INDEX contacts_wa_id ON contacts (integration_id, wa_id);
CREATE INDEX contacts_user_id ON contacts (integration_id, user_id) WHERE user_id <> '';

CREATE TABLE sessions (
	contact_id   text PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	state        {BYTES},
	checksum     bigint NOT NULL DEFAULT 0,
	flow_id      text NOT NULL DEFAULT '',
	flow_version text NOT NULL DEFAULT '',
	conversation integer NOT NULL DEFAULT 0,
	updated_at   {TIME} NOT NULL,
	expires_at   {TIME}
);

CREATE TABLE conversations (
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            integer NOT NULL,
	integration_id text NOT NULL,
	opened_at      {TIME} NOT NULL,
	closed_at      {TIME},
	handoff_queue  text NOT NULL DEFAULT '',
	handoff_reason text NOT NULL DEFAULT '',
	handoff_at     {TIME},
	PRIMARY KEY (contact_id, seq)
);
CREATE INDEX conversations_handoff ON conversations (integration_id, handoff_at) WHERE handoff_at IS NOT NULL AND closed_at IS NULL;

CREATE TABLE inbox (
	{ID},
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	wamid          text NOT NULL,
	integration_id text NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	wa_ts          {TIME} NOT NULL,
	received_at    {TIME} NOT NULL,
	arrival        bigint NOT NULL,
	input          {BYTES},
	raw            {BYTES},
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	profile_name   text NOT NULL DEFAULT '',
	username       text NOT NULL DEFAULT '',
	state          smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	last_error     text NOT NULL DEFAULT '',
	done_at        {TIME},
	{PK contact_id, wamid}
);
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 0;
CREATE INDEX inbox_contact_pending ON inbox (contact_id, id) WHERE state = 0;
CREATE INDEX inbox_parked ON inbox (id) WHERE state = 2;

CREATE TABLE outbox (
	{ID},
	contact_id     text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	seq            bigint NOT NULL,
	integration_id text NOT NULL,
	wa_id          text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	conversation   integer NOT NULL,
	type           text NOT NULL DEFAULT '',
	summary        text NOT NULL DEFAULT '',
	payload        {BYTES} NOT NULL,
	status         smallint NOT NULL DEFAULT 0,
	attempts       integer NOT NULL DEFAULT 0,
	claims         integer NOT NULL DEFAULT 0,
	due_at         {TIME} NOT NULL,
	lease_until    {TIME},
	provider_wamid text,
	error_code     integer,
	error_title    text,
	error_details  text,
	created_at     {TIME} NOT NULL,
	sent_at        {TIME},
	status_at      {TIME},
	{PK contact_id, seq}
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
	at             {TIME} NOT NULL,
	status_at      {TIME},
	PRIMARY KEY (contact_id, seq)
);
CREATE INDEX messages_out_wamid ON messages (wamid) WHERE direction = 'out' AND wamid IS NOT NULL;

CREATE TABLE events (
	{ID},
	contact_id     text NOT NULL,
	integration_id text NOT NULL,
	conversation   integer NOT NULL,
	kind           text NOT NULL,
	flow           text NOT NULL DEFAULT '',
	node           text NOT NULL DEFAULT '',
	detail         text NOT NULL DEFAULT '',
	at             {TIME} NOT NULL,
	{PK contact_id, id}
);
CREATE INDEX events_integration_at ON events (integration_id, at);

CREATE TABLE event_log (
	{ID},
	integration_id text NOT NULL,
	level          text NOT NULL,
	kind           text NOT NULL,
	message        text NOT NULL DEFAULT '',
	data           {BYTES},
	at             {TIME} NOT NULL,
	{PK id}
);
CREATE INDEX event_log_integration ON event_log (integration_id, id);

CREATE TABLE statuses (
	wamid          text NOT NULL,
	status         text NOT NULL,
	rank           smallint NOT NULL,
	integration_id text NOT NULL,
	at             {TIME} NOT NULL,
	recipient      text NOT NULL DEFAULT '',
	error_code     integer,
	error_title    text,
	error_details  text,
	received_at    {TIME} NOT NULL,
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
	attachments      {BYTES},
	status           text NOT NULL,
	due_at           {TIME},
	created_at       {TIME} NOT NULL,
	updated_at       {TIME} NOT NULL,
	PRIMARY KEY (integration_id, reference)
);
CREATE INDEX grievances_contact ON grievances (contact_id);
CREATE INDEX grievances_status_due ON grievances (integration_id, status, due_at);

CREATE TABLE flow_versions (
	flow_id    text NOT NULL,
	version    text NOT NULL,
	source     {BYTES} NOT NULL,
	first_seen {TIME} NOT NULL,
	PRIMARY KEY (flow_id, version)
);
`

// ddl renders a DDL text for a dialect.
func ddl(text string, pg bool) string {
	r := strings.NewReplacer(
		"{TIME}", pick(pg, "timestamptz", "INTEGER"),
		"{BYTES}", pick(pg, "bytea", "BLOB"),
		"{BOOL}", pick(pg, "boolean", "INTEGER"),
		"{ID}", pick(pg, "id bigint GENERATED ALWAYS AS IDENTITY", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
	)
	text = r.Replace(text)
	// {PK a, b}: a primary key on Postgres, a unique constraint on SQLite.
	for {
		i := strings.Index(text, "{PK ")
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}') + i
		cols := text[i+4 : j]
		var rep string
		switch {
		case pg:
			rep = "PRIMARY KEY (" + cols + ")"
		case strings.HasSuffix(cols, ", id") || cols == "id":
			rep = "CHECK (id > 0)" // the rowid already is a unique key
		default:
			rep = "UNIQUE (" + cols + ")"
		}
		text = text[:i] + rep + text[j+1:]
	}
	if pg && strings.Contains(text, "CREATE TABLE outbox (") {
		// The outbox's API id (MarkSent and co.) needs its own index where the
		// key is (contact_id, seq).
		text += "CREATE INDEX outbox_id ON outbox (id);\n"
	}
	return text
}

func pick(pg bool, a, b string) string {
	if pg {
		return a
	}
	return b
}

// migrations lists the schema's migrations in order. Add new ones at the end
// with a later name; never edit one that has shipped.
func (s *Store) migrations() *migrate.Migrations {
	type step = func(ctx context.Context, m *migrate.Migrator, mg *migrate.Migration) error
	all := []struct {
		name, comment string
		up            step
	}{
		{"20260521000001", "initial_schema", s.ddlMigration(schemaV1)},
		{"20261121000001", "queue_tuning", s.postgresOnly(queueTuningV2)},
		{"20261121000002", "delivery_on_outbox", s.ddlMigration(deliveryOnOutboxV3)},
		{"20261121000003", "outbox_open_flag", s.ddlMigration(outboxOpenFlagV4)},
		{"20261121000004", "outbox_fillfactor", s.postgresOnly(outboxFillfactorV5)},
		{"20261121000005", "mark_outbox_sent", s.postgresOnly(markOutboxSentV6)},
	}
	ms := migrate.NewMigrations()
	for _, m := range all {
		if s.opts.migrateUpTo != "" && m.name > s.opts.migrateUpTo {
			break
		}
		ms.Add(migrate.Migration{Name: m.name, Comment: m.comment, Up: m.up})
	}
	return ms
}

// deliveryOnOutboxV3 drops the history's index of outbound wamids: an
// outbound message's wamid and delivery status now live only on its outbox
// row (History reads them from there), so sends and status webhooks no
// longer update the history row, and nothing looks it up by wamid.
const deliveryOnOutboxV3 = `
DROP INDEX IF EXISTS messages_out_wamid;
`

// outboxOpenFlagV4 gives the outbox's partial indexes a predicate of their
// own: is_open (queued or in flight) instead of the status. An index's
// predicate columns count as indexed, so every status change (claimed,
// sent, delivered, read) used to write a new entry in every index of the
// row; now only opening and closing a row do, and the rest — the claim and
// the delivery statuses after sending — can be heap-only updates.
const outboxOpenFlagV4 = `
ALTER TABLE outbox ADD COLUMN is_open {BOOL} NOT NULL DEFAULT TRUE;
UPDATE outbox SET is_open = (status IN (0, 1));
DROP INDEX outbox_open;
DROP INDEX outbox_contact_open;
CREATE INDEX outbox_open ON outbox (id) WHERE is_open;
CREATE INDEX outbox_contact_open ON outbox (contact_id, seq) WHERE is_open;
`

// outboxFillfactorV5 (Postgres) leaves a third of each outbox page free,
// so that a row's claim and delivery statuses can be written on its own
// page as heap-only updates.
const outboxFillfactorV5 = `
ALTER TABLE outbox SET (fillfactor = 70);
`

// markOutboxSentV6 (Postgres) creates mark_outbox_sent, which marks the
// outbox rows ids[i] sent with wamids[i] at ats[i], one after the other,
// as MarkSent describes: only a row in flight (status 1) changes; statuses
// that arrived before give its status and error (the history reads an
// outbound message's delivery from its outbox row). For each row it changed
// it returns the row's place in the arrays (from 1) and whether the
// contact has another message waiting (only then is a sender worth
// waking: most replies are a citizen's only one). It first takes the lock
// of each wamid (lock_outbound_wamids, which status webhooks call too; see
// wamidLockClass), so that a status written at the same time is not
// missed: each of the loop's statements then reads the statuses anew.
const markOutboxSentV6 = `
CREATE PROCEDURE lock_outbound_wamids(wamids text[]) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(` + wamidLockClass + `, k)
	FROM (SELECT DISTINCT hashtext(w) AS k FROM unnest(wamids) AS w ORDER BY 1) AS ordered;
END
$$;

CREATE FUNCTION mark_outbox_sent(ids bigint[], wamids text[], ats timestamptz[])
RETURNS TABLE (n integer, has_next boolean) LANGUAGE plpgsql AS $$
DECLARE
	sent_contact text;
	sent_seq bigint;
BEGIN
	CALL lock_outbound_wamids(wamids);
	FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
		UPDATE outbox SET provider_wamid = wamids[i], sent_at = ats[i], status_at = ats[i], lease_until = NULL, is_open = FALSE,
			status = st.rank, error_code = st.code, error_title = st.title, error_details = st.details
		FROM (
			SELECT COALESCE(MAX(rank), 2) AS rank, MAX(error_code) FILTER (WHERE rank = 5) AS code,
				MAX(error_title) FILTER (WHERE rank = 5) AS title, MAX(error_details) FILTER (WHERE rank = 5) AS details
			FROM statuses WHERE wamid = wamids[i] AND rank >= 2
		) st
		WHERE outbox.id = ids[i] AND outbox.status = 1
		RETURNING outbox.contact_id, outbox.seq INTO sent_contact, sent_seq;
		IF FOUND THEN
			n := i;
			has_next := EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = sent_contact AND o.seq > sent_seq AND o.is_open);
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;
`

// queueTuningV2 (Postgres) drops the foreign keys from the per-message
// tables to contacts: each inserted row ran a check query against a contact
// row the step already holds, and contacts are never deleted. It also lets
// autovacuum visit the queue tables after a few thousand changed rows rather
// than a fifth of the table, so served rows' index entries go soon.
const queueTuningV2 = `
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
`

// postgresOnly runs a DDL text on Postgres; on SQLite the migration is
// recorded and does nothing.
func (s *Store) postgresOnly(text string) func(ctx context.Context, m *migrate.Migrator, mg *migrate.Migration) error {
	up := s.ddlMigration(text)
	return func(ctx context.Context, m *migrate.Migrator, mg *migrate.Migration) error {
		if !s.pg {
			return nil
		}
		return up(ctx, m, mg)
	}
}

// ddlMigration runs a DDL text in one transaction.
func (s *Store) ddlMigration(text string) func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		return m.DB().RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, ddl(text, s.pg))
			return err
		})
	}
}

// migrationLockKey is the Postgres advisory lock that serialises concurrent
// Migrate calls from several processes starting at once.
const migrationLockKey = 0x73616d766164 // "samvad"

// Migrate applies the migrations that have not been applied yet. It is safe to
// call from several processes at once: on Postgres they take turns under an
// advisory lock; an up-to-date schema is left alone.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.pg {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", classify(err))
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(migrationLockKey)); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", classify(err))
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", int64(migrationLockKey))
	} else if s.path != "" {
		unlock, err := lockFile(ctx, s.path+"-migrate-lock")
		if err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer unlock()
	}
	m := migrate.NewMigrator(s.db, s.migrations(), migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: migrate: init: %w", classify(err))
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", classify(err))
	}
	return nil
}

// checkSchema fails unless every migration has been applied. It writes
// nothing.
func (s *Store) checkSchema(ctx context.Context) error {
	m := migrate.NewMigrator(s.db, s.migrations())
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		if isUnavailable(err) {
			return fmt.Errorf("store: check schema: %w", classify(err))
		}
		return fmt.Errorf("store: the schema has not been created (%v); run `samvad migrate` or open without NoMigrate", err)
	}
	if missing := ms.Unapplied(); len(missing) > 0 {
		return fmt.Errorf("store: the schema is %d migration(s) behind (first: %s); run `samvad migrate` or open without NoMigrate", len(missing), missing[0].String())
	}
	return nil
}

// lockFile serialises SQLite migrations between processes (say `samvad
// migrate` and a starting server) with a write transaction on a small side
// database, portable where file locks are not.
func lockFile(ctx context.Context, path string) (func(), error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_busy_timeout=60000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, classify(err)
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS migrate_lock (id INTEGER)"); err != nil {
		tx.Rollback()
		db.Close()
		return nil, classify(err)
	}
	return func() {
		tx.Rollback()
		db.Close()
	}, nil
}
