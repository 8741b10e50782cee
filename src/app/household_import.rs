//! A household list read and checked (every line through the household
//! checks), then saved all at once: the use case behind the import page and
//! the API's import.

use std::collections::HashSet;

use serde_json::json;

use super::households::HouseholdForm;
use crate::db::households::{HouseholdFields, ImportRow};
use crate::db::{self, audit};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::domain::import::{
    find_header, parcel_key, skip_reason, unneutralise, Cell, Column, Header, Skip, HEADER_SCAN,
};
use crate::domain::numbers::{self, DecimalSign};
use crate::domain::search::fold;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::sheet;

/// Uploads larger than this are refused before parsing.
pub const MAX_UPLOAD: usize = 5 * 1024 * 1024;

/// How to read a file's text numbers.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub decimal: DecimalSign,
}

/// A cell as the household form takes it: numbers written the way the form
/// reads them, dates `dd/mm/yyyy`; a text area read by the file's decimal
/// sign (an error is kept for the form's own).
fn form_value(cell: &Cell, column: Column, options: ImportOptions, e: &mut FieldErrors) -> String {
    match (cell, column) {
        (Cell::Empty, _) => String::new(),
        (Cell::Number(n), Column::Area) => numbers::input(*n),
        (Cell::Text(t), Column::Area) if options.decimal == DecimalSign::Point => {
            match numbers::parse_decimal(t, DecimalSign::Point) {
                Ok(v) => v.map(numbers::input).unwrap_or_default(),
                Err(err) => {
                    e.add("area_m2", err.key());
                    t.clone()
                }
            }
        }
        (Cell::Date(d), Column::Area) => {
            e.add("area_m2", "error-number");
            format::date(*d)
        }
        (Cell::Text(t), _) => unneutralise(t.trim()).to_string(),
        // Parcel and sheet numbers, phone numbers kept as numbers.
        (Cell::Number(n), _) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        (Cell::Number(n), _) => numbers::input(*n),
        (Cell::Date(d), _) => format::date(*d),
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

/// An amount cell in đồng: a whole number cell, or text written the way
/// the file writes numbers (`8.500.000.000 đ` by default).
fn amount_value(
    cell: &Cell,
    field: &str,
    options: ImportOptions,
    e: &mut FieldErrors,
) -> Option<i64> {
    match cell {
        Cell::Empty => None,
        Cell::Number(n) if *n < 0.0 => {
            e.add(field, "error-number-negative");
            None
        }
        Cell::Number(n) if n.fract() != 0.0 => {
            e.add(field, "error-number-whole");
            None
        }
        Cell::Number(n) if *n > crate::domain::money::MAX_AMOUNT as f64 => {
            e.add(field, "error-number-too-large");
            None
        }
        Cell::Number(n) => Some(*n as i64),
        Cell::Text(t) if options.decimal == DecimalSign::Point => {
            match numbers::parse_decimal(t, DecimalSign::Point) {
                Ok(Some(v)) if v.fract() == 0.0 => e.money_value(field, Some(v as i64)),
                Ok(Some(_)) => {
                    e.add(field, "error-number-whole");
                    None
                }
                Ok(None) => None,
                Err(err) => {
                    e.add(field, err.key());
                    None
                }
            }
        }
        Cell::Text(t) => e.money(field, t),
        Cell::Date(_) => {
            e.add(field, "error-number");
            None
        }
    }
}

/// A line that holds a household and passed the form's checks.
pub struct GoodLine {
    pub line: usize,
    pub fields: HouseholdFields,
    /// The amounts of its first compensation plan, if the sheet had some.
    pub amounts: Option<crate::domain::money::Amounts>,
    /// Its parcel is already in the task or on an earlier line.
    pub duplicate: bool,
}

/// A line the form's checks refused: what it said and why.
pub struct BadLine {
    pub line: usize,
    pub form: HouseholdForm,
    pub errors: FieldErrors,
}

/// Bad lines kept with their values; past this only counted.
const BAD_LINES_KEPT: usize = 1_000;

/// A household list read and checked, nothing saved.
#[derive(Default)]
pub struct Report {
    pub reading: sheet::Reading,
    /// Headers of columns that fill nothing.
    pub ignored: Vec<String>,
    pub good: Vec<GoodLine>,
    pub bad: Vec<BadLine>,
    pub bad_count: usize,
    /// Totals, section titles and column numbers, with their lines.
    pub skipped: Vec<(usize, Skip)>,
    pub blank: usize,
}

impl Report {
    /// Lines that hold a household (good or bad).
    pub fn households(&self) -> usize {
        self.good.len() + self.bad_count
    }

    /// The good lines as a staged or saved import keeps them.
    pub fn into_rows(self) -> Vec<ImportRow> {
        let row = |g: GoodLine| ImportRow {
            fields: g.fields,
            amounts: g.amounts,
        };
        self.good.into_iter().map(row).collect()
    }

    pub fn duplicates(&self) -> usize {
        self.good.iter().filter(|g| g.duplicate).count()
    }

    pub fn duplicate_lines(&self) -> Vec<usize> {
        self.good
            .iter()
            .filter(|g| g.duplicate)
            .map(|g| g.line)
            .collect()
    }

    /// `lines.<n>.<field>` → message key, for the API's 422.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for b in &self.bad {
            for (field, key) in b.errors.iter() {
                errors.add(&format!("lines.{}.{field}", b.line), key);
            }
        }
        if self.bad_count > self.bad.len() {
            errors.add("lines", "import-error-more-lines");
        }
        errors
    }
}

