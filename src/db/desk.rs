//! The duty desk: recurring duties, their rota of shifts, the cases recorded
//! on a shift, escalations followed until answered, and citizens' feedback.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::schema::{
    desk_cases, desk_duties, desk_duty_officials, desk_feedback, desk_procedures, desk_shifts,
    units, users,
};
use super::DbConnection;
use crate::domain::desk::{self, Outcome, ShiftStatus};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = desk_duties)]
pub struct Duty {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub place: String,
    pub weekday: i32,
    pub start_time: String,
    pub end_time: String,
    pub starts_on: NaiveDate,
    pub active: bool,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a manager sets on a duty; its unit stays once set.
#[derive(Debug, Clone, Serialize, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = desk_duties)]
pub struct DutyFields {
    #[diesel(skip_update)]
    pub unit_id: i64,
    pub name: String,
    pub place: String,
    pub weekday: i32,
    pub start_time: String,
    pub end_time: String,
    pub starts_on: NaiveDate,
    pub active: bool,
    /// In turn order.
    #[diesel(skip_insertion, skip_update)]
    pub officials: Vec<i64>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Duty> {
    desk_duties::table
        .find(id)
        .select(Duty::as_select())
        .first(conn)
}

/// Every duty with its unit's name and path; callers keep what the reader sees.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(Duty, String, String)>> {
    desk_duties::table
        .inner_join(units::table)
        .select((Duty::as_select(), units::name, units::path))
        .order((units::path, desk_duties::id))
        .load(conn)
}

/// The duties of the units in `scope` (the subtrees a reader views), with
/// their unit's name, by unit and id (the desk page).
pub fn seen(conn: &mut DbConnection, scope: &[String]) -> QueryResult<Vec<(Duty, String)>> {
    desk_duties::table
        .inner_join(units::table)
        .filter(super::scope::path_in(scope))
        .select((Duty::as_select(), units::name))
        .order((units::path, desk_duties::id))
        .load(conn)
}

/// Up to `limit` duties of the units in `scope` with an id above `after`,
/// by id, with their unit's name (the API's pages).
pub fn seen_after(
    conn: &mut DbConnection,
    scope: &[String],
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Duty, String)>> {
    desk_duties::table
        .inner_join(units::table)
        .filter(super::scope::path_in(scope))
        .filter(desk_duties::id.gt(after))
        .select((Duty::as_select(), units::name))
        .order(desk_duties::id)
        .limit(limit)
        .load(conn)
}

/// The officials of these duties: (duty, (id, name)), each duty's in turn
/// order as [`officials`] lists them.
pub fn officials_of_duties(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, (i64, String))>> {
    desk_duty_officials::table
        .inner_join(users::table.on(users::id.eq(desk_duty_officials::user_id)))
        .filter(desk_duty_officials::duty_id.eq_any(ids))
        .select((desk_duty_officials::duty_id, (users::id, users::full_name)))
        .order((desk_duty_officials::duty_id, desk_duty_officials::position))
        .load(conn)
}

/// The officials taking turns: (id, name), in order.
pub fn officials(conn: &mut DbConnection, duty_id: i64) -> QueryResult<Vec<(i64, String)>> {
    let rows = officials_of_duties(conn, &[duty_id])?;
    Ok(rows.into_iter().map(|(_, official)| official).collect())
}

/// The duty's officials whose accounts are still active: those a shift may
/// be given to.
pub fn active_officials(conn: &mut DbConnection, duty_id: i64) -> QueryResult<Vec<i64>> {
    desk_duty_officials::table
        .inner_join(users::table.on(users::id.eq(desk_duty_officials::user_id)))
        .filter(desk_duty_officials::duty_id.eq(duty_id))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(desk_duty_officials::position)
        .load(conn)
}

fn set_officials(conn: &mut DbConnection, duty_id: i64, ids: &[i64]) -> QueryResult<()> {
    use desk_duty_officials as o;
    diesel::delete(o::table.filter(o::duty_id.eq(duty_id))).execute(conn)?;
    for (i, u) in (0..).zip(ids) {
        let row = (o::duty_id.eq(duty_id), o::user_id.eq(u), o::position.eq(i));
        diesel::insert_into(o::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn fields_of(conn: &mut DbConnection, d: &Duty) -> QueryResult<DutyFields> {
    Ok(DutyFields {
        unit_id: d.unit_id,
        name: d.name.clone(),
        place: d.place.clone(),
        weekday: d.weekday,
        start_time: d.start_time.clone(),
        end_time: d.end_time.clone(),
        starts_on: d.starts_on,
        active: d.active,
        officials: officials(conn, d.id)?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
    })
}

pub fn create(conn: &mut DbConnection, f: &DutyFields, by: i64) -> QueryResult<(Duty, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(desk_duties::table)
        .values((
            f,
            desk_duties::version.eq(1),
            desk_duties::created_by.eq(by),
            desk_duties::created_at.eq(now),
            desk_duties::updated_at.eq(now),
        ))
        .returning(desk_duties::id)
        .get_result(conn)?;
    set_officials(conn, id, &f.officials)?;
    Ok((
        find(conn, id)?,
        Change::new("create", "desk_duty", id, json!(f)).on_unit(f.unit_id),
    ))
}

/// Saves a duty still at `version`; `None` when someone saved first.
pub fn update(
    conn: &mut DbConnection,
    d: &Duty,
    version: i32,
    f: &DutyFields,
) -> QueryResult<Option<Change>> {
    let before = fields_of(conn, d)?;
    let n = diesel::update(
        desk_duties::table
            .filter(desk_duties::id.eq(d.id))
            .filter(desk_duties::version.eq(version)),
    )
    .set((
        f,
        desk_duties::version.eq(version + 1),
        desk_duties::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    set_officials(conn, d.id, &f.officials)?;
    Ok(Some(
        Change::new("update", "desk_duty", d.id, diff(&before, f)).on_unit(d.unit_id),
    ))
}

// ---------------------------------------------------------------- shifts

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = desk_shifts)]
pub struct Shift {
    pub id: i64,
    pub duty_id: i64,
    pub on_date: NaiveDate,
    pub official_id: i64,
    pub status: String,
    pub note: String,
    pub swap_requested_by: Option<i64>,
    pub swap_reason: Option<String>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    /// The colleague asked to take the shift while a swap is open.
    pub swap_with: Option<i64>,
}

/// A shift with its official's name and how many cases it recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftRow {
    pub shift: Shift,
    pub official_name: String,
    pub cases: i64,
}

pub fn find_shift(conn: &mut DbConnection, id: i64) -> QueryResult<Shift> {
    desk_shifts::table
        .find(id)
        .select(Shift::as_select())
        .first(conn)
}

/// Shifts of a duty between two dates (both included), oldest first.
pub fn shifts(
    conn: &mut DbConnection,
    duty_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ShiftRow>> {
    let rows: Vec<(Shift, String)> = desk_shifts::table
        .inner_join(users::table.on(users::id.eq(desk_shifts::official_id)))
        .filter(desk_shifts::duty_id.eq(duty_id))
        .filter(desk_shifts::on_date.between(from, to))
        .select((Shift::as_select(), users::full_name))
        .order(desk_shifts::on_date)
        .load(conn)?;
    with_case_counts(conn, rows)
}

/// Up to `limit` shifts of a duty between two dates (both included), oldest
/// first, that follow the shift `after` (from the first when 0; none when
/// `after` is not one of them). A duty has one shift a day, so the day
/// orders them.
pub fn shifts_after(
    conn: &mut DbConnection,
    duty_id: i64,
    (from, to): (NaiveDate, NaiveDate),
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ShiftRow>> {
    let mut first = from;
    if after != 0 {
        let day: Option<NaiveDate> = desk_shifts::table
            .filter(desk_shifts::id.eq(after))
            .filter(desk_shifts::duty_id.eq(duty_id))
            .filter(desk_shifts::on_date.between(from, to))
            .select(desk_shifts::on_date)
            .first(conn)
            .optional()?;
        match day.and_then(|d| d.succ_opt()) {
            Some(next) => first = next,
            None => return Ok(Vec::new()),
        }
    }
    let rows: Vec<(Shift, String)> = desk_shifts::table
        .inner_join(users::table.on(users::id.eq(desk_shifts::official_id)))
        .filter(desk_shifts::duty_id.eq(duty_id))
        .filter(desk_shifts::on_date.between(first, to))
        .select((Shift::as_select(), users::full_name))
        .order(desk_shifts::on_date)
        .limit(limit)
        .load(conn)?;
    with_case_counts(conn, rows)
}

/// The shifts with how many cases each recorded, counted in one query.
fn with_case_counts(
    conn: &mut DbConnection,
    rows: Vec<(Shift, String)>,
) -> QueryResult<Vec<ShiftRow>> {
    let ids: Vec<i64> = rows.iter().map(|(s, _)| s.id).collect();
    let counts: std::collections::HashMap<i64, i64> = desk_cases::table
        .filter(desk_cases::shift_id.eq_any(&ids))
        .group_by(desk_cases::shift_id)
        .select((desk_cases::shift_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(shift, official_name)| ShiftRow {
            cases: counts.get(&shift.id).copied().unwrap_or(0),
            shift,
            official_name,
        })
        .collect())
}

/// The shifts of `official` between two dates on any duty, with the duty's
/// name and place: by duty (as [`seen`] lists them), then by date.
pub fn shifts_of_official(
    conn: &mut DbConnection,
    official: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Shift, String, String)>> {
    desk_shifts::table
        .inner_join(desk_duties::table.inner_join(units::table))
        .filter(desk_shifts::official_id.eq(official))
        .filter(desk_shifts::on_date.between(from, to))
        .select((Shift::as_select(), desk_duties::name, desk_duties::place))
        .order((units::path, desk_duties::id, desk_shifts::on_date))
        .load(conn)
}

/// Plans the shifts of the coming `weeks` weeks from `from` that are not
/// planned yet, officials taking turns; returns how many were added.
pub fn generate(
    conn: &mut DbConnection,
    d: &Duty,
    from: NaiveDate,
    weeks: u32,
) -> QueryResult<(usize, Option<Change>)> {
    let people = officials(conn, d.id)?;
    let Some(day) = desk::weekday(d.weekday).filter(|_| !people.is_empty()) else {
        return Ok((0, None));
    };
    let now = super::now();
    let mut added = Vec::new();
    for date in desk::rota_dates(d.starts_on, day, from, weeks) {
        let exists: bool = diesel::select(diesel::dsl::exists(
            desk_shifts::table
                .filter(desk_shifts::duty_id.eq(d.id))
                .filter(desk_shifts::on_date.eq(date)),
        ))
        .get_result(conn)?;
        if exists {
            continue;
        }
        let (official, _) = &people[desk::turn(d.starts_on, date, people.len())];
        diesel::insert_into(desk_shifts::table)
            .values((
                desk_shifts::duty_id.eq(d.id),
                desk_shifts::on_date.eq(date),
                desk_shifts::official_id.eq(official),
                desk_shifts::status.eq(ShiftStatus::Planned.as_str()),
                desk_shifts::version.eq(1),
                desk_shifts::updated_at.eq(now),
            ))
            .execute(conn)?;
        added.push(date);
    }
    let change = (!added.is_empty()).then(|| {
        Change::new("generate_rota", "desk_duty", d.id, json!({"dates": added})).on_unit(d.unit_id)
    });
    Ok((added.len(), change))
}

/// What can happen to a shift.
#[derive(Debug, Clone, Serialize)]
pub enum ShiftChange {
    /// A manager puts someone else on it (an override); an open swap
    /// request lapses.
    Assign(i64),
    /// The official on it asks a colleague to take it, with a reason.
    RequestSwap { by: i64, with: i64, reason: String },
    /// The colleague asked accepts: the shift is theirs.
    AcceptSwap(i64),
    /// The colleague asked declines, perhaps saying why.
    DeclineSwap(String),
    /// The asker withdraws the request while it is open.
    WithdrawSwap,
    /// Held or cancelled, with a note.
    Status(ShiftStatus, String),
}

impl ShiftChange {
    /// The audit log's word for the change.
    pub fn action(&self) -> &'static str {
        match self {
            ShiftChange::RequestSwap { .. } => "request_swap",
            ShiftChange::AcceptSwap(_) => "accept_swap",
            ShiftChange::DeclineSwap(_) => "decline_swap",
            ShiftChange::WithdrawSwap => "withdraw_swap",
            ShiftChange::Assign(_) | ShiftChange::Status(..) => "change_shift",
        }
    }
}

/// Applies a change to a shift still at `version`; `None` when it moved.
pub fn change_shift(
    conn: &mut DbConnection,
    s: &Shift,
    version: i32,
    unit_id: i64,
    c: &ShiftChange,
) -> QueryResult<Option<Change>> {
    let target = desk_shifts::table
        .filter(desk_shifts::id.eq(s.id))
        .filter(desk_shifts::version.eq(version));
    let now = super::now();
    let moved = (
        desk_shifts::version.eq(version + 1),
        desk_shifts::updated_at.eq(now),
    );
    let closed = (
        desk_shifts::swap_requested_by.eq(None::<i64>),
        desk_shifts::swap_reason.eq(None::<String>),
        desk_shifts::swap_with.eq(None::<i64>),
    );
    let n = match c {
        ShiftChange::Assign(user) | ShiftChange::AcceptSwap(user) => diesel::update(target)
            .set((desk_shifts::official_id.eq(user), closed, moved))
            .execute(conn)?,
        ShiftChange::RequestSwap { by, with, reason } => diesel::update(target)
            .set((
                desk_shifts::swap_requested_by.eq(by),
                desk_shifts::swap_with.eq(with),
                desk_shifts::swap_reason.eq(reason),
                moved,
            ))
            .execute(conn)?,
        ShiftChange::DeclineSwap(_) | ShiftChange::WithdrawSwap => {
            diesel::update(target).set((closed, moved)).execute(conn)?
        }
        ShiftChange::Status(status, note) => diesel::update(target)
            .set((
                desk_shifts::status.eq(status.as_str()),
                desk_shifts::note.eq(note),
                moved,
            ))
            .execute(conn)?,
    };
    Ok((n == 1).then(|| {
        Change::new(
            c.action(),
            "desk_shift",
            s.id,
            json!({"from_official": s.official_id, "swap_requested_by": s.swap_requested_by, "swap_with": s.swap_with, "change": c}),
        )
        .on_unit(unit_id)
    }))
}

/// Open swap requests asked of `user`, on any duty: the shift, its duty's
/// name and the asker's name, by date.
pub fn swaps_asked_of(
    conn: &mut DbConnection,
    user: i64,
) -> QueryResult<Vec<(Shift, String, String)>> {
    desk_shifts::table
        .inner_join(desk_duties::table)
        .inner_join(users::table.on(users::id.eq(desk_shifts::official_id)))
        .filter(desk_shifts::swap_with.eq(user))
        .filter(desk_shifts::swap_requested_by.is_not_null())
        .select((Shift::as_select(), desk_duties::name, users::full_name))
        .order(desk_shifts::on_date)
        .load(conn)
}

/// Open swap requests of a duty.
pub fn swap_requests(conn: &mut DbConnection, duty_id: i64) -> QueryResult<Vec<ShiftRow>> {
    let rows: Vec<(Shift, String)> = desk_shifts::table
        .inner_join(users::table.on(users::id.eq(desk_shifts::official_id)))
        .filter(desk_shifts::duty_id.eq(duty_id))
        .filter(desk_shifts::swap_requested_by.is_not_null())
        .select((Shift::as_select(), users::full_name))
        .order(desk_shifts::on_date)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(shift, official_name)| ShiftRow {
            shift,
            official_name,
            cases: 0,
        })
        .collect())
}

// ---------------------------------------------------------------- cases

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = desk_cases)]
pub struct Case {
    pub id: i64,
    pub shift_id: i64,
    pub procedure_id: i64,
    pub citizen_name: String,
    pub priority_groups: String,
    pub note: String,
    pub outcome: String,
    pub escalated_to: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub answered_on: Option<NaiveDate>,
    pub answer: Option<String>,
    pub feedback_expires_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseFields {
    pub procedure_id: i64,
    pub citizen_name: String,
    pub priority_groups: String,
    pub note: String,
    pub outcome: Outcome,
    pub escalated_to: Option<String>,
    pub due_on: Option<NaiveDate>,
}

pub fn find_case(conn: &mut DbConnection, id: i64) -> QueryResult<Case> {
    desk_cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
}

/// Records a case; the shift counts as held from then on.
pub fn add_case(
    conn: &mut DbConnection,
    s: &Shift,
    unit_id: i64,
    f: &CaseFields,
    by: i64,
    today: NaiveDate,
) -> QueryResult<(Case, Change)> {
    let id: i64 = diesel::insert_into(desk_cases::table)
        .values((
            desk_cases::shift_id.eq(s.id),
            desk_cases::procedure_id.eq(f.procedure_id),
            desk_cases::citizen_name.eq(&f.citizen_name),
            desk_cases::priority_groups.eq(&f.priority_groups),
            desk_cases::note.eq(&f.note),
            desk_cases::outcome.eq(f.outcome.as_str()),
            desk_cases::escalated_to.eq(&f.escalated_to),
            desk_cases::due_on.eq(f.due_on),
            desk_cases::feedback_expires_on
                .eq(today + chrono::Duration::days(desk::FEEDBACK_DAYS as i64)),
            desk_cases::created_by.eq(by),
            desk_cases::created_at.eq(super::now()),
        ))
        .returning(desk_cases::id)
        .get_result(conn)?;
    diesel::update(
        desk_shifts::table
            .filter(desk_shifts::id.eq(s.id))
            .filter(desk_shifts::status.eq(ShiftStatus::Planned.as_str())),
    )
    .set(desk_shifts::status.eq(ShiftStatus::Held.as_str()))
    .execute(conn)?;
    // The citizen's name stays out of the audit log's readable changes.
    Ok((
        find_case(conn, id)?,
        Change::new(
            "add_case",
            "desk_case",
            id,
            json!({"shift_id": s.id, "procedure_id": f.procedure_id, "outcome": f.outcome, "escalated_to": f.escalated_to, "due_on": f.due_on}),
        )
        .on_unit(unit_id),
    ))
}

/// A case in a list, with its procedure's names.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub case: Case,
    pub procedure_vi: String,
    pub procedure_en: String,
    pub answered: bool,
}

