//! Recommendations (kiến nghị) that bodies answer in writing by a deadline
//! counted in working days; inspection visits that raise them; statistics per
//! responding body; the holiday calendar; attachments; annual targets.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{chosen, options};
use crate::attachments;
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::recommendation::Field;
use crate::domain::targets;
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::{self, DayKind, Urgency};
use crate::error::{AppError, AppResult};
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/recommendations", web::get().to(index))
        .route("/recommendations", web::post().to(create))
        .route("/recommendations/new", web::get().to(new))
        .route("/recommendations/stats", web::get().to(stats))
        .route("/recommendations/stats.xlsx", web::get().to(stats_xlsx))
        .route("/recommendations/{id}", web::get().to(show))
        .route("/recommendations/{id}/answer", web::post().to(answer))
        .route("/recommendations/{id}/{action}", web::post().to(act))
        .route("/attachments/{id}", web::get().to(download))
        .route("/inspections", web::get().to(inspections))
        .route("/inspections", web::post().to(create_inspection))
        .route("/inspections/new", web::get().to(new_inspection))
        .route("/inspections/{id}", web::get().to(show_inspection))
        .route("/admin/calendar", web::get().to(calendar_page))
        .route("/admin/calendar", web::post().to(calendar_save))
        .route("/targets", web::get().to(targets_page))
        .route("/targets", web::post().to(add_target))
        .route("/targets/{id}", web::post().to(set_actual));
}

fn required_date(e: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    let d = e.date(field, raw);
    if raw.trim().is_empty() {
        e.add(field, "error-required");
    }
    d
}

/// Units as choices, indented by depth.
fn unit_options(units: &[db::units::Unit], chosen: &str) -> Vec<Value> {
    options(
        units.iter().map(|u| {
            (
                u.id.to_string(),
                format!("{}{}", "— ".repeat(depth(&u.path)), u.name),
            )
        }),
        chosen,
    )
}

async fn all_units(ctx: &Ctx) -> AppResult<Vec<db::units::Unit>> {
    ctx.db(|conn| {
        let roots = db::units::root_paths(conn)?;
        Ok(db::units::tree(conn, &roots, false)?)
    })
    .await
}

// ---------------------------------------------------------------- access

/// What the reader may do with a recommendation.
pub(super) struct Access {
    pub rec: rdb::Recommendation,
    from: db::units::Unit,
    to: db::units::Unit,
    /// The responding body answers, transfers, extends.
    pub responds: bool,
    /// The raising unit accepts or reopens.
    raises: bool,
}

pub(super) fn may_act(user: &CurrentUser, path: &str) -> bool {
    user.can(Permission::ManageTasks, path) || user.can(Permission::ManageUnits, path)
}

async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    rec_access(&ctx.state.pool, ctx.user()?, id).await
}

/// The recommendation if the reader sees the raising or the responding unit.
pub(super) async fn rec_access(pool: &db::Pool, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let (rec, from, to) = db::run(pool, move |conn| {
        let rec = rdb::find(conn, id)?;
        let from = db::units::find(conn, rec.from_unit_id)?;
        let to = db::units::find(conn, rec.to_unit_id)?;
        Ok((rec, from, to))
    })
    .await?;
    if !(user.can(Permission::View, &from.path) || user.can(Permission::View, &to.path)) {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        responds: may_act(user, &to.path),
        raises: may_act(user, &from.path),
        rec,
        from,
        to,
    })
}

pub(super) fn urgency_of(
    cal: &workdays::Calendar,
    r: &rdb::Recommendation,
    today: NaiveDate,
) -> Option<Urgency> {
    (r.status == rdb::OPEN).then(|| workdays::urgency(cal, r.due_on, today))
}

// ---------------------------------------------------------------- list and create

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    urgency: String,
}

