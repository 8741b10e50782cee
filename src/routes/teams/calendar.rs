//! A team's month calendar, its schedule feed, and its figures by commune.

use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::db::{self, teams as tdb};
use crate::domain::desk::{self, ShiftStatus};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::desk::{calendar_feed, CalendarEvent, IcsQuery};

use super::load;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MonthQuery {
    month: String,
}

pub(super) async fn calendar(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let today = format::today();
    let (year, month) = q
        .month
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .unwrap_or((today.year(), today.month()));
    let weeks = desk::month_weeks(year, month);
    let (Some(first), Some(last)) = (weeks.first().map(|w| w[0]), weeks.last().map(|w| w[6]))
    else {
        return Err(AppError::NotFound);
    };
    let tid = a.team.id;
    let rounds = ctx
        .db(move |conn| Ok(tdb::rounds(conn, tid, first, last)?))
        .await?;
    let grid: Vec<Value> = weeks
        .iter()
        .map(|w| {
            json!(w
                .iter()
                .map(|d| json!({
                    "day": d.day(),
                    "other_month": d.month() != month,
                    "today": *d == today,
                    "rounds": rounds.iter().filter(|(r, _)| r.on_date == *d).map(|(r, unit)| json!({"r": r, "unit": unit})).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>())
        })
        .collect();
    let shift = |delta: i32| {
        let m = (year * 12 + month as i32 - 1) + delta;
        format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
    };
    ctx.render(
        "teams/calendar",
        json!({
            "title": i18n::t_args(ctx.locale, "teams-calendar-title", &[("month", format!("{month:02}/{year}"))]),
            "t": a.team,
            "weeks": grid,
            "prev": shift(-1),
            "next": shift(1),
            "days": (1..=7).map(|d| format!("weekday-{d}")).collect::<Vec<_>>(),
        }),
    )
}

pub(super) async fn schedule_ics(
    state: web::Data<crate::state::AppState>,
    id: web::Path<i64>,
    q: web::Query<IcsQuery>,
) -> AppResult<HttpResponse> {
    if state.links.verify("team", &q.key) != Some(*id) {
        return Err(AppError::NotFound);
    }
    let tid = *id;
    let (team, rounds) = db::run(&state.pool, move |conn| {
        let team = tdb::find(conn, tid)?;
        let rounds = tdb::rounds(conn, tid, team.period_from, team.period_to)?;
        Ok((team, rounds))
    })
    .await?;
    let events: Vec<CalendarEvent> = rounds
        .iter()
        .filter(|(r, _)| r.status != ShiftStatus::Cancelled.as_str())
        .map(|(r, unit)| {
            let end = desk::parse_time(&r.start_time)
                .map(|t| (t + chrono::Duration::hours(2)).format("%H:%M").to_string())
                .unwrap_or_default();
            CalendarEvent {
                uid: format!("support-round-{}@danvan", r.id),
                summary: format!(
                    "{} — {}",
                    team.name,
                    i18n::t(i18n::Locale::Vi, &format!("round-kind-{}", r.kind))
                ),
                location: format!("{}, {unit}", r.place),
                date: r.on_date,
                start: r.start_time.clone(),
                end,
            }
        })
        .collect();
    Ok(calendar_feed(&team.name, &events))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FiguresQuery {
    from: String,
    to: String,
}

pub(super) async fn figures(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let from = format::parse_date(&q.from).unwrap_or(a.team.period_from);
    let to = format::parse_date(&q.to).unwrap_or(a.team.period_to);
    let tid = a.team.id;
    let rows = ctx
        .db(move |conn| Ok(tdb::figures(conn, tid, from, to)?))
        .await?;
    let mut total = tdb::CommuneFigures::default();
    for r in &rows {
        total.rounds += r.rounds;
        total.held += r.held;
        total.attendance += r.attendance;
        for (t, h) in total.helped.iter_mut().zip(r.helped) {
            *t += h;
        }
        total.dossiers_prepared += r.dossiers_prepared;
        total.dossiers_online += r.dossiers_online;
    }
    let chart = crate::routes::dashboard::bar_chart(
        &rows
            .iter()
            .map(|r| {
                (
                    r.unit_name.clone(),
                    r.helped_total() as f64,
                    format::number(r.helped_total()),
                )
            })
            .collect::<Vec<_>>(),
    );
    let view = |r: &tdb::CommuneFigures| json!({"f": r, "helped_total": r.helped_total()});
    ctx.render(
        "teams/figures",
        json!({
            "title": i18n::t(ctx.locale, "teams-figures-title"),
            "t": a.team,
            "from": format::date(from),
            "to": format::date(to),
            "rows": rows.iter().map(view).collect::<Vec<_>>(),
            "total": view(&total),
            "chart": chart,
            "groups": PriorityGroup::ALL.iter().map(|g| format!("priority-{}", g.as_str())).collect::<Vec<_>>(),
        }),
    )
}
