//! Spreadsheets as offices send them, read into rows of typed cells: XLSX
//! (Excel, LibreOffice), ODS (LibreOffice) and CSV in UTF-8, Windows-1258,
//! TCVN3 or VNI. Memory stays bounded whatever a file claims: a zip is
//! unpacked into nothing first to learn its real size, a sheet is read cell
//! by cell (never sized from its last cell), and rows, columns and a cell's
//! length stop at `LIMITS`. What the cells mean is `domain::import`'s work.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

pub use crate::domain::import::Cell;
use crate::domain::legacy;

/// How much of a file is read before it is refused.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Rows of the sheet, title and header rows included.
    pub rows: usize,
    pub columns: usize,
    /// Characters kept of a cell; a longer one is cut one past this, so that
    /// the field's own length check still refuses it.
    pub cell_chars: usize,
    /// Bytes an XLSX or ODS may unpack to.
    pub unpacked: u64,
}

/// The limits stated in docs/features.md ("Importing household lists").
pub const LIMITS: Limits = Limits {
    rows: 200_000,
    columns: 64,
    cell_chars: 5_000,
    unpacked: 64 * 1024 * 1024,
};

/// Why a file could not be read; each names its translation key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetError {
    Xlsx,
    Ods,
    Csv,
    TooManyRows,
    TooManyColumns,
    /// The archive unpacks to more than `Limits::unpacked`.
    Unpacked,
}

impl SheetError {
    pub fn key(self) -> &'static str {
        match self {
            SheetError::Xlsx => "import-error-xlsx",
            SheetError::Ods => "import-error-ods",
            SheetError::Csv => "import-error-csv",
            SheetError::TooManyRows => "import-error-rows",
            SheetError::TooManyColumns => "import-error-columns",
            SheetError::Unpacked => "import-error-unpacked",
        }
    }
}

/// What reading the file converted, for the preview to say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// The encoding a CSV was converted from (`Windows-1258`, `TCVN3`, `VNI`).
    pub encoding: Option<&'static str>,
    /// Text cells converted from a legacy font encoding, by encoding.
    pub legacy_cells: Vec<(&'static str, usize)>,
    /// The legacy encoding the sheet's text was first found in.
    sheet_encoding: Option<legacy::Legacy>,
}

impl Reading {
    fn converted(&mut self, encoding: legacy::Legacy) {
        let name = encoding.name();
        match self.legacy_cells.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => self.legacy_cells.push((name, 1)),
        }
        self.sheet_encoding.get_or_insert(encoding);
    }
}

/// Calls `each` with every row that holds a value, in order, with its line
/// number in the sheet (the first row is line 1).
pub fn read(
    name: &str,
    bytes: &[u8],
    limits: Limits,
    each: &mut dyn FnMut(usize, Vec<Cell>),
) -> Result<Reading, SheetError> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") || lower.ends_with(".ods") {
        let is_ods = lower.ends_with(".ods") || has_entry(bytes, "content.xml");
        let error = if is_ods {
            SheetError::Ods
        } else {
            SheetError::Xlsx
        };
        let content = unpack_within(bytes, limits.unpacked, error)?;
        if is_ods {
            ods_extent_within(&content.unwrap_or_default(), limits)?;
            return read_ods(bytes, Rows::new(limits, each));
        }
        return read_xlsx(bytes, Rows::new(limits, each));
    }
    read_csv(bytes, Rows::new(limits, each))
}

fn has_entry(bytes: &[u8], entry: &str) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .map(|z| z.index_for_name(entry).is_some())
        .unwrap_or(false)
}

/// Unpacks every entry into nothing, counting, so that a small file that
/// claims (or hides) a huge content is refused before a parser holds it;
/// returns ODS's `content.xml`, which is then measured.
fn unpack_within(
    bytes: &[u8],
    limit: u64,
    error: SheetError,
) -> Result<Option<Vec<u8>>, SheetError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| error)?;
    if zip.len() > 10_000 {
        return Err(SheetError::Unpacked);
    }
    let mut total: u64 = 0;
    let mut content = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| error)?;
        let left = limit - total;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let mut limited = (&mut entry).take(left + 1);
        let n = if name == "content.xml" {
            let mut buf = Vec::new();
            let n = limited.read_to_end(&mut buf).map_err(|_| error)? as u64;
            content = Some(buf);
            n
        } else if name == "xl/sharedStrings.xml" {
            let mut buf = Vec::new();
            let n = limited.read_to_end(&mut buf).map_err(|_| error)? as u64;
            shared_strings_within(&buf)?;
            n
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| error)?
        };
        total += n;
        if total > limit {
            return Err(SheetError::Unpacked);
        }
    }
    Ok(content)
}

