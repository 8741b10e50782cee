//! Annual campaigns and the "Dân vận khéo" models registered under them,
//! read only, as the campaign pages show them to the reader
//! (`campaigns::reaches`, `campaigns::campaign_access`).

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::{one, page, resource, Api, ApiResult, PageQuery};
use crate::db::{
    self,
    campaigns::{Campaign, Model},
};
use crate::routes::campaigns::{campaign_access, reaches};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/campaigns", "GET").route(web::get().to(list_campaigns)))
        .service(resource("/v1/campaigns/{id}", "GET").route(web::get().to(get_campaign)))
        .service(resource("/v1/campaigns/{id}/models", "GET").route(web::get().to(list_models)))
        .service(resource("/v1/models/{id}", "GET").route(web::get().to(get_model)));
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
        .filter(|(c, _, path)| c.id > after && reaches(&api.user, path))
        .map(|(c, _, _)| CampaignOut::from(c))
        .collect();
    items.sort_by_key(|c| c.id);
    items.truncate(limit as usize);
    Ok(page(items, limit, |c| c.id))
}

/// One campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    responses((status = 200, body = CampaignOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_campaign(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let a = campaign_access(&api.state.pool, &api.user, *id).await?;
    Ok(one(&CampaignOut::from(a.c), None))
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
    /// `registered`, `approved`, `in_progress`, `appraised`, `recognised`, `withdrawn`…
    status: String,
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

/// One model, if the reader sees its campaign.
#[utoipa::path(get, path = "/api/v1/models/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "model id")),
    responses((status = 200, body = ModelOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_model(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let mid = *id;
    let m = api
        .db(move |c| Ok(db::campaigns::find_model(c, mid)?))
        .await?;
    campaign_access(&api.state.pool, &api.user, m.campaign_id).await?;
    Ok(one(&ModelOut::from(m), None))
}
