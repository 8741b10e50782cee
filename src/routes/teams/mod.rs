//! Mobile support teams (tổ hỗ trợ lưu động): the team, its rounds planned
//! and held, problems raised, figures per commune, a calendar page and feed.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod calendar;
mod rounds;

use super::{chosen, options, people, shown, Again};
use crate::app;
use crate::app::teams::{team_access, Access, PlanInput, TeamInput};
use crate::context::Ctx;
use crate::db::users::Pool;
use crate::db::{self, teams as tdb};
use crate::domain::access::Permission;
use crate::domain::desk::RoundKind;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams", get().to(index))
        .route("/teams", post().to(create))
        .route("/teams/new", get().to(new))
        .route("/teams/rounds/{id}", get().to(rounds::round_page))
        .route("/teams/rounds/{id}", post().to(rounds::record))
        .route("/teams/rounds/{id}/cancel", post().to(rounds::cancel))
        .route(
            "/teams/rounds/{id}/problems",
            post().to(rounds::add_problem),
        )
        .route(
            "/teams/rounds/{id}/problems/{pid}",
            post().to(rounds::link_task),
        )
        .route("/teams/{id}", get().to(show))
        .route("/teams/{id}", post().to(update))
        .route("/teams/{id}/edit", get().to(edit))
        .route("/teams/{id}/rounds", post().to(plan))
        .route("/teams/{id}/calendar", get().to(calendar::calendar))
        .route("/teams/{id}/schedule.ics", get().to(calendar::schedule_ics))
        .route("/teams/{id}/figures", get().to(calendar::figures));
}

// ---------------------------------------------------------------- access

pub(super) async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| team_access(conn, &user, id)).await
}

// ---------------------------------------------------------------- teams

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (uid, scope) = (user.id, user.scope(Permission::View));
    let rows = ctx
        .db(move |conn| Ok(tdb::seen_by(conn, uid, &scope)?))
        .await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(t, lead, communes)| json!({"t": t, "lead": lead, "communes": communes}))
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
    /// The members picker's find field and its button (`people`).
    #[serde(skip_serializing)]
    pub find: String,
    #[serde(skip_serializing)]
    pub finding: String,
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
            ..Default::default()
        }
    }
}

impl super::EditForm for TeamForm {
    type Now = app::teams::TeamNow;
    const LABELS: &'static str = "teams-field-";

