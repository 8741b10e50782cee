//! The Hà Nội tree the other parts build on, with one account per role;
//! Nghệ An's province and commune.

use std::collections::HashMap;

use super::{email, Accounts};
use crate::db::{self, audit, units::UnitFields, users::UserFields, DbConnection};
use crate::domain::access::Role;
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// The units and people of the tree that later parts build on.
pub(super) struct Tree {
    pub hanoi: i64,
    pub tay_ho: i64,
    pub phu_thuong: i64,
    people: HashMap<&'static str, i64>,
}

impl Tree {
    /// A demo account's id by its username.
    pub fn person(&self, username: &str) -> i64 {
        self.people.get(username).copied().unwrap_or_default()
    }
}

/// Makes the tree and its accounts; returns them with the accounts made
/// (username, role).
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
) -> Result<(Tree, Accounts), AppError> {
    let unit = |conn: &mut DbConnection, parent, kind, name: &str| {
        super::unit(conn, actor, parent, kind, name)
    };
    // The empty top unit of a database that has already started (its first
    // administrator homed there) becomes the demo's city, so that
    // administrator sees the demo; otherwise the city is a new top unit.
    let hanoi = match super::placeholder_root(conn)? {
        Some(id) => {
            let f = UnitFields {
                parent_id: None,
                kind: UnitKind::City,
                name: "Thành phố Hà Nội".into(),
                code: None,
            };
            audit::write(conn, actor, |c| Ok(db::units::update(c, id, &f)?))?;
            id
        }
        None => unit(conn, None, UnitKind::City, "Thành phố Hà Nội")?,
    };
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
    let phu_thuong = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Phú Thượng")?;
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

    let people: [(&str, &str, i64, Role); 9] = [
        ("quantri.hanoi", "Nguyễn Văn Quản", hanoi, Role::Admin),
        ("capuy.tayho", "Trần Thị Hồng", tay_ho, Role::Committee),
        ("totac.tayho", "Lê Văn Minh", tay_ho, Role::WardTeam),
        ("mttq.tayho", "Phạm Thị Lan", mttq, Role::Reviewer),
        ("mttq2.tayho", "Nguyễn Thị Mai", mttq, Role::Reviewer),
        (
            "capuy.longbien",
            "Hoàng Văn Nam",
            long_bien,
            Role::Committee,
        ),
        ("xem.quangan", "Đỗ Thị Thu", quang_phu, Role::Viewer),
        (
            "capuy.phuthuong",
            "Phạm Xuân Định",
            phu_thuong,
            Role::Committee,
        ),
        ("totac.phuthuong", "Ngô Thị Hà", phu_thuong, Role::WardTeam),
    ];
    let mut made = Vec::new();
    let mut ids = HashMap::new();
    for (username, full_name, unit_id, role) in people {
        let fields = UserFields {
            username: username.into(),
            full_name: full_name.into(),
            email: Some(email(username)),
            locale: "vi".into(),
            unit_id,
        };
        // The reviewer's reach is the ward, though their home is the Front committee.
        let grant_on = if role == Role::Reviewer {
            tay_ho
        } else {
            unit_id
        };
        let id = audit::write(conn, actor, |c| {
            let (u, change) = db::users::create(c, &fields, hash, false)?;
            db::users::add_grant(c, u.id, grant_on, role, None)?;
            Ok((u.id, change))
        })?;
        ids.insert(username, id);
        made.push((username.to_string(), role.as_str()));
    }
    let tree = Tree {
        hanoi,
        tay_ho,
        phu_thuong,
        people: ids,
    };
    Ok((tree, made))
}
