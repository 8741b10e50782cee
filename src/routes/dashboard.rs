//! The unit dashboard: tasks and household consent rolled up over a unit's
//! subtree, with charts drawn as SVG on the server.

use actix_web::web::get;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::domain::format;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", get().to(show));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Query {
    unit: String,
}

/// A horizontal bar chart 360 units wide (a phone's width): labels on the
/// left, bars scaled to the largest value, the value after each bar.
pub(super) fn bar_chart(rows: &[(String, f64, String)]) -> Value {
    const ROW: f64 = 30.0;
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max);
    let bars: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (label, value, text))| {
            let width = if max > 0.0 {
                (value / max * 160.0).max(2.0)
            } else {
                2.0
            };
            // The label column is 150 units wide: long names are shortened
            // (the table beside every chart has them in full).
            let label = if label.chars().count() > 24 {
                format!("{}…", label.chars().take(23).collect::<String>())
            } else {
                label.clone()
            };
            json!({
                "label": label,
                "text": text,
                "y": i as f64 * ROW + 6.0,
                "text_y": i as f64 * ROW + 21.0,
                "width": format!("{width:.1}"),
                "value_x": format!("{:.1}", 156.0 + width),
            })
        })
        .collect();
    json!({"height": rows.len() as f64 * ROW + 6.0, "bars": bars})
}

async fn show(ctx: Ctx, q: web::Query<Query>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::View)?;
    let full_scope = user.scope(Permission::View);
    let unit_id: Option<i64> = q.unit.trim().parse().ok();
    let today = format::today();
    let scope_for_query = full_scope.clone();
    let state = ctx.state.clone();
    let locale = ctx.locale;
    let known = user.versions;
    let (figures, units, chosen, unit_map) = ctx
        .db(move |conn| {
            let chosen = match unit_id {
                Some(id) => Some(db::units::find(conn, id)?),
                None => None,
            };
            // A unit outside the reader's reach is refused before anything is counted.
            if let Some(u) = &chosen {
                if !scope_for_query
                    .iter()
                    .any(|p| u.path.starts_with(p.as_str()))
                {
                    return Err(AppError::Forbidden);
                }
            }
            let scope = match &chosen {
                Some(u) => vec![u.path.clone()],
                None => scope_for_query.clone(),
            };
            let versions = db::audit::versions(conn, known)?;
            let version = versions.data;
            let key = format!("{today}|{}", scope.join("|"));
            let figures = state
                .figures
                .get_or(key, version, || db::dashboard::figures(conn, &scope, today))?;
            let listed = versions.listing;
            // A unit's tasks' parcels on one map, once a unit is chosen.
            let unit_map = match &chosen {
                Some(u) => super::maps::unit_map(conn, locale, u)?,
                None => None,
            };
            Ok((
                figures,
                state.unit_tree(conn, listed, &scope_for_query)?,
                chosen,
                unit_map,
            ))
        })
        .await?;
    let p = &figures.progress;
    let status_rows: Vec<(String, f64, String)> = figures
        .tasks_by_status
        .iter()
        .map(|(s, n)| {
            (
                i18n::t(locale, &format!("task-status-{s}")),
                *n as f64,
                format::number(*n),
            )
        })
        .collect();
    let stage_rows: Vec<(String, f64, String)> = figures
        .households_by_stage
        .iter()
        .map(|(s, n, _)| {
            (
                i18n::t(locale, &format!("stage-{}", s.as_str())),
                *n as f64,
                format::number(*n),
            )
        })
        .collect();
    let categories: Vec<Value> = figures
        .tasks_by_category
        .iter()
        .map(|(id, vi, en, n)| {
            let name = if locale == Locale::Vi { vi } else { en };
            json!({"id": id, "name": name, "count": n})
        })
        .collect();
    let total_tasks: i64 = figures.tasks_by_status.iter().map(|(_, n)| n).sum();
    ctx.render(
        "dashboard/index",
        json!({
            "title": i18n::t(locale, "dashboard-title"),
            "unit_name": chosen.as_ref().map(|u| u.name.clone()),
            "units": super::unit_options(&units, &q.unit),
            "total_tasks": total_tasks,
            "overdue": figures.overdue,
            "categories": categories,
            "progress": {
                "p": p,
                "consented_percent": p.consented_percent(),
                "area_handed_over_percent": p.area_handed_over_percent(),
            },
            "visits_this_month": figures.visits_this_month,
            "not_visited": figures.not_visited_30_days,
            "status_chart": bar_chart(&status_rows),
            "stage_chart": bar_chart(&stage_rows),
            "unit_map": unit_map.as_ref().and_then(|m| m.as_ref().ok()),
            "unit_map_too_many": unit_map.as_ref().and_then(|m| m.as_ref().err()).map(|n| format::number(*n as i64)),
            "map_legend": super::maps::legend_names(locale),
        }),
    )
}
