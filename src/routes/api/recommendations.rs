//! Recommendations (kiến nghị) that a responding body must answer in writing
//! by a deadline: list, read, raise, answer; transfer and extend (the
//! responding body), accept and reopen (the raising unit). Who sees and who
//! acts, the checks and the deadlines are the recommendation pages' own
//! functions.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{etag, if_match, one, page, resource, Api, ApiError, ApiJson, ApiResult, PageQuery};
use crate::app::chosen;
use crate::db::{self, recommendations::Recommendation};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::Calendar;
use crate::routes::recommendations::{
    check_answer, check_move, check_recommendation, move_for, rec_access, save_answer,
    save_recommendation, urgency_of, RecForm,
};

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
        let urgency = urgency_of(cal, &r, today)
            .and_then(|u| serde_json::to_value(u).ok())
            .and_then(|v| v.as_str().map(str::to_string));
        RecommendationOut {
            urgency,
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
    let (all, cal) = api
        .db(|c| {
            Ok((
                db::recommendations::all(c)?,
                db::recommendations::calendar(c)?,
            ))
        })
        .await?;
    let today = format::today();
    let mut items: Vec<RecommendationOut> = all
        .into_iter()
        .filter(|(r, from, to)| {
            r.id > after
                && (api.user.can(Permission::View, from) || api.user.can(Permission::View, to))
                && f.status
                    .as_ref()
                    .is_none_or(|s| s.is_empty() || *s == r.status)
        })
        .map(|(r, _, _)| RecommendationOut::new(r, &cal, today))
        .filter(|r| {
            f.urgency
                .as_ref()
                .is_none_or(|u| u.is_empty() || r.urgency.as_ref() == Some(u))
        })
        .collect();
    items.sort_by_key(|r| r.id);
    items.truncate(limit as usize);
    Ok(page(items, limit, |r| r.id))
}

async fn load(api: &Api, id: i64) -> ApiResult<(RecommendationOut, bool, Recommendation)> {
    let a = rec_access(&api.state.pool, &api.user, id).await?;
    let cal = api.db(|c| Ok(db::recommendations::calendar(c)?)).await?;
    let out = RecommendationOut::new(a.rec.clone(), &cal, format::today());
    Ok((out, a.responds, a.rec))
}

/// One recommendation; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id")),
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_recommendation(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (out, _, _) = load(&api, *id).await?;
    let version = out.version;
    Ok(one(&out, Some(version)))
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
    api.user.require_anywhere(Permission::ManageTasks)?;
    let b = body.0;
    let form = RecForm {
        inspection_id: b.inspection_id.map(|i| i.to_string()).unwrap_or_default(),
        from_unit_id: b.from_unit_id.to_string(),
        to_unit_id: b.to_unit_id.to_string(),
        field: b.field,
        content: b.content,
        raised_on: b.raised_on.format("%Y-%m-%d").to_string(),
    };
    let f = check_recommendation(&api.state.pool, &api.user, &form)
        .await?
        .map_err(|e| api.invalid(e))?;
    let (actor, uid) = (api.actor(), api.user.id);
    let rec = api
        .db(move |c| save_recommendation(c, &actor, &f, uid))
        .await?;
    let (out, _, _) = load(&api, rec.id).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/recommendations/{}", out.id),
        ))
        .insert_header((header::ETAG, etag(out.version)))
        .json(out))
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
    let (current, responds, rec) = load(&api, *id).await?;
    if !responds {
        return Err(ApiError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let on = body.0.answered_on.map(|d| d.format("%Y-%m-%d").to_string());
    let (text, on) = check_answer(&mut e, &rec, &body.0.answer, on.as_deref().unwrap_or(""));
    let Some(on) = on.filter(|_| e.is_empty()) else {
        return Err(api.invalid(e));
    };
    let version = if_match(&req, current.version)?;
    let (actor, uid) = (api.actor(), api.user.id);
    let saved = api
        .db(move |c| save_answer(c, &actor, &rec, version, &text, on, None, uid))
        .await?;
    let (out, _, _) = load(&api, current.id).await?;
    if !saved {
        return Err(ApiError::PreconditionFailed {
            current: etag(out.version),
        });
    }
    let version = out.version;
    Ok(one(&out, Some(version)))
}

/// Makes a move with the page's checks from the version in `If-Match`: 412
/// if someone acted since, 409 when the recommendation is not in the status
/// the move needs (answered to accept or reopen, open otherwise).
async fn act(
    api: Api,
    req: HttpRequest,
    id: i64,
    action: &str,
    values: HashMap<String, String>,
) -> ApiResult<HttpResponse> {
    let a = rec_access(&api.state.pool, &api.user, id).await?;
    let which = move_for(&a, action)?;
    let m = check_move(&api.state.pool, &a, which, &values)
        .await?
        .map_err(|e| api.invalid(e))?;
    // The body it goes to must exist and still work (a unit that names
    // nothing would otherwise reach the database as a foreign key it refuses).
    if let db::recommendations::Move::Transfer { to_unit_id, .. } = m {
        let found = api
            .db(move |c| Ok(db::units::find_chosen(c, Some(to_unit_id))?))
            .await?;
        let mut e = FieldErrors::default();
        if chosen::unit(&mut e, "to_unit_id", Some(to_unit_id), found, |_| true).is_none() {
            return Err(api.invalid(e));
        }
    }
    let version = if_match(&req, a.rec.version)?;
    let (actor, rec, uid) = (api.actor(), a.rec.clone(), api.user.id);
    let saved = api
        .db(move |c| {
            db::audit::write_if(c, &actor, |c| {
                let ch = db::recommendations::apply(c, &rec, version, &m, uid)?;
                Ok((ch.is_some(), ch))
            })
        })
        .await?;
    // Read back without asking again who sees it: a body that transferred
    // the recommendation away sees the result of its own move.
    let out = api
        .db(move |c| {
            let rec = db::recommendations::find(c, id)?;
            let cal = db::recommendations::calendar(c)?;
            Ok(RecommendationOut::new(rec, &cal, format::today()))
        })
        .await?;
    if !saved {
        if out.version == version {
            return Err(ApiError::Conflict(format!(
                "A recommendation that is {} cannot be moved this way.",
                out.status
            )));
        }
        return Err(ApiError::PreconditionFailed {
            current: etag(out.version),
        });
    }
    let version = out.version;
    Ok(one(&out, Some(version)))
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
    let values = HashMap::from([
        ("to_unit_id".to_string(), body.0.to_unit_id.to_string()),
        ("reason".to_string(), body.0.reason),
    ]);
    act(api, req, *id, "transfer", values).await
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
    let values = HashMap::from([
        ("due_on".to_string(), format::date(body.0.due_on)),
        ("reason".to_string(), body.0.reason),
    ]);
    act(api, req, *id, "extend", values).await
}

/// Accepts the answer, closing the recommendation (the raising unit).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/accept", tag = "recommendations",
    params(("id" = i64, Path, description = "recommendation id"),
        ("If-Match" = String, Header, description = "the ETag of the version read")),
    responses((status = 200, body = RecommendationOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn accept(api: Api, req: HttpRequest, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    act(api, req, *id, "accept", HashMap::new()).await
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
    let values = HashMap::from([("reason".to_string(), body.0.reason)]);
    act(api, req, *id, "reopen", values).await
}
