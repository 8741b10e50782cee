//! Across a task's households: a formal dialogue held with many of them
//! (a visit to each), and the field team's worklist of visits due.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load, Access};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::consent::ConsentStage;
use crate::domain::format;
use crate::domain::households::visit_overdue;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{chosen, HtmlForm, Page};

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
    let access = load(&ctx, *id).await?;
    if !access.can_log_visits {
        return Err(AppError::Forbidden);
    }
    let user_id = ctx.user()?.id;
    let form = form.0;
    let mut e = FieldErrors::default();
    let held_on = e.date("held_on", &form.held_on);
    if form.held_on.trim().is_empty() {
        e.add("held_on", "error-required");
    }
    if held_on.is_some_and(|d| d > format::today()) {
        e.add("held_on", "error-future-date");
    }
    let place = e.required("place", &form.place, 300);
    let chaired_by = e.optional_text("chaired_by", &form.chaired_by, 300);
    let summary = e.optional_text("summary", &form.summary, 10_000);
    let ids = e.ids("households", &form.households);
    let stage_after = ConsentStage::parse(&form.stage_after);
    if stage_after.is_none() {
        e.add("stage_after", "error-invalid-choice");
    }
    let reason = e.optional("reason", &form.reason, 1000);
    let tid = access.task.id;
    let named = ids.clone();
    let (present, records) = ctx
        .db(move |conn| {
            let present = db::households::open_among(conn, tid, &named)?;
            let records = present
                .iter()
                .map(|h| db::money::records(conn, h.id))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((present, records))
        })
        .await?;
    // Open households of this task, as the form offers them; no others.
    let offered = |h: i64| present.iter().any(|p| p.id == h);
    if chosen::every(&mut e, "households", &ids, offered, chosen::INVALID) && present.is_empty() {
        e.add("households", "error-choose-households");
    }
    // Each household's outcome: its own if chosen, else the common one; a
    // stage of the task's own steps.
    let process = access.process;
    let outcomes: Vec<Option<ConsentStage>> = present
        .iter()
        .map(|h| match form.outcome_of(h.id) {
            "" => stage_after,
            own => {
                let to = ConsentStage::parse(own)
                    .filter(|s| process.stages().contains(s) || *s == h.stage());
                if to.is_none() {
                    e.add(&format!("outcome_{}", h.id), "error-invalid-choice");
                }
                to
            }
        })
        .collect();
    if stage_after.is_some_and(|s| !process.stages().contains(&s)) {
        e.add("stage_after", "error-invalid-choice");
    }
    let moves = present.iter().zip(&outcomes).zip(&records);
    let moves: Vec<_> = moves
        .filter_map(|((h, to), r)| to.map(|to| (h, to, r)))
        .collect();
    if reason.is_none()
        && moves
            .iter()
            .any(|(h, to, _)| process.classify(h.stage(), *to).needs_reason())
    {
        e.add("reason", "error-stage-reason");
    }
    // A money stage needs each household's record, or the reason.
    let missing = moves.iter().find_map(|(h, to, r)| {
        (h.stage() != *to)
            .then(|| crate::domain::money::missing_record(*to, r))
            .flatten()
    });
    if let (Some(key), None) = (missing, &reason) {
        e.add("reason", key);
    }
    let outcomes: Vec<ConsentStage> = outcomes.into_iter().flatten().collect();
    let (Some(held_on), Some(_), true) = (held_on, stage_after, e.is_empty()) else {
        return render_dialogue(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &access, &form, &e).await;
    };
    let fields = db::households::DialogueFields {
        held_on,
        place,
        chaired_by,
        summary,
    };
    let (task, actor) = (access.task, ctx.actor());
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            let (_, change) = db::households::hold_dialogue(
                c, &task, &fields, &present, &outcomes, reason, user_id,
            )?;
            Ok(((), change))
        })
    })
    .await?;
    ctx.flash("success", "flash-dialogue-saved");
    Ok(ctx.redirect(&format!("/tasks/{tid}#dialogues")))
}
