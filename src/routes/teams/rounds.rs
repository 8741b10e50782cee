//! A team's rounds: one round's page, its figures recorded, cancelled, and
//! the problems raised on it, each taken up as a difficult task.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app;
use crate::app::teams::{round_access, ResultInput, RoundAccess};
use crate::context::Ctx;
use crate::db::{self, teams as tdb};
use crate::domain::desk::ShiftStatus;
use crate::domain::households::PriorityGroup;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;
use crate::routes::desk::flash_after;
use crate::routes::Again;
use crate::routes::{edit_version, shown};

async fn load_round(ctx: &Ctx, id: i64) -> AppResult<RoundAccess> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| round_access(conn, &user, id)).await
}

/// The figures of a held round as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct RecordForm {
    pub attendance: String,
    pub helped_meritorious: String,
    pub helped_poor: String,
    pub helped_elderly: String,
    pub helped_disability: String,
    pub helped_other: String,
    pub dossiers_prepared: String,
    pub dossiers_online: String,
    pub notes: String,
    pub version: String,
}

impl RecordForm {
    /// The typed figures; a number written wrong is kept as unread.
    pub(super) fn input(&self) -> ResultInput {
        let mut unread = FieldErrors::default();
        let mut n = |field: &str, raw: &str| unread.number::<i64>(field, raw);
        let attendance = n("attendance", &self.attendance);
        let helped = [
            n("helped_meritorious", &self.helped_meritorious),
            n("helped_poor", &self.helped_poor),
            n("helped_elderly", &self.helped_elderly),
            n("helped_disability", &self.helped_disability),
            n("helped_other", &self.helped_other),
        ];
        let dossiers_prepared = n("dossiers_prepared", &self.dossiers_prepared);
        let dossiers_online = n("dossiers_online", &self.dossiers_online);
        ResultInput {
            attendance,
            helped,
            dossiers_prepared,
            dossiers_online,
            notes: self.notes.clone(),
            unread,
        }
    }
}

impl RecordForm {
    fn of(r: &tdb::Round) -> RecordForm {
        let n = |v: Option<i32>| v.map(|x| x.to_string()).unwrap_or_default();
        RecordForm {
            attendance: n(r.attendance),
            helped_meritorious: n(r.helped_meritorious),
            helped_poor: n(r.helped_poor),
            helped_elderly: n(r.helped_elderly),
            helped_disability: n(r.helped_disability),
            helped_other: n(r.helped_other),
            dossiers_prepared: n(r.dossiers_prepared),
            dossiers_online: n(r.dossiers_online),
            notes: r.notes.clone(),
            version: r.version.to_string(),
        }
    }
}

pub(super) async fn round_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ra = load_round(&ctx, *id).await?;
    let form = RecordForm::of(&ra.round);
    render_round(&ctx, ra, &form, None).await
}

async fn render_round(
    ctx: &Ctx,
    ra: RoundAccess,
    form: &RecordForm,
    again: Option<Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = shown(again);
    let (rid, uid) = (ra.round.id, ra.round.unit_id);
    let (problems, unit, unit_tasks) = ctx
        .db(move |conn| {
            let unit = db::units::find(conn, uid)?;
            let tasks = db::tasks::page(
                conn,
                &db::tasks::Filter {
                    scope: vec![unit.path.clone()],
                    ..Default::default()
                },
                db::tasks::Sort::parse("title"),
                0,
                200,
            )?;
            Ok((tdb::problems(conn, rid)?, unit, tasks))
        })
        .await?;
    let locale = ctx.locale;
    let groups: Vec<Value> = PriorityGroup::ALL
        .iter()
        .map(|g| json!({"name": format!("helped_{}", g.as_str()), "label": format!("priority-{}", g.as_str())}))
        .collect();
    ctx.render_status(
        status,
        "teams/round",
        json!({
            "title": i18n::t(locale, &format!("round-kind-{}", ra.round.kind)),
            "t": ra.a.team,
            "r": ra.round,
            "unit": unit,
            "member": ra.a.member,
            "planned": ra.round.status == ShiftStatus::Planned.as_str(),
            "f": crate::routes::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "conflict": conflict,
            "groups": groups,
            "problems": problems,
            "task_options": unit_tasks.iter().map(|t| json!({"value": t.id, "label": t.title})).collect::<Vec<_>>(),
            "new_task": format!("/tasks/new?unit_id={}", ra.round.unit_id),
        }),
    )
}

pub(super) async fn record(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<RecordForm>,
) -> AppResult<HttpResponse> {
    let (rid, mut form) = (*id, form.into_inner());
    let version = edit_version(&form.version)?;
    let (input, who) = (form.input(), ctx.caller()?);
    let saved = ctx
        .db(move |c| Ok(app::teams::record_round(c, &who, rid, version, &input)))
        .await?;
    let stale = |now: tdb::Round| {
        let theirs = RecordForm::of(&now);
        form.version = now.version.to_string();
        crate::routes::conflict_view(&form, &theirs, "teams-")
    };
    let again =
        match crate::routes::after_form(&ctx, saved, |_| format!("/teams/rounds/{rid}"), stale)? {
            Ok(done) => return Ok(done),
            Err(again) => again,
        };
    let ra = load_round(&ctx, rid).await?;
    render_round(&ctx, ra, &form, Some(again)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TextForm {
    text: String,
    version: String,
    task_id: String,
}

pub(super) async fn cancel(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let (rid, form) = (*id, form.into_inner());
    let version = edit_version(&form.version)?;
    let who = ctx.caller()?;
    let cancelled = ctx
        .db(move |c| {
            let reason = &form.text;
            Ok(app::teams::cancel_round(c, &who, rid, version, reason))
        })
        .await?;
    let back = format!("/teams/rounds/{rid}");
    flash_after(&ctx, cancelled, Some("teams-error-cancel-reason"), &back)
}

pub(super) async fn add_problem(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let (rid, text) = (*id, form.into_inner().text);
    let raised = crate::routes::call(&ctx, move |c, who| {
        app::teams::raise_problem(c, who, rid, &text)
    })
    .await?;
    flash_after(&ctx, raised, None, &format!("/teams/rounds/{rid}#problems"))
}

pub(super) async fn link_task(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let (id, pid) = path.into_inner();
    let task_id = FieldErrors::default().id("task_id", &form.task_id);
    let linked = crate::routes::call(&ctx, move |c, who| {
        app::teams::link_task(c, who, id, pid, task_id)
    })
    .await?;
    // Problems have no field of their own on the page: the message comes back as a flash.
    flash_after(&ctx, linked, None, &format!("/teams/rounds/{id}#problems"))
}
