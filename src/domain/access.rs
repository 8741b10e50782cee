//! Who may do what where. Roles are granted per unit and reach every unit below
//! it; this module is the one place that decides, and every route asks it.

use serde::Serialize;

/// A role a user holds on a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    /// cấp ủy: registers and assigns tasks.
    Committee,
    /// tổ công tác: logs visits.
    WardTeam,
    /// MTTQ: reads everything in scope, writes only reviews.
    Reviewer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Committee,
        Role::WardTeam,
        Role::Reviewer,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Committee => "committee",
            Role::WardTeam => "ward_team",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role allows on its unit and every unit below it.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Committee => matches!(p, View | ManageTasks),
            Role::WardTeam => matches!(p, View | LogVisits),
            Role::Reviewer => matches!(p, View | WriteReviews | ReadAudit),
            Role::Viewer => matches!(p, View),
        }
    }
}

/// Something a user may be allowed to do on a unit's subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read pages and figures.
    View,
    /// Create, rename, move and deactivate units.
    ManageUnits,
    /// Create users and grant roles.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Register and assign difficult tasks.
    ManageTasks,
    /// Log household visits.
    LogVisits,
    /// Score tasks in a review round.
    WriteReviews,
}

/// A role held on a unit, with the unit's materialized path (`/1/4/9/`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub unit_id: i64,
    pub unit_path: String,
}

/// Does any of `grants` allow `perm` on the unit whose path is `target_path`?
/// A grant reaches its own unit and every descendant: its path is a prefix of theirs.
pub fn allows(grants: &[Grant], perm: Permission, target_path: &str) -> bool {
    grants
        .iter()
        .any(|g| g.role.allows(perm) && target_path.starts_with(&g.unit_path))
}

/// The paths of the subtrees on which `perm` is allowed, with nested ones
/// dropped (a grant on `/1/` already covers `/1/4/`). Queries filter by these prefixes.
pub fn scope(grants: &[Grant], perm: Permission) -> Vec<String> {
    let mut paths: Vec<String> = grants
        .iter()
        .filter(|g| g.role.allows(perm))
        .map(|g| g.unit_path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        if !out.iter().any(|kept| p.starts_with(kept.as_str())) {
            out.push(p);
        }
    }
    out
}

/// Whether the grants read the unit at `path` or a unit inside it: what
/// belongs to a unit as a whole (a campaign) is seen from any unit below it.
pub fn reaches(grants: &[Grant], path: &str) -> bool {
    allows(grants, Permission::View, path)
        || scope(grants, Permission::View)
            .iter()
            .any(|p| p.starts_with(path))
}

/// The paths of the units holding one of `subtrees`: each subtree's own unit
/// and every unit above it. A unit [`reaches`] lets a reader see lies in
/// their viewed subtrees or is one of these, which is how a query asks it.
pub fn holders(subtrees: &[String]) -> Vec<String> {
    let mut out: Vec<String> = subtrees
        .iter()
        .flat_map(|p| {
            p.match_indices('/')
                .skip(1)
                .map(|(i, _)| p[..=i].to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, path: &str) -> Grant {
        Grant {
            role,
            unit_id: 0,
            unit_path: path.into(),
        }
    }

    #[test]
    fn a_role_reaches_its_unit_and_every_descendant_but_not_siblings_or_parents() {
        let g = [grant(Role::Committee, "/1/4/")];
        assert!(allows(&g, Permission::ManageTasks, "/1/4/"));
        assert!(allows(&g, Permission::ManageTasks, "/1/4/9/12/"));
        assert!(!allows(&g, Permission::ManageTasks, "/1/"));
        assert!(!allows(&g, Permission::ManageTasks, "/1/5/"));
        // "/1/4/" must not reach "/1/45/": paths end with a slash for that reason.
        assert!(!allows(&g, Permission::ManageTasks, "/1/45/"));
    }

    #[test]
    fn reviewer_reads_everything_in_scope_and_writes_only_reviews() {
        let g = [grant(Role::Reviewer, "/1/")];
        assert!(allows(&g, Permission::View, "/1/2/"));
        assert!(allows(&g, Permission::WriteReviews, "/1/2/"));
        assert!(allows(&g, Permission::ReadAudit, "/1/2/"));
        assert!(!allows(&g, Permission::ManageTasks, "/1/2/"));
        assert!(!allows(&g, Permission::LogVisits, "/1/2/"));
        assert!(!allows(&g, Permission::ManageUsers, "/1/2/"));
    }

    #[test]
    fn viewer_only_views_and_admin_does_everything() {
        let viewer = [grant(Role::Viewer, "/1/")];
        assert!(allows(&viewer, Permission::View, "/1/"));
        assert!(!allows(&viewer, Permission::LogVisits, "/1/"));
        let admin = [grant(Role::Admin, "/1/")];
        for p in [
            Permission::View,
            Permission::ManageUnits,
            Permission::ManageUsers,
            Permission::ReadAudit,
            Permission::ManageTasks,
            Permission::LogVisits,
            Permission::WriteReviews,
        ] {
            assert!(allows(&admin, p, "/1/3/"));
        }
    }

    #[test]
    fn scope_keeps_only_the_outermost_subtrees() {
        let g = [
            grant(Role::Viewer, "/1/4/"),
            grant(Role::Committee, "/1/"),
            grant(Role::WardTeam, "/2/"),
            grant(Role::Viewer, "/1/4/"),
        ];
        assert_eq!(scope(&g, Permission::View), vec!["/1/", "/2/"]);
        assert_eq!(scope(&g, Permission::ManageTasks), vec!["/1/"]);
        assert!(scope(&g, Permission::ManageUsers).is_empty());
    }

    #[test]
    fn a_unit_is_reached_from_itself_from_above_and_from_inside() {
        let ward = [grant(Role::Viewer, "/1/2/")];
        assert!(reaches(&ward, "/1/2/"));
        assert!(reaches(&ward, "/1/"), "the district holding the ward");
        assert!(!reaches(&ward, "/1/3/"), "not a sibling");
        assert!(reaches(&ward, "/1/2/5/"), "a unit inside it");
        assert!(!reaches(&[grant(Role::Viewer, "/7/")], "/1/"));
    }

    #[test]
    fn the_holders_of_a_subtree_are_its_unit_and_the_units_above_it() {
        let scope = vec!["/1/4/9/".to_string(), "/1/5/".to_string()];
        assert_eq!(holders(&scope), vec!["/1/", "/1/4/", "/1/4/9/", "/1/5/"]);
        assert!(holders(&[]).is_empty());
    }

    #[test]
    fn a_unit_is_reached_exactly_when_it_is_in_a_viewed_subtree_or_holds_one() {
        let g = [grant(Role::Viewer, "/1/4/9/"), grant(Role::WardTeam, "/2/")];
        let scope = scope(&g, Permission::View);
        let held = holders(&scope);
        for path in [
            "/1/",
            "/1/4/",
            "/1/4/9/",
            "/1/4/9/3/",
            "/1/4/90/",
            "/1/5/",
            "/2/",
            "/2/8/",
            "/3/",
        ] {
            let by_query = scope.iter().any(|p| path.starts_with(p.as_str()))
                || held.iter().any(|h| h == path);
            assert_eq!(reaches(&g, path), by_query, "{path}");
        }
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
