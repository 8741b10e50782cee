//! The audit log: one table, and one helper that every write goes through, so a
//! change and the record of who made it commit or roll back together.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use super::schema::{audit_log, data_version, listing_version, users};
use super::DbConnection;
use crate::error::AppError;

/// Who is making a change, and from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub ip: Option<String>,
}

/// What a write did, as recorded.
#[derive(Debug)]
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Option<i64>,
    /// The unit the change belongs to (its own unit for a unit, the home unit
    /// for a user, the unit of a task…).
    pub unit_id: Option<i64>,
    pub changes: Value,
}

impl Change {
    pub fn new(action: &'static str, entity: &'static str, entity_id: i64, changes: Value) -> Self {
        Change {
            action,
            entity,
            entity_id: Some(entity_id),
            unit_id: None,
            changes,
        }
    }

    pub fn on_unit(mut self, unit_id: i64) -> Self {
        self.unit_id = Some(unit_id);
        self
    }
}

/// Runs `f` in one transaction and records the change it reports. If `f` or the
/// audit insert fails, nothing of the write remains.
pub fn write<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    f: impl FnOnce(&mut DbConnection) -> Result<(T, Change), AppError>,
) -> Result<T, AppError> {
    super::write_transaction::<T, AppError>(conn, |conn| {
        let (out, change) = f(conn)?;
        record(conn, actor, &change)?;
        Ok(out)
    })
}

/// Like `write`, for writes that may turn out to change nothing (a lost race,
/// a missing row): only a reported change is recorded.
pub fn write_if<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    f: impl FnOnce(&mut DbConnection) -> Result<(T, Option<Change>), AppError>,
) -> Result<T, AppError> {
    super::write_transaction::<T, AppError>(conn, |conn| {
        let (out, change) = f(conn)?;
        if let Some(change) = change {
            record(conn, actor, &change)?;
        }
        Ok(out)
    })
}

/// The current data version: raised by every audited change, so figures
/// computed at one version are current as long as it has not moved.
pub fn data_version(conn: &mut DbConnection) -> QueryResult<i64> {
    data_version::table
        .select(data_version::version)
        .first(conn)
}

/// The two versions the caches of an instance are kept at, as read with the
/// session's user in the same round trip (`db::users::for_session`). Read
/// before the figures they tag, so a figure is never older than its tag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    /// [`data_version`]
    pub data: i64,
    /// [`listing_version`]
    pub listing: i64,
}

impl Versions {
    /// The versions as [`stored_versions`] reads them; a version never
    /// raised yet counts as 0.
    pub(super) fn from_stored((data, listing): (Option<i64>, Option<i64>)) -> Self {
        Versions {
            data: data.unwrap_or(0),
            listing: listing.unwrap_or(0),
        }
    }
}

/// The two versions as stored, as subqueries: alone, or in the select of
/// another query (`db::users::for_session`).
#[diesel::dsl::auto_type(no_type_alias)]
pub(super) fn stored_versions() -> _ {
    (
        data_version::table
            .select(data_version::version)
            .single_value(),
        listing_version::table
            .select(listing_version::version)
            .single_value(),
    )
}

/// The versions read with the session (`known`), or read now in one query
/// when there was none (a request without a session, a job).
pub fn versions(conn: &mut DbConnection, known: Option<Versions>) -> QueryResult<Versions> {
    if let Some(v) = known {
        return Ok(v);
    }
    diesel::select(stored_versions())
        .get_result(conn)
        .map(Versions::from_stored)
}

/// The version of what lists count and search finds: raised by triggers on
/// every change to tasks, units, task members and households' names, not by
/// visits (migration 17).
pub fn listing_version(conn: &mut DbConnection) -> QueryResult<i64> {
    listing_version::table
        .select(listing_version::version)
        .first(conn)
}

fn record(conn: &mut DbConnection, actor: &Actor, change: &Change) -> QueryResult<()> {
    // Raised last in the transaction, so the lock on its one row is held only
    // for the commit.
    diesel::update(data_version::table)
        .set(data_version::version.eq(data_version::version + 1))
        .execute(conn)?;
    insert(conn, actor, change)
}

/// Records a second change made inside a `write` (a record that moves a
/// household's stage); the write raises the data version once for both.
pub fn record_also(conn: &mut DbConnection, actor: &Actor, change: &Change) -> QueryResult<()> {
    insert(conn, actor, change)
}

