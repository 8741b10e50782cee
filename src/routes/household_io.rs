//! Household lists in and out: import from CSV or XLSX with a preview of every
//! row's errors, then all-or-nothing; export to CSV and XLSX that the import
//! reads back.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::export::{attachment, csv_bytes, title_rows, xlsx_error, XLSX};
use super::tasks::{load, load_editable, Access};
use crate::app::household_import::{
    check_off_the_pages, import_rows, ImportOptions, Report, MAX_UPLOAD,
};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::money::Amounts;

/// The current plan's amounts per household, as an export writes them.
pub(crate) type AmountsOf = std::collections::HashMap<i64, Amounts>;
use crate::domain::format;
use crate::domain::households::Sight;
use crate::domain::import::{Skip, AMOUNT_HEADERS, EXPORT_HEADERS};
use crate::domain::numbers::{self, DecimalSign};
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
        .route("/tasks/{id}/households.xlsx", web::get().to(export_xlsx))
        .route("/import/households-template.xlsx", web::get().to(template));
}

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
        let rows: Vec<db::households::ImportRow> = report
            .good
            .into_iter()
            .map(|g| db::households::ImportRow {
                fields: g.fields,
                amounts: g.amounts,
            })
            .collect();
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
                let (done, change) = import_rows(c, &task, &file, &rows, skip, uid)?;
                Ok((Some(done), Some(change)))
            })
        })
        .await?;
    let Some(done) = imported else {
        // Already confirmed, expired, or someone else's upload.
        return Err(AppError::NotFound);
    };
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

/// The task's households as its reader may see them, with the unit's name
/// and their plans' amounts (none for a reader who sees details masked).
async fn export_rows(
    ctx: &Ctx,
    id: i64,
) -> AppResult<(Access, String, Vec<db::households::Household>, AmountsOf)> {
    let access = load(ctx, id).await?;
    let (tid, unit_id, sight) = (access.task.id, access.task.unit_id, access.sight);
    let actor = ctx.actor();
    let (unit, mut rows, amounts) = ctx
        .db(move |conn| {
            let rows = db::households::all_of_task(conn, tid)?;
            let amounts = match sight {
                Sight::Masked => AmountsOf::new(),
                _ => db::money::current_amounts(conn, tid)?,
            };
            // An export by a reviewer or administrator is logged once, with
            // how many households' details (or amounts) it held.
            let held = rows
                .iter()
                .filter(|h| h.has_personal_details() || amounts.contains_key(&h.id))
                .count();
            if sight == Sight::Logged && held > 0 {
                let read = audit::Change::new(
                    "read_personal",
                    "task",
                    tid,
                    serde_json::json!({"export": true, "households": held}),
                )
                .on_unit(unit_id);
                audit::record_read(conn, &actor, &read)?;
            }
            Ok((db::units::find(conn, unit_id)?.name, rows, amounts))
        })
        .await?;
    if sight == Sight::Masked {
        rows.iter_mut().for_each(db::households::Household::mask);
    }
    Ok((access, unit, rows, amounts))
}

fn priority_names(h: &db::households::Household) -> String {
    h.priority_groups
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|g| i18n::t(Locale::Vi, &format!("priority-{g}")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The header of an export: the import's columns, the plan's amounts and
/// their total, and the stage (the total and the stage are not read back).
fn export_header() -> Vec<String> {
    let mut header: Vec<String> = EXPORT_HEADERS.iter().map(|(_, h)| h.to_string()).collect();
    header.extend(AMOUNT_HEADERS.iter().map(|(_, h)| h.to_string()));
    header.push(i18n::t(Locale::Vi, "export-amount-total"));
    header.push(i18n::t(Locale::Vi, "field-stage"));
    header
}

/// The first column of the amounts in an export.
const AMOUNTS_FROM: usize = EXPORT_HEADERS.len();

/// A household's amounts as an export's cells (empty without a plan).
fn amount_cells(a: Option<&Amounts>) -> [String; 5] {
    match a {
        None => Default::default(),
        Some(a) => [a.land, a.structures, a.crops, a.support, a.total()].map(format::number),
    }
}

/// A household's cells in the order of `export_header`, as text (the area
/// and the amounts written the Vietnamese way, as the import reads them).
fn export_cells(i: usize, h: &db::households::Household, a: Option<&Amounts>) -> Vec<String> {
    let mut cells = vec![
        (i + 1).to_string(),
        h.head_name.clone(),
        h.address.clone(),
        h.residential_group.clone(),
        h.map_sheet.clone(),
        h.parcel_no.clone(),
        numbers::input(h.area_m2),
        h.land_type.clone(),
        priority_names(h),
        h.phone.clone(),
        h.notes.clone(),
    ];
    cells.extend(amount_cells(a));
    cells.push(i18n::t(Locale::Vi, &format!("stage-{}", h.stage)));
    cells
}

pub(crate) fn households_csv(
    rows: &[db::households::Household],
    amounts: &AmountsOf,
) -> AppResult<Vec<u8>> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, h)| export_cells(i, h, amounts.get(&h.id)))
        .collect();
    csv_bytes(&export_header(), &cells)
}

