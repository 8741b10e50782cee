//! Illustrative parcel shapes for the demo and the benchmark's generator:
//! households' plots side by side on both banks of a street or a ditch,
//! each as wide as its area needs at the strip's depth. They are drawn, not
//! surveyed: the README says so.

use diesel::prelude::*;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::json;

use crate::db::{self, audit, DbConnection};
use crate::error::AppError;

/// Metres to degrees near `lat`.
fn offset(origin: (f64, f64), east: f64, north: f64) -> Coord<f64> {
    let lat = origin.1 + north / 111_320.0;
    let lon = origin.0 + east / (111_320.0 * origin.1.to_radians().cos());
    Coord {
        x: (lon * 1e7).round() / 1e7,
        y: (lat * 1e7).round() / 1e7,
    }
}

/// A street or ditch with plots on both banks, laid out one at a time.
pub struct Street {
    origin: (f64, f64),
    bearing: f64,
    setback: f64,
    depth: f64,
    bend: f64,
    cursor: [f64; 2],
    plots: usize,
}

impl Street {
    /// A line from `origin` heading `bearing` degrees (from east,
    /// anticlockwise), plots `setback` metres from its middle and `depth`
    /// deep; `bend` metres of a gentle wave, as a ditch has.
    pub fn new(origin: (f64, f64), bearing: f64, setback: f64, depth: f64, bend: f64) -> Street {
        Street {
            origin,
            bearing,
            setback,
            depth,
            bend,
            cursor: [0.0, 0.0],
            plots: 0,
        }
    }

    /// The next plot, `width` metres along, alternately on the left and the
    /// right bank.
    pub fn plot(&mut self, width: f64) -> MultiPolygon<f64> {
        let (sin, cos) = self.bearing.to_radians().sin_cos();
        let (bend, origin) = (self.bend, self.origin);
        let at = |along: f64, across: f64| {
            let across = across + bend * (along / 70.0).sin();
            offset(
                origin,
                along * cos - across * sin,
                along * sin + across * cos,
            )
        };
        let i = self.plots;
        self.plots += 1;
        let side = i % 2;
        let sign = if side == 0 { 1.0 } else { -1.0 };
        let (a0, a1) = (self.cursor[side], self.cursor[side] + width);
        self.cursor[side] = a1;
        let (near, far) = (sign * self.setback, sign * (self.setback + self.depth));
        // A plot's back is a little uneven, as real ones are.
        let back = far + sign * (((i * 7) % 5) as f64 * 0.3);
        let mut ring = vec![at(a0, near), at(a1, near), at(a1, back), at(a0, back)];
        if side == 1 {
            ring.reverse();
        }
        ring.push(ring[0]);
        MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
    }
}

/// Plots of `widths` along one street (see [`Street::new`]).
pub fn strip(
    origin: (f64, f64),
    bearing: f64,
    setback: f64,
    depth: f64,
    widths: &[f64],
    bend: f64,
) -> Vec<MultiPolygon<f64>> {
    let mut street = Street::new(origin, bearing, setback, depth, bend);
    widths.iter().map(|w| street.plot(*w)).collect()
}

/// A neighbourhood of parallel streets, `per_street` plots each, 20 m deep:
/// how the generator gives every household of a task a plot.
pub struct Blocks {
    origin: (f64, f64),
    per_street: usize,
    street: Street,
    streets: usize,
}

impl Blocks {
    pub fn new(origin: (f64, f64), per_street: usize) -> Blocks {
        Blocks {
            origin,
            per_street: per_street.max(2),
            street: Street::new(origin, 0.0, 4.0, 20.0, 0.0),
            streets: 0,
        }
    }

    /// The next household's plot, as wide as its area needs.
    pub fn plot(&mut self, area_m2: f64) -> MultiPolygon<f64> {
        if self.street.plots == self.per_street {
            self.streets += 1;
            // Two rows of plots and the street between, then a lane.
            let north = self.streets as f64 * 54.0;
            let origin = (self.origin.0, self.origin.1 + north / 111_320.0);
            self.street = Street::new(origin, 0.0, 4.0, 20.0, 0.0);
        }
        self.street.plot((area_m2 / 20.0).max(3.0))
    }
}