/// The parser reserves room for as many shared strings as the file says it
/// holds: a count the XML cannot hold (each takes more than ten bytes) is a
/// lie told to make it reserve terabytes.
fn shared_strings_within(xml: &[u8]) -> Result<(), SheetError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for a in e.attributes().flatten() {
                    if matches!(a.key.as_ref(), "count" | "uniqueCount") {
                        let n: u64 = a.value.parse().map_err(|_| SheetError::Xlsx)?;
                        if n.saturating_mul(10) > xml.len() as u64 {
                            return Err(SheetError::Xlsx);
                        }
                    }
                }
                return Ok(());
            }
            Ok(Event::Eof) => return Ok(()),
            Err(_) => return Err(SheetError::Xlsx),
            _ => {}
        }
        buf.clear();
    }
}

/// An ODS names repeated rows and cells by count; the parser expands every
/// run between two values, so the used extent is measured here first.
fn ods_extent_within(content: &[u8], limits: Limits) -> Result<(), SheetError> {
    use quick_xml::events::{BytesStart, Event};
    fn repeats(e: &BytesStart, attr: &str) -> usize {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == attr)
            .and_then(|a| a.value.parse().ok())
            .unwrap_or(1)
    }
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let (mut row, mut row_repeats, mut col, mut last_col) = (0usize, 1usize, 0usize, 0usize);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Ods)?;
        match event {
            Event::Start(e) if e.name().as_ref() == "table:table" => row = 0,
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeats = repeats(&e, "table:number-rows-repeated");
                (col, last_col) = (0, 0);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(repeats(&e, "table:number-rows-repeated"));
            }
            Event::Start(ref e) | Event::Empty(ref e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeats(e, "table:number-columns-repeated");
                // Anything but a style, a validation or the count may give
                // the cell a value (a formula, a value without a type).
                let has_value = matches!(event, Event::Start(_))
                    || e.attributes().flatten().any(|a| {
                        !matches!(
                            a.key.as_ref(),
                            "table:style-name"
                                | "table:content-validation-name"
                                | "table:number-columns-repeated"
                        )
                    });
                col = col.saturating_add(n);
                if has_value {
                    last_col = col;
                }
            }
            // `<text:s text:c="N"/>`: N spaces, which the parser writes out.
            Event::Start(ref e) | Event::Empty(ref e)
                if e.name().as_ref() == "text:s" && repeats(e, "text:c") > limits.cell_chars =>
            {
                return Err(SheetError::Ods);
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if last_col > 0 {
                    if last_col > limits.columns {
                        return Err(SheetError::TooManyColumns);
                    }
                    if row.saturating_add(row_repeats) > limits.rows {
                        return Err(SheetError::TooManyRows);
                    }
                }
                row = row.saturating_add(row_repeats);
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// What reading a text cell found of legacy encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Plain,
    Converted,
    /// Could be Unicode Vietnamese or TCVN3/VNI (`Ghi chó`, `Hoà`).
    Undecided,
}

/// Text as it is kept: NFC, without NUL, cut past the limit, converted from
/// TCVN3 or VNI when typed in such a font. A short cell that could be either
/// (`Ghi chó`) is marked to be read in the encoding the rest of the sheet
/// turns out to be in.
fn text_cell(raw: &str, limits: Limits, reading: &mut Reading) -> (Cell, Mark) {
    let cut: String = raw
        .chars()
        .filter(|c| *c != '\0')
        .take(limits.cell_chars + 1)
        .collect();
    let (text, mark) = match legacy::convert(&cut) {
        Some((encoding, converted)) => {
            reading.converted(encoding);
            (converted, Mark::Converted)
        }
        None if cut.is_ascii() => (cut, Mark::Plain),
        None => (cut.nfc().collect(), Mark::Undecided),
    };
    if text.trim().is_empty() {
        (Cell::Empty, Mark::Plain)
    } else {
        (Cell::Text(text), mark)
    }
}

fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn cell_of(value: &DataRef<'_>, limits: Limits, reading: &mut Reading) -> (Cell, Mark) {
    let cell = match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) if f.is_finite() => Cell::Number(*f),
        DataRef::Float(_) => Cell::Empty,
        DataRef::String(s) => return text_cell(s, limits, reading),
        DataRef::SharedString(s) => return text_cell(s, limits, reading),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        // A serial the calendar can hold (1900 to 9999); outside, chrono
        // would panic, so it stays a number.
        DataRef::DateTime(d) if d.is_datetime() && (1.0..2_958_466.0).contains(&d.as_f64()) => {
            match d.as_datetime() {
                Some(dt) => Cell::Date(dt.date()),
                None => Cell::Number(d.as_f64()),
            }
        }
        DataRef::DateTime(d) => Cell::Number(d.as_f64()),
        DataRef::DateTimeIso(s) => match iso_date(s) {
            Some(d) => Cell::Date(d),
            None => return text_cell(s, limits, reading),
        },
        DataRef::DurationIso(s) => return text_cell(s, limits, reading),
        DataRef::Error(e) => Cell::Text(format!("#{e}")),
    };
    (cell, Mark::Plain)
}

fn cell_of_data(value: &calamine::Data, limits: Limits, reading: &mut Reading) -> (Cell, Mark) {
    use calamine::Data;
    let as_ref = match value {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => match iso_date(s) {
            Some(d) => return (Cell::Date(d), Mark::Plain),
            None => DataRef::SharedString(s),
        },
        Data::DurationIso(s) => DataRef::SharedString(s),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    };
    cell_of(&as_ref, limits, reading)
}

/// Rows held back at the start, so that a short, undecided cell of the
/// header or the first lines is read in the legacy encoding that other cells
/// of its column show, once they have shown it.
const HOLD_ROWS: usize = 40;

/// Collects cells into rows, refusing what lies past the limits.
struct Rows<'a> {
    limits: Limits,
    reading: Reading,
    line: Option<usize>,
    cells: Vec<Cell>,
    /// Columns of the current row whose text is undecided, or converted.
    undecided: Vec<usize>,
    converted: Vec<usize>,
    /// Columns where some cell of a table row (not a title alone on its
    /// row) was found in a legacy encoding.
    legacy_columns: std::collections::HashSet<usize>,
    held: Vec<(usize, Vec<Cell>, Vec<usize>)>,
    holding: bool,
    each: &'a mut dyn FnMut(usize, Vec<Cell>),
}

impl<'a> Rows<'a> {
    fn new(limits: Limits, each: &'a mut dyn FnMut(usize, Vec<Cell>)) -> Rows<'a> {
        Rows {
            limits,
            reading: Reading::default(),
            line: None,
            cells: Vec::new(),
            undecided: Vec::new(),
            converted: Vec::new(),
            legacy_columns: Default::default(),
            held: Vec::new(),
            holding: true,
            each,
        }
    }

    fn put(
        &mut self,
        row: usize,
        col: usize,
        (cell, mark): (Cell, Mark),
    ) -> Result<(), SheetError> {
        if cell.is_empty() {
            return Ok(());
        }
        if row >= self.limits.rows {
            return Err(SheetError::TooManyRows);
        }
        if col >= self.limits.columns {
            return Err(SheetError::TooManyColumns);
        }
        if self.line != Some(row + 1) {
            self.end_row();
            self.line = Some(row + 1);
        }
        if self.cells.len() <= col {
            self.cells.resize(col + 1, Cell::Empty);
        }
        self.cells[col] = cell;
        match mark {
            Mark::Converted => self.converted.push(col),
            Mark::Undecided => self.undecided.push(col),
            Mark::Plain => {}
        }
        Ok(())
    }

    /// Reads a row's undecided cells in the sheet's legacy encoding, where
    /// their column holds text found in it; other text is left as it is
    /// (a Unicode `Châu Lê` under a TCVN3 title stays `Châu Lê`).
    fn settle(&mut self, cells: &mut [Cell], undecided: &[usize]) {
        let Some(encoding) = self.reading.sheet_encoding else {
            return;
        };
        for &col in undecided {
            if !self.legacy_columns.contains(&col) {
                continue;
            }
            if let Some(Cell::Text(t)) = cells.get(col) {
                if let Some(converted) = legacy::convert_as(t, encoding) {
                    cells[col] = Cell::Text(converted);
                    self.reading.converted(encoding);
                }
            }
        }
    }

    fn end_row(&mut self) {
        let Some(line) = self.line.take() else { return };
        let mut cells = std::mem::take(&mut self.cells);
        let undecided = std::mem::take(&mut self.undecided);
        let converted = std::mem::take(&mut self.converted);
        if cells.iter().filter(|c| !c.is_empty()).count() > 1 {
            self.legacy_columns.extend(converted);
        }
        if self.holding {
            self.held.push((line, cells, undecided));
            if self.held.len() >= HOLD_ROWS {
                self.release();
            }
            return;
        }
        self.settle(&mut cells, &undecided);
        (self.each)(line, cells);
    }

    fn release(&mut self) {
        self.holding = false;
        for (line, mut cells, undecided) in std::mem::take(&mut self.held) {
            self.settle(&mut cells, &undecided);
            (self.each)(line, cells);
        }
    }

    /// Hands over what is left; what reading converted.
    fn finish(mut self) -> Reading {
        self.end_row();
        self.release();
        self.reading
    }
}

fn read_xlsx(bytes: &[u8], mut rows: Rows<'_>) -> Result<Reading, SheetError> {
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::Xlsx)?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::Xlsx)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| SheetError::Xlsx)?;
    while let Some(cell) = cells.next_cell().map_err(|_| SheetError::Xlsx)? {
        let (r, c) = cell.get_position();
        let value = cell_of(cell.get_value(), rows.limits, &mut rows.reading);
        rows.put(r as usize, c as usize, value)?;
    }
    Ok(rows.finish())
}

