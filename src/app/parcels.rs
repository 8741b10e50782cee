//! Parcels of a task's households: a cadastral file read, previewed against
//! the households (matched by map sheet and parcel number) and saved on
//! confirmation; one household's shape written or removed; what a map of a
//! task draws.

use std::collections::HashMap;

use serde_json::json;

use super::tasks::{access, editable, Access};
use super::Caller;
use super::Rejected;
use crate::context::CurrentUser;
use crate::db::audit::{self, Change};
use crate::db::households::Household;
use crate::db::{self, DbConnection};
use crate::domain::import::parcel_key;
use crate::error::AppResult;
use crate::geo::crs::{province_meridian, Crs};
use crate::geo::read::{guess, Declared, Feature, Layer, PARCEL_NAMES, SHEET_NAMES};
use crate::geo::{self, Parcel};

/// Which system to read a file's coordinates in.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum System {
    /// What the file says; else degrees if they look like degrees, else the
    /// unit's province zone.
    #[default]
    Auto,
    Wgs84,
    /// VN-2000 / UTM zone 48N or 49N.
    Utm(u8),
    /// A province's VN-2000 zone, by its name in the table.
    Province(String),
}

impl System {
    pub fn parse(s: &str) -> System {
        match s.trim() {
            "" | "auto" => System::Auto,
            "wgs84" => System::Wgs84,
            "utm48" => System::Utm(48),
            "utm49" => System::Utm(49),
            p => System::Province(p.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            System::Auto => "auto",
            System::Wgs84 => "wgs84",
            System::Utm(48) => "utm48",
            System::Utm(_) => "utm49",
            System::Province(p) => p,
        }
    }
}

/// What the uploader chose on the preview: the attributes that hold the map
/// sheet and the parcel number (guessed from the usual names when not
/// chosen), and the system.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    /// `Some(NONE)`: the file has no such column (not guessed).
    pub sheet: Option<String>,
    pub parcel: Option<String>,
    pub system: System,
}

/// The choice of no column at all, as the preview's form sends it.
pub const NONE: &str = "-";

/// What became of one shape of the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It goes to these households (usually one; several where the task
    /// lists co-owners of one parcel as households).
    Matched(Vec<i64>),
    /// No household of the task has its sheet and number.
    NoHousehold,
    /// An earlier shape of the file has the same sheet and number.
    Duplicate(usize),
    /// Matched by number alone (the file has no sheet column), and the task
    /// has that number on several sheets.
    Ambiguous,
    /// Not a usable parcel: the message key.
    Bad(&'static str),
}

#[derive(Clone, Debug)]
pub struct Row {
    /// 1-based, in the file's order.
    pub number: usize,
    pub sheet: String,
    pub parcel_no: String,
    pub outcome: Outcome,
    pub parcel: Option<Parcel>,
}

/// A file checked against the task's households.
#[derive(Clone, Debug)]
pub struct Preview {
    pub attributes: Vec<String>,
    pub sheet: Option<String>,
    pub parcel: Option<String>,
    /// The system used, or why none could be (a message key).
    pub system: Result<Crs, &'static str>,
    pub declared: Declared,
    pub rows: Vec<Row>,
    /// Households the file has no shape for: (household, has a shape already).
    pub missing: Vec<(Household, bool)>,
    /// Matched households that already have a shape, which the file replaces.
    pub replaced: usize,
}

impl Preview {
    pub fn matched(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Matched(_)))
            .count()
    }

    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.outcome)).count()
    }
}

