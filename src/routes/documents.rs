//! The documents page: a document's head (issuing body, number, place and
//! date, signer, recipients) filled from the records and editable, the
//! document below it as it will print; the same document as a print page
//! alone or as DOCX. All by GET: nothing is stored.

use actix_web::http::{header, StatusCode};
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use actix_multipart::Multipart;

use super::{unit_settings, HtmlForm};
use crate::app::documents::{attach_scan, make, report, scan_access, scan_record, Kind, Made};
use crate::app::Rejected;
use crate::attachments;
use crate::context::Ctx;
use crate::db;
use crate::documents::{docx, Block, Document, Head};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/documents/scans/{id}", get().to(download_scan))
        .route("/documents/{kind}/{id}", get().to(document))
        .route("/documents/{kind}/{id}/scans", post().to(attach))
        .route("/admin/units/{id}/documents", get().to(settings))
        .route("/admin/units/{id}/documents", post().to(save_settings));
}

/// The head as the page's form sends it.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct HeadForm {
    body_above: String,
    issuer: String,
    number: String,
    place: String,
    date: String,
    authority: String,
    position: String,
    signer: String,
    recipients: String,
    proposals: String,
}

impl HeadForm {
    fn of(h: &Head) -> HeadForm {
        HeadForm {
            body_above: h.body_above.clone(),
            issuer: h.issuer.clone(),
            number: h.number.clone(),
            place: h.place.clone(),
            date: h.date.map(format::date).unwrap_or_default(),
            authority: h.authority.clone(),
            position: h.position.clone(),
            signer: h.signer.clone(),
            recipients: h.recipients.clone(),
            proposals: h.proposals.clone(),
        }
    }