pub fn cases_of_shift(conn: &mut DbConnection, shift_id: i64) -> QueryResult<Vec<CaseRow>> {
    let rows: Vec<(Case, String, String, Option<i64>)> = desk_cases::table
        .inner_join(desk_procedures::table)
        .left_join(desk_feedback::table)
        .filter(desk_cases::shift_id.eq(shift_id))
        .select((
            Case::as_select(),
            desk_procedures::name_vi,
            desk_procedures::name_en,
            desk_feedback::id.nullable(),
        ))
        .order(desk_cases::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case, procedure_vi, procedure_en, fb)| CaseRow {
            case,
            procedure_vi,
            procedure_en,
            answered: fb.is_some(),
        })
        .collect())
}

/// Up to `limit` cases of a shift with an id above `after`, by id (the
/// API's pages).
pub fn cases_after(
    conn: &mut DbConnection,
    shift_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Case, String, String)>> {
    desk_cases::table
        .inner_join(desk_procedures::table)
        .filter(desk_cases::shift_id.eq(shift_id))
        .filter(desk_cases::id.gt(after))
        .select((
            Case::as_select(),
            desk_procedures::name_vi,
            desk_procedures::name_en,
        ))
        .order(desk_cases::id)
        .limit(limit)
        .load(conn)
}

