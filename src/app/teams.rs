//! Mobile support teams: setting one up, editing it, its rounds planned,
//! recorded and cancelled, and the problems they raise.

use chrono::NaiveDate;

use super::Caller;
use super::{
    audited, chosen, edit_at, forbidden_unless, period, required_date, write_at, write_if_changed,
    Rejected, Version, Versioned,
};
use crate::context::CurrentUser;
use crate::db::{self, teams as tdb};
use crate::domain::access::Permission;
use crate::domain::desk::{self, RoundKind, ShiftStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// The team as a stale edit finds it.
pub struct TeamNow {
    pub team: tdb::Team,
    pub fields: tdb::TeamFields,
}

impl Versioned for TeamNow {
    fn version(&self) -> i32 {
        self.team.version
    }
}

/// What the reader may do with a team.
pub struct Access {
    pub team: tdb::Team,
    pub lead: db::units::Unit,
    /// Committee members and administrators of the lead unit run the team.
    pub manage: bool,
    /// Members (and managers) plan and record rounds.
    pub member: bool,
    pub communes: Vec<(i64, String, String)>,
    pub members: Vec<(i64, String, String)>,
}

/// The team, if the user is on it or sees its lead unit or one of its communes.
pub fn team_access(conn: &mut db::DbConnection, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let team = tdb::find(conn, id)?;
    let lead = db::units::find(conn, team.lead_unit_id)?;
    let communes = tdb::communes(conn, id)?;
    let members = tdb::members(conn, id)?;
    let manage = user.can(Permission::ManageTasks, &lead.path);
    let member = manage || members.iter().any(|m| m.0 == user.id);
    let sees = member
        || user.can(Permission::View, &lead.path)
        || communes
            .iter()
            .any(|(_, _, path)| user.can(Permission::View, path));
    if !sees {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        team,
        lead,
        manage,
        member,
        communes,
        members,
    })
}

/// A team as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    pub lead_unit_id: Option<i64>,
    pub name: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub description: String,
    /// Active accounts of the lead unit's province.
    pub members: Vec<i64>,
    /// The units served, of the same province.
    pub communes: Vec<i64>,
    pub unread: FieldErrors,
}

