//! Deadlines counted in working days: weekends and public holidays are not
//! counted, make-up working days (ngày làm bù, often a Saturday) are. The
//! computation returns its own explanation, so a page can show how a due
//! date was reached.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// What the holiday calendar says about a date; dates it does not list
/// follow the week (Monday to Friday work).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (or a day off given in exchange for a make-up day).
    Holiday,
    /// A weekend day worked in exchange for a day off.
    MakeUp,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::MakeUp => "make_up",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "make_up" => Some(DayKind::MakeUp),
            _ => None,
        }
    }
}

/// The calendar's special days with their names.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, (DayKind, String)>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind, String)>) -> Calendar {
        Calendar {
            days: days.into_iter().map(|(d, k, n)| (d, (k, n))).collect(),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::MakeUp, _)) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Why a day is skipped or counted unusually, for the explanation.
    fn note(&self, d: NaiveDate) -> Option<(DayKind, &str)> {
        self.days.get(&d).map(|(k, n)| (*k, n.as_str()))
    }
}

/// A day skipped or specially counted on the way to a due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub date: NaiveDate,
    /// "weekend", "holiday" or "make_up".
    pub why: &'static str,
    pub name: String,
}

/// A due date with how it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueDate {
    pub raised_on: NaiveDate,
    pub working_days: u32,
    pub due_on: NaiveDate,
    /// Days not counted (weekends, holidays) and make-up days counted.
    pub steps: Vec<Step>,
}

/// The due date `n` working days after `raised_on`: the day of raising is
/// not counted; the first working day after it is day 1.
pub fn add_working_days(cal: &Calendar, raised_on: NaiveDate, n: u32) -> DueDate {
    let mut d = raised_on;
    let mut counted = 0;
    let mut steps = Vec::new();
    while counted < n {
        d = d.succ_opt().unwrap_or(d);
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if cal.is_working_day(d) {
            counted += 1;
            if let Some((DayKind::MakeUp, name)) = cal.note(d) {
                steps.push(Step {
                    date: d,
                    why: "make_up",
                    name: name.to_string(),
                });
            }
        } else {
            let (why, name) = match cal.note(d) {
                Some((DayKind::Holiday, name)) => ("holiday", name.to_string()),
                _ => ("weekend", String::new()),
            };
            // Plain weekends are many; list them only when they are all there is.
            if why == "holiday" || !weekend || n <= 15 {
                steps.push(Step { date: d, why, name });
            }
        }
    }
    DueDate {
        raised_on,
        working_days: n,
        due_on: d,
        steps,
    }
}

/// Working days from `from` (exclusive) to `to` (inclusive); 0 when `to` is
/// not after `from`. Used for "days to answer" and "days overdue".
pub fn working_days_between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap_or(to);
        if cal.is_working_day(d) {
            n += 1;
        }
    }
    n
}

/// Where an unanswered recommendation stands against its due date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    OnTime,
    /// Three working days or fewer left.
    DueSoon,
    Overdue,
    /// More than ten working days past due.
    LongOverdue,
}

pub const DUE_SOON_WORKING_DAYS: i64 = 3;
pub const LONG_OVERDUE_WORKING_DAYS: i64 = 10;

