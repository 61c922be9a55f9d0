-- Postgres's block-range indexes learn to summarise themselves in this
-- migration; SQLite has none, and nothing changes here.
SELECT 1;
