//! Annual targets (chỉ tiêu): met when the actual value reaches the plan,
//! exceeded when it goes beyond it.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No actual value yet.
    Pending,
    Below,
    Met,
    Exceeded,
}

pub fn standing(planned: f64, actual: Option<f64>) -> Standing {
    match actual {
        None => Standing::Pending,
        Some(a) if a > planned + 1e-9 => Standing::Exceeded,
        Some(a) if a + 1e-9 >= planned => Standing::Met,
        Some(_) => Standing::Below,
    }
}

/// "21/21 met, 6 exceeded": (met or exceeded, total, exceeded).
pub fn summary(items: &[(f64, Option<f64>)]) -> (usize, usize, usize) {
    let s: Vec<Standing> = items.iter().map(|(p, a)| standing(*p, *a)).collect();
    let exceeded = s.iter().filter(|x| **x == Standing::Exceeded).count();
    let met = s.iter().filter(|x| **x == Standing::Met).count() + exceeded;
    (met, items.len(), exceeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn met_exceeded_below_and_pending() {
        assert_eq!(standing(100.0, None), Standing::Pending);
        assert_eq!(standing(100.0, Some(99.9)), Standing::Below);
        assert_eq!(standing(100.0, Some(100.0)), Standing::Met);
        assert_eq!(standing(100.0, Some(100.1)), Standing::Exceeded);
        let mut items = vec![(10.0, Some(10.0)); 15];
        items.extend(vec![(10.0, Some(12.0)); 6]);
        assert_eq!(summary(&items), (21, 21, 6));
        items.push((5.0, Some(4.0)));
        items.push((5.0, None));
        assert_eq!(summary(&items), (21, 23, 6));
    }
}
