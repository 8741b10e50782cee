//! The Fatherland Front's year-end review of registered tasks: the round's
//! lifecycle, how reviewers' scores combine, each task's outcome against its
//! deadline, and the rating levels of Regulation 366-QĐ/TW. Pure functions,
//! so every threshold is tested here and nowhere else decides.

use chrono::NaiveDate;
use serde::Serialize;

use super::deadline::TaskStatus;

/// Where a review round stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Being prepared by its lead: tasks, timetable, criteria. Reviewers only.
    Draft,
    /// Criteria published to everyone; owners assess themselves.
    SelfAssessment,
    /// Figures snapshotted; reviewers score. Self-assessments are closed.
    Scoring,
    /// Results published and frozen.
    Published,
}

impl RoundStatus {
    pub const ALL: [RoundStatus; 4] = [
        RoundStatus::Draft,
        RoundStatus::SelfAssessment,
        RoundStatus::Scoring,
        RoundStatus::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Draft => "draft",
            RoundStatus::SelfAssessment => "self_assessment",
            RoundStatus::Scoring => "scoring",
            RoundStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<RoundStatus> {
        RoundStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Forward one step at a time; a published round goes back to scoring only
    /// when it is reopened, with a reason.
    pub fn can_become(self, next: RoundStatus) -> bool {
        use RoundStatus::*;
        matches!(
            (self, next),
            (Draft, SelfAssessment)
                | (SelfAssessment, Scoring)
                | (Scoring, Published)
                | (Published, Scoring)
        )
    }
}

/// How several reviewers' scores for one criterion become the task's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineRule {
    /// The mean of every reviewer's score.
    Mean,
    /// A consensus score entered by the round's lead, reviewers' scores shown beside it.
    Consensus,
}

impl CombineRule {
    pub const ALL: [CombineRule; 2] = [CombineRule::Mean, CombineRule::Consensus];

    pub fn as_str(self) -> &'static str {
        match self {
            CombineRule::Mean => "mean",
            CombineRule::Consensus => "consensus",
        }
    }

    pub fn parse(s: &str) -> Option<CombineRule> {
        CombineRule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The criterion's score, or `None` while it cannot be known yet.
    pub fn combine(self, reviewers: &[f64], consensus: Option<f64>) -> Option<f64> {
        match self {
            CombineRule::Mean if reviewers.is_empty() => None,
            CombineRule::Mean => Some(round2(
                reviewers.iter().sum::<f64>() / reviewers.len() as f64,
            )),
            CombineRule::Consensus => consensus.map(round2),
        }
    }
}

/// Scores keep two decimals, so 89.999… is never shown as 90 nor rated as it.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The points a full rubric adds up to.
pub const RUBRIC_TOTAL: f64 = 100.0;

/// A task's total from its criteria's scores; `None` until every criterion has one.
pub fn total(scores: &[Option<f64>]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    scores
        .iter()
        .try_fold(0.0, |acc, s| s.map(|v| acc + v))
        .map(round2)
}

/// A criterion a task lost points on: its place in the round's criteria,
/// the score it got and the most it could have.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Shortfall {
    pub criterion: usize,
    pub score: f64,
    pub max: f64,
}

impl Shortfall {
    /// The points lost.
    pub fn lost(&self) -> f64 {
        round2(self.max - self.score)
    }
}

/// How many criteria a result names as having pulled a task down.
pub const SHORTFALLS_SHOWN: usize = 3;

/// The criteria that pulled a task down: those scored below their maximum,
/// the largest loss first (then in the rubric's order), at most `n`. A
/// criterion not yet scored is left out. `scores` and `maxes` are in the
/// round's order of criteria.
pub fn shortfalls(scores: &[Option<f64>], maxes: &[f64], n: usize) -> Vec<Shortfall> {
    let mut out: Vec<Shortfall> = scores
        .iter()
        .zip(maxes)
        .enumerate()
        .filter_map(|(criterion, (score, max))| {
            let score = (*score)?;
            let s = Shortfall {
                criterion,
                score,
                max: *max,
            };
            (s.lost() > 0.0).then_some(s)
        })
        .collect();
    out.sort_by(|a, b| {
        b.lost()
            .total_cmp(&a.lost())
            .then(a.criterion.cmp(&b.criterion))
    });
    out.truncate(n);
    out
}

