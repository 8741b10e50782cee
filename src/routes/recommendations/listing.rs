//! The recommendation list: the rows the reader sees under the list's
//! filters, as the page shows them and as CSV and XLSX (raised, due and
//! answered dates as dd/mm/yyyy text in the CSV, date cells in the XLSX).

use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::recommendations::urgency_of;
use crate::context::Ctx;
use crate::db::recommendations as rdb;
use crate::domain::access::Permission;
use crate::domain::format;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::routes::export::{self, xlsx_error, XLSX};
use crate::routes::{options, Page};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    status: String,
    urgency: String,
    /// The page of the list (the exports have every row).
    page: Option<i64>,
}

impl ListQuery {
    /// The filters as a query string, for the export links.
    fn query(&self) -> String {
        format!(
            "status={}&urgency={}",
            format::url_encode(&self.status),
            format::url_encode(&self.urgency)
        )
    }
}

/// Recommendations listed at a time; the CSV and XLSX have them all.
const RECOMMENDATIONS_PAGE: i64 = 50;

/// A row of the list: the recommendation, both units' names, its urgency.
struct Line {
    r: rdb::Recommendation,
    from: String,
    to: String,
    urgency: Option<String>,
}

/// The recommendations the reader sees (raising or responding unit in
/// view) under the filters, newest first.
async fn lines(ctx: &Ctx, q: &ListQuery) -> AppResult<Vec<Line>> {
    let user = ctx.user()?;
    let (recs, cal, names) = ctx
        .db(|conn| {
            let names = rdb::unit_names(conn)?;
            Ok((rdb::all(conn)?, rdb::calendar(conn)?, names))
        })
        .await?;
    let today = format::today();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(recs
        .into_iter()
        .filter(|(_, from, to)| user.can(Permission::View, from) || user.can(Permission::View, to))
        .filter(|(r, _, _)| q.status.is_empty() || r.status == q.status)
        .filter_map(|(r, _, _)| {
            let urgency = urgency_of(&cal, &r, today);
            if !q.urgency.is_empty() && urgency.as_deref() != Some(q.urgency.as_str()) {
                return None;
            }
            Some(Line {
                from: name(r.from_unit_id),
                to: name(r.to_unit_id),
                urgency,
                r,
            })
        })
        .collect())
}

pub(super) async fn index(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let locale = ctx.locale;
    let page = Page::new(q.page, RECOMMENDATIONS_PAGE);
    let (lines, total) = page.cut(lines(&ctx, &q).await?);
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "r": l.r,
                "from": l.from,
                "to": l.to,
                "urgency": l.urgency,
                "field": i18n::t(locale, &format!("rec-field-{}", l.r.field)),
            })
        })
        .collect();
    ctx.render(
        "recommendations/index",
        json!({
            "title": i18n::t(locale, "rec-title"),
            "rows": rows,
            "can_create": user.can_anywhere(Permission::ManageTasks),
            "statuses": options([rdb::OPEN, rdb::ANSWERED, rdb::ACCEPTED].map(|s| (s.to_string(), i18n::t(locale, &format!("rec-status-{s}")))), &q.status),
            "urgencies": options(["due_soon", "overdue", "long_overdue"].map(|s| (s.to_string(), i18n::t(locale, &format!("urgency-{s}")))), &q.urgency),
            "export_query": q.query(),
            "pagination": page.view(total, &[("status", q.status.clone()), ("urgency", q.urgency.clone())]),
        }),
    )
}

const HEADERS: [&str; 10] = [
    "report-no",
    "rec-content",
    "rec-field",
    "rec-from",
    "rec-to",
    "rec-raised-on",
    "rec-due-on",
    "rec-answered-on",
    "field-status",
    "rec-urgency",
];

/// The columns holding dates: raised on, due on, answered on.
const DATES: [usize; 3] = [5, 6, 7];

fn dates(l: &Line) -> [Option<NaiveDate>; 3] {
    [Some(l.r.raised_on), Some(l.r.due_on), l.r.answered_on]
}

/// A row's cells as text, dates as dd/mm/yyyy.
fn cells(locale: Locale, i: usize, l: &Line) -> Vec<String> {
    let [raised, due, answered] = dates(l).map(|d| d.map(format::date).unwrap_or_default());
    vec![
        (i + 1).to_string(),
        l.r.content.clone(),
        i18n::t(locale, &format!("rec-field-{}", l.r.field)),
        l.from.clone(),
        l.to.clone(),
        raised,
        due,
        answered,
        i18n::t(locale, &format!("rec-status-{}", l.r.status)),
        l.urgency
            .as_ref()
            .map(|u| i18n::t(locale, &format!("urgency-{u}")))
            .unwrap_or_default(),
    ]
}

fn file_name(ext: &str) -> String {
    format!(
        "danh-sach-kien-nghi-{}.{ext}",
        format::today().format("%Y%m%d")
    )
}

pub(super) async fn export_csv(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let list = lines(&ctx, &q).await?;
    let locale = ctx.locale;
    let header: Vec<String> = HEADERS.iter().map(|h| i18n::t(locale, h)).collect();
    let rows: Vec<Vec<String>> = list
        .iter()
        .enumerate()
        .map(|(i, l)| cells(locale, i, l))
        .collect();
    Ok(export::attachment(
        "text/csv; charset=utf-8",
        file_name("csv"),
        export::csv_bytes(&header, &rows)?,
    ))
}

pub(super) async fn export_xlsx(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let list = lines(&ctx, &q).await?;
    let locale = ctx.locale;
    let tr = |k: &str| i18n::t(locale, k);
    let fail = xlsx_error;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    // What the list was filtered by, under the title.
    let scope: Vec<String> = [
        ("field-status", "rec-status-", &q.status),
        ("rec-urgency", "urgency-", &q.urgency),
    ]
    .iter()
    .filter(|(_, _, v)| !v.is_empty())
    .map(|(label, prefix, v)| format!("{}: {}", tr(label), tr(&format!("{prefix}{v}"))))
    .collect();
    let top = export::title_rows(sheet, locale, &tr("rec-title"), &scope.join(", "))?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(top, c as u16, tr(h), &bold)
            .map_err(fail)?;
    }
    for (i, l) in list.iter().enumerate() {
        let r = top + 1 + i as u32;
        let days = dates(l);
        for (c, text) in cells(locale, i, l).into_iter().enumerate() {
            match c {
                0 => {
                    sheet.write_number(r, 0, (i + 1) as f64).map_err(fail)?;
                }
                c if DATES.contains(&c) => {
                    if let Some(d) = days[c - DATES[0]] {
                        let cell = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(fail)?;
                        sheet
                            .write_datetime_with_format(r, c as u16, &cell, &date)
                            .map_err(fail)?;
                    }
                }
                c => {
                    sheet.write_string(r, c as u16, text).map_err(fail)?;
                }
            }
        }
    }
    export::fit(sheet)?;
    sheet.set_column_width(0, 6).map_err(fail)?;
    sheet.set_column_width(1, 60).map_err(fail)?;
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(export::attachment(XLSX, file_name("xlsx"), bytes))
}
