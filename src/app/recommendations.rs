//! Recommendations a responding body answers in writing by a deadline
//! counted in working days (raise, answer, transfer, extend, accept,
//! reopen), and a unit's yearly targets (set one, record what was reached).

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use diesel::OptionalExtension;

use super::Caller;
use super::{
    audited, chosen, forbidden_unless, required_date, write_at, write_if_changed, Rejected,
    Version, Versioned,
};
use crate::attachments;
use crate::context::CurrentUser;
use crate::db::{self, audit, recommendations as rdb, DbConnection};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::numbers;
use crate::domain::recommendation::Field;
use crate::domain::targets::Direction;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays;
use crate::error::{AppError, AppResult};

impl Versioned for rdb::Recommendation {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Versioned for rdb::Target {
    fn version(&self) -> i32 {
        self.version
    }
}

/// Those who manage tasks or units somewhere act for it: raise, answer,
/// move recommendations, set its targets.
pub fn may_act(user: &CurrentUser, path: &str) -> bool {
    user.can(Permission::ManageTasks, path) || user.can(Permission::ManageUnits, path)
}

/// While open, how near or past its deadline a recommendation is, as its
/// code (`on_time`, `due_soon`, `overdue`, `long_overdue`).
pub fn urgency_of(
    cal: &workdays::Calendar,
    r: &rdb::Recommendation,
    today: NaiveDate,
) -> Option<String> {
    let u = (r.status == rdb::OPEN).then(|| workdays::urgency(cal, r.due_on, today))?;
    serde_json::to_value(u).ok()?.as_str().map(str::to_string)
}

/// What the reader may do with a recommendation.
pub struct Access {
    pub rec: rdb::Recommendation,
    pub from: db::units::Unit,
    pub to: db::units::Unit,
    /// The responding body answers, transfers, extends.
    pub responds: bool,
    /// The raising unit accepts or reopens.
    pub raises: bool,
}

/// The recommendation if the reader sees the raising or the responding unit.
pub fn access(conn: &mut DbConnection, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let rec = rdb::find(conn, id)?;
    let from = db::units::find(conn, rec.from_unit_id)?;
    let to = db::units::find(conn, rec.to_unit_id)?;
    if !(user.can(Permission::View, &from.path) || user.can(Permission::View, &to.path)) {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        responds: may_act(user, &to.path),
        raises: may_act(user, &from.path),
        rec,
        from,
        to,
    })
}

