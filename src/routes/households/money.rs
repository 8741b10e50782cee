//! A household's compensation page: its plan's versions, payments and land
//! handover, with a form for each; a payment can also be recorded from the
//! household's own page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::money::{Compensation, HandoverInput, PaymentInput, PlanInput, Recorded};
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::domain::format;
use crate::domain::money::{PaymentMethod, Resettlement};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::routes::{options, HtmlForm};

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct PlanForm {
    land: String,
    structures: String,
    crops: String,
    support: String,
    resettlement: String,
    resettlement_place: String,
    posted_on: String,
    posted_at: String,
    comments_until: String,
    decision_no: String,
    decision_on: String,
    decision_by: String,
    note: String,
}

impl PlanForm {
    /// The current version, to adjust.
    fn from_plan(p: &crate::db::money::Plan) -> PlanForm {
        let amount = |n: i64| format::number(n);
        let date = |d: Option<chrono::NaiveDate>| d.map(format::date).unwrap_or_default();
        PlanForm {
            land: amount(p.land),
            structures: amount(p.structures),
            crops: amount(p.crops),
            support: amount(p.support),
            resettlement: p.resettlement.clone(),
            resettlement_place: p.resettlement_place.clone(),
            posted_on: date(p.posted_on),
            posted_at: p.posted_at.clone(),
            comments_until: date(p.comments_until),
            decision_no: p.decision_no.clone(),
            decision_on: date(p.decision_on),
            decision_by: p.decision_by.clone(),
            note: String::new(),
        }
    }

