-- A producer that knows only a case's integration (the escalation job)
-- queues a delivery with an empty department; the deliverer finds the
-- department from the configuration.
ALTER TABLE webhook_deliveries ALTER COLUMN department SET DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN integration_id text NOT NULL DEFAULT '';
