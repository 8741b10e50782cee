//! A campaign's models: the registration form, the model page with its
//! appraisal, status moves and check-ins.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{load, named};
use crate::app::campaigns::{
    self as uc, Access, AppraisalInput, ModelAccess, ModelInput, MoveInput, ScoreInput,
};
use crate::app::{Rejected, Version};
use crate::context::Ctx;
use crate::db::{self, campaigns as cdb};
use crate::domain::campaign::{self, CheckinKind, ModelKind, ModelStatus};
use crate::domain::format;
use crate::domain::review;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{options, unit_options};

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct ModelForm {
    pub kind: String,
    pub unit_id: String,
    pub holder_name: String,
    pub field_id: String,
    pub title: String,
    pub commitment: String,
    pub expected_results: String,
    pub period_from: String,
    pub period_to: String,
    pub version: String,
}

impl ModelForm {
    fn of(f: &cdb::ModelFields, version: i32) -> ModelForm {
        ModelForm {
            kind: f.kind.as_str().into(),
            unit_id: f.unit_id.to_string(),
            holder_name: f.holder_name.clone(),
            field_id: f.field_id.to_string(),
            title: f.title.clone(),
            commitment: f.commitment.clone(),
            expected_results: f.expected_results.clone(),
            period_from: format::date(f.period_from),
            period_to: format::date(f.period_to),
            version: version.to_string(),
        }
    }

    /// The typed model; dates and ids written wrong are kept as unread.
    fn input(&self) -> ModelInput {
        let mut unread = FieldErrors::default();
        ModelInput {
            kind: self.kind.clone(),
            unit_id: unread.typed_id("unit_id", &self.unit_id),
            holder_name: self.holder_name.clone(),
            field_id: unread.typed_id("field_id", &self.field_id),
            title: self.title.clone(),
            commitment: self.commitment.clone(),
            expected_results: self.expected_results.clone(),
            period_from: unread.date("period_from", &self.period_from),
            period_to: unread.date("period_to", &self.period_to),
            unread,
        }
    }
}

impl crate::routes::EditForm for ModelForm {
    type Now = cdb::Model;
    const LABELS: &'static str = "model-";

    fn saved_now(now: &cdb::Model) -> ModelForm {
        ModelForm::of(&cdb::model_fields_of(now), now.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }
}

/// The registration or edit form: as asked, or again after a use case
/// refused it (its errors; an edit saved meanwhile beside what was typed).
async fn render_model_form(
    ctx: &Ctx,
    a: &Access,
    model_id: Option<i64>,
    form: &ModelForm,
    again: Option<crate::routes::Again>,
) -> AppResult<HttpResponse> {
    let (status, errors, conflict) = crate::routes::shown(again);
    let errors = &errors;
    let (user, path) = (ctx.user()?.clone(), a.unit.path.clone());
    let (units, fields) = ctx
        .db(move |conn| {
            let units = uc::registrable_units(conn, &user, &path)?;
            Ok((units, cdb::fields(conn)?))
        })
        .await?;
    let locale = ctx.locale;
    ctx.render_status(
        status,
        "campaigns/model_form",
        json!({
            "title": i18n::t(locale, if model_id.is_some() { "model-edit-title" } else { "model-new-title" }),
            "c": a.c,
            "action": model_id.map_or(format!("/campaigns/{}/models", a.c.id), |id| format!("/models/{id}")),
            "f": crate::routes::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "conflict": conflict,
            "version": form.version,
            "kinds": options(ModelKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("model-kind-{}", k.as_str())))), &form.kind),
            "units": unit_options(&units, &form.unit_id),
            "fields": options(fields.iter().filter(|f| f.active).map(|f| (f.id.to_string(), named(locale, &f.name_vi, &f.name_en))), &form.field_id),
        }),
    )
}

pub(super) async fn new_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = load(&ctx, *id).await?;
    let form = ModelForm {
        kind: ModelKind::Collective.as_str().into(),
        period_from: format::date(a.c.period_from),
        period_to: format::date(a.c.period_to),
        ..Default::default()
    };
    render_model_form(&ctx, &a, None, &form, None).await
}

pub(super) async fn register(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ModelForm>,
) -> AppResult<HttpResponse> {
    let (cid, form) = (*id, form.into_inner());
    let input = form.input();
    let saved =
        crate::routes::call(&ctx, move |c, who| uc::register_model(c, who, cid, &input)).await?;
    match crate::routes::after_form(
        &ctx,
        saved,
        |m| format!("/models/{}", m.id),
        |_| Value::Null,
    )? {
        Ok(done) => Ok(done),
        Err(again) => {
            let a = load(&ctx, cid).await?;
            render_model_form(&ctx, &a, None, &form, Some(again)).await
        }
    }
}

async fn load_model(ctx: &Ctx, id: i64) -> AppResult<ModelAccess> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| uc::model_access(conn, &user, id)).await
}

