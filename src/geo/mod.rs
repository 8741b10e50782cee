//! Land parcels: their shapes read from the files cadastral offices export
//! (`read`), brought to WGS84 (`crs`), checked and measured here, and drawn
//! as an SVG map (`map`). A stored shape is a GeoJSON MultiPolygon in WGS84
//! degrees, to 7 decimals (about a centimetre).

pub mod crs;
pub mod map;
pub mod read;

use geo::{
    orient::Direction, BoundingRect, Coord, GeodesicArea, InteriorPoint, LineString, MultiPolygon,
    Orient, Polygon, Validation,
};

/// Where Việt Nam is, with its islands (Hoàng Sa, Trường Sa): a shape
/// outside this box was read in the wrong system or belongs to another
/// country.
pub const VIETNAM: (f64, f64, f64, f64) = (102.0, 6.0, 117.9, 23.6);

/// The most vertices a ring of a parcel may have, the most rings (parts and
/// holes) a parcel may have, and the most vertices in all: a surveyed
/// parcel has tens. Checking a ring compares each of its edges with every
/// other, so these bound what one shape costs.
pub const MAX_RING_POINTS: usize = 1_000;
pub const MAX_RINGS: usize = 50;
pub const MAX_POINTS: usize = 5_000;

/// A checked parcel in WGS84 with what a map needs of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parcel {
    pub shape: MultiPolygon<f64>,
    pub area_m2: f64,
    /// min lon, min lat, max lon, max lat
    pub bbox: (f64, f64, f64, f64),
    /// A point inside the shape, for its label.
    pub label: (f64, f64),
}

impl Parcel {
    /// The shape as stored: a GeoJSON geometry.
    pub fn geometry_json(&self) -> String {
        geojson::Geometry::from(&self.shape).to_string()
    }
}

/// Checks a GeoJSON geometry in a file's coordinates and brings it to WGS84.
/// The error is a message key: not a polygon, empty, a ring not closed or too
/// short, coordinates that do not transform, outside Việt Nam, rings that cross.
pub fn parcel(
    geometry: Option<&geojson::Geometry>,
    to: &crs::ToWgs84,
) -> Result<Parcel, &'static str> {
    use geojson::GeometryValue as Value;
    let Some(geometry) = geometry else {
        return Err("parcels-error-empty");
    };
    let polygons: Vec<&geojson::PolygonType> = match &geometry.value {
        Value::Polygon { coordinates } => vec![coordinates],
        Value::MultiPolygon { coordinates } => coordinates.iter().collect(),
        _ => return Err("parcels-error-not-polygon"),
    };
    if polygons.is_empty() || polygons.iter().any(|rings| rings.is_empty()) {
        return Err("parcels-error-empty");
    }
    let rings: usize = polygons.iter().map(|p| p.len()).sum();
    let points: usize = polygons.iter().flat_map(|p| p.iter()).map(Vec::len).sum();
    let longest = polygons
        .iter()
        .flat_map(|p| p.iter())
        .map(Vec::len)
        .max()
        .unwrap_or(0);
    if rings > MAX_RINGS || points > MAX_POINTS || longest > MAX_RING_POINTS {
        return Err("parcels-error-too-complex");
    }
    let mut out = Vec::with_capacity(polygons.len());
    for rings in polygons {
        let mut lines = Vec::with_capacity(rings.len());
        for ring in rings {
            if ring.is_empty() {
                return Err("parcels-error-empty");
            }
            if ring.len() < 4 {
                return Err("parcels-error-too-few-points");
            }
            if ring.first() != ring.last() {
                return Err("parcels-error-not-closed");
            }
            let mut coords = Vec::with_capacity(ring.len());
            for position in ring {
                let (Some(&x), Some(&y)) =
                    (position.as_slice().first(), position.as_slice().get(1))
                else {
                    return Err("parcels-error-coordinates");
                };
                let (lon, lat) = to.point(x, y).ok_or("parcels-error-coordinates")?;
                coords.push(Coord {
                    x: round7(lon),
                    y: round7(lat),
                });
            }
            lines.push(LineString::new(coords));
        }
        let exterior = lines.remove(0);
        out.push(Polygon::new(exterior, lines));
    }
    measure(MultiPolygon::new(out))
}