/// Checks a team: its fields, a lead unit the reader manages (an edit keeps
/// it), and members and communes of the lead unit's province.
fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &TeamInput,
    existing: Option<&tdb::Team>,
) -> Result<tdb::TeamFields, Rejected<TeamNow>> {
    let mut e = input.unread.clone();
    let lead_unit_id = match existing {
        Some(t) => Some(t.lead_unit_id),
        None => e.required_id("lead_unit_id", input.lead_unit_id),
    };
    let name = e.required("name", &input.name, 200);
    let dates = period(&mut e, input.period_from, input.period_to);
    let description = e.optional_text("description", &input.description, 5_000);
    let (mut members, mut communes) = (input.members.clone(), input.communes.clone());
    for ids in [&mut members, &mut communes] {
        ids.sort_unstable();
        ids.dedup();
    }
    if members.is_empty() {
        e.add("members", "error-required");
    }
    if communes.is_empty() {
        e.add("communes", "error-required");
    }
    let scope = user.scope(Permission::ManageTasks);
    let is_new = existing.is_none();
    // Members and communes come from the lead unit's province: any active
    // account of it (departments, communes) will do, as will any active unit
    // of it served — never those of another province.
    let lead = db::units::find_chosen(conn, lead_unit_id)?;
    let within: Vec<String> = lead.iter().map(|u| chosen::province(&u.path)).collect();
    let known_units = db::units::tree(conn, &within, false)?;
    // Only the people named are looked up, not the province's thousands.
    let known_users = db::users::people_among(conn, &db::users::Pool::within(&within), &members)?;
    // A team keeps its lead unit once set.
    let lead = chosen::one(&mut e, "lead_unit_id", lead_unit_id, lead, |u| {
        !is_new || (u.active && scope.iter().any(|p| u.path.starts_with(p)))
    });
    if lead.is_some() {
        let person = |m: i64| known_users.iter().any(|(id, _, _)| *id == m);
        let place = |c: i64| known_units.iter().any(|u| u.id == c);
        chosen::every(&mut e, "members", &members, person, chosen::INVALID);
        chosen::every(&mut e, "communes", &communes, place, chosen::INVALID);
    }
    match (lead_unit_id, dates) {
        (Some(lead_unit_id), Some((period_from, period_to))) if e.is_empty() => {
            Ok(tdb::TeamFields {
                lead_unit_id,
                name,
                period_from,
                period_to,
                description,
                members,
                communes,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Sets up a team led by a unit the reader manages.
pub fn set_up(
    conn: &mut db::DbConnection,
    who: &Caller,
    input: &TeamInput,
) -> Result<tdb::Team, Rejected<TeamNow>> {
    who.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, who, input, None)?;
    audited(conn, who, |c| tdb::create(c, &fields, who.id))
}

/// Edits a team (the lead unit's managers; the lead unit stays) from the
/// version read.
pub fn edit(
    conn: &mut db::DbConnection,
    who: &Caller,
    team_id: i64,
    version: Version,
    input: &TeamInput,
) -> Result<TeamNow, Rejected<TeamNow>> {
    let a = team_access(conn, who, team_id)?;
    forbidden_unless(a.manage)?;
    let fields = check(conn, who, input, Some(&a.team))?;
    edit_at(
        conn,
        who,
        version,
        |c, version| tdb::update(c, &a.team, version, &fields),
        |c| {
            let team = tdb::find(c, team_id)?;
            let fields = tdb::fields_of(c, &team)?;
            Ok(TeamNow { team, fields })
        },
    )
}

/// A round as planned on the team's page or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// One of the team's communes.
    pub unit_id: Option<i64>,
    /// Within the team's period.
    pub on_date: Option<NaiveDate>,
    /// `HH:MM`.
    pub start_time: String,
    pub place: String,
    /// `outreach`, `legal_advice`, `online_guidance`.
    pub kind: String,
    pub unread: FieldErrors,
}

/// A round planned in one of the team's communes, within its period.
fn check_plan(a: &Access, input: &PlanInput) -> Result<tdb::RoundPlan, FieldErrors> {
    let mut e = input.unread.clone();
    let unit_id = e.required_id("unit_id", input.unit_id);
    if unit_id.is_some_and(|u| !a.communes.iter().any(|c| c.0 == u)) {
        e.add("unit_id", chosen::INVALID);
    }
    let on_date = required_date(&mut e, "on_date", input.on_date);
    if on_date.is_some_and(|d| d < a.team.period_from || d > a.team.period_to) {
        e.add("on_date", "teams-error-outside-period");
    }
    let start = desk::parse_time(&input.start_time);
    if start.is_none() {
        e.add("start_time", "error-time");
    }
    let place = e.required("place", &input.place, 300);
    let kind = RoundKind::parse(&input.kind);
    if kind.is_none() {
        e.add("kind", "error-required");
    }
    let (Some(unit_id), Some(on_date), Some(start), Some(kind)) =
        (unit_id, on_date, start, kind.filter(|_| e.is_empty()))
    else {
        return Err(e);
    };
    Ok(tdb::RoundPlan {
        unit_id,
        on_date,
        start_time: start.format("%H:%M").to_string(),
        place,
        kind: kind.as_str().into(),
    })
}

/// Plans a round (the team's members and the lead unit's committee).
pub fn plan_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    team_id: i64,
    input: &PlanInput,
) -> Result<tdb::Round, Rejected> {
    let a = team_access(conn, who, team_id)?;
    forbidden_unless(a.member)?;
    let plan = check_plan(&a, input)?;
    audited(conn, who, |c| tdb::plan_round(c, &a.team, &plan, who.id))
}

pub struct RoundAccess {
    pub a: Access,
    pub round: tdb::Round,
}

/// The round, if the user may see its team.
pub fn round_access(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<RoundAccess> {
    let round = tdb::find_round(conn, id)?;
    let a = team_access(conn, user, round.team_id)?;
    Ok(RoundAccess { a, round })
}

/// The round, if the user is a member of its team (who act on rounds).
fn member_round<C>(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<RoundAccess, Rejected<C>> {
    let ra = round_access(conn, user, id)?;
    forbidden_unless(ra.a.member)?;
    Ok(ra)
}

impl Versioned for tdb::Round {
    fn version(&self) -> i32 {
        self.version
    }
}

/// A held round's figures as typed or sent.
#[derive(Debug, Clone, Default)]
pub struct ResultInput {
    pub attendance: Option<i64>,
    /// Meritorious families, poor, elderly, with a disability, other.
    pub helped: [Option<i64>; 5],
    pub dossiers_prepared: Option<i64>,
    pub dossiers_online: Option<i64>,
    pub notes: String,
    pub unread: FieldErrors,
}

/// Records a held round's figures (the team's members) from the version
/// read: counts of zero or more, attendance required, no more dossiers filed
/// online than prepared.
pub fn record_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    version: Version,
    input: &ResultInput,
) -> Result<tdb::Round, Rejected<tdb::Round>> {
    let ra = member_round(conn, who, round_id)?;
    let mut e = input.unread.clone();
    let mut count = |field: &str, v: Option<i64>| -> i32 {
        match v.map(i32::try_from) {
            Some(Ok(n)) if n >= 0 => n,
            Some(_) => {
                e.add(field, "error-number");
                0
            }
            None => 0,
        }
    };
    let attendance = count("attendance", input.attendance);
    let names = [
        "helped_meritorious",
        "helped_poor",
        "helped_elderly",
        "helped_disability",
        "helped_other",
    ];
    let helped = [0, 1, 2, 3, 4].map(|i| count(names[i], input.helped[i]));
    let prepared = count("dossiers_prepared", input.dossiers_prepared);
    let online = count("dossiers_online", input.dossiers_online);
    if input.attendance.is_none() {
        e.add("attendance", "error-required");
    }
    if online > prepared {
        e.add("dossiers_online", "error-more-than-total");
    }
    let notes = e.optional_text("notes", &input.notes, 5_000);
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let res = tdb::RoundResult {
        attendance,
        helped,
        dossiers_prepared: prepared,
        dossiers_online: online,
        notes,
    };
    let version = version.given(|| Ok(ra.round.clone()))?;
    write_at(
        conn,
        who,
        |c| tdb::record(c, &ra.round, version, &res),
        |c| Ok(tdb::find_round(c, round_id)?),
    )
}

/// Cancels a planned round, with a reason (up to 500 characters kept), from
/// the version read (the team's members).
pub fn cancel_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    version: Version,
    reason: &str,
) -> Result<tdb::Round, Rejected<tdb::Round>> {
    let ra = member_round(conn, who, round_id)?;
    let reason: String = reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Err(Rejected::refused("reason", "error-required"));
    }
    let version = version.given(|| Ok(ra.round.clone()))?;
    if ra.round.status != ShiftStatus::Planned.as_str() && version == ra.round.version {
        return Err(Rejected::NotAllowed("teams-error-not-planned"));
    }
    write_at(
        conn,
        who,
        |c| tdb::cancel(c, &ra.round, version, &reason),
        |c| Ok(tdb::find_round(c, round_id)?),
    )
}

/// Raises a problem met on a round, of 1–2,000 characters (the team's
/// members).
pub fn raise_problem(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    text: &str,
) -> Result<(), Rejected> {
    let ra = member_round(conn, who, round_id)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2_000 {
        return Err(Rejected::refused("text", "teams-error-problem"));
    }
    audited(conn, who, |c| {
        Ok(((), tdb::add_problem(c, &ra.round, text, who.id)?))
    })
}

/// Takes a problem raised on a round up as a difficult task of the round's
/// commune, as the page offers them (the team's members); not found if the
/// problem is not the round's.
pub fn link_task(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    problem_id: i64,
    task_id: Option<i64>,
) -> Result<(), Rejected> {
    let ra = member_round(conn, who, round_id)?;
    let unit = db::units::find(conn, ra.round.unit_id)?;
    let found = match task_id {
        Some(t) => db::tasks::in_subtree(conn, &unit.path, &[t])?.pop(),
        None => None,
    };
    let Some(task_id) = found else {
        return Err(Rejected::refused("task_id", chosen::INVALID));
    };
    match write_if_changed(conn, who, |c| {
        tdb::link_task(c, &ra.round, problem_id, task_id)
    })? {
        true => Ok(()),
        false => Err(Rejected::NotFound),
    }
}
