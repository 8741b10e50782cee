DROP TRIGGER listing_version_grants ON role_grants;
DROP TRIGGER listing_version_users ON users;
DROP TRIGGER listing_version_categories ON task_categories;
DROP TRIGGER listing_version_households ON households;
DROP TRIGGER listing_version_members ON task_members;
DROP TRIGGER listing_version_units ON units;
DROP TRIGGER listing_version_tasks ON tasks;
DROP FUNCTION listing_version_raise();
DROP TABLE listing_version;