/// The inspection, if it exists and the user may raise recommendations from
/// it (acting in the inspecting or the inspected unit, as its page offers).
pub fn raising_inspection(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Option<rdb::Inspection>> {
    let Some(i) = rdb::find_inspection(conn, id).optional()? else {
        return Ok(None);
    };
    let unit = db::units::find(conn, i.unit_id)?;
    let by = db::units::find(conn, i.by_unit_id)?;
    Ok((may_act(user, &by.path) || may_act(user, &unit.path)).then_some(i))
}

/// A recommendation as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct RecInput {
    /// The inspection it comes from, if any.
    pub inspection_id: Option<i64>,
    pub from_unit_id: Option<i64>,
    /// The responding body.
    pub to_unit_id: Option<i64>,
    pub field: String,
    pub content: String,
    pub raised_on: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Checks a recommendation: the raising unit must be one where the user
/// acts, the responding body another active unit, the inspection it comes
/// from (if any) one the user may raise from.
fn check_rec(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &RecInput,
) -> Result<rdb::RecommendationFields, Rejected> {
    let mut e = input.unread.clone();
    let from = e.required_id("from_unit_id", input.from_unit_id);
    let to = e.required_id("to_unit_id", input.to_unit_id);
    let field = Field::parse(&input.field);
    if field.is_none() {
        e.add("field", "error-required");
    }
    let content = e.required("content", &input.content, 5_000);
    let raised_on = required_date(&mut e, "raised_on", input.raised_on);
    let inspection_id = match input.inspection_id {
        Some(id) => {
            let found = raising_inspection(conn, user, id)?;
            if found.is_none() {
                e.add("inspection_id", "error-invalid-choice");
            }
            found.map(|i| i.id)
        }
        None => None,
    };
    let (from_unit, to_unit) = (
        db::units::find_chosen(conn, from)?,
        db::units::find_chosen(conn, to)?,
    );
    chosen::unit(&mut e, "from_unit_id", from, from_unit, |u| {
        may_act(user, &u.path)
    });
    chosen::unit(&mut e, "to_unit_id", to, to_unit, |_| true);
    if from.is_some() && from == to {
        e.add("to_unit_id", "rec-error-same-unit");
    }
    match (from, to, field, raised_on.filter(|_| e.is_empty())) {
        (Some(from), Some(to), Some(field), Some(raised_on)) => Ok(rdb::RecommendationFields {
            inspection_id,
            from_unit_id: from,
            to_unit_id: to,
            field: field.as_str().into(),
            content,
            raised_on,
        }),
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Raises a recommendation (those who manage tasks somewhere), its deadline
/// the responding body's working days from the day it was raised.
pub fn raise(
    conn: &mut DbConnection,
    who: &Caller,
    input: &RecInput,
) -> Result<rdb::Recommendation, Rejected> {
    who.require_anywhere(Permission::ManageTasks)?;
    let f = check_rec(conn, who, input)?;
    audited(conn, who, |c| {
        let days = rdb::response_days_for(c, f.to_unit_id)?;
        let cal = rdb::calendar(c)?;
        let due = workdays::add_working_days(&cal, f.raised_on, days.max(0) as u32);
        rdb::create(c, &f, days, due.due_on, who.id)
    })
}

/// The responding body's answer as typed or sent.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub answer: String,
    /// Today when left out.
    pub answered_on: Option<NaiveDate>,
    /// A file sent with it: its name and its bytes.
    pub file: Option<(String, Vec<u8>)>,
    pub unread: FieldErrors,
}

/// Answers a recommendation made from `version` (the responding body, while
/// it is open): some text, dated between the day it was raised and today,
/// with an attachment kept under `data_dir`; the raising unit is told. A
/// stale answer, or one to a recommendation no longer open, answers it as
/// it is now.
pub fn answer(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    version: Version,
    input: &AnswerInput,
    data_dir: &Path,
) -> Result<rdb::Recommendation, Rejected<rdb::Recommendation>> {
    let a = access(conn, who, id)?;
    forbidden_unless(a.responds)?;
    let mut e = input.unread.clone();
    let text = e.required("answer", &input.answer, 10_000);
    let today = format::today();
    let on = e.date_value("answered_on", input.answered_on.or(Some(today)));
    if on.is_some_and(|d| d < a.rec.raised_on || d > today) {
        e.add("answered_on", "rec-error-answer-date");
    }
    let file = match &input.file {
        Some((name, bytes)) => attachments::check(name, bytes)
            .map(|(safe, ct)| Some((safe, ct, bytes)))
            .unwrap_or_else(|key| {
                e.add("file", key);
                None
            }),
        None => None,
    };
    let Some(on) = on.filter(|_| e.is_empty()) else {
        return Err(Rejected::Invalid(e));
    };
    let version = version.given(|| Ok(a.rec.clone()))?;
    let stored = match file {
        Some((name, ct, bytes)) => {
            let sha = attachments::store(data_dir, bytes)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Some((sha, name, ct, bytes.len() as i64))
        }
        None => None,
    };
    let saved = audit::write_if(conn, &who.actor, |c| {
        let attachment_id = match &stored {
            Some((sha, name, ct, size)) => {
                Some(rdb::add_attachment(c, sha, name, ct, *size, who.id)?)
            }
            None => None,
        };
        let answer = rdb::Move::Answer {
            text: text.clone(),
            on,
            attachment_id,
        };
        let ch = rdb::apply(c, &a.rec, version, &answer, who.id)?;
        if ch.is_none() {
            // The attachment row goes with the refused answer.
            return Err(diesel::result::Error::RollbackTransaction.into());
        }
        db::notifications::recommendation_answered(c, &a.rec, &text)?;
        Ok(((), ch))
    });
    match saved {
        Ok(()) => Ok(rdb::find(conn, id)?),
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            Err(Rejected::Stale(Box::new(rdb::find(conn, id)?)))
        }
        Err(e) => Err(e.into()),
    }
}

/// A move on a recommendation other than its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// To the body that should answer instead (the responding body).
    Transfer,
    /// A later deadline (the responding body).
    Extend,
    /// The answer settles it (the raising unit).
    Accept,
    /// The answer does not, once (the raising unit).
    Reopen,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "transfer" => Action::Transfer,
            "extend" => Action::Extend,
            "accept" => Action::Accept,
            "reopen" => Action::Reopen,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Transfer => "transfer",
            Action::Extend => "extend",
            Action::Accept => "accept",
            Action::Reopen => "reopen",
        }
    }

    /// The responding body transfers and extends, the raising unit accepts
    /// and reopens.
    fn allowed(self, a: &Access) -> bool {
        match self {
            Action::Transfer | Action::Extend => a.responds,
            Action::Accept | Action::Reopen => a.raises,
        }
    }
}

