//! Statistics per responding body: received, answered, on time, days taken;
//! as a page and as XLSX.

use actix_web::{web, HttpResponse};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::Ctx;
use crate::db::recommendations as rdb;
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::workdays;
use crate::error::AppResult;
use crate::i18n;
use crate::routes::export;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatsQuery {
    from: String,
    to: String,
}

/// One responding body's line in the league table.
#[derive(Serialize, Clone)]
struct BodyLine {
    name: String,
    received: i64,
    answered: i64,
    on_time: i64,
    on_time_percent: Option<i64>,
    median_days: Option<f64>,
    mean_days: Option<f64>,
    overdue_now: i64,
}

/// The default period: the twelve months ending on `to` (from the day
/// after the same date a year before), so that a page opened in January
/// shows last year's answers rather than an empty table.
fn twelve_months_to(to: NaiveDate) -> NaiveDate {
    to.checked_sub_months(Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(to)
}

async fn stat_lines(ctx: &Ctx, q: &StatsQuery) -> AppResult<(NaiveDate, NaiveDate, Vec<BodyLine>)> {
    let user = ctx.user()?;
    let today = format::today();
    let to = format::parse_date(&q.to).unwrap_or(today);
    let from = format::parse_date(&q.from).unwrap_or_else(|| twelve_months_to(to));
    let (recs, cal, names) = ctx
        .db(|conn| {
            let names = rdb::unit_names(conn)?;
            Ok((rdb::all(conn)?, rdb::calendar(conn)?, names))
        })
        .await?;
    let mut by_body: Vec<(i64, Vec<&rdb::Recommendation>)> = Vec::new();
    for (r, from_path, to_path) in &recs {
        if r.raised_on < from || r.raised_on > to {
            continue;
        }
        if !(user.can(Permission::View, from_path) || user.can(Permission::View, to_path)) {
            continue;
        }
        match by_body.iter_mut().find(|(b, _)| *b == r.to_unit_id) {
            Some((_, list)) => list.push(r),
            None => by_body.push((r.to_unit_id, vec![r])),
        }
    }
    let mut lines: Vec<BodyLine> = by_body
        .into_iter()
        .map(|(body, list)| {
            let answered: Vec<&&rdb::Recommendation> =
                list.iter().filter(|r| r.answered_on.is_some()).collect();
            let on_time = answered
                .iter()
                .filter(|r| r.answered_on.is_some_and(|d| d <= r.due_on))
                .count() as i64;
            let mut days: Vec<i64> = answered
                .iter()
                .filter_map(|r| {
                    r.answered_on
                        .map(|d| workdays::working_days_between(&cal, r.raised_on, d))
                })
                .collect();
            let mean =
                (!days.is_empty()).then(|| days.iter().sum::<i64>() as f64 / days.len() as f64);
            BodyLine {
                name: names.get(&body).cloned().unwrap_or_default(),
                received: list.len() as i64,
                answered: answered.len() as i64,
                on_time,
                on_time_percent: (!list.is_empty())
                    .then(|| crate::domain::numbers::percent_of(on_time, list.len() as i64)),
                median_days: workdays::median(&mut days),
                mean_days: mean.map(|m| (m * 10.0).round() / 10.0),
                overdue_now: list
                    .iter()
                    .filter(|r| r.status == rdb::OPEN && r.due_on < today)
                    .count() as i64,
            }
        })
        .collect();
    // Best first: most answered on time, then fewest overdue.
    lines.sort_by(|a, b| {
        b.on_time_percent
            .cmp(&a.on_time_percent)
            .then(a.overdue_now.cmp(&b.overdue_now))
            .then(a.name.cmp(&b.name))
    });
    Ok((from, to, lines))
}

pub(super) async fn stats(ctx: Ctx, q: web::Query<StatsQuery>) -> AppResult<HttpResponse> {
    let (from, to, lines) = stat_lines(&ctx, &q).await?;
    ctx.render(
        "recommendations/stats",
        json!({
            "title": i18n::t(ctx.locale, "rec-stats-title"),
            "from": format::date(from),
            "to": format::date(to),
            "lines": lines,
        }),
    )
}

pub(super) async fn stats_xlsx(ctx: Ctx, q: web::Query<StatsQuery>) -> AppResult<HttpResponse> {
    let (from, to, lines) = stat_lines(&ctx, &q).await?;
    let tr = |k: &str| i18n::t(ctx.locale, k);
    let fail = export::xlsx_error;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    let title = format!(
        "{} ({} – {})",
        tr("rec-stats-title"),
        format::date(from),
        format::date(to)
    );
    let top = export::title_rows(sheet, ctx.locale, &title, "")?;
    let heads = [
        "review-rank",
        "rec-body",
        "rec-received",
        "rec-answered",
        "rec-on-time",
        "rec-median-days",
        "rec-mean-days",
        "rec-overdue-now",
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet
            .write_string_with_format(top, c as u16, tr(h), &bold)
            .map_err(fail)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = top + 1 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).map_err(fail)?;
        sheet.write_string(r, 1, &l.name).map_err(fail)?;
        for (c, v) in [
            (2, l.received),
            (3, l.answered),
            (4, l.on_time),
            (7, l.overdue_now),
        ] {
            sheet.write_number(r, c, v as f64).map_err(fail)?;
        }
        if let Some(m) = l.median_days {
            sheet.write_number(r, 5, m).map_err(fail)?;
        }
        if let Some(m) = l.mean_days {
            sheet.write_number(r, 6, m).map_err(fail)?;
        }
    }
    export::fit(sheet)?;
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!(
            "kien-nghi-{}-{}.xlsx",
            from.format("%Y%m%d"),
            to.format("%Y%m%d")
        ),
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_is_the_last_twelve_months() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(twelve_months_to(d(2026, 1, 5)), d(2025, 1, 6));
        assert_eq!(twelve_months_to(d(2026, 12, 7)), d(2025, 12, 8));
        assert_eq!(twelve_months_to(d(2028, 2, 29)), d(2027, 3, 1));
    }
}
