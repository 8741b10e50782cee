//! Personal details of households: in full for the people working the task,
//! logged when a reviewer or administrator reads them, masked for everyone
//! else; an administrator exports everything held about a household and
//! erases its personal details once the task is closed, keeping the figures.

use crate::common;

use common::{new_client, spawn, TestApp, PASSWORD};
use danvan::db::{self, households::HouseholdFields, households::NewVisit};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::{Client, StatusCode};

const PHONE: &str = "0912345678";
const NOTES: &str = "Gia đình có người ốm nặng";
const SAID: &str = "Ông Thụy kể về khoản nợ ngân hàng";

struct World {
    app: TestApp,
    task: i64,
    household: i64,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let totac = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    app.user("quantri", ward, &[(Role::Admin, ward)]);
    let mut conn = app.conn();
    let mut fields = common::task_fields(ward, capuy, "Mương Thụy Khuê", None, 2026);
    fields.team = vec![totac];
    let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
    let h = HouseholdFields {
        head_name: "Nguyễn Văn Thụy".into(),
        address: "Số 5 ngõ 12 Thụy Khuê".into(),
        residential_group: "Tổ 3".into(),
        map_sheet: "12".into(),
        parcel_no: "345".into(),
        area_m2: 120.5,
        land_type: "ODT".into(),
        priority_groups: String::new(),
        phone: PHONE.into(),
        notes: NOTES.into(),
    };
    // Created through the audit, whose record holds the details too.
    let household = db::audit::write(&mut conn, &db::audit::Actor::default(), |c| {
        Ok(db::households::create(c, &task, &h)?)
    })
    .unwrap();
    let visit = NewVisit {
        visited_on: format::today(),
        kind: "door_to_door".into(),
        members: vec![],
        others: String::new(),
        household_said: SAID.into(),
        concerns: String::new(),
        stage_after: ConsentStage::Agrees,
        reason: Some("Gia đình đồng ý".into()),
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    };
    db::households::append_visit(&mut conn, &task, &household, &visit, capuy).unwrap();
    World {
        app,
        task: task.id,
        household: household.id,
    }
}

