//! A map drawn on the server as SVG: parcels filled by their stage group,
//! labelled where the number fits, each a link; visits as dots; a scale bar
//! and a north arrow. No tiles, script or fonts from outside: it shows on a
//! cheap phone and prints. Styles are classes of the app's stylesheet (the
//! pages allow no inline style). The projection is Web Mercator, so that an
//! optional tile background lines up.

use std::fmt::Write;

use geo::MultiPolygon;
use handlebars::html_escape;

use crate::domain::consent::StageGroup;

/// A task's map as drawn for a filter and a language.
pub struct Drawing {
    pub svg: Option<String>,
    /// Households and declared area per stage group.
    pub counts: [(i64, f64); 5],
    pub missing: Vec<serde_json::Value>,
    pub shapes: usize,
    pub households: usize,
    pub dots: usize,
}

/// One parcel to draw.
pub struct Drawn<'a> {
    pub shape: &'a MultiPolygon<f64>,
    pub group: StageGroup,
    /// The parcel number, drawn inside where it fits.
    pub label: &'a str,
    pub label_at: (f64, f64),
    pub href: String,
    /// Said on hover and by screen readers.
    pub title: String,
    /// Outside the chosen filter: drawn as an outline only.
    pub dim: bool,
}

/// A visit recorded with a place.
pub struct Dot {
    pub lon: f64,
    pub lat: f64,
    pub title: String,
}

/// The words a map carries, in the reader's language.
pub struct Words {
    /// Its accessible name.
    pub title: String,
    /// The letter of the north arrow (B in Vietnamese, N in English).
    pub north: String,
}

/// A background tile server (`{z}/{x}/{y}` in its address).
pub struct Tiles<'a> {
    pub url: &'a str,
}

/// The drawing's width in its own units; its height follows the parcels.
const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 24.0;
const LABEL_SIZE: f64 = 11.0;
const EARTH: f64 = 6_378_137.0;

fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.0, 85.0);
    let x = lon.to_radians() * EARTH;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
        * EARTH;
    (x, y)
}

/// Maps degrees to the drawing's units.
struct Frame {
    origin: (f64, f64),
    scale: f64,
    height: f64,
    /// Ground metres per drawing unit at the map's middle.
    metres_per_unit: f64,
}

impl Frame {
    fn fit(bbox: (f64, f64, f64, f64)) -> Frame {
        let (w, s, e, n) = bbox;
        let (x0, y0) = mercator(w, s);
        let (x1, y1) = mercator(e, n);
        // At least 60 m across, so that one parcel is not drawn page-wide.
        let span_x = (x1 - x0).max(60.0);
        let span_y = (y1 - y0).max(60.0);
        let inner = WIDTH - 2.0 * MARGIN;
        // Keep the drawing between a fifth and once and a half as tall as wide.
        let scale = (inner / span_x).min(inner * 1.5 / span_y);
        let height = (span_y * scale).max(inner / 5.0) + 2.0 * MARGIN;
        let cx = (x0 + x1) / 2.0;
        let cy = (y0 + y1) / 2.0;
        let mid_lat = (s + n) / 2.0;
        Frame {
            origin: (cx - (WIDTH / 2.0) / scale, cy + (height / 2.0) / scale),
            scale,
            height,
            metres_per_unit: mid_lat.to_radians().cos() / scale,
        }
    }

    fn at(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = mercator(lon, lat);
        (
            (x - self.origin.0) * self.scale,
            (self.origin.1 - y) * self.scale,
        )
    }
}

/// The box around every parcel and dot, or `None` when there is nothing.
fn extent(parcels: &[Drawn<'_>], dots: &[Dot]) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    let mut add = |lon: f64, lat: f64| {
        b = Some(match b {
            None => (lon, lat, lon, lat),
            Some((w, s, e, n)) => (w.min(lon), s.min(lat), e.max(lon), n.max(lat)),
        });
    };
    for p in parcels {
        for poly in &p.shape.0 {
            for c in &poly.exterior().0 {
                add(c.x, c.y);
            }
        }
    }
    for d in dots {
        add(d.lon, d.lat);
    }
    b
}

