//! Annual campaigns and "Dân vận khéo" models: the campaign, registration,
//! appraisal and status moves, check-ins, and the figures.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{chosen, options, Page};
pub(super) use crate::app::campaigns::Access;
use crate::app::campaigns::CampaignInput;
use crate::app::{self, Rejected, Version};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, campaigns as cdb};
use crate::domain::access::Permission;
use crate::domain::campaign::{self, CheckinKind, ModelKind, ModelStatus};
use crate::domain::format;
use crate::domain::review;
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/campaigns", web::get().to(index))
        .route("/campaigns", web::post().to(create))
        .route("/campaigns/new", web::get().to(new))
        .route("/campaigns/{id}", web::get().to(show))
        .route("/campaigns/{id}", web::post().to(update))
        .route("/campaigns/{id}/edit", web::get().to(edit))
        .route("/campaigns/{id}/criteria", web::get().to(criteria_page))
        .route("/campaigns/{id}/criteria", web::post().to(save_criteria))
        .route("/campaigns/{id}/tasks", web::get().to(tasks_page))
        .route("/campaigns/{id}/tasks", web::post().to(save_tasks))
        .route("/campaigns/{id}/figures", web::get().to(figures))
        .route("/campaigns/{id}/figures.xlsx", web::get().to(figures_xlsx))
        .route("/campaigns/{id}/models/new", web::get().to(new_model))
        .route("/campaigns/{id}/models", web::post().to(register))
        .route("/models/{id}", web::get().to(show_model))
        .route("/models/{id}", web::post().to(update_model))
        .route("/models/{id}/edit", web::get().to(edit_model))
        .route("/models/{id}/status", web::post().to(move_model))
        .route("/models/{id}/scores", web::post().to(appraise))
        .route("/models/{id}/checkins", web::post().to(check_in))
        .route(
            "/models/{id}/checkins/{cid}/ack",
            web::post().to(acknowledge),
        );
}

fn named(locale: Locale, vi: &str, en: &str) -> String {
    match locale {
        Locale::En if !en.trim().is_empty() => en.to_string(),
        _ => vi.to_string(),
    }
}

// ---------------------------------------------------------------- access

async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    campaign_access(&ctx.state.pool, ctx.user()?, id).await
}

