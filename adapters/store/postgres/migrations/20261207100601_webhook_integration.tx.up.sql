-- A producer that knows only a case's integration (the escalation job)
-- queues a delivery with an empty department; the deliverer finds the
-- department from the configuration. (For a while main carried this column
-- in 20261207100600 itself; IF NOT EXISTS serves those databases too.)
ALTER TABLE webhook_deliveries ALTER COLUMN department SET DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS integration_id text NOT NULL DEFAULT '';
