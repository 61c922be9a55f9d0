-- Has each range of blocks of the reports' block-range indexes summarised
-- as soon as it fills: a range not summarised yet (until the next vacuum)
-- matches every query, and a day's roll-up read the whole table.
ALTER INDEX messages_at_brin SET (autosummarize = on);
ALTER INDEX outbox_created_brin SET (autosummarize = on);
ALTER INDEX conversations_opened_brin SET (autosummarize = on);
