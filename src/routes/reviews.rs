//! The Fatherland Front's year-end review: rounds, criteria, self-assessment,
//! scoring, disputes, publication, results and reports.

use std::collections::HashMap;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{chosen, options};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::notify::Kind;
use crate::domain::numbers;
use crate::domain::review::{
    self, CombineRule, Evidence, Ranked, Rating, Record, RoundStatus, Tables,
};
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reviews", web::get().to(index))
        .route("/reviews", web::post().to(create))
        .route("/reviews/new", web::get().to(new))
        .route("/reviews/{id}", web::get().to(show))
        .route("/reviews/{id}", web::post().to(update))
        .route("/reviews/{id}/edit", web::get().to(edit))
        .route("/reviews/{id}/criteria", web::get().to(criteria_page))
        .route("/reviews/{id}/criteria", web::post().to(save_criteria))
        .route("/reviews/{id}/tasks", web::get().to(tasks_page))
        .route("/reviews/{id}/tasks", web::post().to(save_tasks))
        .route("/reviews/{id}/status", web::post().to(move_round))
        .route("/reviews/{id}/results", web::get().to(results))
        .route("/reviews/{id}/results.xlsx", web::get().to(results_xlsx))
        .route("/reviews/{id}/report", web::get().to(report))
        .route("/reviews/{id}/tasks/{tid}", web::get().to(task_page))
        .route(
            "/reviews/{id}/tasks/{tid}/{what}",
            web::post().to(task_write),
        )
        .route("/admin/rubric", web::get().to(rubric_page))
        .route("/admin/rubric", web::post().to(save_rubric));
}

/// A name kept in both languages, in the reader's (English falls back to Vietnamese).
fn named(locale: Locale, vi: &str, en: &str) -> String {
    match locale {
        Locale::En if !en.trim().is_empty() => en.to_string(),
        _ => vi.to_string(),
    }
}

// ---------------------------------------------------------------- access

/// A round and what the reader may do with it.
pub(super) struct RoundAccess {
    pub round: rdb::Round,
    pub unit: db::units::Unit,
    /// A reviewer (or administrator) of the round's unit: reads everything,
    /// private notes included, and scores.
    pub reviewer: bool,
    /// The round's lead (or an administrator): settings, moves, consensus, answers.
    lead: bool,
}

impl RoundAccess {
    /// The round's lead (or an administrator).
    pub fn leads(&self) -> bool {
        self.lead
    }

    fn status(&self) -> RoundStatus {
        self.round.status()
    }

    pub fn published(&self) -> bool {
        self.status() == RoundStatus::Published
    }

