//! A round's results: ranked tables of tasks, owners and units, their page,
//! the XLSX export and the printable report.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{round_access, sees_scores, RoundAccess};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, reviews as rdb};
use crate::domain::format;
use crate::domain::review::{self, Ranked, Rating, Record, Tables};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{export, Page};

/// Ranks the results the reader may see: tasks by total, owners and units by
/// the mean of their tasks' totals, each rated with its own conditions.
fn rank(results: &[rdb::TaskResult], visible: impl Fn(&rdb::RoundTaskRow) -> bool) -> Tables {
    let shown: Vec<&rdb::TaskResult> = results.iter().filter(|r| visible(&r.row)).collect();
    let mut by_task: Vec<Ranked> = shown
        .iter()
        .map(|r| Ranked {
            key: r.row.rt.task_id,
            name: r.row.title.clone(),
            unit_name: format!("{} · {}", r.row.unit_name, r.row.owner_name),
            tasks: 1,
            total: r.total,
            rating: r.verdict.map(|v| v.rating),
            held_back_by: r.verdict.and_then(|v| v.held_back_by),
        })
        .collect();
    let group = |key: &dyn Fn(&rdb::TaskResult) -> (i64, String, String), collective: bool| {
        let mut groups: Vec<(i64, String, String, Vec<&rdb::TaskResult>)> = Vec::new();
        for r in &shown {
            let (k, name, unit) = key(r);
            match groups.iter_mut().find(|g| g.0 == k) {
                Some(g) => g.3.push(r),
                None => groups.push((k, name, unit, vec![r])),
            }
        }
        groups
            .into_iter()
            .map(|(k, name, unit_name, rs)| {
                let mut rec = Record::default();
                for r in &rs {
                    let one = rdb::record_of(&r.row.rt);
                    rec.tasks += one.tasks;
                    rec.late += one.late;
                    rec.not_done += one.not_done;
                    rec.exceeded += one.exceeded;
                }
                let totals: Option<Vec<f64>> = rs.iter().map(|r| r.total).collect();
                let mean = totals
                    .filter(|t| !t.is_empty())
                    .map(|t| review::round2(t.iter().sum::<f64>() / t.len() as f64));
                let verdict = mean.map(|m| review::rate(m, &rec, collective));
                Ranked {
                    key: k,
                    name,
                    unit_name,
                    tasks: rs.len() as i64,
                    total: mean,
                    rating: verdict.map(|v| v.rating),
                    held_back_by: verdict.and_then(|v| v.held_back_by),
                }
            })
            .collect::<Vec<_>>()
    };
    let mut by_owner = group(
        &|r| {
            (
                r.row.rt.owner_id.unwrap_or(r.row.task_owner_id),
                r.row.owner_name.clone(),
                r.row.unit_name.clone(),
            )
        },
        false,
    );
    let mut by_unit = group(
        &|r| {
            (
                r.row.rt.unit_id.unwrap_or(r.row.task_unit_id),
                r.row.unit_name.clone(),
                String::new(),
            )
        },
        true,
    );
    let order = |a: &Ranked, b: &Ranked| {
        b.total
            .unwrap_or(-1.0)
            .total_cmp(&a.total.unwrap_or(-1.0))
            .then_with(|| a.name.cmp(&b.name))
    };
    by_task.sort_by(order);
    by_owner.sort_by(order);
    by_unit.sort_by(order);
    let counts = Rating::ALL
        .iter()
        .map(|r| {
            (
                *r,
                by_task.iter().filter(|t| t.rating == Some(*r)).count() as i64,
            )
        })
        .collect();
    Tables {
        by_task,
        by_owner,
        by_unit,
        counts,
    }
}

/// The results the reader may see: all of them for reviewers (provisional
/// until published); after publication, the tasks in the reader's scope and
/// their own.
async fn load_results(ctx: &Ctx, id: i64) -> AppResult<Results> {
    round_results(&ctx.state, ctx.user()?, id).await
}

/// A round, its criteria, its ranked tables as the reader sees them, and the
/// key and data version they are kept under.
pub(super) type Results = (RoundAccess, Vec<rdb::Criterion>, Arc<Tables>, (String, i64));