/// Escalated cases of the duties given, open ones first by due date.
pub fn escalations(
    conn: &mut DbConnection,
    duty_ids: &[i64],
    open_only: bool,
) -> QueryResult<Vec<(Case, NaiveDate, String)>> {
    let mut q = desk_cases::table
        .inner_join(desk_shifts::table.inner_join(desk_duties::table))
        .filter(desk_shifts::duty_id.eq_any(duty_ids))
        .filter(desk_cases::outcome.eq(Outcome::Escalated.as_str()))
        .into_boxed();
    if open_only {
        q = q.filter(desk_cases::answered_on.is_null());
    }
    q.select((Case::as_select(), desk_shifts::on_date, desk_duties::name))
        .order((
            desk_cases::answered_on.is_not_null(),
            desk_cases::due_on,
            desk_cases::id,
        ))
        .load(conn)
}

/// Records the answer to an escalation not yet answered.
pub fn answer(
    conn: &mut DbConnection,
    c: &Case,
    unit_id: i64,
    on: NaiveDate,
    text: &str,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        desk_cases::table
            .filter(desk_cases::id.eq(c.id))
            .filter(desk_cases::outcome.eq(Outcome::Escalated.as_str()))
            .filter(desk_cases::answered_on.is_null()),
    )
    .set((desk_cases::answered_on.eq(on), desk_cases::answer.eq(text)))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "answer_escalation",
            "desk_case",
            c.id,
            json!({"answered_on": on, "answer": text}),
        )
        .on_unit(unit_id)
    }))
}

