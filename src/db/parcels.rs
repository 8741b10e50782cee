//! What maps keep: each household's parcel shape, parcel files waiting for
//! their uploader's confirmation, and units' map settings.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{households, parcel_imports, parcels, tasks, unit_maps, units, visits};
use super::DbConnection;
use crate::geo::read::Feature;
use crate::geo::Parcel;

/// A stored parcel, as a map reads it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = parcels)]
pub struct Stored {
    pub household_id: i64,
    pub task_id: i64,
    #[serde(skip)]
    pub geometry: String,
    pub area_m2: f64,
    pub label_lon: f64,
    pub label_lat: f64,
    pub source: String,
    pub updated_at: NaiveDateTime,
}

/// A household's parcel as it is written: its shape, the box around it (for
/// a map's window) and where its label goes.
#[derive(Insertable)]
#[diesel(table_name = parcels, treat_none_as_default_value = false)]
pub struct NewParcel<'a> {
    household_id: i64,
    task_id: i64,
    geometry: String,
    area_m2: f64,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
    label_lon: f64,
    label_lat: f64,
    source: &'a str,
    updated_at: NaiveDateTime,
    updated_by: Option<i64>,
}

impl<'a> NewParcel<'a> {
    pub fn of(
        household_id: i64,
        task_id: i64,
        parcel: &Parcel,
        source: &'a str,
        updated_by: Option<i64>,
        now: NaiveDateTime,
    ) -> Self {
        let (w, s, e, n) = parcel.bbox;
        NewParcel {
            household_id,
            task_id,
            geometry: parcel.geometry_json(),
            area_m2: parcel.area_m2,
            min_lon: w,
            min_lat: s,
            max_lon: e,
            max_lat: n,
            label_lon: parcel.label.0,
            label_lat: parcel.label.1,
            source,
            updated_at: now,
            updated_by,
        }
    }
}

