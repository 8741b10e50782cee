//! HTTP routes, one module per area, each with its own `configure`.

mod account;
mod admin_audit;
mod admin_categories;
mod admin_mail;
mod admin_units;
mod admin_users;
pub(crate) mod api;
mod audit_text;
mod campaigns;
use crate::app::chosen;
mod dashboard;
mod desk;
pub(crate) mod documents;
mod errors;
mod export;
mod form;
mod health;
mod home;
mod household_io;
mod households;
mod login;
pub(crate) mod maps;
pub mod metrics;
mod people;
mod public;
mod recommendations;
pub(crate) mod reviews;
pub(crate) mod search;
mod tasks;
mod teams;
mod unit_settings;

use actix_web::dev::Payload;
use actix_web::web;
use actix_web::web::get;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::context::Ctx;
use crate::error::{AppError, AppResult};

pub use errors::error_page;
pub(crate) use form::{
    after_form, allowed, call, edit_version, save_edit, shown, shown_refused, switched, ActiveForm,
    Again, EditForm,
};
pub use form::{conflict_view, form_view};

/// The content security policy of every page: nothing from elsewhere, no
/// inline script or style (a map with tiles widens `img-src`, `maps`).
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{file:.*}", get().to(crate::views::asset))
        .route("/sw.js", get().to(crate::views::root_asset))
        .route("/manifest.webmanifest", get().to(crate::views::root_asset));
    health::configure(cfg);
    metrics::configure(cfg);
    login::configure(cfg);
    account::configure(cfg);
    home::configure(cfg);
    dashboard::configure(cfg);
    search::configure(cfg);
    tasks::configure(cfg);
    household_io::configure(cfg);
    reviews::configure(cfg);
    campaigns::configure(cfg);
    desk::configure(cfg);
    teams::configure(cfg);
    recommendations::configure(cfg);
    households::configure(cfg);
    documents::configure(cfg);
    maps::configure(cfg);
    public::configure(cfg);
    admin_units::configure(cfg);
    admin_users::configure(cfg);
    admin_audit::configure(cfg);
    admin_categories::configure(cfg);
    admin_mail::configure(cfg);
    api::configure(cfg);
    cfg.default_service(web::to(not_found));
}

/// Text with a NUL character is refused at the door: PostgreSQL cannot store
/// it (a query or form carrying one failed with a 500), and no one types it.
/// Queries and form bodies are checked here, JSON bodies by the API.
pub async fn refuse_nul<B: actix_web::body::MessageBody + 'static>(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    fn has_nul(raw: &[u8]) -> bool {
        raw.contains(&0) || raw.windows(3).any(|w| w == b"%00")
    }
    let mut nul = has_nul(req.query_string().as_bytes());
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !nul && is_form {
        let body = match req.extract::<web::Bytes>().await {
            Ok(body) => body,
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
        nul = has_nul(&body);
        let body = if nul { body } else { nfc_form(body) };
        req.set_payload(Payload::from(body));
    }
    if nul {
        let res = if req.path().starts_with("/api/") {
            req.error_response(api::ApiError::BadRequest(
                "text may not contain NUL characters".into(),
            ))
        } else {
            req.error_response(AppError::BadRequest("NUL character in the request".into()))
        };
        return Ok(res.map_into_right_body());
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// A form body whose text is all in Unicode NFC, so that a name typed or
/// pasted in decomposed form (as some phone keyboards and macOS send it) is
/// stored, searched and compared as the same name. Most bodies are already
/// NFC and pass unchanged.
fn nfc_form(body: web::Bytes) -> web::Bytes {
    use unicode_normalization::{is_nfc, UnicodeNormalization};
    // Browsers percent-encode every letter, so the body is ASCII whatever it
    // says; only a body without `%` holds no letter outside ASCII.
    if !body.contains(&b'%') {
        return body;
    }
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return body;
    };
    // A password is compared as it was typed when it was set.
    let kept = |k: &str| k.contains("password");
    if pairs.iter().all(|(k, v)| kept(k) || is_nfc(v)) {
        return body;
    }
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            let v = if kept(&k) { v } else { v.nfc().collect() };
            (k, v)
        })
        .collect();
    serde_urlencoded::to_string(pairs)
        .map(web::Bytes::from)
        .unwrap_or(body)
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The query of a page listed a page at a time and filtered by nothing
/// else: `?page=N`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PageAsked {
    pub page: Option<i64>,
}

/// `?page=N` for listings; pages start at 1.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: Option<i64>, size: i64) -> Page {
        Page {
            // A page past any list is empty, not an overflow.
            number: number.unwrap_or(1).clamp(1, 1_000_000_000),
            size,
        }
    }

    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// This page's items out of all of them (read whole, as when a filter
    /// or an order is computed on them), and how many there were.
    pub fn cut<T>(&self, all: Vec<T>) -> (Vec<T>, i64) {
        let total = all.len() as i64;
        let from = usize::try_from(self.offset().clamp(0, total)).unwrap_or(0);
        let size = usize::try_from(self.size).unwrap_or(0);
        (all.into_iter().skip(from).take(size).collect(), total)
    }

    /// What the pagination partial needs, with links that keep the other query
    /// parameters.
    pub fn view(&self, total: i64, base_query: &[(&str, String)]) -> serde_json::Value {
        let pages = ((total + self.size - 1) / self.size).max(1);
        let link = |n: i64| {
            let mut q: Vec<(&str, String)> = base_query
                .iter()
                .filter(|(k, v)| *k != "page" && !v.is_empty())
                .cloned()
                .collect();
            q.push(("page", n.to_string()));
            format!("?{}", serde_urlencoded::to_string(q).unwrap_or_default())
        };
        let number = crate::domain::format::number;
        serde_json::json!({
            "number": self.number,
            "pages": pages,
            "total": total,
            // As Vietnamese write them: 10.000 items.
            "pages_text": number(pages),
            "total_text": number(total),
            "prev": (self.number > 1).then(|| link(self.number - 1)),
            "next": (self.number < pages).then(|| link(self.number + 1)),
        })
    }
}