/// Reads rows as they come: the first rows until the header is found, then
/// each line under it checked at once, so only checked households are held.
struct Checker {
    options: ImportOptions,
    seen: HashSet<(String, String)>,
    first_rows: Vec<(usize, Vec<Cell>)>,
    header: Option<Header>,
    /// Past `HEADER_SCAN` rows without a header: the rest is not read.
    headless: bool,
    last_line: usize,
    /// Bytes of text held in checked households: a small XLSX can repeat one
    /// long shared string in every cell.
    kept_text: usize,
    report: Report,
}

/// Text the checked households of one file may hold.
const MAX_KEPT_TEXT: usize = 64 * 1024 * 1024;

impl Checker {
    fn push(&mut self, line: usize, cells: Vec<Cell>) {
        if self.kept_text > MAX_KEPT_TEXT {
            return;
        }
        if self.header.is_some() {
            self.check(line, cells);
        } else if !self.headless {
            self.first_rows.push((line, cells));
            if self.first_rows.len() == HEADER_SCAN {
                self.find_header();
            }
        }
    }

    fn find_header(&mut self) {
        let rows: Vec<Vec<Cell>> = self.first_rows.iter().map(|(_, c)| c.clone()).collect();
        match find_header(&rows) {
            Some(header) => {
                let from = header.data_from;
                self.last_line = self.first_rows[from - 1].0;
                self.report.ignored = header.ignored.clone();
                self.header = Some(header);
                for (line, cells) in std::mem::take(&mut self.first_rows).into_iter().skip(from) {
                    self.check(line, cells);
                }
            }
            None => self.headless = true,
        }
    }

