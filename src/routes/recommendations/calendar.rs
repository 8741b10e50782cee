//! The holiday calendar (holidays and make-up working days) and each
//! responding body's working days to answer.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;

use super::{all_units, required_date, unit_options};
use crate::context::Ctx;
use crate::db::{self, audit, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::DayKind;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{chosen, options};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct YearQuery {
    year: String,
}

pub(super) async fn calendar_page(ctx: Ctx, q: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    let year = q.year.parse().unwrap_or(format::today().year());
    render_calendar(
        &ctx,
        year,
        &HashMap::new(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_calendar(
    ctx: &Ctx,
    year: i32,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (days, bodies) = ctx
        .db(move |conn| {
            Ok((
                rdb::calendar_year(conn, year)?,
                rdb::response_days_all(conn)?,
            ))
        })
        .await?;
    let units = all_units(ctx).await?;
    let locale = ctx.locale;
    let field = |k: &str| json!({"value": values.get(k).cloned().unwrap_or_default(), "error": errors.get(k)});
    ctx.render_status(
        status,
        "recommendations/calendar",
        json!({
            "title": i18n::t(locale, "calendar-title"),
            "year": year,
            "prev": year - 1,
            "next": year + 1,
            "days": days.iter().map(|(d, k, n)| json!({"date": d, "kind": k, "name": n, "value": format::date(*d)})).collect::<Vec<_>>(),
            "bodies": bodies.iter().map(|(id, n, d)| json!({"id": id, "name": n, "days": d})).collect::<Vec<_>>(),
            "default_days": rdb::DEFAULT_RESPONSE_DAYS,
            "f": {"date": field("date"), "kind": field("kind"), "name": field("name"), "unit_id": field("unit_id"), "days": field("days")},
            "has_errors": !errors.is_empty(),
            "kinds": options([DayKind::Holiday, DayKind::MakeUp].map(|k| (k.as_str().to_string(), i18n::t(locale, &format!("day-kind-{}", k.as_str())))), values.get("kind").map_or("", String::as_str)),
            "units": unit_options(&units, values.get("unit_id").map_or("", String::as_str)),
        }),
    )
}

pub(super) async fn calendar_save(
    ctx: Ctx,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let mut e = FieldErrors::default();
    let actor = ctx.actor();
    let year;
    match get("action").as_str() {
        "set" => {
            let date = required_date(&mut e, "date", &get("date"));
            let kind = DayKind::parse(&get("kind"));
            if kind.is_none() {
                e.add("kind", "error-required");
            }
            let name = e.required("name", &get("name"), 200);
            year = date.map_or(format::today().year(), |d| d.year());
            if let (Some(date), Some(kind), true) = (date, kind, e.is_empty()) {
                ctx.db(move |conn| {
                    audit::write(conn, &actor, |c| {
                        Ok(((), rdb::set_day(c, date, kind, &name)?))
                    })
                })
                .await?;
            }
        }
        "remove" => {
            let date = format::parse_date(&get("date"))
                .ok_or_else(|| AppError::BadRequest("date".into()))?;
            year = date.year();
            ctx.db(move |conn| {
                audit::write_if(conn, &actor, |c| Ok(((), rdb::remove_day(c, date)?)))
            })
            .await?;
        }
        "days" => {
            let unit = e.id("unit_id", &get("unit_id"));
            let days = match e.number::<i32>("days", &get("days")) {
                Some(d) if (1..=90).contains(&d) => Some(d),
                _ => {
                    e.add("days", "error-number");
                    None
                }
            };
            year = format::today().year();
            // A body of a province the administrator manages, still active.
            let found = ctx
                .db(move |conn| Ok(db::units::find_chosen(conn, unit)?))
                .await?;
            let user = ctx.user()?;
            chosen::unit(&mut e, "unit_id", unit, found, |u| {
                user.can(Permission::ManageUnits, &u.path)
            });
            if let (Some(unit), Some(days), true) = (unit, days, e.is_empty()) {
                ctx.db(move |conn| {
                    audit::write(conn, &actor, |c| {
                        Ok(((), rdb::set_response_days(c, unit, days)?))
                    })
                })
                .await?;
            }
        }
        _ => return Err(AppError::BadRequest("action".into())),
    }
    if !e.is_empty() {
        return render_calendar(&ctx, year, &values, &e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect(&format!("/admin/calendar?year={year}")))
}