/// Options for a `<select>`: value, label, and whether it is chosen.
/// A QR code of `link` as an SVG to put in a page, at least `size` pixels.
pub fn qr_svg(link: &str, size: u32) -> AppResult<String> {
    qrcode::QrCode::new(link.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(size, size)
                .quiet_zone(true)
                .build()
        })
        // Inline in HTML, an SVG has no XML declaration.
        .map(|svg| match svg.find("<svg") {
            Some(start) => svg[start..].to_string(),
            None => svg,
        })
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn options<'a>(
    items: impl IntoIterator<Item = (String, String)> + 'a,
    selected: &str,
) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .map(|(value, label)| {
            let sel = value == selected;
            serde_json::json!({"value": value, "label": label, "selected": sel})
        })
        .collect()
}

/// A unit's name behind a dash for each level below the top ("— — Phường
/// 1"), as the unit lists of forms and filters show it.
pub fn indented(unit: &crate::db::units::Unit) -> String {
    let depth = crate::domain::units::depth(&unit.path);
    format!("{}{}", "— ".repeat(depth), unit.name)
}

/// Units as a select's options, indented by depth.
pub fn unit_options(units: &[crate::db::units::Unit], selected: &str) -> Vec<serde_json::Value> {
    options(
        units.iter().map(|u| (u.id.to_string(), indented(u))),
        selected,
    )
}

/// A local path to go back to after a form, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

/// Reads a form body with repeated keys (multi-selects, checkboxes), which
/// `web::Form` cannot.
pub struct HtmlForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            serde_html_form::from_bytes(&body)
                .map(HtmlForm)
                .map_err(|e| AppError::BadRequest(e.to_string()))
        })
    }
}

/// How a stored file is served: as a download under its name, or shown
/// inline (a photo) as its checked content type.
pub enum Served<'a> {
    Download(&'a str),
    Inline(&'a str),
}

/// A stored file (`attachments`) read off the disk and served; never run as
/// anything but what it is (sandboxed, not cached by shared caches).
pub async fn serve_file(
    ctx: &Ctx,
    sha: &str,
    how: Served<'_>,
) -> AppResult<actix_web::HttpResponse> {
    use actix_web::http::header;
    let (files, sha) = (ctx.state.config.data_dir.clone(), sha.to_string());
    let bytes = web::block(move || crate::attachments::load(&files, &sha))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    let mut r = actix_web::HttpResponse::Ok();
    match how {
        Served::Download(name) => r
            .content_type("application/octet-stream")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store")),
        Served::Inline(content_type) => r
            .content_type(content_type.to_string())
            .insert_header((header::CACHE_CONTROL, "private, max-age=86400")),
    };
    Ok(
        r.insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
            .body(bytes),
    )
}

/// A form posted urlencoded or, when it carries files, as multipart: its
/// text read as `HtmlForm` reads it, its files beside it, and why a file was
/// refused, if one was (the rest of the form is read all the same).
pub struct Submitted<T> {
    pub form: T,
    pub files: Vec<(String, Vec<u8>)>,
    pub refused: Option<&'static str>,
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Submitted<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if !multipart {
            let form = HtmlForm::<T>::from_request(req, payload);
            return Box::pin(async move {
                Ok(Submitted {
                    form: form.await?.0,
                    files: Vec::new(),
                    refused: None,
                })
            });
        }
        let parts = actix_multipart::Multipart::new(req.headers(), payload.take());
        Box::pin(async move {
            let upload = crate::attachments::read(parts)
                .await
                .map_err(|key| AppError::BadRequest(key.into()))?;
            let text = serde_urlencoded::to_string(&upload.pairs)
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let form = serde_html_form::from_str(&text)
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            Ok(Submitted {
                form,
                files: upload.files,
                refused: upload.refused,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/admin/users?page=2")),
            "/admin/users?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_page_cuts_its_items_and_a_page_past_the_end_is_empty() {
        let page = |n| Page::new(Some(n), 2);
        assert_eq!(page(1).cut(vec![1, 2, 3]), (vec![1, 2], 3));
        assert_eq!(page(2).cut(vec![1, 2, 3]), (vec![3], 3));
        assert_eq!(page(3).cut(vec![1, 2, 3]), (vec![], 3));
        assert_eq!(page(i64::MAX).cut(vec![1, 2, 3]), (vec![], 3));
        assert_eq!(Page::new(Some(-5), 2).number, 1);
    }

    #[test]
    fn pagination_links_keep_filters() {
        let v = Page::new(Some(2), 20).view(45, &[("q", "an".into()), ("page", "2".into())]);
        assert_eq!(v["pages"], 3);
        assert_eq!(v["prev"], "?q=an&page=1");
        assert_eq!(v["next"], "?q=an&page=3");
        let first = Page::new(None, 20).view(0, &[]);
        assert_eq!(first["pages"], 1);
        assert!(first["prev"].is_null() && first["next"].is_null());
    }
}
