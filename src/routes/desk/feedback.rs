//! The citizen's feedback page, which opens without an account from the
//! link (or QR code) on the case.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::named;
use crate::context::Ctx;
use crate::db::{self, desk as ddb};
use crate::domain::desk::Rating;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

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
pub(super) struct FeedbackForm {
    rating: String,
    attitude: String,
    clarity: String,
    time_taken: String,
    comment: String,
}

/// The feedback page in `state` (`invalid`, `expired`, `answered`, `open`,
/// `thanks`), its status saying the same: a link naming no case 404, an
/// expired one 410, feedback sent to a case already rated 409, the form
/// refused 422.
async fn render_feedback(
    ctx: &Ctx,
    token: &str,
    posted: bool,
    state: &str,
    case: Option<&PublicCase>,
    form: &FeedbackForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let status = match state {
        "invalid" => StatusCode::NOT_FOUND,
        "expired" => StatusCode::GONE,
        "answered" if posted => StatusCode::CONFLICT,
        _ if !errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
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
            "f": crate::routes::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "ratings": Rating::ALL.iter().map(|r| json!({"value": r.as_str(), "label": i18n::t(locale, &format!("rating-desk-{}", r.as_str())), "checked": form.rating == r.as_str()})).collect::<Vec<_>>(),
            "aspects": [aspect("attitude", &form.attitude), aspect("clarity", &form.clarity), aspect("time_taken", &form.time_taken)],
        }),
    )
}

/// Why a feedback link does not open its form.
fn closed_state(c: &PublicCase) -> Option<&'static str> {
    if c.answered {
        Some("answered")
    } else if c.case.feedback_expires_on < format::today() {
        Some("expired")
    } else {
        None
    }
}

pub(super) async fn feedback_page(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    feedback(ctx, &token, None).await
}

pub(super) async fn feedback_submit(
    ctx: Ctx,
    token: web::Path<String>,
    form: web::Form<FeedbackForm>,
) -> AppResult<HttpResponse> {
    feedback(ctx, &token, Some(form.into_inner())).await
}

/// The feedback page, and the feedback `given` on it: saved once, while the
/// link is open.
async fn feedback(ctx: Ctx, token: &str, given: Option<FeedbackForm>) -> AppResult<HttpResponse> {
    let posted = given.is_some();
    let mut form = given.unwrap_or_default();
    let mut errors = FieldErrors::default();
    let case = public_case(&ctx, token).await?;
    let state = match (&case, case.as_ref().and_then(closed_state)) {
        (None, _) => "invalid",
        (_, Some(closed)) => closed,
        (Some(_), None) if !posted => "open",
        (Some(c), None) => match check(&form) {
            Err(e) => {
                errors = e;
                "open"
            }
            Ok(fields) => {
                let cid = c.case.id;
                let saved = ctx
                    .db(move |conn| Ok(ddb::give_feedback(conn, cid, &fields)?))
                    .await?;
                form = FeedbackForm::default();
                if saved {
                    "thanks"
                } else {
                    "answered"
                }
            }
        },
    };
    let c = case.as_ref();
    render_feedback(&ctx, token, posted, state, c, &form, &errors).await
}

/// The feedback as given: a rating, each aspect from 1 to 3 if given, a
/// comment of up to 1,000 characters.
fn check(form: &FeedbackForm) -> Result<ddb::FeedbackFields, FieldErrors> {
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
    let comment = e.optional_text("comment", &form.comment, 1_000);
    let Some(rating) = rating.filter(|_| e.is_empty()) else {
        return Err(e);
    };
    Ok(ddb::FeedbackFields {
        rating,
        attitude,
        clarity,
        time_taken,
        comment,
    })
}