/// The system a file is read in, or why it cannot be decided.
fn system_of(
    features: &[Feature],
    declared: &Declared,
    system: &System,
    unit_province: &str,
) -> Result<Crs, &'static str> {
    let zone_of = |p: &str| {
        province_meridian(p)
            .map(Crs::zone)
            .ok_or("parcels-error-need-province")
    };
    match (system, declared) {
        (System::Wgs84, _) => Ok(Crs::Wgs84),
        (System::Province(p), _) => zone_of(p),
        (System::Utm(zone), _) => Crs::from_epsg(if *zone == 48 { 3405 } else { 3406 })
            .ok_or("parcels-error-unknown-system"),
        (System::Auto, Declared::Known(crs)) => Ok(crs.clone()),
        (System::Auto, Declared::Unknown(_)) => Err("parcels-error-unknown-system"),
        (System::Auto, Declared::Nothing) => {
            // Degrees look like degrees; anything else is taken as metres of
            // the province's zone.
            let first = features
                .iter()
                .find_map(|f| first_position(f.geometry.as_ref()?));
            match first {
                Some((x, y)) if x.abs() <= 180.0 && y.abs() <= 90.0 => Ok(Crs::Wgs84),
                Some(_) => zone_of(unit_province),
                None => Ok(Crs::Wgs84),
            }
        }
    }
}

fn first_position(g: &geojson::Geometry) -> Option<(f64, f64)> {
    let p = crate::geo::read::positions(&g.value).next()?;
    let s = p.as_slice();
    Some((*s.first()?, *s.get(1)?))
}

/// Checks every shape of a file and matches it to the task's households.
pub fn preview(
    features: &[Feature],
    declared: &Declared,
    choice: &Choice,
    unit_province: &str,
    households: &[Household],
    with_shape: &[i64],
) -> Preview {
    let attributes = Layer::attribute_names(features);
    let pick = |chosen: &Option<String>, usual: &[&str]| {
        if chosen.as_deref() == Some(NONE) {
            return None;
        }
        chosen
            .clone()
            .filter(|c| attributes.contains(c))
            .or_else(|| guess(&attributes, usual))
    };
    let sheet = pick(&choice.sheet, SHEET_NAMES);
    let parcel = pick(&choice.parcel, PARCEL_NAMES);
    let system = system_of(features, declared, &choice.system, unit_province);
    let transform = system.as_ref().ok().and_then(Crs::to_wgs84);
    // By sheet and number; by number alone when the file has no sheet.
    let key = |s: &str, p: &str| {
        let (s, p) = parcel_key(s, p);
        if sheet.is_some() {
            (s, p)
        } else {
            (String::new(), p)
        }
    };
    let mut by_key: HashMap<(String, String), Vec<i64>> = HashMap::new();
    // By number alone, a number on several sheets names different parcels.
    let mut sheets_of: HashMap<(String, String), std::collections::HashSet<String>> =
        HashMap::new();
    for h in households.iter().filter(|h| !h.parcel_no.trim().is_empty()) {
        let k = key(&h.map_sheet, &h.parcel_no);
        sheets_of
            .entry(k.clone())
            .or_default()
            .insert(parcel_key(&h.map_sheet, "").0);
        by_key.entry(k).or_default().push(h.id);
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut rows = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let value = |a: &Option<String>| {
            a.as_deref()
                .and_then(|a| f.get(a))
                .unwrap_or("")
                .to_string()
        };
        let (sheet_v, parcel_v) = (value(&sheet), value(&parcel));
        let checked = match &transform {
            _ if f.unreadable => Err("parcels-error-coordinates"),
            Some(t) => geo::parcel(f.geometry.as_ref(), t),
            None => Err(system
                .clone()
                .err()
                .unwrap_or("parcels-error-unknown-system")),
        };
        let k = key(&sheet_v, &parcel_v);
        let outcome = match &checked {
            Err(e) => Outcome::Bad(e),
            Ok(_) if parcel_v.is_empty() => Outcome::Bad("parcels-error-no-number"),
            Ok(_) => match seen.get(&k) {
                Some(first) => Outcome::Duplicate(*first),
                None => {
                    seen.insert(k.clone(), i + 1);
                    match by_key.get(&k) {
                        Some(_) if sheets_of.get(&k).is_some_and(|s| s.len() > 1) => {
                            Outcome::Ambiguous
                        }
                        Some(ids) => Outcome::Matched(ids.clone()),
                        None => Outcome::NoHousehold,
                    }
                }
            },
        };
        rows.push(Row {
            number: i + 1,
            sheet: sheet_v,
            parcel_no: parcel_v,
            outcome,
            parcel: checked.ok(),
        });
    }
    let matched: std::collections::HashSet<i64> = rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Matched(ids) => Some(ids.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let replaced = matched.iter().filter(|id| with_shape.contains(id)).count();
    let missing = households
        .iter()
        .filter(|h| !matched.contains(&h.id))
        .map(|h| (h.clone(), with_shape.contains(&h.id)))
        .collect();
    Preview {
        attributes,
        sheet,
        parcel,
        system,
        declared: declared.clone(),
        rows,
        missing,
        replaced,
    }
}

/// A file read, kept for its uploader's confirmation: its id.
pub fn stage(
    conn: &mut DbConnection,
    user: &CurrentUser,
    task_id: i64,
    file_name: &str,
    layer: &Layer,
) -> Result<i64, Rejected> {
    editable::<()>(conn, user, task_id)?;
    Ok(db::parcels::stage_import(
        conn,
        task_id,
        user.id,
        file_name,
        &layer.declared.to_stored(),
        &layer.features,
    )?)
}

/// A staged file with what its preview is checked against: the task as
/// its uploader may edit it, the unit's province, the households and which
/// of them have a shape.
pub struct Staged {
    pub access: Access,
    pub name: String,
    pub declared: Declared,
    pub features: Vec<Feature>,
    pub province: String,
    pub households: Vec<Household>,
    pub with_shape: Vec<i64>,
}

impl Staged {
    /// The preview with the uploader's choices. It checks every shape: the
    /// edges call it away from the threads that serve pages.
    pub fn preview(&self, choice: &Choice) -> Preview {
        preview(
            &self.features,
            &self.declared,
            choice,
            &self.province,
            &self.households,
            &self.with_shape,
        )
    }
}

/// The uploader's staged file of this task, if it is less than a day old.
pub fn staged(
    conn: &mut DbConnection,
    user: &CurrentUser,
    task_id: i64,
    import_id: i64,
) -> Result<Staged, Rejected> {
    let access = editable::<()>(conn, user, task_id)?;
    let (name, declared, features) =
        db::parcels::staged(conn, import_id, task_id, user.id)?.ok_or(Rejected::NotFound)?;
    Ok(Staged {
        province: db::parcels::settings_for(conn, &access.unit.path)?.province,
        households: db::households::all_of_task(conn, task_id)?,
        with_shape: db::parcels::of_task(conn, task_id)?
            .iter()
            .map(|p| p.household_id)
            .collect(),
        access,
        name,
        declared: Declared::from_stored(&declared),
        features,
    })
}

/// What a confirmed import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub saved: usize,
    pub replaced: usize,
}