// ---------------------------------------------------------------- feedback

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = desk_feedback)]
pub struct Feedback {
    pub id: i64,
    pub case_id: i64,
    pub rating: String,
    pub attitude: Option<i32>,
    pub clarity: Option<i32>,
    pub time_taken: Option<i32>,
    pub comment: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedbackFields {
    pub rating: desk::Rating,
    pub attitude: Option<i32>,
    pub clarity: Option<i32>,
    pub time_taken: Option<i32>,
    pub comment: String,
}

pub fn feedback_of(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<Feedback>> {
    desk_feedback::table
        .filter(desk_feedback::case_id.eq(case_id))
        .select(Feedback::as_select())
        .first(conn)
        .optional()
}

/// The citizen's one answer; `false` if the case already has one.
pub fn give_feedback(
    conn: &mut DbConnection,
    case_id: i64,
    f: &FeedbackFields,
) -> QueryResult<bool> {
    if feedback_of(conn, case_id)?.is_some() {
        return Ok(false);
    }
    // The unique index settles a race between two submissions.
    match diesel::insert_into(desk_feedback::table)
        .values((
            desk_feedback::case_id.eq(case_id),
            desk_feedback::rating.eq(f.rating.as_str()),
            desk_feedback::attitude.eq(f.attitude),
            desk_feedback::clarity.eq(f.clarity),
            desk_feedback::time_taken.eq(f.time_taken),
            desk_feedback::comment.eq(&f.comment),
            desk_feedback::at.eq(super::now()),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- review

/// A duty's figures over a period, all counted in the database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Each shift's stored status and day (what it shows is the domain's
    /// `ShiftStatus::shown`).
    pub shifts: Vec<(String, NaiveDate)>,
    /// (procedure id, outcome, cases)
    pub cases: Vec<(i64, String, i64)>,
    pub escalations_open: i64,
    pub escalations_closed: i64,
    /// (rating, answers)
    pub ratings: Vec<(String, i64)>,
}

pub fn summary(
    conn: &mut DbConnection,
    duty_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Summary> {
    let shifts = desk_shifts::table
        .filter(desk_shifts::duty_id.eq(duty_id))
        .filter(desk_shifts::on_date.between(from, to))
        .select((desk_shifts::status, desk_shifts::on_date))
        .load(conn)?;
    let in_period = || {
        desk_cases::table
            .inner_join(desk_shifts::table)
            .filter(desk_shifts::duty_id.eq(duty_id))
            .filter(desk_shifts::on_date.between(from, to))
    };
    let cases = in_period()
        .group_by((desk_cases::procedure_id, desk_cases::outcome))
        .select((
            desk_cases::procedure_id,
            desk_cases::outcome,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let escalations_open = in_period()
        .filter(desk_cases::outcome.eq(Outcome::Escalated.as_str()))
        .filter(desk_cases::answered_on.is_null())
        .count()
        .get_result(conn)?;
    let escalations_closed = in_period()
        .filter(desk_cases::outcome.eq(Outcome::Escalated.as_str()))
        .filter(desk_cases::answered_on.is_not_null())
        .count()
        .get_result(conn)?;
    let ratings = desk_feedback::table
        .inner_join(desk_cases::table.inner_join(desk_shifts::table))
        .filter(desk_shifts::duty_id.eq(duty_id))
        .filter(desk_shifts::on_date.between(from, to))
        .group_by(desk_feedback::rating)
        .select((desk_feedback::rating, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(Summary {
        shifts,
        cases,
        escalations_open,
        escalations_closed,
        ratings,
    })
}
