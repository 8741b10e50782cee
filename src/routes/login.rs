//! Logging in and out, and choosing the interface language.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::safe_next;
use crate::auth::{password, session};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::error::AppResult;
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", get().to(show))
        .route("/login", post().to(submit))
        .route("/logout", post().to(logout))
        .route("/language", post().to(language));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: Option<String>,
    logged_out: Option<String>,
}

async fn show(ctx: Ctx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if ctx.maybe_user().is_some() {
        return Ok(ctx.redirect(&safe_next(q.next.as_deref())));
    }
    if q.logged_out.is_some() {
        ctx.flash("success", "flash-logged-out");
    }
    render(&ctx, StatusCode::OK, "", q.next.as_deref(), None)
}

fn render(
    ctx: &Ctx,
    status: StatusCode,
    username: &str,
    next: Option<&str>,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    ctx.render_status(
        status,
        "auth/login",
        json!({
            "title": i18n::t(ctx.locale, "login-title"),
            "username": username,
            "next": safe_next(next),
            "error": error,
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

enum Outcome {
    Locked,
    Failed,
    Ok { id: i64, epoch: i32, locale: String },
}

async fn submit(ctx: Ctx, form: web::Form<LoginForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let username = form.username.trim().to_lowercase();
    let cfg = &ctx.state.config;
    let since = db::now() - chrono::Duration::minutes(cfg.login_window_minutes);
    let (max_account, max_ip) = (
        cfg.login_max_failures_per_account,
        cfg.login_max_failures_per_ip,
    );
    let ip = ctx.ip.clone();
    let actor = ctx.actor();
    let (name, pw) = (username.clone(), form.password);
    let outcome = ctx
        .db(move |conn| {
            if db::login_attempts::failures_for_account(conn, &name, since)? >= max_account
                || db::login_attempts::failures_from_address(conn, &ip, since)? >= max_ip
            {
                return Ok(Outcome::Locked);
            }
            let user = db::users::find_by_username(conn, &name)?;
            let good = match &user {
                Some(u) => password::verify(&pw, &u.password_hash) && u.active,
                None => {
                    password::verify_dummy(&pw);
                    false
                }
            };
            db::login_attempts::record(conn, &name, &ip, good)?;
            match user {
                Some(u) if good => {
                    audit::write(
                        conn,
                        &audit::Actor {
                            user_id: Some(u.id),
                            ..actor
                        },
                        |c| {
                            db::users::touch_login(c, u.id)?;
                            Ok(((), db::users::about_user(c, "login", u.id, json!({}))?))
                        },
                    )?;
                    Ok(Outcome::Ok {
                        id: u.id,
                        epoch: u.session_epoch,
                        locale: u.locale,
                    })
                }
                _ => Ok(Outcome::Failed),
            }
        })
        .await?;
    match outcome {
        Outcome::Locked => {
            let msg = i18n::t_args(
                ctx.locale,
                "login-locked",
                &[("minutes", cfg.login_window_minutes.to_string())],
            );
            render(
                &ctx,
                StatusCode::TOO_MANY_REQUESTS,
                &username,
                form.next.as_deref(),
                Some(msg),
            )
        }
        Outcome::Failed => {
            tracing::info!(username = %username, "failed login");
            let msg = i18n::t(ctx.locale, "login-failed");
            render(
                &ctx,
                StatusCode::UNAUTHORIZED,
                &username,
                form.next.as_deref(),
                Some(msg),
            )
        }
        Outcome::Ok { id, epoch, locale } => {
            session::log_in(&ctx.session, id, epoch, &locale)?;
            Ok(ctx.redirect(&safe_next(form.next.as_deref())))
        }
    }
}

/// Ends the session everywhere: its id is kept as ended, so the cookie is
/// worth nothing on any instance even if it is replayed, then the cookie is
/// cleared.
async fn logout(ctx: Ctx) -> AppResult<HttpResponse> {
    if let Some(sid) = session::sid(&ctx.session) {
        let expired = db::now() - chrono::Duration::hours(ctx.state.config.session_hours);
        ctx.db(move |conn| Ok(db::sessions::end(conn, &sid, expired)?))
            .await?;
    }
    session::log_out(&ctx.session);
    Ok(ctx.redirect("/login?logged_out=1"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Sets the language for this session and, for a logged-in user, their account.
async fn language(ctx: Ctx, form: web::Form<LanguageForm>) -> AppResult<HttpResponse> {
    let locale = Locale::or_default(Some(&form.lang));
    session::set_lang(&ctx.session, locale.code())?;
    if ctx.maybe_user().is_some_and(|user| user.locale != locale) {
        let kept = super::call(&ctx, move |c, who| {
            crate::app::accounts::set_language(c, who, locale)
        });
        kept.await?.map_err(crate::app::Rejected::into_app_error)?;
    }
    Ok(ctx.redirect(&safe_next(form.next.as_deref())))
}
