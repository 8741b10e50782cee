//! Year-end review rounds of the Fatherland Front: the rubric, rounds with their
//! criteria and tasks, the evidence snapshot, scores, disputes and the frozen
//! results. Rules (combining, totals, ratings) live in `domain::review`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::schema::{
    household_stage_totals, households, milestones, review_criteria, review_disputes,
    review_rounds, review_rubric, review_scores, review_tasks, tasks, units, users, visits,
};
use super::DbConnection;
use crate::domain::access::Role;
use crate::domain::consent::{ConsentStage, ConsentedSet};
use crate::domain::deadline::{days_late, TaskStatus};
use crate::domain::review::{
    self, CombineRule, DisputeAnswer, Evidence, Outcome, Record, RoundStatus, Verdict,
};

/// Score kinds.
pub const SELF: &str = "self";
pub const REVIEW: &str = "review";
pub const CONSENSUS: &str = "consensus";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_rubric)]
pub struct RubricItem {
    pub id: i64,
    pub name_vi: String,
    pub name_en: String,
    pub max_points: f64,
    pub sort_order: i32,
}

/// A criterion as a person types it, for the rubric or a round.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CriterionFields {
    pub name_vi: String,
    pub name_en: String,
    pub max_points: f64,
}

impl CriterionFields {
    pub fn new(name_vi: &str, name_en: &str, max_points: f64) -> CriterionFields {
        CriterionFields {
            name_vi: name_vi.to_string(),
            name_en: name_en.to_string(),
            max_points,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_rounds)]
pub struct Round {
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub title: String,
    pub status: String,
    pub lead_id: i64,
    pub combine_rule: String,
    pub self_due: NaiveDate,
    pub review_due: NaiveDate,
    pub report_number: String,
    pub report_place: String,
    pub signer_title: String,
    pub signer_name: String,
    pub opened_at: Option<NaiveDateTime>,
    pub scoring_at: Option<NaiveDateTime>,
    pub snapshot_on: Option<NaiveDate>,
    pub published_at: Option<NaiveDateTime>,
    pub reopen_reason: Option<String>,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Round {
    pub fn status(&self) -> RoundStatus {
        RoundStatus::parse(&self.status).unwrap_or(RoundStatus::Draft)
    }

    pub fn rule(&self) -> CombineRule {
        CombineRule::parse(&self.combine_rule).unwrap_or(CombineRule::Mean)
    }
}

/// The settings of a round a person edits.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoundFields {
    pub unit_id: i64,
    pub year: i32,
    pub title: String,
    pub lead_id: i64,
    pub combine_rule: CombineRule,
    pub self_due: NaiveDate,
    pub review_due: NaiveDate,
    pub report_number: String,
    pub report_place: String,
    pub signer_title: String,
    pub signer_name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_criteria)]
pub struct Criterion {
    pub id: i64,
    pub round_id: i64,
    pub name_vi: String,
    pub name_en: String,
    pub max_points: f64,
    pub sort_order: i32,
}

impl Criterion {
    pub fn fields(&self) -> CriterionFields {
        CriterionFields::new(&self.name_vi, &self.name_en, self.max_points)
    }
}

impl RubricItem {
    pub fn fields(&self) -> CriterionFields {
        CriterionFields::new(&self.name_vi, &self.name_en, self.max_points)
    }
}

/// A task in a round with what was recorded of it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_tasks)]
pub struct RoundTask {
    pub id: i64,
    pub round_id: i64,
    pub task_id: i64,
    pub unit_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub snap_status: Option<String>,
    pub snap_deadline: Option<NaiveDate>,
    pub snap_completed_on: Option<NaiveDate>,
    pub snap_outcome: Option<String>,
    pub snap_days_late: Option<i64>,
    pub snap_households: Option<i64>,
    pub snap_households_consented: Option<i64>,
    pub snap_area_m2: Option<f64>,
    pub snap_area_handed_over_m2: Option<f64>,
    pub snap_visits: Option<i64>,
    pub snap_milestones: Option<i64>,
    pub snap_milestones_done: Option<i64>,
    pub snap_milestones_on_time: Option<i64>,
    pub snap_exceeded: Option<bool>,
    pub total: Option<f64>,
    pub rating: Option<String>,
}

impl RoundTask {
    pub fn outcome(&self) -> Option<Outcome> {
        self.snap_outcome.as_deref().and_then(Outcome::parse)
    }
}

/// A round task with the names a page shows.
#[derive(Debug, Clone, Serialize)]
pub struct RoundTaskRow {
    pub rt: RoundTask,
    pub title: String,
    pub task_unit_id: i64,
    pub task_owner_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub owner_name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_scores)]
pub struct Score {
    pub id: i64,
    pub round_id: i64,
    pub task_id: i64,
    pub criterion_id: i64,
    pub kind: String,
    pub author_id: i64,
    pub score: f64,
    pub comment: String,
    pub private_note: String,
    pub evidence: String,
    pub updated_at: NaiveDateTime,
    /// What the reviewer proposes on the criterion (the comment is the
    /// finding); both go into the round's report.
    pub proposal: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = review_disputes)]
