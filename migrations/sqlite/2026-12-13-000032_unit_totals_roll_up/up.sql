-- The per-unit figures of migration 30 rolled up: each unit's rows hold its
-- whole subtree, so a province's dashboard reads its own few dozen rows
-- instead of adding up every unit's (3,400 households rows and 3,100 days of
-- last visits at a province's scale). Every delta goes to the unit and to
-- each unit above it, found in `unit_ancestors` (a unit and every unit on its
-- path, itself included), which triggers on units keep as units are made.
-- A unit moved to another parent rewrites its subtree's paths and rebuilds
-- the ancestors and these figures (`db::unit_totals::rebuild`).

CREATE TABLE unit_ancestors (
    unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    ancestor_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    PRIMARY KEY (unit_id, ancestor_id)
) WITHOUT ROWID;
CREATE INDEX unit_ancestors_ancestor_idx ON unit_ancestors (ancestor_id);
INSERT INTO unit_ancestors (unit_id, ancestor_id)
    SELECT u.id, a.id FROM units u JOIN units a
    ON a.path <> '' AND substr(u.path, 1, length(a.path)) = a.path;

-- A dashboard reads the rows of its units: by unit first.
CREATE INDEX unit_visit_month_totals_unit_idx ON unit_visit_month_totals (unit_id, month);
CREATE INDEX unit_waiting_last_visits_unit_idx ON unit_waiting_last_visits (unit_id, last_visit_on);

-- A unit is made with an empty path, then given its own (`db::units::create`).
CREATE TRIGGER unit_totals_ancestors_insert AFTER INSERT ON units WHEN new.path <> '' BEGIN
    INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT new.id, a.id FROM units a
        WHERE a.path <> '' AND substr(new.path, 1, length(a.path)) = a.path;
END;
CREATE TRIGGER unit_totals_ancestors_update AFTER UPDATE OF path ON units
WHEN old.path IS NOT new.path BEGIN
    DELETE FROM unit_ancestors WHERE unit_id = new.id;
    INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT new.id, a.id FROM units a
        WHERE a.path <> '' AND substr(new.path, 1, length(a.path)) = a.path;
END;

DROP TRIGGER unit_totals_stage_insert;
DROP TRIGGER unit_totals_stage_update;
DROP TRIGGER unit_totals_stage_delete;
DROP TRIGGER unit_totals_month_insert;
DROP TRIGGER unit_totals_month_update;
DROP TRIGGER unit_totals_month_delete;
DROP TRIGGER unit_totals_household_insert;
DROP TRIGGER unit_totals_household_update;
DROP TRIGGER unit_totals_household_delete;
DROP TRIGGER unit_totals_task_insert;
DROP TRIGGER unit_totals_task_update;
DROP TRIGGER unit_totals_task_delete;

-- From the per-task totals.
CREATE TRIGGER unit_totals_stage_insert AFTER INSERT ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, t.status, t.consented_stages, new.stage, new.households, new.area_m2
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = new.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;
CREATE TRIGGER unit_totals_stage_update AFTER UPDATE ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, t.status, t.consented_stages, old.stage, -old.households, -old.area_m2
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = old.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, t.status, t.consented_stages, new.stage, new.households, new.area_m2
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = new.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;
CREATE TRIGGER unit_totals_stage_delete AFTER DELETE ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, t.status, t.consented_stages, old.stage, -old.households, -old.area_m2
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = old.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;

CREATE TRIGGER unit_totals_month_insert AFTER INSERT ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, new.month, new.visits
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = new.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;
CREATE TRIGGER unit_totals_month_update AFTER UPDATE ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, old.month, -old.visits
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = old.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, new.month, new.visits
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = new.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;
CREATE TRIGGER unit_totals_month_delete AFTER DELETE ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, old.month, -old.visits
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = old.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;

-- From households: waiting households by the day of their last visit.
CREATE TRIGGER unit_totals_household_insert AFTER INSERT ON households
WHEN new.last_visit_on IS NOT NULL AND new.stage NOT IN ('handed_over', 'enforcement', 'done') BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT new.last_visit_on, a.ancestor_id, 1
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE t.id = new.task_id AND t.status IN ('registered', 'in_progress')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_household_update AFTER UPDATE OF task_id, stage, last_visit_on ON households
WHEN old.task_id <> new.task_id OR old.stage <> new.stage
     OR old.last_visit_on IS NOT new.last_visit_on BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT old.last_visit_on, a.ancestor_id, -1
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE t.id = old.task_id AND t.status IN ('registered', 'in_progress')
          AND old.last_visit_on IS NOT NULL AND old.stage NOT IN ('handed_over', 'enforcement', 'done')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT new.last_visit_on, a.ancestor_id, 1
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE t.id = new.task_id AND t.status IN ('registered', 'in_progress')
          AND new.last_visit_on IS NOT NULL AND new.stage NOT IN ('handed_over', 'enforcement', 'done')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_household_delete AFTER DELETE ON households
