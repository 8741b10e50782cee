-- Households added many at a time (an import of 200,000 lines) updated the
-- same (task, stage) total once per row inside one transaction; PostgreSQL
-- keeps every version of that row until commit, so each update was slower
-- than the last (a 200,000-line import took three minutes). Inserts now add
-- to the totals once per statement, from the rows the statement inserted.
DROP TRIGGER household_totals_insert_delete ON households;
CREATE TRIGGER household_totals_delete AFTER DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION household_totals_change();
CREATE FUNCTION household_totals_insert_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
        SELECT task_id, stage, count(*), coalesce(sum(area_m2), 0)
        FROM inserted GROUP BY task_id, stage
        ON CONFLICT (task_id, stage) DO UPDATE
        SET households = household_stage_totals.households + EXCLUDED.households,
            area_m2 = household_stage_totals.area_m2 + EXCLUDED.area_m2;
    RETURN NULL;
END $$;
CREATE TRIGGER household_totals_insert AFTER INSERT ON households
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION household_totals_insert_rows();
