//! Annual targets (chỉ tiêu) and their verdict. A target has a direction:
//! higher is better (met at the plan, exceeded above it), lower is better
//! (a poverty rate: met at the plan, better than plan below it, not met
//! above it), or a range (met between its bounds, not met outside them).
//! One verdict function serves the page, the API and the summary line.

use serde::Serialize;

/// Which way a target is good.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    HigherBetter,
    LowerBetter,
    Range,
}

impl Direction {
    pub const ALL: [Direction; 3] = [
        Direction::HigherBetter,
        Direction::LowerBetter,
        Direction::Range,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherBetter => "higher_better",
            Direction::LowerBetter => "lower_better",
            Direction::Range => "range",
        }
    }

    /// The stored or sent word; an empty one is the usual higher-better.
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "" | "higher_better" => Some(Direction::HigherBetter),
            "lower_better" => Some(Direction::LowerBetter),
            "range" => Some(Direction::Range),
            _ => None,
        }
    }
}

/// What a target asks for: the plan, and for a range its upper bound (the
/// plan is then the lower one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    pub direction: Direction,
    pub planned: f64,
    pub planned_max: Option<f64>,
}

impl Plan {
    pub fn new(direction: Direction, planned: f64, planned_max: Option<f64>) -> Plan {
        Plan {
            direction,
            planned,
            planned_max,
        }
    }
}

/// The verdict on a target's actual value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No actual value yet.
    Pending,
    /// Not met: short of the plan (higher-better), above it (lower-better),
    /// outside the range.
    Below,
    Met,
    /// Better than the plan: above it (higher-better) or below it
    /// (lower-better); a range is never exceeded.
    Exceeded,
}

const EPS: f64 = 1e-9;

pub fn standing(plan: &Plan, actual: Option<f64>) -> Standing {
    let Some(a) = actual else {
        return Standing::Pending;
    };
    let p = plan.planned;
    match plan.direction {
        Direction::HigherBetter if a > p + EPS => Standing::Exceeded,
        Direction::HigherBetter if a + EPS >= p => Standing::Met,
        Direction::LowerBetter if a + EPS < p => Standing::Exceeded,
        Direction::LowerBetter if a <= p + EPS => Standing::Met,
        Direction::Range => {
            let max = plan.planned_max.unwrap_or(p);
            if a + EPS >= p && a <= max + EPS {
                Standing::Met
            } else {
                Standing::Below
            }
        }
        _ => Standing::Below,
    }
}

/// The locale key of a verdict's word: better than a lower-better plan is
/// "better than plan", outside a range is "outside the range".
pub fn word(direction: Direction, s: Standing) -> &'static str {
    match (direction, s) {
        (_, Standing::Pending) => "target-pending",
        (_, Standing::Met) => "target-met",
        (Direction::LowerBetter, Standing::Exceeded) => "target-better",
        (_, Standing::Exceeded) => "target-exceeded",
        (Direction::Range, Standing::Below) => "target-outside",
        (_, Standing::Below) => "target-below",
    }
}

/// The summary line: "21/21 met, 6 exceeded; 0 not met, 0 without a
/// figure". `met` counts the targets met or better than plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub met: usize,
    pub exceeded: usize,
    pub below: usize,
    pub pending: usize,
}

/// Counts the verdicts of [`standing`], one per target.
pub fn summary(items: &[(Plan, Option<f64>)]) -> Summary {
    let mut s = Summary {
        total: items.len(),
        ..Summary::default()
    };
    for (plan, actual) in items {
        match standing(plan, *actual) {
            Standing::Pending => s.pending += 1,
            Standing::Below => s.below += 1,
            Standing::Met => s.met += 1,
            Standing::Exceeded => {
                s.met += 1;
                s.exceeded += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn higher(p: f64) -> Plan {
        Plan::new(Direction::HigherBetter, p, None)
    }

    #[test]
    fn higher_better_met_exceeded_below_and_pending() {
        assert_eq!(standing(&higher(100.0), None), Standing::Pending);
        assert_eq!(standing(&higher(100.0), Some(99.9)), Standing::Below);
        assert_eq!(standing(&higher(100.0), Some(100.0)), Standing::Met);
        assert_eq!(standing(&higher(100.0), Some(100.1)), Standing::Exceeded);
    }

    #[test]
    fn lower_better_is_met_at_plan_better_below_and_not_met_above() {
        let poverty = Plan::new(Direction::LowerBetter, 0.0, None);
        assert_eq!(standing(&poverty, Some(0.5)), Standing::Below);
        assert_eq!(standing(&poverty, Some(0.0)), Standing::Met);
        let p = Plan::new(Direction::LowerBetter, 1.5, None);
        assert_eq!(standing(&p, Some(1.2)), Standing::Exceeded);
        assert_eq!(standing(&p, Some(1.5)), Standing::Met);
        assert_eq!(standing(&p, Some(1.6)), Standing::Below);
        assert_eq!(
            word(Direction::LowerBetter, Standing::Exceeded),
            "target-better"
        );
    }

    #[test]
    fn a_range_is_met_inside_its_bounds_only() {
        let r = Plan::new(Direction::Range, 1.0, Some(1.5));
        assert_eq!(standing(&r, Some(0.9)), Standing::Below);
        assert_eq!(standing(&r, Some(1.0)), Standing::Met);
        assert_eq!(standing(&r, Some(1.2)), Standing::Met);
        assert_eq!(standing(&r, Some(1.5)), Standing::Met);
        assert_eq!(standing(&r, Some(1.6)), Standing::Below);
        assert_eq!(word(Direction::Range, Standing::Below), "target-outside");
    }

    #[test]
    fn the_summary_counts_by_the_verdict() {
        let mut items = vec![(higher(10.0), Some(10.0)); 15];
        items.extend(vec![(higher(10.0), Some(12.0)); 6]);
        let s = summary(&items);
        assert_eq!((s.met, s.total, s.exceeded), (21, 21, 6));
        items.push((higher(5.0), Some(4.0)));
        items.push((higher(5.0), None));
        // A poverty rate of 0,5 % against a plan of 0 % is not met.
        items.push((Plan::new(Direction::LowerBetter, 0.0, None), Some(0.5)));
        items.push((Plan::new(Direction::LowerBetter, 2.0, None), Some(1.0)));
        let s = summary(&items);
        assert_eq!(
            s,
            Summary {
                total: 25,
                met: 22,
                exceeded: 7,
                below: 2,
                pending: 1
            }
        );
    }

    #[test]
    fn directions_read_back() {
        for d in Direction::ALL {
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
        assert_eq!(Direction::parse(""), Some(Direction::HigherBetter));
        assert_eq!(Direction::parse("up"), None);
    }
}
