//! Administration: accounts and their roles, the unit tree and a unit's own
//! settings, the lists kept as data, the outbox, the audit log.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{audited, chosen, write_if_changed, Caller, Rejected};
use crate::auth::password;
use crate::context::CurrentUser;
use crate::db::audit::{self, Entry, Filter};
use crate::db::notifications as ndb;
use crate::db::tasks::CategoryFields;
use crate::db::units::{Unit, UnitFields};
use crate::db::users::{User, UserFields};
use crate::db::{self, DbConnection};
use crate::domain::access::{Permission, Role};
use crate::domain::search::fold;
use crate::domain::units::{can_move_under, UnitKind};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;

// ---------------------------------------------------------------- accounts

/// An account as typed on the form.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct UserForm {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub locale: String,
    /// The home unit, one where the reader manages accounts.
    pub unit_id: String,
    /// Only when creating: the first role, on the home unit.
    pub role: String,
}

/// The account, if the reader manages accounts in its home unit.
pub fn managed_user(conn: &mut DbConnection, user: &CurrentUser, id: i64) -> AppResult<User> {
    let target = db::users::find(conn, id)?;
    let unit = db::units::find(conn, target.unit_id)?;
    user.require(Permission::ManageUsers, &unit.path)?;
    Ok(target)
}

/// Checks an account: its fields, a username no other account has, and an
/// active home unit where the reader manages accounts.
fn check_user(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &UserForm,
    editing: Option<i64>,
) -> Result<(UserFields, Option<Role>), Rejected> {
    let mut errors = FieldErrors::default();
    let username = errors.username("username", &input.username);
    let full_name = errors.required("full_name", &input.full_name, 200);
    let email = errors.email("email", &input.email);
    let locale = match Locale::parse(input.locale.trim()) {
        Some(l) => l.code().to_string(),
        None => {
            errors.add("locale", chosen::INVALID);
            String::new()
        }
    };
    let role = match input.role.trim() {
        "" => None,
        r => {
            let parsed = Role::parse(r);
            if parsed.is_none() {
                errors.add("role", chosen::INVALID);
            }
            parsed
        }
    };
    let unit_id = errors.id("unit_id", &input.unit_id);
    if !username.is_empty() && db::users::username_taken(conn, &username, editing)? {
        errors.add("username", "error-username-taken");
    }
    let found = db::units::find_chosen(conn, unit_id)?;
    let home = chosen::unit(&mut errors, "unit_id", unit_id, found, |u| {
        user.can(Permission::ManageUsers, &u.path)
    });
    match home {
        Some(home) if errors.is_empty() => Ok((
            UserFields {
                username,
                full_name,
                email,
                locale,
                unit_id: home.id,
            },
            role,
        )),
        _ => Err(Rejected::Invalid(errors)),
    }
}

/// Opens an account with a one-time password (and its first role on its
/// home unit, if one is chosen); answers the account and the password, shown
/// once and never stored in clear.
pub fn create_user(
    conn: &mut DbConnection,
    who: &Caller,
    input: &UserForm,
) -> Result<(User, String), Rejected> {
    who.require_anywhere(Permission::ManageUsers)?;
    let (fields, role) = check_user(conn, who, input, None)?;
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    let created = audited(conn, who, |c| {
        let (created, change) = db::users::create(c, &fields, &hash, true)?;
        if let Some(role) = role {
            db::users::add_grant(c, created.id, created.unit_id, role, Some(who.id))?;
        }
        Ok((created, change))
    })?;
    Ok((created, one_time))
}

/// Edits an account the reader manages; its roles stay as granted.
pub fn edit_user(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    input: &UserForm,
) -> Result<User, Rejected> {
    let target = managed_user(conn, who, id)?;
    let (fields, _) = check_user(conn, who, input, Some(target.id))?;
    audited(conn, who, |c| db::users::update(c, target.id, &fields))
}

