//! Recommendations that bodies must answer by a deadline, the inspection
//! visits that raise them, the holiday calendar the deadlines are counted
//! with, attachments, and annual targets.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::Change;
use super::schema::{
    attachments, calendar_days, inspections, recommendation_events, recommendations, response_days,
    target_values, targets, units, users,
};
use super::DbConnection;
use crate::domain::targets::{self as targets_rule, Direction, Plan, Standing};
use crate::domain::workdays::{Calendar, DayKind};

/// Working days a body has to answer when nothing else is set.
pub const DEFAULT_RESPONSE_DAYS: i32 = 10;

// ---------------------------------------------------------------- calendar

pub fn calendar(conn: &mut DbConnection) -> QueryResult<Calendar> {
    let rows: Vec<(NaiveDate, String, String)> = calendar_days::table
        .select((
            calendar_days::on_date,
            calendar_days::kind,
            calendar_days::name,
        ))
        .load(conn)?;
    Ok(Calendar::new(rows.into_iter().filter_map(|(d, k, n)| {
        DayKind::parse(&k).map(|k| (d, k, n))
    })))
}

pub fn calendar_year(
    conn: &mut DbConnection,
    year: i32,
) -> QueryResult<Vec<(NaiveDate, String, String)>> {
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    calendar_days::table
        .filter(calendar_days::on_date.between(from, to))
        .select((
            calendar_days::on_date,
            calendar_days::kind,
            calendar_days::name,
        ))
        .order(calendar_days::on_date)
        .load(conn)
}

/// Sets what a date is (replacing what it was).
pub fn set_day(
    conn: &mut DbConnection,
    on: NaiveDate,
    kind: DayKind,
    name: &str,
) -> QueryResult<Change> {
    diesel::delete(calendar_days::table.find(on)).execute(conn)?;
    diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::on_date.eq(on),
            calendar_days::kind.eq(kind.as_str()),
            calendar_days::name.eq(name),
        ))
        .execute(conn)?;
    Ok(Change {
        action: "set_day",
        entity: "calendar",
        entity_id: None,
        unit_id: None,
        changes: json!({"date": on, "kind": kind, "name": name}),
    })
}

pub fn remove_day(conn: &mut DbConnection, on: NaiveDate) -> QueryResult<Option<Change>> {
    let n = diesel::delete(calendar_days::table.find(on)).execute(conn)?;
    Ok((n == 1).then(|| Change {
        action: "remove_day",
        entity: "calendar",
        entity_id: None,
        unit_id: None,
        changes: json!({"date": on}),
    }))
}

pub fn response_days_for(conn: &mut DbConnection, unit_id: i64) -> QueryResult<i32> {
    Ok(response_days::table
        .find(unit_id)
        .select(response_days::days)
        .first(conn)
        .optional()?
        .unwrap_or(DEFAULT_RESPONSE_DAYS))
}

/// Bodies with their own number of days: (unit id, name, days).
pub fn response_days_all(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, i32)>> {
    response_days::table
        .inner_join(units::table.on(units::id.eq(response_days::unit_id)))
        .select((units::id, units::name, response_days::days))
        .order(units::name)
        .load(conn)
}

pub fn set_response_days(conn: &mut DbConnection, unit_id: i64, days: i32) -> QueryResult<Change> {
    diesel::delete(response_days::table.find(unit_id)).execute(conn)?;
    diesel::insert_into(response_days::table)
        .values((
            response_days::unit_id.eq(unit_id),
            response_days::days.eq(days),
        ))
        .execute(conn)?;
    Ok(Change::new("set_response_days", "unit", unit_id, json!({"days": days})).on_unit(unit_id))
}

// ---------------------------------------------------------------- inspections

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i64,
    pub unit_id: i64,
    pub by_unit_id: i64,
    pub visited_on: NaiveDate,
    pub members: String,
    pub figures: String,
    pub findings: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, PartialEq, Insertable)]
#[diesel(table_name = inspections)]
pub struct InspectionFields {
    pub unit_id: i64,
    pub by_unit_id: i64,
    pub visited_on: NaiveDate,
    pub members: String,
    pub figures: String,
    pub findings: String,
}

pub fn find_inspection(conn: &mut DbConnection, id: i64) -> QueryResult<Inspection> {
    inspections::table
        .find(id)
        .select(Inspection::as_select())
        .first(conn)
}

