//! A task's households out, as CSV and XLSX that the import reads back,
//! and the example sheet of the import page.

use actix_web::{web, HttpResponse};

use crate::app::households::AmountsOf;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db;
use crate::domain::format;
use crate::domain::import::{AMOUNT_HEADERS, EXPORT_HEADERS};
use crate::domain::money::Amounts;
use crate::domain::numbers;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::routes::export::{attachment, csv_bytes, title_rows, xlsx_error, XLSX};
use crate::routes::tasks::Access;

/// The task's households as its reader may see them, and their plans'
/// amounts (`app::households::export`).
async fn export_rows(
    ctx: &Ctx,
    id: i64,
) -> AppResult<(Access, Vec<db::households::Household>, AmountsOf)> {
    crate::routes::call(ctx, move |c, who| app::households::export(c, who, id))
        .await?
        .map_err(Rejected::into_app_error)
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

pub(super) async fn export_csv(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, rows, amounts) = export_rows(&ctx, *id).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("ho-dan-viec-{}.csv", access.task.id),
        households_csv(&rows, &amounts)?,
    ))
}

pub(super) async fn export_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (access, rows, amounts) = export_rows(&ctx, *id).await?;
    Ok(attachment(
        XLSX,
        format!("ho-dan-viec-{}.xlsx", access.task.id),
        households_xlsx(&access.task.title, &access.unit.name, &rows, &amounts)?,
    ))
}

/// An example sheet for the import page ("Tải mẫu"): a title row, the
/// header, and two households written as offices write them.
pub(super) async fn template(ctx: Ctx) -> AppResult<HttpResponse> {
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
    use crate::app::household_import::{check_file, ImportOptions};
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
