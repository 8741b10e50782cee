//! Mobile support teams (tổ hỗ trợ lưu động): the team, its rounds planned
//! and held, problems raised, figures per commune, a calendar page and feed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::desk::{calendar_feed, CalendarEvent, IcsQuery};
use super::{chosen, options};
pub(super) use crate::app::teams::{round_access, team_access, Access, RoundAccess};
use crate::app::teams::{ResultInput, TeamInput};
use crate::app::{self, Rejected, Version};
use crate::context::Ctx;
use crate::db::{self, audit, teams as tdb};
use crate::domain::access::Permission;
use crate::domain::desk::{self, RoundKind, ShiftStatus};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams", web::get().to(index))
        .route("/teams", web::post().to(create))
        .route("/teams/new", web::get().to(new))
        .route("/teams/rounds/{id}", web::get().to(round_page))
        .route("/teams/rounds/{id}", web::post().to(record))
        .route("/teams/rounds/{id}/cancel", web::post().to(cancel))
        .route("/teams/rounds/{id}/problems", web::post().to(add_problem))
        .route(
            "/teams/rounds/{id}/problems/{pid}",
            web::post().to(link_task),
        )
        .route("/teams/{id}", web::get().to(show))
        .route("/teams/{id}", web::post().to(update))
        .route("/teams/{id}/edit", web::get().to(edit))
        .route("/teams/{id}/rounds", web::post().to(plan))
        .route("/teams/{id}/calendar", web::get().to(calendar))
        .route("/teams/{id}/schedule.ics", web::get().to(schedule_ics))
        .route("/teams/{id}/figures", web::get().to(figures));
}

// ---------------------------------------------------------------- access

async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| team_access(conn, &user, id)).await
}

