//! Coordinate systems a parcel file comes in: WGS84 degrees, or VN-2000
//! (the national system) in a province's 3° transverse Mercator zone. The
//! arithmetic is proj4rs's; this module says which system a file is in.

use proj4rs::proj::Proj;

/// The seven parameters from VN-2000 to WGS84 (translation in metres,
/// rotation in seconds, scale in ppm) of Decision 05/2007/QĐ-BTNMT, for the
/// system of Circular 973/2001/TT-TCĐC; VN-2000 uses the WGS84 ellipsoid.
/// The Decision states the rotations in the coordinate-frame convention
/// (EPSG transformation 6960); PROJ's `+towgs84` takes them as position
/// vector, so their signs are turned here, as in PROJ's own definition of
/// EPSG:5897. With the Decision's signs as printed, a point in Tây Hồ lands
/// 0.76 m away.
pub const VN2000_TOWGS84: &str = "-191.90441429,-39.30318279,-111.45032835,\
0.00928836,-0.01975479,0.00427372,0.252906278";

/// The central meridian (degrees, minutes) of each province's 3° zone for
/// cadastral maps at 1:500 to 1:10,000: the appendix of Circular
/// 973/2001/TT-TCĐC (provinces as before the 2025 mergers; a merged
/// province's units keep their former province's zone, as its cadastral
/// files do).
pub const PROVINCES: &[(&str, u8, u8)] = &[
    ("An Giang", 104, 45),
    ("Bà Rịa - Vũng Tàu", 107, 45),
    ("Bắc Giang", 107, 0),
    ("Bắc Kạn", 106, 30),
    ("Bạc Liêu", 105, 0),
    ("Bắc Ninh", 105, 30),
    ("Bến Tre", 105, 45),
    ("Bình Định", 108, 15),
    ("Bình Dương", 105, 45),
    ("Bình Phước", 106, 15),
    ("Bình Thuận", 108, 30),
    ("Cà Mau", 104, 30),
    ("Cần Thơ", 105, 0),
    ("Cao Bằng", 105, 45),
    ("Đà Nẵng", 107, 45),
    ("Đắk Lắk", 108, 30),
    ("Đắk Nông", 108, 30),
    ("Điện Biên", 103, 0),
    ("Đồng Nai", 107, 45),
    ("Đồng Tháp", 105, 0),
    ("Gia Lai", 108, 30),
    ("Hà Giang", 105, 30),
    ("Hà Nam", 105, 0),
    ("Hà Nội", 105, 0),
    ("Hà Tĩnh", 105, 30),
    ("Hải Dương", 105, 30),
    ("Hải Phòng", 105, 45),
    ("Hậu Giang", 105, 0),
    ("Hòa Bình", 106, 0),
    ("Hồ Chí Minh", 105, 45),
    ("Hưng Yên", 105, 30),
    ("Khánh Hòa", 108, 15),
    ("Kiên Giang", 104, 30),
    ("Kon Tum", 107, 30),
    ("Lai Châu", 103, 0),
    ("Lâm Đồng", 107, 45),
    ("Lạng Sơn", 107, 15),
    ("Lào Cai", 104, 45),
    ("Long An", 105, 45),
    ("Nam Định", 105, 30),
    ("Nghệ An", 104, 45),
    ("Ninh Bình", 105, 0),
    ("Ninh Thuận", 108, 15),
    ("Phú Thọ", 104, 45),
    ("Phú Yên", 108, 30),
    ("Quảng Bình", 106, 0),
    ("Quảng Nam", 107, 45),
    ("Quảng Ngãi", 108, 0),
    ("Quảng Ninh", 107, 45),
    ("Quảng Trị", 106, 15),
    ("Sóc Trăng", 105, 30),
    ("Sơn La", 104, 0),
    ("Tây Ninh", 105, 30),
    ("Thái Bình", 105, 30),
    ("Thái Nguyên", 106, 30),
    ("Thanh Hóa", 105, 0),
    ("Thừa Thiên Huế", 107, 0),
    ("Tiền Giang", 105, 45),
    ("Trà Vinh", 105, 30),
    ("Tuyên Quang", 106, 0),
    ("Vĩnh Long", 105, 30),
    ("Vĩnh Phúc", 105, 0),
    ("Yên Bái", 104, 45),
];

/// The central meridian in degrees of a province named in the table.
pub fn province_meridian(name: &str) -> Option<f64> {
    PROVINCES
        .iter()
        .find(|(p, _, _)| *p == name)
        .map(|(_, d, m)| f64::from(*d) + f64::from(*m) / 60.0)
}

/// Where a file's coordinates are.
#[derive(Clone, Debug, PartialEq)]
pub enum Crs {
    /// Longitude and latitude in degrees.
    Wgs84,
    /// VN-2000 transverse Mercator: central meridian in degrees, scale,
    /// false easting (metres).
    Vn2000 { lon_0: f64, k: f64, x_0: f64 },
}

