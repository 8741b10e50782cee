-- Back to migration 30: the figures of each unit's own tasks.
DROP TRIGGER unit_totals_ancestors_update ON units;
DROP TRIGGER unit_totals_ancestors_insert ON units;
DROP FUNCTION unit_totals_ancestors_change();

CREATE OR REPLACE FUNCTION unit_totals_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION unit_totals_month_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION unit_totals_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION unit_totals_waiting_move(t tasks, sign INTEGER) RETURNS void
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
CREATE OR REPLACE FUNCTION unit_totals_task_move(t tasks, sign INTEGER, households_too BOOLEAN) RETURNS void
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
            INSERT INTO unit_visit_month_totals AS u (unit_id, month, visits)
                SELECT OLD.unit_id, month, -visits FROM visit_month_totals WHERE task_id = OLD.id
                UNION ALL
                SELECT NEW.unit_id, month, visits FROM visit_month_totals WHERE task_id = NEW.id
                ON CONFLICT (month, unit_id) DO UPDATE SET visits = u.visits + EXCLUDED.visits;
        END IF;
    END IF;
    RETURN NULL;
END $$;
DROP FUNCTION unit_totals_month_move(tasks, INTEGER);

TRUNCATE unit_task_totals, unit_stage_totals, unit_visit_month_totals, unit_waiting_last_visits;
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

DROP INDEX unit_waiting_last_visits_unit_idx;
DROP INDEX unit_visit_month_totals_unit_idx;
DROP TABLE unit_ancestors;
