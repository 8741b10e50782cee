//! `/api/v1`: JSON over the same rules as the pages. Handlers check rights
//! with the same `access` functions and validate with the same form checks
//! as the HTML handlers (a JSON body is turned into the form it corresponds
//! to); what differs is only how a request arrives and an answer leaves.
//! Clients authenticate with a personal token (`Authorization: Bearer dvk_…`),
//! created on the account page; each token is rate limited. Every error is
//! JSON: `{"error": {"code", "message", "fields"}}`.

mod campaigns;
mod desk;
pub(crate) mod docs;
mod households;
mod money;
mod parcels;
mod recommendations;
mod reviews;
mod targets;
mod tasks;
mod teams;
mod units;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use governor::clock::{Clock, DefaultClock};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::app::{Rejected, Version, Versioned};
use crate::context::CurrentUser;
use crate::db::{self, audit::Actor, DbConnection};
use crate::domain::validate::FieldErrors;
use crate::error::AppError;
use crate::i18n::{self, Locale};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .service(resource("/openapi.json", "GET").route(web::get().to(docs::openapi)))
            .service(resource("/docs", "GET").route(web::get().to(docs::page)))
            .configure(units::configure)
            .configure(tasks::configure)
            .configure(households::configure)
            .configure(money::configure)
            .configure(parcels::configure)
            .configure(reviews::configure)
            .configure(recommendations::configure)
            .configure(targets::configure)
            .configure(campaigns::configure)
            .configure(desk::configure)
            .configure(teams::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound)
            })),
    );
}

/// A resource whose other methods answer 405 with an `Allow` header.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow))
    }))
}

/// An API error: its status, a stable code and an English message; field
/// errors carry a code and a message in the reader's language.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed(&'static str),
    /// Someone saved the resource since the version sent in `If-Match`.
    PreconditionFailed {
        current: String,
    },
    /// An update without `If-Match`.
    PreconditionRequired,
    /// The resource is not in a state that allows this.
    Conflict(String),
    Validation(FieldErrors, Locale),
    RateLimited {
        retry_after: u64,
    },
    Internal(String),
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `precondition_failed`, `precondition_required`,
    /// `conflict`, `validation_failed`, `rate_limited`, `internal`.
    code: &'static str,
    message: String,
    /// Per field (`validation_failed`): its code and a message in the token
    /// owner's language.
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::PreconditionFailed { .. } => "precondition_failed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::Conflict(_) => "conflict",
            ApiError::Validation(..) => "validation_failed",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal(_) => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::BadRequest(m) => format!("The request could not be read: {m}"),
            ApiError::Unauthorized => {
                "A valid API token is required: Authorization: Bearer dvk_…".into()
            }
            ApiError::Forbidden => "Your roles do not allow this.".into(),
            ApiError::NotFound => "No such resource.".into(),
            ApiError::MethodNotAllowed(allow) => format!("Allowed here: {allow}."),
            ApiError::PreconditionFailed { current } => {
                format!("The resource was changed since the version you sent; it is now {current}.")
            }
            ApiError::PreconditionRequired => {
                "Send the version you read in If-Match (the ETag of the GET).".into()
            }
            ApiError::Conflict(m) => m.clone(),
            ApiError::Validation(..) => "Some fields are not valid.".into(),
            ApiError::RateLimited { retry_after } => {
                format!("Too many requests with this token; try again in {retry_after} s.")
            }
            ApiError::Internal(_) => "Something went wrong on the server.".into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Validation(..) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = %e, "API request failed");
        }
        let mut fields = Map::new();
        if let ApiError::Validation(errors, locale) = self {
            for (field, key) in errors.iter() {
                fields.insert(
                    field.clone(),
                    json!({
                        "code": key.strip_prefix("error-").unwrap_or(key),
                        "message": i18n::t(*locale, key),
                    }),
                );
            }
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message(),
                fields,
            },
        };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthorized => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"danvan\""));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, *allow));
            }
            ApiError::RateLimited { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::PreconditionFailed { current } => {
                res.insert_header((header::ETAG, current.as_str()));
            }
            _ => {}
        }
        res.json(body)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                ApiError::NotFound
            }
            AppError::Forbidden | AppError::Csrf => ApiError::Forbidden,
            AppError::LoginRequired { .. } | AppError::Redirect(_) => ApiError::Unauthorized,
            AppError::BadRequest(m) => ApiError::BadRequest(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A request made with a valid token: the token's owner as the pages know a
/// logged-in user (roles and all), within the token's rate.
pub struct Api {
    pub state: web::Data<AppState>,
    pub user: CurrentUser,
    pub ip: String,
    /// Where links point (as in pages and mail).
    pub origin: String,
}

impl FromRequest for Api {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Api, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let ip = state
            .as_ref()
            .map(|s| crate::context::client_ip(req, &s.config))
            .unwrap_or_default();
        let origin = state
            .as_ref()
            .map(|s| crate::context::origin(req, &s.config))
            .unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            let secret = secret
                .filter(|s| !s.is_empty())
                .ok_or(ApiError::Unauthorized)?;
            let found = db::run(&state.pool, move |conn| {
                let Some(token) = db::api_tokens::authenticate(conn, &secret)? else {
                    return Ok(None);
                };
                let Some((user, grants)) = db::users::with_grants(conn, token.user_id)? else {
                    return Ok(None);
                };
                Ok(user
                    .active
                    .then(|| (token.id, CurrentUser::new(user, grants))))
            })
            .await?;
            let (token_id, user) = found.ok_or(ApiError::Unauthorized)?;
            if let Err(not_until) = state.api_limiter.check_key(&token_id) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(ApiError::RateLimited {
                    retry_after: wait.as_secs().max(1),
                });
            }
            Ok(Api {
                state,
                user,
                ip,
                origin,
            })
        })
    }
}

