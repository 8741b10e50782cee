//! Admin pages for accounts: create users, edit them, grant and revoke roles
//! per unit, reset passwords, deactivate.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{options, Page};
use crate::auth::password;
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, users::UserFields};
use crate::domain::access::{Permission, Role};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
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

#[derive(Deserialize, Default, Clone, serde::Serialize)]
#[serde(default)]
struct UserForm {
    username: String,
    full_name: String,
    email: String,
    locale: String,
    unit_id: String,
    /// Only when creating: the first role, on the home unit.
    role: String,
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

/// Validates the form; the home unit must be one where the admin manages users.
async fn validate(
    ctx: &Ctx,
    user: &CurrentUser,
    form: &UserForm,
    editing: Option<i64>,
) -> AppResult<Result<(UserFields, Option<Role>), FieldErrors>> {
    let mut errors = FieldErrors::default();
    let username = errors.username("username", &form.username);
    let full_name = errors.required("full_name", &form.full_name, 200);
    let email = errors.email("email", &form.email);
    let locale = match Locale::parse(form.locale.trim()) {
        Some(l) => l.code().to_string(),
        None => {
            errors.add("locale", "error-invalid-choice");
            String::new()
        }
    };
    let role = match form.role.trim() {
        "" => None,
        r => {
            let parsed = Role::parse(r);
            if parsed.is_none() {
                errors.add("role", "error-invalid-choice");
            }
            parsed
        }
    };
    let unit_id = errors.id("unit_id", &form.unit_id);
    let name = username.clone();
    let (taken, unit_path) = ctx
        .db(move |conn| {
            let taken = !name.is_empty() && db::users::username_taken(conn, &name, editing)?;
            let path = match unit_id {
                Some(id) => match db::units::find(conn, id) {
                    Ok(u) if u.active => Some(u.path),
                    Ok(_) | Err(diesel::result::Error::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            Ok((taken, path))
        })
        .await?;
    if taken {
        errors.add("username", "error-username-taken");
    }
    if unit_id.is_some()
        && !unit_path
            .as_deref()
            .is_some_and(|p| user.can(Permission::ManageUsers, p))
    {
        errors.add("unit_id", "error-invalid-choice");
    }
    match unit_id {
        Some(unit_id) if errors.is_empty() => Ok(Ok((
            UserFields {
                username,
                full_name,
                email,
                locale,
                unit_id,
            },
            role,
        ))),
        _ => Ok(Err(errors)),
    }
}

/// Creates the account with a one-time password, shown once on the response
/// page and never stored in clear.
async fn create(ctx: Ctx, form: web::Form<UserForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUsers)?;
    let form = form.into_inner();
    let (fields, role) = match validate(&ctx, user, &form, None).await? {
        Ok(v) => v,
        Err(errors) => return render_form(&ctx, None, &form, Some(errors)).await,
    };
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, admin_id) = (ctx.actor(), user.id);
    let created = ctx
        .db(move |conn| {
            audit::write(conn, &actor, |c| {
                let (created, change) = db::users::create(c, &fields, &hash, true)?;
                if let Some(role) = role {
                    db::users::add_grant(c, created.id, created.unit_id, role, Some(admin_id))?;
                }
                Ok((created, change))
            })
        })
        .await?;
    render_show(&ctx, created.id, Some(one_time)).await
}

async fn managed_user(ctx: &Ctx, id: i64) -> AppResult<db::users::User> {
    let (target, unit) = ctx
        .db(move |conn| {
            let u = db::users::find(conn, id)?;
            let unit = db::units::find(conn, u.unit_id)?;
            Ok((u, unit))
        })
        .await?;
    ctx.user()?.require(Permission::ManageUsers, &unit.path)?;
    Ok(target)
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
    let target = managed_user(&ctx, *id).await?;
    let user = ctx.user()?;
    let mut form = form.into_inner();
    form.role = String::new();
    let (fields, _) = match validate(&ctx, user, &form, Some(target.id)).await? {
        Ok(v) => v,
        Err(errors) => return render_form(&ctx, Some(target.id), &form, Some(errors)).await,
    };
    let actor = ctx.actor();
    let tid = target.id;
    ctx.db(move |conn| audit::write(conn, &actor, |c| Ok(db::users::update(c, tid, &fields)?)))
        .await?;
    Ok(ctx.saved(&format!("/admin/users/{tid}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrantForm {
    unit_id: String,
    role: String,
}

/// Grants a role on a unit where the admin manages users.
async fn grant(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> AppResult<HttpResponse> {
    let target = managed_user(&ctx, *id).await?;
    let user = ctx.user()?;
    let (Some(role), Ok(unit_id)) = (
        Role::parse(form.role.trim()),
        form.unit_id.trim().parse::<i64>(),
    ) else {
        ctx.flash("error", "error-grant-invalid");
        return Ok(ctx.redirect(&format!("/admin/users/{}", target.id)));
    };
    let unit = ctx
        .db(move |conn| Ok(db::units::find(conn, unit_id)?))
        .await;
    let unit = match unit {
        Ok(u) if u.active && user.can(Permission::ManageUsers, &u.path) => u,
        Ok(_) | Err(AppError::Db(diesel::result::Error::NotFound)) => {
            ctx.flash("error", "error-grant-invalid");
            return Ok(ctx.redirect(&format!("/admin/users/{}", target.id)));
        }
        Err(e) => return Err(e),
    };
    let (actor, admin_id, tid) = (ctx.actor(), user.id, target.id);
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok((
                (),
                db::users::add_grant(c, tid, unit.id, role, Some(admin_id))?,
            ))
        })
    })
    .await?;
    Ok(ctx.saved(&format!("/admin/users/{tid}")))
}

async fn revoke(ctx: Ctx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, grant_id) = path.into_inner();
    let target = managed_user(&ctx, id).await?;
    let user = ctx.user()?;
    let tid = target.id;
    let found = ctx
        .db(move |conn| Ok(db::users::find_grant(conn, tid, grant_id)?))
        .await?;
    let Some((role, unit_id, unit_path)) = found else {
        return Err(AppError::NotFound);
    };
    user.require(Permission::ManageUsers, &unit_path)?;
    let actor = ctx.actor();
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok((
                (),
                db::users::remove_grant(c, tid, grant_id, &role, unit_id)?,
            ))
        })
    })
    .await?;
    Ok(ctx.saved(&format!("/admin/users/{tid}")))
}

/// Issues a new one-time password, shown once; the user must change it at next login.
async fn reset_password(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let target = managed_user(&ctx, *id).await?;
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, tid) = (ctx.actor(), target.id);
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok(((), db::users::set_password(c, tid, &hash, true)?))
        })
    })
    .await?;
    render_show(&ctx, tid, Some(one_time)).await
}

async fn set_active(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<super::ActiveForm>,
) -> AppResult<HttpResponse> {
    let target = managed_user(&ctx, *id).await?;
    let active = form.active()?;
    if !active && target.id == ctx.user()?.id {
        ctx.flash("error", "error-deactivate-self");
        return Ok(ctx.redirect(&format!("/admin/users/{}", target.id)));
    }
    let (actor, tid) = (ctx.actor(), target.id);
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok(((), db::users::set_active(c, tid, active)?))
        })
    })
    .await?;
    Ok(ctx.saved(&format!("/admin/users/{tid}")))
}
