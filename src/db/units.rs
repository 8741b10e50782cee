//! Units: the administrative and organizational tree.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::Change;
use super::schema::units;
use super::scope::path_in;
use super::DbConnection;
use crate::domain::units::{child_path, rebase, UnitKind};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub code: Option<String>,
    pub path: String,
    pub active: bool,
    // Its timestamps are not read: parsing two per unit was most of the cost
    // of loading a province's tree on every page with a unit picker.
}

/// The fields a person edits.
#[derive(Debug, Clone, Serialize)]
pub struct UnitFields {
    pub parent_id: Option<i64>,
    pub kind: UnitKind,
    pub name: String,
    pub code: Option<String>,
}

#[derive(QueryableByName)]
struct FoundId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The ids of the first matches of a search through an SQLite trigram index,
/// walked in rowid order so that the LIMIT ends the walk. `select_from`
/// selects the `id` and joins the FTS table `f` to its rows and on to
/// `units u`; the matches are kept to the scope and to the LIKE `pattern` on
/// `text` (the index finds candidates; the LIKE is the rule).
#[allow(clippy::too_many_arguments)]
pub fn trigram_walk(
    conn: &mut SqliteConnection,
    select_from: &str,
    fts: &str,
    text: &str,
    phrase: String,
    scope: &[String],
    pattern: String,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{BigInt, Text};
    let within = vec!["u.path LIKE ?"; scope.len()].join(" OR ");
    let mut q = diesel::sql_query(format!(
        "{select_from} WHERE {fts} MATCH ? AND ({within}) \
         AND {text} LIKE ? ESCAPE '\\' ORDER BY f.rowid LIMIT ?"
    ))
    .into_boxed()
    .bind::<Text, _>(phrase);
    for p in scope {
        q = q.bind::<Text, _>(format!("{p}%"));
    }
    Ok(q.bind::<Text, _>(pattern)
        .bind::<BigInt, _>(limit)
        .load::<FoundId>(conn)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Unit> {
    units::table.find(id).select(Unit::as_select()).first(conn)
}

/// The unit a form names, if it names one that exists.
pub fn find_chosen(conn: &mut DbConnection, id: Option<i64>) -> QueryResult<Option<Unit>> {
    match id {
        Some(id) => units::table
            .find(id)
            .select(Unit::as_select())
            .first(conn)
            .optional(),
        None => Ok(None),
    }
}

/// Paths of the units at the top of the tree.
pub fn root_paths(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    units::table
        .filter(units::parent_id.is_null())
        .select(units::path)
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    units::table.count().get_result(conn)
}

/// Every unit within the given subtrees, in tree order (parents before their
/// children, siblings by name).
pub fn tree(
    conn: &mut DbConnection,
    prefixes: &[String],
    include_inactive: bool,
) -> QueryResult<Vec<Unit>> {
    let mut q = units::table
        .select(Unit::as_select())
        .filter(path_in::<units::table>(prefixes))
        .into_boxed();
    if !include_inactive {
        q = q.filter(units::active.eq(true));
    }
    let all = q.load(conn)?;
    Ok(tree_order(all))
}

fn tree_order(mut all: Vec<Unit>) -> Vec<Unit> {
    // Sort by the names along the path so that each unit follows its parent.
    let names: std::collections::HashMap<i64, String> =
        all.iter().map(|u| (u.id, u.name.to_lowercase())).collect();
    let key = |u: &Unit| -> Vec<String> {
        u.path
            .trim_matches('/')
            .split('/')
            .filter_map(|s| s.parse::<i64>().ok())
            .map(|id| names.get(&id).cloned().unwrap_or_default() + &format!("\u{0}{id}"))
            .collect()
    };
    all.sort_by_cached_key(key);
    all
}

pub fn create(
    conn: &mut DbConnection,
    f: &UnitFields,
) -> Result<(Unit, Change), diesel::result::Error> {
    let parent_path = match f.parent_id {
        Some(pid) => Some(find(conn, pid)?.path),
        None => None,
    };
    let now = super::now();
    let id: i64 = diesel::insert_into(units::table)
        .values((
            units::parent_id.eq(f.parent_id),
            units::kind.eq(f.kind.as_str()),
            units::name.eq(&f.name),
            units::code.eq(&f.code),
            units::path.eq(""),
            units::active.eq(true),
            units::created_at.eq(now),
            units::updated_at.eq(now),
        ))
        .returning(units::id)
        .get_result(conn)?;
    diesel::update(units::table.find(id))
        .set(units::path.eq(child_path(parent_path.as_deref(), id)))
        .execute(conn)?;
    let unit = find(conn, id)?;
    let change = Change::new("create", "unit", id, json!(f)).on_unit(id);
    Ok((unit, change))
}

/// Renames, re-kinds and moves a unit; a move rewrites the paths of its whole subtree.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    f: &UnitFields,
) -> Result<(Unit, Change), diesel::result::Error> {
    let before = find(conn, id)?;
    let new_path = match f.parent_id {
        Some(pid) => child_path(Some(&find(conn, pid)?.path), id),
        None => child_path(None, id),
    };
    let now = super::now();
    diesel::update(units::table.find(id))
        .set((
            units::parent_id.eq(f.parent_id),
            units::kind.eq(f.kind.as_str()),
            units::name.eq(&f.name),
            units::code.eq(&f.code),
            units::updated_at.eq(now),
        ))
        .execute(conn)?;
    if new_path != before.path {
        let subtree: Vec<(i64, String)> = units::table
            .filter(units::path.like(format!("{}%", before.path)))
            .select((units::id, units::path))
            .load(conn)?;
        for (uid, path) in subtree {
            if let Some(p) = rebase(&path, &before.path, &new_path) {
                diesel::update(units::table.find(uid))
                    .set(units::path.eq(p))
                    .execute(conn)?;
            }
        }
        // The figures kept per unit hold each unit's subtree.
        super::unit_totals::rebuild(conn)?;
    }
    let after = find(conn, id)?;
    let changes = super::audit::diff(
        &json!({"parent_id": before.parent_id, "kind": before.kind, "name": before.name, "code": before.code}),
        &json!({"parent_id": after.parent_id, "kind": after.kind, "name": after.name, "code": after.code}),
    );
    Ok((
        after,
        Change::new("update", "unit", id, changes).on_unit(id),
    ))
}

pub fn set_active(
    conn: &mut DbConnection,
    id: i64,
    active: bool,
) -> Result<(Unit, Change), diesel::result::Error> {
    diesel::update(units::table.find(id))
        .set((units::active.eq(active), units::updated_at.eq(super::now())))
        .execute(conn)?;
    let unit = find(conn, id)?;
    let action = if active { "activate" } else { "deactivate" };
    Ok((
        unit,
        Change::new(action, "unit", id, json!({"active": active})).on_unit(id),
    ))
}

/// Active units below this one (a unit with active children cannot be deactivated).
pub fn active_children(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    units::table
        .filter(units::parent_id.eq(id))
        .filter(units::active.eq(true))
        .count()
        .get_result(conn)
}

/// Up to `limit` units within the subtrees `prefixes` with an id above
/// `after`, by id (the API's pages).
pub fn after(
    conn: &mut DbConnection,
    prefixes: &[String],
    parent_id: Option<i64>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Unit>> {
    let mut q = units::table
        .select(Unit::as_select())
        .filter(path_in::<units::table>(prefixes))
        .filter(units::id.gt(after))
        .into_boxed();
    if let Some(p) = parent_id {
        q = q.filter(units::parent_id.eq(p));
    }
    q.order(units::id).limit(limit).load(conn)
}