fn read_ods(bytes: &[u8], mut rows: Rows<'_>) -> Result<Reading, SheetError> {
    let mut book: calamine::Ods<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| SheetError::Ods)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(SheetError::Ods)?
        .map_err(|_| SheetError::Ods)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    for (i, row) in range.rows().enumerate() {
        for (j, data) in row.iter().enumerate() {
            let value = cell_of_data(data, rows.limits, &mut rows.reading);
            rows.put(top as usize + i, left as usize + j, value)?;
        }
    }
    Ok(rows.finish())
}

/// The separator of a CSV: the one a line among the first holds most of
/// (the header, usually), so that a title line above it or commas inside
/// addresses do not mislead; `;` before tab before `,` on a tie.
fn csv_delimiter(text: &str) -> u8 {
    let most = |d: char| {
        text.lines()
            .take(30)
            .map(|l| l.matches(d).count())
            .max()
            .unwrap_or(0)
    };
    let mut best = (b',', most(','));
    for (d, c) in [(b'\t', '\t'), (b';', ';')] {
        let n = most(c);
        if n >= best.1 && n > 0 {
            best = (d, n);
        }
    }
    best.0
}

fn read_csv(bytes: &[u8], mut rows: Rows<'_>) -> Result<Reading, SheetError> {
    let (text, encoding) = legacy::decode_bytes(bytes);
    // One line end, so that lines are counted alike whatever wrote the file
    // (a line break inside a quoted cell is stored as LF too).
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    rows.reading.encoding = encoding;
    let delimiter = csv_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let limits = rows.limits;
    // The line in the file of each record (the reader passes over blank
    // lines), counted from the byte where the record starts.
    let (mut counted_to, mut line) = (0usize, 0usize);
    for record in reader.records() {
        let record = record.map_err(|_| SheetError::Csv)?;
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize);
        // A record is said to start where the blank lines before it start.
        while text.as_bytes().get(start) == Some(&b'\n') {
            start += 1;
        }
        if let Some(skipped) = text.as_bytes().get(counted_to..start) {
            line += skipped.iter().filter(|b| **b == b'\n').count();
            counted_to = start;
        }
        let i = line;
        for (j, field) in record.iter().enumerate() {
            // A whole file decoded from a legacy encoding is converted
            // already; a UTF-8 file may still hold TCVN3 or VNI text.
            let cell = if encoding.is_some() {
                let t: String = field.chars().take(limits.cell_chars + 1).collect();
                let cell = if t.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t)
                };
                (cell, Mark::Plain)
            } else {
                text_cell(field, limits, &mut rows.reading)
            };
            rows.put(i, j, cell)?;
        }
    }
    Ok(rows.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(name: &str, bytes: &[u8]) -> Result<Vec<(usize, Vec<Cell>)>, SheetError> {
        let mut rows = Vec::new();
        read(name, bytes, LIMITS, &mut |line, cells| {
            rows.push((line, cells));
        })?;
        Ok(rows)
    }

    #[test]
    fn a_csv_separator_is_found_under_a_title_line_and_past_commas_in_addresses() {
        let text =
            "DANH SÁCH CÁC HỘ\n\nSTT;Chủ hộ;Địa chỉ;Diện tích\n1;An;Số 5, ngõ 12, Hà Nội;1.270,8\n";
        assert_eq!(csv_delimiter(text), b';');
        let rows = rows_of("a.csv", text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3, "blank lines hold no row");
        assert_eq!(rows[2].0, 4, "lines keep their numbers");
        assert_eq!(rows[2].1[2], Cell::Text("Số 5, ngõ 12, Hà Nội".into()));
        // Windows line ends, and a quoted field over two lines.
        let crlf = text
            .replace('\n', "\r\n")
            .replace("1;An;", "1;\"An\r\nB\";");
        let rows = rows_of("a.csv", crlf.as_bytes()).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![1, 3, 4],
            "{rows:?}"
        );
        let more = format!("{crlf}2;Bình;;5\r\n");
        let rows = rows_of("a.csv", more.as_bytes()).unwrap();
        assert_eq!(
            rows.last().map(|r| r.0),
            Some(6),
            "after the two-line field"
        );
        assert_eq!(
            csv_delimiter("Chủ hộ,Địa chỉ,Thửa\nAn,\"Số 5; ngõ 12\",1\n"),
            b','
        );
        assert_eq!(csv_delimiter("Chủ hộ\tĐịa chỉ\n"), b'\t');
    }

    #[test]
    fn a_cell_past_the_limit_is_cut_one_past_it_and_nul_is_dropped() {
        let long = format!("Chủ hộ\n{}\n", "A".repeat(20_000));
        let rows = rows_of("a.csv", long.as_bytes()).unwrap();
        assert_eq!(
            rows[1].1[0].text().map(|t| t.chars().count()),
            Some(LIMITS.cell_chars + 1)
        );
        let rows = rows_of("a.csv", "Chủ hộ\nA\0n\n".as_bytes()).unwrap();
        assert_eq!(rows[1].1[0], Cell::Text("An".into()));
    }

    #[test]
    fn rows_and_columns_past_the_limits_are_refused() {
        let limits = Limits {
            rows: 3,
            columns: 2,
            ..LIMITS
        };
        let mut each = |_: usize, _: Vec<Cell>| {};
        assert_eq!(
            read("a.csv", b"a\nb\nc\nd\n", limits, &mut each),
            Err(SheetError::TooManyRows)
        );
        assert_eq!(
            read("a.csv", b"a,b,c\n", limits, &mut each),
            Err(SheetError::TooManyColumns)
        );
        // Empty cells past the limits are no data.
        assert!(read("a.csv", b"a,b,,,\n\n\n\n\n", limits, &mut each).is_ok());
    }

    #[test]
    fn a_broken_or_foreign_file_is_an_error_not_a_panic() {
        let mut each = |_: usize, _: Vec<Cell>| {};
        assert_eq!(
            read("a.xlsx", b"PK\x03\x04garbage", LIMITS, &mut each),
            Err(SheetError::Xlsx)
        );
        assert_eq!(
            read("a.ods", b"PK\x03\x04garbage", LIMITS, &mut each),
            Err(SheetError::Ods)
        );
        for n in 0..=255u8 {
            let _ = read("x", &[b'P', b'K', 3, 4, n, n, n], LIMITS, &mut each);
            let _ = read("x.csv", &[n, b';', n, b'\n'], LIMITS, &mut each);
        }
    }

    #[test]
    fn an_archive_that_unpacks_past_the_limit_is_refused_before_parsing() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Chủ hộ").unwrap();
        sheet.write_string(1, 0, "A".repeat(30_000)).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let small = Limits {
            unpacked: 20_000,
            ..LIMITS
        };
        let mut each = |_: usize, _: Vec<Cell>| {};
        assert_eq!(
            read("a.xlsx", &bytes, small, &mut each),
            Err(SheetError::Unpacked)
        );
        assert!(read("a.xlsx", &bytes, LIMITS, &mut each).is_ok());
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use std::io::Write;

    /// The archive with one entry's text replaced.
    fn rezip(bytes: &[u8], name: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let entry_name = entry.name().unwrap().to_string();
            let mut text = Vec::new();
            entry.read_to_end(&mut text).unwrap();
            if entry_name == name {
                text = edit(String::from_utf8(text).unwrap()).into_bytes();
            }
            out.start_file(entry_name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&text).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn xlsx(build: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        build(book.add_worksheet());
        book.save_to_buffer().unwrap()
    }

    fn read_all(name: &str, bytes: &[u8]) -> Result<Vec<(usize, Vec<Cell>)>, SheetError> {
        let mut rows = Vec::new();
        read(name, bytes, LIMITS, &mut |l, c| rows.push((l, c)))?;
        Ok(rows)
    }

    #[test]
    fn a_shared_string_count_the_file_cannot_hold_is_refused() {
        let bytes = xlsx(|s| {
            s.write_string(0, 0, "Chủ hộ").unwrap();
        });
        let lie = rezip(&bytes, "xl/sharedStrings.xml", |x| {
            x.replace("uniqueCount=\"1\"", "uniqueCount=\"100000000000\"")
        });
        assert_ne!(bytes, lie);
        assert_eq!(read_all("a.xlsx", &lie), Err(SheetError::Xlsx));
        assert!(read_all("a.xlsx", &bytes).is_ok());
    }

    #[test]
    fn a_date_cell_far_outside_the_calendar_stays_a_number() {
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        let bytes = xlsx(|s| {
            s.write_number_with_format(0, 0, -1e12, &date).unwrap();
            s.write_number_with_format(0, 1, 45945.0, &date).unwrap();
        });
        let rows = read_all("a.xlsx", &bytes).unwrap();
        assert_eq!(rows[0].1[0], Cell::Number(-1e12));
        assert_eq!(
            rows[0].1[1],
            Cell::Date(NaiveDate::from_ymd_opt(2025, 10, 15).unwrap())
        );
    }

    fn ods(content_rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="A">{content_rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file("mimetype", stored).unwrap();
        out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        out.start_file(
            "META-INF/manifest.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        out.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#)
            .unwrap();
        out.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(content.as_bytes()).unwrap();
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn ods_runs_and_spaces_that_would_expand_past_the_limits_are_refused() {
        let fine = ods(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Chủ hộ</text:p></table:table-cell></table:table-row>"#,
        );
        assert!(
            read_all("a.ods", &fine).is_ok(),
            "{:?}",
            read_all("a.ods", &fine)
        );
        // A value without a type, repeated over every column and many rows.
        let wide = ods(
            r#"<table:table-row table:number-rows-repeated="2000"><table:table-cell office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert_eq!(read_all("a.ods", &wide), Err(SheetError::TooManyColumns));
        let formula = ods(
            r#"<table:table-row table:number-rows-repeated="300000"><table:table-cell table:formula="of:=1"/></table:table-row>"#,
        );
        assert_eq!(read_all("a.ods", &formula), Err(SheetError::TooManyRows));
        let spaces = ods(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="200000000"/>b</text:p></table:table-cell></table:table-row>"#,
        );
        assert_eq!(read_all("a.ods", &spaces), Err(SheetError::Ods));
    }

    #[test]
    fn unicode_names_under_a_tcvn3_title_are_left_alone() {
        // A title typed in .VnTime above a table typed in Unicode.
        let text = "DANH S\u{b8}CH C\u{b8}C H\u{e9} D\u{a9}N\nChủ hộ;Ghi chú\nChâu Lê;Cô Tô\n";
        let rows = read_all("a.csv", text.as_bytes()).unwrap();
        assert_eq!(rows[0].1[0], Cell::Text("DANH SÁCH CÁC HỘ DÂN".into()));
        assert_eq!(rows[2].1[0], Cell::Text("Châu Lê".into()));
        assert_eq!(rows[2].1[1], Cell::Text("Cô Tô".into()));
    }

    #[test]
    fn lines_are_counted_across_several_blank_lines() {
        let rows = read_all("a.csv", b"\n\nH;x\n\n\n\nAn;1\n").unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 7]);
    }
}
