DROP INDEX households_parcel;
DROP INDEX households_find_trgm;
DROP INDEX households_unfilled;
DROP INDEX households_phone;
ALTER TABLE households DROP COLUMN phone_digits;
ALTER TABLE households DROP COLUMN find_text;
UPDATE task_categories SET is_site_clearance = FALSE WHERE code = 'relocation';
