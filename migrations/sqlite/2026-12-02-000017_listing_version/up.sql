-- A second version number, raised by every change to what lists count and
-- offer and search finds (tasks, their units, categories and members,
-- households' names and tasks, people's names, units and roles) but not by
-- visits, which change none of it. The task list's totals, its unit, owner
-- and category choices, and search's matches are kept per instance at this
-- version (`src/cache.rs`), so teams logging visits do not invalidate them.
-- Triggers raise it whatever code makes the change.
CREATE TABLE listing_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO listing_version (id, version) VALUES (1, 0);

CREATE TRIGGER listing_version_tasks_insert AFTER INSERT ON tasks BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_tasks_update AFTER UPDATE ON tasks BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_tasks_delete AFTER DELETE ON tasks BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_units_insert AFTER INSERT ON units BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_units_update AFTER UPDATE ON units BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_units_delete AFTER DELETE ON units BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_members_insert AFTER INSERT ON task_members BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_members_update AFTER UPDATE ON task_members BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_members_delete AFTER DELETE ON task_members BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_households_insert AFTER INSERT ON households BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_households_update
    AFTER UPDATE OF task_id, head_name, search_text ON households BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_households_delete AFTER DELETE ON households BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_categories_insert AFTER INSERT ON task_categories BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_categories_update AFTER UPDATE ON task_categories BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_categories_delete AFTER DELETE ON task_categories BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_users_insert AFTER INSERT ON users BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_users_update AFTER UPDATE OF full_name, unit_id, active ON users BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_users_delete AFTER DELETE ON users BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_grants_insert AFTER INSERT ON role_grants BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_grants_update AFTER UPDATE ON role_grants BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_version_grants_delete AFTER DELETE ON role_grants BEGIN
    UPDATE listing_version SET version = version + 1 WHERE id = 1;
END;
