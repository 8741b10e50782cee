//! The weekly duty desk: setting up a duty and its rota, editing it.

use chrono::NaiveDate;

use super::{chosen, Rejected, Version, Versioned};
use crate::context::CurrentUser;
use crate::db::{self, audit, desk as ddb};
use crate::domain::access::Permission;
use crate::domain::desk;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// How far ahead the rota is planned and shown.
pub const ROTA_WEEKS: u32 = 8;

/// The duty as a stale edit finds it.
pub struct DutyNow {
    pub duty: ddb::Duty,
    pub fields: ddb::DutyFields,
}

impl Versioned for DutyNow {
    fn version(&self) -> i32 {
        self.duty.version
    }
}

/// What the reader may do with a duty.
pub struct Access {
    pub duty: ddb::Duty,
    pub unit: db::units::Unit,
    /// Committee members and administrators of the unit run the desk.
    pub manage: bool,
    pub officials: Vec<(i64, String)>,
}

/// The duty, if the user is one of its officials or sees its unit.
pub fn duty_access(conn: &mut db::DbConnection, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let duty = ddb::find(conn, id)?;
    let unit = db::units::find(conn, duty.unit_id)?;
    let officials = ddb::officials(conn, id)?;
    let official = officials.iter().any(|(u, _)| *u == user.id);
    if !(official || user.can(Permission::View, &unit.path)) {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        manage: user.can(Permission::ManageTasks, &unit.path),
        duty,
        unit,
        officials,
    })
}

/// A duty as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct DutyInput {
    pub unit_id: Option<i64>,
    pub name: String,
    pub place: String,
    /// 1 (Monday) to 7.
    pub weekday: Option<i64>,
    /// `HH:MM`.
    pub start_time: String,
    pub end_time: String,
    pub starts_on: Option<NaiveDate>,
    pub active: bool,
    /// The officials in turn order.
    pub officials: Vec<i64>,
    pub unread: FieldErrors,
}

/// Checks a duty: its fields, the reader's right to run a desk in the unit
/// (an edit keeps the duty's unit), and that the officials reach it.
fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &DutyInput,
    existing: Option<&ddb::Duty>,
) -> Result<ddb::DutyFields, Rejected<DutyNow>> {
    let mut e = input.unread.clone();
    let unit_id = match (existing, input.unit_id) {
        (Some(d), _) => Some(d.unit_id),
        (None, None) => {
            e.add("unit_id", "error-required");
            None
        }
        (None, Some(id)) if id <= 0 => {
            e.add("unit_id", chosen::INVALID);
            None
        }
        (None, id) => id,
    };
    let name = e.required("name", &input.name, 200);
    let place = e.required("place", &input.place, 200);
    let weekday = input
        .weekday
        .and_then(|w| i32::try_from(w).ok())
        .filter(|w| desk::weekday(*w).is_some());
    if weekday.is_none() {
        e.add("weekday", chosen::INVALID);
    }
    let mut time = |field: &str, raw: &str| match desk::parse_time(raw) {
        Some(t) => Some(t),
        None => {
            e.add(field, "error-time");
            None
        }
    };
    let (start, end) = (
        time("start_time", &input.start_time),
        time("end_time", &input.end_time),
    );
    if let (Some(s), Some(t)) = (start, end) {
        if t <= s {
            e.add("end_time", "error-period-order");
        }
    }
    let starts_on = e.date_value("starts_on", input.starts_on);
    if input.starts_on.is_none() {
        e.add("starts_on", "error-required");
    }
    // Turn order is the order chosen; repeats are dropped.
    let mut officials: Vec<i64> = Vec::new();
    for id in &input.officials {
        if !officials.contains(id) {
            officials.push(*id);
        }
    }
    if officials.is_empty() {
        e.add("officials", "error-required");
    }
    let unit = db::units::find_chosen(conn, unit_id)?;
    let reaching = match &unit {
        Some(u) => db::users::reaching(conn, &u.path)?,
        None => vec![],
    };
    let unit = chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
        user.can(Permission::ManageTasks, &u.path)
    });
    if unit.is_some() {
        chosen::every(
            &mut e,
            "officials",
            &officials,
            |o| reaching.iter().any(|(id, _, _)| *id == o),
            "error-not-in-unit",
        );
    }
    match (unit_id, weekday, start, end, starts_on) {
        (Some(unit_id), Some(weekday), Some(s), Some(t), Some(starts_on)) if e.is_empty() => {
            Ok(ddb::DutyFields {
                unit_id,
                name,
                place,
                weekday,
                start_time: s.format("%H:%M").to_string(),
                end_time: t.format("%H:%M").to_string(),
                starts_on,
                active: input.active,
                officials,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Sets up a duty (those who run desks somewhere) and plans its rota for the
/// coming weeks at once.
pub fn set_up(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    actor: &audit::Actor,
    input: &DutyInput,
) -> Result<ddb::Duty, Rejected<DutyNow>> {
    user.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, user, input, None)?;
    Ok(audit::write(conn, actor, |c| {
        let (d, change) = ddb::create(c, &fields, user.id)?;
        ddb::generate(c, &d, format::today(), ROTA_WEEKS)?;
        Ok((d, change))
    })?)
}

/// Edits a duty (the unit's managers; its unit stays) from the version read.
pub fn edit(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    actor: &audit::Actor,
    duty_id: i64,
    version: Version,
    input: &DutyInput,
) -> Result<ddb::Duty, Rejected<DutyNow>> {
    let a = duty_access(conn, user, duty_id)?;
    if !a.manage {
        return Err(Rejected::Forbidden);
    }
    let fields = check(conn, user, input, Some(&a.duty))?;
    let stale = |conn: &mut db::DbConnection| -> Result<ddb::Duty, Rejected<DutyNow>> {
        let duty = ddb::find(conn, duty_id)?;
        let fields = ddb::fields_of(conn, &duty)?;
        Err(Rejected::Stale(Box::new(DutyNow { duty, fields })))
    };
    let version = match version {
        Version::Given(v) => v,
        Version::Missing => return Err(Rejected::VersionRequired),
        Version::Unreadable => return stale(conn),
    };
    let saved = audit::write_if(conn, actor, |c| {
        let change = ddb::update(c, &a.duty, version, &fields)?;
        Ok((change.is_some(), change))
    })?;
    if saved {
        Ok(ddb::find(conn, duty_id)?)
    } else {
        stale(conn)
    }
}