/// Grants `role` on a unit where the reader manages accounts to an account
/// they manage; no role, or a unit that is not such a one, is not allowed.
pub fn grant_role(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    unit_id: Option<i64>,
    role: Option<Role>,
) -> Result<(), Rejected> {
    let target = managed_user(conn, who, id)?;
    let unit = db::units::find_chosen(conn, unit_id)?
        .filter(|u| u.active && who.can(Permission::ManageUsers, &u.path));
    let (Some(role), Some(unit)) = (role, unit) else {
        return Err(Rejected::NotAllowed("error-grant-invalid"));
    };
    audited(conn, who, |c| {
        let change = db::users::add_grant(c, target.id, unit.id, role, Some(who.id))?;
        Ok(((), change))
    })
}

/// Takes back a role of an account the reader manages, granted on a unit
/// where they manage accounts.
pub fn revoke_grant(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    grant_id: i64,
) -> Result<(), Rejected> {
    let target = managed_user(conn, who, id)?;
    let (role, unit_id, unit_path) =
        db::users::find_grant(conn, target.id, grant_id)?.ok_or(Rejected::NotFound)?;
    who.require(Permission::ManageUsers, &unit_path)?;
    audited(conn, who, |c| {
        let change = db::users::remove_grant(c, target.id, grant_id, &role, unit_id)?;
        Ok(((), change))
    })
}

/// Issues a new one-time password for an account the reader manages, to be
/// changed at its next login; answers the password, shown once.
pub fn reset_password(conn: &mut DbConnection, who: &Caller, id: i64) -> Result<String, Rejected> {
    let target = managed_user(conn, who, id)?;
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    audited(conn, who, |c| {
        Ok(((), db::users::set_password(c, target.id, &hash, true)?))
    })?;
    Ok(one_time)
}

/// Switches an account the reader manages on or off; their own stays on.
pub fn set_user_active(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    active: bool,
) -> Result<(), Rejected> {
    let target = managed_user(conn, who, id)?;
    if !active && target.id == who.id {
        return Err(Rejected::NotAllowed("error-deactivate-self"));
    }
    audited(conn, who, |c| {
        Ok(((), db::users::set_active(c, target.id, active)?))
    })
}

// ---------------------------------------------------------------- units

/// A unit as typed on the form.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct UnitForm {
    /// Empty for a unit at the top, which only an administrator of a top unit adds.
    pub parent_id: String,
    pub kind: String,
    pub name: String,
    pub code: String,
}

/// The unit, if the reader manages units there.
pub fn managed_unit(conn: &mut DbConnection, user: &CurrentUser, id: i64) -> AppResult<Unit> {
    let unit = db::units::find(conn, id)?;
    user.require(Permission::ManageUnits, &unit.path)?;
    Ok(unit)
}

/// Checks a unit: its fields, and a parent that is an active unit where the
/// reader manages units, never the `moved` unit itself or one inside it.
fn check_unit(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &UnitForm,
    moved: Option<&Unit>,
) -> Result<UnitFields, Rejected> {
    let mut errors = FieldErrors::default();
    let name = errors.required("name", &input.name, 200);
    let code = errors.optional("code", &input.code, 50);
    let kind = UnitKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", chosen::INVALID);
    }
    let parent_id = match input.parent_id.trim() {
        "" if !user.is_top_admin() => {
            errors.add("parent_id", "error-required");
            None
        }
        "" => None,
        _ => errors.id("parent_id", &input.parent_id),
    };
    let found = db::units::find_chosen(conn, parent_id)?;
    let parent = chosen::unit(&mut errors, "parent_id", parent_id, found, |u| {
        user.can(Permission::ManageUnits, &u.path)
    });
    if let (Some(parent), Some(moved)) = (&parent, moved) {
        if !can_move_under(&moved.path, &parent.path) {
            errors.add("parent_id", "error-unit-cycle");
        }
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(UnitFields {
            parent_id: parent.map(|p| p.id),
            kind,
            name,
            code,
        }),
        _ => Err(Rejected::Invalid(errors)),
    }
}

/// Adds a unit to the tree under one the reader manages, or renames or
/// moves the one `editing` names, if they manage it.
pub fn save_unit(
    conn: &mut DbConnection,
    who: &Caller,
    editing: Option<i64>,
    input: &UnitForm,
) -> Result<Unit, Rejected> {
    let moved = editing.map(|id| managed_unit(conn, who, id)).transpose()?;
    who.require_anywhere(Permission::ManageUnits)?;
    let fields = check_unit(conn, who, input, moved.as_ref())?;
    audited(conn, who, |c| match &moved {
        Some(unit) => db::units::update(c, unit.id, &fields),
        None => db::units::create(c, &fields),
    })
}

