-- Finding a task by any part of its title without reading every task: a
-- trigram index over the folded title (FTS5, kept in step by triggers), as
-- for households. PostgreSQL uses pg_trgm for the same.
CREATE VIRTUAL TABLE tasks_fts USING fts5(
    search_text,
    content = 'tasks',
    content_rowid = 'id',
    tokenize = 'trigram'
);
CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF search_text ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO tasks_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
