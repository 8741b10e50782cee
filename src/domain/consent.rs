//! A household's consent stage (giai đoạn đồng thuận): the legal land-recovery
//! steps and the persuasion states between them, which moves are normal, which
//! need a reason, and which stages count as "consented".
//! See `shared/research/domain.md` §1.3.
//!
//! Urban embellishment (chỉnh trang đô thị: giving a strip of land, moving a
//! gate or a shed back) has no legal recovery steps: a household is informed,
//! persuaded, agrees, and it is done. A task follows one [`Process`] or the
//! other, by its category.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStage {
    /// Chưa tiếp cận
    NotContacted,
    /// Đã được thông tin, tuyên truyền (embellishment)
    Informed,
    /// Đã nhận thông báo thu hồi đất
    NoticeReceived,
    /// Từ chối nhận thông báo (đã lập biên bản)
    NoticeRefused,
    /// Đã kiểm đếm
    Inventoried,
    /// Kiểm đếm bắt buộc
    CompulsoryInventory,
    /// Có tên trong phương án niêm yết
    InPostedPlan,
    /// Không đồng ý phương án
    Disagrees,
    /// Đang cân nhắc
    Considering,
    /// Đã đối thoại
    DialogueHeld,
    /// Đồng ý có điều kiện (for example once resettlement housing exists)
    AgreesWithConditions,
    /// Đồng ý phương án
    Agrees,
    /// Phương án đã được phê duyệt
    PlanApproved,
    /// Đã nhận tiền bồi thường
    Paid,
    /// Không nhận tiền, đã gửi vào tài khoản
    PaymentDeposited,
    /// Có quyết định thu hồi đất
    RecoveryDecided,
    /// Đã bàn giao mặt bằng
    HandedOver,
    /// Cưỡng chế thu hồi
    Enforcement,
    /// Đã hiến đất, tháo dỡ xong (embellishment: the work is done)
    Done,
}

/// The five groups a map and a progress line show, in order: not yet
/// reached, being persuaded (every state before agreement, refusals and
/// enforcement included), agreed (up to the approved plan), paid (or
/// deposited, up to the recovery decision), handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageGroup {
    NotReached,
    Persuading,
    Agreed,
    Paid,
    HandedOver,
}

impl StageGroup {
    pub const ALL: [StageGroup; 5] = [
        StageGroup::NotReached,
        StageGroup::Persuading,
        StageGroup::Agreed,
        StageGroup::Paid,
        StageGroup::HandedOver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StageGroup::NotReached => "not_reached",
            StageGroup::Persuading => "persuading",
            StageGroup::Agreed => "agreed",
            StageGroup::Paid => "paid",
            StageGroup::HandedOver => "handed_over",
        }
    }

    pub fn parse(s: &str) -> Option<StageGroup> {
        StageGroup::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Its place in `ALL`, used as the map's class (`g0`..`g4`).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a change of stage relates to the legal order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// No change.
    Same,
    /// The next step, or another state within the same step.
    Normal,
    /// Back to an earlier step: needs a reason.
    Back,
    /// Over one or more steps: needs a reason.
    Skip,
}

impl Move {
    pub fn needs_reason(self) -> bool {
        matches!(self, Move::Back | Move::Skip)
    }
}

impl ConsentStage {
    pub const ALL: [ConsentStage; 19] = [
        ConsentStage::NotContacted,
        ConsentStage::Informed,
        ConsentStage::NoticeReceived,
        ConsentStage::NoticeRefused,
        ConsentStage::Inventoried,
        ConsentStage::CompulsoryInventory,
        ConsentStage::InPostedPlan,
        ConsentStage::Disagrees,
        ConsentStage::Considering,
        ConsentStage::DialogueHeld,
        ConsentStage::AgreesWithConditions,
        ConsentStage::Agrees,
        ConsentStage::PlanApproved,
        ConsentStage::Paid,
        ConsentStage::PaymentDeposited,
        ConsentStage::RecoveryDecided,
        ConsentStage::HandedOver,
        ConsentStage::Enforcement,
        ConsentStage::Done,
    ];