pub fn create_inspection(
    conn: &mut DbConnection,
    f: &InspectionFields,
    by: i64,
) -> QueryResult<(Inspection, Change)> {
    let id: i64 = diesel::insert_into(inspections::table)
        .values((
            f,
            inspections::created_by.eq(by),
            inspections::created_at.eq(super::now()),
        ))
        .returning(inspections::id)
        .get_result(conn)?;
    Ok((
        find_inspection(conn, id)?,
        Change::new("create", "inspection", id, json!(f)).on_unit(f.unit_id),
    ))
}

/// Inspections with the visited unit's name and path and the group's path.
pub fn inspections_all(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(Inspection, String, String, String)>> {
    let rows: Vec<(Inspection, String, String)> = inspections::table
        .inner_join(units::table.on(units::id.eq(inspections::unit_id)))
        .select((Inspection::as_select(), units::name, units::path))
        .order(inspections::visited_on.desc())
        .load(conn)?;
    let by: Vec<(i64, String)> = units::table
        .filter(units::id.eq_any(rows.iter().map(|r| r.0.by_unit_id).collect::<Vec<_>>()))
        .select((units::id, units::path))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(i, name, path)| {
            let by_path = by
                .iter()
                .find(|(id, _)| *id == i.by_unit_id)
                .map(|(_, p)| p.clone())
                .unwrap_or_default();
            (i, name, path, by_path)
        })
        .collect())
}

