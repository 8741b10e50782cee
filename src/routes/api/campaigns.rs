//! Annual campaigns and the "Dân vận khéo" models registered under them, as
//! the campaign pages show them to the reader (`CurrentUser::reaches`,
//! `campaigns::campaign_access`); models registered, edited by their
//! contact while registered, and moved along their statuses by the
//! campaign's appraisers, with the model pages' checks.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    etag, if_match, one, page, resource, version, Api, ApiError, ApiJson, ApiResult, PageQuery,
};
use crate::app;
use crate::app::campaigns::{Access, CampaignInput};
use crate::db::{
    self,
    campaigns::{Campaign, Model},
};
use crate::domain::campaign::{ModelStatus, COMMENDATION_LEVELS};
use crate::domain::format;
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;
use crate::routes::campaigns::{
    campaign_access, check_appraisal, check_move, save_move, validate_model, ModelForm,
};

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
    let mut items: Vec<CampaignOut> = api
        .db(|c| Ok(db::campaigns::all(c)?))
        .await?
        .into_iter()
        .filter(|(c, _, path)| c.id > after && api.user.reaches(path))
        .map(|(c, _, _)| CampaignOut::from(c))
        .collect();
    items.sort_by_key(|c| c.id);
    items.truncate(limit as usize);
    Ok(page(items, limit, |c| c.id))
}

/// One campaign; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    responses((status = 200, body = CampaignOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_campaign(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let a = campaign_access(&api.state.pool, &api.user, *id).await?;
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
    let (input, user, actor) = (CampaignInput::from(body.0), api.user.clone(), api.actor());
    let c = api
        .db(move |x| Ok(app::campaigns::set_up(x, &user, &actor, &input)))
        .await?
        .map_err(|r| api.rejected(r))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/campaigns/{}", c.id)))
        .insert_header((header::ETAG, etag(c.version)))
        .json(CampaignOut::from(c)))
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
    let (input, user, actor) = (CampaignInput::from(body.0), api.user.clone(), api.actor());
    let now = api
        .db(move |x| Ok(app::campaigns::edit(x, &user, &actor, cid, version, &input)))
        .await?
        .map_err(|r| api.rejected(r))?;
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
    let a = campaign_access(&api.state.pool, &api.user, *id).await?;
    let cid = a.c.id;
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
    let (m, _) = model_access(&api, *id).await?;
    let version = m.version;
    Ok(one(&ModelOut::from(m), Some(version)))
}

