//! The weekly citizen-support desk: duties, their shifts, the cases recorded
//! on a shift (with the citizen's feedback) and the answers to escalations.
//! Rights and checks are the application layer's (`app::desk`), as for the
//! desk pages.

pub(super) mod cases;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiError, ApiJson, ApiResult, PageQuery};
// The cases' handlers name these as `super::…`, as every API module does.
use super::{choices, docs, utc};
use crate::app;
use crate::app::desk::{duty_access, shift_access, DutyInput, ShiftChangeInput};
use crate::db::desk as ddb;
use crate::domain::access::Permission;
use crate::domain::desk::ShiftStatus;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use cases::{answer_case, create_case, get_case, list_cases};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/desk/duties", "GET, POST")
            .route(web::get().to(list_duties))
            .route(web::post().to(create)),
    )
    .service(
        resource("/v1/desk/duties/{id}", "GET, PUT")
            .route(web::get().to(get_duty))
            .route(web::put().to(update)),
    )
    .service(resource("/v1/desk/duties/{id}/shifts", "GET").route(web::get().to(list_shifts)))
    .service(resource("/v1/desk/shifts/{id}", "GET").route(web::get().to(get_shift)))
    .service(resource("/v1/desk/shifts/{id}/change", "POST").route(web::post().to(change_shift)))
    .service(
        resource("/v1/desk/shifts/{id}/cases", "GET, POST")
            .route(web::get().to(list_cases))
            .route(web::post().to(create_case)),
    )
    .service(resource("/v1/desk/cases/{id}", "GET").route(web::get().to(get_case)))
    .service(resource("/v1/desk/cases/{id}/answer", "POST").route(web::post().to(answer_case)));
}

