//! The page edge's form steps: a form as templates read it, both versions of
//! a conflict side by side, and the one path from a use case's answer to
//! "saved" or the form shown again (`after_form`, `save_edit`).

use crate::app::Rejected;
use crate::context::{Caller, Ctx};
use crate::error::{AppError, AppResult};

/// A form as templates read it: for each field its value as typed and the
/// translation key of its error (or null), so strict templates need no lookups.
pub fn form_view(
    form: &impl serde::Serialize,
    errors: &crate::domain::validate::FieldErrors,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(form) {
        for (name, value) in fields {
            let error = errors.get(&name).map(str::to_string);
            out.insert(name, serde_json::json!({"value": value, "error": error}));
        }
    }
    // Errors on fields the form struct does not carry still reach the page.
    for (name, key) in errors.iter() {
        out.entry(name.clone())
            .or_insert_with(|| serde_json::json!({"value": "", "error": key}));
    }
    serde_json::Value::Object(out)
}

/// The fields where the form as typed differs from the record as saved
/// now, for a conflict page (`partials/conflict`): each with the translation
/// key of its label (`label_prefix` + the field's name, `_` as `-`), what
/// was typed and what is saved; lists shown comma-separated.
pub fn conflict_view(
    mine: &impl serde::Serialize,
    theirs: &impl serde::Serialize,
    label_prefix: &str,
) -> serde_json::Value {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let fields: Vec<Value> = match (serde_json::to_value(mine), serde_json::to_value(theirs)) {
        (Ok(Value::Object(a)), Ok(Value::Object(b))) => a
            .iter()
            .filter(|(k, v)| *k != "version" && b.get(*k).map(text) != Some(text(v)))
            .map(|(k, v)| {
                serde_json::json!({
                    "label": format!("{label_prefix}{}", k.replace('_', "-")),
                    "mine": text(v),
                    "theirs": b.get(k).map(text).unwrap_or_default(),
                })
            })
            .collect(),
        _ => vec![],
    };
    serde_json::json!({ "fields": fields })
}

/// The switch of an account or a unit: `active` is "true" or "false".
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct ActiveForm {
    active: String,
}

impl ActiveForm {
    pub(crate) fn active(&self) -> AppResult<bool> {
        switched("active", &self.active)
    }
}

/// A switch's `field` as a form sends it, "true" or "false"; anything else
/// is refused (400).
pub(crate) fn switched(field: &str, value: &str) -> AppResult<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::BadRequest(format!(
            "{field} must be true or false"
        ))),
    }
}

/// What a form is shown again with after a use case refused it: the
/// errors by field, or the conflict view of an edit made meanwhile.
pub(crate) struct Again {
    pub errors: crate::domain::validate::FieldErrors,
    pub conflict: Option<serde_json::Value>,
}

/// A use case's answer to a form: saved → "saved" and on to the path `to`
/// gives; the form's own rejections (its fields; an edit made meanwhile,
/// which `stale` turns into the conflict view, after putting the saved
/// version in the form) → `Err` with what the form is shown again with;
/// anything else → the error page.
pub(crate) fn after_form<T, C>(
    ctx: &crate::context::Ctx,
    answer: Result<T, crate::app::Rejected<C>>,
    to: impl FnOnce(&T) -> String,
    stale: impl FnOnce(C) -> serde_json::Value,
) -> AppResult<Result<actix_web::HttpResponse, Again>> {
    use crate::app::Rejected;
    match answer {
        Ok(done) => Ok(Ok(ctx.saved(&to(&done)))),
        Err(Rejected::Invalid(errors)) => Ok(Err(Again {
            errors,
            conflict: None,
        })),
        Err(Rejected::Stale(now)) => Ok(Err(Again {
            errors: Default::default(),
            conflict: Some(stale(*now)),
        })),
        Err(other) => Err(other.into_app_error()),
    }
}

