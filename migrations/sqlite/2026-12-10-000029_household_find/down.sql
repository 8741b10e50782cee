DROP INDEX households_parcel;
DROP TRIGGER households_find_fts_update;
DROP TRIGGER households_find_fts_delete;
DROP TRIGGER households_find_fts_insert;
DROP TABLE households_find_fts;
ALTER TABLE households DROP COLUMN find_text;
