//! Accounts made outside the web pages: the first administrator on an empty
//! database, `create-admin`, and the demo data.

use diesel::prelude::*;
use serde_json::json;

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

/// On an empty database, the first administrator; `None` when users exist.
pub fn first_run(conn: &mut DbConnection) -> Result<Option<String>, AppError> {
    if db::users::count(conn)? > 0 {
        return Ok(None);
    }
    create_admin(conn, "admin", "Quản trị hệ thống").map(Some)
}

/// The demo accounts (username, role) and their shared password.
pub struct Demo {
    pub accounts: Vec<(String, &'static str)>,
    pub password: String,
}

/// A believable starting tree from the source articles, and one account per role.
/// Returns the accounts' shared password. Refuses to run twice.
pub fn demo(conn: &mut DbConnection) -> Result<Demo, AppError> {
    if db::schema::units::table
        .filter(db::schema::units::name.eq("Phường Tây Hồ"))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
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
        let unit = |conn: &mut DbConnection, parent: Option<i64>, kind: UnitKind, name: &str| {
            let f = UnitFields {
                parent_id: parent,
                kind,
                name: name.into(),
                code: None,
            };
            audit::write(conn, &actor, |c| Ok(db::units::create(c, &f)?)).map(|u| u.id)
        };
        let hanoi = unit(conn, None, UnitKind::City, "Thành phố Hà Nội")?;
        let tay_ho = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Tây Hồ")?;
        unit(
            conn,
            Some(tay_ho),
            UnitKind::PartyCommittee,
            "Đảng ủy phường Tây Hồ",
        )?;
        let mttq = unit(
            conn,
            Some(tay_ho),
            UnitKind::FrontCommittee,
            "Ủy ban MTTQ Việt Nam phường Tây Hồ",
        )?;
        for n in 1..=3 {
            unit(
                conn,
                Some(tay_ho),
                UnitKind::ResidentialGroup,
                &format!("Tổ dân phố số {n}"),
            )?;
        }
        let long_bien = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Long Biên")?;
        unit(
            conn,
            Some(long_bien),
            UnitKind::PartyCommittee,
            "Đảng ủy phường Long Biên",
        )?;
        let quang_phu = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Quảng An")?;
        unit(
            conn,
            Some(hanoi),
            UnitKind::Department,
            "Sở Nông nghiệp và Môi trường Hà Nội",
        )?;
        let nghe_an = unit(conn, None, UnitKind::Province, "Tỉnh Nghệ An")?;
        unit(conn, Some(nghe_an), UnitKind::Commune, "Xã Hưng Nguyên")?;
        unit(
            conn,
            Some(nghe_an),
            UnitKind::Department,
            "Sở Nông nghiệp và Môi trường Nghệ An",
        )?;

        let people: [(&str, &str, i64, Role); 6] = [
            ("quantri.hanoi", "Nguyễn Văn Quản", hanoi, Role::Admin),
            ("capuy.tayho", "Trần Thị Hồng", tay_ho, Role::Committee),
            ("totac.tayho", "Lê Văn Minh", tay_ho, Role::WardTeam),
            ("mttq.tayho", "Phạm Thị Lan", mttq, Role::Reviewer),
            (
                "capuy.longbien",
                "Hoàng Văn Nam",
                long_bien,
                Role::Committee,
            ),
            ("xem.quangan", "Đỗ Thị Thu", quang_phu, Role::Viewer),
        ];
        let mut made = Vec::new();
        for (username, full_name, unit_id, role) in people {
            let fields = UserFields {
                username: username.into(),
                full_name: full_name.into(),
                email: None,
                locale: "vi".into(),
                unit_id,
            };
            // The reviewer's reach is the ward, though their home is the Front committee.
            let grant_on = if role == Role::Reviewer {
                tay_ho
            } else {
                unit_id
            };
            audit::write(conn, &actor, |c| {
                let (u, change) = db::users::create(c, &fields, &hash, false)?;
                db::users::add_grant(c, u.id, grant_on, role, None)?;
                Ok(((), change))
            })?;
            made.push((username.to_string(), role.as_str()));
        }
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
        Ok(Demo {
            accounts: made,
            password: pw,
        })
    })
}
