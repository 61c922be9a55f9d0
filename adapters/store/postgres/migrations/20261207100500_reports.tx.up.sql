-- Reports. report_days holds each closed day's figures per integration, in
-- one time zone (zone), as rows of a metric: messages in and out, citizens,
-- flow starts and completions, the nodes of a funnel, reply times and API
-- call latencies as histograms (bucket), failed sends by error code.
-- report_rolled marks the days whose figures are complete; a day without a
-- mark is counted from the raw tables when asked. report_leases lets one
-- process at a time roll days up.
CREATE TABLE report_days (
	integration_id text NOT NULL,
	zone           text NOT NULL,
	day            text NOT NULL,
	metric         text NOT NULL,
	flow           text NOT NULL DEFAULT '',
	key            text NOT NULL DEFAULT '',
	bucket         bigint NOT NULL DEFAULT 0,
	n              bigint NOT NULL,
	total          bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (zone, metric, integration_id, day, flow, key, bucket)
);
CREATE TABLE report_rolled (
	integration_id text NOT NULL,
	zone           text NOT NULL,
	day            text NOT NULL,
	rolled_at      timestamptz NOT NULL,
	PRIMARY KEY (integration_id, zone, day)
);
CREATE TABLE report_leases (
	name   text PRIMARY KEY,
	holder text NOT NULL,
	until  timestamptz NOT NULL
);
-- conversations.first_response_at (when an agent first answered) comes with
-- the agent inbox, 20261207100200.
-- Rows are written in time order, so block-range indexes find a day's rows
-- for the roll-up at almost no cost to the writes. Each range of blocks is
-- summarised as soon as it fills (autosummarize): a range not summarised
-- yet matches every query, and a day's roll-up would read the whole table.
CREATE INDEX messages_at_brin ON messages USING brin (at) WITH (autosummarize = on);
CREATE INDEX outbox_created_brin ON outbox USING brin (created_at) WITH (autosummarize = on);
CREATE INDEX conversations_opened_brin ON conversations USING brin (opened_at) WITH (autosummarize = on);
CREATE INDEX contacts_first_seen ON contacts (integration_id, first_seen);
-- The cases report's range scans use grievances_case_list (integration_id,
-- created_at, reference), made by 20261207100300_case_lifecycle.
