//! Mobile support teams and their rounds: teams read by those who see them,
//! rounds planned, recorded (figures, with If-Match), cancelled, and the
//! problems they raise. Rights and checks are the application layer's
//! (`app::teams`), as for the team pages.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::desk::Person;
use super::{created, one, page, resource, version, Api, ApiJson, ApiResult, PageQuery};
use crate::app;
use crate::app::teams::{round_access, team_access, Access, PlanInput, ResultInput, TeamInput};
use crate::db::teams as tdb;
use crate::db::units::Unit;
use crate::domain::access::Permission;
use crate::domain::validate::FieldErrors;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/teams", "GET, POST")
            .route(web::get().to(list_teams))
            .route(web::post().to(create_team)),
    )
    .service(
        resource("/v1/teams/{id}", "GET, PUT")
            .route(web::get().to(get_team))
            .route(web::put().to(update_team)),
    )
    .service(
        resource("/v1/teams/{id}/rounds", "GET, POST")
            .route(web::get().to(list_rounds))
            .route(web::post().to(plan_round)),
    )
    .service(resource("/v1/team-rounds/{id}", "GET").route(web::get().to(get_round)))
    .service(resource("/v1/team-rounds/{id}/result", "PUT").route(web::put().to(record_round)))
    .service(resource("/v1/team-rounds/{id}/cancel", "POST").route(web::post().to(cancel_round)))
    .service(resource("/v1/team-rounds/{id}/problems", "POST").route(web::post().to(add_problem)));
}

/// A mobile support team: its lead unit, period, members and communes.
#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    id: i64,
    name: String,
    lead_unit_id: i64,
    lead_unit_name: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    description: String,
    members: Vec<Person>,
    /// The communes (units) it serves.
    communes: Vec<Person>,
    /// Send it back in `If-Match` to edit the team.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl TeamOut {
    fn new(
        team: tdb::Team,
        lead: Unit,
        members: Vec<(i64, String, String)>,
        communes: Vec<(i64, String, String)>,
    ) -> Self {
        let people = |list: Vec<(i64, String, String)>| {
            list.into_iter()
                .map(|(id, name, _)| Person::new(id, name))
                .collect()
        };
        TeamOut {
            id: team.id,
            name: team.name,
            lead_unit_id: lead.id,
            lead_unit_name: lead.name,
            period_from: team.period_from,
            period_to: team.period_to,
            description: team.description,
            members: people(members),
            communes: people(communes),
            version: team.version,
            updated_at: team.updated_at,
        }
    }
}

