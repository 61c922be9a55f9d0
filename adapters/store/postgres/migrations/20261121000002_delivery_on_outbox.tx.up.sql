-- Drops the history's index of outbound wamids: an outbound message's wamid and delivery status
-- live only on its outbox row (History reads them from there).
DROP INDEX IF EXISTS messages_out_wamid;
