//! The import of parcel shapes from a cadastral file: the upload, read on
//! a thread of its own, a preview with the attributes chosen, and the
//! confirmation that stores them.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::parcel_text;
use crate::app::parcels::{self as app, Choice, Outcome, Preview, System};
use crate::app::Rejected;
use crate::context::Ctx;
use crate::domain::format;
use crate::error::{AppError, AppResult};
use crate::geo::crs::{Crs, PROVINCES};
use crate::geo::read::{self, MAX_UPLOAD};
use crate::i18n::{self, Locale};
use crate::routes::{options, HtmlForm};

fn render_upload(
    ctx: &Ctx,
    status: StatusCode,
    task: (i64, &str),
    error: Option<String>,
) -> AppResult<HttpResponse> {
    ctx.render_status(
        status,
        "maps/import",
        json!({
            "title": i18n::t(ctx.locale, "parcels-import-title"),
            "task": {"id": task.0, "title": task.1},
            "error": error,
        }),
    )
}

async fn editable_task(ctx: &Ctx, id: i64) -> AppResult<crate::app::tasks::Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |c| {
        crate::app::tasks::editable::<()>(c, &user, id).map_err(Rejected::into_app_error)
    })
    .await
}

pub(super) async fn upload_form(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = editable_task(&ctx, *id).await?;
    render_upload(
        &ctx,
        StatusCode::OK,
        (access.task.id, &access.task.title),
        None,
    )
}

/// Reads the file on a thread of its own (one file at a time, as the
/// household import does), keeps it for confirmation and shows its preview.
pub(super) async fn upload(
    ctx: Ctx,
    id: web::Path<i64>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let access = editable_task(&ctx, *id).await?;
    let task = (access.task.id, access.task.title.as_str());
    let fail = |key: &str| {
        render_upload(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            task,
            Some(i18n::t(ctx.locale, key)),
        )
    };
    let (name, bytes) = match crate::attachments::read_within(payload, MAX_UPLOAD).await {
        Ok(u) if u.refused.is_some() => return fail("parcels-error-too-large"),
        Ok(u) => match u.file {
            Some((name, bytes)) => (format::short(&name.replace('\0', ""), 200), bytes),
            None => return fail("import-error-no-file"),
        },
        Err("upload-error-too-large") => return fail("parcels-error-too-large"),
        Err(key) => return fail(key),
    };
    let layer = off_the_pages(&ctx, move || read::read(&bytes))
        .await?
        .unwrap_or(Err("parcels-error-unreadable"));
    let layer = match layer {
        Ok(l) if l.features.is_empty() => return fail("parcels-error-none"),
        Ok(l) => l,
        Err(key) => return fail(key),
    };
    let user = ctx.user()?.clone();
    let tid = access.task.id;
    let staged = ctx
        .db(move |c| app::stage(c, &user, tid, &name, &layer).map_err(Rejected::into_app_error))
        .await?;
    Ok(ctx.redirect(&format!("/tasks/{tid}/parcels/import/{staged}")))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ChoiceForm {
    sheet: String,
    parcel: String,
    system: String,
}

impl ChoiceForm {
    fn choice(&self) -> Choice {
        let attr = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
        Choice {
            sheet: attr(&self.sheet),
            parcel: attr(&self.parcel),
            system: System::parse(&self.system),
        }
    }
}

/// Rows shown in full (every refused one is shown besides).
const PREVIEW_ROWS: usize = 300;

fn outcome_text(locale: Locale, o: &Outcome) -> (String, &'static str) {
    match o {
        Outcome::Matched(ids) if ids.len() > 1 => (
            i18n::t_args(
                locale,
                "parcels-matched-several",
                &[("n", ids.len().to_string())],
            ),
            "on_time",
        ),
        Outcome::Matched(_) => (i18n::t(locale, "parcels-matched"), "on_time"),
        Outcome::NoHousehold => (i18n::t(locale, "parcels-no-household"), "due_soon"),
        Outcome::Duplicate(first) => (
            i18n::t_args(locale, "parcels-duplicate", &[("row", first.to_string())]),
            "overdue",
        ),
        Outcome::Ambiguous => (i18n::t(locale, "parcels-ambiguous"), "overdue"),
        Outcome::Bad(key) => (i18n::t(locale, key), "overdue"),
    }
}

fn preview_view(locale: Locale, p: &Preview, form: &ChoiceForm) -> Value {
    let attr_options = |chosen: &Option<String>| {
        let mut items = vec![(
            app::NONE.to_string(),
            i18n::t(locale, "parcels-attribute-none"),
        )];
        items.extend(p.attributes.iter().map(|a| (a.clone(), a.clone())));
        options(items, chosen.as_deref().unwrap_or(app::NONE))
    };
    let mut systems = vec![
        ("auto".to_string(), i18n::t(locale, "parcels-system-auto")),
        ("wgs84".to_string(), "WGS84".to_string()),
        ("utm48".to_string(), "VN-2000 / UTM 48N (105°)".to_string()),
        ("utm49".to_string(), "VN-2000 / UTM 49N (111°)".to_string()),
    ];
    systems.extend(PROVINCES.iter().map(|(name, d, m)| {
        (
            name.to_string(),
            format!("VN-2000 — {name} (KTT {d}°{m:02}')"),
        )
    }));
    let system_choice = if form.system.is_empty() {
        "auto"
    } else {
        form.system.as_str()
    };
    let bad = |o: &Outcome| {
        matches!(
            o,
            Outcome::Bad(_) | Outcome::Duplicate(_) | Outcome::Ambiguous
        )
    };
    let rows: Vec<Value> = p
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i < PREVIEW_ROWS || bad(&r.outcome))
        .map(|(_, r)| {
            let (text, badge) = outcome_text(locale, &r.outcome);
            json!({
                "number": r.number,
                "sheet": r.sheet,
                "parcel": r.parcel_no,
                "area": r.parcel.as_ref().map(|p| format::decimal(p.area_m2)),
                "result": text,
                "badge": badge,
                "bad": bad(&r.outcome),
            })
        })
        .collect();
    let missing: Vec<Value> = p
        .missing
        .iter()
        .take(500)
        .map(|(h, had)| {
            json!({
                "id": h.id,
                "name": h.head_name,
                "parcel": if h.parcel_no.is_empty() { String::new() } else { parcel_text(locale, &h.map_sheet, &h.parcel_no) },
                "has_shape": had,
            })
        })
        .collect();
    let declared = match &p.declared {
        read::Declared::Nothing => i18n::t(locale, "parcels-declared-nothing"),
        read::Declared::Known(c) => c.label(),
        read::Declared::Unknown(name) => name.clone(),
    };
    json!({
        "sheet_options": attr_options(&p.sheet),
        "parcel_options": attr_options(&p.parcel),
        "system_options": options(systems, system_choice),
        "system": p.system.as_ref().map(Crs::label).ok(),
        "system_error": p.system.as_ref().err().map(|k| i18n::t(locale, k)),
        "declared": declared,
        "rows": rows,
        "shown_all": p.rows.len() <= PREVIEW_ROWS,
        "total": p.rows.len(),
        "matched": p.matched(),
        "no_household": p.count(|o| matches!(o, Outcome::NoHousehold)),
        "bad": p.count(bad),
        "replaced": p.replaced,
        "missing": missing,
        "missing_count": p.missing.len(),
        "can_confirm": p.system.is_ok() && p.matched() > 0,
        "form": {
            "sheet": p.sheet.as_deref().unwrap_or(app::NONE),
            "parcel": p.parcel.as_deref().unwrap_or(app::NONE),
            "system": system_choice,
        },
    })
}

