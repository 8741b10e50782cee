//! Failed and successful logins, kept in the database so that limits hold
//! across restarts and across several app instances.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::login_attempts as la;
use super::DbConnection;

pub fn record(conn: &mut DbConnection, username: &str, ip: &str, success: bool) -> QueryResult<()> {
    diesel::insert_into(la::table)
        .values((
            la::username.eq(username),
            la::ip.eq(ip),
            la::at.eq(super::now()),
            la::success.eq(success),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Failures for this account since `since` and since its last success.
pub fn failures_for_account(
    conn: &mut DbConnection,
    username: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    let last_success: Option<NaiveDateTime> = la::table
        .filter(la::username.eq(username).and(la::success.eq(true)))
        .select(diesel::dsl::max(la::at))
        .first(conn)?;
    let since = last_success.map_or(since, |s| s.max(since));
    la::table
        .filter(la::username.eq(username))
        .filter(la::success.eq(false))
        .filter(la::at.ge(since))
        .count()
        .get_result(conn)
}

pub fn failures_from_address(
    conn: &mut DbConnection,
    ip: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    la::table
        .filter(la::ip.eq(ip))
        .filter(la::success.eq(false))
        .filter(la::at.ge(since))
        .count()
        .get_result(conn)
}

/// Drops attempts older than `before`; called at start-up.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(la::table.filter(la::at.lt(before))).execute(conn)
}
