//! The Front's review rounds: read, with their criteria and results, and
//! the forms on a task of a round — the owner's self-assessment, a
//! reviewer's scores, the lead's consensus, a dispute and its answer. Who
//! sees and writes what is decided as on the review pages, by
//! `app::reviews` (`round_access`, `listed`, `round_results`,
//! `write_task_review`).

pub(super) mod forms;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    created, etag, one, page, resource, version, Api, ApiError, ApiJson, ApiResult, PageQuery,
};
// The forms' handlers name these as `super::…`, as every API module does.
use super::docs;
use crate::app::reviews::{self as uc, RoundAccess, RoundInput};
use crate::db::{self, reviews::Round};
use crate::domain::access::Permission;
use crate::domain::review::RoundStatus;
use crate::domain::validate::FieldErrors;
use crate::i18n::{self, Locale};
use forms::{answer_dispute, consensus, raise_dispute, scores, self_assessment};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/review-rounds", "GET, POST")
            .route(web::get().to(list_rounds))
            .route(web::post().to(create)),
    )
    .service(
        resource("/v1/review-rounds/{id}", "GET, PUT")
            .route(web::get().to(get_round))
            .route(web::put().to(update)),
    )
    .service(resource("/v1/review-rounds/{id}/status", "PUT").route(web::put().to(move_round)))
    .service(resource("/v1/review-rounds/{id}/criteria", "GET").route(web::get().to(list_criteria)))
    .service(resource("/v1/review-rounds/{id}/results", "GET").route(web::get().to(get_results)))
    .service(
        resource(
            "/v1/review-rounds/{id}/tasks/{task_id}/self-assessment",
            "PUT",
        )
        .route(web::put().to(self_assessment)),
    )
    .service(
        resource("/v1/review-rounds/{id}/tasks/{task_id}/scores", "PUT")
            .route(web::put().to(scores)),
    )
    .service(
        resource("/v1/review-rounds/{id}/tasks/{task_id}/consensus", "PUT")
            .route(web::put().to(consensus)),
    )
    .service(
        resource("/v1/review-rounds/{id}/tasks/{task_id}/dispute", "POST")
            .route(web::post().to(raise_dispute)),
    )
    .service(
        resource(
            "/v1/review-rounds/{id}/tasks/{task_id}/dispute/answer",
            "POST",
        )
        .route(web::post().to(answer_dispute)),
    );
}

/// A year-end review round of the Fatherland Front over a unit's tasks.
#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    id: i64,
    unit_id: i64,
    year: i32,
    title: String,
    /// `draft`, `self_assessment`, `scoring`, `published`
    status: String,
    lead_id: i64,
    /// How reviewers' scores combine: `mean` or `consensus` (the lead's)
    combine_rule: String,
    self_due: NaiveDate,
    review_due: NaiveDate,
    report_number: String,
    snapshot_on: Option<NaiveDate>,
    #[serde(serialize_with = "super::utc_opt")]
    published_at: Option<NaiveDateTime>,
    version: i32,
}

