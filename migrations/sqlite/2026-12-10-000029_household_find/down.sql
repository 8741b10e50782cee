DROP INDEX households_parcel;
DROP TRIGGER households_find_fts_update;
DROP TRIGGER households_find_fts_delete;
DROP TRIGGER households_find_fts_insert;
DROP TABLE households_find_fts;
DROP INDEX households_phone;
ALTER TABLE households DROP COLUMN phone_digits;
ALTER TABLE households DROP COLUMN find_text;
UPDATE task_categories SET is_site_clearance = 0 WHERE code = 'relocation';