// ---------------------------------------------------------------- teams

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let uid = user.id;
    let rows = ctx
        .db(move |conn| {
            let mut out = Vec::new();
            for (t, lead_name, lead_path) in tdb::all(conn)? {
                let communes = tdb::communes(conn, t.id)?;
                let member = tdb::members(conn, t.id)?.iter().any(|m| m.0 == uid);
                out.push((t, lead_name, lead_path, communes, member));
            }
            Ok(out)
        })
        .await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|(_, _, path, communes, member)| {
            *member
                || user.can(Permission::View, path)
                || communes
                    .iter()
                    .any(|(_, _, p)| user.can(Permission::View, p))
        })
        .map(|(t, lead, _, communes, _)| json!({"t": t, "lead": lead, "communes": communes.len()}))
        .collect();
    ctx.render(
        "teams/index",
        json!({
            "title": i18n::t(ctx.locale, "teams-title"),
            "rows": rows,
            "can_create": user.can_anywhere(Permission::ManageTasks),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct TeamForm {
    pub lead_unit_id: String,
    pub name: String,
    pub period_from: String,
    pub period_to: String,
    pub description: String,
    pub members: Vec<String>,
    pub communes: Vec<String>,
    pub version: String,
}

impl TeamForm {
    fn of(f: &tdb::TeamFields, version: i32) -> TeamForm {
        let ids = |v: &[i64]| v.iter().map(ToString::to_string).collect();
        TeamForm {
            lead_unit_id: f.lead_unit_id.to_string(),
            name: f.name.clone(),
            period_from: format::date(f.period_from),
            period_to: format::date(f.period_to),
            description: f.description.clone(),
            members: ids(&f.members),
            communes: ids(&f.communes),
            version: version.to_string(),
        }
    }
}

fn required_date(e: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    let d = e.date(field, raw);
    if raw.trim().is_empty() {
        e.add(field, "error-required");
    }
    d
}

impl TeamForm {
    /// The typed team; dates and ids written wrong are kept as unread.
    pub(super) fn input(&self) -> TeamInput {
        let mut unread = FieldErrors::default();
        let lead_unit_id = unread.typed_id("lead_unit_id", &self.lead_unit_id);
        TeamInput {
            lead_unit_id,
            name: self.name.clone(),
            period_from: unread.date("period_from", &self.period_from),
            period_to: unread.date("period_to", &self.period_to),
            description: self.description.clone(),
            members: unread.ids("members", &self.members),
            communes: unread.ids("communes", &self.communes),
            unread,
        }
    }
}

async fn render_team_form(
    ctx: &Ctx,
    status: StatusCode,
    existing: Option<&Access>,
    form: &TeamForm,
    errors: &FieldErrors,
    conflict: Option<Value>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    // People and units of the lead unit's province (of the reader's, for a new team).
    let mut within: Vec<String> = match existing {
        Some(a) => vec![chosen::province(&a.lead.path)],
        None => scope.iter().map(|p| chosen::province(p)).collect(),
    };
    within.sort();
    within.dedup();
    let (leads, units, people) = ctx
        .db(move |conn| {
            Ok((
                db::units::tree(conn, &scope, false)?,
                db::units::tree(conn, &within, false)?,
                db::users::in_scope(conn, &within)?,
            ))
        })
        .await?;
    let multi = |picked: &[String], items: Vec<(String, String)>| -> Vec<Value> {
        items
            .into_iter()
            .map(|(v, l)| json!({"selected": picked.contains(&v), "value": v, "label": l}))
            .collect()
    };
    let indent = |u: &db::units::Unit| format!("{}{}", "— ".repeat(depth(&u.path)), u.name);
    ctx.render_status(
        status,
        "teams/form",
        json!({
            "title": i18n::t(ctx.locale, if existing.is_some() { "teams-edit-title" } else { "teams-new-title" }),
            "action": existing.map_or("/teams".to_string(), |a| format!("/teams/{}", a.team.id)),
            "existing": existing.map(|a| json!({"lead": a.lead.name})),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "leads": options(leads.iter().map(|u| (u.id.to_string(), indent(u))), &form.lead_unit_id),
            "member_options": multi(&form.members, people.into_iter().map(|(id, u, n)| (id.to_string(), format!("{n} ({u})"))).collect()),
            "commune_options": multi(&form.communes, units.iter().map(|u| (u.id.to_string(), indent(u))).collect()),
            "conflict": conflict,
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    render_team_form(
        &ctx,
        StatusCode::OK,
        None,
        &TeamForm::default(),
        &FieldErrors::default(),
        None,
    )
    .await
}

async fn create(ctx: Ctx, form: super::HtmlForm<TeamForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::teams::set_up(c, &user, &actor, &input)))
        .await?;
    match super::after_form(&ctx, saved, |t| format!("/teams/{}", t.id), |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(a) => {
            render_team_form(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &form,
                &a.errors,
                None,
            )
            .await
        }
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    if !a.manage {
        return Err(AppError::Forbidden);
    }
    let t = a.team.clone();
    let fields = ctx.db(move |conn| Ok(tdb::fields_of(conn, &t)?)).await?;
    let form = TeamForm::of(&fields, a.team.version);
    render_team_form(
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
    form: super::HtmlForm<TeamForm>,
) -> AppResult<HttpResponse> {
    let (tid, mut form) = (*id, form.0);
    let version = Version::of_form(&form.version);
    if version == Version::Missing {
        return Err(AppError::BadRequest("version missing".into()));
    }
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::teams::edit(c, &user, &actor, tid, version, &input)))
        .await?;
    let stale = |now: app::teams::TeamNow| {
        let theirs = TeamForm::of(&now.fields, now.team.version);
        form.version = now.team.version.to_string();
        super::conflict_view(&form, &theirs, "teams-field-")
    };
    let again = match super::after_form(&ctx, saved, |_| format!("/teams/{tid}"), stale)? {
        Ok(done) => return Ok(done),
        Err(again) => again,
    };
    let a = load(&ctx, tid).await?;
    render_team_form(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(&a),
        &form,
        &again.errors,
        again.conflict,
    )
    .await
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct PlanForm {
    pub unit_id: String,
    pub on_date: String,
    pub start_time: String,
    pub place: String,
    pub kind: String,
}

/// A round planned in one of the team's communes, within its period.
pub(super) fn check_plan(a: &Access, form: &PlanForm) -> Result<tdb::RoundPlan, FieldErrors> {
    let mut e = FieldErrors::default();
    let unit_id = e.id("unit_id", &form.unit_id);
    if unit_id.is_some_and(|u| !a.communes.iter().any(|c| c.0 == u)) {
        e.add("unit_id", "error-invalid-choice");
    }
    let on_date = required_date(&mut e, "on_date", &form.on_date);
    if on_date.is_some_and(|d| d < a.team.period_from || d > a.team.period_to) {
        e.add("on_date", "teams-error-outside-period");
    }
    let start = desk::parse_time(&form.start_time);
    if start.is_none() {
        e.add("start_time", "error-time");
    }
    let place = e.required("place", &form.place, 300);
    let kind = RoundKind::parse(&form.kind);
    if kind.is_none() {
        e.add("kind", "error-required");
    }
    let (Some(unit_id), Some(on_date), Some(start), Some(kind)) =
        (unit_id, on_date, start, kind.filter(|_| e.is_empty()))
    else {
        return Err(e);
    };
    Ok(tdb::RoundPlan {
        unit_id,
        on_date,
        start_time: start.format("%H:%M").to_string(),
        place,
        kind: kind.as_str().into(),
    })
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    render_team(
        &ctx,
        a,
        &PlanForm::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_team(
    ctx: &Ctx,
    a: Access,
    form: &PlanForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (tid, from, to) = (a.team.id, a.team.period_from, a.team.period_to);
    let rounds = ctx
        .db(move |conn| Ok(tdb::rounds(conn, tid, from, to)?))
        .await?;
    let locale = ctx.locale;
    let today = format::today();
    let (done, coming): (Vec<_>, Vec<_>) = rounds.iter().partition(|(r, _)| r.on_date < today);
    let row = |(r, unit): &&(tdb::Round, String)| json!({"r": r, "unit": unit});
    ctx.render_status(
        status,
        "teams/show",
        json!({
            "title": a.team.name,
            "t": a.team,
            "lead": a.lead,
            "manage": a.manage,
            "member": a.member,
            "members": a.members.iter().map(|(_, n, u)| json!({"name": n, "unit": u})).collect::<Vec<_>>(),
            "communes": a.communes.iter().map(|(_, n, _)| n).collect::<Vec<_>>(),
            "coming": coming.iter().map(row).collect::<Vec<_>>(),
            "done": done.iter().rev().map(row).collect::<Vec<_>>(),
            "ics": format!("{}/teams/{}/schedule.ics?key={}", ctx.origin, tid, ctx.state.links.sign("team", tid)),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "commune_options": options(a.communes.iter().map(|(id, n, _)| (id.to_string(), n.clone())), &form.unit_id),
            "kinds": options(RoundKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("round-kind-{}", k.as_str())))), &form.kind),
        }),
    )
}

async fn plan(ctx: Ctx, id: web::Path<i64>, form: web::Form<PlanForm>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    if !a.member {
        return Err(AppError::Forbidden);
    }
    let form = form.into_inner();
    let p = match check_plan(&a, &form) {
        Ok(p) => p,
        Err(e) => return render_team(&ctx, a, &form, &e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (actor, t, uid) = (ctx.actor(), a.team.clone(), ctx.user()?.id);
    let r = ctx
        .db(move |conn| audit::write(conn, &actor, |c| Ok(tdb::plan_round(c, &t, &p, uid)?)))
        .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/teams/rounds/{}", r.id)))
}

// ---------------------------------------------------------------- rounds

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

pub(super) fn cancel_reason(text: &str) -> Option<String> {
    let reason: String = text.trim().chars().take(500).collect();
    (!reason.is_empty()).then_some(reason)
}

/// A problem raised on a round: 1–2,000 characters.
pub(super) fn problem_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= 2_000).then(|| text.to_string())
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

async fn round_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ra = load_round(&ctx, *id).await?;
    let form = RecordForm::of(&ra.round);
    render_round(
        &ctx,
        ra,
        &form,
        &FieldErrors::default(),
        StatusCode::OK,
        None,
    )
    .await
}

async fn render_round(
    ctx: &Ctx,
    ra: RoundAccess,
    form: &RecordForm,
    errors: &FieldErrors,
    status: StatusCode,
    conflict: Option<Value>,
) -> AppResult<HttpResponse> {
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
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "conflict": conflict,
            "groups": groups,
            "problems": problems,
            "task_options": unit_tasks.iter().map(|t| json!({"value": t.id, "label": t.title})).collect::<Vec<_>>(),
            "new_task": format!("/tasks/new?unit_id={}", ra.round.unit_id),
        }),
    )
}

async fn record(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<RecordForm>,
) -> AppResult<HttpResponse> {
    let (rid, mut form) = (*id, form.into_inner());
    let version = Version::of_form(&form.version);
    if version == Version::Missing {
        return Err(AppError::BadRequest("version missing".into()));
    }
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| {
            Ok(app::teams::record_round(
                c, &user, &actor, rid, version, &input,
            ))
        })
        .await?;
    let (errors, conflict) = match saved {
        Ok(_) => {
            ctx.flash("success", "flash-saved");
            return Ok(ctx.redirect(&format!("/teams/rounds/{rid}")));
        }
        Err(Rejected::Invalid(e)) => (e, None),
        Err(Rejected::Stale(now)) => {
            let theirs = RecordForm::of(&now);
            form.version = now.version.to_string();
            let view = super::conflict_view(&form, &theirs, "teams-");
            (FieldErrors::default(), Some(view))
        }
        Err(other) => return Err(other.into_app_error()),
    };
    let ra = load_round(&ctx, rid).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_round(&ctx, ra, &form, &errors, status, conflict).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextForm {
    text: String,
    version: String,
    task_id: String,
}

async fn cancel(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let ra = load_round(&ctx, *id).await?;
    if !ra.a.member {
        return Err(AppError::Forbidden);
    }
    let back = format!("/teams/rounds/{}", ra.round.id);
    let Ok(version) = form.version.parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let Some(reason) = cancel_reason(&form.text) else {
        ctx.flash("error", "teams-error-cancel-reason");
        return Ok(ctx.redirect(&back));
    };
    let (actor, r) = (ctx.actor(), ra.round.clone());
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let ch = tdb::cancel(c, &r, version, &reason)?;
                Ok((ch.is_some(), ch))
            })
        })
        .await?;
    ctx.flash(
        if saved { "success" } else { "error" },
        if saved {
            "flash-saved"
        } else {
            "error-conflict-saved"
        },
    );
    Ok(ctx.redirect(&back))
}

