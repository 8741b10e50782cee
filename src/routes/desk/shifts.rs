//! A duty's shifts: the cases recorded on one, changes to it, the answer
//! to an escalated case, and the list of escalations.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{named, ShiftAccess};
use crate::app::desk::{shift_access, AnswerInput, CaseInput, ShiftChangeInput};
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::{self, desk as ddb};
use crate::domain::access::Permission;
use crate::domain::desk::{self, Outcome, ShiftStatus};
use crate::domain::format;
use crate::domain::households::PriorityGroup;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;
use crate::routes::options;
use crate::routes::Again;
use crate::routes::{edit_version, shown};

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

pub(super) async fn shift_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let sa = load_shift(&ctx, *id).await?;
    render_shift(&ctx, sa, &CaseForm::default(), None, None).await
}

/// The swap request as typed, shown again beside its errors.
#[derive(Serialize, Default)]
struct SwapTyped {
    official_id: String,
    reason: String,
}

async fn render_shift(
    ctx: &Ctx,
    sa: ShiftAccess,
    form: &CaseForm,
    again: Option<Again>,
    swap_again: Option<(SwapTyped, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let (mut status, errors, _) = shown(again);
    let user = ctx.user()?;
    let today = format::today();
    let s = &sa.shift;
    let name = |id: Option<i64>| {
        sa.a.officials
            .iter()
            .find(|(o, _)| Some(*o) == id)
            .map(|(_, n)| n.clone())
    };
    let role = desk::swap_role(s.swap_requested_by, s.swap_with, user.id);
    let swappable = desk::swappable(&s.status, s.on_date, today);
    let swap = s.swap_requested_by.map(|by| {
        json!({
            "asker": name(Some(by)).unwrap_or_default(),
            "colleague": name(s.swap_with),
            "reason": s.swap_reason,
            "answer": role == desk::SwapRole::Colleague,
            "can_accept": role == desk::SwapRole::Colleague && swappable && sa.assignable.contains(&user.id),
            "withdraw": role == desk::SwapRole::Asker,
        })
    });
    let (typed, swap_errors) = swap_again.unwrap_or_default();
    if !swap_errors.is_empty() {
        status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    let colleagues = options(
        sa.a.officials
            .iter()
            .filter(|(id, _)| *id != user.id && sa.assignable.contains(id))
            .map(|(id, n)| (id.to_string(), n.clone())),
        &typed.official_id,
    );
    let ask_swap = s.official_id == user.id && s.swap_requested_by.is_none() && swappable;
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
            "shown_status": ShiftStatus::shown(&sa.shift.status, sa.shift.on_date, today).as_str(),
            "swap": swap,
            "ask_swap": ask_swap && !colleagues.is_empty(),
            "colleagues": colleagues,
            "sw": crate::routes::form_view(&typed, &swap_errors),
            "case_count": cases.len(),
            "cases": cases.iter().map(|c| json!({"c": c.case, "procedure": named(locale, &c.procedure_vi, &c.procedure_en), "answered": c.answered})).collect::<Vec<_>>(),
            "f": crate::routes::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "procedures": options(procedures.iter().filter(|p| p.active).map(|p| (p.id.to_string(), named(locale, &p.name_vi, &p.name_en))), &form.procedure_id),
            "outcomes": options(Outcome::ALL.iter().map(|o| (o.as_str().to_string(), i18n::t(locale, &format!("outcome-desk-{}", o.as_str())))), &form.outcome),
            "priority_options": PriorityGroup::ALL.iter().map(|g| json!({"value": g.as_str(), "label": i18n::t(locale, &format!("priority-{}", g.as_str())), "checked": form.priority_groups.iter().any(|x| x == g.as_str())})).collect::<Vec<_>>(),
            "people": options(sa.a.officials.iter().filter(|(id, _)| sa.assignable.contains(id)).map(|(id, n)| (id.to_string(), n.clone())), ""),
            "statuses": ShiftStatus::MARKED.map(ShiftStatus::as_str),
        }),
    )
}

