-- Totals the dashboard adds up instead of reading every household and visit
-- of a province: households and their area per task and stage, and visits per
-- task and month. Triggers keep them in step inside the transaction of every
-- change to households and visits, whatever code makes it; tests compare
-- them with a recount.
CREATE TABLE household_stage_totals (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    households INTEGER NOT NULL,
    area_m2 DOUBLE NOT NULL,
    PRIMARY KEY (task_id, stage)
);
CREATE TABLE visit_month_totals (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    -- the first day of the month
    month DATE NOT NULL,
    visits INTEGER NOT NULL,
    PRIMARY KEY (task_id, month)
);

CREATE TRIGGER household_totals_insert AFTER INSERT ON households BEGIN
    INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
        VALUES (new.task_id, new.stage, 1, new.area_m2)
        ON CONFLICT (task_id, stage) DO UPDATE
        SET households = households + 1, area_m2 = area_m2 + excluded.area_m2;
END;
CREATE TRIGGER household_totals_delete AFTER DELETE ON households BEGIN
    UPDATE household_stage_totals
        SET households = households - 1, area_m2 = area_m2 - old.area_m2
        WHERE task_id = old.task_id AND stage = old.stage;
END;
CREATE TRIGGER household_totals_update AFTER UPDATE OF task_id, stage, area_m2 ON households
WHEN old.task_id <> new.task_id OR old.stage <> new.stage OR old.area_m2 <> new.area_m2 BEGIN
    UPDATE household_stage_totals
        SET households = households - 1, area_m2 = area_m2 - old.area_m2
        WHERE task_id = old.task_id AND stage = old.stage;
    INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
        VALUES (new.task_id, new.stage, 1, new.area_m2)
        ON CONFLICT (task_id, stage) DO UPDATE
        SET households = households + 1, area_m2 = area_m2 + excluded.area_m2;
END;

CREATE TRIGGER visit_totals_insert AFTER INSERT ON visits BEGIN
    INSERT INTO visit_month_totals (task_id, month, visits)
        VALUES (new.task_id, date(new.visited_on, 'start of month'), 1)
        ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + 1;
END;
CREATE TRIGGER visit_totals_delete AFTER DELETE ON visits BEGIN
    UPDATE visit_month_totals SET visits = visits - 1
        WHERE task_id = old.task_id AND month = date(old.visited_on, 'start of month');
END;
CREATE TRIGGER visit_totals_update AFTER UPDATE OF task_id, visited_on ON visits
WHEN old.task_id <> new.task_id OR old.visited_on <> new.visited_on BEGIN
    UPDATE visit_month_totals SET visits = visits - 1
        WHERE task_id = old.task_id AND month = date(old.visited_on, 'start of month');
    INSERT INTO visit_month_totals (task_id, month, visits)
        VALUES (new.task_id, date(new.visited_on, 'start of month'), 1)
        ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + 1;
END;

INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
    SELECT task_id, stage, count(*), total(area_m2) FROM households GROUP BY task_id, stage;
INSERT INTO visit_month_totals (task_id, month, visits)
    SELECT task_id, date(visited_on, 'start of month'), count(*) FROM visits
    GROUP BY task_id, date(visited_on, 'start of month');

-- Households visited lately, per task: "not visited for 30 days" is the
-- households waiting less these.
CREATE INDEX households_task_last_visit_idx ON households(task_id, last_visit_on, stage);

-- This month's visits over a province: the month's rows, not every task's.
CREATE INDEX visit_month_totals_month_idx ON visit_month_totals(month, task_id);