async fn add_problem(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let ra = load_round(&ctx, *id).await?;
    if !ra.a.member {
        return Err(AppError::Forbidden);
    }
    let back = format!("/teams/rounds/{}#problems", ra.round.id);
    let Some(text) = problem_text(&form.text) else {
        ctx.flash("error", "teams-error-problem");
        return Ok(ctx.redirect(&back));
    };
    let (actor, r, uid) = (ctx.actor(), ra.round.clone(), ctx.user()?.id);
    ctx.db(move |conn| {
        audit::write(conn, &actor, |c| {
            Ok(((), tdb::add_problem(c, &r, &text, uid)?))
        })
    })
    .await?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&back))
}

async fn link_task(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let (id, pid) = path.into_inner();
    let ra = load_round(&ctx, id).await?;
    if !ra.a.member {
        return Err(AppError::Forbidden);
    }
    let back = format!("/teams/rounds/{}#problems", ra.round.id);
    let mut e = FieldErrors::default();
    let task_id = e.id("task_id", &form.task_id);
    let (actor, r, unit) = (ctx.actor(), ra.round.clone(), ra.round.unit_id);
    let linked = ctx
        .db(move |conn| {
            // Only a task of the commune the problem was raised in, as the page offers.
            let u = db::units::find(conn, unit)?;
            let found = match task_id {
                Some(t) => db::tasks::in_subtree(conn, &u.path, &[t])?.pop(),
                None => None,
            };
            let Some(task_id) = chosen::one(&mut e, "task_id", task_id, found, |_| true) else {
                return Ok(None);
            };
            Ok(Some(audit::write_if(conn, &actor, |c| {
                let ch = tdb::link_task(c, &r, pid, task_id)?;
                Ok((ch.is_some(), ch))
            })?))
        })
        .await?;
    match linked {
        // Problems have no field of their own on the page: the message comes back as a flash.
        None => ctx.flash("error", chosen::INVALID),
        Some(false) => return Err(AppError::NotFound),
        Some(true) => ctx.flash("success", "flash-saved"),
    }
    Ok(ctx.redirect(&back))
}

