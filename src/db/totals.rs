//! Totals the dashboard and a round's results add up instead of reading every
//! household and visit: households and area per task and stage, visits per
//! task and month. Triggers of migration 16 keep them in step inside the
//! transaction of every insert, update and delete, whatever code makes it; a
//! bulk load that bypasses the triggers rebuilds them here.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;

/// Recounts both totals from the households and visits, and raises the
/// listing version (a bulk load that fired no triggers changed what lists show).
pub fn rebuild(conn: &mut DbConnection) -> QueryResult<()> {
    let month = match conn {
        DbConnection::Pg(_) => "date_trunc('month', visited_on)::date",
        DbConnection::Sqlite(_) => "date(visited_on, 'start of month')",
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
              OR name LIKE 'listing_version_%')",
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