/// Switches a unit the reader manages on or off; one with active units
/// under it stays on.
pub fn set_unit_active(
    conn: &mut DbConnection,
    who: &Caller,
    id: i64,
    active: bool,
) -> Result<Unit, Rejected> {
    let unit = managed_unit(conn, who, id)?;
    if !active && db::units::active_children(conn, unit.id)? > 0 {
        return Err(Rejected::NotAllowed("error-unit-has-active-children"));
    }
    audited(conn, who, |c| db::units::set_active(c, unit.id, active))
}

/// Stores the settings of a unit the reader manages with `write`, logged as
/// `action` with `changes`.
pub fn save_unit_settings<S>(
    conn: &mut DbConnection,
    who: &Caller,
    unit_id: i64,
    set: &S,
    write: fn(&mut DbConnection, &S) -> diesel::QueryResult<()>,
    (action, changes): (&'static str, Value),
) -> Result<(), Rejected> {
    managed_unit(conn, who, unit_id)?;
    audited(conn, who, |c| {
        write(c, set)?;
        let change = audit::Change::new(action, "unit", unit_id, changes);
        Ok(((), change.on_unit(unit_id)))
    })
}

// ---------------------------------------------------------------- lists

/// A list kept as data: task categories, the fields of "Dân vận khéo"
/// models, the desk's procedures.
#[derive(Clone, Copy)]
pub enum List {
    Categories,
    ModelFields,
    Procedures,
}

/// An entry of a list as typed on its page.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct EntryForm {
    pub name_vi: String,
    pub name_en: String,
    pub is_site_clearance: String,
    /// A hidden "0" and, when ticked, a "1": the last one sent wins.
    pub active: Vec<String>,
    pub sort_order: String,
}

impl EntryForm {
    /// Whether the entry is to be offered: ticked, or not sent at all.
    pub fn active(&self) -> bool {
        self.active.last().is_none_or(|v| v == "1")
    }
}

/// Adds an entry to `list`, or saves the one `editing` names, for an
/// administrator of a top unit.
pub fn save_entry(
    conn: &mut DbConnection,
    who: &Caller,
    list: List,
    editing: Option<i64>,
    form: &EntryForm,
) -> Result<(), Rejected> {
    who.require_top_admin()?;
    let mut e = FieldErrors::default();
    let fields = CategoryFields {
        name_vi: e.required("name_vi", &form.name_vi, 100),
        name_en: e.required("name_en", &form.name_en, 100),
        is_site_clearance: form.is_site_clearance == "1",
        active: form.active(),
        sort_order: e.number::<i32>("sort_order", &form.sort_order).unwrap_or(0),
    };
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let Some(id) = editing else {
        return add_entry(conn, who, list, &fields);
    };
    let found = write_if_changed(conn, who, |c| match list {
        List::Categories => db::tasks::update_category(c, id, &fields),
        List::ModelFields => db::lists::model_fields::update(c, id, &fields),
        List::Procedures => db::lists::desk_procedures::update(c, id, &fields),
    })?;
    found.then_some(()).ok_or(Rejected::NotFound)
}

/// Adds an entry under a stable code made from its Vietnamese name:
/// "Trật tự đô thị" → "trat_tu_do_thi" (then "…_2" if it is taken).
fn add_entry(
    conn: &mut DbConnection,
    who: &Caller,
    list: List,
    fields: &CategoryFields,
) -> Result<(), Rejected> {
    let base: String = fold(&fields.name_vi)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let taken = |conn: &mut DbConnection, code: &str| match list {
        List::Categories => db::tasks::category_code_taken(conn, code),
        List::ModelFields => db::lists::model_fields::code_taken(conn, code),
        List::Procedures => db::lists::desk_procedures::code_taken(conn, code),
    };
    let (mut code, mut n) = (base.clone(), 2);
    while taken(conn, &code)? {
        code = format!("{base}_{n}");
        n += 1;
    }
    audited(conn, who, |c| {
        let change = match list {
            List::Categories => db::tasks::create_category(c, &code, fields)?,
            List::ModelFields => db::lists::model_fields::create(c, &code, fields)?,
            List::Procedures => db::lists::desk_procedures::create(c, &code, fields)?,
        };
        Ok(((), change))
    })
}

