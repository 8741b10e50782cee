//! The weekly duty desk: setting up a duty and its rota, editing it.

use chrono::NaiveDate;

use super::Caller;
use super::{
    audited, chosen, edit_at, forbidden_unless, required_date, write_at, write_if_changed,
    Rejected, Version, Versioned,
};
use crate::context::CurrentUser;
use crate::db::notifications::{Swap, SwapStep};
use crate::db::{self, desk as ddb};
use crate::domain::access::Permission;
use crate::domain::desk::{self, Outcome, ShiftStatus};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// How far ahead the rota is planned and shown.
pub const ROTA_WEEKS: u32 = 8;

/// The duty as a stale edit finds it.
pub struct DutyNow {
    pub duty: ddb::Duty,
    pub fields: ddb::DutyFields,
}

impl Versioned for DutyNow {
    fn version(&self) -> i32 {
        self.duty.version
    }
}

/// What the reader may do with a duty.
pub struct Access {
    pub duty: ddb::Duty,
    pub unit: db::units::Unit,
    /// Committee members and administrators of the unit run the desk.
    pub manage: bool,
    pub officials: Vec<(i64, String)>,
}

/// The duty, if the user is one of its officials or sees its unit.
pub fn duty_access(conn: &mut db::DbConnection, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let duty = ddb::find(conn, id)?;
    let unit = db::units::find(conn, duty.unit_id)?;
    let officials = ddb::officials(conn, id)?;
    let official = officials.iter().any(|(u, _)| *u == user.id);
    if !(official || user.can(Permission::View, &unit.path)) {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        manage: user.can(Permission::ManageTasks, &unit.path),
        duty,
        unit,
        officials,
    })
}

/// A duty as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct DutyInput {
    pub unit_id: Option<i64>,
    pub name: String,
    pub place: String,
    /// 1 (Monday) to 7.
    pub weekday: Option<i64>,
    /// `HH:MM`.
    pub start_time: String,
    pub end_time: String,
    pub starts_on: Option<NaiveDate>,
    pub active: bool,
    /// The officials in turn order.
    pub officials: Vec<i64>,
    pub unread: FieldErrors,
}

