-- Finding a household by any part of its head's name without reading every
-- household: a trigram index that serves LIKE '%…%' (SQLite uses FTS5).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX households_search_trgm ON households USING gin (search_text gin_trgm_ops);
