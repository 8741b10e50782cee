//! A unit's own settings, each on a page under `/admin/units/{id}/…` (the
//! head of its documents, its map): the same steps for each, only their
//! fields and checks apart.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use crate::app::{admin, Rejected};
use crate::context::Ctx;
use crate::db::{units::Unit, DbConnection};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;

/// The unit and its settings as `read` finds them (the defaults before the
/// first save); only the unit's administrators reach them.
pub(crate) async fn load<S: Default + Send + 'static>(
    ctx: &Ctx,
    id: i64,
    read: fn(&mut DbConnection, i64) -> diesel::QueryResult<Option<S>>,
) -> AppResult<(Unit, S)> {
    let user = ctx.user()?.clone();
    ctx.db(move |c| {
        let unit = admin::managed_unit(c, &user, id)?;
        Ok((unit, read(c, id)?.unwrap_or_default()))
    })
    .await
}

/// What a settings page shows: the unit, and its settings in the form with
/// the errors of what was typed.
pub(crate) fn page(unit: &Unit, set: &impl serde::Serialize, errors: &FieldErrors) -> Value {
    json!({
        "title": unit.name,
        "unit": unit,
        "f": super::form_view(set, errors),
        "has_errors": !errors.is_empty(),
    })
}

/// Stores a unit's settings with `write`, logged as `action` with `changes`,
/// and answers "saved" and back to the page (`/admin/units/{id}/{page}`).
pub(crate) async fn save<S: Send + 'static>(
    ctx: &Ctx,
    unit_id: i64,
    set: S,
    write: fn(&mut DbConnection, &S) -> diesel::QueryResult<()>,
    logged: (&'static str, Value),
    page: &str,
) -> AppResult<HttpResponse> {
    super::call(ctx, move |c, who| {
        admin::save_unit_settings(c, who, unit_id, &set, write, logged)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    Ok(ctx.saved(&format!("/admin/units/{unit_id}/{page}")))
}
