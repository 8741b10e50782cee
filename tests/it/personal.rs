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