/// The model and its campaign, if the reader sees the campaign.
async fn model_access(api: &Api, mid: i64) -> ApiResult<(Model, Access)> {
    let m = api
        .db(move |c| Ok(db::campaigns::find_model(c, mid)?))
        .await?;
    let a = campaign_access(&api.state.pool, &api.user, m.campaign_id).await?;
    Ok((m, a))
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

impl ModelIn {
    fn into_form(self, version: i32) -> ModelForm {
        ModelForm {
            kind: self.kind,
            unit_id: self.unit_id.to_string(),
            holder_name: self.holder_name,
            field_id: self.field_id.to_string(),
            title: self.title,
            commitment: self.commitment,
            expected_results: self.expected_results,
            period_from: format::date(self.period_from),
            period_to: format::date(self.period_to),
            version: version.to_string(),
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
    let a = campaign_access(&api.state.pool, &api.user, *id).await?;
    let form = body.0.into_form(0);
    let fields = validate_model(&api.state.pool, &api.user, &a, &form)
        .await?
        .map_err(|e| api.invalid(e))?;
    let (actor, c, uid) = (api.actor(), a.c, api.user.id);
    let m = api
        .db(move |x| {
            db::audit::write(x, &actor, |x| {
                Ok(db::campaigns::register(x, &c, &fields, uid)?)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/models/{}", m.id)))
        .insert_header((header::ETAG, etag(m.version)))
        .json(ModelOut::from(m)))
}

/// The model as it now is, or 412 with its version when a versioned write
/// did not happen because someone saved first.
async fn after_write(api: &Api, mid: i64, saved: bool) -> ApiResult<HttpResponse> {
    let now = api
        .db(move |c| Ok(db::campaigns::find_model(c, mid)?))
        .await?;
    if !saved {
        return Err(ApiError::PreconditionFailed {
            current: etag(now.version),
        });
    }
    let version = now.version;
    Ok(one(&ModelOut::from(now), Some(version)))
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
    let (m, a) = model_access(&api, *id).await?;
    if m.contact_id != api.user.id {
        return Err(ApiError::Forbidden);
    }
    let form = body.0.into_form(m.version);
    let fields = validate_model(&api.state.pool, &api.user, &a, &form)
        .await?
        .map_err(|e| api.invalid(e))?;
    let version = if_match(&req, m.version)?;
    if m.status() != ModelStatus::Registered {
        return Err(ApiError::Conflict(
            "A model is edited only while it is registered.".into(),
        ));
    }
    let (actor, mid) = (api.actor(), m.id);
    let saved = api
        .db(move |x| {
            db::audit::write_if(x, &actor, |x| {
                let change = db::campaigns::update_model(x, &m, version, &fields)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    after_write(&api, mid, saved).await
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
    let (m, a) = model_access(&api, *id).await?;
    if !a.appraiser() {
        return Err(ApiError::Forbidden);
    }
    let b = body.0;
    // A value outside its list is refused whatever the version.
    let mut e = FieldErrors::default();
    if ModelStatus::parse(&b.status).is_none() {
        e.add("status", "error-invalid-choice");
    }
    if b.level
        .as_deref()
        .is_some_and(|l| !COMMENDATION_LEVELS.contains(&l))
    {
        e.add("level", "error-invalid-choice");
    }
    if !e.is_empty() {
        return Err(api.invalid(e));
    }
    let version = if_match(&req, m.version)?;
    let values: HashMap<String, String> = [
        ("status", b.status),
        ("reason", b.reason),
        ("decision_number", b.decision_number),
        (
            "decision_date",
            b.decision_date.map(format::date).unwrap_or_default(),
        ),
        ("level", b.level.unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if version != m.version {
        return Err(ApiError::PreconditionFailed {
            current: etag(m.version),
        });
    }
    let mv = check_move(&m, &values).map_err(|e| api.invalid(e))?;
    let (actor, mid, uid) = (api.actor(), m.id, api.user.id);
    let saved = api
        .db(move |x| save_move(x, &actor, &m, version, &mv, uid))
        .await?;
    after_write(&api, mid, saved).await
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
    let a = campaign_access(&api.state.pool, &api.user, *id).await?;
    let cid = a.c.id;
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
    let (m, a) = model_access(&api, *id).await?;
    if !a.appraiser() || m.contact_id == api.user.id {
        return Err(ApiError::Forbidden);
    }
    let mut values = HashMap::new();
    for s in body.0.scores {
        values.insert(format!("score_{}", s.criterion_id), numbers::input(s.score));
        values.insert(format!("comment_{}", s.criterion_id), s.comment);
    }
    let cid = m.campaign_id;
    let criteria = api
        .db(move |c| Ok(db::campaigns::criteria(c, cid)?))
        .await?;
    let items = check_appraisal(&criteria, &values).map_err(|e| api.invalid(e))?;
    let total = items.iter().map(|(_, s, _)| s).sum();
    let (actor, uid, mid) = (api.actor(), api.user.id, m.id);
    api.db(move |x| {
        db::audit::write(x, &actor, |x| {
            Ok(((), db::campaigns::save_scores(x, &m, uid, &items)?))
        })
    })
    .await?;
    Ok(one(
        &AppraisalOut {
            model_id: mid,
            total,
        },
        None,
    ))
}
