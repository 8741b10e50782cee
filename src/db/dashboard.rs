//! The figures of a unit dashboard, rolled up over the unit's subtree in a
//! handful of grouped queries (never a loop over tasks or households).

use chrono::{Datelike, NaiveDate};
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use crate::domain::deadline::TaskStatus;

use super::schema::{
    household_stage_totals, households, task_categories, tasks, units, visit_month_totals,
};
use super::scope::path_in;
use super::DbConnection;
use crate::domain::consent::{ConsentStage, ConsentedSet};
use crate::domain::progress::Progress;

/// The open statuses as stored (`TaskStatus::OPEN`).
const OPEN: [&str; 2] = [TaskStatus::OPEN[0].as_str(), TaskStatus::OPEN[1].as_str()];
const FINAL: [&str; 2] = ["handed_over", "enforcement"];

#[derive(Debug, Default)]
pub struct Figures {
    pub tasks_by_status: Vec<(String, i64)>,
    /// (category id, Vietnamese name, English name, count)
    pub tasks_by_category: Vec<(i64, String, String, i64)>,
    pub overdue: i64,
    pub progress: Progress,
    /// Households by stage over all tasks: (stage, count, area)
    pub households_by_stage: Vec<(ConsentStage, i64, f64)>,
    pub visits_this_month: i64,
    pub not_visited_30_days: i64,
}

pub fn figures(
    conn: &mut DbConnection,
    scope: &[String],
    today: NaiveDate,
) -> QueryResult<Figures> {
    let mut f = Figures {
        tasks_by_status: tasks::table
            .inner_join(units::table)
            .filter(path_in(scope))
            .group_by(tasks::status)
            .select((tasks::status, count_star()))
            .load(conn)?,
        tasks_by_category: tasks::table
            .inner_join(units::table)
            .inner_join(task_categories::table)
            .filter(path_in(scope))
            .group_by((
                task_categories::id,
                task_categories::name_vi,
                task_categories::name_en,
                task_categories::sort_order,
            ))
            .select((
                task_categories::id,
                task_categories::name_vi,
                task_categories::name_en,
                count_star(),
            ))
            .order(task_categories::sort_order)
            .load(conn)?,
        overdue: tasks::table
            .inner_join(units::table)
            .filter(path_in(scope))
            .filter(tasks::deadline.lt(today))
            .filter(tasks::status.eq_any(OPEN))
            .count()
            .get_result(conn)?,
        ..Default::default()
    };
    // Each task decides which stages count as consented, so group by both.
    // The totals per task and stage are kept in step by triggers.
    let grouped: Vec<(String, String, Option<i64>, Option<f64>)> = household_stage_totals::table
        .inner_join(tasks::table.inner_join(units::table))
        .filter(path_in(scope))
        .filter(household_stage_totals::households.gt(0))
        .group_by((tasks::consented_stages, household_stage_totals::stage))
        .select((
            tasks::consented_stages,
            household_stage_totals::stage,
            sum(household_stage_totals::households),
            sum(household_stage_totals::area_m2),
        ))
        .load(conn)?;
    for (set, stage, count, area) in grouped {
        let Some(stage) = ConsentStage::parse(&stage) else {
            continue;
        };
        let (count, area) = (count.unwrap_or(0), area.unwrap_or(0.0));
        f.progress.add(
            stage,
            count,
            area,
            &ConsentedSet::parse(&set).unwrap_or_default(),
        );
        match f
            .households_by_stage
            .iter_mut()
            .find(|(s, _, _)| *s == stage)
        {
            Some(row) => {
                row.1 += count;
                row.2 += area;
            }
            None => f.households_by_stage.push((stage, count, area)),
        }
    }
    f.households_by_stage.sort_by_key(|(s, _, _)| *s);
    let month_start = today.with_day0(0).unwrap_or(today);
    f.visits_this_month = visit_month_totals::table
        .inner_join(tasks::table.inner_join(units::table))
        .filter(path_in(scope))
        .filter(visit_month_totals::month.ge(month_start))
        .select(sum(visit_month_totals::visits))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0);
    // Households of open tasks still to persuade and not visited for 30 days:
    // all of them (from the totals) less those visited since, which an index
    // on (task, last visit) finds without reading the rest.
    let month_ago = today - chrono::Duration::days(30);
    let waiting: Option<i64> = household_stage_totals::table
        .inner_join(tasks::table.inner_join(units::table))
        .filter(path_in(scope))
        .filter(tasks::status.eq_any(OPEN))
        .filter(household_stage_totals::stage.ne_all(FINAL))
        .select(sum(household_stage_totals::households))
        .get_result(conn)?;
    let visited_since: i64 = households::table
        .inner_join(tasks::table.inner_join(units::table))
        .filter(path_in(scope))
        .filter(tasks::status.eq_any(OPEN))
        .filter(households::last_visit_on.ge(month_ago))
        .filter(households::stage.ne_all(FINAL))
        .count()
        .get_result(conn)?;
    f.not_visited_30_days = waiting.unwrap_or(0) - visited_since;
    Ok(f)
}
