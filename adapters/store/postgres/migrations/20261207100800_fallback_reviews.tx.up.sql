-- An officer's verdict on what the fallback told a citizen (or on a
-- question it could not answer): right, wrong, or to be added to the
-- knowledge base, with a note. One verdict per event; a new one replaces it.
CREATE TABLE fallback_reviews (
	integration_id text NOT NULL,
	event_id       bigint NOT NULL,
	verdict        text NOT NULL,
	note           text NOT NULL DEFAULT '',
	reviewer       text NOT NULL DEFAULT '',
	reviewed_at    timestamptz NOT NULL,
	PRIMARY KEY (integration_id, event_id)
);
