//! Admin pages for the unit tree: create, rename, move, deactivate.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::options;
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, units::UnitFields};
use crate::domain::access::Permission;
use crate::domain::units::{can_move_under, depth, UnitKind};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/units", get().to(index))
        .route("/admin/units", post().to(create))
        .route("/admin/units/new", get().to(new))
        .route("/admin/units/{id}/edit", get().to(edit))
        .route("/admin/units/{id}", post().to(update))
        .route("/admin/units/{id}/active", post().to(set_active));
}

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUnits)?;
    let scope = user.scope(Permission::ManageUnits);
    let units = ctx
        .db(move |conn| Ok(db::units::tree(conn, &scope, true)?))
        .await?;
    let rows: Vec<_> = units
        .iter()
        .map(|u| json!({"unit": u, "depth": depth(&u.path)}))
        .collect();
    ctx.render(
        "admin/units/index",
        json!({"title": i18n::t(ctx.locale, "units-title"), "rows": rows}),
    )
}

/// The form's raw values, kept as typed so the form can be shown again.
#[derive(Deserialize, Default, Clone, serde::Serialize)]
#[serde(default)]
struct UnitForm {
    parent_id: String,
    kind: String,
    name: String,
    code: String,
}

/// Checks the form against the rules and the user's reach; parents must be
/// active units where the user may manage units.
fn validate(
    user: &CurrentUser,
    form: &UnitForm,
    parent_path: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<UnitFields> {
    let name = errors.required("name", &form.name, 200);
    let code = errors.optional("code", &form.code, 50);
    let kind = UnitKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.add("kind", "error-invalid-choice");
    }
    let parent_id = if form.parent_id.trim().is_empty() {
        // A top-level unit needs admin over everything that exists at the top.
        if !user
            .scope(Permission::ManageUnits)
            .iter()
            .any(|p| depth(p) == 0)
        {
            errors.add("parent_id", "error-required");
        }
        None
    } else {
        let id = errors.id("parent_id", &form.parent_id);
        match parent_path {
            Some(p) if user.can(Permission::ManageUnits, p) => id,
            _ => {
                errors.add("parent_id", "error-invalid-choice");
                None
            }
        }
    };
    Some(UnitFields {
        parent_id,
        kind: kind?,
        name,
        code,
    })
    .filter(|_| errors.is_empty())
}

/// The form, as asked or again (422) with the errors of what was typed.
async fn render_form(
    ctx: &Ctx,
    unit_id: Option<i64>,
    form: &UnitForm,
    refused: Option<FieldErrors>,
) -> AppResult<HttpResponse> {
    let (status, errors) = super::shown_refused(refused);
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageUnits);
    let all = ctx
        .db(move |conn| Ok(db::units::tree(conn, &scope, false)?))
        .await?;
    // A unit cannot become its own descendant, so those are not offered as parents.
    let own_path = unit_id.and_then(|id| all.iter().find(|u| u.id == id).map(|u| u.path.clone()));
    let parents = all
        .iter()
        .filter(|u| {
            own_path
                .as_deref()
                .is_none_or(|own| can_move_under(own, &u.path))
        })
        .map(|u| (u.id.to_string(), super::indented(u)));
    let kinds = UnitKind::ALL.iter().map(|k| {
        (
            k.as_str().to_string(),
            i18n::t(ctx.locale, &format!("unit-kind-{}", k.as_str())),
        )
    });
    let title_key = if unit_id.is_some() {
        "units-edit-title"
    } else {
        "units-new-title"
    };
    ctx.render_status(
        status,
        "admin/units/form",
        json!({
            "title": i18n::t(ctx.locale, title_key),
            "unit_id": unit_id,
            "action": unit_id.map_or("/admin/units".to_string(), |id| format!("/admin/units/{id}")),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "parents": options(parents, &form.parent_id),
            "kinds": options(kinds, &form.kind),
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    parent: Option<i64>,
}

async fn new(ctx: Ctx, q: web::Query<NewQuery>) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageUnits)?;
    let form = UnitForm {
        parent_id: q.parent.map(|p| p.to_string()).unwrap_or_default(),
        kind: UnitKind::Ward.as_str().into(),
        ..Default::default()
    };
    render_form(&ctx, None, &form, None).await
}

async fn parent_path(ctx: &Ctx, form: &UnitForm) -> AppResult<Option<String>> {
    let Ok(pid) = form.parent_id.trim().parse::<i64>() else {
        return Ok(None);
    };
    ctx.db(move |conn| match db::units::find(conn, pid) {
        Ok(u) if u.active => Ok(Some(u.path)),
        Ok(_) | Err(diesel::result::Error::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    })
    .await
}

async fn create(ctx: Ctx, form: web::Form<UnitForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUnits)?;
    let form = form.into_inner();
    let ppath = parent_path(&ctx, &form).await?;
    let mut errors = FieldErrors::default();
    let Some(fields) = validate(user, &form, ppath.as_deref(), &mut errors) else {
        return render_form(&ctx, None, &form, Some(errors)).await;
    };
    let actor = ctx.actor();
    ctx.db(move |conn| audit::write(conn, &actor, |c| Ok(db::units::create(c, &fields)?)))
        .await?;
    Ok(ctx.saved("/admin/units"))
}

/// The unit, if the user may manage it.
async fn managed_unit(ctx: &Ctx, id: i64) -> AppResult<db::units::Unit> {
    let unit = ctx.db(move |conn| Ok(db::units::find(conn, id)?)).await?;
    ctx.user()?.require(Permission::ManageUnits, &unit.path)?;
    Ok(unit)
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let unit = managed_unit(&ctx, *id).await?;
    let form = UnitForm {
        parent_id: unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        kind: unit.kind.clone(),
        name: unit.name.clone(),
        code: unit.code.clone().unwrap_or_default(),
    };
    render_form(&ctx, Some(unit.id), &form, None).await
}

async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<UnitForm>,
) -> AppResult<HttpResponse> {
    let unit = managed_unit(&ctx, *id).await?;
    let user = ctx.user()?;
    let form = form.into_inner();
    let ppath = parent_path(&ctx, &form).await?;
    let mut errors = FieldErrors::default();
    let fields = validate(user, &form, ppath.as_deref(), &mut errors);
    if let Some(p) = &ppath {
        if !can_move_under(&unit.path, p) {
            errors.add("parent_id", "error-unit-cycle");
        }
    }
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        return render_form(&ctx, Some(unit.id), &form, Some(errors)).await;
    };
    let actor = ctx.actor();
    let uid = unit.id;
    ctx.db(move |conn| audit::write(conn, &actor, |c| Ok(db::units::update(c, uid, &fields)?)))
        .await?;
    Ok(ctx.saved("/admin/units"))
}

async fn set_active(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<super::ActiveForm>,
) -> AppResult<HttpResponse> {
    let unit = managed_unit(&ctx, *id).await?;
    let active = form.active()?;
    let actor = ctx.actor();
    let uid = unit.id;
    let done = ctx
        .db(move |conn| {
            if !active && db::units::active_children(conn, uid)? > 0 {
                return Ok(false);
            }
            audit::write(conn, &actor, |c| Ok(db::units::set_active(c, uid, active)?))?;
            Ok(true)
        })
        .await?;
    if done {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "error-unit-has-active-children");
    }
    Ok(ctx.redirect("/admin/units"))
}