    fn saved_now(now: &app::teams::TeamNow) -> TeamForm {
        TeamForm::of(&now.fields, now.team.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }
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
    existing: Option<&Access>,
    form: &TeamForm,
    again: Option<Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = shown(again);
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    // People and units of the lead unit's province (of the reader's, for a new team).
    let mut within: Vec<String> = match existing {
        Some(a) => vec![chosen::province(&a.lead.path)],
        None => scope.iter().map(|p| chosen::province(p)).collect(),
    };
    within.sort();
    within.dedup();
    // Members come from the whole province; the lead unit's people are
    // listed first.
    let lead_path = existing.map(|a| a.lead.path.clone());
    let lead_id: Option<i64> = form.lead_unit_id.trim().parse().ok();
    let (find, chosen_people) = (form.find.clone(), people::ids(&form.members));
    let (leads, units, offered) = ctx
        .db(move |conn| {
            let leads = db::units::tree(conn, &scope, false)?;
            let lead = lead_path.or_else(|| {
                let id = lead_id?;
                leads.iter().find(|u| u.id == id).map(|u| u.path.clone())
            });
            let pool = Pool::within(&within);
            let default = match lead {
                Some(p) => Pool::within(&[p]),
                None => pool.clone(),
            };
            let offered = people::offer(conn, &pool, &default, &find, &chosen_people)?;
            Ok((leads, db::units::tree(conn, &within, false)?, offered))
        })
        .await?;
    let multi = |picked: &[String], items: Vec<(String, String)>| -> Vec<Value> {
        items
            .into_iter()
            .map(|(v, l)| json!({"selected": picked.contains(&v), "value": v, "label": l}))
            .collect()
    };
    ctx.render_status(
        status,
        "teams/form",
        json!({
            "title": i18n::t(ctx.locale, if existing.is_some() { "teams-edit-title" } else { "teams-new-title" }),
            "action": existing.map_or("/teams".to_string(), |a| format!("/teams/{}", a.team.id)),
            "existing": existing.map(|a| json!({"lead": a.lead.name})),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "leads": super::unit_options(&leads, &form.lead_unit_id),
            "member_options": offered.options(&form.members),
            "people": offered.view(),
            "commune_options": multi(&form.communes, units.iter().map(|u| (u.id.to_string(), super::indented(u))).collect()),
            "conflict": conflict,
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    render_team_form(&ctx, None, &TeamForm::default(), None).await
}

async fn create(ctx: Ctx, form: super::HtmlForm<TeamForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    if people::finding(&form.finding) {
        ctx.user()?.require_anywhere(Permission::ManageTasks)?;
        return render_team_form(&ctx, None, &form, None).await;
    }
    let input = form.input();
    let saved = super::call(&ctx, move |c, who| app::teams::set_up(c, who, &input)).await?;
    match super::after_form(&ctx, saved, |t| format!("/teams/{}", t.id), |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(a) => render_team_form(&ctx, None, &form, Some(a)).await,
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let t = a.team.clone();
    let fields = ctx.db(move |conn| Ok(tdb::fields_of(conn, &t)?)).await?;
    let form = TeamForm::of(&fields, a.team.version);
    render_team_form(&ctx, Some(&a), &form, None).await
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<TeamForm>,
) -> AppResult<HttpResponse> {
    let (tid, mut form) = (*id, form.0);
    if people::finding(&form.finding) {
        let a = super::allowed(load(&ctx, tid).await?, |a| a.manage)?;
        return render_team_form(&ctx, Some(&a), &form, None).await;
    }
    let (input, to) = (form.input(), format!("/teams/{tid}"));
    let edited = super::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        app::teams::edit(c, who, tid, version, &input)
    });
    let again = match edited.await? {
        Ok(done) => return Ok(done),
        Err(again) => again,
    };
    let a = load(&ctx, tid).await?;
    render_team_form(&ctx, Some(&a), &form, Some(again)).await
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

impl PlanForm {
    /// The typed round; a day or an id written wrong is kept as unread.
    fn input(&self) -> PlanInput {
        let mut unread = FieldErrors::default();
        PlanInput {
            unit_id: unread.typed_id("unit_id", &self.unit_id),
            on_date: unread.date("on_date", &self.on_date),
            start_time: self.start_time.clone(),
            place: self.place.clone(),
            kind: self.kind.clone(),
            unread,
        }
    }
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    render_team(&ctx, a, &PlanForm::default(), None).await
}

async fn render_team(
    ctx: &Ctx,
    a: Access,
    form: &PlanForm,
    again: Option<Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, _) = shown(again);
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
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "commune_options": options(a.communes.iter().map(|(id, n, _)| (id.to_string(), n.clone())), &form.unit_id),
            "kinds": options(RoundKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("round-kind-{}", k.as_str())))), &form.kind),
        }),
    )
}

async fn plan(ctx: Ctx, id: web::Path<i64>, form: web::Form<PlanForm>) -> AppResult<HttpResponse> {
    let (tid, form) = (*id, form.into_inner());
    let input = form.input();
    let planned = crate::routes::call(&ctx, move |c, who| {
        app::teams::plan_round(c, who, tid, &input)
    })
    .await?;
    let to = |r: &tdb::Round| format!("/teams/rounds/{}", r.id);
    match super::after_form(&ctx, planned, to, |()| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => {
            let a = load(&ctx, tid).await?;
            render_team(&ctx, a, &form, Some(again)).await
        }
    }
}
