//! "Dân vận khéo" campaigns and models: who registers, how a model moves
//! through appraisal to commendation, and how the figures are counted.

use serde::Serialize;

/// Who holds a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Tập thể: a unit, a residential group, an association.
    Collective,
    /// Cá nhân.
    Individual,
}

impl ModelKind {
    pub const ALL: [ModelKind; 2] = [ModelKind::Collective, ModelKind::Individual];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Collective => "collective",
            ModelKind::Individual => "individual",
        }
    }

    pub fn parse(s: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a model stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Đã đăng ký
    Registered,
    /// Được công nhận sau thẩm định
    Accepted,
    /// Không được công nhận (with a reason)
    NotAccepted,
    /// Mô hình điểm
    Pilot,
    /// Đề nghị khen thưởng
    Proposed,
    /// Đã khen thưởng (decision number, date, level)
    Commended,
    /// Hoàn thành, không khen thưởng
    Completed,
}

impl ModelStatus {
    pub const ALL: [ModelStatus; 7] = [
        ModelStatus::Registered,
        ModelStatus::Accepted,
        ModelStatus::NotAccepted,
        ModelStatus::Pilot,
        ModelStatus::Proposed,
        ModelStatus::Commended,
        ModelStatus::Completed,
    ];

    /// The stages a model passes on its way up, in order, for the funnel.
    pub const FUNNEL: [ModelStatus; 5] = [
        ModelStatus::Registered,
        ModelStatus::Accepted,
        ModelStatus::Pilot,
        ModelStatus::Proposed,
        ModelStatus::Commended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Registered => "registered",
            ModelStatus::Accepted => "accepted",
            ModelStatus::NotAccepted => "not_accepted",
            ModelStatus::Pilot => "pilot",
            ModelStatus::Proposed => "proposed",
            ModelStatus::Commended => "commended",
            ModelStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<ModelStatus> {
        ModelStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Appraisal accepts or not (a refused model may be reconsidered); an
    /// accepted model may become a pilot, be proposed for commendation, or be
    /// completed; a proposal ends commended or completed.
    pub fn can_become(self, next: ModelStatus) -> bool {
        use ModelStatus::*;
        matches!(
            (self, next),
            (Registered, Accepted)
                | (Registered, NotAccepted)
                | (NotAccepted, Accepted)
                | (Accepted, Pilot)
                | (Accepted, Proposed)
                | (Accepted, Completed)
                | (Pilot, Proposed)
                | (Pilot, Completed)
                | (Proposed, Commended)
                | (Proposed, Completed)
        )
    }

    pub fn needs_reason(self) -> bool {
        self == ModelStatus::NotAccepted
    }

    /// A commendation is recorded with its decision.
    pub fn needs_decision(self) -> bool {
        self == ModelStatus::Commended
    }

    pub fn next(self) -> Vec<ModelStatus> {
        ModelStatus::ALL
            .into_iter()
            .filter(|n| self.can_become(*n))
            .collect()
    }
}

/// Levels of commendation (hình thức, cấp khen thưởng).
pub const COMMENDATION_LEVELS: [&str; 5] = [
    "commune_certificate",
    "party_certificate",
    "province_certificate",
    "central_honour",
    "other",
];

/// Check-ins a model's contact makes during the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckinKind {
    /// Sơ kết giữa năm
    MidYear,
    /// Tổng kết cuối năm
    YearEnd,
}

impl CheckinKind {
    pub const ALL: [CheckinKind; 2] = [CheckinKind::MidYear, CheckinKind::YearEnd];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckinKind::MidYear => "mid_year",
            CheckinKind::YearEnd => "year_end",
        }
    }

    pub fn parse(s: &str) -> Option<CheckinKind> {
        CheckinKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How many models ever reached each stage of the funnel, from the current
/// statuses and the statuses models passed through (a pilot later proposed
/// still counts as a pilot). `reached` holds, per status, the number of
/// models that were ever moved into it.
pub fn funnel(registered: i64, reached: &[(ModelStatus, i64)]) -> Vec<(ModelStatus, i64)> {
    ModelStatus::FUNNEL
        .iter()
        .map(|s| {
            let n = if *s == ModelStatus::Registered {
                registered
            } else {
                reached.iter().filter(|(r, _)| r == s).map(|(_, n)| n).sum()
            };
            (*s, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_moves_from_registration_to_commendation_and_not_backwards() {
        use ModelStatus::*;
        let path = [Registered, Accepted, Pilot, Proposed, Commended];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{pair:?}");
        }
        assert!(Registered.can_become(NotAccepted));
        assert!(NotAccepted.can_become(Accepted));
        assert!(Accepted.can_become(Completed) && Proposed.can_become(Completed));
        assert!(!Registered.can_become(Commended));
        assert!(!Commended.can_become(Completed));
        assert!(!Completed.can_become(Accepted));
        assert!(!Pilot.can_become(Accepted));
        assert!(Commended.next().is_empty());
        assert_eq!(Registered.next(), vec![Accepted, NotAccepted]);
        assert!(NotAccepted.needs_reason() && !Accepted.needs_reason());
        assert!(Commended.needs_decision());
    }

    #[test]
    fn the_funnel_counts_every_model_that_reached_a_stage() {
        use ModelStatus::*;
        let f = funnel(477, &[(Accepted, 356), (Pilot, 7), (Proposed, 77)]);
        assert_eq!(
            f,
            vec![
                (Registered, 477),
                (Accepted, 356),
                (Pilot, 7),
                (Proposed, 77),
                (Commended, 0)
            ]
        );
    }

    #[test]
    fn kinds_and_check_ins_round_trip() {
        for k in ModelKind::ALL {
            assert_eq!(ModelKind::parse(k.as_str()), Some(k));
        }
        for k in CheckinKind::ALL {
            assert_eq!(CheckinKind::parse(k.as_str()), Some(k));
        }
        for s in ModelStatus::ALL {
            assert_eq!(ModelStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ModelStatus::parse("x"), None);
    }
}
