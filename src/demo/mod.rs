//! The demo data `danvan demo` loads for trying the product: a believable
//! start from the source articles, one part a module, loaded in this order —
//! the Hà Nội tree and one account per role (`accounts`), Tây Hồ's and Phú
//! Thượng's tasks with households and visits (`tasks`), the Front's review of
//! them (`review`), Long Biên's campaign (`campaign`), Quảng Phú's desk
//! (`desk`), Hà Nội's mobile teams (`teams`), Nghệ An's recommendations and
//! Tây Hồ's targets (`recommendations`).

mod accounts;
mod campaign;
mod desk;
mod money;
pub mod parcels;
mod recommendations;
mod review;
mod tasks;
mod teams;

use diesel::prelude::*;
use serde_json::json;

use crate::auth::password;
use crate::db::{self, audit, units::UnitFields, users::UserFields, DbConnection};
use crate::domain::access::Role;
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// The demo accounts (username, role) and their shared password.
pub struct Demo {
    pub accounts: Vec<(String, &'static str)>,
    pub password: String,
    /// Tasks, households and visits loaded.
    pub counts: (i64, i64, i64),
}

/// Accounts made: username and role, as `danvan demo` lists them.
type Accounts = Vec<(String, &'static str)>;

/// The marker the demo leaves in the audit log (`load_demo`): whatever has
/// been renamed since, it is loaded once.
fn loaded(conn: &mut DbConnection) -> QueryResult<bool> {
    use db::schema::audit_log;
    audit_log::table
        .filter(audit_log::action.eq("load_demo"))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// The top unit the first start made for its administrator, still empty: the
/// only top unit, with no unit below it and no task of its own.
fn placeholder_root(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    use db::schema::{tasks, units};
    let roots: Vec<i64> = units::table
        .filter(units::parent_id.is_null())
        .select(units::id)
        .load(conn)?;
    let [root] = roots.as_slice() else {
        return Ok(None);
    };
    let children: i64 = units::table
        .filter(units::parent_id.eq(*root))
        .count()
        .get_result(conn)?;
    let tasks: i64 = tasks::table
        .filter(tasks::unit_id.eq(*root))
        .count()
        .get_result(conn)?;
    Ok((children == 0 && tasks == 0).then_some(*root))
}

/// A believable starting tree from the source articles, and one account per role.
/// Returns the accounts' shared password. Refuses to run twice.
pub fn load(conn: &mut DbConnection) -> Result<Demo, AppError> {
    if loaded(conn)? {
        return Err(AppError::BadRequest(
            "the demo data is already loaded".into(),
        ));
    }
    let actor = audit::Actor {
        user_id: None,
        ip: Some("demo".into()),
    };
    let pw = password::generate();
    let hash = password::hash(&pw).map_err(|e| AppError::Internal(e.to_string()))?;
    conn.transaction::<_, AppError, _>(|conn| {
        let (tree, mut made) = accounts::load(conn, &actor, &hash)?;
        tasks::load(conn, &actor, &tree)?;
        let reviewers = [tree.person("mttq.tayho"), tree.person("mttq2.tayho")];
        review::load(conn, &actor, tree.tay_ho, reviewers)?;
        made.extend(campaign::load(conn, &actor, tree.hanoi, &hash)?);
        made.extend(desk::load(conn, &actor, &hash)?);
        made.extend(teams::load(conn, &actor, tree.hanoi, &hash)?);
        made.extend(recommendations::load(conn, &actor, &hash)?);
        recommendations::targets(conn, &actor, tree.tay_ho, tree.person("capuy.tayho"))?;
        audit::write(conn, &actor, |_| {
            Ok((
                (),
                audit::Change {
                    action: "load_demo",
                    entity: "system",
                    entity_id: None,
                    unit_id: None,
                    changes: json!({"users": made.len()}),
                },
            ))
        })?;
        let counts = (
            db::schema::tasks::table.count().get_result(conn)?,
            db::schema::households::table.count().get_result(conn)?,
            db::schema::visits::table.count().get_result(conn)?,
        );
        Ok(Demo {
            accounts: made,
            password: pw,
            counts,
        })
    })
}

/// A Vietnamese name, the same for the same number.
fn name(i: usize) -> String {
    const FAMILY: [&str; 10] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
    ];
    const MIDDLE: [&str; 6] = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang"];
    const GIVEN: [&str; 20] = [
        "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Long", "Mai",
        "Nam", "Ngọc", "Phúc", "Quý", "Sơn", "Tâm", "Thảo", "Trung",
    ];
    format!(
        "{} {} {}",
        FAMILY[i % 10],
        MIDDLE[(i / 10) % 6],
        GIVEN[(i * 7 + i / 20) % 20]
    )
}

/// A unit of the demo.
fn unit(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    parent: Option<i64>,
    kind: UnitKind,
    name: &str,
) -> Result<i64, AppError> {
    let f = UnitFields {
        parent_id: parent,
        kind,
        name: name.into(),
        code: None,
    };
    audit::write(conn, actor, |c| Ok(db::units::create(c, &f)?)).map(|u| u.id)
}

/// A demo account homed at `home` and holding `role` there.
fn user(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
    (username, full_name): (&str, &str),
    home: i64,
    role: Role,
) -> Result<i64, AppError> {
    let fields = UserFields {
        username: username.into(),
        full_name: full_name.into(),
        email: Some(email(username)),
        locale: "vi".into(),
        unit_id: home,
    };
    audit::write(conn, actor, |c| {
        let (u, change) = db::users::create(c, &fields, hash, false)?;
        db::users::add_grant(c, u.id, home, role, None)?;
        Ok((u.id, change))
    })
}

/// Demo accounts get addresses in a reserved domain, so that their mail shows
/// in a mail catcher (docker-compose's Mailpit) and reaches nobody real.
fn email(username: &str) -> String {
    format!("{username}@demo.danvan.invalid")
}
