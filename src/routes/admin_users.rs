//! Admin pages for accounts: create users, edit them, grant and revoke roles
//! per unit, reset passwords, deactivate.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{call, options, Page};
use crate::app::admin::{self, UserForm};
use crate::app::Rejected;
use crate::context::Ctx;
use crate::db;
use crate::domain::access::{Permission, Role};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", get().to(index))
        .route("/admin/users", post().to(create))
        .route("/admin/users/new", get().to(new))
        .route("/admin/users/{id}", get().to(show))
        .route("/admin/users/{id}", post().to(update))
        .route("/admin/users/{id}/edit", get().to(edit))
        .route("/admin/users/{id}/grants", post().to(grant))
        .route("/admin/users/{id}/grants/{grant}/delete", post().to(revoke))
        .route("/admin/users/{id}/password", post().to(reset_password))
        .route("/admin/users/{id}/active", post().to(set_active));
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    page: Option<i64>,
}

async fn index(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUsers)?;
    let scope = user.scope(Permission::ManageUsers);
    let page = Page::new(q.page, PAGE_SIZE);
    let search = Some(q.q.trim().to_string()).filter(|s| !s.is_empty());
    let (rows, total) = ctx
        .db(move |conn| {
            Ok(db::users::list(
                conn,
                &scope,
                search.as_deref(),
                page.offset(),
                page.size,
            )?)
        })
        .await?;
    ctx.render(
        "admin/users/index",
        json!({
            "title": i18n::t(ctx.locale, "users-title"),
            "q": q.q,
            "rows": rows,
            "pagination": page.view(total, &[("q", q.q.clone())]),
        }),
    )
}

/// Units where the user may manage accounts, as select options.
async fn unit_options(ctx: &Ctx, selected: &str) -> AppResult<Vec<serde_json::Value>> {
    let scope = ctx.user()?.scope(Permission::ManageUsers);
    let units = ctx
        .db(move |conn| Ok(db::units::tree(conn, &scope, false)?))
        .await?;
    Ok(super::unit_options(&units, selected))
}

fn role_options(locale: Locale, selected: &str, with_none: bool) -> Vec<serde_json::Value> {
    let none = with_none.then(|| (String::new(), i18n::t(locale, "users-no-role")));
    let roles = Role::ALL.iter().map(|r| {
        (
            r.as_str().to_string(),
            i18n::t(locale, &format!("role-{}", r.as_str())),
        )
    });
    options(none.into_iter().chain(roles), selected)
}

fn locale_options(locale: Locale, selected: &str) -> Vec<serde_json::Value> {
    options(
        Locale::ALL.iter().map(|l| {
            (
                l.code().to_string(),
                i18n::t(locale, &format!("language-{}", l.code())),
            )
        }),
        selected,
    )
}

/// The form, as asked or again (422) with the errors of what was typed.
async fn render_form(
    ctx: &Ctx,
    user_id: Option<i64>,
    form: &UserForm,
    refused: Option<FieldErrors>,
) -> AppResult<HttpResponse> {
    let (status, errors) = super::shown_refused(refused);
    let title_key = if user_id.is_some() {
        "users-edit-title"
    } else {
        "users-new-title"
    };
    ctx.render_status(
        status,
        "admin/users/form",
        json!({
            "title": i18n::t(ctx.locale, title_key),
            "user_id": user_id,
            "action": user_id.map_or("/admin/users".to_string(), |id| format!("/admin/users/{id}")),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "units": unit_options(ctx, &form.unit_id).await?,
            "roles": role_options(ctx.locale, &form.role, true),
            "locales": locale_options(ctx.locale, &form.locale),
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageUsers)?;
    let form = UserForm {
        locale: "vi".into(),
        ..Default::default()
    };
    render_form(&ctx, None, &form, None).await
}

/// Creates the account with a one-time password, shown once on the response
/// page and never stored in clear.
async fn create(ctx: Ctx, form: web::Form<UserForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let input = form.clone();
    match call(&ctx, move |c, who| admin::create_user(c, who, &input)).await? {
        Ok((created, one_time)) => render_show(&ctx, created.id, Some(one_time)).await,
        Err(Rejected::Invalid(errors)) => render_form(&ctx, None, &form, Some(errors)).await,
        Err(other) => Err(other.into_app_error()),
    }
}

async fn managed_user(ctx: &Ctx, id: i64) -> AppResult<db::users::User> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| admin::managed_user(conn, &user, id))
        .await
}

