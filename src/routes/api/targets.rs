//! A unit's annual targets (chỉ tiêu) and the actual figures reached: read
//! by those who see the unit, set by those who act for it, with the targets
//! page's own checks.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiJson, ApiResult, PageQuery};
use crate::app::recommendations as recs;
use crate::db::{self, recommendations::Target};
use crate::domain::access::Permission;
use crate::domain::targets::{Direction, Standing};
use crate::domain::validate::FieldErrors;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/targets", "GET, POST")
            .route(web::get().to(list_targets))
            .route(web::post().to(create_target)),
    )
    .service(resource("/v1/targets/{id}/actual", "PUT").route(web::put().to(set_actual)));
}

/// Which way a target is good: `higher_better` (met at the plan, exceeded
/// above it), `lower_better` (met at the plan, exceeded — better than plan —
/// below it, not met above it) or `range` (met from `planned` to
/// `planned_max`, not met outside).
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetDirection {
    #[default]
    HigherBetter,
    LowerBetter,
    Range,
}

impl From<Direction> for TargetDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::HigherBetter => TargetDirection::HigherBetter,
            Direction::LowerBetter => TargetDirection::LowerBetter,
            Direction::Range => TargetDirection::Range,
        }
    }
}

impl From<TargetDirection> for Direction {
    fn from(d: TargetDirection) -> Self {
        match d {
            TargetDirection::HigherBetter => Direction::HigherBetter,
            TargetDirection::LowerBetter => Direction::LowerBetter,
            TargetDirection::Range => Direction::Range,
        }
    }
}

/// The verdict on the actual figure, by the target's direction.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStanding {
    /// No figure yet.
    Pending,
    /// Not met (short of a higher-better plan, above a lower-better one,
    /// outside a range).
    Below,
    Met,
    /// Better than plan.
    Exceeded,
}

impl From<Standing> for TargetStanding {
    fn from(s: Standing) -> Self {
        match s {
            Standing::Pending => TargetStanding::Pending,
            Standing::Below => TargetStanding::Below,
            Standing::Met => TargetStanding::Met,
            Standing::Exceeded => TargetStanding::Exceeded,
        }
    }
}

/// A target of a unit for a year, with the actual figure as of the latest
/// date recorded.
#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    id: i64,
    unit_id: i64,
    year: i32,
    name: String,
    direction: TargetDirection,
    /// The plan; a range's lowest value.
    planned: f64,
    /// A range's highest value (null otherwise).
    planned_max: Option<f64>,
    /// The unit of measure (`hộ`, `công trình`, `%`…).
    measure: String,
    actual: Option<f64>,
    /// The date the actual figure is as of.
    actual_on: Option<NaiveDate>,
    standing: TargetStanding,
    /// Send it back in `If-Match` to record an actual figure.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<Target> for TargetOut {
    fn from(t: Target) -> Self {
        TargetOut {
            direction: t.direction().into(),
            standing: t.standing().into(),
            id: t.id,
            unit_id: t.unit_id,
            year: t.year,
            name: t.name,
            planned: t.planned,
            planned_max: t.planned_max,
            measure: t.measure,
            actual: t.actual,
            actual_on: t.actual_on,
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
            let targets = db::recommendations::targets_after(c, unit_id, year, after, limit)?;
            Ok((unit, targets))
        })
        .await?;
    api.user.require(Permission::View, &unit.path)?;
    let items: Vec<TargetOut> = targets.into_iter().map(TargetOut::from).collect();
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
    /// `higher_better` when left out.
    #[serde(default)]
    direction: TargetDirection,
    /// The plan; a range's lowest value.
    planned: f64,
    /// A range's highest value (required for a range, not read otherwise).
    #[serde(default)]
    planned_max: Option<f64>,
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
    let b = body
        .for_whom(&api, |_, u| {
            Ok(u.can_anywhere(Permission::ManageTasks) || u.can_anywhere(Permission::ManageUnits))
        })
        .await?;
    let input = recs::TargetInput {
        unit_id: Some(b.unit_id),
        year: b.year,
        name: b.name,
        direction: Direction::from(b.direction).as_str().to_string(),
        planned: Some(b.planned),
        planned_max: b.planned_max,
        measure: b.measure,
        unread: FieldErrors::default(),
    };
    let t = api
        .call(move |c, who| recs::set_target(c, who, &input))
        .await?;
    let location = format!("/api/v1/targets?unit_id={}&year={}", t.unit_id, t.year);
    let v = t.version;
    Ok(created(&location, &TargetOut::from(t), Some(v)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActualIn {
    actual: f64,
    /// The date the figure is as of: a day of the target's year, not after
    /// today; today (or the 31st of December of a year already over) when
    /// left out.
    #[serde(default)]
    actual_on: Option<NaiveDate>,
}

/// Records a figure reached as of a date (every earlier one is kept; the
/// one as of the latest date is the target's `actual`). `If-Match` carries
/// the version read: 412 if someone recorded one since.
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
    let id = *id;
    let body = body
        .for_whom(&api, move |c, u| {
            let t = crate::db::recommendations::find_target(c, id)?;
            let unit = crate::db::units::find(c, t.unit_id)?;
            Ok(recs::may_act(u, &unit.path))
        })
        .await?;
    let version = version(&req);
    let input = recs::ActualInput {
        actual: Some(body.actual),
        on: body.actual_on,
        unread: FieldErrors::default(),
    };
    let t = api
        .call(move |c, who| recs::record_actual(c, who, id, version, &input))
        .await?;
    let v = t.version;
    Ok(one(&TargetOut::from(t), Some(v)))
}