/// The XLSX export: title rows (list, task, unit, date) over the header,
/// which the import finds under them; the area as a number cell.
pub(crate) fn households_xlsx(
    title: &str,
    unit: &str,
    rows: &[db::households::Household],
    amounts: &AmountsOf,
) -> AppResult<Vec<u8>> {
    let fail = xlsx_error;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let whole = rust_xlsxwriter::Format::new().set_num_format("#,##0");
    let fraction = rust_xlsxwriter::Format::new().set_num_format("#,##0.0#");
    let sheet = book.add_worksheet();
    let title_row = format!(
        "{} – {}",
        i18n::t(Locale::Vi, "export-households-title"),
        title
    );
    let header_row = title_rows(sheet, Locale::Vi, &title_row, unit)?;
    for (c, h) in export_header().iter().enumerate() {
        sheet
            .write_string_with_format(header_row, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (i, h) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        let a = amounts.get(&h.id);
        let money = a.map(|a| [a.land, a.structures, a.crops, a.support, a.total()]);
        for (c, text) in export_cells(i, h, a).into_iter().enumerate() {
            match c {
                // Amounts as number cells, grouped as the reader's program shows numbers.
                c if (AMOUNTS_FROM..AMOUNTS_FROM + 5).contains(&c) => match money {
                    Some(m) => sheet
                        .write_number_with_format(r, c as u16, m[c - AMOUNTS_FROM] as f64, &whole)
                        .map(|_| ()),
                    None => Ok(()),
                },
                0 => sheet.write_number(r, 0, (i + 1) as f64).map(|_| ()),
                6 => {
                    let f = if h.area_m2.fract() == 0.0 {
                        &whole
                    } else {
                        &fraction
                    };
                    sheet
                        .write_number_with_format(r, 6, h.area_m2, f)
                        .map(|_| ())
                }
                c => sheet.write_string(r, c as u16, text).map(|_| ()),
            }
            .map_err(fail)?;
        }
    }
    sheet.autofit();
    sheet.set_column_width(0, 6).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

async fn export_csv(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, _, rows, amounts) = export_rows(&ctx, *id).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("ho-dan-viec-{}.csv", access.task.id),
        households_csv(&rows, &amounts)?,
    ))
}

async fn export_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, unit, rows, amounts) = export_rows(&ctx, *id).await?;
    Ok(attachment(
        XLSX,
        format!("ho-dan-viec-{}.xlsx", access.task.id),
        households_xlsx(&access.task.title, &unit, &rows, &amounts)?,
    ))
}