    /// The head typed; a date written wrong or a field over its length is
    /// an error on it.
    fn read(&self, e: &mut FieldErrors) -> Head {
        let fields = [
            ("body_above", &self.body_above, 300),
            ("issuer", &self.issuer, 300),
            ("number", &self.number, 60),
            ("place", &self.place, 100),
            ("authority", &self.authority, 300),
            ("position", &self.position, 100),
            ("signer", &self.signer, 100),
            ("recipients", &self.recipients, 2000),
            // The head travels in the address (GET): kept short enough for it.
            ("proposals", &self.proposals, 1000),
        ];
        for (name, value, max) in fields {
            if value.chars().count() > max || value.contains('\0') {
                e.add(name, "error-too-long");
            }
        }
        let date = match self.date.trim() {
            "" => None,
            typed => {
                let d = format::parse_any_date(typed);
                if d.is_none() {
                    e.add("date", "error-date");
                }
                d
            }
        };
        Head {
            body_above: self.body_above.clone(),
            issuer: self.issuer.clone(),
            number: self.number.clone(),
            place: self.place.clone(),
            date,
            authority: self.authority.clone(),
            position: self.position.clone(),
            signer: self.signer.clone(),
            recipients: self.recipients.clone(),
            proposals: self.proposals.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DocQuery {
    /// `print` (the document alone), `docx`, or the page with its form.
    format: String,
    /// The one household an invitation is for.
    household: String,
    /// Set by the form: the head below was typed, not the default.
    edited: String,
    /// The page of a long table shown (`?page=N`); text, as a flattened
    /// query reads every value.
    page: String,
    #[serde(flatten)]
    head: HeadForm,
}

impl DocQuery {
    /// The query without its page, as the pager's links keep it.
    fn kept(&self) -> Vec<(String, String)> {
        let mut q = vec![
            ("format".to_string(), self.format.clone()),
            ("household".to_string(), self.household.clone()),
            ("edited".to_string(), self.edited.clone()),
        ];
        if self.edited == "1" {
            if let Ok(Value::Object(head)) = serde_json::to_value(&self.head) {
                for (k, v) in head {
                    q.push((k, v.as_str().unwrap_or_default().to_string()));
                }
            }
        }
        q.retain(|(_, v)| !v.is_empty());
        q
    }
}

/// Rows of a document's long table shown on one page; the DOCX (and the
/// printed DOCX) has every row.
const TABLE_PAGE: i64 = 100;

/// Which rows of a long document a page shows, and the links around them.
pub(super) struct Rows {
    /// `?page=N`, from 1.
    pub page: Option<i64>,
    /// The query the pager's links keep.
    pub keep: Vec<(String, String)>,
    /// Where the whole document is, as DOCX.
    pub docx: String,
}

/// The document as the print template reads it: each table's rows of the
/// page `rows` asks for when the longest is longer than a page (the
/// totals row on the last page), with the pager; the other blocks on
/// every page.
fn view(doc: &Document, rows: &Rows) -> Value {
    let (above, issuer) = doc.issuer_lines();
    let longest = doc
        .body
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t.rows.len() as i64),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let paged = longest > TABLE_PAGE;
    let pages = (longest + TABLE_PAGE - 1) / TABLE_PAGE;
    let mut page = super::Page::new(rows.page, TABLE_PAGE);
    page.number = page.number.min(pages.max(1));
    let (from, to) = if paged {
        (
            page.offset().min(longest) as usize,
            (page.offset() + page.size).min(longest) as usize,
        )
    } else {
        (0, longest as usize)
    };
    let last_page = !paged || page.number >= pages;
    let paging = paged.then(|| {
        let keep: Vec<(&str, String)> = rows
            .keep
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        json!({
            "pagination": page.view(longest, &keep),
            "from": format::number(from as i64 + 1),
            "to": format::number(to as i64),
            "total": format::number(longest),
            "docx": rows.docx,
        })
    });
    json!({
        "above": above,
        "issuer": issuer,
        "number_line": doc.number_line(),
        "date_line": doc.date_line(),
        "kind": doc.kind,
        "subject": doc.subject,
        "dispatch_subject": doc.dispatch_subject(),
        "to": doc.to,
        "body": doc.body.iter().map(|b| match b {
            Block::Table(t) => {
                let cells = |row: &Vec<String>| {
                    row.iter()
                        .enumerate()
                        .map(|(i, v)| json!({"v": v, "num": t.numeric.contains(&i)}))
                        .collect::<Vec<_>>()
                };
                let shown = &t.rows[from.min(t.rows.len())..to.min(t.rows.len())];
                json!({
                    "kind": "table",
                    "t": {"header": t.header},
                    "rows": shown.iter().map(cells).collect::<Vec<_>>(),
                    "totals": t.totals.as_ref().filter(|_| last_page).map(cells),
                })
            }
            other => serde_json::to_value(other).unwrap_or_default(),
        }).collect::<Vec<_>>(),
        "signed": doc.signed,
        "authority": doc.authority_lines(),
        "signer": doc.head.signer,
        "recipients": doc.recipients(),
        "paging": paging,
    })
}

async fn document(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    q: web::Query<DocQuery>,
) -> AppResult<HttpResponse> {
    let (kind, id) = path.into_inner();
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let q = q.into_inner();
    let household = q.household.trim().parse::<i64>().ok();
    let mut errors = FieldErrors::default();
    let typed = (q.edited == "1").then(|| q.head.read(&mut errors));
    let who = ctx.caller()?;
    let state = ctx.state.clone();
    let made = ctx
        .db(move |c| match kind {
            Kind::Report => report(c, &state, &who, id, typed),
            _ => make(c, &who, kind, id, household, typed)
                .map_err(crate::app::Rejected::into_app_error),
        })
        .await?;
    let doc = &made.document;
    if errors.is_empty() && q.format == "docx" {
        let bytes = docx::write(doc).map_err(AppError::Internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", made.file_name),
            ))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(bytes));
    }
    let editing = !(errors.is_empty() && q.format == "print");
    let form = if q.edited == "1" {
        q.head.clone()
    } else {
        HeadForm::of(&doc.head)
    };
    let keep = q.kept();
    let mut whole = keep.clone();
    whole.retain(|(k, _)| k != "format");
    whole.push(("format".into(), "docx".into()));
    let rows = Rows {
        page: q.page.trim().parse().ok(),
        keep,
        docx: format!(
            "/documents/{}/{id}?{}",
            kind.as_str(),
            serde_urlencoded::to_string(&whole).unwrap_or_default()
        ),
    };
    // Rendered once: a page takes the flash messages waiting for it.
    if editing && scan_record(kind).is_some() {
        let at = (id, household);
        return with_scans(&ctx, &made, kind, at, &rows, &form, &errors).await;
    }
    show(
        &ctx,
        &made,
        kind,
        household,
        &rows,
        editing.then_some((&form, &errors)),
    )
}

/// The page with the record's signed scans and, for those who may, the
/// form to attach one.
async fn with_scans(
    ctx: &Ctx,
    made: &Made,
    kind: Kind,
    (id, household): (i64, Option<i64>),
    rows: &Rows,
    form: &HeadForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let record = scan_record(kind).unwrap_or_default();
    let user = ctx.user()?.clone();
    let (scans, may_attach) = ctx
        .db(move |c| {
            let scans = db::documents::scans(c, record, id)?;
            let may = scan_access(c, &user, kind, id, true, None).is_ok();
            Ok((scans, may))
        })
        .await?;
    let csrf = crate::auth::session::csrf_token(&ctx.session)?;
    render(
        ctx,
        made,
        (kind, household),
        rows,
        Some((form, errors)),
        json!({
            "list": scans,
            "may_attach": may_attach,
            "action": format!("/documents/{}/{id}/scans?_csrf={}", kind.as_str(), format::url_encode(&csrf)),
        }),
    )
}