/// A move as typed or sent; each uses the fields it needs.
#[derive(Debug, Clone)]
pub struct MoveInput {
    pub action: Action,
    /// A transfer's new body.
    pub to_unit_id: Option<i64>,
    /// An extension's new deadline.
    pub due_on: Option<NaiveDate>,
    pub reason: String,
    pub unread: FieldErrors,
}

/// A move checked: a transfer to another active body (its time running from
/// today), an extension past the current deadline, a reopening with a
/// reason (a new deadline in working days).
fn check_move(
    conn: &mut DbConnection,
    rec: &rdb::Recommendation,
    input: &MoveInput,
) -> Result<rdb::Move, Rejected<rdb::Recommendation>> {
    let mut e = input.unread.clone();
    let today = format::today();
    let cal = rdb::calendar(conn)?;
    let reason = |e: &mut FieldErrors| e.required("reason", &input.reason, 2_000);
    let m = match input.action {
        Action::Transfer => {
            let to = e.required_id("to_unit_id", input.to_unit_id);
            let found = db::units::find_chosen(conn, to)?;
            chosen::unit(&mut e, "to_unit_id", to, found, |_| true);
            let reason = reason(&mut e);
            if to == Some(rec.to_unit_id) || to == Some(rec.from_unit_id) {
                e.add("to_unit_id", "rec-error-same-unit");
            }
            match to.filter(|_| e.is_empty()) {
                Some(to) => {
                    let days = rdb::response_days_for(conn, to)?;
                    // The new body's time runs from the day of the transfer.
                    let due = workdays::add_working_days(&cal, today, days.max(0) as u32).due_on;
                    Some(rdb::Move::Transfer {
                        to_unit_id: to,
                        due_on: due,
                        working_days: days,
                        reason,
                    })
                }
                None => None,
            }
        }
        Action::Extend => {
            let due = required_date(&mut e, "due_on", input.due_on);
            let reason = reason(&mut e);
            if due.is_some_and(|d| d <= rec.due_on) {
                e.add("due_on", "rec-error-extend-date");
            }
            due.filter(|_| e.is_empty())
                .map(|due_on| rdb::Move::Extend { due_on, reason })
        }
        Action::Accept => Some(rdb::Move::Accept),
        Action::Reopen => {
            let reason = reason(&mut e);
            let due =
                workdays::add_working_days(&cal, today, rec.working_days.max(0) as u32).due_on;
            e.is_empty().then_some(rdb::Move::Reopen {
                reason,
                due_on: due,
            })
        }
    };
    m.ok_or(Rejected::Invalid(e))
}

/// Makes a move from `version` (who may make it: see [`Action`]); answers
/// the recommendation as it is then, even to a body that handed it on. A
/// stale move answers it as it is now; one it is not in the status for
/// (answered to accept or reopen, open otherwise; reopened only once) is
/// not allowed.
pub fn make_move(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    version: Version,
    input: &MoveInput,
) -> Result<rdb::Recommendation, Rejected<rdb::Recommendation>> {
    let a = access(conn, who, id)?;
    forbidden_unless(input.action.allowed(&a))?;
    let m = check_move(conn, &a.rec, input)?;
    let version = version.given(|| Ok(a.rec.clone()))?;
    let saved = write_if_changed(conn, who, |c| rdb::apply(c, &a.rec, version, &m, who.id))?;
    let now = rdb::find(conn, id)?;
    match (saved, now.version == version) {
        (true, _) => Ok(now),
        (false, true) => Err(Rejected::NotAllowed("error-conflict-saved")),
        (false, false) => Err(Rejected::Stale(Box::new(now))),
    }
}

/// A figure as typed or sent, checked as the page reads one: required,
/// not negative, not too large.
fn figure(e: &mut FieldErrors, field: &str, value: Option<f64>) -> Option<f64> {
    let Some(v) = value else {
        e.add(field, "error-required");
        return None;
    };
    e.decimal(field, &numbers::input(v))
}