    fn check(&mut self, line: usize, cells: Vec<Cell>) {
        let Some(header) = &self.header else { return };
        self.report.blank += line.saturating_sub(self.last_line + 1);
        self.last_line = line;
        if let Some(skip) = skip_reason(&cells, &header.columns) {
            self.report.skipped.push((line, skip));
            return;
        }
        let mut form = HouseholdForm::default();
        let mut errors = FieldErrors::default();
        let mut amounts = crate::domain::money::Amounts::default();
        let mut has_amounts = false;
        for (column, cell) in header.columns.iter().zip(&cells) {
            let Some(column) = *column else { continue };
            let slot = match column {
                Column::Land => Some(("land", &mut amounts.land)),
                Column::Structures => Some(("structures", &mut amounts.structures)),
                Column::Crops => Some(("crops", &mut amounts.crops)),
                Column::Support => Some(("support", &mut amounts.support)),
                _ => None,
            };
            if let Some((field, slot)) = slot {
                if let Some(n) = amount_value(cell, field, self.options, &mut errors) {
                    *slot = n;
                    has_amounts = true;
                }
                continue;
            }
            let value = form_value(cell, column, self.options, &mut errors);
            match column {
                Column::HeadName => form.head_name = value,
                Column::Address => form.address = value,
                Column::ResidentialGroup => form.residential_group = value,
                Column::MapSheet => form.map_sheet = value,
                Column::ParcelNo => form.parcel_no = value,
                Column::Area => form.area_m2 = value,
                Column::LandType => form.land_type = value,
                Column::PriorityGroups => form.priority_groups = priority_codes(&value),
                Column::Phone => form.phone = value,
                Column::Notes => form.notes = value,
                Column::RowNumber
                | Column::Land
                | Column::Structures
                | Column::Crops
                | Column::Support => {}
            }
        }
        // What reading the cells found comes first, then the form's checks.
        let checked = match super::households::check(&form.input()) {
            Ok(fields) if errors.is_empty() => Ok(fields),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.merge(more);
                Err(errors)
            }
        };
        match checked {
            Ok(fields) => {
                self.kept_text += [
                    &fields.head_name,
                    &fields.address,
                    &fields.residential_group,
                    &fields.map_sheet,
                    &fields.parcel_no,
                    &fields.land_type,
                    &fields.phone,
                    &fields.notes,
                ]
                .iter()
                .map(|t| t.len())
                .sum::<usize>();
                let duplicate = !fields.parcel_no.is_empty()
                    && !self
                        .seen
                        .insert(parcel_key(&fields.map_sheet, &fields.parcel_no));
                self.report.good.push(GoodLine {
                    line,
                    fields,
                    amounts: has_amounts.then_some(amounts),
                    duplicate,
                });
            }
            Err(errors) => {
                self.report.bad_count += 1;
                if self.report.bad.len() < BAD_LINES_KEPT {
                    // Kept to be shown, so kept short whatever the cell held.
                    for text in [
                        &mut form.head_name,
                        &mut form.address,
                        &mut form.residential_group,
                        &mut form.map_sheet,
                        &mut form.parcel_no,
                        &mut form.area_m2,
                        &mut form.land_type,
                        &mut form.phone,
                        &mut form.notes,
                    ] {
                        *text = format::short(text, 80);
                    }
                    self.report.bad.push(BadLine { line, form, errors });
                }
            }
        }
    }
}

/// Reads and checks a household list; `existing` are the parcels (sheet,
/// number) the task already holds. An error key when the file cannot be
/// read, has no head-of-household column or no households.
pub fn check_file(
    name: &str,
    bytes: &[u8],
    existing: Vec<(String, String)>,
    options: ImportOptions,
) -> Result<Report, &'static str> {
    let mut checker = Checker {
        options,
        seen: existing.iter().map(|(s, p)| parcel_key(s, p)).collect(),
        first_rows: Vec::new(),
        header: None,
        headless: false,
        last_line: 0,
        kept_text: 0,
        report: Report::default(),
    };
    let reading = sheet::read(name, bytes, sheet::LIMITS, &mut |line, cells| {
        checker.push(line, cells);
    })
    .map_err(sheet::SheetError::key)?;
    if checker.kept_text > MAX_KEPT_TEXT {
        return Err("import-error-too-much-text");
    }
    if checker.header.is_none() && !checker.headless {
        if checker.first_rows.is_empty() {
            return Err("import-error-empty");
        }
        checker.find_header();
    }
    if checker.header.is_none() {
        return Err("import-error-no-name-column");
    }
    let mut report = checker.report;
    report.reading = reading;
    if report.households() == 0 {
        return Err("import-error-empty");
    }
    Ok(report)
}