    pub fn as_str(self) -> &'static str {
        use ConsentStage::*;
        match self {
            NotContacted => "not_contacted",
            Informed => "informed",
            NoticeReceived => "notice_received",
            NoticeRefused => "notice_refused",
            Inventoried => "inventoried",
            CompulsoryInventory => "compulsory_inventory",
            InPostedPlan => "in_posted_plan",
            Disagrees => "disagrees",
            Considering => "considering",
            DialogueHeld => "dialogue_held",
            AgreesWithConditions => "agrees_with_conditions",
            Agrees => "agrees",
            PlanApproved => "plan_approved",
            Paid => "paid",
            PaymentDeposited => "payment_deposited",
            RecoveryDecided => "recovery_decided",
            HandedOver => "handed_over",
            Enforcement => "enforcement",
            Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentStage> {
        ConsentStage::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The map's group of this stage.
    pub fn group(self) -> StageGroup {
        use ConsentStage::*;
        match self {
            NotContacted => StageGroup::NotReached,
            Informed | NoticeReceived | NoticeRefused | Inventoried | CompulsoryInventory
            | InPostedPlan | Disagrees | Considering | DialogueHeld | Enforcement => {
                StageGroup::Persuading
            }
            AgreesWithConditions | Agrees | PlanApproved => StageGroup::Agreed,
            Paid | PaymentDeposited | RecoveryDecided => StageGroup::Paid,
            HandedOver | Done => StageGroup::HandedOver,
        }
    }

    /// The legal step the stage belongs to; states of one step are alternatives.
    pub fn step(self) -> u8 {
        use ConsentStage::*;
        match self {
            NotContacted => 0,
            Informed | NoticeReceived | NoticeRefused => 1,
            Inventoried | CompulsoryInventory => 2,
            InPostedPlan => 3,
            Disagrees | Considering | DialogueHeld | AgreesWithConditions | Agrees => 4,
            PlanApproved => 5,
            Paid | PaymentDeposited => 6,
            RecoveryDecided => 7,
            HandedOver | Enforcement | Done => 8,
        }
    }

    /// The process is over for this household.
    pub fn is_final(self) -> bool {
        self.step() == 8
    }
}

/// The steps a task's households go through, chosen by its category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Process {
    /// Giải phóng mặt bằng: the legal land-recovery steps.
    SiteClearance,
    /// Chỉnh trang đô thị: informed, persuaded, agrees, done.
    Embellishment,
}

impl Process {
    /// A category of site clearance follows the legal steps; any other the
    /// embellishment steps.
    pub fn of_category(is_site_clearance: bool) -> Process {
        if is_site_clearance {
            Process::SiteClearance
        } else {
            Process::Embellishment
        }
    }

    /// The stages a visit may record, in order.
    pub fn stages(self) -> &'static [ConsentStage] {
        use ConsentStage::*;
        const EMBELLISHMENT: [ConsentStage; 8] = [
            NotContacted,
            Informed,
            Considering,
            Disagrees,
            DialogueHeld,
            AgreesWithConditions,
            Agrees,
            Done,
        ];
        const SITE_CLEARANCE: [ConsentStage; 17] = [
            NotContacted,
            NoticeReceived,
            NoticeRefused,
            Inventoried,
            CompulsoryInventory,
            InPostedPlan,
            Disagrees,
            Considering,
            DialogueHeld,
            AgreesWithConditions,
            Agrees,
            PlanApproved,
            Paid,
            PaymentDeposited,
            RecoveryDecided,
            HandedOver,
            Enforcement,
        ];
        match self {
            Process::SiteClearance => &SITE_CLEARANCE,
            Process::Embellishment => &EMBELLISHMENT,
        }
    }

