DROP TRIGGER household_totals_insert ON households;
DROP FUNCTION household_totals_insert_rows();
DROP TRIGGER household_totals_delete ON households;
CREATE TRIGGER household_totals_insert_delete AFTER INSERT OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION household_totals_change();
