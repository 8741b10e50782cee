//! The user's own account: profile, language and password.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use std::collections::HashMap;

use serde_json::Value;

use crate::auth::{password, session};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::notify::{Delivery, Kind};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
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
    let id = ctx.user()?.id;
    let mut e = FieldErrors::default();
    let name = e.required("token_name", &form.token_name, 100);
    if !e.is_empty() {
        let shown = Shown {
            token_name: form.token_name.clone(),
            token_errors: e,
            ..Shown::default()
        };
        return render_show(&ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    }
    let actor = ctx.actor();
    let (_, secret) = ctx
        .db(move |conn| audit::write(conn, &actor, |c| Ok(db::api_tokens::create(c, id, &name)?)))
        .await?;
    let shown = Shown {
        new_secret: Some(secret),
        ..Shown::default()
    };
    render_show(&ctx, StatusCode::OK, shown).await
}

/// Revokes one of the user's own tokens; another's is not found.
async fn revoke_token(ctx: Ctx, token: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = ctx.user()?.id;
    let (actor, token) = (ctx.actor(), *token);
    let revoked = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let change = db::api_tokens::revoke(c, id, token)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    ctx.flash("success", "flash-token-revoked");
    Ok(ctx.redirect("/account#tokens"))
}

/// Saves how the user wants each kind of notification; a choice the kind
/// does not allow (switching off a required one) is refused per field.
async fn save_notifications(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let id = ctx.user()?.id;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let mut choices = Vec::new();
    for kind in Kind::ALL {
        match form.get(kind.as_str()).and_then(|v| Delivery::parse(v)) {
            Some(d) if kind.choices().contains(&d) => choices.push((*kind, d)),
            Some(_) if kind.required() => errors.add(kind.as_str(), "notify-error-required"),
            _ => errors.add(kind.as_str(), "error-invalid-choice"),
        }
    }
    if !errors.is_empty() {
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
        return render_show(&ctx, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    }
    let actor = ctx.actor();
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok(((), db::notifications::set_prefs(c, id, &choices)?))
        })
    })
    .await?;
    Ok(ctx.saved("/account#notifications"))
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