impl From<Round> for RoundOut {
    fn from(r: Round) -> Self {
        RoundOut {
            id: r.id,
            unit_id: r.unit_id,
            year: r.year,
            title: r.title,
            status: r.status,
            lead_id: r.lead_id,
            combine_rule: r.combine_rule,
            self_due: r.self_due,
            review_due: r.review_due,
            report_number: r.report_number,
            snapshot_on: r.snapshot_on,
            published_at: r.published_at,
            version: r.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoundPage {
    items: Vec<RoundOut>,
    next_cursor: Option<String>,
}

/// The rounds on the reader's list (as on the reviews page), by id.
#[utoipa::path(get, path = "/api/v1/review-rounds", tag = "reviews",
    params(PageQuery),
    responses((status = 200, body = RoundPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_rounds(api: Api, q: web::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let reviewed = api.user.scope(Permission::WriteReviews);
    let viewed = api.user.scope(Permission::View);
    let items: Vec<RoundOut> = api
        .db(move |c| {
            Ok(db::reviews::listed_after(
                c, &reviewed, &viewed, after, limit,
            )?)
        })
        .await?
        .into_iter()
        .map(RoundOut::from)
        .collect();
    Ok(page(items, limit, |r| r.id))
}

/// One round, if the reader may see it; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/review-rounds/{id}", tag = "reviews",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = RoundOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_round(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let a = round_access(&api, *id).await?;
    let version = a.round.version;
    Ok(one(&RoundOut::from(a.round), Some(version)))
}

/// A round as the Front's reviewer sets it: the round form's fields.
#[derive(Deserialize, ToSchema)]
pub struct RoundIn {
    /// A unit the reader reviews (fixed once set), one round a year.
    unit_id: i64,
    /// Up to next year (fixed once set).
    year: i32,
    title: String,
    /// A reviewer of the unit who leads the round.
    lead_id: i64,
    #[schema(schema_with = super::choices::combine_rule)]
    combine_rule: String,
    self_due: NaiveDate,
    /// After `self_due`.
    review_due: NaiveDate,
    #[serde(default)]
    report_number: String,
    #[serde(default)]
    report_place: String,
    #[serde(default)]
    signer_title: String,
    #[serde(default)]
    signer_name: String,
}

impl From<RoundIn> for RoundInput {
    fn from(r: RoundIn) -> RoundInput {
        RoundInput {
            unit_id: Some(r.unit_id),
            year: Some(i64::from(r.year)),
            title: r.title,
            lead_id: Some(r.lead_id),
            combine_rule: r.combine_rule,
            self_due: Some(r.self_due),
            review_due: Some(r.review_due),
            report_number: r.report_number,
            report_place: r.report_place,
            signer_title: r.signer_title,
            signer_name: r.signer_name,
            unread: FieldErrors::default(),
        }
    }
}

/// The round if the reader may see it.
async fn round_access(api: &Api, rid: i64) -> ApiResult<RoundAccess> {
    api.read(move |c, user| uc::round_access(c, user, rid))
        .await
}

/// Opens a draft round over a unit the reader reviews, with the default
/// rubric and the unit's tasks of the year.
#[utoipa::path(post, path = "/api/v1/review-rounds", tag = "reviews",
    request_body = RoundIn,
    responses((status = 201, body = RoundOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create(api: Api, body: ApiJson<RoundIn>) -> ApiResult<HttpResponse> {
    let body = body
        .for_whom(&api, |_, u| {
            Ok(u.can_anywhere(crate::domain::access::Permission::WriteReviews))
        })
        .await?;
    let input = RoundInput::from(body);
    let round = api
        .call(move |c, who| uc::open_round(c, who, &input))
        .await?;
    let (location, version) = (format!("/api/v1/review-rounds/{}", round.id), round.version);
    Ok(created(&location, &RoundOut::from(round), Some(version)))
}

/// The round as it now is, answered with its version; 412 when a write
/// from `version` did not happen because it has moved on.
async fn round_now(api: &Api, rid: i64, saved: bool) -> ApiResult<HttpResponse> {
    let now = api.db(move |c| Ok(db::reviews::find(c, rid)?)).await?;
    if !saved {
        return Err(ApiError::PreconditionFailed {
            current: etag(now.version),
        });
    }
    let version = now.version;
    Ok(one(&RoundOut::from(now), Some(version)))
}

/// Edits a round's settings (its lead; unit and year stay, and only the
/// timetable and report details once it is open). `If-Match` carries the
/// version read.
#[utoipa::path(put, path = "/api/v1/review-rounds/{id}", tag = "reviews",
    params(("id" = i64, Path, description = "round id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = RoundIn,
    responses((status = 200, body = RoundOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<RoundIn>,
) -> ApiResult<HttpResponse> {
    let rid = *id;
    let body = body
        .for_whom(&api, move |c, u| Ok(uc::round_access(c, u, rid)?.leads()))
        .await?;
    let (version, input) = (version(&req), RoundInput::from(body));
    let now = api
        .call(move |c, who| uc::edit_round(c, who, rid, version, &input))
        .await?;
    let version = now.version;
    Ok(one(&RoundOut::from(now), Some(version)))
}

#[derive(Deserialize, ToSchema)]
pub struct RoundMoveIn {
    /// `self_assessment` opens it, `scoring` starts scoring (or reopens a
    /// published round, with a reason), `published` publishes the results.
    #[schema(schema_with = super::choices::round_status)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// Moves a round on (its lead): 409 when it cannot go there from where it
/// is or something is missing (criteria not summing to 100, tasks without
/// scores…); `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/review-rounds/{id}/status", tag = "reviews",
    params(("id" = i64, Path, description = "round id"),
        ("If-Match" = String, Header, description = "the version read")),
    request_body = RoundMoveIn,
    responses((status = 200, body = RoundOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn move_round(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<RoundMoveIn>,
) -> ApiResult<HttpResponse> {
    let a = round_access(&api, *id).await?;
    if !a.leads() {
        return Err(ApiError::Forbidden);
    }
    let body = body.after_access()?;
    let Some(next) = RoundStatus::parse(&body.status) else {
        let mut e = FieldErrors::default();
        e.add("status", "error-invalid-choice");
        return Err(api.invalid(e));
    };
    let (rid, version) = (a.round.id, version(&req));
    let said = format!(
        "A round that is {} cannot become {}.",
        a.round.status, body.status
    );
    let moved = api
        .call(move |c, who| uc::move_round(c, who, rid, version, next, &body.reason))
        .await
        .map_err(|e| e.conflict_says(&said))?;
    match moved {
        Ok(()) => round_now(&api, rid, true).await,
        Err(db::reviews::MoveRefused::Conflict) => round_now(&api, rid, false).await,
        Err(db::reviews::MoveRefused::Missing(key, tasks)) => {
            let mut message = i18n::t(Locale::En, key);
            if !tasks.is_empty() {
                message = format!("{message} {}", tasks.join("; "));
            }
            Err(ApiError::Conflict(message))
        }
    }
}

/// A task's place in a round's results.
#[derive(Serialize, ToSchema)]
pub struct ResultRow {
    /// 1 for the highest total.
    rank: usize,
    task_id: i64,
    title: String,
    /// The task's unit and owner.
    unit_and_owner: String,
    total: Option<f64>,
    /// `excellent`, `good`, `satisfactory`, `not_completed`
    rating: Option<String>,
    /// Why the rating is lower than the total alone would give.
    held_back_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultsOut {
    round_id: i64,
    /// Not yet published: the figures may still change.
    provisional: bool,
    /// Tasks per rating over the whole table.
    counts: std::collections::BTreeMap<String, i64>,
    items: Vec<ResultRow>,
    /// The rank to continue after.
    next_cursor: Option<String>,
}

/// The tasks of a round ranked by total with their ratings, as the results
/// page shows them to this reader (reviewers while scoring; everyone who
/// sees the round once published, each task's scores as far as their roles
/// reach). The cursor is the last rank read.
#[utoipa::path(get, path = "/api/v1/review-rounds/{id}/results", tag = "reviews",
    params(("id" = i64, Path, description = "round id"), PageQuery),
    responses((status = 200, body = ResultsOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_results(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let (rid, state) = (*id, api.state.clone());
    let (a, _, tables, _) = api
        .read(move |c, user| uc::round_results(c, &state, user, rid))
        .await?;
    let from = (after as usize).min(tables.by_task.len());
    let items: Vec<ResultRow> = tables.by_task[from..]
        .iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, r)| ResultRow {
            rank: from + i + 1,
            task_id: r.key,
            title: r.name.clone(),
            unit_and_owner: r.unit_name.clone(),
            total: r.total,
            rating: r.rating.map(|x| x.as_str().to_string()),
            held_back_by: r.held_back_by.map(str::to_string),
        })
        .collect();
    let next_cursor = (from + items.len() < tables.by_task.len() && !items.is_empty())
        .then(|| (from + items.len()).to_string());
    Ok(one(
        &ResultsOut {
            round_id: a.round.id,
            provisional: !a.published(),
            counts: tables
                .counts
                .iter()
                .map(|(r, n)| (r.as_str().to_string(), *n))
                .collect(),
            items,
            next_cursor,
        },
        None,
    ))
}

/// A criterion of a round, scored from 0 to its maximum.
#[derive(Serialize, ToSchema)]
pub struct CriterionOut {
    id: i64,
    name_vi: String,
    name_en: String,
    max_points: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CriterionList {
    items: Vec<CriterionOut>,
}

/// The round's criteria, in order.
#[utoipa::path(get, path = "/api/v1/review-rounds/{id}/criteria", tag = "reviews",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = CriterionList), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_criteria(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let rid = round_access(&api, *id).await?.round.id;
    let items: Vec<CriterionOut> = api
        .db(move |c| Ok(db::reviews::criteria(c, rid)?))
        .await?
        .into_iter()
        .map(|c| CriterionOut {
            id: c.id,
            name_vi: c.name_vi,
            name_en: c.name_en,
            max_points: c.max_points,
        })
        .collect();
    Ok(one(&CriterionList { items }, None))
}
