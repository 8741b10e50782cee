//! A campaign's figures: models by field and kind, by status, the funnel of
//! stages reached; as a page and as XLSX.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{load, named, Access};
use crate::context::Ctx;
use crate::db::campaigns as cdb;
use crate::domain::campaign::{self, ModelKind, ModelStatus};
use crate::domain::format;
use crate::error::AppResult;
use crate::i18n;
use crate::routes::export::{table_sheet, Cell};
use crate::routes::{dashboard, export};

/// The figures as tables: by field (collective, individual, total), the
/// current statuses, and the funnel of stages ever reached.
struct FigureTables {
    by_field: Vec<(String, i64, i64)>,
    collectives: i64,
    individuals: i64,
    by_status: Vec<(ModelStatus, i64)>,
    funnel: Vec<(ModelStatus, i64)>,
}

async fn figure_tables(ctx: &Ctx, a: &Access) -> AppResult<FigureTables> {
    let cid = a.c.id;
    let (fields, f) = ctx
        .db(move |conn| Ok((cdb::fields(conn)?, cdb::figures(conn, cid)?)))
        .await?;
    let locale = ctx.locale;
    let count = |field: i64, kind: ModelKind| -> i64 {
        f.by_field_kind
            .iter()
            .filter(|(id, k, _)| *id == field && k == kind.as_str())
            .map(|(_, _, n)| n)
            .sum()
    };
    let by_field: Vec<(String, i64, i64)> = fields
        .iter()
        .map(|fd| {
            (
                named(locale, &fd.name_vi, &fd.name_en),
                count(fd.id, ModelKind::Collective),
                count(fd.id, ModelKind::Individual),
            )
        })
        .filter(|(_, c, i)| c + i > 0)
        .collect();
    let collectives = by_field.iter().map(|r| r.1).sum();
    let individuals = by_field.iter().map(|r| r.2).sum();
    let by_status = ModelStatus::ALL
        .iter()
        .map(|s| {
            (
                *s,
                f.by_status
                    .iter()
                    .filter(|(x, _)| x == s.as_str())
                    .map(|(_, n)| n)
                    .sum(),
            )
        })
        .collect();
    let reached: Vec<(ModelStatus, i64)> = f
        .reached
        .iter()
        .filter_map(|(s, n)| ModelStatus::parse(s).map(|s| (s, *n)))
        .collect();
    Ok(FigureTables {
        funnel: campaign::funnel(collectives + individuals, &reached),
        by_field,
        collectives,
        individuals,
        by_status,
    })
}

pub(super) async fn figures(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = figure_tables(&ctx, &a).await?;
    let locale = ctx.locale;
    let chart = dashboard::bar_chart(
        &t.by_field
            .iter()
            .map(|(name, c, i)| (name.clone(), (c + i) as f64, format::number(c + i)))
            .collect::<Vec<_>>(),
    );
    let funnel_chart = dashboard::bar_chart(
        &t.funnel
            .iter()
            .map(|(s, n)| {
                (
                    i18n::t(locale, &format!("model-reached-{}", s.as_str())),
                    *n as f64,
                    format::number(*n),
                )
            })
            .collect::<Vec<_>>(),
    );
    ctx.render(
        "campaigns/figures",
        json!({
            "title": i18n::t(locale, "campaign-figures-title"),
            "c": a.c,
            "unit": a.unit,
            "by_field": t.by_field.iter().map(|(n, c, i)| json!({"name": n, "collective": c, "individual": i, "total": c + i})).collect::<Vec<_>>(),
            "collectives": t.collectives,
            "individuals": t.individuals,
            "total": t.collectives + t.individuals,
            "by_status": t.by_status.iter().map(|(s, n)| json!({"status": s.as_str(), "n": n})).collect::<Vec<_>>(),
            "funnel": t.funnel.iter().map(|(s, n)| json!({"status": s.as_str(), "n": n})).collect::<Vec<_>>(),
            "chart": chart,
            "funnel_chart": funnel_chart,
        }),
    )
}

pub(super) async fn figures_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = figure_tables(&ctx, &a).await?;
    let locale = ctx.locale;
    let tr = |k: &str| i18n::t(locale, k);
    let title = format!("{} {} – {}", tr("nav-campaigns"), a.c.year, a.c.theme);
    let count = |n: i64| Cell::Number(n as f64);
    let mut by_field: Vec<Vec<Cell>> = t
        .by_field
        .iter()
        .map(|(name, c, i)| vec![Cell::Text(name.clone()), count(*c), count(*i), count(c + i)])
        .collect();
    let (c, i) = (t.collectives, t.individuals);
    by_field.push(vec![
        Cell::Bold(tr("campaign-total")),
        count(c),
        count(i),
        count(c + i),
    ]);
    let by_status: Vec<Vec<Cell>> = t
        .by_status
        .iter()
        .map(|(s, n)| {
            let reached = t.funnel.iter().find(|(f, _)| f == s);
            vec![
                Cell::Text(tr(&format!("model-status-{}", s.as_str()))),
                count(*n),
                reached.map_or(Cell::Empty, |(_, r)| count(*r)),
            ]
        })
        .collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let heads = [
        "model-field",
        "model-kind-collective",
        "model-kind-individual",
        "campaign-total",
    ];
    let sheet = (tr("campaign-by-field"), heads.map(tr).to_vec());
    table_sheet(&mut book, locale, &title, sheet, &by_field)?;
    let heads = ["field-status", "campaign-now", "campaign-reached"];
    let sheet = (tr("campaign-by-status"), heads.map(tr).to_vec());
    table_sheet(&mut book, locale, &title, sheet, &by_status)?;
    let bytes = book.save_to_buffer().map_err(export::xlsx_error)?;
    Ok(export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("so-lieu-chu-de-{}-{}.xlsx", a.c.year, a.c.id),
        bytes,
    ))
}