WHEN old.last_visit_on IS NOT NULL AND old.stage NOT IN ('handed_over', 'enforcement', 'done') BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT old.last_visit_on, a.ancestor_id, -1
        FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE t.id = old.task_id AND t.status IN ('registered', 'in_progress')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;

-- From tasks: the old key's figures taken away from the old unit and those
-- above it, the new key's added to the new ones.
CREATE TRIGGER unit_totals_task_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        SELECT ancestor_id, new.status, new.category_id, 1
        FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + 1;
END;
CREATE TRIGGER unit_totals_task_update AFTER UPDATE OF unit_id, status, category_id, consented_stages ON tasks
WHEN old.unit_id <> new.unit_id OR old.status <> new.status
     OR old.category_id <> new.category_id OR old.consented_stages <> new.consented_stages BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        SELECT ancestor_id, old.status, old.category_id, -1
        FROM unit_ancestors WHERE unit_id = old.unit_id
        UNION ALL
        SELECT ancestor_id, new.status, new.category_id, 1
        FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + excluded.tasks;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, old.status, old.consented_stages, h.stage, -h.households, -h.area_m2
        FROM household_stage_totals h JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE h.task_id = old.id
        UNION ALL
        SELECT a.ancestor_id, new.status, new.consented_stages, h.stage, h.households, h.area_m2
        FROM household_stage_totals h JOIN unit_ancestors a ON a.unit_id = new.unit_id
        WHERE h.task_id = new.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, v.month, -v.visits
        FROM visit_month_totals v JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE v.task_id = old.id AND old.unit_id <> new.unit_id
        UNION ALL
        SELECT a.ancestor_id, v.month, v.visits
        FROM visit_month_totals v JOIN unit_ancestors a ON a.unit_id = new.unit_id
        WHERE v.task_id = new.id AND old.unit_id <> new.unit_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT h.last_visit_on, a.ancestor_id, -count(*)
        FROM households h JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE h.task_id = old.id AND h.last_visit_on IS NOT NULL
          AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
          AND old.status IN ('registered', 'in_progress')
          AND (old.unit_id <> new.unit_id OR old.status <> new.status)
        GROUP BY h.last_visit_on, a.ancestor_id
        UNION ALL
        SELECT h.last_visit_on, a.ancestor_id, count(*)
        FROM households h JOIN unit_ancestors a ON a.unit_id = new.unit_id
        WHERE h.task_id = new.id AND h.last_visit_on IS NOT NULL
          AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
          AND new.status IN ('registered', 'in_progress')
          AND (old.unit_id <> new.unit_id OR old.status <> new.status)
        GROUP BY h.last_visit_on, a.ancestor_id
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_task_delete BEFORE DELETE ON tasks BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        SELECT ancestor_id, old.status, old.category_id, -1
        FROM unit_ancestors WHERE unit_id = old.unit_id
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + excluded.tasks;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, old.status, old.consented_stages, h.stage, -h.households, -h.area_m2
        FROM household_stage_totals h JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE h.task_id = old.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT a.ancestor_id, v.month, -v.visits
        FROM visit_month_totals v JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE v.task_id = old.id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT h.last_visit_on, a.ancestor_id, -count(*)
        FROM households h JOIN unit_ancestors a ON a.unit_id = old.unit_id
        WHERE h.task_id = old.id AND h.last_visit_on IS NOT NULL
          AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
          AND old.status IN ('registered', 'in_progress')
        GROUP BY h.last_visit_on, a.ancestor_id
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;

DELETE FROM unit_task_totals;
DELETE FROM unit_stage_totals;
DELETE FROM unit_visit_month_totals;
DELETE FROM unit_waiting_last_visits;
INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
    SELECT a.ancestor_id, t.status, t.category_id, count(*)
    FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
    GROUP BY a.ancestor_id, t.status, t.category_id;
INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
    SELECT a.ancestor_id, t.status, t.consented_stages, h.stage, sum(h.households), sum(h.area_m2)
    FROM household_stage_totals h JOIN tasks t ON t.id = h.task_id
    JOIN unit_ancestors a ON a.unit_id = t.unit_id
    GROUP BY a.ancestor_id, t.status, t.consented_stages, h.stage;
INSERT INTO unit_visit_month_totals (unit_id, month, visits)
    SELECT a.ancestor_id, v.month, sum(v.visits)
    FROM visit_month_totals v JOIN tasks t ON t.id = v.task_id
    JOIN unit_ancestors a ON a.unit_id = t.unit_id
    GROUP BY a.ancestor_id, v.month;
INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
    SELECT h.last_visit_on, a.ancestor_id, count(*)
    FROM households h JOIN tasks t ON t.id = h.task_id
    JOIN unit_ancestors a ON a.unit_id = t.unit_id
    WHERE h.last_visit_on IS NOT NULL AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
      AND t.status IN ('registered', 'in_progress')
    GROUP BY h.last_visit_on, a.ancestor_id;
