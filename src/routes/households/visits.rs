//! A household's page: its record, its visits logged (from a phone too,
//! with photos and the place), the form that logs the next one, and the
//! photos served to whoever may see them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::stage_options;
use crate::app::households::{PhotoOf, VisitInput};
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db;
use crate::db::households::{DeviceVisit, Place};
use crate::domain::consent;
use crate::domain::format;
use crate::domain::households::{Concern, Sight, VisitKind};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n::{self, Locale};
use crate::routes::{call, options, Submitted};

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct VisitForm {
    pub visited_on: String,
    pub kind: String,
    pub members: Vec<String>,
    pub others: String,
    pub household_said: String,
    pub concerns: Vec<String>,
    pub stage_after: String,
    pub reason: String,
    pub next_step: String,
    pub next_visit_on: String,
    pub corrects_id: String,
    /// Filled by the page's script: the id the phone gave the visit, when it
    /// was made there, and where, if the member chose to record the place.
    pub device_id: String,
    pub made_at: String,
    pub latitude: String,
    pub longitude: String,
    pub accuracy_m: String,
    /// The stage the member saw when the form was opened.
    pub seen_stage: String,
    /// The outcome button pressed, when one was: the stage after the visit
    /// in one tap (the list above is for the rest).
    pub outcome: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ShowQuery {
    correct: Option<i64>,
    /// The log from the visit after this one (older visits), as "older"
    /// links page it.
    before: Option<i64>,
}

/// Visits shown on a household's page at a time, newest first.
const LOG_PAGE: i64 = 20;

pub(super) async fn show(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let shown = (q.correct, q.before.unwrap_or(0));
    render_show(
        &ctx,
        StatusCode::OK,
        *id,
        None,
        FieldErrors::default(),
        shown,
    )
    .await
}

/// The household's page as its reader may see it (`app::money::with_household`),
/// with `form` as typed, or a new visit's.
async fn render_show(
    ctx: &Ctx,
    status: StatusCode,
    hid: i64,
    form: Option<VisitForm>,
    errors: FieldErrors,
    (correcting, before): (Option<i64>, i64),
) -> AppResult<HttpResponse> {
    let (household, access, compensation) =
        call(ctx, move |c, who| app::money::with_household(c, who, hid))
            .await?
            .map_err(Rejected::into_app_error)?;
    // "Correct" pre-fills the form from the visit being corrected; a new
    // visit is today's, at the door, by the member logging it (who is
    // offered only if on the task).
    let mut form = match form {
        Some(typed) => typed,
        None => VisitForm {
            visited_on: format::date(format::today()),
            kind: VisitKind::DoorToDoor.as_str().into(),
            stage_after: household.stage.clone(),
            corrects_id: correcting.map(|c| c.to_string()).unwrap_or_default(),
            members: vec![ctx.user()?.id.to_string()],
            next_visit_on: consent::next_visit_in_days(household.stage())
                .map(|days| format::date(format::today() + chrono::Duration::days(days)))
                .unwrap_or_default(),
            ..Default::default()
        },
    };
    let (tid, owner_id) = (access.task.id, access.task.owner_id);
    let (history, members, owner, photos, parcel) = ctx
        .db(move |conn| {
            // The log a page at a time (a household visited every week for
            // years has hundreds), with the visit being corrected when it
            // is on another page.
            let mut history = db::households::history_after(conn, hid, before, LOG_PAGE + 1)?;
            let older = (history.len() as i64 > LOG_PAGE).then(|| {
                history.truncate(LOG_PAGE as usize);
                history.last().map(|(v, _)| v.id)
            });
            let corrected = match correcting {
                Some(c) if !history.iter().any(|(v, _)| v.id == c) => {
                    db::households::history_after(conn, hid, 0, i64::MAX)?
                        .into_iter()
                        .find(|(v, _)| v.id == c)
                }
                _ => None,
            };
            let shown: Vec<i64> = history.iter().map(|(v, _)| v.id).collect();
            Ok((
                (
                    history,
                    older.flatten(),
                    corrected,
                    db::households::corrected_among(conn, hid, &shown)?,
                ),
                db::tasks::members(conn, tid)?,
                db::users::find(conn, owner_id)?,
                db::households::photos_of_visits(conn, &shown)?,
                db::parcels::of_household(conn, hid)?,
            ))
        })
        .await?;
    let locale = ctx.locale;
    let parcel_map = parcel.as_ref().map(|p| {
        json!({
            "svg": crate::routes::maps::household_parcel_svg(locale, &household, p),
            "area": format::decimal(p.area_m2),
            "source": p.source,
        })
    });
    let (history, older, corrected_visit, corrected) = history;
    let being_corrected = correcting
        .and_then(|c| history.iter().find(|(v, _)| v.id == c))
        .or(corrected_visit.as_ref());
    if let Some((v, names)) = being_corrected {
        if errors.is_empty() {
            form.visited_on = format::date(v.visited_on);
            form.kind = v.kind.clone();
            form.others = v.others.clone();
            form.household_said = v.household_said.clone();
            form.concerns = app::households::codes(&v.concerns);
            form.stage_after = v.stage_after.clone();
            form.next_step = v.next_step.clone();
            form.next_visit_on = v.next_visit_on.map(format::date).unwrap_or_default();
            form.members = members
                .iter()
                .filter(|m| names.contains(&m.full_name))
                .map(|m| m.user_id.to_string())
                .collect();
        }
    }
    let history: Vec<Value> = history
        .iter()
        .map(|(v, names)| {
            json!({
                "v": v,
                "members": names.join(", "),
                "concerns": in_words(locale, "concern-", &v.concerns),
                "superseded": corrected.contains(&v.id),
                "photos": photos.iter().filter(|p| p.visit_id == v.id).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Who may be named as having gone: the owner and the people on the task.
    let mut people: Vec<(String, String)> = vec![(owner.id.to_string(), owner.full_name.clone())];
    for m in &members {
        if !people.iter().any(|(id, _)| *id == m.user_id.to_string()) {
            people.push((m.user_id.to_string(), m.full_name.clone()));
        }
    }
    let member_options: Vec<Value> = people
        .into_iter()
        .map(|(value, label)| {
            let selected = form.members.contains(&value);
            json!({"value": value, "label": label, "selected": selected})
        })
        .collect();
    // One tap each for the usual outcomes; the list below holds every stage.
    let now = household.stage();
    let outcomes: Vec<Value> = access
        .process
        .usual_outcomes(now)
        .into_iter()
        .map(|s| {
            let label = i18n::t(locale, &format!("stage-{}", s.as_str()));
            json!({"value": s.as_str(), "label": label, "unchanged": s == now})
        })
        .collect();
    ctx.render_status(
        status,
        "households/show",
        json!({
            "title": household.head_name,
            "parcel_map": parcel_map,
            "money": compensation.as_ref().map(|c| super::money::view(locale, c)),
            "payment": compensation.as_ref().map(|c| super::money::new_payment(c.left().unwrap_or(0))),
            "method_options": super::money::method_options(locale, crate::domain::money::PaymentMethod::Transfer.as_str()),
            "h": household,
            "groups": in_words(locale, "priority-", &household.priority_groups),
            "task": {"id": access.task.id, "title": access.task.title},
            "can_edit": access.can_edit,
            "can_log": access.can_log_visits,
            "personal_masked": access.sight == Sight::Masked,
            "can_administer": app::households::administers(ctx.user()?, &access),
            "task_closed": app::households::closed(&access),
            "history": history,
            "history_older": older,
            "history_paged": before != 0,
            "correcting": correcting,
            "f": crate::routes::form_view(&form, &errors),
            "has_errors": !errors.is_empty(),
            "kinds": options(VisitKind::ALL.iter().map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("visit-kind-{}", k.as_str())))), &form.kind),
            "outcomes": outcomes,
            "stages": stage_options(locale, access.process, &[now], &form.stage_after),
            "member_options": member_options,
            "concern_options": Concern::ALL.iter().map(|c| json!({
                "value": c.as_str(),
                "label": i18n::t(locale, &format!("concern-{}", c.as_str())),
                "checked": form.concerns.iter().any(|x| x == c.as_str()),
            })).collect::<Vec<_>>(),
        }),
    )
}

/// A stored list's codes in words (their keys start with `prefix`).
fn in_words(locale: Locale, prefix: &str, stored: &str) -> String {
    let codes = app::households::codes(stored);
    let words: Vec<String> = codes
        .iter()
        .map(|c| i18n::t(locale, &format!("{prefix}{c}")))
        .collect();
    words.join(", ")
}

impl VisitForm {
    /// The typed visit; dates and ids written wrong are kept as unread.
    /// The photos sent with it come beside (a photo the upload refused is an
    /// error on `photos`).
    fn input(&self, photos: Vec<Vec<u8>>, refused: Option<&'static str>) -> VisitInput {
        let mut unread = FieldErrors::default();
        if let Some(key) = refused {
            let key = match key {
                "upload-error-too-many" => "photos-error-too-many",
                other => other,
            };
            unread.add("photos", key);
        }
        let visited_on = unread.date("visited_on", &self.visited_on);
        let next_visit_on = unread.date("next_visit_on", &self.next_visit_on);
        let members = unread.ids("members", &self.members);
        let corrects_id = unread.typed_id("corrects_id", &self.corrects_id);
        VisitInput {
            visited_on,
            kind: self.kind.clone(),
            members,
            others: self.others.clone(),
            household_said: self.household_said.clone(),
            concerns: self.concerns.clone(),
            stage_after: if self.outcome.is_empty() {
                self.stage_after.clone()
            } else {
                self.outcome.clone()
            },
            reason: self.reason.clone(),
            next_step: self.next_step.clone(),
            next_visit_on,
            corrects_id,
            device: self.device(&mut unread),
            seen_stage: self.seen_stage.clone(),
            photos,
            unread,
        }
    }

    /// The phone's part, when its script sent one; a place is kept only
    /// whole (all three figures), and a time only as the script writes it.
    fn device(&self, unread: &mut FieldErrors) -> Option<DeviceVisit> {
        let id = self.device_id.trim();
        if id.is_empty() {
            return None;
        }
        let made_at = chrono::DateTime::parse_from_rfc3339(self.made_at.trim())
            .ok()
            .map(|t| t.naive_utc());
        let figure = |s: &str| s.trim().parse::<f64>().ok().filter(|f| f.is_finite());
        let place = match (
            figure(&self.latitude),
            figure(&self.longitude),
            figure(&self.accuracy_m),
        ) {
            (Some(latitude), Some(longitude), Some(accuracy_m)) => Some(Place {
                latitude,
                longitude,
                accuracy_m,
            }),
            _ if self.latitude.trim().is_empty() => None,
            _ => {
                unread.add("place", "error-invalid-choice");
                None
            }
        };
        Some(DeviceVisit {
            id: id.to_string(),
            made_at,
            place,
        })
    }
}

pub(super) async fn log_visit(
    ctx: Ctx,
    id: web::Path<i64>,
    sent: Submitted<VisitForm>,
) -> AppResult<HttpResponse> {
    let (hid, form) = (*id, sent.form);
    let photos = sent
        .files
        .into_iter()
        .filter(|(name, _)| name == "photos")
        .map(|(_, bytes)| bytes)
        .collect();
    let input = form.input(photos, sent.refused);
    let who = ctx.caller()?;
    let files = ctx.state.config.data_dir.clone();
    let logged = ctx
        .db(move |c| {
            let logged = app::households::log_visit(c, &who, hid, &input, &files);
            Ok(logged)
        })
        .await?;
    match logged {
        // Sent again by a phone: stored before, nothing to say twice.
        Ok(l) if l.already => Ok(ctx.redirect(&format!("/households/{hid}"))),
        Ok(l) => {
            ctx.flash("success", "flash-visit-logged");
            if l.moved_meanwhile {
                ctx.flash("info", "flash-visit-moved-meanwhile");
            }
            Ok(ctx.redirect(&format!("/households/{hid}")))
        }
        Err(Rejected::Invalid(e)) => {
            let correcting = form.corrects_id.trim().parse().ok();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_show(&ctx, status, hid, Some(form), e, (correcting, 0)).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

/// A visit's photo, to whoever may read the household's personal details
/// (a reviewer's or administrator's look logged, as on the page); shown in
/// the page, never run as anything but a picture.
pub(super) async fn photo(ctx: Ctx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (hid, pid) = path.into_inner();
    let photo = call(&ctx, move |c, who| {
        app::households::photo(c, who, PhotoOf::Household(hid), pid)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    crate::routes::serve_file(
        &ctx,
        &photo.sha256,
        crate::routes::Served::Inline(&photo.content_type),
    )
    .await
}
