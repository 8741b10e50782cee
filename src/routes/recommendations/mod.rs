//! Recommendations (kiến nghị) that bodies answer in writing by a deadline
//! counted in working days; inspection visits that raise them; statistics per
//! responding body; the holiday calendar; attachments; annual targets. Here
//! the routes, who may act on a recommendation, the list and the new
//! recommendation's form; one recommendation's page, answer and moves are in
//! `answer`, the rest in `stats`, `inspections`, `calendar` and `targets`.

mod answer;
mod calendar;
mod inspections;
mod stats;
mod targets;

pub(super) use answer::{check_answer, check_move, move_for, save_answer};
pub(super) use targets::{check_actual, check_target, save_actual};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::recommendation::Field;
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::{self, Urgency};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{form_view, options};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/recommendations", web::get().to(index))
        .route("/recommendations", web::post().to(create))
        .route("/recommendations/new", web::get().to(new))
        .route("/recommendations/stats", web::get().to(stats::stats))
        .route(
            "/recommendations/stats.xlsx",
            web::get().to(stats::stats_xlsx),
        )
        .route("/recommendations/{id}", web::get().to(answer::show))
        .route(
            "/recommendations/{id}/answer",
            web::post().to(answer::answer),
        )
        .route(
            "/recommendations/{id}/{action}",
            web::post().to(answer::act),
        )
        .route("/attachments/{id}", web::get().to(answer::download))
        .route("/inspections", web::get().to(inspections::inspections))
        .route(
            "/inspections",
            web::post().to(inspections::create_inspection),
        )
        .route(
            "/inspections/new",
            web::get().to(inspections::new_inspection),
        )
        .route(
            "/inspections/{id}",
            web::get().to(inspections::show_inspection),
        )
        .route("/admin/calendar", web::get().to(calendar::calendar_page))
        .route("/admin/calendar", web::post().to(calendar::calendar_save))
        .route("/targets", web::get().to(targets::targets_page))
        .route("/targets", web::post().to(targets::add_target))
        .route("/targets/{id}", web::post().to(targets::set_actual));
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
            "f": form_view(form, errors),
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