/// A target as typed on the page or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct TargetInput {
    pub unit_id: Option<i64>,
    pub year: i32,
    pub name: String,
    /// `higher_better` (when empty), `lower_better` or `range`.
    pub direction: String,
    /// The plan; a range's lower bound.
    pub planned: Option<f64>,
    /// A range's upper bound (only read for a range).
    pub planned_max: Option<f64>,
    /// The unit of measure (`hộ`, `công trình`, `%`…).
    pub measure: String,
    pub unread: FieldErrors,
}

/// Sets a target for a unit (those who act for it, which must still work):
/// a year near this one, a name, a direction, a planned figure (a range
/// from one to a second not below it), a unit of measure.
pub fn set_target(
    conn: &mut DbConnection,
    who: &Caller,
    input: &TargetInput,
) -> Result<rdb::Target, Rejected> {
    let mut e = input.unread.clone();
    let id = e.required_id("unit_id", input.unit_id);
    let found = db::units::find_chosen(conn, id)?;
    let Some(unit) = chosen::unit(&mut e, "unit_id", id, found, |_| true) else {
        return Err(Rejected::Invalid(e));
    };
    forbidden_unless(may_act(who, &unit.path))?;
    if !(2000..=format::today().year() + 5).contains(&input.year) {
        e.add("year", "error-year");
    }
    let name = e.required("name", &input.name, 300);
    let direction = Direction::parse(&input.direction);
    if direction.is_none() {
        e.add("direction", "error-invalid-choice");
    }
    let planned = figure(&mut e, "planned", input.planned);
    let planned_max = match direction {
        Some(Direction::Range) if e.get("planned_max").is_none() => {
            let max = figure(&mut e, "planned_max", input.planned_max);
            if let (Some(min), Some(max)) = (planned, max) {
                if max + 1e-9 < min {
                    e.add("planned_max", "target-error-range");
                }
            }
            max
        }
        _ => None,
    };
    let measure = e.optional_text("measure", &input.measure, 50);
    let (Some(planned), Some(direction)) = (planned, direction) else {
        return Err(Rejected::Invalid(e));
    };
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let f = rdb::TargetFields {
        unit_id: unit.id,
        year: input.year,
        name,
        direction,
        planned,
        planned_max,
        measure,
    };
    let id = audit::write(conn, &who.actor, |c| Ok(rdb::add_target(c, &f)?))?;
    Ok(rdb::find_target(conn, id)?)
}

/// The day a value is as of when none is given: today, or the last day of
/// a year already over.
pub fn default_as_of(year: i32) -> NaiveDate {
    let today = format::today();
    NaiveDate::from_ymd_opt(year, 12, 31).map_or(today, |end| end.min(today))
}

