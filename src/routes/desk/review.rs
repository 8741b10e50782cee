//! The periodic review of a duty: its figures over a period, as a page and
//! a spreadsheet.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::{load, named, period_label, Access};
use crate::context::Ctx;
use crate::db::{self, desk as ddb};
use crate::domain::desk::{self, Outcome, Period, Rating, ShiftStatus};
use crate::domain::format;
use crate::error::AppResult;
use crate::i18n;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReviewQuery {
    period: String,
}

/// The figures of a duty over a period, as the page and the export show them.
struct ReviewTables {
    period: Period,
    label: String,
    from: NaiveDate,
    to: NaiveDate,
    planned: i64,
    held: i64,
    cancelled: i64,
    /// Planned shifts whose day passed without being held.
    missed: i64,
    /// (procedure, outcome counts in `Outcome::ALL` order, total)
    by_procedure: Vec<(String, Vec<i64>, i64)>,
    escalations_open: i64,
    escalations_closed: i64,
    ratings: Vec<(Rating, i64)>,
    satisfaction: Option<i64>,
}

/// The duty (if the reader sees it) and its figures over `period`.
async fn review_tables(ctx: &Ctx, id: i64, period: &str) -> AppResult<(Access, ReviewTables)> {
    let a = load(ctx, id).await?;
    let p = Period::parse(period).unwrap_or(Period::FirstMonth);
    let (from, to) = p.range(a.duty.starts_on);
    let did = a.duty.id;
    let (s, procedures) = ctx
        .db(move |conn| {
            Ok((
                ddb::summary(conn, did, from, to)?,
                db::lists::desk_procedures::all(conn)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let sum = |rows: &[(String, i64)], key: &str| -> i64 {
        rows.iter().filter(|(x, _)| x == key).map(|(_, n)| n).sum()
    };
    let today = format::today();
    let count = |status: ShiftStatus| {
        let shown = |(stored, on): &(String, NaiveDate)| ShiftStatus::shown(stored, *on, today);
        s.shifts.iter().filter(|x| shown(x) == status).count() as i64
    };
    let by_procedure = procedures
        .iter()
        .map(|p| {
            let counts: Vec<i64> = Outcome::ALL
                .iter()
                .map(|o| {
                    s.cases
                        .iter()
                        .filter(|(pid, out, _)| *pid == p.id && out == o.as_str())
                        .map(|(_, _, n)| n)
                        .sum()
                })
                .collect();
            let total = counts.iter().sum();
            (named(locale, &p.name_vi, &p.name_en), counts, total)
        })
        .filter(|(_, _, total)| *total > 0)
        .collect();
    let ratings: Vec<(Rating, i64)> = Rating::ALL
        .iter()
        .map(|r| (*r, sum(&s.ratings, r.as_str())))
        .collect();
    let (held, cancelled, missed) = (
        count(ShiftStatus::Held),
        count(ShiftStatus::Cancelled),
        count(ShiftStatus::Missed),
    );
    let t = ReviewTables {
        period: p,
        label: period_label(locale, p),
        from,
        to,
        planned: s.shifts.len() as i64,
        held,
        cancelled,
        missed,
        by_procedure,
        escalations_open: s.escalations_open,
        escalations_closed: s.escalations_closed,
        satisfaction: desk::satisfaction_percent(ratings[0].1, ratings[1].1, ratings[2].1),
        ratings,
    };
    Ok((a, t))
}

pub(super) async fn review(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ReviewQuery>,
) -> AppResult<HttpResponse> {
    let (a, t) = review_tables(&ctx, *id, &q.period).await?;
    let locale = ctx.locale;
    let today = format::today();
    ctx.render(
        "desk/review",
        json!({
            "title": i18n::t(locale, "desk-review-title"),
            "d": a.duty,
            "period": q.period,
            "label": t.label,
            "from": t.from,
            "to": t.to,
            "planned": t.planned,
            "held": t.held,
            "cancelled": t.cancelled,
            "missed": t.missed,
            "outcomes": Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "by_procedure": t.by_procedure.iter().map(|(n, c, total)| json!({"name": n, "counts": c, "total": total})).collect::<Vec<_>>(),
            "escalations_open": t.escalations_open,
            "escalations_closed": t.escalations_closed,
            "ratings": t.ratings.iter().map(|(r, n)| json!({"rating": r.as_str(), "n": n})).collect::<Vec<_>>(),
            "satisfaction": t.satisfaction.map(|p| format!("{p}%")),
            "periods": Period::offered(a.duty.starts_on, today).into_iter().map(|p| json!({"code": p.code(), "label": period_label(locale, p), "selected": p.code() == q.period})).collect::<Vec<_>>(),
        }),
    )
}

pub(super) async fn review_xlsx(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ReviewQuery>,
) -> AppResult<HttpResponse> {
    let (a, t) = review_tables(&ctx, *id, &q.period).await?;
    let tr = |k: &str| i18n::t(ctx.locale, k);
    let fail = crate::routes::export::xlsx_error;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    let title = format!(
        "{} — {} ({} – {})",
        a.duty.name,
        t.label,
        format::date(t.from),
        format::date(t.to)
    );
    let top = crate::routes::export::title_rows(sheet, ctx.locale, &title, "")?;
    let facts = [
        (tr("desk-shifts-planned"), t.planned),
        (tr("desk-shifts-held"), t.held),
        (tr("desk-shifts-cancelled"), t.cancelled),
        (tr("desk-shifts-missed"), t.missed),
        (tr("desk-escalations-open"), t.escalations_open),
        (tr("desk-escalations-closed"), t.escalations_closed),
    ];
    let ratings = t.ratings.iter().map(|(rating, n)| {
        let label = tr(&format!("rating-desk-{}", rating.as_str()));
        (label, *n)
    });
    let mut r = top;
    for (label, n) in facts.into_iter().chain(ratings) {
        sheet.write_string(r, 0, label).map_err(fail)?;
        sheet.write_number(r, 1, n as f64).map_err(fail)?;
        r += 1;
    }
    sheet
        .write_string(r, 0, tr("desk-satisfaction"))
        .map_err(fail)?;
    if let Some(p) = t.satisfaction {
        // A number the spreadsheet can add up, shown as a percentage.
        let percent = rust_xlsxwriter::Format::new().set_num_format("0%");
        sheet
            .write_number_with_format(r, 1, p as f64 / 100.0, &percent)
            .map_err(fail)?;
    }
    r += 2;
    let outcomes = Outcome::ALL
        .iter()
        .map(|o| tr(&format!("outcome-desk-{}", o.as_str())));
    let head = std::iter::once(tr("desk-procedure"))
        .chain(outcomes)
        .chain([tr("campaign-total")]);
    for (i, label) in head.enumerate() {
        sheet
            .write_string_with_format(r, i as u16, label, &bold)
            .map_err(fail)?;
    }
    for (name, counts, total) in &t.by_procedure {
        r += 1;
        sheet.write_string(r, 0, name).map_err(fail)?;
        for (i, n) in counts.iter().chain([total]).enumerate() {
            sheet
                .write_number(r, i as u16 + 1, *n as f64)
                .map_err(fail)?;
        }
    }
    crate::routes::export::fit(sheet)?;
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(crate::routes::export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("so-lieu-truc-{}-{}.xlsx", a.duty.id, t.period.code()),
        bytes,
    ))
}
