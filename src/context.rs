//! What every page handler gets from a request: the state, the session, the
//! language, the logged-in user with their roles, and how to render a page.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::session;
use crate::db::{self, audit::Actor, DbConnection};
use crate::domain::access::{self, Grant, Permission};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::state::AppState;

/// Who runs a use case: the user whose rights it checks, and the actor its
/// audit rows name (that user, from where the request came). It reads as
/// the user: `who.id`, `who.require_anywhere(…)`.
pub struct Caller {
    pub user: CurrentUser,
    pub actor: Actor,
}

impl std::ops::Deref for Caller {
    type Target = CurrentUser;

    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

/// The logged-in user and the roles they hold.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub locale: Locale,
    pub must_change_password: bool,
    pub grants: Vec<Grant>,
    /// The cache versions read with the session, when it was a session's read.
    pub versions: Option<db::audit::Versions>,
}

impl CurrentUser {
    pub fn new(user: db::users::User, grants: Vec<Grant>) -> CurrentUser {
        CurrentUser {
            id: user.id,
            username: user.username,
            full_name: user.full_name,
            locale: Locale::or_default(Some(&user.locale)),
            must_change_password: user.must_change_password,
            grants,
            versions: None,
        }
    }

    pub fn can(&self, perm: Permission, unit_path: &str) -> bool {
        access::allows(&self.grants, perm, unit_path)
    }

    pub fn can_anywhere(&self, perm: Permission) -> bool {
        !self.scope(perm).is_empty()
    }

