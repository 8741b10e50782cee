//! The rota's iCalendar feed, and the feed writer the team schedule shares.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::ROTA_WEEKS;
use crate::db::{self, desk as ddb};
use crate::domain::desk::{self, ShiftStatus};
use crate::domain::format;
use crate::error::{AppError, AppResult};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::routes) struct IcsQuery {
    pub key: String,
}

/// The rota as an iCalendar feed that calendar apps subscribe to: the link
/// carries its own key, as they cannot log in.
pub(super) async fn rota_ics(
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
pub(in crate::routes) struct CalendarEvent {
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub date: NaiveDate,
    /// `HH:MM`
    pub start: String,
    pub end: String,
}

/// An iCalendar feed of `events`, times given in UTC.
pub(in crate::routes) fn calendar_feed(name: &str, events: &[CalendarEvent]) -> HttpResponse {
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
