//! The holiday calendar (holidays and make-up working days) and each
//! responding body's working days to answer.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;

use super::{all_units, unit_options};
use crate::app::recommendations::CalendarChange;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::recommendations as rdb;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::domain::workdays::DayKind;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{call, options};

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
    let values = form.into_inner();
    let get = |k: &str| values.get(k).map_or("", String::as_str).to_string();
    let mut unread = FieldErrors::default();
    let change = match get("action").as_str() {
        "set" => CalendarChange::SetDay {
            date: unread.date("date", &get("date")),
            kind: DayKind::parse(&get("kind")),
            name: get("name"),
            unread,
        },
        "remove" => CalendarChange::RemoveDay(
            format::parse_date(&get("date")).ok_or_else(|| AppError::BadRequest("date".into()))?,
        ),
        "days" => CalendarChange::ResponseDays {
            unit_id: unread.id("unit_id", &get("unit_id")),
            days: unread.number("days", &get("days")),
            unread,
        },
        _ => return Err(AppError::BadRequest("action".into())),
    };
    let year = match &change {
        CalendarChange::SetDay { date: Some(d), .. } | CalendarChange::RemoveDay(d) => d.year(),
        _ => format::today().year(),
    };
    let changed = call(&ctx, move |c, who| {
        app::recommendations::change_calendar(c, who, &change)
    })
    .await?;
    match changed {
        Ok(()) => Ok(ctx.saved(&format!("/admin/calendar?year={year}"))),
        Err(Rejected::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_calendar(&ctx, year, &values, &e, status).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}