code_list! {
    /// The lead's answer to an owner's dispute of a published result.
    DisputeAnswer {
        /// The result stands as published; the dispute is closed.
        ResultStands => "result_stands",
        /// The dispute is accepted: the result is to be corrected, which the
        /// lead does by reopening the round (with a reason), scoring the task
        /// again and publishing again. Until then the published result stands.
        DisputeAccepted => "dispute_accepted",
    }
}

impl DisputeAnswer {
    /// As stored (`review_disputes.dispute_accepted`).
    pub fn dispute_accepted(self) -> bool {
        self == DisputeAnswer::DisputeAccepted
    }

    pub fn from_dispute_accepted(accepted: bool) -> DisputeAnswer {
        if accepted {
            DisputeAnswer::DisputeAccepted
        } else {
            DisputeAnswer::ResultStands
        }
    }
}

/// Checks a score typed for a criterion worth `max` points.
pub fn valid_score(score: f64, max: f64) -> bool {
    score.is_finite() && score >= 0.0 && score <= max + 1e-9
}

/// Where a task stood on the day of the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Completed by its deadline (or without one).
    CompletedOnTime,
    /// Completed after its deadline.
    CompletedLate,
    /// Still open and not past its deadline: on schedule for the year.
    OnSchedule,
    /// Still open and past its deadline.
    Overdue,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::CompletedOnTime => "completed_on_time",
            Outcome::CompletedLate => "completed_late",
            Outcome::OnSchedule => "on_schedule",
            Outcome::Overdue => "overdue",
            Outcome::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::CompletedOnTime,
            Outcome::CompletedLate,
            Outcome::OnSchedule,
            Outcome::Overdue,
            Outcome::Cancelled,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    pub fn of(
        status: TaskStatus,
        deadline: Option<NaiveDate>,
        completed_on: Option<NaiveDate>,
        on: NaiveDate,
    ) -> Outcome {
        match status {
            TaskStatus::Cancelled => Outcome::Cancelled,
            TaskStatus::Completed => match (deadline, completed_on) {
                (Some(d), Some(done)) if done > d => Outcome::CompletedLate,
                _ => Outcome::CompletedOnTime,
            },
            _ => match deadline {
                Some(d) if on > d => Outcome::Overdue,
                _ => Outcome::OnSchedule,
            },
        }
    }

    /// Done for the year: completed, or open and keeping to its schedule.
    pub fn done(self) -> bool {
        matches!(
            self,
            Outcome::CompletedOnTime | Outcome::CompletedLate | Outcome::OnSchedule
        )
    }

    /// Behind schedule: finished late or still open past the deadline.
    pub fn late(self) -> bool {
        matches!(self, Outcome::CompletedLate | Outcome::Overdue)
    }
}

/// A task exceeded its requirements when it was completed before its deadline
/// with every household consented (a task without households: completed
/// before its deadline). Computed from the snapshot, never typed.
pub fn exceeded(
    outcome: Outcome,
    deadline: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    households: i64,
    consented: i64,
) -> bool {
    outcome == Outcome::CompletedOnTime
        && matches!((deadline, completed_on), (Some(d), Some(c)) if c < d)
        && consented >= households
}

/// The outcomes of the tasks a rating is about: one task, one owner's tasks,
/// or a unit's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Record {
    pub tasks: i64,
    pub late: i64,
    pub not_done: i64,
    pub exceeded: i64,
}

impl Record {
    pub fn add(&mut self, outcome: Outcome, exceeded: bool) {
        self.tasks += 1;
        self.late += i64::from(outcome.late());
        self.not_done += i64::from(!outcome.done());
        self.exceeded += i64::from(exceeded);
    }
}

/// The four levels of Regulation 366-QĐ/TW, Art. 11.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Không hoàn thành nhiệm vụ
    NotCompleted,
    /// Hoàn thành nhiệm vụ
    Satisfactory,
    /// Hoàn thành tốt nhiệm vụ
    Good,
    /// Hoàn thành xuất sắc nhiệm vụ
    Excellent,
}

