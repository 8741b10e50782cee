//! A household list imported into a task from the sheet a request carries,
//! with the page's import's checks.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app;
use crate::app::household_import::{check_off_the_pages, import, ImportOptions, Lines, MAX_UPLOAD};
use crate::app::tasks::Access;
use crate::db;
use crate::domain::numbers::DecimalSign;
use crate::domain::validate::FieldErrors;
use crate::routes::api::{created, Api, ApiError, ApiResult};

/// The task, if the reader may edit it (its owners and those who manage
/// tasks of its unit).
async fn editable(api: &Api, task_id: i64) -> ApiResult<Access> {
    api.call(move |c, who| app::tasks::editable::<()>(c, who, task_id))
        .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every line and answer what would be imported, writing nothing.
    #[serde(default)]
    dry_run: bool,
    /// Leave out lines whose parcel the task already holds (or an earlier
    /// line has).
    #[serde(default)]
    skip_duplicates: bool,
    /// The file's name, kept in the audit log.
    #[param(max_length = 200)]
    file_name: Option<String>,
    /// The file's text numbers use a decimal point (`1,270.8`) rather than
    /// the Vietnamese decimal comma (`1.270,8`), which is the rule otherwise.
    #[serde(default)]
    decimal_point: bool,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// Lines that hold a household.
    lines: usize,
    /// Households saved (or, with `dry_run`, that would be).
    imported: usize,
    /// Lines whose parcel the task already holds or an earlier line has.
    duplicate_lines: Vec<usize>,
    /// Of those, how many were left out (with `skip_duplicates`).
    skipped_duplicates: usize,
    /// Totals (`Tổng cộng`), section titles and column-number rows, not
    /// households.
    skipped_lines: Vec<usize>,
    /// Blank lines under the header.
    blank_lines: usize,
    /// Headers of columns that fill nothing.
    ignored_columns: Vec<String>,
    /// The encoding a CSV was converted from (`Windows-1258`, `TCVN3`, `VNI`).
    converted_from: Option<String>,
    /// Text cells converted from TCVN3 or VNI.
    converted_cells: usize,
    dry_run: bool,
}

/// Imports a household list: the body is the sheet itself, CSV (`text/csv`:
/// UTF-8, Windows-1258, TCVN3 or VNI, separated by commas, semicolons or
/// tabs) or XLSX/ODS (`application/octet-stream`; the first sheet), laid
/// out as the page's import takes it: title rows above the header, a
/// two-level merged header, totals and section rows (skipped and listed).
/// Text numbers are Vietnamese (`1.270,8`) unless `decimal_point`. At most
/// 200,000 rows, 64 columns, 5,000 characters a cell. Every line is checked by the household form; if any fails,
/// nothing is imported and the 422 names each field as
/// `lines.<line>.<field>`. Otherwise all lines are added in one transaction.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/households/import", tag = "households",
    params(("id" = i64, Path, description = "task id"), ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/octet-stream"),
    ), description = "the sheet, at most 5 MB"),
    responses(
        (status = 201, body = ImportOut, description = "imported"),
        (status = 200, body = ImportOut, description = "checked (dry_run)"),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn import_households(
    api: Api,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let access = editable(&api, *id).await?;
    // The right before the options: read once it is known.
    let q = web::Query::<ImportQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let file = q
        .file_name
        .clone()
        .map(|n| n.replace('\0', ""))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "api".into());
    if file.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "file_name is over 200 characters".into(),
        ));
    }
    let bytes = super::body(payload, MAX_UPLOAD, "file").await?;
    let file_error = |key: &str| {
        let mut e = FieldErrors::default();
        e.add("file", key);
        api.invalid(e)
    };
    if bytes.is_empty() {
        return Err(file_error("import-error-no-file"));
    }
    let tid = access.task.id;
    let existing = api
        .db(move |c| Ok(db::households::parcels_of_task(c, tid)?))
        .await?;
    let options = ImportOptions {
        decimal: if q.decimal_point {
            DecimalSign::Point
        } else {
            DecimalSign::Comma
        },
    };
    let report = check_off_the_pages(&api.state, file.clone(), bytes, existing, options)
        .await?
        .map_err(file_error)?;
    if report.bad_count > 0 {
        return Err(api.invalid(report.field_errors()));
    }
    let duplicate_lines = report.duplicate_lines();
    let lines = report.households();
    let out = |imported: usize, skipped_duplicates: usize, dry_run: bool| ImportOut {
        lines,
        imported,
        duplicate_lines: duplicate_lines.clone(),
        skipped_duplicates,
        skipped_lines: report.skipped.iter().map(|(l, _)| *l).collect(),
        blank_lines: report.blank,
        ignored_columns: report.ignored.clone(),
        converted_from: report.reading.encoding.map(str::to_string),
        converted_cells: report.reading.legacy_cells.iter().map(|(_, n)| n).sum(),
        dry_run,
    };
    if q.dry_run {
        let skipped = if q.skip_duplicates {
            duplicate_lines.len()
        } else {
            0
        };
        return Ok(HttpResponse::Ok().json(out(lines - skipped, skipped, true)));
    }
    let answer = out(0, 0, false);
    let rows = report.into_rows();
    let (lines, skip) = (Lines::Checked { file, rows }, q.skip_duplicates);
    let done = api
        .call(move |c, who| import(c, who, tid, lines, skip))
        .await?;
    let out = ImportOut {
        imported: done.saved,
        skipped_duplicates: done.skipped_duplicates,
        ..answer
    };
    Ok(created(
        &format!("/api/v1/tasks/{tid}/households"),
        &out,
        None,
    ))
}