    /// The step of a stage in this process: the legal step for site
    /// clearance; for embellishment, by its group (not reached, being
    /// persuaded, agreed, done), so that a household taken over at a legal
    /// stage still has its place.
    pub fn step(self, stage: ConsentStage) -> u8 {
        match self {
            Process::SiteClearance => stage.step(),
            Process::Embellishment => match stage.group() {
                StageGroup::NotReached => 0,
                StageGroup::Persuading => 1,
                StageGroup::Agreed | StageGroup::Paid => 2,
                StageGroup::HandedOver => 3,
            },
        }
    }

    fn last_step(self) -> u8 {
        match self {
            Process::SiteClearance => 8,
            Process::Embellishment => 3,
        }
    }

    /// Classifies a change of stage in this process. Every move is possible,
    /// since records are often taken over mid-process, but going back or
    /// skipping steps must be explained.
    pub fn classify(self, from: ConsentStage, to: ConsentStage) -> Move {
        if from == to {
            return Move::Same;
        }
        let (a, b) = (self.step(from), self.step(to));
        let last = self.last_step();
        if a == last && b < last {
            return Move::Back;
        }
        match b.cmp(&a) {
            std::cmp::Ordering::Less => Move::Back,
            std::cmp::Ordering::Equal => Move::Normal,
            std::cmp::Ordering::Greater if b == a + 1 => Move::Normal,
            std::cmp::Ordering::Greater => Move::Skip,
        }
    }

    /// The outcomes a visit usually has from `from`, offered as one tap
    /// each: the stage unchanged, then the other states of its step and of
    /// the next one (the moves that need no reason), in their order.
    pub fn usual_outcomes(self, from: ConsentStage) -> Vec<ConsentStage> {
        let mut out = vec![from];
        out.extend(
            self.stages()
                .iter()
                .copied()
                .filter(|to| *to != from && self.classify(from, *to) == Move::Normal),
        );
        out
    }
}

/// Classifies a change of stage in site clearance ([`Process::classify`]).
pub fn classify(from: ConsentStage, to: ConsentStage) -> Move {
    if from == to {
        return Move::Same;
    }
    let (a, b) = (from.step(), to.step());
    if from.is_final() && to.step() < 8 {
        return Move::Back;
    }
    match b.cmp(&a) {
        std::cmp::Ordering::Less => Move::Back,
        std::cmp::Ordering::Equal => Move::Normal,
        std::cmp::Ordering::Greater if b == a + 1 => Move::Normal,
        std::cmp::Ordering::Greater => Move::Skip,
    }
}

/// The usual outcomes in site clearance ([`Process::usual_outcomes`]).
pub fn usual_outcomes(from: ConsentStage) -> Vec<ConsentStage> {
    Process::SiteClearance.usual_outcomes(from)
}

/// When to go back, proposed from the stage a household is at: a week while
/// it is being persuaded, two once it agrees (for the papers), none once it
/// is over.
pub fn next_visit_in_days(stage: ConsentStage) -> Option<i64> {
    use ConsentStage::*;
    match stage {
        _ if stage.is_final() => None,
        AgreesWithConditions | Agrees | PlanApproved | Paid | PaymentDeposited
        | RecoveryDecided => Some(14),
        _ => Some(7),
    }
}

/// Which stages count as "consented" (hộ đã đồng thuận) for a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentedSet(Vec<ConsentStage>);

impl Default for ConsentedSet {
    /// Agrees, agrees with conditions, paid, handed over.
    fn default() -> Self {
        ConsentedSet(vec![
            ConsentStage::AgreesWithConditions,
            ConsentStage::Agrees,
            ConsentStage::Paid,
            ConsentStage::HandedOver,
        ])
    }
}

impl ConsentedSet {
    pub fn new(mut stages: Vec<ConsentStage>) -> Self {
        stages.sort();
        stages.dedup();
        ConsentedSet(stages)
    }

    /// Embellishment's `done` counts wherever any agreement does (a
    /// household does not stop counting as its work is finished): a task's
    /// set is chosen once, whatever its steps.
    pub fn contains(&self, stage: ConsentStage) -> bool {
        self.0.contains(&stage)
            || (stage == ConsentStage::Done
                && self.0.iter().any(|s| s.group() >= StageGroup::Agreed))
    }

