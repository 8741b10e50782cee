//! The weekly duty desk ("Tuesday with citizens"): the rota, what happens to
//! each citizen's case, feedback, and the periods the desk is reviewed over.

use chrono::{Datelike, Months, NaiveDate, Weekday};

code_list!(ShiftStatus {
    Planned => "planned",
    Held => "held",
    Cancelled => "cancelled",
    /// Never stored: a planned shift whose day passed without being marked
    /// held (see `ShiftStatus::shown`).
    Missed => "missed",
});

impl ShiftStatus {
    /// The status a shift shows on `today`: the one stored, except that a
    /// shift still planned once its day has passed was missed.
    pub fn shown(stored: &str, on_date: NaiveDate, today: NaiveDate) -> ShiftStatus {
        match ShiftStatus::parse(stored).unwrap_or(ShiftStatus::Planned) {
            ShiftStatus::Planned if on_date < today => ShiftStatus::Missed,
            s => s,
        }
    }

    /// What whoever records cases may mark a shift as.
    pub const MARKED: [ShiftStatus; 2] = [ShiftStatus::Held, ShiftStatus::Cancelled];
}

/// Where a swap of a shift stands for the reader: none open, or open and
/// asked by them, asked of them, or between two others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapRole {
    None,
    Asker,
    Colleague,
    Other,
}

/// The reader's part in a shift's open swap request.
pub fn swap_role(asked_by: Option<i64>, asked_of: Option<i64>, reader: i64) -> SwapRole {
    match (asked_by, asked_of) {
        (None, _) => SwapRole::None,
        (Some(by), _) if by == reader => SwapRole::Asker,
        (_, Some(of)) if of == reader => SwapRole::Colleague,
        _ => SwapRole::Other,
    }
}

/// A shift can still change hands while it is planned and its day has not
/// passed.
pub fn swappable(stored: &str, on_date: NaiveDate, today: NaiveDate) -> bool {
    ShiftStatus::shown(stored, on_date, today) == ShiftStatus::Planned
}

code_list!(Outcome {
    Guided => "guided",
    Resolved => "resolved",
    HandedOver => "handed_over",
    Escalated => "escalated",
});

code_list!(Rating {
    VerySatisfied => "very_satisfied",
    Satisfied => "satisfied",
    NotSatisfied => "not_satisfied",
});

code_list!(RoundKind {
    Outreach => "outreach",
    LegalAdvice => "legal_advice",
    OnlineGuidance => "online_guidance",
});

/// Days a citizen's feedback link stays open.
pub const FEEDBACK_DAYS: u64 = 14;

/// Weekdays stored as 1 (Monday) to 7 (Sunday), as Vietnamese speak of
/// "thứ Hai" … "Chủ nhật".
pub fn weekday(n: i32) -> Option<Weekday> {
    match n {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

/// The duty's dates from `from` for `weeks` weeks, never before it starts.
pub fn rota_dates(
    starts_on: NaiveDate,
    day: Weekday,
    from: NaiveDate,
    weeks: u32,
) -> Vec<NaiveDate> {
    let begin = from.max(starts_on);
    let offset =
        (7 + day.num_days_from_monday() as i64 - begin.weekday().num_days_from_monday() as i64) % 7;
    let first = begin + chrono::Duration::days(offset);
    (0..weeks as i64)
        .map(|w| first + chrono::Duration::weeks(w))
        .collect()
}

/// Who is on duty on `date` among `n` officials taking turns weekly from
/// the first duty date on or after `starts_on`.
pub fn turn(starts_on: NaiveDate, date: NaiveDate, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let weeks = (date - starts_on).num_days().max(0) / 7;
    weeks as usize % n
}

/// `HH:MM` on a 24-hour clock.
pub fn parse_time(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// The periods a desk is reviewed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The first month from the duty's start.
    FirstMonth,
    /// The first six months from the duty's start.
    FirstSixMonths,
    /// A calendar quarter.
    Quarter(i32, u32),
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "first_month" => Some(Period::FirstMonth),
            "first_six_months" => Some(Period::FirstSixMonths),
            _ => {
                let (y, q) = s.split_once("-q")?;
                let (y, q) = (y.parse().ok()?, q.parse().ok()?);
                (1..=4).contains(&q).then_some(Period::Quarter(y, q))
            }
        }
    }

    pub fn code(self) -> String {
        match self {
            Period::FirstMonth => "first_month".into(),
            Period::FirstSixMonths => "first_six_months".into(),
            Period::Quarter(y, q) => format!("{y}-q{q}"),
        }
    }

    /// First and last day, both included.
    pub fn range(self, starts_on: NaiveDate) -> (NaiveDate, NaiveDate) {
        let months = |d: NaiveDate, m: u32| d.checked_add_months(Months::new(m)).unwrap_or(d);
        match self {
            Period::FirstMonth => (
                starts_on,
                months(starts_on, 1).pred_opt().unwrap_or(starts_on),
            ),
            Period::FirstSixMonths => (
                starts_on,
                months(starts_on, 6).pred_opt().unwrap_or(starts_on),
            ),
            Period::Quarter(y, q) => {
                let first = NaiveDate::from_ymd_opt(y, 3 * (q - 1) + 1, 1).unwrap_or(starts_on);
                (first, months(first, 3).pred_opt().unwrap_or(first))
            }
        }
    }

    /// The periods offered for a duty: its first month, its first six months,
    /// and the quarters from its start to `today`.
    pub fn offered(starts_on: NaiveDate, today: NaiveDate) -> Vec<Period> {
        let mut out = vec![Period::FirstMonth, Period::FirstSixMonths];
        let (mut y, mut q) = (starts_on.year(), (starts_on.month() - 1) / 3 + 1);
        while (y, q) <= (today.year(), (today.month() - 1) / 3 + 1) {
            out.push(Period::Quarter(y, q));
            (y, q) = if q == 4 { (y + 1, 1) } else { (y, q + 1) };
        }
        out
    }
}