async fn render_show(
    ctx: &Ctx,
    id: i64,
    one_time_password: Option<String>,
) -> AppResult<HttpResponse> {
    let target = managed_user(ctx, id).await?;
    let home_unit = target.unit_id;
    let (grants, unit) = ctx
        .db(move |conn| {
            Ok((
                db::users::grant_rows(conn, id)?,
                db::units::find(conn, home_unit)?,
            ))
        })
        .await?;
    let grants: Vec<_> = grants
        .into_iter()
        .map(|g| json!({"grant": g, "role_key": format!("role-{}", g.role)}))
        .collect();
    let is_self = ctx.user()?.id == id;
    ctx.render(
        "admin/users/show",
        json!({
            "title": target.full_name,
            "target": target,
            "unit": unit,
            "grants": grants,
            "one_time_password": one_time_password,
            "is_self": is_self,
            "units": unit_options(ctx, "").await?,
            "roles": role_options(ctx.locale, "", false),
        }),
    )
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render_show(&ctx, *id, None).await
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let target = managed_user(&ctx, *id).await?;
    let form = UserForm {
        username: target.username,
        full_name: target.full_name,
        email: target.email.unwrap_or_default(),
        locale: target.locale,
        unit_id: target.unit_id.to_string(),
        role: String::new(),
    };
    render_form(&ctx, Some(*id), &form, None).await
}

async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<UserForm>,
) -> AppResult<HttpResponse> {
    let (id, mut form) = (*id, form.into_inner());
    form.role = String::new();
    let input = form.clone();
    let saved = call(&ctx, move |c, who| admin::edit_user(c, who, id, &input)).await?;
    match super::after_form(
        &ctx,
        saved,
        |_| format!("/admin/users/{id}"),
        |_| json!(null),
    )? {
        Ok(done) => Ok(done),
        Err(again) => render_form(&ctx, Some(id), &form, Some(again.errors)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrantForm {
    unit_id: String,
    role: String,
}

/// A use case's answer to an administration page's button: the flash `done`,
/// or the reason it was not allowed as an error flash; on to `back` either way.
pub(super) fn flash_after<T>(
    ctx: &Ctx,
    answer: Result<T, Rejected>,
    done: &str,
    back: &str,
) -> AppResult<HttpResponse> {
    match answer {
        Ok(_) => ctx.flash("success", done),
        Err(Rejected::NotAllowed(key)) => ctx.flash("error", key),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(back))
}

/// Grants a role on a unit where the admin manages users.
async fn grant(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let role = Role::parse(form.role.trim());
    let unit_id = form.unit_id.trim().parse().ok();
    let granted = call(&ctx, move |c, who| {
        admin::grant_role(c, who, id, unit_id, role)
    })
    .await?;
    flash_after(&ctx, granted, "flash-saved", &format!("/admin/users/{id}"))
}

async fn revoke(ctx: Ctx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, grant_id) = path.into_inner();
    let revoked = call(&ctx, move |c, who| {
        admin::revoke_grant(c, who, id, grant_id)
    })
    .await?;
    flash_after(&ctx, revoked, "flash-saved", &format!("/admin/users/{id}"))
}

/// Issues a new one-time password, shown once; the user must change it at next login.
async fn reset_password(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let one_time = call(&ctx, move |c, who| admin::reset_password(c, who, id))
        .await?
        .map_err(Rejected::into_app_error)?;
    render_show(&ctx, id, Some(one_time)).await
}

async fn set_active(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<super::ActiveForm>,
) -> AppResult<HttpResponse> {
    let (id, active) = (*id, form.active()?);
    let switched = call(&ctx, move |c, who| {
        admin::set_user_active(c, who, id, active)
    })
    .await?;
    flash_after(&ctx, switched, "flash-saved", &format!("/admin/users/{id}"))
}
