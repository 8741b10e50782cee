//! A unit's annual targets (chỉ tiêu) and the actual figures reached: read
//! by those who see the unit, set by those who act for it, with the targets
//! page's own checks.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{etag, if_match, one, page, resource, Api, ApiError, ApiJson, ApiResult, PageQuery};
use crate::app::chosen;
use crate::db::{self, recommendations::Target};
use crate::domain::access::Permission;
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;
use crate::routes::recommendations::{check_actual, check_target, may_act, save_actual};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/targets", "GET, POST")
            .route(web::get().to(list_targets))
            .route(web::post().to(create_target)),
    )
    .service(resource("/v1/targets/{id}/actual", "PUT").route(web::put().to(set_actual)));
}

/// A target of a unit for a year, with the actual figure last recorded.
#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    id: i64,
    unit_id: i64,
    year: i32,
    name: String,
    planned: f64,
    /// The unit of measure (`hộ`, `công trình`, `%`…).
    measure: String,
    actual: Option<f64>,
    /// Send it back in `If-Match` to record an actual figure.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<Target> for TargetOut {
    fn from(t: Target) -> Self {
        TargetOut {
            id: t.id,
            unit_id: t.unit_id,
            year: t.year,
            name: t.name,
            planned: t.planned,
            measure: t.measure,
            actual: t.actual,
            version: t.version,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TargetPage {
    items: Vec<TargetOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetFilter {
    /// The unit whose targets these are.
    unit_id: i64,
    /// The year (this year when left out).
    year: Option<i32>,
}

/// A unit's targets for a year, by id.
#[utoipa::path(get, path = "/api/v1/targets", tag = "targets",
    params(PageQuery, TargetFilter),
    responses((status = 200, body = TargetPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_targets(
    api: Api,
    q: web::Query<PageQuery>,
    f: web::Query<TargetFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let (unit_id, year) = (f.unit_id, f.year.unwrap_or_else(this_year));
    let (unit, targets) = api
        .db(move |c| {
            let unit = db::units::find(c, unit_id)?;
            Ok((unit, db::recommendations::targets_of(c, unit_id, year)?))
        })
        .await?;
    api.user.require(Permission::View, &unit.path)?;
    let items: Vec<TargetOut> = targets
        .into_iter()
        .filter(|t| t.id > after)
        .take(limit as usize)
        .map(TargetOut::from)
        .collect();
    Ok(page(items, limit, |t| t.id))
}

fn this_year() -> i32 {
    use chrono::Datelike;
    crate::domain::format::today().year()
}

#[derive(Deserialize, ToSchema)]
pub struct TargetIn {
    unit_id: i64,
    year: i32,
    name: String,
    planned: f64,
    #[serde(default)]
    measure: String,
}

/// Sets a target for a unit and year (those who act for the unit).
#[utoipa::path(post, path = "/api/v1/targets", tag = "targets",
    request_body = TargetIn,
    responses((status = 201, body = TargetOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_target(api: Api, body: ApiJson<TargetIn>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let unit_id = b.unit_id;
    // A unit that does not exist or no longer works is a field error (it
    // would otherwise be a 404, or a target of a closed unit).
    let found = api
        .db(move |c| Ok(db::units::find_chosen(c, Some(unit_id))?))
        .await?;
    let mut e = FieldErrors::default();
    let Some(unit) = chosen::unit(&mut e, "unit_id", Some(unit_id), found, |_| true) else {
        return Err(api.invalid(e));
    };
    if !may_act(&api.user, &unit.path) {
        return Err(ApiError::Forbidden);
    }
    let (name, planned, measure) =
        check_target(b.year, &b.name, &numbers::input(b.planned), &b.measure)
            .map_err(|e| api.invalid(e))?;
    let (actor, year) = (api.actor(), b.year);
    let target = api
        .db(move |c| {
            let id = db::audit::write(c, &actor, |c| {
                Ok(db::recommendations::add_target(
                    c, unit_id, year, &name, planned, &measure,
                )?)
            })?;
            Ok(db::recommendations::find_target(c, id)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/targets?unit_id={unit_id}&year={year}"),
        ))
        .insert_header((header::ETAG, etag(target.version)))
        .json(TargetOut::from(target)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActualIn {
    actual: f64,
}

/// Records the actual figure reached today (every earlier one is kept).
/// `If-Match` carries the version read: 412 if someone recorded one since.
#[utoipa::path(put, path = "/api/v1/targets/{id}/actual", tag = "targets",
    params(("id" = i64, Path, description = "target id"),
        ("If-Match" = String, Header, description = "the version the figure replaces")),
    request_body = ActualIn,
    responses((status = 200, body = TargetOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn set_actual(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ActualIn>,
) -> ApiResult<HttpResponse> {
    let tid = *id;
    let (t, unit) = api
        .db(move |c| {
            let t = db::recommendations::find_target(c, tid)?;
            let unit = db::units::find(c, t.unit_id)?;
            Ok((t, unit))
        })
        .await?;
    if !may_act(&api.user, &unit.path) {
        return Err(ApiError::Forbidden);
    }
    let actual = check_actual(&numbers::input(body.0.actual)).map_err(|e| api.invalid(e))?;
    let version = if_match(&req, t.version)?;
    let (actor, uid) = (api.actor(), api.user.id);
    let saved = api
        .db(move |c| {
            let saved = save_actual(c, &actor, &t, version, actual, uid)?;
            Ok((saved, db::recommendations::find_target(c, tid)?))
        })
        .await?;
    let (saved, now) = saved;
    if !saved {
        return Err(ApiError::PreconditionFailed {
            current: etag(now.version),
        });
    }
    let version = now.version;
    Ok(one(&TargetOut::from(now), Some(version)))
}
