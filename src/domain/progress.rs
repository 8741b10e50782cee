//! A task's progress, computed from its households (by count and by area) and
//! its milestones — never typed in.

use serde::Serialize;

use super::consent::{ConsentStage, ConsentedSet};

/// What progress is computed from: each household's stage and area.
#[derive(Clone, Copy, Debug)]
pub struct HouseholdFigure {
    pub stage: ConsentStage,
    pub area_m2: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Progress {
    pub households: i64,
    pub households_consented: i64,
    pub households_handed_over: i64,
    pub area_m2: f64,
    pub area_consented_m2: f64,
    pub area_handed_over_m2: f64,
    pub milestones: i64,
    pub milestones_done: i64,
}

impl Progress {
    pub fn from_households(
        households: impl IntoIterator<Item = HouseholdFigure>,
        consented: &ConsentedSet,
    ) -> Progress {
        let mut p = Progress::default();
        for h in households {
            p.add(h.stage, 1, h.area_m2, consented);
        }
        p
    }

    /// Adds `count` households at `stage` covering `area_m2` in all: the shape
    /// of a `GROUP BY stage` row, so dashboards add up grouped counts, not rows.
    pub fn add(&mut self, stage: ConsentStage, count: i64, area_m2: f64, consented: &ConsentedSet) {
        self.households += count;
        self.area_m2 += area_m2;
        if consented.contains(stage) {
            self.households_consented += count;
            self.area_consented_m2 += area_m2;
        }
        if stage.group() == super::consent::StageGroup::HandedOver {
            self.households_handed_over += count;
            self.area_handed_over_m2 += area_m2;
        }
    }

    pub fn with_milestones(mut self, total: i64, done: i64) -> Progress {
        self.milestones = total;
        self.milestones_done = done.min(total);
        self
    }

    /// Whole percent of households consented; 0 for a task without households.
    pub fn consented_percent(&self) -> i64 {
        percent(self.households_consented as f64, self.households as f64)
    }

    pub fn area_consented_percent(&self) -> i64 {
        percent(self.area_consented_m2, self.area_m2)
    }

    pub fn area_handed_over_percent(&self) -> i64 {
        percent(self.area_handed_over_m2, self.area_m2)
    }
}

use super::numbers::percent;

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentStage::*;

    #[test]
    fn progress_counts_consented_households_and_their_area() {
        // The Thụy Khuê ditch: 44 households had not consented, 8 of them agreed once
        // resettlement housing exists.
        let mut households = vec![
            HouseholdFigure {
                stage: Disagrees,
                area_m2: 50.0
            };
            36
        ];
        households.extend(vec![
            HouseholdFigure {
                stage: AgreesWithConditions,
                area_m2: 40.0
            };
            8
        ]);
        households.extend(vec![
            HouseholdFigure {
                stage: HandedOver,
                area_m2: 60.0
            };
            6
        ]);
        let p = Progress::from_households(households, &ConsentedSet::default());
        assert_eq!(p.households, 50);
        assert_eq!(p.households_consented, 14);
        assert_eq!(p.households_handed_over, 6);
        assert_eq!(p.area_m2, 36.0 * 50.0 + 8.0 * 40.0 + 6.0 * 60.0);
        assert_eq!(p.consented_percent(), 28);
        // 360 of 2,480 m² is 14.5 %: to the nearest.
        assert_eq!(p.area_handed_over_percent(), 15);
    }

    #[test]
    fn grouped_rows_add_up_like_single_households() {
        let set = ConsentedSet::default();
        let mut grouped = Progress::default();
        grouped.add(Paid, 3, 300.0, &set);
        grouped.add(Considering, 2, 100.0, &set);
        let single = Progress::from_households(
            [
                (Paid, 100.0),
                (Paid, 100.0),
                (Paid, 100.0),
                (Considering, 50.0),
                (Considering, 50.0),
            ]
            .map(|(stage, area_m2)| HouseholdFigure { stage, area_m2 }),
            &set,
        );
        assert_eq!(grouped, single);
    }

    #[test]
    fn an_unfinished_task_is_never_at_100_percent_and_an_empty_one_is_at_0() {
        let p = Progress {
            households: 1000,
            households_consented: 996,
            ..Default::default()
        };
        assert_eq!(p.consented_percent(), 99);
        assert_eq!(Progress::default().consented_percent(), 0);
        assert_eq!(Progress::default().with_milestones(4, 9).milestones_done, 4);
    }
}
