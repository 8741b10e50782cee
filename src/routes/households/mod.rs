//! Households of a task (hộ dân) and the visit log (lượt vận động): add and
//! edit households, log visits and corrections, export or erase one's
//! personal data; dialogues and the field team's worklist are in `dialogues`.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

mod dialogues;
mod money;
mod personal;
mod visits;

use super::tasks::{load, load_editable, Access};
use super::{options, HtmlForm};
pub(super) use crate::app::households::HouseholdForm;
use crate::app::households::Target;
use crate::app::{self, Rejected, Version};
use crate::context::Ctx;
use crate::db;
use crate::domain::consent::{self, ConsentStage};
use crate::domain::households::PriorityGroup;
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks/{id}/households/new", get().to(new))
        .route("/tasks/{id}/households", post().to(create))
        .route("/households/{id}", get().to(visits::show))
        .route("/households/{id}", post().to(update))
        .route("/households/{id}/edit", get().to(edit))
        .route("/households/{id}/visits", post().to(visits::log_visit))
        .route("/households/{id}/photos/{photo}", get().to(visits::photo))
        .route(
            "/households/{id}/personal-data",
            get().to(personal::personal_data),
        )
        .route("/households/{id}/erase", post().to(personal::erase))
        .route("/households/{id}/compensation", get().to(money::show))
        .route("/households/{id}/plans", post().to(money::save_plan))
        .route(
            "/households/{id}/payments",
            post().to(money::record_payment),
        )
        .route(
            "/households/{id}/handover",
            post().to(money::record_handover),
        )
        .route("/visits/due", get().to(dialogues::due))
        .route(
            "/tasks/{id}/dialogues/new",
            get().to(dialogues::new_dialogue),
        )
        .route("/tasks/{id}/dialogues", post().to(dialogues::hold_dialogue));
}

fn group_options(locale: Locale, chosen: &[String]) -> Vec<Value> {
    PriorityGroup::ALL
        .iter()
        .map(|g| {
            json!({
                "value": g.as_str(),
                "label": i18n::t(locale, &format!("priority-{}", g.as_str())),
                "checked": chosen.iter().any(|c| c == g.as_str()),
            })
        })
        .collect()
}

fn render_form(
    ctx: &Ctx,
    status: StatusCode,
    access: &Access,
    household_id: Option<i64>,
    form: &HouseholdForm,
    errors: &FieldErrors,
    (duplicate_of, conflict): (Option<String>, Option<Value>),
) -> AppResult<HttpResponse> {
    let title_key = if household_id.is_some() {
        "households-edit-title"
    } else {
        "households-new-title"
    };
    ctx.render_status(
        status,
        "households/form",
        json!({
            "title": i18n::t(ctx.locale, title_key),
            "task": {"id": access.task.id, "title": access.task.title},
            "household_id": household_id,
            "action": household_id.map_or(format!("/tasks/{}/households", access.task.id), |id| format!("/households/{id}")),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "conflict": conflict,
            "version": form.version,
            "groups": group_options(ctx.locale, &form.priority_groups),
            "duplicate_of": duplicate_of,
        }),
    )
}

async fn new(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    render_form(
        &ctx,
        StatusCode::OK,
        &access,
        None,
        &HouseholdForm::default(),
        &FieldErrors::default(),
        (None, None),
    )
}

/// Saves a household from its form, new on `access`'s task or over
/// `household_id` at the version the form carries; the form again on a
/// field, a parcel already recorded, or someone's save meanwhile.
async fn save(
    ctx: &Ctx,
    access: &Access,
    household_id: Option<i64>,
    mut form: HouseholdForm,
) -> AppResult<HttpResponse> {
    let target = match household_id {
        Some(household_id) => Target::Edit {
            household_id,
            version: Version::of_form(&form.version),
        },
        None => Target::New {
            task_id: access.task.id,
        },
    };
    let input = form.input();
    let saved = crate::routes::call(ctx, move |c, who| {
        app::households::save(c, who, target, &input)
    })
    .await?;
    let (mut duplicate_of, mut conflict) = (None, None);
    let e = match saved {
        Ok(h) => {
            ctx.flash("success", "flash-saved");
            return Ok(ctx.redirect(&format!("/households/{}", h.id)));
        }
        Err(Rejected::Invalid(e)) => {
            // Refused for the parcel alone: whose it is, to show.
            if let (Some("error-duplicate-parcel"), Ok(f)) =
                (e.get("parcel_no"), app::households::check(&form.input()))
            {
                let tid = access.task.id;
                duplicate_of = ctx
                    .db(move |c| {
                        let other = db::households::same_parcel(
                            c,
                            tid,
                            &f.map_sheet,
                            &f.parcel_no,
                            household_id,
                        )?;
                        Ok(other.map(|h| h.head_name))
                    })
                    .await?;
            }
            e
        }
        Err(Rejected::Stale(now)) => {
            // The typed values stay beside the saved ones; saving again
            // knowingly overwrites.
            let theirs = HouseholdForm::from_household(&now);
            let mut mine = form.clone();
            if let Ok(f) = app::households::check(&form.input()) {
                mine.area_m2 = numbers::input(f.area_m2);
            }
            conflict = Some(super::conflict_view(&mine, &theirs, "field-"));
            form.version = now.version.to_string();
            FieldErrors::default()
        }
        Err(other) => return Err(other.into_app_error()),
    };
    render_form(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        access,
        household_id,
        &form,
        &e,
        (duplicate_of, conflict),
    )
}

async fn create(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<HouseholdForm>,
) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    save(&ctx, &access, None, form.0).await
}

/// The household and the task it belongs to, if the user may see that task.
async fn household_access(ctx: &Ctx, id: i64) -> AppResult<(db::households::Household, Access)> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| app::households::household_access(conn, &user, id))
        .await
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (household, access) = household_access(&ctx, *id).await?;
    if !access.can_edit {
        return Err(AppError::Forbidden);
    }
    let form = HouseholdForm::from_household(&household);
    render_form(
        &ctx,
        StatusCode::OK,
        &access,
        Some(household.id),
        &form,
        &FieldErrors::default(),
        (None, None),
    )
}

async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<HouseholdForm>,
) -> AppResult<HttpResponse> {
    let (household, access) = household_access(&ctx, *id).await?;
    if !access.can_edit {
        return Err(AppError::Forbidden);
    }
    save(&ctx, &access, Some(household.id), form.0).await
}

/// The stages a visit or a dialogue may record on a task: its process's
/// steps, and the stages the households are at now (a household taken over
/// at another step keeps its place).
pub(super) fn stage_options(
    locale: crate::i18n::Locale,
    process: consent::Process,
    now: &[ConsentStage],
    selected: &str,
) -> Vec<Value> {
    let mut stages: Vec<ConsentStage> = process.stages().to_vec();
    for s in now {
        if !stages.contains(s) {
            stages.push(*s);
        }
    }
    options(
        stages.iter().map(|s| {
            (
                s.as_str().to_string(),
                i18n::t(locale, &format!("stage-{}", s.as_str())),
            )
        }),
        selected,
    )
}
