-- Finding a household by any part of its head's name without reading every
-- household: a trigram index over the folded name (FTS5, kept in step by
-- triggers). PostgreSQL uses pg_trgm for the same.
CREATE VIRTUAL TABLE households_fts USING fts5(
    search_text,
    content = 'households',
    content_rowid = 'id',
    tokenize = 'trigram'
);
CREATE TRIGGER households_fts_insert AFTER INSERT ON households BEGIN
    INSERT INTO households_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER households_fts_delete AFTER DELETE ON households BEGIN
    INSERT INTO households_fts (households_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER households_fts_update AFTER UPDATE OF search_text ON households BEGIN
    INSERT INTO households_fts (households_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO households_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
INSERT INTO households_fts (households_fts) VALUES ('rebuild');
