//! The unit tree (đơn vị): kinds of unit and the rules of its shape.

use serde::Serialize;

/// What kind of node a unit is. Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// tỉnh
    Province,
    /// thành phố trực thuộc trung ương
    City,
    /// quận/huyện: only for records from before the July 2025 reform.
    District,
    /// xã
    Commune,
    /// phường
    Ward,
    /// đặc khu
    SpecialZone,
    /// thôn/bản/ấp
    Village,
    /// tổ dân phố/khu phố
    ResidentialGroup,
    /// sở, ban, ngành
    Department,
    /// đảng ủy
    PartyCommittee,
    /// ủy ban MTTQ
    FrontCommittee,
    /// đoàn thể: Women's Union, Youth Union, Veterans…
    MassOrganization,
}

impl UnitKind {
    pub const ALL: [UnitKind; 12] = [
        UnitKind::Province,
        UnitKind::City,
        UnitKind::District,
        UnitKind::Commune,
        UnitKind::Ward,
        UnitKind::SpecialZone,
        UnitKind::Village,
        UnitKind::ResidentialGroup,
        UnitKind::Department,
        UnitKind::PartyCommittee,
        UnitKind::FrontCommittee,
        UnitKind::MassOrganization,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::City => "city",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::Ward => "ward",
            UnitKind::SpecialZone => "special_zone",
            UnitKind::Village => "village",
            UnitKind::ResidentialGroup => "residential_group",
            UnitKind::Department => "department",
            UnitKind::PartyCommittee => "party_committee",
            UnitKind::FrontCommittee => "front_committee",
            UnitKind::MassOrganization => "mass_organization",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The materialized path of a unit with id `id` under a parent whose path is
/// `parent_path` (or at the root).
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// A unit cannot move under itself or under one of its own descendants.
pub fn can_move_under(unit_path: &str, new_parent_path: &str) -> bool {
    !new_parent_path.starts_with(unit_path)
}

/// Depth in the tree, 0 for a root (`/7/`).
pub fn depth(path: &str) -> usize {
    path.trim_matches('/').split('/').count().saturating_sub(1)
}

/// The path of a descendant after its subtree moved from `old_prefix` to `new_prefix`.
pub fn rebase(path: &str, old_prefix: &str, new_prefix: &str) -> Option<String> {
    path.strip_prefix(old_prefix)
        .map(|rest| format!("{new_prefix}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_under_their_parent() {
        assert_eq!(child_path(None, 1), "/1/");
        assert_eq!(child_path(Some("/1/"), 4), "/1/4/");
        assert_eq!(depth("/1/"), 0);
        assert_eq!(depth("/1/4/9/"), 2);
    }

    #[test]
    fn a_unit_cannot_move_under_itself_or_its_descendants() {
        assert!(!can_move_under("/1/4/", "/1/4/"));
        assert!(!can_move_under("/1/4/", "/1/4/9/"));
        assert!(can_move_under("/1/4/", "/1/"));
        assert!(can_move_under("/1/4/", "/1/45/"));
    }

    #[test]
    fn rebasing_keeps_the_part_below_the_moved_unit() {
        assert_eq!(
            rebase("/1/4/9/", "/1/4/", "/2/4/").as_deref(),
            Some("/2/4/9/")
        );
        assert_eq!(rebase("/3/", "/1/4/", "/2/4/"), None);
    }

    #[test]
    fn kind_names_round_trip() {
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.as_str()), Some(k));
        }
    }
}