impl Crs {
    /// A province's 3° cadastral zone.
    pub fn zone(lon_0: f64) -> Crs {
        Crs::Vn2000 {
            lon_0,
            k: 0.9999,
            x_0: 500_000.0,
        }
    }

    /// How it is named on a page: `WGS84` or `VN-2000, KTT 105°00'`.
    pub fn label(&self) -> String {
        match self {
            Crs::Wgs84 => "WGS84".into(),
            Crs::Vn2000 { lon_0, k, .. } => {
                let minutes = (lon_0 * 60.0).round() as i64;
                let zone = if (k - 0.9996).abs() < 1e-9 {
                    "6°"
                } else {
                    "3°"
                };
                format!("VN-2000, KTT {}°{:02}', {zone}", minutes / 60, minutes % 60)
            }
        }
    }

    fn proj_string(&self) -> String {
        match self {
            Crs::Wgs84 => "+proj=longlat +datum=WGS84 +no_defs".into(),
            Crs::Vn2000 { lon_0, k, x_0 } => format!(
                "+proj=tmerc +lat_0=0 +lon_0={lon_0} +k={k} +x_0={x_0} +y_0=0 \
                 +ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs"
            ),
        }
    }

    /// A transformation of this system's coordinates to WGS84 degrees.
    pub fn to_wgs84(&self) -> Option<ToWgs84> {
        match self {
            Crs::Wgs84 => Some(ToWgs84(None)),
            Crs::Vn2000 { .. } => {
                let from = Proj::from_proj_string(&self.proj_string()).ok()?;
                let to = Proj::from_proj_string(&Crs::Wgs84.proj_string()).ok()?;
                Some(ToWgs84(Some((from, to))))
            }
        }
    }

    /// The system a `.prj` (ESRI or OGC WKT) describes: WGS84 degrees, or a
    /// VN-2000 transverse Mercator zone (an ESRI `.prj` names the datum but
    /// leaves out its parameters, which are VN-2000's). `None` for anything
    /// else, which the import refuses rather than guesses.
    pub fn from_prj(wkt: &str) -> Option<Crs> {
        let upper = wkt.to_uppercase();
        let vn2000 = [
            "VN_2000",
            "VN-2000",
            "VN2000",
            "VIETNAM_2000",
            "VIETNAM 2000",
        ]
        .iter()
        .any(|n| upper.contains(n));
        if !upper.contains("PROJCS") && !upper.contains("PROJCRS") {
            let wgs84 = upper.contains("WGS_1984") || upper.contains("WGS 84");
            return (wgs84 && !vn2000).then_some(Crs::Wgs84);
        }
        if !vn2000 || !upper.contains("TRANSVERSE") {
            return None;
        }
        let lon_0 = wkt_parameter(&upper, &["CENTRAL_MERIDIAN", "LONGITUDE OF NATURAL ORIGIN"])?;
        let k = wkt_parameter(&upper, &["SCALE_FACTOR", "SCALE FACTOR AT NATURAL ORIGIN"])
            .unwrap_or(0.9999);
        let x_0 = wkt_parameter(&upper, &["FALSE_EASTING", "FALSE EASTING"]).unwrap_or(500_000.0);
        let y_0 = wkt_parameter(&upper, &["FALSE_NORTHING", "FALSE NORTHING"]).unwrap_or(0.0);
        let lat_0 = wkt_parameter(
            &upper,
            &["LATITUDE_OF_ORIGIN", "LATITUDE OF NATURAL ORIGIN"],
        )
        .unwrap_or(0.0);
        // Metres, and the origin on the equator: what every VN-2000 zone has.
        let metres = !upper.contains("UNIT[\"FOOT") && !upper.contains("LENGTHUNIT[\"FOOT");
        (y_0 == 0.0 && lat_0 == 0.0 && metres && (100.0..=112.0).contains(&lon_0))
            .then_some(Crs::Vn2000 { lon_0, k, x_0 })
    }

    /// The system an EPSG code names, for GeoJSON's old `crs` member: WGS84
    /// or one of the VN-2000 TM-3 zones EPSG defines (GDAL writes
    /// `urn:ogc:def:crs:EPSG::5897` for Hà Nội's).
    pub fn from_epsg(code: u32) -> Option<Crs> {
        match code {
            4326 => Some(Crs::Wgs84),
            // VN-2000 / UTM zones 48N and 49N (6°, k = 0.9996).
            3405 => Some(Crs::Vn2000 {
                lon_0: 105.0,
                k: 0.9996,
                x_0: 500_000.0,
            }),
            3406 => Some(Crs::Vn2000 {
                lon_0: 111.0,
                k: 0.9996,
                x_0: 500_000.0,
            }),
            // VN-2000 / TM-3 zones 481, 482, 491 and the provincial ones.
            _ => EPSG_TM3
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, lon_0)| Crs::zone(*lon_0)),
        }
    }
}

