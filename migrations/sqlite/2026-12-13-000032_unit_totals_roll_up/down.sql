-- Back to migration 30: the figures of each unit's own tasks.
DROP TRIGGER unit_totals_ancestors_update;
DROP TRIGGER unit_totals_ancestors_insert;
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

DELETE FROM unit_task_totals;
DELETE FROM unit_stage_totals;
DELETE FROM unit_visit_month_totals;
DELETE FROM unit_waiting_last_visits;

-- From the per-task totals.
CREATE TRIGGER unit_totals_stage_insert AFTER INSERT ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT unit_id, status, consented_stages, new.stage, new.households, new.area_m2
        FROM tasks WHERE id = new.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;
CREATE TRIGGER unit_totals_stage_update AFTER UPDATE ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT unit_id, status, consented_stages, old.stage, -old.households, -old.area_m2
        FROM tasks WHERE id = old.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT unit_id, status, consented_stages, new.stage, new.households, new.area_m2
        FROM tasks WHERE id = new.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;
CREATE TRIGGER unit_totals_stage_delete AFTER DELETE ON household_stage_totals BEGIN
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT unit_id, status, consented_stages, old.stage, -old.households, -old.area_m2
        FROM tasks WHERE id = old.task_id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
END;

CREATE TRIGGER unit_totals_month_insert AFTER INSERT ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT unit_id, new.month, new.visits FROM tasks WHERE id = new.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;
CREATE TRIGGER unit_totals_month_update AFTER UPDATE ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT unit_id, old.month, -old.visits FROM tasks WHERE id = old.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT unit_id, new.month, new.visits FROM tasks WHERE id = new.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;
CREATE TRIGGER unit_totals_month_delete AFTER DELETE ON visit_month_totals BEGIN
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT unit_id, old.month, -old.visits FROM tasks WHERE id = old.task_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
END;

-- From households: waiting households by the day of their last visit.
CREATE TRIGGER unit_totals_household_insert AFTER INSERT ON households
WHEN new.last_visit_on IS NOT NULL AND new.stage NOT IN ('handed_over', 'enforcement', 'done') BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT new.last_visit_on, unit_id, 1 FROM tasks
        WHERE id = new.task_id AND status IN ('registered', 'in_progress')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_household_update AFTER UPDATE OF task_id, stage, last_visit_on ON households
WHEN old.task_id <> new.task_id OR old.stage <> new.stage
     OR old.last_visit_on IS NOT new.last_visit_on BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT old.last_visit_on, unit_id, -1 FROM tasks
        WHERE id = old.task_id AND status IN ('registered', 'in_progress')
          AND old.last_visit_on IS NOT NULL AND old.stage NOT IN ('handed_over', 'enforcement', 'done')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT new.last_visit_on, unit_id, 1 FROM tasks
        WHERE id = new.task_id AND status IN ('registered', 'in_progress')
          AND new.last_visit_on IS NOT NULL AND new.stage NOT IN ('handed_over', 'enforcement', 'done')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_household_delete AFTER DELETE ON households
WHEN old.last_visit_on IS NOT NULL AND old.stage NOT IN ('handed_over', 'enforcement', 'done') BEGIN
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT old.last_visit_on, unit_id, -1 FROM tasks
        WHERE id = old.task_id AND status IN ('registered', 'in_progress')
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;

-- From tasks.
CREATE TRIGGER unit_totals_task_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        VALUES (new.unit_id, new.status, new.category_id, 1)
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + 1;
END;
CREATE TRIGGER unit_totals_task_update AFTER UPDATE OF unit_id, status, category_id, consented_stages ON tasks
WHEN old.unit_id <> new.unit_id OR old.status <> new.status
     OR old.category_id <> new.category_id OR old.consented_stages <> new.consented_stages BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        VALUES (old.unit_id, old.status, old.category_id, -1), (new.unit_id, new.status, new.category_id, 1)
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + excluded.tasks;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT old.unit_id, old.status, old.consented_stages, stage, -households, -area_m2
        FROM household_stage_totals WHERE task_id = old.id
        UNION ALL
        SELECT new.unit_id, new.status, new.consented_stages, stage, households, area_m2
        FROM household_stage_totals WHERE task_id = new.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT old.unit_id, month, -visits FROM visit_month_totals
        WHERE task_id = old.id AND old.unit_id <> new.unit_id
        UNION ALL
        SELECT new.unit_id, month, visits FROM visit_month_totals
        WHERE task_id = new.id AND old.unit_id <> new.unit_id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT last_visit_on, old.unit_id, -count(*) FROM households
        WHERE task_id = old.id AND last_visit_on IS NOT NULL
          AND stage NOT IN ('handed_over', 'enforcement', 'done')
          AND old.status IN ('registered', 'in_progress')
          AND (old.unit_id <> new.unit_id OR old.status <> new.status)
        GROUP BY last_visit_on
        UNION ALL
        SELECT last_visit_on, new.unit_id, count(*) FROM households
        WHERE task_id = new.id AND last_visit_on IS NOT NULL
          AND stage NOT IN ('handed_over', 'enforcement', 'done')
          AND new.status IN ('registered', 'in_progress')
          AND (old.unit_id <> new.unit_id OR old.status <> new.status)
        GROUP BY last_visit_on
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;
CREATE TRIGGER unit_totals_task_delete BEFORE DELETE ON tasks BEGIN
    INSERT INTO unit_task_totals (unit_id, status, category_id, tasks)
        VALUES (old.unit_id, old.status, old.category_id, -1)
        ON CONFLICT (unit_id, status, category_id) DO UPDATE SET tasks = tasks + excluded.tasks;
    INSERT INTO unit_stage_totals (unit_id, status, consented_stages, stage, households, area_m2)
        SELECT old.unit_id, old.status, old.consented_stages, stage, -households, -area_m2
        FROM household_stage_totals WHERE task_id = old.id
        ON CONFLICT (unit_id, status, consented_stages, stage) DO UPDATE
        SET households = households + excluded.households, area_m2 = area_m2 + excluded.area_m2;
    INSERT INTO unit_visit_month_totals (unit_id, month, visits)
        SELECT old.unit_id, month, -visits FROM visit_month_totals WHERE task_id = old.id
        ON CONFLICT (month, unit_id) DO UPDATE SET visits = visits + excluded.visits;
    INSERT INTO unit_waiting_last_visits (last_visit_on, unit_id, households)
        SELECT last_visit_on, old.unit_id, -count(*) FROM households
        WHERE task_id = old.id AND last_visit_on IS NOT NULL
          AND stage NOT IN ('handed_over', 'enforcement', 'done')
          AND old.status IN ('registered', 'in_progress')
        GROUP BY last_visit_on
        ON CONFLICT (last_visit_on, unit_id) DO UPDATE SET households = households + excluded.households;
END;

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