/// Writes a household's parcel over the one it had (inside the caller's
/// transaction).
pub fn put(
    conn: &mut DbConnection,
    household_id: i64,
    task_id: i64,
    parcel: &Parcel,
    source: &str,
    user_id: Option<i64>,
) -> QueryResult<()> {
    remove(conn, household_id)?;
    let row = NewParcel::of(household_id, task_id, parcel, source, user_id, super::now());
    diesel::insert_into(parcels::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Removes a household's parcel; whether it had one.
pub fn remove(conn: &mut DbConnection, household_id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(parcels::table.find(household_id)).execute(conn)? > 0)
}

pub fn of_household(conn: &mut DbConnection, household_id: i64) -> QueryResult<Option<Stored>> {
    parcels::table
        .find(household_id)
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

pub fn of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Stored>> {
    parcels::table
        .filter(parcels::task_id.eq(task_id))
        .select(Stored::as_select())
        .order(parcels::household_id)
        .load(conn)
}

/// How many of the task's households have a shape.
pub fn of_task_count(conn: &mut DbConnection, task_id: i64) -> QueryResult<i64> {
    parcels::table
        .filter(parcels::task_id.eq(task_id))
        .count()
        .get_result(conn)
}

/// The parcels of every task under a unit (`path` its materialized path)
/// with their households' stage, sheet and number, `most` at most: what a
/// unit's map draws.
pub fn of_unit(
    conn: &mut DbConnection,
    path: &str,
    most: i64,
) -> QueryResult<Vec<(Stored, String, String, String)>> {
    parcels::table
        .inner_join(households::table)
        .inner_join(tasks::table.inner_join(units::table))
        .filter(units::path.like(format!("{path}%")))
        .select((
            Stored::as_select(),
            households::stage,
            households::map_sheet,
            households::parcel_no,
        ))
        .order(parcels::household_id)
        .limit(most)
        .load(conn)
}

/// A visit with the place it was recorded at.
#[derive(Debug, Clone, Queryable)]
pub struct Placed {
    pub household_id: i64,
    pub visited_on: chrono::NaiveDate,
    pub latitude: f64,
    pub longitude: f64,
}

/// The task's visits recorded with a place.
pub fn placed_visits(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Placed>> {
    visits::table
        .filter(visits::task_id.eq(task_id))
        .filter(visits::latitude.is_not_null())
        .filter(visits::longitude.is_not_null())
        .select((
            visits::household_id,
            visits::visited_on,
            visits::latitude.assume_not_null(),
            visits::longitude.assume_not_null(),
        ))
        .order(visits::id)
        .load(conn)
}

/// Keeps a read parcel file until its uploader confirms it; returns its id.
/// Files left unconfirmed for a day are dropped.
pub fn stage_import(
    conn: &mut DbConnection,
    task_id: i64,
    user_id: i64,
    file_name: &str,
    declared: &str,
    features: &[Feature],
) -> QueryResult<i64> {
    // One file waits per uploader and task: a new upload replaces the last;
    // files over a day old go.
    let replaced = parcel_imports::task_id
        .eq(task_id)
        .and(parcel_imports::user_id.eq(user_id));
    let expired = parcel_imports::created_at.lt(super::staged_since());
    diesel::delete(parcel_imports::table.filter(expired.or(replaced))).execute(conn)?;
    diesel::insert_into(parcel_imports::table)
        .values((
            parcel_imports::task_id.eq(task_id),
            parcel_imports::user_id.eq(user_id),
            parcel_imports::file_name.eq(file_name),
            parcel_imports::prj.eq(declared),
            parcel_imports::features
                .eq(serde_json::to_string(features).unwrap_or_else(|_| "[]".into())),
            parcel_imports::created_at.eq(super::now()),
        ))
        .returning(parcel_imports::id)
        .get_result(conn)
}

/// A staged file of this task and uploader: its name, declared system and
/// shapes. Only the uploader's own file is found: another editor cannot read
/// or discard it by guessing its id.
pub fn staged(
    conn: &mut DbConnection,
    id: i64,
    task_id: i64,
    user_id: i64,
) -> QueryResult<Option<(String, String, Vec<Feature>)>> {
    let found: Option<(String, String, String)> = parcel_imports::table
        .filter(parcel_imports::id.eq(id))
        .filter(parcel_imports::created_at.gt(super::staged_since()))
        .filter(parcel_imports::task_id.eq(task_id))
        .filter(parcel_imports::user_id.eq(user_id))
        .select((
            parcel_imports::file_name,
            parcel_imports::prj,
            parcel_imports::features,
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(name, prj, features)| {
        serde_json::from_str(&features).ok().map(|f| (name, prj, f))
    }))
}

pub fn drop_staged(conn: &mut DbConnection, id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::delete(
        parcel_imports::table
            .filter(parcel_imports::id.eq(id))
            .filter(parcel_imports::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// A unit's map settings.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = unit_maps)]
pub struct UnitMap {
    #[serde(skip)]
    pub unit_id: i64,
    pub province: String,
    pub tile_url: String,
    pub tile_attribution: String,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

pub fn settings(conn: &mut DbConnection, unit_id: i64) -> QueryResult<Option<UnitMap>> {
    unit_maps::table
        .find(unit_id)
        .select(UnitMap::as_select())
        .first(conn)
        .optional()
}

/// A unit's tile address that switches off a background set above it.
pub const NO_TILES: &str = "-";

/// The settings that hold for a unit: its own or its nearest ancestor's,
/// field by field (`path` is the unit's materialized path, `/1/4/9/`).
pub fn settings_for(conn: &mut DbConnection, path: &str) -> QueryResult<UnitMap> {
    let ids: Vec<i64> = path.split('/').filter_map(|p| p.parse().ok()).collect();
    let rows: Vec<UnitMap> = unit_maps::table
        .filter(unit_maps::unit_id.eq_any(&ids))
        .select(UnitMap::as_select())
        .load(conn)?;
    let mut out = UnitMap::default();
    let mut tiles_decided = false;
    // Nearest first.
    for id in ids.iter().rev() {
        if let Some(r) = rows.iter().find(|r| r.unit_id == *id) {
            if out.province.is_empty() {
                out.province.clone_from(&r.province);
            }
            if !tiles_decided && !r.tile_url.is_empty() {
                tiles_decided = true;
                if r.tile_url != NO_TILES {
                    out.tile_url.clone_from(&r.tile_url);
                    out.tile_attribution.clone_from(&r.tile_attribution);
                }
            }
        }
    }
    Ok(out)
}

/// Replaces a unit's settings (inside the caller's transaction).
pub fn set_settings(conn: &mut DbConnection, s: &UnitMap) -> QueryResult<()> {
    diesel::delete(unit_maps::table.find(s.unit_id)).execute(conn)?;
    diesel::insert_into(unit_maps::table)
        .values(s)
        .execute(conn)?;
    Ok(())
}
