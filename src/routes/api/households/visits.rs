//! A household's visits, logged by the people on its task (from a phone
//! too: a visit sent twice under one device id is stored once), and their
//! photos.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app;
use crate::app::households::{household_access, PhotoOf, VisitInput};
use crate::db;
use crate::db::households::{DeviceVisit, Place};
use crate::domain::households::Sight;
use crate::domain::validate::FieldErrors;
use crate::error::AppError;
use crate::routes::api::{created, one, page, Api, ApiError, ApiJson, ApiResult, PageQuery};

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
    let hid = *id;
    // Newest first: a cursor names the last visit seen; the page goes on
    // after it in the same order.
    let (history, mut photos) = api
        .read(move |c, user| {
            let (_, access) = household_access(c, user, hid)?;
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
    let files = api.state.config.data_dir.clone();
    let logged = api
        .call(move |c, who| app::households::log_visit(c, who, hid, &input, &files))
        .await?;
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
    let vid = *id;
    // The right before the body: a reader who may not add a photo hears so
    // whatever they send.
    let may = api
        .read(move |c, reader| {
            let (household, _) =
                db::households::visit_household(c, vid)?.ok_or(AppError::NotFound)?;
            Ok(app::households::household_access(c, reader, household)?
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
        .call(move |c, who| app::households::add_photo(c, who, vid, &bytes, &files))
        .await?;
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
    let photo = api
        .call(move |c, who| app::households::photo(c, who, PhotoOf::Visit(vid), pid))
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