/// The campaign if the reader reaches its unit, with what they may do.
pub(super) async fn campaign_access(
    pool: &db::Pool,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Access> {
    let user = user.clone();
    db::run(pool, move |conn| app::campaigns::access(conn, &user, id)).await
}

// ---------------------------------------------------------------- campaigns

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rows = ctx.db(|conn| Ok(cdb::all(conn)?)).await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|(_, _, path)| user.reaches(path))
        .map(|(c, unit_name, _)| json!({"c": c, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "campaigns/index",
        json!({
            "title": i18n::t(ctx.locale, "campaigns-title"),
            "rows": rows,
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
        }
    }
}

/// A required `dd/mm/yyyy` date.
fn required_date(e: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    let d = e.date(field, raw);
    if raw.trim().is_empty() {
        e.add(field, "error-required");
    }
    d
}

/// Two required dates, the second not before the first.
fn period(e: &mut FieldErrors, from: &str, to: &str) -> Option<(NaiveDate, NaiveDate)> {
    let a = required_date(e, "period_from", from);
    let b = required_date(e, "period_to", to);
    match (a, b) {
        (Some(a), Some(b)) if b < a => {
            e.add("period_to", "error-period-order");
            None
        }
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
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
    status: StatusCode,
    existing: Option<&Access>,
    form: &CampaignForm,
    errors: &FieldErrors,
    conflict: Option<Value>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let fixed = existing.map(|a| a.unit.path.clone());
    let had = existing.map(|a| a.c.focus()).unwrap_or_default();
    let (units, fields, people) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            let people = match &fixed {
                Some(p) => db::users::reaching(conn, p)?,
                None => db::users::in_scope(conn, &scope)?,
            };
            Ok((units, cdb::fields(conn)?, people))
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
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "units": options(units.iter().map(|u| (u.id.to_string(), format!("{}{}", "— ".repeat(depth(&u.path)), u.name))), &form.unit_id),
            "field_options": checks(&form.focus_fields, fields.iter().filter(|f| f.active || had.contains(&f.id)).map(|f| (f.id.to_string(), named(locale, &f.name_vi, &f.name_en))).collect()),
            "appraiser_options": checks(&form.appraisers, people.into_iter().map(|(id, username, name)| (id.to_string(), format!("{name} ({username})"))).collect()),
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
    render_campaign_form(
        &ctx,
        StatusCode::OK,
        None,
        &form,
        &FieldErrors::default(),
        None,
    )
    .await
}

async fn create(ctx: Ctx, form: super::HtmlForm<CampaignForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::campaigns::set_up(c, &user, &actor, &input)))
        .await?;
    match saved {
        Ok(c) => {
            ctx.flash("success", "flash-saved");
            Ok(ctx.redirect(&format!("/campaigns/{}", c.id)))
        }
        Err(Rejected::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_campaign_form(&ctx, status, None, &form, &e, None).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    a.require_manage()?;
    let c = a.c.clone();
    let fields = ctx.db(move |conn| Ok(cdb::fields_of(conn, &c)?)).await?;
    let form = CampaignForm::of(&fields, a.c.version);
    render_campaign_form(
        &ctx,
        StatusCode::OK,
        Some(&a),
        &form,
        &FieldErrors::default(),
        None,
    )
    .await
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<CampaignForm>,
) -> AppResult<HttpResponse> {
    let (cid, mut form) = (*id, form.0);
    let version = Version::of_form(&form.version);
    if version == Version::Missing {
        return Err(AppError::BadRequest("version missing".into()));
    }
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::campaigns::edit(c, &user, &actor, cid, version, &input)))
        .await?;
    let (errors, conflict) = match saved {
        Ok(_) => {
            ctx.flash("success", "flash-saved");
            return Ok(ctx.redirect(&format!("/campaigns/{cid}")));
        }
        Err(Rejected::Invalid(e)) => (e, None),
        Err(Rejected::Stale(now)) => {
            let theirs = CampaignForm::of(&now.fields, now.campaign.version);
            form.version = now.campaign.version.to_string();
            let view = super::conflict_view(&form, &theirs, "campaign-");
            (FieldErrors::default(), Some(view))
        }
        Err(other) => return Err(other.into_app_error()),
    };
    let a = load(&ctx, cid).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_campaign_form(&ctx, status, Some(&a), &form, &errors, conflict).await
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
    let a = load(&ctx, *id).await?;
    a.require_manage()?;
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
    let a = load(&ctx, *id).await?;
    a.require_manage()?;
    let (cid, c) = (a.c.id, a.c.clone());
    super::reviews::save_criteria_with(
        &ctx,
        &form.0,
        format!("/campaigns/{cid}"),
        a.c.theme,
        "campaign-error-criteria-used",
        move |x, items| cdb::set_criteria(x, &c, items),
    )
    .await
}

async fn tasks_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    a.require_manage()?;
    render_tasks(&ctx, &a, None, None, StatusCode::OK).await
}

/// The tasks a campaign may hold, as its page offers them: its unit's
/// subtree's tasks of its year, with those already attached.
fn task_choices(
    conn: &mut db::DbConnection,
    c: &cdb::Campaign,
    path: &str,
) -> AppResult<(chosen::OfferedTasks, Vec<i64>)> {
    let attached = cdb::tasks_of(conn, c.id)?;
    Ok(chosen::offered_tasks(conn, path, c.year, attached)?)
}

