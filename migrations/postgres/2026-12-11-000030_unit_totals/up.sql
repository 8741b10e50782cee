-- The dashboard's figures kept per unit, so that a province's dashboard adds
-- up a few hundred rows instead of regrouping the totals of every task (some
-- 88,000 rows at a province's scale). Each table is keyed by the unit and by
-- what the dashboard filters on (the task's status, its consented set). One
-- rule is written here too: the households "waiting" (of an open task, at a
-- stage before the handover), kept by the day of their last visit, since the
-- last 30 days of every unit, status and stage would be tens of thousands of
-- rows to add up; a unit test checks these lists against `domain`.
--
-- Kept in step by triggers: on the per-task totals (which households and
-- visits keep), on households (their last visit) and on tasks (a task moved to
-- another unit, or whose status, category or consented set changed, moves its
-- figures). Every change is an upsert of a signed delta, so adding and taking
-- away are the same statement. A task deleted takes its figures away before
-- it goes; the rows its deletion cascades to find no task and change nothing.
-- A bulk load with session_replication_role = replica fires no triggers and
-- rebuilds them (`db::totals::rebuild`).

-- Tasks by unit, status and category.
CREATE TABLE unit_task_totals (
    unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    tasks INTEGER NOT NULL,
    PRIMARY KEY (unit_id, status, category_id)
);
-- Households and their area by unit, task status, consented set and stage.
CREATE TABLE unit_stage_totals (
    unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    consented_stages TEXT NOT NULL,
    stage TEXT NOT NULL,
    households INTEGER NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (unit_id, status, consented_stages, stage)
);
-- Visits by unit and month (the first day of the month).
CREATE TABLE unit_visit_month_totals (
    unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    month DATE NOT NULL,
    visits INTEGER NOT NULL,
    PRIMARY KEY (month, unit_id)
);
-- Households waiting (task registered or in progress; stage neither handed
-- over nor enforced) by the day of their last visit and unit: "not visited
-- for 30 days" is the households waiting less the last 30 days' here.
CREATE TABLE unit_waiting_last_visits (
    last_visit_on DATE NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    households INTEGER NOT NULL,
    PRIMARY KEY (last_visit_on, unit_id)
);

-- A visit updates a few of these rows, and the figures of the open tasks are
-- the same few hundred rows all day: room on every page for the new row
-- versions (a HOT update touches no index, and the old versions are pruned
-- as the page is read), and autovacuum after a few hundred dead rows rather
-- than a fifth of the table, without pausing. Otherwise the tables grow to
-- hundreds of pages of dead rows that every dashboard reads through.
ALTER TABLE unit_task_totals SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE unit_stage_totals SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE unit_visit_month_totals SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE unit_waiting_last_visits SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0);

-- From the per-task totals.
CREATE FUNCTION unit_totals_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
            SELECT unit_id, status, consented_stages, OLD.stage, -OLD.households, -OLD.area_m2
            FROM tasks WHERE id = OLD.task_id
            ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
            SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
            SELECT unit_id, status, consented_stages, NEW.stage, NEW.households, NEW.area_m2
            FROM tasks WHERE id = NEW.task_id
            ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
            SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_totals_stage AFTER INSERT OR UPDATE OR DELETE ON household_stage_totals
    FOR EACH ROW EXECUTE FUNCTION unit_totals_stage_change();

CREATE FUNCTION unit_totals_month_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
            SELECT unit_id, OLD.month, -OLD.visits FROM tasks WHERE id = OLD.task_id
            ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
            SELECT unit_id, NEW.month, NEW.visits FROM tasks WHERE id = NEW.task_id
            ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_totals_month AFTER INSERT OR UPDATE OR DELETE ON visit_month_totals
    FOR EACH ROW EXECUTE FUNCTION unit_totals_month_change();

-- From households: waiting households by the day of their last visit.
CREATE FUNCTION unit_totals_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.last_visit_on IS NOT NULL
       AND OLD.stage NOT IN ('handed_over', 'enforcement', 'done') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT OLD.last_visit_on, unit_id, -1 FROM tasks
            WHERE id = OLD.task_id AND status IN ('registered', 'in_progress')
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.last_visit_on IS NOT NULL
       AND NEW.stage NOT IN ('handed_over', 'enforcement', 'done') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT NEW.last_visit_on, unit_id, 1 FROM tasks
            WHERE id = NEW.task_id AND status IN ('registered', 'in_progress')
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_totals_household_insert AFTER INSERT ON households
    FOR EACH ROW WHEN (NEW.last_visit_on IS NOT NULL)
    EXECUTE FUNCTION unit_totals_household_change();
CREATE TRIGGER unit_totals_household_delete AFTER DELETE ON households
    FOR EACH ROW WHEN (OLD.last_visit_on IS NOT NULL)
    EXECUTE FUNCTION unit_totals_household_change();
CREATE TRIGGER unit_totals_household_update AFTER UPDATE OF task_id, stage, last_visit_on ON households
    FOR EACH ROW
    WHEN (OLD.task_id <> NEW.task_id OR OLD.stage <> NEW.stage
          OR OLD.last_visit_on IS DISTINCT FROM NEW.last_visit_on)
    EXECUTE FUNCTION unit_totals_household_change();

-- From tasks: a task's figures under its old key are taken away and added
-- under its new one (sign -1 and 1 of the same statements).
-- A task's waiting households, by the day of their last visit, taken away
-- (-1) or added (1) under its unit, when its status is open.
CREATE FUNCTION unit_totals_waiting_move(t tasks, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF t.status IN ('registered', 'in_progress') THEN
        INSERT INTO unit_waiting_last_visits AS u (last_visit_on, unit_id, households)
            SELECT last_visit_on, t.unit_id, sign * count(*) FROM households
            WHERE task_id = t.id AND last_visit_on IS NOT NULL
              AND stage NOT IN ('handed_over', 'enforcement', 'done')
            GROUP BY last_visit_on
            ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = u.households + EXCLUDED.households;
    END IF;
END $$;
CREATE FUNCTION unit_totals_task_move(t tasks, sign INTEGER, households_too BOOLEAN) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_task_totals AS u (unit_id, status, category_id, tasks)
        VALUES (t.unit_id, t.status, t.category_id, sign)
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = u.tasks + EXCLUDED.tasks;
    INSERT INTO unit_stage_totals AS u (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT t.unit_id, t.status, t.consented_stages, stage, sign * households, sign * area_m2
        FROM household_stage_totals WHERE task_id = t.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = u.households + EXCLUDED.households, area_m2 = u.area_m2 + EXCLUDED.area_m2;
    IF households_too THEN
        INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
            SELECT t.unit_id, month, sign * visits FROM visit_month_totals WHERE task_id = t.id
            ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
        PERFORM unit_totals_waiting_move(t, sign);
    END IF;
END $$;
CREATE FUNCTION unit_totals_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
            INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
                SELECT OLD.unit_id, month, -visits FROM visit_month_totals WHERE task_id = OLD.id
                UNION ALL
                SELECT NEW.unit_id, month, visits FROM visit_month_totals WHERE task_id = NEW.id
                ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_totals_task_insert AFTER INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION unit_totals_task_change();
CREATE TRIGGER unit_totals_task_update AFTER UPDATE OF unit_id, status, category_id, consented_stages ON tasks
    FOR EACH ROW
    WHEN (OLD.unit_id <> NEW.unit_id OR OLD.status <> NEW.status
          OR OLD.category_id <> NEW.category_id OR OLD.consented_stages <> NEW.consented_stages)
    EXECUTE FUNCTION unit_totals_task_change();
CREATE TRIGGER unit_totals_task_delete BEFORE DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION unit_totals_task_change();

INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
    SELECT unit_id, status, category_id, count(*) FROM tasks
    GROUP BY unit_id, status, category_id;
INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
    SELECT t.unit_id, t.status, t.consented_stages, h.stage, sum(h.households), sum(h.area_m2)
    FROM household_stage_totals h JOIN tasks t ON t.id = h.task_id
    GROUP BY t.unit_id, t.status, t.consented_stages, h.stage;
INSERT INTO unit_visit_month_totals (unit_id, month, visits)
    SELECT t.unit_id, v.month, sum(v.visits)
    FROM visit_month_totals v JOIN tasks t ON t.id = v.task_id
    GROUP BY t.unit_id, v.month;
INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
    SELECT h.last_visit_on, t.unit_id, count(*)
    FROM households h JOIN tasks t ON t.id = h.task_id
    WHERE h.last_visit_on IS NOT NULL AND h.stage NOT IN ('handed_over', 'enforcement', 'done')
      AND t.status IN ('registered', 'in_progress')
    GROUP BY h.last_visit_on, t.unit_id;