impl Api {
    pub async fn db<F, T>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        Ok(db::run(&self.state.pool, f).await?)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            ip: Some(self.ip.clone()),
        }
    }

    /// A 422 with the form checks' field errors, in the owner's language.
    pub fn invalid(&self, errors: FieldErrors) -> ApiError {
        ApiError::Validation(errors, self.user.locale)
    }

    /// What a use case refused, as the API answers it.
    pub fn rejected<C: Versioned>(&self, r: Rejected<C>) -> ApiError {
        match r {
            Rejected::Forbidden => ApiError::Forbidden,
            Rejected::NotFound => ApiError::NotFound,
            Rejected::Invalid(e) => self.invalid(e),
            Rejected::Stale(now) => ApiError::PreconditionFailed {
                current: etag(now.version()),
            },
            Rejected::VersionRequired => ApiError::PreconditionRequired,
            Rejected::NotAllowed(key) => ApiError::Conflict(i18n::t(self.user.locale, key)),
            Rejected::Failed(e) => e.into(),
        }
    }
}

/// A JSON body; a value of the wrong type is reported on its field — but only
/// to a reader who may send it: the right comes before the body, so a reader
/// without it hears 403 (or 404) whatever they sent, never what was wrong
/// with it. A handler takes the body through [`ApiJson::for_whom`].
pub struct ApiJson<T>(Result<T, ApiError>);

impl<T> ApiJson<T> {
    /// The body, if it could be read. If it could not, `may` says whether the
    /// reader has the right to send it at all (read on a connection, as the
    /// use case would): 403 if not, its own answer if it fails (404 for a
    /// record the reader cannot see), the body's fault if they do.
    pub async fn for_whom<F>(self, api: &Api, may: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection, &CurrentUser) -> Result<bool, AppError> + Send + 'static,
    {
        let fault = match self.0 {
            Ok(body) => return Ok(body),
            Err(fault) => fault,
        };
        let user = api.user.clone();
        if api.db(move |c| may(c, &user)).await? {
            Err(fault)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The body, once the handler has itself checked the reader's right.
    pub fn after_access(self) -> ApiResult<T> {
        self.0
    }
}

const BODY_LIMIT: usize = 256 * 1024;

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        Box::pin(async move { Ok(ApiJson(read_json(&mut payload).await)) })
    }
}