/// Runs `f` on a thread of its own, one file at a time (the household
/// import's turn), so that checking thousands of shapes neither holds a
/// thread that serves pages nor runs beside another; a panic in the
/// geometry libraries is a refusal, not a lost answer.
async fn off_the_pages<T: Send + 'static>(
    ctx: &Ctx,
    f: impl FnOnce() -> T + Send + 'static,
) -> AppResult<Option<T>> {
    let turn = ctx
        .state
        .imports
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let done = web::block(move || {
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
        drop(turn);
        done
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(done)
}

/// The uploader's staged file and its preview with `choice`.
async fn checked(
    ctx: &Ctx,
    tid: i64,
    import_id: i64,
    choice: Choice,
) -> AppResult<(app::Staged, Preview)> {
    let user = ctx.user()?.clone();
    let staged = ctx
        .db(move |c| app::staged(c, &user, tid, import_id).map_err(Rejected::into_app_error))
        .await?;
    let (staged, preview) = off_the_pages(ctx, move || {
        let preview = staged.preview(&choice);
        (staged, preview)
    })
    .await?
    .ok_or_else(|| AppError::BadRequest("parcels-error-unreadable".into()))?;
    Ok((staged, preview))
}

pub(super) async fn preview(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    q: web::Query<ChoiceForm>,
) -> AppResult<HttpResponse> {
    let (tid, import_id) = path.into_inner();
    let form = q.into_inner();
    let (staged, p) = checked(&ctx, tid, import_id, form.choice()).await?;
    let mut data = preview_view(ctx.locale, &p, &form);
    data["title"] = json!(i18n::t(ctx.locale, "parcels-preview-title"));
    data["task"] = json!({"id": staged.access.task.id, "title": staged.access.task.title});
    data["file_name"] = json!(staged.name);
    data["import_id"] = json!(import_id);
    ctx.render("maps/preview", data)
}

pub(super) async fn confirm(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: HtmlForm<ChoiceForm>,
) -> AppResult<HttpResponse> {
    let (tid, import_id) = path.into_inner();
    let (staged, preview) = checked(&ctx, tid, import_id, form.0.choice()).await?;
    let done = crate::routes::call(&ctx, move |c, who| {
        app::confirm(c, who, &staged, import_id, &preview)
    })
    .await?;
    match done {
        Ok(done) => {
            let message = i18n::t_args(
                ctx.locale,
                "parcels-imported",
                &[
                    ("saved", format::number(done.saved as i64)),
                    ("replaced", format::number(done.replaced as i64)),
                ],
            );
            ctx.flash_text("success", &message);
            Ok(ctx.redirect(&format!("/tasks/{tid}/map")))
        }
        Err(Rejected::NotAllowed(key)) => {
            ctx.flash("error", key);
            Ok(ctx.redirect(&format!("/tasks/{tid}/parcels/import/{import_id}")))
        }
        Err(r) => Err(r.into_app_error()),
    }
}