pub struct Dispute {
    pub id: i64,
    pub round_id: i64,
    pub task_id: i64,
    pub criterion_id: Option<i64>,
    pub raised_by: i64,
    pub reason: String,
    pub raised_at: NaiveDateTime,
    pub answer: Option<String>,
    /// The lead's answer: `true` the dispute is accepted (the result is to
    /// be corrected), `false` the result stands; `None` until answered.
    pub dispute_accepted: Option<bool>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
}

// ---------------------------------------------------------------- rubric

pub fn rubric(conn: &mut DbConnection) -> QueryResult<Vec<RubricItem>> {
    review_rubric::table
        .order((review_rubric::sort_order, review_rubric::id))
        .select(RubricItem::as_select())
        .load(conn)
}

pub fn set_rubric(conn: &mut DbConnection, items: &[CriterionFields]) -> QueryResult<Change> {
    let before: Vec<CriterionFields> = rubric(conn)?.iter().map(RubricItem::fields).collect();
    diesel::delete(review_rubric::table).execute(conn)?;
    for (i, c) in items.iter().enumerate() {
        diesel::insert_into(review_rubric::table)
            .values((
                review_rubric::name_vi.eq(&c.name_vi),
                review_rubric::name_en.eq(&c.name_en),
                review_rubric::max_points.eq(c.max_points),
                review_rubric::sort_order.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(Change {
        action: "update",
        entity: "review_rubric",
        entity_id: None,
        unit_id: None,
        changes: json!({"before": before, "after": items}),
    })
}

// ---------------------------------------------------------------- rounds

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Round> {
    review_rounds::table
        .find(id)
        .select(Round::as_select())
        .first(conn)
}

/// Every round with its unit's name and path, newest year first. Rounds are
/// few (one per unit and year); callers filter by what the reader may see.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(Round, String, String)>> {
    review_rounds::table
        .inner_join(units::table)
        .select((Round::as_select(), units::name, units::path))
        .order((review_rounds::year.desc(), units::path, review_rounds::id))
        .load(conn)
}

/// Up to `limit` rounds with an id above `after`, by id, on a reader's list
/// (`app::reviews::listed`): those of units in `reviewed` (the subtrees the
/// reader writes reviews in), and past their draft those of the units a
/// reader of `viewed` reaches.
pub fn listed_after(
    conn: &mut DbConnection,
    reviewed: &[String],
    viewed: &[String],
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Round>> {
    let draft = crate::domain::review::RoundStatus::Draft.as_str();
    review_rounds::table
        .inner_join(units::table)
        .filter(
            super::scope::path_in(reviewed).or(review_rounds::status
                .ne(draft)
                .and(super::scope::reaching(viewed))),
        )
        .filter(review_rounds::id.gt(after))
        .select(Round::as_select())
        .order(review_rounds::id)
        .limit(limit)
        .load(conn)
}

pub fn exists_for(conn: &mut DbConnection, unit_id: i64, year: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        review_rounds::table
            .filter(review_rounds::unit_id.eq(unit_id))
            .filter(review_rounds::year.eq(year)),
    ))
    .get_result(conn)
}

/// Tasks of the unit's subtree registered for `year`: the default content of a round.
pub fn candidate_tasks(
    conn: &mut DbConnection,
    unit_path: &str,
    year: i32,
) -> QueryResult<Vec<(i64, String, String)>> {
    tasks::table
        .inner_join(units::table)
        .filter(units::path.like(format!("{unit_path}%")))
        .filter(tasks::campaign_year.eq(year))
        .select((tasks::id, tasks::title, units::name))
        .order((units::path, tasks::title, tasks::id))
        .load(conn)
}

pub fn fields_of(r: &Round) -> RoundFields {
    RoundFields {
        unit_id: r.unit_id,
        year: r.year,
        title: r.title.clone(),
        lead_id: r.lead_id,
        combine_rule: r.rule(),
        self_due: r.self_due,
        review_due: r.review_due,
        report_number: r.report_number.clone(),
        report_place: r.report_place.clone(),
        signer_title: r.signer_title.clone(),
        signer_name: r.signer_name.clone(),
    }
}

/// Opens a draft round with the default rubric and every task of the unit's
/// subtree registered for the year.
pub fn create(
    conn: &mut DbConnection,
    f: &RoundFields,
    unit_path: &str,
    by: i64,
) -> QueryResult<(Round, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(review_rounds::table)
        .values((
            review_rounds::unit_id.eq(f.unit_id),
            review_rounds::year.eq(f.year),
            review_rounds::title.eq(&f.title),
            review_rounds::status.eq(RoundStatus::Draft.as_str()),
            review_rounds::lead_id.eq(f.lead_id),
            review_rounds::combine_rule.eq(f.combine_rule.as_str()),
            review_rounds::self_due.eq(f.self_due),
            review_rounds::review_due.eq(f.review_due),
            review_rounds::report_number.eq(&f.report_number),
            review_rounds::report_place.eq(&f.report_place),
            review_rounds::signer_title.eq(&f.signer_title),
            review_rounds::signer_name.eq(&f.signer_name),
            review_rounds::version.eq(1),
            review_rounds::created_by.eq(by),
            review_rounds::created_at.eq(now),
            review_rounds::updated_at.eq(now),
        ))
        .returning(review_rounds::id)
        .get_result(conn)?;
    let items: Vec<CriterionFields> = rubric(conn)?.iter().map(RubricItem::fields).collect();
    insert_criteria(conn, id, &items)?;
    let task_ids: Vec<i64> = candidate_tasks(conn, unit_path, f.year)?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    for t in &task_ids {
        insert_task(conn, id, *t)?;
    }
    Ok((
        find(conn, id)?,
        Change::new(
            "create",
            "review_round",
            id,
            json!({"fields": f, "criteria": items, "tasks": task_ids}),
        )
        .on_unit(f.unit_id),
    ))
}

fn insert_task(conn: &mut DbConnection, round_id: i64, task_id: i64) -> QueryResult<()> {
    diesel::insert_into(review_tasks::table)
        .values((
            review_tasks::round_id.eq(round_id),
            review_tasks::task_id.eq(task_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub(crate) fn insert_criteria(
    conn: &mut DbConnection,
    round_id: i64,
    items: &[CriterionFields],
) -> QueryResult<()> {
    for (i, c) in items.iter().enumerate() {
        diesel::insert_into(review_criteria::table)
            .values((
                review_criteria::round_id.eq(round_id),
                review_criteria::name_vi.eq(&c.name_vi),
                review_criteria::name_en.eq(&c.name_en),
                review_criteria::max_points.eq(c.max_points),
                review_criteria::sort_order.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Holds the round in one of `statuses` for the rest of the transaction: the
/// row is touched (and so locked on PostgreSQL) only if its status is still
/// one of them. A write that must not reach a frozen round calls this first.
pub fn hold(conn: &mut DbConnection, round_id: i64, statuses: &[RoundStatus]) -> QueryResult<bool> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let n = diesel::update(
        review_rounds::table
            .filter(review_rounds::id.eq(round_id))
            .filter(review_rounds::status.eq_any(names)),
    )
    .set(review_rounds::updated_at.eq(super::now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Saves the settings if the round is still at `version` and not yet in
/// scoring; `None` when it is not.
pub fn update(
    conn: &mut DbConnection,
    round: &Round,
    version: i32,
    f: &RoundFields,
) -> QueryResult<Option<(Round, Change)>> {
    let open = [
        RoundStatus::Draft.as_str(),
        RoundStatus::SelfAssessment.as_str(),
    ];
    let n = diesel::update(
        review_rounds::table
            .filter(review_rounds::id.eq(round.id))
            .filter(review_rounds::version.eq(version))
            .filter(review_rounds::status.eq_any(open)),
    )
    .set((
        review_rounds::title.eq(&f.title),
        review_rounds::lead_id.eq(f.lead_id),
        review_rounds::combine_rule.eq(f.combine_rule.as_str()),
        review_rounds::self_due.eq(f.self_due),
        review_rounds::review_due.eq(f.review_due),
        review_rounds::report_number.eq(&f.report_number),
        review_rounds::report_place.eq(&f.report_place),
        review_rounds::signer_title.eq(&f.signer_title),
        review_rounds::signer_name.eq(&f.signer_name),
        review_rounds::version.eq(version + 1),
        review_rounds::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some((
        find(conn, round.id)?,
        Change::new(
            "update",
            "review_round",
            round.id,
            diff(&fields_of(round), f),
        )
        .on_unit(round.unit_id),
    )))
}

pub fn criteria(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<Criterion>> {
    review_criteria::table
        .filter(review_criteria::round_id.eq(round_id))
        .order((review_criteria::sort_order, review_criteria::id))
        .select(Criterion::as_select())
        .load(conn)
}

/// Replaces a draft round's criteria; `None` if the round is no longer a draft.
pub fn set_criteria(
    conn: &mut DbConnection,
    round: &Round,
    items: &[CriterionFields],
) -> QueryResult<Option<Change>> {
    if !hold(conn, round.id, &[RoundStatus::Draft])? {
        return Ok(None);
    }
    let before: Vec<CriterionFields> = criteria(conn, round.id)?
        .iter()
        .map(Criterion::fields)
        .collect();
    diesel::delete(review_criteria::table.filter(review_criteria::round_id.eq(round.id)))
        .execute(conn)?;
    insert_criteria(conn, round.id, items)?;
    let change = criteria_replaced("review_round", round.id, &before, items);
    Ok(Some(change.on_unit(round.unit_id)))
}

/// The audit entry of the criteria of a round or campaign replaced.
pub(super) fn criteria_replaced(
    entity: &'static str,
    id: i64,
    before: &[CriterionFields],
    after: &[CriterionFields],
) -> Change {
    let details = json!({"before": before, "after": after});
    Change::new("set_criteria", entity, id, details)
}

/// The round's tasks with their titles, units and owners, in unit order.
pub fn tasks_of(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<RoundTaskRow>> {
    task_rows(conn, round_id, None)
}

/// One task of a round with its names; `None` if the task is not in it.
pub fn task_row(
    conn: &mut DbConnection,
    round_id: i64,
    task_id: i64,
) -> QueryResult<Option<RoundTaskRow>> {
    Ok(task_rows(conn, round_id, Some(task_id))?.into_iter().next())
}

/// Does the user own a task in the round?
pub fn owns_task_in(conn: &mut DbConnection, round_id: i64, user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        review_tasks::table
            .inner_join(tasks::table)
            .filter(review_tasks::round_id.eq(round_id))
            .filter(tasks::owner_id.eq(user_id)),
    ))
    .get_result(conn)
}

fn task_rows(
    conn: &mut DbConnection,
    round_id: i64,
    task_id: Option<i64>,
) -> QueryResult<Vec<RoundTaskRow>> {
    let mut q = review_tasks::table
        .inner_join(
            tasks::table
                .inner_join(units::table)
                .inner_join(users::table),
        )
        .filter(review_tasks::round_id.eq(round_id))
        .into_boxed();
    if let Some(t) = task_id {
        q = q.filter(review_tasks::task_id.eq(t));
    }
    let rows: Vec<(RoundTask, String, i64, i64, String, String, String)> = q
        .select((
            RoundTask::as_select(),
            tasks::title,
            tasks::unit_id,
            tasks::owner_id,
            units::name,
            units::path,
            users::full_name,
        ))
        .order((units::path, tasks::title, tasks::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(rt, title, task_unit_id, task_owner_id, unit_name, unit_path, owner_name)| {
                RoundTaskRow {
                    rt,
                    title,
                    task_unit_id,
                    task_owner_id,
                    unit_name,
                    unit_path,
                    owner_name,
                }
            },
        )
        .collect())
}

pub fn round_task(
    conn: &mut DbConnection,
    round_id: i64,
    task_id: i64,
) -> QueryResult<Option<RoundTask>> {
    review_tasks::table
        .filter(review_tasks::round_id.eq(round_id))
        .filter(review_tasks::task_id.eq(task_id))
        .select(RoundTask::as_select())
        .first(conn)
        .optional()
}

/// The rounds a task is in, newest first.
pub fn rounds_of_task(
    conn: &mut DbConnection,
    task_id: i64,
) -> QueryResult<Vec<(Round, RoundTask)>> {
    review_rounds::table
        .inner_join(review_tasks::table)
        .filter(review_tasks::task_id.eq(task_id))
        .select((Round::as_select(), RoundTask::as_select()))
        .order(review_rounds::year.desc())
        .load(conn)
}

/// Sets which tasks are in a round that has not started scoring; `None` if it has.
pub fn set_tasks(
    conn: &mut DbConnection,
    round: &Round,
    task_ids: &[i64],
) -> QueryResult<Option<Change>> {
    if !hold(
        conn,
        round.id,
        &[RoundStatus::Draft, RoundStatus::SelfAssessment],
    )? {
        return Ok(None);
    }
    let before: Vec<i64> = review_tasks::table
        .filter(review_tasks::round_id.eq(round.id))
        .select(review_tasks::task_id)
        .order(review_tasks::task_id)
        .load(conn)?;
    let removed: Vec<i64> = before
        .iter()
        .copied()
        .filter(|t| !task_ids.contains(t))
        .collect();
    // Self-assessments of a removed task go with it.
    diesel::delete(
        review_scores::table
            .filter(review_scores::round_id.eq(round.id))
            .filter(review_scores::task_id.eq_any(&removed)),
    )
    .execute(conn)?;
    diesel::delete(
        review_tasks::table
            .filter(review_tasks::round_id.eq(round.id))
            .filter(review_tasks::task_id.eq_any(&removed)),
    )
    .execute(conn)?;
    let added: Vec<i64> = task_ids
        .iter()
        .copied()
        .filter(|t| !before.contains(t))
        .collect();
    for t in &added {
        insert_task(conn, round.id, *t)?;
    }
    Ok(Some(
        Change::new(
            "set_tasks",
            "review_round",
            round.id,
            json!({"added": added, "removed": removed}),
        )
        .on_unit(round.unit_id),
    ))
}

/// Why a round could not move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefused {
    /// Someone else moved or edited it first.
    Conflict,
    /// A translation key saying what is missing, with the tasks concerned.
    Missing(&'static str, Vec<String>),
}

/// Moves a round to `next`: opening publishes the criteria, starting scoring
/// records the evidence snapshot, publishing stores and freezes each task's
/// total and rating, reopening (with `reason`) unfreezes them.
pub fn move_to(
    conn: &mut DbConnection,
    round: &Round,
    version: i32,
    next: RoundStatus,
    reason: Option<&str>,
    today: NaiveDate,
) -> QueryResult<Result<(Round, Change), MoveRefused>> {
    let now = super::now();
    if !round.status().can_become(next) {
        return Ok(Err(MoveRefused::Conflict));
    }
    // Claim the round first: on PostgreSQL the row stays locked until commit,
    // so no score can slip in between the checks below and the move.
    let claimed = diesel::update(
        review_rounds::table
            .filter(review_rounds::id.eq(round.id))
            .filter(review_rounds::version.eq(version))
            .filter(review_rounds::status.eq(&round.status)),
    )
    .set((
        review_rounds::status.eq(next.as_str()),
        review_rounds::version.eq(version + 1),
        review_rounds::updated_at.eq(now),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(Err(MoveRefused::Conflict));
    }
    let mut details = json!({"from": round.status, "to": next.as_str()});
    let refused = match (round.status(), next) {
        (RoundStatus::Draft, RoundStatus::SelfAssessment) => {
            let items = criteria(conn, round.id)?;
            let sum: f64 = items.iter().map(|c| c.max_points).sum();
            let count: i64 = review_tasks::table
                .filter(review_tasks::round_id.eq(round.id))
                .count()
                .get_result(conn)?;
            if items.is_empty() || (sum - review::RUBRIC_TOTAL).abs() > 1e-6 {
                Some(MoveRefused::Missing("review-error-weights", vec![]))
            } else if count == 0 {
                Some(MoveRefused::Missing("review-error-no-tasks", vec![]))
            } else {
                diesel::update(review_rounds::table.find(round.id))
                    .set(review_rounds::opened_at.eq(now))
                    .execute(conn)?;
                None
            }
        }
        (RoundStatus::SelfAssessment, RoundStatus::Scoring) => {
            let n = take_snapshot(conn, round.id, today)?;
            diesel::update(review_rounds::table.find(round.id))
                .set((
                    review_rounds::scoring_at.eq(now),
                    review_rounds::snapshot_on.eq(today),
                ))
                .execute(conn)?;
            details["snapshot_tasks"] = json!(n);
            None
        }
        (RoundStatus::Scoring, RoundStatus::Published) => {
            let results = compute(conn, round)?;
            let missing: Vec<String> = results
                .iter()
                .filter(|r| r.total.is_none())
                .map(|r| r.row.title.clone())
                .collect();
            if !missing.is_empty() {
                Some(MoveRefused::Missing("review-error-incomplete", missing))
            } else {
                for r in &results {
                    diesel::update(review_tasks::table.find(r.row.rt.id))
                        .set((
                            review_tasks::total.eq(r.total),
                            review_tasks::rating.eq(r.verdict.map(|v| v.rating.as_str())),
                        ))
                        .execute(conn)?;
                }
                diesel::update(review_rounds::table.find(round.id))
                    .set(review_rounds::published_at.eq(now))
                    .execute(conn)?;
                details["results"] = json!(results
                    .iter()
                    .map(|r| json!({"task_id": r.row.rt.task_id, "total": r.total, "rating": r.verdict.map(|v| v.rating)}))
                    .collect::<Vec<_>>());
                None
            }
        }
        (RoundStatus::Published, RoundStatus::Scoring) => {
            let reason = reason.unwrap_or_default();
            diesel::update(review_tasks::table.filter(review_tasks::round_id.eq(round.id)))
                .set((
                    review_tasks::total.eq(None::<f64>),
                    review_tasks::rating.eq(None::<String>),
                ))
                .execute(conn)?;
            diesel::update(review_rounds::table.find(round.id))
                .set((
                    review_rounds::reopen_reason.eq(reason),
                    review_rounds::published_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            details["reason"] = json!(reason);
            None
        }
        _ => Some(MoveRefused::Conflict),
    };
    if let Some(refused) = refused {
        // Give the claim back; nothing else was written on a refusal.
        diesel::update(review_rounds::table.find(round.id))
            .set((
                review_rounds::status.eq(&round.status),
                review_rounds::version.eq(version),
            ))
            .execute(conn)?;
        return Ok(Err(refused));
    }
    let action = match (round.status(), next) {
        (RoundStatus::Draft, _) => "open",
        (RoundStatus::SelfAssessment, _) => "start_scoring",
        (RoundStatus::Scoring, _) => "publish",
        _ => "reopen",
    };
    Ok(Ok((
        find(conn, round.id)?,
        Change::new(action, "review_round", round.id, details).on_unit(round.unit_id),
    )))
}

/// Records each task's figures as they stand today. Counting is grouped in
/// the database, one query per kind of figure for the whole round.
fn take_snapshot(conn: &mut DbConnection, round_id: i64, today: NaiveDate) -> QueryResult<usize> {
    type TaskFacts = (
        i64,
        i64,
        i64,
        i64,
        String,
        Option<NaiveDate>,
        Option<NaiveDate>,
        String,
    );
    let facts: Vec<TaskFacts> = review_tasks::table
        .inner_join(tasks::table)
        .filter(review_tasks::round_id.eq(round_id))
        .select((
            review_tasks::id,
            tasks::id,
            tasks::unit_id,
            tasks::owner_id,
            tasks::status,
            tasks::deadline,
            tasks::completed_on,
            tasks::consented_stages,
        ))
        .load(conn)?;
    // Households and area per task and stage, from the totals the triggers
    // keep, grouped by task.
    let mut by_stage: HashMap<i64, Vec<(String, i64, f64)>> = HashMap::new();
    for (task_id, stage, n, area) in household_stage_totals::table
        .inner_join(
            review_tasks::table.on(review_tasks::task_id.eq(household_stage_totals::task_id)),
        )
        .filter(review_tasks::round_id.eq(round_id))
        .select((
            household_stage_totals::task_id,
            household_stage_totals::stage,
            household_stage_totals::households,
            household_stage_totals::area_m2,
        ))
        .load::<(i64, String, i32, f64)>(conn)?
    {
        by_stage
            .entry(task_id)
            .or_default()
            .push((stage, i64::from(n), area));
    }
    let visit_counts: HashMap<i64, i64> = visits::table
        .inner_join(review_tasks::table.on(review_tasks::task_id.eq(visits::task_id)))
        .filter(review_tasks::round_id.eq(round_id))
        .filter(visits::visited_on.le(today))
        .filter(visits::kind.ne(super::households::RECORD))
        .group_by(visits::task_id)
        .select((visits::task_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut all_milestones: HashMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
    for (task_id, due, done) in milestones::table
        .inner_join(review_tasks::table.on(review_tasks::task_id.eq(milestones::task_id)))
        .filter(review_tasks::round_id.eq(round_id))
        .select((milestones::task_id, milestones::due_on, milestones::done_on))
        .load::<(i64, NaiveDate, Option<NaiveDate>)>(conn)?
    {
        all_milestones.entry(task_id).or_default().push((due, done));
    }
    for (rt_id, task_id, unit_id, owner_id, status, deadline, completed_on, consented) in &facts {
        let consented = ConsentedSet::parse(consented).unwrap_or_default();
        let (mut total, mut agreed, mut area, mut handed) = (0i64, 0i64, 0.0f64, 0.0f64);
        for (stage, n, a) in by_stage.get(task_id).into_iter().flatten() {
            let (n, a) = (*n, *a);
            total += n;
            area += a;
            if let Some(st) = ConsentStage::parse(stage) {
                if consented.contains(st) {
                    agreed += n;
                }
                if st.group() == crate::domain::consent::StageGroup::HandedOver {
                    handed += a;
                }
            }
        }
        let ms = all_milestones.get(task_id).map_or(&[][..], Vec::as_slice);
        let done = ms.iter().filter(|(_, d)| d.is_some()).count() as i64;
        let on_time = ms
            .iter()
            .filter(|(due, d)| d.is_some_and(|d| d <= *due))
            .count() as i64;
        let status = TaskStatus::parse(status).unwrap_or(TaskStatus::Registered);
        let outcome = Outcome::of(status, *deadline, *completed_on, today);
        diesel::update(review_tasks::table.find(rt_id))
            .set((
                review_tasks::unit_id.eq(unit_id),
                review_tasks::owner_id.eq(owner_id),
                review_tasks::snap_status.eq(status.as_str()),
                review_tasks::snap_deadline.eq(deadline),
                review_tasks::snap_completed_on.eq(completed_on),
                review_tasks::snap_outcome.eq(outcome.as_str()),
                review_tasks::snap_days_late.eq(days_late(*deadline, *completed_on, today)),
                review_tasks::snap_households.eq(total),
                review_tasks::snap_households_consented.eq(agreed),
                review_tasks::snap_area_m2.eq(area),
                review_tasks::snap_area_handed_over_m2.eq(handed),
                review_tasks::snap_visits.eq(visit_counts.get(task_id).copied().unwrap_or(0)),
                review_tasks::snap_milestones.eq(ms.len() as i64),
                review_tasks::snap_milestones_done.eq(done),
                review_tasks::snap_milestones_on_time.eq(on_time),
                review_tasks::snap_exceeded.eq(review::exceeded(
                    outcome,
                    *deadline,
                    *completed_on,
                    total,
                    agreed,
                )),
            ))
            .execute(conn)?;
    }
    Ok(facts.len())
}

// ---------------------------------------------------------------- scores

/// Every score given to one task in a round, with its author's name.
/// A score's criterion, kind, points and comment, its task's title and id,
/// and the proposal written with it.
pub type Commented = (i64, String, f64, String, String, i64, String);

/// The scores of a round with their comments and the task's title, for the
/// report's findings: every criterion, the kinds asked for.
pub fn comments_of_round(
    conn: &mut DbConnection,
    round_id: i64,
    kinds: &[&str],
) -> QueryResult<Vec<Commented>> {
    use super::schema::tasks;
    review_scores::table
        .inner_join(tasks::table.on(tasks::id.eq(review_scores::task_id)))
        .filter(review_scores::round_id.eq(round_id))
        .filter(review_scores::kind.eq_any(kinds))
        .select((
            review_scores::criterion_id,
            review_scores::kind,
            review_scores::score,
            review_scores::comment,
            tasks::title,
            review_scores::task_id,
            review_scores::proposal,
        ))
        .order((
            review_scores::criterion_id,
            review_scores::score,
            tasks::title,
        ))
        .load(conn)
}

pub fn scores_of(
    conn: &mut DbConnection,
    round_id: i64,
    task_id: i64,
) -> QueryResult<Vec<(Score, String)>> {
    review_scores::table
        .inner_join(users::table.on(users::id.eq(review_scores::author_id)))
        .filter(review_scores::round_id.eq(round_id))
        .filter(review_scores::task_id.eq(task_id))
        .select((Score::as_select(), users::full_name))
        .order((
            review_scores::criterion_id,
            review_scores::kind,
            users::full_name,
        ))
        .load(conn)
}

/// One score as written.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreFields {
    pub criterion_id: i64,
    pub score: f64,
    pub comment: String,
    pub private_note: String,
    pub evidence: String,
    pub proposal: String,
}

/// Writes the author's scores of one kind for a task, replacing theirs.
/// The caller holds the round in the right status first.
pub fn save_scores(
    conn: &mut DbConnection,
    round: &Round,
    task_id: i64,
    kind: &'static str,
    author_id: i64,
    items: &[ScoreFields],
) -> QueryResult<Change> {
    let now = super::now();
    for s in items {
        let existing: Option<i64> = review_scores::table
            .filter(review_scores::round_id.eq(round.id))
            .filter(review_scores::task_id.eq(task_id))
            .filter(review_scores::criterion_id.eq(s.criterion_id))
            .filter(review_scores::kind.eq(kind))
            .filter(review_scores::author_id.eq(author_id))
            .select(review_scores::id)
            .first(conn)
            .optional()?;
        let values = (
            review_scores::score.eq(s.score),
            review_scores::comment.eq(&s.comment),
            review_scores::private_note.eq(&s.private_note),
            review_scores::evidence.eq(&s.evidence),
            review_scores::proposal.eq(&s.proposal),
            review_scores::updated_at.eq(now),
        );
        match existing {
            Some(id) => {
                diesel::update(review_scores::table.find(id))
                    .set(values)
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(review_scores::table)
                    .values((
                        review_scores::round_id.eq(round.id),
                        review_scores::task_id.eq(task_id),
                        review_scores::criterion_id.eq(s.criterion_id),
                        review_scores::kind.eq(kind),
                        review_scores::author_id.eq(author_id),
                        values,
                    ))
                    .execute(conn)?;
            }
        }
    }
    // Private notes stay out of the audit log's readable changes.
    let logged: Vec<_> = items
        .iter()
        .map(|s| json!({"criterion_id": s.criterion_id, "score": s.score, "comment": s.comment, "proposal": s.proposal}))
        .collect();
    Ok(Change::new(
        "score",
        "review_round",
        round.id,
        json!({"task_id": task_id, "kind": kind, "scores": logged}),
    )
    .on_unit(round.unit_id))
}

/// Per task: how many self-assessment scores are in, and how many reviewers scored.
pub fn scoring_progress(
    conn: &mut DbConnection,
    round_id: i64,
) -> QueryResult<HashMap<i64, (i64, i64)>> {
    let rows: Vec<(i64, String, i64)> = review_scores::table
        .filter(review_scores::round_id.eq(round_id))
        .filter(review_scores::kind.ne(CONSENSUS))
        .select((
            review_scores::task_id,
            review_scores::kind,
            review_scores::author_id,
        ))
        .distinct()
        .load(conn)?;
    let self_counts: Vec<(i64, i64)> = review_scores::table
        .filter(review_scores::round_id.eq(round_id))
        .filter(review_scores::kind.eq(SELF))
        .group_by(review_scores::task_id)
        .select((review_scores::task_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for (task, n) in self_counts {
        out.entry(task).or_default().0 = n;
    }
    for (task, kind, _) in rows {
        if kind == REVIEW {
            out.entry(task).or_default().1 += 1;
        }
    }
    Ok(out)
}

/// A task's result in a round: the score per criterion, the total, the rating.
#[derive(Debug, Clone, Serialize)]
pub struct TaskResult {
    pub row: RoundTaskRow,
    /// Per criterion, in the round's order.
    pub scores: Vec<Option<f64>>,
    pub total: Option<f64>,
    pub verdict: Option<Verdict>,
}

/// The outcome record of one round task, from its snapshot.
pub fn record_of(rt: &RoundTask) -> Record {
    let mut r = Record::default();
    if let Some(o) = rt.outcome() {
        r.add(o, rt.snap_exceeded.unwrap_or(false));
    }
    r
}

/// Every task's result, computed from the scores now stored (while scoring)
/// or read as frozen at publication.
pub fn compute(conn: &mut DbConnection, round: &Round) -> QueryResult<Vec<TaskResult>> {
    let items = criteria(conn, round.id)?;
    let rows = tasks_of(conn, round.id)?;
    let scores: Vec<(i64, i64, String, f64)> = review_scores::table
        .filter(review_scores::round_id.eq(round.id))
        .filter(review_scores::kind.ne(SELF))
        .select((
            review_scores::task_id,
            review_scores::criterion_id,
            review_scores::kind,
            review_scores::score,
        ))
        .load(conn)?;
    let mut by_task: HashMap<i64, Vec<(i64, String, f64)>> = HashMap::new();
    for (t, c, k, s) in scores {
        by_task.entry(t).or_default().push((c, k, s));
    }
    let rule = round.rule();
    let frozen = round.status() == RoundStatus::Published;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = by_task
                .get(&row.rt.task_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let scores: Vec<Option<f64>> = items
                .iter()
                .map(|c| criterion_score(rule, c.id, mine))
                .collect();
            let (total, verdict) = if frozen {
                let verdict = row
                    .rt
                    .total
                    .map(|t| review::rate(t, &record_of(&row.rt), false));
                (row.rt.total, verdict)
            } else {
                let total = review::total(&scores);
                (
                    total,
                    total.map(|t| review::rate(t, &record_of(&row.rt), false)),
                )
            };
            TaskResult {
                row,
                scores,
                total,
                verdict,
            }
        })
        .collect())
}

/// One criterion's combined score from a task's (criterion, kind, score) rows.
pub fn criterion_score(
    rule: CombineRule,
    criterion_id: i64,
    rows: &[(i64, String, f64)],
) -> Option<f64> {
    let reviewers: Vec<f64> = rows
        .iter()
        .filter(|(c, k, _)| *c == criterion_id && k == REVIEW)
        .map(|(_, _, s)| *s)
        .collect();
    let consensus = rows
        .iter()
        .find(|(c, k, _)| *c == criterion_id && k == CONSENSUS)
        .map(|(_, _, s)| *s);
    rule.combine(&reviewers, consensus)
}

// ---------------------------------------------------------------- disputes

pub fn dispute_of(
    conn: &mut DbConnection,
    round_id: i64,
    task_id: i64,
) -> QueryResult<Option<Dispute>> {
    review_disputes::table
        .filter(review_disputes::round_id.eq(round_id))
        .filter(review_disputes::task_id.eq(task_id))
        .select(Dispute::as_select())
        .first(conn)
        .optional()
}

/// Disputes of a round with the task title, for the lead's worklist.
pub fn disputes(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<(Dispute, String)>> {
    review_disputes::table
        .inner_join(tasks::table.on(tasks::id.eq(review_disputes::task_id)))
        .filter(review_disputes::round_id.eq(round_id))
        .select((Dispute::as_select(), tasks::title))
        .order(review_disputes::raised_at)
        .load(conn)
}

/// Records the owner's dispute; `None` if the task already has one (once only).
pub fn raise_dispute(
    conn: &mut DbConnection,
    round: &Round,
    task_id: i64,
    criterion_id: Option<i64>,
    by: i64,
    reason: &str,
) -> QueryResult<Option<Change>> {
    if dispute_of(conn, round.id, task_id)?.is_some() {
        return Ok(None);
    }
    diesel::insert_into(review_disputes::table)
        .values((
            review_disputes::round_id.eq(round.id),
            review_disputes::task_id.eq(task_id),
            review_disputes::criterion_id.eq(criterion_id),
            review_disputes::raised_by.eq(by),
            review_disputes::reason.eq(reason),
            review_disputes::raised_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(Some(
        Change::new(
            "dispute",
            "review_round",
            round.id,
            json!({"task_id": task_id, "criterion_id": criterion_id, "reason": reason}),
        )
        .on_unit(round.unit_id),
    ))
}

/// The lead's answer to a dispute not yet answered, with what it decided;
/// `None` if it was answered already.
pub fn answer_dispute(
    conn: &mut DbConnection,
    round: &Round,
    task_id: i64,
    answer: &str,
    decision: DisputeAnswer,
    by: i64,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        review_disputes::table
            .filter(review_disputes::round_id.eq(round.id))
            .filter(review_disputes::task_id.eq(task_id))
            .filter(review_disputes::answer.is_null()),
    )
    .set((
        review_disputes::answer.eq(answer),
        review_disputes::dispute_accepted.eq(decision.dispute_accepted()),
        review_disputes::answered_by.eq(by),
        review_disputes::answered_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "answer_dispute",
            "review_round",
            round.id,
            json!({"task_id": task_id, "answer": answer, "decision": decision.as_str()}),
        )
        .on_unit(round.unit_id)
    }))
}

// ---------------------------------------------------------------- people

/// Active reviewers and administrators who reach the unit: who may lead a
/// round there or score in it.
pub fn reviewers_reaching(
    conn: &mut DbConnection,
    unit_path: &str,
) -> QueryResult<Vec<(i64, String, String)>> {
    super::users::reaching_in_roles(conn, unit_path, &[Role::Reviewer, Role::Admin])
}

/// Names of users by id, for pages that show who wrote what.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::full_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Units by id with name and path.
pub fn unit_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, (String, String)>> {
    Ok(units::table
        .filter(units::id.eq_any(ids))
        .select((units::id, units::name, units::path))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, n, p)| (id, (n, p)))
        .collect())
}

// ---------------------------------------------------------------- evidence

/// For cited evidence, what each item is (a label) and where it is, if it
/// belongs to the task; items of another task are left out.
pub fn evidence_of_task(
    conn: &mut DbConnection,
    task_id: i64,
    items: &[Evidence],
) -> QueryResult<HashMap<Evidence, (String, String)>> {
    let ids = |pick: fn(&Evidence) -> Option<i64>| -> Vec<i64> {
        items.iter().filter_map(pick).collect()
    };
    let mut out = HashMap::new();
    let hh: Vec<(i64, String)> = households::table
        .filter(households::task_id.eq(task_id))
        .filter(households::id.eq_any(ids(|e| match e {
            Evidence::Household(id) => Some(*id),
            _ => None,
        })))
        .select((households::id, households::head_name))
        .load(conn)?;
    for (id, name) in hh {
        out.insert(Evidence::Household(id), (name, format!("/households/{id}")));
    }
    let vv: Vec<(i64, i64, NaiveDate, String)> = visits::table
        .inner_join(households::table)
        .filter(visits::task_id.eq(task_id))
        .filter(visits::id.eq_any(ids(|e| match e {
            Evidence::Visit(id) => Some(*id),
            _ => None,
        })))
        .select((
            visits::id,
            visits::household_id,
            visits::visited_on,
            households::head_name,
        ))
        .load(conn)?;
    for (id, hid, on, name) in vv {
        out.insert(
            Evidence::Visit(id),
            (
                format!("{name} · {}", crate::domain::format::date(on)),
                format!("/households/{hid}#visit-{id}"),
            ),
        );
    }
    let mm: Vec<(i64, String)> = milestones::table
        .filter(milestones::task_id.eq(task_id))
        .filter(milestones::id.eq_any(ids(|e| match e {
            Evidence::Milestone(id) => Some(*id),
            _ => None,
        })))
        .select((milestones::id, milestones::title))
        .load(conn)?;
    for (id, title) in mm {
        out.insert(
            Evidence::Milestone(id),
            (title, format!("/tasks/{task_id}#milestone-{id}")),
        );
    }
    Ok(out)
}
