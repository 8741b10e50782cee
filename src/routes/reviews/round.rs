//! A round's settings: opening one, editing it, and choosing its tasks.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load_round, RoundAccess};
use crate::app::reviews::RoundInput;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::users::{Held, Pool};
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::access::Role;
use crate::domain::format;
use crate::domain::review::{CombineRule, RoundStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{
    after_form, allowed, chosen, form_view, options, people, unit_options, HtmlForm,
};

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
    /// The lead picker's find field and its button (`people`).
    #[serde(skip_serializing)]
    pub find: String,
    #[serde(skip_serializing)]
    pub finding: String,
}

impl crate::routes::EditForm for RoundForm {
    type Now = rdb::Round;
    const LABELS: &'static str = "review-";

    fn saved_now(now: &rdb::Round) -> RoundForm {
        RoundForm::of(&rdb::fields_of(now), now.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }

    /// The unit and year are fixed once a round is open: the edit form
    /// does not carry them, so they are no difference.
    fn conflict(&mut self, theirs: &RoundForm, _now: &rdb::Round) -> Value {
        self.unit_id.clone_from(&theirs.unit_id);
        self.year.clone_from(&theirs.year);
        crate::routes::conflict_view(self, theirs, Self::LABELS)
    }
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
            ..Default::default()
        }
    }

    /// The typed settings; numbers, dates and ids written wrong are kept as
    /// unread.
    fn input(&self) -> RoundInput {
        let mut unread = FieldErrors::default();
        RoundInput {
            unit_id: unread.typed_id("unit_id", &self.unit_id),
            year: unread.number::<i32>("year", &self.year).map(i64::from),
            title: self.title.clone(),
            lead_id: unread.typed_id("lead_id", &self.lead_id),
            combine_rule: self.combine_rule.clone(),
            self_due: unread.date("self_due", &self.self_due),
            review_due: unread.date("review_due", &self.review_due),
            report_number: self.report_number.clone(),
            report_place: self.report_place.clone(),
            signer_title: self.signer_title.clone(),
            signer_name: self.signer_name.clone(),
            unread,
        }
    }
}

async fn render_round_form(
    ctx: &Ctx,
    round: Option<&RoundAccess>,
    form: &RoundForm,
    again: Option<crate::routes::Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = crate::routes::shown(again);
    let errors = &errors;
    let user = ctx.user()?;
    let scope = user.scope(Permission::WriteReviews);
    let fixed_unit = round.map(|a| a.unit.path.clone());
    let unit_id: Option<i64> = form.unit_id.trim().parse().ok();
    let (find, chosen_lead) = (form.find.clone(), people::ids([&form.lead_id]));
    let (units, leads) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            // A lead is a reviewer (or an administrator) who reaches the
            // round's unit; before one is chosen, those who reach any unit
            // of the reader's are offered, and checked on save.
            let unit = fixed_unit.or_else(|| {
                let id = unit_id?;
                units.iter().find(|u| u.id == id).map(|u| u.path.clone())
            });
            let held = match unit {
                Some(p) => Held::Reaching(p),
                None => Held::Around(scope),
            };
            let pool = Pool::default().holding(held, &[Role::Reviewer, Role::Admin]);
            let leads = people::offer(conn, &pool, &pool, &find, &chosen_lead)?;
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
            "conflict": conflict,
            "version": form.version,
            "units": unit_options(&units, &form.unit_id),
            "leads": leads.options(std::slice::from_ref(&form.lead_id)),
            "people": leads.view(),
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
    render_round_form(&ctx, None, &form, None).await
}

pub(super) async fn create(ctx: Ctx, form: web::Form<RoundForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    if people::finding(&form.finding) {
        ctx.user()?.require_anywhere(Permission::WriteReviews)?;
        return render_round_form(&ctx, None, &form, None).await;
    }
    let input = form.input();
    let saved =
        crate::routes::call(&ctx, move |c, who| app::reviews::open_round(c, who, &input)).await?;
    let to = |r: &rdb::Round| format!("/reviews/{}", r.id);
    match after_form(&ctx, saved, to, |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => render_round_form(&ctx, None, &form, Some(again)).await,
    }
}

pub(super) async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    let form = RoundForm::of(&rdb::fields_of(&a.round), a.round.version);
    render_round_form(&ctx, Some(&a), &form, None).await
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
pub(super) async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<RoundForm>,
) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    let (rid, mut form) = (a.round.id, form.into_inner());
    if people::finding(&form.finding) {
        return render_round_form(&ctx, Some(&a), &form, None).await;
    }
    let (input, to) = (form.input(), format!("/reviews/{rid}"));
    let edited = crate::routes::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        app::reviews::edit_round(c, who, rid, version, &input)
    });
    match edited.await? {
        Ok(done) => Ok(done),
        Err(again) => render_round_form(&ctx, Some(&a), &form, Some(again)).await,
    }
}

// ---------------------------------------------------------------- tasks in a round

pub(super) async fn tasks_page(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<crate::routes::PageAsked>,
) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    if !matches!(a.status(), RoundStatus::Draft | RoundStatus::SelfAssessment) {
        return Err(AppError::Forbidden);
    }
    round_picker(&a)
        .render(&ctx, q.page, None, None, StatusCode::OK)
        .await
}