/// Saves the matched shapes of a staged file's preview, all or none, and
/// drops the file: a file confirmed twice at once is saved once. A file
/// whose system could not be decided saves nothing.
pub fn confirm(
    conn: &mut DbConnection,
    who: &Caller,
    staged: &Staged,
    import_id: i64,
    preview: &Preview,
) -> Result<Imported, Rejected> {
    if let Err(key) = preview.system {
        return Err(Rejected::NotAllowed(key));
    }
    let task_id = staged.access.task.id;
    editable::<()>(conn, who, task_id)?;
    let name = &staged.name;
    let system = preview.system.as_ref().map(Crs::label).unwrap_or_default();
    let source = format!("{name} ({system})");
    let unit = staged.access.task.unit_id;
    let done = audit::write_if(conn, &who.actor, |c| {
        if db::parcels::drop_staged(c, import_id, who.id)? != 1 {
            return Ok((None, None));
        }
        let mut saved = 0;
        for row in &preview.rows {
            if let (Outcome::Matched(ids), Some(parcel)) = (&row.outcome, &row.parcel) {
                for id in ids {
                    db::parcels::put(c, *id, task_id, parcel, &source, Some(who.id))?;
                    saved += 1;
                }
            }
        }
        let done = Imported {
            saved,
            replaced: preview.replaced,
        };
        let change = Change::new(
            "import_parcels",
            "task",
            task_id,
            json!({"file": name, "system": source, "shapes": preview.rows.len(),
                   "saved": saved, "replaced": preview.replaced}),
        )
        .on_unit(unit);
        Ok((Some(done), Some(change)))
    })?;
    done.ok_or(Rejected::NotFound)
}