    fn require_lead(&self) -> AppResult<()> {
        if self.lead {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The round if the reader may see it: reviewers of its unit always; once its
/// criteria are published, anyone who reads the unit, a unit inside it, or
/// owns one of its tasks. A draft is the reviewers' alone.
async fn load_round(ctx: &Ctx, id: i64) -> AppResult<RoundAccess> {
    round_access(&ctx.state.pool, ctx.user()?, id).await
}

pub(super) async fn round_access(
    pool: &db::Pool,
    user: &CurrentUser,
    id: i64,
) -> AppResult<RoundAccess> {
    let uid = user.id;
    let (round, unit, owns) = db::run(pool, move |conn| {
        let round = rdb::find(conn, id)?;
        let unit = db::units::find(conn, round.unit_id)?;
        let owns = rdb::owns_task_in(conn, id, uid)?;
        Ok((round, unit, owns))
    })
    .await?;
    let reviewer = user.can(Permission::WriteReviews, &unit.path);
    let lead =
        (reviewer && round.lead_id == user.id) || user.can(Permission::ManageUnits, &unit.path);
    let reads_inside = user.can(Permission::View, &unit.path)
        || user
            .scope(Permission::View)
            .iter()
            .any(|p| p.starts_with(&unit.path));
    let visible = reviewer || (round.status() != RoundStatus::Draft && (reads_inside || owns));
    if !visible {
        return Err(AppError::Forbidden);
    }
    Ok(RoundAccess {
        round,
        unit,
        reviewer,
        lead,
    })
}

/// May the reader see this task's scores (not its private notes)?
fn sees_scores(user: &CurrentUser, a: &RoundAccess, row: &rdb::RoundTaskRow) -> bool {
    a.reviewer
        || (a.published()
            && (row.task_owner_id == user.id || user.can(Permission::View, &row.unit_path)))
}

// ---------------------------------------------------------------- list

/// Whether a round of the unit at `path` is on the reader's list: reviewers
/// of its unit always, others once it is out of draft and they read the
/// unit or a unit inside it.
pub(super) fn listed(user: &CurrentUser, round: &rdb::Round, path: &str) -> bool {
    user.can(Permission::WriteReviews, path)
        || (round.status() != RoundStatus::Draft
            && (user.can(Permission::View, path)
                || user
                    .scope(Permission::View)
                    .iter()
                    .any(|p| p.starts_with(path))))
}

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rounds = ctx.db(|conn| Ok(rdb::all(conn)?)).await?;
    let rows: Vec<Value> = rounds
        .into_iter()
        .filter(|(r, _, path)| listed(user, r, path))
        .map(|(r, unit_name, _)| json!({"r": r, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "reviews/index",
        json!({
            "title": i18n::t(ctx.locale, "reviews-title"),
            "rows": rows,
            "can_open": user.can_anywhere(Permission::WriteReviews),
        }),
    )
}

// ---------------------------------------------------------------- settings

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct RoundForm {
    pub unit_id: String,
    pub year: String,
    pub title: String,
    pub lead_id: String,
    pub combine_rule: String,
    pub self_due: String,
    pub review_due: String,
    pub report_number: String,
    pub report_place: String,
    pub signer_title: String,
    pub signer_name: String,
    pub version: String,
}

impl RoundForm {
    fn of(f: &rdb::RoundFields, version: i32) -> RoundForm {
        RoundForm {
            unit_id: f.unit_id.to_string(),
            year: f.year.to_string(),
            title: f.title.clone(),
            lead_id: f.lead_id.to_string(),
            combine_rule: f.combine_rule.as_str().into(),
            self_due: format::date(f.self_due),
            review_due: format::date(f.review_due),
            report_number: f.report_number.clone(),
            report_place: f.report_place.clone(),
            signer_title: f.signer_title.clone(),
            signer_name: f.signer_name.clone(),
            version: version.to_string(),
        }
    }
}

/// Checks the settings. A new round's unit must be one the user reviews and
/// have no round that year; an existing round keeps its unit and year.
pub(super) async fn validate_round(
    pool: &db::Pool,
    user: &CurrentUser,
    form: &RoundForm,
    existing: Option<&rdb::Round>,
) -> AppResult<Result<rdb::RoundFields, FieldErrors>> {
    let mut e = FieldErrors::default();
    let title = e.required("title", &form.title, 300);
    let this_year = format::today().year();
    let (unit_id, year) = match existing {
        Some(r) => (Some(r.unit_id), Some(r.year)),
        None => {
            let unit_id = e.id("unit_id", &form.unit_id);
            let year = match e.number::<i32>("year", &form.year) {
                Some(y) if (2000..=this_year + 1).contains(&y) => Some(y),
                Some(_) => {
                    e.add("year", "error-year");
                    None
                }
                None => {
                    e.add("year", "error-required");
                    None
                }
            };
            (unit_id, year)
        }
    };
    let lead_id = e.id("lead_id", &form.lead_id);
    let rule = CombineRule::parse(&form.combine_rule);
    if rule.is_none() {
        e.add("combine_rule", "error-invalid-choice");
    }
    let mut due = |field: &str, raw: &str| {
        let d = e.date(field, raw);
        if raw.trim().is_empty() {
            e.add(field, "error-required");
        }
        d
    };
    let self_due = due("self_due", &form.self_due);
    let review_due = due("review_due", &form.review_due);
    if let (Some(s), Some(r)) = (self_due, review_due) {
        if r < s {
            e.add("review_due", "review-error-due-order");
        }
    }
    let report_number = e
        .optional("report_number", &form.report_number, 100)
        .unwrap_or_default();
    let report_place = e
        .optional("report_place", &form.report_place, 100)
        .unwrap_or_default();
    let signer_title = e
        .optional("signer_title", &form.signer_title, 200)
        .unwrap_or_default();
    let signer_name = e
        .optional("signer_name", &form.signer_name, 200)
        .unwrap_or_default();
    let is_new = existing.is_none();
    let (unit, reviewers, taken) = db::run(pool, move |conn| {
        let unit = db::units::find_chosen(conn, unit_id)?;
        let reviewers = match &unit {
            Some(u) => rdb::reviewers_reaching(conn, &u.path)?,
            None => vec![],
        };
        let taken = match (is_new, &unit, year) {
            (true, Some(u), Some(y)) => rdb::exists_for(conn, u.id, y)?,
            _ => false,
        };
        Ok((unit, reviewers, taken))
    })
    .await?;
    // A round keeps its unit once set.
    let unit = match existing {
        Some(_) => unit,
        None => chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
            user.can(Permission::WriteReviews, &u.path)
        }),
    };
    if taken {
        e.add("year", "review-error-exists");
    }
    if unit.is_some() {
        let lead: Vec<i64> = lead_id.into_iter().collect();
        let reviews = |l: i64| reviewers.iter().any(|(id, _, _)| *id == l);
        chosen::every(&mut e, "lead_id", &lead, reviews, "review-error-lead");
    }
    match (unit_id, year, lead_id, rule, self_due, review_due) {
        (
            Some(unit_id),
            Some(year),
            Some(lead_id),
            Some(combine_rule),
            Some(self_due),
            Some(review_due),
        ) if e.is_empty() => Ok(Ok(rdb::RoundFields {
            unit_id,
            year,
            title,
            lead_id,
            combine_rule,
            self_due,
            review_due,
            report_number,
            report_place,
            signer_title,
            signer_name,
        })),
        _ => Ok(Err(e)),
    }
}

async fn render_round_form(
    ctx: &Ctx,
    status: StatusCode,
    round: Option<&RoundAccess>,
    form: &RoundForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::WriteReviews);
    let fixed_unit = round.map(|a| a.unit.path.clone());
    let (units, leads) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            // A lead must reach the round's unit; before one is chosen, every
            // reviewer the user's own scope reaches is offered and checked on save.
            let mut leads = Vec::new();
            let paths = match &fixed_unit {
                Some(p) => vec![p.clone()],
                None => units.iter().map(|u| u.path.clone()).collect(),
            };
            for p in paths {
                for r in rdb::reviewers_reaching(conn, &p)? {
                    if !leads
                        .iter()
                        .any(|(id, _, _): &(i64, String, String)| *id == r.0)
                    {
                        leads.push(r);
                    }
                }
            }
            Ok((units, leads))
        })
        .await?;
    let locale = ctx.locale;
    ctx.render_status(
        status,
        "reviews/form",
        json!({
            "title": i18n::t(locale, if round.is_some() { "reviews-edit-title" } else { "reviews-new-title" }),
            "action": round.map_or("/reviews".to_string(), |a| format!("/reviews/{}", a.round.id)),
            "round": round.map(|a| json!({"id": a.round.id, "unit_name": a.unit.name, "year": a.round.year})),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "units": options(units.iter().map(|u| (u.id.to_string(), format!("{}{}", "— ".repeat(depth(&u.path)), u.name))), &form.unit_id),
            "leads": options(leads.into_iter().map(|(id, username, name)| (id.to_string(), format!("{name} ({username})"))), &form.lead_id),
            "rules": options(CombineRule::ALL.iter().map(|r| (r.as_str().to_string(), i18n::t(locale, &format!("review-rule-{}", r.as_str())))), &form.combine_rule),
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::WriteReviews)?;
    let year = format::today().year();
    let form = RoundForm {
        year: year.to_string(),
        title: i18n::t_args(
            ctx.locale,
            "reviews-default-title",
            &[("year", year.to_string())],
        ),
        lead_id: user.id.to_string(),
        combine_rule: CombineRule::Mean.as_str().into(),
        self_due: format::date(NaiveDate::from_ymd_opt(year, 12, 10).unwrap_or_default()),
        review_due: format::date(NaiveDate::from_ymd_opt(year, 12, 25).unwrap_or_default()),
        ..Default::default()
    };
    render_round_form(&ctx, StatusCode::OK, None, &form, &FieldErrors::default()).await
}

/// Opens a draft round with the default rubric and the unit's tasks of the year.
pub(super) fn create_round(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    fields: &rdb::RoundFields,
    by: i64,
) -> AppResult<rdb::Round> {
    audit::write(conn, actor, |c| {
        let unit = db::units::find(c, fields.unit_id)?;
        Ok(rdb::create(c, fields, &unit.path, by)?)
    })
}

async fn create(ctx: Ctx, form: web::Form<RoundForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::WriteReviews)?;
    let form = form.into_inner();
    let fields = match validate_round(&ctx.state.pool, user, &form, None).await? {
        Ok(f) => f,
        Err(errors) => {
            return render_round_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, None, &form, &errors)
                .await
        }
    };
    let (actor, uid) = (ctx.actor(), user.id);
    let round = ctx
        .db(move |conn| create_round(conn, &actor, &fields, uid))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/reviews/{}", round.id)))
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    let form = RoundForm::of(&rdb::fields_of(&a.round), a.round.version);
    render_round_form(
        &ctx,
        StatusCode::OK,
        Some(&a),
        &form,
        &FieldErrors::default(),
    )
    .await
}

async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<RoundForm>,
) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    let user = ctx.user()?;
    let form = form.into_inner();
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let fields = match validate_round(&ctx.state.pool, user, &form, Some(&a.round)).await? {
        Ok(f) => f,
        Err(errors) => {
            return render_round_form(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&a),
                &form,
                &errors,
            )
            .await
        }
    };
    let (actor, round) = (ctx.actor(), a.round.clone());
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                Ok(match rdb::update(c, &round, version, &fields)? {
                    Some((r, change)) => (Some(r), Some(change)),
                    None => (None, None),
                })
            })
        })
        .await?;
    let back = format!("/reviews/{}", a.round.id);
    match saved {
        Some(_) => ctx.flash("success", "flash-saved"),
        None => ctx.flash("error", "review-error-conflict"),
    }
    Ok(ctx.redirect(&back))
}

// ---------------------------------------------------------------- criteria

