//! Parcels on a map: cadastral files (made by GDAL's `ogr2ogr`, in
//! `tests/fixtures/parcels/`) imported with a preview that saves nothing
//! until confirmed, in WGS84 and VN-2000; bad shapes and hostile files as
//! errors; the task's map page, its GeoJSON, the household's parcel, the
//! unit's map on the dashboard, and the API.

use crate::common;

use common::{location, new_client, spawn, token_for, Browser, TestApp};
use danvan::db::{self, households::NewVisit};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parcels");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

struct World {
    app: TestApp,
    ward: i64,
    task: i64,
    /// Sheet 24, parcels 101..=110 (in the files) and 111 (not in them).
    households: Vec<i64>,
    capuy: Browser,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let other = app.unit(app.root, UnitKind::Ward, "Phường Bưởi");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    app.user("khac", other, &[(Role::Committee, other)]);
    app.user("quantri", ward, &[(Role::Admin, ward)]);
    let mut conn = app.conn();
    let fields = common::task_fields(ward, capuy, "Mương Thụy Khuê", None, 2026);
    let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
    let mut households = Vec::new();
    for n in 101..=111 {
        let mut h = common::household(&format!("Hộ thửa {n}"), &n.to_string(), 200.0);
        h.map_sheet = "24".into();
        h.phone = format!("0912{n:06}");
        households.push(db::households::create(&mut conn, &task, &h).unwrap().0.id);
    }
    World {
        capuy: app.browser("capuy").await,
        app,
        ward,
        task: task.id,
        households,
    }
}

