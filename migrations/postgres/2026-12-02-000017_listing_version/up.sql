-- A second version number, raised by every change to what lists count and
-- offer and search finds (tasks, their units, categories and members,
-- households' names and tasks, people's names, units and roles) but not by
-- visits, which change none of it. The task list's totals, its unit, owner
-- and category choices, and search's matches are kept per instance at this
-- version (`src/cache.rs`), so teams logging visits do not invalidate them.
-- Triggers raise it whatever code makes the change, once per statement.
CREATE TABLE listing_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO listing_version (id, version) VALUES (1, 0);

CREATE FUNCTION listing_version_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER listing_version_tasks AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_units AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_members
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON task_members
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_households
    AFTER INSERT OR UPDATE OF task_id, head_name, search_text OR DELETE OR TRUNCATE ON households
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_categories
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON task_categories
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_users
    AFTER INSERT OR UPDATE OF full_name, unit_id, active OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
CREATE TRIGGER listing_version_grants
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION listing_version_raise();