/// Rows of criteria as typed: the three lists line up by position.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CriteriaForm {
    name_vi: Vec<String>,
    name_en: Vec<String>,
    points: Vec<String>,
}

/// Blank rows offered for new criteria.
const BLANK_ROWS: usize = 3;

/// Checks criteria rows: a name and points above zero each, 100 points in all.
/// Returns the rows for the page (values and errors) and the criteria if valid.
pub(super) fn check_criteria(
    form: &CriteriaForm,
) -> (Vec<Value>, FieldErrors, Vec<rdb::CriterionFields>) {
    let n = form
        .name_vi
        .len()
        .max(form.name_en.len())
        .max(form.points.len());
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut errors = FieldErrors::default();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for i in 0..n {
        let (vi, en, pts) = (
            at(&form.name_vi, i),
            at(&form.name_en, i),
            at(&form.points, i),
        );
        if vi.trim().is_empty() && en.trim().is_empty() && pts.trim().is_empty() {
            continue;
        }
        let mut e = FieldErrors::default();
        let name_vi = e.required("name_vi", &vi, 300);
        let name_en = e.optional("name_en", &en, 300).unwrap_or_default();
        let points = e.decimal("points", &pts);
        match points {
            None if pts.trim().is_empty() => e.add("points", "error-required"),
            Some(p) if p <= 0.0 || p > review::RUBRIC_TOTAL => e.add("points", "error-number"),
            _ => {}
        }
        let row = rows.len();
        for (field, key) in e.iter() {
            errors.add(&format!("{field}_{row}"), key);
        }
        rows.push(json!({
            "name_vi": vi, "name_en": en, "points": pts,
            "e_name_vi": e.get("name_vi"), "e_name_en": e.get("name_en"), "e_points": e.get("points"),
        }));
        if let (true, Some(max_points)) = (e.is_empty(), points) {
            items.push(rdb::CriterionFields {
                name_vi,
                name_en,
                max_points,
            });
        }
    }
    let sum: f64 = items.iter().map(|c| c.max_points).sum();
    if rows.is_empty() || (errors.is_empty() && (sum - review::RUBRIC_TOTAL).abs() > 1e-6) {
        errors.add("total", "review-error-weights");
    }
    (rows, errors, items)
}

/// Saved criteria as the form's rows. The points are written with every
/// digit they have (`33,333`), not rounded for display, so that the page
/// saved unchanged stores the same points (and still adds up to 100).
pub(super) fn criteria_rows(items: &[rdb::CriterionFields]) -> Vec<Value> {
    items
        .iter()
        .map(|c| {
            json!({"name_vi": c.name_vi, "name_en": c.name_en, "points": numbers::input(c.max_points),
                   "e_name_vi": null, "e_name_en": null, "e_points": null})
        })
        .collect()
}

fn with_blanks(mut rows: Vec<Value>) -> Vec<Value> {
    for _ in 0..BLANK_ROWS {
        rows.push(json!({"name_vi": "", "name_en": "", "points": "", "e_name_vi": null, "e_name_en": null, "e_points": null}));
    }
    rows
}

pub(super) fn render_criteria(
    ctx: &Ctx,
    status: StatusCode,
    action: &str,
    heading: Value,
    rows: Vec<Value>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let sum: f64 = rows
        .iter()
        .filter_map(|r| r["points"].as_str())
        .filter_map(|p| FieldErrors::default().decimal("p", p))
        .sum();
    ctx.render_status(
        status,
        "reviews/criteria",
        json!({
            "title": i18n::t(ctx.locale, "review-criteria-title"),
            "heading": heading,
            "action": action,
            "rows": with_blanks(rows),
            // Shown the Vietnamese way (`52,5`), as the points are typed.
            "sum": format::decimal(sum),
            "has_errors": !errors.is_empty(),
            "total_error": errors.get("total"),
        }),
    )
}

async fn criteria_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    if a.status() != RoundStatus::Draft {
        return Err(AppError::Forbidden);
    }
    let rid = a.round.id;
    let items = ctx.db(move |conn| Ok(rdb::criteria(conn, rid)?)).await?;
    let fields: Vec<rdb::CriterionFields> = items.iter().map(rdb::Criterion::fields).collect();
    render_criteria(
        &ctx,
        StatusCode::OK,
        &format!("/reviews/{rid}/criteria"),
        json!({"href": format!("/reviews/{rid}"), "title": a.round.title}),
        criteria_rows(&fields),
        &FieldErrors::default(),
    )
}

async fn save_criteria(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<CriteriaForm>,
) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    let (rid, round) = (a.round.id, a.round.clone());
    save_criteria_with(
        &ctx,
        &form.0,
        format!("/reviews/{rid}"),
        a.round.title,
        "review-error-frozen",
        move |c, items| rdb::set_criteria(c, &round, items),
    )
    .await
}

/// Saves criteria typed on the shared criteria page through `set`, which
/// returns `None` when they may no longer change (then `refused` is shown).
/// Bad rows come back with their messages; `base` is the owner's page.
pub(super) async fn save_criteria_with<F>(
    ctx: &Ctx,
    form: &CriteriaForm,
    base: String,
    title: String,
    refused: &str,
    set: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(
            &mut db::DbConnection,
            &[rdb::CriterionFields],
        ) -> diesel::QueryResult<Option<audit::Change>>
        + Send
        + 'static,
{
    let (rows, errors, items) = check_criteria(form);
    if !errors.is_empty() {
        return render_criteria(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{base}/criteria"),
            json!({"href": base, "title": title}),
            rows,
            &errors,
        );
    }
    let actor = ctx.actor();
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let change = set(c, &items)?;
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if saved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", refused);
    }
    Ok(ctx.redirect(&base))
}

// ---------------------------------------------------------------- tasks in a round

async fn tasks_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    if !matches!(a.status(), RoundStatus::Draft | RoundStatus::SelfAssessment) {
        return Err(AppError::Forbidden);
    }
    render_tasks(&ctx, &a, None, None, StatusCode::OK).await
}

/// The tasks a round may hold, as its page offers them: its unit's
/// subtree's tasks of its year, with those already in it (tasks added
/// earlier from another year stay listed).
fn task_choices(
    conn: &mut db::DbConnection,
    round: &rdb::Round,
    path: &str,
) -> AppResult<(chosen::OfferedTasks, Vec<i64>)> {
    let included = rdb::tasks_of(conn, round.id)?
        .into_iter()
        .map(|r| (r.rt.task_id, r.title, r.unit_name))
        .collect();
    Ok(chosen::offered_tasks(conn, path, round.year, included)?)
}

