-- Finding a task by any part of its title without reading every task: a
-- trigram index that serves LIKE '%…%' (SQLite uses FTS5).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX tasks_search_trgm ON tasks USING gin (search_text gin_trgm_ops);