/// Reads and types a JSON body: a fault of syntax or size is a 400, a value
/// of the wrong type a 422 on its field.
async fn read_json<T: DeserializeOwned>(payload: &mut Payload) -> Result<T, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(e.to_string()))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::BadRequest("the body is over 256 KB".into()));
        }
        body.extend_from_slice(&chunk);
    }
    let mut value: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    nfc_strings(&mut value);
    // PostgreSQL cannot store a NUL character in text.
    if let Some(path) = nul_at(&value, String::new()) {
        let mut errors = FieldErrors::default();
        errors.add(&path, "error-invalid-value");
        return Err(ApiError::Validation(errors, Locale::default()));
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_data() && path != "." {
                let mut errors = FieldErrors::default();
                errors.add(&path, "error-invalid-value");
                Err(ApiError::Validation(errors, Locale::default()))
            } else {
                Err(ApiError::BadRequest(inner.to_string()))
            }
        }
    }
}

/// Timestamps are stored in UTC without a zone; the API writes them as
/// RFC 3339 (`2026-12-02T09:54:00Z`).
pub fn utc<S: serde::Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format("%Y-%m-%dT%H:%M:%SZ"))
}

pub fn utc_opt<S: serde::Serializer>(
    t: &Option<chrono::NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}

/// Schemas of the fixed lists a body field takes its value from, so the
/// description (and schemathesis) know the choices the forms offer.
pub mod choices {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    use utoipa::openapi::{Array, Object};

    use crate::domain::campaign::{ModelKind, ModelStatus, COMMENDATION_LEVELS};
    use crate::domain::consent::ConsentStage;
    use crate::domain::desk::{Outcome, RoundKind, ShiftStatus};
    use crate::domain::households::{Concern, PriorityGroup, VisitKind};
    use crate::domain::recommendation::Field;
    use crate::domain::review::{CombineRule, RoundStatus};

    fn one_of(values: Vec<&'static str>) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values))
            .build()
    }

    fn many_of(values: Vec<&'static str>) -> Array {
        ArrayBuilder::new().items(one_of(values)).build()
    }

    pub fn stage() -> Object {
        one_of(ConsentStage::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub fn stages() -> Array {
        many_of(ConsentStage::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub fn payment_methods() -> Object {
        use crate::domain::money::PaymentMethod;
        one_of(PaymentMethod::ALL.iter().map(|m| m.as_str()).collect())
    }

    pub fn visit_kind() -> Object {
        one_of(VisitKind::ALL.iter().map(|k| k.as_str()).collect())
    }

    pub fn concerns() -> Array {
        many_of(Concern::ALL.iter().map(|c| c.as_str()).collect())
    }

    pub fn field() -> Object {
        one_of(Field::ALL.iter().map(|f| f.as_str()).collect())
    }

    pub fn model_kind() -> Object {
        one_of(ModelKind::ALL.iter().map(|k| k.as_str()).collect())
    }

    pub fn model_status() -> Object {
        one_of(ModelStatus::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub fn commendation_level() -> Object {
        one_of(COMMENDATION_LEVELS.to_vec())
    }

    pub fn combine_rule() -> Object {
        one_of(CombineRule::ALL.iter().map(|r| r.as_str()).collect())
    }

    pub fn round_status() -> Object {
        one_of(RoundStatus::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub fn shift_action() -> Object {
        one_of(vec![
            "assign", "swap", "accept", "decline", "withdraw", "status",
        ])
    }

    pub fn shift_status() -> Object {
        one_of(ShiftStatus::MARKED.iter().map(|s| s.as_str()).collect())
    }

    pub fn round_kind() -> Object {
        one_of(RoundKind::ALL.iter().map(|k| k.as_str()).collect())
    }

    pub fn outcome() -> Object {
        one_of(Outcome::ALL.iter().map(|o| o.as_str()).collect())
    }

    pub fn priority_groups() -> Array {
        many_of(PriorityGroup::ALL.iter().map(|g| g.as_str()).collect())
    }
}

/// Every string of a JSON body in Unicode NFC, as the pages' forms are
/// (`routes::nfc_form`).
fn nfc_strings(value: &mut Value) {
    use unicode_normalization::{is_nfc, UnicodeNormalization};
    match value {
        Value::String(s) if !is_nfc(s) => *s = s.nfc().collect(),
        Value::Array(items) => items.iter_mut().for_each(nfc_strings),
        Value::Object(map) => map.values_mut().for_each(nfc_strings),
        _ => {}
    }
}

/// Where in a JSON value a string holds a NUL character, as a field path.
fn nul_at(v: &Value, path: String) -> Option<String> {
    let join = |key: &str| match path.as_str() {
        "" => key.to_string(),
        p => format!("{p}.{key}"),
    };
    match v {
        Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { ".".into() } else { path })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                Some(join(k))
            } else {
                nul_at(item, join(k))
            }
        }),
        _ => None,
    }
}

/// `?limit=&cursor=` of every list: up to `limit` items (1–200, 50 by
/// default) after the one the cursor names.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (empty: the first page).
    #[param(pattern = "^[0-9]{0,18}$")]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// (after id, limit), or 400.
    pub fn parse(&self) -> ApiResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::BadRequest("limit must be 1–200".into()));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => 0,
            Some(c) => c
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::BadRequest("unknown cursor".into()))?,
        };
        Ok((after, limit))
    }
}

