//! CSRF protection for every state-changing request, checked in one middleware
//! so that no form can forget it: the synchronizer token kept in the session
//! must come back in the `_csrf` form field (urlencoded bodies), the
//! `_csrf` query parameter (multipart uploads) or the `X-CSRF-Token` header.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use crate::error::AppError;

pub const FIELD: &str = "_csrf";
const HEADER: &str = "x-csrf-token";

pub use crate::token::new_token;

/// Constant-time comparison, so the token cannot be guessed byte by byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn from_query(req: &ServiceRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v)
}

fn from_form(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v)
}

/// Paths that are not browser forms: the health check answers GET only, and the
/// JSON API authenticates with tokens, not cookies.
fn exempt(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Refusals are returned as responses, not errors, so the error-page
/// middleware outside this one can dress them.
pub async fn guard<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !exempt(req.path()) {
        let expected = super::session::stored_csrf_token(&req.get_session());
        let mut sent = req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| from_query(&req));
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if sent.is_none() && is_form {
            // Read the body to find the field, then hand it back for the handler.
            let body = match req.extract::<Bytes>().await {
                Ok(body) => body,
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            };
            sent = from_form(&body);
            req.set_payload(Payload::from(body));
        }
        let ok = matches!((&expected, &sent), (Some(e), Some(s)) if same(e, s));
        if !ok {
            tracing::warn!(path = %req.path(), "CSRF token missing or wrong");
            return Ok(req.error_response(AppError::Csrf).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_form_fields() {
        assert_eq!(from_form(b"name=x&_csrf=abc&y=2").as_deref(), Some("abc"));
        assert_eq!(from_form(b"name=x"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert!(same(&t, &t.clone()));
        assert!(!same(&t, &new_token()));
        assert!(!same(&t, &t[..63]));
    }
}
