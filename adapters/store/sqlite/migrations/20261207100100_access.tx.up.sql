-- Access control. api_keys holds the staff API's keys: only a SHA-256 of
-- each key is kept (the key itself is shown once, when it is made), with a
-- short prefix that finds the row and that people may see. users are the
-- console's accounts, their passwords hashed with argon2id. audit_log is
-- append-only: each row's hash covers the previous row's hash and its own
-- fields, so an edit, a deletion or an insertion breaks the chain. Its id
-- is the row's place in the chain, given by the writer under a lock, and
-- before/after are kept as the exact JSON text that was hashed.
CREATE TABLE api_keys (
	id           text NOT NULL,
	department   text NOT NULL,
	role         text NOT NULL,
	name         text NOT NULL DEFAULT '',
	prefix       text NOT NULL,
	hash         text NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER,
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_department ON api_keys (department, created_at);

CREATE TABLE users (
	id            text NOT NULL,
	department    text NOT NULL,
	role          text NOT NULL,
	login         text NOT NULL,
	display_name  text NOT NULL DEFAULT '',
	password_hash text NOT NULL,
	created_at    INTEGER NOT NULL,
	disabled_at   INTEGER,
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_login ON users (login);
CREATE INDEX users_department ON users (department, login);

CREATE TABLE audit_log (
	id         INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	department text NOT NULL,
	actor      text NOT NULL,
	key_id     text NOT NULL DEFAULT '',
	action     text NOT NULL,
	target     text NOT NULL DEFAULT '',
	before     text,
	after      text,
	prev_hash  text NOT NULL,
	hash       text NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX audit_log_department ON audit_log (department, id);
