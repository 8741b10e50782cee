//! Notifications by mail: the kinds, how each may be delivered, when a failed
//! send is tried again, and when reminders fall due.

use chrono::{Duration, NaiveDate, NaiveDateTime};

code_list! {
    /// What a notification is about. The user chooses a delivery per kind.
    Kind {
        /// Made owner, co-owner or team member of a task.
        TaskAssigned => "task_assigned",
        /// A task's deadline is near or has passed (to the owner).
        TaskDeadline => "task_deadline",
        /// The field team's households whose next visit is due (daily only).
        VisitsDue => "visits_due",
        /// A review round opened: self-assessment is due (to task owners).
        ReviewOpened => "review_opened",
        /// A review round's results were published (to task owners).
        ReviewPublished => "review_published",
        /// A task's owner disputed a published result (to the round's lead,
        /// who answers it).
        ReviewDisputed => "review_disputed",
        /// The lead answered a dispute: the result stands or the dispute is
        /// accepted (to whoever raised it).
        ReviewDisputeAnswered => "review_dispute_answered",
        /// A recommendation is due soon or overdue (to the responding body).
        RecommendationDue => "recommendation_due",
        /// A recommendation was answered (to the raising unit).
        RecommendationAnswered => "recommendation_answered",
        /// An escalated desk case is due or overdue.
        DeskCaseDue => "desk_case_due",
        /// A swap of a desk shift: asked of the colleague, then accepted
        /// (both officials and the desk's managers), declined (the asker) or
        /// withdrawn (the colleague).
        DeskSwap => "desk_swap",
    }
}

code_list! {
    /// How a user receives one kind of notification.
    Delivery {
        Immediate => "immediate",
        Digest => "digest",
        Off => "off",
    }
}

impl Kind {
    /// Mail that a process depends on — a deadline set by regulation, a step
    /// of the Front's review — cannot be switched off, only gathered into the
    /// digest.
    pub fn required(self) -> bool {
        matches!(
            self,
            Kind::ReviewOpened
                | Kind::ReviewDisputed
                | Kind::RecommendationDue
                | Kind::DeskCaseDue
                | Kind::DeskSwap
        )
    }

    /// What a user may choose for this kind.
    pub fn choices(self) -> &'static [Delivery] {
        match self {
            // The worklist is a daily list by nature.
            Kind::VisitsDue => &[Delivery::Digest, Delivery::Off],
            k if k.required() => &[Delivery::Immediate, Delivery::Digest],
            _ => Delivery::ALL,
        }
    }

    pub fn default_delivery(self) -> Delivery {
        match self {
            Kind::VisitsDue => Delivery::Digest,
            _ => Delivery::Immediate,
        }
    }

    /// The delivery that applies: the user's choice when it is allowed,
    /// the default otherwise.
    pub fn delivery(self, chosen: Option<Delivery>) -> Delivery {
        chosen
            .filter(|d| self.choices().contains(d))
            .unwrap_or(self.default_delivery())
    }
}

/// Tries before a message is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// The wait before the next try after `attempts` failed ones: doubling from
/// `base`, at most an hour.
pub fn retry_delay(attempts: i32, base: Duration) -> Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    let delay = base * 2i32.pow(doublings as u32);
    delay.min(Duration::hours(1))
}

/// Viet Nam has one time zone, UTC+7, and no daylight saving.
pub fn local_now(utc: NaiveDateTime) -> NaiveDateTime {
    utc + Duration::hours(7)
}

/// The local day whose daily run (digests and reminders) is due at `utc`,
/// once the local clock has passed `hour`; `None` before that.
pub fn daily_run_due(utc: NaiveDateTime, hour: u32) -> Option<NaiveDate> {
    let local = local_now(utc);
    (local.time() >= chrono::NaiveTime::from_hms_opt(hour.min(23), 0, 0)?).then(|| local.date())
}

/// Days ahead of a task's deadline at which its owner is reminded.
pub const TASK_DEADLINE_NOTICE_DAYS: i64 = 7;
/// Days ahead of an escalated desk case's due date at which it is reminded.
pub const DESK_CASE_NOTICE_DAYS: i64 = 2;

/// Where a date stands for a reminder: not yet, soon, or passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminder {
    Soon,
    Passed,
}

impl Reminder {
    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::Soon => "soon",
            Reminder::Passed => "passed",
        }
    }
}

/// A calendar-day reminder: within `notice` days of `due` (inclusive) is
/// soon, after it is passed.
pub fn reminder(due: NaiveDate, today: NaiveDate, notice: i64) -> Option<Reminder> {
    let left = (due - today).num_days();
    if left < 0 {
        Some(Reminder::Passed)
    } else if left <= notice {
        Some(Reminder::Soon)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::d;

    #[test]
    fn required_kinds_cannot_be_switched_off_and_the_worklist_is_never_immediate() {
        assert_eq!(
            Kind::RecommendationDue.delivery(Some(Delivery::Off)),
            Delivery::Immediate
        );
        assert_eq!(
            Kind::RecommendationDue.delivery(Some(Delivery::Digest)),
            Delivery::Digest
        );
        assert_eq!(
            Kind::TaskAssigned.delivery(Some(Delivery::Off)),
            Delivery::Off
        );
        assert_eq!(Kind::TaskAssigned.delivery(None), Delivery::Immediate);
        assert_eq!(
            Kind::VisitsDue.delivery(Some(Delivery::Immediate)),
            Delivery::Digest
        );
        assert_eq!(Kind::VisitsDue.delivery(Some(Delivery::Off)), Delivery::Off);
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        let base = Duration::seconds(30);
        assert_eq!(retry_delay(1, base), Duration::seconds(30));
        assert_eq!(retry_delay(2, base), Duration::seconds(60));
        assert_eq!(retry_delay(4, base), Duration::seconds(240));
        assert_eq!(retry_delay(12, base), Duration::hours(1));
        assert_eq!(retry_delay(0, base), Duration::seconds(30));
    }

    #[test]
    fn the_daily_run_is_due_after_the_local_hour() {
        let utc = |h, m| d(2026, 3, 9).and_hms_opt(h, m, 0).unwrap();
        // 23:30 UTC on the 9th is 06:30 on the 10th in Hà Nội.
        assert_eq!(daily_run_due(utc(23, 30), 7), None);
        // 00:00 UTC is 07:00 local.
        assert_eq!(
            daily_run_due(d(2026, 3, 10).and_hms_opt(0, 0, 0).unwrap(), 7),
            Some(d(2026, 3, 10))
        );
        assert_eq!(daily_run_due(utc(16, 59), 0), Some(d(2026, 3, 9)));
        assert_eq!(daily_run_due(utc(17, 0), 0), Some(d(2026, 3, 10)));
    }

    #[test]
    fn reminders_come_within_the_notice_and_after_the_date() {
        let due = d(2026, 3, 20);
        assert_eq!(reminder(due, d(2026, 3, 12), 7), None);
        assert_eq!(reminder(due, d(2026, 3, 13), 7), Some(Reminder::Soon));
        assert_eq!(reminder(due, due, 7), Some(Reminder::Soon));
        assert_eq!(reminder(due, d(2026, 3, 21), 7), Some(Reminder::Passed));
    }
}
