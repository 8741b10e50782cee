//! Reading a parcel file: GeoJSON, or a zipped Shapefile (`.shp`, `.shx`,
//! `.dbf`, `.prj`, as cadastral offices export them, at the archive's root or
//! in a folder). Every feature is kept with its attributes as text and its
//! geometry in the file's own coordinates; whether a geometry is a usable
//! parcel is decided later, per row. Memory stays bounded whatever a file
//! claims: the archive is unpacked with limits and counts are capped.

use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};

use super::crs::Crs;

/// The largest file taken (a cadastral export of a ward is a few MB).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// What a zipped Shapefile may unpack to.
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;
/// Shapes in one file.
pub const MAX_FEATURES: usize = 20_000;
/// Vertices in all the file's shapes (a ward's cadastral file has tens of
/// thousands): what a staged file and its preview may hold.
pub const MAX_FILE_POINTS: usize = 300_000;
/// Attributes kept per shape, different attribute names in the file, and
/// characters per value.
const MAX_ATTRIBUTES: usize = 60;
const MAX_NAMES: usize = 200;
const MAX_VALUE_CHARS: usize = 120;

/// One shape of the file: attributes in the file's order, geometry in the
/// file's coordinates (`None` when it has none).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Feature {
    pub attributes: Vec<(String, String)>,
    pub geometry: Option<geojson::Geometry>,
    /// A coordinate that is not a number (NaN or infinite in a Shapefile):
    /// the geometry is dropped and the row refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
}

impl Feature {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a file says of its coordinates.
#[derive(Clone, Debug, PartialEq)]
pub enum Declared {
    /// Nothing: no `.prj`, no `crs` member.
    Nothing,
    /// A system we know.
    Known(Crs),
    /// A system we cannot use: its name, to show.
    Unknown(String),
}

impl Declared {
    /// As kept with a staged import.
    pub fn to_stored(&self) -> String {
        match self {
            Declared::Nothing => String::new(),
            Declared::Known(Crs::Wgs84) => "wgs84".into(),
            Declared::Known(Crs::Vn2000 { lon_0, k, x_0 }) => format!("vn2000:{lon_0}:{k}:{x_0}"),
            Declared::Unknown(name) => format!("unknown:{name}"),
        }
    }

    pub fn from_stored(s: &str) -> Declared {
        if s == "wgs84" {
            return Declared::Known(Crs::Wgs84);
        }
        if let Some(rest) = s.strip_prefix("vn2000:") {
            let v: Vec<f64> = rest.split(':').filter_map(|p| p.parse().ok()).collect();
            if let [lon_0, k, x_0] = v[..] {
                return Declared::Known(Crs::Vn2000 { lon_0, k, x_0 });
            }
        }
        match s.strip_prefix("unknown:") {
            Some(name) => Declared::Unknown(name.into()),
            None => Declared::Nothing,
        }
    }
}

/// A file read: its shapes, the attribute names in order, and its system.
#[derive(Clone, Debug)]
pub struct Layer {
    pub features: Vec<Feature>,
    pub declared: Declared,
}

impl Layer {
    /// Every attribute name, in the order first seen.
    pub fn attribute_names(features: &[Feature]) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut names: Vec<String> = Vec::new();
        for f in features {
            for (k, _) in &f.attributes {
                if seen.insert(k.as_str()) {
                    names.push(k.clone());
                }
            }
        }
        names
    }
}

/// Keeps a file within its limits as it is read: vertices in all, and
/// different attribute names (a name past them is left out).
#[derive(Default)]
struct Budget {
    points: usize,
    names: std::collections::HashSet<String>,
}

impl Budget {
    fn geometry(&mut self, g: &geojson::Geometry) -> Result<bool, &'static str> {
        let (n, finite) = count_points(&g.value);
        self.points += n;
        if self.points > MAX_FILE_POINTS {
            return Err("parcels-error-too-many-points");
        }
        Ok(finite)
    }

    fn keep(&mut self, name: &str) -> bool {
        self.names.contains(name)
            || (self.names.len() < MAX_NAMES && self.names.insert(name.into()))
    }

    fn feature(
        &mut self,
        attributes: impl Iterator<Item = (String, String)>,
        geometry: Option<geojson::Geometry>,
    ) -> Result<Feature, &'static str> {
        let attributes = attributes
            .take(MAX_ATTRIBUTES)
            .filter(|(k, _)| self.keep(k))
            .collect();
        let finite = match &geometry {
            Some(g) => self.geometry(g)?,
            None => true,
        };
        Ok(Feature {
            attributes,
            geometry: if finite { geometry } else { None },
            unreadable: !finite,
        })
    }
}