/// Logs a read that must leave a trace (personal details seen by someone
/// overseeing the work). Nothing changed, so the data version stays.
pub fn record_read(conn: &mut DbConnection, actor: &Actor, read: &Change) -> QueryResult<()> {
    insert(conn, actor, read)
}

fn insert(conn: &mut DbConnection, actor: &Actor, change: &Change) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(super::now()),
            audit_log::user_id.eq(actor.user_id),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::action.eq(change.action),
            audit_log::entity.eq(change.entity),
            audit_log::entity_id.eq(change.entity_id),
            audit_log::unit_id.eq(change.unit_id),
            audit_log::changes.eq(change.changes.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The fields that differ between two serialized records, as `{field: [old, new]}`.
pub fn diff(before: &impl Serialize, after: &impl Serialize) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (k, new) in &b {
        let old = a.get(k).unwrap_or(&Value::Null);
        if old != new {
            out.insert(k.clone(), Value::Array(vec![old.clone(), new.clone()]));
        }
    }
    Value::Object(out)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub user: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Only changes that belong to a unit in these subtrees, or that were
    /// made by a user homed there; `None` for a reader who reaches the whole tree.
    pub scope: Option<Vec<String>>,
}

#[derive(Debug, Queryable, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub username: Option<String>,
    /// The person's name, as pages name people.
    pub full_name: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub changes: String,
}

type EntryColumns = (
    audit_log::id,
    audit_log::at,
    diesel::dsl::Nullable<users::username>,
    diesel::dsl::Nullable<users::full_name>,
    audit_log::ip,
    audit_log::action,
    audit_log::entity,
    audit_log::entity_id,
    audit_log::changes,
);

/// The columns of an `Entry`.
fn entry_columns() -> EntryColumns {
    (
        audit_log::id,
        audit_log::at,
        users::username.nullable(),
        users::full_name.nullable(),
        audit_log::ip,
        audit_log::action,
        audit_log::entity,
        audit_log::entity_id,
        audit_log::changes,
    )
}

/// One page of entries, newest first, and the total that match.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Entry>, i64)> {
    use super::schema::units;
    let scoped: Option<(Vec<i64>, Vec<i64>)> = match &f.scope {
        Some(prefixes) => Some((
            units::table
                .filter(super::scope::path_in(prefixes))
                .select(units::id)
                .load(conn)?,
            users::table
                .inner_join(units::table)
                .filter(super::scope::path_in(prefixes))
                .select(users::id)
                .load(conn)?,
        )),
        None => None,
    };
    let query = || {
        let mut q = audit_log::table.left_join(users::table).into_boxed();
        if let Some((unit_ids, user_ids)) = &scoped {
            q = q.filter(
                audit_log::unit_id
                    .eq_any(unit_ids.clone())
                    .or(audit_log::user_id.eq_any(user_ids.clone())),
            );
        }
        if let Some(u) = &f.user {
            q = q.filter(users::username.eq(u.clone()));
        }
        if let Some(e) = &f.entity {
            q = q.filter(audit_log::entity.eq(e.clone()));
        }
        if let Some(id) = f.entity_id {
            q = q.filter(audit_log::entity_id.eq(id));
        }
        if let Some(a) = &f.action {
            q = q.filter(audit_log::action.eq(a.clone()));
        }
        if let Some(t) = f.from {
            q = q.filter(audit_log::at.ge(t));
        }
        if let Some(t) = f.until {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(entry_columns())
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Every entry about one record, oldest first.
pub fn of_entity(conn: &mut DbConnection, entity: &str, id: i64) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(id))
        .select(entry_columns())
        .order(audit_log::id)
        .load(conn)
}

/// The distinct entity names seen, for the filter's select.
pub fn actions(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action)
        .load(conn)
}

pub fn entities(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    audit_log::table
        .select(audit_log::entity)
        .distinct()
        .order(audit_log::entity)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_only_changed_fields_with_old_and_new() {
        let d = diff(
            &json!({"name": "Phường Tây Hồ", "active": true, "code": null}),
            &json!({"name": "Phường Tây Hồ mới", "active": true, "code": "TH"}),
        );
        assert_eq!(
            d,
            json!({"name": ["Phường Tây Hồ", "Phường Tây Hồ mới"], "code": [null, "TH"]})
        );
    }
}