// ---------------------------------------------------------------- recommendations

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = recommendations)]
pub struct Recommendation {
    pub id: i64,
    pub inspection_id: Option<i64>,
    pub from_unit_id: i64,
    pub to_unit_id: i64,
    pub field: String,
    pub content: String,
    pub raised_on: NaiveDate,
    pub working_days: i32,
    pub due_on: NaiveDate,
    pub status: String,
    pub answer: Option<String>,
    pub answer_attachment_id: Option<i64>,
    pub answered_on: Option<NaiveDate>,
    pub reopened: bool,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Statuses as stored.
pub const OPEN: &str = "open";
pub const ANSWERED: &str = "answered";
pub const ACCEPTED: &str = "accepted";

#[derive(Debug, Clone, Serialize, PartialEq, Insertable)]
#[diesel(table_name = recommendations, treat_none_as_null = true)]
pub struct RecommendationFields {
    pub inspection_id: Option<i64>,
    pub from_unit_id: i64,
    pub to_unit_id: i64,
    pub field: String,
    pub content: String,
    pub raised_on: NaiveDate,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Recommendation> {
    recommendations::table
        .find(id)
        .select(Recommendation::as_select())
        .first(conn)
}

fn event(
    conn: &mut DbConnection,
    rec: i64,
    action: &str,
    note: &str,
    to_unit: Option<i64>,
    due_on: Option<NaiveDate>,
    by: i64,
) -> QueryResult<()> {
    diesel::insert_into(recommendation_events::table)
        .values((
            recommendation_events::recommendation_id.eq(rec),
            recommendation_events::action.eq(action),
            recommendation_events::note.eq(note),
            recommendation_events::to_unit_id.eq(to_unit),
            recommendation_events::due_on.eq(due_on),
            recommendation_events::by_id.eq(by),
            recommendation_events::at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn create(
    conn: &mut DbConnection,
    f: &RecommendationFields,
    working_days: i32,
    due_on: NaiveDate,
    by: i64,
) -> QueryResult<(Recommendation, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(recommendations::table)
        .values((
            f,
            recommendations::working_days.eq(working_days),
            recommendations::due_on.eq(due_on),
            recommendations::status.eq(OPEN),
            recommendations::reopened.eq(false),
            recommendations::version.eq(1),
            recommendations::created_by.eq(by),
            recommendations::created_at.eq(now),
            recommendations::updated_at.eq(now),
        ))
        .returning(recommendations::id)
        .get_result(conn)?;
    event(conn, id, "raised", "", Some(f.to_unit_id), Some(due_on), by)?;
    Ok((
        find(conn, id)?,
        Change::new(
            "raise",
            "recommendation",
            id,
            json!({"fields": f, "due_on": due_on}),
        )
        .on_unit(f.from_unit_id),
    ))
}

/// A move of a recommendation.
#[derive(Debug, Clone, Serialize)]
pub enum Move {
    Answer {
        text: String,
        on: NaiveDate,
        attachment_id: Option<i64>,
    },
    Transfer {
        to_unit_id: i64,
        due_on: NaiveDate,
        working_days: i32,
        reason: String,
    },
    Extend {
        due_on: NaiveDate,
        reason: String,
    },
    Accept,
    Reopen {
        reason: String,
        due_on: NaiveDate,
    },
}

impl Move {
    fn action(&self) -> &'static str {
        match self {
            Move::Answer { .. } => "answered",
            Move::Transfer { .. } => "transferred",
            Move::Extend { .. } => "extended",
            Move::Accept => "accepted",
            Move::Reopen { .. } => "reopened",
        }
    }

    /// The status a recommendation must be in for this move.
    fn required_status(&self) -> &'static str {
        match self {
            Move::Answer { .. } | Move::Transfer { .. } | Move::Extend { .. } => OPEN,
            Move::Accept | Move::Reopen { .. } => ANSWERED,
        }
    }
}

/// Applies a move to a recommendation still at `version` and in the right
/// status (a reopening only once); `None` otherwise.
pub fn apply(
    conn: &mut DbConnection,
    r: &Recommendation,
    version: i32,
    m: &Move,
    by: i64,
) -> QueryResult<Option<Change>> {
    let target = recommendations::table
        .filter(recommendations::id.eq(r.id))
        .filter(recommendations::version.eq(version))
        .filter(recommendations::status.eq(m.required_status()));
    let now = super::now();
    let bump = (
        recommendations::version.eq(version + 1),
        recommendations::updated_at.eq(now),
    );
    let n = match m {
        Move::Answer {
            text,
            on,
            attachment_id,
        } => diesel::update(target)
            .set((
                recommendations::status.eq(ANSWERED),
                recommendations::answer.eq(text),
                recommendations::answered_on.eq(on),
                recommendations::answer_attachment_id.eq(attachment_id),
                bump,
            ))
            .execute(conn)?,
        Move::Transfer {
            to_unit_id,
            due_on,
            working_days,
            ..
        } => diesel::update(target)
            .set((
                recommendations::to_unit_id.eq(to_unit_id),
                recommendations::due_on.eq(due_on),
                recommendations::working_days.eq(working_days),
                bump,
            ))
            .execute(conn)?,
        Move::Extend { due_on, .. } => diesel::update(target)
            .set((recommendations::due_on.eq(due_on), bump))
            .execute(conn)?,
        Move::Accept => diesel::update(target)
            .set((recommendations::status.eq(ACCEPTED), bump))
            .execute(conn)?,
        Move::Reopen { due_on, .. } => {
            diesel::update(target.filter(recommendations::reopened.eq(false)))
                .set((
                    recommendations::status.eq(OPEN),
                    recommendations::reopened.eq(true),
                    recommendations::due_on.eq(due_on),
                    recommendations::answered_on.eq(None::<NaiveDate>),
                    bump,
                ))
                .execute(conn)?
        }
    };
    if n == 0 {
        return Ok(None);
    }
    let (note, to_unit, due) = match m {
        Move::Answer { text, .. } => (text.as_str(), None, None),
        Move::Transfer {
            to_unit_id,
            due_on,
            reason,
            ..
        } => (reason.as_str(), Some(*to_unit_id), Some(*due_on)),
        Move::Extend { due_on, reason } => (reason.as_str(), None, Some(*due_on)),
        Move::Accept => ("", None, None),
        Move::Reopen { reason, due_on } => (reason.as_str(), None, Some(*due_on)),
    };
    event(conn, r.id, m.action(), note, to_unit, due, by)?;
    Ok(Some(
        Change::new(m.action(), "recommendation", r.id, json!(m)).on_unit(r.from_unit_id),
    ))
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = recommendation_events)]
pub struct EventRow {
    pub action: String,
    pub note: String,
    pub to_unit_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    #[diesel(select_expression = users::full_name)]
    pub by_name: String,
    pub at: NaiveDateTime,
}

pub fn events(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<EventRow>> {
    recommendation_events::table
        .inner_join(users::table.on(users::id.eq(recommendation_events::by_id)))
        .filter(recommendation_events::recommendation_id.eq(id))
        .select(EventRow::as_select())
        .order((recommendation_events::at, recommendation_events::id))
        .load(conn)
}

/// Every unit's name by id, for lists that name both ends.
pub fn unit_names(conn: &mut DbConnection) -> QueryResult<std::collections::HashMap<i64, String>> {
    Ok(units::table
        .select((units::id, units::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Every recommendation with both units' paths, newest first; callers keep
/// those the reader may see. Used by the list and the statistics.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(Recommendation, String, String)>> {
    let recs: Vec<Recommendation> = recommendations::table
        .select(Recommendation::as_select())
        .order((
            recommendations::raised_on.desc(),
            recommendations::id.desc(),
        ))
        .load(conn)?;
    let paths: Vec<(i64, String)> = units::table.select((units::id, units::path)).load(conn)?;
    let path_of = |id: i64| {
        paths
            .iter()
            .find(|(u, _)| *u == id)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    };
    Ok(recs
        .into_iter()
        .map(|r| {
            let (from, to) = (path_of(r.from_unit_id), path_of(r.to_unit_id));
            (r, from, to)
        })
        .collect())
}

/// What the API's list of recommendations keeps.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// The subtrees the reader views: a recommendation raised by or to a
    /// unit in them.
    pub scope: Vec<String>,
    pub status: Option<String>,
    /// Open ones due within these days (both included; `None`: no bound).
    pub due: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
}

/// Up to `limit` recommendations passing the filter with an id above
/// `after`, by id.
pub fn listed_after(
    conn: &mut DbConnection,
    f: &ListFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Recommendation>> {
    let seen_units = || {
        units::table
            .filter(super::scope::within(&f.scope))
            .select(units::id)
    };
    let mut q = recommendations::table
        .filter(
            recommendations::from_unit_id
                .eq_any(seen_units())
                .or(recommendations::to_unit_id.eq_any(seen_units())),
        )
        .filter(recommendations::id.gt(after))
        .into_boxed();
    if let Some(s) = &f.status {
        q = q.filter(recommendations::status.eq(s.clone()));
    }
    if let Some((first, last)) = f.due {
        q = q.filter(recommendations::status.eq(OPEN));
        if let Some(first) = first {
            q = q.filter(recommendations::due_on.ge(first));
        }
        if let Some(last) = last {
            q = q.filter(recommendations::due_on.le(last));
        }
    }
    q.select(Recommendation::as_select())
        .order(recommendations::id)
        .limit(limit)
        .load(conn)
}

pub fn of_inspection(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<Recommendation>> {
    recommendations::table
        .filter(recommendations::inspection_id.eq(id))
        .select(Recommendation::as_select())
        .order(recommendations::id)
        .load(conn)
}

// ---------------------------------------------------------------- attachments

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

pub fn add_attachment(
    conn: &mut DbConnection,
    sha: &str,
    name: &str,
    content_type: &str,
    size: i64,
    by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::sha256.eq(sha),
            attachments::file_name.eq(name),
            attachments::content_type.eq(content_type),
            attachments::size_bytes.eq(size),
            attachments::uploaded_by.eq(by),
            attachments::uploaded_at.eq(super::now()),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

pub fn attachment(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Attachment>> {
    attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .optional()
}

/// The recommendation an attachment answers, to decide who may read it.
pub fn recommendation_of_attachment(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<Recommendation>> {
    recommendations::table
        .filter(recommendations::answer_attachment_id.eq(id))
        .select(Recommendation::as_select())
        .first(conn)
        .optional()
}

// ---------------------------------------------------------------- targets

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = targets)]
pub struct Target {
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub name: String,
    /// The plan; a range's lower bound.
    pub planned: f64,
    pub measure: String,
    /// The value with the latest "as of" date.
    pub actual: Option<f64>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    /// `higher_better`, `lower_better` or `range`.
    pub direction: String,
    /// A range's upper bound.
    pub planned_max: Option<f64>,
    /// The date the actual value is as of.
    pub actual_on: Option<NaiveDate>,
}

impl Target {
    pub fn direction(&self) -> Direction {
        Direction::parse(&self.direction).unwrap_or_default()
    }

    pub fn plan(&self) -> Plan {
        Plan::new(self.direction(), self.planned, self.planned_max)
    }

    /// The verdict on its actual value ([`crate::domain::targets::standing`]).
    pub fn standing(&self) -> Standing {
        targets_rule::standing(&self.plan(), self.actual)
    }
}

/// The summary line of a list of targets, by the same verdict.
pub fn targets_summary(list: &[Target]) -> targets_rule::Summary {
    targets_rule::summary(
        &list
            .iter()
            .map(|t| (t.plan(), t.actual))
            .collect::<Vec<_>>(),
    )
}

/// A target as set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetFields {
    pub unit_id: i64,
    pub year: i32,
    pub name: String,
    pub direction: Direction,
    pub planned: f64,
    pub planned_max: Option<f64>,
    pub measure: String,
}

pub fn targets_of(conn: &mut DbConnection, unit_id: i64, year: i32) -> QueryResult<Vec<Target>> {
    targets::table
        .filter(targets::unit_id.eq(unit_id))
        .filter(targets::year.eq(year))
        .select(Target::as_select())
        .order(targets::id)
        .load(conn)
}

/// Up to `limit` of a unit's targets for a year with an id above `after`,
/// by id (the API's pages).
pub fn targets_after(
    conn: &mut DbConnection,
    unit_id: i64,
    year: i32,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Target>> {
    targets::table
        .filter(targets::unit_id.eq(unit_id))
        .filter(targets::year.eq(year))
        .filter(targets::id.gt(after))
        .select(Target::as_select())
        .order(targets::id)
        .limit(limit)
        .load(conn)
}

pub fn find_target(conn: &mut DbConnection, id: i64) -> QueryResult<Target> {
    targets::table
        .find(id)
        .select(Target::as_select())
        .first(conn)
}

pub fn add_target(conn: &mut DbConnection, f: &TargetFields) -> QueryResult<(i64, Change)> {
    let id: i64 = diesel::insert_into(targets::table)
        .values((
            targets::unit_id.eq(f.unit_id),
            targets::year.eq(f.year),
            targets::name.eq(&f.name),
            targets::direction.eq(f.direction.as_str()),
            targets::planned.eq(f.planned),
            targets::planned_max.eq(f.planned_max),
            targets::measure.eq(&f.measure),
            targets::version.eq(1),
            targets::updated_at.eq(super::now()),
        ))
        .returning(targets::id)
        .get_result(conn)?;
    let change = Change::new(
        "create",
        "target",
        id,
        json!({"year": f.year, "name": f.name, "direction": f.direction, "planned": f.planned,
            "planned_max": f.planned_max, "measure": f.measure}),
    )
    .on_unit(f.unit_id);
    Ok((id, change))
}

/// Records a value as of a date, keeping every earlier one; it becomes the
/// target's actual value unless one as of a later date is there already.
pub fn set_actual(
    conn: &mut DbConnection,
    t: &Target,
    version: i32,
    actual: f64,
    on: NaiveDate,
    by: i64,
) -> QueryResult<Option<Change>> {
    let latest = t.actual_on.is_none_or(|d| on >= d);
    let (value, value_on) = if latest {
        (Some(actual), Some(on))
    } else {
        (t.actual, t.actual_on)
    };
    let n = diesel::update(
        targets::table
            .filter(targets::id.eq(t.id))
            .filter(targets::version.eq(version)),
    )
    .set((
        targets::actual.eq(value),
        targets::actual_on.eq(value_on),
        targets::version.eq(version + 1),
        targets::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    diesel::insert_into(target_values::table)
        .values((
            target_values::target_id.eq(t.id),
            target_values::actual.eq(actual),
            target_values::on_date.eq(on),
            target_values::by_id.eq(by),
            target_values::at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(Some(
        Change::new(
            "set_actual",
            "target",
            t.id,
            json!({"from": t.actual, "to": actual, "on": on}),
        )
        .on_unit(t.unit_id),
    ))
}

/// The history of a unit-year's targets, by "as of" date: (target id,
/// value, as of, who).
pub fn target_history(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, f64, NaiveDate, String)>> {
    target_values::table
        .inner_join(users::table.on(users::id.eq(target_values::by_id)))
        .filter(target_values::target_id.eq_any(ids))
        .select((
            target_values::target_id,
            target_values::actual,
            target_values::on_date,
            users::full_name,
        ))
        .order((
            target_values::target_id,
            target_values::on_date,
            target_values::at,
            target_values::id,
        ))
        .load(conn)
}
