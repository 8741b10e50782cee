//! The fixed lists a household and a visit are described with.

code_list! {
    /// Nhóm ưu tiên of a household.
    PriorityGroup {
        /// người có công với cách mạng
        Meritorious => "meritorious",
        /// hộ nghèo, cận nghèo
        Poor => "poor",
        /// người cao tuổi
        Elderly => "elderly",
        /// người khuyết tật
        Disability => "disability",
        Other => "other",
    }
}

code_list! {
    /// Hình thức vận động.
    VisitKind {
        /// đến từng hộ
        DoorToDoor => "door_to_door",
        /// đối thoại
        Dialogue => "dialogue",
        /// họp
        Meeting => "meeting",
        /// điện thoại
        Phone => "phone",
        Other => "other",
    }
}

code_list! {
    /// Kiến nghị, băn khoăn the household raised.
    Concern {
        /// giá bồi thường
        CompensationPrice => "compensation_price",
        /// tái định cư
        Resettlement => "resettlement",
        /// nguồn gốc đất
        LandOrigin => "land_origin",
        /// thời gian
        Timing => "timing",
        Other => "other",
    }
}

/// Stored as a comma-separated list; `None` if any name is unknown.
pub fn parse_list<T: Copy>(s: &str, parse: fn(&str) -> Option<T>) -> Option<Vec<T>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse)
        .collect()
}

pub fn store_list<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items.iter().map(|i| name(*i)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_is_overdue_the_day_after_it_was_due() {
        let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        assert!(visit_overdue(Some(d(4)), d(5)));
        assert!(!visit_overdue(Some(d(5)), d(5)));
        assert!(!visit_overdue(None, d(5)));
    }

    #[test]
    fn lists_round_trip_and_refuse_unknown_names() {
        let groups = [PriorityGroup::Meritorious, PriorityGroup::Elderly];
        let stored = store_list(&groups, PriorityGroup::as_str);
        assert_eq!(stored, "meritorious,elderly");
        assert_eq!(
            parse_list(&stored, PriorityGroup::parse),
            Some(groups.to_vec())
        );
        assert_eq!(parse_list("", Concern::parse), Some(vec![]));
        assert_eq!(parse_list("timing,bribe", Concern::parse), None);
        for k in VisitKind::ALL {
            assert_eq!(VisitKind::parse(k.as_str()), Some(*k));
        }
    }
}

/// How much of a household's personal details (phone, notes) a reader sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sight {
    /// The people working the task (owner, co-owners, team, committee
    /// members who edit it): in full.
    Full,
    /// Reviewers and administrators over it: in full, and each read logged.
    Logged,
    /// Everyone else who may read the task: masked.
    Masked,
}

impl Sight {
    pub fn of(works_on_task: bool, oversees: bool) -> Sight {
        if works_on_task {
            Sight::Full
        } else if oversees {
            Sight::Logged
        } else {
            Sight::Masked
        }
    }
}

/// A household's next visit is overdue once its day has passed.
pub fn visit_overdue(next_visit_on: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
    next_visit_on.is_some_and(|d| d < today)
}

/// A phone number with all but its last three digits hidden.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if phone.trim().is_empty() {
        return String::new();
    }
    if digits.len() <= 3 {
        return "•••".into();
    }
    let tail: String = digits[digits.len() - 3..].iter().collect();
    format!("{}{tail}", "•".repeat(digits.len() - 3))
}

#[cfg(test)]
mod personal_tests {
    use super::*;

    #[test]
    fn a_masked_phone_keeps_its_last_three_digits() {
        assert_eq!(mask_phone("0912 345 678"), "•••••••678");
        assert_eq!(mask_phone("12"), "•••");
        assert_eq!(mask_phone(""), "");
        assert_eq!(Sight::of(true, true), Sight::Full);
        assert_eq!(Sight::of(false, true), Sight::Logged);
        assert_eq!(Sight::of(false, false), Sight::Masked);
    }
}

/// A phone number as people write it: digits, spaces and `+.-()`.
pub fn is_phone(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
}
