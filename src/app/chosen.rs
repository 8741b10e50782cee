//! Ids that a page form or an API body names. Offering a choice in a form is
//! not checking it: before anything is written, every id must name a record
//! that exists and that the reader may use there. One that names nothing
//! (`-1`, `0`, `999999999999`) or something out of the reader's reach
//! (another province, an inactive unit or account, a household of another
//! task) puts an error on its field — a 422 on the page or in the API —
//! rather than reaching the database as a foreign key it would refuse (a
//! 500) or one it would accept (a write into someone else's records).
//!
//! The forms load what the reader may use in the same trip to the pool as
//! the rest of their checks, then ask here.

use crate::db::units::Unit;
use crate::domain::validate::FieldErrors;

/// Tasks a page offers to choose: (id, title, unit name).
pub type OfferedTasks = Vec<(i64, String, String)>;

/// The tasks a campaign or a round may hold, as its page offers them: the
/// tasks of `year` in the subtree at `path`, with those it `holds` already
/// (kept listed even when of another year); and the ids of those it holds.
pub fn offered_tasks(
    conn: &mut crate::db::DbConnection,
    path: &str,
    year: i32,
    holds: OfferedTasks,
) -> diesel::QueryResult<(OfferedTasks, Vec<i64>)> {
    let mut offered = crate::db::reviews::candidate_tasks(conn, path, year)?;
    let ids = holds.iter().map(|t| t.0).collect();
    for t in holds {
        if !offered.iter().any(|o| o.0 == t.0) {
            offered.push(t);
        }
    }
    Ok((offered, ids))
}

/// The error of an id that names nothing the reader may use.
pub const INVALID: &str = "error-invalid-choice";

/// Sets the tasks a campaign or a round holds to those ticked, all among
/// the `offered` (else the `task` field's error); a page of the picker
/// (`shown`, the tasks it listed) changes its own tasks only. `save` writes
/// the set, answering `None` when the record takes no more changes: then
/// `NotAllowed(frozen)`.
pub fn hold_tasks(
    conn: &mut crate::db::DbConnection,
    who: &super::Caller,
    (offered, held): (OfferedTasks, Vec<i64>),
    (ticked, shown): (Vec<i64>, Vec<i64>),
    frozen: &'static str,
    save: impl FnOnce(
        &mut crate::db::DbConnection,
        &[i64],
    ) -> diesel::QueryResult<Option<crate::db::audit::Change>>,
) -> Result<(), super::Rejected> {
    let mut e = FieldErrors::default();
    let usable = |t: i64| offered.iter().any(|o| o.0 == t);
    if !every(&mut e, "task", &ticked, usable, INVALID) {
        return Err(e.into());
    }
    let set: Vec<i64> = match shown.is_empty() {
        true => ticked,
        false => {
            let others = held.into_iter().filter(|t| !shown.contains(t));
            let mut set: Vec<i64> = others.collect();
            set.extend(
                ticked
                    .into_iter()
                    .filter(|t| !set.contains(t))
                    .collect::<Vec<_>>(),
            );
            set
        }
    };
    match super::write_if_changed(conn, who, |c| save(c, &set))? {
        true => Ok(()),
        false => Err(super::Rejected::NotAllowed(frozen)),
    }
}

/// A single id chosen on `field`: `found` is what it names (`None` when it
/// names nothing), kept when `usable` accepts it; otherwise the field gets
/// `error-invalid-choice`. `id` is `None` when nothing was chosen or the
/// value did not read as an id (`FieldErrors::id` has said so already).
pub fn one<T>(
    e: &mut FieldErrors,
    field: &str,
    id: Option<i64>,
    found: Option<T>,
    usable: impl FnOnce(&T) -> bool,
) -> Option<T> {
    id?;
    let kept = found.filter(usable);
    if kept.is_none() {
        e.add(field, INVALID);
    }
    kept
}

/// A unit chosen on `field`: it must exist, be active, and be one `usable`
/// accepts (where the reader registers tasks, reviews, acts…).
pub fn unit(
    e: &mut FieldErrors,
    field: &str,
    id: Option<i64>,
    found: Option<Unit>,
    usable: impl FnOnce(&Unit) -> bool,
) -> Option<Unit> {
    one(e, field, id, found, |u| u.active && usable(u))
}

/// Ids chosen in a multi-select on `field`: each must be one `usable`
/// accepts, or the field gets `key`. Returns whether all were.
pub fn every(
    e: &mut FieldErrors,
    field: &str,
    ids: &[i64],
    usable: impl Fn(i64) -> bool,
    key: &str,
) -> bool {
    let all = ids.iter().all(|id| usable(*id));
    if !all {
        e.add(field, key);
    }
    all
}

/// The subtree of the top unit (a province or centrally-run city) that a
/// unit's path lies in: `/3/17/40/` → `/3/`. What serves or works for a
/// unit comes from within its province.
pub fn province(path: &str) -> String {
    match path.trim_start_matches('/').split_once('/') {
        Some((top, _)) => format!("/{top}/"),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_at(id: i64, path: &str, active: bool) -> Unit {
        Unit {
            id,
            parent_id: None,
            kind: "ward".into(),
            name: format!("#{id}"),
            code: None,
            path: path.into(),
            active,
        }
    }

    #[test]
    fn an_id_that_names_nothing_or_something_unusable_is_a_field_error() {
        let mut e = FieldErrors::default();
        assert_eq!(one(&mut e, "a", Some(7), Some(7), |_| true), Some(7));
        assert!(e.is_empty());
        assert_eq!(one::<i64>(&mut e, "b", Some(999), None, |_| true), None);
        assert_eq!(one(&mut e, "c", Some(7), Some(7), |_| false), None);
        // Nothing chosen (or not an id at all, already reported): no second error.
        assert_eq!(one(&mut e, "d", None, Some(7), |_| true), None);
        assert_eq!(e.get("b"), Some(INVALID));
        assert_eq!(e.get("c"), Some(INVALID));
        assert_eq!(e.get("d"), None);
    }

    #[test]
    fn a_unit_must_also_be_active() {
        let mut e = FieldErrors::default();
        let open = unit_at(4, "/1/4/", true);
        let closed = unit_at(5, "/1/5/", false);
        assert!(unit(&mut e, "a", Some(4), Some(open), |_| true).is_some());
        assert!(unit(&mut e, "b", Some(5), Some(closed), |_| true).is_none());
        assert_eq!(e.get("a"), None);
        assert_eq!(e.get("b"), Some(INVALID));
    }

    #[test]
    fn every_id_of_a_list_must_be_usable() {
        let mut e = FieldErrors::default();
        assert!(every(&mut e, "a", &[1, 2], |i| i < 3, INVALID));
        assert!(every(&mut e, "b", &[], |_| false, INVALID));
        assert!(!every(&mut e, "c", &[1, 9], |i| i < 3, "error-not-in-unit"));
        assert_eq!(e.get("c"), Some("error-not-in-unit"));
        assert!(e.get("a").is_none() && e.get("b").is_none());
    }

    #[test]
    fn a_units_province_is_the_top_of_its_path() {
        assert_eq!(province("/3/17/40/"), "/3/");
        assert_eq!(province("/3/"), "/3/");
        assert_eq!(province("/12/5/"), "/12/");
    }
}
