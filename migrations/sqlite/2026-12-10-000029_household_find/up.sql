-- Finding a household by where it is and how to reach it: its residential
-- group, its address and the digits of its phone, folded as names are
-- ("to dan pho so 1 | so 2, ngo 10 | 0912345678"), filled by the app.
ALTER TABLE households ADD COLUMN find_text TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE households_find_fts USING fts5(
    find_text,
    content = 'households',
    content_rowid = 'id',
    tokenize = 'trigram'
);
CREATE TRIGGER households_find_fts_insert AFTER INSERT ON households BEGIN
    INSERT INTO households_find_fts (rowid, find_text) VALUES (new.id, new.find_text);
END;
CREATE TRIGGER households_find_fts_delete AFTER DELETE ON households BEGIN
    INSERT INTO households_find_fts (households_find_fts, rowid, find_text)
        VALUES ('delete', old.id, old.find_text);
END;
CREATE TRIGGER households_find_fts_update AFTER UPDATE OF find_text ON households BEGIN
    INSERT INTO households_find_fts (households_find_fts, rowid, find_text)
        VALUES ('delete', old.id, old.find_text);
    INSERT INTO households_find_fts (rowid, find_text) VALUES (new.id, new.find_text);
END;
INSERT INTO households_find_fts (households_find_fts) VALUES ('rebuild');
-- A parcel is looked up by its number ("thửa 141", "141/20").
CREATE INDEX households_parcel ON households (parcel_no, map_sheet);