pub(super) async fn edit_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.contact || ma.m.status() != ModelStatus::Registered {
        return Err(AppError::Forbidden);
    }
    let form = ModelForm::of(&cdb::model_fields_of(&ma.m), ma.m.version);
    render_model_form(&ctx, &ma.a, Some(ma.m.id), &form, None).await
}

/// The version a form on the model page carries: without a readable one the
/// request is refused, as a page never sends such.
fn form_version(raw: &str) -> AppResult<Version> {
    match Version::of_form(raw) {
        v @ Version::Given(_) => Ok(v),
        _ => Err(AppError::BadRequest("version missing".into())),
    }
}

/// Saves an edit made from the version the form carries; if someone saved
/// in between, the form comes back with both versions side by side.
pub(super) async fn update_model(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<ModelForm>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.contact {
        return Err(AppError::Forbidden);
    }
    if ma.m.status() != ModelStatus::Registered {
        ctx.flash("error", "model-error-moved");
        return Ok(ctx.redirect(&format!("/models/{}", ma.m.id)));
    }
    let (mid, mut form) = (ma.m.id, form.into_inner());
    let (input, to) = (form.input(), format!("/models/{mid}"));
    let edited = crate::routes::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        uc::edit_model(c, who, mid, version, &input)
    });
    match edited.await? {
        Ok(done) => Ok(done),
        Err(again) => render_model_form(&ctx, &ma.a, Some(mid), &form, Some(again)).await,
    }
}

/// A write form on the model page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

pub(super) async fn show_model(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    render_model(&ctx, ma, Typed::default(), StatusCode::OK).await
}
async fn render_model(
    ctx: &Ctx,
    ma: ModelAccess,
    typed: Typed,
    http_status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (mid, cid, fid, uid, contact_id) = (
        ma.m.id,
        ma.a.c.id,
        ma.m.field_id,
        ma.m.unit_id,
        ma.m.contact_id,
    );
    let (criteria, scores, events, checkins, fields, unit, contact) = ctx
        .db(move |conn| {
            Ok((
                cdb::criteria(conn, cid)?,
                cdb::scores_of(conn, mid)?,
                cdb::events(conn, mid)?,
                cdb::checkins(conn, mid)?,
                cdb::fields(conn)?,
                db::units::find(conn, uid)?,
                db::users::find(conn, contact_id)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let status = ma.m.status();
    let field = fields
        .iter()
        .find(|f| f.id == fid)
        .map(|f| named(locale, &f.name_vi, &f.name_en));
    // Per criterion: each appraiser's score and the mean.
    let mut means = Vec::new();
    let rows: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let mine: Vec<&cdb::ScoreRow> =
                scores.iter().filter(|s| s.criterion_id == c.id).collect();
            let mean = review::CombineRule::Mean
                .combine(&mine.iter().map(|s| s.score).collect::<Vec<_>>(), None);
            means.push(mean);
            json!({
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "scores": mine,
                "mean": mean,
            })
        })
        .collect();
    let total = review::total(&means);
    let typed_or = |which: &str, key: &str, saved: String| -> Value {
        let (value, error) = if typed.which == which {
            (
                typed.values.get(key).cloned().unwrap_or_default(),
                typed.errors.get(key).map(str::to_string),
            )
        } else {
            (saved, None)
        };
        json!({"name": key, "value": value, "error": error})
    };
    let score_fields: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let own = scores.iter().find(|s| s.criterion_id == c.id && s.appraiser_id == user.id);
            json!({
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "score": typed_or("scores", &format!("score_{}", c.id), own.map(|s| format::decimal(s.score)).unwrap_or_default()),
                "comment": typed_or("scores", &format!("comment_{}", c.id), own.map(|s| s.comment.clone()).unwrap_or_default()),
            })
        })
        .collect();
    let next: Vec<Value> = status
        .next()
        .iter()
        .map(|s| {
            json!({
                "value": s.as_str(),
                "selected": typed.which == "status" && typed.values.get("status").map(String::as_str) == Some(s.as_str()),
            })
        })
        .collect();
    let checkin_open = !matches!(status, ModelStatus::Registered | ModelStatus::NotAccepted);
    let acked = |k: CheckinKind| {
        checkins
            .iter()
            .any(|c| c.kind == k.as_str() && c.acknowledged_at.is_some())
    };
    let kinds_open: Vec<(String, String)> = CheckinKind::ALL
        .iter()
        .filter(|k| !acked(**k))
        .map(|k| {
            (
                k.as_str().to_string(),
                i18n::t(locale, &format!("checkin-{}", k.as_str())),
            )
        })
        .collect();
    let chosen_kind = if typed.which == "checkin" {
        typed.values.get("kind").cloned().unwrap_or_default()
    } else {
        String::new()
    };
    ctx.render_status(
        http_status,
        "campaigns/model",
        json!({
            "title": ma.m.title,
            "m": ma.m,
            "c": ma.a.c,
            "unit": unit,
            "contact": contact.full_name,
            "field": field,
            "rows": rows,
            "total": total,
            "events": events,
            "checkins": checkins,
            "appraiser": ma.a.appraiser,
            "can_edit": ma.contact && status == ModelStatus::Registered,
            "can_check_in": ma.contact && checkin_open && !kinds_open.is_empty(),
            "can_score": ma.a.appraiser && !ma.contact && !matches!(status, ModelStatus::Commended | ModelStatus::Completed),
            "next": if ma.a.appraiser { next } else { vec![] },
            "score_fields": score_fields,
            "has_score_errors": typed.which == "scores",
            "status_form": {
                "reason": typed_or("status", "reason", String::new()),
                "decision_number": typed_or("status", "decision_number", String::new()),
                "decision_date": typed_or("status", "decision_date", String::new()),
                "level": typed_or("status", "level", String::new()),
                "status": typed_or("status", "status", String::new()),
                "has_errors": typed.which == "status",
            },
            "levels": options(campaign::COMMENDATION_LEVELS.iter().map(|l| (l.to_string(), i18n::t(locale, &format!("commendation-{l}")))), typed.values.get("level").map_or("", String::as_str)),
            "checkin_kinds": options(kinds_open, &chosen_kind),
            "checkin_form": {"report": typed_or("checkin", "report", String::new()), "kind": typed_or("checkin", "kind", String::new()), "has_errors": typed.which == "checkin"},
        }),
    )
}

