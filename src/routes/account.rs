//! The user's own account: profile, language and password.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use std::collections::HashMap;

use serde_json::Value;

use super::call;
use crate::app::{accounts, Rejected};
use crate::auth::session;
use crate::context::Ctx;
use crate::db;
use crate::domain::notify::Kind;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", get().to(show))
        .route("/account/password", get().to(password_form))
        .route("/account/password", post().to(change_password))
        .route("/account/notifications", post().to(save_notifications))
        .route("/account/tokens", post().to(create_token))
        .route("/account/tokens/{id}/revoke", post().to(revoke_token));
}

/// What the account page shows beside its usual content: the notification
/// choices as typed, a token form as typed, a token just created.
#[derive(Default)]
struct Shown {
    typed: Option<HashMap<String, String>>,
    errors: FieldErrors,
    token_name: String,
    token_errors: FieldErrors,
    new_secret: Option<String>,
}

/// One row per kind of notification: the choices allowed and the one made
/// (or typed, when the form comes back with an error).
fn notification_rows(chosen: &HashMap<String, String>, errors: &FieldErrors) -> Vec<Value> {
    Kind::ALL
        .iter()
        .map(|k| {
            let current = chosen
                .get(k.as_str())
                .cloned()
                .unwrap_or_else(|| k.default_delivery().as_str().to_string());
            json!({
                "kind": k.as_str(),
                "required": k.required(),
                "error": errors.get(k.as_str()),
                "choices": k.choices().iter().map(|d| json!({
                    "value": d.as_str(),
                    "checked": d.as_str() == current,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

async fn render_show(ctx: &Ctx, status: StatusCode, shown: Shown) -> AppResult<HttpResponse> {
    let id = ctx.user()?.id;
    let (me, grants, prefs, tokens) = ctx
        .db(move |conn| {
            Ok((
                db::users::find(conn, id)?,
                db::users::grant_rows(conn, id)?,
                db::notifications::prefs(conn, id)?,
                db::api_tokens::list(conn, id)?,
            ))
        })
        .await?;
    let Shown {
        typed,
        errors,
        token_name,
        token_errors,
        new_secret,
    } = shown;
    let chosen = typed.unwrap_or_else(|| {
        Kind::ALL
            .iter()
            .map(|k| {
                let d = k.delivery(prefs.get(k).copied());
                (k.as_str().to_string(), d.as_str().to_string())
            })
            .collect()
    });
    ctx.render_status(
        status,
        "account/show",
        json!({
            "title": i18n::t(ctx.locale, "account-title"),
            "me": me,
            "grants": grants,
            "notifications": notification_rows(&chosen, &errors),
            "has_errors": !errors.is_empty(),
            "tokens": tokens,
            "token_name": super::form_view(&json!({"token_name": token_name}), &token_errors)["token_name"],
            "new_secret": new_secret,
        }),
    )
}

async fn show(ctx: Ctx) -> AppResult<HttpResponse> {
    render_show(&ctx, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    token_name: String,
}

/// Creates a personal API token and shows its secret, this once.
async fn create_token(ctx: Ctx, form: web::Form<TokenForm>) -> AppResult<HttpResponse> {
    let name = form.token_name.clone();
    let shown = match call(&ctx, move |c, who| accounts::create_token(c, who, &name)).await? {
        Ok(secret) => Shown {
            new_secret: Some(secret),
            ..Shown::default()
        },
        Err(Rejected::Invalid(e)) => {
            let shown = Shown {
                token_name: form.into_inner().token_name,
                token_errors: e,
                ..Shown::default()
            };
            return render_show(&ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
        }
        Err(other) => return Err(other.into_app_error()),
    };
    render_show(&ctx, StatusCode::OK, shown).await
}

/// Revokes one of the user's own tokens; another's is not found.
async fn revoke_token(ctx: Ctx, token: web::Path<i64>) -> AppResult<HttpResponse> {
    let token = *token;
    call(&ctx, move |c, who| accounts::revoke_token(c, who, token))
        .await?
        .map_err(Rejected::into_app_error)?;
    ctx.flash("success", "flash-token-revoked");
    Ok(ctx.redirect("/account#tokens"))
}

/// Saves how the user wants each kind of notification; refused → the
/// choices shown again as typed, with their errors.
async fn save_notifications(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let chosen = form.clone();
    let saved = call(&ctx, move |c, who| {
        accounts::set_notifications(c, who, &chosen)
    })
    .await?;
    match saved {
        Ok(()) => Ok(ctx.saved("/account#notifications")),
        Err(Rejected::Invalid(errors)) => {
            let typed = Kind::ALL
                .iter()
                .map(|k| {
                    let v = form.get(k.as_str()).cloned().unwrap_or_default();
                    (k.as_str().to_string(), v)
                })
                .collect();
            let shown = Shown {
                typed: Some(typed),
                errors,
                ..Shown::default()
            };
            render_show(&ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
        Err(other) => Err(other.into_app_error()),
    }
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
    let f = form.into_inner();
    let changed = call(&ctx, move |c, who| {
        accounts::change_password(c, who, &f.current, &f.new, &f.confirm)
    })
    .await?;
    match changed {
        Ok(epoch) => {
            session::set_epoch(&ctx.session, epoch)?;
            ctx.flash("success", "flash-password-changed");
            Ok(ctx.redirect("/"))
        }
        Err(Rejected::Invalid(errors)) => {
            render_password(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &errors)
        }
        Err(other) => Err(other.into_app_error()),
    }
}
