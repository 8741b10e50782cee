//! The start page after login: who you are, what you may do, where.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
}

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (id, scope) = (user.id, user.scope(Permission::View));
    let (grants, units) = ctx
        .db(move |conn| {
            let grants = db::users::grant_rows(conn, id)?;
            let units = db::units::tree(conn, &scope, false)?;
            Ok((grants, units))
        })
        .await?;
    let units: Vec<_> = units
        .iter()
        .map(|u| json!({"name": u.name, "kind": u.kind, "depth": crate::domain::units::depth(&u.path)}))
        .collect();
    ctx.render(
        "home/index",
        json!({
            "title": i18n::t(ctx.locale, "home-title"),
            "grants": grants,
            "unit_count": units.len(),
            "units": units.into_iter().take(50).collect::<Vec<_>>(),
        }),
    )
}
