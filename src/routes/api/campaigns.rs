//! Annual campaigns and the "Dân vận khéo" models registered under them, as
//! the campaign pages show them to the reader (`CurrentUser::reaches`,
//! `app::campaigns::access`); models registered, edited by their contact
//! while registered, and moved along their statuses by the campaign's
//! appraisers, through the same use cases as the model pages.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{created, one, page, resource, version, Api, ApiJson, ApiResult, PageQuery};
use crate::app::campaigns::{
    self as uc, Access, AppraisalInput, CampaignInput, ModelInput, MoveInput, ScoreInput,
};
use crate::db::{
    self,
    campaigns::{Campaign, Model},
};
use crate::domain::access::Permission;
use crate::domain::campaign::{ModelStatus, COMMENDATION_LEVELS};
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/campaigns", "GET, POST")
            .route(web::get().to(list_campaigns))
            .route(web::post().to(create_campaign)),
    )
    .service(
        resource("/v1/campaigns/{id}", "GET, PUT")
            .route(web::get().to(get_campaign))
            .route(web::put().to(update_campaign)),
    )
    .service(
        resource("/v1/campaigns/{id}/models", "GET, POST")
            .route(web::get().to(list_models))
            .route(web::post().to(register_model)),
    )
    .service(
        resource("/v1/models/{id}", "GET, PUT")
            .route(web::get().to(get_model))
            .route(web::put().to(update_model)),
    )
    .service(resource("/v1/models/{id}/status", "PUT").route(web::put().to(move_model)))
    .service(resource("/v1/campaigns/{id}/criteria", "GET").route(web::get().to(list_criteria)))
    .service(resource("/v1/models/{id}/appraisal", "PUT").route(web::put().to(appraise_model)));
}

