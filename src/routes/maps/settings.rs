//! A unit's map settings: its province (for the VN-2000 zone) and the
//! tile server drawn under its maps.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::context::Ctx;
use crate::db;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::geo::crs::PROVINCES;
use crate::i18n;
use crate::routes::{options, unit_settings, HtmlForm};

fn render_settings(
    ctx: &Ctx,
    unit: &db::units::Unit,
    set: &db::parcels::UnitMap,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut provinces = vec![(String::new(), i18n::t(ctx.locale, "map-province-inherit"))];
    provinces.extend(
        PROVINCES
            .iter()
            .map(|(n, d, m)| (n.to_string(), format!("{n} — KTT {d}°{m:02}'"))),
    );
    let mut page = unit_settings::page(unit, set, errors);
    page["provinces"] = json!(options(provinces, &set.province));
    ctx.render_status(status, "maps/settings", page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    province: String,
    tile_url: String,
    tile_attribution: String,
}

/// Checks a tile server's address: https, with `{z}`, `{x}` and `{y}`, and
/// nothing that could leave an attribute.
pub fn tile_url_error(url: &str) -> Option<&'static str> {
    if url.is_empty() || url == db::parcels::NO_TILES {
        return None;
    }
    // The host goes into the page's content security policy: letters,
    // digits, dots, hyphens and a port only.
    let host_ok = url
        .strip_prefix("https://")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        });
    let ok = host_ok
        && url.len() <= 300
        && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c));
    (!ok).then_some("map-error-tile-url")
}

pub(super) async fn settings(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (unit, set) = unit_settings::load(&ctx, *id, db::parcels::settings).await?;
    render_settings(&ctx, &unit, &set, &FieldErrors::default(), StatusCode::OK)
}

pub(super) async fn save_settings(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<SettingsForm>,
) -> AppResult<HttpResponse> {
    let (unit, _) = unit_settings::load(&ctx, *id, db::parcels::settings).await?;
    let f = form.0;
    let set = db::parcels::UnitMap {
        unit_id: unit.id,
        province: f.province.trim().to_string(),
        tile_url: f.tile_url.trim().to_string(),
        tile_attribution: f.tile_attribution.trim().to_string(),
        updated_at: db::now(),
    };
    let mut errors = FieldErrors::default();
    if !set.province.is_empty() && !PROVINCES.iter().any(|(p, _, _)| *p == set.province) {
        errors.add("province", "error-invalid-choice");
    }
    if let Some(key) = tile_url_error(&set.tile_url) {
        errors.add("tile_url", key);
    }
    if set.tile_attribution.chars().count() > 200 || set.tile_attribution.contains('\0') {
        errors.add("tile_attribution", "error-too-long");
    }
    if !errors.is_empty() {
        return render_settings(&ctx, &unit, &set, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let changes = json!({"province": set.province, "tiles": !set.tile_url.is_empty()});
    let write = db::parcels::set_settings;
    let logged = ("map_settings", changes);
    unit_settings::save(&ctx, unit.id, set, write, logged, "map").await
}