async fn as_user(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    let r = app.login_with(&c, username, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

fn reads(app: &TestApp, action: &str) -> i64 {
    use danvan::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn personal_details_are_full_for_the_team_logged_for_reviewers_and_masked_for_viewers() {
    let w = world().await;
    let page = format!("/households/{}", w.household);

    let viewer = as_user(&w.app, "xem").await;
    let html = w.app.get_with(&viewer, &page).await.text().await.unwrap();
    assert!(html.contains("•••••••678"), "{html}");
    assert!(!html.contains(PHONE) && !html.contains(NOTES));
    assert!(html.contains("chỉ hiện với người phụ trách"));
    let csv = w
        .app
        .get_with(&viewer, &format!("/tasks/{}/households.csv", w.task))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("•••••••678") && !csv.contains(PHONE) && !csv.contains(NOTES),
        "{csv}"
    );

    let team = as_user(&w.app, "totac").await;
    let html = w.app.get_with(&team, &page).await.text().await.unwrap();
    assert!(html.contains(PHONE) && html.contains(NOTES));
    assert_eq!(
        reads(&w.app, "read_personal"),
        0,
        "the team's reads are not logged"
    );

    let reviewer = as_user(&w.app, "mttq").await;
    let version = db::audit::data_version(&mut w.app.conn()).unwrap();
    let html = w.app.get_with(&reviewer, &page).await.text().await.unwrap();
    assert!(html.contains(PHONE) && html.contains(NOTES));
    assert_eq!(
        reads(&w.app, "read_personal"),
        1,
        "the reviewer's read is logged"
    );
    let csv = w
        .app
        .get_with(&reviewer, &format!("/tasks/{}/households.csv", w.task))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(PHONE));
    assert_eq!(reads(&w.app, "read_personal"), 2, "and so is their export");
    assert_eq!(
        db::audit::data_version(&mut w.app.conn()).unwrap(),
        version,
        "a logged read changes no data"
    );
}

#[tokio::test]
async fn an_administrator_exports_a_household_and_erases_it_once_the_task_is_closed() {
    let w = world().await;
    let admin = as_user(&w.app, "quantri").await;
    let viewer = as_user(&w.app, "xem").await;
    let data = format!("/households/{}/personal-data", w.household);
    assert_eq!(
        w.app.get_with(&viewer, &data).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = w.app.get_with(&admin, &data).await;
    assert_eq!(r.status(), StatusCode::OK);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["household"]["phone"], PHONE);
    assert_eq!(json["visits"][0]["visit"]["household_said"], SAID);
    let actions: Vec<&str> = json["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "export_personal"]);
    assert_eq!(reads(&w.app, "export_personal"), 1);

    // Refused while the task is open; nothing erased.
    let erase = format!("/households/{}/erase", w.household);
    let r = w.app.post_with(&admin, &erase, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let h = db::households::find(&mut w.app.conn(), w.household).unwrap();
    assert_eq!(h.phone, PHONE);
    let html = w
        .app
        .get_with(&admin, &format!("/households/{}", w.household))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("khi việc đã hoàn thành hoặc đã hủy"));

    {
        use danvan::db::schema::tasks;
        diesel::update(tasks::table.find(w.task))
            .set(tasks::status.eq("completed"))
            .execute(&mut w.app.conn())
            .unwrap();
    }
    // Only an administrator.
    let team = as_user(&w.app, "totac").await;
    assert_eq!(
        w.app.post_with(&team, &erase, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = w.app.post_with(&admin, &erase, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let mut conn = w.app.conn();
    let h = db::households::find(&mut conn, w.household).unwrap();
    assert_eq!(h.head_name, format!("#{}", w.household));
    assert!(
        h.phone.is_empty() && h.notes.is_empty() && h.address.is_empty() && h.parcel_no.is_empty()
    );
    assert_eq!(
        (h.stage.as_str(), h.area_m2),
        ("agrees", 120.5),
        "the figures stay"
    );
    let history = db::households::history(&mut conn, w.household).unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].0.household_said.is_empty());
    common::assert_totals_equal_a_recount(&mut conn);
    let trail: Vec<String> = db::audit::of_entity(&mut conn, "household", w.household)
        .unwrap()
        .into_iter()
        .map(|e| e.changes)
        .collect();
    assert!(
        trail
            .iter()
            .all(|c| !c.contains(PHONE) && !c.contains("Nguyễn Văn Thụy")),
        "{trail:?}"
    );
    assert_eq!(reads(&w.app, "erase_personal"), 1);
    // Search no longer finds the name.
    let html = w
        .app
        .get_with(&admin, "/search?q=nguyen+van+thuy")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Nguyễn Văn Thụy"));
}

const PHOTO: &[u8] = include_bytes!("../fixtures/photos/phone.jpg");
const PNG: &[u8] = include_bytes!("../fixtures/photos/text.png");

/// Posts the visit form as a phone's browser does once a photo is chosen
/// (multipart, the token in the address).
async fn visit_with_photos(
    app: &TestApp,
    client: &Client,
    household: i64,
    fields: &[(&str, &str)],
    photos: &[(&str, &[u8])],
) -> reqwest::Response {
    use reqwest::multipart::{Form, Part};
    let token = app.on(client).csrf().await;
    let mut form = Form::new()
        .text("visited_on", format::date(format::today()))
        .text("kind", "door_to_door")
        .text("stage_after", "agrees");
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in photos {
        form = form.part(
            "photos",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    client
        .post(app.url(&format!("/households/{household}/visits?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn gps_in(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .is_ok_and(|e| {
            e.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        })
}

fn stored(app: &TestApp, household: i64) -> Vec<(db::households::VisitPhoto, Vec<u8>)> {
    db::households::photos(&mut app.conn(), household, None)
        .unwrap()
        .into_iter()
        .map(|p| {
            let bytes = danvan::attachments::load(&app.db.data_dir(), &p.sha256).unwrap();
            (p, bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_visit_carries_photos_without_their_place_seen_as_personal_details_are() {
    let w = world().await;
    let team = as_user(&w.app, "totac").await;
    let page = format!("/households/{}", w.household);
    let visits = || {
        db::households::history(&mut w.app.conn(), w.household)
            .unwrap()
            .len()
    };

    // Refused whole, with what was typed kept: six photos, or a file that
    // is not a photo whatever its name says.
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("anh.jpg", PHOTO)).collect();
    let r = visit_with_photos(
        &w.app,
        &team,
        w.household,
        &[("household_said", "Đã ký biên bản")],
        &six,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("tối đa 5 ảnh") && html.contains("Đã ký biên bản"),
        "{html}"
    );
    let pdf_named_jpg: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let r = visit_with_photos(
        &w.app,
        &team,
        w.household,
        &[],
        &[("anh.jpg", pdf_named_jpg)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Chỉ nhận ảnh JPG hoặc PNG"));
    assert_eq!(visits(), 1, "nothing stored");
    assert!(stored(&w.app, w.household).is_empty());

    // Two photos; the place the camera wrote goes, the picture's turn stays.
    let r = visit_with_photos(
        &w.app,
        &team,
        w.household,
        &[],
        &[("IMG_0001.jpg", PHOTO), ("giay.png", PNG)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let photos = stored(&w.app, w.household);
    assert_eq!(photos.len(), 2);
    assert!(gps_in(PHOTO) && !gps_in(&photos[0].1));
    assert_eq!(
        (
            photos[0].0.content_type.as_str(),
            photos[1].0.content_type.as_str()
        ),
        ("image/jpeg", "image/png")
    );
    assert_eq!((photos[0].0.position, photos[1].0.position), (1, 2));
    // With the place recorded by the member, the photo keeps it.
    let r = visit_with_photos(
        &w.app,
        &team,
        w.household,
        &[
            ("device_id", "phone-0001-abcdef"),
            ("latitude", "21.0712"),
            ("longitude", "105.8191"),
            ("accuracy_m", "12"),
        ],
        &[("IMG_0002.jpg", PHOTO)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let photos = stored(&w.app, w.household);
    assert!(gps_in(&photos[2].1));

    // The team sees them; a reviewer too, the look logged; a viewer neither
    // on the page nor by the address.
    let first = format!("{page}/photos/{}", photos[0].0.id);
    let html = w.app.get_with(&team, &page).await.text().await.unwrap();
    assert!(html.contains(&format!("src=\"{first}\"")), "{html}");
    let r = w.app.get_with(&team, &first).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap(), photos[0].1);
    let viewer = as_user(&w.app, "xem").await;
    let html = w.app.get_with(&viewer, &page).await.text().await.unwrap();
    assert!(!html.contains("/photos/"));
    assert_eq!(
        w.app.get_with(&viewer, &first).await.status(),
        StatusCode::FORBIDDEN
    );
    let reviewer = as_user(&w.app, "mttq").await;
    let before = reads(&w.app, "read_personal");
    assert_eq!(
        w.app.get_with(&reviewer, &first).await.status(),
        StatusCode::OK
    );
    assert_eq!(reads(&w.app, "read_personal"), before + 1);
    // Another household's photo is not reached through this one.
    assert_eq!(
        w.app
            .get_with(
                &team,
                &format!("/households/{}/photos/{}", w.household + 1, photos[0].0.id)
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Erased with the household: rows, files and the place of its visits.
    {
        use danvan::db::schema::tasks;
        diesel::update(tasks::table.find(w.task))
            .set(tasks::status.eq("completed"))
            .execute(&mut w.app.conn())
            .unwrap();
    }
    let admin = as_user(&w.app, "quantri").await;
    let r = w
        .app
        .post_with(&admin, &format!("/households/{}/erase", w.household), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(db::households::photos(&mut w.app.conn(), w.household, None)
        .unwrap()
        .is_empty());
    for (p, _) in &photos {
        assert!(danvan::attachments::load(&w.app.db.data_dir(), &p.sha256).is_err());
    }
    let history = db::households::history(&mut w.app.conn(), w.household).unwrap();
    assert!(history
        .iter()
        .all(|(v, _)| v.latitude.is_none() && v.longitude.is_none()));
    assert_eq!(
        w.app.get_with(&team, &first).await.status(),
        StatusCode::NOT_FOUND
    );
}