/// A unit's campaign theme for a year.
#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    id: i64,
    unit_id: i64,
    year: i32,
    theme: String,
    plan_number: String,
    plan_date: Option<NaiveDate>,
    /// Ids of the fields the campaign focuses on.
    focus_fields: Vec<i64>,
    period_from: NaiveDate,
    period_to: NaiveDate,
    description: String,
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<Campaign> for CampaignOut {
    fn from(c: Campaign) -> Self {
        CampaignOut {
            focus_fields: c.focus(),
            id: c.id,
            unit_id: c.unit_id,
            year: c.year,
            theme: c.theme,
            plan_number: c.plan_number,
            plan_date: c.plan_date,
            period_from: c.period_from,
            period_to: c.period_to,
            description: c.description,
            version: c.version,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignPage {
    items: Vec<CampaignOut>,
    next_cursor: Option<String>,
}

/// The campaigns of units the reader reaches, by id.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns",
    params(PageQuery),
    responses((status = 200, body = CampaignPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_campaigns(api: Api, q: web::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let scope = api.user.scope(Permission::View);
    let items: Vec<CampaignOut> = api
        .db(move |c| Ok(db::campaigns::reached_after(c, &scope, after, limit)?))
        .await?
        .into_iter()
        .map(CampaignOut::from)
        .collect();
    Ok(page(items, limit, |c| c.id))
}

/// One campaign; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    responses((status = 200, body = CampaignOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_campaign(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let a = campaign_access(&api, *id).await?;
    let version = a.c.version;
    Ok(one(&CampaignOut::from(a.c), Some(version)))
}

/// A campaign as its unit's committee sets it: the campaign form's fields.
#[derive(Deserialize, ToSchema)]
pub struct CampaignIn {
    /// A unit the reader manages (fixed once set), one campaign a year.
    unit_id: i64,
    /// Up to next year (fixed once set).
    year: i32,
    theme: String,
    #[serde(default)]
    plan_number: String,
    #[serde(default)]
    plan_date: Option<NaiveDate>,
    /// Ids of active fields of the list.
    #[serde(default)]
    focus_fields: Vec<i64>,
    period_from: NaiveDate,
    period_to: NaiveDate,
    #[serde(default)]
    description: String,
    #[serde(default)]
    related_plans: String,
    /// People who appraise its models.
    #[serde(default)]
    appraisers: Vec<i64>,
}

impl From<CampaignIn> for CampaignInput {
    fn from(c: CampaignIn) -> CampaignInput {
        CampaignInput {
            unit_id: Some(c.unit_id),
            year: Some(i64::from(c.year)),
            theme: c.theme,
            plan_number: c.plan_number,
            plan_date: c.plan_date,
            focus_fields: c.focus_fields,
            period_from: Some(c.period_from),
            period_to: Some(c.period_to),
            description: c.description,
            related_plans: c.related_plans,
            appraisers: c.appraisers,
            unread: FieldErrors::default(),
        }
    }
}

/// Sets a campaign theme for a unit the reader manages.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns",
    request_body = CampaignIn,
    responses((status = 201, body = CampaignOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_campaign(api: Api, body: ApiJson<CampaignIn>) -> ApiResult<HttpResponse> {
    let body = body.for_task_managers(&api).await?;
    let input = CampaignInput::from(body);
    let c = api.call(move |x, who| uc::set_up(x, who, &input)).await?;
    let (location, version) = (format!("/api/v1/campaigns/{}", c.id), c.version);
    Ok(created(&location, &CampaignOut::from(c), Some(version)))
}

/// The campaign if the reader reaches its unit.
async fn campaign_access(api: &Api, cid: i64) -> ApiResult<Access> {
    api.read(move |c, user| uc::access(c, user, cid)).await
}

/// Edits a campaign (its unit's committee; unit and year stay). `If-Match`
/// carries the version read: 412 if someone saved since.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = CampaignIn,
    responses((status = 200, body = CampaignOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update_campaign(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<CampaignIn>,
) -> ApiResult<HttpResponse> {
    let (cid, version) = (*id, version(&req));
    let body = body
        .for_whom(&api, move |c, u| Ok(uc::access(c, u, cid)?.manage))
        .await?;
    let input = CampaignInput::from(body);
    let now = api
        .call(move |x, who| uc::edit(x, who, cid, version, &input))
        .await?;
    let version = now.version;
    Ok(one(&CampaignOut::from(now), Some(version)))
}

/// A model registered under a campaign.
#[derive(Serialize, ToSchema)]
pub struct ModelOut {
    id: i64,
    campaign_id: i64,
    /// `collective` or `individual`
    kind: String,
    unit_id: i64,
    holder_name: String,
    contact_id: i64,
    field_id: i64,
    title: String,
    commitment: String,
    expected_results: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    /// `registered`, `accepted`, `not_accepted`, `pilot`, `proposed`,
    /// `commended`, `completed`
    status: String,
    /// Why it was not accepted (or another move that needs a reason).
    status_reason: Option<String>,
    decision_number: Option<String>,
    decision_date: Option<NaiveDate>,
    commendation_level: Option<String>,
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<Model> for ModelOut {
    fn from(m: Model) -> Self {
        ModelOut {
            id: m.id,
            campaign_id: m.campaign_id,
            kind: m.kind,
            unit_id: m.unit_id,
            holder_name: m.holder_name,
            contact_id: m.contact_id,
            field_id: m.field_id,
            title: m.title,
            commitment: m.commitment,
            expected_results: m.expected_results,
            period_from: m.period_from,
            period_to: m.period_to,
            status: m.status,
            status_reason: m.status_reason,
            decision_number: m.decision_number,
            decision_date: m.decision_date,
            commendation_level: m.commendation_level,
            version: m.version,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ModelPage {
    items: Vec<ModelOut>,
    next_cursor: Option<String>,
}

/// A campaign's models, by id.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/models", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id"), PageQuery),
    responses((status = 200, body = ModelPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_models(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let cid = campaign_access(&api, *id).await?.c.id;
    let items: Vec<ModelOut> = api
        .db(move |c| Ok(db::campaigns::models_after(c, cid, after, limit)?))
        .await?
        .into_iter()
        .map(ModelOut::from)
        .collect();
    Ok(page(items, limit, |m| m.id))
}

/// One model, if the reader sees its campaign (its version is the ETag).
#[utoipa::path(get, path = "/api/v1/models/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "model id")),
    responses((status = 200, body = ModelOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_model(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let mid = *id;
    let m = api
        .read(move |c, user| uc::model_access(c, user, mid))
        .await?
        .m;
    Ok(model_out(m))
}

/// The model answered with its version as the ETag.
fn model_out(m: Model) -> HttpResponse {
    let version = m.version;
    one(&ModelOut::from(m), Some(version))
}

/// A model as its registrant writes it: the model form's fields.
#[derive(Deserialize, ToSchema)]
pub struct ModelIn {
    #[schema(schema_with = super::choices::model_kind)]
    kind: String,
    /// A unit inside the campaign's that the registrant reads.
    unit_id: i64,
    /// The collective or person; for an individual, the registrant's name
    /// when left empty.
    #[serde(default)]
    holder_name: String,
    /// An active field of the list.
    field_id: i64,
    title: String,
    commitment: String,
    #[serde(default)]
    expected_results: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
}

impl From<ModelIn> for ModelInput {
    fn from(m: ModelIn) -> ModelInput {
        ModelInput {
            kind: m.kind,
            unit_id: Some(m.unit_id),
            holder_name: m.holder_name,
            field_id: Some(m.field_id),
            title: m.title,
            commitment: m.commitment,
            expected_results: m.expected_results,
            period_from: Some(m.period_from),
            period_to: Some(m.period_to),
            unread: FieldErrors::default(),
        }
    }
}

/// Registers a model under the campaign (anyone who sees it, for a unit
/// they read); they become its contact.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/models", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    request_body = ModelIn,
    responses((status = 201, body = ModelOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn register_model(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<ModelIn>,
) -> ApiResult<HttpResponse> {
    let cid = *id;
    let body = body
        .for_whom(&api, move |c, u| uc::access(c, u, cid).map(|_| true))
        .await?;
    let input = ModelInput::from(body);
    let m = api
        .call(move |x, who| uc::register_model(x, who, cid, &input))
        .await?;
    let (location, version) = (format!("/api/v1/models/{}", m.id), m.version);
    Ok(created(&location, &ModelOut::from(m), Some(version)))
}

/// Edits a model while it is registered (its contact). `If-Match` carries
/// the version read: 412 if someone saved since; 409 once appraisal moved it.
#[utoipa::path(put, path = "/api/v1/models/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "model id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = ModelIn,
    responses((status = 200, body = ModelOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update_model(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ModelIn>,
) -> ApiResult<HttpResponse> {
    let mid = *id;
    let body = body
        .for_whom(&api, move |c, u| Ok(uc::model_access(c, u, mid)?.contact))
        .await?;
    let (version, input) = (version(&req), ModelInput::from(body));
    let m = api
        .call(move |x, who| uc::edit_model(x, who, mid, version, &input))
        .await
        .map_err(|e| e.conflict_says("A model is edited only while it is registered."))?;
    Ok(model_out(m))
}

/// A move of a model to its next status, as the appraisers make it.
#[derive(Deserialize, ToSchema)]
pub struct MoveIn {
    #[schema(schema_with = super::choices::model_status)]
    status: String,
    /// Needed for `not_accepted`.
    #[serde(default)]
    reason: String,
    /// For `commended`: the decision's number, date and level.
    #[serde(default)]
    decision_number: String,
    #[serde(default)]
    decision_date: Option<NaiveDate>,
    #[serde(default)]
    #[schema(schema_with = super::choices::commendation_level)]
    level: Option<String>,
}

/// Moves a model to its next status (the campaign's appraisers): only to a
/// status its current one can become. `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/models/{id}/status", tag = "campaigns",
    params(("id" = i64, Path, description = "model id"),
        ("If-Match" = String, Header, description = "the version read")),
    request_body = MoveIn,
    responses((status = 200, body = ModelOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn move_model(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<MoveIn>,
) -> ApiResult<HttpResponse> {
    let mid = *id;
    let b = body
        .for_whom(&api, move |c, u| {
            Ok(uc::model_access(c, u, mid)?.a.appraiser)
        })
        .await?;
    let version = version(&req);
    // A value outside its list is refused whatever the version.
    let mut unread = FieldErrors::default();
    let status = ModelStatus::parse(&b.status);
    if status.is_none() {
        unread.add("status", "error-invalid-choice");
    }
    if b.level
        .as_deref()
        .is_some_and(|l| !COMMENDATION_LEVELS.contains(&l))
    {
        unread.add("level", "error-invalid-choice");
    }
    let input = MoveInput {
        status,
        reason: b.reason,
        decision_number: b.decision_number,
        decision_date: b.decision_date,
        level: b.level.unwrap_or_default(),
        unread,
    };
    let m = api
        .call(move |x, who| uc::move_model(x, who, mid, version, &input))
        .await?;
    Ok(model_out(m))
}

/// A criterion models of the campaign are appraised on, from 0 to its maximum.
#[derive(Serialize, ToSchema)]
pub struct ModelCriterionOut {
    id: i64,
    name_vi: String,
    name_en: String,
    max_points: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ModelCriterionList {
    items: Vec<ModelCriterionOut>,
}

/// The campaign's appraisal criteria, in order.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/criteria", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    responses((status = 200, body = ModelCriterionList), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_criteria(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let cid = campaign_access(&api, *id).await?.c.id;
    let items = api
        .db(move |c| Ok(db::campaigns::criteria(c, cid)?))
        .await?
        .into_iter()
        .map(|c| ModelCriterionOut {
            id: c.id,
            name_vi: c.name_vi,
            name_en: c.name_en,
            max_points: c.max_points,
        })
        .collect();
    Ok(one(&ModelCriterionList { items }, None))
}

/// An appraiser's scores of a model, one per criterion of its campaign.
#[derive(Deserialize, ToSchema)]
pub struct AppraisalIn {
    scores: Vec<AppraisalScore>,
}

#[derive(Deserialize, ToSchema)]
pub struct AppraisalScore {
    criterion_id: i64,
    /// From 0 to the criterion's maximum, in steps of 0.25.
    score: f64,
    #[serde(default)]
    comment: String,
}

/// What an appraiser's scores came to.
#[derive(Serialize, ToSchema)]
pub struct AppraisalOut {
    model_id: i64,
    /// The sum of this appraiser's scores.
    total: f64,
}

/// Records the reader's appraisal of a model, replacing their earlier one
/// (the campaign's appraisers; nobody appraises their own model). Errors
/// name fields `score_<criterion id>` and `comment_<criterion id>`.
#[utoipa::path(put, path = "/api/v1/models/{id}/appraisal", tag = "campaigns",
    params(("id" = i64, Path, description = "model id")),
    request_body = AppraisalIn,
    responses((status = 200, body = AppraisalOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn appraise_model(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<AppraisalIn>,
) -> ApiResult<HttpResponse> {
    let mid = *id;
    let body = body
        .for_whom(&api, move |c, u| {
            let ma = uc::model_access(c, u, mid)?;
            Ok(ma.a.appraiser && !ma.contact)
        })
        .await?;
    let mut input = AppraisalInput::default();
    for s in body.scores {
        // Read as the page's field would be, so both refuse the same numbers.
        let key = format!("score_{}", s.criterion_id);
        input.scores.push(ScoreInput {
            criterion_id: s.criterion_id,
            score: input.unread.decimal(&key, &numbers::input(s.score)),
            comment: s.comment,
        });
    }
    let total = api
        .call(move |x, who| uc::appraise(x, who, mid, &input))
        .await?;
    Ok(one(
        &AppraisalOut {
            model_id: mid,
            total,
        },
        None,
    ))
}
