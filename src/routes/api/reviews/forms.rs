//! The forms on a task of a round: the owner's self-assessment, a
//! reviewer's scores, the lead's consensus, a dispute and its answer, each
//! written by `app::reviews::write_task_review` as the page's form is.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::reviews::{self as uc, TaskWrite};
use crate::domain::numbers;
use crate::domain::review::DisputeAnswer;
use crate::domain::validate::FieldErrors;
use crate::routes::api::{one, Api, ApiError, ApiJson, ApiResult};

/// One score per criterion of the round.
#[derive(Deserialize, ToSchema)]
pub struct ScoresIn {
    scores: Vec<ScoreIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct ScoreIn {
    criterion_id: i64,
    /// From 0 to the criterion's maximum, in steps of 0.25.
    score: f64,
    /// What the reviewer found (the owner's explanation in a
    /// self-assessment); goes into the round's report.
    #[serde(default)]
    comment: String,
    /// A reviewer's or the lead's proposal on the criterion; goes into the
    /// round's report. Ignored in a self-assessment.
    #[serde(default)]
    proposal: String,
    /// A reviewer's note for the other reviewers only.
    #[serde(default)]
    note: String,
    /// In a self-assessment: links to the task's own visits and files
    /// (`/households/12#visit-34`, `/tasks/5/files/7`).
    #[serde(default)]
    evidence: Vec<String>,
}

/// What was written.
#[derive(Serialize, ToSchema)]
pub struct Written {
    round_id: i64,
    task_id: i64,
    /// `self`, `score`, `consensus`, `dispute`, `answer`
    form: String,
}

/// Runs one of a task's review forms with `values` as the page's fields.
async fn write(
    api: Api,
    (rid, tid): (i64, i64),
    what: &'static str,
    values: HashMap<String, String>,
) -> ApiResult<HttpResponse> {
    let who = api.caller();
    let written = api
        .db(move |c| uc::write_task_review(c, &who, rid, tid, what, &values))
        .await?;
    match written {
        TaskWrite::Written => Ok(one(
            &Written {
                round_id: rid,
                task_id: tid,
                form: what.into(),
            },
            None,
        )),
        TaskWrite::Frozen => Err(ApiError::Conflict(
            "The round is not at the stage for this (or the dispute was already raised or answered)."
                .into(),
        )),
        // Field names as on the page: `score_<criterion id>`, `comment_…`.
        TaskWrite::Invalid(errors) => Err(api.invalid(errors)),
    }
}

/// Writes a set of scores; criteria left out are reported as required.
/// Errors name fields `score_<criterion id>`, `comment_…`, `note_…`,
/// `evidence_…`.
async fn write_scores(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ScoresIn>,
    what: &'static str,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let body = body
        .for_whom(&api, move |c, u| may_write(c, u, ids, what))
        .await?;
    let mut values = HashMap::new();
    for s in body.scores {
        let c = s.criterion_id;
        values.insert(format!("score_{c}"), numbers::input(s.score));
        values.insert(format!("comment_{c}"), s.comment);
        values.insert(format!("proposal_{c}"), s.proposal);
        values.insert(format!("note_{c}"), s.note);
        values.insert(format!("evidence_{c}"), s.evidence.join("\n"));
    }
    write(api, ids, what, values).await
}

/// The task owner's self-assessment, while the round is in self-assessment.
#[utoipa::path(put, path = "/api/v1/review-rounds/{id}/tasks/{task_id}/self-assessment",
    tag = "reviews",
    params(("id" = i64, Path, description = "round id"), ("task_id" = i64, Path, description = "task id")),
    request_body = ScoresIn,
    responses((status = 200, body = Written), super::docs::Errors),
    security(("token" = [])))]
pub async fn self_assessment(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ScoresIn>,
) -> ApiResult<HttpResponse> {
    write_scores(api, path, body, "self").await
}

