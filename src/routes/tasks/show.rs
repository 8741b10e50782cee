//! One task's page: its households, milestones, dialogues, history and
//! progress; and what is done on it there (its status, its milestones).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load, Access};
use crate::app::tasks::MilestoneInput;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::access::Permission;
use crate::domain::consent::{ConsentStage, ConsentedSet};
use crate::domain::deadline::{timeliness, TaskStatus};
use crate::domain::format;
use crate::domain::progress::Progress;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::i18n::named;
use crate::routes::{options, Page};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ShowQuery {
    stage: String,
    due: String,
    q: String,
    page: Option<i64>,
}

const HOUSEHOLDS_PAGE: i64 = 50;

pub(super) async fn show(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let access = load(&ctx, *id).await?;
    let milestone = (MilestoneForm::default(), FieldErrors::default());
    render_task(&ctx, access, q.into_inner(), milestone, StatusCode::OK).await
}

/// The task page; `milestone` is the add-milestone form as typed, with its errors.
async fn render_task(
    ctx: &Ctx,
    access: Access,
    q: ShowQuery,
    milestone: (MilestoneForm, FieldErrors),
    http_status: StatusCode,
) -> AppResult<HttpResponse> {
    let process = access.process;
    let task = access.task;
    let tid = task.id;
    let today = format::today();
    let page = Page::new(q.page, HOUSEHOLDS_PAGE);
    let household_filter = db::households::Filter {
        stage: ConsentStage::parse(&q.stage).map(|s| s.as_str().to_string()),
        due_by: (q.due == "1").then_some(today),
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        by_phone: access.sight != crate::domain::households::Sight::Masked,
    };
    let (
        members,
        milestones,
        category,
        owner,
        (timeline, _),
        by_stage,
        (households, household_total),
        dialogues,
        reviews,
        money,
    ) = {
        let (cat, owner_id) = (task.category_id, task.owner_id);
        let history = audit::Filter {
            entity: Some("task".into()),
            entity_id: Some(tid),
            ..Default::default()
        };
        ctx.db(move |conn| {
            let by_stage = db::households::stage_counts(conn, tid)?;
            let known = household_filter.total_from(&by_stage);
            Ok((
                db::tasks::members(conn, tid)?,
                db::tasks::milestones(conn, tid)?,
                db::tasks::category(conn, cat)?,
                db::users::find(conn, owner_id)?,
                audit::list(conn, &history, 0, 50)?,
                by_stage,
                db::households::list(
                    conn,
                    tid,
                    &household_filter,
                    page.offset(),
                    page.size,
                    known,
                )?,
                db::households::dialogues(conn, tid)?,
                db::reviews::rounds_of_task(conn, tid)?,
                db::money::of_task(conn, tid)?,
            ))
        })
        .await?
    };
    // Progress is computed from the households and milestones, never typed in.
    let consented = ConsentedSet::parse(&task.consented_stages).unwrap_or_default();
    let mut progress = Progress::default();
    for (stage, count, area) in &by_stage {
        if let Some(stage) = ConsentStage::parse(stage) {
            progress.add(stage, *count, area.unwrap_or(0.0), &consented);
        }
    }
    let households_total: i64 = by_stage.iter().map(|(_, n, _)| n).sum();
    let figures = crate::app::money::Figures::new(&task, &money, households_total);
    let done_milestones = milestones.iter().filter(|m| m.done_on.is_some()).count() as i64;
    let progress = progress.with_milestones(milestones.len() as i64, done_milestones);
    let stage_rows: Vec<Value> = ConsentStage::ALL
        .iter()
        .filter_map(|s| {
            by_stage.iter().find(|(name, _, _)| name == s.as_str()).map(|(_, count, area)| {
                json!({"stage": s.as_str(), "count": count, "area": area.unwrap_or(0.0), "consented": consented.contains(*s)})
            })
        })
        .collect();
    let household_base = [
        ("stage", q.stage.clone()),
        ("due", q.due.clone()),
        ("q", q.q.clone()),
    ];
    let status = task.status();
    let next_statuses: Vec<Value> = TaskStatus::ALL
        .iter()
        .filter(|s| status.can_become(**s))
        .map(|s| json!({"value": s.as_str(), "needs_reason": *s == TaskStatus::Cancelled}))
        .collect();
    let locale = ctx.locale;
    let public = task_card(ctx, task.id, &access.unit.path).await?;
    ctx.render_status(
        http_status,
        "tasks/show",
        json!({
            "title": task.title,
            "task": task,
            "unit": access.unit,
            "category": category.as_ref().map(|c| named(locale, &c.name_vi, &c.name_en)),
            "is_site_clearance": category.as_ref().is_some_and(|c| c.is_site_clearance),
            "owner": {"id": owner.id, "full_name": owner.full_name},
            "co_owners": members.iter().filter(|m| m.role == db::tasks::CO_OWNER).collect::<Vec<_>>(),
            "team": members.iter().filter(|m| m.role == db::tasks::TEAM).collect::<Vec<_>>(),
            "timeliness": timeliness(status, task.deadline, task.completed_on, today),
            "days_late": crate::domain::deadline::days_late(task.deadline, task.completed_on, today),
            "milestones": milestones.iter().map(|m| json!({"m": m, "late": m.done_on.map_or(m.due_on < today, |d| d > m.due_on)})).collect::<Vec<_>>(),
            "milestones_done": done_milestones,
            "milestones_total": milestones.len(),
            "can_edit": access.can_edit,
            "can_log": access.can_log_visits,
            "reads_personal": access.sight != crate::domain::households::Sight::Masked,
            "milestone": crate::routes::form_view(&milestone.0, &milestone.1),
            "has_errors": !milestone.1.is_empty(),
            "dialogues": dialogues.iter().map(|(d, n)| json!({"d": d, "present": n})).collect::<Vec<_>>(),
            "next_statuses": next_statuses,
            "progress": {
                "p": progress,
                "consented_percent": progress.consented_percent(),
                "area_consented_percent": progress.area_consented_percent(),
                "area_handed_over_percent": progress.area_handed_over_percent(),
            },
            "stage_rows": stage_rows,
            "public_page": public,
            "money": figures,
            "paid_percent": figures.paid_percent(),
            // What a row shows, not the whole record (phone, notes, timestamps).
            "households": households.iter().map(|h| json!({
                "h": {
                    "id": h.id,
                    "head_name": h.head_name,
                    "address": h.address,
                    "parcel_no": h.parcel_no,
                    "map_sheet": h.map_sheet,
                    "area_m2": h.area_m2,
                    "stage": h.stage,
                    "next_visit_on": h.next_visit_on,
                },
                "due": h.next_visit_on.is_some_and(|d| d <= today),
            })).collect::<Vec<_>>(),
            "hq": {"q": q.q, "due": q.due == "1"},
            "stage_options": options(ConsentStage::ALL.iter().filter(|s| process.stages().contains(s) || by_stage.iter().any(|(n, _, _)| n == s.as_str())).map(|s| (s.as_str().to_string(), i18n::t(locale, &format!("stage-{}", s.as_str())))), &q.stage),
            "pagination": page.view(household_total, &household_base),
            "timeline": crate::routes::audit_text::rows(ctx.locale, &timeline),
            // Review rounds the task is in, once their criteria are public.
            "reviews": reviews.iter().filter(|(r, _)| r.status() != crate::domain::review::RoundStatus::Draft).map(|(r, rt)| json!({
                "r": r, "total": rt.total, "rating": rt.rating,
            })).collect::<Vec<_>>(),
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusForm {
    status: String,
    reason: String,
    version: String,
}

pub(super) async fn set_status(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let (tid, form) = (*id, form.into_inner());
    let back = format!("/tasks/{tid}");
    let (Some(next), Ok(version)) = (TaskStatus::parse(&form.status), form.version.parse::<i32>())
    else {
        return Err(AppError::BadRequest("status or version missing".into()));
    };
    let moved = crate::routes::call(&ctx, move |c, who| {
        app::tasks::move_to(c, who, tid, version, next, &form.reason)
    })
    .await?;
    match moved {
        Ok(()) => return Ok(ctx.saved(&back)),
        Err(Rejected::NotAllowed(key)) => ctx.flash("error", key),
        Err(Rejected::Invalid(_)) => ctx.flash("error", "error-cancel-reason"),
        Err(Rejected::Stale(_)) => ctx.flash("error", "error-conflict-status"),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&back))
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub(super) struct MilestoneForm {
    pub title: String,
    pub due_on: String,
}

pub(super) async fn add_milestone(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<MilestoneForm>,
) -> AppResult<HttpResponse> {
    let (tid, form) = (*id, form.into_inner());
    let mut unread = FieldErrors::default();
    let due_on = unread.date("due_on", &form.due_on);
    let input = MilestoneInput {
        title: form.title.clone(),
        due_on,
        unread,
    };
    let added = crate::routes::call(&ctx, move |c, who| {
        app::tasks::add_milestone(c, who, tid, &input)
    })
    .await?;
    match crate::routes::after_form(&ctx, added, |_| format!("/tasks/{tid}"), |()| Value::Null)? {
        Ok(done) => Ok(done),
        Err(a) => {
            let access = load(&ctx, tid).await?;
            let q = ShowQuery::default();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_task(&ctx, access, q, (form, a.errors), status).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneForm {
    done: String,
}

pub(super) async fn milestone_done(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<DoneForm>,
) -> AppResult<HttpResponse> {
    let (tid, mid) = path.into_inner();
    let (who, done) = (ctx.caller()?, form.done == "true");
    ctx.db(move |c| Ok(app::tasks::mark_milestone(c, &who, tid, mid, done)))
        .await?
        .map_err(Rejected::into_app_error)?;
    Ok(ctx.saved(&format!("/tasks/{tid}")))
}

/// What the task page shows of its public page: its state, link and QR
/// code, and the questions (the unanswered first) for the committee.
pub(crate) async fn task_card(ctx: &Ctx, tid: i64, unit_path: &str) -> AppResult<Value> {
    let committee = ctx.user()?.can(Permission::ManageTasks, unit_path);
    let (page, mut questions) = ctx
        .db(move |conn| {
            Ok((
                db::public::of_task(conn, tid)?,
                db::public::questions(conn, tid, false)?,
            ))
        })
        .await?;
    questions.sort_by_key(|q| q.answered_at.is_some());
    let enabled = page.as_ref().is_some_and(|p| p.enabled);
    let link = page.as_ref().map(|p| link_of(ctx, &p.code));
    let qr = match (&link, enabled) {
        (Some(l), true) => Some(crate::routes::qr_svg(l, 160)?),
        _ => None,
    };
    Ok(json!({
        "committee": committee,
        "enabled": enabled,
        "link": link,
        "path": page.as_ref().map(|p| format!("/p/{}", p.code)),
        "qr": qr,
        "questions": if committee { questions } else { Vec::new() },
    }))
}

/// The page's link and QR code, to print and post at the ward office.
pub(crate) fn link_of(ctx: &Ctx, code: &str) -> String {
    format!("{}/p/{code}", ctx.origin)
}
