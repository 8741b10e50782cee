//! Maps: a task's parcels coloured by consent (drawn on the server), the
//! import of parcel shapes from cadastral files with a preview, the parcels
//! out again as GeoJSON, and a unit's map settings.

use actix_web::http::header;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::options;
use crate::app::parcels::{self as app, TaskMap};
use crate::context::Ctx;
use crate::db::{self, households::Household};
use crate::domain::consent::{ConsentStage, StageGroup};
use crate::domain::format;
use crate::domain::households::Sight;
use crate::error::{AppError, AppResult};
use crate::geo::map::{self, Dot, Drawing, Drawn, Tiles, Words};
use crate::i18n::{self, Locale};

mod import;
mod settings;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks/{id}/map", get().to(task_map))
        .route("/tasks/{id}/parcels.geojson", get().to(geojson_export))
        .route("/tasks/{id}/parcels/import", get().to(import::upload_form))
        .route("/tasks/{id}/parcels/import", post().to(import::upload))
        .route(
            "/tasks/{id}/parcels/import/{import}",
            get().to(import::preview),
        )
        .route(
            "/tasks/{id}/parcels/import/{import}",
            post().to(import::confirm),
        )
        .route("/admin/units/{id}/map", get().to(settings::settings))
        .route("/admin/units/{id}/map", post().to(settings::save_settings));
}

fn stage_of(h: &Household) -> ConsentStage {
    ConsentStage::parse(&h.stage).unwrap_or(ConsentStage::NotContacted)
}

fn group_name(locale: Locale, g: StageGroup) -> String {
    i18n::t(locale, &format!("map-group-{}", g.as_str()))
}

fn parcel_text(locale: Locale, sheet: &str, parcel: &str) -> String {
    i18n::t_args(
        locale,
        "households-parcel-text",
        &[("parcel", parcel.to_string()), ("sheet", sheet.to_string())],
    )
}

/// The words every map carries.
fn words(locale: Locale, title: String) -> Words {
    Words {
        title,
        north: i18n::t(locale, "map-north"),
    }
}

