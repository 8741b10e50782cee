//! Households of a task and their visits. Rights are the household pages'
//! (`tasks::access`, personal details masked or their reading logged as on
//! the page); a visit is checked and saved by the same functions as the
//! visit form.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiError, ApiJson, ApiResult, PageQuery};
use crate::app;
use crate::app::household_import::{check_off_the_pages, import_rows, ImportOptions, MAX_UPLOAD};
use crate::app::households::{
    household_access, personal_details, HouseholdInput, Target, VisitInput,
};
use crate::app::tasks::{access, Access};
use crate::db;
use crate::db::households::{DeviceVisit, Household, Place};
use crate::domain::households::Sight;
use crate::domain::numbers::DecimalSign;
use crate::domain::validate::FieldErrors;
use crate::error::AppError;

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
    let (tid, user, actor) = (*id, api.user.clone(), api.actor());
    let items = api
        .db(move |c| {
            let access = access(c, &user, tid)?;
            let filter = db::households::Filter {
                stage: f.stage,
                due_by: f.due_by,
                search: f.q.filter(|s| !s.trim().is_empty()),
                by_phone: access.sight != crate::domain::households::Sight::Masked,
            };
            let mut rows = db::households::after(c, tid, &filter, after, limit)?;
            // A page read by a reviewer or administrator is logged once,
            // naming the households whose details it held (as an export is),
            // rather than with one audit row per household.
            let read: Vec<i64> = rows
                .iter_mut()
                .filter_map(|h| personal_details(&access, h).map(|_| h.id))
                .collect();
            if !read.is_empty() {
                let change = db::audit::Change::new(
                    "read_personal",
                    "task",
                    tid,
                    serde_json::json!({"api": true, "households": read}),
                )
                .on_unit(access.task.unit_id);
                db::audit::record_read(c, &actor, &change)?;
            }
            Ok(rows.into_iter().map(HouseholdOut::from).collect::<Vec<_>>())
        })
        .await?;
    Ok(page(items, limit, |h| h.id))
}

/// One household (its version is the ETag).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 200, body = HouseholdOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_household(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (hid, user, actor) = (*id, api.user.clone(), api.actor());
    let household = api
        .db(move |c| {
            let (mut household, access) = household_access(c, &user, hid)?;
            if let Some(read) = personal_details(&access, &mut household) {
                db::audit::record_read(c, &actor, &read)?;
            }
            Ok(household)
        })
        .await?;
    let version = household.version;
    Ok(one(&HouseholdOut::from(household), Some(version)))
}

/// A visit to a household, as logged.
#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    id: i64,
    visited_on: NaiveDate,
    /// `door_to_door`, `dialogue`, `meeting`, `phone`, `other`; `record`
    /// for an office record (a plan approved, a payment, a handover) that
    /// moved the stage.
    kind: String,
    /// Who went, by name.
    members: Vec<String>,
    others: String,
    household_said: String,
    /// Comma-separated concerns raised.
    concerns: String,
    stage_before: String,
    stage_after: String,
    reason: Option<String>,
    next_step: String,
    next_visit_on: Option<NaiveDate>,
    /// The visit this one corrects.
    corrects_id: Option<i64>,
    logged_by: String,
    #[serde(serialize_with = "super::utc")]
    created_at: NaiveDateTime,
    /// When a phone made it, if it was sent later (UTC).
    #[serde(serialize_with = "super::utc_opt")]
    made_at: Option<NaiveDateTime>,
    /// Its photos, for readers of the household's personal details (empty
    /// for others).
    photos: Vec<PhotoOut>,
}

/// A photo of a visit.
#[derive(Serialize, ToSchema)]
pub struct PhotoOut {
    id: i64,
    visit_id: i64,
    /// 1 to 5, in the order taken.
    position: i32,
    /// `image/jpeg` or `image/png`.
    content_type: String,
    size_bytes: i64,
    /// Where its bytes are read.
    url: String,
}

