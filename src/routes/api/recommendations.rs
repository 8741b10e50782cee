//! Recommendations (kiến nghị) that a responding body must answer in writing
//! by a deadline: list, read, raise, answer; transfer and extend (the
//! responding body), accept and reopen (the raising unit). Who sees and who
//! acts, the checks and the deadlines are the application layer's, as on the
//! recommendation pages.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiError, ApiJson, ApiResult, PageQuery};
use crate::app::recommendations::{self as recs, urgency_of, Action, MoveInput};
use crate::db::{self, recommendations::Recommendation};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::{self, Calendar, Urgency};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/recommendations", "GET, POST")
            .route(web::get().to(list_recommendations))
            .route(web::post().to(create_recommendation)),
    )
    .service(resource("/v1/recommendations/{id}", "GET").route(web::get().to(get_recommendation)))
    .service(resource("/v1/recommendations/{id}/answer", "POST").route(web::post().to(answer)))
    .service(resource("/v1/recommendations/{id}/transfer", "POST").route(web::post().to(transfer)))
    .service(resource("/v1/recommendations/{id}/extend", "POST").route(web::post().to(extend)))
    .service(resource("/v1/recommendations/{id}/accept", "POST").route(web::post().to(accept)))
    .service(resource("/v1/recommendations/{id}/reopen", "POST").route(web::post().to(reopen)));
}

