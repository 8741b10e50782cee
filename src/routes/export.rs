//! What every spreadsheet the app writes has in common: sent as an
//! attachment, a CSV that a spreadsheet program opens without running a
//! formula, an XLSX sheet that says what it is, for whom and when above its
//! table (the import finds a header under such rows).

use actix_web::http::header;
use actix_web::HttpResponse;
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use crate::domain::format;
use crate::domain::import::neutralise;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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

pub(super) fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(e.to_string())
}

/// A sheet's title (bold) and, under it, the unit or scope and the day it
/// was made; returns the row where the table starts, one blank row below.
pub(super) fn title_rows(
    sheet: &mut Worksheet,
    locale: Locale,
    title: &str,
    scope: &str,
) -> AppResult<u32> {
    sheet
        .write_string_with_format(0, 0, title, &Format::new().set_bold())
        .map_err(xlsx_error)?;
    let made = format!(
        "{} {}",
        i18n::t(locale, "export-made-on"),
        format::date(format::today())
    );
    let line = if scope.is_empty() {
        made
    } else {
        format!("{scope} – {made}")
    };
    sheet.write_string(1, 0, line).map_err(xlsx_error)?;
    Ok(3)
}

/// Column widths fitted to the table, not to the title above it (which
/// would stretch the first column to the title's length).
pub(super) fn fit(sheet: &mut Worksheet) -> AppResult<()> {
    sheet.autofit();
    sheet.set_column_width(0, 28).map_err(xlsx_error)?;
    Ok(())
}

/// A CSV in UTF-8 with a byte-order mark (so that Excel opens it with its
/// accents), every cell a spreadsheet would run as a formula neutralised.
pub(super) fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let fail = |e: csv::Error| AppError::Internal(e.to_string());
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header.iter().map(|c| neutralise(c).into_owned()))
            .map_err(fail)?;
        for row in rows {
            w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
                .map_err(fail)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(out)
}

/// A cell of an exported table.
pub(in crate::routes) enum Cell {
    Text(String),
    Bold(String),
    Number(f64),
    Empty,
}

/// Adds a sheet (its name cut to the 31 characters a sheet name may have)
/// with the title above a table: its bold header row, then its rows.
pub(in crate::routes) fn table_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    locale: Locale,
    title: &str,
    (name, heads): (String, Vec<String>),
    rows: &[Vec<Cell>],
) -> AppResult<()> {
    let fail = xlsx_error;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet
        .set_name(name.chars().take(31).collect::<String>())
        .map_err(fail)?;
    let top = title_rows(sheet, locale, title, "")?;
    let head = heads.into_iter().map(Cell::Bold).collect();
    for (r, row) in std::iter::once(&head).chain(rows).enumerate() {
        let r = top + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s),
                Cell::Bold(s) => sheet.write_string_with_format(r, c, s, &bold),
                Cell::Number(n) => sheet.write_number(r, c, *n),
                Cell::Empty => continue,
            }
            .map_err(fail)?;
        }
    }
    fit(sheet)
}
