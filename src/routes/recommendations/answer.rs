//! One recommendation: its page, the responding body's answer with its
//! attachment, the moves on it (transfer, extend, accept, reopen) and the
//! attachment's download.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::{load, rec_access, required_date, unit_options, urgency_of, Access};
use crate::attachments;
use crate::context::Ctx;
use crate::db::{self, audit, recommendations as rdb};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::chosen;

/// A form on the page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

pub(super) async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    render(&ctx, a, Typed::default(), StatusCode::OK).await
}

async fn render(ctx: &Ctx, a: Access, typed: Typed, status: StatusCode) -> AppResult<HttpResponse> {
    let rid = a.rec.id;
    let att = a.rec.answer_attachment_id;
    let (cal, events, attachment, units) = ctx
        .db(move |conn| {
            Ok((
                rdb::calendar(conn)?,
                rdb::events(conn, rid)?,
                match att {
                    Some(id) => rdb::attachment(conn, id)?,
                    None => None,
                },
                {
                    let roots = db::units::root_paths(conn)?;
                    db::units::tree(conn, &roots, false)?
                },
            ))
        })
        .await?;
    let today = format::today();
    let locale = ctx.locale;
    let explained =
        workdays::add_working_days(&cal, a.rec.raised_on, a.rec.working_days.max(0) as u32);
    let name_of = |id: Option<i64>| {
        id.and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
    };
    let value = |which: &str, key: &str| -> Value {
        let (v, err) = if typed.which == which {
            (
                typed.values.get(key).cloned().unwrap_or_default(),
                typed.errors.get(key).map(str::to_string),
            )
        } else {
            (String::new(), None)
        };
        json!({"name": key, "value": v, "error": err})
    };
    let open = a.rec.status == rdb::OPEN;
    ctx.render_status(
        status,
        "recommendations/show",
        json!({
            "title": i18n::t(locale, "rec-one-title"),
            "r": a.rec,
            "from": a.from,
            "to": a.to,
            "field": i18n::t(locale, &format!("rec-field-{}", a.rec.field)),
            "urgency": urgency_of(&cal, &a.rec, today),
            "explained": explained,
            "due_changed": explained.due_on != a.rec.due_on,
            "events": events.iter().map(|e| json!({"e": e, "to": name_of(e.to_unit_id)})).collect::<Vec<_>>(),
            "attachment": attachment,
            "can_answer": a.responds && open,
            "can_accept": a.raises && a.rec.status == rdb::ANSWERED,
            "can_reopen": a.raises && a.rec.status == rdb::ANSWERED && !a.rec.reopened,
            "csrf_query": format::url_encode(&crate::auth::session::csrf_token(&ctx.session)?),
            "forms": {
                "answer": value("answer", "answer"), "answered_on": value("answer", "answered_on"), "file": value("answer", "file"),
                "transfer_to": value("transfer", "to_unit_id"), "transfer_reason": value("transfer", "reason"),
                "extend_due": value("extend", "due_on"), "extend_reason": value("extend", "reason"),
                "reopen_reason": value("reopen", "reason"),
            },
            "has_errors": !typed.errors.is_empty(),
            "to_units": unit_options(&units, typed.values.get("to_unit_id").map_or("", String::as_str)),
        }),
    )
}

/// Checks an answer as typed: some text, dated (today when left empty)
/// between the day the recommendation was raised and today.
pub(in crate::routes) fn check_answer(
    e: &mut FieldErrors,
    rec: &rdb::Recommendation,
    answer: &str,
    answered_on: &str,
) -> (String, Option<NaiveDate>) {
    let text = e.required("answer", answer, 10_000);
    let on = match answered_on.trim() {
        "" => Some(format::today()),
        raw => e.date("answered_on", raw),
    };
    if on.is_some_and(|d| d < rec.raised_on || d > format::today()) {
        e.add("answered_on", "rec-error-answer-date");
    }
    (text, on)
}

