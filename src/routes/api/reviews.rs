//! The Front's review rounds and their results, read only: who sees a round
//! and whose scores is decided by the review pages' own functions
//! (`reviews::round_access`, `reviews::listed`, `reviews::round_results`).

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::{one, page, resource, Api, ApiResult, PageQuery};
use crate::db::{self, reviews::Round};
use crate::routes::reviews::{listed, round_access, round_results};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/review-rounds", "GET").route(web::get().to(list_rounds)))
        .service(resource("/v1/review-rounds/{id}", "GET").route(web::get().to(get_round)))
        .service(
            resource("/v1/review-rounds/{id}/results", "GET").route(web::get().to(get_results)),
        );
}

/// A year-end review round of the Fatherland Front over a unit's tasks.
#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    id: i64,
    unit_id: i64,
    year: i32,
    title: String,
    /// `draft`, `open`, `scoring`, `published`
    status: String,
    lead_id: i64,
    /// How reviewers' scores combine: `mean`, `consensus`, …
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
    let mut rounds = api
        .db(|c| Ok(db::reviews::all(c)?))
        .await?
        .into_iter()
        .filter(|(r, _, path)| r.id > after && listed(&api.user, r, path))
        .map(|(r, _, _)| RoundOut::from(r))
        .collect::<Vec<_>>();
    rounds.sort_by_key(|r| r.id);
    rounds.truncate(limit as usize);
    Ok(page(rounds, limit, |r| r.id))
}

/// One round, if the reader may see it.
#[utoipa::path(get, path = "/api/v1/review-rounds/{id}", tag = "reviews",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = RoundOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_round(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let a = round_access(&api.state.pool, &api.user, *id).await?;
    Ok(one(&RoundOut::from(a.round), None))
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
    let (a, _, tables, _) = round_results(&api.state, &api.user, *id).await?;
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