// ---------------------------------------------------------------- outbox

/// Whose mail the reader may see: an administrator of a top unit, all of
/// it; an administrator lower down, the messages to the users of the units
/// they administer (their addresses and what they were told belong there).
pub fn mail_readers(user: &CurrentUser) -> AppResult<ndb::Readers> {
    user.require_anywhere(Permission::ManageUsers)?;
    Ok(if user.is_top_admin() {
        ndb::Readers::All
    } else {
        ndb::Readers::UsersUnder(user.scope(Permission::ManageUsers))
    })
}

/// Puts a failed message the reader may see back in the queue; one that has
/// not failed is not allowed.
pub fn retry_mail(conn: &mut DbConnection, who: &Caller, id: i64) -> Result<(), Rejected> {
    let readers = mail_readers(who)?;
    let requeued = write_if_changed(conn, who, |c| ndb::retry(c, &readers, id))?;
    requeued
        .then_some(())
        .ok_or(Rejected::NotAllowed("outbox-not-failed"))
}

// ---------------------------------------------------------------- audit log

/// A page of the audit log: its entries and their total, the entities and
/// actions to filter by, and whether personal details were read in it.
pub type AuditPage = ((Vec<Entry>, i64), (Vec<String>, Vec<String>), bool);

/// One page of the log as `filter` asks, for reviewers and administrators:
/// a reader whose reach is part of the tree sees the changes in that part
/// and those made by its people; one who reaches every root sees everything.
/// Personal details read through the log are logged as a read like any other.
pub fn read_audit(
    conn: &mut DbConnection,
    who: &Caller,
    mut filter: Filter,
    offset: i64,
    size: i64,
) -> Result<AuditPage, Rejected> {
    who.require_anywhere(Permission::ReadAudit)?;
    let scope = who.scope(Permission::ReadAudit);
    let roots = db::units::root_paths(conn)?;
    if !roots
        .iter()
        .all(|r| scope.iter().any(|s| r.starts_with(s.as_str())))
    {
        filter.scope = Some(scope);
    }
    let (rows, total) = audit::list(conn, &filter, offset, size)?;
    let read = personal_reads(&rows);
    let units = db::households::units_of(conn, &read)?;
    for hid in &read {
        let unit = units.iter().find(|(h, _)| h == hid).map(|(_, u)| *u);
        let change = audit::Change::new(
            "read_personal",
            "household",
            *hid,
            json!({"via": "audit_log"}),
        );
        let change = match unit {
            Some(u) => change.on_unit(u),
            None => change,
        };
        audit::record_read(conn, &who.actor, &change)?;
    }
    let lists = (audit::entities(conn)?, audit::actions(conn)?);
    Ok(((rows, total), lists, !read.is_empty()))
}

/// Keys under which the log keeps a household's personal details: its
/// phone and notes, and the money of its compensation.
const PERSONAL: [&str; 8] = [
    "phone",
    "notes",
    "amount",
    "amounts",
    "land",
    "structures",
    "crops",
    "support",
];

/// The households whose personal details these entries show: reading them
/// here is a read like any other, and is logged.
fn personal_reads(entries: &[Entry]) -> Vec<i64> {
    let mut ids: Vec<i64> = entries
        .iter()
        .filter(|e| e.entity == "household")
        .filter_map(|e| {
            let v = serde_json::from_str::<Value>(&e.changes).ok()?;
            holds_personal(&v).then_some(e.entity_id).flatten()
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn holds_personal(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.iter().any(|(k, v)| {
            let filled = match v {
                Value::Null => false,
                Value::String(s) => !s.trim().is_empty(),
                Value::Array(a) => a.iter().any(|x| !x.is_null() && x != ""),
                _ => true,
            };
            (PERSONAL.contains(&k.as_str()) && filled) || holds_personal(v)
        }),
        _ => false,
    }
}
