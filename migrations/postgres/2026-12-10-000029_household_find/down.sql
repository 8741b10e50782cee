DROP INDEX households_parcel;
DROP INDEX households_find_trgm;
ALTER TABLE households DROP COLUMN find_text;
