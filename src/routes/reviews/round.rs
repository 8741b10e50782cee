//! A round's settings: opening one, editing it, and choosing its tasks.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load_round, RoundAccess};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::review::{CombineRule, RoundStatus};
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{chosen, form_view, options, HtmlForm};

// ---------------------------------------------------------------- settings

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(in crate::routes) struct RoundForm {
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
pub(in crate::routes) async fn validate_round(
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
            "f": form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "units": options(units.iter().map(|u| (u.id.to_string(), format!("{}{}", "— ".repeat(depth(&u.path)), u.name))), &form.unit_id),
            "leads": options(leads.into_iter().map(|(id, username, name)| (id.to_string(), format!("{name} ({username})"))), &form.lead_id),
            "rules": options(CombineRule::ALL.iter().map(|r| (r.as_str().to_string(), i18n::t(locale, &format!("review-rule-{}", r.as_str())))), &form.combine_rule),
        }),
    )
}

pub(super) async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
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
pub(in crate::routes) fn create_round(
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

pub(super) async fn create(ctx: Ctx, form: web::Form<RoundForm>) -> AppResult<HttpResponse> {
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

pub(super) async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
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

pub(super) async fn update(
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

// ---------------------------------------------------------------- tasks in a round

pub(super) async fn tasks_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
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
pub(super) struct TasksForm {
    task: Vec<String>,
}

pub(super) async fn save_tasks(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<TasksForm>,
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
