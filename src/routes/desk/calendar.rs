//! The rota's iCalendar feed, and the feed writer the team schedule shares:
//! times in Việt Nam's zone, with the zone described in the feed.

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

/// The time zone every feed's times are given in.
pub(in crate::routes) const TZID: &str = "Asia/Ho_Chi_Minh";

/// Việt Nam's zone as a calendar reads it: UTC+07 all year, no daylight
/// saving (RFC 5545 §3.6.5), so that `TZID=Asia/Ho_Chi_Minh` times mean the
/// same everywhere.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Asia/Ho_Chi_Minh\r\n\
X-LIC-LOCATION:Asia/Ho_Chi_Minh\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0700\r\n\
TZOFFSETTO:+0700\r\n\
TZNAME:+07\r\n\
DTSTART:19700101T000000\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// An iCalendar feed of `events`, each starting and ending at Việt Nam's
/// local time (`DTSTART;TZID=Asia/Ho_Chi_Minh:…`), the zone described in
/// the feed itself. Every feed the app makes goes through here.
pub(in crate::routes) fn calendar_feed(name: &str, events: &[CalendarEvent]) -> HttpResponse {
    use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, Property};
    let at = |date: NaiveDate, time: &str| {
        desk::parse_time(time).map(|t| CalendarDateTime::WithTimezone {
            date_time: date.and_time(t),
            tzid: TZID.to_string(),
        })
    };
    let mut cal = Calendar::new();
    cal.name(name)
        .append_property(Property::new("X-WR-TIMEZONE", TZID));
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
        .body(with_timezone(&cal.done().to_string()))
}

/// The feed with the zone's description before its first event (or at its
/// end when it has none): the calendar writer has no VTIMEZONE of its own.
/// Only a whole line counts, never text that a name happens to contain.
fn with_timezone(ics: &str) -> String {
    let at = ["\r\nBEGIN:VEVENT\r\n", "\r\nEND:VCALENDAR"]
        .iter()
        .find_map(|line| ics.find(line))
        .map_or(ics.len(), |i| i + 2);
    format!("{}{VTIMEZONE}{}", &ics[..at], &ics[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_goes_before_the_first_event_line_whatever_the_names_say() {
        let ics = "BEGIN:VCALENDAR\r\nX-WR-CALNAME:BEGIN:VEVENT\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = with_timezone(ics);
        assert!(
            out.starts_with("BEGIN:VCALENDAR\r\nX-WR-CALNAME:BEGIN:VEVENT\r\nBEGIN:VTIMEZONE\r\n")
        );
        assert!(out.contains("END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:1"));
        let empty = with_timezone("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        assert!(empty.ends_with("END:VTIMEZONE\r\nEND:VCALENDAR\r\n"));
    }
}
