//! The dashboard's figures kept per unit (migrations 30 and 32), each unit's
//! over its whole subtree: the statements that count them again, for a unit
//! moved under another parent (here) and for a bulk load (`totals::rebuild`).

use diesel::connection::SimpleConnection;
use diesel::QueryResult;

use super::DbConnection;

/// Each unit and every unit on its path, itself included (migration 32):
/// where the per-unit figures roll up to.
pub(super) const ANCESTORS: &str = "
    DELETE FROM unit_ancestors;
    INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT u.id, a.id FROM units u JOIN units a
        ON a.path <> '' AND substr(u.path, 1, length(a.path)) = a.path;";

/// The per-unit figures (migrations 30 and 32), each unit's over its whole
/// subtree, from the per-task totals, households and tasks: the same
/// statements in both dialects.
pub(super) const UNIT_TOTALS: &str = "
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
        GROUP BY h.last_visit_on, a.ancestor_id;";

/// After a unit moved under another parent: its subtree's ancestors and the
/// per-unit figures counted again (the units above it before and after the
/// move both change). Rows, not the tables, are deleted: others write to
/// them meanwhile.
pub fn rebuild(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "{ANCESTORS}
         DELETE FROM unit_task_totals; DELETE FROM unit_stage_totals;
         DELETE FROM unit_visit_month_totals; DELETE FROM unit_waiting_last_visits;
         {UNIT_TOTALS}"
    ))
}
