//! A household's compensation records over JSON — its plan's versions,
//! payments and land handover — and a task's figures added up from them:
//! the household page's rules and rights (amounts only for readers of
//! personal details; records kept by those who edit the task).

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{resource, Api, ApiJson, ApiResult};
use crate::app::money::{self as app, Figures, HandoverInput, PaymentInput, PlanInput};
use crate::app::tasks::access;
use crate::app::Rejected;
use crate::db;
use crate::db::money::{Handover, Payment, Plan};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/households/{id}/compensation", "GET").route(web::get().to(get_compensation)),
    )
    .service(resource("/v1/households/{id}/plans", "POST").route(web::post().to(add_plan)))
    .service(resource("/v1/households/{id}/payments", "POST").route(web::post().to(add_payment)))
    .service(resource("/v1/households/{id}/handover", "PUT").route(web::put().to(put_handover)))
    .service(resource("/v1/tasks/{id}/money", "GET").route(web::get().to(task_money)));
}

/// One version of a household's plan; amounts in whole đồng.
#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    id: i64,
    version: i32,
    /// The version in force.
    current: bool,
    land: i64,
    structures: i64,
    crops: i64,
    support: i64,
    total: i64,
    /// `none`, `plot`, `apartment`
    resettlement: String,
    resettlement_place: String,
    posted_on: Option<NaiveDate>,
    posted_at: String,
    comments_until: Option<NaiveDate>,
    decision_no: String,
    /// Set once a decision approved this version.
    decision_on: Option<NaiveDate>,
    decision_by: String,
    note: String,
}

