//! Annual campaigns and "Dân vận khéo" models: the campaign, registration,
//! appraisal and status moves, check-ins, and the figures.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod figures;
mod models;

use super::reviews::{named, Choices, Picker, TasksForm};
use super::{chosen, options, people, Page, PageAsked};
use crate::app;
pub(super) use crate::app::campaigns::Access;
use crate::app::campaigns::CampaignInput;
use crate::context::Ctx;
use crate::db::{self, campaigns as cdb};
use crate::domain::access::Permission;
use crate::domain::campaign::{ModelKind, ModelStatus};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/campaigns", get().to(index))
        .route("/campaigns", post().to(create))
        .route("/campaigns/new", get().to(new))
        .route("/campaigns/{id}", get().to(show))
        .route("/campaigns/{id}", post().to(update))
        .route("/campaigns/{id}/edit", get().to(edit))
        .route("/campaigns/{id}/criteria", get().to(criteria_page))
        .route("/campaigns/{id}/criteria", post().to(save_criteria))
        .route("/campaigns/{id}/tasks", get().to(tasks_page))
        .route("/campaigns/{id}/tasks", post().to(save_tasks))
        .route("/campaigns/{id}/figures", get().to(figures::figures))
        .route(
            "/campaigns/{id}/figures.xlsx",
            get().to(figures::figures_xlsx),
        )
        .route("/campaigns/{id}/models/new", get().to(models::new_model))
        .route("/campaigns/{id}/models", post().to(models::register))
        .route("/models/{id}", get().to(models::show_model))
        .route("/models/{id}", post().to(models::update_model))
        .route("/models/{id}/edit", get().to(models::edit_model))
        .route("/models/{id}/status", post().to(models::move_model))
        .route("/models/{id}/scores", post().to(models::appraise))
        .route("/models/{id}/checkins", post().to(models::check_in))
        .route(
            "/models/{id}/checkins/{cid}/ack",
            post().to(models::acknowledge),
        );
}

// ---------------------------------------------------------------- access

/// The campaign if the reader reaches its unit, with what they may do.
async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| app::campaigns::access(conn, &user, id))
        .await
}

// ---------------------------------------------------------------- campaigns

/// Campaigns listed at a time: a province sets one per unit and year.
const CAMPAIGNS_PAGE: i64 = 50;

