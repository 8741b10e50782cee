//! A household list in: the upload read and checked, a preview of every
//! row's errors, then all rows saved in one transaction or none.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::household_import::{
    check_off_the_pages, import, ImportOptions, Lines, Report, MAX_UPLOAD,
};
use crate::app::Rejected;
use crate::context::Ctx;
use crate::db;
use crate::domain::format;
use crate::domain::import::{Skip, EXPORT_HEADERS};
use crate::domain::numbers::DecimalSign;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::routes::tasks::{load_editable, Access};

fn render_upload(
    ctx: &Ctx,
    status: StatusCode,
    access: &Access,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    ctx.render_status(
        status,
        "households/import",
        json!({
            "title": i18n::t(ctx.locale, "import-title"),
            "task": {"id": access.task.id, "title": access.task.title},
            "error": error,
            "headers": EXPORT_HEADERS.iter().map(|(_, h)| *h).collect::<Vec<_>>().join(", "),
        }),
    )
}

pub(super) async fn upload_form(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    render_upload(&ctx, StatusCode::OK, &access, None)
}

/// The uploaded file: its name and bytes, refused past `MAX_UPLOAD`, and
/// the options ticked beside it.
async fn read_file(
    mut payload: Multipart,
) -> Result<(Option<(String, Vec<u8>)>, ImportOptions), &'static str> {
    let mut file = None;
    let mut options = ImportOptions::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| "import-error-upload")?;
        match field.name() {
            Some("file") if file.is_none() => {
                let name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or("")
                    .replace('\0', "");
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|_| "import-error-upload")?;
                    if bytes.len() + chunk.len() > MAX_UPLOAD {
                        return Err("import-error-too-large");
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((format::short(&name, 200), bytes));
            }
            Some("decimal_point") => options.decimal = DecimalSign::Point,
            _ => {
                // Drained so that the next part can be read.
                while let Some(chunk) = field.next().await {
                    chunk.map_err(|_| "import-error-upload")?;
                }
            }
        }
    }
    Ok((file, options))
}

/// Lines shown in full in the preview (besides every refused one).
const PREVIEW_LINES: usize = 200;

pub(super) async fn upload(
    ctx: Ctx,
    id: web::Path<i64>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    let locale = ctx.locale;
    let fail = |key: &str| {
        render_upload(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &access,
            Some(i18n::t(locale, key)),
        )
    };
    let (name, bytes, options) = match read_file(payload).await {
        Ok((Some((name, bytes)), options)) if !bytes.is_empty() => (name, bytes, options),
        Ok(_) => return fail("import-error-no-file"),
        Err(key) => return fail(key),
    };
    let tid = access.task.id;
    let existing = ctx
        .db(move |conn| Ok(db::households::parcels_of_task(conn, tid)?))
        .await?;
    let report =
        match check_off_the_pages(&ctx.state, name.clone(), bytes, existing, options).await? {
            Ok(report) => report,
            Err(key) => return fail(key),
        };
    let mut data = preview(&report, locale);
    let status = if report.bad_count > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let import_id = if report.bad_count > 0 {
        None
    } else {
        let (uid, file) = (ctx.user()?.id, name.clone());
        let rows = report.into_rows();
        Some(
            ctx.db(move |conn| Ok(db::households::stage_import(conn, tid, uid, &file, &rows)?))
                .await?,
        )
    };
    data["title"] = json!(i18n::t(locale, "import-preview-title"));
    data["task"] = json!({"id": access.task.id, "title": access.task.title});
    data["file_name"] = json!(name);
    data["import_id"] = json!(import_id);
    ctx.render_status(status, "households/import_preview", data)
}

