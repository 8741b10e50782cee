//! The figures of a unit dashboard from the totals kept per unit (migrations
//! 30 and 32), each unit's over its whole subtree: a handful of grouped
//! queries over the few rows of the units asked about, never a loop over
//! units, tasks or households.

use chrono::{Datelike, NaiveDate};
use diesel::dsl::sum;
use diesel::prelude::*;

use crate::domain::deadline::TaskStatus;

use super::schema::{
    task_categories, tasks, unit_stage_totals, unit_task_totals, unit_visit_month_totals,
    unit_waiting_last_visits, units,
};
use super::scope::path_in;
use super::DbConnection;
use super::Uncached;
use crate::domain::consent::{ConsentStage, ConsentedSet};
use crate::domain::progress::Progress;

/// The open statuses as stored (`TaskStatus::OPEN`).
const OPEN: [&str; 2] = [TaskStatus::OPEN[0].as_str(), TaskStatus::OPEN[1].as_str()];

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

/// `scope`: the paths of units none of which is inside another (as
/// `access::scope` gives them); the figures kept for each hold its subtree.
///
/// Every statement here is planned afresh for its values (`Uncached`): they
/// run once per change, and after five runs PostgreSQL switched the one over
/// the last 30 days' visits to a generic plan that took 7.5 ms instead of 0.7.
pub fn figures(
    conn: &mut DbConnection,
    scope: &[String],
    today: NaiveDate,
) -> QueryResult<Figures> {
    // Tasks by status and category, from the totals kept per unit.
    let by_status_and_category: Vec<(String, i64, Option<i64>)> = unit_task_totals::table
        .inner_join(units::table)
        .filter(Uncached(units::path.eq_any(scope)))
        .filter(unit_task_totals::tasks.ne(0))
        .group_by((unit_task_totals::status, unit_task_totals::category_id))
        .select((
            unit_task_totals::status,
            unit_task_totals::category_id,
            sum(unit_task_totals::tasks),
        ))
        .load(conn)?;
    let mut f = Figures::default();
    let mut by_category: Vec<(i64, i64)> = Vec::new();
    for (status, category, n) in by_status_and_category {
        let n = n.unwrap_or(0);
        if n == 0 {
            continue;
        }
        add_to(&mut f.tasks_by_status, status, n);
        add_to(&mut by_category, category, n);
    }
    f.tasks_by_status.sort();
    if !by_category.is_empty() {
        let ids: Vec<i64> = by_category.iter().map(|(id, _)| *id).collect();
        let names: Vec<(i64, String, String)> = task_categories::table
            .filter(task_categories::id.eq_any(&ids))
            .order((task_categories::sort_order, task_categories::id))
            .select((
                task_categories::id,
                task_categories::name_vi,
                task_categories::name_en,
            ))
            .load(conn)?;
        f.tasks_by_category = names
            .into_iter()
            .filter_map(|(id, vi, en)| {
                let (_, n) = by_category.iter().find(|(c, _)| *c == id)?;
                Some((id, vi, en, *n))
            })
            .collect();
    }
    // Overdue depends on the day: open tasks past their deadline, found by
    // the index on (status, unit, deadline).
    f.overdue = tasks::table
        .inner_join(units::table)
        .filter(Uncached(path_in(scope)))
        .filter(tasks::status.eq_any(OPEN))
        .filter(tasks::deadline.lt(today))
        .count()
        .get_result(conn)?;
    // Households by stage. Each task decides which stages count as
    // consented, so the totals are kept by consented set; and by the task's
    // status, so that the households waiting in open tasks come from the
    // same rows.
    /// (task status, consented set, stage, households, area)
    type StageRow = (String, String, String, Option<i64>, Option<f64>);
    let grouped: Vec<StageRow> = unit_stage_totals::table
        .inner_join(units::table)
        .filter(Uncached(units::path.eq_any(scope)))
        .filter(unit_stage_totals::households.ne(0))
        .group_by((
            unit_stage_totals::status,
            unit_stage_totals::consented_stages,
            unit_stage_totals::stage,
        ))
        .select((
            unit_stage_totals::status,
            unit_stage_totals::consented_stages,
            unit_stage_totals::stage,
            sum(unit_stage_totals::households),
            sum(unit_stage_totals::area_m2),
        ))
        .load(conn)?;
    let mut waiting = 0;
    for (status, set, stage, count, area) in grouped {
        let Some(stage) = ConsentStage::parse(&stage) else {
            continue;
        };
        let (count, area) = (count.unwrap_or(0), area.unwrap_or(0.0));
        if OPEN.contains(&status.as_str()) && !stage.is_final() {
            waiting += count;
        }
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
    f.households_by_stage.retain(|(_, n, _)| *n != 0);
    f.households_by_stage.sort_by_key(|(s, _, _)| *s);
    let month_start = today.with_day0(0).unwrap_or(today);
    f.visits_this_month = unit_visit_month_totals::table
        .inner_join(units::table)
        .filter(Uncached(units::path.eq_any(scope)))
        .filter(unit_visit_month_totals::month.ge(month_start))
        .select(sum(unit_visit_month_totals::visits))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0);
    // Households of open tasks still to persuade and not visited for 30 days:
    // those waiting less those whose last visit was in the last 30 days.
    let month_ago = today - chrono::Duration::days(30);
    let visited_since: Option<i64> = unit_waiting_last_visits::table
        .inner_join(units::table)
        .filter(Uncached(units::path.eq_any(scope)))
        .filter(unit_waiting_last_visits::last_visit_on.ge(month_ago))
        .select(sum(unit_waiting_last_visits::households))
        .get_result(conn)?;
    f.not_visited_30_days = waiting - visited_since.unwrap_or(0);
    Ok(f)
}

/// Adds `n` to the row of `key`, or starts it.
fn add_to<K: PartialEq>(rows: &mut Vec<(K, i64)>, key: K, n: i64) {
    match rows.iter_mut().find(|(k, _)| *k == key) {
        Some(row) => row.1 += n,
        None => rows.push((key, n)),
    }
}