/// The page choosing a campaign's tasks; `ticked` is what was just sent
/// (the attached tasks otherwise), `error` what was wrong with it.
async fn render_tasks(
    ctx: &Ctx,
    a: &Access,
    ticked: Option<Vec<i64>>,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (c, path) = (a.c.clone(), a.unit.path.clone());
    let (offered, attached) = ctx.db(move |conn| task_choices(conn, &c, &path)).await?;
    let ticked = ticked.unwrap_or(attached);
    let rows: Vec<Value> = offered
        .iter()
        .map(|(id, title, unit)| {
            json!({"id": id, "title": title, "unit": unit, "checked": ticked.contains(id)})
        })
        .collect();
    ctx.render_status(
        status,
        "campaigns/tasks",
        json!({"title": i18n::t(ctx.locale, "campaign-tasks-title"), "c": a.c, "rows": rows, "error": error}),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TasksForm {
    task: Vec<String>,
}

async fn save_tasks(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<TasksForm>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    a.require_manage()?;
    let mut e = FieldErrors::default();
    let ids = e.ids("task", &form.0.task);
    let (actor, c, path) = (ctx.actor(), a.c.clone(), a.unit.path.clone());
    let chosen_ids = ids.clone();
    let saved = ctx
        .db(move |conn| {
            // Only tasks the page offers: none of another unit, year or province.
            let (offered, _) = task_choices(conn, &c, &path)?;
            let usable = |t: i64| offered.iter().any(|o| o.0 == t);
            if !chosen::every(&mut e, "task", &chosen_ids, usable, chosen::INVALID) || !e.is_empty()
            {
                return Ok(Err(e));
            }
            audit::write(conn, &actor, |x| {
                Ok(((), cdb::set_tasks(x, &c, &chosen_ids)?))
            })?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(e) = saved {
        let error = e.get("task").map(str::to_string);
        return render_tasks(
            &ctx,
            &a,
            Some(ids),
            error.as_deref(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/campaigns/{}", a.c.id)))
}

// ---------------------------------------------------------------- figures

/// The figures as tables: by field (collective, individual, total), the
/// current statuses, and the funnel of stages ever reached.
struct FigureTables {
    by_field: Vec<(String, i64, i64)>,
    collectives: i64,
    individuals: i64,
    by_status: Vec<(ModelStatus, i64)>,
    funnel: Vec<(ModelStatus, i64)>,
}

async fn figure_tables(ctx: &Ctx, a: &Access) -> AppResult<FigureTables> {
    let cid = a.c.id;
    let (fields, f) = ctx
        .db(move |conn| Ok((cdb::fields(conn)?, cdb::figures(conn, cid)?)))
        .await?;
    let locale = ctx.locale;
    let count = |field: i64, kind: ModelKind| -> i64 {
        f.by_field_kind
            .iter()
            .filter(|(id, k, _)| *id == field && k == kind.as_str())
            .map(|(_, _, n)| n)
            .sum()
    };
    let by_field: Vec<(String, i64, i64)> = fields
        .iter()
        .map(|fd| {
            (
                named(locale, &fd.name_vi, &fd.name_en),
                count(fd.id, ModelKind::Collective),
                count(fd.id, ModelKind::Individual),
            )
        })
        .filter(|(_, c, i)| c + i > 0)
        .collect();
    let collectives = by_field.iter().map(|r| r.1).sum();
    let individuals = by_field.iter().map(|r| r.2).sum();
    let by_status = ModelStatus::ALL
        .iter()
        .map(|s| {
            (
                *s,
                f.by_status
                    .iter()
                    .filter(|(x, _)| x == s.as_str())
                    .map(|(_, n)| n)
                    .sum(),
            )
        })
        .collect();
    let reached: Vec<(ModelStatus, i64)> = f
        .reached
        .iter()
        .filter_map(|(s, n)| ModelStatus::parse(s).map(|s| (s, *n)))
        .collect();
    Ok(FigureTables {
        funnel: campaign::funnel(collectives + individuals, &reached),
        by_field,
        collectives,
        individuals,
        by_status,
    })
}

async fn figures(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = figure_tables(&ctx, &a).await?;
    let locale = ctx.locale;
    let chart = super::dashboard::bar_chart(
        &t.by_field
            .iter()
            .map(|(name, c, i)| (name.clone(), (c + i) as f64, format::number(c + i)))
            .collect::<Vec<_>>(),
    );
    let funnel_chart = super::dashboard::bar_chart(
        &t.funnel
            .iter()
            .map(|(s, n)| {
                (
                    i18n::t(locale, &format!("model-reached-{}", s.as_str())),
                    *n as f64,
                    format::number(*n),
                )
            })
            .collect::<Vec<_>>(),
    );
    ctx.render(
        "campaigns/figures",
        json!({
            "title": i18n::t(locale, "campaign-figures-title"),
            "c": a.c,
            "unit": a.unit,
            "by_field": t.by_field.iter().map(|(n, c, i)| json!({"name": n, "collective": c, "individual": i, "total": c + i})).collect::<Vec<_>>(),
            "collectives": t.collectives,
            "individuals": t.individuals,
            "total": t.collectives + t.individuals,
            "by_status": t.by_status.iter().map(|(s, n)| json!({"status": s.as_str(), "n": n})).collect::<Vec<_>>(),
            "funnel": t.funnel.iter().map(|(s, n)| json!({"status": s.as_str(), "n": n})).collect::<Vec<_>>(),
            "chart": chart,
            "funnel_chart": funnel_chart,
        }),
    )
}

async fn figures_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = figure_tables(&ctx, &a).await?;
    let locale = ctx.locale;
    let tr = |k: &str| i18n::t(locale, k);
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let title = format!("{} {} – {}", tr("nav-campaigns"), a.c.year, a.c.theme);
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    {
        let sheet = book.add_worksheet();
        sheet.set_name(tr("campaign-by-field")).map_err(fail)?;
        let top = super::export::title_rows(sheet, locale, &title, "")?;
        for (c, h) in [
            tr("model-field"),
            tr("model-kind-collective"),
            tr("model-kind-individual"),
            tr("campaign-total"),
        ]
        .iter()
        .enumerate()
        {
            sheet
                .write_string_with_format(top, c as u16, h, &bold)
                .map_err(fail)?;
        }
        let mut r = top + 1;
        for (name, c, i) in &t.by_field {
            sheet.write_string(r, 0, name).map_err(fail)?;
            sheet.write_number(r, 1, *c as f64).map_err(fail)?;
            sheet.write_number(r, 2, *i as f64).map_err(fail)?;
            sheet.write_number(r, 3, (c + i) as f64).map_err(fail)?;
            r += 1;
        }
        sheet
            .write_string_with_format(r, 0, tr("campaign-total"), &bold)
            .map_err(fail)?;
        sheet
            .write_number(r, 1, t.collectives as f64)
            .map_err(fail)?;
        sheet
            .write_number(r, 2, t.individuals as f64)
            .map_err(fail)?;
        sheet
            .write_number(r, 3, (t.collectives + t.individuals) as f64)
            .map_err(fail)?;
        super::export::fit(sheet)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(tr("campaign-by-status")).map_err(fail)?;
        let top = super::export::title_rows(sheet, locale, &title, "")?;
        sheet
            .write_string_with_format(top, 0, tr("field-status"), &bold)
            .map_err(fail)?;
        sheet
            .write_string_with_format(top, 1, tr("campaign-now"), &bold)
            .map_err(fail)?;
        sheet
            .write_string_with_format(top, 2, tr("campaign-reached"), &bold)
            .map_err(fail)?;
        for (i, (s, n)) in t.by_status.iter().enumerate() {
            let r = top + 1 + i as u32;
            sheet
                .write_string(r, 0, tr(&format!("model-status-{}", s.as_str())))
                .map_err(fail)?;
            sheet.write_number(r, 1, *n as f64).map_err(fail)?;
            if let Some((_, reached)) = t.funnel.iter().find(|(f, _)| f == s) {
                sheet.write_number(r, 2, *reached as f64).map_err(fail)?;
            }
        }
        super::export::fit(sheet)?;
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(super::export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("so-lieu-chu-de-{}-{}.xlsx", a.c.year, a.c.id),
        bytes,
    ))
}

// ---------------------------------------------------------------- models

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct ModelForm {
    pub kind: String,
    pub unit_id: String,
    pub holder_name: String,
    pub field_id: String,
    pub title: String,
    pub commitment: String,
    pub expected_results: String,
    pub period_from: String,
    pub period_to: String,
    pub version: String,
}

impl ModelForm {
    fn of(f: &cdb::ModelFields, version: i32) -> ModelForm {
        ModelForm {
            kind: f.kind.as_str().into(),
            unit_id: f.unit_id.to_string(),
            holder_name: f.holder_name.clone(),
            field_id: f.field_id.to_string(),
            title: f.title.clone(),
            commitment: f.commitment.clone(),
            expected_results: f.expected_results.clone(),
            period_from: format::date(f.period_from),
            period_to: format::date(f.period_to),
            version: version.to_string(),
        }
    }
}

/// Units inside the campaign's subtree that the user reads: where they may
/// register a model for a collective, or their own.
async fn registrable_units(
    pool: &db::Pool,
    user: &CurrentUser,
    a: &Access,
) -> AppResult<Vec<db::units::Unit>> {
    let path = a.unit.path.clone();
    let scope: Vec<String> = user
        .scope(Permission::View)
        .into_iter()
        .map(|p| {
            if path.starts_with(&p) {
                path.clone()
            } else {
                p
            }
        })
        .filter(|p| p.starts_with(&path))
        .collect();
    db::run(pool, move |conn| Ok(db::units::tree(conn, &scope, false)?)).await
}

/// The model form checked: a unit the registrant reads inside the
/// campaign's, an active field, a period; an individual's name defaults to
/// the registrant's.
pub(super) async fn validate_model(
    pool: &db::Pool,
    user: &CurrentUser,
    a: &Access,
    form: &ModelForm,
) -> AppResult<Result<cdb::ModelFields, FieldErrors>> {
    let mut e = FieldErrors::default();
    let kind = ModelKind::parse(&form.kind);
    if kind.is_none() {
        e.add("kind", "error-invalid-choice");
    }
    let unit_id = e.id("unit_id", &form.unit_id);
    let holder_name = match kind {
        Some(ModelKind::Individual) if form.holder_name.trim().is_empty() => user.full_name.clone(),
        _ => e.required("holder_name", &form.holder_name, 300),
    };
    let field_id = e.id("field_id", &form.field_id);
    let title = e.required("title", &form.title, 300);
    let commitment = e.required("commitment", &form.commitment, 5_000);
    let expected_results = e
        .optional("expected_results", &form.expected_results, 5_000)
        .unwrap_or_default();
    let dates = period(&mut e, &form.period_from, &form.period_to);
    let units = registrable_units(pool, user, a).await?;
    if unit_id.is_some_and(|u| !units.iter().any(|x| x.id == u)) {
        e.add("unit_id", "error-invalid-choice");
    }
    let fields = db::run(pool, |conn| Ok(cdb::fields(conn)?)).await?;
    if field_id.is_some_and(|f| !fields.iter().any(|x| x.id == f && x.active)) {
        e.add("field_id", "error-invalid-choice");
    }
    match (kind, unit_id, field_id, dates) {
        (Some(kind), Some(unit_id), Some(field_id), Some((period_from, period_to)))
            if e.is_empty() =>
        {
            Ok(Ok(cdb::ModelFields {
                kind,
                unit_id,
                holder_name,
                field_id,
                title,
                commitment,
                expected_results,
                period_from,
                period_to,
            }))
        }
        _ => Ok(Err(e)),
    }
}

async fn render_model_form(
    ctx: &Ctx,
    status: StatusCode,
    a: &Access,
    model_id: Option<i64>,
    form: &ModelForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let units = registrable_units(&ctx.state.pool, ctx.user()?, a).await?;
    let fields = ctx.db(|conn| Ok(cdb::fields(conn)?)).await?;
    let locale = ctx.locale;
    ctx.render_status(
        status,
        "campaigns/model_form",
        json!({
            "title": i18n::t(locale, if model_id.is_some() { "model-edit-title" } else { "model-new-title" }),
            "c": a.c,
            "action": model_id.map_or(format!("/campaigns/{}/models", a.c.id), |id| format!("/models/{id}")),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "kinds": options(ModelKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("model-kind-{}", k.as_str())))), &form.kind),
            "units": options(units.iter().map(|u| (u.id.to_string(), format!("{}{}", "— ".repeat(depth(&u.path)), u.name))), &form.unit_id),
            "fields": options(fields.iter().filter(|f| f.active).map(|f| (f.id.to_string(), named(locale, &f.name_vi, &f.name_en))), &form.field_id),
        }),
    )
}

async fn new_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let form = ModelForm {
        kind: ModelKind::Collective.as_str().into(),
        period_from: format::date(a.c.period_from),
        period_to: format::date(a.c.period_to),
        ..Default::default()
    };
    render_model_form(
        &ctx,
        StatusCode::OK,
        &a,
        None,
        &form,
        &FieldErrors::default(),
    )
    .await
}

async fn register(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ModelForm>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let form = form.into_inner();
    let fields = match validate_model(&ctx.state.pool, ctx.user()?, &a, &form).await? {
        Ok(f) => f,
        Err(e) => {
            return render_model_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &a, None, &form, &e)
                .await
        }
    };
    let (actor, c, uid) = (ctx.actor(), a.c.clone(), ctx.user()?.id);
    let m = ctx
        .db(move |conn| audit::write(conn, &actor, |x| Ok(cdb::register(x, &c, &fields, uid)?)))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/models/{}", m.id)))
}

struct ModelAccess {
    a: Access,
    m: cdb::Model,
    contact: bool,
}

async fn load_model(ctx: &Ctx, id: i64) -> AppResult<ModelAccess> {
    let m = ctx.db(move |conn| Ok(cdb::find_model(conn, id)?)).await?;
    let a = load(ctx, m.campaign_id).await?;
    let contact = m.contact_id == ctx.user()?.id;
    Ok(ModelAccess { a, m, contact })
}

async fn edit_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.contact || ma.m.status() != ModelStatus::Registered {
        return Err(AppError::Forbidden);
    }
    let form = ModelForm::of(&cdb::model_fields_of(&ma.m), ma.m.version);
    render_model_form(
        &ctx,
        StatusCode::OK,
        &ma.a,
        Some(ma.m.id),
        &form,
        &FieldErrors::default(),
    )
    .await
}

