//! Mobile support teams: members from several units, the communes served,
//! rounds planned and held with their figures, and problems raised.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::schema::{
    support_problems, support_rounds, support_team_communes, support_team_members, support_teams,
    tasks, units, users,
};
use super::DbConnection;
use crate::domain::desk::ShiftStatus;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = support_teams)]
pub struct Team {
    pub id: i64,
    pub lead_unit_id: i64,
    pub name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub description: String,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a manager sets on a team; its lead unit stays once set.
#[derive(Debug, Clone, Serialize, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = support_teams)]
pub struct TeamFields {
    #[diesel(skip_update)]
    pub lead_unit_id: i64,
    pub name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub description: String,
    #[diesel(skip_insertion, skip_update)]
    pub members: Vec<i64>,
    #[diesel(skip_insertion, skip_update)]
    pub communes: Vec<i64>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Team> {
    support_teams::table
        .find(id)
        .select(Team::as_select())
        .first(conn)
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(Team, String, String)>> {
    support_teams::table
        .inner_join(units::table.on(units::id.eq(support_teams::lead_unit_id)))
        .select((Team::as_select(), units::name, units::path))
        .order((support_teams::period_from.desc(), support_teams::id))
        .load(conn)
}

/// A member (id, name, home unit's name) or a commune (id, name, path).
pub type Named = (i64, String, String);

/// The teams a reader sees: those `uid` is on, and those whose lead unit or
/// one of whose communes lies in `scope` (the subtrees the reader views).
/// `app::teams::team_access` decides the same for one team.
fn seen(
    uid: i64,
    scope: &[String],
) -> diesel::dsl::IntoBoxed<'static, support_teams::table, super::MultiBackend> {
    use support_team_communes as tc;
    use support_team_members as tm;
    let in_scope = || {
        units::table
            .filter(super::scope::within(scope))
            .select(units::id)
    };
    let serving = tc::table
        .filter(tc::unit_id.eq_any(in_scope()))
        .select(tc::team_id);
    let on_it = tm::table.filter(tm::user_id.eq(uid)).select(tm::team_id);
    support_teams::table
        .filter(
            support_teams::lead_unit_id
                .eq_any(in_scope())
                .or(support_teams::id.eq_any(serving))
                .or(support_teams::id.eq_any(on_it)),
        )
        .into_boxed()
}

/// Up to `limit` teams the reader sees (see [`seen`]) with an id above
/// `after`, by id, with their lead unit (the API's pages).
pub fn seen_after(
    conn: &mut DbConnection,
    uid: i64,
    scope: &[String],
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Team, super::units::Unit)>> {
    let ids: Vec<i64> = seen(uid, scope)
        .filter(support_teams::id.gt(after))
        .select(support_teams::id)
        .order(support_teams::id)
        .limit(limit)
        .load(conn)?;
    support_teams::table
        .inner_join(units::table.on(units::id.eq(support_teams::lead_unit_id)))
        .filter(support_teams::id.eq_any(&ids))
        .select((Team::as_select(), super::units::Unit::as_select()))
        .order(support_teams::id)
        .load(conn)
}

/// Every team the reader sees (see [`seen`]), latest period first, with
/// its lead unit's name and how many communes it serves (the teams page).
pub fn seen_by(
    conn: &mut DbConnection,
    uid: i64,
    scope: &[String],
) -> QueryResult<Vec<(Team, String, i64)>> {
    use std::collections::HashMap;
    use support_team_communes as tc;
    let teams: Vec<Team> = seen(uid, scope)
        .select(Team::as_select())
        .order((support_teams::period_from.desc(), support_teams::id))
        .load(conn)?;
    let ids: Vec<i64> = teams.iter().map(|t| t.id).collect();
    let mut leads: Vec<i64> = teams.iter().map(|t| t.lead_unit_id).collect();
    leads.sort_unstable();
    leads.dedup();
    let names: HashMap<i64, String> = units::table
        .filter(units::id.eq_any(&leads))
        .select((units::id, units::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let counts: HashMap<i64, i64> = tc::table
        .filter(tc::team_id.eq_any(&ids))
        .group_by(tc::team_id)
        .select((tc::team_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(teams
        .into_iter()
        .map(|t| {
            let lead = names.get(&t.lead_unit_id).cloned().unwrap_or_default();
            let communes = counts.get(&t.id).copied().unwrap_or(0);
            (t, lead, communes)
        })
        .collect())
}

/// The members of these teams: (team, (id, name, home unit name)), each
/// team's by name as [`members`] lists them.
pub fn members_of_teams(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, Named)>> {
    support_team_members::table
        .inner_join(users::table.on(users::id.eq(support_team_members::user_id)))
        .inner_join(units::table.on(units::id.eq(users::unit_id)))
        .filter(support_team_members::team_id.eq_any(ids))
        .select((
            support_team_members::team_id,
            (users::id, users::full_name, units::name),
        ))
        .order((support_team_members::team_id, users::full_name, users::id))
        .load(conn)
}

/// The communes these teams serve: (team, (id, name, path)), each team's by
/// name as [`communes`] lists them.
pub fn communes_of_teams(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, Named)>> {
    support_team_communes::table
        .inner_join(units::table.on(units::id.eq(support_team_communes::unit_id)))
        .filter(support_team_communes::team_id.eq_any(ids))
        .select((
            support_team_communes::team_id,
            (units::id, units::name, units::path),
        ))
        .order((support_team_communes::team_id, units::name, units::id))
        .load(conn)
}

/// Members: (id, name, home unit name).
pub fn members(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<Named>> {
    Ok(of_one(members_of_teams(conn, &[id])?))
}

/// Communes served: (id, name, path).
pub fn communes(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<Named>> {
    Ok(of_one(communes_of_teams(conn, &[id])?))
}

/// One team's rows of a query over several, without the team's id.
fn of_one(rows: Vec<(i64, Named)>) -> Vec<Named> {
    rows.into_iter().map(|(_, named)| named).collect()
}

fn set_links(conn: &mut DbConnection, id: i64, f: &TeamFields) -> QueryResult<()> {
    use support_team_communes as tc;
    use support_team_members as tm;
    diesel::delete(tm::table.filter(tm::team_id.eq(id))).execute(conn)?;
    diesel::delete(tc::table.filter(tc::team_id.eq(id))).execute(conn)?;
    for u in &f.members {
        let row = (tm::team_id.eq(id), tm::user_id.eq(u));
        diesel::insert_into(tm::table).values(row).execute(conn)?;
    }
    for c in &f.communes {
        let row = (tc::team_id.eq(id), tc::unit_id.eq(c));
        diesel::insert_into(tc::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn fields_of(conn: &mut DbConnection, t: &Team) -> QueryResult<TeamFields> {
    Ok(TeamFields {
        lead_unit_id: t.lead_unit_id,
        name: t.name.clone(),
        period_from: t.period_from,
        period_to: t.period_to,
        description: t.description.clone(),
        members: members(conn, t.id)?.into_iter().map(|m| m.0).collect(),
        communes: communes(conn, t.id)?.into_iter().map(|c| c.0).collect(),
    })
}

pub fn create(conn: &mut DbConnection, f: &TeamFields, by: i64) -> QueryResult<(Team, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(support_teams::table)
        .values((
            f,
            support_teams::version.eq(1),
            support_teams::created_by.eq(by),
            support_teams::created_at.eq(now),
            support_teams::updated_at.eq(now),
        ))
        .returning(support_teams::id)
        .get_result(conn)?;
    set_links(conn, id, f)?;
    Ok((
        find(conn, id)?,
        Change::new("create", "support_team", id, json!(f)).on_unit(f.lead_unit_id),
    ))
}

pub fn update(
    conn: &mut DbConnection,
    t: &Team,
    version: i32,
    f: &TeamFields,
) -> QueryResult<Option<Change>> {
    let before = fields_of(conn, t)?;
    let n = diesel::update(
        support_teams::table
            .filter(support_teams::id.eq(t.id))
            .filter(support_teams::version.eq(version)),
    )
    .set((
        f,
        support_teams::version.eq(version + 1),
        support_teams::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    set_links(conn, t.id, f)?;
    Ok(Some(
        Change::new("update", "support_team", t.id, diff(&before, f)).on_unit(t.lead_unit_id),
    ))
}

// ---------------------------------------------------------------- rounds

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = support_rounds)]
pub struct Round {
    pub id: i64,
    pub team_id: i64,
    pub unit_id: i64,
    pub on_date: NaiveDate,
    pub start_time: String,
    pub place: String,
    pub kind: String,
    pub status: String,
    pub attendance: Option<i32>,
    pub helped_meritorious: Option<i32>,
    pub helped_poor: Option<i32>,
    pub helped_elderly: Option<i32>,
    pub helped_disability: Option<i32>,
    pub helped_other: Option<i32>,
    pub dossiers_prepared: Option<i32>,
    pub dossiers_online: Option<i32>,
    pub notes: String,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, PartialEq, Insertable)]
#[diesel(table_name = support_rounds)]
pub struct RoundPlan {
    pub unit_id: i64,
    pub on_date: NaiveDate,
    pub start_time: String,
    pub place: String,
    pub kind: String,
}

/// What a held round records: attendance, people helped by priority group
/// (meritorious, poor, elderly, disability, other), dossiers, notes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoundResult {
    pub attendance: i32,
    pub helped: [i32; 5],
    pub dossiers_prepared: i32,
    pub dossiers_online: i32,
    pub notes: String,
}

pub fn find_round(conn: &mut DbConnection, id: i64) -> QueryResult<Round> {
    support_rounds::table
        .find(id)
        .select(Round::as_select())
        .first(conn)
}

/// Rounds of a team between two dates, with the commune's name, by date.
pub fn rounds(
    conn: &mut DbConnection,
    team_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Round, String)>> {
    support_rounds::table
        .inner_join(units::table)
        .filter(support_rounds::team_id.eq(team_id))
        .filter(support_rounds::on_date.between(from, to))
        .select((Round::as_select(), units::name))
        .order((
            support_rounds::on_date,
            support_rounds::start_time,
            support_rounds::id,
        ))
        .load(conn)
}

/// Up to `limit` rounds of a team between two dates, in the order of
/// [`rounds`], that follow the round `after` (from the first when 0; none
/// when `after` is not one of them).
pub fn rounds_after(
    conn: &mut DbConnection,
    team_id: i64,
    (from, to): (NaiveDate, NaiveDate),
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Round>> {
    use support_rounds as r;
    let mut q = r::table
        .filter(r::team_id.eq(team_id))
        .filter(r::on_date.between(from, to))
        .into_boxed();
    if after != 0 {
        let Some((day, time)) = r::table
            .filter(r::id.eq(after))
            .filter(r::team_id.eq(team_id))
            .filter(r::on_date.between(from, to))
            .select((r::on_date, r::start_time))
            .first::<(NaiveDate, String)>(conn)
            .optional()?
        else {
            return Ok(Vec::new());
        };
        q = q.filter(
            r::on_date.gt(day).or(r::on_date.eq(day).and(
                r::start_time
                    .gt(time.clone())
                    .or(r::start_time.eq(time).and(r::id.gt(after))),
            )),
        );
    }
    q.select(Round::as_select())
        .order((r::on_date, r::start_time, r::id))
        .limit(limit)
        .load(conn)
}

pub fn plan_round(
    conn: &mut DbConnection,
    t: &Team,
    p: &RoundPlan,
    by: i64,
) -> QueryResult<(Round, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(support_rounds::table)
        .values((
            p,
            support_rounds::team_id.eq(t.id),
            support_rounds::status.eq(ShiftStatus::Planned.as_str()),
            support_rounds::version.eq(1),
            support_rounds::created_by.eq(by),
            support_rounds::created_at.eq(now),
            support_rounds::updated_at.eq(now),
        ))
        .returning(support_rounds::id)
        .get_result(conn)?;
    Ok((
        find_round(conn, id)?,
        Change::new("plan_round", "support_round", id, json!(p)).on_unit(p.unit_id),
    ))
}

/// Records a round as held (or corrects its figures); `None` if someone
/// saved first.
pub fn record(
    conn: &mut DbConnection,
    r: &Round,
    version: i32,
    res: &RoundResult,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        support_rounds::table
            .filter(support_rounds::id.eq(r.id))
            .filter(support_rounds::version.eq(version)),
    )
    .set((
        support_rounds::status.eq(ShiftStatus::Held.as_str()),
        support_rounds::attendance.eq(res.attendance),
        support_rounds::helped_meritorious.eq(res.helped[0]),
        support_rounds::helped_poor.eq(res.helped[1]),
        support_rounds::helped_elderly.eq(res.helped[2]),
        support_rounds::helped_disability.eq(res.helped[3]),
        support_rounds::helped_other.eq(res.helped[4]),
        support_rounds::dossiers_prepared.eq(res.dossiers_prepared),
        support_rounds::dossiers_online.eq(res.dossiers_online),
        support_rounds::notes.eq(&res.notes),
        support_rounds::version.eq(version + 1),
        support_rounds::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1)
        .then(|| Change::new("record_round", "support_round", r.id, json!(res)).on_unit(r.unit_id)))
}

pub fn cancel(
    conn: &mut DbConnection,
    r: &Round,
    version: i32,
    reason: &str,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        support_rounds::table
            .filter(support_rounds::id.eq(r.id))
            .filter(support_rounds::version.eq(version))
            .filter(support_rounds::status.eq(ShiftStatus::Planned.as_str())),
    )
    .set((
        support_rounds::status.eq(ShiftStatus::Cancelled.as_str()),
        support_rounds::notes.eq(reason),
        support_rounds::version.eq(version + 1),
        support_rounds::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "cancel_round",
            "support_round",
            r.id,
            json!({"reason": reason}),
        )
        .on_unit(r.unit_id)
    }))
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Problem {
    pub id: i64,
    pub round_id: i64,
    pub text: String,
    pub task_id: Option<i64>,
    pub task_title: Option<String>,
}

pub fn problems(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<Problem>> {
    support_problems::table
        .left_join(tasks::table.on(tasks::id.nullable().eq(support_problems::task_id)))
        .filter(support_problems::round_id.eq(round_id))
        .select((
            support_problems::id,
            support_problems::round_id,
            support_problems::text,
            support_problems::task_id,
            tasks::title.nullable(),
        ))
        .order(support_problems::id)
        .load(conn)
}

pub fn add_problem(conn: &mut DbConnection, r: &Round, text: &str, by: i64) -> QueryResult<Change> {
    let id: i64 = diesel::insert_into(support_problems::table)
        .values((
            support_problems::round_id.eq(r.id),
            support_problems::text.eq(text),
            support_problems::created_by.eq(by),
            support_problems::created_at.eq(super::now()),
        ))
        .returning(support_problems::id)
        .get_result(conn)?;
    Ok(Change::new(
        "raise_problem",
        "support_round",
        r.id,
        json!({"problem_id": id, "text": text}),
    )
    .on_unit(r.unit_id))
}

/// Takes a problem up as a difficult task; `None` if the problem is not the round's.
pub fn link_task(
    conn: &mut DbConnection,
    r: &Round,
    problem_id: i64,
    task_id: i64,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        support_problems::table
            .filter(support_problems::id.eq(problem_id))
            .filter(support_problems::round_id.eq(r.id)),
    )
    .set(support_problems::task_id.eq(task_id))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "problem_to_task",
            "support_round",
            r.id,
            json!({"problem_id": problem_id, "task_id": task_id}),
        )
        .on_unit(r.unit_id)
    }))
}

/// Per commune over a period: rounds planned (all), held, attendance, people
/// helped by group, dossiers prepared and submitted online.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommuneFigures {
    pub unit_id: i64,
    pub unit_name: String,
    pub rounds: i64,
    pub held: i64,
    pub attendance: i64,
    pub helped: [i64; 5],
    pub dossiers_prepared: i64,
    pub dossiers_online: i64,
}

impl CommuneFigures {
    pub fn helped_total(&self) -> i64 {
        self.helped.iter().sum()
    }
}

pub fn figures(
    conn: &mut DbConnection,
    team_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<CommuneFigures>> {
    type Row = (
        i64,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    use diesel::dsl::{count_star, sum};
    let rows: Vec<Row> = support_rounds::table
        .filter(support_rounds::team_id.eq(team_id))
        .filter(support_rounds::on_date.between(from, to))
        .group_by((support_rounds::unit_id, support_rounds::status))
        .select((
            support_rounds::unit_id,
            support_rounds::status,
            count_star(),
            sum(support_rounds::attendance),
            sum(support_rounds::helped_meritorious),
            sum(support_rounds::helped_poor),
            sum(support_rounds::helped_elderly),
            sum(support_rounds::helped_disability),
            sum(support_rounds::helped_other),
            sum(support_rounds::dossiers_prepared),
            sum(support_rounds::dossiers_online),
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let names: Vec<(i64, String)> = units::table
        .filter(units::id.eq_any(&ids))
        .select((units::id, units::name))
        .load(conn)?;
    let mut out: Vec<CommuneFigures> = Vec::new();
    for (uid, status, n, att, m, p, e, d, o, prep, online) in rows {
        let name = names
            .iter()
            .find(|(id, _)| *id == uid)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let idx = match out.iter().position(|f| f.unit_id == uid) {
            Some(i) => i,
            None => {
                out.push(CommuneFigures {
                    unit_id: uid,
                    unit_name: name,
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        let f = &mut out[idx];
        f.rounds += n;
        if status == ShiftStatus::Held.as_str() {
            f.held += n;
        }
        f.attendance += att.unwrap_or(0);
        for (slot, v) in f.helped.iter_mut().zip([m, p, e, d, o]) {
            *slot += v.unwrap_or(0);
        }
        f.dossiers_prepared += prep.unwrap_or(0);
        f.dossiers_online += online.unwrap_or(0);
    }
    out.sort_by(|a, b| a.unit_name.cmp(&b.unit_name));
    Ok(out)
}