/// A write on the model page answered: saved, back to the model; its
/// fields wrong, the page again with what was typed in the `which` form;
/// someone moved or edited the model first, or it no longer takes this
/// write (the refusal's own message), back to it with the message.
async fn answered<T, C>(
    ctx: &Ctx,
    ma: ModelAccess,
    which: &'static str,
    values: HashMap<String, String>,
    answer: Result<T, Rejected<C>>,
) -> AppResult<HttpResponse> {
    let back = format!("/models/{}", ma.m.id);
    let refused = match answer {
        Ok(_) => return Ok(ctx.saved(&back)),
        Err(Rejected::Invalid(errors)) => {
            let typed = Typed {
                which,
                values,
                errors,
            };
            return render_model(ctx, ma, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(Rejected::Stale(_)) => "model-error-moved",
        Err(Rejected::NotAllowed(key)) => key,
        Err(other) => return Err(other.into_app_error()),
    };
    ctx.flash("error", refused);
    Ok(ctx.redirect(&back))
}

pub(super) async fn move_model(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    if !ma.a.appraiser {
        return Err(AppError::Forbidden);
    }
    let (mid, values) = (ma.m.id, form.into_inner());
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let version = form_version(&get("version"))?;
    let status = ModelStatus::parse(&get("status"));
    // The decision's date is read only for a move that records one.
    let mut unread = FieldErrors::default();
    let decision_date = match status.is_some_and(ModelStatus::needs_decision) {
        true => unread.date("decision_date", &get("decision_date")),
        false => None,
    };
    let input = MoveInput {
        status,
        reason: get("reason"),
        decision_number: get("decision_number"),
        decision_date,
        level: get("level"),
        unread,
    };
    let moved = crate::routes::call(&ctx, move |c, who| {
        uc::move_model(c, who, mid, version, &input)
    })
    .await?;
    answered(&ctx, ma, "status", values, moved).await
}

pub(super) async fn appraise(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    let (mid, values) = (ma.m.id, form.into_inner());
    // `score_<criterion>` and `comment_<criterion>`, one pair a criterion.
    let mut input = AppraisalInput::default();
    for (key, raw) in &values {
        let Some(cid) = key.strip_prefix("score_").and_then(|c| c.parse().ok()) else {
            continue;
        };
        input.scores.push(ScoreInput {
            criterion_id: cid,
            score: input.unread.decimal(key, raw),
            comment: values
                .get(&format!("comment_{cid}"))
                .cloned()
                .unwrap_or_default(),
        });
    }
    let saved = crate::routes::call(&ctx, move |c, who| uc::appraise(c, who, mid, &input)).await?;
    answered(&ctx, ma, "scores", values, saved).await
}

pub(super) async fn check_in(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let ma = load_model(&ctx, *id).await?;
    let (mid, values) = (ma.m.id, form.into_inner());
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let (kind, report) = (CheckinKind::parse(&get("kind")), get("report"));
    let saved =
        crate::routes::call(&ctx, move |c, who| uc::check_in(c, who, mid, kind, &report)).await?;
    answered(&ctx, ma, "checkin", values, saved).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AckForm {
    text: String,
}

pub(super) async fn acknowledge(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<AckForm>,
) -> AppResult<HttpResponse> {
    let (mid, checkin) = path.into_inner();
    let text = form.into_inner().text;
    crate::routes::call(&ctx, move |c, who| {
        uc::acknowledge(c, who, mid, checkin, &text)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    Ok(ctx.saved(&format!("/models/{mid}")))
}