async fn update_model(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ModelForm>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.contact {
        return Err(AppError::Forbidden);
    }
    let form = form.into_inner();
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let fields = match validate_model(&ctx.state.pool, ctx.user()?, &ma.a, &form).await? {
        Ok(f) => f,
        Err(e) => {
            return render_model_form(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &ma.a,
                Some(ma.m.id),
                &form,
                &e,
            )
            .await
        }
    };
    let (actor, m) = (ctx.actor(), ma.m.clone());
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |x| {
                let change = cdb::update_model(x, &m, version, &fields)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if saved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "model-error-moved");
    }
    Ok(ctx.redirect(&format!("/models/{}", ma.m.id)))
}

/// A write form on the model page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

async fn show_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    render_model(&ctx, ma, Typed::default(), StatusCode::OK).await
}

async fn render_model(
    ctx: &Ctx,
    ma: ModelAccess,
    typed: Typed,
    http_status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (mid, cid, fid, uid, contact_id) = (
        ma.m.id,
        ma.a.c.id,
        ma.m.field_id,
        ma.m.unit_id,
        ma.m.contact_id,
    );
    let (criteria, scores, events, checkins, fields, unit, contact) = ctx
        .db(move |conn| {
            Ok((
                cdb::criteria(conn, cid)?,
                cdb::scores_of(conn, mid)?,
                cdb::events(conn, mid)?,
                cdb::checkins(conn, mid)?,
                cdb::fields(conn)?,
                db::units::find(conn, uid)?,
                db::users::find(conn, contact_id)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let status = ma.m.status();
    let field = fields
        .iter()
        .find(|f| f.id == fid)
        .map(|f| named(locale, &f.name_vi, &f.name_en));
    // Per criterion: each appraiser's score and the mean.
    let mut means = Vec::new();
    let rows: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let mine: Vec<&cdb::ScoreRow> =
                scores.iter().filter(|s| s.criterion_id == c.id).collect();
            let mean = review::CombineRule::Mean
                .combine(&mine.iter().map(|s| s.score).collect::<Vec<_>>(), None);
            means.push(mean);
            json!({
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "scores": mine,
                "mean": mean,
            })
        })
        .collect();
    let total = review::total(&means);
    let typed_or = |which: &str, key: &str, saved: String| -> Value {
        let (value, error) = if typed.which == which {
            (
                typed.values.get(key).cloned().unwrap_or_default(),
                typed.errors.get(key).map(str::to_string),
            )
        } else {
            (saved, None)
        };
        json!({"name": key, "value": value, "error": error})
    };
    let score_fields: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let own = scores.iter().find(|s| s.criterion_id == c.id && s.appraiser_id == user.id);
            json!({
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "score": typed_or("scores", &format!("score_{}", c.id), own.map(|s| format::decimal(s.score)).unwrap_or_default()),
                "comment": typed_or("scores", &format!("comment_{}", c.id), own.map(|s| s.comment.clone()).unwrap_or_default()),
            })
        })
        .collect();
    let next: Vec<Value> = status
        .next()
        .iter()
        .map(|s| {
            json!({
                "value": s.as_str(),
                "selected": typed.which == "status" && typed.values.get("status").map(String::as_str) == Some(s.as_str()),
            })
        })
        .collect();
    let checkin_open = !matches!(status, ModelStatus::Registered | ModelStatus::NotAccepted);
    let acked = |k: CheckinKind| {
        checkins
            .iter()
            .any(|c| c.kind == k.as_str() && c.acknowledged_at.is_some())
    };
    let kinds_open: Vec<(String, String)> = CheckinKind::ALL
        .iter()
        .filter(|k| !acked(**k))
        .map(|k| {
            (
                k.as_str().to_string(),
                i18n::t(locale, &format!("checkin-{}", k.as_str())),
            )
        })
        .collect();
    let chosen_kind = if typed.which == "checkin" {
        typed.values.get("kind").cloned().unwrap_or_default()
    } else {
        String::new()
    };
    ctx.render_status(
        http_status,
        "campaigns/model",
        json!({
            "title": ma.m.title,
            "m": ma.m,
            "c": ma.a.c,
            "unit": unit,
            "contact": contact.full_name,
            "field": field,
            "rows": rows,
            "total": total,
            "events": events,
            "checkins": checkins,
            "appraiser": ma.a.appraiser,
            "can_edit": ma.contact && status == ModelStatus::Registered,
            "can_check_in": ma.contact && checkin_open && !kinds_open.is_empty(),
            "can_score": ma.a.appraiser && !ma.contact && !matches!(status, ModelStatus::Commended | ModelStatus::Completed),
            "next": if ma.a.appraiser { next } else { vec![] },
            "score_fields": score_fields,
            "has_score_errors": typed.which == "scores",
            "status_form": {
                "reason": typed_or("status", "reason", String::new()),
                "decision_number": typed_or("status", "decision_number", String::new()),
                "decision_date": typed_or("status", "decision_date", String::new()),
                "level": typed_or("status", "level", String::new()),
                "status": typed_or("status", "status", String::new()),
                "has_errors": typed.which == "status",
            },
            "levels": options(campaign::COMMENDATION_LEVELS.iter().map(|l| (l.to_string(), i18n::t(locale, &format!("commendation-{l}")))), typed.values.get("level").map_or("", String::as_str)),
            "checkin_kinds": options(kinds_open, &chosen_kind),
            "checkin_form": {"report": typed_or("checkin", "report", String::new()), "kind": typed_or("checkin", "kind", String::new()), "has_errors": typed.which == "checkin"},
        }),
    )
}