/// A stored upload: its hash, file name, content type and size.
pub(super) type Stored = (String, String, &'static str, i64);

/// Records the responding body's answer made from `version`, with its
/// attachment, and tells the raising unit; `false` (and nothing written)
/// when someone acted on the recommendation in between.
#[allow(clippy::too_many_arguments)]
pub(in crate::routes) fn save_answer(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    rec: &rdb::Recommendation,
    version: i32,
    text: &str,
    on: NaiveDate,
    stored: Option<Stored>,
    uid: i64,
) -> AppResult<bool> {
    let saved = audit::write_if(conn, actor, |c| {
        let attachment_id = match &stored {
            Some((sha, name, ct, size)) => Some(rdb::add_attachment(c, sha, name, ct, *size, uid)?),
            None => None,
        };
        let ch = rdb::apply(
            c,
            rec,
            version,
            &rdb::Move::Answer {
                text: text.to_string(),
                on,
                attachment_id,
            },
            uid,
        )?;
        if ch.is_none() {
            // The attachment row goes with the refused answer.
            return Err(diesel::result::Error::RollbackTransaction.into());
        }
        db::notifications::recommendation_answered(c, rec, text)?;
        Ok((true, ch))
    });
    match saved {
        Ok(_) => Ok(true),
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) async fn answer(
    ctx: Ctx,
    id: web::Path<i64>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    if !a.responds {
        return Err(AppError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let upload = match attachments::read(payload).await {
        Ok(u) => u,
        Err(key) => {
            // The upload stopped part way: nothing typed can be trusted to be whole.
            e.add("file", key);
            let t = Typed {
                which: "answer",
                values: HashMap::new(),
                errors: e,
            };
            return render(&ctx, a, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let values: HashMap<String, String> = upload.fields.clone();
    let (text, on) = check_answer(
        &mut e,
        &a.rec,
        upload.get("answer"),
        upload.get("answered_on"),
    );
    let checked = match &upload.file {
        Some((name, bytes)) => match attachments::check(name, bytes) {
            Ok((safe, ct)) => Some((safe, ct, bytes.clone())),
            Err(key) => {
                e.add("file", key);
                None
            }
        },
        None => None,
    };
    let Ok(version) = upload.get("version").parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let Some(on) = on.filter(|_| e.is_empty()) else {
        let t = Typed {
            which: "answer",
            values,
            errors: e,
        };
        return render(&ctx, a, t, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let data_dir = ctx.state.config.data_dir.clone();
    let stored = match checked {
        Some((name, ct, bytes)) => {
            let sha = web::block(move || {
                attachments::store(&data_dir, &bytes).map(|sha| (sha, bytes.len()))
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
            Some((sha.0, name, ct, sha.1 as i64))
        }
        None => None,
    };
    let (actor, rec, uid) = (ctx.actor(), a.rec.clone(), ctx.user()?.id);
    let saved = ctx
        .db(move |conn| save_answer(conn, &actor, &rec, version, &text, on, stored, uid))
        .await?;
    if saved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "error-conflict-saved");
    }
    Ok(ctx.redirect(&format!("/recommendations/{}", a.rec.id)))
}

/// The move an action names, if the reader may make it: the responding body
/// transfers and extends, the raising unit accepts and reopens.
pub(in crate::routes) fn move_for(a: &Access, action: &str) -> AppResult<&'static str> {
    Ok(match action {
        "transfer" if a.responds => "transfer",
        "extend" if a.responds => "extend",
        "accept" if a.raises => "accept",
        "reopen" if a.raises => "reopen",
        "transfer" | "extend" | "accept" | "reopen" => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    })
}

/// A move's form checked: a transfer to another body (its time running from
/// today), an extension past the current deadline, a reopening with a reason
/// (a new deadline in working days); fields `to_unit_id`, `due_on`, `reason`.
pub(in crate::routes) async fn check_move(
    pool: &db::Pool,
    a: &Access,
    which: &str,
    values: &HashMap<String, String>,
) -> AppResult<Result<rdb::Move, FieldErrors>> {
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let mut e = FieldErrors::default();
    let today = format::today();
    let cal = db::run(pool, |conn| Ok(rdb::calendar(conn)?)).await?;
    let m = match which {
        "transfer" => {
            let to = e.id("to_unit_id", &get("to_unit_id"));
            let found = db::run(pool, move |conn| Ok(db::units::find_chosen(conn, to)?)).await?;
            chosen::unit(&mut e, "to_unit_id", to, found, |_| true);
            let reason = e.required("reason", &get("reason"), 2_000);
            if to == Some(a.rec.to_unit_id) || to == Some(a.rec.from_unit_id) {
                e.add("to_unit_id", "rec-error-same-unit");
            }
            match to.filter(|_| e.is_empty()) {
                Some(to) => {
                    let days =
                        db::run(pool, move |conn| Ok(rdb::response_days_for(conn, to)?)).await?;
                    // The new body's time runs from the day of the transfer.
                    let due = workdays::add_working_days(&cal, today, days.max(0) as u32).due_on;
                    Some(rdb::Move::Transfer {
                        to_unit_id: to,
                        due_on: due,
                        working_days: days,
                        reason,
                    })
                }
                None => None,
            }
        }
        "extend" => {
            let due = required_date(&mut e, "due_on", &get("due_on"));
            let reason = e.required("reason", &get("reason"), 2_000);
            if due.is_some_and(|d| d <= a.rec.due_on) {
                e.add("due_on", "rec-error-extend-date");
            }
            due.filter(|_| e.is_empty())
                .map(|due_on| rdb::Move::Extend { due_on, reason })
        }
        "accept" => Some(rdb::Move::Accept),
        _ => {
            let reason = e.required("reason", &get("reason"), 2_000);
            let due =
                workdays::add_working_days(&cal, today, a.rec.working_days.max(0) as u32).due_on;
            e.is_empty().then_some(rdb::Move::Reopen {
                reason,
                due_on: due,
            })
        }
    };
    Ok(m.ok_or(e))
}

pub(super) async fn act(
    ctx: Ctx,
    path: web::Path<(i64, String)>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let a = load(&ctx, id).await?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let Ok(version) = get("version").parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let which = move_for(&a, &action)?;
    let m = match check_move(&ctx.state.pool, &a, which, &values).await? {
        Ok(m) => m,
        Err(e) => {
            let t = Typed {
                which,
                values,
                errors: e,
            };
            return render(&ctx, a, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, rec, uid) = (ctx.actor(), a.rec.clone(), ctx.user()?.id);
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let ch = rdb::apply(c, &rec, version, &m, uid)?;
                Ok((ch.is_some(), ch))
            })
        })
        .await?;
    ctx.flash(
        if saved { "success" } else { "error" },
        if saved {
            "flash-saved"
        } else {
            "error-conflict-saved"
        },
    );
    // A body that handed the recommendation on may no longer see it.
    if saved && which == "transfer" {
        let user = ctx.user()?.clone();
        if rec_access(&ctx.state.pool, &user, a.rec.id).await.is_err() {
            return Ok(ctx.redirect("/recommendations"));
        }
    }
    Ok(ctx.redirect(&format!("/recommendations/{}", a.rec.id)))
}

/// An answer's file, only as a download and only to those who may read the
/// recommendation; never rendered inline.
pub(super) async fn download(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let aid = *id;
    let (att, rec) = ctx
        .db(move |conn| {
            Ok((
                rdb::attachment(conn, aid)?,
                rdb::recommendation_of_attachment(conn, aid)?,
            ))
        })
        .await?;
    let (Some(att), Some(rec)) = (att, rec) else {
        return Err(AppError::NotFound);
    };
    load(&ctx, rec.id).await?;
    let data_dir = ctx.state.config.data_dir.clone();
    let sha = att.sha256.clone();
    let bytes = web::block(move || attachments::load(&data_dir, &sha))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", att.file_name),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(bytes))
}