/// Checks a WGS84 shape and measures it.
pub fn measure(shape: MultiPolygon<f64>) -> Result<Parcel, &'static str> {
    use geo::CoordsIter;
    if shape
        .0
        .iter()
        .map(|p| 1 + p.interiors().len())
        .sum::<usize>()
        > MAX_RINGS
        || shape.coords_count() > MAX_POINTS
    {
        return Err("parcels-error-too-complex");
    }
    // Shapefiles wind outer rings clockwise, GeoJSON anticlockwise: the
    // area on the ellipsoid needs one way (else it is the rest of the Earth).
    let shape = shape.orient(Direction::Default);
    let Some(rect) = shape.bounding_rect() else {
        return Err("parcels-error-empty");
    };
    let (min, max) = (rect.min(), rect.max());
    let (w, s, e, n) = VIETNAM;
    if min.x < w || max.x > e || min.y < s || max.y > n {
        return Err("parcels-error-outside");
    }
    // The geometry library asserts on shapes it did not expect: that is a
    // shape refused, not a request lost.
    let checked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shape.check_validation()));
    let Ok(checked) = checked else {
        return Err("parcels-error-invalid");
    };
    if let Err(problem) = checked {
        use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon};
        return Err(match problem {
            InvalidMultiPolygon::InvalidPolygon(_, InvalidPolygon::SelfIntersection(_)) => {
                "parcels-error-self-intersecting"
            }
            InvalidMultiPolygon::InvalidPolygon(_, InvalidPolygon::TooFewPointsInRing(_)) => {
                "parcels-error-too-few-points"
            }
            InvalidMultiPolygon::ElementsOverlaps(..) => "parcels-error-parts-overlap",
            _ => "parcels-error-invalid",
        });
    }
    let area_m2 = shape.geodesic_area_unsigned();
    if area_m2 < 0.01 {
        return Err("parcels-error-empty");
    }
    let largest = shape
        .0
        .iter()
        .max_by(|a, b| {
            a.geodesic_area_unsigned()
                .total_cmp(&b.geodesic_area_unsigned())
        })
        .and_then(InteriorPoint::interior_point)
        .or_else(|| shape.interior_point())
        .map_or(((min.x + max.x) / 2.0, (min.y + max.y) / 2.0), |p| {
            (p.x(), p.y())
        });
    Ok(Parcel {
        area_m2,
        bbox: (min.x, min.y, max.x, max.y),
        label: largest,
        shape,
    })
}

/// A stored shape read back (it was checked when stored).
pub fn stored(geometry: &str) -> Option<MultiPolygon<f64>> {
    let g: geojson::Geometry = geometry.parse().ok()?;
    MultiPolygon::<f64>::try_from(g.value).ok()
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, side: f64) -> geojson::Geometry {
        geojson::Geometry::new(geojson::GeometryValue::new_polygon(vec![vec![
            vec![lon, lat],
            vec![lon + side, lat],
            vec![lon + side, lat + side],
            vec![lon, lat + side],
            vec![lon, lat],
        ]]))
    }

    #[test]
    fn a_parcel_is_measured_on_the_ellipsoid() {
        let wgs = crs::Crs::Wgs84.to_wgs84().unwrap();
        // 0.0001° at 21°N: 10.39 m east-west, 11.06 m north-south.
        let p = parcel(Some(&square(105.823, 21.069, 0.0001)), &wgs).unwrap();
        assert!((p.area_m2 - 114.9).abs() < 1.0, "{}", p.area_m2);
        assert!(p.label.0 > 105.823 && p.label.0 < 105.8231);
        let back = stored(&p.geometry_json()).unwrap();
        assert_eq!(back, p.shape);
    }

    #[test]
    fn bad_shapes_are_named_not_panicked_on() {
        use geojson::{Geometry, GeometryValue as Value};
        let wgs = crs::Crs::Wgs84.to_wgs84().unwrap();
        let bowtie = Geometry::new(Value::new_polygon(vec![vec![
            vec![105.0, 21.0],
            vec![105.001, 21.001],
            vec![105.001, 21.0],
            vec![105.0, 21.001],
            vec![105.0, 21.0],
        ]]));
        let cases = [
            (Some(bowtie), "parcels-error-self-intersecting"),
            (Some(square(2.35, 48.85, 0.001)), "parcels-error-outside"),
            (
                Some(Geometry::new(Value::new_point(vec![105.0, 21.0]))),
                "parcels-error-not-polygon",
            ),
            (
                Some(Geometry::new(Value::new_polygon(
                    Vec::<Vec<[f64; 2]>>::new(),
                ))),
                "parcels-error-empty",
            ),
            (
                Some(Geometry::new(Value::new_polygon(vec![
                    Vec::<[f64; 2]>::new(),
                ]))),
                "parcels-error-empty",
            ),
            (
                Some(Geometry::new(Value::new_polygon(vec![vec![
                    vec![105.0, 21.0],
                    vec![105.001, 21.0],
                    vec![105.001, 21.001],
                    vec![105.0, 21.001],
                ]]))),
                "parcels-error-not-closed",
            ),
            (
                Some(Geometry::new(Value::new_polygon(vec![vec![
                    vec![105.0],
                    vec![105.001, 21.0],
                    vec![105.001, 21.001],
                    vec![105.0],
                ]]))),
                "parcels-error-coordinates",
            ),
            (
                Some(Geometry::new(Value::new_polygon(vec![vec![
                    vec![105.0, 21.0],
                    vec![f64::NAN, 21.0],
                    vec![105.001, 21.001],
                    vec![105.0, 21.0],
                ]]))),
                "parcels-error-coordinates",
            ),
            (None, "parcels-error-empty"),
        ];
        for (g, want) in cases {
            assert_eq!(parcel(g.as_ref(), &wgs).err(), Some(want), "{g:?}");
        }
    }
}
