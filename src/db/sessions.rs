//! Sessions ended by logging out. The session itself lives in the signed
//! cookie; what a cookie cannot do is forget itself, so its id is kept here
//! once it is ended and every instance refuses it until it would have
//! expired anyway.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::ended_sessions;
use super::DbConnection;

/// Ends a session; rows older than `expired_before` (sessions that have
/// expired by age since) are let go at the same time.
pub fn end(conn: &mut DbConnection, sid: &str, expired_before: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(ended_sessions::table.filter(ended_sessions::ended_at.lt(expired_before)))
        .execute(conn)?;
    let inserted = diesel::insert_into(ended_sessions::table)
        .values((
            ended_sessions::sid.eq(sid),
            ended_sessions::ended_at.eq(super::now()),
        ))
        .execute(conn);
    match inserted {
        // Logged out twice at once (two tabs): ended either way.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        other => other.map(|_| ()),
    }
}