/// Where each demo task's plots lie: (origin, bearing, setback, depth, bend).
type Layout = ((f64, f64), f64, f64, f64, f64);

/// Draws the plots of the demo's tasks (households with their declared
/// areas, in order) and marks a third of their last visits with a place.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tasks: &[(i64, Vec<(i64, f64)>)],
) -> Result<(), AppError> {
    let layouts: [Layout; 3] = [
        // Along the Thụy Khuê drainage ditch, Tây Hồ.
        ((105.8153, 21.0466), 8.0, 3.0, 8.0, 6.0),
        // No. 18 Tam Đa street.
        ((105.8279, 21.0641), 80.0, 5.0, 12.0, 0.0),
        // A street of Nam Thăng Long stage 3, Phú Thượng.
        ((105.8052, 21.0858), 28.0, 7.0, 20.0, 0.0),
    ];
    for ((task_id, households), (origin, bearing, setback, depth, bend)) in
        tasks.iter().zip(layouts)
    {
        let mut street = Street::new(origin, bearing, setback, depth, bend);
        let shapes: Vec<MultiPolygon<f64>> = households
            .iter()
            .map(|(_, area)| street.plot((area / depth).max(3.0)))
            .collect();
        audit::write(conn, actor, |c| {
            for (i, ((hid, _), shape)) in households.iter().zip(shapes).enumerate() {
                let parcel = crate::geo::measure(shape)
                    .map_err(|e| AppError::Internal(format!("demo parcel: {e}")))?;
                db::parcels::put(c, *hid, *task_id, &parcel, "Minh họa (demo)", None)?;
                if i % 3 == 0 {
                    use db::schema::visits::dsl as v;
                    let last: Option<i64> = v::visits
                        .filter(v::household_id.eq(hid))
                        .select(v::id)
                        .order(v::id.desc())
                        .first(c)
                        .optional()?;
                    if let Some(id) = last {
                        let (lon, lat) = parcel.label;
                        diesel::update(v::visits.find(id))
                            .set((
                                v::latitude.eq(lat + 0.00002),
                                v::longitude.eq(lon - 0.00002),
                                v::accuracy_m.eq(8.0),
                            ))
                            .execute(c)?;
                    }
                }
            }
            let change = audit::Change::new(
                "import_parcels",
                "task",
                *task_id,
                json!({"file": "demo", "saved": households.len()}),
            );
            Ok(((), change))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_on_a_strip_are_valid_and_as_large_as_declared() {
        let widths = [5.0, 6.25, 7.5, 8.75, 10.0, 5.0];
        for bend in [0.0, 6.0] {
            let shapes = strip((105.8153, 21.0466), 8.0, 3.0, 8.0, &widths, bend);
            for (shape, w) in shapes.into_iter().zip(widths) {
                let p = crate::geo::measure(shape).unwrap();
                assert!(
                    (p.area_m2 - w * 8.0).abs() < w * 8.0 * 0.2,
                    "{} vs {}",
                    p.area_m2,
                    w * 8.0
                );
            }
        }
    }
}

#[cfg(test)]
mod blocks {
    #[test]
    fn a_thousand_plots_stay_apart_and_valid() {
        let mut b = super::Blocks::new((104.0, 20.0), 60);
        let shapes: Vec<_> = (0..1000).map(|i| b.plot(40.0 + (i % 500) as f64)).collect();
        let parcels: Vec<_> = shapes
            .into_iter()
            .map(|s| crate::geo::measure(s).unwrap())
            .collect();
        let north = parcels.iter().map(|p| p.bbox.3).fold(f64::MIN, f64::max);
        assert!(north - 20.0 < 0.01, "about 1 km of streets: {north}");
    }
}
