DROP TABLE visit_photos;
DROP INDEX visits_device_idx;
ALTER TABLE visits DROP COLUMN accuracy_m;
ALTER TABLE visits DROP COLUMN longitude;
ALTER TABLE visits DROP COLUMN latitude;
ALTER TABLE visits DROP COLUMN made_at;
ALTER TABLE visits DROP COLUMN device_id;
