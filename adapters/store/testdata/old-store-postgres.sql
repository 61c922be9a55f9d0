-- A Postgres schema as the store made it before the driver split (commit
-- 84bd7ec, all six migrations), with a little of everything in it:
-- pg_dump --inserts of a schema written by that code's public API. {{SCHEMA}}
-- stands for the test's schema. See TestOpensADatabaseOfTheOldStore.
--
-- PostgreSQL database dump
--

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: {{SCHEMA}}; Type: SCHEMA; Schema: -; Owner: -
--

--
-- Name: lock_outbound_wamids(text[]); Type: PROCEDURE; Schema: {{SCHEMA}}; Owner: -
--

CREATE PROCEDURE {{SCHEMA}}.lock_outbound_wamids(IN wamids text[])
    LANGUAGE plpgsql
    AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7261, k)
	FROM (SELECT DISTINCT hashtext(w) AS k FROM unnest(wamids) AS w ORDER BY 1) AS ordered;
END
$$;

--
-- Name: mark_outbox_sent(bigint[], text[], timestamp with time zone[]); Type: FUNCTION; Schema: {{SCHEMA}}; Owner: -
--

CREATE FUNCTION {{SCHEMA}}.mark_outbox_sent(ids bigint[], wamids text[], ats timestamp with time zone[]) RETURNS TABLE(n integer, has_next boolean)
    LANGUAGE plpgsql
    AS $$
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

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: bun_migration_locks; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.bun_migration_locks (
    id bigint NOT NULL,
    table_name character varying
);

--
-- Name: bun_migration_locks_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

CREATE SEQUENCE {{SCHEMA}}.bun_migration_locks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: bun_migration_locks_id_seq; Type: SEQUENCE OWNED BY; Schema: {{SCHEMA}}; Owner: -
--

ALTER SEQUENCE {{SCHEMA}}.bun_migration_locks_id_seq OWNED BY {{SCHEMA}}.bun_migration_locks.id;

