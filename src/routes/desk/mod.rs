//! The weekly duty desk: duties and their rota (with an iCalendar feed),
//! cases recorded on a shift, escalations, the citizen's feedback page that
//! opens without an account, and the periodic review.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod calendar;
mod feedback;
mod review;
mod shifts;

pub(super) use calendar::{calendar_feed, CalendarEvent, IcsQuery};

use super::{chosen, options, people, shown, Again};
use crate::app::desk::DutyInput;
pub(super) use crate::app::desk::{duty_access, Access, ShiftAccess, ROTA_WEEKS};
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::desk as ddb;
use crate::domain::access::Permission;
use crate::domain::desk::{Period, ShiftStatus};
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/desk", get().to(index))
        .route("/desk", post().to(create))
        .route("/desk/new", get().to(new))
        .route("/desk/escalations", get().to(shifts::escalations))
        .route("/desk/shifts/{id}", get().to(shifts::shift_page))
        .route("/desk/shifts/{id}/cases", post().to(shifts::add_case))
        .route("/desk/shifts/{id}/change", post().to(shifts::change_shift))
        .route("/desk/cases/{id}", get().to(shifts::case_page))
        .route("/desk/cases/{id}/answer", post().to(shifts::answer))
        .route("/desk/{id}", get().to(show))
        .route("/desk/{id}", post().to(update))
        .route("/desk/{id}/edit", get().to(edit))
        .route("/desk/{id}/generate", post().to(generate))
        .route("/desk/{id}/rota.ics", get().to(calendar::rota_ics))
        .route("/desk/{id}/review", get().to(review::review))
        .route("/desk/{id}/review.xlsx", get().to(review::review_xlsx))
        .route("/f/{token}", get().to(feedback::feedback_page))
        .route("/f/{token}", post().to(feedback::feedback_submit));
}

pub(super) use crate::i18n::named;

// ---------------------------------------------------------------- access

pub(super) async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| duty_access(conn, &user, id)).await
}

/// A use case's answer to a small form with no page of its own (a shift's
/// change, a round cancelled), as a flash and back to `back`: a refused
/// value flashes `invalid` (or its own message key), an edit made meanwhile
/// or a record no longer in that state "changed meanwhile".
pub(super) fn flash_after<T, C>(
    ctx: &Ctx,
    answer: Result<T, Rejected<C>>,
    invalid: Option<&str>,
    back: &str,
) -> AppResult<HttpResponse> {
    match answer {
        Ok(_) => return Ok(ctx.saved(back)),
        Err(Rejected::Invalid(e)) => {
            let own = e.iter().next().map_or(chosen::INVALID, |(_, key)| key);
            ctx.flash("error", invalid.unwrap_or(own));
        }
        Err(Rejected::Stale(_) | Rejected::NotAllowed(_)) => {
            ctx.flash("error", "error-conflict-saved");
        }
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(back))
}