/// A geometry's positions in order (none for a collection, whose members
/// are geometries of their own).
pub fn positions(v: &geojson::GeometryValue) -> Box<dyn Iterator<Item = &geojson::Position> + '_> {
    use geojson::GeometryValue as V;
    match v {
        V::Point { coordinates } => Box::new(std::iter::once(coordinates)),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => {
            Box::new(coordinates.iter())
        }
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            Box::new(coordinates.iter().flatten())
        }
        V::MultiPolygon { coordinates } => Box::new(coordinates.iter().flatten().flatten()),
        V::GeometryCollection { .. } => Box::new(std::iter::empty()),
    }
}

/// How many positions a geometry holds, and whether all are numbers.
fn count_points(v: &geojson::GeometryValue) -> (usize, bool) {
    if let geojson::GeometryValue::GeometryCollection { geometries } = v {
        return geometries.iter().fold((0, true), |(n, ok), g| {
            let (m, fine) = count_points(&g.value);
            (n + m, ok && fine)
        });
    }
    positions(v).fold((0, true), |(n, ok), p| {
        (n + 1, ok && p.as_slice().iter().all(|c| c.is_finite()))
    })
}

/// Reads a GeoJSON file or a zipped Shapefile, by content (a zip starts
/// `PK`). The error is a message key.
pub fn read(bytes: &[u8]) -> Result<Layer, &'static str> {
    if bytes.len() > MAX_UPLOAD {
        return Err("parcels-error-too-large");
    }
    if bytes.starts_with(b"PK") {
        return read_shapefile_zip(bytes);
    }
    read_geojson(bytes)
}

fn read_geojson(bytes: &[u8]) -> Result<Layer, &'static str> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "parcels-error-unreadable")?;
    let gj: geojson::GeoJson = text.parse().map_err(|_| "parcels-error-unreadable")?;
    let (features, foreign) = match gj {
        geojson::GeoJson::FeatureCollection(fc) => (fc.features, fc.foreign_members),
        geojson::GeoJson::Feature(f) => (vec![f], None),
        geojson::GeoJson::Geometry(_) => return Err("parcels-error-no-attributes"),
    };
    if features.len() > MAX_FEATURES {
        return Err("parcels-error-too-many");
    }
    let declared = foreign
        .as_ref()
        .and_then(|m| m.get("crs"))
        .map_or(Declared::Nothing, declared_by_crs_member);
    let mut budget = Budget::default();
    let features = features
        .into_iter()
        .map(|f| {
            let attributes = f
                .properties
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (short(&k), short(&json_text(&v))));
            budget.feature(attributes, f.geometry)
        })
        .collect::<Result<_, _>>()?;
    Ok(Layer { features, declared })
}

/// GeoJSON's former `crs` member (GDAL still writes it for files not in
/// WGS84): `{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9210"}}`.
fn declared_by_crs_member(crs: &serde_json::Value) -> Declared {
    let Some(name) = crs.pointer("/properties/name").and_then(|n| n.as_str()) else {
        return Declared::Unknown(short(&crs.to_string()));
    };
    let upper = name.to_uppercase();
    if upper.ends_with("CRS84") {
        return Declared::Known(Crs::Wgs84);
    }
    let code = upper
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|d| d.parse::<u32>().ok());
    match code
        .filter(|_| upper.contains("EPSG"))
        .and_then(Crs::from_epsg)
    {
        Some(crs) => Declared::Known(crs),
        None => Declared::Unknown(short(name)),
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        // QGIS and GDAL write a Real field's 101 as 101.0.
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 && !n.is_i64() && !n.is_u64() => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn short(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_VALUE_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The parts of one Shapefile inside a zip.
struct Parts {
    shp: Vec<u8>,
    shx: Option<Vec<u8>>,
    dbf: Vec<u8>,
    prj: Option<String>,
}

fn unzip_parts(bytes: &[u8]) -> Result<Parts, &'static str> {
    let unreadable = "parcels-error-unreadable";
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable)?;
    if zip.len() > 1_000 {
        return Err("parcels-error-too-large");
    }
    // Entry names by extension; macOS's resource forks are not files.
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| {
            !n.starts_with("__MACOSX/") && !n.rsplit('/').next().unwrap_or("").starts_with("._")
        })
        .map(std::borrow::Cow::into_owned)
        .collect();
    let stem = |n: &str| n.rsplit_once('.').map(|(s, _)| s.to_lowercase());
    let shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().ends_with(".shp"))
        .collect();
    let shp_name = match shps[..] {
        [one] => one.clone(),
        [] => return Err("parcels-error-no-shapefile"),
        _ => return Err("parcels-error-several-layers"),
    };
    let base = stem(&shp_name);
    let sibling = |ext: &str| {
        names
            .iter()
            .find(|n| stem(n) == base && n.to_lowercase().ends_with(ext))
            .cloned()
    };
    let mut left = MAX_UNPACKED;
    let mut take = |name: &str| -> Result<Vec<u8>, &'static str> {
        let entry = zip.by_name(name).map_err(|_| unreadable)?;
        let mut buf = Vec::new();
        let n = entry
            .take(left + 1)
            .read_to_end(&mut buf)
            .map_err(|_| unreadable)? as u64;
        if n > left {
            return Err("parcels-error-too-large");
        }
        left -= n;
        Ok(buf)
    };
    let shp = take(&shp_name)?;
    let dbf = match sibling(".dbf") {
        Some(n) => take(&n)?,
        None => return Err("parcels-error-no-dbf"),
    };
    let shx = sibling(".shx").map(|n| take(&n)).transpose()?;
    let prj = sibling(".prj")
        .map(|n| take(&n))
        .transpose()?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(Parts { shp, shx, dbf, prj })
}