/// A recommendation raised by one unit to the body that must answer it.
#[derive(Serialize, ToSchema)]
pub struct RecommendationOut {
    id: i64,
    inspection_id: Option<i64>,
    from_unit_id: i64,
    /// The responding body.
    to_unit_id: i64,
    #[schema(schema_with = super::choices::field)]
    field: String,
    content: String,
    raised_on: NaiveDate,
    /// Working days the responding body has.
    working_days: i32,
    due_on: NaiveDate,
    /// `open`, `answered`, `accepted`
    status: String,
    /// While open: `on_time`, `due_soon`, `overdue`, `long_overdue`.
    urgency: Option<String>,
    answer: Option<String>,
    answered_on: Option<NaiveDate>,
    reopened: bool,
    /// Send it back in `If-Match` to answer (it is also the ETag).
    version: i32,
    #[serde(serialize_with = "super::utc")]
    created_at: NaiveDateTime,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl RecommendationOut {
    fn new(r: Recommendation, cal: &Calendar, today: NaiveDate) -> Self {
        RecommendationOut {
            urgency: urgency_of(cal, &r, today),
            id: r.id,
            inspection_id: r.inspection_id,
            from_unit_id: r.from_unit_id,
            to_unit_id: r.to_unit_id,
            field: r.field,
            content: r.content,
            raised_on: r.raised_on,
            working_days: r.working_days,
            due_on: r.due_on,
            status: r.status,
            answer: r.answer,
            answered_on: r.answered_on,
            reopened: r.reopened,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecommendationPage {
    items: Vec<RecommendationOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationFilter {
    /// `open`, `answered`, `accepted`
    status: Option<String>,
    /// `on_time`, `due_soon`, `overdue`, `long_overdue` (open ones only)
    urgency: Option<String>,
}

/// Recommendations raised by or to a unit the reader sees, by id.
#[utoipa::path(get, path = "/api/v1/recommendations", tag = "recommendations",
    params(PageQuery, RecommendationFilter),
    responses((status = 200, body = RecommendationPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_recommendations(
    api: Api,
    q: web::Query<PageQuery>,
    f: web::Query<RecommendationFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let today = format::today();
    let status = f.status.clone().filter(|s| !s.is_empty());
    // An urgency no recommendation can have leaves the list empty.
    let urgency = match f.urgency.as_deref().filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => match Urgency::parse(u) {
            Some(u) => Some(u),
            None => return Ok(page(Vec::<RecommendationOut>::new(), limit, |r| r.id)),
        },
    };
    let scope = api.user.scope(Permission::View);
    let (recs, cal) = api
        .db(move |c| {
            let cal = db::recommendations::calendar(c)?;
            let filter = db::recommendations::ListFilter {
                scope,
                status,
                due: urgency.map(|u| workdays::due_dates_with(&cal, u, today)),
            };
            let recs = db::recommendations::listed_after(c, &filter, after, limit)?;
            Ok((recs, cal))
        })
        .await?;
    let items: Vec<RecommendationOut> = recs
        .into_iter()
        .map(|r| RecommendationOut::new(r, &cal, today))
        .collect();
    Ok(page(items, limit, |r| r.id))
}

/// The recommendation as the API shows it, with its urgency today.
fn out(
    c: &mut db::DbConnection,
    rec: Recommendation,
) -> Result<RecommendationOut, diesel::result::Error> {
    let cal = db::recommendations::calendar(c)?;
    Ok(RecommendationOut::new(rec, &cal, format::today()))
}

/// The recommendation a use case ended with, as the API shows it, its
/// version the ETag.
async fn answered(api: &Api, rec: Recommendation) -> ApiResult<HttpResponse> {
    let v = rec.version;
    let out = api.db(move |c| Ok(out(c, rec)?)).await?;
    Ok(one(&out, Some(v)))
}

/// One recommendation; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id")),
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_recommendation(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = *id;
    let a = api.read(move |c, user| recs::access(c, user, id)).await?;
    answered(&api, a.rec).await
}

/// A recommendation as a client raises it: the form's fields.
#[derive(Deserialize, ToSchema)]
pub struct RecommendationIn {
    /// A unit where the token owner registers tasks.
    from_unit_id: i64,
    /// The responding body.
    to_unit_id: i64,
    /// `land_recovery`, `land_certificates`, `staffing`, `finance`, `infrastructure`, `other`
    field: String,
    content: String,
    raised_on: NaiveDate,
    #[serde(default)]
    inspection_id: Option<i64>,
}

/// Raises a recommendation; its deadline is the responding body's working
/// days from the day raised, by the working-day calendar.
#[utoipa::path(post, path = "/api/v1/recommendations", tag = "recommendations",
    request_body = RecommendationIn,
    responses((status = 201, body = RecommendationOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_recommendation(
    api: Api,
    body: ApiJson<RecommendationIn>,
) -> ApiResult<HttpResponse> {
    let b = body.for_task_managers(&api).await?;
    let input = recs::RecInput {
        inspection_id: b.inspection_id,
        from_unit_id: Some(b.from_unit_id),
        to_unit_id: Some(b.to_unit_id),
        field: b.field,
        content: b.content,
        raised_on: Some(b.raised_on),
        unread: FieldErrors::default(),
    };
    let rec = api.call(move |c, who| recs::raise(c, who, &input)).await?;
    let v = rec.version;
    let out = api.db(move |c| Ok(out(c, rec)?)).await?;
    let location = format!("/api/v1/recommendations/{}", out.id);
    Ok(created(&location, &out, Some(v)))
}

/// The responding body's written answer.
#[derive(Deserialize, ToSchema)]
pub struct AnswerIn {
    answer: String,
    /// Today when left out.
    #[serde(default)]
    answered_on: Option<NaiveDate>,
}

/// Answers a recommendation (the responding body). `If-Match` carries the
/// version read: 412 if someone acted on it since, 428 without it.
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/answer", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version answered")),
    request_body = AnswerIn,
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn answer(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<AnswerIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let b = body.for_whom(&api, move |c, u| responds(c, u, rid)).await?;
    let input = recs::AnswerInput {
        answer: b.answer,
        answered_on: b.answered_on,
        ..Default::default()
    };
    let (id, version) = (*id, version(&req));
    let data_dir = api.state.config.data_dir.clone();
    let rec = api
        .call(move |c, who| recs::answer(c, who, id, version, &input, &data_dir))
        .await?;
    answered(&api, rec).await
}

/// Makes a move with the page's checks from the version in `If-Match`: 412
/// if someone acted since, 409 when the recommendation is not in the status
/// the move needs (answered to accept or reopen, open otherwise). A body
/// that transferred the recommendation away sees the result of its own move.
async fn act(api: Api, req: HttpRequest, id: i64, input: MoveInput) -> ApiResult<HttpResponse> {
    let version = version(&req);
    let done = api
        .call(move |c, who| recs::make_move(c, who, id, version, &input))
        .await;
    // Not allowed in the status it is in: the 409 names that status.
    if let Err(ApiError::Conflict(_)) = done {
        let status = api
            .db(move |c| Ok(db::recommendations::find(c, id)?.status))
            .await?;
        return Err(ApiError::Conflict(format!(
            "A recommendation that is {status} cannot be moved this way."
        )));
    }
    answered(&api, done?).await
}

/// A move with the fields it needs.
fn moving(
    action: Action,
    to_unit_id: Option<i64>,
    due_on: Option<NaiveDate>,
    reason: String,
) -> MoveInput {
    MoveInput {
        action,
        to_unit_id,
        due_on,
        reason,
        unread: FieldErrors::default(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TransferIn {
    /// The body that should answer instead.
    to_unit_id: i64,
    reason: String,
}

/// Hands the recommendation to the body that should answer it (the
/// responding body); the new body's time runs from today.
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/transfer", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version read")),
    request_body = TransferIn,
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn transfer(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<TransferIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let b = body.for_whom(&api, move |c, u| responds(c, u, rid)).await?;
    let input = moving(Action::Transfer, Some(b.to_unit_id), None, b.reason);
    act(api, req, rid, input).await
}

#[derive(Deserialize, ToSchema)]
pub struct ExtendIn {
    /// After the current deadline.
    due_on: NaiveDate,
    reason: String,
}

/// Moves the deadline later, with a reason (the responding body).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/extend", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version read")),
    request_body = ExtendIn,
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn extend(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ExtendIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let b = body.for_whom(&api, move |c, u| responds(c, u, rid)).await?;
    let input = moving(Action::Extend, None, Some(b.due_on), b.reason);
    act(api, req, rid, input).await
}

/// Accepts the answer, closing the recommendation (the raising unit).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/accept", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version read")),
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn accept(api: Api, req: HttpRequest, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let input = moving(Action::Accept, None, None, String::new());
    act(api, req, *id, input).await
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenIn {
    /// Why the answer does not settle it.
    reason: String,
}

/// Sends an answered recommendation back, once, with a reason and a new
/// deadline in working days (the raising unit).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/reopen", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version read")),
    request_body = ReopenIn,
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn reopen(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ReopenIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let reason = body
        .for_whom(&api, move |c, u| Ok(recs::access(c, u, rid)?.raises))
        .await?
        .reason;
    let input = moving(Action::Reopen, None, None, reason);
    act(api, req, rid, input).await
}

/// Does the reader act for the responding body (answers, transfers, extends)?
fn responds(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    id: i64,
) -> crate::error::AppResult<bool> {
    Ok(recs::access(c, u, id)?.responds)
}