/// The content security policy of a page that shows tiles from `url`'s
/// server: the app's own, with that origin allowed for pictures.
fn csp_with_tiles(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let host = rest.split('/').next()?;
    Some(super::CSP.replacen(
        "img-src 'self' data:",
        &format!("img-src 'self' data: https://{host}"),
        1,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MapQuery {
    group: String,
    /// One stage of the legal order, finer than a group.
    stage: String,
    paper: String,
}

/// The legend of a map: households and area per group, with the link that
/// filters on it.
fn legend(
    locale: Locale,
    counts: &[(i64, f64); 5],
    chosen: Option<StageGroup>,
    base: &str,
) -> Vec<Value> {
    StageGroup::ALL
        .into_iter()
        .map(|g| {
            let (n, area) = counts[g.index()];
            json!({
                "class": format!("g{}", g.index()),
                "name": group_name(locale, g),
                "households": format::number(n),
                "area": format::decimal(area),
                "href": format!("{base}?group={}", g.as_str()),
                "chosen": chosen == Some(g),
            })
        })
        .collect()
}

/// The legend's names and colours alone, for a map without counts.
pub(crate) fn legend_names(locale: Locale) -> Vec<Value> {
    StageGroup::ALL
        .into_iter()
        .map(|g| json!({"class": format!("g{}", g.index()), "name": group_name(locale, g)}))
        .collect()
}

/// Draws the map of `m`: parcels shown unless `shown` says otherwise.
/// `public`: for the project's public page, with no parcel numbers, no links
/// to households and no places of visits.
fn draw(
    locale: Locale,
    m: &TaskMap,
    shown: &dyn Fn(ConsentStage) -> bool,
    tiles: Option<Tiles<'_>>,
    public: bool,
) -> Drawing {
    let TaskMap {
        access,
        households,
        parcels,
        visits,
    } = m;
    let shapes: Vec<(usize, geo::MultiPolygon<f64>)> = parcels
        .iter()
        .enumerate()
        .filter_map(|(i, p)| crate::geo::stored(&p.geometry).map(|s| (i, s)))
        .collect();
    let by_id: std::collections::HashMap<i64, &Household> =
        households.iter().map(|h| (h.id, h)).collect();
    let mut counts = [(0i64, 0.0f64); 5];
    for h in households {
        let g = stage_of(h).group().index();
        counts[g].0 += 1;
        counts[g].1 += h.area_m2;
    }
    let drawn: Vec<Drawn<'_>> = shapes
        .iter()
        .filter_map(|(i, shape)| {
            let p = &parcels[*i];
            let h = by_id.get(&p.household_id)?;
            let stage = stage_of(h);
            if public {
                return Some(Drawn {
                    shape,
                    group: stage.group(),
                    label: "",
                    label_at: (p.label_lon, p.label_lat),
                    href: String::new(),
                    title: i18n::t(locale, &format!("map-group-{}", stage.group().as_str())),
                    dim: false,
                });
            }
            Some(Drawn {
                shape,
                group: stage.group(),
                label: &h.parcel_no,
                label_at: (p.label_lon, p.label_lat),
                href: format!("/households/{}", h.id),
                title: format!(
                    "{} — {} — {} m²",
                    parcel_text(locale, &h.map_sheet, &h.parcel_no),
                    i18n::t(locale, &format!("stage-{}", stage.as_str())),
                    format::decimal(p.area_m2)
                ),
                dim: !shown(stage),
            })
        })
        .collect();
    // A place recorded far from the task (a phone's first fix at 0,0, a
    // visit logged at home) would shrink the parcels to specks: only places
    // within a kilometre of them are drawn.
    let near = near_box(parcels);
    let dots: Vec<Dot> = visits
        .iter()
        .filter(|_| !public)
        .filter(|v| {
            near.is_some_and(|(w, s, e, n)| {
                (w..=e).contains(&v.longitude) && (s..=n).contains(&v.latitude)
            })
        })
        .map(|v| Dot {
            lon: v.longitude,
            lat: v.latitude,
            title: i18n::t_args(
                locale,
                "map-visit-on",
                &[("date", format::date(v.visited_on))],
            ),
        })
        .collect();
    let title = i18n::t_args(
        locale,
        "map-title-of",
        &[("task", access.task.title.clone())],
    );
    let svg = map::svg(&drawn, &dots, &words(locale, title), tiles);
    let with_shape: std::collections::HashSet<i64> =
        parcels.iter().map(|p| p.household_id).collect();
    let missing: Vec<Value> = households
        .iter()
        .filter(|h| !with_shape.contains(&h.id))
        .filter(|h| shown(stage_of(h)))
        .map(|h| {
            json!({
                "id": h.id,
                "name": h.head_name,
                "parcel": if h.parcel_no.is_empty() { String::new() } else { parcel_text(locale, &h.map_sheet, &h.parcel_no) },
                "stage": i18n::t(locale, &format!("stage-{}", h.stage)),
            })
        })
        .collect();
    Drawing {
        svg,
        counts,
        missing,
        shapes: parcels.len(),
        households: households.len(),
        dots: dots.len(),
    }
}

/// Draws a task's map; the households without a shape are listed beside it.
/// The drawing is kept while the data is unchanged: a reader's own access
/// is checked every time.
async fn task_map(
    ctx: Ctx,
    id: web::Path<i64>,
    q: web::Query<MapQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?.clone();
    let tid = *id;
    let locale = ctx.locale;
    let chosen = StageGroup::parse(&q.group);
    let chosen_stage = ConsentStage::parse(&q.stage);
    let paper = if q.paper == "a3" { "a3" } else { "a4" };
    let state = ctx.state.clone();
    let known = user.versions;
    let (access, settings, drawing) = ctx
        .db(move |c| {
            let access = crate::app::tasks::access(c, &user, tid)?;
            let settings = db::parcels::settings_for(c, &access.unit.path)?;
            let version = db::audit::versions(c, known)?.data;
            let key = format!(
                "{tid}|{}|{}|{}|{}",
                chosen.map_or("", StageGroup::as_str),
                chosen_stage.map_or("", ConsentStage::as_str),
                locale.code(),
                settings.tile_url
            );
            let tiles = settings.tile_url.clone();
            let drawing = state.maps.get_or(key, version, || {
                let m = app::map_of(c, access.clone())?;
                let shown = |s: ConsentStage| {
                    chosen.is_none_or(|g| g == s.group()) && chosen_stage.is_none_or(|c| c == s)
                };
                let tiles = (!tiles.is_empty()).then(|| Tiles { url: &tiles });
                Ok::<_, AppError>(draw(locale, &m, &shown, tiles, false))
            })?;
            Ok((access, settings, drawing))
        })
        .await?;
    let base = format!("/tasks/{}/map", access.task.id);
    let mut response = ctx.render(
        "maps/task",
        json!({
            "title": i18n::t_args(locale, "map-title-of", &[("task", access.task.title.clone())]),
            "task": {"id": access.task.id, "title": access.task.title},
            "unit": access.unit.name,
            "today": format::date(format::today()),
            "svg": drawing.svg,
            "legend": legend(locale, &drawing.counts, chosen, &base),
            "all_href": base,
            "filtered": chosen.is_some() || chosen_stage.is_some(),
            "stages": options(
                ConsentStage::ALL.iter().map(|s| {
                    (s.as_str().to_string(), i18n::t(locale, &format!("stage-{}", s.as_str())))
                }),
                &q.stage,
            ),
            "paper": paper,
            "a3": paper == "a3",
            "paper_href": format!("{base}?{}{}paper={}",
                chosen.map(|g| format!("group={}&", g.as_str())).unwrap_or_default(),
                chosen_stage.map(|s| format!("stage={}&", s.as_str())).unwrap_or_default(),
                if paper == "a3" { "a4" } else { "a3" }),
            "missing": drawing.missing,
            "shapes": format::number(drawing.shapes as i64),
            "households": format::number(drawing.households as i64),
            "visits": format::number(drawing.dots as i64),
            "can_edit": access.can_edit,
            "attribution": settings.tile_attribution,
            "has_tiles": !settings.tile_url.is_empty(),
        }),
    )?;
    if let Some(csp) = csp_with_tiles(&settings.tile_url) {
        if let Ok(v) = header::HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(response)
}

/// The task's parcels as a GeoJSON FeatureCollection (WGS84), with each
/// household's stage and area: phone and notes only for those who may read
/// them (each such export logged for reviewers and administrators).
async fn geojson_export(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (who, tid) = (ctx.caller()?, *id);
    let m = ctx.db(move |c| app::export(c, &who, tid)).await?;
    let body = feature_collection(&m, ctx.locale);
    Ok(super::export::attachment(
        "application/geo+json",
        format!("thua-dat-{}.geojson", m.access.task.id),
        body.into_bytes(),
    ))
}

/// The parcels' box widened by about a kilometre, within Việt Nam.
fn near_box(parcels: &[db::parcels::Stored]) -> Option<(f64, f64, f64, f64)> {
    const MARGIN: f64 = 0.01;
    let (w, s, e, n) = parcels
        .iter()
        .fold(None, |b: Option<(f64, f64, f64, f64)>, p| {
            let (x, y) = (p.label_lon, p.label_lat);
            Some(match b {
                None => (x, y, x, y),
                Some((w, s, e, n)) => (w.min(x), s.min(y), e.max(x), n.max(y)),
            })
        })?;
    let (vw, vs, ve, vn) = crate::geo::VIETNAM;
    Some((
        (w - MARGIN).max(vw),
        (s - MARGIN).max(vs),
        (e + MARGIN).min(ve),
        (n + MARGIN).min(vn),
    ))
}

/// The FeatureCollection of a task's map (shared with the API).
pub(crate) fn feature_collection(m: &TaskMap, locale: Locale) -> String {
    let by_id: std::collections::HashMap<i64, &Household> =
        m.households.iter().map(|h| (h.id, h)).collect();
    let personal = m.access.sight != Sight::Masked;
    let mut out = String::from(r#"{"type":"FeatureCollection","features":["#);
    let mut first = true;
    for p in &m.parcels {
        let Some(h) = by_id.get(&p.household_id) else {
            continue;
        };
        let stage = stage_of(h);
        let mut props = json!({
            "household_id": h.id,
            "head_name": h.head_name,
            "address": h.address,
            "map_sheet": h.map_sheet,
            "parcel_no": h.parcel_no,
            "stage": stage.as_str(),
            "stage_name": i18n::t(locale, &format!("stage-{}", stage.as_str())),
            "stage_group": stage.group().as_str(),
            "area_m2": (p.area_m2 * 10.0).round() / 10.0,
            "declared_area_m2": h.area_m2,
            "last_visit_on": h.last_visit_on,
        });
        if personal {
            props["phone"] = json!(h.phone);
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(r#"{"type":"Feature","geometry":"#);
        out.push_str(&p.geometry);
        out.push_str(r#","properties":"#);
        out.push_str(&props.to_string());
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// A small map of one household's parcel, for its page.
pub(crate) fn household_parcel_svg(
    locale: Locale,
    h: &Household,
    parcel: &db::parcels::Stored,
) -> Option<String> {
    let shape = crate::geo::stored(&parcel.geometry)?;
    let stage = stage_of(h);
    let drawn = [Drawn {
        shape: &shape,
        group: stage.group(),
        label: &h.parcel_no,
        label_at: (parcel.label_lon, parcel.label_lat),
        href: format!("/tasks/{}/map", h.task_id),
        title: parcel_text(locale, &h.map_sheet, &h.parcel_no),
        dim: false,
    }];
    map::svg(
        &drawn,
        &[],
        &words(locale, parcel_text(locale, &h.map_sheet, &h.parcel_no)),
        None,
    )
}

/// The map of every parcel of the tasks under a unit, coloured the same way:
/// `None` when there are none, `Err(count)` past what one page draws.
pub(crate) fn unit_map(
    conn: &mut db::DbConnection,
    locale: Locale,
    unit: &db::units::Unit,
) -> AppResult<Option<Result<String, usize>>> {
    const MOST: usize = 5_000;
    let rows = db::parcels::of_unit(conn, &unit.path, MOST as i64 + 1)?;
    if rows.is_empty() {
        return Ok(None);
    }
    if rows.len() > MOST {
        return Ok(Some(Err(MOST)));
    }
    let shapes: Vec<Option<geo::MultiPolygon<f64>>> = rows
        .iter()
        .map(|(p, ..)| crate::geo::stored(&p.geometry))
        .collect();
    let drawn: Vec<Drawn<'_>> = rows
        .iter()
        .zip(&shapes)
        .filter_map(|((p, stage, sheet, parcel), shape)| {
            let stage = ConsentStage::parse(stage).unwrap_or(ConsentStage::NotContacted);
            Some(Drawn {
                shape: shape.as_ref()?,
                group: stage.group(),
                label: parcel,
                label_at: (p.label_lon, p.label_lat),
                href: format!("/households/{}", p.household_id),
                title: format!(
                    "{} — {}",
                    parcel_text(locale, sheet, parcel),
                    i18n::t(locale, &format!("stage-{}", stage.as_str()))
                ),
                dim: false,
            })
        })
        .collect();
    let title = i18n::t_args(locale, "map-title-of", &[("task", unit.name.clone())]);
    Ok(map::svg(&drawn, &[], &words(locale, title), None).map(Ok))
}

/// The map of a project's public page: every household's parcel by its
/// stage group, without numbers, links or places; kept while the data is
/// unchanged, as the task map is. `None` until parcels exist.
pub(crate) fn public_map(
    state: &crate::state::AppState,
    conn: &mut db::DbConnection,
    locale: Locale,
    access: crate::app::tasks::Access,
) -> AppResult<Option<String>> {
    if db::parcels::of_task_count(conn, access.task.id)? == 0 {
        return Ok(None);
    }
    let version = db::audit::data_version(conn)?;
    let key = format!("public|{}|{}", access.task.id, locale.code());
    let drawing = state.maps.get_or(key, version, || {
        let m = app::map_of(conn, access)?;
        Ok::<_, AppError>(draw(locale, &m, &|_| true, None, true))
    })?;
    Ok(drawing.svg.clone())
}