fn read_shapefile_zip(bytes: &[u8]) -> Result<Layer, &'static str> {
    let unreadable = "parcels-error-unreadable";
    let parts = unzip_parts(bytes)?;
    let declared = match &parts.prj {
        None => Declared::Nothing,
        Some(wkt) => match Crs::from_prj(wkt) {
            Some(crs) => Declared::Known(crs),
            None => Declared::Unknown(short(&prj_name(wkt))),
        },
    };
    let shapes = match parts.shx {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(shx)),
        None => shapefile::ShapeReader::new(Cursor::new(parts.shp)),
    }
    .map_err(|_| unreadable)?;
    let table = shapefile::dbase::ReaderBuilder::new()
        .with_encoding(shapefile::dbase::encoding::UnicodeLossy)
        .build(Cursor::new(parts.dbf))
        .map_err(|_| unreadable)?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut features = Vec::new();
    let mut budget = Budget::default();
    for item in reader.iter_shapes_and_records() {
        let (shape, record) = item.map_err(|_| unreadable)?;
        if features.len() == MAX_FEATURES {
            return Err("parcels-error-too-many");
        }
        let attributes = record
            .into_iter()
            .map(|(k, v)| (short(&k), short(&field_text(v))));
        let geometry = match geo::Geometry::<f64>::try_from(shape) {
            Ok(g) => Some(geojson::Geometry::from(&g)),
            Err(_) => None,
        };
        features.push(budget.feature(attributes, geometry)?);
    }
    Ok(Layer { features, declared })
}

/// The system's name in a `.prj`: the first quoted string.
fn prj_name(wkt: &str) -> String {
    wkt.split('"').nth(1).unwrap_or("?").to_string()
}

fn field_text(v: shapefile::dbase::FieldValue) -> String {
    use shapefile::dbase::FieldValue as F;
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            n.to_string()
        }
    };
    match v {
        F::Character(s) => s.unwrap_or_default(),
        F::Numeric(n) => n.map(number).unwrap_or_default(),
        F::Float(n) => n.map(|n| number(f64::from(n))).unwrap_or_default(),
        F::Integer(n) => n.to_string(),
        F::Double(n) | F::Currency(n) => number(n),
        F::Logical(b) => b.map(|b| b.to_string()).unwrap_or_default(),
        F::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        F::Memo(s) => s,
        F::DateTime(d) => format!("{d:?}"),
    }
}

/// The attribute names recognised for the map sheet and the parcel number,
/// in the order they are tried (cadastral offices' exports of ViLIS,
/// TMV.LIS and the MicroStation/Famis tools name them so).
pub const SHEET_NAMES: &[&str] = &[
    "sheet",
    "map_sheet",
    "soto",
    "so_to",
    "shbando",
    "sh_bando",
    "sotobando",
    "sohieutobando",
    "to_bd",
    "to",
    "tobando",
];
pub const PARCEL_NAMES: &[&str] = &[
    "parcel",
    "parcel_no",
    "sothua",
    "so_thua",
    "shthua",
    "sh_thua",
    "sothututhua",
    "thua",
    "sothuatd",
];

