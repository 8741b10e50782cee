//! Accounts made outside the web pages: the first administrator on an empty
//! database and `create-admin`. The demo data is in `crate::demo`.

use diesel::prelude::*;

use crate::auth::password;
use crate::db::{self, audit, units::UnitFields, users::UserFields, DbConnection};
use crate::domain::access::Role;
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// The unit at the top of the tree, created with the first administrator; its
/// name is meant to be changed to the province's.
fn ensure_root_unit(conn: &mut DbConnection, actor: &audit::Actor) -> Result<i64, AppError> {
    if let Some(id) = db::schema::units::table
        .filter(db::schema::units::parent_id.is_null())
        .select(db::schema::units::id)
        .order(db::schema::units::id)
        .first::<i64>(conn)
        .optional()?
    {
        return Ok(id);
    }
    let fields = UnitFields {
        parent_id: None,
        kind: UnitKind::Province,
        name: "Tỉnh / Thành phố".into(),
        code: None,
    };
    let unit = audit::write(conn, actor, |c| Ok(db::units::create(c, &fields)?))?;
    Ok(unit.id)
}

/// Creates `username` as an administrator of the top unit with a one-time
/// password, or gives an existing account a new one-time password and the
/// admin role. Returns the password, which is shown once and stored only hashed.
pub fn create_admin(
    conn: &mut DbConnection,
    username: &str,
    full_name: &str,
) -> Result<String, AppError> {
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = audit::Actor {
        user_id: None,
        ip: Some("console".into()),
    };
    conn.transaction::<_, AppError, _>(|conn| {
        let root = ensure_root_unit(conn, &actor)?;
        let existing = db::users::find_by_username(conn, username)?;
        audit::write(conn, &actor, |c| {
            let (id, change) = match existing {
                Some(u) => (u.id, db::users::set_password(c, u.id, &hash, true)?),
                None => {
                    let fields = UserFields {
                        username: username.to_string(),
                        full_name: full_name.to_string(),
                        email: None,
                        locale: "vi".into(),
                        unit_id: root,
                    };
                    let (u, change) = db::users::create(c, &fields, &hash, true)?;
                    (u.id, change)
                }
            };
            db::users::add_grant(c, id, root, Role::Admin, None)?;
            Ok(((), change))
        })
    })?;
    Ok(one_time)
}

/// The first administrator of an empty database, made by one instance
/// however many start at once (`db::serialized`); `None` when users exist.
pub fn first_admin(
    conn: &mut DbConnection,
    database: &db::DatabaseUrl,
) -> anyhow::Result<Option<String>> {
    db::serialized(conn, database, |c| Ok(first_run(c)?))
}

/// On an empty database, the first administrator; `None` when users exist.
pub fn first_run(conn: &mut DbConnection) -> Result<Option<String>, AppError> {
    if db::users::count(conn)? > 0 {
        return Ok(None);
    }
    create_admin(conn, "admin", "Quản trị hệ thống").map(Some)
}