/// EPSG's VN-2000 TM-3 zones (k = 0.9999) with their central meridians,
/// as PROJ's database defines them.
const EPSG_TM3: &[(u32, f64)] = &[
    (5896, 102.0),
    (5897, 105.0),
    (5898, 108.0),
    (5899, 107.75),
    (9205, 103.0),
    (9206, 104.0),
    (9207, 104.5),
    (9208, 104.75),
    (9209, 105.5),
    (9210, 105.75),
    (9211, 106.0),
    (9212, 106.25),
    (9213, 106.5),
    (9214, 107.0),
    (9215, 107.25),
    (9216, 107.5),
    (9217, 108.25),
    (9218, 108.5),
];

/// The number after `PARAMETER["name",` (WKT1) or `PARAMETER["name",` with
/// spaces (WKT2), for the first of `names` found.
fn wkt_parameter(upper: &str, names: &[&str]) -> Option<f64> {
    names.iter().find_map(|name| {
        let at = upper.find(&format!("[\"{name}\""))?;
        let rest = &upper[at + name.len() + 3..];
        let rest = rest.trim_start().strip_prefix(',')?.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'E')))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    })
}

/// A ready transformation to WGS84 degrees (none for WGS84 itself).
pub struct ToWgs84(Option<(Proj, Proj)>);

impl ToWgs84 {
    /// `(x, y)` in the file's system to `(lon, lat)` degrees; `None` where
    /// the arithmetic fails or gives no number.
    pub fn point(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let Some((from, to)) = &self.0 else {
            return (x.is_finite() && y.is_finite()).then_some((x, y));
        };
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(from, to, &mut p).ok()?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        (lon.is_finite() && lat.is_finite()).then_some((lon, lat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_has_a_meridian_inside_the_country() {
        assert_eq!(PROVINCES.len(), 63);
        for (name, d, m) in PROVINCES {
            let lon = province_meridian(name).unwrap();
            assert!((102.0..=109.0).contains(&lon), "{name}");
            assert!(*m % 15 == 0, "{name} {d}°{m}'");
        }
        assert_eq!(province_meridian("Nghệ An"), Some(104.75));
        assert_eq!(province_meridian("Atlantis"), None);
    }

    #[test]
    fn an_esri_prj_of_a_vn2000_zone_is_read_with_its_meridian() {
        let prj = r#"PROJCS["VN_2000_TM_3_105",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_prj(prj), Some(Crs::zone(105.0)));
        assert_eq!(Crs::zone(104.75).label(), "VN-2000, KTT 104°45', 3°");
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_prj(wgs), Some(Crs::Wgs84));
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"],PARAMETER["Central_Meridian",105.0]]"#;
        assert_eq!(
            Crs::from_prj(utm),
            None,
            "not VN-2000: refused, not guessed"
        );
        assert_eq!(Crs::from_prj("garbage"), None);
    }

    /// Control points in `tests/fixtures/parcels/control-points.csv`: places
    /// whose VN-2000 coordinates PROJ's `cs2cs` computed with the Decision's
    /// parameters (within a metre here), and points that circulars publish in
    /// both systems, rounded to a tenth of a second (about 3 m) there.
    #[test]
    fn vn2000_control_points_come_to_their_wgs84_place() {
        let csv = include_str!("../../tests/fixtures/parcels/control-points.csv");
        let mut rows = csv::Reader::from_reader(csv.as_bytes());
        let mut checked = (0, 0);
        for row in rows.records() {
            let row = row.unwrap();
            let f = |i: usize| row[i].parse::<f64>().unwrap();
            let (lon, lat, lon_0, e, n) = (f(1), f(2), f(3), f(4), f(5));
            let to = Crs::zone(lon_0).to_wgs84().unwrap();
            let (got_lon, got_lat) = to.point(e, n).unwrap();
            let dx = (got_lon - lon).to_radians() * 6_378_137.0 * lat.to_radians().cos();
            let dy = (got_lat - lat).to_radians() * 6_378_137.0;
            let off = dx.hypot(dy);
            let computed = row[6].starts_with("cs2cs");
            // PROJ and proj4rs agree to the millimetre; the rotations' signs
            // turned the other way would move a point by most of a metre.
            let tolerance = if computed { 0.05 } else { 3.0 };
            assert!(off < tolerance, "{}: {off:.3} m", &row[0]);
            if computed {
                checked.0 += 1;
            } else {
                checked.1 += 1;
            }
        }
        assert!(checked.0 >= 8 && checked.1 >= 5, "{checked:?}");
    }
}