/// The tasks a round may hold, as its page offers them: its unit's
/// subtree's tasks of its year, with those already in it (tasks added
/// earlier from another year stay listed).
fn round_picker(a: &RoundAccess) -> Picker<impl Choices> {
    let (round, path) = (a.round.clone(), a.unit.path.clone());
    Picker {
        view: (
            "reviews/tasks",
            "review-tasks-title",
            "round",
            json!(a.round),
        ),
        choices: move |conn: &mut db::DbConnection| {
            let included = rdb::tasks_of(conn, round.id)?
                .into_iter()
                .map(|r| (r.rt.task_id, r.title, r.unit_name))
                .collect();
            Ok(chosen::offered_tasks(conn, &path, round.year, included)?)
        },
    }
}

pub(super) async fn save_tasks(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<TasksForm>,
) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    let (round, back) = (a.round.clone(), format!("/reviews/{}", a.round.id));
    let save = move |c: &mut db::DbConnection, ids: &[i64]| rdb::set_tasks(c, &round, ids);
    let frozen = "review-error-frozen";
    round_picker(&a)
        .save(&ctx, &form.0, &back, frozen, save)
        .await
}

// ---------------------------------------------------------------- choosing tasks

/// What a task picker offers: the tasks it may hold, and those held now.
pub(in crate::routes) trait Choices:
    Fn(&mut db::DbConnection) -> AppResult<(chosen::OfferedTasks, Vec<i64>)> + Clone + Send + 'static
{
}

impl<F> Choices for F where
    F: Fn(&mut db::DbConnection) -> AppResult<(chosen::OfferedTasks, Vec<i64>)>
        + Clone
        + Send
        + 'static
{
}

/// The page choosing the tasks a campaign or a round holds.
pub(in crate::routes) struct Picker<C> {
    /// The template, its title's key, and the record with the name the
    /// template reads it by.
    pub view: (&'static str, &'static str, &'static str, Value),
    pub choices: C,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::routes) struct TasksForm {
    task: Vec<String>,
    /// The tasks the page showed (those not ticked among them are taken
    /// out; those on other pages stay as they are). A form without them
    /// names the whole set.
    shown: Vec<String>,
    page: String,
}

/// Tasks a picker shows at a time: a province's year holds thousands.
const PICKER_PAGE: i64 = 100;

impl<C: Choices> Picker<C> {
    /// The page; `ticked` is what was just sent (the tasks held otherwise),
    /// `error` what was wrong with it.
    pub async fn render(
        &self,
        ctx: &Ctx,
        page: Option<i64>,
        ticked: Option<Vec<i64>>,
        error: Option<&str>,
        status: StatusCode,
    ) -> AppResult<HttpResponse> {
        let choices = self.choices.clone();
        let (offered, held) = ctx.db(move |conn| choices(conn)).await?;
        let ticked = ticked.unwrap_or(held);
        let page = crate::routes::Page::new(page, PICKER_PAGE);
        let (shown, total) = page.cut(offered);
        let rows: Vec<Value> = shown
            .iter()
            .map(|(id, title, unit)| {
                json!({"id": id, "title": title, "unit": unit, "checked": ticked.contains(id)})
            })
            .collect();
        let (template, title, name, record) = &self.view;
        let mut data = json!({
            "title": i18n::t(ctx.locale, title),
            "rows": rows,
            "error": error,
            "page": page.number,
            "pagination": page.view(total, &[]),
            "paged": total > PICKER_PAGE,
        });
        data[*name] = record.clone();
        ctx.render_status(status, template, data)
    }

    /// Saves the tasks ticked, all among those offered, with `save`; when
    /// it saves nothing (`None`) the record takes no more changes, which
    /// `frozen` says on the way back.
    pub async fn save(
        &self,
        ctx: &Ctx,
        form: &TasksForm,
        back: &str,
        frozen: &'static str,
        save: impl FnOnce(&mut db::DbConnection, &[i64]) -> diesel::QueryResult<Option<audit::Change>>
            + Send
            + 'static,
    ) -> AppResult<HttpResponse> {
        let mut e = FieldErrors::default();
        let ids = e.ids("task", &form.task);
        let shown = e.ids("shown", &form.shown);
        let page = form.page.trim().parse().ok();
        let (choices, ticked) = (self.choices.clone(), ids.clone());
        let saved = crate::routes::call(ctx, move |c, who| {
            if !e.is_empty() {
                return Err(Rejected::Invalid(e));
            }
            let offered = choices(c)?;
            app::chosen::hold_tasks(c, who, offered, (ticked, shown), frozen, save)
        })
        .await?;
        match saved {
            Ok(()) => Ok(ctx.saved(back)),
            Err(Rejected::Invalid(e)) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                self.render(ctx, page, Some(ids), e.get("task"), status)
                    .await
            }
            Err(Rejected::NotAllowed(frozen)) => {
                ctx.flash("error", frozen);
                Ok(ctx.redirect(back))
            }
            Err(other) => Err(other.into_app_error()),
        }
    }
}
