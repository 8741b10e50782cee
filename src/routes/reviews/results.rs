//! A round's results: ranked tables of tasks, owners and units, their page,
//! the XLSX export and the printable report.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::named;
use crate::app::reviews::{round_results, Results};
use crate::context::Ctx;
use crate::db::reviews::Criterion;
use crate::domain::format;
use crate::domain::review::{Ranked, Rating, Shortfall, Tables};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::routes::export::{table_sheet, Cell};
use crate::routes::{export, Page};

/// The results the reader may see: all of them for reviewers (provisional
/// until published); after publication, the tasks in the reader's scope and
/// their own.
async fn load_results(ctx: &Ctx, id: i64) -> AppResult<Results> {
    let (user, state) = (ctx.user()?.clone(), ctx.state.clone());
    ctx.db(move |conn| round_results(conn, &state, &user, id))
        .await
}

/// The criteria a task lost most on, by name in the reader's language,
/// with the score against the maximum: `Tiến độ 12/20`.
fn shortfall_names(locale: Locale, criteria: &[Criterion], lost: &[Shortfall]) -> Vec<String> {
    lost.iter()
        .filter_map(|s| {
            let c = criteria.get(s.criterion)?;
            Some(format!(
                "{} {}/{}",
                named(locale, &c.name_vi, &c.name_en),
                format::decimal(s.score),
                format::decimal(s.max)
            ))
        })
        .collect()
}

/// The tables for a template: the tasks ranked in `tasks` (ranks counted
/// from the top of the whole table) with the criteria each lost most on,
/// the first `first` owners and units.
fn tables_json(
    t: &Tables,
    tasks: std::ops::Range<usize>,
    first: usize,
    criteria: &[Criterion],
    locale: Locale,
) -> Value {
    let ranked = |rows: &[Ranked], from: usize| -> Vec<Value> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "rank": from + i + 1, "r": r, "rating": r.rating.map(Rating::as_str),
                    "lost_on": shortfall_names(locale, criteria, &r.shortfalls).join("; "),
                })
            })
            .collect()
    };
    let head = |rows: &[Ranked]| ranked(&rows[..rows.len().min(first)], 0);
    json!({
        "by_task": ranked(&t.by_task[tasks.clone()], tasks.start),
        "by_owner": head(&t.by_owner),
        "by_unit": head(&t.by_unit),
        "counts": t.counts.iter().map(|(r, n)| json!({"rating": r.as_str(), "n": n})).collect::<Vec<_>>(),
    })
}

/// Rows of the task table per page; the owner and unit tables show their
/// first rows (the XLSX export has every row of all three).
const RESULTS_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ResultsQuery {
    page: Option<i64>,
}

pub(super) async fn results(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ResultsQuery>,
) -> AppResult<HttpResponse> {
    let (a, criteria, all, (key, version)) = load_results(&ctx, *id).await?;
    let page = Page::new(q.page, RESULTS_PAGE);
    // The three tables of a page are the same HTML for every reader of the
    // same class until the data changes: rendered once, then kept.
    let tables = ctx.state.results_html.get_or::<AppError>(
        format!("{key}:{}:{}", page.number, ctx.locale.code()),
        version,
        || {
            let tasks_total = all.by_task.len() as i64;
            let first_rank = page.offset().min(tasks_total) as usize;
            let shown = (first_rank + page.size as usize).min(all.by_task.len());
            Ok(ctx.state.views.render_document(
                "reviews/results_tables",
                json!({
                    "lang": ctx.locale.code(),
                    "t": tables_json(&all, first_rank..shown, RESULTS_PAGE as usize, &criteria, ctx.locale),
                    "pagination": page.view(tasks_total, &[]),
                    "owners_cut": all.by_owner.len() > RESULTS_PAGE as usize,
                    "units_cut": all.by_unit.len() > RESULTS_PAGE as usize,
                }),
            )?)
        },
    )?;
    ctx.render(
        "reviews/results",
        json!({
            "title": i18n::t(ctx.locale, "review-results-title"),
            "round": a.round,
            "unit": a.unit,
            "provisional": !a.published(),
            "tables": *tables,
        }),
    )
}

pub(super) async fn results_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (a, criteria, tables, _) = load_results(&ctx, *id).await?;
    let locale = ctx.locale;
    let t = |k: &str| i18n::t(locale, k);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheets = [
        ("review-by-task", &tables.by_task, "field-title"),
        ("review-by-owner", &tables.by_owner, "field-owner"),
        ("review-by-unit", &tables.by_unit, "field-unit"),
    ];
    for (name, rows, first) in sheets {
        // The tasks' sheet also names the criteria each lost most on.
        let per_task = name == "review-by-task";
        let mut heads = vec![
            "review-rank",
            first,
            "review-context",
            "review-task-count",
            "review-total",
            "review-rating",
        ];
        if per_task {
            heads.push("review-lost-on");
        }
        let rows: Vec<Vec<Cell>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rating = r.rating.map(|x| t(&format!("rating-{}", x.as_str())));
                let mut cells = vec![
                    Cell::Number((i + 1) as f64),
                    Cell::Text(r.name.clone()),
                    Cell::Text(r.unit_name.clone()),
                    Cell::Number(r.tasks as f64),
                    r.total.map_or(Cell::Empty, Cell::Number),
                    rating.map_or(Cell::Empty, Cell::Text),
                ];
                if per_task {
                    let lost = shortfall_names(locale, &criteria, &r.shortfalls).join("; ");
                    cells.push(Cell::Text(lost));
                }
                cells
            })
            .collect();
        let sheet = (t(name), heads.into_iter().map(t).collect());
        table_sheet(&mut book, locale, &a.round.title, sheet, &rows)?;
    }
    let bytes = book.save_to_buffer().map_err(export::xlsx_error)?;
    Ok(export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("ket-qua-danh-gia-{}-{}.xlsx", a.round.year, a.round.id),
        bytes,
    ))
}

/// The year-end report as it prints, in the Decree 30 layout, a page of its
/// ranked tasks at a time (`?page=N`); the DOCX, made on the documents
/// page, has every task. Its head is edited there.
pub(super) async fn report(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<crate::routes::PageAsked>,
) -> AppResult<HttpResponse> {
    let (id, user, state) = (*id, ctx.user()?.clone(), ctx.state.clone());
    let made = ctx
        .db(move |c| crate::app::documents::report(c, &state, &user, id, None))
        .await?;
    let rows = crate::routes::documents::Rows {
        page: q.page,
        keep: vec![],
        docx: format!("/documents/report/{id}?format=docx"),
    };
    crate::routes::documents::print(&ctx, &made, crate::app::documents::Kind::Report, &rows)
}
