//! A campaign's figures: models by field and kind, by status, the funnel of
//! stages reached; as a page and as XLSX.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{load, named, Access};
use crate::context::Ctx;
use crate::db::campaigns as cdb;
use crate::domain::campaign::{self, ModelKind, ModelStatus};
use crate::domain::format;
use crate::error::{AppError, AppResult};
use crate::i18n;
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
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let title = format!("{} {} – {}", tr("nav-campaigns"), a.c.year, a.c.theme);
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    {
        let sheet = book.add_worksheet();
        sheet.set_name(tr("campaign-by-field")).map_err(fail)?;
        let top = export::title_rows(sheet, locale, &title, "")?;
        for (c, h) in [
            tr("model-field"),
            tr("model-kind-collective"),
            tr("model-kind-individual"),
            tr("campaign-total"),
        ]
        .iter()
        .enumerate()
        {
            sheet
                .write_string_with_format(top, c as u16, h, &bold)
                .map_err(fail)?;
        }
        let mut r = top + 1;
        for (name, c, i) in &t.by_field {
            sheet.write_string(r, 0, name).map_err(fail)?;
            sheet.write_number(r, 1, *c as f64).map_err(fail)?;
            sheet.write_number(r, 2, *i as f64).map_err(fail)?;
            sheet.write_number(r, 3, (c + i) as f64).map_err(fail)?;
            r += 1;
        }
        sheet
            .write_string_with_format(r, 0, tr("campaign-total"), &bold)
            .map_err(fail)?;
        sheet
            .write_number(r, 1, t.collectives as f64)
            .map_err(fail)?;
        sheet
            .write_number(r, 2, t.individuals as f64)
            .map_err(fail)?;
        sheet
            .write_number(r, 3, (t.collectives + t.individuals) as f64)
            .map_err(fail)?;
        export::fit(sheet)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(tr("campaign-by-status")).map_err(fail)?;
        let top = export::title_rows(sheet, locale, &title, "")?;
        sheet
            .write_string_with_format(top, 0, tr("field-status"), &bold)
            .map_err(fail)?;
        sheet
            .write_string_with_format(top, 1, tr("campaign-now"), &bold)
            .map_err(fail)?;
        sheet
            .write_string_with_format(top, 2, tr("campaign-reached"), &bold)
            .map_err(fail)?;
        for (i, (s, n)) in t.by_status.iter().enumerate() {
            let r = top + 1 + i as u32;
            sheet
                .write_string(r, 0, tr(&format!("model-status-{}", s.as_str())))
                .map_err(fail)?;
            sheet.write_number(r, 1, *n as f64).map_err(fail)?;
            if let Some((_, reached)) = t.funnel.iter().find(|(f, _)| f == s) {
                sheet.write_number(r, 2, *reached as f64).map_err(fail)?;
            }
        }
        export::fit(sheet)?;
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("so-lieu-chu-de-{}-{}.xlsx", a.c.year, a.c.id),
        bytes,
    ))
}
