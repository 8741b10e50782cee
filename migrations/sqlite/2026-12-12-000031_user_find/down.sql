DROP INDEX users_unfilled;
ALTER TABLE users DROP COLUMN find_name;
