//! A household's personal data, for the task unit's administrators: all
//! that is held about it as one download, and its erasure once the task
//! is closed.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{household_access, Access};
use crate::context::Ctx;
use crate::db;
use crate::db::audit::{self, Change};
use crate::domain::access::Permission;
use crate::domain::deadline::TaskStatus;
use crate::error::{AppError, AppResult};
/// Whether the user administers the task's unit: exports and erases a
/// household's personal data.
pub(super) fn administers(ctx: &Ctx, access: &Access) -> AppResult<bool> {
    Ok(ctx.user()?.can(Permission::ManageUsers, &access.unit.path))
}

pub(super) fn closed(access: &Access) -> bool {
    TaskStatus::parse(&access.task.status).is_some_and(TaskStatus::is_finished)
}

/// Everything held about one household, for an administrator: the record,
/// its visits and who went, and the audit entries about it. The export is
/// logged.
pub(super) async fn personal_data(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (household, access) = household_access(&ctx, *id).await?;
    if !administers(&ctx, &access)? {
        return Err(AppError::Forbidden);
    }
    let (hid, unit_id) = (household.id, access.task.unit_id);
    let actor = ctx.actor();
    let (history, audit_entries, photos, scans) = ctx
        .db(move |conn| {
            let read = Change::new("export_personal", "household", hid, json!({})).on_unit(unit_id);
            audit::record_read(conn, &actor, &read)?;
            let history = db::households::history(conn, hid)?;
            let visits: Vec<i64> = history.iter().map(|(v, _)| v.id).collect();
            let scans = db::documents::scans_of(conn, "visit", &visits)?;
            Ok((
                history,
                audit::of_entity(conn, "household", hid)?,
                db::households::photos(conn, hid, None)?,
                scans,
            ))
        })
        .await?;
    // Photos are named with where to read them (the files stay files).
    let photos: Vec<Value> = photos
        .iter()
        .map(|p| json!({"photo": p, "url": format!("/households/{hid}/photos/{}", p.id)}))
        .collect();
    let body = json!({
        "exported_at": db::now(),
        "household": household,
        "task": {"id": access.task.id, "title": access.task.title, "unit": access.unit.name},
        "visits": history.iter().map(|(v, names)| json!({"visit": v, "members": names})).collect::<Vec<_>>(),
        "photos": photos,
        "signed_scans": scans.iter().map(|s| json!({"scan": s, "url": format!("/documents/scans/{}", s.id)})).collect::<Vec<_>>(),
        "audit": audit_entries,
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
    let (household, access) = household_access(&ctx, *id).await?;
    if !administers(&ctx, &access)? {
        return Err(AppError::Forbidden);
    }
    if !closed(&access) {
        ctx.flash("error", "households-erase-open");
        return Ok(ctx.redirect(&format!("/households/{}", household.id)));
    }
    let (hid, task) = (household.id, access.task.clone());
    let (actor, files) = (ctx.actor(), ctx.state.config.data_dir.clone());
    ctx.db(move |conn| {
        let unused = audit::write(conn, &actor, |c| {
            let (change, unused) = db::households::erase(c, &task, hid)?;
            Ok((unused, change))
        })?;
        // The photos' files go once the database no longer names them.
        for sha in unused {
            if let Err(e) = crate::attachments::remove(&files, &sha) {
                tracing::warn!(error = %e, "an erased photo's file could not be removed");
            }
        }
        Ok(())
    })
    .await?;
    ctx.flash("success", "flash-households-erased");
    Ok(ctx.redirect(&format!("/households/{hid}")))
}
