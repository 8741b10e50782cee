//! The cases recorded on a shift, the citizen's feedback on them, and the
//! answers to those escalated.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app;
use crate::app::desk::{shift_access, AnswerInput, CaseInput};
use crate::db::{self, desk as ddb};
use crate::domain::validate::FieldErrors;
use crate::i18n::named;
use crate::routes::api::{created, one, page, Api, ApiJson, ApiResult, PageQuery};

/// A case recorded on a shift.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    id: i64,
    shift_id: i64,
    procedure_id: i64,
    /// The procedure's name in the reader's language.
    procedure: String,
    citizen_name: String,
    /// Comma-separated priority groups.
    priority_groups: String,
    note: String,
    /// `guided`, `resolved`, `handed_over`, `escalated`
    outcome: String,
    escalated_to: Option<String>,
    due_on: Option<NaiveDate>,
    answered_on: Option<NaiveDate>,
    answer: Option<String>,
    /// The citizen's feedback page is open until this day.
    feedback_expires_on: NaiveDate,
    #[serde(serialize_with = "super::utc")]
    created_at: NaiveDateTime,
}

impl CaseOut {
    fn new(c: ddb::Case, procedure: String) -> Self {
        CaseOut {
            id: c.id,
            shift_id: c.shift_id,
            procedure_id: c.procedure_id,
            procedure,
            citizen_name: c.citizen_name,
            priority_groups: c.priority_groups,
            note: c.note,
            outcome: c.outcome,
            escalated_to: c.escalated_to,
            due_on: c.due_on,
            answered_on: c.answered_on,
            answer: c.answer,
            feedback_expires_on: c.feedback_expires_on,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CasePage {
    items: Vec<CaseOut>,
    next_cursor: Option<String>,
}

/// The cases recorded on a shift, by id.
#[utoipa::path(get, path = "/api/v1/desk/shifts/{id}/cases", tag = "desk",
    params(("id" = i64, Path, description = "shift id"), PageQuery),
    responses((status = 200, body = CasePage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_cases(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let sid = *id;
    let rows = api
        .read(move |c, user| {
            shift_access(c, user, sid)?;
            Ok(ddb::cases_after(c, sid, after, limit)?)
        })
        .await?;
    let items: Vec<CaseOut> = rows
        .into_iter()
        .map(|(case, vi, en)| CaseOut::new(case, named(api.user.locale, &vi, &en)))
        .collect();
    Ok(page(items, limit, |c| c.id))
}

/// A case with the citizen's feedback, and the link to give it.
#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    case: CaseOut,
    /// The page (no account needed) where the citizen rates the service;
    /// shown to them as a QR code.
    feedback_url: String,
    feedback: Option<FeedbackOut>,
}

/// What the citizen said.
#[derive(Serialize, ToSchema)]
pub struct FeedbackOut {
    /// `very_satisfied`, `satisfied`, `not_satisfied`
    rating: String,
    /// 1–5 each, when given.
    attitude: Option<i32>,
    clarity: Option<i32>,
    time_taken: Option<i32>,
    comment: String,
    #[serde(serialize_with = "super::utc")]
    at: NaiveDateTime,
}

async fn case_detail(api: &Api, cid: i64) -> ApiResult<CaseDetail> {
    let (case, procedure, feedback) = api
        .read(move |c, user| {
            let case = ddb::find_case(c, cid)?;
            shift_access(c, user, case.shift_id)?;
            let procedure = db::lists::desk_procedures::find(c, case.procedure_id)?;
            Ok((case, procedure, ddb::feedback_of(c, cid)?))
        })
        .await?;
    let procedure = procedure
        .map(|p| named(api.user.locale, &p.name_vi, &p.name_en))
        .unwrap_or_default();
    Ok(CaseDetail {
        feedback_url: format!("{}/f/{}", api.origin, api.state.links.sign("feedback", cid)),
        case: CaseOut::new(case, procedure),
        feedback: feedback.map(|f| FeedbackOut {
            rating: f.rating,
            attitude: f.attitude,
            clarity: f.clarity,
            time_taken: f.time_taken,
            comment: f.comment,
            at: f.at,
        }),
    })
}

/// One case.
#[utoipa::path(get, path = "/api/v1/desk/cases/{id}", tag = "desk",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseDetail), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_case(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let detail = case_detail(&api, *id).await?;
    Ok(one(&detail, None))
}

/// A case as the official on duty records it: the shift page's form.
#[derive(Deserialize, ToSchema)]
pub struct CaseIn {
    /// An active procedure of the desk's list.
    procedure_id: i64,
    #[serde(default)]
    citizen_name: String,
    #[serde(default)]
    #[schema(schema_with = super::choices::priority_groups)]
    priority_groups: Vec<String>,
    note: String,
    #[schema(schema_with = super::choices::outcome)]
    outcome: String,
    /// Where an escalated case went (needed for `escalated`).
    #[serde(default)]
    escalated_to: Option<String>,
    /// When the answer is due (needed for `escalated`).
    #[serde(default)]
    due_on: Option<NaiveDate>,
}

/// Records a case on the shift (its official or a manager of the unit).
#[utoipa::path(post, path = "/api/v1/desk/shifts/{id}/cases", tag = "desk",
    params(("id" = i64, Path, description = "shift id")),
    request_body = CaseIn,
    responses((status = 201, body = CaseDetail, headers(("Location" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_case(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<CaseIn>,
) -> ApiResult<HttpResponse> {
    let shift = *id;
    let b = body
        .for_whom(&api, move |c, u| records(c, u, shift))
        .await?;
    let input = CaseInput {
        procedure_id: Some(b.procedure_id),
        citizen_name: b.citizen_name,
        priority_groups: b.priority_groups,
        note: b.note,
        outcome: b.outcome,
        escalated_to: b.escalated_to.unwrap_or_default(),
        due_on: b.due_on,
        unread: FieldErrors::default(),
    };
    let sid = *id;
    let cid = api
        .call(move |c, who| app::desk::record_case(c, who, sid, &input))
        .await?
        .id;
    let detail = case_detail(&api, cid).await?;
    Ok(created(&format!("/api/v1/desk/cases/{cid}"), &detail, None))
}

#[derive(Deserialize, ToSchema)]
pub struct CaseAnswerIn {
    answer: String,
    /// The day it was answered (today when left out); not after today
    /// (422 `future-date`).
    #[serde(default)]
    answered_on: Option<NaiveDate>,
}

/// Records the answer to an escalated case, once (its official or a
/// manager); 409 when the case is not escalated or already answered.
#[utoipa::path(post, path = "/api/v1/desk/cases/{id}/answer", tag = "desk",
    params(("id" = i64, Path, description = "case id")),
    request_body = CaseAnswerIn,
    responses((status = 200, body = CaseDetail), super::docs::Errors),
    security(("token" = [])))]
pub async fn answer_case(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<CaseAnswerIn>,
) -> ApiResult<HttpResponse> {
    let cid = *id;
    let body = body
        .for_whom(&api, move |c, u| {
            let case = crate::db::desk::find_case(c, cid)?;
            records(c, u, case.shift_id)
        })
        .await?;
    let input = AnswerInput {
        answer: body.answer,
        answered_on: body.answered_on,
        unread: FieldErrors::default(),
    };
    api.call(move |c, who| app::desk::answer_case(c, who, cid, &input))
        .await
        .map_err(|e| e.conflict_says("Only an escalated case not yet answered takes an answer."))?;
    let detail = case_detail(&api, cid).await?;
    Ok(one(&detail, None))
}

/// Does the reader record on the shift (its official, the duty's managers)?
fn records(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    shift_id: i64,
) -> crate::error::AppResult<bool> {
    Ok(app::desk::shift_access(c, u, shift_id)?.records)
}