--
-- Name: bun_migrations; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.bun_migrations (
    id bigint NOT NULL,
    name character varying,
    group_id bigint,
    migrated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: bun_migrations_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

CREATE SEQUENCE {{SCHEMA}}.bun_migrations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: bun_migrations_id_seq; Type: SEQUENCE OWNED BY; Schema: {{SCHEMA}}; Owner: -
--

ALTER SEQUENCE {{SCHEMA}}.bun_migrations_id_seq OWNED BY {{SCHEMA}}.bun_migrations.id;

--
-- Name: contacts; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.contacts (
    id text NOT NULL,
    integration_id text NOT NULL,
    key text NOT NULL,
    wa_id text DEFAULT ''::text NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    profile_name text DEFAULT ''::text NOT NULL,
    username text DEFAULT ''::text NOT NULL,
    language text DEFAULT ''::text NOT NULL,
    opted_out boolean DEFAULT false NOT NULL,
    version bigint DEFAULT 0 NOT NULL,
    steps bigint DEFAULT 0 NOT NULL,
    conversations integer DEFAULT 0 NOT NULL,
    msg_seq bigint DEFAULT 0 NOT NULL,
    hold_until timestamp with time zone,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0.02');

--
-- Name: conversations; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.conversations (
    contact_id text NOT NULL,
    seq integer NOT NULL,
    integration_id text NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    closed_at timestamp with time zone,
    handoff_queue text DEFAULT ''::text NOT NULL,
    handoff_reason text DEFAULT ''::text NOT NULL,
    handoff_at timestamp with time zone
);

--
-- Name: event_log; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.event_log (
    id bigint NOT NULL,
    integration_id text NOT NULL,
    level text NOT NULL,
    kind text NOT NULL,
    message text DEFAULT ''::text NOT NULL,
    data bytea,
    at timestamp with time zone NOT NULL
);

--
-- Name: event_log_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE {{SCHEMA}}.event_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME {{SCHEMA}}.event_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: events; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.events (
    id bigint NOT NULL,
    contact_id text NOT NULL,
    integration_id text NOT NULL,
    conversation integer NOT NULL,
    kind text NOT NULL,
    flow text DEFAULT ''::text NOT NULL,
    node text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    at timestamp with time zone NOT NULL
);

--
-- Name: events_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE {{SCHEMA}}.events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME {{SCHEMA}}.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: flow_versions; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.flow_versions (
    flow_id text NOT NULL,
    version text NOT NULL,
    source bytea NOT NULL,
    first_seen timestamp with time zone NOT NULL
);

--
-- Name: grievances; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.grievances (
    integration_id text NOT NULL,
    reference text NOT NULL,
    contact_id text DEFAULT ''::text NOT NULL,
    category text DEFAULT ''::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    pin_code text DEFAULT ''::text NOT NULL,
    latitude double precision,
    longitude double precision,
    location_name text DEFAULT ''::text NOT NULL,
    location_address text DEFAULT ''::text NOT NULL,
    attachments bytea,
    status text NOT NULL,
    due_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: inbox; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.inbox (
    id bigint NOT NULL,
    contact_id text NOT NULL,
    wamid text NOT NULL,
    integration_id text NOT NULL,
    type text DEFAULT ''::text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    wa_ts timestamp with time zone NOT NULL,
    received_at timestamp with time zone NOT NULL,
    arrival bigint NOT NULL,
    input bytea,
    raw bytea,
    wa_id text DEFAULT ''::text NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    profile_name text DEFAULT ''::text NOT NULL,
    username text DEFAULT ''::text NOT NULL,
    state smallint DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    done_at timestamp with time zone
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='5000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='20000');

--
-- Name: inbox_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE {{SCHEMA}}.inbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME {{SCHEMA}}.inbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: integrations; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.integrations (
    id text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    phone_number_id text DEFAULT ''::text NOT NULL,
    settings bytea,
    access_token bytea,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: messages; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.messages (
    contact_id text NOT NULL,
    seq bigint NOT NULL,
    conversation integer NOT NULL,
    integration_id text NOT NULL,
    direction text NOT NULL,
    wamid text,
    type text DEFAULT ''::text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    status smallint DEFAULT 0 NOT NULL,
    error_code integer,
    error_title text,
    error_details text,
    at timestamp with time zone NOT NULL,
    status_at timestamp with time zone
);

--
-- Name: outbox; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.outbox (
    id bigint NOT NULL,
    contact_id text NOT NULL,
    seq bigint NOT NULL,
    integration_id text NOT NULL,
    wa_id text DEFAULT ''::text NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    conversation integer NOT NULL,
    type text DEFAULT ''::text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    payload bytea NOT NULL,
    status smallint DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    claims integer DEFAULT 0 NOT NULL,
    due_at timestamp with time zone NOT NULL,
    lease_until timestamp with time zone,
    provider_wamid text,
    error_code integer,
    error_title text,
    error_details text,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    status_at timestamp with time zone,
    is_open boolean DEFAULT true NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='5000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='20000', fillfactor='70');

--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE {{SCHEMA}}.outbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME {{SCHEMA}}.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sessions; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.sessions (
    contact_id text NOT NULL,
    state bytea,
    checksum bigint DEFAULT 0 NOT NULL,
    flow_id text DEFAULT ''::text NOT NULL,
    flow_version text DEFAULT ''::text NOT NULL,
    conversation integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone
)
WITH (autovacuum_vacuum_scale_factor='0.02');

--
-- Name: statuses; Type: TABLE; Schema: {{SCHEMA}}; Owner: -
--

CREATE TABLE {{SCHEMA}}.statuses (
    wamid text NOT NULL,
    status text NOT NULL,
    rank smallint NOT NULL,
    integration_id text NOT NULL,
    at timestamp with time zone NOT NULL,
    recipient text DEFAULT ''::text NOT NULL,
    error_code integer,
    error_title text,
    error_details text,
    received_at timestamp with time zone NOT NULL
);

--
-- Name: bun_migration_locks id; Type: DEFAULT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.bun_migration_locks ALTER COLUMN id SET DEFAULT nextval('{{SCHEMA}}.bun_migration_locks_id_seq'::regclass);

--
-- Name: bun_migrations id; Type: DEFAULT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.bun_migrations ALTER COLUMN id SET DEFAULT nextval('{{SCHEMA}}.bun_migrations_id_seq'::regclass);

--
-- Data for Name: bun_migration_locks; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

--
-- Data for Name: bun_migrations; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.bun_migrations VALUES (1, '20260521000001', 1, '2026-12-07 04:48:18.141215+00');
INSERT INTO {{SCHEMA}}.bun_migrations VALUES (2, '20261121000001', 1, '2026-12-07 04:48:18.151799+00');
INSERT INTO {{SCHEMA}}.bun_migrations VALUES (3, '20261121000002', 1, '2026-12-07 04:48:18.155901+00');
INSERT INTO {{SCHEMA}}.bun_migrations VALUES (4, '20261121000003', 1, '2026-12-07 04:48:18.195754+00');
INSERT INTO {{SCHEMA}}.bun_migrations VALUES (5, '20261121000004', 1, '2026-12-07 04:48:18.202487+00');
INSERT INTO {{SCHEMA}}.bun_migrations VALUES (6, '20261121000005', 1, '2026-12-07 04:48:18.211011+00');

--
-- Data for Name: contacts; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.contacts VALUES ('city/919800000001', 'city', '919800000001', '919800000001', '', 'Citizen 919800000001', '', '', false, 1, 1, 1, 2, NULL, '2026-11-21 09:00:00+00', '2026-11-21 09:00:01+00');
INSERT INTO {{SCHEMA}}.contacts VALUES ('city/919800000002', 'city', '919800000002', '919800000002', '', 'Citizen 919800000002', '', '', false, 1, 1, 1, 2, NULL, '2026-11-21 09:00:00+00', '2026-11-21 09:00:02+00');
INSERT INTO {{SCHEMA}}.contacts VALUES ('city/919800000003', 'city', '919800000003', '919800000003', '', 'Citizen 919800000003', '', '', false, 1, 0, 1, 2, NULL, '2026-11-21 09:00:00+00', '2026-11-21 09:00:00+00');

--
-- Data for Name: conversations; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.conversations VALUES ('city/919800000001', 1, 'city', '2026-11-21 09:00:00+00', NULL, '', '', NULL);
INSERT INTO {{SCHEMA}}.conversations VALUES ('city/919800000002', 1, 'city', '2026-11-21 09:00:00+00', NULL, '', '', NULL);
INSERT INTO {{SCHEMA}}.conversations VALUES ('city/919800000003', 1, 'city', '2026-11-21 09:00:00+00', NULL, '', '', NULL);

--
-- Data for Name: event_log; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.event_log OVERRIDING SYSTEM VALUE VALUES (1, 'city', 'warn', 'webhook_note', 'old note', NULL, '2026-11-21 09:00:00+00');
INSERT INTO {{SCHEMA}}.event_log OVERRIDING SYSTEM VALUE VALUES (2, 'city', 'error', 'message_parked', 'message wamid.in.3 of contact city/********0003 parked after 1 attempts; an apology was queued: engine cannot handle this message', NULL, '2026-11-21 09:00:00+00');

--
-- Data for Name: events; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.events OVERRIDING SYSTEM VALUE VALUES (1, 'city/919800000001', 'city', 1, 'flow_started', 'main', 'start', '', '2026-11-21 09:00:00+00');
INSERT INTO {{SCHEMA}}.events OVERRIDING SYSTEM VALUE VALUES (2, 'city/919800000002', 'city', 1, 'flow_started', 'main', 'start', '', '2026-11-21 09:00:00+00');

--
-- Data for Name: flow_versions; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.flow_versions VALUES ('main', 'v1', '\x666c6f773a206d61696e', '2026-11-21 09:00:00+00');

--
-- Data for Name: grievances; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.grievances VALUES ('city', 'GRV-26-OLD1-AA', 'city/919800000002', 'roads', 'pothole on MG road', '560001', 12.97, 77.59, 'MG Road', '', NULL, 'open', NULL, '2026-11-21 09:00:00+00', '2026-11-21 09:00:00+00');

--
-- Data for Name: inbox; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.inbox OVERRIDING SYSTEM VALUE VALUES (1, 'city/919800000001', 'wamid.in.1', 'city', 'text', 'hello', '2026-11-21 09:00:01+00', '2026-11-21 09:00:00+00', 1795251600000000000, '\x68656c6c6f', '\x7b7d', '919800000001', '', 'Citizen 919800000001', '', 1, 0, '', '2026-11-21 09:00:00+00');
INSERT INTO {{SCHEMA}}.inbox OVERRIDING SYSTEM VALUE VALUES (2, 'city/919800000002', 'wamid.in.2', 'city', 'text', 'pothole', '2026-11-21 09:00:02+00', '2026-11-21 09:00:00+00', 1795251600000000001, '\x706f74686f6c65', '\x7b7d', '919800000002', '', 'Citizen 919800000002', '', 1, 0, '', '2026-11-21 09:00:00+00');
INSERT INTO {{SCHEMA}}.inbox OVERRIDING SYSTEM VALUE VALUES (3, 'city/919800000003', 'wamid.in.3', 'city', 'text', 'poison', '2026-11-21 09:00:03+00', '2026-11-21 09:00:00+00', 1795251600000000002, '\x706f69736f6e', '\x7b7d', '919800000003', '', 'Citizen 919800000003', '', 2, 1, 'engine cannot handle this message', '2026-11-21 09:00:00+00');

--
-- Data for Name: integrations; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.integrations VALUES ('city', 'City', '106540352242922', '\x7b226c616e67223a226869227d', '\x0125cc9635e041b3bc525a1eae42ded24fca282c4e436912f4fd0f21e05ccbd9c511380b4fc0669a422d69b6735c5f6bed06cc', '2026-11-21 09:00:00+00', '2026-11-21 09:00:00+00');

--
-- Data for Name: messages; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000001', 1, 1, 'city', 'in', 'wamid.in.1', 'text', 'hello', 0, NULL, NULL, NULL, '2026-11-21 09:00:01+00', NULL);
INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000001', 2, 1, 'city', 'out', NULL, 'text', 're hello', 0, NULL, NULL, NULL, '2026-11-21 09:00:00+00', NULL);
INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000002', 1, 1, 'city', 'in', 'wamid.in.2', 'text', 'pothole', 0, NULL, NULL, NULL, '2026-11-21 09:00:02+00', NULL);
INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000002', 2, 1, 'city', 'out', NULL, 'text', 're pothole', 0, NULL, NULL, NULL, '2026-11-21 09:00:00+00', NULL);
INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000003', 1, 1, 'city', 'in', 'wamid.in.3', 'text', 'poison', 5, NULL, NULL, NULL, '2026-11-21 09:00:03+00', NULL);
INSERT INTO {{SCHEMA}}.messages VALUES ('city/919800000003', 2, 1, 'city', 'out', NULL, 'text', 'sorry', 0, NULL, NULL, NULL, '2026-11-21 09:00:00+00', NULL);

--
-- Data for Name: outbox; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.outbox OVERRIDING SYSTEM VALUE VALUES (1, 'city/919800000001', 2, 'city', '919800000001', '', 1, 'text', 're hello', '\x72653a68656c6c6f', 3, 0, 1, '2026-11-21 09:00:00+00', NULL, 'wamid.out.1', NULL, NULL, NULL, '2026-11-21 09:00:00+00', '2026-11-21 09:00:00+00', '2026-11-21 09:01:00+00', false);
INSERT INTO {{SCHEMA}}.outbox OVERRIDING SYSTEM VALUE VALUES (2, 'city/919800000002', 2, 'city', '919800000002', '', 1, 'text', 're pothole', '\x72653a706f74686f6c65', 0, 0, 1, '2026-11-21 09:00:00+00', NULL, NULL, NULL, NULL, NULL, '2026-11-21 09:00:00+00', NULL, NULL, true);
INSERT INTO {{SCHEMA}}.outbox OVERRIDING SYSTEM VALUE VALUES (3, 'city/919800000003', 2, 'city', '919800000003', '', 1, 'text', 'sorry', '\x61706f6c6f677920666f7220393139383030303030303033', 0, 0, 1, '2026-11-21 09:00:00+00', NULL, NULL, NULL, NULL, NULL, '2026-11-21 09:00:00+00', NULL, NULL, true);

--
-- Data for Name: sessions; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.sessions VALUES ('city/919800000001', '\x73746174653a68656c6c6f', 481999971, 'main', 'v1', 1, '2026-11-21 09:00:00+00', '2026-11-22 09:00:00+00');
INSERT INTO {{SCHEMA}}.sessions VALUES ('city/919800000002', '\x73746174653a706f74686f6c65', 320258593, 'main', 'v1', 1, '2026-11-21 09:00:00+00', '2026-11-22 09:00:00+00');

--
-- Data for Name: statuses; Type: TABLE DATA; Schema: {{SCHEMA}}; Owner: -
--

INSERT INTO {{SCHEMA}}.statuses VALUES ('wamid.out.1', 'delivered', 3, 'city', '2026-11-21 09:01:00+00', '', NULL, NULL, NULL, '2026-11-21 09:00:00+00');

--
-- Name: bun_migration_locks_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.bun_migration_locks_id_seq', 1, false);

--
-- Name: bun_migrations_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.bun_migrations_id_seq', 6, true);

--
-- Name: event_log_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.event_log_id_seq', 2, true);

--
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.events_id_seq', 2, true);

--
-- Name: inbox_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.inbox_id_seq', 3, true);

--
-- Name: outbox_id_seq; Type: SEQUENCE SET; Schema: {{SCHEMA}}; Owner: -
--

SELECT pg_catalog.setval('{{SCHEMA}}.outbox_id_seq', 3, true);

--
-- Name: bun_migration_locks bun_migration_locks_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.bun_migration_locks
    ADD CONSTRAINT bun_migration_locks_pkey PRIMARY KEY (id);

--
-- Name: bun_migration_locks bun_migration_locks_table_name_key; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.bun_migration_locks
    ADD CONSTRAINT bun_migration_locks_table_name_key UNIQUE (table_name);

--
-- Name: bun_migrations bun_migrations_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.bun_migrations
    ADD CONSTRAINT bun_migrations_pkey PRIMARY KEY (id);

--
-- Name: contacts contacts_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (id);

--
-- Name: conversations conversations_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.conversations
    ADD CONSTRAINT conversations_pkey PRIMARY KEY (contact_id, seq);

--
-- Name: event_log event_log_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.event_log
    ADD CONSTRAINT event_log_pkey PRIMARY KEY (id);

--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (contact_id, id);

--
-- Name: flow_versions flow_versions_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.flow_versions
    ADD CONSTRAINT flow_versions_pkey PRIMARY KEY (flow_id, version);

--
-- Name: grievances grievances_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.grievances
    ADD CONSTRAINT grievances_pkey PRIMARY KEY (integration_id, reference);

--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (contact_id, wamid);

--
-- Name: integrations integrations_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.integrations
    ADD CONSTRAINT integrations_pkey PRIMARY KEY (id);

--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (contact_id, seq);

--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (contact_id, seq);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (contact_id);

--
-- Name: statuses statuses_pkey; Type: CONSTRAINT; Schema: {{SCHEMA}}; Owner: -
--

ALTER TABLE ONLY {{SCHEMA}}.statuses
    ADD CONSTRAINT statuses_pkey PRIMARY KEY (wamid, status);

--
-- Name: contacts_user_id; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX contacts_user_id ON {{SCHEMA}}.contacts USING btree (integration_id, user_id) WHERE (user_id <> ''::text);

--
-- Name: contacts_wa_id; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX contacts_wa_id ON {{SCHEMA}}.contacts USING btree (integration_id, wa_id);

--
-- Name: conversations_handoff; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX conversations_handoff ON {{SCHEMA}}.conversations USING btree (integration_id, handoff_at) WHERE ((handoff_at IS NOT NULL) AND (closed_at IS NULL));

--
-- Name: event_log_integration; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX event_log_integration ON {{SCHEMA}}.event_log USING btree (integration_id, id);

--
-- Name: events_integration_at; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX events_integration_at ON {{SCHEMA}}.events USING btree (integration_id, at);

--
-- Name: grievances_contact; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX grievances_contact ON {{SCHEMA}}.grievances USING btree (contact_id);

--
-- Name: grievances_status_due; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX grievances_status_due ON {{SCHEMA}}.grievances USING btree (integration_id, status, due_at);

--
-- Name: inbox_contact_pending; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX inbox_contact_pending ON {{SCHEMA}}.inbox USING btree (contact_id, id) WHERE (state = 0);

--
-- Name: inbox_parked; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX inbox_parked ON {{SCHEMA}}.inbox USING btree (id) WHERE (state = 2);

--
-- Name: inbox_pending; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX inbox_pending ON {{SCHEMA}}.inbox USING btree (id) WHERE (state = 0);

--
-- Name: integrations_phone_number_id; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE UNIQUE INDEX integrations_phone_number_id ON {{SCHEMA}}.integrations USING btree (phone_number_id) WHERE (phone_number_id <> ''::text);

--
-- Name: outbox_contact_open; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX outbox_contact_open ON {{SCHEMA}}.outbox USING btree (contact_id, seq) WHERE is_open;

--
-- Name: outbox_id; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX outbox_id ON {{SCHEMA}}.outbox USING btree (id);

--
-- Name: outbox_open; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX outbox_open ON {{SCHEMA}}.outbox USING btree (id) WHERE is_open;

--
-- Name: outbox_provider_wamid; Type: INDEX; Schema: {{SCHEMA}}; Owner: -
--

CREATE INDEX outbox_provider_wamid ON {{SCHEMA}}.outbox USING btree (provider_wamid) WHERE (provider_wamid IS NOT NULL);

--
-- PostgreSQL database dump complete
--