impl Rating {
    pub const ALL: [Rating; 4] = [
        Rating::Excellent,
        Rating::Good,
        Rating::Satisfactory,
        Rating::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Excellent => "excellent",
            Rating::Good => "good",
            Rating::Satisfactory => "satisfactory",
            Rating::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

pub const EXCELLENT_FROM: f64 = 90.0;
pub const GOOD_FROM: f64 = 70.0;
pub const SATISFACTORY_FROM: f64 = 50.0;
/// At least this share of tasks must exceed requirements for "excellent".
pub const EXCELLENT_EXCEEDED_SHARE_PERCENT: i64 = 30;
/// At most this share of a collective's tasks may be behind schedule for "satisfactory".
pub const SATISFACTORY_LATE_SHARE_PERCENT: i64 = 20;

/// A rating and, when the conditions held it below what the score alone gives,
/// why (a translation key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub rating: Rating,
    pub by_score: Rating,
    pub held_back_by: Option<&'static str>,
}

/// The level for `total` points given the record of the tasks behind it.
/// `collective` applies the conditions written for collectives (units): up to
/// 20% of tasks behind schedule still earns "satisfactory"; for a person or a
/// single task every task must be done, late or not.
pub fn rate(total: f64, r: &Record, collective: bool) -> Verdict {
    let total = round2(total);
    let by_score = if total >= EXCELLENT_FROM {
        Rating::Excellent
    } else if total >= GOOD_FROM {
        Rating::Good
    } else if total >= SATISFACTORY_FROM {
        Rating::Satisfactory
    } else {
        Rating::NotCompleted
    };
    let all_done = r.not_done == 0 && r.tasks > 0;
    let all_on_time = all_done && r.late == 0;
    let exceeded_enough = r.exceeded * 100 >= EXCELLENT_EXCEEDED_SHARE_PERCENT * r.tasks;
    let late_within = !collective || r.late * 100 <= SATISFACTORY_LATE_SHARE_PERCENT * r.tasks;
    // Walk down from the score's level to the first whose conditions hold,
    // remembering the first condition that failed.
    let mut held_back_by = None;
    let mut hold = |key: &'static str| {
        held_back_by.get_or_insert(key);
    };
    let mut rating = by_score;
    if rating == Rating::Excellent {
        if !all_on_time {
            hold("review-held-late");
        } else if !exceeded_enough {
            hold("review-held-exceeded");
        }
        if !(all_on_time && exceeded_enough) {
            rating = Rating::Good;
        }
    }
    if rating == Rating::Good && !all_on_time {
        hold("review-held-late");
        rating = Rating::Satisfactory;
    }
    if rating == Rating::Satisfactory && !(all_done && late_within) {
        hold(if all_done {
            "review-held-late-share"
        } else {
            "review-held-not-done"
        });
        rating = Rating::NotCompleted;
    }
    Verdict {
        rating,
        by_score,
        held_back_by: (rating != by_score).then_some(held_back_by).flatten(),
    }
}

/// A link to evidence kept in the system, as an owner cites it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Evidence {
    Household(i64),
    Visit(i64),
    Milestone(i64),
}