    pub fn stages(&self) -> &[ConsentStage] {
        &self.0
    }

    /// Stored as a comma-separated list of stage names; unknown names are an error.
    pub fn parse(s: &str) -> Option<ConsentedSet> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(ConsentStage::parse)
            .collect::<Option<Vec<_>>>()
            .map(ConsentedSet::new)
    }

    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// One entry of a household's visit history, as far as its stage goes.
#[derive(Clone, Debug)]
pub struct StageEntry {
    pub id: i64,
    pub on: chrono::NaiveDate,
    pub stage_after: ConsentStage,
    /// The entry this one corrects; the corrected entry no longer counts.
    pub corrects: Option<i64>,
}

/// The household's current stage: the result of its history. Entries are
/// never edited; a correction replaces the entry it points at, and the latest
/// remaining entry (by date, then by order of entry) gives the stage.
pub fn current_stage(history: &[StageEntry]) -> ConsentStage {
    let corrected: std::collections::HashSet<i64> =
        history.iter().filter_map(|e| e.corrects).collect();
    history
        .iter()
        .filter(|e| !corrected.contains(&e.id))
        .max_by_key(|e| (e.on, e.id))
        .map_or(ConsentStage::NotContacted, |e| e.stage_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_outcomes_need_no_reason_and_start_with_no_change() {
        use ConsentStage::*;
        assert_eq!(
            usual_outcomes(NotContacted),
            [NotContacted, NoticeReceived, NoticeRefused]
        );
        let after_posting = usual_outcomes(InPostedPlan);
        assert_eq!(after_posting[0], InPostedPlan);
        assert!(after_posting.contains(&Agrees) && after_posting.contains(&Disagrees));
        for from in ConsentStage::ALL {
            for to in usual_outcomes(from) {
                assert!(!classify(from, to).needs_reason(), "{from:?} → {to:?}");
            }
        }
        assert_eq!(next_visit_in_days(Considering), Some(7));
        assert_eq!(next_visit_in_days(Agrees), Some(14));
        assert_eq!(next_visit_in_days(HandedOver), None);
    }
    use chrono::NaiveDate;
    use ConsentStage::*;

    #[test]
    fn the_next_step_and_states_within_a_step_are_normal_moves() {
        assert_eq!(classify(NotContacted, NoticeReceived), Move::Normal);
        assert_eq!(classify(InPostedPlan, Disagrees), Move::Normal);
        assert_eq!(classify(Disagrees, DialogueHeld), Move::Normal);
        assert_eq!(classify(DialogueHeld, AgreesWithConditions), Move::Normal);
        assert_eq!(classify(Agrees, PlanApproved), Move::Normal);
        assert_eq!(classify(RecoveryDecided, HandedOver), Move::Normal);
        assert_eq!(classify(Paid, Paid), Move::Same);
        assert!(
            !classify(Agrees, Disagrees).needs_reason(),
            "changing one's mind is part of persuasion"
        );
    }

    #[test]
    fn household_stage_cannot_skip_from_notice_to_paid_without_a_reason() {
        assert_eq!(classify(NoticeReceived, Paid), Move::Skip);
        assert!(classify(NoticeReceived, Paid).needs_reason());
        assert_eq!(classify(NotContacted, HandedOver), Move::Skip);
    }

    #[test]
    fn going_back_needs_a_reason() {
        assert_eq!(classify(PlanApproved, Disagrees), Move::Back);
        assert_eq!(classify(Inventoried, NoticeReceived), Move::Back);
        assert!(classify(HandedOver, Agrees).needs_reason());
        // Between the two final states counts as normal: enforcement after a refused handover.
        assert_eq!(classify(HandedOver, Enforcement), Move::Normal);
    }

    #[test]
    fn consented_by_default_means_agrees_with_or_without_conditions_paid_or_handed_over() {
        let set = ConsentedSet::default();
        for s in [Agrees, AgreesWithConditions, Paid, HandedOver] {
            assert!(set.contains(s), "{s:?}");
        }
        for s in [
            Disagrees,
            Considering,
            DialogueHeld,
            PlanApproved,
            PaymentDeposited,
            Enforcement,
        ] {
            assert!(!set.contains(s), "{s:?}");
        }
    }

    #[test]
    fn the_consented_set_is_stored_as_names_and_unknown_names_are_refused() {
        let set = ConsentedSet::parse("paid, handed_over,agrees").unwrap();
        assert!(set.contains(Paid) && set.contains(Agrees) && !set.contains(AgreesWithConditions));
        assert_eq!(ConsentedSet::parse(&set.to_stored()), Some(set));
        assert_eq!(ConsentedSet::parse("agrees,maybe"), None);
        assert_eq!(
            ConsentedSet::default().to_stored(),
            "agrees_with_conditions,agrees,paid,handed_over"
        );
    }

    #[test]
    fn embellishment_goes_informed_agrees_done_without_legal_steps() {
        let p = Process::Embellishment;
        assert_eq!(p.classify(NotContacted, Informed), Move::Normal);
        assert_eq!(p.classify(Informed, Agrees), Move::Normal);
        assert_eq!(p.classify(Considering, AgreesWithConditions), Move::Normal);
        assert_eq!(p.classify(Agrees, Done), Move::Normal);
        assert_eq!(p.classify(NotContacted, Agrees), Move::Skip);
        assert_eq!(p.classify(Done, Agrees), Move::Back);
        assert_eq!(p.usual_outcomes(Informed)[0], Informed);
        assert!(p.usual_outcomes(Informed).contains(&Agrees));
        assert!(!p.stages().contains(&NoticeReceived) && !p.stages().contains(&Paid));
        assert!(!Process::SiteClearance.stages().contains(&Done));
        // The legal process is as before.
        assert_eq!(
            Process::SiteClearance.classify(Informed, Agrees),
            classify(Informed, Agrees)
        );
        assert!(Process::SiteClearance
            .classify(NoticeReceived, Agrees)
            .needs_reason());
        for p in [Process::SiteClearance, Process::Embellishment] {
            for from in p.stages() {
                for to in p.usual_outcomes(*from) {
                    assert!(
                        !p.classify(*from, to).needs_reason(),
                        "{p:?} {from:?} → {to:?}"
                    );
                }
            }
        }
        assert!(ConsentedSet::default().contains(Done));
        assert_eq!(Done.group(), StageGroup::HandedOver);
    }

    #[test]
    fn stage_names_round_trip_and_steps_never_decrease_along_the_list() {
        let mut last = 0;
        for s in ConsentStage::ALL {
            assert_eq!(ConsentStage::parse(s.as_str()), Some(s));
            assert!(s.step() >= last);
            last = s.step();
        }
    }

    fn entry(id: i64, day: u32, stage: ConsentStage, corrects: Option<i64>) -> StageEntry {
        StageEntry {
            id,
            on: NaiveDate::from_ymd_opt(2022, 11, day).unwrap(),
            stage_after: stage,
            corrects,
        }
    }

    #[test]
    fn the_current_stage_is_the_result_of_the_history_with_corrections_applied() {
        assert_eq!(current_stage(&[]), NotContacted);
        let history = [
            entry(1, 1, NoticeReceived, None),
            entry(2, 5, Disagrees, None),
            entry(3, 9, Agrees, None),
        ];
        assert_eq!(current_stage(&history), Agrees);
        // The visit of the 9th is corrected: the household had only agreed with conditions.
        let corrected = [
            history.to_vec(),
            vec![entry(4, 9, AgreesWithConditions, Some(3))],
        ]
        .concat();
        assert_eq!(current_stage(&corrected), AgreesWithConditions);
        // A visit logged late for an earlier date does not override a later one.
        let late = [history.to_vec(), vec![entry(5, 2, Inventoried, None)]].concat();
        assert_eq!(current_stage(&late), Agrees);
    }
}
