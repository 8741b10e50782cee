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

/// Replaces the plain body of an `AppError` response with the error page in the
/// visitor's language. Other responses pass untouched.
pub fn error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let Some(kind) = res.response().extensions().get::<ErrorKind>().copied() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
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
