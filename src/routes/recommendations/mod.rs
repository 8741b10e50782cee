//! Recommendations (kiến nghị) that bodies answer in writing by a deadline
//! counted in working days; inspection visits that raise them; statistics per
//! responding body; the holiday calendar; attachments; annual targets. Here
//! the routes, who may act on a recommendation and the new recommendation's
//! form; the list and its CSV and XLSX exports are in `listing`, one
//! recommendation's page, answer and moves in `answer`, the rest in `stats`,
//! `inspections`, `calendar` and `targets`.

mod answer;
mod calendar;
mod inspections;
mod listing;
mod stats;
mod targets;

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::recommendations::{self as recs, may_act, urgency_of, Access};
use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::recommendation::Field;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{after_form, form_view, options, unit_options};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/recommendations", get().to(listing::index))
        .route("/recommendations.csv", get().to(listing::export_csv))
        .route("/recommendations.xlsx", get().to(listing::export_xlsx))
        .route("/recommendations", post().to(create))
        .route("/recommendations/new", get().to(new))
        .route("/recommendations/stats", get().to(stats::stats))
        .route("/recommendations/stats.xlsx", get().to(stats::stats_xlsx))
        .route("/recommendations/{id}", get().to(answer::show))
        .route("/recommendations/{id}/answer", post().to(answer::answer))
        .route("/recommendations/{id}/{action}", post().to(answer::act))
        .route("/attachments/{id}", get().to(answer::download))
        .route("/inspections", get().to(inspections::inspections))
        .route("/inspections", post().to(inspections::create_inspection))
        .route("/inspections/new", get().to(inspections::new_inspection))
        .route("/inspections/{id}", get().to(inspections::show_inspection))
        .route("/admin/calendar", get().to(calendar::calendar_page))
        .route("/admin/calendar", post().to(calendar::calendar_save))
        .route("/targets", get().to(targets::targets_page))
        .route("/targets", post().to(targets::add_target))
        .route("/targets/{id}", post().to(targets::set_actual));
}

async fn all_units(ctx: &Ctx) -> AppResult<Vec<db::units::Unit>> {
    ctx.db(|conn| {
        let roots = db::units::root_paths(conn)?;
        Ok(db::units::tree(conn, &roots, false)?)
    })
    .await
}

async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| recs::access(conn, &user, id)).await
}

// ---------------------------------------------------------------- list and create

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct RecForm {
    inspection_id: String,
    from_unit_id: String,
    to_unit_id: String,
    field: String,
    content: String,
    raised_on: String,
}

impl RecForm {
    fn input(&self) -> recs::RecInput {
        let mut unread = FieldErrors::default();
        recs::RecInput {
            inspection_id: unread.typed_id("inspection_id", &self.inspection_id),
            from_unit_id: unread.typed_id("from_unit_id", &self.from_unit_id),
            to_unit_id: unread.typed_id("to_unit_id", &self.to_unit_id),
            field: self.field.clone(),
            content: self.content.clone(),
            raised_on: unread.date("raised_on", &self.raised_on),
            unread,
        }
    }
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
            .db(move |conn| recs::raising_inspection(conn, &user, id))
            .await?
            .ok_or(AppError::Forbidden)?;
        form.inspection_id = i.id.to_string();
        form.from_unit_id = i.unit_id.to_string();
        form.raised_on = format::date(i.visited_on);
    }
    render_form(&ctx, StatusCode::OK, &form, &FieldErrors::default()).await
}

async fn create(ctx: Ctx, form: web::Form<RecForm>) -> AppResult<HttpResponse> {
    let (who, form) = (ctx.caller()?, form.into_inner());
    let input = form.input();
    let saved = ctx.db(move |c| Ok(recs::raise(c, &who, &input))).await?;
    match after_form(
        &ctx,
        saved,
        |r| format!("/recommendations/{}", r.id),
        |()| Value::Null,
    )? {
        Ok(done) => Ok(done),
        Err(a) => render_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, &a.errors).await,
    }
}
