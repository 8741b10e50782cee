DROP TRIGGER households_fts_update;
DROP TRIGGER households_fts_delete;
DROP TRIGGER households_fts_insert;
DROP TABLE households_fts;
