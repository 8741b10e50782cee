//! Users and the roles they hold on units.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{Change, Versions};
use super::schema::{role_grants, units, users};
use super::DbConnection;
use crate::domain::access::{Grant, Role};
use crate::domain::search;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub locale: String,
    pub unit_id: i64,
    pub active: bool,
    pub must_change_password: bool,
    pub session_epoch: i32,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields an admin edits.
#[derive(Debug, Clone, Serialize, Insertable, AsChangeset)]
// An email left out is written as NULL, on insert and edit alike.
#[diesel(table_name = users, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct UserFields {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub locale: String,
    pub unit_id: i64,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn username_taken(
    conn: &mut DbConnection,
    username: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = users::table
        .filter(users::username.eq(username))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(users::id.ne(id));
    }
    q.count().get_result::<i64>(conn).map(|n| n > 0)
}

/// A role, and the id, path and activity of the unit it is held on (each
/// null when the user holds no role).
type GrantedOn = (Option<String>, Option<i64>, Option<String>, Option<bool>);

/// The user's rows, one per role they hold (or one of nulls when they hold
/// none), each with the role's unit. Two flat left joins: SQLite would
/// materialize a nested `LEFT JOIN (role_grants JOIN units)` for every user.
#[diesel::dsl::auto_type(no_type_alias)]
fn user_rows(id: i64) -> _ {
    users::table
        .left_join(role_grants::table)
        .left_join(units::table.on(units::id.nullable().eq(role_grants::unit_id.nullable())))
        .filter(users::id.eq(id))
}

/// A row's [`GrantedOn`], for the select of [`user_rows`].
#[diesel::dsl::auto_type(no_type_alias)]
fn granted_on() -> _ {
    (
        role_grants::role.nullable(),
        units::id.nullable(),
        units::path.nullable(),
        units::active.nullable(),
    )
}