/// The preview of a checked file: counts, what was converted and ignored,
/// and its lines with each value as it will be stored (the first
/// `PREVIEW_LINES`, every refused one, every skipped one).
fn preview(report: &Report, locale: Locale) -> Value {
    let message = |field: &str, key: &str| {
        format!(
            "{}: {}",
            i18n::t(locale, &format!("field-{}", field.replace('_', "-"))),
            i18n::t(locale, key)
        )
    };
    let mut lines: Vec<(usize, Value)> = Vec::new();
    for g in report.good.iter().take(PREVIEW_LINES) {
        let f = &g.fields;
        lines.push((
            g.line,
            json!({"line": g.line, "head_name": f.head_name, "address": f.address,
                   "map_sheet": f.map_sheet, "parcel_no": f.parcel_no,
                   "area": format!("{} m²", format::decimal(f.area_m2)),
                   "land_type": f.land_type, "notes": format::short(&f.notes, 80),
                   "duplicate": g.duplicate, "errors": [], "skipped": null}),
        ));
    }
    for b in &report.bad {
        let f = &b.form;
        lines.push((
            b.line,
            // Kept cut to 80 characters (`Checker::check`).
            json!({"line": b.line, "head_name": f.head_name, "address": f.address,
                   "map_sheet": f.map_sheet, "parcel_no": f.parcel_no,
                   "area": f.area_m2, "land_type": f.land_type, "notes": f.notes,
                   "errors": b.errors.iter().map(|(f, k)| message(f, k)).collect::<Vec<_>>(),
                   "duplicate": false, "skipped": null}),
        ));
    }
    for (line, skip) in report.skipped.iter().take(PREVIEW_LINES) {
        lines.push((
            *line,
            json!({"line": line, "skipped": i18n::t(locale, skip.key()), "errors": [],
                   "duplicate": false, "head_name": "", "address": "", "map_sheet": "",
                   "parcel_no": "", "area": "", "land_type": "", "notes": ""}),
        ));
    }
    lines.sort_by_key(|(line, _)| *line);
    let households = report.households();
    let duplicates = report.duplicates();
    let converted: Vec<String> = report
        .reading
        .encoding
        .iter()
        .map(|e| {
            i18n::t_args(
                locale,
                "import-converted-file",
                &[("encoding", (*e).into())],
            )
        })
        .chain(report.reading.legacy_cells.iter().map(|(e, n)| {
            i18n::t_args(
                locale,
                "import-converted-cells",
                &[
                    ("encoding", (*e).into()),
                    ("cells", format::number(*n as i64)),
                ],
            )
        }))
        .collect();
    let totals = report
        .skipped
        .iter()
        .filter(|(_, s)| *s == Skip::Total)
        .count();
    json!({
        "rows": lines.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "shown_all": report.good.len() <= PREVIEW_LINES && report.skipped.len() <= PREVIEW_LINES,
        "shown": PREVIEW_LINES,
        "households": format::number(households as i64),
        "errors": report.bad_count,
        "errors_text": format::number(report.bad_count as i64),
        "duplicates": duplicates,
        "duplicates_text": format::number(duplicates as i64),
        "save_all": format::number(households as i64),
        "save_new": format::number((households - duplicates) as i64),
        "totals": format::number(totals as i64),
        "other_skipped": format::number((report.skipped.len() - totals) as i64),
        "blank": format::number(report.blank as i64),
        "ignored": report.ignored,
        "converted": converted,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ConfirmForm {
    skip_duplicates: String,
}

/// Saves every row of a checked upload in one transaction, or none.
pub(super) async fn confirm(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let (id, import_id) = path.into_inner();
    let (lines, skip) = (Lines::Staged(import_id), form.skip_duplicates == "1");
    let done = crate::routes::call(&ctx, move |c, who| import(c, who, id, lines, skip))
        .await?
        .map_err(Rejected::into_app_error)?;
    let message = i18n::t_args(
        ctx.locale,
        "flash-imported-counts",
        &[
            ("saved", format::number(done.saved as i64)),
            ("duplicates", format::number(done.skipped_duplicates as i64)),
        ],
    );
    ctx.flash_text(if done.saved > 0 { "success" } else { "info" }, &message);
    Ok(ctx.redirect(&format!("/tasks/{id}#households")))
}