/// The weeks (Monday to Sunday) that cover a month, for a calendar page.
pub fn month_weeks(year: i32, month: u32) -> Vec<[NaiveDate; 7]> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return vec![];
    };
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let mut monday = first - chrono::Duration::days(first.weekday().num_days_from_monday() as i64);
    let mut weeks = Vec::new();
    while monday <= last {
        weeks.push(std::array::from_fn(|i| {
            monday + chrono::Duration::days(i as i64)
        }));
        monday += chrono::Duration::weeks(1);
    }
    weeks
}

/// An escalated case is overdue while unanswered past its due day.
pub fn case_overdue(
    answered_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    answered_on.is_none() && due_on.is_some_and(|d| d < today)
}

/// Whole percent of answers that were satisfied or very satisfied; `None`
/// without answers.
pub fn satisfaction_percent(very: i64, satisfied: i64, not: i64) -> Option<i64> {
    let all = very + satisfied + not;
    (all > 0).then(|| super::numbers::percent_of(very + satisfied, all))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::d;

    #[test]
    fn an_escalated_case_is_overdue_only_unanswered_past_its_day() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        assert!(case_overdue(None, Some(d(4)), d(5)));
        assert!(
            !case_overdue(None, Some(d(5)), d(5)),
            "due today is not late"
        );
        assert!(!case_overdue(Some(d(6)), Some(d(4)), d(9)), "answered");
        assert!(!case_overdue(None, None, d(9)), "nothing due");
    }

    #[test]
    fn a_planned_shift_past_its_day_shows_as_missed() {
        let today = d(2026, 3, 10);
        let shown = |s: &str, day: u32| ShiftStatus::shown(s, d(2026, 3, day), today);
        assert_eq!(shown("planned", 3), ShiftStatus::Missed);
        assert_eq!(
            shown("planned", 10),
            ShiftStatus::Planned,
            "today is not missed yet"
        );
        assert_eq!(shown("planned", 17), ShiftStatus::Planned);
        assert_eq!(shown("held", 3), ShiftStatus::Held);
        assert_eq!(shown("cancelled", 3), ShiftStatus::Cancelled);
        assert!(swappable("planned", d(2026, 3, 10), today));
        assert!(!swappable("planned", d(2026, 3, 9), today));
        assert!(!swappable("held", d(2026, 3, 17), today));
        assert!(!ShiftStatus::MARKED.contains(&ShiftStatus::Missed));
    }

    #[test]
    fn the_readers_part_in_a_swap() {
        assert_eq!(swap_role(None, None, 1), SwapRole::None);
        assert_eq!(swap_role(Some(1), Some(2), 1), SwapRole::Asker);
        assert_eq!(swap_role(Some(1), Some(2), 2), SwapRole::Colleague);
        assert_eq!(swap_role(Some(1), Some(2), 3), SwapRole::Other);
        assert_eq!(swap_role(Some(1), None, 2), SwapRole::Other);
    }

    #[test]
    fn tuesdays_from_the_start_taken_in_turn() {
        // Quảng Phú started on Tuesday 05/08/2025.
        let start = d(2025, 8, 5);
        let dates = rota_dates(start, Weekday::Tue, d(2025, 8, 1), 3);
        assert_eq!(dates, vec![d(2025, 8, 5), d(2025, 8, 12), d(2025, 8, 19)]);
        let later = rota_dates(start, Weekday::Tue, d(2025, 8, 13), 1);
        assert_eq!(later, vec![d(2025, 8, 19)]);
        assert_eq!(turn(start, d(2025, 8, 5), 3), 0);
        assert_eq!(turn(start, d(2025, 8, 12), 3), 1);
        assert_eq!(turn(start, d(2025, 8, 26), 3), 0);
        assert_eq!(turn(start, d(2025, 8, 26), 0), 0);
    }

    #[test]
    fn review_periods() {
        let start = d(2025, 8, 5);
        assert_eq!(Period::FirstMonth.range(start), (start, d(2025, 9, 4)));
        assert_eq!(Period::FirstSixMonths.range(start), (start, d(2026, 2, 4)));
        assert_eq!(
            Period::Quarter(2025, 4).range(start),
            (d(2025, 10, 1), d(2025, 12, 31))
        );
        let offered = Period::offered(start, d(2026, 1, 10));
        assert_eq!(offered.len(), 5);
        assert_eq!(offered[4], Period::Quarter(2026, 1));
        for p in offered {
            assert_eq!(Period::parse(&p.code()), Some(p));
        }
        assert_eq!(Period::parse("2025-q5"), None);
        assert_eq!(Period::parse("x"), None);
    }

    #[test]
    fn a_month_is_covered_by_whole_weeks() {
        // November 2025 starts on a Saturday and ends on a Sunday.
        let weeks = month_weeks(2025, 11);
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0], d(2025, 10, 27));
        assert_eq!(weeks[4][6], d(2025, 11, 30));
        assert!(month_weeks(2025, 13).is_empty());
    }

    #[test]
    fn satisfaction_counts_both_satisfied_levels() {
        assert_eq!(satisfaction_percent(3, 1, 1), Some(80));
        assert_eq!(satisfaction_percent(0, 0, 0), None);
        assert_eq!(Outcome::parse("escalated"), Some(Outcome::Escalated));
        assert_eq!(Rating::parse("bad"), None);
        assert_eq!(weekday(2), Some(Weekday::Tue));
        assert_eq!(weekday(0), None);
        assert!(parse_time("07:30").is_some() && parse_time("7h30").is_none());
    }
}