pub(super) async fn add_case(
    ctx: Ctx,
    id: web::Path<i64>,
    form: crate::routes::HtmlForm<CaseForm>,
) -> AppResult<HttpResponse> {
    let (sid, form) = (*id, form.0);
    let input = form.input();
    let recorded = crate::routes::call(&ctx, move |c, who| {
        app::desk::record_case(c, who, sid, &input)
    })
    .await?;
    // The case page shows the citizen the feedback QR code.
    let to = |c: &ddb::Case| format!("/desk/cases/{}", c.id);
    match crate::routes::after_form(&ctx, recorded, to, |()| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => {
            let sa = load_shift(&ctx, sid).await?;
            render_shift(&ctx, sa, &form, Some(again), None).await
        }
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

pub(super) async fn change_shift(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ShiftForm>,
) -> AppResult<HttpResponse> {
    let (sid, form) = (*id, form.into_inner());
    let version = edit_version(&form.version)?;
    let swap = form.action == "swap";
    let typed = SwapTyped {
        official_id: form.official_id.clone(),
        reason: form.reason.clone(),
    };
    let input = ShiftChangeInput {
        official_id: form.official_id.trim().parse().ok(),
        action: form.action,
        reason: form.reason,
        status: form.status,
    };
    let who = ctx.caller()?;
    let changed = ctx
        .db(move |c| Ok(app::desk::change_shift(c, &who, sid, version, &input)))
        .await?;
    let back = format!("/desk/shifts/{sid}");
    match changed {
        // A swap asked wrongly comes back beside its fields, as typed.
        Err(Rejected::Invalid(errors)) if swap => {
            let sa = load_shift(&ctx, sid).await?;
            render_shift(&ctx, sa, &CaseForm::default(), None, Some((typed, errors))).await
        }
        // A swap no longer possible says why.
        Err(Rejected::NotAllowed(key)) if key.starts_with("desk-error-") => {
            ctx.flash("error", key);
            Ok(ctx.redirect(&back))
        }
        changed => super::flash_after(&ctx, changed, None, &back),
    }
}

pub(super) async fn case_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render_case(&ctx, *id, &AnswerForm::default(), None).await
}

/// A case with its feedback link, and the answer form as typed.
async fn render_case(
    ctx: &Ctx,
    cid: i64,
    form: &AnswerForm,
    again: Option<Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, _) = shown(again);
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
    let qr = crate::routes::qr_svg(&link, 220)?;
    let locale = ctx.locale;
    let today = format::today();
    ctx.render_status(
        status,
        "desk/case",
        json!({
            "title": i18n::t(locale, "desk-case-title"),
            "f": crate::routes::form_view(form, &errors),
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

pub(super) async fn answer(
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
    let answered = crate::routes::call(&ctx, move |c, who| {
        app::desk::answer_case(c, who, cid, &input)
    })
    .await?;
    match answered {
        Ok(()) | Err(Rejected::NotAllowed(_)) => ctx.flash("success", "flash-saved"),
        Err(Rejected::Invalid(errors)) => {
            let again = Again {
                errors,
                conflict: None,
            };
            return render_case(&ctx, cid, &form, Some(again)).await;
        }
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&format!("/desk/cases/{cid}")))
}

/// Escalations listed at a time: every one ever made, the open first.
const ESCALATIONS_PAGE: i64 = 50;

pub(super) async fn escalations(
    ctx: Ctx,
    q: web::Query<crate::routes::PageAsked>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::View);
    let rows = ctx
        .db(move |conn| {
            let ids: Vec<i64> = ddb::seen(conn, &scope)?.iter().map(|(d, _)| d.id).collect();
            Ok(ddb::escalations(conn, &ids, false)?)
        })
        .await?;
    let page = crate::routes::Page::new(q.page, ESCALATIONS_PAGE);
    let (rows, total) = page.cut(rows);
    let today = format::today();
    ctx.render(
        "desk/escalations",
        json!({
            "title": i18n::t(ctx.locale, "desk-escalations-title"),
            "rows": rows.iter().map(|(c, on, duty)| json!({
                "c": c, "on": on, "duty": duty,
                "overdue": desk::case_overdue(c.answered_on, c.due_on, today),
            })).collect::<Vec<_>>(),
            "pagination": page.view(total, &[]),
        }),
    )
}