/// The user and the roles they hold on active units, in one query: this runs
/// on every request of a logged-in user.
pub fn with_grants(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(User, Vec<Grant>)>> {
    let rows: Vec<(User, GrantedOn)> = user_rows(id)
        .select((User::as_select(), granted_on()))
        .load(conn)?;
    Ok(user_and_grants(rows))
}

/// What a logged-in request reads of its session, in one round trip: the
/// user with their roles, whether this session was logged out (perhaps on
/// another instance), and the versions the caches are kept at.
pub struct SessionRead {
    pub user: User,
    pub grants: Vec<Grant>,
    pub ended: bool,
    pub versions: Versions,
}

pub fn for_session(
    conn: &mut DbConnection,
    id: i64,
    sid: &str,
) -> QueryResult<Option<SessionRead>> {
    use super::schema::ended_sessions;
    /// A role of the user, whether the session ended, and the two versions.
    type Row = (User, GrantedOn, bool, (Option<i64>, Option<i64>));
    let rows: Vec<Row> = user_rows(id)
        .select((
            User::as_select(),
            granted_on(),
            diesel::dsl::exists(ended_sessions::table.filter(ended_sessions::sid.eq(sid))),
            super::audit::stored_versions(),
        ))
        .load(conn)?;
    let Some((ended, versions)) = rows.first().map(|r| (r.2, Versions::from_stored(r.3))) else {
        return Ok(None);
    };
    Ok(user_and_grants(
        rows.into_iter()
            .map(|(user, grant, ..)| (user, grant))
            .collect(),
    )
    .map(|(user, grants)| SessionRead {
        user,
        grants,
        ended,
        versions,
    }))
}

/// The user of the first row and the roles of every row, on active units.
fn user_and_grants(rows: Vec<(User, GrantedOn)>) -> Option<(User, Vec<Grant>)> {
    let mut rows = rows.into_iter();
    let (user, first) = rows.next()?;
    let grants = std::iter::once(first)
        .chain(rows.map(|(_, grant)| grant))
        .filter_map(|grant| match grant {
            (Some(role), Some(unit_id), Some(unit_path), Some(true)) => {
                Some((role, unit_id, unit_path))
            }
            _ => None,
        })
        .filter_map(|(role, unit_id, unit_path)| {
            Role::parse(&role).map(|role| Grant {
                role,
                unit_id,
                unit_path,
            })
        })
        .collect();
    Some((user, grants))
}

/// The roles a user holds, on active units only, with each unit's path.
pub fn grants(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<Grant>> {
    Ok(with_grants(conn, user_id)?
        .map(|(_, grants)| grants)
        .unwrap_or_default())
}

#[derive(Debug, Queryable, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub unit_active: bool,
}

/// A user's grants as shown on their page.
pub fn grant_rows(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<GrantRow>> {
    role_grants::table
        .inner_join(units::table)
        .filter(role_grants::user_id.eq(user_id))
        .select((
            role_grants::id,
            role_grants::role,
            units::id,
            units::name,
            units::path,
            units::active,
        ))
        .order((units::path, role_grants::role))
        .load(conn)
}

pub fn create(
    conn: &mut DbConnection,
    f: &UserFields,
    password_hash: &str,
    must_change_password: bool,
) -> QueryResult<(User, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(users::table)
        .values((
            f,
            users::find_name.eq(search::person(&f.full_name, &f.username)),
            users::password_hash.eq(password_hash),
            users::active.eq(true),
            users::must_change_password.eq(must_change_password),
            users::session_epoch.eq(0),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)?;
    Ok((
        find(conn, id)?,
        Change::new("create", "user", id, json!(f)).on_unit(f.unit_id),
    ))
}

pub fn update(conn: &mut DbConnection, id: i64, f: &UserFields) -> QueryResult<(User, Change)> {
    let before = find(conn, id)?;
    diesel::update(users::table.find(id))
        .set((
            f,
            users::find_name.eq(search::person(&f.full_name, &f.username)),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    let old = UserFields {
        username: before.username,
        full_name: before.full_name,
        email: before.email,
        locale: before.locale,
        unit_id: before.unit_id,
    };
    let changes = super::audit::diff(&old, f);
    Ok((
        find(conn, id)?,
        Change::new("update", "user", id, changes).on_unit(f.unit_id),
    ))
}

/// Sets a new password hash and ends every other session of the user.
pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    password_hash: &str,
    must_change_password: bool,
) -> QueryResult<Change> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change_password),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    let action = if must_change_password {
        "reset_password"
    } else {
        "change_password"
    };
    about_user(conn, action, id, json!({}))
}

pub fn set_locale(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<Change> {
    let before = find(conn, id)?;
    diesel::update(users::table.find(id))
        .set(users::locale.eq(locale))
        .execute(conn)?;
    Ok(Change::new(
        "update",
        "user",
        id,
        json!({"locale": [before.locale, locale]}),
    )
    .on_unit(before.unit_id))
}

/// Deactivating a user also ends their sessions.
pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> QueryResult<Change> {
    diesel::update(users::table.find(id))
        .set((
            users::active.eq(active),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    let action = if active { "activate" } else { "deactivate" };
    about_user(conn, action, id, json!({"active": active}))
}

/// A change to a user, filed under their home unit.
pub fn about_user(
    conn: &mut DbConnection,
    action: &'static str,
    id: i64,
    changes: serde_json::Value,
) -> QueryResult<Change> {
    let home = find(conn, id)?.unit_id;
    Ok(Change::new(action, "user", id, changes).on_unit(home))
}

pub fn touch_login(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub unit_name: String,
    pub active: bool,
    pub last_login_at: Option<NaiveDateTime>,
}

/// Users whose home unit lies in `prefixes`, filtered by a search text
/// (their name or username, accents aside, or their address).
pub fn list(
    conn: &mut DbConnection,
    prefixes: &[String],
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let query = || {
        let mut q = users::table
            .inner_join(units::table)
            .filter(super::scope::path_in(prefixes))
            .into_boxed();
        if let Some(s) = search {
            // A name or username accents aside; an address as typed.
            let pattern = format!("%{}%", s.to_lowercase());
            q = q.filter(super::Uncached(
                users::find_name
                    .like(search::like_pattern(s))
                    .escape('\\')
                    .or(lower(users::email).like(pattern)),
            ));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select((
            users::id,
            users::username,
            users::full_name,
            units::name,
            users::active,
            users::last_login_at,
        ))
        .order(users::username)
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn add_grant(
    conn: &mut DbConnection,
    user_id: i64,
    unit_id: i64,
    role: Role,
    granted_by: Option<i64>,
) -> QueryResult<Change> {
    let exists: i64 = role_grants::table
        .filter(role_grants::user_id.eq(user_id))
        .filter(role_grants::unit_id.eq(unit_id))
        .filter(role_grants::role.eq(role.as_str()))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(role_grants::table)
            .values((
                role_grants::user_id.eq(user_id),
                role_grants::unit_id.eq(unit_id),
                role_grants::role.eq(role.as_str()),
                role_grants::granted_by.eq(granted_by),
                role_grants::created_at.eq(super::now()),
            ))
            .execute(conn)?;
    }
    Ok(Change::new(
        "grant_role",
        "user",
        user_id,
        json!({"role": role.as_str(), "unit_id": unit_id}),
    )
    .on_unit(unit_id))
}

/// The grant with this id, if it belongs to `user_id`: (role, unit id, unit path).
pub fn find_grant(
    conn: &mut DbConnection,
    user_id: i64,
    grant_id: i64,
) -> QueryResult<Option<(String, i64, String)>> {
    role_grants::table
        .inner_join(units::table)
        .filter(role_grants::id.eq(grant_id))
        .filter(role_grants::user_id.eq(user_id))
        .select((role_grants::role, units::id, units::path))
        .first(conn)
        .optional()
}

pub fn remove_grant(
    conn: &mut DbConnection,
    user_id: i64,
    grant_id: i64,
    role: &str,
    unit_id: i64,
) -> QueryResult<Change> {
    diesel::delete(
        role_grants::table
            .filter(role_grants::id.eq(grant_id))
            .filter(role_grants::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(Change::new(
        "revoke_role",
        "user",
        user_id,
        json!({"role": role, "unit_id": unit_id}),
    )
    .on_unit(unit_id))
}

/// Active users who hold a role on this unit or above it, so they reach it.
pub fn reaching(
    conn: &mut DbConnection,
    unit_path: &str,
) -> QueryResult<Vec<(i64, String, String)>> {
    reaching_in_roles(conn, unit_path, &Role::ALL)
}

/// Active users who hold one of `roles` on this unit or above it.
pub fn reaching_in_roles(
    conn: &mut DbConnection,
    unit_path: &str,
    roles: &[Role],
) -> QueryResult<Vec<(i64, String, String)>> {
    let ancestors: Vec<i64> = unit_path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .collect();
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    users::table
        .inner_join(role_grants::table.on(role_grants::user_id.eq(users::id)))
        .filter(role_grants::unit_id.eq_any(ancestors))
        .filter(role_grants::role.eq_any(roles))
        .filter(users::active.eq(true))
        .select((users::id, users::username, users::full_name))
        .distinct()
        .order(users::full_name)
        .load(conn)
}

/// Active users homed in, or holding a role in, any of the subtrees.
pub fn in_scope(
    conn: &mut DbConnection,
    prefixes: &[String],
) -> QueryResult<Vec<(i64, String, String)>> {
    in_scope_where(conn, prefixes, None)
}

/// As `in_scope`, but only the user `only`: empty when they are not in it.
pub fn one_in_scope(
    conn: &mut DbConnection,
    prefixes: &[String],
    only: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    in_scope_where(conn, prefixes, Some(only))
}

/// As `in_scope` when the subtrees hold at most `max` people; `None` when
/// they hold more (a province's thousands are not a list to choose from).
/// A province's count stops at `max + 1`, before anyone is sorted.
pub fn choices_in_scope(
    conn: &mut DbConnection,
    prefixes: &[String],
    max: usize,
) -> QueryResult<Option<Vec<(i64, String, String)>>> {
    // Those homed in the subtrees are most of them: when they alone are too
    // many, one query that stops at `max + 1` says so.
    let homed: Vec<i64> = users::table
        .inner_join(units::table)
        .filter(users::active.eq(true))
        .filter(super::scope::path_in(prefixes))
        .select(users::id)
        .limit(max as i64 + 1)
        .load(conn)?;
    if homed.len() > max {
        return Ok(None);
    }
    let all = in_scope(conn, prefixes)?;
    Ok((all.len() <= max).then_some(all))
}

type ScopeQuery = diesel::dsl::IntoBoxed<'static, users::table, super::MultiBackend>;

/// Active users homed in, or holding a role in, any of the subtrees.
fn scope_query(conn: &mut DbConnection, prefixes: &[String]) -> QueryResult<ScopeQuery> {
    // The units are few where the people are many: their ids, then one query.
    let units_in: Vec<i64> = units::table
        .filter(super::scope::path_in(prefixes))
        .select(units::id)
        .load(conn)?;
    let granted = role_grants::table
        .filter(role_grants::unit_id.eq_any(units_in.clone()))
        .select(role_grants::user_id);
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(
            users::unit_id
                .eq_any(units_in)
                .or(users::id.eq_any(granted)),
        )
        .into_boxed())
}

fn in_scope_where(
    conn: &mut DbConnection,
    prefixes: &[String],
    only: Option<i64>,
) -> QueryResult<Vec<(i64, String, String)>> {
    let mut q = scope_query(conn, prefixes)?
        .select((users::id, users::username, users::full_name))
        .order((users::full_name, users::id));
    if let Some(id) = only {
        q = q.filter(users::id.eq(id));
    }
    q.load(conn)
}

/// Up to `limit` users whose home unit lies in `prefixes`, with an id above
/// `after`, by id (the API's pages).
pub fn after(
    conn: &mut DbConnection,
    prefixes: &[String],
    unit_id: Option<i64>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut q = users::table
        .inner_join(units::table)
        .filter(super::scope::path_in(prefixes))
        .filter(users::id.gt(after))
        .select(User::as_select())
        .into_boxed();
    if let Some(u) = unit_id {
        q = q.filter(users::unit_id.eq(u));
    }
    q.order(users::id).limit(limit).load(conn)
}

/// Fills the find name of accounts written before it existed (once, after
/// the migration that adds it; then there are none, and the check is a
/// look at an empty index), a batch at a time.
pub fn fill_find_name(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut filled = 0;
    loop {
        // Written out, not bound, so that the planner may use the partial
        // index `users_unfilled`.
        let rows: Vec<(i64, String, String)> = users::table
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "find_name = ''",
            ))
            .select((users::id, users::full_name, users::username))
            .order(users::id)
            .limit(2_000)
            .load(conn)?;
        if rows.is_empty() {
            return Ok(filled);
        }
        conn.transaction(|c| {
            for (id, name, username) in &rows {
                diesel::update(users::table.find(*id))
                    .set(users::find_name.eq(search::person(name, username)))
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        filled += rows.len();
    }
}

/// A person as a picker offers them: id, username, full name.
pub type Person = (i64, String, String);

/// Whom a people picker may offer: active accounts, homed in or holding a
/// role in the subtrees `within` (anywhere when `None`), and, with
/// `holding`, only those who hold one of its roles (any when empty) on its
/// units.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    pub within: Option<Vec<String>>,
    pub holding: Option<(Held, Vec<Role>)>,
}

/// The units a role is held on, for `Pool::holding`.
#[derive(Debug, Clone)]
pub enum Held {
    /// The unit at this path or one above it: those who reach the unit.
    Reaching(String),
    /// A unit in these subtrees or above them.
    Around(Vec<String>),
}

impl Pool {
    /// Those homed in, or holding a role in, the subtrees.
    pub fn within(prefixes: &[String]) -> Pool {
        Pool {
            within: Some(prefixes.to_vec()),
            holding: None,
        }
    }

    /// The same people, only those who hold one of `roles` (any when
    /// empty) on `held`.
    pub fn holding(self, held: Held, roles: &[Role]) -> Pool {
        Pool {
            holding: Some((held, roles.to_vec())),
            ..self
        }
    }
}

/// The ids in a unit's path: the unit and those above it.
fn ancestors(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|s| s.parse().ok())
}

fn pool_query(conn: &mut DbConnection, pool: &Pool) -> QueryResult<ScopeQuery> {
    let mut q = users::table.filter(users::active.eq(true)).into_boxed();
    if let Some(prefixes) = &pool.within {
        q = scope_query(conn, prefixes)?;
    }
    if let Some((held, roles)) = &pool.holding {
        let mut on: Vec<i64> = match held {
            Held::Reaching(path) => ancestors(path).collect(),
            Held::Around(prefixes) => {
                let mut ids: Vec<i64> = units::table
                    .filter(super::scope::path_in(prefixes))
                    .select(units::id)
                    .load(conn)?;
                ids.extend(prefixes.iter().flat_map(|p| ancestors(p)));
                ids
            }
        };
        on.sort_unstable();
        on.dedup();
        let roles: Vec<&str> = if roles.is_empty() {
            &Role::ALL[..]
        } else {
            roles
        }
        .iter()
        .map(|r| r.as_str())
        .collect();
        let holders = role_grants::table
            .filter(role_grants::unit_id.eq_any(on))
            .filter(role_grants::role.eq_any(roles))
            .select(role_grants::user_id);
        q = q.filter(users::id.eq_any(holders));
    }
    Ok(q)
}

/// Up to `limit` people of the pool by name; with `find`, only those whose
/// name or username holds it, accents and case aside.
pub fn people(
    conn: &mut DbConnection,
    pool: &Pool,
    find: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Person>> {
    let mut q = pool_query(conn, pool)?;
    if let Some(text) = find {
        q = q.filter(super::Uncached(
            users::find_name
                .like(search::like_pattern(text))
                .escape('\\'),
        ));
    }
    q.select((users::id, users::username, users::full_name))
        .order((users::full_name, users::id))
        .limit(limit)
        .load(conn)
}

/// Those of `ids` who are in the pool, by name.
pub fn people_among(conn: &mut DbConnection, pool: &Pool, ids: &[i64]) -> QueryResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    pool_query(conn, pool)?
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::username, users::full_name))
        .order((users::full_name, users::id))
        .load(conn)
}