async fn upload(b: &Browser, task: i64, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = b.csrf().await;
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    b.client
        .post(b.url(&format!("/tasks/{task}/parcels/import?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn parcels(app: &TestApp) -> Vec<(i64, f64, String)> {
    use danvan::db::schema::parcels::dsl as p;
    p::parcels
        .select((p::household_id, p::area_m2, p::geometry))
        .order(p::household_id)
        .load(&mut app.conn())
        .unwrap()
}

/// How many audit entries of `action` there are.
fn logged(app: &TestApp, action: &str) -> i64 {
    use danvan::db::schema::audit_log::dsl as a;
    a::audit_log
        .filter(a::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Uploads a file and answers the preview page's address and text.
async fn preview_of(w: &World, name: &str) -> (String, String) {
    let r = upload(&w.capuy, w.task, name, fixture(name)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    let at = location(&r);
    let html = w.capuy.page_ok(&at).await;
    (at, html)
}

#[tokio::test]
async fn every_file_gdal_writes_is_previewed_then_saved_on_confirmation() {
    let w = world().await;
    let mut areas: Option<Vec<f64>> = None;
    for name in [
        "wgs84.geojson",
        "vn2000.geojson",
        "vn2000-shp.zip",
        "wgs84-shp.zip",
        "vn2000-nested.zip",
    ] {
        let (at, html) = preview_of(&w, name).await;
        assert!(
            html.contains("11 hình; 10 ghép được với hộ, 1 không có hộ tương ứng, 0 lỗi"),
            "{name}: {html}"
        );
        if name.starts_with("vn2000") {
            assert!(html.contains("VN-2000, KTT 105°00&#x27;, 3°"), "{name}");
        }
        // The household the file has no shape for is named.
        assert!(html.contains("Hộ thửa 111"), "{name}");
        assert!(html.contains("Không có hộ"), "{name}: parcel 199");
        assert!(
            parcels(&w.app).is_empty() || areas.is_some(),
            "nothing saved before"
        );
        let before = parcels(&w.app);
        // Confirming saves the ten matched shapes; the same areas whatever
        // the file's format and system.
        let r = w.capuy.post(&at, common::NO_FIELDS).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(location(&r), format!("/tasks/{}/map", w.task));
        let after = parcels(&w.app);
        assert_eq!(after.len(), 10, "{name}");
        let got: Vec<f64> = after.iter().map(|p| p.1).collect();
        match &areas {
            None => {
                assert!(before.is_empty());
                areas = Some(got);
            }
            Some(first) => {
                for (a, b) in first.iter().zip(&got) {
                    assert!((a - b).abs() < 0.5, "{name}: {a} vs {b}");
                }
            }
        }
        // A staged file is gone once confirmed.
        let (status, _) = w.capuy.page(&at).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
    // Parcel 105 is two parts, kept as one MultiPolygon.
    let p105 = &parcels(&w.app)[4];
    let g: serde_json::Value = serde_json::from_str(&p105.2).unwrap();
    assert_eq!(g["type"], "MultiPolygon");
    assert_eq!(g["coordinates"].as_array().unwrap().len(), 2);
    assert_eq!(logged(&w.app, "import_parcels"), 5);
}

#[tokio::test]
async fn a_file_that_names_no_system_is_read_in_the_units_province_zone() {
    let w = world().await;
    let (at, html) = preview_of(&w, "vn2000-noprj-shp.zip").await;
    assert!(html.contains("Tệp không ghi hệ tọa độ"), "{html}");
    assert!(!html.contains("Lưu 10 hình"), "no confirm without a system");
    // Confirming anyway saves nothing.
    let r = w.capuy.post(&at, common::NO_FIELDS).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(parcels(&w.app).is_empty());
    // Chosen on the preview…
    let html = w
        .capuy
        .page_ok(&format!("{at}?system=H%C3%A0+N%E1%BB%99i"))
        .await;
    assert!(html.contains("10 ghép được với hộ"), "{html}");
    // …or set once for the unit (an ancestor's setting holds below it).
    let admin = w.app.browser("quantri").await;
    let r = admin
        .post(
            &format!("/admin/units/{}/map", w.ward),
            &[
                ("province", "Hà Nội"),
                ("tile_url", ""),
                ("tile_attribution", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = w.capuy.page_ok(&at).await;
    assert!(html.contains("VN-2000, KTT 105°00&#x27;, 3°"), "{html}");
    assert!(html.contains("10 ghép được với hộ"));
    // Another province's zone is what the preview then says it reads.
    let html = w.capuy.page_ok(&format!("{at}?system=C%C3%A0+Mau")).await;
    assert!(html.contains("VN-2000, KTT 104°30&#x27;, 3°"), "{html}");
    let r = w.capuy.post(&at, &[("system", "Hà Nội")]).await;
    assert_eq!(location(&r), format!("/tasks/{}/map", w.task));
    assert_eq!(parcels(&w.app).len(), 10);
}

#[tokio::test]
async fn the_sheet_and_parcel_columns_are_chosen_on_the_preview() {
    let w = world().await;
    let (at, html) = preview_of(&w, "vn2000-shp.zip").await;
    // SHBANDO and SHTHUA are recognised and chosen.
    assert!(
        html.contains(r#"<option value="SHBANDO" selected>"#),
        "{html}"
    );
    assert!(html.contains(r#"<option value="SHTHUA" selected>"#));
    // Another column for the parcel number matches nothing.
    let html = w.capuy.page_ok(&format!("{at}?parcel=DienTich")).await;
    assert!(html.contains("0 ghép được với hộ"), "{html}");
    assert!(html.contains("Chưa có hình nào ghép được để lưu"));
    // A column the file does not have falls back to the usual one.
    let html = w.capuy.page_ok(&format!("{at}?parcel=%3Cscript%3E")).await;
    assert!(html.contains("10 ghép được với hộ"));
    assert!(!html.contains("<script>"));
}

#[tokio::test]
async fn bad_shapes_are_row_errors_and_the_good_ones_are_saved() {
    let w = world().await;
    let (at, html) = preview_of(&w, "bad.geojson").await;
    for message in [
        "Ranh thửa tự cắt.",
        "Hình rỗng.",
        "Không phải vùng (polygon).",
        "Nằm ngoài lãnh thổ Việt Nam",
        "Vòng ranh không khép kín.",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert!(html.contains("1 ghép được với hộ"));
    w.capuy.post(&at, common::NO_FIELDS).await;
    let saved = parcels(&w.app);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].0, w.households[0]);
}

/// A zip whose one entry unpacks to 200 MB of zeros.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("ranh.shp", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        z.write_all(&zeros).unwrap();
    }
    z.start_file("ranh.dbf", opts).unwrap();
    z.write_all(b"x").unwrap();
    z.finish().unwrap();
    out.into_inner()
}

/// The fixture's Shapefile with its first record claiming two billion points
/// (header 100 bytes, record header 8, shape type 4, box 32, parts 4, then
/// the number of points).
fn lying_shapefile() -> Vec<u8> {
    patched_shapefile(|b| b[148..152].copy_from_slice(&i32::MAX.to_le_bytes()))
}

#[tokio::test]
async fn hostile_files_are_refused_with_a_message() {
    let w = world().await;
    let two_layers = {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for n in ["a.shp", "a.dbf", "b.shp", "b.dbf"] {
            z.start_file(n, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"x").unwrap();
        }
        z.finish().unwrap();
        out.into_inner()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "rac.geojson",
            b"{\"type\": \"FeatureCollection\", \"features\": [".to_vec(),
            "Không đọc được tệp",
        ),
        (
            "anh.zip",
            b"PK\x03\x04 not a zip".to_vec(),
            "Không đọc được tệp",
        ),
        ("bom.zip", zip_bomb(), "Tệp quá lớn"),
        ("hai-lop.zip", two_layers, "nhiều lớp .shp"),
        ("noi-doi.zip", lying_shapefile(), "Không đọc được tệp"),
        (
            "rong.geojson",
            br#"{"type":"FeatureCollection","features":[]}"#.to_vec(),
            "Tệp không có hình nào",
        ),
        (
            "hinh.geojson",
            br#"{"type":"Polygon","coordinates":[]}"#.to_vec(),
            "không có thuộc tính",
        ),
    ];
    for (name, bytes, message) in cases {
        let r = upload(&w.capuy, w.task, name, bytes).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{name}: {html}");
    }
    // Larger than the limit: refused while reading.
    let r = upload(
        &w.capuy,
        w.task,
        "lon.geojson",
        vec![b' '; 21 * 1024 * 1024],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(parcels(&w.app).is_empty());
}

#[tokio::test]
async fn only_those_who_edit_the_task_import_and_only_the_uploader_confirms() {
    let w = world().await;
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    for user in ["xem", "mttq", "khac"] {
        let b = w.app.browser(user).await;
        let (status, _) = b.page(&format!("/tasks/{}/parcels/import", w.task)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let r = upload(&b, w.task, "wgs84.geojson", fixture("wgs84.geojson")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user}");
        let r = b.post(&at, common::NO_FIELDS).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user}");
    }
    // Another editor of the task cannot see or confirm someone else's file.
    let ward = w.ward;
    w.app.user("capuy2", ward, &[(Role::Committee, ward)]);
    let other = w.app.browser("capuy2").await;
    assert_eq!(other.page(&at).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post(&at, common::NO_FIELDS).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(parcels(&w.app).is_empty());
}

/// Moves a household to `stage` with a visit (at `place` when given).
fn visit(app: &TestApp, household: i64, stage: ConsentStage, place: Option<(f64, f64)>) {
    let mut conn = app.conn();
    let h = db::households::find(&mut conn, household).unwrap();
    let task = db::tasks::find(&mut conn, h.task_id).unwrap();
    let v = NewVisit {
        visited_on: common::day(2026, 3, 2),
        kind: "door_to_door".into(),
        members: vec![task.owner_id],
        others: String::new(),
        household_said: String::new(),
        concerns: String::new(),
        stage_after: stage,
        reason: Some("test".into()),
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    };
    let (id, _) = db::households::append_visit(&mut conn, &task, &h, &v, task.owner_id).unwrap();
    if let Some((lon, lat)) = place {
        use danvan::db::schema::visits::dsl as vs;
        diesel::update(vs::visits.find(id))
            .set((vs::latitude.eq(lat), vs::longitude.eq(lon)))
            .execute(&mut conn)
            .unwrap();
    }
}

/// Whether the map draws household `h`'s parcel with `class`, as a link.
fn drawn_as(html: &str, h: i64, class: &str) -> bool {
    let Some(start) = html.find(&format!(r#"<a href="/households/{h}"><title>"#)) else {
        return false;
    };
    let end = start + html[start..].find("</a>").unwrap();
    html[start..end].contains(&format!(r#"<path class="{class}""#))
}

#[tokio::test]
async fn the_map_colours_parcels_by_stage_links_them_and_lists_the_rest() {
    let w = world().await;
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    w.capuy.post(&at, common::NO_FIELDS).await;
    visit(
        &w.app,
        w.households[0],
        ConsentStage::HandedOver,
        Some((105.8231, 21.0691)),
    );
    visit(&w.app, w.households[1], ConsentStage::Considering, None);
    let map = format!("/tasks/{}/map", w.task);
    let html = w.capuy.page_ok(&map).await;
    // Handed over (g4), being persuaded (g1), not reached (g0).
    assert!(drawn_as(&html, w.households[0], "g4"));
    assert!(drawn_as(&html, w.households[1], "g1"));
    assert!(drawn_as(&html, w.households[2], "g0"));
    assert_eq!(
        html.matches("<a href=\"/households/").count(),
        10 + 1,
        "ten parcels and one listed"
    );
    // Labels where they fit, a dot for the visit with a place, the scale
    // bar and north arrow, the legend with households per group.
    assert!(html.contains(">101</text>"));
    assert!(html.contains("<circle"));
    assert!(html.contains(" m</text>"));
    assert!(html.contains(r#"<g class="north""#));
    assert!(
        html.contains("Đã bàn giao</td><td class=\"num\">1</td>"),
        "{html}"
    );
    assert!(html.contains("Chưa tiếp cận</td><td class=\"num\">9</td>"));
    // The household without a shape is listed beside the map.
    assert!(html.contains("Hộ chưa có hình thửa đất"));
    assert!(html.contains(&format!(
        r#"<a href="/households/{}">Hộ thửa 111</a>"#,
        w.households[10]
    )));
    // A filter by stage group keeps the others as outlines.
    let html = w.capuy.page_ok(&format!("{map}?group=persuading")).await;
    assert!(drawn_as(&html, w.households[1], "g1"));
    assert!(drawn_as(&html, w.households[0], "dim"));
    assert!(!html.contains("Hộ thửa 111"), "the list follows the filter");
    // …and so does one stage of the legal order.
    let html = w.capuy.page_ok(&format!("{map}?stage=considering")).await;
    assert!(drawn_as(&html, w.households[1], "g1"));
    assert!(drawn_as(&html, w.households[2], "dim"));
    assert!(html.contains(r#"<option value="considering" selected>"#));
    // The print layout: A3 landscape when asked, with the task, unit and date.
    let html = w.capuy.page_ok(&format!("{map}?paper=a3")).await;
    assert!(html.contains(r#"class="map-page paper-a3""#));
    assert!(html.contains("Phường Tây Hồ"));
    assert!(html.contains(&danvan::domain::format::date(
        danvan::domain::format::today()
    )));
    // A household's page shows its parcel.
    let html = w
        .capuy
        .page_ok(&format!("/households/{}", w.households[0]))
        .await;
    assert!(html.contains(r#"<figure class="parcel-figure">"#));
    assert!(html.contains("diện tích theo hình"));
    let html = w
        .capuy
        .page_ok(&format!("/households/{}", w.households[10]))
        .await;
    assert!(!html.contains("parcel-figure"));
    // The unit's dashboard draws every task's parcels.
    let html = w
        .capuy
        .page_ok(&format!("/dashboard?unit={}", w.ward))
        .await;
    assert!(html.contains("Bản đồ các thửa đất của đơn vị"));
    assert_eq!(html.matches("<path class=\"g").count(), 10);
    // Another ward's committee cannot see the map.
    let b = w.app.browser("khac").await;
    assert_eq!(b.page(&map).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_parcels_go_out_as_geojson_without_personal_details_for_viewers() {
    let w = world().await;
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    w.capuy.post(&at, common::NO_FIELDS).await;
    let path = format!("/tasks/{}/parcels.geojson", w.task);
    let r = w.capuy.get(w.capuy.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let fc: serde_json::Value = r.json().await.unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 10);
    let p = &features[0]["properties"];
    assert_eq!(p["parcel_no"], "101");
    assert_eq!(p["stage_group"], "not_reached");
    assert!(p["area_m2"].as_f64().unwrap() > 100.0);
    assert_eq!(p["phone"], "0912000101");
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    // A viewer gets the shapes and stages, not the phone numbers.
    let viewer = w.app.browser("xem").await;
    let fc: serde_json::Value = viewer
        .get(viewer.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(fc["features"][0]["properties"].get("phone").is_none());
    // A reviewer's export is logged as a reading of personal details.
    let reviewer = w.app.browser("mttq").await;
    reviewer.page_ok(&path).await;
    assert_eq!(logged(&w.app, "read_personal"), 1);
}

#[tokio::test]
async fn the_api_reads_writes_and_removes_a_households_shape() {
    let w = world().await;
    let mut conn = w.app.conn();
    let capuy = db::users::find_by_username(&mut conn, "capuy")
        .unwrap()
        .unwrap()
        .id;
    let xem = db::users::find_by_username(&mut conn, "xem")
        .unwrap()
        .unwrap()
        .id;
    let (token, viewer) = (token_for(&w.app, capuy), token_for(&w.app, xem));
    let client = new_client();
    let h = w.households[3];
    let url = w.app.url(&format!("/api/v1/households/{h}/shape"));
    let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let square = serde_json::json!({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[105.823, 21.069], [105.8231, 21.069], [105.8231, 21.0691], [105.823, 21.0691], [105.823, 21.069]]]}});
    let r = client
        .put(&url)
        .bearer_auth(&token)
        .json(&square)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let out: serde_json::Value = r.json().await.unwrap();
    assert_eq!(out["type"], "Feature");
    assert_eq!(out["geometry"]["type"], "MultiPolygon");
    let area = out["properties"]["area_m2"].as_f64().unwrap();
    assert!((area - 114.9).abs() < 1.0, "{area}");
    let r = client.get(&url).bearer_auth(&viewer).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "viewers read shapes");
    // Bad shapes are 422 on the `geometry` field; viewers may not write.
    for bad in [
        serde_json::json!({"type": "Point", "coordinates": [105.8, 21.0]}),
        serde_json::json!({"type": "Polygon", "coordinates": [[[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]]}),
        serde_json::json!({"type": "Polygon", "coordinates": [[[105.0, 21.0], [105.001, 21.001], [105.001, 21.0], [105.0, 21.001], [105.0, 21.0]]]}),
        serde_json::json!({"type": "Feature", "geometry": null}),
        serde_json::json!({"hello": 1}),
        serde_json::json!([1, 2]),
    ] {
        let r = client
            .put(&url)
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["geometry"].is_object(), "{body}");
    }
    let r = client
        .put(&url)
        .bearer_auth(&viewer)
        .json(&square)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The task's parcels as a FeatureCollection.
    let r = client
        .get(w.app.url(&format!("/api/v1/tasks/{}/parcels", w.task)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let fc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    // Removed once; a second time there is nothing.
    let r = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(parcels(&w.app).is_empty());
}

#[tokio::test]
async fn map_settings_refuse_a_tile_server_that_could_leave_its_attribute() {
    let w = world().await;
    let admin = w.app.browser("quantri").await;
    let path = format!("/admin/units/{}/map", w.ward);
    for (province, url) in [
        ("Atlantis", ""),
        ("", "http://tiles.example.vn/{z}/{x}/{y}.png"),
        ("", "https://tiles.example.vn/{z}/{x}.png"),
        ("", "https://tiles.example.vn/{z}/{x}/{y}.png\" onload=\"x"),
    ] {
        let r = admin
            .post(
                &path,
                &[
                    ("province", province),
                    ("tile_url", url),
                    ("tile_attribution", ""),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{province} {url}"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&handlebars::html_escape(url)),
            "what was typed is kept"
        );
    }
    // Committee members do not change a unit's settings.
    let (status, _) = w.capuy.page(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A tile server, once set, draws under the parcels and is allowed by
    // the page's content security policy.
    let r = admin
        .post(
            &path,
            &[
                ("province", "Hà Nội"),
                ("tile_url", "https://tiles.example.vn/{z}/{x}/{y}.png"),
                ("tile_attribution", "© Bản đồ nền"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    w.capuy.post(&at, common::NO_FIELDS).await;
    let r = w
        .capuy
        .get(w.capuy.url(&format!("/tasks/{}/map", w.task)))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("img-src 'self' data: https://tiles.example.vn"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<image href="https://tiles.example.vn/"#));
    assert!(html.contains("© Bản đồ nền"));
    // A unit below inherits it, and "-" switches it off there.
    let mut conn = w.app.conn();
    let group = w.app.unit(w.ward, UnitKind::ResidentialGroup, "Tổ 3");
    let path = db::units::find(&mut conn, group).unwrap().path;
    assert_eq!(
        db::parcels::settings_for(&mut conn, &path)
            .unwrap()
            .tile_url,
        "https://tiles.example.vn/{z}/{x}/{y}.png"
    );
    let r = admin
        .post(
            &format!("/admin/units/{group}/map"),
            &[
                ("province", ""),
                ("tile_url", "-"),
                ("tile_attribution", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let below = db::parcels::settings_for(&mut conn, &path).unwrap();
    assert_eq!(below.tile_url, "");
    assert_eq!(below.province, "Hà Nội", "the province is still inherited");
}

/// The fixture's Shapefile with bytes of its first record's first point
/// replaced by `f`.
fn patched_shapefile(f: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(fixture("wgs84-shp.zip"))).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for i in 0..src.len() {
        let mut entry = src.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.ends_with(".shp") {
            f(&mut bytes);
        }
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

fn geojson_of(features: &[serde_json::Value]) -> Vec<u8> {
    serde_json::json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

/// A square of `side` degrees at (lon, lat) with `n` points on each edge.
fn ring(lon: f64, lat: f64, side: f64, n: usize) -> Vec<[f64; 2]> {
    let mut r = Vec::new();
    for (x0, y0, dx, dy) in [
        (0.0, 0.0, 1.0, 0.0),
        (1.0, 0.0, 0.0, 1.0),
        (1.0, 1.0, -1.0, 0.0),
        (0.0, 1.0, 0.0, -1.0),
    ] {
        for i in 0..n {
            let t = i as f64 / n as f64;
            r.push([lon + side * (x0 + dx * t), lat + side * (y0 + dy * t)]);
        }
    }
    r.push(r[0]);
    r
}

async fn preview_bytes(
    w: &World,
    name: &str,
    bytes: Vec<u8>,
) -> (reqwest::StatusCode, String, String) {
    let r = upload(&w.capuy, w.task, name, bytes).await;
    let status = r.status();
    if status != StatusCode::SEE_OTHER {
        return (status, String::new(), r.text().await.unwrap());
    }
    let at = location(&r);
    let html = w.capuy.page_ok(&at).await;
    (status, at, html)
}

#[tokio::test]
async fn costly_and_unreadable_shapes_are_row_errors_and_big_files_refused() {
    let w = world().await;
    // A ring of 8.000 points, and 60 separate parts: refused per row, quickly.
    let parts: Vec<Vec<Vec<[f64; 2]>>> = (0..60)
        .map(|i| vec![ring(105.82 + i as f64 * 0.0002, 21.06, 0.0001, 1)])
        .collect();
    let file = geojson_of(&[
        serde_json::json!({"type": "Feature", "properties": {"SoTo": "24", "SoThua": 101},
            "geometry": {"type": "Polygon", "coordinates": [ring(105.823, 21.069, 0.0001, 2_000)]}}),
        serde_json::json!({"type": "Feature", "properties": {"SoTo": "24", "SoThua": 102},
            "geometry": {"type": "MultiPolygon", "coordinates": parts}}),
        // A Real field's whole number, as QGIS writes it, still matches.
        serde_json::json!({"type": "Feature", "properties": {"SoTo": 24.0, "SoThua": 103.0},
            "geometry": {"type": "Polygon", "coordinates": [ring(105.824, 21.069, 0.0001, 1)]}}),
    ]);
    let (_, _, html) = preview_bytes(&w, "phuc-tap.geojson", file).await;
    assert_eq!(html.matches("Hình quá phức tạp").count(), 2, "{html}");
    assert!(html.contains("1 ghép được với hộ"), "{html}");
    // A Shapefile point that is not a number.
    let nan = patched_shapefile(|b| b[156..164].copy_from_slice(&f64::NAN.to_le_bytes()));
    let (_, _, html) = preview_bytes(&w, "nan.zip", nan).await;
    assert!(html.contains("Tọa độ không đọc được."), "{html}");
    assert!(html.contains("10 ghép được với hộ") || html.contains("9 ghép được với hộ"));
    // More points in all than a ward's file has: refused as a whole.
    let many: Vec<serde_json::Value> = (0..80)
        .map(|i| {
            serde_json::json!({"type": "Feature", "properties": {"SoThua": i},
                "geometry": {"type": "Polygon", "coordinates": [ring(105.8, 21.0 + i as f64 * 0.001, 0.0005, 1_000)]}})
        })
        .collect();
    let (status, _, html) = preview_bytes(&w, "nhieu.geojson", geojson_of(&many)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("quá 300.000 điểm"), "{html}");
    // Past two hundred attribute names, the rest are left out.
    let wide: serde_json::Map<String, serde_json::Value> = (0..500)
        .map(|i| (format!("a{i}"), serde_json::json!(i)))
        .collect();
    let file = geojson_of(&[serde_json::json!({"type": "Feature", "properties": wide,
        "geometry": {"type": "Polygon", "coordinates": [ring(105.823, 21.069, 0.0001, 1)]}})]);
    let (_, _, html) = preview_bytes(&w, "rong.geojson", file).await;
    // Sixty attributes a shape are kept, in each of the two column lists
    // (and the system list's "auto").
    assert_eq!(html.matches(r#"<option value="a"#).count(), 2 * 60 + 1);
}

#[tokio::test]
async fn a_file_without_sheets_matches_by_number_where_the_number_is_unique() {
    let w = world().await;
    // Parcel 105 is also on sheet 25: by number alone it is ambiguous.
    {
        let mut conn = w.app.conn();
        let task = db::tasks::find(&mut conn, w.task).unwrap();
        let mut h = common::household("Hộ tờ 25", "105", 90.0);
        h.map_sheet = "25".into();
        db::households::create(&mut conn, &task, &h).unwrap();
    }
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    // "(none)" for the sheet is kept as chosen, not guessed back.
    let html = w.capuy.page_ok(&format!("{at}?sheet=-")).await;
    assert!(html.contains(r#"<option value="-" selected>"#), "{html}");
    assert!(html.contains("9 ghép được với hộ"), "{html}");
    assert!(html.contains("Số thửa này có ở nhiều tờ bản đồ"));
    let r = w
        .capuy
        .post(&at, &[("sheet", "-"), ("parcel", ""), ("system", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(parcels(&w.app).len(), 9);
    // Confirmed once: the same file again is gone.
    let r = w.capuy.post(&at, &[("sheet", "-")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(parcels(&w.app).len(), 9);
}

#[tokio::test]
async fn a_place_far_from_the_parcels_is_not_drawn_and_the_api_refuses_costly_shapes() {
    let w = world().await;
    let (at, _) = preview_of(&w, "wgs84.geojson").await;
    w.capuy.post(&at, common::NO_FIELDS).await;
    visit(
        &w.app,
        w.households[0],
        ConsentStage::NoticeReceived,
        Some((0.0, 0.0)),
    );
    visit(
        &w.app,
        w.households[1],
        ConsentStage::NoticeReceived,
        Some((105.8231, -90.0)),
    );
    visit(
        &w.app,
        w.households[2],
        ConsentStage::NoticeReceived,
        Some((105.8232, 21.0691)),
    );
    let html = w.capuy.page_ok(&format!("/tasks/{}/map", w.task)).await;
    assert_eq!(
        html.matches("<circle").count(),
        1,
        "only the place near the parcels"
    );
    assert!(!html.contains("NaN"));
    // Through the API: 60 parts, or a ring of 8.000 points, are refused.
    let mut conn = w.app.conn();
    let capuy = db::users::find_by_username(&mut conn, "capuy")
        .unwrap()
        .unwrap()
        .id;
    let token = token_for(&w.app, capuy);
    let url = w
        .app
        .url(&format!("/api/v1/households/{}/shape", w.households[3]));
    let parts: Vec<Vec<Vec<[f64; 2]>>> = (0..60)
        .map(|i| vec![ring(105.82 + i as f64 * 0.0002, 21.06, 0.0001, 1)])
        .collect();
    for body in [
        serde_json::json!({"type": "MultiPolygon", "coordinates": parts}),
        serde_json::json!({"type": "Polygon", "coordinates": [ring(105.823, 21.069, 0.0001, 2_000)]}),
    ] {
        let r = new_client()
            .put(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