/// A duty: a weekly desk a unit keeps, its officials taking turns.
#[derive(Serialize, ToSchema)]
pub struct DutyOut {
    id: i64,
    unit_id: i64,
    unit_name: String,
    name: String,
    place: String,
    /// ISO weekday, 1 (Monday) – 7 (Sunday).
    weekday: i32,
    /// `HH:MM`.
    start_time: String,
    end_time: String,
    starts_on: NaiveDate,
    active: bool,
    /// The officials taking turns, in order.
    officials: Vec<Person>,
    /// Send it back in `If-Match` to edit the duty.
    version: i32,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

/// Someone (or a unit) named in a list.
#[derive(Serialize, ToSchema)]
pub struct Person {
    id: i64,
    name: String,
}

impl Person {
    pub fn new(id: i64, name: String) -> Self {
        Person { id, name }
    }
}

impl DutyOut {
    fn new(d: ddb::Duty, unit_name: String, officials: Vec<(i64, String)>) -> Self {
        DutyOut {
            id: d.id,
            unit_id: d.unit_id,
            unit_name,
            name: d.name,
            place: d.place,
            weekday: d.weekday,
            start_time: d.start_time,
            end_time: d.end_time,
            starts_on: d.starts_on,
            active: d.active,
            officials: officials
                .into_iter()
                .map(|(id, name)| Person::new(id, name))
                .collect(),
            version: d.version,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyPage {
    items: Vec<DutyOut>,
    next_cursor: Option<String>,
}

/// The duties of the units the reader sees, by id.
#[utoipa::path(get, path = "/api/v1/desk/duties", tag = "desk",
    params(PageQuery),
    responses((status = 200, body = DutyPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_duties(api: Api, q: web::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let scope = api.user.scope(Permission::View);
    let items = api
        .db(move |c| {
            // One query for the page and one for its officials, however
            // many duties there are.
            let duties = ddb::seen_after(c, &scope, after, limit)?;
            let ids: Vec<i64> = duties.iter().map(|(d, _)| d.id).collect();
            let mut officials = super::grouped(ddb::officials_of_duties(c, &ids)?);
            Ok(duties
                .into_iter()
                .map(|(d, unit_name)| {
                    let o = officials.remove(&d.id).unwrap_or_default();
                    DutyOut::new(d, unit_name, o)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(page(items, limit, |d| d.id))
}

/// One duty (its officials see it too); its version is the ETag.
#[utoipa::path(get, path = "/api/v1/desk/duties/{id}", tag = "desk",
    params(("id" = i64, Path, description = "duty id")),
    responses((status = 200, body = DutyOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_duty(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let (out, version) = duty_now(&api, *id).await?;
    Ok(one(&out, Some(version)))
}

/// A duty as a manager sets it: the duty form's fields.
#[derive(Deserialize, ToSchema)]
pub struct DutyIn {
    /// The unit keeping the desk (fixed once set).
    unit_id: i64,
    name: String,
    place: String,
    /// ISO weekday, 1 (Monday) – 7 (Sunday).
    #[schema(minimum = 1, maximum = 7)]
    weekday: i32,
    /// `HH:MM`.
    start_time: String,
    end_time: String,
    starts_on: NaiveDate,
    #[serde(default = "yes")]
    active: bool,
    /// People of the unit (or above it), in turn order.
    officials: Vec<i64>,
}

fn yes() -> bool {
    true
}

impl From<DutyIn> for DutyInput {
    fn from(d: DutyIn) -> DutyInput {
        DutyInput {
            unit_id: Some(d.unit_id),
            name: d.name,
            place: d.place,
            weekday: Some(i64::from(d.weekday)),
            start_time: d.start_time,
            end_time: d.end_time,
            starts_on: Some(d.starts_on),
            active: d.active,
            officials: d.officials,
            unread: FieldErrors::default(),
        }
    }
}

/// The duty as it now is, with its version as the ETag.
async fn duty_now(api: &Api, did: i64) -> ApiResult<(DutyOut, i32)> {
    let a = api.read(move |c, user| duty_access(c, user, did)).await?;
    let version = a.duty.version;
    Ok((DutyOut::new(a.duty, a.unit.name, a.officials), version))
}

/// Sets up a duty for a unit the reader manages, with its rota planned for
/// the coming weeks.
#[utoipa::path(post, path = "/api/v1/desk/duties", tag = "desk",
    request_body = DutyIn,
    responses((status = 201, body = DutyOut, headers(("Location" = String), ("ETag" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create(api: Api, body: ApiJson<DutyIn>) -> ApiResult<HttpResponse> {
    let body = body.for_task_managers(&api).await?;
    let input = DutyInput::from(body);
    let duty = api
        .call(move |c, who| app::desk::set_up(c, who, &input))
        .await?;
    let (out, version) = duty_now(&api, duty.id).await?;
    Ok(created(
        &format!("/api/v1/desk/duties/{}", duty.id),
        &out,
        Some(version),
    ))
}

/// Edits a duty (the unit's managers; its unit stays). `If-Match` carries
/// the version read: 412 if someone saved since.
#[utoipa::path(put, path = "/api/v1/desk/duties/{id}", tag = "desk",
    params(("id" = i64, Path, description = "duty id"),
        ("If-Match" = String, Header, description = "the version the edit was made from")),
    request_body = DutyIn,
    responses((status = 200, body = DutyOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<DutyIn>,
) -> ApiResult<HttpResponse> {
    let (did, version) = (*id, version(&req));
    let body = body
        .for_whom(&api, move |c, u| {
            Ok(app::desk::duty_access(c, u, did)?.manage)
        })
        .await?;
    let input = DutyInput::from(body);
    api.call(move |c, who| app::desk::edit(c, who, did, version, &input))
        .await?;
    let (out, now) = duty_now(&api, did).await?;
    Ok(one(&out, Some(now)))
}

/// A shift of a duty: a day, the official on it, and how it went.
#[derive(Serialize, ToSchema)]
pub struct ShiftOut {
    id: i64,
    duty_id: i64,
    on_date: NaiveDate,
    official_id: i64,
    official_name: String,
    /// `planned`, `held`, `cancelled`, or `missed`: a shift still planned
    /// once its day has passed (never stored, nor sent).
    status: String,
    note: String,
    /// While a swap is open: the official who asked, why, and the colleague
    /// asked to take the shift (who accepts or declines it).
    swap_requested_by: Option<i64>,
    swap_reason: Option<String>,
    swap_with: Option<i64>,
    /// Cases recorded on it.
    cases: i64,
    version: i32,
}

impl From<ddb::ShiftRow> for ShiftOut {
    fn from(r: ddb::ShiftRow) -> Self {
        let s = r.shift;
        ShiftOut {
            id: s.id,
            duty_id: s.duty_id,
            on_date: s.on_date,
            official_id: s.official_id,
            official_name: r.official_name,
            status: ShiftStatus::shown(&s.status, s.on_date, format::today())
                .as_str()
                .to_string(),
            note: s.note,
            swap_requested_by: s.swap_requested_by,
            swap_reason: s.swap_reason,
            swap_with: s.swap_with,
            cases: r.cases,
            version: s.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShiftPage {
    items: Vec<ShiftOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftFilter {
    /// The first day (today when left out).
    from: Option<NaiveDate>,
    /// The last day (eight weeks after `from` when left out); at most a
    /// year after `from`.
    to: Option<NaiveDate>,
}

/// The duty's shifts between two days, by date.
#[utoipa::path(get, path = "/api/v1/desk/duties/{id}/shifts", tag = "desk",
    params(("id" = i64, Path, description = "duty id"), PageQuery, ShiftFilter),
    responses((status = 200, body = ShiftPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_shifts(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
    f: web::Query<ShiftFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let from = f.from.unwrap_or_else(format::today);
    let to = f.to.unwrap_or(from + Duration::weeks(8));
    if to < from || (to - from).num_days() > 366 {
        return Err(ApiError::BadRequest(
            "`to` must be on or after `from`, and at most a year later".into(),
        ));
    }
    let did = *id;
    let rows = api
        .read(move |c, user| {
            duty_access(c, user, did)?;
            Ok(ddb::shifts_after(c, did, (from, to), after, limit)?)
        })
        .await?;
    let items: Vec<ShiftOut> = rows.into_iter().map(ShiftOut::from).collect();
    Ok(page(items, limit, |s| s.id))
}

/// One shift; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/desk/shifts/{id}", tag = "desk",
    params(("id" = i64, Path, description = "shift id")),
    responses((status = 200, body = ShiftOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_shift(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let row = shift_now(&api, *id).await?;
    let version = row.shift.version;
    Ok(one(&ShiftOut::from(row), Some(version)))
}

/// A change to a shift: `assign` (a manager puts `official_id`, one of the
/// duty's officials, on it), `swap` (the official on it asks `official_id`,
/// another of the duty's active officials, to take it, with a `reason`),
/// `accept` or `decline` (the colleague asked answers, a decline with an
/// optional `reason`; on accept the shift is theirs), `withdraw` (the asker
/// takes the open request back), `status` (whoever records cases marks it
/// `held` or `cancelled`, with an optional `reason`). A swap is asked and
/// accepted only while the shift is planned and its day has not passed
/// (409 otherwise, or when no request is open); each step is mailed to
/// those concerned.
#[derive(Deserialize, ToSchema)]
pub struct ShiftChangeIn {
    #[schema(schema_with = super::choices::shift_action)]
    action: String,
    #[serde(default)]
    official_id: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    #[schema(schema_with = super::choices::shift_status)]
    status: Option<String>,
}

/// Changes a shift. `If-Match` carries the version read: 412 if someone
/// changed it since.
#[utoipa::path(post, path = "/api/v1/desk/shifts/{id}/change", tag = "desk",
    params(("id" = i64, Path, description = "shift id"),
        ("If-Match" = String, Header, description = "the version read")),
    request_body = ShiftChangeIn,
    responses((status = 200, body = ShiftOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn change_shift(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ApiJson<ShiftChangeIn>,
) -> ApiResult<HttpResponse> {
    let shift = *id;
    // Those who record on the shift, and the colleague a swap is asked of.
    let b = body
        .for_whom(&api, move |c, u| {
            let sa = app::desk::shift_access(c, u, shift)?;
            Ok(sa.records || sa.shift.swap_with == Some(u.id))
        })
        .await?;
    let input = ShiftChangeInput {
        action: b.action,
        official_id: b.official_id,
        reason: b.reason,
        status: b.status.unwrap_or_default(),
    };
    let (sid, version) = (*id, version(&req));
    api.call(move |c, who| app::desk::change_shift(c, who, sid, version, &input))
        .await?;
    let row = shift_now(&api, sid).await?;
    let version = row.shift.version;
    Ok(one(&ShiftOut::from(row), Some(version)))
}

/// The shift as it now is, with its official's name and case count.
async fn shift_now(api: &Api, sid: i64) -> ApiResult<ddb::ShiftRow> {
    api.read(move |c, user| {
        let sa = shift_access(c, user, sid)?;
        let day = sa.shift.on_date;
        let row = ddb::shifts(c, sa.shift.duty_id, day, day)?
            .into_iter()
            .find(|r| r.shift.id == sid)
            .ok_or(crate::error::AppError::NotFound)?;
        Ok(row)
    })
    .await
}
