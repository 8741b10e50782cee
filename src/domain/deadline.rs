//! Where a task stands against its deadline: computed from the dates and the
//! task's status every time it is shown, never stored by hand.

use chrono::NaiveDate;
use serde::Serialize;

/// A task's lifecycle status (trạng thái), as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Đã đăng ký
    Registered,
    /// Đang thực hiện
    InProgress,
    /// Hoàn thành
    Completed,
    /// Đã hủy (with a reason)
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Registered,
        TaskStatus::InProgress,
        TaskStatus::Completed,
        TaskStatus::Cancelled,
    ];

    /// Still to be done: what counts as overdue once past its deadline.
    pub const OPEN: [TaskStatus; 2] = [TaskStatus::Registered, TaskStatus::InProgress];

    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Registered => "registered",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Completed => "completed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Completed or cancelled: the work on it is over.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Cancelled)
    }

    /// Registered → in progress → completed; either open state may be cancelled.
    /// A finished task is reopened only to in progress.
    pub fn can_become(self, next: TaskStatus) -> bool {
        use TaskStatus::*;
        matches!(
            (self, next),
            (Registered, InProgress)
                | (Registered, Cancelled)
                | (InProgress, Completed)
                | (InProgress, Cancelled)
                | (Completed, InProgress)
                | (Cancelled, InProgress)
        )
    }
}

/// Trong hạn / sắp đến hạn / quá hạn, and for finished tasks whether on time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    OnTime,
    DueSoon,
    Overdue,
    CompletedOnTime,
    CompletedLate,
    Cancelled,
    /// No deadline set.
    Open,
}

/// Days before the deadline from which an open task is "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

pub fn timeliness(
    status: TaskStatus,
    deadline: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Timeliness {
    match (status, deadline) {
        (TaskStatus::Cancelled, _) => Timeliness::Cancelled,
        (TaskStatus::Completed, Some(d)) => match completed_on {
            Some(done) if done > d => Timeliness::CompletedLate,
            _ => Timeliness::CompletedOnTime,
        },
        (TaskStatus::Completed, None) => Timeliness::CompletedOnTime,
        (_, None) => Timeliness::Open,
        (_, Some(d)) if today > d => Timeliness::Overdue,
        (_, Some(d)) if (d - today).num_days() <= DUE_SOON_DAYS => Timeliness::DueSoon,
        _ => Timeliness::OnTime,
    }
}

/// Days past the deadline (0 when not late); for finished tasks, as of completion.
pub fn days_late(
    deadline: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> i64 {
    match deadline {
        Some(d) => (completed_on.unwrap_or(today) - d).num_days().max(0),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::d;

    #[test]
    fn an_open_task_is_on_time_then_due_soon_then_overdue() {
        let (open, deadline) = (TaskStatus::InProgress, Some(d(2023, 11, 30)));
        for (deadline, today, want) in [
            (deadline, d(2023, 10, 1), Timeliness::OnTime),
            (deadline, d(2023, 11, 16), Timeliness::DueSoon),
            (deadline, d(2023, 11, 30), Timeliness::DueSoon),
            (deadline, d(2023, 12, 1), Timeliness::Overdue),
            (None, d(2023, 12, 1), Timeliness::Open),
        ] {
            assert_eq!(timeliness(open, deadline, None, today), want, "{today}");
        }
    }

    #[test]
    fn a_finished_task_is_judged_by_its_completion_date() {
        let (deadline, today) = (Some(d(2023, 11, 30)), d(2024, 5, 1));
        for (status, completed, want) in [
            (
                TaskStatus::Completed,
                Some(d(2023, 11, 20)),
                Timeliness::CompletedOnTime,
            ),
            (
                TaskStatus::Completed,
                Some(d(2023, 12, 5)),
                Timeliness::CompletedLate,
            ),
            (TaskStatus::Cancelled, None, Timeliness::Cancelled),
        ] {
            assert_eq!(timeliness(status, deadline, completed, today), want);
        }
        assert_eq!(days_late(deadline, Some(d(2023, 12, 5)), today), 5);
    }

    #[test]
    fn status_moves_forward_or_to_cancelled_and_reopens_only_to_in_progress() {
        use TaskStatus::*;
        assert!(Registered.can_become(InProgress));
        assert!(InProgress.can_become(Completed));
        assert!(Registered.can_become(Cancelled));
        assert!(!Registered.can_become(Completed));
        assert!(!Completed.can_become(Registered));
        assert!(Completed.can_become(InProgress));
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
        }
    }
}