impl From<db::households::VisitPhoto> for PhotoOut {
    fn from(p: db::households::VisitPhoto) -> PhotoOut {
        PhotoOut {
            url: format!("/api/v1/visits/{}/photos/{}", p.visit_id, p.id),
            id: p.id,
            visit_id: p.visit_id,
            position: p.position,
            content_type: p.content_type,
            size_bytes: p.size_bytes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitPage {
    items: Vec<VisitOut>,
    next_cursor: Option<String>,
}

/// The household's visits, newest first (the cursor is the last visit's id).
#[utoipa::path(get, path = "/api/v1/households/{id}/visits", tag = "households",
    params(("id" = i64, Path, description = "household id"), PageQuery),
    responses((status = 200, body = VisitPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_visits(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let (hid, user) = (*id, api.user.clone());
    // Newest first: a cursor names the last visit seen; the page goes on
    // after it in the same order.
    let (history, mut photos) = api
        .db(move |c| {
            let (_, access) = household_access(c, &user, hid)?;
            let history = db::households::history_after(c, hid, after, limit)?;
            let photos = match access.sight {
                Sight::Masked => Vec::new(),
                _ => {
                    let ids: Vec<i64> = history.iter().map(|(v, _)| v.id).collect();
                    db::households::photos_of_visits(c, &ids)?
                }
            };
            Ok((history, photos))
        })
        .await?;
    let items: Vec<VisitOut> = history
        .into_iter()
        .map(|(v, members)| VisitOut {
            id: v.id,
            visited_on: v.visited_on,
            kind: v.kind,
            members,
            others: v.others,
            household_said: v.household_said,
            concerns: v.concerns,
            stage_before: v.stage_before,
            stage_after: v.stage_after,
            reason: v.reason,
            next_step: v.next_step,
            next_visit_on: v.next_visit_on,
            corrects_id: v.corrects_id,
            logged_by: v.created_by_name,
            created_at: v.created_at,
            made_at: v.made_at,
            photos: photos
                .extract_if(.., |p| p.visit_id == v.id)
                .map(PhotoOut::from)
                .collect(),
        })
        .collect();
    Ok(page(items, limit, |v| v.id))
}

/// A visit as a client logs it: the visit form's fields.
#[derive(Deserialize, ToSchema)]
pub struct VisitIn {
    visited_on: NaiveDate,
    #[schema(schema_with = super::choices::visit_kind)]
    kind: String,
    /// Ids of the people who went (the task's owner or team).
    #[serde(default)]
    members: Vec<i64>,
    #[serde(default)]
    others: String,
    #[serde(default)]
    household_said: String,
    /// Concerns the household raised.
    #[serde(default)]
    #[schema(schema_with = super::choices::concerns)]
    concerns: Vec<String>,
    /// The household's stage after the visit.
    #[schema(schema_with = super::choices::stage)]
    stage_after: String,
    /// Needed when the stage goes back or skips steps.
    #[serde(default)]
    reason: String,
    #[serde(default)]
    next_step: String,
    #[serde(default)]
    next_visit_on: Option<NaiveDate>,
    /// The visit this one corrects, if any.
    #[serde(default)]
    corrects_id: Option<i64>,
    /// The id the phone gave the visit (8 to 64 letters, digits, `-` or `_`,
    /// e.g. a UUID): the same visit sent again is stored once, and answered
    /// with 200 and its id instead of 201.
    #[serde(default)]
    device_id: Option<String>,
    /// When the visit was made on the phone (UTC), if it was sent later.
    #[serde(default)]
    made_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the visit was made, if the member chose to record the place.
    #[serde(default)]
    place: Option<PlaceIn>,
    /// The stage the member saw before the visit: a skip or a step back is
    /// judged from it, and a household that moved on meanwhile still takes
    /// the visit.
    #[serde(default)]
    #[schema(schema_with = super::choices::stage)]
    seen_stage: Option<String>,
}

/// A place the phone measured.
#[derive(Deserialize, ToSchema)]
pub struct PlaceIn {
    /// Degrees north (WGS84).
    latitude: f64,
    /// Degrees east (WGS84).
    longitude: f64,
    /// How far off the reading may be, in metres.
    accuracy_m: f64,
}

impl From<VisitIn> for VisitInput {
    fn from(v: VisitIn) -> VisitInput {
        VisitInput {
            visited_on: Some(v.visited_on),
            kind: v.kind,
            members: v.members,
            others: v.others,
            household_said: v.household_said,
            concerns: v.concerns,
            stage_after: v.stage_after,
            reason: v.reason,
            next_step: v.next_step,
            next_visit_on: v.next_visit_on,
            corrects_id: v.corrects_id,
            device: v.device_id.map(|id| DeviceVisit {
                id,
                made_at: v.made_at.map(|t| t.naive_utc()),
                place: v.place.map(|p| Place {
                    latitude: p.latitude,
                    longitude: p.longitude,
                    accuracy_m: p.accuracy_m,
                }),
            }),
            seen_stage: v.seen_stage.unwrap_or_default(),
            photos: Vec::new(),
            unread: FieldErrors::default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Logs a visit (the people on the task), moving the household to its new stage.
#[utoipa::path(post, path = "/api/v1/households/{id}/visits", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = VisitIn,
    responses((status = 201, body = Created, headers(("Location" = String))),
        (status = 200, description = "the visit was sent before under this `device_id`: nothing new is stored", body = Created),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create_visit(
    api: Api,
    id: web::Path<i64>,
    body: ApiJson<VisitIn>,
) -> ApiResult<HttpResponse> {
    let hid = *id;
    let body = body
        .for_whom(&api, move |c, u| {
            Ok(app::households::household_access(c, u, hid)?
                .1
                .can_log_visits)
        })
        .await?;
    let input = VisitInput::from(body);
    let (user, actor) = (api.user.clone(), api.actor());
    let files = api.state.config.data_dir.clone();
    let logged = api
        .db(move |c| {
            Ok(app::households::log_visit(
                c, &user, &actor, hid, &input, &files,
            ))
        })
        .await?
        .map_err(|r| api.rejected(r))?;
    let body = Created {
        id: logged.visit_id,
    };
    if logged.already {
        return Ok(one(&body, None));
    }
    Ok(created(
        &format!("/api/v1/households/{hid}/visits"),
        &body,
        None,
    ))
}

/// Adds a photo to a visit (one request a photo, after the visit: a phone
/// sends the visit, then its photos). The body is the JPEG or PNG itself,
/// at most 10 MB; its kind is read from its content, and where it was taken
/// is removed unless the visit recorded its place. At most 5 a visit; the
/// same photo sent again is answered with 200 and the one stored.
#[utoipa::path(post, path = "/api/v1/visits/{id}/photos", tag = "households",
    params(("id" = i64, Path, description = "visit id")),
    request_body(content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
    ), description = "the photo, at most 10 MB"),
    responses((status = 201, body = PhotoOut, headers(("Location" = String))),
        (status = 200, description = "the same photo was sent before: nothing new is stored", body = PhotoOut),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn add_photo(
    api: Api,
    id: web::Path<i64>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (vid, user, actor) = (*id, api.user.clone(), api.actor());
    // The right before the body: a reader who may not add a photo hears so
    // whatever they send.
    let reader = user.clone();
    let may = api
        .db(move |c| {
            let (household, _) =
                db::households::visit_household(c, vid)?.ok_or(AppError::NotFound)?;
            Ok(app::households::household_access(c, &reader, household)?
                .1
                .can_log_visits)
        })
        .await?;
    if !may {
        return Err(ApiError::Forbidden);
    }
    let bytes = super::body(payload, crate::attachments::MAX_BYTES, "photo").await?;
    let files = api.state.config.data_dir.clone();
    let (photo, already) = api
        .db(move |c| {
            Ok(app::households::add_photo(
                c, &user, &actor, vid, &bytes, &files,
            ))
        })
        .await?
        .map_err(|r| api.rejected(r))?;
    let out = PhotoOut::from(photo);
    if already {
        return Ok(one(&out, None));
    }
    let location = out.url.clone();
    Ok(created(&location, &out, None))
}

/// A visit's photo, to readers of the household's personal details (a
/// reviewer's or administrator's read is logged).
#[utoipa::path(get, path = "/api/v1/visits/{id}/photos/{photo}", tag = "households",
    params(("id" = i64, Path, description = "visit id"), ("photo" = i64, Path, description = "photo id")),
    responses((status = 200, description = "the photo", content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
    )), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_photo(api: Api, path: web::Path<(i64, i64)>) -> ApiResult<HttpResponse> {
    let (vid, pid) = path.into_inner();
    let (user, actor) = (api.user.clone(), api.actor());
    let photo = api
        .db(move |c| {
            let (hid, _) = db::households::visit_household(c, vid)?.ok_or(AppError::NotFound)?;
            let (mut household, access) = household_access(c, &user, hid)?;
            if access.sight == Sight::Masked {
                return Err(AppError::Forbidden);
            }
            if let Some(read) = personal_details(&access, &mut household) {
                db::audit::record_read(c, &actor, &read)?;
            }
            let photos = db::households::photos(c, hid, Some(vid))?;
            photos
                .into_iter()
                .find(|p| p.id == pid)
                .ok_or(AppError::NotFound)
        })
        .await?;
    let files = api.state.config.data_dir.clone();
    let sha = photo.sha256.clone();
    let bytes = web::block(move || crate::attachments::load(&files, &sha))
        .await
        .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))?
        .map_err(|_| ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(photo.content_type)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(bytes))
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

/// The task, if the reader may edit it (its owners and those who manage
/// tasks of its unit).
async fn editable(api: &Api, task_id: i64) -> ApiResult<Access> {
    let user = api.user.clone();
    api.db(move |c| Ok(app::tasks::editable::<()>(c, &user, task_id)))
        .await?
        .map_err(|r| api.rejected(r))
}

/// Saves a household (the use case's checks, in its order): 422 on a field
/// or a parcel already recorded, 428 without a version, 412 on an older one.
async fn save(api: &Api, target: Target, body: HouseholdIn) -> ApiResult<Household> {
    let (input, user, actor) = (HouseholdInput::from(body), api.user.clone(), api.actor());
    api.db(move |c| Ok(app::households::save(c, &user, &actor, target, &input)))
        .await?
        .map_err(|r| api.rejected(r))
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
    let body = body.for_whom(&api, move |c, u| may_edit(c, u, hid)).await?;
    let target = Target::Edit {
        household_id: hid,
        version: version(&req),
    };
    let h = save(&api, target, body).await?;
    let version = h.version;
    Ok(one(&HouseholdOut::from(h), Some(version)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every line and answer what would be imported, writing nothing.
    #[serde(default)]
    dry_run: bool,
    /// Leave out lines whose parcel the task already holds (or an earlier
    /// line has).
    #[serde(default)]
    skip_duplicates: bool,
    /// The file's name, kept in the audit log.
    #[param(max_length = 200)]
    file_name: Option<String>,
    /// The file's text numbers use a decimal point (`1,270.8`) rather than
    /// the Vietnamese decimal comma (`1.270,8`), which is the rule otherwise.
    #[serde(default)]
    decimal_point: bool,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// Lines that hold a household.
    lines: usize,
    /// Households saved (or, with `dry_run`, that would be).
    imported: usize,
    /// Lines whose parcel the task already holds or an earlier line has.
    duplicate_lines: Vec<usize>,
    /// Of those, how many were left out (with `skip_duplicates`).
    skipped_duplicates: usize,
    /// Totals (`Tổng cộng`), section titles and column-number rows, not
    /// households.
    skipped_lines: Vec<usize>,
    /// Blank lines under the header.
    blank_lines: usize,
    /// Headers of columns that fill nothing.
    ignored_columns: Vec<String>,
    /// The encoding a CSV was converted from (`Windows-1258`, `TCVN3`, `VNI`).
    converted_from: Option<String>,
    /// Text cells converted from TCVN3 or VNI.
    converted_cells: usize,
    dry_run: bool,
}

/// Imports a household list: the body is the sheet itself, CSV (`text/csv`:
/// UTF-8, Windows-1258, TCVN3 or VNI, separated by commas, semicolons or
/// tabs) or XLSX/ODS (`application/octet-stream`; the first sheet), laid
/// out as the page's import takes it: title rows above the header, a
/// two-level merged header, totals and section rows (skipped and listed).
/// Text numbers are Vietnamese (`1.270,8`) unless `decimal_point`. At most
/// 200,000 rows, 64 columns, 5,000 characters a cell. Every line is checked by the household form; if any fails,
/// nothing is imported and the 422 names each field as
/// `lines.<line>.<field>`. Otherwise all lines are added in one transaction.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/households/import", tag = "households",
    params(("id" = i64, Path, description = "task id"), ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/octet-stream"),
    ), description = "the sheet, at most 5 MB"),
    responses(
        (status = 201, body = ImportOut, description = "imported"),
        (status = 200, body = ImportOut, description = "checked (dry_run)"),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn import_households(
    api: Api,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let access = editable(&api, *id).await?;
    // The right before the options: read once it is known.
    let q = web::Query::<ImportQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let file = q
        .file_name
        .clone()
        .map(|n| n.replace('\0', ""))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "api".into());
    if file.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "file_name is over 200 characters".into(),
        ));
    }
    let bytes = super::body(payload, MAX_UPLOAD, "file").await?;
    let file_error = |key: &str| {
        let mut e = FieldErrors::default();
        e.add("file", key);
        api.invalid(e)
    };
    if bytes.is_empty() {
        return Err(file_error("import-error-no-file"));
    }
    let tid = access.task.id;
    let existing = api
        .db(move |c| Ok(db::households::parcels_of_task(c, tid)?))
        .await?;
    let options = ImportOptions {
        decimal: if q.decimal_point {
            DecimalSign::Point
        } else {
            DecimalSign::Comma
        },
    };
    let report = check_off_the_pages(&api.state, file.clone(), bytes, existing, options)
        .await?
        .map_err(file_error)?;
    if report.bad_count > 0 {
        return Err(api.invalid(report.field_errors()));
    }
    let duplicate_lines = report.duplicate_lines();
    let lines = report.households();
    let out = |imported: usize, skipped_duplicates: usize, dry_run: bool| ImportOut {
        lines,
        imported,
        duplicate_lines: duplicate_lines.clone(),
        skipped_duplicates,
        skipped_lines: report.skipped.iter().map(|(l, _)| *l).collect(),
        blank_lines: report.blank,
        ignored_columns: report.ignored.clone(),
        converted_from: report.reading.encoding.map(str::to_string),
        converted_cells: report.reading.legacy_cells.iter().map(|(_, n)| n).sum(),
        dry_run,
    };
    if q.dry_run {
        let skipped = if q.skip_duplicates {
            duplicate_lines.len()
        } else {
            0
        };
        return Ok(HttpResponse::Ok().json(out(lines - skipped, skipped, true)));
    }
    let answer = out(0, 0, false);
    let rows: Vec<db::households::ImportRow> = report
        .good
        .into_iter()
        .map(|g| db::households::ImportRow {
            fields: g.fields,
            amounts: g.amounts,
        })
        .collect();
    let (task, actor, skip, uid) = (access.task, api.actor(), q.skip_duplicates, api.user.id);
    let done = api
        .db(move |c| {
            db::audit::write(c, &actor, |c| {
                import_rows(c, &task, &file, &rows, skip, uid)
            })
        })
        .await?;
    let out = ImportOut {
        imported: done.saved,
        skipped_duplicates: done.skipped_duplicates,
        ..answer
    };
    Ok(created(
        &format!("/api/v1/tasks/{tid}/households"),
        &out,
        None,
    ))
}

/// May the reader edit the household (those who may edit its task)?
pub(super) fn may_edit(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    household_id: i64,
) -> crate::error::AppResult<bool> {
    Ok(app::households::household_access(c, u, household_id)?
        .1
        .can_edit)
}
