//! What a request sends besides its token: a JSON body typed (a wrong value
//! reported on its field), a file's bytes, a list's `limit` and `cursor`,
//! and the version an edit was made from (`If-Match`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::{Api, ApiError, ApiResult};
use crate::app::Version;
use crate::context::CurrentUser;
use crate::db::DbConnection;
use crate::domain::access::Permission;
use crate::domain::validate::FieldErrors;
use crate::error::AppError;
use crate::i18n::Locale;

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
        if api.read(may).await? {
            Err(fault)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The body of what those who manage tasks somewhere set up (a task, a
    /// duty, a team, a campaign, a recommendation): [`ApiJson::for_whom`]
    /// with that right.
    pub async fn for_task_managers(self, api: &Api) -> ApiResult<T> {
        self.for_whom(api, |_, u| Ok(u.can_anywhere(Permission::ManageTasks)))
            .await
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
