//! One recommendation: its page, the responding body's answer with its
//! attachment, the moves on it (transfer, extend, accept, reopen) and the
//! attachment's download.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{load, recs, unit_options, urgency_of, Access};
use crate::app::{Rejected, Version};
use crate::attachments::{self, Upload};
use crate::context::Ctx;
use crate::db::{self, recommendations as rdb};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays;
use crate::error::{AppError, AppResult};
use crate::i18n;

/// A form on the page as typed, with its errors; `stale` when someone
/// acted on the recommendation first, so that what was typed is shown beside
/// the recommendation as it is now.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
    stale: bool,
}

/// The fields of the page's forms: the form field and its label.
const FIELDS: [(&str, &str); 5] = [
    ("answer", "rec-answer"),
    ("answered_on", "rec-answered-on"),
    ("to_unit_id", "rec-to"),
    ("due_on", "rec-new-due"),
    ("reason", "rec-reason"),
];

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
    // What was typed beside the recommendation as saved now.
    let conflict = typed.stale.then(|| {
        let r = &a.rec;
        let theirs = |key: &str| match key {
            "answer" => r.answer.clone().unwrap_or_default(),
            "answered_on" => r.answered_on.map(format::date).unwrap_or_default(),
            "to_unit_id" => a.to.name.clone(),
            "due_on" => format::date(r.due_on),
            _ => String::new(),
        };
        let fields: Vec<Value> = FIELDS
            .iter()
            .filter_map(|&(key, label)| {
                let mine = typed.values.get(key).filter(|v| !v.trim().is_empty())?;
                let mine = match key {
                    "to_unit_id" => name_of(mine.parse().ok()).unwrap_or_else(|| mine.clone()),
                    _ => mine.clone(),
                };
                Some(json!({"label": label, "mine": mine, "theirs": theirs(key)}))
            })
            .collect();
        json!({ "fields": fields })
    });
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
            "raises": a.raises,
            "can_reopen": a.raises && a.rec.status == rdb::ANSWERED && !a.rec.reopened,
            "csrf_query": format::url_encode(&crate::auth::session::csrf_token(&ctx.session)?),
            "forms": {
                "answer": value("answer", "answer"), "answered_on": value("answer", "answered_on"), "file": value("answer", "file"),
                "transfer_to": value("transfer", "to_unit_id"), "transfer_reason": value("transfer", "reason"),
                "extend_due": value("extend", "due_on"), "extend_reason": value("extend", "reason"),
                "reopen_reason": value("reopen", "reason"),
            },
            "has_errors": !typed.errors.is_empty(),
            "conflict": conflict,
            "to_units": unit_options(&units, typed.values.get("to_unit_id").map_or("", String::as_str)),
        }),
    )
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
    let (mut upload, refused) = match attachments::read(payload).await {
        // A file over the limit: what was typed comes back with the error.
        Ok(u) => match u.refused {
            Some(key) => (Upload::default(), Some((key, u.fields))),
            None => (u, None),
        },
        // The upload stopped part way: nothing typed can be trusted to be whole.
        Err(key) => (Upload::default(), Some((key, HashMap::new()))),
    };
    if let Some((key, values)) = refused {
        let mut errors = FieldErrors::default();
        errors.add("file", key);
        let t = Typed {
            which: "answer",
            values,
            errors,
            stale: false,
        };
        return render(&ctx, a, t, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut unread = FieldErrors::default();
    let input = recs::AnswerInput {
        answer: upload.get("answer").to_string(),
        answered_on: unread.date("answered_on", upload.get("answered_on")),
        file: upload.file.take(),
        unread,
    };
    let version = Version::of_form(upload.get("version"));
    let (id, who) = (*id, ctx.caller()?);
    let data_dir = ctx.state.config.data_dir.clone();
    let saved = ctx
        .db(move |c| {
            let saved = recs::answer(c, &who, id, version, &input, &data_dir);
            Ok((saved, true))
        })
        .await?;
    after_move(&ctx, a, saved, "answer", upload.fields).await
}

/// A move's answer on the page: saved, back to the recommendation — or to
/// the list when the reader no longer sees it; not in the status for it, a
/// flash saying so; its fields wrong, the page again; someone acted on it
/// meanwhile, the page as it is now with what was typed beside it.
async fn after_move<C>(
    ctx: &Ctx,
    a: Access,
    (saved, sees): (Result<rdb::Recommendation, Rejected<C>>, bool),
    which: &'static str,
    values: HashMap<String, String>,
) -> AppResult<HttpResponse> {
    let back = match sees {
        true => format!("/recommendations/{}", a.rec.id),
        false => "/recommendations".to_string(),
    };
    match saved {
        Ok(_) => Ok(ctx.saved(&back)),
        Err(Rejected::NotAllowed(key)) => {
            ctx.flash("error", key);
            Ok(ctx.redirect(&back))
        }
        Err(Rejected::Stale(_)) => {
            let now = load(ctx, a.rec.id).await?;
            let t = Typed {
                which,
                values,
                stale: true,
                ..Default::default()
            };
            render(ctx, now, t, StatusCode::CONFLICT).await
        }
        Err(Rejected::Invalid(errors)) => {
            let t = Typed {
                which,
                values,
                errors,
                stale: false,
            };
            render(ctx, a, t, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(r) => Err(r.into_app_error()),
    }
}

pub(super) async fn act(
    ctx: Ctx,
    path: web::Path<(i64, String)>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let a = load(&ctx, id).await?;
    let action = recs::Action::parse(&action).ok_or(AppError::NotFound)?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str);
    let mut unread = FieldErrors::default();
    let input = recs::MoveInput {
        action,
        to_unit_id: unread.typed_id("to_unit_id", get("to_unit_id")),
        due_on: unread.date("due_on", get("due_on")),
        reason: get("reason").to_string(),
        unread,
    };
    let version = Version::of_form(get("version"));
    let who = ctx.caller()?;
    let saved = ctx
        .db(move |c| {
            let moved = recs::make_move(c, &who, id, version, &input);
            // A body that handed the recommendation on may no longer see it.
            let sees = moved.is_err() || recs::access(c, &who, id).is_ok();
            Ok((moved, sees))
        })
        .await?;
    after_move(&ctx, a, saved, action.as_str(), values).await
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
    crate::routes::serve_file(
        &ctx,
        &att.sha256,
        crate::routes::Served::Download(&att.file_name),
    )
    .await
}