impl Evidence {
    /// Reads a link copied from the address bar or a page: a household page
    /// (`/households/12`), a visit on it (`/households/12#visit-40`) or a
    /// milestone on the task page (`/tasks/3#milestone-7`). The site's own
    /// host may precede it.
    pub fn parse_link(raw: &str) -> Option<Evidence> {
        let s = raw.trim();
        let path = match s.find("://") {
            Some(i) => {
                let rest = &s[i + 3..];
                &rest[rest.find('/')?..]
            }
            None => s,
        };
        let (path, anchor) = match path.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (path, None),
        };
        let path = path.split('?').next().unwrap_or("").trim_end_matches('/');
        let id_of = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0);
        if let Some(h) = path.strip_prefix("/households/") {
            let h = id_of(h)?;
            return match anchor {
                None | Some("") => Some(Evidence::Household(h)),
                Some(a) => a
                    .strip_prefix("visit-")
                    .and_then(id_of)
                    .map(Evidence::Visit),
            };
        }
        if let Some(t) = path.strip_prefix("/tasks/") {
            id_of(t)?;
            return anchor?
                .strip_prefix("milestone-")
                .and_then(id_of)
                .map(Evidence::Milestone);
        }
        None
    }

    /// Stored form, `household:12`.
    pub fn to_stored(self) -> String {
        match self {
            Evidence::Household(id) => format!("household:{id}"),
            Evidence::Visit(id) => format!("visit:{id}"),
            Evidence::Milestone(id) => format!("milestone:{id}"),
        }
    }

    pub fn parse_stored_list(s: &str) -> Vec<Evidence> {
        s.split_whitespace()
            .filter_map(|item| {
                let (kind, id) = item.split_once(':')?;
                let id = id.parse().ok()?;
                match kind {
                    "household" => Some(Evidence::Household(id)),
                    "visit" => Some(Evidence::Visit(id)),
                    "milestone" => Some(Evidence::Milestone(id)),
                    _ => None,
                }
            })
            .collect()
    }
}

/// One line of a ranked table: a task, an owner or a unit.
#[derive(Serialize, Clone)]
pub struct Ranked {
    pub key: i64,
    pub name: String,
    pub unit_name: String,
    pub tasks: i64,
    pub total: Option<f64>,
    pub rating: Option<Rating>,
    pub held_back_by: Option<&'static str>,
    /// For a task: the criteria that pulled it down (`shortfalls`); empty
    /// for an owner or a unit.
    pub shortfalls: Vec<Shortfall>,
}