async fn index(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (recs, cal, names) = ctx
        .db(|conn| {
            let names = rdb::unit_names(conn)?;
            Ok((rdb::all(conn)?, rdb::calendar(conn)?, names))
        })
        .await?;
    let today = format::today();
    let locale = ctx.locale;
    let rows: Vec<Value> = recs
        .iter()
        .filter(|(_, from, to)| user.can(Permission::View, from) || user.can(Permission::View, to))
        .filter(|(r, _, _)| q.status.is_empty() || r.status == q.status)
        .filter_map(|(r, _, _)| {
            let u = urgency_of(&cal, r, today);
            let code = u.map(|u| serde_json::to_value(u).unwrap_or(Value::Null));
            if !q.urgency.is_empty()
                && code.as_ref().and_then(|c| c.as_str()) != Some(q.urgency.as_str())
            {
                return None;
            }
            Some(json!({
                "r": r,
                "from": names.get(&r.from_unit_id),
                "to": names.get(&r.to_unit_id),
                "urgency": code,
                "field": i18n::t(locale, &format!("rec-field-{}", r.field)),
            }))
        })
        .collect();
    ctx.render(
        "recommendations/index",
        json!({
            "title": i18n::t(locale, "rec-title"),
            "rows": rows,
            "can_create": user.can_anywhere(Permission::ManageTasks),
            "statuses": options([rdb::OPEN, rdb::ANSWERED, rdb::ACCEPTED].map(|s| (s.to_string(), i18n::t(locale, &format!("rec-status-{s}")))), &q.status),
            "urgencies": options(["due_soon", "overdue", "long_overdue"].map(|s| (s.to_string(), i18n::t(locale, &format!("urgency-{s}")))), &q.urgency),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct RecForm {
    pub inspection_id: String,
    pub from_unit_id: String,
    pub to_unit_id: String,
    pub field: String,
    pub content: String,
    pub raised_on: String,
}

async fn render_form(
    ctx: &Ctx,
    status: StatusCode,
    form: &RecForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let (mine, everyone) = (
        ctx.db(move |conn| Ok(db::units::tree(conn, &scope, false)?))
            .await?,
        all_units(ctx).await?,
    );
    let locale = ctx.locale;
    ctx.render_status(
        status,
        "recommendations/form",
        json!({
            "title": i18n::t(locale, "rec-new-title"),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "from_units": unit_options(&mine, &form.from_unit_id),
            "to_units": unit_options(&everyone, &form.to_unit_id),
            "fields": options(Field::ALL.iter().map(|f| (f.as_str().to_string(), i18n::t(locale, &format!("rec-field-{}", f.as_str())))), &form.field),
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    inspection_id: String,
}

async fn new(ctx: Ctx, q: web::Query<NewQuery>) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    let mut form = RecForm {
        raised_on: format::date(format::today()),
        ..Default::default()
    };
    if let Ok(id) = q.inspection_id.parse::<i64>() {
        let user = ctx.user()?.clone();
        let i = ctx
            .db(move |conn| raising_inspection(conn, &user, id))
            .await?
            .ok_or(AppError::Forbidden)?;
        form.inspection_id = i.id.to_string();
        form.from_unit_id = i.unit_id.to_string();
        form.raised_on = format::date(i.visited_on);
    }
    render_form(&ctx, StatusCode::OK, &form, &FieldErrors::default()).await
}

/// The inspection, if it exists and the user may raise recommendations from
/// it (acting in the inspecting or the inspected unit, as its page offers).
fn raising_inspection(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<Option<rdb::Inspection>, AppError> {
    let Some(i) = rdb::find_inspection(conn, id).optional_found()? else {
        return Ok(None);
    };
    let unit = db::units::find(conn, i.unit_id)?;
    let by = db::units::find(conn, i.by_unit_id)?;
    Ok((may_act(user, &by.path) || may_act(user, &unit.path)).then_some(i))
}

/// Checks a recommendation as typed: the raising unit must be one where the
/// user acts, the responding body another active unit, the inspection it
/// comes from (if any) one the user may raise from.
pub(super) async fn check_recommendation(
    pool: &db::Pool,
    user: &CurrentUser,
    form: &RecForm,
) -> AppResult<Result<rdb::RecommendationFields, FieldErrors>> {
    let mut e = FieldErrors::default();
    let from = e.id("from_unit_id", &form.from_unit_id);
    let to = e.id("to_unit_id", &form.to_unit_id);
    let field = Field::parse(&form.field);
    if field.is_none() {
        e.add("field", "error-required");
    }
    let content = e.required("content", &form.content, 5_000);
    let raised_on = required_date(&mut e, "raised_on", &form.raised_on);
    // The inspection a recommendation comes from is named by a hidden field:
    // it must exist and be one the user may raise from (as its page offers).
    let inspection_id = match form.inspection_id.trim() {
        "" => None,
        raw => {
            let user = user.clone();
            let found = match raw.parse::<i64>() {
                Ok(id) => db::run(pool, move |conn| raising_inspection(conn, &user, id)).await?,
                Err(_) => None,
            };
            if found.is_none() {
                e.add("inspection_id", "error-invalid-choice");
            }
            found.map(|i| i.id)
        }
    };
    let (from_unit, to_unit) = db::run(pool, move |conn| {
        let find = |conn: &mut db::DbConnection,
                    id: Option<i64>|
         -> Result<Option<db::units::Unit>, diesel::result::Error> {
            match id {
                Some(id) => db::units::find(conn, id).optional_found(),
                None => Ok(None),
            }
        };
        Ok((find(conn, from)?, find(conn, to)?))
    })
    .await?;
    if from.is_some()
        && !from_unit
            .as_ref()
            .is_some_and(|u| u.active && may_act(user, &u.path))
    {
        e.add("from_unit_id", "error-invalid-choice");
    }
    if to.is_some() && !to_unit.as_ref().is_some_and(|u| u.active) {
        e.add("to_unit_id", "error-invalid-choice");
    }
    if from.is_some() && from == to {
        e.add("to_unit_id", "rec-error-same-unit");
    }
    Ok(
        match (from, to, field, raised_on.filter(|_| e.is_empty())) {
            (Some(from), Some(to), Some(field), Some(raised_on)) => Ok(rdb::RecommendationFields {
                inspection_id,
                from_unit_id: from,
                to_unit_id: to,
                field: field.as_str().into(),
                content,
                raised_on,
            }),
            _ => Err(e),
        },
    )
}

/// Records a checked recommendation with its deadline: the responding
/// body's working days from the day it was raised.
pub(super) fn save_recommendation(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    f: &rdb::RecommendationFields,
    uid: i64,
) -> AppResult<rdb::Recommendation> {
    audit::write(conn, actor, |c| {
        let days = rdb::response_days_for(c, f.to_unit_id)?;
        let cal = rdb::calendar(c)?;
        let due = workdays::add_working_days(&cal, f.raised_on, days.max(0) as u32);
        Ok(rdb::create(c, f, days, due.due_on, uid)?)
    })
}

async fn create(ctx: Ctx, form: web::Form<RecForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageTasks)?;
    let form = form.into_inner();
    let f = match check_recommendation(&ctx.state.pool, user, &form).await? {
        Ok(f) => f,
        Err(e) => return render_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, &e).await,
    };
    let (actor, uid) = (ctx.actor(), user.id);
    let rec = ctx
        .db(move |conn| save_recommendation(conn, &actor, &f, uid))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/recommendations/{}", rec.id)))
}

/// `find` that turns "not found" into `None`.
trait OptionalFound<T> {
    fn optional_found(self) -> Result<Option<T>, diesel::result::Error>;
}

impl<T> OptionalFound<T> for Result<T, diesel::result::Error> {
    fn optional_found(self) -> Result<Option<T>, diesel::result::Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(diesel::result::Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------- one recommendation

/// A form on the page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
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
            "csrf_query": crate::domain::format::url_encode(&crate::auth::session::csrf_token(&ctx.session)?),
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
pub(super) fn check_answer(
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
pub(super) fn save_answer(
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

async fn answer(ctx: Ctx, id: web::Path<i64>, payload: Multipart) -> AppResult<HttpResponse> {
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
pub(super) fn move_for(a: &Access, action: &str) -> AppResult<&'static str> {
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
pub(super) async fn check_move(
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

async fn act(
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
async fn download(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
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

// ---------------------------------------------------------------- statistics

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatsQuery {
    from: String,
    to: String,
}

/// One responding body's line in the league table.
#[derive(Serialize, Clone)]
struct BodyLine {
    name: String,
    received: i64,
    answered: i64,
    on_time: i64,
    on_time_percent: Option<i64>,
    median_days: Option<f64>,
    mean_days: Option<f64>,
    overdue_now: i64,
}

async fn stat_lines(ctx: &Ctx, q: &StatsQuery) -> AppResult<(NaiveDate, NaiveDate, Vec<BodyLine>)> {
    let user = ctx.user()?;
    let today = format::today();
    let from = format::parse_date(&q.from)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = format::parse_date(&q.to).unwrap_or(today);
    let (recs, cal, names) = ctx
        .db(|conn| {
            let names = rdb::unit_names(conn)?;
            Ok((rdb::all(conn)?, rdb::calendar(conn)?, names))
        })
        .await?;
    let mut by_body: Vec<(i64, Vec<&rdb::Recommendation>)> = Vec::new();
    for (r, from_path, to_path) in &recs {
        if r.raised_on < from || r.raised_on > to {
            continue;
        }
        if !(user.can(Permission::View, from_path) || user.can(Permission::View, to_path)) {
            continue;
        }
        match by_body.iter_mut().find(|(b, _)| *b == r.to_unit_id) {
            Some((_, list)) => list.push(r),
            None => by_body.push((r.to_unit_id, vec![r])),
        }
    }
    let mut lines: Vec<BodyLine> = by_body
        .into_iter()
        .map(|(body, list)| {
            let answered: Vec<&&rdb::Recommendation> =
                list.iter().filter(|r| r.answered_on.is_some()).collect();
            let on_time = answered
                .iter()
                .filter(|r| r.answered_on.is_some_and(|d| d <= r.due_on))
                .count() as i64;
            let mut days: Vec<i64> = answered
                .iter()
                .filter_map(|r| {
                    r.answered_on
                        .map(|d| workdays::working_days_between(&cal, r.raised_on, d))
                })
                .collect();
            let mean =
                (!days.is_empty()).then(|| days.iter().sum::<i64>() as f64 / days.len() as f64);
            BodyLine {
                name: names.get(&body).cloned().unwrap_or_default(),
                received: list.len() as i64,
                answered: answered.len() as i64,
                on_time,
                on_time_percent: (!list.is_empty()).then(|| on_time * 100 / list.len() as i64),
                median_days: workdays::median(&mut days),
                mean_days: mean.map(|m| (m * 10.0).round() / 10.0),
                overdue_now: list
                    .iter()
                    .filter(|r| r.status == rdb::OPEN && r.due_on < today)
                    .count() as i64,
            }
        })
        .collect();
    // Best first: most answered on time, then fewest overdue.
    lines.sort_by(|a, b| {
        b.on_time_percent
            .cmp(&a.on_time_percent)
            .then(a.overdue_now.cmp(&b.overdue_now))
            .then(a.name.cmp(&b.name))
    });
    Ok((from, to, lines))
}

async fn stats(ctx: Ctx, q: web::Query<StatsQuery>) -> AppResult<HttpResponse> {
    let (from, to, lines) = stat_lines(&ctx, &q).await?;
    ctx.render(
        "recommendations/stats",
        json!({
            "title": i18n::t(ctx.locale, "rec-stats-title"),
            "from": format::date(from),
            "to": format::date(to),
            "lines": lines,
        }),
    )
}

async fn stats_xlsx(ctx: Ctx, q: web::Query<StatsQuery>) -> AppResult<HttpResponse> {
    let (from, to, lines) = stat_lines(&ctx, &q).await?;
    let tr = |k: &str| i18n::t(ctx.locale, k);
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    let title = format!(
        "{} ({} – {})",
        tr("rec-stats-title"),
        format::date(from),
        format::date(to)
    );
    let top = super::export::title_rows(sheet, ctx.locale, &title, "")?;
    let heads = [
        "review-rank",
        "rec-body",
        "rec-received",
        "rec-answered",
        "rec-on-time",
        "rec-median-days",
        "rec-mean-days",
        "rec-overdue-now",
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet
            .write_string_with_format(top, c as u16, tr(h), &bold)
            .map_err(fail)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = top + 1 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).map_err(fail)?;
        sheet.write_string(r, 1, &l.name).map_err(fail)?;
        for (c, v) in [
            (2, l.received),
            (3, l.answered),
            (4, l.on_time),
            (7, l.overdue_now),
        ] {
            sheet.write_number(r, c, v as f64).map_err(fail)?;
        }
        if let Some(m) = l.median_days {
            sheet.write_number(r, 5, m).map_err(fail)?;
        }
        if let Some(m) = l.mean_days {
            sheet.write_number(r, 6, m).map_err(fail)?;
        }
    }
    super::export::fit(sheet)?;
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(super::export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!(
            "kien-nghi-{}-{}.xlsx",
            from.format("%Y%m%d"),
            to.format("%Y%m%d")
        ),
        bytes,
    ))
}

// ---------------------------------------------------------------- inspections

async fn inspections(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rows = ctx.db(|conn| Ok(rdb::inspections_all(conn)?)).await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|(_, _, path, by)| {
            user.can(Permission::View, path) || user.can(Permission::View, by)
        })
        .map(|(i, name, _, _)| json!({"i": i, "unit": name}))
        .collect();
    ctx.render(
        "recommendations/inspections",
        json!({"title": i18n::t(ctx.locale, "insp-title"), "rows": rows, "can_create": user.can_anywhere(Permission::ManageTasks)}),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct InspectionForm {
    unit_id: String,
    by_unit_id: String,
    visited_on: String,
    members: String,
    figures: String,
    findings: String,
}

async fn render_inspection_form(
    ctx: &Ctx,
    status: StatusCode,
    form: &InspectionForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let mine = ctx
        .db(move |conn| Ok(db::units::tree(conn, &scope, false)?))
        .await?;
    let everyone = all_units(ctx).await?;
    ctx.render_status(
        status,
        "recommendations/inspection_form",
        json!({
            "title": i18n::t(ctx.locale, "insp-new-title"),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "by_units": unit_options(&mine, &form.by_unit_id),
            "units": unit_options(&everyone, &form.unit_id),
        }),
    )
}

async fn new_inspection(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    let form = InspectionForm {
        visited_on: format::date(format::today()),
        ..Default::default()
    };
    render_inspection_form(&ctx, StatusCode::OK, &form, &FieldErrors::default()).await
}

async fn create_inspection(ctx: Ctx, form: web::Form<InspectionForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageTasks)?;
    let form = form.into_inner();
    let mut e = FieldErrors::default();
    let unit = e.id("unit_id", &form.unit_id);
    let by = e.id("by_unit_id", &form.by_unit_id);
    let visited_on = required_date(&mut e, "visited_on", &form.visited_on);
    let members = e.required("members", &form.members, 2_000);
    let figures = e
        .optional("figures", &form.figures, 5_000)
        .unwrap_or_default();
    let findings = e
        .optional("findings", &form.findings, 10_000)
        .unwrap_or_default();
    let (u, b) = ctx
        .db(move |conn| {
            let u = match unit {
                Some(id) => db::units::find(conn, id).optional_found()?,
                None => None,
            };
            let b = match by {
                Some(id) => db::units::find(conn, id).optional_found()?,
                None => None,
            };
            Ok((u, b))
        })
        .await?;
    chosen::unit(&mut e, "unit_id", unit, u, |_| true);
    chosen::unit(&mut e, "by_unit_id", by, b, |b| may_act(user, &b.path));
    let (Some(unit_id), Some(by_unit_id), Some(visited_on)) =
        (unit, by, visited_on.filter(|_| e.is_empty()))
    else {
        return render_inspection_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, &e).await;
    };
    let f = rdb::InspectionFields {
        unit_id,
        by_unit_id,
        visited_on,
        members,
        figures,
        findings,
    };
    let (actor, uid) = (ctx.actor(), user.id);
    let i = ctx
        .db(move |conn| audit::write(conn, &actor, |c| Ok(rdb::create_inspection(c, &f, uid)?)))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/inspections/{}", i.id)))
}

async fn show_inspection(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let iid = *id;
    let (i, unit, by, recs) = ctx
        .db(move |conn| {
            let i = rdb::find_inspection(conn, iid)?;
            let unit = db::units::find(conn, i.unit_id)?;
            let by = db::units::find(conn, i.by_unit_id)?;
            Ok((i, unit, by, rdb::of_inspection(conn, iid)?))
        })
        .await?;
    if !(user.can(Permission::View, &unit.path) || user.can(Permission::View, &by.path)) {
        return Err(AppError::Forbidden);
    }
    let locale = ctx.locale;
    ctx.render(
        "recommendations/inspection",
        json!({
            "title": i18n::t(locale, "insp-one-title"),
            "i": i,
            "unit": unit,
            "by": by,
            "recs": recs.iter().map(|r| json!({"r": r, "field": i18n::t(locale, &format!("rec-field-{}", r.field))})).collect::<Vec<_>>(),
            "can_raise": may_act(user, &by.path) || may_act(user, &unit.path),
        }),
    )
}

// ---------------------------------------------------------------- holiday calendar

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: String,
}

fn require_top_admin(user: &CurrentUser) -> AppResult<()> {
    if user
        .scope(Permission::ManageUnits)
        .iter()
        .any(|p| depth(p) == 0)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn calendar_page(ctx: Ctx, q: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    require_top_admin(ctx.user()?)?;
    let year = q.year.parse().unwrap_or(format::today().year());
    render_calendar(
        &ctx,
        year,
        &HashMap::new(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_calendar(
    ctx: &Ctx,
    year: i32,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (days, bodies) = ctx
        .db(move |conn| {
            Ok((
                rdb::calendar_year(conn, year)?,
                rdb::response_days_all(conn)?,
            ))
        })
        .await?;
    let units = all_units(ctx).await?;
    let locale = ctx.locale;
    let field = |k: &str| json!({"value": values.get(k).cloned().unwrap_or_default(), "error": errors.get(k)});
    ctx.render_status(
        status,
        "recommendations/calendar",
        json!({
            "title": i18n::t(locale, "calendar-title"),
            "year": year,
            "prev": year - 1,
            "next": year + 1,
            "days": days.iter().map(|(d, k, n)| json!({"date": d, "kind": k, "name": n, "value": format::date(*d)})).collect::<Vec<_>>(),
            "bodies": bodies.iter().map(|(id, n, d)| json!({"id": id, "name": n, "days": d})).collect::<Vec<_>>(),
            "default_days": rdb::DEFAULT_RESPONSE_DAYS,
            "f": {"date": field("date"), "kind": field("kind"), "name": field("name"), "unit_id": field("unit_id"), "days": field("days")},
            "has_errors": !errors.is_empty(),
            "kinds": options([DayKind::Holiday, DayKind::MakeUp].map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("day-kind-{}", k.as_str())))), values.get("kind").map_or("", String::as_str)),
            "units": unit_options(&units, values.get("unit_id").map_or("", String::as_str)),
        }),
    )
}

async fn calendar_save(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    require_top_admin(ctx.user()?)?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let mut e = FieldErrors::default();
    let actor = ctx.actor();
    let year;
    match get("action").as_str() {
        "set" => {
            let date = required_date(&mut e, "date", &get("date"));
            let kind = DayKind::parse(&get("kind"));
            if kind.is_none() {
                e.add("kind", "error-required");
            }
            let name = e.required("name", &get("name"), 200);
            year = date.map_or(format::today().year(), |d| d.year());
            if let (Some(date), Some(kind), true) = (date, kind, e.is_empty()) {
                ctx.db(move |conn| {
                    audit::write(conn, &actor, |c| {
                        Ok(((), rdb::set_day(c, date, kind, &name)?))
                    })
                })
                .await?;
            }
        }
        "remove" => {
            let date = format::parse_date(&get("date"))
                .ok_or_else(|| AppError::BadRequest("date".into()))?;
            year = date.year();
            ctx.db(move |conn| {
                audit::write_if(conn, &actor, |c| Ok(((), rdb::remove_day(c, date)?)))
            })
            .await?;
        }
        "days" => {
            let unit = e.id("unit_id", &get("unit_id"));
            let days = match e.number::<i32>("days", &get("days")) {
                Some(d) if (1..=90).contains(&d) => Some(d),
                _ => {
                    e.add("days", "error-number");
                    None
                }
            };
            year = format::today().year();
            // A body of a province the administrator manages, still active.
            let found = ctx
                .db(move |conn| Ok(db::units::find_chosen(conn, unit)?))
                .await?;
            let user = ctx.user()?;
            chosen::unit(&mut e, "unit_id", unit, found, |u| {
                user.can(Permission::ManageUnits, &u.path)
            });
            if let (Some(unit), Some(days), true) = (unit, days, e.is_empty()) {
                ctx.db(move |conn| {
                    audit::write(conn, &actor, |c| {
                        Ok(((), rdb::set_response_days(c, unit, days)?))
                    })
                })
                .await?;
            }
        }
        _ => return Err(AppError::BadRequest("action".into())),
    }
    if !e.is_empty() {
        return render_calendar(&ctx, year, &values, &e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/admin/calendar?year={year}")))
}

// ---------------------------------------------------------------- annual targets

#[derive(Deserialize, Default)]
#[serde(default)]
struct TargetsQuery {
    unit: String,
    year: String,
}

async fn targets_page(ctx: Ctx, q: web::Query<TargetsQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::View)?;
    let year = q.year.parse().unwrap_or(format::today().year());
    let unit: Option<i64> = q.unit.parse().ok();
    render_targets(
        &ctx,
        unit,
        year,
        &HashMap::new(),
        &FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The targets page; `values` and `errors` are what was just typed, in the
/// form adding a target or, with `actual_of`, in that target's row.
async fn render_targets(
    ctx: &Ctx,
    unit: Option<i64>,
    year: i32,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    actual_of: Option<i64>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::View);
    let (units, chosen, list, history) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            let chosen = match unit {
                Some(id) => db::units::find(conn, id).optional_found()?,
                None => None,
            };
            let list = match &chosen {
                Some(u) => rdb::targets_of(conn, u.id, year)?,
                None => vec![],
            };
            let history =
                rdb::target_history(conn, &list.iter().map(|t| t.id).collect::<Vec<_>>())?;
            Ok((units, chosen, list, history))
        })
        .await?;
    if let Some(u) = &chosen {
        user.require(Permission::View, &u.path)?;
    }
    let (met, total, exceeded) = targets::summary(
        &list
            .iter()
            .map(|t| (t.planned, t.actual))
            .collect::<Vec<_>>(),
    );
    let manage = chosen.as_ref().is_some_and(|u| may_act(user, &u.path));
    let field = |k: &str| json!({"value": values.get(k).cloned().unwrap_or_default(), "error": errors.get(k)});
    ctx.render_status(
        status,
        "recommendations/targets",
        json!({
            "title": i18n::t(ctx.locale, "targets-title"),
            "year": year,
            "unit": chosen,
            "units": unit_options(&units, &unit.map(|u| u.to_string()).unwrap_or_default()),
            "rows": list.iter().map(|t| json!({
                "tg": t,
                "actual": if actual_of == Some(t.id) { field("actual") } else { json!({"value": "", "error": null}) },
                "has_actual": t.actual.is_some(),
                "standing": targets::standing(t.planned, t.actual),
                "history": history.iter().filter(|h| h.0 == t.id).map(|h| json!({"value": h.1, "on": h.2, "by": h.3})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "summary": {"met": met, "total": total, "exceeded": exceeded},
            "manage": manage,
            "f": {"year": field("year"), "name": field("name"), "planned": field("planned"), "measure": field("measure")},
            "has_errors": !errors.is_empty(),
        }),
    )
}

/// Checks a target as typed: a year near this one, a name, a planned
/// figure, a unit of measure.
pub(super) fn check_target(
    year: i32,
    name: &str,
    planned: &str,
    measure: &str,
) -> Result<(String, f64, String), FieldErrors> {
    let mut e = FieldErrors::default();
    if !(2000..=format::today().year() + 5).contains(&year) {
        e.add("year", "error-year");
    }
    let name = e.required("name", name, 300);
    let value = e.decimal("planned", planned);
    if planned.trim().is_empty() {
        e.add("planned", "error-required");
    }
    let measure = e.optional("measure", measure, 50).unwrap_or_default();
    match value.filter(|_| e.is_empty()) {
        Some(planned) => Ok((name, planned, measure)),
        None => Err(e),
    }
}

/// Checks an actual figure as typed.
pub(super) fn check_actual(actual: &str) -> Result<f64, FieldErrors> {
    let mut e = FieldErrors::default();
    let value = e.decimal("actual", actual);
    if actual.trim().is_empty() {
        e.add("actual", "error-required");
    }
    value.filter(|_| e.is_empty()).ok_or(e)
}

/// Records the actual figure reached, from `version`; `false` (nothing
/// written) when someone recorded one in between.
pub(super) fn save_actual(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    t: &rdb::Target,
    version: i32,
    actual: f64,
    uid: i64,
) -> AppResult<bool> {
    let today = format::today();
    audit::write_if(conn, actor, |c| {
        let ch = rdb::set_actual(c, t, version, actual, today, uid)?;
        Ok((ch.is_some(), ch))
    })
}

async fn add_target(ctx: Ctx, form: web::Form<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let year: i32 = get("year")
        .parse()
        .map_err(|_| AppError::BadRequest("year".into()))?;
    // A unit that names nothing or no longer works is a field error; one
    // the reader does not act for, a 403.
    let mut e = FieldErrors::default();
    let id = e.id("unit_id", &get("unit_id"));
    let found = ctx
        .db(move |conn| Ok(db::units::find_chosen(conn, id)?))
        .await?;
    let Some(unit) = chosen::unit(&mut e, "unit_id", id, found, |_| true) else {
        return render_targets(
            &ctx,
            None,
            year,
            &values,
            &e,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let unit_id = unit.id;
    if !may_act(user, &unit.path) {
        return Err(AppError::Forbidden);
    }
    let (name, planned, measure) =
        match check_target(year, &get("name"), &get("planned"), &get("measure")) {
            Ok(v) => v,
            Err(e) => {
                return render_targets(
                    &ctx,
                    Some(unit_id),
                    year,
                    &values,
                    &e,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        };
    let actor = ctx.actor();
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            let (_, change) = rdb::add_target(c, unit_id, year, &name, planned, &measure)?;
            Ok(((), change))
        })
    })
    .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/targets?unit={unit_id}&year={year}")))
}

async fn set_actual(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let tid = *id;
    let (t, unit) = ctx
        .db(move |conn| {
            let t = rdb::find_target(conn, tid)?;
            let unit = db::units::find(conn, t.unit_id)?;
            Ok((t, unit))
        })
        .await?;
    if !may_act(user, &unit.path) {
        return Err(AppError::Forbidden);
    }
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let Ok(version) = get("version").parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let actual = match check_actual(&get("actual")) {
        Ok(a) => a,
        Err(e) => {
            return render_targets(
                &ctx,
                Some(t.unit_id),
                t.year,
                &values,
                &e,
                Some(t.id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (actor, uid) = (ctx.actor(), user.id);
    let back = format!("/targets?unit={}&year={}", t.unit_id, t.year);
    let saved = ctx
        .db(move |conn| save_actual(conn, &actor, &t, version, actual, uid))
        .await?;
    ctx.flash(
        if saved { "success" } else { "error" },
        if saved {
            "flash-saved"
        } else {
            "error-conflict-saved"
        },
    );
    Ok(ctx.redirect(&back))
}