// ---------------------------------------------------------------- duties

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let uid = user.id;
    let today = format::today();
    let scope = user.scope(Permission::View);
    let (duties, mine, asked_of_me) = ctx
        .db(move |conn| {
            let until = today + chrono::Duration::weeks(ROTA_WEEKS as i64);
            Ok((
                ddb::seen(conn, &scope)?,
                ddb::shifts_of_official(conn, uid, today, until)?,
                ddb::swaps_asked_of(conn, uid)?,
            ))
        })
        .await?;
    let mine: Vec<Value> = mine
        .into_iter()
        .map(|(s, duty, place)| json!({"s": s, "duty": duty, "place": place}))
        .collect();
    let asked: Vec<Value> = asked_of_me
        .into_iter()
        .map(|(s, duty, asker)| json!({"s": s, "duty": duty, "asker": asker}))
        .collect();
    let rows: Vec<Value> = duties
        .into_iter()
        .map(|(d, unit_name)| json!({"d": d, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "desk/index",
        json!({
            "title": i18n::t(ctx.locale, "desk-title"),
            "rows": rows,
            "mine": mine,
            "asked": asked,
            "can_create": user.can_anywhere(Permission::ManageTasks),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct DutyForm {
    pub unit_id: String,
    pub name: String,
    pub place: String,
    pub weekday: String,
    pub start_time: String,
    pub end_time: String,
    pub starts_on: String,
    pub active: Vec<String>,
    pub officials: Vec<String>,
    pub version: String,
    /// The officials picker's find field and its button (`people`).
    #[serde(skip_serializing)]
    pub find: String,
    #[serde(skip_serializing)]
    pub finding: String,
}

impl DutyForm {
    fn of(f: &ddb::DutyFields, version: i32) -> DutyForm {
        DutyForm {
            unit_id: f.unit_id.to_string(),
            name: f.name.clone(),
            place: f.place.clone(),
            weekday: f.weekday.to_string(),
            start_time: f.start_time.clone(),
            end_time: f.end_time.clone(),
            starts_on: format::date(f.starts_on),
            active: vec![if f.active { "1" } else { "0" }.into()],
            officials: f.officials.iter().map(ToString::to_string).collect(),
            version: version.to_string(),
            ..Default::default()
        }
    }
}

impl super::EditForm for DutyForm {
    type Now = app::desk::DutyNow;
    const LABELS: &'static str = "desk-";

    fn saved_now(now: &app::desk::DutyNow) -> DutyForm {
        DutyForm::of(&now.fields, now.duty.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }

    fn conflict(&mut self, theirs: &DutyForm, _now: &app::desk::DutyNow) -> Value {
        // The box sends its hidden "0" before a ticked "1": the last counts.
        self.active = self.active.last().cloned().into_iter().collect();
        super::conflict_view(self, theirs, Self::LABELS)
    }
}

impl DutyForm {
    /// The typed duty; numbers, dates and ids written wrong are kept as unread.
    pub(super) fn input(&self) -> DutyInput {
        let mut unread = FieldErrors::default();
        let unit_id = unread.typed_id("unit_id", &self.unit_id);
        let weekday = unread.number("weekday", &self.weekday);
        let starts_on = unread.date("starts_on", &self.starts_on);
        let officials = self
            .officials
            .iter()
            .filter_map(|o| match o.trim().parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    unread.add("officials", chosen::INVALID);
                    None
                }
            })
            .collect();
        DutyInput {
            unit_id,
            name: self.name.clone(),
            place: self.place.clone(),
            weekday,
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            starts_on,
            active: self.active.last().is_none_or(|v| v == "1"),
            officials,
            unread,
        }
    }
}

async fn render_duty_form(
    ctx: &Ctx,
    existing: Option<&Access>,
    form: &DutyForm,
    again: Option<Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = shown(again);
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let fixed = existing.map(|a| a.unit.path.clone());
    let (unit_id, find) = (form.unit_id.clone(), form.find.clone());
    let chosen_people = people::ids(&form.officials);
    // Officials reach the duty's unit.
    let (units, offered) = ctx
        .db(move |c| {
            Ok(people::for_unit_record(
                c,
                &scope,
                fixed,
                &unit_id,
                &find,
                &chosen_people,
            )?)
        })
        .await?;
    let locale = ctx.locale;
    // Officials already chosen come first, in turn order, then everyone else.
    let place = |id: &i64| {
        let id = id.to_string();
        let turn = form.officials.iter().position(|c| *c == id);
        turn.unwrap_or(usize::MAX)
    };
    let mut listed = offered.people().to_vec();
    listed.sort_by_key(|(id, _, _)| place(id));
    let official_options = people::options_of(&listed, &form.officials);
    ctx.render_status(
        status,
        "desk/form",
        json!({
            "title": i18n::t(locale, if existing.is_some() { "desk-edit-title" } else { "desk-new-title" }),
            "action": existing.map_or("/desk".to_string(), |a| format!("/desk/{}", a.duty.id)),
            "existing": existing.map(|a| json!({"unit_name": a.unit.name})),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "active": form.active.last().is_none_or(|v| v == "1"),
            "units": super::unit_options(&units, &form.unit_id),
            "weekdays": options((1..=7).map(|d| (d.to_string(), i18n::t(locale, &format!("weekday-{d}")))), &form.weekday),
            "official_options": official_options,
            "people": offered.view(),
            "conflict": conflict,
        }),
    )
}

async fn new(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    let form = DutyForm {
        name: i18n::t(ctx.locale, "desk-default-name"),
        weekday: "2".into(),
        start_time: "07:30".into(),
        end_time: "11:30".into(),
        starts_on: format::date(format::today()),
        ..Default::default()
    };
    render_duty_form(&ctx, None, &form, None).await
}

async fn create(ctx: Ctx, form: super::HtmlForm<DutyForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    if people::finding(&form.finding) {
        ctx.user()?.require_anywhere(Permission::ManageTasks)?;
        return render_duty_form(&ctx, None, &form, None).await;
    }
    let input = form.input();
    let saved = super::call(&ctx, move |c, who| app::desk::set_up(c, who, &input)).await?;
    match super::after_form(&ctx, saved, |d| format!("/desk/{}", d.id), |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => render_duty_form(&ctx, None, &form, Some(again)).await,
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = super::allowed(load(&ctx, *id).await?, |a| a.manage)?;
    let d = a.duty.clone();
    let fields = ctx.db(move |conn| Ok(ddb::fields_of(conn, &d)?)).await?;
    let form = DutyForm::of(&fields, a.duty.version);
    render_duty_form(&ctx, Some(&a), &form, None).await
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<DutyForm>,
) -> AppResult<HttpResponse> {
    let (did, mut form) = (*id, form.0);
    if people::finding(&form.finding) {
        let a = super::allowed(load(&ctx, did).await?, |a| a.manage)?;
        return render_duty_form(&ctx, Some(&a), &form, None).await;
    }
    let (input, to) = (form.input(), format!("/desk/{did}"));
    let edited = super::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        app::desk::edit(c, who, did, version, &input)
    });
    let again = match edited.await? {
        Ok(done) => return Ok(done),
        Err(again) => again,
    };
    let a = load(&ctx, did).await?;
    render_duty_form(&ctx, Some(&a), &form, Some(again)).await
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let today = format::today();
    let did = a.duty.id;
    let (past, coming, swaps) = ctx
        .db(move |conn| {
            Ok((
                ddb::shifts(
                    conn,
                    did,
                    today - chrono::Duration::weeks(ROTA_WEEKS as i64),
                    today - chrono::Duration::days(1),
                )?,
                ddb::shifts(
                    conn,
                    did,
                    today,
                    today + chrono::Duration::weeks(ROTA_WEEKS as i64),
                )?,
                ddb::swap_requests(conn, did)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let name = |id: Option<i64>| {
        a.officials
            .iter()
            .find(|(o, _)| Some(*o) == id)
            .map(|(_, n)| n.clone())
    };
    let swaps: Vec<Value> = swaps
        .iter()
        .map(|r| json!({"shift": r.shift, "official_name": r.official_name, "colleague": name(r.shift.swap_with)}))
        .collect();
    let periods: Vec<Value> = Period::offered(a.duty.starts_on, today)
        .into_iter()
        .map(|p| json!({"code": p.code(), "label": period_label(locale, p)}))
        .collect();
    ctx.render(
        "desk/show",
        json!({
            "title": a.duty.name,
            "d": a.duty,
            "unit": a.unit,
            "weekday": i18n::t(locale, &format!("weekday-{}", a.duty.weekday)),
            "officials": a.officials.iter().map(|(_, n)| n).collect::<Vec<_>>(),
            "manage": a.manage,
            "past": shift_rows(past.iter().rev(), today),
            "coming": shift_rows(coming.iter(), today),
            "swaps": if a.manage { swaps } else { vec![] },
            "ics": format!("{}/desk/{}/rota.ics?key={}", ctx.origin, did, ctx.state.links.sign("rota", did)),
            "periods": periods,
        }),
    )
}

/// Shifts as the rota's tables show them: each with the status it shows
/// today (a planned shift whose day passed was missed).
fn shift_rows<'a>(
    rows: impl Iterator<Item = &'a ddb::ShiftRow>,
    today: chrono::NaiveDate,
) -> Vec<Value> {
    rows.map(|r| {
        let status = ShiftStatus::shown(&r.shift.status, r.shift.on_date, today);
        json!({"shift": r.shift, "official_name": r.official_name, "cases": r.cases, "status": status.as_str()})
    })
    .collect()
}

pub(super) fn period_label(locale: Locale, p: Period) -> String {
    match p {
        Period::FirstMonth => i18n::t(locale, "period-first-month"),
        Period::FirstSixMonths => i18n::t(locale, "period-first-six-months"),
        Period::Quarter(y, q) => i18n::t_args(
            locale,
            "period-quarter",
            &[("q", q.to_string()), ("year", y.to_string())],
        ),
    }
}

async fn generate(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let did = *id;
    super::call(&ctx, move |c, who| app::desk::plan_rota(c, who, did))
        .await?
        .map_err(Rejected::into_app_error)?;
    ctx.flash("success", "desk-rota-generated");
    Ok(ctx.redirect(&format!("/desk/{did}")))
}
