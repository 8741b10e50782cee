DROP INDEX households_task_last_visit_idx;
DROP TRIGGER visit_totals_update ON visits;
DROP TRIGGER visit_totals_insert_delete ON visits;
DROP FUNCTION visit_totals_change();
DROP TRIGGER household_totals_update ON households;
DROP TRIGGER household_totals_insert_delete ON households;
DROP FUNCTION household_totals_change();
DROP TABLE visit_month_totals;
DROP TABLE household_stage_totals;
