//! The pages shown for errors, in the visitor's language.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::ErrorKind;
use crate::i18n::{self, Locale};
use crate::state::AppState;

/// Replaces the plain body of an error response with the error page in the
/// visitor's language: an `AppError`'s, and any other plain-text error the
/// framework answers by itself (a body it could not read, say). Under `/api/`
/// such an error gets the API's JSON error body instead. Pages and JSON the
/// app made itself pass untouched.
pub fn error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let made = res.response().extensions().get::<ErrorKind>().copied();
    let kind = match made {
        Some(kind) => kind,
        None if is_plain(res.response().headers()) => {
            if res.request().path().starts_with("/api/") {
                return Ok(ErrorHandlerResponse::Response(api_error(res)));
            }
            ErrorKind::of_status(res.status())
        }
        None => return Ok(ErrorHandlerResponse::Response(res.map_into_left_body())),
    };
    let (req, res) = res.into_parts();
    let locale = Locale::or_default(crate::auth::session::lang(&req.get_session()).as_deref());
    let status = res.status();
    let html = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| {
            let data = json!({
                "lang": locale.code(),
                "title": i18n::t(locale, &format!("error-{}-title", kind.key())),
                "message": i18n::t(locale, &format!("error-{}-text", kind.key())),
                "status": status.as_u16(),
            });
            state.views.render_document("errors/page", data).ok()
        })
        .unwrap_or_else(|| kind.key().to_string());
    let mut new_res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new_res.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res = ServiceResponse::new(req, new_res.map_into_boxed_body());
    Ok(ErrorHandlerResponse::Response(
        res.map_body(|_, b: BoxBody| EitherBody::right(b)),
    ))
}

/// A response with no body type or a plain-text one: what the framework's own
/// errors carry.
fn is_plain(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

/// The API's error body (`{"error": {"code", "message", "fields"}}`) for an
/// error the framework answered in plain text.
fn api_error<B>(res: ServiceResponse<B>) -> ServiceResponse<EitherBody<B, BoxBody>> {
    let (req, res) = res.into_parts();
    let status = res.status();
    let code = match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        429 => "rate_limited",
        s if s >= 500 => "internal",
        _ => "bad_request",
    };
    let message = status.canonical_reason().unwrap_or("error");
    let new_res = HttpResponse::build(status)
        .json(json!({"error": {"code": code, "message": message, "fields": {}}}));
    ServiceResponse::new(req, new_res.map_into_boxed_body())
        .map_body(|_, b: BoxBody| EitherBody::right(b))
}
