//! The weekly duty desk: duties and their rota (with an iCalendar feed),
//! cases recorded on a shift, escalations, the citizen's feedback page that
//! opens without an account, and the periodic review.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{chosen, options};
pub(super) use crate::app::desk::{duty_access, shift_access, Access, ShiftAccess, ROTA_WEEKS};
use crate::app::desk::{AnswerInput, CaseInput, DutyInput};
use crate::app::{self, Rejected, Version};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, desk as ddb};
use crate::domain::access::Permission;
use crate::domain::desk::{self, Outcome, Period, Rating, ShiftStatus};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::domain::units::depth;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/desk", web::get().to(index))
        .route("/desk", web::post().to(create))
        .route("/desk/new", web::get().to(new))
        .route("/desk/escalations", web::get().to(escalations))
        .route("/desk/shifts/{id}", web::get().to(shift_page))
        .route("/desk/shifts/{id}/cases", web::post().to(add_case))
        .route("/desk/shifts/{id}/change", web::post().to(change_shift))
        .route("/desk/cases/{id}", web::get().to(case_page))
        .route("/desk/cases/{id}/answer", web::post().to(answer))
        .route("/desk/{id}", web::get().to(show))
        .route("/desk/{id}", web::post().to(update))
        .route("/desk/{id}/edit", web::get().to(edit))
        .route("/desk/{id}/generate", web::post().to(generate))
        .route("/desk/{id}/rota.ics", web::get().to(rota_ics))
        .route("/desk/{id}/review", web::get().to(review))
        .route("/desk/{id}/review.xlsx", web::get().to(review_xlsx))
        .route("/f/{token}", web::get().to(feedback_page))
        .route("/f/{token}", web::post().to(feedback_submit));
}

fn named(locale: Locale, vi: &str, en: &str) -> String {
    match locale {
        Locale::En if !en.trim().is_empty() => en.to_string(),
        _ => vi.to_string(),
    }
}

// ---------------------------------------------------------------- access

async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| duty_access(conn, &user, id)).await
}

