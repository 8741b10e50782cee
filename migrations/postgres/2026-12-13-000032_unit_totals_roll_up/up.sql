-- The per-unit figures of migration 30 rolled up: each unit's rows hold its
-- whole subtree, so a province's dashboard reads its own few dozen rows
-- instead of adding up every unit's (3,400 households rows and 3,100 days of
-- last visits at a province's scale). Every delta goes to the unit and to
-- each unit above it, found in `unit_ancestors` (a unit and every unit on its
-- path, itself included), which triggers on units keep as units are made.
-- A unit moved to another parent rewrites its subtree's paths and rebuilds
-- the ancestors and these figures (`db::unit_totals::rebuild`).

CREATE TABLE unit_ancestors (
    unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    ancestor_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    PRIMARY KEY (unit_id, ancestor_id)
);
CREATE INDEX unit_ancestors_ancestor_idx ON unit_ancestors (ancestor_id);
INSERT INTO unit_ancestors (unit_id, ancestor_id)
    SELECT u.id, a.id FROM units u JOIN units a
    ON a.path <> '' AND substr(u.path, 1, length(a.path)) = a.path;

-- A dashboard reads the rows of its units: by unit first.
CREATE INDEX unit_visit_month_totals_unit_idx ON unit_visit_month_totals (unit_id, month);
CREATE INDEX unit_waiting_last_visits_unit_idx ON unit_waiting_last_visits (unit_id, last_visit_on);

-- A unit is made with an empty path, then given its own (`db::units::create`).
CREATE FUNCTION unit_totals_ancestors_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM unit_ancestors WHERE unit_id = NEW.id;
    INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT NEW.id, a.id FROM units a
        WHERE a.path <> '' AND substr(NEW.path, 1, length(a.path)) = a.path;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_totals_ancestors_insert AFTER INSERT ON units
    FOR EACH ROW WHEN (NEW.path <> '') EXECUTE FUNCTION unit_totals_ancestors_change();
CREATE TRIGGER unit_totals_ancestors_update AFTER UPDATE OF path ON units
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION unit_totals_ancestors_change();

-- From the per-task totals.
CREATE OR REPLACE FUNCTION unit_totals_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
            SELECT a.ancestor_id, t.status, t.consented_stages, OLD.stage, -OLD.households, -OLD.area_m2
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = OLD.task_id
            ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
            SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
            SELECT a.ancestor_id, t.status, t.consented_stages, NEW.stage, NEW.households, NEW.area_m2
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = NEW.task_id
            ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
            SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION unit_totals_month_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
            SELECT a.ancestor_id, OLD.month, -OLD.visits
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = OLD.task_id
            ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
            SELECT a.ancestor_id, NEW.month, NEW.visits
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id WHERE t.id = NEW.task_id
            ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
    END IF;
    RETURN NULL;
END $$;

-- From households: waiting households by the day of their last visit.
CREATE OR REPLACE FUNCTION unit_totals_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.last_visit_on IS NOT NULL
       AND OLD.stage NOT IN ('handed_over', 'enforcement', 'done') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT OLD.last_visit_on, a.ancestor_id, -1
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
            WHERE t.id = OLD.task_id AND t.status IN ('registered', 'in_progress')
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.last_visit_on IS NOT NULL
       AND NEW.stage NOT IN ('handed_over', 'enforcement', 'done') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT NEW.last_visit_on, a.ancestor_id, 1
            FROM tasks t JOIN unit_ancestors a ON a.unit_id = t.unit_id
            WHERE t.id = NEW.task_id AND t.status IN ('registered', 'in_progress')
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
    RETURN NULL;
END $$;

-- From tasks: a task's figures taken away (-1) from its unit and those above
-- it, or added (1).
CREATE OR REPLACE FUNCTION unit_totals_waiting_move(t tasks, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF t.status IN ('registered', 'in_progress') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT h.last_visit_on, a.ancestor_id, sign * count(*)
            FROM households h JOIN unit_ancestors a ON a.unit_id = t.unit_id
            WHERE h.task_id = t.id AND h.last_visit_on IS NOT NULL
              AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
            GROUP BY h.last_visit_on, a.ancestor_id
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
END $$;
CREATE OR REPLACE FUNCTION unit_totals_month_move(t tasks, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
        SELECT a.ancestor_id, v.month, sign * v.visits
        FROM visit_month_totals v JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE v.task_id = t.id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
END $$;
CREATE OR REPLACE FUNCTION unit_totals_task_move(t tasks, sign INTEGER, households_too BOOLEAN) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_task_totals AS u (unit_id, status, category_id, tasks)
        SELECT ancestor_id, t.status, t.category_id, sign
        FROM unit_ancestors WHERE unit_id = t.unit_id
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = u.tasks + EXCLUDED.tasks;
    INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT a.ancestor_id, t.status, t.consented_stages, h.stage, sign * h.households, sign * h.area_m2
        FROM household_stage_totals h JOIN unit_ancestors a ON a.unit_id = t.unit_id
        WHERE h.task_id = t.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    IF households_too THEN
        PERFORM unit_totals_month_move(t, sign);
        PERFORM unit_totals_waiting_move(t, sign);
    END IF;
END $$;
CREATE OR REPLACE FUNCTION unit_totals_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM unit_totals_task_move(NEW, 1, false);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM unit_totals_task_move(OLD, -1, true);
        RETURN OLD;
    ELSE
        -- Visits by month follow the unit alone; last visits the unit and status.
        PERFORM unit_totals_task_move(OLD, -1, false);
        PERFORM unit_totals_task_move(NEW, 1, false);
        IF OLD.unit_id <> NEW.unit_id OR OLD.status <> NEW.status THEN
            PERFORM unit_totals_waiting_move(OLD, -1);
            PERFORM unit_totals_waiting_move(NEW, 1);
        END IF;
        IF OLD.unit_id <> NEW.unit_id THEN
            PERFORM unit_totals_month_move(OLD, -1);
            PERFORM unit_totals_month_move(NEW, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

TRUNCATE unit_task_totals, unit_stage_totals, unit_visit_month_totals, unit_waiting_last_visits;
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