/// The results of a round for a reader: reviewers while scoring, everyone
/// who may see the round once published.
pub(in crate::routes) async fn round_results(
    state: &web::Data<crate::state::AppState>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Results> {
    let a = round_access(&state.pool, user, id).await?;
    if !(a.reviewer || a.published()) {
        return Err(AppError::Forbidden);
    }
    let round = a.round.clone();
    let kept = state.clone();
    let (criteria, results, version) = db::run(&state.pool, move |conn| {
        // Results of thousands of tasks are computed once per data version.
        let version = db::audit::data_version(conn)?;
        let results = kept.round_results.get_or(
            format!("{}:{}", round.id, round.version),
            version,
            || rdb::compute(conn, &round),
        )?;
        Ok((rdb::criteria(conn, round.id)?, results, version))
    })
    .await?;
    // Reviewers see every score; other readers what their roles reach.
    let reader = if a.reviewer {
        "all".to_string()
    } else {
        user.id.to_string()
    };
    // The key the reader's tables are kept under, and its data version.
    let key = format!("{}:{}:{reader}", a.round.id, a.round.version);
    let tables = state.ranked.get_or::<AppError>(key.clone(), version, || {
        Ok(rank(&results, |row| sees_scores(user, &a, row)))
    })?;
    Ok((a, criteria, tables, (key, version)))
}

/// The tables for a template: the tasks ranked in `tasks` (ranks counted
/// from the top of the whole table), the first `first` owners and units.
fn tables_json(t: &Tables, tasks: std::ops::Range<usize>, first: usize) -> Value {
    let ranked = |rows: &[Ranked], from: usize| -> Vec<Value> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| json!({"rank": from + i + 1, "r": r, "rating": r.rating.map(Rating::as_str)}))
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
    let (a, _, all, (key, version)) = load_results(&ctx, *id).await?;
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
                    "t": tables_json(&all, first_rank..shown, RESULTS_PAGE as usize),
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
    let (a, _, tables, _) = load_results(&ctx, *id).await?;
    let locale = ctx.locale;
    let t = |k: &str| i18n::t(locale, k);
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheets = [
        (t("review-by-task"), &tables.by_task, t("field-title")),
        (t("review-by-owner"), &tables.by_owner, t("field-owner")),
        (t("review-by-unit"), &tables.by_unit, t("field-unit")),
    ];
    for (name, rows, first) in sheets {
        let sheet = book.add_worksheet();
        sheet
            .set_name(name.chars().take(31).collect::<String>())
            .map_err(fail)?;
        let headers = [
            t("review-rank"),
            first,
            t("review-context"),
            t("review-task-count"),
            t("review-total"),
            t("review-rating"),
        ];
        let top = export::title_rows(sheet, locale, &a.round.title, "")?;
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(top, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = top + 1 + i as u32;
            sheet.write_number(row, 0, (i + 1) as f64).map_err(fail)?;
            sheet.write_string(row, 1, &r.name).map_err(fail)?;
            sheet.write_string(row, 2, &r.unit_name).map_err(fail)?;
            sheet.write_number(row, 3, r.tasks as f64).map_err(fail)?;
            if let Some(total) = r.total {
                sheet.write_number(row, 4, total).map_err(fail)?;
            }
            if let Some(rating) = r.rating {
                sheet
                    .write_string(
                        row,
                        5,
                        i18n::t(locale, &format!("rating-{}", rating.as_str())),
                    )
                    .map_err(fail)?;
            }
        }
        export::fit(sheet)?;
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("ket-qua-danh-gia-{}-{}.xlsx", a.round.year, a.round.id),
        bytes,
    ))
}

pub(super) async fn report(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (a, _, tables, _) = load_results(&ctx, *id).await?;
    let on = a
        .round
        .published_at
        .map(format::local_date)
        .unwrap_or_else(format::today);
    let total_tasks = tables.by_task.len();
    ctx.render(
        "reviews/report",
        json!({
            "title": a.round.title,
            "round": a.round,
            "unit": a.unit,
            "unit_upper": a.unit.name.to_uppercase(),
            "provisional": !a.published(),
            "day": format!("{:02}", on.day()),
            "month": format!("{:02}", on.month()),
            "year": on.year(),
            "task_count": total_tasks,
            "t": tables_json(&tables, 0..total_tasks, usize::MAX),
        }),
    )
}
