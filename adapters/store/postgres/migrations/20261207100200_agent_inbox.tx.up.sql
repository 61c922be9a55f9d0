-- The agent inbox. A history row's actor names the staff member who sent
-- it ('' for the bot and the citizen). A conversation handed to people
-- carries who it is assigned to, the case it is linked to, how far the
-- agents have read (read_seq, a history seq), when an agent first answered,
-- when the citizen was reminded that a person will answer, who closed it
-- (an agent, as opposed to the bot's own end of a conversation), when and
-- by whom it was archived (it reopens when the citizen writes after that)
-- and when it last changed (what the live event stream polls).
ALTER TABLE messages ADD COLUMN actor text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN assigned_to text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN case_ref text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN read_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN first_response_at timestamptz;
ALTER TABLE conversations ADD COLUMN reminded_at timestamptz;
ALTER TABLE conversations ADD COLUMN closed_by text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN archived_at timestamptz;
ALTER TABLE conversations ADD COLUMN archived_by text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN changed_at timestamptz;
CREATE INDEX conversations_changed ON conversations (integration_id, changed_at);
CREATE INDEX conversations_recent ON conversations (integration_id, opened_at, contact_id, seq);
