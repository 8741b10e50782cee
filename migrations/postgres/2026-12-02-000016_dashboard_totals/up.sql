-- Totals the dashboard adds up instead of reading every household and visit
-- of a province: households and their area per task and stage, and visits per
-- task and month. Triggers keep them in step inside the transaction of every
-- change to households and visits, whatever code makes it; tests compare
-- them with a recount. (A bulk load with session_replication_role = replica
-- fires no triggers and must rebuild them: see `db::totals::rebuild`.)
CREATE TABLE household_stage_totals (
    task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    households INTEGER NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (task_id, stage)
);
CREATE TABLE visit_month_totals (
    task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    -- the first day of the month
    month DATE NOT NULL,
    visits INTEGER NOT NULL,
    PRIMARY KEY (task_id, month)
);

CREATE FUNCTION household_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE household_stage_totals
            SET households = households - 1, area_m2 = area_m2 - OLD.area_m2
            WHERE task_id = OLD.task_id AND stage = OLD.stage;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
            VALUES (NEW.task_id, NEW.stage, 1, NEW.area_m2)
            ON CONFLICT (task_id, stage) DO UPDATE
            SET households = household_stage_totals.households + 1,
                area_m2 = household_stage_totals.area_m2 + EXCLUDED.area_m2;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER household_totals_insert_delete AFTER INSERT OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION household_totals_change();
CREATE TRIGGER household_totals_update AFTER UPDATE OF task_id, stage, area_m2 ON households
    FOR EACH ROW
    WHEN (OLD.task_id <> NEW.task_id OR OLD.stage <> NEW.stage OR OLD.area_m2 <> NEW.area_m2)
    EXECUTE FUNCTION household_totals_change();

CREATE FUNCTION visit_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE visit_month_totals SET visits = visits - 1
            WHERE task_id = OLD.task_id
              AND month = date_trunc('month', OLD.visited_on)::date;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO visit_month_totals (task_id, month, visits)
            VALUES (NEW.task_id, date_trunc('month', NEW.visited_on)::date, 1)
            ON CONFLICT (task_id, month) DO UPDATE
            SET visits = visit_month_totals.visits + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER visit_totals_insert_delete AFTER INSERT OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION visit_totals_change();
CREATE TRIGGER visit_totals_update AFTER UPDATE OF task_id, visited_on ON visits
    FOR EACH ROW
    WHEN (OLD.task_id <> NEW.task_id OR OLD.visited_on <> NEW.visited_on)
    EXECUTE FUNCTION visit_totals_change();

INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
    SELECT task_id, stage, count(*), coalesce(sum(area_m2), 0) FROM households
    GROUP BY task_id, stage;
INSERT INTO visit_month_totals (task_id, month, visits)
    SELECT task_id, date_trunc('month', visited_on)::date, count(*) FROM visits
    GROUP BY 1, 2;

-- Households visited lately, per task: "not visited for 30 days" is the
-- households waiting less these.
CREATE INDEX households_task_last_visit_idx ON households(task_id, last_visit_on, stage);

-- This month's visits over a province: the month's rows, not every task's.
CREATE INDEX visit_month_totals_month_idx ON visit_month_totals(month, task_id);
