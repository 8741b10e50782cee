//! Totals the dashboard and a round's results add up instead of reading every
//! household and visit: households and area per task and stage, visits per
//! task and month. Triggers of migration 16 keep them in step inside the
//! transaction of every insert, update and delete, whatever code makes it; a
//! bulk load that bypasses the triggers rebuilds them here.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::unit_totals::{ANCESTORS, UNIT_TOTALS};
use super::DbConnection;

/// Recounts the totals from the households and visits (per task, then per
/// unit), and raises the
/// listing version (a bulk load that fired no triggers changed what lists show).
pub fn rebuild(conn: &mut DbConnection) -> QueryResult<()> {
    let month = match conn {
        DbConnection::Pg(_) => "date_trunc('month', visited_on)::date",
        DbConnection::Sqlite(_) => "date(visited_on, 'start of month')",
    };
    // The per-task totals rebuilt below fire the unit totals' triggers row
    // by row; on PostgreSQL each of those updates leaves a dead row version,
    // so the unit totals are emptied with TRUNCATE (a new, empty file) after
    // them rather than with DELETE, and filled once.
    let empty_units = match conn {
        DbConnection::Pg(_) => {
            "TRUNCATE unit_task_totals, unit_stage_totals, unit_visit_month_totals, \
             unit_waiting_last_visits;"
        }
        DbConnection::Sqlite(_) => {
            "DELETE FROM unit_task_totals; DELETE FROM unit_stage_totals; \
             DELETE FROM unit_visit_month_totals; DELETE FROM unit_waiting_last_visits;"
        }
    };
    conn.batch_execute(&format!(
        "DELETE FROM household_stage_totals;
         DELETE FROM visit_month_totals;
         INSERT INTO household_stage_totals (task_id, stage, households, area_m2)
             SELECT task_id, stage, count(*), coalesce(sum(area_m2), 0)
             FROM households GROUP BY task_id, stage;
         INSERT INTO visit_month_totals (task_id, month, visits)
             SELECT task_id, {month}, count(*) FROM visits WHERE kind <> 'record'
             GROUP BY task_id, {month};
         {ANCESTORS}
         {empty_units}
         {UNIT_TOTALS}
         UPDATE listing_version SET version = version + 1 WHERE id = 1;"
    ))?;
    super::money::recount_all(conn)
}

#[derive(QueryableByName)]
struct Trigger {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

/// On SQLite, drops the triggers that keep the totals and the listing version
/// for a bulk load and returns the statements that create them again (run
/// them, then `rebuild`). PostgreSQL loads with `session_replication_role = replica`, which fires no triggers.
pub fn suspend_triggers(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    let DbConnection::Sqlite(c) = conn else {
        return Ok(None);
    };
    let triggers: Vec<Trigger> = diesel::sql_query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
         AND (name LIKE 'household_totals_%' OR name LIKE 'visit_totals_%' \
              OR name LIKE 'listing_version_%' OR name LIKE 'unit_totals_%')",
    )
    .load(c)?;
    let mut create = String::new();
    for t in &triggers {
        c.batch_execute(&format!("DROP TRIGGER {}", t.name))?;
        create.push_str(&t.sql);
        create.push_str(";\n");
    }
    Ok(Some(create))
}

#[cfg(test)]
mod tests {
    use crate::domain::consent::ConsentStage;
    use crate::domain::deadline::TaskStatus;

    /// The lists of SQL text (`… IN ('a', 'b')`) following each `marker`.
    fn lists<'a>(sql: &'a str, marker: &str) -> Vec<Vec<&'a str>> {
        sql.match_indices(marker)
            .map(|(at, _)| {
                let rest = &sql[at + marker.len()..];
                let list = &rest[..rest.find(')').unwrap_or(0)];
                list.split(',')
                    .map(|s| s.trim().trim_matches('\''))
                    .collect()
            })
            .collect()
    }

    /// The waiting households' rule, written in the triggers of migrations 30
    /// and 32 and in the rebuild, is the domain's: open statuses, stages not final.
    #[test]
    fn the_waiting_rule_in_sql_is_the_domains() {
        let open: Vec<&str> = TaskStatus::OPEN.iter().map(|s| s.as_str()).collect();
        let finals: Vec<&str> = ConsentStage::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.as_str())
            .collect();
        for sql in [
            include_str!("../../migrations/sqlite/2026-12-11-000030_unit_totals/up.sql"),
            include_str!("../../migrations/postgres/2026-12-11-000030_unit_totals/up.sql"),
            include_str!("../../migrations/sqlite/2026-12-13-000032_unit_totals_roll_up/up.sql"),
            include_str!("../../migrations/postgres/2026-12-13-000032_unit_totals_roll_up/up.sql"),
            super::UNIT_TOTALS,
        ] {
            let stages = lists(sql, "stage NOT IN (");
            let statuses = lists(sql, "status IN (");
            assert!(!stages.is_empty() && !statuses.is_empty());
            for list in stages {
                assert_eq!(list, finals, "final stages");
            }
            for list in statuses {
                assert_eq!(list, open, "open statuses");
            }
        }
    }
}
