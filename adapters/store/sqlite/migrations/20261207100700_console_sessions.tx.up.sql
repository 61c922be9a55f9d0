-- A console session: who signed in to the web console, until when. The
-- session's id is never stored, only its SHA-256 (id_hash), so that a copy
-- of the database does not let anyone act as a signed-in officer. Times are
-- microseconds since 1970.
CREATE TABLE console_sessions (
    id_hash     text PRIMARY KEY,
    user_id     text NOT NULL,
    actor       text NOT NULL,
    role        text NOT NULL,
    department  text NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