/// An example sheet for the import page ("Tải mẫu"): a title row, the
/// header, and two households written as offices write them.
async fn template(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?;
    let fail = xlsx_error;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet
        .write_string_with_format(0, 0, i18n::t(Locale::Vi, "import-template-title"), &bold)
        .map_err(fail)?;
    let header: Vec<&str> = EXPORT_HEADERS
        .iter()
        .chain(AMOUNT_HEADERS.iter())
        .map(|(_, h)| *h)
        .collect();
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(2, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let examples = [
        [
            "1",
            "Nguyễn Văn An",
            "Số 5 ngõ 12 Phú Thượng",
            "Tổ 3",
            "05",
            "166",
            "1.270,8",
            "ODT",
            "Người cao tuổi",
            "0912345678",
            "Toàn bộ thửa đất",
            "8.500.000.000",
            "1.230.000.000",
            "4.500.000",
            "180.000.000",
        ],
        [
            "2",
            "Trần Thị Bình",
            "Số 7 ngõ 12 Phú Thượng",
            "Tổ 3",
            "24",
            "141",
            "2.045",
            "CLN",
            "",
            "",
            "Một phần thửa",
            "",
            "",
            "",
            "",
        ],
    ];
    for (i, row) in examples.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet
                .write_string_with_format(3 + i as u32, c as u16, *cell, &text)
                .map_err(fail)?;
        }
    }
    sheet.autofit();
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(attachment(XLSX, "mau-danh-sach-ho.xlsx".into(), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::household_import::check_file;
    use crate::db::households::HouseholdFields;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Every Vietnamese vowel with every tone, both cases, and đ/Đ.
    const LETTERS: &str = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ";

    fn random_household(rng: &mut StdRng, letters: &[char]) -> db::households::Household {
        let mut word = |n: usize| -> String {
            (0..n)
                .map(|_| letters[rng.gen_range(0..letters.len())])
                .collect()
        };
        let name = format!("{} {} {}", word(5), word(3), word(4));
        let address = format!("Số {} {}", word(2), word(6));
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        // Areas in hundredths, as the pages show them, up to a million m².
        let area = rng.gen_range(0..100_000_000_u64) as f64 / 100.0;
        let leading = "0".repeat(rng.gen_range(0..3));
        let prefix = ["", "=", "+", "-", "@"][rng.gen_range(0..5)];
        db::households::Household {
            id: 0,
            task_id: 1,
            head_name: format!("{prefix}{name}"),
            search_text: String::new(),
            address,
            residential_group: format!("Tổ {}", rng.gen_range(1..30)),
            map_sheet: format!("{leading}{}", rng.gen_range(1..99)),
            parcel_no: format!("{}", rng.gen_range(1..9999)),
            area_m2: area,
            land_type: "ODT".into(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
            stage: "not_contacted".into(),
            last_visit_on: None,
            next_visit_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn key(h: &HouseholdFields) -> (String, String, String, String, String, i64) {
        (
            h.head_name.clone(),
            h.address.clone(),
            h.residential_group.clone(),
            h.map_sheet.clone(),
            h.parcel_no.clone(),
            (h.area_m2 * 100.0).round() as i64,
        )
    }

    #[test]
    fn every_export_reads_back_to_the_same_values() {
        let letters: Vec<char> = LETTERS.chars().collect();
        let mut rng = StdRng::seed_from_u64(2026);
        for round in 0..40 {
            let rows: Vec<_> = (0..25)
                .map(|i| db::households::Household {
                    id: i,
                    ..random_household(&mut rng, &letters)
                })
                .collect();
            // Every other household has a plan, with amounts up to a
            // thousand billion đồng.
            let amounts: AmountsOf = rows
                .iter()
                .filter(|h| h.id % 2 == 0)
                .map(|h| {
                    let mut n = || rng.gen_range(0..1_000_000_000_000i64);
                    (
                        h.id,
                        Amounts {
                            land: n(),
                            structures: n(),
                            crops: n(),
                            support: n(),
                        },
                    )
                })
                .collect();
            let want: Vec<_> = rows
                .iter()
                .map(|h| {
                    (
                        key(&db::households::fields_of(h)),
                        amounts.get(&h.id).copied(),
                    )
                })
                .collect();
            let csv = households_csv(&rows, &amounts).unwrap();
            let xlsx = households_xlsx("Việc khó", "Phường Phú Thượng", &rows, &amounts).unwrap();
            for (name, bytes) in [("x.csv", csv), ("x.xlsx", xlsx)] {
                let report = check_file(name, &bytes, Vec::new(), ImportOptions::default())
                    .unwrap_or_else(|e| panic!("round {round} {name}: {e}"));
                assert_eq!(
                    report.bad_count,
                    0,
                    "round {round} {name}: {:?}",
                    report
                        .bad
                        .first()
                        .map(|b| (&b.form.head_name, &b.form.area_m2, &b.errors))
                );
                let got: Vec<_> = report
                    .good
                    .iter()
                    .map(|g| (key(&g.fields), g.amounts))
                    .collect();
                assert_eq!(got, want, "round {round} {name}");
            }
        }
    }
}
