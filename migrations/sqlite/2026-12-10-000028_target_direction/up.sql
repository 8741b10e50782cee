-- A target's direction (higher is better, lower is better, or a range whose
-- upper bound is planned_max), and the date its actual value is as of.
ALTER TABLE targets ADD COLUMN direction TEXT NOT NULL DEFAULT 'higher_better';
ALTER TABLE targets ADD COLUMN planned_max DOUBLE;
ALTER TABLE targets ADD COLUMN actual_on DATE;
-- Values recorded so far were dated the day they were entered: the
-- current one is as of the date of the last entered.
UPDATE targets SET actual_on = (
    SELECT v.on_date FROM target_values v
    WHERE v.target_id = targets.id
    ORDER BY v.at DESC, v.id DESC
    LIMIT 1
) WHERE actual IS NOT NULL;
UPDATE targets SET actual_on = DATE(updated_at) WHERE actual IS NOT NULL AND actual_on IS NULL;
