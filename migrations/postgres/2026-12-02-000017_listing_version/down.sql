DROP TRIGGER listing_version_households ON households;
DROP TRIGGER listing_version_members ON task_members;
DROP TRIGGER listing_version_units ON units;
DROP TRIGGER listing_version_tasks ON tasks;
DROP FUNCTION listing_version_raise();
DROP TABLE listing_version;
