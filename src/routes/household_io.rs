//! Household lists in and out: import from CSV or XLSX with a preview of every
//! row's errors, then all-or-nothing; export to CSV and XLSX that the import
//! reads back.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::households::{check_household, HouseholdForm};
use super::tasks::{load, load_editable, Access};
use crate::context::Ctx;
use crate::db::{self, audit, households::HouseholdFields};
use crate::domain::format;
use crate::domain::households::{PriorityGroup, Sight};
use crate::domain::import::{column_for, Column, EXPORT_HEADERS};
use crate::domain::search::fold;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks/{id}/households/import", web::get().to(upload_form))
        .route("/tasks/{id}/households/import", web::post().to(upload))
        .route(
            "/tasks/{id}/households/import/{import}",
            web::post().to(confirm),
        )
        .route("/tasks/{id}/households.csv", web::get().to(export_csv))
        .route("/tasks/{id}/households.xlsx", web::get().to(export_xlsx));
}

/// Uploads larger than this are refused before parsing.
pub(super) const MAX_UPLOAD: usize = 5 * 1024 * 1024;

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

async fn upload_form(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    render_upload(&ctx, StatusCode::OK, &access, None)
}

/// The uploaded file: its name and bytes, refused past `MAX_UPLOAD`.
async fn read_file(mut payload: Multipart) -> Result<Option<(String, Vec<u8>)>, &'static str> {
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| "import-error-upload")?;
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("")
            .to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "import-error-upload")?;
            if bytes.len() + chunk.len() > MAX_UPLOAD {
                return Err("import-error-too-large");
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(Some((name, bytes)));
    }
    Ok(None)
}

/// The sheet as rows of text cells, from XLSX (first sheet) or CSV (UTF-8,
/// separated by commas, semicolons or tabs).
pub(super) fn read_rows(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if is_zip || name.to_lowercase().ends_with(".xlsx") {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|_| "import-error-xlsx")?;
        let range = book
            .worksheet_range_at(0)
            .ok_or("import-error-xlsx")?
            .map_err(|_| "import-error-xlsx")?;
        return Ok(range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "import-error-encoding")?;
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.map(|rec| rec.iter().map(str::to_string).collect())
                .map_err(|_| "import-error-csv")
        })
        .collect()
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        // Whole numbers (parcel and sheet numbers) without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// Priority groups typed as codes or as their name in either language,
/// separated by semicolons (or commas, when the names hold none).
fn priority_codes(cell: &str) -> Vec<String> {
    let known = |part: &str| -> Option<String> {
        let folded = fold(part);
        PriorityGroup::ALL
            .iter()
            .find(|g| {
                g.as_str() == part
                    || Locale::ALL
                        .iter()
                        .any(|l| fold(&i18n::t(*l, &format!("priority-{}", g.as_str()))) == folded)
            })
            .map(|g| g.as_str().to_string())
    };
    cell.split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .flat_map(|part| match known(part) {
            Some(code) => vec![code],
            // "elderly, poor": unknown as a whole, so taken apart; what stays
            // unknown is kept as typed and reported by the form check.
            None => part
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|p| known(p).unwrap_or_else(|| p.to_string()))
                .collect(),
        })
        .collect()
}

/// One line of a sheet, read as the household form and checked by it.
pub(super) struct Checked {
    /// The line in the sheet (the header is line 1).
    pub line: usize,
    pub form: HouseholdForm,
    pub fields: Option<HouseholdFields>,
    pub errors: FieldErrors,
    /// Its parcel is already in the task or on an earlier line.
    pub duplicate: bool,
}

