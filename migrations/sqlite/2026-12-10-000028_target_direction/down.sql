ALTER TABLE targets DROP COLUMN actual_on;
ALTER TABLE targets DROP COLUMN planned_max;
ALTER TABLE targets DROP COLUMN direction;