/// A value reached on a target, as typed or sent.
#[derive(Debug, Clone, Default)]
pub struct ActualInput {
    pub actual: Option<f64>,
    /// The day it is as of; [`default_as_of`] when left out.
    pub on: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Records a value reached on a target from `version` (those who act for
/// its unit), as of a day of the target's year not after today (by default
/// [`default_as_of`]), keeping every earlier one; the one as of the latest
/// day is the target's actual value. A stale one answers the target as it
/// is now.
pub fn record_actual(
    conn: &mut DbConnection,
    who: &Caller,
    target_id: i64,
    version: Version,
    input: &ActualInput,
) -> Result<rdb::Target, Rejected<rdb::Target>> {
    let t = rdb::find_target(conn, target_id)?;
    let unit = db::units::find(conn, t.unit_id)?;
    forbidden_unless(may_act(who, &unit.path))?;
    let mut e = input.unread.clone();
    let actual = figure(&mut e, "actual", input.actual);
    let on = match e.get("actual_on") {
        Some(_) => None,
        None => {
            let on = input.on.unwrap_or_else(|| default_as_of(t.year));
            e.date_value("actual_on", Some(on))
        }
    };
    if on.is_some_and(|d| d.year() != t.year || d > format::today()) {
        e.add("actual_on", "target-error-as-of");
    }
    let (Some(actual), Some(on)) = (actual, on) else {
        return Err(Rejected::Invalid(e));
    };
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let version = version.given(|| Ok(t.clone()))?;
    write_at(
        conn,
        who,
        |c| rdb::set_actual(c, &t, version, actual, on, who.id),
        |c| Ok(rdb::find_target(c, target_id)?),
    )
}

// ---------------------------------------------------------------- inspections and the calendar

/// An inspection visit as typed.
#[derive(Debug, Clone, Default)]
pub struct InspectionInput {
    pub unit_id: Option<i64>,
    /// The inspecting unit.
    pub by_unit_id: Option<i64>,
    pub visited_on: Option<NaiveDate>,
    pub members: String,
    pub figures: String,
    pub findings: String,
    pub unread: FieldErrors,
}

/// Records an inspection visit (those who manage tasks somewhere) made by a
/// unit where the reader acts, in any active unit.
pub fn inspect(
    conn: &mut DbConnection,
    who: &Caller,
    input: &InspectionInput,
) -> Result<rdb::Inspection, Rejected> {
    who.require_anywhere(Permission::ManageTasks)?;
    let mut e = input.unread.clone();
    let visited_on = required_date(&mut e, "visited_on", input.visited_on);
    let members = e.required("members", &input.members, 2_000);
    let figures = e.optional_text("figures", &input.figures, 5_000);
    let findings = e.optional_text("findings", &input.findings, 10_000);
    let (unit, by) = (input.unit_id, input.by_unit_id);
    let (u, b) = (
        db::units::find_chosen(conn, unit)?,
        db::units::find_chosen(conn, by)?,
    );
    chosen::unit(&mut e, "unit_id", unit, u, |_| true);
    chosen::unit(&mut e, "by_unit_id", by, b, |b| may_act(who, &b.path));
    let (Some(unit_id), Some(by_unit_id), Some(visited_on)) =
        (unit, by, visited_on.filter(|_| e.is_empty()))
    else {
        return Err(Rejected::Invalid(e));
    };
    let f = rdb::InspectionFields {
        unit_id,
        by_unit_id,
        visited_on,
        members,
        figures,
        findings,
    };
    audited(conn, who, |c| rdb::create_inspection(c, &f, who.id))
}

/// A change to the holiday calendar, or to a body's working days to answer.
#[derive(Debug, Clone)]
pub enum CalendarChange {
    /// A holiday or a make-up working day, with its name.
    SetDay {
        date: Option<NaiveDate>,
        kind: Option<workdays::DayKind>,
        name: String,
        unread: FieldErrors,
    },
    RemoveDay(NaiveDate),
    /// A responding body's working days to answer, 1 to 90.
    ResponseDays {
        unit_id: Option<i64>,
        days: Option<i32>,
        unread: FieldErrors,
    },
}

/// Changes the calendar (administrators of a top unit); a body's working
/// days are set for an active unit they manage.
pub fn change_calendar(
    conn: &mut DbConnection,
    who: &Caller,
    change: &CalendarChange,
) -> Result<(), Rejected> {
    who.require_top_admin()?;
    match change {
        CalendarChange::SetDay {
            date,
            kind,
            name,
            unread,
        } => {
            let mut e = unread.clone();
            let date = required_date(&mut e, "date", *date);
            if kind.is_none() {
                e.add("kind", "error-required");
            }
            let name = e.required("name", name, 200);
            let (Some(date), Some(kind), true) = (date, *kind, e.is_empty()) else {
                return Err(Rejected::Invalid(e));
            };
            audited(conn, who, |c| Ok(((), rdb::set_day(c, date, kind, &name)?)))
        }
        CalendarChange::RemoveDay(date) => {
            write_if_changed(conn, who, |c| rdb::remove_day(c, *date))?;
            Ok(())
        }
        CalendarChange::ResponseDays {
            unit_id,
            days,
            unread,
        } => {
            let mut e = unread.clone();
            let days = days.filter(|d| (1..=90).contains(d));
            if days.is_none() {
                e.add("days", "error-number");
            }
            let found = db::units::find_chosen(conn, *unit_id)?;
            chosen::unit(&mut e, "unit_id", *unit_id, found, |u| {
                who.can(Permission::ManageUnits, &u.path)
            });
            let (Some(unit), Some(days), true) = (*unit_id, days, e.is_empty()) else {
                return Err(Rejected::Invalid(e));
            };
            audited(conn, who, |c| {
                Ok(((), rdb::set_response_days(c, unit, days)?))
            })
        }
    }
}