/// The ranked tables of a round as one reader sees them, kept per data
/// version (the `ranked` cache of the app state) so that paging through 10,000 tasks ranks once.
pub struct Tables {
    pub by_task: Vec<Ranked>,
    pub by_owner: Vec<Ranked>,
    pub by_unit: Vec<Ranked>,
    pub counts: Vec<(Rating, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_criteria_that_pulled_a_task_down_come_largest_loss_first_at_most_three() {
        let maxes = [40.0, 20.0, 20.0, 10.0, 10.0];
        let scores = [Some(30.0), Some(20.0), Some(15.5), None, Some(5.0)];
        let got = shortfalls(&scores, &maxes, SHORTFALLS_SHOWN);
        let order: Vec<usize> = got.iter().map(|s| s.criterion).collect();
        // 10 lost on the first, 5 on the fifth (before the third's 4.5);
        // the full second and the unscored fourth are not named.
        assert_eq!(order, vec![0, 4, 2]);
        assert_eq!(got[2].lost(), 4.5);
        assert_eq!(shortfalls(&scores, &maxes, 1).len(), 1);
        // Equal losses keep the rubric's order; a full score names nothing.
        let even = shortfalls(&[Some(15.0), Some(15.0)], &[20.0, 20.0], 3);
        assert_eq!(even.iter().map(|s| s.criterion).collect::<Vec<_>>(), [0, 1]);
        assert!(shortfalls(&[Some(20.0)], &[20.0], 3).is_empty());
    }

    #[test]
    fn a_dispute_answer_says_which_way_it_went() {
        assert_eq!(
            DisputeAnswer::parse("dispute_accepted"),
            Some(DisputeAnswer::DisputeAccepted)
        );
        assert_eq!(DisputeAnswer::parse("1"), None);
        assert!(!DisputeAnswer::ResultStands.dispute_accepted());
        assert_eq!(
            DisputeAnswer::from_dispute_accepted(true),
            DisputeAnswer::DisputeAccepted
        );
    }

    fn record(tasks: i64, late: i64, not_done: i64, exceeded: i64) -> Record {
        Record {
            tasks,
            late,
            not_done,
            exceeded,
        }
    }

    const CLEAN: Record = Record {
        tasks: 10,
        late: 0,
        not_done: 0,
        exceeded: 3,
    };

    #[test]
    fn score_thresholds_at_every_boundary() {
        for (total, want) in [
            (100.0, Rating::Excellent),
            (90.0, Rating::Excellent),
            (89.99, Rating::Good),
            (70.0, Rating::Good),
            (69.99, Rating::Satisfactory),
            (50.0, Rating::Satisfactory),
            (49.99, Rating::NotCompleted),
            (0.0, Rating::NotCompleted),
        ] {
            let v = rate(total, &CLEAN, true);
            assert_eq!(v.rating, want, "{total}");
            assert_eq!(v.by_score, want, "{total}");
            assert_eq!(v.held_back_by, None, "{total}");
        }
    }

    #[test]
    fn a_total_a_hair_below_a_threshold_is_rounded_before_it_is_compared() {
        // 89.995 rounds to 90.0 (two decimals); 89.994 does not.
        assert_eq!(rate(89.996, &CLEAN, true).rating, Rating::Excellent);
        assert_eq!(rate(89.994, &CLEAN, true).rating, Rating::Good);
    }

    #[test]
    fn excellent_needs_every_task_on_time_and_thirty_percent_exceeded() {
        // 3 of 10 exceeded is exactly 30%.
        assert_eq!(
            rate(95.0, &record(10, 0, 0, 3), true).rating,
            Rating::Excellent
        );
        let v = rate(95.0, &record(10, 0, 0, 2), true);
        assert_eq!(v.rating, Rating::Good);
        assert_eq!(v.by_score, Rating::Excellent);
        assert_eq!(v.held_back_by, Some("review-held-exceeded"));
        // One late task: neither excellent nor good.
        let v = rate(95.0, &record(10, 1, 0, 5), true);
        assert_eq!(v.rating, Rating::Satisfactory);
        assert_eq!(v.held_back_by, Some("review-held-late"));
    }

    #[test]
    fn good_needs_every_task_on_time() {
        assert_eq!(rate(75.0, &record(4, 0, 0, 0), false).rating, Rating::Good);
        let v = rate(75.0, &record(4, 1, 0, 0), false);
        assert_eq!(v.rating, Rating::Satisfactory);
        assert_eq!(v.held_back_by, Some("review-held-late"));
    }

    #[test]
    fn satisfactory_allows_a_fifth_of_a_collectives_tasks_late_but_not_one_undone() {
        // 2 of 10 late is exactly 20%.
        assert_eq!(
            rate(60.0, &record(10, 2, 0, 0), true).rating,
            Rating::Satisfactory
        );
        let v = rate(60.0, &record(10, 3, 0, 0), true);
        assert_eq!(v.rating, Rating::NotCompleted);
        assert_eq!(v.held_back_by, Some("review-held-late-share"));
        // A person's task finished late is still done.
        assert_eq!(
            rate(60.0, &record(1, 1, 0, 0), false).rating,
            Rating::Satisfactory
        );
        // Overdue or cancelled is not done, whatever the score.
        let v = rate(98.0, &record(10, 1, 1, 9), true);
        assert_eq!(v.rating, Rating::NotCompleted);
        assert_eq!(v.by_score, Rating::Excellent);
        assert_eq!(v.held_back_by, Some("review-held-late"));
        let v = rate(60.0, &record(5, 0, 1, 0), false);
        assert_eq!(v.held_back_by, Some("review-held-not-done"));
    }

    #[test]
    fn nothing_to_rate_is_never_more_than_not_completed() {
        assert_eq!(
            rate(100.0, &Record::default(), true).rating,
            Rating::NotCompleted
        );
    }

    #[test]
    fn outcomes_from_status_and_dates() {
        let d = |m, day| NaiveDate::from_ymd_opt(2023, m, day).unwrap();
        let on = d(12, 15);
        use TaskStatus::*;
        assert_eq!(
            Outcome::of(Completed, Some(d(12, 31)), Some(d(10, 20)), on),
            Outcome::CompletedOnTime
        );
        assert_eq!(
            Outcome::of(Completed, Some(d(11, 30)), Some(d(12, 1)), on),
            Outcome::CompletedLate
        );
        assert_eq!(
            Outcome::of(Completed, Some(d(12, 1)), Some(d(12, 1)), on),
            Outcome::CompletedOnTime
        );
        assert_eq!(
            Outcome::of(InProgress, Some(d(12, 15)), None, on),
            Outcome::OnSchedule
        );
        assert_eq!(
            Outcome::of(InProgress, Some(d(12, 14)), None, on),
            Outcome::Overdue
        );
        assert_eq!(Outcome::of(Registered, None, None, on), Outcome::OnSchedule);
        assert_eq!(
            Outcome::of(Cancelled, Some(d(12, 31)), None, on),
            Outcome::Cancelled
        );
        assert!(Outcome::CompletedLate.done() && Outcome::CompletedLate.late());
        assert!(!Outcome::Overdue.done() && Outcome::Overdue.late());
        assert!(!Outcome::Cancelled.done() && !Outcome::Cancelled.late());
    }

    #[test]
    fn exceeded_means_early_and_everyone_consented() {
        let d = |m, day| NaiveDate::from_ymd_opt(2023, m, day).unwrap();
        let early = (Some(d(12, 31)), Some(d(10, 20)));
        assert!(exceeded(Outcome::CompletedOnTime, early.0, early.1, 1, 1));
        assert!(!exceeded(
            Outcome::CompletedOnTime,
            early.0,
            early.1,
            44,
            36
        ));
        assert!(!exceeded(
            Outcome::CompletedOnTime,
            Some(d(12, 31)),
            Some(d(12, 31)),
            0,
            0
        ));
        assert!(!exceeded(Outcome::OnSchedule, early.0, None, 0, 0));
    }

    #[test]
    fn mean_and_consensus_combine_reviewers() {
        assert_eq!(CombineRule::Mean.combine(&[], None), None);
        assert_eq!(CombineRule::Mean.combine(&[30.0, 35.0], None), Some(32.5));
        assert_eq!(
            CombineRule::Mean.combine(&[10.0, 10.0, 11.0], Some(2.0)),
            Some(10.33)
        );
        assert_eq!(CombineRule::Consensus.combine(&[30.0, 35.0], None), None);
        assert_eq!(
            CombineRule::Consensus.combine(&[30.0, 35.0], Some(34.0)),
            Some(34.0)
        );
    }

    #[test]
    fn total_needs_every_criterion() {
        assert_eq!(total(&[Some(30.0), Some(20.5), Some(9.25)]), Some(59.75));
        assert_eq!(total(&[Some(30.0), None]), None);
        assert_eq!(total(&[]), None);
        assert!(valid_score(40.0, 40.0) && valid_score(0.0, 40.0));
        assert!(!valid_score(40.5, 40.0) && !valid_score(-1.0, 40.0));
        assert!(!valid_score(f64::NAN, 40.0));
    }

    #[test]
    fn round_moves_forward_and_reopens_only_from_published() {
        use RoundStatus::*;
        assert!(Draft.can_become(SelfAssessment));
        assert!(SelfAssessment.can_become(Scoring));
        assert!(Scoring.can_become(Published));
        assert!(Published.can_become(Scoring));
        assert!(!Draft.can_become(Published));
        assert!(!Scoring.can_become(SelfAssessment));
        assert!(!Published.can_become(Draft));
    }

    #[test]
    fn evidence_links_from_pages_of_the_system() {
        assert_eq!(
            Evidence::parse_link("/households/12"),
            Some(Evidence::Household(12))
        );
        assert_eq!(
            Evidence::parse_link("https://danvan.example.vn/households/12#visit-40"),
            Some(Evidence::Visit(40))
        );
        assert_eq!(
            Evidence::parse_link("http://127.0.0.1:8080/tasks/3?x=1#milestone-7"),
            Some(Evidence::Milestone(7))
        );
        assert_eq!(Evidence::parse_link("/tasks/3"), None);
        assert_eq!(Evidence::parse_link("/households/abc"), None);
        assert_eq!(Evidence::parse_link("/households/12#visit-x"), None);
        assert_eq!(Evidence::parse_link("https://evil.example"), None);
        assert_eq!(Evidence::parse_link(""), None);
        let stored = [
            Evidence::Household(1),
            Evidence::Visit(2),
            Evidence::Milestone(3),
        ]
        .map(super::Evidence::to_stored)
        .join(" ");
        assert_eq!(
            Evidence::parse_stored_list(&stored),
            vec![
                Evidence::Household(1),
                Evidence::Visit(2),
                Evidence::Milestone(3)
            ]
        );
    }
}