/// A model's next status as the status form asks it: one the current status
/// can become, with a reason where it needs one and the commendation
/// decision for recognition.
pub(super) type Move = (ModelStatus, Option<String>, Option<cdb::Decision>);

/// Moves a model from `version`; `false` (nothing written) when someone
/// moved or edited it first.
pub(super) fn save_move(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    m: &cdb::Model,
    version: i32,
    (next, reason, decision): &Move,
    by: i64,
) -> AppResult<bool> {
    audit::write_if(conn, actor, |x| {
        let change = cdb::move_model(
            x,
            m,
            version,
            *next,
            reason.as_deref(),
            decision.as_ref(),
            by,
        )?;
        Ok((change.is_some(), change))
    })
}

pub(super) fn check_move(
    m: &cdb::Model,
    values: &HashMap<String, String>,
) -> Result<Move, FieldErrors> {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut e = FieldErrors::default();
    let next = ModelStatus::parse(&get("status")).filter(|n| m.status().can_become(*n));
    if next.is_none() {
        e.add("status", "error-invalid-choice");
    }
    let reason = e.optional("reason", &get("reason"), 2_000);
    if next.is_some_and(ModelStatus::needs_reason) && reason.is_none() {
        e.add("reason", "error-required");
    }
    let decision = if next.is_some_and(ModelStatus::needs_decision) {
        let number = e.required("decision_number", &get("decision_number"), 100);
        let date = required_date(&mut e, "decision_date", &get("decision_date"));
        let level = get("level");
        if !campaign::COMMENDATION_LEVELS.contains(&level.as_str()) {
            e.add("level", "error-required");
        }
        date.map(|date| cdb::Decision {
            number,
            date,
            level,
        })
    } else {
        None
    };
    match next {
        Some(next) if e.is_empty() => Ok((next, reason, decision)),
        _ => Err(e),
    }
}