impl From<Access> for TeamOut {
    fn from(a: Access) -> Self {
        TeamOut::new(a.team, a.lead, a.members, a.communes)
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamPage {
    items: Vec<TeamOut>,
    next_cursor: Option<String>,
}

/// The teams the reader is on or sees (by lead unit or a commune), by id.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    params(PageQuery),
    responses((status = 200, body = TeamPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_teams(api: Api, q: web::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let (uid, scope) = (api.user.id, api.user.scope(Permission::View));
    let items = api
        .db(move |c| {
            // Two queries for the page (its ids, then its rows), one for
            // its members, one for its communes, however many teams there are.
            let teams = tdb::seen_after(c, uid, &scope, after, limit)?;
            let ids: Vec<i64> = teams.iter().map(|(t, _)| t.id).collect();
            let mut members = super::grouped(tdb::members_of_teams(c, &ids)?);
            let mut communes = super::grouped(tdb::communes_of_teams(c, &ids)?);
            Ok(teams
                .into_iter()
                .map(|(t, lead)| {
                    let (m, k) = (members.remove(&t.id), communes.remove(&t.id));
                    TeamOut::new(t, lead, m.unwrap_or_default(), k.unwrap_or_default())
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(page(items, limit, |t| t.id))
}

/// One team; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams",
    params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = TeamOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_team(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (out, version) = team_now(&api, *id).await?;
    Ok(one(&out, Some(version)))
}

async fn team_now(api: &Api, tid: i64) -> ApiResult<(TeamOut, i32)> {
    let a = api.read(move |c, user| team_access(c, user, tid)).await?;
    let version = a.team.version;
    Ok((TeamOut::from(a), version))
}

/// A team as a manager sets it: the team form's fields.
#[derive(Deserialize, ToSchema)]
pub struct TeamIn {
    /// A unit the reader manages (fixed once set).
    lead_unit_id: i64,
    name: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    #[serde(default)]
    description: String,
    /// Active accounts, from any unit.
    members: Vec<i64>,
    /// The units served.
    communes: Vec<i64>,
}

impl From<TeamIn> for TeamInput {
    fn from(t: TeamIn) -> TeamInput {
        TeamInput {
            lead_unit_id: Some(t.lead_unit_id),
            name: t.name,
            period_from: Some(t.period_from),
            period_to: Some(t.period_to),
            description: t.description,
            members: t.members,
            communes: t.communes,
            unread: FieldErrors::default(),
        }
    }
}

/// Sets up a team led by a unit the reader manages.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams",
    request_body = TeamIn,
    responses((status = 201, body = TeamOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_team(api: Api, body: ApiJson<TeamIn>) -> ApiResult<HttpResponse> {
    let body = body.for_task_managers(&api).await?;
    let input = TeamInput::from(body);
    let team = api
        .call(move |c, who| app::teams::set_up(c, who, &input))
        .await?;
    let (out, version) = team_now(&api, team.id).await?;
    Ok(created(
        &format!("/api/v1/teams/{}", team.id),
        &out,
        Some(version),
    ))
}

/// Edits a team (the lead unit's managers; the lead unit stays). `If-Match`
/// carries the version read: 412 if someone saved since.
#[utoipa::path(put, path = "/api/v1/teams/{id}", tag = "teams",
    params(("id" = i64, Path, description = "team id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = TeamIn,
    responses((status = 200, body = TeamOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update_team(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<TeamIn>,
) -> ApiResult<HttpResponse> {
    let (tid, version) = (*id, version(&req));
    let body = body
        .for_whom(&api, move |c, u| {
            Ok(app::teams::team_access(c, u, tid)?.manage)
        })
        .await?;
    let input = TeamInput::from(body);
    api.call(move |c, who| app::teams::edit(c, who, tid, version, &input))
        .await?;
    let (out, now) = team_now(&api, tid).await?;
    Ok(one(&out, Some(now)))
}

/// A round of a team in one commune: planned, then held (with its figures)
/// or cancelled.
#[derive(Serialize, ToSchema)]
pub struct TeamRoundOut {
    id: i64,
    team_id: i64,
    unit_id: i64,
    on_date: NaiveDate,
    /// `HH:MM`.
    start_time: String,
    place: String,
    /// `outreach`, `legal_advice`, `online_guidance`
    kind: String,
    /// `planned`, `held`, `cancelled`
    status: String,
    attendance: Option<i32>,
    helped: Helped,
    dossiers_prepared: Option<i32>,
    dossiers_online: Option<i32>,
    /// The notes of a held round, or why it was cancelled.
    notes: String,
    /// Send it back in `If-Match` to record figures or cancel.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

/// People helped, by priority group.
#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct Helped {
    meritorious: Option<i32>,
    poor: Option<i32>,
    elderly: Option<i32>,
    disability: Option<i32>,
    other: Option<i32>,
}

impl From<tdb::Round> for TeamRoundOut {
    fn from(r: tdb::Round) -> Self {
        TeamRoundOut {
            id: r.id,
            team_id: r.team_id,
            unit_id: r.unit_id,
            on_date: r.on_date,
            start_time: r.start_time,
            place: r.place,
            kind: r.kind,
            status: r.status,
            attendance: r.attendance,
            helped: Helped {
                meritorious: r.helped_meritorious,
                poor: r.helped_poor,
                elderly: r.helped_elderly,
                disability: r.helped_disability,
                other: r.helped_other,
            },
            dossiers_prepared: r.dossiers_prepared,
            dossiers_online: r.dossiers_online,
            notes: r.notes,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamRoundPage {
    items: Vec<TeamRoundOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundFilter {
    /// Only rounds on or after this day (the team's period by default).
    from: Option<NaiveDate>,
    /// Only rounds on or before this day.
    to: Option<NaiveDate>,
}

/// The team's rounds within its period, by date.
#[utoipa::path(get, path = "/api/v1/teams/{id}/rounds", tag = "teams",
    params(("id" = i64, Path, description = "team id"), PageQuery, RoundFilter),
    responses((status = 200, body = TeamRoundPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_rounds(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
    f: web::Query<RoundFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let (tid, from, to) = (*id, f.from, f.to);
    let rounds = api
        .read(move |c, user| {
            let a = team_access(c, user, tid)?;
            let from = from.unwrap_or(a.team.period_from).max(a.team.period_from);
            let to = to.unwrap_or(a.team.period_to).min(a.team.period_to);
            Ok(tdb::rounds_after(c, tid, (from, to), after, limit)?)
        })
        .await?;
    let items: Vec<TeamRoundOut> = rounds.into_iter().map(TeamRoundOut::from).collect();
    Ok(page(items, limit, |r| r.id))
}

/// A round with the problems raised on it.
#[derive(Serialize, ToSchema)]
pub struct TeamRoundDetail {
    #[serde(flatten)]
    round: TeamRoundOut,
    problems: Vec<ProblemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemOut {
    id: i64,
    text: String,
    /// The difficult task it became, if any.
    task_id: Option<i64>,
}

async fn round_detail(api: &Api, rid: i64) -> ApiResult<(TeamRoundDetail, i32)> {
    let (round, problems) = api
        .read(move |c, user| {
            let ra = round_access(c, user, rid)?;
            Ok((ra.round, tdb::problems(c, rid)?))
        })
        .await?;
    let version = round.version;
    let detail = TeamRoundDetail {
        round: TeamRoundOut::from(round),
        problems: problems
            .into_iter()
            .map(|p| ProblemOut {
                id: p.id,
                text: p.text,
                task_id: p.task_id,
            })
            .collect(),
    };
    Ok((detail, version))
}

/// One round (its version is the ETag).
#[utoipa::path(get, path = "/api/v1/team-rounds/{id}", tag = "teams",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = TeamRoundDetail, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_round(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (detail, version) = round_detail(&api, *id).await?;
    Ok(one(&detail, Some(version)))
}

/// A round as a member plans it.
#[derive(Deserialize, ToSchema)]
pub struct PlanIn {
    /// One of the team's communes.
    unit_id: i64,
    /// Within the team's period.
    on_date: NaiveDate,
    /// `HH:MM`.
    start_time: String,
    place: String,
    #[schema(schema_with = super::choices::round_kind)]
    kind: String,
}

/// Plans a round (the team's members and the lead unit's committee).
#[utoipa::path(post, path = "/api/v1/teams/{id}/rounds", tag = "teams",
    params(("id" = i64, Path, description = "team id")),
    request_body = PlanIn,
    responses((status = 201, body = TeamRoundDetail, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn plan_round(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<PlanIn>,
) -> ApiResult<HttpResponse> {
    let team = *id;
    let b = body
        .for_whom(&api, move |c, u| {
            Ok(app::teams::team_access(c, u, team)?.member)
        })
        .await?;
    let input = PlanInput {
        unit_id: Some(b.unit_id),
        on_date: Some(b.on_date),
        start_time: b.start_time,
        place: b.place,
        kind: b.kind,
        unread: FieldErrors::default(),
    };
    let tid = *id;
    let rid = api
        .call(move |c, who| app::teams::plan_round(c, who, tid, &input))
        .await?
        .id;
    let (detail, version) = round_detail(&api, rid).await?;
    Ok(created(
        &format!("/api/v1/team-rounds/{rid}"),
        &detail,
        Some(version),
    ))
}

/// A held round's figures.
#[derive(Deserialize, ToSchema)]
pub struct ResultIn {
    attendance: i32,
    #[serde(default)]
    helped: Helped,
    #[serde(default)]
    dossiers_prepared: Option<i32>,
    /// At most `dossiers_prepared`.
    #[serde(default)]
    dossiers_online: Option<i32>,
    #[serde(default)]
    notes: String,
}

/// Records a round as held with its figures, or corrects them. `If-Match`
/// carries the version read: 412 if someone saved since.
#[utoipa::path(put, path = "/api/v1/team-rounds/{id}/result", tag = "teams",
    params(("id" = i64, Path, description = "round id"),
        ("If-Match" = String, Header, description = "the version the figures were entered from")),
    request_body = ResultIn,
    responses((status = 200, body = TeamRoundDetail, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn record_round(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ResultIn>,
) -> ApiResult<HttpResponse> {
    let round = *id;
    let b = body
        .for_whom(&api, move |c, u| on_team(c, u, round))
        .await?;
    let n = |v: Option<i32>| v.map(i64::from);
    let input = ResultInput {
        attendance: Some(i64::from(b.attendance)),
        helped: [
            n(b.helped.meritorious),
            n(b.helped.poor),
            n(b.helped.elderly),
            n(b.helped.disability),
            n(b.helped.other),
        ],
        dossiers_prepared: n(b.dossiers_prepared),
        dossiers_online: n(b.dossiers_online),
        notes: b.notes,
        unread: FieldErrors::default(),
    };
    let (rid, version) = (*id, version(&req));
    api.call(move |c, who| app::teams::record_round(c, who, rid, version, &input))
        .await?;
    let (detail, version) = round_detail(&api, rid).await?;
    Ok(one(&detail, Some(version)))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelIn {
    reason: String,
}

/// Cancels a planned round, with a reason; `If-Match` carries the version
/// read (412 if someone saved since), 409 when the round is not planned.
#[utoipa::path(post, path = "/api/v1/team-rounds/{id}/cancel", tag = "teams",
    params(("id" = i64, Path, description = "round id"),
        ("If-Match" = String, Header, description = "the version read")),
    request_body = CancelIn,
    responses((status = 200, body = TeamRoundDetail, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn cancel_round(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<CancelIn>,
) -> ApiResult<HttpResponse> {
    let (rid, version) = (*id, version(&req));
    let reason = body
        .for_whom(&api, move |c, u| on_team(c, u, rid))
        .await?
        .reason;
    api.call(move |c, who| app::teams::cancel_round(c, who, rid, version, &reason))
        .await
        .map_err(|e| e.conflict_says("Only a planned round can be cancelled."))?;
    let (detail, version) = round_detail(&api, rid).await?;
    Ok(one(&detail, Some(version)))
}

#[derive(Deserialize, ToSchema)]
pub struct ProblemIn {
    /// 1–2,000 characters.
    text: String,
}

/// Raises a problem met on a round (the team's members).
#[utoipa::path(post, path = "/api/v1/team-rounds/{id}/problems", tag = "teams",
    params(("id" = i64, Path, description = "round id")),
    request_body = ProblemIn,
    responses((status = 201, body = TeamRoundDetail, headers(("Location" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn add_problem(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<ProblemIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let text = body
        .for_whom(&api, move |c, u| on_team(c, u, rid))
        .await?
        .text;
    api.call(move |c, who| app::teams::raise_problem(c, who, rid, &text))
        .await?;
    let (detail, _) = round_detail(&api, rid).await?;
    Ok(created(
        &format!("/api/v1/team-rounds/{rid}"),
        &detail,
        None,
    ))
}

/// Is the reader on the team of the round (who act on rounds)?
fn on_team(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    round_id: i64,
) -> crate::error::AppResult<bool> {
    Ok(app::teams::round_access(c, u, round_id)?.a.member)
}