/// A reviewer's own scores, while the round is scoring (not on tasks they
/// work on).
#[utoipa::path(put, path = "/api/v1/review-rounds/{id}/tasks/{task_id}/scores",
    tag = "reviews",
    params(("id" = i64, Path, description = "round id"), ("task_id" = i64, Path, description = "task id")),
    request_body = ScoresIn,
    responses((status = 200, body = Written), super::docs::Errors),
    security(("token" = [])))]
pub async fn scores(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ScoresIn>,
) -> ApiResult<HttpResponse> {
    write_scores(api, path, body, "score").await
}

/// The lead's consensus scores, in a round combined by consensus.
#[utoipa::path(put, path = "/api/v1/review-rounds/{id}/tasks/{task_id}/consensus",
    tag = "reviews",
    params(("id" = i64, Path, description = "round id"), ("task_id" = i64, Path, description = "task id")),
    request_body = ScoresIn,
    responses((status = 200, body = Written), super::docs::Errors),
    security(("token" = [])))]
pub async fn consensus(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ScoresIn>,
) -> ApiResult<HttpResponse> {
    write_scores(api, path, body, "consensus").await
}

#[derive(Deserialize, ToSchema)]
pub struct DisputeIn {
    reason: String,
    /// The criterion disputed, if one.
    #[serde(default)]
    criterion_id: Option<i64>,
}

/// The owner disputes a published result, once.
#[utoipa::path(post, path = "/api/v1/review-rounds/{id}/tasks/{task_id}/dispute",
    tag = "reviews",
    params(("id" = i64, Path, description = "round id"), ("task_id" = i64, Path, description = "task id")),
    request_body = DisputeIn,
    responses((status = 200, body = Written), super::docs::Errors),
    security(("token" = [])))]
pub async fn raise_dispute(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<DisputeIn>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let b = body
        .for_whom(&api, move |c, u| may_write(c, u, ids, "dispute"))
        .await?;
    let values = HashMap::from([
        ("reason".to_string(), b.reason),
        (
            "criterion_id".to_string(),
            b.criterion_id.map(|c| c.to_string()).unwrap_or_default(),
        ),
    ]);
    write(api, ids, "dispute", values).await
}

#[derive(Deserialize, ToSchema)]
pub struct DisputeAnswerIn {
    reason: String,
    /// Required, an explicit choice: `true`, the dispute is accepted — the
    /// result is to be corrected (the lead reopens the round with a reason,
    /// scores again and publishes again; the published result stands until
    /// then); `false`, the result stands and the dispute is closed.
    upheld: Option<bool>,
}

/// The lead answers a dispute, once.
#[utoipa::path(post, path = "/api/v1/review-rounds/{id}/tasks/{task_id}/dispute/answer",
    tag = "reviews",
    params(("id" = i64, Path, description = "round id"), ("task_id" = i64, Path, description = "task id")),
    request_body = DisputeAnswerIn,
    responses((status = 200, body = Written), super::docs::Errors),
    security(("token" = [])))]
pub async fn answer_dispute(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: ApiJson<DisputeAnswerIn>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let b = body
        .for_whom(&api, move |c, u| may_write(c, u, ids, "answer"))
        .await?;
    // Never assumed: neither answer is the default.
    let Some(upheld) = b.upheld else {
        let mut e = FieldErrors::default();
        e.add("upheld", "review-error-decision");
        return Err(api.invalid(e));
    };
    let values = HashMap::from([
        ("reason".to_string(), b.reason),
        (
            "decision".to_string(),
            DisputeAnswer::from_dispute_accepted(upheld)
                .as_str()
                .to_string(),
        ),
    ]);
    write(api, ids, "answer", values).await
}

/// May the reader send this form on the task of the round (the owner their
/// self-assessment and dispute, a reviewer not on the task scores, the lead
/// the consensus and the answer)?
fn may_write(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    (round_id, task_id): (i64, i64),
    what: &str,
) -> crate::error::AppResult<bool> {
    uc::may_write(c, u, round_id, task_id, what)
}