    fn input(&self) -> PlanInput {
        let mut unread = FieldErrors::default();
        PlanInput {
            land: unread.money("land", &self.land),
            structures: unread.money("structures", &self.structures),
            crops: unread.money("crops", &self.crops),
            support: unread.money("support", &self.support),
            resettlement: self.resettlement.clone(),
            resettlement_place: self.resettlement_place.clone(),
            posted_on: unread.date("posted_on", &self.posted_on),
            posted_at: self.posted_at.clone(),
            comments_until: unread.date("comments_until", &self.comments_until),
            decision_no: self.decision_no.clone(),
            decision_on: unread.date("decision_on", &self.decision_on),
            decision_by: self.decision_by.clone(),
            note: self.note.clone(),
            unread,
        }
    }
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct PaymentForm {
    paid_on: String,
    amount: String,
    method: String,
    reference: String,
    /// Where the form was sent from: the household's page or this one.
    back: String,
}

impl PaymentForm {
    fn input(&self) -> PaymentInput {
        let mut unread = FieldErrors::default();
        PaymentInput {
            paid_on: unread.date("paid_on", &self.paid_on),
            amount: unread.money("amount", &self.amount),
            method: self.method.clone(),
            reference: self.reference.clone(),
            unread,
        }
    }
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct HandoverForm {
    handed_over_on: String,
    minutes: String,
}

/// The three forms as shown, one of them perhaps with its errors.
#[derive(Default)]
struct Forms {
    plan: Option<(PlanForm, FieldErrors)>,
    payment: Option<(PaymentForm, FieldErrors)>,
    handover: Option<(HandoverForm, FieldErrors)>,
}

/// The choices of a payment's method, in words.
pub(super) fn method_options(locale: Locale, chosen: &str) -> Vec<Value> {
    options(
        PaymentMethod::ALL.iter().map(|m| {
            let key = format!("money-method-{}", m.as_str());
            (m.as_str().to_string(), i18n::t(locale, &key))
        }),
        chosen,
    )
}

/// A payment form for today, for `amount` (what is left to pay).
pub(super) fn new_payment(amount: i64) -> Value {
    json!({
        "paid_on": {"value": format::date(format::today())},
        "amount": {"value": if amount > 0 { format::number(amount) } else { String::new() }},
        "method": {"value": PaymentMethod::Transfer.as_str()},
        "reference": {"value": ""},
    })
}

/// The household's records in the page's words: each plan version's
/// amounts, the payments and the sums.
pub(super) fn view(locale: Locale, c: &Compensation) -> Value {
    let plans: Vec<Value> = c
        .plans
        .iter()
        .map(|p| {
            json!({
                "p": p,
                "resettlement": i18n::t(locale, &format!("money-resettlement-{}", p.resettlement)),
            })
        })
        .collect();
    let payments: Vec<Value> = c
        .payments
        .iter()
        .map(|p| {
            json!({
                "p": p,
                "method": i18n::t(locale, &format!("money-method-{}", p.method)),
            })
        })
        .collect();
    let left = c.left();
    json!({
        "current": c.plans.first(),
        "plans": plans,
        "payments": payments,
        "handover": c.handover,
        "approved": c.approved,
        "paid": c.paid,
        "deposited": c.deposited,
        "left": left,
    })
}

async fn render(
    ctx: &Ctx,
    status: StatusCode,
    household_id: i64,
    forms: Forms,
) -> AppResult<HttpResponse> {
    let who = ctx.caller()?;
    let (household, access, records) = ctx
        .db(move |c| Ok(app::money::of_household(c, &who, household_id)))
        .await?
        .map_err(Rejected::into_app_error)?;
    let locale = ctx.locale;
    let current = records.as_ref().and_then(|r| r.plans.first());
    let (plan, plan_errors) = forms.plan.unwrap_or_else(|| {
        let form = current.map(PlanForm::from_plan).unwrap_or_default();
        (form, FieldErrors::default())
    });
    let left = records.as_ref().and_then(Compensation::left).unwrap_or(0);
    let (payment, payment_errors) = forms.payment.unwrap_or_else(|| {
        let form = PaymentForm {
            paid_on: format::date(format::today()),
            amount: if left > 0 {
                format::number(left)
            } else {
                String::new()
            },
            method: PaymentMethod::Transfer.as_str().into(),
            ..Default::default()
        };
        (form, FieldErrors::default())
    });
    let (handover, handover_errors) = forms.handover.unwrap_or_else(|| {
        let form = HandoverForm {
            handed_over_on: format::date(format::today()),
            ..Default::default()
        };
        (form, FieldErrors::default())
    });
    let resettlement = options(
        Resettlement::ALL.iter().map(|r| {
            let key = format!("money-resettlement-{}", r.as_str());
            (r.as_str().to_string(), i18n::t(locale, &key))
        }),
        if plan.resettlement.is_empty() {
            "none"
        } else {
            &plan.resettlement
        },
    );
    ctx.render_status(
        status,
        "households/money",
        json!({
            "title": i18n::t(locale, "money-title"),
            "h": {"id": household.id, "head_name": household.head_name, "stage": household.stage},
            "task": {"id": access.task.id, "title": access.task.title},
            "can_edit": access.can_edit,
            "money": records.as_ref().map(|r| view(locale, r)),
            "plan": crate::routes::form_view(&plan, &plan_errors),
            "plan_errors": !plan_errors.is_empty(),
            "payment": crate::routes::form_view(&payment, &payment_errors),
            "payment_errors": !payment_errors.is_empty(),
            "handover_form": crate::routes::form_view(&handover, &handover_errors),
            "handover_errors": !handover_errors.is_empty(),
            "resettlement_options": resettlement,
            "method_options": method_options(locale, &payment.method),
        }),
    )
}

pub(super) async fn show(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&ctx, StatusCode::OK, *id, Forms::default()).await
}

/// What a record's form answers: recorded → "saved" (and the stage it
/// moved the household to, if it did) and on to `to`; its fields refused →
/// the page again (422) with the forms `again` fills with them.
async fn answer(
    ctx: &Ctx,
    hid: i64,
    recorded: Result<Recorded, Rejected>,
    to: &str,
    again: impl FnOnce(FieldErrors) -> Forms,
) -> AppResult<HttpResponse> {
    match recorded {
        Ok(recorded) => {
            ctx.flash("success", "flash-saved");
            if recorded.moved_to.is_some() {
                ctx.flash("info", "money-stage-moved");
            }
            Ok(ctx.redirect(to))
        }
        Err(Rejected::Invalid(e)) => {
            render(ctx, StatusCode::UNPROCESSABLE_ENTITY, hid, again(e)).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

pub(super) async fn save_plan(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<PlanForm>,
) -> AppResult<HttpResponse> {
    let (hid, form) = (*id, form.0);
    let input = form.input();
    let saved = crate::routes::call(&ctx, move |c, who| {
        app::money::save_plan(c, who, hid, &input)
    })
    .await?;
    let to = format!("/households/{hid}/compensation");
    let again = |e| Forms {
        plan: Some((form, e)),
        ..Forms::default()
    };
    answer(&ctx, hid, saved.map(|(_, recorded)| recorded), &to, again).await
}

pub(super) async fn record_payment(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<PaymentForm>,
) -> AppResult<HttpResponse> {
    let (hid, form) = (*id, form.0);
    let input = form.input();
    let saved = crate::routes::call(&ctx, move |c, who| {
        app::money::record_payment(c, who, hid, &input)
    })
    .await?;
    let to = if form.back == "household" {
        format!("/households/{hid}")
    } else {
        format!("/households/{hid}/compensation")
    };
    let again = |e| Forms {
        payment: Some((form, e)),
        ..Forms::default()
    };
    answer(&ctx, hid, saved.map(|(_, recorded)| recorded), &to, again).await
}

pub(super) async fn record_handover(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<HandoverForm>,
) -> AppResult<HttpResponse> {
    let (hid, form) = (*id, form.0);
    let mut unread = FieldErrors::default();
    let input = HandoverInput {
        handed_over_on: unread.date("handed_over_on", &form.handed_over_on),
        minutes: form.minutes.clone(),
        unread,
    };
    let saved = crate::routes::call(&ctx, move |c, who| {
        app::money::record_handover(c, who, hid, &input)
    })
    .await?;
    let to = format!("/households/{hid}/compensation");
    let again = |e| Forms {
        handover: Some((form, e)),
        ..Forms::default()
    };
    answer(&ctx, hid, saved, &to, again).await
}