/// A household's shape written from WGS84 GeoJSON (the API), by those who
/// may edit its task.
pub fn put_shape(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    geometry: &geojson::Geometry,
) -> Result<db::parcels::Stored, Rejected> {
    let household = db::households::find(conn, household_id)?;
    let access = editable::<()>(conn, who, household.task_id)?;
    let to = Crs::Wgs84.to_wgs84().ok_or(Rejected::NotFound)?;
    let parcel =
        geo::parcel(Some(geometry), &to).map_err(|key| Rejected::refused("geometry", key))?;
    let unit = access.task.unit_id;
    audit::write(conn, &who.actor, |c| {
        let had = db::parcels::of_household(c, household_id)?.is_some();
        db::parcels::put(
            c,
            household_id,
            household.task_id,
            &parcel,
            "API",
            Some(who.id),
        )?;
        let change = Change::new(
            "put_parcel",
            "household",
            household_id,
            json!({"area_m2": (parcel.area_m2 * 10.0).round() / 10.0, "replaced": had}),
        )
        .on_unit(unit);
        Ok(((), change))
    })?;
    db::parcels::of_household(conn, household_id)?.ok_or(Rejected::NotFound)
}

/// Removes a household's shape; `NotFound` when it had none.
pub fn remove_shape(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
) -> Result<(), Rejected> {
    let household = db::households::find(conn, household_id)?;
    let access = editable::<()>(conn, who, household.task_id)?;
    let unit = access.task.unit_id;
    let removed = audit::write_if(conn, &who.actor, |c| {
        if !db::parcels::remove(c, household_id)? {
            return Ok((false, None));
        }
        let change =
            Change::new("remove_parcel", "household", household_id, json!({})).on_unit(unit);
        Ok((true, Some(change)))
    })?;
    if removed {
        Ok(())
    } else {
        Err(Rejected::NotFound)
    }
}

/// What a task's map draws: its households, their parcels, the visits
/// recorded with a place, and the reader's rights.
pub struct TaskMap {
    pub access: Access,
    pub households: Vec<Household>,
    pub parcels: Vec<db::parcels::Stored>,
    pub visits: Vec<db::parcels::Placed>,
}

pub fn task_map(conn: &mut DbConnection, user: &CurrentUser, task_id: i64) -> AppResult<TaskMap> {
    let access = access(conn, user, task_id)?;
    map_of(conn, access)
}

/// What the map of a task whose access is already read draws.
pub fn map_of(conn: &mut DbConnection, access: Access) -> AppResult<TaskMap> {
    let task_id = access.task.id;
    Ok(TaskMap {
        households: db::households::all_of_task(conn, task_id)?,
        parcels: db::parcels::of_task(conn, task_id)?,
        visits: db::parcels::placed_visits(conn, task_id)?,
        access,
    })
}

/// The task's map for an export that carries personal details to those who
/// may read them: a reviewer's or administrator's export is logged once.
pub fn export(conn: &mut DbConnection, who: &Caller, task_id: i64) -> AppResult<TaskMap> {
    let m = task_map(conn, who, task_id)?;
    if m.access.sight == crate::domain::households::Sight::Logged && !m.parcels.is_empty() {
        let read = Change::new(
            "read_personal",
            "task",
            task_id,
            json!({"export": "geojson", "households": m.parcels.len()}),
        )
        .on_unit(m.access.task.unit_id);
        audit::record_read(conn, &who.actor, &read)?;
    }
    Ok(m)
}