async fn index(ctx: Ctx, q: web::Query<PageAsked>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rows = ctx.db(|conn| Ok(cdb::all(conn)?)).await?;
    let page = Page::new(q.page, CAMPAIGNS_PAGE);
    let (rows, total) = page.cut(
        rows.into_iter()
            .filter(|(_, _, path)| user.reaches(path))
            .collect(),
    );
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(c, unit_name, _)| json!({"c": c, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "campaigns/index",
        json!({
            "title": i18n::t(ctx.locale, "campaigns-title"),
            "rows": rows,
            "pagination": page.view(total, &[]),
            "can_create": user.can_anywhere(Permission::ManageTasks),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct CampaignForm {
    pub unit_id: String,
    pub year: String,
    pub theme: String,
    pub plan_number: String,
    pub plan_date: String,
    pub focus_fields: Vec<String>,
    pub period_from: String,
    pub period_to: String,
    pub description: String,
    pub related_plans: String,
    pub appraisers: Vec<String>,
    pub version: String,
    /// The appraisers picker's find field and its button (`people`).
    #[serde(skip_serializing)]
    pub find: String,
    #[serde(skip_serializing)]
    pub finding: String,
}

impl CampaignForm {
    fn of(f: &cdb::CampaignFields, version: i32) -> CampaignForm {
        let ids = |v: &[i64]| v.iter().map(ToString::to_string).collect();
        CampaignForm {
            unit_id: f.unit_id.to_string(),
            year: f.year.to_string(),
            theme: f.theme.clone(),
            plan_number: f.plan_number.clone(),
            plan_date: f.plan_date.map(format::date).unwrap_or_default(),
            focus_fields: ids(&f.focus_fields),
            period_from: format::date(f.period_from),
            period_to: format::date(f.period_to),
            description: f.description.clone(),
            related_plans: f.related_plans.clone(),
            appraisers: ids(&f.appraisers),
            version: version.to_string(),
            ..Default::default()
        }
    }
}

impl super::EditForm for CampaignForm {
    type Now = app::campaigns::CampaignNow;
    const LABELS: &'static str = "campaign-";

    fn saved_now(now: &app::campaigns::CampaignNow) -> CampaignForm {
        CampaignForm::of(&now.fields, now.campaign.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }
}

impl CampaignForm {
    /// The typed campaign; numbers, dates and ids written wrong are kept as
    /// unread.
    pub(super) fn input(&self) -> CampaignInput {
        let mut unread = FieldErrors::default();
        let unit_id = unread.typed_id("unit_id", &self.unit_id);
        CampaignInput {
            unit_id,
            year: unread.number("year", &self.year),
            theme: self.theme.clone(),
            plan_number: self.plan_number.clone(),
            plan_date: unread.date("plan_date", &self.plan_date),
            focus_fields: unread.ids("focus_fields", &self.focus_fields),
            period_from: unread.date("period_from", &self.period_from),
            period_to: unread.date("period_to", &self.period_to),
            description: self.description.clone(),
            related_plans: self.related_plans.clone(),
            appraisers: unread.ids("appraisers", &self.appraisers),
            unread,
        }
    }
}

async fn render_campaign_form(
    ctx: &Ctx,
    existing: Option<&Access>,
    form: &CampaignForm,
    again: Option<super::Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = super::shown(again);
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let fixed = existing.map(|a| a.unit.path.clone());
    let had = existing.map(|a| a.c.focus()).unwrap_or_default();
    let (unit_id, find) = (form.unit_id.clone(), form.find.clone());
    let chosen_people = people::ids(&form.appraisers);
    let (units, fields, offered) = ctx
        .db(move |conn| {
            // Appraisers reach the campaign's unit.
            let (units, offered) =
                people::for_unit_record(conn, &scope, fixed, &unit_id, &find, &chosen_people)?;
            Ok((units, cdb::fields(conn)?, offered))
        })
        .await?;
    let locale = ctx.locale;
    let checks = |chosen: &[String], items: Vec<(String, String)>| -> Vec<Value> {
        items
            .into_iter()
            .map(|(v, label)| json!({"selected": chosen.contains(&v), "value": v, "label": label}))
            .collect()
    };
    ctx.render_status(
        status,
        "campaigns/form",
        json!({
            "title": i18n::t(locale, if existing.is_some() { "campaigns-edit-title" } else { "campaigns-new-title" }),
            "action": existing.map_or("/campaigns".to_string(), |a| format!("/campaigns/{}", a.c.id)),
            "existing": existing.map(|a| json!({"unit_name": a.unit.name, "year": a.c.year})),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "units": super::unit_options(&units, &form.unit_id),
            "field_options": checks(&form.focus_fields, fields.iter().filter(|f| f.active || had.contains(&f.id)).map(|f| (f.id.to_string(), named(locale, &f.name_vi, &f.name_en))).collect()),
            "appraiser_options": offered.options(&form.appraisers),
            "people": offered.view(),
            "conflict": conflict,
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    let year = format::today().year();
    let form = CampaignForm {
        year: year.to_string(),
        period_from: format::date(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()),
        period_to: format::date(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default()),
        ..Default::default()
    };
    render_campaign_form(&ctx, None, &form, None).await
}

async fn create(ctx: Ctx, form: super::HtmlForm<CampaignForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    if people::finding(&form.finding) {
        ctx.user()?.require_anywhere(Permission::ManageTasks)?;
        return render_campaign_form(&ctx, None, &form, None).await;
    }
    let input = form.input();
    let saved = super::call(&ctx, move |c, who| app::campaigns::set_up(c, who, &input)).await?;
    let to = |c: &cdb::Campaign| format!("/campaigns/{}", c.id);
    match super::after_form(&ctx, saved, to, |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => render_campaign_form(&ctx, None, &form, Some(again)).await,
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let c = a.c.clone();
    let fields = ctx.db(move |conn| Ok(cdb::fields_of(conn, &c)?)).await?;
    let form = CampaignForm::of(&fields, a.c.version);
    render_campaign_form(&ctx, Some(&a), &form, None).await
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<CampaignForm>,
) -> AppResult<HttpResponse> {
    let (cid, mut form) = (*id, form.0);
    if people::finding(&form.finding) {
        let a = super::allowed(load(&ctx, cid).await?, |a| a.manage)?;
        return render_campaign_form(&ctx, Some(&a), &form, None).await;
    }
    let (input, to) = (form.input(), format!("/campaigns/{cid}"));
    let edited = super::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        app::campaigns::edit(c, who, cid, version, &input)
    });
    let again = match edited.await? {
        Ok(done) => return Ok(done),
        Err(again) => again,
    };
    let a = load(&ctx, cid).await?;
    render_campaign_form(&ctx, Some(&a), &form, Some(again)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelQuery {
    q: String,
    field: String,
    status: String,
    kind: String,
    page: Option<i64>,
}

const MODELS_PAGE: i64 = 50;

async fn show(ctx: Ctx, id: web::Path<i64>, q: web::Query<ModelQuery>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let user = ctx.user()?;
    let q = q.into_inner();
    let page = Page::new(q.page, MODELS_PAGE);
    let filter = cdb::ModelFilter {
        field_id: q.field.parse().ok(),
        status: ModelStatus::parse(&q.status).map(|s| s.as_str().to_string()),
        kind: ModelKind::parse(&q.kind).map(|k| k.as_str().to_string()),
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let cid = a.c.id;
    let (fields, criteria, appraisers, tasks, (models, total)) = ctx
        .db(move |conn| {
            Ok((
                cdb::fields(conn)?,
                cdb::criteria(conn, cid)?,
                cdb::appraisers(conn, cid)?,
                cdb::tasks_of(conn, cid)?,
                cdb::list_models(conn, cid, &filter, page.offset(), page.size)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let focus = a.c.focus();
    let base = [
        ("q", q.q.clone()),
        ("field", q.field.clone()),
        ("status", q.status.clone()),
        ("kind", q.kind.clone()),
    ];
    ctx.render(
        "campaigns/show",
        json!({
            "title": a.c.theme,
            "c": a.c,
            "unit": a.unit,
            "manage": a.manage,
            "appraiser": a.appraiser,
            "can_register": true,
            "focus": fields.iter().filter(|f| focus.contains(&f.id)).map(|f| named(locale, &f.name_vi, &f.name_en)).collect::<Vec<_>>(),
            "criteria": criteria.iter().map(|c| json!({"name": named(locale, &c.name_vi, &c.name_en), "max": c.max_points})).collect::<Vec<_>>(),
            "appraisers": appraisers.iter().map(|(_, n)| n).collect::<Vec<_>>(),
            "tasks": tasks.iter().map(|(id, title, unit)| json!({"id": id, "title": title, "unit": unit})).collect::<Vec<_>>(),
            "models": models.iter().map(|m| json!({"m": m, "field": named(locale, &m.field_vi, &m.field_en)})).collect::<Vec<_>>(),
            "model_total": total,
            "mq": {"q": q.q},
            "field_options": options(fields.iter().map(|f| (f.id.to_string(), named(locale, &f.name_vi, &f.name_en))), &q.field),
            "status_options": options(ModelStatus::ALL.iter().map(|s| (s.as_str().to_string(), i18n::t(locale, &format!("model-status-{}", s.as_str())))), &q.status),
            "kind_options": options(ModelKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("model-kind-{}", k.as_str())))), &q.kind),
            "pagination": page.view(total, &base),
            "user_id": user.id,
        }),
    )
}

async fn criteria_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let cid = a.c.id;
    let items = ctx.db(move |conn| Ok(cdb::criteria(conn, cid)?)).await?;
    let fields: Vec<_> = items.iter().map(cdb::Criterion::fields).collect();
    super::reviews::render_criteria(
        &ctx,
        StatusCode::OK,
        &format!("/campaigns/{cid}/criteria"),
        json!({"href": format!("/campaigns/{cid}"), "title": a.c.theme}),
        super::reviews::criteria_rows(&fields),
        &FieldErrors::default(),
    )
}

async fn save_criteria(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<super::reviews::CriteriaForm>,
) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let cid = a.c.id;
    super::reviews::save_criteria_with(
        &ctx,
        &form.0,
        format!("/campaigns/{cid}"),
        a.c.theme,
        move |x, who, items| app::campaigns::set_criteria(x, who, cid, items),
    )
    .await
}

async fn tasks_page(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<PageAsked>,
) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    task_picker(&a)
        .render(&ctx, q.page, None, None, StatusCode::OK)
        .await
}

/// The tasks a campaign may hold, as its page offers them: its unit's
/// subtree's tasks of its year, with those already attached.
fn task_picker(a: &Access) -> Picker<impl Choices> {
    let (c, path) = (a.c.clone(), a.unit.path.clone());
    Picker {
        view: ("campaigns/tasks", "campaign-tasks-title", "c", json!(a.c)),
        choices: move |conn: &mut db::DbConnection| {
            let attached = cdb::tasks_of(conn, c.id)?;
            Ok(chosen::offered_tasks(conn, &path, c.year, attached)?)
        },
    }
}

async fn save_tasks(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<TasksForm>,
) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let (c, back) = (a.c.clone(), format!("/campaigns/{}", a.c.id));
    let save = move |x: &mut db::DbConnection, ids: &[i64]| cdb::set_tasks(x, &c, ids).map(Some);
    task_picker(&a).save(&ctx, &form.0, &back, "", save).await
}