/// The SVG of a map, `None` when there is nothing to draw.
pub fn svg(
    parcels: &[Drawn<'_>],
    dots: &[Dot],
    words: &Words,
    tiles: Option<Tiles<'_>>,
) -> Option<String> {
    let frame = Frame::fit(extent(parcels, dots)?);
    let h = frame.height;
    let mut out = String::with_capacity(200 + parcels.len() * 160);
    let _ = write!(
        out,
        r#"<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {h:.0}" role="group" aria-labelledby="map-title"><title id="map-title">{}</title><rect class="map-sea" width="{WIDTH}" height="{h:.0}"/>"#,
        html_escape(&words.title)
    );
    if let Some(t) = tiles {
        background(&mut out, &frame, t);
    }
    out.push_str(r#"<g class="parcels">"#);
    let mut labels = String::new();
    for p in parcels {
        let mut d = String::new();
        let (mut min, mut max) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for poly in &p.shape.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                let mut first = true;
                for c in ring.0.iter().take(ring.0.len().saturating_sub(1)) {
                    let (x, y) = frame.at(c.x, c.y);
                    min = (min.0.min(x), min.1.min(y));
                    max = (max.0.max(x), max.1.max(y));
                    let _ = write!(d, "{}{x:.1} {y:.1}", if first { "M" } else { "L" });
                    first = false;
                }
                d.push('Z');
            }
        }
        let class = if p.dim {
            "dim".to_string()
        } else {
            format!("g{}", p.group.index())
        };
        // Without a page to open (the public map), a shape is not a link.
        let _ = if p.href.is_empty() {
            write!(
                out,
                r#"<g><title>{}</title><path class="{class}" d="{d}"/></g>"#,
                html_escape(&p.title)
            )
        } else {
            write!(
                out,
                r#"<a href="{}"><title>{}</title><path class="{class}" d="{d}"/></a>"#,
                html_escape(&p.href),
                html_escape(&p.title)
            )
        };
        // A label where the number fits inside the parcel's box.
        let chars = p.label.chars().count() as f64;
        if !p.dim
            && !p.label.is_empty()
            && max.0 - min.0 >= chars * LABEL_SIZE * 0.62 + 2.0
            && max.1 - min.1 >= LABEL_SIZE + 2.0
        {
            let (x, y) = frame.at(p.label_at.0, p.label_at.1);
            let _ = write!(
                labels,
                r#"<text x="{x:.1}" y="{:.1}">{}</text>"#,
                y + LABEL_SIZE * 0.35,
                html_escape(p.label)
            );
        }
    }
    out.push_str("</g>");
    if !labels.is_empty() {
        let _ = write!(out, r#"<g class="labels" aria-hidden="true">{labels}</g>"#);
    }
    if !dots.is_empty() {
        out.push_str(r#"<g class="visits">"#);
        for dot in dots {
            let (x, y) = frame.at(dot.lon, dot.lat);
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="4"><title>{}</title></circle>"#,
                html_escape(&dot.title)
            );
        }
        out.push_str("</g>");
    }
    scale_bar(&mut out, &frame);
    north_arrow(&mut out, &words.north);
    out.push_str("</svg>");
    Some(out)
}

/// A round length about a fifth of the map's width: 1, 2 or 5 × 10ⁿ metres.
fn scale_length(metres_per_unit: f64) -> f64 {
    let target = WIDTH / 5.0 * metres_per_unit;
    let pow = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|l| *l <= target)
        .unwrap_or(pow)
}

fn scale_bar(out: &mut String, frame: &Frame) {
    let metres = scale_length(frame.metres_per_unit);
    let len = metres / frame.metres_per_unit;
    let (x, y) = (MARGIN, frame.height - MARGIN / 2.0);
    let text = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    let _ = write!(
        out,
        r#"<g class="scale"><path d="M{x:.1} {:.1}V{y:.1}H{:.1}V{:.1}"/><text x="{:.1}" y="{:.1}">{text}</text></g>"#,
        y - 6.0,
        x + len,
        y - 6.0,
        x + len + 6.0,
        y
    );
}