    /// 403 unless allowed.
    pub fn require(&self, perm: Permission, unit_path: &str) -> AppResult<()> {
        if self.can(perm, unit_path) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_anywhere(&self, perm: Permission) -> AppResult<()> {
        if self.can_anywhere(perm) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn scope(&self, perm: Permission) -> Vec<String> {
        access::scope(&self.grants, perm)
    }

    /// Reads the unit at `path` or a unit inside it (`access::reaches`).
    pub fn reaches(&self, path: &str) -> bool {
        access::reaches(&self.grants, path)
    }

    /// Administers a top unit: sees what belongs to no unit in particular
    /// (the installation's settings, its whole outbox).
    pub fn is_top_admin(&self) -> bool {
        self.scope(Permission::ManageUnits)
            .iter()
            .any(|p| crate::domain::units::depth(p) == 0)
    }

    pub fn require_top_admin(&self) -> AppResult<()> {
        if self.is_top_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

pub struct Ctx {
    pub state: web::Data<AppState>,
    pub session: Session,
    pub locale: Locale,
    current: Option<CurrentUser>,
    pub ip: String,
    /// Path and query of this request, to come back to after logging in.
    pub here: String,
    /// Scheme and host the site is reached at, for absolute links.
    pub origin: String,
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Ctx, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let session = req.get_session();
            let current = load_user(&state, &session).await?;
            if let Some(u) = &current {
                if let Some(span) = req.extensions().get::<tracing_actix_web::RootSpan>() {
                    span.record("user_id", u.id);
                }
            }
            let locale = current
                .as_ref()
                .map(|u| u.locale)
                .unwrap_or_else(|| Locale::or_default(session::lang(&session).as_deref()));
            let ip = client_ip(&req, &state.config);
            let here = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            let origin = origin(&req, &state.config);
            Ok(Ctx {
                origin,
                state,
                session,
                locale,
                current,
                ip,
                here,
            })
        })
    }
}

/// The client's address: the proxy's word for it when it is trusted
/// (`TRUST_PROXY_HEADERS`), otherwise the peer's.
/// Where links in pages and mail point: the configured public URL, or the
/// scheme and host the request came to.
pub fn origin(req: &HttpRequest, config: &crate::config::Config) -> String {
    let conn = req.connection_info();
    config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{}://{}", conn.scheme(), conn.host()))
}

pub fn client_ip(req: &HttpRequest, config: &crate::config::Config) -> String {
    if config.trust_proxy_headers {
        req.connection_info()
            .realip_remote_addr()
            .unwrap_or("unknown")
            .to_string()
    } else {
        req.peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// The session's user if the session is still good: the account is active,
/// its password has not changed since (epoch), the login is not too old, and
/// it has not been logged out of.
async fn load_user(state: &web::Data<AppState>, s: &Session) -> AppResult<Option<CurrentUser>> {
    let Some(su) = session::user(s) else {
        return Ok(None);
    };
    let max_age = chrono::Duration::hours(state.config.session_hours);
    if db::now() - su.auth_at > max_age {
        session::log_out(s);
        return Ok(None);
    }
    let found = db::run(&state.pool, move |conn| {
        let Some(read) = db::users::for_session(conn, su.user_id, &su.sid)? else {
            return Ok(None);
        };
        // Logged out (perhaps on another instance) and the cookie replayed.
        if !read.user.active || read.user.session_epoch != su.epoch || read.ended {
            return Ok(None);
        }
        let mut user = CurrentUser::new(read.user, read.grants);
        user.versions = Some(read.versions);
        Ok(Some(user))
    })
    .await?;
    if found.is_none() {
        session::log_out(s);
    }
    Ok(found)
}

impl Ctx {
    /// The logged-in user; otherwise the browser goes to the login page. A user
    /// holding a one-time password is sent to change it first.
    pub fn user(&self) -> AppResult<&CurrentUser> {
        let user = self
            .current
            .as_ref()
            .ok_or_else(|| AppError::LoginRequired {
                next: self.here.clone(),
            })?;
        if user.must_change_password && !self.here.starts_with("/account/password") {
            return Err(AppError::Redirect("/account/password".into()));
        }
        Ok(user)
    }

    pub fn maybe_user(&self) -> Option<&CurrentUser> {
        self.current.as_ref()
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.current.as_ref().map(|u| u.id),
            ip: Some(self.ip.clone()),
        }
    }

    /// The signed-in reader as a use case's caller (401 when signed out).
    pub fn caller(&self) -> AppResult<Caller> {
        Ok(Caller {
            user: self.user()?.clone(),
            actor: self.actor(),
        })
    }

    pub async fn db<F, T>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        db::run(&self.state.pool, f).await
    }

    pub fn flash(&self, kind: &str, key: &str) {
        session::flash(&self.session, kind, key);
    }

    pub fn flash_text(&self, kind: &str, text: &str) {
        session::flash_text(&self.session, kind, text);
    }

    /// "Saved", and on to `to`: what every successful form post answers.
    pub fn saved(&self, to: &str) -> HttpResponse {
        self.flash("success", "flash-saved");
        self.redirect(to)
    }

    pub fn redirect(&self, to: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish()
    }

    pub fn render(&self, template: &str, data: Value) -> AppResult<HttpResponse> {
        self.render_status(StatusCode::OK, template, data)
    }

    /// Renders `template` inside the layout with the page's common fields
    /// (language, CSRF token, user, navigation, flash messages).
    pub fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        data: Value,
    ) -> AppResult<HttpResponse> {
        let mut root = json!({
            "lang": self.locale.code(),
            "csrf": session::csrf_token(&self.session)?,
            "public": false,
            "user": self.current.as_ref().map(|u| json!({"id": u.id, "username": u.username, "full_name": u.full_name})),
            "nav": self.nav(),
            "flashes": session::take_flashes(&self.session),
            "here": self.here,
            "title": Value::Null,
        });
        if let (Some(root), Value::Object(page)) = (root.as_object_mut(), data) {
            root.extend(page);
        }
        let html = self.state.views.render(template, root)?;
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html))
    }

    /// A page the same for every reader (a project's public page): no
    /// session is read or made, no CSRF token, no flash; shared caches may
    /// keep it, and a reader who has the version `etag` names gets a 304.
    pub fn render_public(
        &self,
        if_none_match: Option<&str>,
        etag: &str,
        template: &str,
        data: Value,
    ) -> AppResult<HttpResponse> {
        let tag = format!("\"{etag}\"");
        let cache = "public, max-age=60";
        if if_none_match.is_some_and(|h| etag_matches(h, etag)) {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, tag))
                .insert_header((header::CACHE_CONTROL, cache))
                .finish());
        }
        let mut root = json!({
            "lang": self.locale.code(),
            "public": true,
            "csrf": "",
            "user": Value::Null,
            "nav": [],
            "flashes": [],
            "here": self.here,
            "title": Value::Null,
        });
        if let (Some(root), Value::Object(page)) = (root.as_object_mut(), data) {
            root.extend(page);
        }
        let html = self.state.views.render(template, root)?;
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, cache))
            .insert_header((header::VARY, "Accept-Language, Cookie"))
            .body(html))
    }

    /// Navigation by role: each role sees the entries of its own work (a
    /// field worker: today's visits, their tasks and search), and the
    /// administration entries only where the user administers.
    fn nav(&self) -> Vec<Value> {
        use crate::domain::access::Role::{self, *};
        const WORK: [(&str, &str, &[Role]); 12] = [
            (
                "/",
                "nav-home",
                &[Admin, Committee, WardTeam, Reviewer, Viewer],
            ),
            ("/visits/due", "nav-visits-due", &[Admin, WardTeam]),
            ("/tasks/mine", "nav-my-tasks", &[Admin, Committee, WardTeam]),
            (
                "/dashboard",
                "nav-dashboard",
                &[Admin, Committee, Reviewer, Viewer],
            ),
            ("/tasks", "nav-tasks", &[Admin, Committee, Reviewer, Viewer]),
            ("/reviews", "nav-reviews", &[Admin, Committee, Reviewer]),
            ("/campaigns", "nav-campaigns", &[Admin, Committee, Reviewer]),
            ("/desk", "nav-desk", &[Admin, Committee]),
            ("/teams", "nav-teams", &[Admin, Committee]),
            (
                "/recommendations",
                "nav-recommendations",
                &[Admin, Committee, Reviewer, Viewer],
            ),
            ("/targets", "nav-targets", &[Admin, Committee]),
            (
                "/search",
                "nav-search",
                &[Admin, Committee, WardTeam, Reviewer, Viewer],
            ),
        ];
        let Some(u) = &self.current else {
            return vec![];
        };
        let mut items: Vec<(&str, &str)> = WORK
            .iter()
            .filter(|(_, _, roles)| u.grants.iter().any(|g| roles.contains(&g.role)))
            .map(|(href, key, _)| (*href, *key))
            .collect();
        if items.is_empty() {
            items.push(("/", "nav-home"));
        }
        if u.can_anywhere(Permission::ManageUnits) {
            items.push(("/admin/units", "nav-units"));
        }
        if u.is_top_admin() {
            items.push(("/admin/categories", "nav-categories"));
            items.push(("/admin/rubric", "nav-rubric"));
            items.push(("/admin/model-fields", "nav-model-fields"));
            items.push(("/admin/procedures", "nav-procedures"));
            items.push(("/admin/calendar", "nav-calendar"));
        }
        if u.can_anywhere(Permission::ManageUsers) {
            items.push(("/admin/users", "nav-users"));
        }
        if u.can_anywhere(Permission::ReadAudit) {
            items.push(("/admin/audit", "nav-audit"));
        }
        if u.can_anywhere(Permission::ManageUsers) {
            items.push(("/admin/mail", "nav-mail"));
        }
        let path = self.here.split('?').next().unwrap_or("/");
        // The longest entry that the path falls under is the current one
        // (/tasks/mine, not /tasks).
        let current = items
            .iter()
            .filter(|(href, _)| {
                if *href == "/" {
                    path == "/"
                } else {
                    path == *href || path.starts_with(&format!("{href}/"))
                }
            })
            .max_by_key(|(href, _)| href.len())
            .map(|(href, _)| *href);
        items
            .into_iter()
            .map(|(href, key)| json!({"href": href, "key": key, "active": Some(href) == current}))
            .collect()
    }
}

/// Whether an `If-None-Match` header names the entity tag `etag` (or `*`).
pub fn etag_matches(header: &str, etag: &str) -> bool {
    let tag = format!("\"{etag}\"");
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag.as_str()))
}

#[cfg(test)]
mod etag_tests {
    use super::etag_matches;

    #[test]
    fn only_the_whole_tag_matches() {
        assert!(etag_matches("\"p3-20-vi\"", "p3-20-vi"));
        assert!(etag_matches("\"x\", W/\"p3-20-vi\"", "p3-20-vi"));
        assert!(etag_matches("*", "p3-20-vi"));
        assert!(!etag_matches("\"p13-20-vi\"", "p3-20-vi"));
        assert!(!etag_matches("\"p3-201-vi\"", "p3-20-vi"));
        assert!(!etag_matches("p3-20-vi", "p3-20-vi"));
    }
}