// ---------------------------------------------------------------- duties

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let uid = user.id;
    let today = format::today();
    let (duties, mine) = ctx
        .db(move |conn| {
            let duties = ddb::all(conn)?;
            let mut mine = Vec::new();
            for (d, _, _) in &duties {
                for s in ddb::shifts(
                    conn,
                    d.id,
                    today,
                    today + chrono::Duration::weeks(ROTA_WEEKS as i64),
                )? {
                    if s.shift.official_id == uid {
                        mine.push(json!({"s": s.shift, "duty": d.name, "place": d.place}));
                    }
                }
            }
            Ok((duties, mine))
        })
        .await?;
    let rows: Vec<Value> = duties
        .into_iter()
        .filter(|(_, _, path)| user.can(Permission::View, path))
        .map(|(d, unit_name, _)| json!({"d": d, "unit_name": unit_name}))
        .collect();
    ctx.render(
        "desk/index",
        json!({
            "title": i18n::t(ctx.locale, "desk-title"),
            "rows": rows,
            "mine": mine,
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
        }
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
    status: StatusCode,
    existing: Option<&Access>,
    form: &DutyForm,
    errors: &FieldErrors,
    conflict: Option<Value>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let fixed = existing.map(|a| a.unit.path.clone());
    let (units, people) = ctx
        .db(move |conn| {
            let units = db::units::tree(conn, &scope, false)?;
            let people = match &fixed {
                Some(p) => db::users::reaching(conn, p)?,
                None => db::users::in_scope(conn, &scope)?,
            };
            Ok((units, people))
        })
        .await?;
    let locale = ctx.locale;
    // Officials already chosen come first, in turn order, then everyone else.
    let chosen: Vec<String> = form.officials.clone();
    let mut official_options: Vec<Value> = chosen
        .iter()
        .filter_map(|c| people.iter().find(|(id, _, _)| id.to_string() == *c))
        .map(|(id, u, n)| json!({"value": id.to_string(), "label": format!("{n} ({u})"), "selected": true}))
        .collect();
    official_options.extend(
        people
            .iter()
            .filter(|(id, _, _)| !chosen.contains(&id.to_string()))
            .map(|(id, u, n)| json!({"value": id.to_string(), "label": format!("{n} ({u})"), "selected": false})),
    );
    ctx.render_status(
        status,
        "desk/form",
        json!({
            "title": i18n::t(locale, if existing.is_some() { "desk-edit-title" } else { "desk-new-title" }),
            "action": existing.map_or("/desk".to_string(), |a| format!("/desk/{}", a.duty.id)),
            "existing": existing.map(|a| json!({"unit_name": a.unit.name})),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "active": form.active.last().is_none_or(|v| v == "1"),
            "units": options(units.iter().map(|u| (u.id.to_string(), format!("{}{}", "— ".repeat(depth(&u.path)), u.name))), &form.unit_id),
            "weekdays": options((1..=7).map(|d| (d.to_string(), i18n::t(locale, &format!("weekday-{d}")))), &form.weekday),
            "official_options": official_options,
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
    render_duty_form(
        &ctx,
        StatusCode::OK,
        None,
        &form,
        &FieldErrors::default(),
        None,
    )
    .await
}

async fn create(ctx: Ctx, form: super::HtmlForm<DutyForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::desk::set_up(c, &user, &actor, &input)))
        .await?;
    match saved {
        Ok(duty) => {
            ctx.flash("success", "flash-saved");
            Ok(ctx.redirect(&format!("/desk/{}", duty.id)))
        }
        Err(Rejected::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_duty_form(&ctx, status, None, &form, &e, None).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    if !a.manage {
        return Err(AppError::Forbidden);
    }
    let d = a.duty.clone();
    let fields = ctx.db(move |conn| Ok(ddb::fields_of(conn, &d)?)).await?;
    let form = DutyForm::of(&fields, a.duty.version);
    render_duty_form(
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
    form: super::HtmlForm<DutyForm>,
) -> AppResult<HttpResponse> {
    let (did, mut form) = (*id, form.0);
    let version = Version::of_form(&form.version);
    if version == Version::Missing {
        return Err(AppError::BadRequest("version missing".into()));
    }
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let saved = ctx
        .db(move |c| Ok(app::desk::edit(c, &user, &actor, did, version, &input)))
        .await?;
    let (errors, conflict) = match saved {
        Ok(_) => {
            ctx.flash("success", "flash-saved");
            return Ok(ctx.redirect(&format!("/desk/{did}")));
        }
        Err(Rejected::Invalid(e)) => (e, None),
        Err(Rejected::Stale(now)) => {
            let theirs = DutyForm::of(&now.fields, now.duty.version);
            form.version = now.duty.version.to_string();
            // The box sends its hidden "0" before a ticked "1": the last counts.
            form.active = form.active.last().cloned().into_iter().collect();
            let view = super::conflict_view(&form, &theirs, "desk-");
            (FieldErrors::default(), Some(view))
        }
        Err(other) => return Err(other.into_app_error()),
    };
    let a = load(&ctx, did).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_duty_form(&ctx, status, Some(&a), &form, &errors, conflict).await
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
            "past": past.iter().rev().collect::<Vec<_>>(),
            "coming": coming,
            "swaps": if a.manage { swaps } else { vec![] },
            "ics": format!("{}/desk/{}/rota.ics?key={}", ctx.origin, did, ctx.state.links.sign("rota", did)),
            "periods": periods,
        }),
    )
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
    let a = load(&ctx, *id).await?;
    if !a.manage {
        return Err(AppError::Forbidden);
    }
    let (actor, d, today) = (ctx.actor(), a.duty.clone(), format::today());
    ctx.db(move |conn| {
        audit::write_if(conn, &actor, |c| {
            let (_, change) = ddb::generate(c, &d, today, ROTA_WEEKS)?;
            Ok(((), change))
        })
    })
    .await?;
    ctx.flash("success", "desk-rota-generated");
    Ok(ctx.redirect(&format!("/desk/{}", a.duty.id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct IcsQuery {
    pub key: String,
}

/// The rota as an iCalendar feed that calendar apps subscribe to: the link
/// carries its own key, as they cannot log in.
async fn rota_ics(
    state: web::Data<crate::state::AppState>,
    id: web::Path<i64>,
    q: web::Query<IcsQuery>,
) -> AppResult<HttpResponse> {
    if state.links.verify("rota", &q.key) != Some(*id) {
        return Err(AppError::NotFound);
    }
    let did = *id;
    let today = format::today();
    let (duty, shifts) = db::run(&state.pool, move |conn| {
        let duty = ddb::find(conn, did)?;
        let shifts = ddb::shifts(
            conn,
            did,
            today - chrono::Duration::weeks(4),
            today + chrono::Duration::weeks(ROTA_WEEKS as i64),
        )?;
        Ok((duty, shifts))
    })
    .await?;
    let events: Vec<CalendarEvent> = shifts
        .iter()
        .filter(|s| s.shift.status != ShiftStatus::Cancelled.as_str())
        .map(|s| CalendarEvent {
            uid: format!("desk-shift-{}@danvan", s.shift.id),
            summary: format!("{} — {}", duty.name, s.official_name),
            location: duty.place.clone(),
            date: s.shift.on_date,
            start: duty.start_time.clone(),
            end: duty.end_time.clone(),
        })
        .collect();
    Ok(calendar_feed(&duty.name, &events))
}

/// One event of a calendar feed, in Vietnam's local time.
pub(super) struct CalendarEvent {
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub date: NaiveDate,
    /// `HH:MM`
    pub start: String,
    pub end: String,
}

/// An iCalendar feed of `events`, times given in UTC.
pub(super) fn calendar_feed(name: &str, events: &[CalendarEvent]) -> HttpResponse {
    use icalendar::{Calendar, Component, Event, EventLike};
    let vietnam = format::vietnam();
    let at = |date: NaiveDate, time: &str| {
        desk::parse_time(time)
            .map(|t| date.and_time(t))
            .and_then(|local| local.and_local_timezone(vietnam).single())
            .map(|dt| dt.with_timezone(&chrono::Utc))
    };
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let (Some(start), Some(end)) = (at(e.date, &e.start), at(e.date, &e.end)) else {
            continue;
        };
        cal.push(
            Event::new()
                .uid(&e.uid)
                .summary(&e.summary)
                .location(&e.location)
                .starts(start)
                .ends(end)
                .done(),
        );
    }
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(cal.done().to_string())
}

// ---------------------------------------------------------------- shifts and cases

async fn load_shift(ctx: &Ctx, id: i64) -> AppResult<ShiftAccess> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| shift_access(conn, &user, id)).await
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct CaseForm {
    pub procedure_id: String,
    pub citizen_name: String,
    pub priority_groups: Vec<String>,
    pub note: String,
    pub outcome: String,
    pub escalated_to: String,
    pub due_on: String,
}

impl CaseForm {
    /// The typed case; a day or an id written wrong is kept as unread.
    pub(super) fn input(&self) -> CaseInput {
        let mut unread = FieldErrors::default();
        let procedure_id = unread.typed_id("procedure_id", &self.procedure_id);
        CaseInput {
            procedure_id,
            citizen_name: self.citizen_name.clone(),
            priority_groups: self.priority_groups.clone(),
            note: self.note.clone(),
            outcome: self.outcome.clone(),
            escalated_to: self.escalated_to.clone(),
            due_on: unread.date("due_on", &self.due_on),
            unread,
        }
    }
}

async fn shift_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let sa = load_shift(&ctx, *id).await?;
    render_shift(
        &ctx,
        sa,
        &CaseForm::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_shift(
    ctx: &Ctx,
    sa: ShiftAccess,
    form: &CaseForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let sid = sa.shift.id;
    let oid = sa.shift.official_id;
    let (cases, procedures, official) = ctx
        .db(move |conn| {
            Ok((
                ddb::cases_of_shift(conn, sid)?,
                db::lists::desk_procedures::all(conn)?,
                db::users::find(conn, oid)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    ctx.render_status(
        status,
        "desk/shift",
        json!({
            "title": format!("{} · {}", sa.a.duty.name, format::date(sa.shift.on_date)),
            "d": sa.a.duty,
            "s": sa.shift,
            "official": official.full_name,
            "records": sa.records,
            "manage": sa.a.manage,
            "is_official": sa.shift.official_id == user.id,
            "case_count": cases.len(),
            "cases": cases.iter().map(|c| json!({"c": c.case, "procedure": named(locale, &c.procedure_vi, &c.procedure_en), "answered": c.answered})).collect::<Vec<_>>(),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "procedures": options(procedures.iter().filter(|p| p.active).map(|p| (p.id.to_string(), named(locale, &p.name_vi, &p.name_en))), &form.procedure_id),
            "outcomes": options(Outcome::ALL.iter().map(|o| (o.as_str().to_string(), i18n::t(locale, &format!("outcome-desk-{}", o.as_str())))), &form.outcome),
            "priority_options": PriorityGroup::ALL.iter().map(|g| json!({"value": g.as_str(), "label": i18n::t(locale, &format!("priority-{}", g.as_str())), "checked": form.priority_groups.iter().any(|x| x == g.as_str())})).collect::<Vec<_>>(),
            "people": options(sa.a.officials.iter().filter(|(id, _)| sa.assignable.contains(id)).map(|(id, n)| (id.to_string(), n.clone())), ""),
            "statuses": [ShiftStatus::Held.as_str(), ShiftStatus::Cancelled.as_str()],
        }),
    )
}

async fn add_case(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<CaseForm>,
) -> AppResult<HttpResponse> {
    let (sid, form) = (*id, form.0);
    let (input, user, actor) = (form.input(), ctx.user()?.clone(), ctx.actor());
    let recorded = ctx
        .db(move |c| Ok(app::desk::record_case(c, &user, &actor, sid, &input)))
        .await?;
    match recorded {
        Ok(case) => {
            ctx.flash("success", "flash-saved");
            // The case page shows the citizen the feedback QR code.
            Ok(ctx.redirect(&format!("/desk/cases/{}", case.id)))
        }
        Err(Rejected::Invalid(e)) => {
            let sa = load_shift(&ctx, sid).await?;
            render_shift(&ctx, sa, &form, &e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ShiftForm {
    pub action: String,
    pub official_id: String,
    pub reason: String,
    pub status: String,
    pub version: String,
}

/// The change a shift form asks for, if the reader may make it: a manager
/// assigns one of the duty's officials; the official on duty asks for a swap
/// with a reason; whoever records cases marks it held or cancelled. The
/// inner error is the message key of a refused value.
pub(super) fn shift_change(
    sa: &ShiftAccess,
    user: &CurrentUser,
    form: &ShiftForm,
) -> AppResult<Result<ddb::ShiftChange, &'static str>> {
    Ok(Ok(match form.action.as_str() {
        "assign" if sa.a.manage => {
            let mut e = FieldErrors::default();
            let id = e.id("official_id", &form.official_id);
            let Some(official) =
                chosen::one(&mut e, "official_id", id, id, |o| sa.assignable.contains(o))
            else {
                return Ok(Err(chosen::INVALID));
            };
            ddb::ShiftChange::Assign(official)
        }
        "swap" if sa.shift.official_id == user.id => {
            let reason = form.reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Ok(Err("desk-error-swap-reason"));
            }
            ddb::ShiftChange::RequestSwap(user.id, reason.to_string())
        }
        "status" if sa.records => {
            let Some(status) =
                ShiftStatus::parse(&form.status).filter(|s| *s != ShiftStatus::Planned)
            else {
                return Ok(Err("error-invalid-choice"));
            };
            ddb::ShiftChange::Status(status, form.reason.trim().chars().take(500).collect())
        }
        "assign" | "swap" | "status" => return Err(AppError::Forbidden),
        _ => return Err(AppError::BadRequest("unknown action".into())),
    }))
}

async fn change_shift(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ShiftForm>,
) -> AppResult<HttpResponse> {
    let sa = load_shift(&ctx, *id).await?;
    let user = ctx.user()?;
    let back = format!("/desk/shifts/{}", sa.shift.id);
    let Ok(version) = form.version.parse::<i32>() else {
        return Err(AppError::BadRequest("version missing".into()));
    };
    let change = match shift_change(&sa, user, &form)? {
        Ok(change) => change,
        Err(key) => {
            ctx.flash("error", key);
            return Ok(ctx.redirect(&back));
        }
    };
    let (actor, shift, unit) = (ctx.actor(), sa.shift.clone(), sa.a.unit.id);
    let saved = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let ch = ddb::change_shift(c, &shift, version, unit, &change)?;
                Ok((ch.is_some(), ch))
            })
        })
        .await?;
    if saved {
        ctx.flash("success", "flash-saved");
    } else {
        ctx.flash("error", "error-conflict-saved");
    }
    Ok(ctx.redirect(&back))
}

async fn case_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (form, errors) = (AnswerForm::default(), FieldErrors::default());
    render_case(&ctx, *id, &form, &errors, StatusCode::OK).await
}

/// A case with its feedback link, and the answer form as typed.
async fn render_case(
    ctx: &Ctx,
    cid: i64,
    form: &AnswerForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let case = ctx.db(move |conn| Ok(ddb::find_case(conn, cid)?)).await?;
    let sa = load_shift(ctx, case.shift_id).await?;
    let pid = case.procedure_id;
    let (procedure, feedback) = ctx
        .db(move |conn| {
            Ok((
                db::lists::desk_procedures::find(conn, pid)?,
                ddb::feedback_of(conn, cid)?,
            ))
        })
        .await?;
    let link = format!("{}/f/{}", ctx.origin, ctx.state.links.sign("feedback", cid));
    let qr = qrcode::QrCode::new(link.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build()
        })
        // Inline in HTML, an SVG has no XML declaration.
        .map(|svg| match svg.find("<svg") {
            Some(start) => svg[start..].to_string(),
            None => svg,
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let locale = ctx.locale;
    let today = format::today();
    ctx.render_status(
        status,
        "desk/case",
        json!({
            "title": i18n::t(locale, "desk-case-title"),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "c": case,
            "d": sa.a.duty,
            "s": sa.shift,
            "procedure": procedure.map(|p| named(locale, &p.name_vi, &p.name_en)),
            "groups": case.priority_groups.split(',').filter(|g| !g.is_empty()).map(|g| i18n::t(locale, &format!("priority-{g}"))).collect::<Vec<_>>(),
            "link": link,
            "qr": qr,
            "expires": format::date(case.feedback_expires_on),
            "link_open": case.feedback_expires_on >= today && feedback.is_none(),
            "feedback": feedback,
            "can_answer": sa.records && case.outcome == Outcome::Escalated.as_str() && case.answered_on.is_none(),
            "overdue": desk::case_overdue(case.answered_on, case.due_on, today),
        }),
    )
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub(super) struct AnswerForm {
    pub answered_on: String,
    pub answer: String,
}

async fn answer(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<AnswerForm>,
) -> AppResult<HttpResponse> {
    let cid = *id;
    let mut unread = FieldErrors::default();
    let answered_on = unread.date("answered_on", &form.answered_on);
    let input = AnswerInput {
        answer: form.answer.clone(),
        answered_on,
        unread,
    };
    let (user, actor) = (ctx.user()?.clone(), ctx.actor());
    let answered = ctx
        .db(move |c| Ok(app::desk::answer_case(c, &user, &actor, cid, &input)))
        .await?;
    match answered {
        Ok(()) | Err(Rejected::NotAllowed(_)) => ctx.flash("success", "flash-saved"),
        Err(Rejected::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_case(&ctx, cid, &form, &e, status).await;
        }
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&format!("/desk/cases/{cid}")))
}

async fn escalations(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let duties = ctx.db(|conn| Ok(ddb::all(conn)?)).await?;
    let ids: Vec<i64> = duties
        .iter()
        .filter(|(_, _, path)| user.can(Permission::View, path))
        .map(|(d, _, _)| d.id)
        .collect();
    let rows = ctx
        .db(move |conn| Ok(ddb::escalations(conn, &ids, false)?))
        .await?;
    let today = format::today();
    ctx.render(
        "desk/escalations",
        json!({
            "title": i18n::t(ctx.locale, "desk-escalations-title"),
            "rows": rows.iter().map(|(c, on, duty)| json!({
                "c": c, "on": on, "duty": duty,
                "overdue": desk::case_overdue(c.answered_on, c.due_on, today),
            })).collect::<Vec<_>>(),
        }),
    )
}

// ---------------------------------------------------------------- periodic review

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewQuery {
    period: String,
}

/// The figures of a duty over a period, as the page and the export show them.
struct ReviewTables {
    label: String,
    from: NaiveDate,
    to: NaiveDate,
    planned: i64,
    held: i64,
    cancelled: i64,
    /// (procedure, outcome counts in `Outcome::ALL` order, total)
    by_procedure: Vec<(String, Vec<i64>, i64)>,
    escalations_open: i64,
    escalations_closed: i64,
    ratings: Vec<(Rating, i64)>,
    satisfaction: Option<i64>,
}

async fn review_tables(ctx: &Ctx, a: &Access, period: &str) -> AppResult<ReviewTables> {
    let p = Period::parse(period).unwrap_or(Period::FirstMonth);
    let (from, to) = p.range(a.duty.starts_on);
    let did = a.duty.id;
    let (s, procedures) = ctx
        .db(move |conn| {
            Ok((
                ddb::summary(conn, did, from, to)?,
                db::lists::desk_procedures::all(conn)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let count = |status: ShiftStatus| -> i64 {
        s.shifts
            .iter()
            .filter(|(x, _)| x == status.as_str())
            .map(|(_, n)| n)
            .sum()
    };
    let by_procedure = procedures
        .iter()
        .map(|p| {
            let counts: Vec<i64> = Outcome::ALL
                .iter()
                .map(|o| {
                    s.cases
                        .iter()
                        .filter(|(pid, out, _)| *pid == p.id && out == o.as_str())
                        .map(|(_, _, n)| n)
                        .sum()
                })
                .collect();
            let total = counts.iter().sum();
            (named(locale, &p.name_vi, &p.name_en), counts, total)
        })
        .filter(|(_, _, total)| *total > 0)
        .collect();
    let ratings: Vec<(Rating, i64)> = Rating::ALL
        .iter()
        .map(|r| {
            (
                *r,
                s.ratings
                    .iter()
                    .filter(|(x, _)| x == r.as_str())
                    .map(|(_, n)| n)
                    .sum(),
            )
        })
        .collect();
    let (planned, held, cancelled) = (
        count(ShiftStatus::Planned),
        count(ShiftStatus::Held),
        count(ShiftStatus::Cancelled),
    );
    Ok(ReviewTables {
        label: period_label(locale, p),
        from,
        to,
        planned: planned + held + cancelled,
        held,
        cancelled,
        by_procedure,
        escalations_open: s.escalations_open,
        escalations_closed: s.escalations_closed,
        satisfaction: desk::satisfaction_percent(ratings[0].1, ratings[1].1, ratings[2].1),
        ratings,
    })
}

async fn review(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ReviewQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = review_tables(&ctx, &a, &q.period).await?;
    let locale = ctx.locale;
    let today = format::today();
    ctx.render(
        "desk/review",
        json!({
            "title": i18n::t(locale, "desk-review-title"),
            "d": a.duty,
            "period": q.period,
            "label": t.label,
            "from": t.from,
            "to": t.to,
            "planned": t.planned,
            "held": t.held,
            "cancelled": t.cancelled,
            "outcomes": Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "by_procedure": t.by_procedure.iter().map(|(n, c, total)| json!({"name": n, "counts": c, "total": total})).collect::<Vec<_>>(),
            "escalations_open": t.escalations_open,
            "escalations_closed": t.escalations_closed,
            "ratings": t.ratings.iter().map(|(r, n)| json!({"rating": r.as_str(), "n": n})).collect::<Vec<_>>(),
            "satisfaction": t.satisfaction.map(|p| format!("{p}%")),
            "periods": Period::offered(a.duty.starts_on, today).into_iter().map(|p| json!({"code": p.code(), "label": period_label(locale, p), "selected": p.code() == q.period})).collect::<Vec<_>>(),
        }),
    )
}

async fn review_xlsx(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ReviewQuery>,
) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let t = review_tables(&ctx, &a, &q.period).await?;
    let locale = ctx.locale;
    let tr = |k: &str| i18n::t(locale, k);
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    let title = format!(
        "{} — {} ({} – {})",
        a.duty.name,
        t.label,
        format::date(t.from),
        format::date(t.to)
    );
    let top = super::export::title_rows(sheet, locale, &title, "")?;
    let facts = [
        (tr("desk-shifts-planned"), t.planned),
        (tr("desk-shifts-held"), t.held),
        (tr("desk-shifts-cancelled"), t.cancelled),
        (tr("desk-escalations-open"), t.escalations_open),
        (tr("desk-escalations-closed"), t.escalations_closed),
    ];
    let mut r = top;
    for (label, n) in facts {
        sheet.write_string(r, 0, label).map_err(fail)?;
        sheet.write_number(r, 1, n as f64).map_err(fail)?;
        r += 1;
    }
    for (rating, n) in &t.ratings {
        sheet
            .write_string(r, 0, tr(&format!("rating-desk-{}", rating.as_str())))
            .map_err(fail)?;
        sheet.write_number(r, 1, *n as f64).map_err(fail)?;
        r += 1;
    }
    sheet
        .write_string(r, 0, tr("desk-satisfaction"))
        .map_err(fail)?;
    if let Some(p) = t.satisfaction {
        // A number the spreadsheet can add up, shown as a percentage.
        let percent = rust_xlsxwriter::Format::new().set_num_format("0%");
        sheet
            .write_number_with_format(r, 1, p as f64 / 100.0, &percent)
            .map_err(fail)?;
    }
    r += 2;
    sheet
        .write_string_with_format(r, 0, tr("desk-procedure"), &bold)
        .map_err(fail)?;
    for (i, o) in Outcome::ALL.iter().enumerate() {
        sheet
            .write_string_with_format(
                r,
                i as u16 + 1,
                tr(&format!("outcome-desk-{}", o.as_str())),
                &bold,
            )
            .map_err(fail)?;
    }
    sheet
        .write_string_with_format(
            r,
            Outcome::ALL.len() as u16 + 1,
            tr("campaign-total"),
            &bold,
        )
        .map_err(fail)?;
    for (name, counts, total) in &t.by_procedure {
        r += 1;
        sheet.write_string(r, 0, name).map_err(fail)?;
        for (i, n) in counts.iter().enumerate() {
            sheet
                .write_number(r, i as u16 + 1, *n as f64)
                .map_err(fail)?;
        }
        sheet
            .write_number(r, counts.len() as u16 + 1, *total as f64)
            .map_err(fail)?;
    }
    super::export::fit(sheet)?;
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(super::export::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!(
            "so-lieu-truc-{}-{}.xlsx",
            a.duty.id,
            Period::parse(&q.period)
                .unwrap_or(Period::FirstMonth)
                .code()
        ),
        bytes,
    ))
}

// ---------------------------------------------------------------- public feedback

/// What the citizen's page may show: the unit, the day and the procedure —
/// never the citizen's name, groups or the official's note.
struct PublicCase {
    case: ddb::Case,
    unit_name: String,
    on_date: NaiveDate,
    procedure: String,
    answered: bool,
}

async fn public_case(ctx: &Ctx, token: &str) -> AppResult<Option<PublicCase>> {
    let Some(cid) = ctx.state.links.verify("feedback", token) else {
        return Ok(None);
    };
    let locale = ctx.locale;
    ctx.db(move |conn| {
        let case = match ddb::find_case(conn, cid) {
            Ok(c) => c,
            Err(diesel::result::Error::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let shift = ddb::find_shift(conn, case.shift_id)?;
        let duty = ddb::find(conn, shift.duty_id)?;
        let unit = db::units::find(conn, duty.unit_id)?;
        let procedure = db::lists::desk_procedures::find(conn, case.procedure_id)?
            .map(|p| named(locale, &p.name_vi, &p.name_en))
            .unwrap_or_default();
        let answered = ddb::feedback_of(conn, cid)?.is_some();
        Ok(Some(PublicCase {
            case,
            unit_name: unit.name,
            on_date: shift.on_date,
            procedure,
            answered,
        }))
    })
    .await
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct FeedbackForm {
    rating: String,
    attitude: String,
    clarity: String,
    time_taken: String,
    comment: String,
}

async fn render_feedback(
    ctx: &Ctx,
    status: StatusCode,
    token: &str,
    state: &str,
    case: Option<&PublicCase>,
    form: &FeedbackForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    let aspect = |name: &str, value: &str| {
        json!({"name": name, "label": format!("feedback-{}", name.replace('_', "-")),
               "options": (1..=3).rev().map(|n| json!({"value": n.to_string(), "label": i18n::t(locale, &format!("feedback-level-{n}")), "checked": value == n.to_string()})).collect::<Vec<_>>()})
    };
    ctx.render_status(
        status,
        "desk/feedback",
        json!({
            "title": i18n::t(locale, "feedback-title"),
            "token": token,
            "state": state,
            "case": case.map(|c| json!({"unit": c.unit_name, "on": c.on_date, "procedure": c.procedure})),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "ratings": Rating::ALL.iter().map(|r| json!({"value": r.as_str(), "label": i18n::t(locale, &format!("rating-desk-{}", r.as_str())), "checked": form.rating == r.as_str()})).collect::<Vec<_>>(),
            "aspects": [aspect("attitude", &form.attitude), aspect("clarity", &form.clarity), aspect("time_taken", &form.time_taken)],
        }),
    )
}

/// Why a feedback link does not open its form.
fn closed_state(c: &PublicCase, today: NaiveDate) -> Option<&'static str> {
    if c.answered {
        Some("answered")
    } else if c.case.feedback_expires_on < today {
        Some("expired")
    } else {
        None
    }
}

async fn feedback_page(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let form = FeedbackForm::default();
    let no_errors = FieldErrors::default();
    match public_case(&ctx, &token).await? {
        None => {
            render_feedback(
                &ctx,
                StatusCode::NOT_FOUND,
                &token,
                "invalid",
                None,
                &form,
                &no_errors,
            )
            .await
        }
        Some(c) => {
            let state = closed_state(&c, format::today());
            let status = if state == Some("expired") {
                StatusCode::GONE
            } else {
                StatusCode::OK
            };
            render_feedback(
                &ctx,
                status,
                &token,
                state.unwrap_or("open"),
                Some(&c),
                &form,
                &no_errors,
            )
            .await
        }
    }
}

async fn feedback_submit(
    ctx: Ctx,
    token: web::Path<String>,
    form: web::Form<FeedbackForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let no_errors = FieldErrors::default();
    let Some(c) = public_case(&ctx, &token).await? else {
        return render_feedback(
            &ctx,
            StatusCode::NOT_FOUND,
            &token,
            "invalid",
            None,
            &form,
            &no_errors,
        )
        .await;
    };
    if let Some(state) = closed_state(&c, format::today()) {
        let status = if state == "expired" {
            StatusCode::GONE
        } else {
            StatusCode::CONFLICT
        };
        return render_feedback(&ctx, status, &token, state, Some(&c), &form, &no_errors).await;
    }
    let mut e = FieldErrors::default();
    let rating = Rating::parse(&form.rating);
    if rating.is_none() {
        e.add("rating", "feedback-error-rating");
    }
    let mut level = |field: &str, raw: &str| -> Option<i32> {
        match raw.trim() {
            "" => None,
            v => match v.parse::<i32>() {
                Ok(n) if (1..=3).contains(&n) => Some(n),
                _ => {
                    e.add(field, "error-invalid-choice");
                    None
                }
            },
        }
    };
    let (attitude, clarity, time_taken) = (
        level("attitude", &form.attitude),
        level("clarity", &form.clarity),
        level("time_taken", &form.time_taken),
    );
    let comment = e
        .optional("comment", &form.comment, 1_000)
        .unwrap_or_default();
    let Some(rating) = rating.filter(|_| e.is_empty()) else {
        return render_feedback(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            "open",
            Some(&c),
            &form,
            &e,
        )
        .await;
    };
    let fields = ddb::FeedbackFields {
        rating,
        attitude,
        clarity,
        time_taken,
        comment,
    };
    let cid = c.case.id;
    let saved = ctx
        .db(move |conn| Ok(ddb::give_feedback(conn, cid, &fields)?))
        .await?;
    let state = if saved { "thanks" } else { "answered" };
    let status = if saved {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    let c = PublicCase {
        answered: true,
        ..c
    };
    render_feedback(
        &ctx,
        status,
        &token,
        state,
        Some(&c),
        &FeedbackForm::default(),
        &no_errors,
    )
    .await
}
