//! Admin pages for the unit tree: create, rename, move, deactivate.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{after_form, call, options};
use crate::app::admin::{self, UnitForm};
use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::domain::units::{can_move_under, depth, UnitKind};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/units", get().to(index))
        .route("/admin/units", post().to(|ctx, form| save(ctx, None, form)))
        .route("/admin/units/new", get().to(new))
        .route("/admin/units/{id}/edit", get().to(edit))
        .route(
            "/admin/units/{id}",
            post().to(|ctx, id: web::Path<i64>, form| save(ctx, Some(*id), form)),
        )
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

/// Adds a unit, or saves the one `editing` names; refused → the form again
/// with what was typed and its errors.
async fn save(
    ctx: Ctx,
    editing: Option<i64>,
    form: web::Form<UnitForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let input = form.clone();
    let saved = call(&ctx, move |c, who| {
        admin::save_unit(c, who, editing, &input)
    })
    .await?;
    match after_form(&ctx, saved, |_| "/admin/units".into(), |_| json!(null))? {
        Ok(done) => Ok(done),
        Err(again) => render_form(&ctx, editing, &form, Some(again.errors)).await,
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (user, id) = (ctx.user()?.clone(), *id);
    let unit = ctx.db(move |c| admin::managed_unit(c, &user, id)).await?;
    let form = UnitForm {
        parent_id: unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        kind: unit.kind.clone(),
        name: unit.name.clone(),
        code: unit.code.clone().unwrap_or_default(),
    };
    render_form(&ctx, Some(unit.id), &form, None).await
}

async fn set_active(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<super::ActiveForm>,
) -> AppResult<HttpResponse> {
    let (id, active) = (*id, form.active()?);
    let switched = call(&ctx, move |c, who| {
        admin::set_unit_active(c, who, id, active)
    })
    .await?;
    super::admin_users::flash_after(&ctx, switched, "flash-saved", "/admin/units")
}