/// Every non-blank line under the header, checked; `existing` are the
/// parcels (sheet, number) the task already holds. An error key when the
/// sheet has no head-of-household column or no lines.
pub(super) fn check_rows(
    rows: &[Vec<String>],
    existing: Vec<(String, String)>,
) -> Result<Vec<Checked>, &'static str> {
    let header = rows.first().ok_or("import-error-empty")?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| column_for(h)).collect();
    if !columns.contains(&Some(Column::HeadName)) {
        return Err("import-error-no-name-column");
    }
    let mut seen = existing;
    let mut checked: Vec<Checked> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut form = HouseholdForm::default();
        for (col, cell) in columns.iter().zip(row) {
            // PostgreSQL cannot store a NUL character in text.
            let cell = cell.trim().replace('\0', "");
            match col {
                Some(Column::HeadName) => form.head_name = cell,
                Some(Column::Address) => form.address = cell,
                Some(Column::ResidentialGroup) => form.residential_group = cell,
                Some(Column::MapSheet) => form.map_sheet = cell,
                Some(Column::ParcelNo) => form.parcel_no = cell,
                Some(Column::Area) => form.area_m2 = cell,
                Some(Column::LandType) => form.land_type = cell,
                Some(Column::PriorityGroups) => form.priority_groups = priority_codes(&cell),
                Some(Column::Phone) => form.phone = cell,
                Some(Column::Notes) => form.notes = cell,
                Some(Column::RowNumber) | None => {}
            }
        }
        let (fields, errors) = match check_household(&form) {
            Ok(f) => (Some(f), FieldErrors::default()),
            Err(e) => (None, e),
        };
        let parcel = (form.map_sheet.clone(), form.parcel_no.clone());
        let duplicate = !parcel.1.is_empty() && seen.contains(&parcel);
        if !parcel.1.is_empty() {
            seen.push(parcel);
        }
        checked.push(Checked {
            line: i + 1,
            form,
            fields,
            errors,
            duplicate,
        });
    }
    if checked.is_empty() {
        return Err("import-error-empty");
    }
    Ok(checked)
}

/// Adds checked rows to the task (one transaction is the caller's), skipping
/// those on a parcel the task already holds when `skip_duplicates`: how many
/// were added, and the audit entry naming the file.
pub(super) fn import_rows(
    conn: &mut db::DbConnection,
    task: &db::tasks::Task,
    file: &str,
    rows: &[HouseholdFields],
    skip_duplicates: bool,
) -> AppResult<(usize, audit::Change)> {
    let mut seen = db::households::parcels_of_task(conn, task.id)?;
    let mut count = 0;
    for row in rows {
        let parcel = (row.map_sheet.clone(), row.parcel_no.clone());
        if skip_duplicates && !parcel.1.is_empty() && seen.contains(&parcel) {
            continue;
        }
        seen.push(parcel);
        db::households::create(conn, task, row)?;
        count += 1;
    }
    let change = audit::Change::new(
        "import_households",
        "task",
        task.id,
        json!({"file": file, "rows": rows.len(), "imported": count}),
    )
    .on_unit(task.unit_id);
    Ok((count, change))
}

async fn upload(ctx: Ctx, id: web::Path<i64>, payload: Multipart) -> AppResult<HttpResponse> {
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
    let (name, bytes) = match read_file(payload).await {
        Ok(Some(file)) if !file.1.is_empty() => file,
        Ok(_) => return fail("import-error-no-file"),
        Err(key) => return fail(key),
    };
    let rows = match read_rows(&name, &bytes) {
        Ok(rows) => rows,
        Err(key) => return fail(key),
    };
    let tid = access.task.id;
    let existing = ctx
        .db(move |conn| Ok(db::households::parcels_of_task(conn, tid)?))
        .await?;
    let checked = match check_rows(&rows, existing) {
        Ok(checked) => checked,
        Err(key) => return fail(key),
    };
    let has_errors = checked.iter().any(|c| !c.errors.is_empty());
    let import_id = if has_errors {
        None
    } else {
        let rows: Vec<HouseholdFields> = checked.iter().filter_map(|c| c.fields.clone()).collect();
        let (uid, file) = (ctx.user()?.id, name.clone());
        Some(
            ctx.db(move |conn| Ok(db::households::stage_import(conn, tid, uid, &file, &rows)?))
                .await?,
        )
    };
    let preview: Vec<Value> = checked
        .iter()
        .map(|c| {
            json!({
                "line": c.line,
                "head_name": c.form.head_name,
                "address": c.form.address,
                "map_sheet": c.form.map_sheet,
                "parcel_no": c.form.parcel_no,
                "area": c.form.area_m2,
                "errors": c.errors.iter()
                    .map(|(field, key)| {
                        format!(
                            "{}: {}",
                            i18n::t(locale, &format!("field-{}", field.replace('_', "-"))),
                            i18n::t(locale, key)
                        )
                    })
                    .collect::<Vec<_>>(),
                "duplicate": c.duplicate,
            })
        })
        .collect();
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    ctx.render_status(
        status,
        "households/import_preview",
        json!({
            "title": i18n::t(locale, "import-preview-title"),
            "task": {"id": access.task.id, "title": access.task.title},
            "file_name": name,
            "rows": preview,
            "total": checked.len(),
            "errors": checked.iter().filter(|c| !c.errors.is_empty()).count(),
            "duplicates": checked.iter().filter(|c| c.duplicate).count(),
            "import_id": import_id,
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    skip_duplicates: String,
}

/// Saves every row of a checked upload in one transaction, or none.
async fn confirm(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let (id, import_id) = path.into_inner();
    let access = load_editable(&ctx, id).await?;
    let skip = form.skip_duplicates == "1";
    let (task, actor, uid) = (access.task.clone(), ctx.actor(), ctx.user()?.id);
    let imported = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let Some((file, rows)) = db::households::take_import(c, import_id, task.id, uid)?
                else {
                    return Ok((None, None));
                };
                let (count, change) = import_rows(c, &task, &file, &rows, skip)?;
                Ok((Some(count), Some(change)))
            })
        })
        .await?;
    let Some(count) = imported else {
        // Already confirmed, expired, or someone else's upload.
        return Err(AppError::NotFound);
    };
    ctx.flash(
        "success",
        if count > 0 {
            "flash-imported"
        } else {
            "flash-imported-none"
        },
    );
    Ok(ctx.redirect(&format!("/tasks/{id}#households")))
}

