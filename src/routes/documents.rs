//! The documents page: a document's head (issuing body, number, place and
//! date, signer, recipients) filled from the records and editable, the
//! document below it as it will print; the same document as a print page
//! alone or as DOCX. All by GET: nothing is stored.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::documents::{make, report, Kind, Made};
use crate::context::Ctx;
use crate::documents::{docx, Block, Document, Head};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/documents/{kind}/{id}", web::get().to(document));
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
            ("proposals", &self.proposals, 10_000),
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
    #[serde(flatten)]
    head: HeadForm,
}

/// The document as the print template reads it.
fn view(doc: &Document) -> Value {
    let (above, issuer) = doc.issuer_lines();
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
                json!({
                    "kind": "table",
                    "t": t,
                    "rows": t.rows.iter().map(cells).collect::<Vec<_>>(),
                    "totals": t.totals.as_ref().map(cells),
                })
            }
            other => serde_json::to_value(other).unwrap_or_default(),
        }).collect::<Vec<_>>(),
        "signed": doc.signed,
        "authority": doc.authority_lines(),
        "signer": doc.head.signer,
        "recipients": doc.recipients(),
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
    let (user, actor) = (ctx.user()?.clone(), ctx.actor());
    let state = ctx.state.clone();
    let made = ctx
        .db(move |c| match kind {
            Kind::Report => report(c, &state, &user, id, typed),
            _ => make(c, &user, &actor, kind, id, household, typed)
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
    let form = if q.edited == "1" { q.head.clone() } else { HeadForm::of(&doc.head) };
    show(&ctx, &made, kind, household, editing.then_some((&form, &errors)))
}

/// The page: the head's form above the document when `editing`, else the
/// document alone (the print page).
fn show(
    ctx: &Ctx,
    made: &Made,
    kind: Kind,
    household: Option<i64>,
    editing: Option<(&HeadForm, &FieldErrors)>,
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
            "doc": view(doc),
        }),
    )
}

/// A made document's print page.
pub(super) fn print(ctx: &Ctx, made: &Made, kind: Kind) -> AppResult<HttpResponse> {
    show(ctx, made, kind, None, None)
}