/// Checks a duty: its fields, the reader's right to run a desk in the unit
/// (an edit keeps the duty's unit), and that the officials reach it.
fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &DutyInput,
    existing: Option<&ddb::Duty>,
) -> Result<ddb::DutyFields, Rejected<DutyNow>> {
    let mut e = input.unread.clone();
    let unit_id = match existing {
        Some(d) => Some(d.unit_id),
        None => e.required_id("unit_id", input.unit_id),
    };
    let name = e.required("name", &input.name, 200);
    let place = e.required("place", &input.place, 200);
    let weekday = input
        .weekday
        .and_then(|w| i32::try_from(w).ok())
        .filter(|w| desk::weekday(*w).is_some());
    if weekday.is_none() {
        e.add("weekday", chosen::INVALID);
    }
    let mut time = |field: &str, raw: &str| match desk::parse_time(raw) {
        Some(t) => Some(t),
        None => {
            e.add(field, "error-time");
            None
        }
    };
    let (start, end) = (
        time("start_time", &input.start_time),
        time("end_time", &input.end_time),
    );
    if let (Some(s), Some(t)) = (start, end) {
        if t <= s {
            e.add("end_time", "error-period-order");
        }
    }
    let starts_on = required_date(&mut e, "starts_on", input.starts_on);
    // Turn order is the order chosen; repeats are dropped.
    let mut officials: Vec<i64> = Vec::new();
    for id in &input.officials {
        if !officials.contains(id) {
            officials.push(*id);
        }
    }
    if officials.is_empty() {
        e.add("officials", "error-required");
    }
    let unit = db::units::find_chosen(conn, unit_id)?;
    let reaching = match &unit {
        Some(u) => db::users::reaching(conn, &u.path)?,
        None => vec![],
    };
    let unit = chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
        user.can(Permission::ManageTasks, &u.path)
    });
    if unit.is_some() {
        chosen::every(
            &mut e,
            "officials",
            &officials,
            |o| reaching.iter().any(|(id, _, _)| *id == o),
            "error-not-in-unit",
        );
    }
    match (unit_id, weekday, start, end, starts_on) {
        (Some(unit_id), Some(weekday), Some(s), Some(t), Some(starts_on)) if e.is_empty() => {
            Ok(ddb::DutyFields {
                unit_id,
                name,
                place,
                weekday,
                start_time: s.format("%H:%M").to_string(),
                end_time: t.format("%H:%M").to_string(),
                starts_on,
                active: input.active,
                officials,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Sets up a duty (those who run desks somewhere) and plans its rota for the
/// coming weeks at once.
pub fn set_up(
    conn: &mut db::DbConnection,
    who: &Caller,
    input: &DutyInput,
) -> Result<ddb::Duty, Rejected<DutyNow>> {
    who.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, who, input, None)?;
    audited(conn, who, |c| {
        let (d, change) = ddb::create(c, &fields, who.id)?;
        ddb::generate(c, &d, format::today(), ROTA_WEEKS)?;
        Ok((d, change))
    })
}

/// Edits a duty (the unit's managers; its unit stays) from the version read.
pub fn edit(
    conn: &mut db::DbConnection,
    who: &Caller,
    duty_id: i64,
    version: Version,
    input: &DutyInput,
) -> Result<DutyNow, Rejected<DutyNow>> {
    let a = duty_access(conn, who, duty_id)?;
    forbidden_unless(a.manage)?;
    let fields = check(conn, who, input, Some(&a.duty))?;
    edit_at(
        conn,
        who,
        version,
        |c, version| ddb::update(c, &a.duty, version, &fields),
        |c| {
            let duty = ddb::find(c, duty_id)?;
            let fields = ddb::fields_of(c, &duty)?;
            Ok(DutyNow { duty, fields })
        },
    )
}

/// Plans the rota's coming weeks not planned yet (the duty's managers).
pub fn plan_rota(conn: &mut db::DbConnection, who: &Caller, duty_id: i64) -> Result<(), Rejected> {
    let a = duty_access(conn, who, duty_id)?;
    forbidden_unless(a.manage)?;
    write_if_changed(conn, who, |c| {
        Ok(ddb::generate(c, &a.duty, format::today(), ROTA_WEEKS)?.1)
    })?;
    Ok(())
}

pub struct ShiftAccess {
    pub a: Access,
    pub shift: ddb::Shift,
    /// The official on duty (or a manager) records cases.
    pub records: bool,
    /// The duty's officials a shift may be given to: those still active.
    pub assignable: Vec<i64>,
}

/// The shift, if the user may see its duty.
pub fn shift_access(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<ShiftAccess> {
    let shift = ddb::find_shift(conn, id)?;
    let a = duty_access(conn, user, shift.duty_id)?;
    let records = a.manage || shift.official_id == user.id;
    let assignable = ddb::active_officials(conn, shift.duty_id)?;
    Ok(ShiftAccess {
        a,
        shift,
        records,
        assignable,
    })
}

impl Versioned for ddb::Shift {
    fn version(&self) -> i32 {
        self.version
    }
}

/// A change to a shift as asked on its page or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct ShiftChangeInput {
    /// `assign`, `swap`, `accept`, `decline`, `withdraw` or `status`.
    pub action: String,
    /// Whom a manager assigns, or the colleague a swap is asked of.
    pub official_id: Option<i64>,
    /// Why a swap is asked for (required) or declined, or a note on the
    /// status.
    pub reason: String,
    /// `held` or `cancelled`.
    pub status: String,
}

/// The change asked for, if the reader may make it: a manager assigns one
/// of the duty's active officials; the official on duty asks one of them
/// (not themself) to take the shift, with a reason, and may withdraw the
/// request while it is open; the colleague asked accepts or declines it;
/// whoever records cases marks it held or cancelled. A swap is asked and
/// accepted only while the shift is planned and its day has not passed.
fn shift_change(
    sa: &ShiftAccess,
    user: &CurrentUser,
    input: &ShiftChangeInput,
) -> Result<ddb::ShiftChange, Rejected<ddb::Shift>> {
    let s = &sa.shift;
    let open = desk::swappable(&s.status, s.on_date, format::today());
    let role = desk::swap_role(s.swap_requested_by, s.swap_with, user.id);
    Ok(match input.action.as_str() {
        "assign" if sa.a.manage => {
            let official = input.official_id.filter(|o| sa.assignable.contains(o));
            ddb::ShiftChange::Assign(
                official.ok_or_else(|| Rejected::refused("official_id", chosen::INVALID))?,
            )
        }
        "swap" if s.official_id == user.id => {
            if !open {
                return Err(Rejected::NotAllowed("desk-error-swap-closed"));
            }
            if s.swap_requested_by.is_some() {
                return Err(Rejected::NotAllowed("desk-error-swap-open"));
            }
            let mut e = FieldErrors::default();
            let with = match input.official_id {
                None => {
                    e.add("official_id", "error-required");
                    None
                }
                Some(o) if o == user.id || !sa.assignable.contains(&o) => {
                    e.add("official_id", chosen::INVALID);
                    None
                }
                Some(o) => Some(o),
            };
            let reason = input.reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                e.add("reason", "desk-error-swap-reason");
            }
            match with {
                Some(with) if e.is_empty() => ddb::ShiftChange::RequestSwap {
                    by: user.id,
                    with,
                    reason: reason.to_string(),
                },
                _ => return Err(Rejected::Invalid(e)),
            }
        }
        "accept" | "decline" | "withdraw" if role == desk::SwapRole::None => {
            return Err(Rejected::NotAllowed("desk-error-no-swap"))
        }
        "accept" if role == desk::SwapRole::Colleague => {
            if !open || !sa.assignable.contains(&user.id) {
                return Err(Rejected::NotAllowed("desk-error-swap-closed"));
            }
            ddb::ShiftChange::AcceptSwap(user.id)
        }
        "decline" if role == desk::SwapRole::Colleague => {
            ddb::ShiftChange::DeclineSwap(input.reason.trim().chars().take(500).collect())
        }
        "withdraw" if role == desk::SwapRole::Asker => ddb::ShiftChange::WithdrawSwap,
        "status" if sa.records => {
            let status = ShiftStatus::parse(&input.status)
                .filter(|s| ShiftStatus::MARKED.contains(s))
                .ok_or_else(|| Rejected::refused("status", chosen::INVALID))?;
            ddb::ShiftChange::Status(status, input.reason.trim().chars().take(500).collect())
        }
        "assign" | "swap" | "accept" | "decline" | "withdraw" | "status" => {
            return Err(Rejected::Forbidden)
        }
        _ => {
            return Err(Rejected::Failed(AppError::BadRequest(
                "unknown action".into(),
            )))
        }
    })
}

/// The step of a swap a change is, if it is one.
fn swap_step(change: &ddb::ShiftChange) -> Option<SwapStep> {
    match change {
        ddb::ShiftChange::RequestSwap { .. } => Some(SwapStep::Asked),
        ddb::ShiftChange::AcceptSwap(_) => Some(SwapStep::Accepted),
        ddb::ShiftChange::DeclineSwap(_) => Some(SwapStep::Declined),
        ddb::ShiftChange::WithdrawSwap => Some(SwapStep::Withdrawn),
        ddb::ShiftChange::Assign(_) | ddb::ShiftChange::Status(..) => None,
    }
}

/// Changes a shift from the version read (see `shift_change` for who may
/// do what); each step of a swap is told to those concerned in the same
/// transaction.
pub fn change_shift(
    conn: &mut db::DbConnection,
    who: &Caller,
    shift_id: i64,
    version: Version,
    input: &ShiftChangeInput,
) -> Result<ddb::Shift, Rejected<ddb::Shift>> {
    let sa = shift_access(conn, who, shift_id)?;
    let change = shift_change(&sa, who, input)?;
    let version = version.given(|| Ok(sa.shift.clone()))?;
    let unit = sa.a.unit.id;
    let name = |id: i64| {
        sa.a.officials
            .iter()
            .find(|(o, _)| *o == id)
            .map_or("", |(_, n)| n.as_str())
    };
    let (asker, colleague, reason) = match &change {
        ddb::ShiftChange::RequestSwap { by, with, reason } => (*by, Some(*with), reason.as_str()),
        ddb::ShiftChange::DeclineSwap(why) => (
            sa.shift.swap_requested_by.unwrap_or_default(),
            sa.shift.swap_with,
            why.as_str(),
        ),
        _ => (
            sa.shift.swap_requested_by.unwrap_or_default(),
            sa.shift.swap_with,
            sa.shift.swap_reason.as_deref().unwrap_or(""),
        ),
    };
    write_at(
        conn,
        who,
        |c| {
            let saved = ddb::change_shift(c, &sa.shift, version, unit, &change)?;
            if let (Some(_), Some(step), Some(colleague)) = (&saved, swap_step(&change), colleague)
            {
                let swap = Swap {
                    shift: &sa.shift,
                    duty: &sa.a.duty,
                    unit_path: &sa.a.unit.path,
                    asker: (asker, name(asker)),
                    colleague: (colleague, name(colleague)),
                    reason,
                };
                db::notifications::desk_swap(c, step, &swap)?;
            }
            Ok(saved)
        },
        |c| Ok(ddb::find_shift(c, shift_id)?),
    )
}

/// A case as typed on the shift's form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub procedure_id: Option<i64>,
    pub citizen_name: String,
    /// Codes (`poor`, `elderly`…).
    pub priority_groups: Vec<String>,
    pub note: String,
    /// `resolved`, `guided`, `escalated`…
    pub outcome: String,
    pub escalated_to: String,
    pub due_on: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Checks a case: an active procedure, a note, an outcome, and for an
/// escalation where it went and by when.
fn check_case(conn: &mut db::DbConnection, input: &CaseInput) -> Result<ddb::CaseFields, Rejected> {
    let mut e = input.unread.clone();
    let procedure_id = e.required_id("procedure_id", input.procedure_id);
    let citizen_name = e.optional_text("citizen_name", &input.citizen_name, 200);
    let groups: Vec<&str> = input
        .priority_groups
        .iter()
        .map(String::as_str)
        .filter(|g| !g.is_empty())
        .collect();
    if !groups.iter().all(|g| PriorityGroup::parse(g).is_some()) {
        e.add("priority_groups", chosen::INVALID);
    }
    let note = e.required("note", &input.note, 2_000);
    let outcome = Outcome::parse(&input.outcome);
    if outcome.is_none() {
        e.add("outcome", "error-required");
    }
    let escalated = outcome == Some(Outcome::Escalated);
    let escalated_to = e.optional("escalated_to", &input.escalated_to, 300);
    let due_on = e.date_value("due_on", input.due_on);
    if escalated && escalated_to.is_none() {
        e.add("escalated_to", "error-required");
    }
    if escalated && input.due_on.is_none() {
        e.add("due_on", "error-required");
    }
    if let Some(p) = procedure_id {
        if !db::lists::desk_procedures::find(conn, p)?.is_some_and(|x| x.active) {
            e.add("procedure_id", chosen::INVALID);
        }
    }
    let (Some(procedure_id), Some(outcome)) = (procedure_id, outcome.filter(|_| e.is_empty()))
    else {
        return Err(Rejected::Invalid(e));
    };
    Ok(ddb::CaseFields {
        procedure_id,
        citizen_name,
        priority_groups: groups.join(","),
        note,
        outcome,
        escalated_to: if escalated { escalated_to } else { None },
        due_on: if escalated { due_on } else { None },
    })
}

/// Records a case on a shift, dated today (the official on duty, or a
/// manager of the desk).
pub fn record_case(
    conn: &mut db::DbConnection,
    who: &Caller,
    shift_id: i64,
    input: &CaseInput,
) -> Result<ddb::Case, Rejected> {
    let sa = shift_access(conn, who, shift_id)?;
    forbidden_unless(sa.records)?;
    let fields = check_case(conn, input)?;
    let today = format::today();
    audited(conn, who, |c| {
        ddb::add_case(c, &sa.shift, sa.a.unit.id, &fields, who.id, today)
    })
}

/// The answer to an escalation as typed or sent.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub answer: String,
    /// Today when left out.
    pub answered_on: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Records the answer to an escalated case, once (its official or a manager
/// of the desk); not allowed for a case not escalated or already answered.
pub fn answer_case(
    conn: &mut db::DbConnection,
    who: &Caller,
    case_id: i64,
    input: &AnswerInput,
) -> Result<(), Rejected> {
    let case = ddb::find_case(conn, case_id)?;
    let sa = shift_access(conn, who, case.shift_id)?;
    forbidden_unless(sa.records)?;
    let mut e = input.unread.clone();
    let text = e.required("answer", &input.answer, 2_000);
    let today = format::today();
    let on = e
        .date_value("answered_on", input.answered_on)
        .unwrap_or(today);
    // An answer is recorded once it came, never ahead of it.
    if on > today {
        e.add("answered_on", "error-future-date");
    }
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let unit = sa.a.unit.id;
    let answered = write_if_changed(conn, who, |c| ddb::answer(c, &case, unit, on, &text))?;
    if answered {
        Ok(())
    } else {
        Err(Rejected::NotAllowed("desk-error-not-escalated"))
    }
}