impl From<&Plan> for PlanOut {
    fn from(p: &Plan) -> PlanOut {
        PlanOut {
            id: p.id,
            version: p.version,
            current: p.current,
            land: p.land,
            structures: p.structures,
            crops: p.crops,
            support: p.support,
            total: p.total,
            resettlement: p.resettlement.clone(),
            resettlement_place: p.resettlement_place.clone(),
            posted_on: p.posted_on,
            posted_at: p.posted_at.clone(),
            comments_until: p.comments_until,
            decision_no: p.decision_no.clone(),
            decision_on: p.decision_on,
            decision_by: p.decision_by.clone(),
            note: p.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentOut {
    id: i64,
    paid_on: NaiveDate,
    /// đồng
    amount: i64,
    /// `cash`, `transfer`, `deposit` (to the State Treasury account, when
    /// the household refuses)
    method: String,
    reference: String,
}

impl From<&Payment> for PaymentOut {
    fn from(p: &Payment) -> PaymentOut {
        PaymentOut {
            id: p.id,
            paid_on: p.paid_on,
            amount: p.amount,
            method: p.method.clone(),
            reference: p.reference.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HandoverOut {
    handed_over_on: NaiveDate,
    minutes: String,
}

impl From<&Handover> for HandoverOut {
    fn from(h: &Handover) -> HandoverOut {
        HandoverOut {
            handed_over_on: h.handed_over_on,
            minutes: h.minutes.clone(),
        }
    }
}

/// A household's compensation records.
#[derive(Serialize, ToSchema)]
pub struct CompensationOut {
    household_id: i64,
    /// The household's stage now.
    stage: String,
    /// Newest first; the first is the current one.
    plans: Vec<PlanOut>,
    payments: Vec<PaymentOut>,
    handover: Option<HandoverOut>,
    /// The latest approved version's total.
    approved: Option<i64>,
    /// Paid in cash or by transfer.
    paid: i64,
    deposited: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedOut {
    /// The stage the record moved the household to, if it moved it.
    moved_to: Option<String>,
    /// The household's records now.
    compensation: CompensationOut,
}

fn records_of(c: &mut db::DbConnection, hid: i64) -> Result<CompensationOut, Rejected> {
    let household = db::households::find(c, hid)?;
    let r = app::read(c, hid)?;
    Ok(CompensationOut {
        household_id: hid,
        stage: household.stage,
        plans: r.plans.iter().map(PlanOut::from).collect(),
        payments: r.payments.iter().map(PaymentOut::from).collect(),
        handover: r.handover.as_ref().map(HandoverOut::from),
        approved: r.approved,
        paid: r.paid,
        deposited: r.deposited,
    })
}

#[utoipa::path(get, path = "/api/v1/households/{id}/compensation", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 200, body = CompensationOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_compensation(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let hid = *id;
    let out = api
        .call(move |c, who| {
            app::of_household(c, who, hid).and_then(|(_, _, r)| match r {
                // Amounts are as private as the household's phone.
                None => Err(Rejected::Forbidden),
                Some(_) => records_of(c, hid),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A new version of the plan; amounts in whole đồng (at least one).
#[derive(Deserialize, ToSchema)]
pub struct PlanIn {
    #[serde(default)]
    land: Option<i64>,
    #[serde(default)]
    structures: Option<i64>,
    #[serde(default)]
    crops: Option<i64>,
    #[serde(default)]
    support: Option<i64>,
    /// `none` (the default), `plot`, `apartment`
    #[serde(default)]
    resettlement: String,
    /// Needed for a plot or an apartment.
    #[serde(default)]
    resettlement_place: String,
    #[serde(default)]
    posted_on: Option<NaiveDate>,
    /// Needed with `posted_on`.
    #[serde(default)]
    posted_at: String,
    #[serde(default)]
    comments_until: Option<NaiveDate>,
    /// The approving decision: number, date and body together, or none.
    #[serde(default)]
    decision_no: String,
    #[serde(default)]
    decision_on: Option<NaiveDate>,
    #[serde(default)]
    decision_by: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/plans", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = PlanIn,
    responses((status = 201, body = RecordedOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn add_plan(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<PlanIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let p = super::households::editor_body(&api, hid, body).await?;
    let input = PlanInput {
        land: p.land,
        structures: p.structures,
        crops: p.crops,
        support: p.support,
        resettlement: p.resettlement,
        resettlement_place: p.resettlement_place,
        posted_on: p.posted_on,
        posted_at: p.posted_at,
        comments_until: p.comments_until,
        decision_no: p.decision_no,
        decision_on: p.decision_on,
        decision_by: p.decision_by,
        note: p.note,
        unread: Default::default(),
    };
    let out = api
        .call(move |c, who| {
            app::save_plan(c, who, hid, &input).and_then(|(_, r)| recorded(c, hid, r))
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

fn recorded(c: &mut db::DbConnection, hid: i64, r: app::Recorded) -> Result<RecordedOut, Rejected> {
    Ok(RecordedOut {
        moved_to: r.moved_to.map(|s| s.as_str().to_string()),
        compensation: records_of(c, hid)?,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentIn {
    paid_on: NaiveDate,
    /// đồng, more than 0; all payments together at most the approved amount.
    amount: i64,
    /// `cash`, `transfer`, `deposit`
    #[schema(schema_with = super::choices::payment_methods)]
    method: String,
    /// The voucher; the Treasury's deposit slip is needed for a deposit.
    #[serde(default)]
    reference: String,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/payments", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = PaymentIn,
    responses((status = 201, body = RecordedOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn add_payment(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<PaymentIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let p = super::households::editor_body(&api, hid, body).await?;
    let input = PaymentInput {
        paid_on: Some(p.paid_on),
        amount: Some(p.amount),
        method: p.method,
        reference: p.reference,
        unread: Default::default(),
    };
    let out = api
        .call(move |c, who| {
            app::record_payment(c, who, hid, &input).and_then(|(_, r)| recorded(c, hid, r))
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct HandoverIn {
    handed_over_on: NaiveDate,
    /// The handover minutes' number or reference.
    minutes: String,
}

#[utoipa::path(put, path = "/api/v1/households/{id}/handover", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = HandoverIn,
    responses((status = 200, body = RecordedOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn put_handover(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<HandoverIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let body = super::households::editor_body(&api, hid, body).await?;
    let input = HandoverInput {
        handed_over_on: Some(body.handed_over_on),
        minutes: body.minutes,
        unread: Default::default(),
    };
    let out = api
        .call(move |c, who| {
            app::record_handover(c, who, hid, &input).and_then(|r| recorded(c, hid, r))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A task's money figures.
#[derive(Serialize, ToSchema)]
pub struct MoneyOut {
    task_id: i64,
    /// One plan per household of the task.
    plans_needed: i64,
    plans: i64,
    plans_approved: i64,
    /// đồng
    money_approved: i64,
    money_paid: i64,
    money_deposited: i64,
    households_paid: i64,
    plots: i64,
    apartments: i64,
    handed_over: i64,
    /// The figures were typed in before households' records were kept (the
    /// task has none yet).
    typed: bool,
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}/money", tag = "tasks",
    params(("id" = i64, Path, description = "task id")),
    responses((status = 200, body = MoneyOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn task_money(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let tid = *id;
    let f: Figures = api
        .read(move |c, user| {
            let a = access(c, user, tid)?;
            let m = db::money::of_task(c, tid)?;
            let households: i64 = db::households::stage_counts(c, tid)?
                .iter()
                .map(|(_, n, _)| n)
                .sum();
            Ok(Figures::new(&a.task, &m, households))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MoneyOut {
        task_id: tid,
        plans_needed: f.plans_needed,
        plans: f.plans,
        plans_approved: f.plans_approved,
        money_approved: f.money_approved,
        money_paid: f.money_paid,
        money_deposited: f.money_deposited,
        households_paid: f.households_paid,
        plots: f.plots,
        apartments: f.apartments,
        handed_over: f.handed_over,
        typed: f.typed,
    }))
}
