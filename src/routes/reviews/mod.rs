//! The Fatherland Front's year-end review: rounds, criteria, self-assessment,
//! scoring, disputes, publication, results and reports. Here the routes, who
//! sees a round, the list of rounds and a round's own page with its moves;
//! a round's settings and tasks are in `round`, its criteria and the default
//! rubric in `criteria`, one task's review in `task`, the results in `results`.

mod criteria;
mod results;
mod round;
mod task;

pub(super) use criteria::{criteria_rows, render_criteria, save_criteria_with, CriteriaForm};
pub(super) use round::{Choices, Picker, TasksForm};

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::reviews::RoundAccess;
use crate::app::reviews::{listed, round_access, sees_scores};
use crate::app::{self, Rejected, Version};
use crate::context::Ctx;
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::review::{DisputeAnswer, RoundStatus};
use crate::error::{AppError, AppResult};
use crate::i18n;
pub(super) use crate::i18n::named;
use crate::routes::{Page, PageAsked};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reviews", get().to(index))
        .route("/reviews", post().to(round::create))
        .route("/reviews/new", get().to(round::new))
        .route("/reviews/{id}", get().to(show))
        .route("/reviews/{id}", post().to(round::update))
        .route("/reviews/{id}/edit", get().to(round::edit))
        .route("/reviews/{id}/criteria", get().to(criteria::criteria_page))
        .route("/reviews/{id}/criteria", post().to(criteria::save_criteria))
        .route("/reviews/{id}/tasks", get().to(round::tasks_page))
        .route("/reviews/{id}/tasks", post().to(round::save_tasks))
        .route("/reviews/{id}/status", post().to(move_round))
        .route("/reviews/{id}/results", get().to(results::results))
        .route(
            "/reviews/{id}/results.xlsx",
            get().to(results::results_xlsx),
        )
        .route("/reviews/{id}/report", get().to(results::report))
        .route("/reviews/{id}/tasks/{tid}", get().to(task::task_page))
        .route(
            "/reviews/{id}/tasks/{tid}/{what}",
            post().to(task::task_write),
        )
        .route("/admin/rubric", get().to(criteria::rubric_page))
        .route("/admin/rubric", post().to(criteria::save_rubric));
}

// ---------------------------------------------------------------- access

/// The round if the reader may see it: reviewers of its unit always; once its
/// criteria are published, anyone who reads the unit, a unit inside it, or
/// owns one of its tasks. A draft is the reviewers' alone.
async fn load_round(ctx: &Ctx, id: i64) -> AppResult<RoundAccess> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| round_access(conn, &user, id)).await
}

// ---------------------------------------------------------------- list

/// Rounds listed at a time: a province opens one per unit and year.
const ROUNDS_PAGE: i64 = 50;

async fn index(ctx: Ctx, q: web::Query<PageAsked>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rounds = ctx.db(|conn| Ok(rdb::all(conn)?)).await?;
    let page = Page::new(q.page, ROUNDS_PAGE);
    let (rounds, total) = page.cut(
        rounds
            .into_iter()
            .filter(|(r, _, path)| listed(user, r, path))
            .collect(),
    );
    let rows: Vec<Value> = rounds
        .into_iter()
        .map(|(r, unit_name, _)| json!({"r": r, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "reviews/index",
        json!({
            "title": i18n::t(ctx.locale, "reviews-title"),
            "rows": rows,
            "pagination": page.view(total, &[]),
            "can_open": user.can_anywhere(Permission::WriteReviews),
        }),
    )
}

// ---------------------------------------------------------------- round page

/// Tasks of a round listed on its page at a time (a province's round
/// holds thousands); the results, their export and the report have all.
const ROUND_TASKS_PAGE: i64 = 100;

async fn show(ctx: Ctx, id: web::Path<i64>, q: web::Query<PageAsked>) -> AppResult<HttpResponse> {
    let a = load_round(&ctx, *id).await?;
    let user = ctx.user()?;
    let round = a.round.clone();
    let rid = round.id;
    let history = audit::Filter {
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
                    audit::list(conn, &history, 0, 100)?
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
    let listed: Vec<_> = results
        .iter()
        .filter(|r| {
            a.reviewer
                || r.row.task_owner_id == user.id
                || user.can(Permission::View, &r.row.unit_path)
        })
        .collect();
    let page = Page::new(q.page, ROUND_TASKS_PAGE);
    let (listed, task_count) = page.cut(listed);
    let tasks: Vec<Value> = listed
        .into_iter()
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
            "task_count": format::number(task_count),
            "tasks": tasks,
            "pagination": page.view(task_count, &[]),
            "is_reviewer": a.reviewer,
            "is_lead": a.lead,
            "draft": status == RoundStatus::Draft,
            "can_edit_settings": a.lead && matches!(status, RoundStatus::Draft | RoundStatus::SelfAssessment),
            "can_edit_tasks": a.lead && matches!(status, RoundStatus::Draft | RoundStatus::SelfAssessment),
            "can_edit_criteria": a.lead && status == RoundStatus::Draft,
            "next": if a.lead { next } else { vec![] },
            "sees_results": a.reviewer || a.published(),
            "disputes": if a.lead { disputes.iter().map(|(d, title)| json!({"d": d, "title": title, "decision": d.dispute_accepted.map(|x| DisputeAnswer::from_dispute_accepted(x).as_str())})).collect::<Vec<_>>() } else { vec![] },
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

async fn move_round(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (rid, form) = (*id, form.into_inner());
    let (Some(next), Ok(v)) = (
        RoundStatus::parse(&form.status),
        form.version.parse::<i32>(),
    ) else {
        return Err(AppError::BadRequest("status or version missing".into()));
    };
    let moved = super::call(&ctx, move |c, who| {
        app::reviews::move_round(c, who, rid, Version::Given(v), next, &form.reason)
    })
    .await?;
    match moved {
        Ok(Ok(())) => ctx.flash("success", &format!("review-moved-{}", next.as_str())),
        Ok(Err(rdb::MoveRefused::Conflict)) => ctx.flash("error", "review-error-conflict"),
        Ok(Err(rdb::MoveRefused::Missing(key, _))) | Err(Rejected::NotAllowed(key)) => {
            ctx.flash("error", key);
        }
        Err(Rejected::Invalid(e)) => ctx.flash("error", e.get("reason").unwrap_or_default()),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&format!("/reviews/{rid}")))
}