async fn move_model(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.a.appraiser {
        return Err(AppError::Forbidden);
    }
    let values = form.into_inner();
    let Ok(version) = values
        .get("version")
        .map_or("", String::as_str)
        .trim()
        .parse::<i32>()
    else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let (next, reason, decision) = match check_move(&ma.m, &values) {
        Ok(checked) => checked,
        Err(e) => {
            let t = Typed {
                which: "status",
                values,
                errors: e,
            };
            return render_model(&ctx, ma, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, m, uid) = (ctx.actor(), ma.m.clone(), ctx.user()?.id);
    let mv = (next, reason, decision);
    let moved = ctx
        .db(move |conn| save_move(conn, &actor, &m, version, &mv, uid))
        .await?;
    if moved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "model-error-moved");
    }
    Ok(ctx.redirect(&format!("/models/{}", ma.m.id)))
}

/// An appraiser's scores, one per criterion of the campaign
/// (`score_<criterion>` from 0 to its maximum in steps of 0.25, and
/// `comment_<criterion>`).
pub(super) fn check_appraisal(
    criteria: &[cdb::Criterion],
    values: &HashMap<String, String>,
) -> Result<Vec<(i64, f64, String)>, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut items = Vec::new();
    for c in criteria {
        let key = format!("score_{}", c.id);
        let raw = values.get(&key).cloned().unwrap_or_default();
        let score = e.decimal(&key, &raw);
        match score {
            None if raw.trim().is_empty() => e.add(&key, "error-required"),
            Some(s) if !review::valid_score(s, c.max_points) => {
                e.add(&key, "review-error-score-range");
            }
            _ => {}
        }
        let ckey = format!("comment_{}", c.id);
        let comment = e
            .optional(&ckey, values.get(&ckey).map_or("", String::as_str), 2_000)
            .unwrap_or_default();
        items.push((c.id, score.map(review::round2).unwrap_or(0.0), comment));
    }
    if e.is_empty() {
        Ok(items)
    } else {
        Err(e)
    }
}