/// Header row and one row per household, as text, in the import's columns plus the stage.
async fn export_rows(ctx: &Ctx, id: i64) -> AppResult<(Access, Vec<db::households::Household>)> {
    let access = load(ctx, id).await?;
    let (tid, unit_id, sight) = (access.task.id, access.task.unit_id, access.sight);
    let actor = ctx.actor();
    let mut rows = ctx
        .db(move |conn| {
            let rows = db::households::all_of_task(conn, tid)?;
            // An export by a reviewer or administrator is logged once, with
            // how many households' details it held.
            let held = rows.iter().filter(|h| h.has_personal_details()).count();
            if sight == Sight::Logged && held > 0 {
                let read = db::audit::Change::new(
                    "read_personal",
                    "task",
                    tid,
                    serde_json::json!({"export": true, "households": held}),
                )
                .on_unit(unit_id);
                db::audit::record_read(conn, &actor, &read)?;
            }
            Ok(rows)
        })
        .await?;
    if sight == Sight::Masked {
        rows.iter_mut().for_each(db::households::Household::mask);
    }
    Ok((access, rows))
}

fn priority_names(h: &db::households::Household) -> String {
    h.priority_groups
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|g| i18n::t(Locale::Vi, &format!("priority-{g}")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn stage_header() -> String {
    i18n::t(Locale::Vi, "field-stage")
}

pub(super) fn attachment(content_type: &str, file_name: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

async fn export_csv(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, rows) = export_rows(&ctx, *id).await?;
    // A byte-order mark so that Excel opens the UTF-8 file with its accents.
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header: Vec<String> = EXPORT_HEADERS.iter().map(|(_, h)| h.to_string()).collect();
        header.push(stage_header());
        let fail = |e: csv::Error| AppError::Internal(e.to_string());
        w.write_record(&header).map_err(fail)?;
        for (i, h) in rows.iter().enumerate() {
            w.write_record([
                (i + 1).to_string(),
                h.head_name.clone(),
                h.address.clone(),
                h.residential_group.clone(),
                h.map_sheet.clone(),
                h.parcel_no.clone(),
                format::decimal(h.area_m2),
                h.land_type.clone(),
                priority_names(h),
                h.phone.clone(),
                h.notes.clone(),
                i18n::t(Locale::Vi, &format!("stage-{}", h.stage)),
            ])
            .map_err(fail)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("ho-dan-viec-{}.csv", access.task.id),
        out,
    ))
}

async fn export_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, rows) = export_rows(&ctx, *id).await?;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    let mut header: Vec<String> = EXPORT_HEADERS.iter().map(|(_, h)| h.to_string()).collect();
    header.push(stage_header());
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (i, h) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        sheet.write_number(r, 0, (i + 1) as f64).map_err(fail)?;
        let texts = [
            (1, h.head_name.clone()),
            (2, h.address.clone()),
            (3, h.residential_group.clone()),
            (4, h.map_sheet.clone()),
            (5, h.parcel_no.clone()),
            (7, h.land_type.clone()),
            (8, priority_names(h)),
            (9, h.phone.clone()),
            (10, h.notes.clone()),
            (11, i18n::t(Locale::Vi, &format!("stage-{}", h.stage))),
        ];
        for (c, text) in texts {
            sheet.write_string(r, c, text).map_err(fail)?;
        }
        sheet.write_number(r, 6, h.area_m2).map_err(fail)?;
    }
    sheet.autofit();
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("ho-dan-viec-{}.xlsx", access.task.id),
        bytes,
    ))
}