fn north_arrow(out: &mut String, letter: &str) {
    let x = WIDTH - MARGIN;
    let _ = write!(
        out,
        r#"<g class="north" aria-hidden="true"><path d="M{x} 8L{} 34L{x} 28L{} 34Z"/><text x="{x}" y="48">{}</text></g>"#,
        x - 8.0,
        x + 8.0,
        html_escape(letter)
    );
}

/// Tiles under the parcels at the zoom nearest the drawing's scale.
fn background(out: &mut String, frame: &Frame, tiles: Tiles<'_>) {
    // A tile is 256 px over 2πR / 2^z metres of Web Mercator.
    let world = 2.0 * std::f64::consts::PI * EARTH;
    let z = ((frame.scale * world / 256.0).log2().round() as i32).clamp(0, 20);
    let n = 2f64.powi(z);
    let tile = world / n;
    let half = world / 2.0;
    let left = frame.origin.0;
    let top = frame.origin.1;
    let right = left + WIDTH / frame.scale;
    let bottom = top - frame.height / frame.scale;
    let (tx0, tx1) = (
        ((left + half) / tile).floor(),
        ((right + half) / tile).floor(),
    );
    let (ty0, ty1) = (
        ((half - top) / tile).floor(),
        ((half - bottom) / tile).floor(),
    );
    if (tx1 - tx0 + 1.0) * (ty1 - ty0 + 1.0) > 64.0 {
        return;
    }
    out.push_str(r#"<g class="tiles">"#);
    let mut ty = ty0;
    while ty <= ty1 {
        let mut tx = tx0;
        while tx <= tx1 {
            let url = tiles
                .url
                .replace("{z}", &z.to_string())
                .replace("{x}", &format!("{tx}"))
                .replace("{y}", &format!("{ty}"));
            let x = (tx * tile - half - left) * frame.scale;
            let y = (top - (half - ty * tile)) * frame.scale;
            let size = tile * frame.scale;
            let _ = write!(
                out,
                r#"<image href="{}" x="{x:.1}" y="{y:.1}" width="{size:.1}" height="{size:.1}"/>"#,
                html_escape(&url)
            );
            tx += 1.0;
        }
        ty += 1.0;
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_map_draws_each_parcel_as_a_link_with_a_label_where_it_fits() {
        let big: MultiPolygon<f64> = polygon![
            (x: 105.8230, y: 21.0690), (x: 105.8232, y: 21.0690),
            (x: 105.8232, y: 21.0692), (x: 105.8230, y: 21.0692),
        ]
        .into();
        let tiny: MultiPolygon<f64> = polygon![
            (x: 105.8240, y: 21.0690), (x: 105.824003, y: 21.0690),
            (x: 105.824003, y: 21.069003), (x: 105.8240, y: 21.069003),
        ]
        .into();
        let parcels = [
            Drawn {
                shape: &big,
                group: StageGroup::Agreed,
                label: "101",
                label_at: (105.8231, 21.0691),
                href: "/households/1".into(),
                title: "Thửa 101 <b>".into(),
                dim: false,
            },
            Drawn {
                shape: &tiny,
                group: StageGroup::HandedOver,
                label: "102",
                label_at: (105.824001, 21.069001),
                href: "/households/2".into(),
                title: "Thửa 102".into(),
                dim: false,
            },
        ];
        let words = Words {
            title: "Bản đồ".into(),
            north: "B".into(),
        };
        let svg = svg(&parcels, &[], &words, None).unwrap();
        assert!(svg.contains(
            r#"<a href="/households/1"><title>Thửa 101 &lt;b&gt;</title><path class="g2""#
        ));
        assert!(svg.contains(r#"class="g4""#));
        assert!(svg.contains("&lt;b&gt;"), "titles are escaped");
        assert_eq!(
            svg.matches("<text").count(),
            3,
            "one label, the scale, north"
        );
        assert!(svg.contains(">101</text>"));
        assert!(!svg.contains(">102</text>"), "too small for its label");
        assert!(svg.contains(" m</text>"));
        assert!(super::svg(&[], &[], &words, None).is_none());
    }

    #[test]
    fn the_scale_bar_is_a_round_length() {
        assert_eq!(scale_length(0.26), 50.0);
        assert_eq!(scale_length(1.0), 200.0);
        assert_eq!(scale_length(30.0), 5000.0);
    }
}