/// `check_file` on a thread of its own, one file at a time, so that a large
/// upload neither holds a thread that serves pages nor runs beside another.
pub async fn check_off_the_pages(
    state: &crate::state::AppState,
    name: String,
    bytes: Vec<u8>,
    existing: Vec<(String, String)>,
    options: ImportOptions,
) -> AppResult<Result<Report, &'static str>> {
    // The turn goes with the thread: a request given up on does not let
    // a second file start beside a first still being read.
    let turn = state
        .imports
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("import".into())
        .spawn(move || {
            // A parser's panic on a crafted file is a refusal of the file,
            // not a lost answer.
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check_file(&name, &bytes, existing, options)
            }))
            .unwrap_or(Err("import-error-unreadable"));
            let _ = tx.send(checked);
            drop(turn);
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    rx.await.map_err(|e| AppError::Internal(e.to_string()))
}

/// What a confirmed import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub saved: usize,
    pub skipped_duplicates: usize,
    /// Households given a first plan from the sheet's amounts.
    pub plans: usize,
}

/// The lines an import saves: an upload the page checked and staged (its
/// id), or the lines a request carried, checked, with the file's name.
pub enum Lines {
    Staged(i64),
    Checked { file: String, rows: Vec<ImportRow> },
}

/// Saves the lines on the task (those who may edit it) in one audited
/// transaction, or none. A staged upload is the uploader's own, taken once:
/// `NotFound` when already confirmed, expired or someone else's.
pub fn import(
    conn: &mut db::DbConnection,
    who: &super::Caller,
    task_id: i64,
    lines: Lines,
    skip_duplicates: bool,
) -> Result<Imported, super::Rejected> {
    let task = super::tasks::editable(conn, who, task_id)?.task;
    let done = audit::write_if(conn, &who.actor, |c| {
        let (file, rows) = match lines {
            Lines::Checked { file, rows } => (file, rows),
            Lines::Staged(id) => match db::households::take_import(c, id, task.id, who.id)? {
                Some(staged) => staged,
                None => return Ok((None, None)),
            },
        };
        let (done, change) = import_rows(c, &task, &file, &rows, skip_duplicates, who.id)?;
        Ok((Some(done), Some(change)))
    })?;
    done.ok_or(super::Rejected::NotFound)
}

/// Adds checked rows to the task (in the caller's transaction), skipping
/// those on a parcel the task already holds (or an earlier row has) when
/// `skip_duplicates`: what was done, and the audit entry naming the file.
fn import_rows(
    conn: &mut db::DbConnection,
    task: &db::tasks::Task,
    file: &str,
    rows: &[ImportRow],
    skip_duplicates: bool,
    by: i64,
) -> AppResult<(Imported, audit::Change)> {
    let mut seen: HashSet<(String, String)> = db::households::parcels_of_task(conn, task.id)?
        .iter()
        .map(|(s, p)| parcel_key(s, p))
        .collect();
    let kept: Vec<&ImportRow> = rows
        .iter()
        .filter(|row| {
            let f = &row.fields;
            let new = f.parcel_no.is_empty() || seen.insert(parcel_key(&f.map_sheet, &f.parcel_no));
            new || !skip_duplicates
        })
        .collect();
    let fields: Vec<&HouseholdFields> = kept.iter().map(|r| &r.fields).collect();
    let ids = db::households::create_many(conn, task, &fields)?;
    // Households with amounts start with a first version of their plan.
    let plans: Vec<(i64, crate::domain::money::Amounts)> = ids
        .iter()
        .zip(&kept)
        .filter_map(|(id, row)| row.amounts.map(|a| (*id, a)))
        .collect();
    let planned = db::money::add_first_plans(conn, task, &plans, by)?;
    let done = Imported {
        saved: kept.len(),
        skipped_duplicates: rows.len() - kept.len(),
        plans: planned,
    };
    let change = audit::Change::new(
        "import_households",
        "task",
        task.id,
        json!({"file": file, "rows": rows.len(), "imported": done.saved,
               "skipped_duplicates": done.skipped_duplicates, "plans": done.plans}),
    )
    .on_unit(task.unit_id);
    Ok((done, change))
}