// ---------------------------------------------------------------- calendar and figures

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: String,
}

async fn calendar(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let today = format::today();
    let (year, month) = q
        .month
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .unwrap_or((today.year(), today.month()));
    let weeks = desk::month_weeks(year, month);
    let (Some(first), Some(last)) = (weeks.first().map(|w| w[0]), weeks.last().map(|w| w[6]))
    else {
        return Err(AppError::NotFound);
    };
    let tid = a.team.id;
    let rounds = ctx
        .db(move |conn| Ok(tdb::rounds(conn, tid, first, last)?))
        .await?;
    let grid: Vec<Value> = weeks
        .iter()
        .map(|w| {
            json!(w
                .iter()
                .map(|d| json!({
                    "day": d.day(),
                    "other_month": d.month() != month,
                    "today": *d == today,
                    "rounds": rounds.iter().filter(|(r, _)| r.on_date == *d).map(|(r, unit)| json!({"r": r, "unit": unit})).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>())
        })
        .collect();
    let shift = |delta: i32| {
        let m = (year * 12 + month as i32 - 1) + delta;
        format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
    };
    ctx.render(
        "teams/calendar",
        json!({
            "title": i18n::t_args(ctx.locale, "teams-calendar-title", &[("month", format!("{month:02}/{year}"))]),
            "t": a.team,
            "weeks": grid,
            "prev": shift(-1),
            "next": shift(1),
            "days": (1..=7).map(|d| format!("weekday-{d}")).collect::<Vec<_>>(),
        }),
    )
}

async fn schedule_ics(
    state: web::Data<crate::state::AppState>,
    id: web::Path<i64>,
    q: web::Query<IcsQuery>,
) -> AppResult<HttpResponse> {
    if state.links.verify("team", &q.key) != Some(*id) {
        return Err(AppError::NotFound);
    }
    let tid = *id;
    let (team, rounds) = db::run(&state.pool, move |conn| {
        let team = tdb::find(conn, tid)?;
        let rounds = tdb::rounds(conn, tid, team.period_from, team.period_to)?;
        Ok((team, rounds))
    })
    .await?;
    let events: Vec<CalendarEvent> = rounds
        .iter()
        .filter(|(r, _)| r.status != ShiftStatus::Cancelled.as_str())
        .map(|(r, unit)| {
            let end = desk::parse_time(&r.start_time)
                .map(|t| (t + chrono::Duration::hours(2)).format("%H:%M").to_string())
                .unwrap_or_default();
            CalendarEvent {
                uid: format!("support-round-{}@danvan", r.id),
                summary: format!(
                    "{} — {}",
                    team.name,
                    i18n::t(i18n::Locale::Vi, &format!("round-kind-{}", r.kind))
                ),
                location: format!("{}, {unit}", r.place),
                date: r.on_date,
                start: r.start_time.clone(),
                end,
            }
        })
        .collect();
    Ok(calendar_feed(&team.name, &events))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    from: String,
    to: String,
}

async fn figures(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let from = format::parse_date(&q.from).unwrap_or(a.team.period_from);
    let to = format::parse_date(&q.to).unwrap_or(a.team.period_to);
    let tid = a.team.id;
    let rows = ctx
        .db(move |conn| Ok(tdb::figures(conn, tid, from, to)?))
        .await?;
    let mut total = tdb::CommuneFigures::default();
    for r in &rows {
        total.rounds += r.rounds;
        total.held += r.held;
        total.attendance += r.attendance;
        for (t, h) in total.helped.iter_mut().zip(r.helped) {
            *t += h;
        }
        total.dossiers_prepared += r.dossiers_prepared;
        total.dossiers_online += r.dossiers_online;
    }
    let chart = super::dashboard::bar_chart(
        &rows
            .iter()
            .map(|r| {
                (
                    r.unit_name.clone(),
                    r.helped_total() as f64,
                    format::number(r.helped_total()),
                )
            })
            .collect::<Vec<_>>(),
    );
    let view = |r: &tdb::CommuneFigures| json!({"f": r, "helped_total": r.helped_total()});
    ctx.render(
        "teams/figures",
        json!({
            "title": i18n::t(ctx.locale, "teams-figures-title"),
            "t": a.team,
            "from": format::date(from),
            "to": format::date(to),
            "rows": rows.iter().map(view).collect::<Vec<_>>(),
            "total": view(&total),
            "chart": chart,
            "groups": PriorityGroup::ALL.iter().map(|g| format!("priority-{}", g.as_str())).collect::<Vec<_>>(),
        }),
    )
}
