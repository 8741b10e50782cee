ALTER TABLE households DROP COLUMN version;