async fn appraise(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    // Nobody appraises their own model.
    if !ma.a.appraiser || ma.contact {
        return Err(AppError::Forbidden);
    }
    let values = form.into_inner();
    let cid = ma.a.c.id;
    let criteria = ctx.db(move |conn| Ok(cdb::criteria(conn, cid)?)).await?;
    let items = match check_appraisal(&criteria, &values) {
        Ok(items) => items,
        Err(e) => {
            let t = Typed {
                which: "scores",
                values,
                errors: e,
            };
            return render_model(&ctx, ma, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, m, uid) = (ctx.actor(), ma.m.clone(), ctx.user()?.id);
    ctx.db(move |conn| {
        audit::write(conn, &actor, |x| {
            Ok(((), cdb::save_scores(x, &m, uid, &items)?))
        })
    })
    .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/models/{}", ma.m.id)))
}

async fn check_in(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.contact {
        return Err(AppError::Forbidden);
    }
    let values = form.into_inner();
    let mut e = FieldErrors::default();
    let kind = CheckinKind::parse(values.get("kind").map_or("", String::as_str));
    if kind.is_none() {
        e.add("kind", "error-required");
    }
    let report = e.required(
        "report",
        values.get("report").map_or("", String::as_str),
        10_000,
    );
    let Some(kind) = kind.filter(|_| e.is_empty()) else {
        let t = Typed {
            which: "checkin",
            values,
            errors: e,
        };
        return render_model(&ctx, ma, t, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, m, uid) = (ctx.actor(), ma.m.clone(), ctx.user()?.id);
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |x| {
                let change = cdb::submit_checkin(x, &m, kind.as_str(), &report, uid)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if saved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "checkin-error-acknowledged");
    }
    Ok(ctx.redirect(&format!("/models/{}", ma.m.id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AckForm {
    text: String,
}

async fn acknowledge(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<AckForm>,
) -> AppResult<HttpResponse> {
    let (id, checkin) = path.into_inner();
    let ma = load_model(&ctx, id).await?;
    if !ma.a.appraiser {
        return Err(AppError::Forbidden);
    }
    let text: String = form.text.trim().chars().take(2_000).collect();
    let (actor, m, uid) = (ctx.actor(), ma.m.clone(), ctx.user()?.id);
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |x| {
                let change = cdb::acknowledge(x, &m, checkin, &text, uid)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if !saved {
        return Err(AppError::NotFound);
    }
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/models/{}", ma.m.id)))
}