pub fn urgency(cal: &Calendar, due_on: NaiveDate, today: NaiveDate) -> Urgency {
    if today > due_on {
        if working_days_between(cal, due_on, today) > LONG_OVERDUE_WORKING_DAYS {
            Urgency::LongOverdue
        } else {
            Urgency::Overdue
        }
    } else if working_days_between(cal, today, due_on) <= DUE_SOON_WORKING_DAYS {
        Urgency::DueSoon
    } else {
        Urgency::OnTime
    }
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::OnTime,
        Urgency::DueSoon,
        Urgency::Overdue,
        Urgency::LongOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::OnTime => "on_time",
            Urgency::DueSoon => "due_soon",
            Urgency::Overdue => "overdue",
            Urgency::LongOverdue => "long_overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// The due dates that have the urgency `u` today, as (first, last), both
/// included, `None` for no bound: [`urgency`] grows with the due date, so
/// each urgency is a run of due dates, and a list can ask the database for
/// it.
pub fn due_dates_with(
    cal: &Calendar,
    u: Urgency,
    today: NaiveDate,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    // Due on or before this day: more than ten working days past today. The
    // eleventh working day back from today (today counted) must lie after
    // the due day.
    let long_last = nth_working_day(cal, today, LONG_OVERDUE_WORKING_DAYS + 1, false)
        .and_then(|d| d.pred_opt());
    // Due on or before this day (and not before today): three working days
    // or fewer left. The fourth working day after today must lie after it.
    let soon_last = today
        .succ_opt()
        .and_then(|d| nth_working_day(cal, d, DUE_SOON_WORKING_DAYS + 1, true))
        .and_then(|d| d.pred_opt());
    match u {
        Urgency::LongOverdue => (None, long_last),
        Urgency::Overdue => (long_last.and_then(|d| d.succ_opt()), today.pred_opt()),
        Urgency::DueSoon => (Some(today), soon_last),
        Urgency::OnTime => (soon_last.and_then(|d| d.succ_opt()), None),
    }
}

/// The `n`th working day from `start` (counted if it is one), going forward
/// or back; `None` past the calendar's range of dates.
fn nth_working_day(cal: &Calendar, start: NaiveDate, n: i64, forward: bool) -> Option<NaiveDate> {
    let mut d = start;
    let mut seen = 0;
    loop {
        if cal.is_working_day(d) {
            seen += 1;
            if seen == n {
                return Some(d);
            }
        }
        d = if forward {
            d.succ_opt()?
        } else {
            d.pred_opt()?
        };
    }
}

/// The median of some numbers of days, `None` for none.
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::d;

    /// Viet Nam 2025 around National Day: 1–2 September off (Monday, Tuesday),
    /// and a made-up example of a Saturday worked in exchange.
    fn calendar() -> Calendar {
        Calendar::new([
            (
                d(2025, 9, 1),
                DayKind::Holiday,
                "Nghỉ Quốc khánh".to_string(),
            ),
            (d(2025, 9, 2), DayKind::Holiday, "Quốc khánh".to_string()),
            (d(2025, 9, 6), DayKind::MakeUp, "Làm bù".to_string()),
        ])
    }

    #[test]
    fn ten_working_days_skip_the_weekend() {
        // Wednesday 15/10/2025 + 10 working days = Wednesday 29/10/2025.
        let due = add_working_days(&Calendar::default(), d(2025, 10, 15), 10);
        assert_eq!(due.due_on, d(2025, 10, 29));
        assert_eq!(due.steps.iter().filter(|s| s.why == "weekend").count(), 4);
    }

    #[test]
    fn a_friday_plus_one_is_monday_and_zero_is_the_same_day() {
        assert_eq!(
            add_working_days(&Calendar::default(), d(2025, 10, 17), 1).due_on,
            d(2025, 10, 20)
        );
        assert_eq!(
            add_working_days(&Calendar::default(), d(2025, 10, 17), 0).due_on,
            d(2025, 10, 17)
        );
    }

    #[test]
    fn holidays_are_skipped_and_make_up_days_counted() {
        let cal = calendar();
        // Friday 29/08 + 1: Sat, Sun weekend; Mon 1/9, Tue 2/9 holidays; Wed 3/9.
        let due = add_working_days(&cal, d(2025, 8, 29), 1);
        assert_eq!(due.due_on, d(2025, 9, 3));
        let whys: Vec<&str> = due.steps.iter().map(|s| s.why).collect();
        assert_eq!(whys, ["weekend", "weekend", "holiday", "holiday"]);
        assert_eq!(due.steps[3].name, "Quốc khánh");
        // Thursday 4/9 + 2: Friday 5/9 is day 1, the make-up Saturday 6/9 is day 2.
        let due = add_working_days(&cal, d(2025, 9, 4), 2);
        assert_eq!(due.due_on, d(2025, 9, 6));
        assert_eq!(due.steps.last().unwrap().why, "make_up");
        assert!(!cal.is_working_day(d(2025, 9, 2)));
        assert!(cal.is_working_day(d(2025, 9, 6)));
        assert!(!cal.is_working_day(d(2025, 9, 7)));
    }

    #[test]
    fn counting_working_days_between_two_dates() {
        let cal = calendar();
        assert_eq!(working_days_between(&cal, d(2025, 8, 29), d(2025, 9, 3)), 1);
        assert_eq!(working_days_between(&cal, d(2025, 9, 3), d(2025, 8, 29)), 0);
        assert_eq!(working_days_between(&cal, d(2025, 9, 4), d(2025, 9, 8)), 3);
    }

    #[test]
    fn urgency_from_working_days_left_or_past() {
        let cal = Calendar::default();
        let due = d(2025, 10, 29); // a Wednesday
        assert_eq!(urgency(&cal, due, d(2025, 10, 20)), Urgency::OnTime);
        assert_eq!(urgency(&cal, due, d(2025, 10, 24)), Urgency::DueSoon); // Mon, Tue, Wed left
        assert_eq!(urgency(&cal, due, due), Urgency::DueSoon);
        assert_eq!(urgency(&cal, due, d(2025, 10, 30)), Urgency::Overdue);
        assert_eq!(urgency(&cal, due, d(2025, 11, 12)), Urgency::Overdue); // 10 working days past
        assert_eq!(urgency(&cal, due, d(2025, 11, 13)), Urgency::LongOverdue);
    }

    #[test]
    fn each_urgency_is_the_run_of_due_dates_that_have_it() {
        let cal = calendar();
        // Around the National Day holidays and a make-up Saturday, and an
        // ordinary stretch of weeks.
        for today in [
            d(2025, 8, 27),
            d(2025, 9, 2),
            d(2025, 9, 8),
            d(2025, 10, 24),
        ] {
            for offset in -40..40 {
                let due = today + chrono::Duration::days(offset);
                let found = urgency(&cal, due, today);
                for u in Urgency::ALL {
                    let (first, last) = due_dates_with(&cal, u, today);
                    let within = first.is_none_or(|f| f <= due) && last.is_none_or(|l| due <= l);
                    assert_eq!(within, u == found, "{u:?} due {due} today {today}");
                }
            }
        }
    }

    #[test]
    fn urgency_names_round_trip() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
        }
        assert_eq!(Urgency::parse("late"), None);
    }

    #[test]
    fn median_of_days() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2.5));
    }
}
