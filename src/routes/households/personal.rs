//! A household's personal data, for the task unit's administrators: all
//! that is held about it as one download, and its erasure once the task
//! is closed.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db;
use crate::error::AppResult;
use crate::routes::call;

/// Everything held about one household, for an administrator: the record,
/// its visits and who went, and the audit entries about it. The export is
/// logged.
pub(super) async fn personal_data(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let hid = *id;
    let data = call(&ctx, move |c, who| {
        app::households::personal_data(c, who, hid)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    let (access, history, scans) = (&data.access, &data.history, &data.scans);
    // Photos are named with where to read them (the files stay files).
    let photos: Vec<Value> = data
        .photos
        .iter()
        .map(|p| json!({"photo": p, "url": format!("/households/{hid}/photos/{}", p.id)}))
        .collect();
    let body = json!({
        "exported_at": db::now(),
        "household": data.household,
        "task": {"id": access.task.id, "title": access.task.title, "unit": access.unit.name},
        "visits": history.iter().map(|(v, names)| json!({"visit": v, "members": names})).collect::<Vec<_>>(),
        "photos": photos,
        "signed_scans": scans.iter().map(|s| json!({"scan": s, "url": format!("/documents/scans/{}", s.id)})).collect::<Vec<_>>(),
        "audit": data.audit,
    });
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"household-{hid}.json\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string_pretty(&body).unwrap_or_default()))
}

/// Erases a household's personal details once its task is closed, keeping
/// what the figures need (stage, area, dates, visit kinds).
pub(super) async fn erase(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (hid, files) = (*id, ctx.state.config.data_dir.clone());
    match call(&ctx, move |c, who| {
        app::households::erase(c, who, hid, &files)
    })
    .await?
    {
        Ok(()) => ctx.flash("success", "flash-households-erased"),
        Err(Rejected::NotAllowed(key)) => ctx.flash("error", key),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&format!("/households/{hid}")))
}
