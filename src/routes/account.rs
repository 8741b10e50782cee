//! The user's own account: profile, language and password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{password, session};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password));
}

async fn show(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let id = user.id;
    let (me, grants) = ctx
        .db(move |conn| Ok((db::users::find(conn, id)?, db::users::grant_rows(conn, id)?)))
        .await?;
    ctx.render(
        "account/show",
        json!({
            "title": i18n::t(ctx.locale, "account-title"),
            "me": me,
            "grants": grants,
        }),
    )
}

fn render_password(ctx: &Ctx, status: StatusCode, errors: &FieldErrors) -> AppResult<HttpResponse> {
    let forced = ctx.maybe_user().is_some_and(|u| u.must_change_password);
    ctx.render_status(
        status,
        "account/password",
        json!({
            "title": i18n::t(ctx.locale, "password-title"),
            "forced": forced,
            "f": super::form_view(&PasswordForm::default(), errors),
            "has_errors": !errors.is_empty(),
        }),
    )
}

async fn password_form(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?;
    render_password(&ctx, StatusCode::OK, &FieldErrors::default())
}

/// Passwords are never sent back to the browser: the view shows errors only.
#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// Changing the password ends every other session of the account.
async fn change_password(ctx: Ctx, form: web::Form<PasswordForm>) -> AppResult<HttpResponse> {
    let user_id = ctx.user()?.id;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    errors.new_password("new", &form.new, "confirm", &form.confirm);
    if form.new == form.current && errors.get("new").is_none() {
        errors.add("new", "error-password-same");
    }
    let actor = ctx.actor();
    let result = ctx
        .db(move |conn| {
            let me = db::users::find(conn, user_id)?;
            if !password::verify(&form.current, &me.password_hash) {
                errors.add("current", "error-password-wrong");
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            let hash = password::hash(&form.new).map_err(|e| AppError::Internal(e.to_string()))?;
            audit::write(conn, &actor, |c| {
                Ok(((), db::users::set_password(c, user_id, &hash, false)?))
            })?;
            Ok(Ok(db::users::find(conn, user_id)?.session_epoch))
        })
        .await?;
    match result {
        Ok(epoch) => {
            session::set_epoch(&ctx.session, epoch)?;
            ctx.flash("success", "flash-password-changed");
            Ok(ctx.redirect("/"))
        }
        Err(errors) => render_password(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &errors),
    }
}
