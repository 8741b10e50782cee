//! Households of a task and their visits. Rights are the household pages'
//! (`tasks::access`, personal details masked or their reading logged as on
//! the page); a visit is checked and saved by the same functions as the
//! visit form.

pub(super) mod import;
pub(super) mod visits;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiJson, ApiResult, PageQuery};
// The visits' and the import's handlers name these as `super::…`, as every
// API module does.
use super::{body, choices, docs, utc, utc_opt};
use crate::app;
use crate::app::households::{household_access, HouseholdInput, Target};
use crate::db;
use crate::db::households::Household;
use crate::domain::validate::FieldErrors;
use import::import_households;
use visits::{add_photo, create_visit, get_photo, list_visits};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/tasks/{id}/households", "GET, POST")
            .route(web::get().to(list_households))
            .route(web::post().to(create_household)),
    )
    .service(
        resource("/v1/tasks/{id}/households/import", "POST")
            .route(web::post().to(import_households)),
    )
    .service(
        resource("/v1/households/{id}", "GET, PUT")
            .route(web::get().to(get_household))
            .route(web::put().to(update_household)),
    )
    .service(
        resource("/v1/households/{id}/visits", "GET, POST")
            .route(web::get().to(list_visits))
            .route(web::post().to(create_visit)),
    )
    .service(resource("/v1/visits/{id}/photos", "POST").route(web::post().to(add_photo)))
    .service(resource("/v1/visits/{id}/photos/{photo}", "GET").route(web::get().to(get_photo)));
}

/// A household of a task. `phone` is masked and `notes` empty for readers
/// who are not on the task.
#[derive(Serialize, ToSchema)]
pub struct HouseholdOut {
    id: i64,
    task_id: i64,
    head_name: String,
    address: String,
    residential_group: String,
    map_sheet: String,
    parcel_no: String,
    area_m2: f64,
    land_type: String,
    /// Comma-separated: `meritorious`, `poor`, `elderly`, `disability`, `other`.
    priority_groups: String,
    phone: String,
    notes: String,
    /// Where persuasion stands: `not_contacted`, `notice_received`, …, `handed_over`.
    stage: String,
    last_visit_on: Option<NaiveDate>,
    next_visit_on: Option<NaiveDate>,
    /// Send it back in `If-Match` to edit the household.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    created_at: NaiveDateTime,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl From<Household> for HouseholdOut {
    fn from(h: Household) -> Self {
        HouseholdOut {
            id: h.id,
            task_id: h.task_id,
            head_name: h.head_name,
            address: h.address,
            residential_group: h.residential_group,
            map_sheet: h.map_sheet,
            parcel_no: h.parcel_no,
            area_m2: h.area_m2,
            land_type: h.land_type,
            priority_groups: h.priority_groups,
            phone: h.phone,
            notes: h.notes,
            stage: h.stage,
            last_visit_on: h.last_visit_on,
            next_visit_on: h.next_visit_on,
            version: h.version,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdPage {
    items: Vec<HouseholdOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdFilter {
    /// Only households at this stage.
    stage: Option<String>,
    /// Only households whose next visit is on or before this day.
    due_by: Option<NaiveDate>,
    /// Words of the head's name.
    q: Option<String>,
}

/// The task's households, by id, if the reader may view the task.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/households", tag = "households",
    params(("id" = i64, Path, description = "task id"), PageQuery, HouseholdFilter),
    responses((status = 200, body = HouseholdPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_households(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
    f: web::Query<HouseholdFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let f = f.into_inner();
    let tid = *id;
    let filter = db::households::Filter {
        stage: f.stage,
        due_by: f.due_by,
        search: f.q.filter(|s| !s.trim().is_empty()),
        // Set by the reader's sight.
        by_phone: false,
    };
    let rows = api
        .call(move |c, who| app::households::list(c, who, tid, filter, after, limit))
        .await?;
    let items: Vec<HouseholdOut> = rows.into_iter().map(HouseholdOut::from).collect();
    Ok(page(items, limit, |h| h.id))
}

/// One household (its version is the ETag).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 200, body = HouseholdOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_household(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let hid = *id;
    let (household, _, _) = api
        .call(move |c, who| app::households::seen(c, who, hid))
        .await?;
    let version = household.version;
    Ok(one(&HouseholdOut::from(household), Some(version)))
}

/// A household as a client registers or edits it: the household form's fields.
#[derive(Deserialize, ToSchema)]
pub struct HouseholdIn {
    head_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    residential_group: String,
    #[serde(default)]
    map_sheet: String,
    #[serde(default)]
    parcel_no: String,
    /// Square metres.
    #[serde(default)]
    area_m2: f64,
    #[serde(default)]
    land_type: String,
    #[serde(default)]
    #[schema(schema_with = super::choices::priority_groups)]
    priority_groups: Vec<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    notes: String,
    /// Keep it although another household of the task is on the same
    /// parcel of the same sheet (otherwise 422 on `parcel_no`).
    #[serde(default)]
    allow_duplicate: bool,
}

impl From<HouseholdIn> for HouseholdInput {
    fn from(h: HouseholdIn) -> HouseholdInput {
        HouseholdInput {
            head_name: h.head_name,
            address: h.address,
            residential_group: h.residential_group,
            map_sheet: h.map_sheet,
            parcel_no: h.parcel_no,
            area_m2: h.area_m2,
            land_type: h.land_type,
            priority_groups: h.priority_groups,
            phone: h.phone,
            notes: h.notes,
            same_parcel_ok: h.allow_duplicate,
            unread: FieldErrors::default(),
        }
    }
}

/// Saves a household (the use case's checks, in its order): 422 on a field
/// or a parcel already recorded, 428 without a version, 412 on an older one.
async fn save(api: &Api, target: Target, body: HouseholdIn) -> ApiResult<Household> {
    let input = HouseholdInput::from(body);
    api.call(move |c, who| app::households::save(c, who, target, &input))
        .await
}

/// Registers a household on the task (those who may edit the task).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/households", tag = "households",
    params(("id" = i64, Path, description = "task id")),
    request_body = HouseholdIn,
    responses((status = 201, body = HouseholdOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_household(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<HouseholdIn>,
) -> ApiResult<HttpResponse> {
    let tid = *id;
    let body = body
        .for_whom(&api, move |c, u| super::tasks::may_edit(c, u, tid))
        .await?;
    let h = save(&api, Target::New { task_id: tid }, body).await?;
    let (location, version) = (format!("/api/v1/households/{}", h.id), h.version);
    Ok(created(&location, &HouseholdOut::from(h), Some(version)))
}

/// Replaces a household's details (its stage moves only with visits).
/// `If-Match` carries the version read: 412 if someone saved since.
#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "household id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = HouseholdIn,
    responses((status = 200, body = HouseholdOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update_household(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<HouseholdIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let body = editor_body(&api, hid, body).await?;
    let target = Target::Edit {
        household_id: hid,
        version: version(&req),
    };
    let h = save(&api, target, body).await?;
    let version = h.version;
    Ok(one(&HouseholdOut::from(h), Some(version)))
}

/// The body, once the reader may edit the household (those who may edit its
/// task); otherwise 403 or 404, whatever was sent ([`ApiJson::for_whom`]).
pub(super) async fn editor_body<T>(api: &Api, household_id: i64, body: ApiJson<T>) -> ApiResult<T> {
    body.for_whom(api, move |c, u| {
        Ok(household_access(c, u, household_id)?.1.can_edit)
    })
    .await
}
