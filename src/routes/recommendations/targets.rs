//! A unit's annual targets: planned figures and the actual ones reached.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;

use super::{may_act, unit_options, OptionalFound};
use crate::context::Ctx;
use crate::db::{self, audit, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::targets;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::chosen;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TargetsQuery {
    unit: String,
    year: String,
}

pub(super) async fn targets_page(ctx: Ctx, q: web::Query<TargetsQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::View)?;
    let year = q.year.parse().unwrap_or(format::today().year());
    let unit: Option<i64> = q.unit.parse().ok();
    render_targets(
        &ctx,
        unit,
        year,
        &HashMap::new(),
        &FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The targets page; `values` and `errors` are what was just typed, in the
/// form adding a target or, with `actual_of`, in that target's row.
async fn render_targets(
    ctx: &Ctx,
    unit: Option<i64>,
    year: i32,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    actual_of: Option<i64>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::View);
    let (units, chosen, list, history) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            let chosen = match unit {
                Some(id) => db::units::find(conn, id).optional_found()?,
                None => None,
            };
            let list = match &chosen {
                Some(u) => rdb::targets_of(conn, u.id, year)?,
                None => vec![],
            };
            let history =
                rdb::target_history(conn, &list.iter().map(|t| t.id).collect::<Vec<_>>())?;
            Ok((units, chosen, list, history))
        })
        .await?;
    if let Some(u) = &chosen {
        user.require(Permission::View, &u.path)?;
    }
    let (met, total, exceeded) = targets::summary(
        &list
            .iter()
            .map(|t| (t.planned, t.actual))
            .collect::<Vec<_>>(),
    );
    let manage = chosen.as_ref().is_some_and(|u| may_act(user, &u.path));
    let field = |k: &str| json!({"value": values.get(k).cloned().unwrap_or_default(), "error": errors.get(k)});
    ctx.render_status(
        status,
        "recommendations/targets",
        json!({
            "title": i18n::t(ctx.locale, "targets-title"),
            "year": year,
            "unit": chosen,
            "units": unit_options(&units, &unit.map(|u| u.to_string()).unwrap_or_default()),
            "rows": list.iter().map(|t| json!({
                "tg": t,
                "actual": if actual_of == Some(t.id) { field("actual") } else { json!({"value": "", "error": null}) },
                "has_actual": t.actual.is_some(),
                "standing": targets::standing(t.planned, t.actual),
                "history": history.iter().filter(|h| h.0 == t.id).map(|h| json!({"value": h.1, "on": h.2, "by": h.3})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "summary": {"met": met, "total": total, "exceeded": exceeded},
            "manage": manage,
            "f": {"year": field("year"), "name": field("name"), "planned": field("planned"), "measure": field("measure")},
            "has_errors": !errors.is_empty(),
        }),
    )
}

/// Checks a target as typed: a year near this one, a name, a planned
/// figure, a unit of measure.
pub(in crate::routes) fn check_target(
    year: i32,
    name: &str,
    planned: &str,
    measure: &str,
) -> Result<(String, f64, String), FieldErrors> {
    let mut e = FieldErrors::default();
    if !(2000..=format::today().year() + 5).contains(&year) {
        e.add("year", "error-year");
    }
    let name = e.required("name", name, 300);
    let value = e.decimal("planned", planned);
    if planned.trim().is_empty() {
        e.add("planned", "error-required");
    }
    let measure = e.optional("measure", measure, 50).unwrap_or_default();
    match value.filter(|_| e.is_empty()) {
        Some(planned) => Ok((name, planned, measure)),
        None => Err(e),
    }
}

/// Checks an actual figure as typed.
pub(in crate::routes) fn check_actual(actual: &str) -> Result<f64, FieldErrors> {
    let mut e = FieldErrors::default();
    let value = e.decimal("actual", actual);
    if actual.trim().is_empty() {
        e.add("actual", "error-required");
    }
    value.filter(|_| e.is_empty()).ok_or(e)
}

/// Records the actual figure reached, from `version`; `false` (nothing
/// written) when someone recorded one in between.
pub(in crate::routes) fn save_actual(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    t: &rdb::Target,
    version: i32,
    actual: f64,
    uid: i64,
) -> AppResult<bool> {
    let today = format::today();
    audit::write_if(conn, actor, |c| {
        let ch = rdb::set_actual(c, t, version, actual, today, uid)?;
        Ok((ch.is_some(), ch))
    })
}

pub(super) async fn add_target(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let year: i32 = get("year")
        .parse()
        .map_err(|_| AppError::BadRequest("year".into()))?;
    // A unit that names nothing or no longer works is a field error; one
    // the reader does not act for, a 403.
    let mut e = FieldErrors::default();
    let id = e.id("unit_id", &get("unit_id"));
    let found = ctx
        .db(move |conn| Ok(db::units::find_chosen(conn, id)?))
        .await?;
    let Some(unit) = chosen::unit(&mut e, "unit_id", id, found, |_| true) else {
        return render_targets(
            &ctx,
            None,
            year,
            &values,
            &e,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let unit_id = unit.id;
    if !may_act(user, &unit.path) {
        return Err(AppError::Forbidden);
    }
    let (name, planned, measure) =
        match check_target(year, &get("name"), &get("planned"), &get("measure")) {
            Ok(v) => v,
            Err(e) => {
                return render_targets(
                    &ctx,
                    Some(unit_id),
                    year,
                    &values,
                    &e,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        };
    let actor = ctx.actor();
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            let (_, change) = rdb::add_target(c, unit_id, year, &name, planned, &measure)?;
            Ok(((), change))
        })
    })
    .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/targets?unit={unit_id}&year={year}")))
}

pub(super) async fn set_actual(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let tid = *id;
    let (t, unit) = ctx
        .db(move |conn| {
            let t = rdb::find_target(conn, tid)?;
            let unit = db::units::find(conn, t.unit_id)?;
            Ok((t, unit))
        })
        .await?;
    if !may_act(user, &unit.path) {
        return Err(AppError::Forbidden);
    }
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let Ok(version) = get("version").parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let actual = match check_actual(&get("actual")) {
        Ok(a) => a,
        Err(e) => {
            return render_targets(
                &ctx,
                Some(t.unit_id),
                t.year,
                &values,
                &e,
                Some(t.id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (actor, uid) = (ctx.actor(), user.id);
    let back = format!("/targets?unit={}&year={}", t.unit_id, t.year);
    let saved = ctx
        .db(move |conn| save_actual(conn, &actor, &t, version, actual, uid))
        .await?;
    ctx.flash(
        if saved { "success" } else { "error" },
        if saved {
            "flash-saved"
        } else {
            "error-conflict-saved"
        },
    );
    Ok(ctx.redirect(&back))
}