/// The page: the head's form above the document when `editing`, else the
/// document alone (the print page).
fn show(
    ctx: &Ctx,
    made: &Made,
    kind: Kind,
    household: Option<i64>,
    rows: &Rows,
    editing: Option<(&HeadForm, &FieldErrors)>,
) -> AppResult<HttpResponse> {
    render(ctx, made, (kind, household), rows, editing, Value::Null)
}

fn render(
    ctx: &Ctx,
    made: &Made,
    (kind, household): (Kind, Option<i64>),
    rows: &Rows,
    editing: Option<(&HeadForm, &FieldErrors)>,
    scans: Value,
) -> AppResult<HttpResponse> {
    let doc = &made.document;
    let no_errors = FieldErrors::default();
    let (form, errors) = match editing {
        Some((f, e)) => (f.clone(), e),
        None => (HeadForm::of(&doc.head), &no_errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("{} — {}", doc.kind, doc.subject);
    ctx.render_status(
        status,
        "documents/show",
        json!({
            "title": title,
            "editing": editing.is_some(),
            "kind": kind.as_str(),
            "household": household,
            "back": made.back,
            "f": super::form_view(&form, errors),
            "has_errors": !errors.is_empty(),
            "doc": view(doc, rows),
            "scans": scans,
        }),
    )
}

/// Attaches the scan of the signed paper to the record (multipart: `file`).
async fn attach(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let (kind, id) = path.into_inner();
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let back = format!("/documents/{}/{id}#scans", kind.as_str());
    let file = match attachments::read(payload).await {
        Ok(u) if u.refused.is_none() => u.file,
        Ok(u) => {
            ctx.flash("error", u.refused.unwrap_or("upload-error"));
            return Ok(ctx.redirect(&back));
        }
        Err(key) => {
            ctx.flash("error", key);
            return Ok(ctx.redirect(&back));
        }
    };
    let who = ctx.caller()?;
    let files = ctx.state.config.data_dir.clone();
    let attached = ctx
        .db(move |c| Ok(attach_scan(c, &who, kind, id, file, &files)))
        .await?;
    match attached {
        Ok(_) => ctx.flash("success", "documents-scan-attached"),
        Err(Rejected::Invalid(e)) => ctx.flash("error", e.get("file").unwrap_or("upload-error")),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&back))
}

/// A signed scan, as a download, to whoever may see its record's scans.
async fn download_scan(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, who) = (*id, ctx.caller()?);
    let scan = ctx
        .db(move |c| {
            let scan = db::documents::scan(c, id)?.ok_or(AppError::NotFound)?;
            let kind = Kind::parse(&scan.record_kind).ok_or(AppError::NotFound)?;
            scan_access(c, &who, kind, scan.record_id, false, Some(&who.actor))
                .map_err(Rejected::into_app_error)?;
            Ok(scan)
        })
        .await?;
    super::serve_file(&ctx, &scan.sha256, super::Served::Download(&scan.file_name)).await
}

/// A unit's document settings, as its administrators keep them.
async fn settings(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (unit, set) = unit_settings::load(&ctx, *id, db::documents::settings).await?;
    let page = unit_settings::page(&unit, &set, &FieldErrors::default());
    ctx.render("documents/settings", page)
}

async fn save_settings(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<db::documents::UnitDocuments>,
) -> AppResult<HttpResponse> {
    let (unit, before) = unit_settings::load(&ctx, *id, db::documents::settings).await?;
    let mut set = form.0;
    set.unit_id = unit.id;
    set.updated_at = db::now();
    let mut errors = FieldErrors::default();
    for (name, value, max) in [
        ("body_above", &set.body_above, 300),
        ("issuer", &set.issuer, 300),
        ("place", &set.place, 100),
        ("authority", &set.authority, 300),
        ("position", &set.position, 100),
        ("signer", &set.signer, 100),
    ] {
        if value.chars().count() > max || value.contains('\0') {
            errors.add(name, "error-too-long");
        }
    }
    if !errors.is_empty() {
        let page = unit_settings::page(&unit, &set, &errors);
        return ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, "documents/settings", page);
    }
    let changes = db::audit::diff(&before, &set);
    let write = db::documents::set_settings;
    let logged = ("document_settings", changes);
    unit_settings::save(&ctx, unit.id, set, write, logged, "documents").await
}

/// A made document's print page.
pub(super) fn print(ctx: &Ctx, made: &Made, kind: Kind, rows: &Rows) -> AppResult<HttpResponse> {
    show(ctx, made, kind, None, rows, None)
}
