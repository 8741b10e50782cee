//! A unit's annual targets: planned figures and the actual ones reached.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{may_act, recs, unit_options};
use crate::app::{Rejected, Version};
use crate::context::Ctx;
use crate::db::{self, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::targets;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{after_form, options};

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
            let chosen = db::units::find_chosen(conn, unit)?;
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
    let summary = rdb::targets_summary(&list);
    let manage = chosen.as_ref().is_some_and(|u| may_act(user, &u.path));
    let field = |k: &str| json!({"value": values.get(k).cloned().unwrap_or_default(), "error": errors.get(k)});
    let as_of = format::date(recs::default_as_of(year));
    let direction = values.get("direction").map_or("", String::as_str);
    let directions = options(
        targets::Direction::ALL.map(|d| {
            let key = format!("target-direction-{}", d.as_str());
            (d.as_str().to_string(), i18n::t(ctx.locale, &key))
        }),
        direction,
    );
    ctx.render_status(
        status,
        "recommendations/targets",
        json!({
            "title": i18n::t(ctx.locale, "targets-title"),
            "year": year,
            "unit": chosen,
            "units": unit_options(&units, &unit.map(|u| u.to_string()).unwrap_or_default()),
            "rows": list.iter().map(|t| {
                let typed = actual_of == Some(t.id);
                let standing = t.standing();
                json!({
                    "tg": t,
                    "direction": t.direction().as_str(),
                    "actual": if typed { field("actual") } else { json!({"value": "", "error": null}) },
                    "actual_on": if typed { field("actual_on") } else { json!({"value": as_of, "error": null}) },
                    "has_actual": t.actual.is_some(),
                    "standing": standing,
                    "word": targets::word(t.direction(), standing),
                    "history": history.iter().filter(|h| h.0 == t.id).map(|h| json!({"value": h.1, "on": h.2, "by": h.3})).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
            "summary": summary,
            "manage": manage,
            "directions": directions,
            "f": {"year": field("year"), "name": field("name"), "direction": field("direction"), "planned": field("planned"), "planned_max": field("planned_max"), "measure": field("measure")},
            "has_errors": !errors.is_empty(),
        }),
    )
}

pub(super) async fn add_target(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str);
    let year: i32 = get("year")
        .parse()
        .map_err(|_| AppError::BadRequest("year".into()))?;
    let mut unread = FieldErrors::default();
    let input = recs::TargetInput {
        unit_id: unread.typed_id("unit_id", get("unit_id")),
        year,
        name: get("name").to_string(),
        direction: get("direction").to_string(),
        planned: unread.decimal("planned", get("planned")),
        planned_max: match get("planned_max").trim() {
            "" => None,
            raw => unread.decimal("planned_max", raw),
        },
        measure: get("measure").to_string(),
        unread,
    };
    let unit_id = input.unit_id;
    let saved = crate::routes::call(&ctx, move |c, who| recs::set_target(c, who, &input)).await?;
    let to = |t: &rdb::Target| format!("/targets?unit={}&year={}", t.unit_id, t.year);
    match after_form(&ctx, saved, to, |()| Value::Null)? {
        Ok(done) => Ok(done),
        // A unit that names nothing or no longer works is a field error.
        Err(a) => {
            let unit = unit_id.filter(|_| a.errors.get("unit_id").is_none());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_targets(&ctx, unit, year, &values, &a.errors, None, status).await
        }
    }
}

pub(super) async fn set_actual(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let tid = *id;
    let t = ctx.db(move |c| Ok(rdb::find_target(c, tid)?)).await?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str);
    let mut unread = FieldErrors::default();
    let input = recs::ActualInput {
        actual: unread.decimal("actual", get("actual")),
        on: unread.date("actual_on", get("actual_on")),
        unread,
    };
    let version = Version::of_form(get("version"));
    let saved = crate::routes::call(&ctx, move |c, who| {
        recs::record_actual(c, who, tid, version, &input)
    })
    .await?;
    let back = format!("/targets?unit={}&year={}", t.unit_id, t.year);
    // Someone recorded a figure first: the row shows theirs, the field
    // keeps what was typed, to save over it knowingly.
    let (saved, status) = match saved {
        Err(Rejected::Stale(_)) => (
            Err(Rejected::refused("actual", "error-conflict-saved")),
            StatusCode::CONFLICT,
        ),
        other => (other, StatusCode::UNPROCESSABLE_ENTITY),
    };
    match saved {
        Ok(_) => Ok(ctx.saved(&back)),
        Err(Rejected::Invalid(e)) => {
            render_targets(
                &ctx,
                Some(t.unit_id),
                t.year,
                &values,
                &e,
                Some(t.id),
                status,
            )
            .await
        }
        Err(r) => Err(r.into_app_error()),
    }
}