/// The attribute of `names` most likely to be the one `wanted` lists.
pub fn guess(names: &[String], wanted: &[&str]) -> Option<String> {
    wanted.iter().find_map(|w| {
        names
            .iter()
            .find(|n| n.to_lowercase().replace([' ', '-'], "_") == *w)
            .cloned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"{",
            b"PK\x03\x04garbage",
            b"\xff\xfe{}",
            br#"{"type":"Point","coordinates":[1,2]}"#,
        ] {
            assert!(read(bytes).is_err(), "{bytes:?}");
        }
        let one = br#"{"type":"Feature","properties":{"SoTo":24,"SoThua":"0166"},
            "geometry":{"type":"Point","coordinates":[105.8,21.0]}}"#;
        let layer = read(one).unwrap();
        assert_eq!(layer.features[0].get("SoTo"), Some("24"));
        assert_eq!(layer.declared, Declared::Nothing);
    }

    #[test]
    fn the_usual_attribute_names_are_recognised() {
        let names: Vec<String> = ["OBJECTID", "SHBANDO", "SHTHUA", "DienTich"]
            .map(String::from)
            .to_vec();
        assert_eq!(guess(&names, SHEET_NAMES).as_deref(), Some("SHBANDO"));
        assert_eq!(guess(&names, PARCEL_NAMES).as_deref(), Some("SHTHUA"));
        let names: Vec<String> = ["SoTo", "SoThua"].map(String::from).to_vec();
        assert_eq!(guess(&names, SHEET_NAMES).as_deref(), Some("SoTo"));
        assert_eq!(guess(&names, PARCEL_NAMES).as_deref(), Some("SoThua"));
    }

    #[test]
    fn stored_systems_read_back() {
        for d in [
            Declared::Nothing,
            Declared::Known(Crs::Wgs84),
            Declared::Known(Crs::zone(104.75)),
            Declared::Unknown("Hanoi 72".into()),
        ] {
            assert_eq!(Declared::from_stored(&d.to_stored()), d);
        }
    }

    /// The fixtures GDAL's `ogr2ogr` made (`tests/fixtures/parcels/make.sh`):
    /// every file gives the same eleven parcels at the same place.
    #[test]
    fn files_gdal_writes_are_read_in_their_system() {
        use crate::geo::{crs::Crs, parcel};
        let fixtures: [(&str, &[u8], Declared); 6] = [
            (
                "wgs84.geojson",
                include_bytes!("../../tests/fixtures/parcels/wgs84.geojson"),
                Declared::Nothing,
            ),
            (
                "vn2000.geojson",
                include_bytes!("../../tests/fixtures/parcels/vn2000.geojson"),
                Declared::Known(Crs::zone(105.0)),
            ),
            (
                "vn2000-shp.zip",
                include_bytes!("../../tests/fixtures/parcels/vn2000-shp.zip"),
                Declared::Known(Crs::zone(105.0)),
            ),
            (
                "wgs84-shp.zip",
                include_bytes!("../../tests/fixtures/parcels/wgs84-shp.zip"),
                Declared::Known(Crs::Wgs84),
            ),
            (
                "vn2000-noprj-shp.zip",
                include_bytes!("../../tests/fixtures/parcels/vn2000-noprj-shp.zip"),
                Declared::Nothing,
            ),
            (
                "vn2000-nested.zip",
                include_bytes!("../../tests/fixtures/parcels/vn2000-nested.zip"),
                Declared::Known(Crs::zone(105.0)),
            ),
        ];
        let mut first_area = None;
        for (name, bytes, declared) in fixtures {
            let layer = read(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(layer.declared, declared, "{name}");
            assert_eq!(layer.features.len(), 11, "{name}");
            let names = Layer::attribute_names(&layer.features);
            let parcel_attr = guess(&names, PARCEL_NAMES).unwrap();
            let f = layer
                .features
                .iter()
                .find(|f| f.get(&parcel_attr) == Some("101"))
                .unwrap();
            let crs = match &layer.declared {
                Declared::Known(c) => c.clone(),
                _ if name.starts_with("vn2000") => Crs::zone(105.0),
                _ => Crs::Wgs84,
            };
            let p = parcel(f.geometry.as_ref(), &crs.to_wgs84().unwrap()).unwrap();
            assert!(
                (105.82..105.83).contains(&p.label.0),
                "{name}: {:?}",
                p.label
            );
            let area = *first_area.get_or_insert(p.area_m2);
            assert!(
                (p.area_m2 - area).abs() < 0.5,
                "{name}: {} vs {area}",
                p.area_m2
            );
        }
    }
}
