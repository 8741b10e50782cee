//! Across a task's households: a formal dialogue held with many of them
//! (a visit to each), and the field team's worklist of visits due.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load, Access};
use crate::app::households::DialogueInput;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db;
use crate::domain::consent::ConsentStage;
use crate::domain::format;
use crate::domain::households::visit_overdue;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{call, HtmlForm, Page};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DueQuery {
    page: Option<i64>,
    /// A task's id, or empty for all.
    task: String,
    /// A residential group, exactly as listed.
    group: String,
    /// Any part of a street or address.
    street: String,
    /// `due` (the default) or `address` (walking order).
    sort: String,
}

/// "My visits due": households whose next visit is today or overdue, on the
/// tasks the user works on; narrowed to a task, a residential group or a
/// street, and ordered by the day due or in walking order.
pub(super) async fn due(ctx: Ctx, q: web::Query<DueQuery>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let uid = user.id;
    let q = q.into_inner();
    let page = Page::new(q.page, 50);
    let today = format::today();
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = db::households::DueFilter {
        task_id: q.task.trim().parse().ok(),
        group: text(&q.group),
        street: text(&q.street),
        by_address: q.sort == "address",
    };
    let due = ctx
        .db(move |conn| {
            Ok(db::households::due_for(
                conn,
                uid,
                today,
                &filter,
                page.offset(),
                page.size,
            )?)
        })
        .await?;
    let rows: Vec<Value> = due
        .rows
        .into_iter()
        .map(|r| {
            let overdue = visit_overdue(r.next_visit_on, today);
            json!({"r": r, "overdue": overdue})
        })
        .collect();
    let locale = ctx.locale;
    let base = [
        ("task", q.task.clone()),
        ("group", q.group.clone()),
        ("street", q.street.clone()),
        ("sort", q.sort.clone()),
    ];
    let sort = if q.sort == "address" {
        "address"
    } else {
        "due"
    };
    ctx.render(
        "households/due",
        json!({
            "title": i18n::t(locale, "visits-due-title"),
            "rows": rows,
            "total": due.total,
            "q": {"street": q.street},
            "filtered": base.iter().any(|(k, v)| *k != "sort" && !v.trim().is_empty()),
            "task_options": crate::routes::options(due.tasks.iter().map(|(id, t)| (id.to_string(), t.clone())), q.task.trim()),
            "group_options": crate::routes::options(due.groups.iter().map(|g| (g.clone(), g.clone())), q.group.trim()),
            "sort_options": crate::routes::options(["due", "address"].iter().map(|s| (s.to_string(), i18n::t(locale, &format!("visits-due-sort-{s}")))), sort),
            "pagination": page.view(due.total, &base),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct DialogueForm {
    held_on: String,
    place: String,
    chaired_by: String,
    summary: String,
    households: Vec<String>,
    stage_after: String,
    /// `{household id}:{stage}` for each household listed; an empty stage
    /// is the common outcome (`stage_after`).
    outcomes: Vec<String>,
    reason: String,
}

impl DialogueForm {
    /// The outcome chosen for household `id` alone, as typed (empty for the
    /// common one).
    fn outcome_of(&self, id: i64) -> &str {
        let prefix = format!("{id}:");
        self.outcomes
            .iter()
            .find_map(|o| o.strip_prefix(&prefix))
            .unwrap_or("")
    }
}

async fn render_dialogue(
    ctx: &Ctx,
    status: StatusCode,
    access: &Access,
    form: &DialogueForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let tid = access.task.id;
    let open = ctx
        .db(move |conn| Ok(db::households::open_of_task(conn, tid)?))
        .await?;
    let locale = ctx.locale;
    let households: Vec<Value> = open
        .iter()
        .map(|h| {
            let v = h.id.to_string();
            // Each household's own outcome, if it differs from the common one.
            let mine = form.outcome_of(h.id);
            let mut outcomes = vec![json!({
                "value": format!("{}:", h.id),
                "label": i18n::t(locale, "dialogue-outcome-common"),
                "selected": mine.is_empty(),
            })];
            // The task's steps, and the household's own stage if it was
            // taken over at another.
            let mut stages = access.process.stages().to_vec();
            if !stages.contains(&h.stage()) {
                stages.push(h.stage());
            }
            outcomes.extend(stages.iter().map(|s| {
                json!({
                    "value": format!("{}:{}", h.id, s.as_str()),
                    "label": i18n::t(locale, &format!("stage-{}", s.as_str())),
                    "selected": mine == s.as_str(),
                })
            }));
            json!({
                "value": v,
                "name": h.head_name,
                "stage": h.stage,
                "parcel": h.parcel_no,
                "sheet": h.map_sheet,
                "checked": form.households.contains(&v),
                "outcomes": outcomes,
                "outcome_error": errors.get(&format!("outcome_{}", h.id)),
            })
        })
        .collect();
    ctx.render_status(
        status,
        "households/dialogue",
        json!({
            "title": i18n::t(locale, "dialogue-new-title"),
            "task": {"id": access.task.id, "title": access.task.title},
            "f": crate::routes::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "households": households,
            "stages": super::stage_options(locale, access.process, &[], &form.stage_after),
        }),
    )
}

pub(super) async fn new_dialogue(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = load(&ctx, *id).await?;
    if !access.can_log_visits {
        return Err(AppError::Forbidden);
    }
    let form = DialogueForm {
        held_on: format::date(format::today()),
        stage_after: ConsentStage::DialogueHeld.as_str().into(),
        ..Default::default()
    };
    render_dialogue(
        &ctx,
        StatusCode::OK,
        &access,
        &form,
        &FieldErrors::default(),
    )
    .await
}

/// One record for a dialogue with many households, which adds a visit to each.
pub(super) async fn hold_dialogue(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<DialogueForm>,
) -> AppResult<HttpResponse> {
    let (tid, form) = (*id, form.0);
    let mut unread = FieldErrors::default();
    let held_on = unread.date("held_on", &form.held_on);
    let ids = unread.ids("households", &form.households);
    let input = DialogueInput {
        held_on,
        place: form.place.clone(),
        chaired_by: form.chaired_by.clone(),
        summary: form.summary.clone(),
        households: ids
            .into_iter()
            .map(|h| (h, form.outcome_of(h).to_string()))
            .collect(),
        stage_after: form.stage_after.clone(),
        reason: form.reason.clone(),
        unread,
    };
    let held = call(&ctx, move |c, who| {
        app::households::hold_dialogue(c, who, tid, &input)
    })
    .await?;
    match held {
        Ok(()) => {
            ctx.flash("success", "flash-dialogue-saved");
            Ok(ctx.redirect(&format!("/tasks/{tid}#dialogues")))
        }
        Err(Rejected::Invalid(e)) => {
            let access = load(&ctx, tid).await?;
            render_dialogue(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &access, &form, &e).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}