/// The page choosing a round's tasks; `ticked` is what was just sent (the
/// tasks in the round otherwise), `error` what was wrong with it.
async fn render_tasks(
    ctx: &Ctx,
    a: &RoundAccess,
    ticked: Option<Vec<i64>>,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (round, path) = (a.round.clone(), a.unit.path.clone());
    let (offered, included) = ctx
        .db(move |conn| task_choices(conn, &round, &path))
        .await?;
    let ticked = ticked.unwrap_or(included);
    let rows: Vec<Value> = offered
        .iter()
        .map(|(id, title, unit)| {
            json!({"id": id, "title": title, "unit": unit, "checked": ticked.contains(id)})
        })
        .collect();
    ctx.render_status(
        status,
        "reviews/tasks",
        json!({
            "title": i18n::t(ctx.locale, "review-tasks-title"),
            "round": a.round,
            "rows": rows,
            "error": error,
        }),
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
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    let mut e = FieldErrors::default();
    let ids = e.ids("task", &form.0.task);
    let (actor, round, path) = (ctx.actor(), a.round.clone(), a.unit.path.clone());
    let chosen_ids = ids.clone();
    let saved = ctx
        .db(move |conn| {
            // Only tasks the page offers: none of another unit, year or province.
            let (offered, _) = task_choices(conn, &round, &path)?;
            let usable = |t: i64| offered.iter().any(|o| o.0 == t);
            if !chosen::every(&mut e, "task", &chosen_ids, usable, chosen::INVALID) || !e.is_empty()
            {
                return Ok(Err(e));
            }
            Ok(Ok(audit::write_if(conn, &actor, |c| {
                let change = rdb::set_tasks(c, &round, &chosen_ids)?;
                Ok((change.is_some(), change))
            })?))
        })
        .await?;
    match saved {
        Err(e) => {
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
        Ok(true) => ctx.flash("success", "flash-saved"),
        Ok(false) => ctx.flash("error", "review-error-frozen"),
    }
    Ok(ctx.redirect(&format!("/reviews/{}", a.round.id)))
}

// ---------------------------------------------------------------- round page

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    let user = ctx.user()?;
    let round = a.round.clone();
    let rid = round.id;
    let history = db::audit::Filter {
        entity: Some("review_round".into()),
        entity_id: Some(rid),
        ..Default::default()
    };
    let show_history = a.reviewer || user.can(Permission::ReadAudit, &a.unit.path);
    let (criteria, results, lead, (timeline, _), disputes, progress) = ctx
        .db(move |conn| {
            let results = rdb::compute(conn, &round)?;
            let progress = rdb::scoring_progress(conn, rid)?;
            Ok((
                rdb::criteria(conn, rid)?,
                results,
                db::users::find(conn, round.lead_id)?,
                if show_history {
                    db::audit::list(conn, &history, 0, 100)?
                } else {
                    (vec![], 0)
                },
                rdb::disputes(conn, rid)?,
                progress,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let sum: f64 = criteria.iter().map(|c| c.max_points).sum();
    let status = a.status();
    let tasks: Vec<Value> = results
        .iter()
        .filter(|r| {
            a.reviewer
                || r.row.task_owner_id == user.id
                || user.can(Permission::View, &r.row.unit_path)
        })
        .map(|r| {
            let scores = sees_scores(user, &a, &r.row);
            let (selfs, reviewers) = progress.get(&r.row.rt.task_id).copied().unwrap_or((0, 0));
            json!({
                "task_id": r.row.rt.task_id,
                "title": r.row.title,
                "unit_name": r.row.unit_name,
                "owner_name": r.row.owner_name,
                "mine": r.row.task_owner_id == user.id,
                "self_done": selfs >= criteria.len() as i64 && !criteria.is_empty(),
                "reviewers": reviewers,
                "total": if scores { r.total } else { None },
                "rating": if scores { r.verdict.map(|v| v.rating.as_str()) } else { None },
            })
        })
        .collect();
    let next: Vec<Value> = RoundStatus::ALL
        .iter()
        .filter(|s| status.can_become(**s))
        .map(|s| json!({"value": s.as_str(), "reopen": status == RoundStatus::Published}))
        .collect();
    ctx.render(
        "reviews/show",
        json!({
            "title": a.round.title,
            "round": a.round,
            "unit": a.unit,
            "lead_name": lead.full_name,
            "rule": a.round.combine_rule,
            "criteria": criteria.iter().map(|c| json!({"c": c, "name": named(locale, &c.name_vi, &c.name_en)})).collect::<Vec<_>>(),
            "sum": sum,
            "task_count": tasks.len(),
            "tasks": tasks,
            "is_reviewer": a.reviewer,
            "is_lead": a.lead,
            "draft": status == RoundStatus::Draft,
            "can_edit_settings": a.lead && matches!(status, RoundStatus::Draft | RoundStatus::SelfAssessment),
            "can_edit_tasks": a.lead && matches!(status, RoundStatus::Draft | RoundStatus::SelfAssessment),
            "can_edit_criteria": a.lead && status == RoundStatus::Draft,
            "next": if a.lead { next } else { vec![] },
            "sees_results": a.reviewer || a.published(),
            "disputes": if a.lead { disputes.iter().map(|(d, title)| json!({"d": d, "title": title})).collect::<Vec<_>>() } else { vec![] },
            "timeline": timeline,
            "show_history": show_history,
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MoveForm {
    status: String,
    reason: String,
    version: String,
}

/// The reason given for a move: needed to reopen a published round, at most
/// 2,000 characters; the error is its message key.
pub(super) fn move_reason(
    a: &RoundAccess,
    next: RoundStatus,
    raw: &str,
) -> Result<Option<String>, &'static str> {
    let reason = Some(raw.trim().to_string()).filter(|r| !r.is_empty());
    let reopening = a.status() == RoundStatus::Published && next == RoundStatus::Scoring;
    if reopening && reason.is_none() {
        return Err("review-error-reopen-reason");
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err("error-too-long");
    }
    Ok(reason)
}

/// Moves a round from `version` to its next status, telling the task owners
/// when it opens and when it is published.
pub(super) fn move_round_to(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    round: &rdb::Round,
    version: i32,
    next: RoundStatus,
    reason: Option<String>,
) -> AppResult<Result<(), rdb::MoveRefused>> {
    let today = format::today();
    audit::write_if(conn, actor, |c| {
        Ok(
            match rdb::move_to(c, round, version, next, reason.as_deref(), today)? {
                Ok((moved, change)) => {
                    let kind = match next {
                        RoundStatus::SelfAssessment => Some(Kind::ReviewOpened),
                        RoundStatus::Published => Some(Kind::ReviewPublished),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        db::notifications::review_moved(c, &moved, kind)?;
                    }
                    (Ok(()), Some(change))
                }
                Err(refused) => (Err(refused), None),
            },
        )
    })
}

async fn move_round(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    a.require_lead()?;
    let back = format!("/reviews/{}", a.round.id);
    let (Some(next), Ok(version)) = (
        RoundStatus::parse(&form.status),
        form.version.parse::<i32>(),
    ) else {
        return Err(AppError::BadRequest("status or version missing".into()));
    };
    let reason = match move_reason(&a, next, &form.reason) {
        Ok(reason) => reason,
        Err(key) => {
            ctx.flash("error", key);
            return Ok(ctx.redirect(&back));
        }
    };
    let (actor, round) = (ctx.actor(), a.round.clone());
    let moved = ctx
        .db(move |conn| move_round_to(conn, &actor, &round, version, next, reason))
        .await?;
    match moved {
        Ok(()) => ctx.flash("success", &format!("review-moved-{}", next.as_str())),
        Err(rdb::MoveRefused::Conflict) => ctx.flash("error", "review-error-conflict"),
        Err(rdb::MoveRefused::Missing(key, _)) => ctx.flash("error", key),
    }
    Ok(ctx.redirect(&back))
}

// ---------------------------------------------------------------- one task in a round

/// A write form on the task's review page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

async fn task_page(ctx: Ctx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let a = load_round(&ctx, id).await?;
    render_task_review(&ctx, a, tid, Typed::default(), StatusCode::OK).await
}

/// What the reader may do on one task of the round.
struct TaskRights {
    owner: bool,
    sees_self: bool,
    sees_scores: bool,
    can_self: bool,
    can_score: bool,
    can_consensus: bool,
    can_dispute: bool,
}

fn rights(
    user: &CurrentUser,
    a: &RoundAccess,
    row: &rdb::RoundTaskRow,
    on_task: bool,
    dispute: Option<&rdb::Dispute>,
) -> TaskRights {
    let owner = row.task_owner_id == user.id;
    let reads = user.can(Permission::View, &row.unit_path);
    let status = a.status();
    TaskRights {
        owner,
        sees_self: a.reviewer || owner || (a.published() && reads),
        sees_scores: sees_scores(user, a, row),
        can_self: owner && status == RoundStatus::SelfAssessment,
        // Nobody scores a task they work on.
        can_score: a.reviewer && !on_task && status == RoundStatus::Scoring,
        can_consensus: a.lead
            && !on_task
            && status == RoundStatus::Scoring
            && a.round.rule() == CombineRule::Consensus,
        can_dispute: owner && a.published() && dispute.is_none(),
    }
}

async fn render_task_review(
    ctx: &Ctx,
    a: RoundAccess,
    tid: i64,
    typed: Typed,
    http_status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (rid, uid) = (a.round.id, user.id);
    let loaded = ctx
        .db(move |conn| {
            let Some(row) = rdb::task_row(conn, rid, tid)? else {
                return Ok(None);
            };
            let task = db::tasks::find(conn, tid)?;
            let on_task = !db::tasks::member_roles(conn, &task, uid)?.is_empty();
            let scores = rdb::scores_of(conn, rid, tid)?;
            let evidence: Vec<Evidence> = scores
                .iter()
                .flat_map(|(s, _)| Evidence::parse_stored_list(&s.evidence))
                .collect();
            let labels = rdb::evidence_of_task(conn, tid, &evidence)?;
            Ok(Some((
                row,
                task,
                on_task,
                rdb::criteria(conn, rid)?,
                scores,
                rdb::dispute_of(conn, rid, tid)?,
                labels,
            )))
        })
        .await?;
    let Some((row, task, on_task, criteria, scores, dispute, labels)) = loaded else {
        return Err(AppError::NotFound);
    };
    let r = rights(user, &a, &row, on_task, dispute.as_ref());
    if !(a.reviewer || r.owner || user.can(Permission::View, &row.unit_path)) {
        return Err(AppError::Forbidden);
    }
    let locale = ctx.locale;
    let rule = a.round.rule();
    let of_kind = |cid: i64, kind: &str| -> Vec<&(rdb::Score, String)> {
        scores
            .iter()
            .filter(|(s, _)| s.criterion_id == cid && s.kind == kind)
            .collect()
    };
    let evidence_view = |stored: &str| -> Vec<Value> {
        Evidence::parse_stored_list(stored)
            .iter()
            .filter_map(|e| labels.get(e))
            .map(|(label, href)| json!({"label": label, "href": href}))
            .collect()
    };
    let score_rows: Vec<(i64, String, f64)> = scores
        .iter()
        .map(|(s, _)| (s.criterion_id, s.kind.clone(), s.score))
        .collect();
    let mut finals = Vec::new();
    let rows: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let fin = rdb::criterion_score(rule, c.id, &score_rows);
            finals.push(fin);
            let own_self = of_kind(c.id, rdb::SELF).into_iter().next();
            json!({
                "c": c,
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "self": if r.sees_self { own_self.map(|(s, _)| json!({"score": s.score, "comment": s.comment, "evidence": evidence_view(&s.evidence)})) } else { None },
                "reviews": if r.sees_scores { of_kind(c.id, rdb::REVIEW).into_iter().map(|(s, name)| json!({
                    "author": name, "score": s.score, "comment": s.comment,
                    "note": if a.reviewer { Some(s.private_note.clone()).filter(|n| !n.is_empty()) } else { None },
                })).collect::<Vec<_>>() } else { vec![] },
                "consensus": if r.sees_scores { of_kind(c.id, rdb::CONSENSUS).into_iter().next().map(|(s, _)| json!({"score": s.score, "comment": s.comment})) } else { None },
                "final": if r.sees_scores { fin } else { None },
            })
        })
        .collect();
    let total = review::total(&finals);
    let verdict = total.map(|t| review::rate(t, &rdb::record_of(&row.rt), false));
    // Each write form starts from what its author saved, or what they just typed.
    let prefill = |which: &str, kind: &str, only_author: Option<i64>| -> Value {
        let mut values: HashMap<String, String> = HashMap::new();
        for c in &criteria {
            if let Some((s, _)) = of_kind(c.id, kind)
                .into_iter()
                .find(|(s, _)| only_author.is_none_or(|a| s.author_id == a))
            {
                values.insert(format!("score_{}", c.id), format::decimal(s.score));
                values.insert(format!("comment_{}", c.id), s.comment.clone());
                values.insert(format!("note_{}", c.id), s.private_note.clone());
                let links: Vec<String> = Evidence::parse_stored_list(&s.evidence)
                    .iter()
                    .filter_map(|e| labels.get(e).map(|(_, href)| href.clone()))
                    .collect();
                values.insert(format!("evidence_{}", c.id), links.join("\n"));
            }
        }
        let errors = if typed.which == which {
            values = typed.values.clone();
            typed.errors.clone()
        } else {
            FieldErrors::default()
        };
        let fields: Vec<Value> = criteria
            .iter()
            .map(|c| {
                let field = |name: &str| {
                    let key = format!("{name}_{}", c.id);
                    json!({"name": key, "value": values.get(&key).cloned().unwrap_or_default(), "error": errors.get(&key)})
                };
                json!({
                    "id": c.id,
                    "name": named(locale, &c.name_vi, &c.name_en),
                    "max": format::decimal(c.max_points),
                    "score": field("score"), "comment": field("comment"),
                    "note": field("note"), "evidence": field("evidence"),
                })
            })
            .collect();
        json!({"fields": fields, "has_errors": !errors.is_empty(), "reason": {"name": "reason", "value": values.get("reason").cloned().unwrap_or_default(), "error": errors.get("reason")}, "criterion": values.get("criterion_id").cloned().unwrap_or_default(), "criterion_error": errors.get("criterion_id")})
    };
    let dispute_view = dispute.as_ref().map(|d| {
        json!({
            "d": d,
            "criterion": d.criterion_id.and_then(|cid| criteria.iter().find(|c| c.id == cid)).map(|c| named(locale, &c.name_vi, &c.name_en)),
        })
    });
    let can_answer = a.lead && dispute.as_ref().is_some_and(|d| d.answer.is_none());
    let snapshot = row.rt.snap_outcome.is_some();
    let (disp, answer) = (prefill("dispute", "-", None), prefill("answer", "-", None));
    ctx.render_status(
        http_status,
        "reviews/task",
        json!({
            "title": task.title,
            "round": a.round,
            "unit": a.unit,
            "row": row,
            "task": task,
            "snapshot": snapshot,
            "snapshot_on": a.round.snapshot_on.map(format::date),
            "self_due": format::date(a.round.self_due),
            "consented_percent": row.rt.snap_households.filter(|n| *n > 0).map(|n| row.rt.snap_households_consented.unwrap_or(0) * 100 / n),
            "rows": rows,
            "rule": a.round.combine_rule,
            "total": if r.sees_scores { total } else { None },
            "verdict": if r.sees_scores { verdict } else { None },
            "r": {
                "owner": r.owner, "sees_self": r.sees_self, "sees_scores": r.sees_scores,
                "can_self": r.can_self, "can_score": r.can_score, "can_consensus": r.can_consensus,
                "can_dispute": r.can_dispute, "can_answer": can_answer,
                "reviewer": a.reviewer, "on_task": on_task,
            },
            "self_form": prefill("self", rdb::SELF, Some(row.task_owner_id)),
            "score_form": prefill("score", rdb::REVIEW, Some(user.id)),
            "consensus_form": prefill("consensus", rdb::CONSENSUS, None),
            "dispute_form": disp,
            "answer_form": answer,
            "dispute": dispute_view,
            "criterion_options": options(criteria.iter().map(|c| (c.id.to_string(), named(locale, &c.name_vi, &c.name_en))), typed.values.get("criterion_id").map_or("", String::as_str)),
        }),
    )
}

/// What became of a write on one task of a round.
pub(super) enum TaskWrite {
    Written,
    /// The round moved on (or the dispute was used): nothing was written.
    Frozen,
    Invalid(FieldErrors),
}

/// One of the forms on a task of a round — `self` (the owner's
/// self-assessment), `score` (a reviewer's), `consensus` (the lead's),
/// `dispute` (the owner's, once published), `answer` (the lead's) — checked
/// and written if the reader may and the round is where the form belongs.
/// Fields: `score_<criterion>`, `comment_<criterion>`, `note_<criterion>`
/// (a reviewer's private note), `evidence_<criterion>` (links to the task's
/// visits and files, one a line); `reason`, `criterion_id`, `upheld`.
pub(super) async fn write_task_review(
    pool: &db::Pool,
    user: &CurrentUser,
    actor: audit::Actor,
    a: &RoundAccess,
    tid: i64,
    what: &str,
    values: &HashMap<String, String>,
) -> AppResult<TaskWrite> {
    let (rid, uid) = (a.round.id, user.id);
    let loaded = db::run(pool, move |conn| {
        let Some(row) = rdb::task_row(conn, rid, tid)? else {
            return Ok(None);
        };
        let task = db::tasks::find(conn, tid)?;
        let on_task = !db::tasks::member_roles(conn, &task, uid)?.is_empty();
        Ok(Some((
            row,
            on_task,
            rdb::criteria(conn, rid)?,
            rdb::dispute_of(conn, rid, tid)?,
        )))
    })
    .await?;
    let Some((row, on_task, criteria, dispute)) = loaded else {
        return Err(AppError::NotFound);
    };
    let r = rights(user, a, &row, on_task, dispute.as_ref());
    let which: &'static str = match what {
        "self" if r.owner => "self",
        // Nobody scores a task they work on.
        "score" | "consensus" if on_task => return Err(AppError::Forbidden),
        "score" if a.reviewer => "score",
        "consensus" if a.lead => "consensus",
        "dispute" if r.owner => "dispute",
        "answer" if a.lead => "answer",
        "self" | "score" | "consensus" | "dispute" | "answer" => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    };
    let allowed = match which {
        "self" => r.can_self,
        "score" => r.can_score,
        "consensus" => r.can_consensus,
        "dispute" => r.can_dispute,
        _ => dispute.as_ref().is_some_and(|d| d.answer.is_none()),
    };
    if !allowed {
        return Ok(TaskWrite::Frozen);
    }
    let mut e = FieldErrors::default();
    let round = a.round.clone();
    let written: bool = match which {
        "dispute" | "answer" => {
            let text = e.required(
                "reason",
                values.get("reason").map_or("", String::as_str),
                2000,
            );
            // A dispute is about the whole result or one of the round's own criteria.
            let criterion_id = match values.get("criterion_id").map(|c| c.trim()) {
                Some(raw) if !raw.is_empty() && which == "dispute" => {
                    let id = e.id("criterion_id", raw);
                    chosen::one(&mut e, "criterion_id", id, id, |c| {
                        criteria.iter().any(|x| x.id == *c)
                    })
                }
                _ => None,
            };
            let upheld = values.get("upheld").is_some_and(|v| v == "1");
            if !e.is_empty() {
                return Ok(TaskWrite::Invalid(e));
            }
            db::run(pool, move |conn| {
                audit::write_if(conn, &actor, |c| {
                    let change = if which == "dispute" {
                        if !rdb::hold(c, round.id, &[RoundStatus::Published])? {
                            None
                        } else {
                            rdb::raise_dispute(c, &round, tid, criterion_id, uid, &text)?
                        }
                    } else {
                        rdb::answer_dispute(c, &round, tid, &text, upheld, uid)?
                    };
                    Ok((change.is_some(), change))
                })
            })
            .await?
        }
        _ => {
            let kind = match which {
                "self" => rdb::SELF,
                "score" => rdb::REVIEW,
                _ => rdb::CONSENSUS,
            };
            let get = |k: String| values.get(&k).cloned().unwrap_or_default();
            let mut items = Vec::new();
            let mut cited: Vec<(String, Vec<Evidence>)> = Vec::new();
            for c in &criteria {
                let key = format!("score_{}", c.id);
                let raw = get(key.clone());
                let score = e.decimal(&key, &raw);
                match score {
                    None if raw.trim().is_empty() => e.add(&key, "error-required"),
                    Some(s) if !review::valid_score(s, c.max_points) => {
                        e.add(&key, "review-error-score-range")
                    }
                    _ => {}
                }
                let comment = e
                    .optional(
                        &format!("comment_{}", c.id),
                        &get(format!("comment_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default();
                let note = if kind == rdb::REVIEW {
                    e.optional(
                        &format!("note_{}", c.id),
                        &get(format!("note_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default()
                } else {
                    String::new()
                };
                let mut evidence = Vec::new();
                if kind == rdb::SELF {
                    let ekey = format!("evidence_{}", c.id);
                    for line in get(ekey.clone()).lines().filter(|l| !l.trim().is_empty()) {
                        match Evidence::parse_link(line) {
                            Some(ev) if !evidence.contains(&ev) => evidence.push(ev),
                            Some(_) => {}
                            None => e.add(&ekey, "review-error-evidence"),
                        }
                    }
                    if evidence.len() > 20 {
                        e.add(&ekey, "error-too-long");
                    }
                    cited.push((ekey, evidence.clone()));
                }
                items.push(rdb::ScoreFields {
                    criterion_id: c.id,
                    score: score.map(review::round2).unwrap_or(0.0),
                    comment,
                    private_note: note,
                    evidence: evidence
                        .iter()
                        .map(|ev| ev.to_stored())
                        .collect::<Vec<_>>()
                        .join(" "),
                });
            }
            // Evidence must be this task's own.
            let all: Vec<Evidence> = cited.iter().flat_map(|(_, v)| v.iter().copied()).collect();
            if !all.is_empty() {
                let known = db::run(pool, move |conn| {
                    Ok(rdb::evidence_of_task(conn, tid, &all)?)
                })
                .await?;
                for (key, list) in &cited {
                    if list.iter().any(|ev| !known.contains_key(ev)) {
                        e.add(key, "review-error-evidence-other");
                    }
                }
            }
            if !e.is_empty() {
                return Ok(TaskWrite::Invalid(e));
            }
            let status = if kind == rdb::SELF {
                RoundStatus::SelfAssessment
            } else {
                RoundStatus::Scoring
            };
            db::run(pool, move |conn| {
                audit::write_if(conn, &actor, |c| {
                    if !rdb::hold(c, round.id, &[status])? {
                        return Ok((false, None));
                    }
                    let change = rdb::save_scores(c, &round, tid, kind, uid, &items)?;
                    Ok((true, Some(change)))
                })
            })
            .await?
        }
    };
    Ok(if written {
        TaskWrite::Written
    } else {
        TaskWrite::Frozen
    })
}

async fn task_write(
    ctx: Ctx,
    path: web::Path<(i64, i64, String)>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, tid, what) = path.into_inner();
    let a = load_round(&ctx, id).await?;
    let values = form.into_inner();
    let back = format!("/reviews/{}/tasks/{tid}", a.round.id);
    let which: &'static str = match what.as_str() {
        "self" => "self",
        "score" => "score",
        "consensus" => "consensus",
        "dispute" => "dispute",
        "answer" => "answer",
        _ => return Err(AppError::NotFound),
    };
    match write_task_review(
        &ctx.state.pool,
        ctx.user()?,
        ctx.actor(),
        &a,
        tid,
        which,
        &values,
    )
    .await?
    {
        TaskWrite::Written => ctx.flash("success", "flash-saved"),
        TaskWrite::Frozen => ctx.flash("error", "review-error-frozen"),
        TaskWrite::Invalid(errors) => {
            let t = Typed {
                which,
                values,
                errors,
            };
            return render_task_review(&ctx, a, tid, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    Ok(ctx.redirect(&back))
}

// ---------------------------------------------------------------- results

/// Ranks the results the reader may see: tasks by total, owners and units by
/// the mean of their tasks' totals, each rated with its own conditions.
fn rank(results: &[rdb::TaskResult], visible: impl Fn(&rdb::RoundTaskRow) -> bool) -> Tables {
    let shown: Vec<&rdb::TaskResult> = results.iter().filter(|r| visible(&r.row)).collect();
    let mut by_task: Vec<Ranked> = shown
        .iter()
        .map(|r| Ranked {
            key: r.row.rt.task_id,
            name: r.row.title.clone(),
            unit_name: format!("{} · {}", r.row.unit_name, r.row.owner_name),
            tasks: 1,
            total: r.total,
            rating: r.verdict.map(|v| v.rating),
            held_back_by: r.verdict.and_then(|v| v.held_back_by),
        })
        .collect();
    let group = |key: &dyn Fn(&rdb::TaskResult) -> (i64, String, String), collective: bool| {
        let mut groups: Vec<(i64, String, String, Vec<&rdb::TaskResult>)> = Vec::new();
        for r in &shown {
            let (k, name, unit) = key(r);
            match groups.iter_mut().find(|g| g.0 == k) {
                Some(g) => g.3.push(r),
                None => groups.push((k, name, unit, vec![r])),
            }
        }
        groups
            .into_iter()
            .map(|(k, name, unit_name, rs)| {
                let mut rec = Record::default();
                for r in &rs {
                    let one = rdb::record_of(&r.row.rt);
                    rec.tasks += one.tasks;
                    rec.late += one.late;
                    rec.not_done += one.not_done;
                    rec.exceeded += one.exceeded;
                }
                let totals: Option<Vec<f64>> = rs.iter().map(|r| r.total).collect();
                let mean = totals
                    .filter(|t| !t.is_empty())
                    .map(|t| review::round2(t.iter().sum::<f64>() / t.len() as f64));
                let verdict = mean.map(|m| review::rate(m, &rec, collective));
                Ranked {
                    key: k,
                    name,
                    unit_name,
                    tasks: rs.len() as i64,
                    total: mean,
                    rating: verdict.map(|v| v.rating),
                    held_back_by: verdict.and_then(|v| v.held_back_by),
                }
            })
            .collect::<Vec<_>>()
    };
    let mut by_owner = group(
        &|r| {
            (
                r.row.rt.owner_id.unwrap_or(r.row.task_owner_id),
                r.row.owner_name.clone(),
                r.row.unit_name.clone(),
            )
        },
        false,
    );
    let mut by_unit = group(
        &|r| {
            (
                r.row.rt.unit_id.unwrap_or(r.row.task_unit_id),
                r.row.unit_name.clone(),
                String::new(),
            )
        },
        true,
    );
    let order = |a: &Ranked, b: &Ranked| {
        b.total
            .unwrap_or(-1.0)
            .total_cmp(&a.total.unwrap_or(-1.0))
            .then_with(|| a.name.cmp(&b.name))
    };
    by_task.sort_by(order);
    by_owner.sort_by(order);
    by_unit.sort_by(order);
    let counts = Rating::ALL
        .iter()
        .map(|r| {
            (
                *r,
                by_task.iter().filter(|t| t.rating == Some(*r)).count() as i64,
            )
        })
        .collect();
    Tables {
        by_task,
        by_owner,
        by_unit,
        counts,
    }
}

/// The results the reader may see: all of them for reviewers (provisional
/// until published); after publication, the tasks in the reader's scope and
/// their own.
async fn load_results(ctx: &Ctx, id: i64) -> AppResult<Results> {
    round_results(&ctx.state, ctx.user()?, id).await
}

/// A round, its criteria, its ranked tables as the reader sees them, and the
/// key and data version they are kept under.
pub(super) type Results = (RoundAccess, Vec<rdb::Criterion>, Arc<Tables>, (String, i64));

/// The results of a round for a reader: reviewers while scoring, everyone
/// who may see the round once published.
pub(super) async fn round_results(
    state: &web::Data<crate::state::AppState>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Results> {
    let a = round_access(&state.pool, user, id).await?;
    if !(a.reviewer || a.published()) {
        return Err(AppError::Forbidden);
    }
    let round = a.round.clone();
    let kept = state.clone();
    let (criteria, results, version) = db::run(&state.pool, move |conn| {
        // Results of thousands of tasks are computed once per data version.
        let version = db::audit::data_version(conn)?;
        let results = kept.round_results.get_or(
            format!("{}:{}", round.id, round.version),
            version,
            || rdb::compute(conn, &round),
        )?;
        Ok((rdb::criteria(conn, round.id)?, results, version))
    })
    .await?;
    // Reviewers see every score; other readers what their roles reach.
    let reader = if a.reviewer {
        "all".to_string()
    } else {
        user.id.to_string()
    };
    // The key the reader's tables are kept under, and its data version.
    let key = format!("{}:{}:{reader}", a.round.id, a.round.version);
    let tables = state.ranked.get_or::<AppError>(key.clone(), version, || {
        Ok(rank(&results, |row| sees_scores(user, &a, row)))
    })?;
    Ok((a, criteria, tables, (key, version)))
}

/// The tables for a template: the tasks ranked in `tasks` (ranks counted
/// from the top of the whole table), the first `first` owners and units.
fn tables_json(t: &Tables, tasks: std::ops::Range<usize>, first: usize) -> Value {
    let ranked = |rows: &[Ranked], from: usize| -> Vec<Value> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| json!({"rank": from + i + 1, "r": r, "rating": r.rating.map(|x| x.as_str())}))
            .collect()
    };
    let head = |rows: &[Ranked]| ranked(&rows[..rows.len().min(first)], 0);
    json!({
        "by_task": ranked(&t.by_task[tasks.clone()], tasks.start),
        "by_owner": head(&t.by_owner),
        "by_unit": head(&t.by_unit),
        "counts": t.counts.iter().map(|(r, n)| json!({"rating": r.as_str(), "n": n})).collect::<Vec<_>>(),
    })
}

/// Rows of the task table per page; the owner and unit tables show their
/// first rows (the XLSX export has every row of all three).
const RESULTS_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResultsQuery {
    page: Option<i64>,
}

async fn results(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ResultsQuery>,
) -> AppResult<HttpResponse> {
    let (a, _, all, (key, version)) = load_results(&ctx, *id).await?;
    let page = super::Page::new(q.page, RESULTS_PAGE);
    // The three tables of a page are the same HTML for every reader of the
    // same class until the data changes: rendered once, then kept.
    let tables = ctx.state.results_html.get_or::<AppError>(
        format!("{key}:{}:{}", page.number, ctx.locale.code()),
        version,
        || {
            let tasks_total = all.by_task.len() as i64;
            let first_rank = page.offset().min(tasks_total) as usize;
            let shown = (first_rank + page.size as usize).min(all.by_task.len());
            Ok(ctx.state.views.render_document(
                "reviews/results_tables",
                json!({
                    "lang": ctx.locale.code(),
                    "t": tables_json(&all, first_rank..shown, RESULTS_PAGE as usize),
                    "pagination": page.view(tasks_total, &[]),
                    "owners_cut": all.by_owner.len() > RESULTS_PAGE as usize,
                    "units_cut": all.by_unit.len() > RESULTS_PAGE as usize,
                }),
            )?)
        },
    )?;
    ctx.render(
        "reviews/results",
        json!({
            "title": i18n::t(ctx.locale, "review-results-title"),
            "round": a.round,
            "unit": a.unit,
            "provisional": !a.published(),
            "tables": *tables,
        }),
    )
}

async fn results_xlsx(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (a, _, tables, _) = load_results(&ctx, *id).await?;
    let locale = ctx.locale;
    let t = |k: &str| i18n::t(locale, k);
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheets = [
        (t("review-by-task"), &tables.by_task, t("field-title")),
        (t("review-by-owner"), &tables.by_owner, t("field-owner")),
        (t("review-by-unit"), &tables.by_unit, t("field-unit")),
    ];
    for (name, rows, first) in sheets {
        let sheet = book.add_worksheet();
        sheet
            .set_name(name.chars().take(31).collect::<String>())
            .map_err(fail)?;
        let headers = [
            t("review-rank"),
            first,
            t("review-context"),
            t("review-task-count"),
            t("review-total"),
            t("review-rating"),
        ];
        let top = super::export::title_rows(sheet, locale, &a.round.title, "")?;
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(top, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = top + 1 + i as u32;
            sheet.write_number(row, 0, (i + 1) as f64).map_err(fail)?;
            sheet.write_string(row, 1, &r.name).map_err(fail)?;
            sheet.write_string(row, 2, &r.unit_name).map_err(fail)?;
            sheet.write_number(row, 3, r.tasks as f64).map_err(fail)?;
            if let Some(total) = r.total {
                sheet.write_number(row, 4, total).map_err(fail)?;
            }
            if let Some(rating) = r.rating {
                sheet
                    .write_string(
                        row,
                        5,
                        i18n::t(locale, &format!("rating-{}", rating.as_str())),
                    )
                    .map_err(fail)?;
            }
        }
        super::export::fit(sheet)?;
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(super::export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("ket-qua-danh-gia-{}-{}.xlsx", a.round.year, a.round.id),
        bytes,
    ))
}

async fn report(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (a, _, tables, _) = load_results(&ctx, *id).await?;
    let on = a
        .round
        .published_at
        .map(format::local_date)
        .unwrap_or_else(format::today);
    let total_tasks = tables.by_task.len();
    ctx.render(
        "reviews/report",
        json!({
            "title": a.round.title,
            "round": a.round,
            "unit": a.unit,
            "unit_upper": a.unit.name.to_uppercase(),
            "provisional": !a.published(),
            "day": format!("{:02}", on.day()),
            "month": format!("{:02}", on.month()),
            "year": on.year(),
            "task_count": total_tasks,
            "t": tables_json(&tables, 0..total_tasks, usize::MAX),
        }),
    )
}

// ---------------------------------------------------------------- default rubric

/// Administrators of a top-level unit keep the default rubric, like categories.
fn require_rubric_admin(user: &CurrentUser) -> AppResult<()> {
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

async fn rubric_page(ctx: Ctx) -> AppResult<HttpResponse> {
    require_rubric_admin(ctx.user()?)?;
    let items = ctx.db(|conn| Ok(rdb::rubric(conn)?)).await?;
    let fields: Vec<rdb::CriterionFields> = items.iter().map(rdb::RubricItem::fields).collect();
    render_criteria(
        &ctx,
        StatusCode::OK,
        "/admin/rubric",
        Value::Null,
        criteria_rows(&fields),
        &FieldErrors::default(),
    )
}

async fn save_rubric(ctx: Ctx, form: super::HtmlForm<CriteriaForm>) -> AppResult<HttpResponse> {
    require_rubric_admin(ctx.user()?)?;
    let (rows, errors, items) = check_criteria(&form.0);
    if !errors.is_empty() {
        return render_criteria(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/admin/rubric",
            Value::Null,
            rows,
            &errors,
        );
    }
    let actor = ctx.actor();
    ctx.db(move |conn| audit::write(conn, &actor, |c| Ok(((), rdb::set_rubric(c, &items)?))))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect("/admin/rubric"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(rows: &[(&str, &str, &str)]) -> CriteriaForm {
        CriteriaForm {
            name_vi: rows.iter().map(|r| r.0.to_string()).collect(),
            name_en: rows.iter().map(|r| r.1.to_string()).collect(),
            points: rows.iter().map(|r| r.2.to_string()).collect(),
        }
    }

    #[test]
    fn criteria_must_add_up_to_a_hundred_and_blank_rows_are_ignored() {
        let (_, e, items) = check_criteria(&form(&[
            ("Kết quả", "Results", "60"),
            ("Đồng thuận", "", "40"),
            ("", "", ""),
        ]));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].name_en, "");
        let (_, e, _) = check_criteria(&form(&[("Kết quả", "", "60"), ("Đồng thuận", "", "30")]));
        assert_eq!(e.get("total"), Some("review-error-weights"));
        let (rows, e, _) =
            check_criteria(&form(&[("", "Results", "60"), ("Đồng thuận", "", "abc")]));
        assert_eq!(e.get("name_vi_0"), Some("error-required"));
        assert_eq!(e.get("points_1"), Some("error-number"));
        assert_eq!(rows[1]["points"], "abc");
        let (_, e, _) = check_criteria(&form(&[]));
        assert_eq!(e.get("total"), Some("review-error-weights"));
    }
}
