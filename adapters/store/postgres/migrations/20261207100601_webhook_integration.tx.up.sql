-- A producer that knows only a case's integration (the escalation job)
-- queues a delivery with an empty department; the deliverer finds the
-- department from the configuration. (For a while main carried this column
-- in 20261207100600 itself; IF NOT EXISTS serves those databases too.)
ALTER TABLE webhook_deliveries ALTER COLUMN department SET DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS integration_id text NOT NULL DEFAULT '';

-- The webhook's sweep reads the handoffs of the last minutes by time, to
-- catch one whose step committed after the tail had read past its id.
CREATE INDEX events_webhook_at ON events (at) WHERE kind IN ('handoff', 'handoff_message');
