//! A household's parcel shape (GeoJSON, WGS84) read, written and removed,
//! and a task's parcels as a FeatureCollection: the rights are the map's
//! (read by who may see the task, written by who may edit it).

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::{resource, Api, ApiJson, ApiResult};
use crate::app::parcels as app;
use crate::app::tasks::access;
use crate::db;
use crate::domain::validate::FieldErrors;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/households/{id}/shape", "GET, PUT, DELETE")
            .route(web::get().to(get_shape))
            .route(web::put().to(put_shape))
            .route(web::delete().to(delete_shape)),
    )
    .service(resource("/v1/tasks/{id}/parcels", "GET").route(web::get().to(task_parcels)));
}

/// A household's parcel as a GeoJSON Feature.
#[derive(Serialize, ToSchema)]
pub struct ShapeOut {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// A GeoJSON MultiPolygon in WGS84 degrees (longitude, latitude).
    #[schema(value_type = Object)]
    geometry: serde_json::Value,
    properties: ShapeProperties,
}

#[derive(Serialize, ToSchema)]
pub struct ShapeProperties {
    household_id: i64,
    task_id: i64,
    /// On the WGS84 ellipsoid, in square metres.
    area_m2: f64,
    /// The file it was imported from, or `API`.
    source: String,
    /// RFC 3339, UTC.
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<db::parcels::Stored> for ShapeOut {
    fn from(p: db::parcels::Stored) -> ShapeOut {
        ShapeOut {
            kind: "Feature",
            geometry: serde_json::from_str(&p.geometry).unwrap_or(serde_json::Value::Null),
            properties: ShapeProperties {
                household_id: p.household_id,
                task_id: p.task_id,
                area_m2: (p.area_m2 * 100.0).round() / 100.0,
                source: p.source,
                updated_at: p.updated_at,
            },
        }
    }
}

#[utoipa::path(get, path = "/api/v1/households/{id}/shape", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 200, body = ShapeOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_shape(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let hid = *id;
    let stored = api
        .read(move |c, user| {
            let household = db::households::find(c, hid)?;
            access(c, user, household.task_id)?;
            db::parcels::of_household(c, hid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ShapeOut::from(stored)))
}

/// A GeoJSON Polygon or MultiPolygon in WGS84, or a Feature holding one.
#[derive(serde::Deserialize, ToSchema)]
#[schema(value_type = Object, example = json!({"type": "Polygon", "coordinates": [[[105.823, 21.069], [105.8231, 21.069], [105.8231, 21.0691], [105.823, 21.0691], [105.823, 21.069]]]}))]
pub struct ShapeIn(serde_json::Value);

fn geometry_of(body: serde_json::Value) -> Result<geojson::Geometry, FieldErrors> {
    let refuse = |key: &str| {
        let mut e = FieldErrors::default();
        e.add("geometry", key);
        e
    };
    let value = if body.get("type").and_then(|t| t.as_str()) == Some("Feature") {
        body.get("geometry")
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    } else {
        body
    };
    if value.is_null() {
        return Err(refuse("parcels-error-empty"));
    }
    serde_json::from_value::<geojson::Geometry>(value)
        .map_err(|_| refuse("parcels-error-not-polygon"))
}

#[utoipa::path(put, path = "/api/v1/households/{id}/shape", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = ShapeIn,
    responses((status = 200, body = ShapeOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn put_shape(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<ShapeIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let body = super::households::editor_body(&api, hid, body).await?;
    let geometry = geometry_of(body.0).map_err(|e| api.invalid(e))?;
    let stored = api
        .call(move |c, who| app::put_shape(c, who, hid, &geometry))
        .await?;
    Ok(HttpResponse::Ok().json(ShapeOut::from(stored)))
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/shape", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 204, description = "the shape was removed"), super::docs::Errors),
    security(("token" = [])))]
pub async fn delete_shape(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let hid = *id;
    api.call(move |c, who| app::remove_shape(c, who, hid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}/parcels", tag = "tasks",
    params(("id" = i64, Path, description = "task id")),
    responses((status = 200, description = "a GeoJSON FeatureCollection (WGS84) of the task's parcels with each household's stage and area; phone numbers only for readers who may see personal details", content_type = "application/geo+json"), super::docs::Errors),
    security(("token" = [])))]
pub async fn task_parcels(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (tid, locale, who) = (*id, api.user.locale, api.caller());
    let m = api.db(move |c| app::export(c, &who, tid)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .body(crate::routes::maps::feature_collection(&m, locale)))
}