/// Runs a use case as the reader on the database's threads, and answers
/// what it answers: `call(&ctx, move |c, who| app::teams::set_up(c, who, &input))`.
pub(crate) async fn call<T, C>(
    ctx: &Ctx,
    use_case: impl FnOnce(&mut crate::db::DbConnection, &Caller) -> Result<T, Rejected<C>>
        + Send
        + 'static,
) -> AppResult<Result<T, Rejected<C>>>
where
    T: Send + 'static,
    C: Send + 'static,
{
    let who = ctx.caller()?;
    ctx.db(move |c| Ok(use_case(c, &who))).await
}

/// The version an edit form says it was made from; a form without one is
/// refused (400) before anything else is read.
pub(crate) fn edit_version(raw: &str) -> AppResult<crate::app::Version> {
    use crate::app::Version;
    match Version::of_form(raw) {
        Version::Missing => Err(AppError::BadRequest("version missing".into())),
        v => Ok(v),
    }
}

/// The status, errors and conflict view a form page is shown with: as
/// asked, or again (422) after a use case refused what was typed.
pub(crate) fn shown(
    again: Option<Again>,
) -> (
    actix_web::http::StatusCode,
    crate::domain::validate::FieldErrors,
    Option<serde_json::Value>,
) {
    use actix_web::http::StatusCode;
    match again {
        None => (StatusCode::OK, Default::default(), None),
        Some(a) => (StatusCode::UNPROCESSABLE_ENTITY, a.errors, a.conflict),
    }
}

/// `found` if the reader `may` do what they ask with it; 403 otherwise.
pub(crate) fn allowed<T>(found: T, may: impl FnOnce(&T) -> bool) -> AppResult<T> {
    if may(&found) {
        Ok(found)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The status and errors a form page is shown with: as asked, or again
/// (422) with the errors of what was typed and `refused`.
pub(crate) fn shown_refused(
    refused: Option<crate::domain::validate::FieldErrors>,
) -> (
    actix_web::http::StatusCode,
    crate::domain::validate::FieldErrors,
) {
    use actix_web::http::StatusCode;
    match refused {
        None => (StatusCode::OK, Default::default()),
        Some(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    }
}

/// A record's edit form (a campaign's, a task's, a duty's, a team's): what
/// `save_edit` needs to show an edit that someone else's save overtook.
pub(crate) trait EditForm: serde::Serialize + Sized {
    /// The record as saved now, which the use case answers a stale edit with.
    type Now;
    /// The start of the translation keys of the fields' labels on the
    /// conflict page.
    const LABELS: &'static str;
    /// The form filled from the record as saved now, with its version.
    fn saved_now(now: &Self::Now) -> Self;
    /// The version the form was made from, as it carries it.
    fn version(&mut self) -> &mut String;
    /// What was typed beside what is saved now (`conflict_view`).
    fn conflict(&mut self, theirs: &Self, _now: &Self::Now) -> serde_json::Value {
        conflict_view(self, theirs, Self::LABELS)
    }
}

/// Saves an edit made from the version the form carries: `edit` is the use
/// case run as the reader with that version. Saved → "saved"
/// and on to `to`; refused → what the form is shown again with: its errors,
/// or, if someone saved in between, both versions side by side, the form
/// now carrying the saved version to save over it knowingly.
pub(crate) async fn save_edit<F, T>(
    ctx: &Ctx,
    form: &mut F,
    to: &str,
    edit: impl FnOnce(
            &mut crate::db::DbConnection,
            &Caller,
            crate::app::Version,
        ) -> Result<T, Rejected<F::Now>>
        + Send
        + 'static,
) -> AppResult<Result<actix_web::HttpResponse, Again>>
where
    F: EditForm,
    F::Now: Send + 'static,
    T: Send + 'static,
{
    let version = edit_version(form.version())?;
    let saved = call(ctx, move |c, who| edit(c, who, version)).await?;
    let stale = |now: F::Now| {
        let mut theirs = F::saved_now(&now);
        *form.version() = theirs.version().clone();
        form.conflict(&theirs, &now)
    };
    after_form(ctx, saved, |_| to.to_string(), stale)
}