/// A request's body read whole, refused past `limit` bytes (the rest is
/// never held).
pub async fn body(mut payload: web::Payload, limit: usize, what: &str) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            let mb = limit / (1024 * 1024);
            return Err(ApiError::BadRequest(format!("the {what} is over {mb} MB")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The rows of a page's related records, by the id of the item each
/// belongs to, in the order they came (one query for a whole page, then
/// handed out to its items).
pub fn grouped<T>(rows: Vec<(i64, T)>) -> std::collections::HashMap<i64, Vec<T>> {
    let mut out: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for (key, row) in rows {
        out.entry(key).or_default().push(row);
    }
    out
}

/// A page of a list: the items, and the cursor of the next page (`null` on
/// the last).
pub fn page<T: Serialize>(items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> HttpResponse {
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| id(i).to_string()))
        .flatten();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next_cursor": next}))
}

/// One resource, with its version as the ETag when it has one.
pub fn one<T: Serialize>(item: &T, version: Option<i32>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(v) = version {
        res.insert_header((header::ETAG, etag(v)));
    }
    res.json(item)
}

/// 201 for a resource made at `location`, with its version as the ETag
/// when it has one.
pub fn created<T: Serialize>(location: &str, item: &T, version: Option<i32>) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, location));
    if let Some(v) = version {
        res.insert_header((header::ETAG, etag(v)));
    }
    res.json(item)
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version an update says it was made from, out of `If-Match`.
pub fn version(req: &HttpRequest) -> Version {
    match req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        None => Version::Missing,
        Some(raw) => raw
            .trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse::<i32>()
            .map_or(Version::Unreadable, Version::Given),
    }
}

/// The version an update was made from, out of `If-Match`: 428 without one,
/// 412 when it cannot be a version of ours.
pub fn if_match(req: &HttpRequest, current: i32) -> ApiResult<i32> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::PreconditionRequired)?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map_err(|_| ApiError::PreconditionFailed {
            current: etag(current),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_outside_the_description_are_refused() {
        let q = |limit: Option<i64>, cursor: Option<&str>| PageQuery {
            limit,
            cursor: cursor.map(str::to_string),
        };
        assert_eq!(q(None, None).parse().unwrap(), (0, 50));
        assert_eq!(q(Some(200), Some("")).parse().unwrap(), (0, 200));
        assert_eq!(q(Some(1), Some("42")).parse().unwrap(), (42, 1));
        assert!(q(Some(0), None).parse().is_err());
        assert!(q(Some(201), None).parse().is_err());
        assert!(q(None, Some("-1")).parse().is_err());
        assert!(q(None, Some("abc")).parse().is_err());
    }
}
