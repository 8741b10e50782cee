//! The start page and the menu by role: each role sees its own entries and
//! starts with today's work.

use crate::common;

use common::spawn;
use danvan::db::{self, households::HouseholdFields, households::NewVisit};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::format;
use danvan::domain::units::UnitKind;

/// The paths the page's menu links to, in order.
fn menu(html: &str) -> Vec<String> {
    let nav = html.split("<nav").nth(1).unwrap_or("");
    let nav = nav.split("</nav>").next().unwrap_or("");
    nav.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_field_worker_sees_four_entries_and_starts_with_the_visits_due() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    let field = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let day = format::today();
    let mut conn = app.conn();
    let fields = common::task_fields(
        ward,
        field,
        "GPMB đường Văn Cao",
        Some(day - chrono::Duration::days(1)),
        2026,
    );
    let (task, _) = db::tasks::create(&mut conn, &fields, committee).unwrap();
    for (name, next) in [
        ("Nguyễn Văn Hậu", -2),
        ("Trần Thị Mai", 0),
        ("Lê Văn Sau", 30),
    ] {
        let h = HouseholdFields {
            head_name: name.into(),
            address: "Số 5, ngõ 12".into(),
            residential_group: String::new(),
            map_sheet: "24".into(),
            parcel_no: name.into(),
            area_m2: 100.0,
            land_type: String::new(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        };
        let (household, _) = db::households::create(&mut conn, &task, &h).unwrap();
        let visit = NewVisit {
            visited_on: day - chrono::Duration::days(7),
            kind: "door_to_door".into(),
            members: vec![],
            others: String::new(),
            household_said: String::new(),
            concerns: String::new(),
            stage_after: ConsentStage::NoticeReceived,
            reason: Some("dữ liệu thử".into()),
            next_step: String::new(),
            next_visit_on: Some(day + chrono::Duration::days(next)),
            corrects_id: None,
            dialogue_id: None,
            device: None,
        };
        db::households::append_visit(&mut conn, &task, &household, &visit, field).unwrap();
    }

    let totac = app.browser("totac").await;
    let first = db::households::due_for(&mut conn, field, day, &Default::default(), 0, 1)
        .unwrap()
        .rows[0]
        .household_id;
    let page = totac.page_ok(&format!("/households/{first}")).await;
    let members = page
        .split("id=\"members\"")
        .nth(1)
        .unwrap()
        .split("</select>")
        .next()
        .unwrap();
    assert!(
        members.contains(&format!("value=\"{field}\" selected")),
        "the member logging the visit is preselected: {members}"
    );
    let html = totac.page_ok("/").await;
    assert_eq!(
        menu(&html),
        ["/", "/visits/due", "/tasks/mine", "/search"],
        "the field worker's menu"
    );
    let visits = html
        .split("id=\"today-visits\"")
        .nth(1)
        .expect("a list of the visits due");
    assert!(visits.contains("(2)"), "two households are due: {visits}");
    let (hau, mai) = (
        visits.find("Nguyễn Văn Hậu").unwrap(),
        visits.find("Trần Thị Mai").unwrap(),
    );
    assert!(hau < mai, "the most overdue first");
    assert!(
        !visits.contains("Lê Văn Sau"),
        "a visit due next month is not today's work"
    );
    assert!(
        visits.contains("badge-overdue"),
        "the overdue one is marked"
    );
    assert!(
        !html.contains("id=\"today-overdue\""),
        "no overdue tasks list for a field worker"
    );

    // The committee of the same ward: the overdue task, a menu without the worklist.
    let html = app.browser("capuy").await.page_ok("/").await;
    let entries = menu(&html);
    assert!(
        entries.contains(&"/targets".to_string()) && entries.contains(&"/tasks".to_string()),
        "{entries:?}"
    );
    assert!(!entries.contains(&"/visits/due".to_string()), "{entries:?}");
    assert!(
        !entries.iter().any(|e| e.starts_with("/admin")),
        "{entries:?}"
    );
    let overdue = html
        .split("id=\"today-overdue\"")
        .nth(1)
        .expect("a list of the overdue tasks");
    assert!(
        overdue.contains("GPMB đường Văn Cao") && overdue.contains("(1)"),
        "{overdue}"
    );
    assert!(!html.contains("id=\"today-visits\""));
}

#[tokio::test]
async fn a_reviewer_and_a_viewer_see_only_their_entries() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    let html = app.browser("mttq").await.page_ok("/").await;
    assert_eq!(
        menu(&html),
        [
            "/",
            "/dashboard",
            "/tasks",
            "/reviews",
            "/campaigns",
            "/recommendations",
            "/search",
            "/admin/audit"
        ]
    );
    assert!(
        html.contains("id=\"today-rounds\""),
        "a reviewer starts with the rounds to score"
    );
    let html = app.browser("xem").await.page_ok("/").await;
    assert_eq!(
        menu(&html),
        ["/", "/dashboard", "/tasks", "/recommendations", "/search"]
    );
    for list in [
        "today-visits",
        "today-overdue",
        "today-rounds",
        "today-answers",
    ] {
        assert!(!html.contains(list), "a viewer has no {list}");
    }
}

/// A word where an id belongs, a number past i64, a query that is not a
/// number: the app's own error page in the visitor's language (JSON under
/// `/api/`), never the framework's plain text.
#[tokio::test]
async fn a_wrong_address_gets_the_apps_own_error_page() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    let b = app.browser("capuy").await;
    for (path, status) in [
        ("/tasks/abc", 404),
        ("/households/due", 404),
        ("/tasks/99999999999999999999", 404),
        ("/households/1.5/compensation", 404),
        ("/desk/shifts/x", 404),
        ("/static/missing.css", 404),
        ("/tasks?page=abc", 400),
    ] {
        let r = b.client.get(b.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<html"), "{path}: {html}");
        assert!(!html.contains("can not parse"), "{path}: {html}");
    }
    let token = common::token_for(&app, app.user("api", ward, &[(Role::Viewer, ward)]));
    for path in [
        "/api/v1/tasks/abc",
        "/api/v1/households/due",
        "/api/v1/tasks?limit=x",
    ] {
        let r = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
    }
}
