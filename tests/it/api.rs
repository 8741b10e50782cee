//! The JSON API through the real server: tokens made on the account page,
//! the same permissions as the pages (a table of role × endpoint), JSON
//! errors with the forms' field checks, versions on edits, cursors, rates.

use crate::common;

use common::{new_client, spawn, spawn_with, token_for, TestApp, PASSWORD};
use danvan::db::{self, audit};
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    ward: i64,
    other_ward: i64,
    task: i64,
    household: i64,
    owner: i64,
    teammate: i64,
    /// Token per account name.
    tokens: Vec<(&'static str, String)>,
}

impl World {
    fn token(&self, who: &str) -> &str {
        &self.tokens.iter().find(|(n, _)| *n == who).unwrap().1
    }

    async fn call(
        &self,
        who: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(
            &self.app,
            who.map(|w| self.token(w)),
            method,
            path,
            body,
            None,
        )
        .await
    }
}

async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(v) = if_match {
        req = req.header("If-Match", v);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "{path}: {status} answered {ct}"
    );
    (status, res.json().await.unwrap())
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    call(app, Some(token), Method::GET, path, None, None).await
}

/// The server on a fresh database with the demo data, and its address.
async fn demo_server() -> (common::TestDb, String) {
    let db = common::TestDb::new();
    let out = db.cli(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = danvan::startup::Application::build(common::config_for(&db, &[])).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    (db, base)
}

/// A token for a demo account, made with `danvan token`.
fn demo_token(db: &common::TestDb, user: &str) -> String {
    let out = db.cli(&["token", "--username", user, "--name", "test"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A request with a token (and an `If-Match`): status, ETag, JSON body.
async fn send_to(
    base: String,
    token: String,
    method: Method,
    path: String,
    body: Option<Value>,
    version: Option<String>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(v) = version {
        req = req.header("If-Match", v);
    }
    let res = req.send().await.unwrap();
    let etag = res
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status(), etag, res.json::<Value>().await.unwrap())
}

/// Two wards; in the first a task led by `chutri` (committee) worked by
/// `totac` (ward team) with one household. `admin` holds the city,
/// `mttq` reviews the first ward, `capuy.khac` is on the other ward's
/// committee, `xem` only views the first ward.
async fn world_with(extra: &[(&str, &str)]) -> World {
    let app = if extra.is_empty() {
        spawn().await
    } else {
        spawn_with(extra).await
    };
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let other_ward = app.unit(app.root, UnitKind::Ward, "Phường Bưởi");
    let admin = app.user("admin", app.root, &[(Role::Admin, app.root)]);
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    let teammate = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    let reviewer = app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    let outsider = app.user("capuy.khac", other_ward, &[(Role::Committee, other_ward)]);
    let viewer = app.user("xem", ward, &[(Role::Viewer, ward)]);
    let mut fields = common::task_fields(ward, owner, "Mương thoát nước Thụy Khuê", None, 2026);
    fields.team = vec![teammate];
    let (task, _) = db::tasks::create(&mut app.conn(), &fields, owner).unwrap();
    let household = audit::write(&mut app.conn(), &audit::Actor::default(), |c| {
        let task = db::tasks::find(c, task.id)?;
        Ok(db::households::create(
            c,
            &task,
            &common::household("Nguyễn Văn An", "12", 80.0),
        )?)
    })
    .unwrap()
    .id;
    let tokens = vec![
        ("admin", token_for(&app, admin)),
        ("chutri", token_for(&app, owner)),
        ("totac", token_for(&app, teammate)),
        ("mttq", token_for(&app, reviewer)),
        ("capuy.khac", token_for(&app, outsider)),
        ("xem", token_for(&app, viewer)),
    ];
    World {
        app,
        ward,
        other_ward,
        task: task.id,
        household,
        owner,
        teammate,
        tokens,
    }
}

async fn world() -> World {
    world_with(&[]).await
}

fn task_body(w: &World, unit: i64, title: &str) -> Value {
    json!({
        "unit_id": unit, "category_id": 1, "title": title, "campaign_year": 2026,
        "owner_id": w.owner, "team": [w.teammate], "deadline": "2026-12-31",
        "area_total_m2": 1270.8, "consented": ["agrees", "paid", "handed_over"],
    })
}

fn case_body() -> Value {
    json!({"procedure_id": 1, "citizen_name": "Bà Lan", "note": "Hỏi thủ tục đất đai",
        "outcome": "guided"})
}

/// A weekly duty of the ward with `totac` as its one official, and its shift
/// today.
fn add_duty(w: &World) -> (i64, i64) {
    let today = danvan::domain::format::today();
    let mut conn = w.app.conn();
    let fields = db::desk::DutyFields {
        unit_id: w.ward,
        name: "Ngày thứ Ba đồng hành với công dân".into(),
        place: "Bộ phận một cửa".into(),
        weekday: chrono::Datelike::weekday(&today).number_from_monday() as i32,
        start_time: "07:30".into(),
        end_time: "11:30".into(),
        starts_on: today,
        active: true,
        officials: vec![w.teammate],
    };
    let (duty, _) = db::desk::create(&mut conn, &fields, w.owner).unwrap();
    db::desk::generate(&mut conn, &duty, today, 1).unwrap();
    let shift = db::desk::shifts(&mut conn, duty.id, today, today).unwrap()[0]
        .shift
        .id;
    (duty.id, shift)
}

/// A mobile team led by the ward, serving it, with `totac` as its member
/// and one round planned today.
fn add_team(w: &World) -> (i64, i64) {
    let today = danvan::domain::format::today();
    let mut conn = w.app.conn();
    let fields = db::teams::TeamFields {
        lead_unit_id: w.ward,
        name: "Tổ hỗ trợ lưu động Thụy Khuê".into(),
        period_from: today - chrono::Duration::days(30),
        period_to: today + chrono::Duration::days(60),
        description: String::new(),
        members: vec![w.teammate],
        communes: vec![w.ward],
    };
    let (team, _) = db::teams::create(&mut conn, &fields, w.owner).unwrap();
    let plan = db::teams::RoundPlan {
        unit_id: w.ward,
        on_date: today,
        start_time: "08:00".into(),
        place: "Nhà văn hóa tổ 5".into(),
        kind: "outreach".into(),
    };
    let (round, _) = db::teams::plan_round(&mut conn, &team, &plan, w.owner).unwrap();
    (team.id, round.id)
}

/// The ward's campaign for the year, appraised by `mttq`.
fn add_campaign(w: &World) -> i64 {
    add_campaign_of(w, w.ward)
}

/// A unit's campaign for the year, appraised by `mttq`.
fn add_campaign_of(w: &World, unit_id: i64) -> i64 {
    let today = danvan::domain::format::today();
    let mttq: i64 = {
        use diesel::prelude::*;
        db::schema::users::table
            .filter(db::schema::users::username.eq("mttq"))
            .select(db::schema::users::id)
            .first(&mut w.app.conn())
            .unwrap()
    };
    let fields = db::campaigns::CampaignFields {
        unit_id,
        year: chrono::Datelike::year(&today),
        theme: "Dân vận khéo trong chỉnh trang đô thị".into(),
        plan_number: "12/KH-ĐU".into(),
        plan_date: None,
        focus_fields: vec![],
        period_from: today - chrono::Duration::days(30),
        period_to: today + chrono::Duration::days(300),
        description: String::new(),
        related_plans: String::new(),
        appraisers: vec![mttq],
    };
    db::campaigns::create(&mut w.app.conn(), &fields, w.owner)
        .unwrap()
        .0
        .id
}

fn campaign_body(w: &World) -> Value {
    json!({"unit_id": w.ward, "year": 2026, "theme": "Năm dân vận khéo 2026",
        "period_from": "2026-01-01", "period_to": "2026-12-31", "focus_fields": [1]})
}

fn model_body(w: &World) -> Value {
    let today = danvan::domain::format::today();
    json!({"kind": "collective", "unit_id": w.ward, "holder_name": "Chi hội phụ nữ tổ 5",
        "field_id": 1, "title": "Tổ tự quản vệ sinh ngõ xóm",
        "commitment": "Ngõ sạch, không rác thải", "period_from": today,
        "period_to": today + chrono::Duration::days(90)})
}

fn duty_body(w: &World) -> Value {
    json!({"unit_id": w.ward, "name": "Tiếp công dân sáng thứ Năm", "place": "Phòng một cửa",
        "weekday": 4, "start_time": "07:30", "end_time": "11:30",
        "starts_on": danvan::domain::format::today(), "officials": [w.teammate, w.owner]})
}

fn plan_body(w: &World) -> Value {
    json!({"unit_id": w.ward, "on_date": danvan::domain::format::today(),
        "start_time": "14:00", "place": "Sân nhà văn hóa", "kind": "legal_advice"})
}

fn visit_body() -> Value {
    json!({"visited_on": "2026-11-30", "kind": "door_to_door", "stage_after": "notice_received"})
}

/// Who may do what, endpoint by endpoint, is what the pages allow.
#[tokio::test]
async fn the_permission_table_holds_for_every_endpoint() {
    let w = world().await;
    let (t, h, ward, other) = (w.task, w.household, w.ward, w.other_ward);
    let (duty, shift) = add_duty(&w);
    let (team, round) = add_team(&w);
    let campaign = add_campaign(&w);
    let get = Method::GET;
    let who = ["admin", "chutri", "totac", "mttq", "capuy.khac", "xem"];
    // Expected status per account, in the order of `who`.
    let table: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (
            get.clone(),
            "/api/v1/units".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/units/{ward}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/units/{other}"),
            None,
            [200, 403, 403, 403, 200, 403],
        ),
        (
            get.clone(),
            "/api/v1/users".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            get.clone(),
            format!("/api/v1/users/{}", w.owner),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            get.clone(),
            "/api/v1/tasks".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/tasks/{t}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/tasks/{t}/households"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/households/{h}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/households/{h}/visits"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        // The committee of the other ward may register tasks, but not in this
        // ward: the unit is refused as on the form.
        (
            Method::POST,
            "/api/v1/tasks".into(),
            Some(task_body(&w, ward, "Ngõ 12")),
            [201, 201, 403, 403, 422, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/households/{h}/visits"),
            Some(visit_body()),
            [201, 201, 201, 403, 403, 403],
        ),
        (
            get.clone(),
            format!("/api/v1/tasks/{t}/milestones"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{t}/milestones"),
            Some(json!({"title": "Họp dân", "due_on": "2026-12-20"})),
            [201, 201, 403, 403, 403, 403],
        ),
        // Households are registered by those who edit the task.
        (
            Method::POST,
            format!("/api/v1/tasks/{t}/households"),
            Some(json!({"head_name": "Lê Thị Hoa", "allow_duplicate": true})),
            [201, 201, 403, 403, 403, 403],
        ),
        (
            get.clone(),
            "/api/v1/desk/duties".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/desk/duties/{duty}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/desk/duties/{duty}/shifts"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/desk/shifts/{shift}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/desk/shifts/{shift}/cases"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        // The official on the shift (`totac`) and the ward's committee record
        // cases; a reader of the ward does not.
        (
            Method::POST,
            format!("/api/v1/desk/shifts/{shift}/cases"),
            Some(case_body()),
            [201, 201, 201, 403, 403, 403],
        ),
        (
            get.clone(),
            "/api/v1/teams".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/teams/{team}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/teams/{team}/rounds"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            get.clone(),
            format!("/api/v1/team-rounds/{round}"),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        // The team's members (`totac`) and the lead unit's committee plan
        // rounds and raise problems.
        (
            Method::POST,
            format!("/api/v1/teams/{team}/rounds"),
            Some(plan_body(&w)),
            [201, 201, 201, 403, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/team-rounds/{round}/problems"),
            Some(json!({"text": "Thiếu máy tính bảng cho hồ sơ trực tuyến"})),
            [201, 201, 201, 403, 403, 403],
        ),
        // Duties and teams are set up by those who manage a unit, for it.
        (
            Method::POST,
            "/api/v1/desk/duties".into(),
            Some(duty_body(&w)),
            [201, 201, 403, 403, 422, 403],
        ),
        (
            Method::POST,
            "/api/v1/teams".into(),
            Some(json!({"lead_unit_id": ward, "name": "Tổ lưu động số 2",
                "period_from": "2026-01-01", "period_to": "2026-12-31",
                "members": [w.teammate], "communes": [ward]})),
            [201, 201, 403, 403, 422, 403],
        ),
        (
            Method::POST,
            "/api/v1/campaigns".into(),
            Some(campaign_body(&w)),
            [201, 201, 403, 403, 422, 403],
        ),
        // Anyone who sees the campaign registers a model for a unit they read.
        (
            Method::POST,
            format!("/api/v1/campaigns/{campaign}/models"),
            Some(model_body(&w)),
            [201, 201, 201, 201, 403, 201],
        ),
    ];
    for (method, path, body, expected) in &table {
        for (who, want) in who.iter().zip(expected) {
            let (status, json) = w.call(Some(who), method.clone(), path, body.clone()).await;
            assert_eq!(status.as_u16(), *want, "{who} {method} {path}: {json}");
        }
        let (status, json) = w.call(None, method.clone(), path, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "no token {method} {path}");
        assert_eq!(json["error"]["code"], "unauthorized");
    }
    // The right comes before the body: whoever may not write hears 403 for
    // a body that is not even an object, or one with a field of the wrong
    // type; whoever may hears what is wrong with it.
    let malformed = [
        json!([]),
        json!({"title": ["?"], "unit_id": "x", "text": 5}),
    ];
    for (method, path, _, expected) in table.iter().filter(|r| r.0 != get) {
        for (who, want) in who.iter().zip(expected) {
            for body in &malformed {
                let (status, json) = w
                    .call(Some(who), method.clone(), path, Some(body.clone()))
                    .await;
                if *want == 403 {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{who} {method} {path} {body}: {json}"
                    );
                } else {
                    assert!(
                        [400, 422].contains(&status.as_u16()),
                        "{who} {method} {path} {body}: {status} {json}"
                    );
                }
            }
        }
    }
    // Editing: the owner and the committee above; not the team, the reviewer
    // or the other ward.
    for (who, want) in who.iter().zip([200, 200, 403, 403, 403, 403]) {
        let (_, task) = w
            .call(
                Some("admin"),
                get.clone(),
                &format!("/api/v1/tasks/{t}"),
                None,
            )
            .await;
        let version = format!("\"{}\"", task["version"]);
        let (status, json) = call(
            &w.app,
            Some(w.token(who)),
            Method::PUT,
            &format!("/api/v1/tasks/{t}"),
            Some(task_body(&w, ward, &format!("Mương — {who}"))),
            Some(&version),
        )
        .await;
        assert_eq!(status.as_u16(), want, "{who} PUT: {json}");
        let (status, json) = call(
            &w.app,
            Some(w.token(who)),
            Method::PUT,
            &format!("/api/v1/tasks/{t}"),
            Some(json!({"title": 5})),
            Some(&version),
        )
        .await;
        let want = if want == 200 { 422 } else { want };
        assert_eq!(status.as_u16(), want, "{who} PUT a wrong body: {json}");
    }
}

/// A token is made on the account page, shown once, works until revoked,
/// and only its owner revokes it.
#[tokio::test]
async fn a_token_made_on_the_account_page_works_until_revoked() {
    let w = world().await;
    let owner = new_client();
    w.app.login_with(&owner, "chutri", PASSWORD).await;
    let csrf = w.app.csrf_of(&owner).await;
    // A name is required; the form comes back with the error.
    let res = w
        .app
        .post_with(
            &owner,
            "/account/tokens",
            &[("_csrf", &csrf), ("token_name", "  ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("aria-invalid"));
    let res = w
        .app
        .post_with(
            &owner,
            "/account/tokens",
            &[("_csrf", &csrf), ("token_name", "Cổng phường")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let start = page.find("value=\"dvk_").expect("the secret is shown") + 7;
    let secret = page[start..start + 68].to_string();
    assert!(secret.starts_with("dvk_"));
    // Shown once: the account page lists it by name and prefix only.
    let listed = w
        .app
        .get_with(&owner, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("Cổng phường") && listed.contains(&secret[..12]));
    assert!(!listed.contains(&secret));
    let (status, me) = call(
        &w.app,
        Some(&secret),
        Method::GET,
        &format!("/api/v1/tasks/{}", w.task),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // Its last use is noted.
    let tokens = db::api_tokens::list(&mut w.app.conn(), w.owner).unwrap();
    let id = tokens.iter().find(|t| t.name == "Cổng phường").unwrap().id;
    assert!(tokens
        .iter()
        .any(|t| t.id == id && t.last_used_at.is_some()));

    // Someone else cannot revoke it.
    let other = new_client();
    w.app.login_with(&other, "totac", PASSWORD).await;
    let other_csrf = w.app.csrf_of(&other).await;
    let res = w
        .app
        .post_with(
            &other,
            &format!("/account/tokens/{id}/revoke"),
            &[("_csrf", &other_csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = get_as(&w.app, &secret, "/api/v1/units").await;
    assert_eq!(status, StatusCode::OK);

    let res = w
        .app
        .post_with(
            &owner,
            &format!("/account/tokens/{id}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, body) = get_as(&w.app, &secret, "/api/v1/units").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    // A wrong secret of the right shape is refused the same way.
    let forged = format!("dvk_{}", "0".repeat(64));
    let (status, _) = get_as(&w.app, &forged, "/api/v1/units").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Errors are JSON with stable codes; the field checks are the forms'.
#[tokio::test]
async fn errors_are_json_with_the_forms_field_checks_and_nothing_is_saved() {
    let w = world().await;
    let h = w.household;
    let visits = format!("/api/v1/households/{h}/visits");
    // The visit form's rules: a future date, a next visit before the visit,
    // someone not on the task, skipping to "agrees" without a reason.
    let bad = json!({
        "visited_on": "2099-01-01", "kind": "door_to_door", "stage_after": "agrees",
        "members": [w.owner + 1000], "next_visit_on": "2098-01-01",
    });
    let (status, body) = w
        .call(Some("totac"), Method::POST, &visits, Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields = &body["error"]["fields"];
    assert_eq!(fields["visited_on"]["code"], "future-date");
    assert_eq!(fields["next_visit_on"]["code"], "next-before-visit");
    assert_eq!(fields["members"]["code"], "not-on-task");
    assert_eq!(fields["reason"]["code"], "stage-reason");
    assert!(fields["reason"]["message"].as_str().unwrap().len() > 5);
    let (_, list) = w.call(Some("totac"), Method::GET, &visits, None).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was saved"
    );

    // A value of the wrong type is reported on its field; broken JSON is 400.
    let (status, body) = w
        .call(
            Some("chutri"),
            Method::POST,
            "/api/v1/tasks",
            Some(json!({"unit_id": "một"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["unit_id"]["code"], "invalid-value");
    let res = reqwest::Client::new()
        .post(w.app.url("/api/v1/tasks"))
        .bearer_auth(w.token("chutri"))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );

    // The task form's rules: an empty title, a year out of range.
    let mut body = task_body(&w, w.ward, " ");
    body["campaign_year"] = json!(1890);
    let (status, err) = w
        .call(Some("chutri"), Method::POST, "/api/v1/tasks", Some(body))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["title"]["code"], "required");
    assert_eq!(err["error"]["fields"]["campaign_year"]["code"], "year");

    // Unknown ids and paths, other methods, bad queries.
    let (status, err) = w
        .call(Some("admin"), Method::GET, "/api/v1/tasks/999999", None)
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = w
        .call(Some("admin"), Method::GET, "/api/v1/tasks/abc", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w
        .call(Some("admin"), Method::GET, "/api/v1/nothing", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = reqwest::Client::new()
        .delete(w.app.url(&format!("/api/v1/tasks/{}", w.task)))
        .bearer_auth(w.token("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET, PUT");
    for q in ["limit=0", "limit=201", "limit=ten", "cursor=x"] {
        let (status, err) = w
            .call(
                Some("admin"),
                Method::GET,
                &format!("/api/v1/tasks?{q}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(err["error"]["code"], "bad_request");
    }
}

/// An edit names the version it was made from; a stale one changes nothing.
#[tokio::test]
async fn an_edit_from_a_stale_version_gets_412_and_changes_nothing() {
    let w = world().await;
    let path = format!("/api/v1/tasks/{}", w.task);
    let res = reqwest::Client::new()
        .get(w.app.url(&path))
        .bearer_auth(w.token("chutri"))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let read: Value = res.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", read["version"]));

    let (status, err) = call(
        &w.app,
        Some(w.token("chutri")),
        Method::PUT,
        &path,
        Some(task_body(&w, w.ward, "Không có phiên bản")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(err["error"]["code"], "precondition_required");

    let (status, saved) = call(
        &w.app,
        Some(w.token("chutri")),
        Method::PUT,
        &path,
        Some(task_body(&w, w.ward, "Lần sửa thứ nhất")),
        Some(&etag),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["title"], "Lần sửa thứ nhất");
    assert_eq!(saved["area_total_m2"], 1270.8);
    assert_eq!(saved["deadline"], "2026-12-31");

    // A second edit from the same (now old) version is refused.
    let (status, err) = call(
        &w.app,
        Some(w.token("admin")),
        Method::PUT,
        &path,
        Some(task_body(&w, w.ward, "Lần sửa thứ hai")),
        Some(&etag),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(err["error"]["code"], "precondition_failed");
    let (_, now) = w.call(Some("admin"), Method::GET, &path, None).await;
    assert_eq!(now["title"], "Lần sửa thứ nhất");
    assert_eq!(now["version"], saved["version"]);
}

/// Following the cursors lists every task once; a visit logged through the
/// API moves the household and the totals as the form does.
#[tokio::test]
async fn cursors_list_everything_once_and_a_visit_moves_the_household() {
    let w = world().await;
    for i in 0..7 {
        let (status, _) = w
            .call(
                Some("chutri"),
                Method::POST,
                "/api/v1/tasks",
                Some(task_body(&w, w.ward, &format!("Ngõ {i}"))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/tasks?limit=3&cursor={c}"),
            None => "/api/v1/tasks?limit=3".into(),
        };
        let (_, page) = w.call(Some("admin"), Method::GET, &q, None).await;
        for t in page["items"].as_array().unwrap() {
            seen.push(t["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 8);
    assert_eq!(unique, seen, "in order, each once");
    let (_, found) = w
        .call(
            Some("admin"),
            Method::GET,
            "/api/v1/tasks?q=ng%C3%B5%203",
            None,
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    let visits = format!("/api/v1/households/{}/visits", w.household);
    let (status, created) = w
        .call(Some("totac"), Method::POST, &visits, Some(visit_body()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, h) = w
        .call(
            Some("totac"),
            Method::GET,
            &format!("/api/v1/households/{}", w.household),
            None,
        )
        .await;
    assert_eq!(h["stage"], "notice_received");
    assert_eq!(h["last_visit_on"], "2026-11-30");
    let (_, list) = w.call(Some("totac"), Method::GET, &visits, None).await;
    assert_eq!(list["items"][0]["id"], created["id"]);
    assert_eq!(list["items"][0]["stage_before"], "not_contacted");
    common::assert_totals_equal_a_recount(&mut w.app.conn());
}

/// A token over its rate is told when to come back.
#[tokio::test]
async fn a_token_over_its_rate_gets_429_with_retry_after() {
    let w = world_with(&[("API_RATE_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        let (status, _) = w
            .call(Some("xem"), Method::GET, "/api/v1/units", None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let res = reqwest::Client::new()
        .get(w.app.url("/api/v1/units"))
        .bearer_auth(w.token("xem"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "rate_limited"
    );
    // Another token has its own allowance.
    let (status, _) = w
        .call(Some("totac"), Method::GET, "/api/v1/units", None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// The description names every operation the server answers, and the docs
/// page reads it.
#[tokio::test]
async fn the_openapi_description_covers_the_routes_and_the_docs_page_shows_them() {
    let app = spawn().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    let operations: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    for op in [
        "GET /api/v1/units",
        "GET /api/v1/units/{id}",
        "GET /api/v1/users",
        "GET /api/v1/users/{id}",
        "GET /api/v1/tasks",
        "POST /api/v1/tasks",
        "GET /api/v1/tasks/{id}",
        "PUT /api/v1/tasks/{id}",
        "GET /api/v1/tasks/{id}/households",
        "POST /api/v1/tasks/{id}/households",
        "POST /api/v1/tasks/{id}/households/import",
        "GET /api/v1/households/{id}",
        "PUT /api/v1/households/{id}",
        "GET /api/v1/households/{id}/visits",
        "POST /api/v1/households/{id}/visits",
        "GET /api/v1/tasks/{id}/milestones",
        "POST /api/v1/tasks/{id}/milestones",
        "PUT /api/v1/tasks/{id}/milestones/{milestone}/done",
        "GET /api/v1/review-rounds",
        "GET /api/v1/review-rounds/{id}",
        "GET /api/v1/review-rounds/{id}/results",
        "GET /api/v1/recommendations",
        "POST /api/v1/recommendations",
        "GET /api/v1/recommendations/{id}",
        "POST /api/v1/recommendations/{id}/answer",
        "GET /api/v1/targets",
        "POST /api/v1/targets",
        "PUT /api/v1/targets/{id}/actual",
        "GET /api/v1/campaigns",
        "GET /api/v1/campaigns/{id}",
        "GET /api/v1/campaigns/{id}/models",
        "GET /api/v1/models/{id}",
        "GET /api/v1/desk/duties",
        "GET /api/v1/desk/duties/{id}",
        "GET /api/v1/desk/duties/{id}/shifts",
        "GET /api/v1/desk/shifts/{id}",
        "GET /api/v1/desk/shifts/{id}/cases",
        "POST /api/v1/desk/shifts/{id}/cases",
        "GET /api/v1/desk/cases/{id}",
        "POST /api/v1/desk/cases/{id}/answer",
        "GET /api/v1/teams",
        "GET /api/v1/teams/{id}",
        "GET /api/v1/teams/{id}/rounds",
        "POST /api/v1/teams/{id}/rounds",
        "GET /api/v1/team-rounds/{id}",
        "PUT /api/v1/team-rounds/{id}/result",
        "POST /api/v1/team-rounds/{id}/cancel",
        "POST /api/v1/team-rounds/{id}/problems",
        "POST /api/v1/campaigns/{id}/models",
        "PUT /api/v1/models/{id}",
        "PUT /api/v1/models/{id}/status",
        "GET /api/v1/review-rounds/{id}/criteria",
        "PUT /api/v1/review-rounds/{id}/tasks/{task_id}/self-assessment",
        "PUT /api/v1/review-rounds/{id}/tasks/{task_id}/scores",
        "PUT /api/v1/review-rounds/{id}/tasks/{task_id}/consensus",
        "POST /api/v1/review-rounds/{id}/tasks/{task_id}/dispute",
        "POST /api/v1/review-rounds/{id}/tasks/{task_id}/dispute/answer",
        "POST /api/v1/recommendations/{id}/transfer",
        "POST /api/v1/recommendations/{id}/extend",
        "POST /api/v1/recommendations/{id}/accept",
        "POST /api/v1/recommendations/{id}/reopen",
        "POST /api/v1/desk/duties",
        "PUT /api/v1/desk/duties/{id}",
        "POST /api/v1/desk/shifts/{id}/change",
        "POST /api/v1/teams",
        "PUT /api/v1/teams/{id}",
        "POST /api/v1/campaigns",
        "PUT /api/v1/campaigns/{id}",
        "POST /api/v1/review-rounds",
        "PUT /api/v1/review-rounds/{id}",
        "PUT /api/v1/review-rounds/{id}/status",
        "GET /api/v1/campaigns/{id}/criteria",
        "PUT /api/v1/models/{id}/appraisal",
        "POST /api/v1/visits/{id}/photos",
        "GET /api/v1/visits/{id}/photos/{photo}",
        "GET /api/v1/households/{id}/shape",
        "PUT /api/v1/households/{id}/shape",
        "DELETE /api/v1/households/{id}/shape",
        "GET /api/v1/tasks/{id}/parcels",
        "GET /api/v1/households/{id}/compensation",
        "POST /api/v1/households/{id}/plans",
        "POST /api/v1/households/{id}/payments",
        "PUT /api/v1/households/{id}/handover",
        "GET /api/v1/tasks/{id}/money",
    ] {
        assert!(
            operations.contains(&op.to_string()),
            "{op} is not described: {operations:?}"
        );
    }
    assert_eq!(operations.len(), 84, "{operations:?}");
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    // Each schema keeps its own name: a team's round is not a review round.
    assert!(doc["components"]["schemas"]["TeamRoundOut"]["properties"]["team_id"].is_object());
    assert!(doc["components"]["schemas"]["RoundOut"]["properties"]["team_id"].is_null());
    // The fixed lists a body takes its values from are described as choices.
    let visit = &doc["components"]["schemas"]["VisitIn"]["properties"];
    assert!(visit["kind"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("door_to_door")));
    assert!(visit["stage_after"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("agrees")));
    assert!(visit["concerns"]["items"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("resettlement")));
    let (status, page) = app.text("/api/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("PUT /api/v1/tasks/{id}") && page.contains("TaskIn"));
}

/// A NUL character (which PostgreSQL cannot store) is refused with a 400 or a
/// field error, on the pages and in the API, and nothing is saved.
#[tokio::test]
async fn nul_characters_are_refused_on_pages_and_in_the_api() {
    let w = world().await;
    let (status, err) = w
        .call(
            Some("admin"),
            Method::GET,
            "/api/v1/tasks?status=%00x",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "bad_request");
    let (status, err) = w
        .call(
            Some("chutri"),
            Method::POST,
            "/api/v1/tasks",
            Some(task_body(&w, w.ward, "Ngõ\u{0}12")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["title"]["code"], "invalid-value");

    let page = new_client();
    w.app.login_with(&page, "chutri", PASSWORD).await;
    let res = w.app.get_with(&page, "/tasks?status=%00").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let csrf = w.app.csrf_of(&page).await;
    let res = w
        .app
        .post_with(
            &page,
            "/account/tokens",
            &[("_csrf", &csrf), ("token_name", "a\u{0}b")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(db::api_tokens::list(&mut w.app.conn(), w.owner)
        .unwrap()
        .iter()
        .all(|t| t.name == "test"));
}

/// The demo's published 2023 round of Tây Hồ: its results as the results
/// page ranks them, paged by rank; a committee in another province does not
/// see the round at all.
#[tokio::test]
async fn review_results_are_read_as_the_results_page_ranks_them() {
    let (db, base) = demo_server().await;
    let token = |user: &str| demo_token(&db, user);
    let (reviewer, outsider) = (token("mttq.tayho"), token("tocongtac.nghean"));
    let get = |token: String, path: String| {
        let base = base.clone();
        async move {
            let (status, _, body) = send_to(base, token, Method::GET, path, None, None).await;
            (status, body)
        }
    };

    let (status, rounds) = get(reviewer.clone(), "/api/v1/review-rounds".into()).await;
    assert_eq!(status, StatusCode::OK);
    let round = rounds["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "published")
        .expect("the demo's published round")
        .clone();
    let id = round["id"].as_i64().unwrap();
    let (status, all) = get(
        reviewer.clone(),
        format!("/api/v1/review-rounds/{id}/results"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["provisional"], false);
    let items = all["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let ranks: Vec<i64> = items.iter().map(|r| r["rank"].as_i64().unwrap()).collect();
    assert_eq!(ranks, (1..=items.len() as i64).collect::<Vec<_>>());
    let totals: Vec<f64> = items.iter().filter_map(|r| r["total"].as_f64()).collect();
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "ranked by total: {totals:?}"
    );
    let counted: i64 = all["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_i64().unwrap())
        .sum();
    assert!(counted > 0 && counted <= items.len() as i64);

    // One rank at a time, the same rows.
    let (_, first) = get(
        reviewer.clone(),
        format!("/api/v1/review-rounds/{id}/results?limit=1"),
    )
    .await;
    assert_eq!(first["items"][0]["task_id"], items[0]["task_id"]);
    if items.len() > 1 {
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let (_, second) = get(
            reviewer.clone(),
            format!("/api/v1/review-rounds/{id}/results?limit=1&cursor={cursor}"),
        )
        .await;
        assert_eq!(second["items"][0]["task_id"], items[1]["task_id"]);
        assert_eq!(second["items"][0]["rank"], 2);
    }

    let (_, theirs) = get(outsider.clone(), "/api/v1/review-rounds".into()).await;
    assert!(theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != id));
    for path in [
        format!("/api/v1/review-rounds/{id}"),
        format!("/api/v1/review-rounds/{id}/results"),
    ] {
        let (status, err) = get(outsider.clone(), path).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(err["error"]["code"], "forbidden");
    }
}

/// Nghệ An's recommendations in the demo: the finance department answers
/// the one still open in writing through the API, once; the land
/// department cannot; a new one
/// gets its deadline from the working-day calendar.
#[tokio::test]
async fn a_responding_body_answers_a_recommendation_once() {
    let (db, base) = demo_server().await;
    let token = |user: &str| demo_token(&db, user);
    let (responder, other, group) = (
        token("sotc.nghean"),
        token("sonnmt.nghean"),
        token("tocongtac.nghean"),
    );
    let send = |token: &str,
                method: Method,
                path: String,
                body: Option<Value>,
                version: Option<String>| {
        send_to(base.clone(), token.to_string(), method, path, body, version)
    };

    let (status, _, list) = send(
        &responder,
        Method::GET,
        "/api/v1/recommendations?status=open".into(),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let open = list["items"]
        .as_array()
        .unwrap()
        .first()
        .expect("an open recommendation")
        .clone();
    assert_eq!(open["status"], "open");
    assert!(open["urgency"].is_string());
    let id = open["id"].as_i64().unwrap();
    let path = format!("/api/v1/recommendations/{id}");
    let (_, etag, _) = send(&responder, Method::GET, path.clone(), None, None).await;
    let etag = etag.unwrap();

    let (status, _, _) = send(&other, Method::GET, path.clone(), None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer = format!("{path}/answer");
    let (status, _, _) = send(
        &other,
        Method::POST,
        answer.clone(),
        Some(json!({"answer": "Không phải việc của Sở này"})),
        Some(etag.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, err) = send(
        &responder,
        Method::POST,
        answer.clone(),
        Some(json!({"answer": " "})),
        Some(etag.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["answer"]["code"], "required");
    let (status, _, _) = send(
        &responder,
        Method::POST,
        answer.clone(),
        Some(json!({"answer": "Đã ban hành hướng dẫn"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, _, done) = send(
        &responder,
        Method::POST,
        answer.clone(),
        Some(json!({"answer": "Đã ban hành hướng dẫn số 12/HD-SNNMT"})),
        Some(etag.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "answered");
    assert_eq!(done["answer"], "Đã ban hành hướng dẫn số 12/HD-SNNMT");
    assert!(done["urgency"].is_null());
    let (status, _, err) = send(
        &responder,
        Method::POST,
        answer,
        Some(json!({"answer": "Lần hai"})),
        Some(etag),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{err}");
    let (_, _, now) = send(&responder, Method::GET, path, None, None).await;
    assert_eq!(now["answer"], "Đã ban hành hướng dẫn số 12/HD-SNNMT");

    let raise = json!({
        "from_unit_id": open["from_unit_id"], "to_unit_id": open["to_unit_id"], "field": "finance",
        "content": "Bố trí kinh phí đo đạc địa chính", "raised_on": "2026-11-02",
    });
    let (status, _, created) = send(
        &group,
        Method::POST,
        "/api/v1/recommendations".into(),
        Some(raise.clone()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["due_on"].as_str().unwrap() > "2026-11-02");
    assert!(created["working_days"].as_i64().unwrap() > 0);
    let mut same = raise;
    same["to_unit_id"] = same["from_unit_id"].clone();
    let (status, _, err) = send(
        &group,
        Method::POST,
        "/api/v1/recommendations".into(),
        Some(same),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["error"]["fields"]["to_unit_id"]["code"],
        "rec-error-same-unit"
    );
}

/// Milestones: added and marked done by those who edit the task, with the
/// form's checks; others read them.
#[tokio::test]
async fn milestones_are_added_and_marked_done_by_those_who_edit_the_task() {
    let w = world().await;
    let path = format!("/api/v1/tasks/{}/milestones", w.task);
    let (status, err) = w
        .call(
            Some("chutri"),
            Method::POST,
            &path,
            Some(json!({"title": "", "due_on": "2026-12-20"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["title"]["code"], "required");
    let (status, m) = w
        .call(
            Some("chutri"),
            Method::POST,
            &path,
            Some(json!({"title": "Họp dân lần 2", "due_on": "2026-12-20"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert!(m["done_on"].is_null());
    let done = format!("{path}/{}/done", m["id"]);
    let (status, _) = w
        .call(
            Some("totac"),
            Method::PUT,
            &done,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, marked) = w
        .call(
            Some("chutri"),
            Method::PUT,
            &done,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        marked["done_on"],
        danvan::domain::format::today()
            .format("%Y-%m-%d")
            .to_string()
    );
    let (_, list) = w.call(Some("totac"), Method::GET, &path, None).await;
    assert_eq!(list["items"][0]["done_on"], marked["done_on"]);
    let (status, _) = w
        .call(
            Some("chutri"),
            Method::PUT,
            &format!("{path}/999999/done"),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Tây Hồ's 2023 targets in the demo: its committee records the figure
/// reached, once per version read, and sets a new target with the page's
/// checks; another province's committee does not see them.
#[tokio::test]
async fn a_committee_records_target_figures_once_per_version() {
    let (db, base) = demo_server().await;
    let token = |user: &str| demo_token(&db, user);
    let (committee, outsider) = (token("capuy.tayho"), token("tocongtac.nghean"));
    let send = |token: &str,
                method: Method,
                path: String,
                body: Option<Value>,
                version: Option<String>| {
        let call = send_to(base.clone(), token.to_string(), method, path, body, version);
        async move {
            let (status, _, body) = call.await;
            (status, body)
        }
    };
    let (_, units) = send(
        &committee,
        Method::GET,
        "/api/v1/units?limit=200".into(),
        None,
        None,
    )
    .await;
    let ward = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "Phường Tây Hồ")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let list = format!("/api/v1/targets?unit_id={ward}&year=2023");
    let (status, targets) = send(&committee, Method::GET, list.clone(), None, None).await;
    assert_eq!(status, StatusCode::OK);
    let first = targets["items"][0].clone();
    assert!(first["planned"].as_f64().unwrap() > 0.0);
    let version = format!("\"{}\"", first["version"]);
    let actual = format!("/api/v1/targets/{}/actual", first["id"]);
    let (status, saved) = send(
        &committee,
        Method::PUT,
        actual.clone(),
        Some(json!({"actual": 12.5})),
        Some(version.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["actual"], 12.5);
    assert_eq!(
        saved["version"].as_i64(),
        first["version"].as_i64().map(|v| v + 1)
    );
    let (status, _) = send(
        &committee,
        Method::PUT,
        actual.clone(),
        Some(json!({"actual": 99.0})),
        Some(version),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, err) = send(
        &committee,
        Method::PUT,
        actual,
        Some(json!({"actual": -1.0})),
        Some(format!("\"{}\"", saved["version"])),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["actual"]["code"], "number-negative");

    let target = |year: i32, name: &str| json!({"unit_id": ward, "year": year, "name": name, "planned": 40.0, "measure": "hộ"});
    let (status, err) = send(
        &committee,
        Method::POST,
        "/api/v1/targets".into(),
        Some(target(1990, "Vận động hộ bàn giao")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["year"]["code"], "year");
    let (status, created) = send(
        &committee,
        Method::POST,
        "/api/v1/targets".into(),
        Some(target(2026, "Vận động hộ bàn giao")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["actual"].is_null());
    let (status, _) = send(&outsider, Method::GET, list, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &outsider,
        Method::POST,
        "/api/v1/targets".into(),
        Some(target(2026, "Không được")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Long Biên's 2022 campaign in the demo and its models: read by those who
/// reach the district, not by another province.
#[tokio::test]
async fn campaigns_and_their_models_are_read_where_the_pages_show_them() {
    let (db, base) = demo_server().await;
    let (district, outsider) = (
        demo_token(&db, "quanuy.longbien"),
        demo_token(&db, "tocongtac.nghean"),
    );
    let get = |token: &str, path: String| {
        let call = send_to(
            base.clone(),
            token.to_string(),
            Method::GET,
            path,
            None,
            None,
        );
        async move {
            let (status, _, body) = call.await;
            (status, body)
        }
    };
    let (status, list) = get(&district, "/api/v1/campaigns".into()).await;
    assert_eq!(status, StatusCode::OK);
    let campaign = list["items"][0].clone();
    let id = campaign["id"].as_i64().expect("the demo's campaign");
    assert_eq!(campaign["year"], 2022);
    let (status, models) = get(&district, format!("/api/v1/campaigns/{id}/models?limit=2")).await;
    assert_eq!(status, StatusCode::OK);
    let first = models["items"][0].clone();
    assert_eq!(first["campaign_id"], id);
    let (status, model) = get(&district, format!("/api/v1/models/{}", first["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(model["title"], first["title"]);

    let (_, theirs) = get(&outsider, "/api/v1/campaigns".into()).await;
    assert!(theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != id));
    for path in [
        format!("/api/v1/campaigns/{id}"),
        format!("/api/v1/campaigns/{id}/models"),
        format!("/api/v1/models/{}", first["id"]),
    ] {
        let (status, _) = get(&outsider, path.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// A CSV or XLSX body to the import.
async fn import(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

fn household_count(w: &World, task: i64) -> usize {
    use diesel::prelude::*;
    db::schema::households::table
        .filter(db::schema::households::task_id.eq(task))
        .count()
        .get_result::<i64>(&mut w.app.conn())
        .unwrap() as usize
}

/// Households are registered, edited from the version read, and imported
/// from CSV or XLSX through the household form's checks, all or nothing.
#[tokio::test]
async fn households_are_registered_edited_and_imported_as_on_the_pages() {
    let w = world().await;
    let t = w.task;
    let owner = w.token("chutri").to_string();
    let path = format!("/api/v1/tasks/{t}/households");
    // The world's household sits on parcel 12 of sheet 1.
    let body = json!({"head_name": "Phạm Văn Bình", "map_sheet": "1", "parcel_no": "12",
        "area_m2": 95.5, "priority_groups": ["elderly"], "phone": "0912 345 678"});
    let (status, json) = w
        .call(Some("chutri"), Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["parcel_no"]["code"],
        "duplicate-parcel"
    );
    let (status, json) = w
        .call(
            Some("chutri"),
            Method::POST,
            &path,
            Some(json!({"head_name": "", "phone": "gọi em", "priority_groups": ["vip"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &json["error"]["fields"];
    assert_eq!(fields["head_name"]["code"], "required");
    assert_eq!(fields["phone"]["code"], "phone");
    assert!(fields["priority_groups"].is_object(), "{json}");
    assert_eq!(household_count(&w, t), 1);

    let mut confirmed = body.clone();
    confirmed["allow_duplicate"] = json!(true);
    let (status, created) = w
        .call(Some("chutri"), Method::POST, &path, Some(confirmed))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["stage"], "not_contacted");
    assert_eq!(created["priority_groups"], "elderly");
    assert_eq!(created["area_m2"], 95.5);
    let id = created["id"].as_i64().unwrap();

    // Edits carry the version read; a second edit from the same reading is
    // refused and changes nothing.
    let one = format!("/api/v1/households/{id}");
    let mut edit = body.clone();
    edit["head_name"] = json!("Phạm Văn Bình (con)");
    edit["parcel_no"] = json!("13");
    let (status, json) = w
        .call(Some("chutri"), Method::PUT, &one, Some(edit.clone()))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{json}");
    let (status, _, json) = send_to(
        w.app.url(""),
        owner.clone(),
        Method::PUT,
        one.clone(),
        Some(edit.clone()),
        Some("\"1\"".into()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["version"], 2);
    edit["head_name"] = json!("Ghi đè");
    let (status, etag, json) = send_to(
        w.app.url(""),
        owner.clone(),
        Method::PUT,
        one.clone(),
        Some(edit.clone()),
        Some("\"1\"".into()),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{json}");
    assert_eq!(etag.as_deref(), Some("\"2\""));
    let (_, json) = w.call(Some("totac"), Method::GET, &one, None).await;
    assert_eq!(json["head_name"], "Phạm Văn Bình (con)");
    // The team logs visits but does not edit households.
    let (status, _, _) = send_to(
        w.app.url(""),
        w.token("totac").to_string(),
        Method::PUT,
        one.clone(),
        Some(edit),
        Some("\"2\"".into()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An import with one bad line imports nothing and names the line.
    let import_path = format!("{path}/import");
    let csv = "Họ tên chủ hộ;Tờ bản đồ;Số thửa;Diện tích (m²)\n\
        Đỗ Văn Cường;1;20;120,5\n\
        ;1;21;80\n\
        Vũ Thị Dung;1;22;không rõ\n";
    let (status, json) = import(&w.app, &owner, &import_path, "text/csv", csv.into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    assert_eq!(fields["lines.3.head_name"]["code"], "required", "{json}");
    assert_eq!(fields["lines.4.area_m2"]["code"], "number", "{json}");
    assert_eq!(household_count(&w, t), 2);
    let (status, json) = import(
        &w.app,
        &owner,
        &import_path,
        "text/csv",
        "Địa chỉ\nSố 1\n".into(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json["error"]["fields"]["file"]["code"],
        "import-error-no-name-column"
    );

    // A dry run reports the duplicate parcel (12, already held) and writes
    // nothing; the import then skips it as asked.
    let csv = "Họ tên chủ hộ,Tờ bản đồ,Số thửa,Diện tích (m²)\n\
        Đỗ Văn Cường,1,20,\"120,5\"\n\
        Hoàng Văn Em,1,12,60\n";
    let (status, json) = import(
        &w.app,
        &owner,
        &format!("{import_path}?dry_run=true&skip_duplicates=true"),
        "text/csv",
        csv.into(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["lines"], 2);
    assert_eq!(json["imported"], 1);
    assert_eq!(json["duplicate_lines"], json!([3]));
    assert_eq!(household_count(&w, t), 2);
    let (status, json) = import(
        &w.app,
        w.token("totac"),
        &import_path,
        "text/csv",
        csv.into(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
    let (status, json) = import(
        &w.app,
        &owner,
        &format!("{import_path}?skip_duplicates=true&file_name=danh-sach.csv"),
        "text/csv",
        csv.into(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["imported"], 1);
    assert_eq!(household_count(&w, t), 3);

    // The page's XLSX export imports back into another task.
    let mut fields = common::task_fields(w.ward, w.owner, "Ngõ 5 Thụy Khuê", None, 2026);
    fields.team = vec![w.teammate];
    let (other, _) = db::tasks::create(&mut w.app.conn(), &fields, w.owner).unwrap();
    let browser = new_client();
    w.app.login_with(&browser, "chutri", PASSWORD).await;
    let xlsx = w
        .app
        .get_with(&browser, &format!("/tasks/{t}/households.xlsx"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let (status, json) = import(
        &w.app,
        &owner,
        &format!("/api/v1/tasks/{}/households/import", other.id),
        "application/octet-stream",
        xlsx,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["imported"], 3);
    assert_eq!(household_count(&w, other.id), 3);
}

/// Cases are recorded on a shift with the shift page's checks, read with the
/// citizen's feedback link, and an escalation is answered once.
#[tokio::test]
async fn desk_cases_are_recorded_and_escalations_answered_once() {
    let w = world().await;
    let (duty, shift) = add_duty(&w);
    let (status, list) = w
        .call(
            Some("xem"),
            Method::GET,
            &format!("/api/v1/desk/duties/{duty}/shifts"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], shift);
    assert_eq!(list["items"][0]["official_id"], w.teammate);
    let (_, theirs) = w
        .call(Some("capuy.khac"), Method::GET, "/api/v1/desk/duties", None)
        .await;
    assert_eq!(theirs["items"], json!([]));

    let cases = format!("/api/v1/desk/shifts/{shift}/cases");
    let (status, json) = w
        .call(
            Some("totac"),
            Method::POST,
            &cases,
            Some(json!({"procedure_id": 999, "note": "", "outcome": "escalated"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    for (field, code) in [
        ("procedure_id", "invalid-choice"),
        ("note", "required"),
        ("escalated_to", "required"),
        ("due_on", "required"),
    ] {
        assert_eq!(fields[field]["code"], code, "{field}: {json}");
    }
    let (status, case) = w
        .call(
            Some("totac"),
            Method::POST,
            &cases,
            Some(
                json!({"procedure_id": 1, "note": "Xin cấp sổ đỏ", "outcome": "escalated",
                "escalated_to": "Văn phòng đăng ký đất đai", "due_on": "2026-12-20",
                "priority_groups": ["elderly"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["outcome"], "escalated");
    assert_eq!(case["due_on"], "2026-12-20");
    assert!(case["feedback"].is_null());
    let link = case["feedback_url"].as_str().unwrap().to_string();
    // The link is the citizen's page, which opens without an account.
    let path = &link[link.find("/f/").unwrap()..];
    assert_eq!(w.app.get(path).await.status(), StatusCode::OK);

    let id = case["id"].as_i64().unwrap();
    let answer = format!("/api/v1/desk/cases/{id}/answer");
    let (status, _) = w
        .call(
            Some("xem"),
            Method::POST,
            &answer,
            Some(json!({"answer": "Đã có sổ"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, json) = w
        .call(
            Some("totac"),
            Method::POST,
            &answer,
            Some(json!({"answer": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"]["fields"]["answer"]["code"], "required");
    let (status, json) = w
        .call(
            Some("totac"),
            Method::POST,
            &answer,
            Some(json!({"answer": "Đã trả sổ", "answered_on": "2026-12-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["answered_on"], "2026-12-01");
    let (status, json) = w
        .call(
            Some("chutri"),
            Method::POST,
            &answer,
            Some(json!({"answer": "Lần hai"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    assert_eq!(json["error"]["code"], "conflict");
    let (_, json) = w
        .call(
            Some("xem"),
            Method::GET,
            &format!("/api/v1/desk/cases/{id}"),
            None,
        )
        .await;
    assert_eq!(json["answer"], "Đã trả sổ");
}

/// Rounds are planned with the team page's checks, recorded once per
/// version, cancelled only while planned, and problems raised on them.
#[tokio::test]
async fn team_rounds_are_planned_recorded_and_cancelled_as_on_the_pages() {
    let w = world().await;
    let (team, _) = add_team(&w);
    let today = danvan::domain::format::today();
    let member = w.token("totac").to_string();
    let rounds = format!("/api/v1/teams/{team}/rounds");
    // The lead unit's committee edits the team from the version read.
    let edit = json!({"lead_unit_id": w.ward, "name": "Tổ hỗ trợ lưu động Thụy Khuê – Bưởi",
        "period_from": today - chrono::Duration::days(30),
        "period_to": today + chrono::Duration::days(90),
        "members": [w.teammate, w.owner], "communes": [w.ward]});
    let put = |who: &str, version: &str| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::PUT,
            format!("/api/v1/teams/{team}"),
            Some(edit.clone()),
            Some(format!("\"{version}\"")),
        )
    };
    assert_eq!(put("totac", "1").await.0, StatusCode::FORBIDDEN);
    let (status, _, json) = put("chutri", "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["members"].as_array().unwrap().len(), 2);
    assert_eq!(put("chutri", "1").await.0, StatusCode::PRECONDITION_FAILED);
    let (status, json) = w
        .call(
            Some("totac"),
            Method::POST,
            &rounds,
            Some(
                json!({"unit_id": w.other_ward, "on_date": today + chrono::Duration::days(365),
                "start_time": "8h", "place": "", "kind": "outreach"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    for (field, code) in [
        ("unit_id", "invalid-choice"),
        ("on_date", "teams-error-outside-period"),
        ("start_time", "time"),
        ("place", "required"),
    ] {
        assert_eq!(fields[field]["code"], code, "{field}: {json}");
    }
    let (status, created) = w
        .call(Some("totac"), Method::POST, &rounds, Some(plan_body(&w)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "planned");
    assert_eq!(created["start_time"], "14:00");
    let id = created["id"].as_i64().unwrap();

    let result = format!("/api/v1/team-rounds/{id}/result");
    let figures = json!({"attendance": 120, "helped": {"elderly": 14, "poor": 6},
        "dossiers_prepared": 30, "dossiers_online": 22, "notes": "Hướng dẫn dịch vụ công"});
    let (status, _) = w
        .call(Some("totac"), Method::PUT, &result, Some(figures.clone()))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let put = |body: Value, version: &str| {
        send_to(
            w.app.url(""),
            member.clone(),
            Method::PUT,
            result.clone(),
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };
    let mut bad = figures.clone();
    bad["dossiers_online"] = json!(31);
    bad["helped"]["poor"] = json!(-1);
    let (status, _, json) = put(bad, "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["dossiers_online"]["code"],
        "more-than-total"
    );
    assert_eq!(json["error"]["fields"]["helped_poor"]["code"], "number");
    let (status, etag, json) = put(figures.clone(), "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(etag.as_deref(), Some("\"2\""));
    assert_eq!(json["status"], "held");
    assert_eq!(json["helped"]["elderly"], 14);
    assert_eq!(json["helped"]["disability"], 0);
    let (status, _, _) = put(figures, "1").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);

    // A held round is not cancelled; a planned one is, with a reason.
    let cancel = |round: i64, body: Value, version: &str| {
        send_to(
            w.app.url(""),
            member.clone(),
            Method::POST,
            format!("/api/v1/team-rounds/{round}/cancel"),
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };
    let (status, _, json) = cancel(id, json!({"reason": "Mưa bão"}), "2").await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    let (_, other) = w
        .call(Some("totac"), Method::POST, &rounds, Some(plan_body(&w)))
        .await;
    let other = other["id"].as_i64().unwrap();
    let (status, _, json) = cancel(other, json!({"reason": "  "}), "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"]["fields"]["reason"]["code"], "required");
    let (status, _, json) = cancel(other, json!({"reason": "Mưa bão"}), "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "cancelled");
    assert_eq!(json["notes"], "Mưa bão");

    let problems = format!("/api/v1/team-rounds/{id}/problems");
    let (status, _) = w
        .call(
            Some("totac"),
            Method::POST,
            &problems,
            Some(json!({"text": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, json) = w
        .call(
            Some("totac"),
            Method::POST,
            &problems,
            Some(json!({"text": "Đường vào xóm bị sạt lở"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["problems"][0]["text"], "Đường vào xóm bị sạt lở");
    let (_, list) = w
        .call(Some("xem"), Method::GET, &format!("{rounds}?limit=2"), None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, rest) = w
        .call(
            Some("xem"),
            Method::GET,
            &format!(
                "{rounds}?limit=2&cursor={}",
                list["next_cursor"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{rest}");
}

/// A model is registered with the model form's checks, edited by its
/// contact while registered, and moved only along its statuses by the
/// campaign's appraisers.
#[tokio::test]
async fn models_are_registered_edited_and_moved_as_on_the_pages() {
    let w = world().await;
    let campaign = add_campaign(&w);
    // The ward's committee edits the campaign from the version read.
    let mut edit = campaign_body(&w);
    edit["theme"] = json!("Dân vận khéo trong chỉnh trang đô thị và xây dựng nếp sống văn minh");
    edit["year"] = json!(1990);
    // Its appraisers stay as they were.
    edit["appraisers"] = json!(db::campaigns::appraisers(&mut w.app.conn(), campaign)
        .unwrap()
        .iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>());
    let put = |who: &str, body: Value, version: &str| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::PUT,
            format!("/api/v1/campaigns/{campaign}"),
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };
    assert_eq!(
        put("totac", edit.clone(), "1").await.0,
        StatusCode::FORBIDDEN
    );
    let mut bad = edit.clone();
    bad["theme"] = json!("");
    bad["period_to"] = json!("2025-01-01");
    let (status, _, json) = put("chutri", bad, "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(json["error"]["fields"]["theme"]["code"], "required");
    let (status, _, json) = put("chutri", edit.clone(), "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json["theme"]
        .as_str()
        .unwrap()
        .ends_with("nếp sống văn minh"));
    assert_ne!(json["year"], 1990, "the year stays once set");
    assert_eq!(
        put("chutri", edit, "1").await.0,
        StatusCode::PRECONDITION_FAILED
    );
    let models = format!("/api/v1/campaigns/{campaign}/models");
    let mut bad = model_body(&w);
    bad["unit_id"] = json!(w.other_ward);
    bad["field_id"] = json!(999);
    bad["title"] = json!(" ");
    bad["period_to"] = json!("2020-01-01");
    let (status, json) = w
        .call(Some("totac"), Method::POST, &models, Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    for field in ["unit_id", "field_id", "title", "period_to"] {
        assert!(fields[field]["code"].is_string(), "{field}: {json}");
    }
    let (status, model) = w
        .call(Some("totac"), Method::POST, &models, Some(model_body(&w)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{model}");
    assert_eq!(model["status"], "registered");
    assert_eq!(model["contact_id"], w.teammate);
    let id = model["id"].as_i64().unwrap();
    let one = format!("/api/v1/models/{id}");
    let send = |who: &str, method: Method, path: String, body: Value, version: &str| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            method,
            path,
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };

    // Only the contact edits, from the version read.
    let mut edit = model_body(&w);
    edit["title"] = json!("Tổ tự quản vệ sinh và cây xanh ngõ xóm");
    let (status, _, _) = send("chutri", Method::PUT, one.clone(), edit.clone(), "1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, etag, json) = send("totac", Method::PUT, one.clone(), edit.clone(), "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(etag.as_deref(), Some("\"2\""));
    let (status, _, _) = send("totac", Method::PUT, one.clone(), edit.clone(), "1").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);

    // The appraiser moves it, only where its status leads.
    let status_path = format!("{one}/status");
    let (status, _, _) = send(
        "totac",
        Method::PUT,
        status_path.clone(),
        json!({"status": "accepted"}),
        "2",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, json) = send(
        "mttq",
        Method::PUT,
        status_path.clone(),
        json!({"status": "commended"}),
        "2",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"]["fields"]["status"]["code"], "invalid-choice");
    let (status, _, json) = send(
        "mttq",
        Method::PUT,
        status_path.clone(),
        json!({"status": "not_accepted"}),
        "2",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"]["fields"]["reason"]["code"], "required");
    let (status, etag, json) = send(
        "mttq",
        Method::PUT,
        status_path.clone(),
        json!({"status": "accepted"}),
        "2",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "accepted");
    let version = etag.unwrap().trim_matches('"').to_string();
    // Once accepted, the registrant's edit is refused.
    let (status, _, json) = send("totac", Method::PUT, one.clone(), edit, &version).await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    let (_, json) = w.call(Some("xem"), Method::GET, &one, None).await;
    assert_eq!(json["title"], "Tổ tự quản vệ sinh và cây xanh ngõ xóm");
    assert_eq!(json["status"], "accepted");

    // The appraiser scores it on the campaign's criteria; its contact cannot.
    let (status, criteria) = w
        .call(
            Some("xem"),
            Method::GET,
            &format!("/api/v1/campaigns/{campaign}/criteria"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let criteria: Vec<(i64, f64)> = criteria["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["max_points"].as_f64().unwrap()))
        .collect();
    assert!(!criteria.is_empty());
    let scores = |share: f64| {
        json!({"scores": criteria.iter().map(|(id, max)| json!({
            "criterion_id": id, "score": (max * share * 4.0).round() / 4.0
        })).collect::<Vec<_>>()})
    };
    let appraisal = format!("{one}/appraisal");
    let (status, _) = w
        .call(Some("totac"), Method::PUT, &appraisal, Some(scores(1.0)))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nobody appraises their own model"
    );
    let mut bad = scores(0.5);
    bad["scores"][0]["score"] = json!(criteria[0].1 + 1.0);
    let (status, json) = w
        .call(Some("mttq"), Method::PUT, &appraisal, Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"][format!("score_{}", criteria[0].0)]["code"],
        "review-error-score-range"
    );
    let (status, json) = w
        .call(Some("mttq"), Method::PUT, &appraisal, Some(scores(0.5)))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let expected: f64 = criteria
        .iter()
        .map(|(_, max)| (max * 0.5 * 4.0).round() / 4.0)
        .sum();
    assert!(
        (json["total"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{json}"
    );
}

/// The Front's reviewer opens a round and moves it on; the owner assesses
/// the task and the reviewer scores it, each only at their stage, with the
/// page's checks.
#[tokio::test]
async fn a_task_is_self_assessed_and_scored_at_the_rounds_stages() {
    let w = world().await;
    let mttq = {
        use diesel::prelude::*;
        db::schema::users::table
            .filter(db::schema::users::username.eq("mttq"))
            .select(db::schema::users::id)
            .first::<i64>(&mut w.app.conn())
            .unwrap()
    };
    let body = json!({"unit_id": w.ward, "year": 2026, "title": "Giám sát việc khó năm 2026",
        "lead_id": mttq, "combine_rule": "mean", "self_due": "2026-12-10",
        "review_due": "2026-12-25", "report_number": "15/BC-MTTQ"});
    let (status, _) = w
        .call(
            Some("chutri"),
            Method::POST,
            "/api/v1/review-rounds",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only reviewers open rounds");
    let mut bad = body.clone();
    bad["review_due"] = json!("2026-12-01");
    let (status, json) = w
        .call(
            Some("mttq"),
            Method::POST,
            "/api/v1/review-rounds",
            Some(bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert!(json["error"]["fields"]["review_due"].is_object(), "{json}");
    let (status, created) = w
        .call(
            Some("mttq"),
            Method::POST,
            "/api/v1/review-rounds",
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "draft");
    let round = created["id"].as_i64().unwrap();
    let step = |to: &'static str| {
        let w = &w;
        async move {
            let version = db::reviews::find(&mut w.app.conn(), round)
                .unwrap()
                .version
                .to_string();
            let (status, _, json) = send_to(
                w.app.url(""),
                w.token("mttq").to_string(),
                Method::PUT,
                format!("/api/v1/review-rounds/{round}/status"),
                Some(json!({"status": to})),
                Some(format!("\"{version}\"")),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{json}");
            assert_eq!(json["status"], to);
        }
    };
    // The lead edits its settings from the version read.
    let mut edit = json!({"unit_id": w.ward, "year": 2026, "title": "Giám sát, đánh giá việc khó 2026",
        "lead_id": mttq, "combine_rule": "mean", "self_due": "2026-12-11",
        "review_due": "2026-12-26"});
    let put = |who: &str, body: Value, version: &str| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::PUT,
            format!("/api/v1/review-rounds/{round}"),
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };
    let v = created["version"].to_string();
    assert_eq!(
        put("chutri", edit.clone(), &v).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, json) = put("mttq", edit.clone(), &v).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["self_due"], "2026-12-11");
    edit["title"] = json!("Lần hai");
    assert_eq!(
        put("mttq", edit, &v).await.0,
        StatusCode::PRECONDITION_FAILED
    );
    let created = json;
    // A draft cannot be published straight away.
    let (status, _, json) = send_to(
        w.app.url(""),
        w.token("mttq").to_string(),
        Method::PUT,
        format!("/api/v1/review-rounds/{round}/status"),
        Some(json!({"status": "published"})),
        Some(format!("\"{}\"", created["version"])),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    let (status, criteria) = w
        .call(
            Some("mttq"),
            Method::GET,
            &format!("/api/v1/review-rounds/{round}/criteria"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let criteria: Vec<(i64, f64)> = criteria["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["max_points"].as_f64().unwrap()))
        .collect();
    assert_eq!(criteria.len(), 5);
    let full = |share: f64| {
        json!({"scores": criteria.iter().map(|(id, max)| json!({
            "criterion_id": id, "score": (max * share * 4.0).round() / 4.0, "comment": "Đạt"
        })).collect::<Vec<_>>()})
    };
    let t = w.task;
    let own = format!("/api/v1/review-rounds/{round}/tasks/{t}/self-assessment");
    let scores = format!("/api/v1/review-rounds/{round}/tasks/{t}/scores");

    // Not yet open: the owner's form is frozen.
    let (status, json) = w
        .call(Some("chutri"), Method::PUT, &own, Some(full(0.9)))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a draft is the reviewers' alone: {json}"
    );
    step("self_assessment").await;
    // Only the owner assesses; a score above the maximum and a missing
    // criterion are named.
    let (status, _) = w
        .call(Some("totac"), Method::PUT, &own, Some(full(0.9)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = full(0.9);
    bad["scores"][0]["score"] = json!(criteria[0].1 + 1.0);
    bad["scores"].as_array_mut().unwrap().pop();
    let (status, json) = w.call(Some("chutri"), Method::PUT, &own, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    assert_eq!(
        fields[format!("score_{}", criteria[0].0)]["code"],
        "review-error-score-range"
    );
    assert_eq!(
        fields[format!("score_{}", criteria[4].0)]["code"],
        "required"
    );
    let (status, json) = w
        .call(Some("chutri"), Method::PUT, &own, Some(full(0.9)))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["form"], "self");
    // Reviewers score only once the round is scoring.
    let (status, _) = w
        .call(Some("mttq"), Method::PUT, &scores, Some(full(0.8)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    step("scoring").await;
    let (status, _) = w
        .call(Some("chutri"), Method::PUT, &own, Some(full(1.0)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "self-assessment is closed");
    let (status, json) = w
        .call(Some("mttq"), Method::PUT, &scores, Some(full(0.8)))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let mine: Vec<f64> = db::reviews::scores_of(&mut w.app.conn(), round, t)
        .unwrap()
        .iter()
        .filter(|(s, _)| s.kind == db::reviews::REVIEW)
        .map(|(s, _)| s.score)
        .collect();
    assert_eq!(mine.len(), 5);
    // No dispute before publication.
    let (status, _) = w
        .call(
            Some("chutri"),
            Method::POST,
            &format!("/api/v1/review-rounds/{round}/tasks/{t}/dispute"),
            Some(json!({"reason": "Chưa tính hộ đã bàn giao"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// The responding body extends and transfers, the raising unit accepts or
/// reopens — each from the version read, each only in the status it needs.
#[tokio::test]
async fn recommendations_move_as_on_their_page() {
    let (db, base) = demo_server().await;
    let (responder, group) = (
        demo_token(&db, "sotc.nghean"),
        demo_token(&db, "tocongtac.nghean"),
    );
    let other_body: i64 = {
        use diesel::prelude::*;
        let mut conn = db::connect(&db::DatabaseUrl::parse(&db.url()).unwrap()).unwrap();
        db::schema::users::table
            .filter(db::schema::users::username.eq("sonnmt.nghean"))
            .select(db::schema::users::unit_id)
            .first(&mut conn)
            .unwrap()
    };
    let send = |token: &str, path: String, body: Option<Value>, version: Option<String>| {
        send_to(
            base.clone(),
            token.to_string(),
            Method::POST,
            path,
            body,
            version,
        )
    };
    let (_, _, list) = send_to(
        base.clone(),
        responder.clone(),
        Method::GET,
        "/api/v1/recommendations?status=open".into(),
        None,
        None,
    )
    .await;
    let open = list["items"][0].clone();
    let raise = json!({
        "from_unit_id": open["from_unit_id"], "to_unit_id": open["to_unit_id"], "field": "finance",
        "content": "Hỗ trợ kinh phí di dời mộ", "raised_on": "2026-11-02",
    });
    let (status, etag, rec) =
        send(&group, "/api/v1/recommendations".into(), Some(raise), None).await;
    assert_eq!(status, StatusCode::CREATED, "{rec}");
    let id = rec["id"].as_i64().unwrap();
    let path = |action: &str| format!("/api/v1/recommendations/{id}/{action}");
    let mut version = etag
        .or_else(|| Some(format!("\"{}\"", rec["version"])))
        .unwrap();

    // Another department does not extend it; nothing answered yet to accept.
    let other = demo_token(&db, "sonnmt.nghean");
    let (status, _, _) = send(
        &other,
        path("extend"),
        Some(json!({"due_on": "2027-01-30", "reason": "Chờ dự toán"})),
        Some(version.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, json) = send(&group, path("accept"), None, Some(version.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    let (status, _, json) = send(
        &responder,
        path("extend"),
        Some(json!({"due_on": "2026-11-03", "reason": ""})),
        Some(version.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["due_on"]["code"],
        "rec-error-extend-date"
    );
    assert_eq!(json["error"]["fields"]["reason"]["code"], "required");
    let (status, etag, json) = send(
        &responder,
        path("extend"),
        Some(json!({"due_on": "2027-01-30", "reason": "Chờ dự toán"})),
        Some(version.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["due_on"], "2027-01-30");
    let (status, _, _) = send(
        &responder,
        path("extend"),
        Some(json!({"due_on": "2027-02-28", "reason": "Lần hai"})),
        Some(version),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    version = etag.unwrap();

    // Answered, reopened with a reason, answered again, accepted once.
    let (status, etag, _) = send(
        &responder,
        path("answer"),
        Some(json!({"answer": "Đã bố trí trong dự toán 2027"})),
        Some(version),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, json) = send(
        &group,
        path("reopen"),
        Some(json!({"reason": " "})),
        etag.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let (status, etag, json) = send(
        &group,
        path("reopen"),
        Some(json!({"reason": "Chưa nêu số tiền cụ thể"})),
        etag,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "open");

    // Handed to another body, whose time runs from today; the first body
    // is answered with the result, then no longer acts on it.
    let (status, etag, json) = send(
        &responder,
        path("transfer"),
        Some(json!({"to_unit_id": other_body, "reason": "Thuộc thẩm quyền Sở Nông nghiệp và Môi trường"})),
        etag,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["to_unit_id"], other_body);
    let (status, _, _) = send(
        &responder,
        path("answer"),
        Some(json!({"answer": "Đã chuyển"})),
        etag.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, etag, _) = send(
        &other,
        path("answer"),
        Some(json!({"answer": "Đã hướng dẫn hồ sơ di dời"})),
        etag,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, etag, json) = send(&group, path("accept"), None, etag).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let closed = json["status"].clone();
    assert_ne!(closed, "answered");
    let (status, _, _) = send(&group, path("accept"), None, etag).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A duty is set up with its rota and edited from the version read; its
/// shifts are reassigned, swapped and marked as the shift page allows.
#[tokio::test]
async fn duties_and_shifts_change_as_on_the_desk_pages() {
    let w = world().await;
    let mut bad = duty_body(&w);
    bad["end_time"] = json!("07:00");
    bad["weekday"] = json!(9);
    bad["officials"] = json!([]);
    let (status, json) = w
        .call(
            Some("chutri"),
            Method::POST,
            "/api/v1/desk/duties",
            Some(bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let fields = &json["error"]["fields"];
    assert_eq!(fields["end_time"]["code"], "period-order");
    assert_eq!(fields["weekday"]["code"], "invalid-choice");
    assert_eq!(fields["officials"]["code"], "required");
    let (status, duty) = w
        .call(
            Some("chutri"),
            Method::POST,
            "/api/v1/desk/duties",
            Some(duty_body(&w)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{duty}");
    let id = duty["id"].as_i64().unwrap();
    assert_eq!(duty["officials"][0]["id"], w.teammate);
    // The rota is planned at once, officials taking turns.
    let (_, shifts) = w
        .call(
            Some("xem"),
            Method::GET,
            &format!("/api/v1/desk/duties/{id}/shifts"),
            None,
        )
        .await;
    let shifts = shifts["items"].as_array().unwrap().clone();
    assert!(shifts.len() >= 7, "{shifts:?}");
    assert_eq!(shifts[0]["official_id"], w.teammate);
    assert_eq!(shifts[1]["official_id"], w.owner);

    let one = format!("/api/v1/desk/duties/{id}");
    let mut edit = duty_body(&w);
    edit["place"] = json!("Hội trường UBND phường");
    let put = |who: &str, body: Value, version: &str| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::PUT,
            one.clone(),
            Some(body),
            Some(format!("\"{version}\"")),
        )
    };
    let (status, _, _) = put("totac", edit.clone(), "1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, etag, json) = put("chutri", edit.clone(), "1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["place"], "Hội trường UBND phường");
    assert_eq!(etag.as_deref(), Some("\"2\""));
    let (status, _, _) = put("chutri", edit, "1").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);

    // The official on the first shift asks the other official to take it;
    // the manager assigns it to them instead; then it is marked held.
    let shift = shifts[0]["id"].as_i64().unwrap();
    let change = format!("/api/v1/desk/shifts/{shift}/change");
    let post = |who: &str, body: Value, version: String| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::POST,
            change.clone(),
            Some(body),
            Some(version),
        )
    };
    let v = |n: &Value| format!("\"{}\"", n["version"]);
    let (status, _, json) = post(
        "totac",
        json!({"action": "swap", "reason": ""}),
        v(&shifts[0]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["reason"]["code"],
        "desk-error-swap-reason"
    );
    assert_eq!(json["error"]["fields"]["official_id"]["code"], "required");
    let (status, _, swapped) = post(
        "totac",
        json!({"action": "swap", "reason": "Đi tập huấn", "official_id": w.owner}),
        v(&shifts[0]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{swapped}");
    assert_eq!(swapped["swap_requested_by"], w.teammate);
    assert_eq!(swapped["swap_with"], w.owner);
    let (status, _, _) = post("totac", json!({"action": "accept"}), v(&swapped)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the asker does not accept");
    let (status, _, _) = post(
        "totac",
        json!({"action": "assign", "official_id": w.owner}),
        v(&swapped),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, json) = post(
        "chutri",
        json!({"action": "assign", "official_id": w.owner}),
        v(&shifts[0]),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{json}");
    let (status, _, assigned) = post(
        "chutri",
        json!({"action": "assign", "official_id": w.owner}),
        v(&swapped),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["official_id"], w.owner);
    let (status, _, held) = post(
        "chutri",
        json!({"action": "status", "status": "held"}),
        v(&assigned),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["status"], "held");

    // A swap agreed through the API: asked of a colleague, who accepts.
    let third = shifts[2]["id"].as_i64().unwrap();
    let change = format!("/api/v1/desk/shifts/{third}/change");
    let post = |who: &str, body: Value, version: String| {
        send_to(
            w.app.url(""),
            w.token(who).to_string(),
            Method::POST,
            change.clone(),
            Some(body),
            Some(version),
        )
    };
    let ask = json!({"action": "swap", "reason": "Đi tập huấn", "official_id": w.owner});
    let (status, _, asked) = post("totac", ask, v(&shifts[2])).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let (status, _, json) = post("chutri", json!({"action": "withdraw"}), v(&asked)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the asker withdraws: {json}"
    );
    let (status, _, taken) = post("chutri", json!({"action": "accept"}), v(&asked)).await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(
        (&taken["official_id"], &taken["swap_with"]),
        (&json!(w.owner), &Value::Null)
    );
    let (status, _, json) = post("chutri", json!({"action": "decline"}), v(&taken)).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing open: {json}");
}

/// A phone sends a visit it made offline, then again (its answer was lost):
/// stored once, the second time 200 with the same id; the id cannot be
/// reused for another household; a late visit takes its place by its date,
/// and a step judged from the stage the member saw needs no reason.
#[tokio::test]
async fn a_visit_sent_twice_from_a_phone_is_stored_once() {
    let w = world().await;
    let h = w.household;
    let visits = format!("/api/v1/households/{h}/visits");
    let today = danvan::domain::format::today();
    let visit = |on: chrono::NaiveDate, stage: &str, device: &str| {
        json!({
            "visited_on": on, "kind": "door_to_door", "stage_after": stage,
            "device_id": device, "made_at": "2026-12-01T02:03:04Z", "seen_stage": "not_contacted",
            "place": {"latitude": 21.0501, "longitude": 105.8123, "accuracy_m": 12.0},
        })
    };
    let first = visit(
        today,
        "notice_received",
        "3f0c2a8e-5b1d-4c9e-9f7a-0d2b6c1e8a41",
    );
    let (status, body) = w
        .call(Some("totac"), Method::POST, &visits, Some(first.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, again) = w
        .call(Some("totac"), Method::POST, &visits, Some(first))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id, "the visit stored before");
    let (_, list) = w.call(Some("totac"), Method::GET, &visits, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "stored once");

    // Someone moves the household on; then a visit made two days ago, from
    // "not contacted", arrives: from the stage its member saw it is the next
    // step (no reason asked, though from today's stage it goes back), it
    // takes its place before today's visits, and the stage stays today's.
    let mut on = visit(today, "inventoried", "online-visit-0001");
    on["seen_stage"] = json!("notice_received");
    let (status, body) = w
        .call(Some("chutri"), Method::POST, &visits, Some(on))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let late = visit(
        today - chrono::Duration::days(2),
        "notice_received",
        "late-visit-0001",
    );
    let (status, body) = w
        .call(Some("totac"), Method::POST, &visits, Some(late))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a step judged from the stage seen: {body}"
    );
    let (_, household) = w
        .call(
            Some("totac"),
            Method::GET,
            &format!("/api/v1/households/{h}"),
            None,
        )
        .await;
    assert_eq!(
        household["stage"], "inventoried",
        "the latest visit by date sets the stage"
    );

    // The same id for another household, and ids that are not ids.
    let other = audit::write(&mut w.app.conn(), &audit::Actor::default(), |c| {
        let task = db::tasks::find(c, w.task)?;
        Ok(db::households::create(
            c,
            &task,
            &common::household("Trần Văn Bình", "13", 60.0),
        )?)
    })
    .unwrap();
    let reused = visit(today, "notice_received", "late-visit-0001");
    let path = format!("/api/v1/households/{}/visits", other.id);
    let (status, body) = w
        .call(Some("totac"), Method::POST, &path, Some(reused))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["device_id"].is_object(), "{body}");
    for bad in ["short", "has spaces in it", &"x".repeat(65)] {
        let (status, body) = w
            .call(
                Some("totac"),
                Method::POST,
                &path,
                Some(visit(today, "notice_received", bad)),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let mut far = visit(today, "notice_received", "far-away-place-01");
    far["place"]["latitude"] = json!(123.0);
    let (status, body) = w.call(Some("totac"), Method::POST, &path, Some(far)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// Posts raw bytes to the API as a phone's app sends a photo.
async fn send_photo(
    w: &World,
    who: &str,
    path: &str,
    bytes: &[u8],
    ct: &str,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(w.app.url(path))
        .bearer_auth(w.token(who))
        .header("content-type", ct)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn a_phone_sends_a_visit_then_its_photos_each_stored_once_without_the_place() {
    const PHOTO: &[u8] = include_bytes!("../fixtures/photos/phone.jpg");
    const PNG: &[u8] = include_bytes!("../fixtures/photos/text.png");
    let w = world().await;
    let visits = format!("/api/v1/households/{}/visits", w.household);
    let visit = json!({
        "visited_on": danvan::domain::format::today(), "kind": "door_to_door",
        "stage_after": "notice_received", "device_id": "photo-visit-0001",
    });
    let (status, body) = w
        .call(Some("totac"), Method::POST, &visits, Some(visit))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let photos = format!("/api/v1/visits/{}/photos", body["id"]);

    let (status, first) = send_photo(&w, "totac", &photos, PHOTO, "image/jpeg").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (first["position"].as_i64(), first["content_type"].as_str()),
        (Some(1), Some("image/jpeg"))
    );
    let (status, again) = send_photo(&w, "totac", &photos, PHOTO, "image/jpeg").await;
    assert_eq!(status, StatusCode::OK, "the same photo again: {again}");
    assert_eq!(again["id"], first["id"]);
    // The kind is read from the content, not from what the request says.
    let (status, body) = send_photo(&w, "totac", &photos, PNG, "image/jpeg").await;
    assert_eq!(
        (status, body["content_type"].as_str()),
        (StatusCode::CREATED, Some("image/png"))
    );
    let (status, body) = send_photo(&w, "totac", &photos, b"GIF89a\x01\x00", "image/gif").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["photos"].is_array() || body.to_string().contains("photos"),
        "{body}"
    );
    let (status, _) = send_photo(&w, "totac", &photos, b"", "image/jpeg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone who may not log visits to the household adds nothing.
    let (status, _) = send_photo(&w, "xem", &photos, PHOTO, "image/jpeg").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send_photo(
        &w,
        "totac",
        "/api/v1/visits/999999/photos",
        PHOTO,
        "image/jpeg",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Listed with the visit; read without the place the camera wrote.
    let (_, list) = w.call(Some("totac"), Method::GET, &visits, None).await;
    let listed = list["items"][0]["photos"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let url = listed[0]["url"].as_str().unwrap();
    let res = reqwest::Client::new()
        .get(w.app.url(url))
        .bearer_auth(w.token("totac"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&bytes))
        .unwrap();
    assert!(exif
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .is_none());
    assert!(exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .is_some());
    // A viewer sees the visit but not its photos.
    let (_, list) = w.call(Some("xem"), Method::GET, &visits, None).await;
    assert_eq!(list["items"][0]["photos"], json!([]));
    let res = reqwest::Client::new()
        .get(w.app.url(url))
        .bearer_auth(w.token("xem"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Five at most: three more pictures (another density in each header),
    // then a sixth is refused.
    let another = |n: u8| {
        let mut other = PHOTO.to_vec();
        other[15] = n;
        other
    };
    for n in 0..3u8 {
        let (status, body) = send_photo(&w, "totac", &photos, &another(n + 2), "image/jpeg").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = send_photo(&w, "totac", &photos, &another(9), "image/jpeg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("5"), "{body}");
}

/// Mobile teams and duties numbered `numbers`: one of each that `chutri`
/// sees and one of each that they do not per number. The teams are seen in each of three ways: by their
/// lead unit, by a commune served, by being on the team.
fn add_teams_and_duties(w: &World, numbers: std::ops::Range<usize>) {
    let today = danvan::domain::format::today();
    let mut conn = w.app.conn();
    for i in numbers {
        let (lead, commune, members) = match i % 3 {
            0 => (w.ward, w.ward, vec![w.teammate]),
            1 => (w.other_ward, w.ward, vec![]),
            _ => (w.other_ward, w.other_ward, vec![w.owner, w.teammate]),
        };
        for (lead, communes, members) in [
            (lead, vec![commune], members),
            (w.other_ward, vec![w.other_ward], vec![]),
        ] {
            let fields = db::teams::TeamFields {
                lead_unit_id: lead,
                name: format!("Tổ hỗ trợ lưu động số {i}"),
                period_from: today,
                period_to: today + chrono::Duration::days(60),
                description: String::new(),
                members,
                communes,
            };
            db::teams::create(&mut conn, &fields, w.owner).unwrap();
        }
        for unit in [w.ward, w.other_ward] {
            let fields = db::desk::DutyFields {
                unit_id: unit,
                name: format!("Ngày đồng hành với công dân số {i}"),
                place: "Bộ phận một cửa".into(),
                weekday: 2,
                start_time: "07:30".into(),
                end_time: "11:30".into(),
                starts_on: today,
                active: true,
                officials: vec![w.teammate],
            };
            let (duty, _) = db::desk::create(&mut conn, &fields, w.owner).unwrap();
            db::desk::generate(&mut conn, &duty, today, 2).unwrap();
        }
    }
}

/// What reading each list costs: the statements of the second of two reads
/// (the first fills what the server keeps between requests). `lists` are
/// API paths read by `chutri`, or pages read by the browser given.
async fn list_costs(
    w: &World,
    statements: &common::Statements,
    pages: &[(&common::Browser, &str)],
    items: usize,
) -> Vec<usize> {
    let mut out = vec![];
    for path in ["/api/v1/teams", "/api/v1/desk/duties"] {
        get_as(&w.app, w.token("chutri"), path).await;
        statements.take();
        let (status, page) = get_as(&w.app, w.token("chutri"), path).await;
        let n = statements.take();
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert_eq!(page["items"].as_array().unwrap().len(), items, "{path}");
        out.push(n);
    }
    for (browser, path) in pages {
        browser.page_ok(path).await;
        statements.take();
        let html = browser.page_ok(path).await;
        let n = statements.take();
        let last = format!("số {}<", items - 1);
        assert!(html.contains(&last), "{path} lists the last one");
        out.push(n);
    }
    out
}

/// Issue 33: a list reads its page, and the page's members, communes or
/// officials, in a few queries whatever its length — not a few per item.
#[tokio::test]
async fn a_list_of_thirty_teams_or_duties_takes_as_many_queries_as_a_list_of_three() {
    let w = world_with(common::COUNTING).await;
    let committee = w.app.browser("chutri").await;
    let official = w.app.browser("totac").await;
    let pages = [(&committee, "/teams"), (&official, "/desk")];
    let statements = w.app.count_statements();
    add_teams_and_duties(&w, 0..3);
    let three = list_costs(&w, &statements, &pages, 3).await;
    add_teams_and_duties(&w, 3..30);
    let thirty = list_costs(&w, &statements, &pages, 30).await;
    assert!(three.iter().all(|n| *n > 0), "the statements are counted");
    assert_eq!(three, thirty, "API teams, duties; the teams and desk pages");

    // The members, communes and officials are each item's own.
    let (_, teams) = get_as(&w.app, w.token("chutri"), "/api/v1/teams?limit=3").await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let items = teams["items"].as_array().unwrap();
    assert_eq!(names(&items[0]["members"]), ["Đồng chí totac"]);
    assert_eq!(names(&items[0]["communes"]), ["Phường Thụy Khuê"]);
    assert_eq!(items[1]["lead_unit_name"], "Phường Bưởi");
    assert!(names(&items[1]["members"]).is_empty());
    assert_eq!(names(&items[1]["communes"]), ["Phường Thụy Khuê"]);
    assert_eq!(
        names(&items[2]["members"]),
        ["Đồng chí chutri", "Đồng chí totac"]
    );
    assert_eq!(names(&items[2]["communes"]), ["Phường Bưởi"]);
    let (_, duties) = get_as(&w.app, w.token("chutri"), "/api/v1/desk/duties").await;
    for d in duties["items"].as_array().unwrap() {
        assert_eq!(d["unit_name"], "Phường Thụy Khuê");
        assert_eq!(names(&d["officials"]), ["Đồng chí totac"]);
    }
}

/// The ids of a list read one item a page, cursor after cursor.
async fn walked(w: &World, who: &str, path: &str) -> Vec<i64> {
    let mut ids = vec![];
    let mut cursor = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (status, page) = w
            .call(
                Some(who),
                Method::GET,
                &format!("{path}{sep}limit=1&cursor={cursor}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return ids,
        }
        assert!(ids.len() < 100, "{path} never ends");
    }
}

/// The ids of a list read as one page.
async fn listed(w: &World, who: &str, path: &str) -> Vec<i64> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (status, page) = w
        .call(
            Some(who),
            Method::GET,
            &format!("{path}{sep}limit=200"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// Lists ordered by day rather than id go on after their cursor in their
/// own order, ties included, and a cursor naming another list's item ends
/// the list.
#[tokio::test]
async fn a_cursor_goes_on_in_the_lists_own_order_and_a_strangers_cursor_ends_it() {
    let w = world().await;
    let today = danvan::domain::format::today();
    // Shifts (by day), and cases of one shift (by id).
    let (duty, shift) = add_duty(&w);
    let (other_duty, other_shift) = add_duty(&w);
    {
        let mut conn = w.app.conn();
        let d = db::desk::find(&mut conn, duty).unwrap();
        db::desk::generate(&mut conn, &d, today, 4).unwrap();
    }
    for _ in 0..3 {
        let cases = format!("/api/v1/desk/shifts/{shift}/cases");
        let (status, body) = w
            .call(Some("totac"), Method::POST, &cases, Some(case_body()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Rounds (by day and hour): two at the same hour.
    let (team, _) = add_team(&w);
    let rounds = format!("/api/v1/teams/{team}/rounds");
    for body in [plan_body(&w), plan_body(&w), {
        let mut b = plan_body(&w);
        b["start_time"] = json!("07:00");
        b
    }] {
        let (status, round) = w
            .call(Some("totac"), Method::POST, &rounds, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{round}");
    }
    // Milestones (by due day): two due the same day, one before them.
    let milestones = format!("/api/v1/tasks/{}/milestones", w.task);
    for due in ["2026-12-20", "2026-12-20", "2026-12-01"] {
        let body = json!({"title": "Họp dân", "due_on": due});
        let (status, m) = w
            .call(Some("chutri"), Method::POST, &milestones, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
    }
    // Visits (newest first): two the same day.
    let visits = format!("/api/v1/households/{}/visits", w.household);
    for on in ["2026-11-30", "2026-11-02", "2026-11-30"] {
        let mut body = visit_body();
        body["visited_on"] = json!(on);
        let (status, v) = w
            .call(Some("totac"), Method::POST, &visits, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }

    let shifts = format!("/api/v1/desk/duties/{duty}/shifts");
    let cases = format!("/api/v1/desk/shifts/{shift}/cases");
    let (_, other_round) = add_team(&w);
    let other_milestone = {
        let path = format!("/api/v1/tasks/{}/milestones", {
            let (status, t) = w
                .call(
                    Some("chutri"),
                    Method::POST,
                    "/api/v1/tasks",
                    Some(task_body(&w, w.ward, "Ngõ khác")),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{t}");
            t["id"].as_i64().unwrap()
        });
        let body = json!({"title": "Khác", "due_on": "2026-12-05"});
        w.call(Some("chutri"), Method::POST, &path, Some(body))
            .await
            .1["id"]
            .as_i64()
            .unwrap()
    };
    let lists = [
        (shifts.as_str(), other_shift, 4),
        (cases.as_str(), 0, 3),
        (rounds.as_str(), other_round, 4),
        (milestones.as_str(), other_milestone, 3),
        (visits.as_str(), 0, 3),
    ];
    for (path, stranger, n) in lists {
        let all = listed(&w, "chutri", path).await;
        assert_eq!(all.len(), n, "{path}: {all:?}");
        assert_eq!(walked(&w, "chutri", path).await, all, "{path}");
        if stranger != 0 {
            let (_, page) = w
                .call(
                    Some("chutri"),
                    Method::GET,
                    &format!("{path}?cursor={stranger}"),
                    None,
                )
                .await;
            assert_eq!(page["items"], json!([]), "{path} after {stranger}");
        }
    }
    let _ = other_duty;
    // Rounds: by day, then hour, then the order they were planned in.
    let (_, page) = w.call(Some("chutri"), Method::GET, &rounds, None).await;
    let times: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["start_time"].as_str().unwrap())
        .collect();
    assert_eq!(times, ["07:00", "08:00", "14:00", "14:00"]);
    // Visits: newest first.
    let (_, page) = w.call(Some("chutri"), Method::GET, &visits, None).await;
    let days: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["visited_on"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-11-30", "2026-11-30", "2026-11-02"]);
}

/// A campaign belongs to its unit as a whole: the list shows it to readers
/// of the unit, of a unit above it and of a unit inside it, not beside it.
#[tokio::test]
async fn the_campaigns_listed_are_those_of_units_read_from_above_or_inside() {
    let w = world().await;
    let ward = add_campaign_of(&w, w.ward);
    let city = add_campaign_of(&w, w.app.root);
    let beside = add_campaign_of(&w, w.other_ward);
    for (who, expected) in [
        ("admin", vec![ward, city, beside]),
        ("xem", vec![ward, city]),
        ("capuy.khac", vec![city, beside]),
    ] {
        assert_eq!(
            listed(&w, who, "/api/v1/campaigns").await,
            expected,
            "{who}"
        );
        assert_eq!(
            walked(&w, who, "/api/v1/campaigns").await,
            expected,
            "{who}"
        );
    }
}

/// The urgency and status filters keep what the unfiltered list says, and
/// the list holds what was raised by or to a unit the reader sees.
#[tokio::test]
async fn recommendations_filtered_by_urgency_or_status_are_those_the_list_marks_so() {
    let w = world().await;
    let today = danvan::domain::format::today();
    let mut conn = w.app.conn();
    // Due every day from eight weeks ago to four weeks ahead: every urgency.
    let mut raised = vec![];
    for (n, (from, to)) in [
        (w.ward, w.other_ward),
        (w.other_ward, w.ward),
        (w.other_ward, w.other_ward),
    ]
    .into_iter()
    .cycle()
    .take(84)
    .enumerate()
    {
        let fields = db::recommendations::RecommendationFields {
            inspection_id: None,
            from_unit_id: from,
            to_unit_id: to,
            field: "other".into(),
            content: format!("Kiến nghị số {n}"),
            raised_on: today - chrono::Duration::days(70),
        };
        let due = today + chrono::Duration::days(n as i64 - 56);
        let (rec, _) = db::recommendations::create(&mut conn, &fields, 10, due, w.owner).unwrap();
        raised.push((rec.id, from == w.ward || to == w.ward));
    }
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let seen_by_ward: Vec<i64> = raised
        .iter()
        .filter(|(_, s)| *s)
        .map(|(id, _)| *id)
        .collect();
    for (user, expected) in [
        ("xem", seen_by_ward),
        ("admin", raised.iter().map(|(id, _)| *id).collect()),
    ] {
        let (_, all) = w
            .call(
                Some(user),
                Method::GET,
                "/api/v1/recommendations?limit=200",
                None,
            )
            .await;
        assert_eq!(ids(&all), expected, "{user}");
        let all = all["items"].as_array().unwrap().clone();
        for (key, value) in [
            ("urgency", "on_time"),
            ("urgency", "due_soon"),
            ("urgency", "overdue"),
            ("urgency", "long_overdue"),
            ("status", "open"),
            ("status", "answered"),
        ] {
            let path = format!("/api/v1/recommendations?limit=200&{key}={value}");
            let (status, page) = w.call(Some(user), Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK);
            let marked: Vec<i64> = all
                .iter()
                .filter(|r| r[key] == value)
                .map(|r| r["id"].as_i64().unwrap())
                .collect();
            assert!(
                marked.len() > 1 || value == "answered",
                "{user}: {key}={value}"
            );
            assert_eq!(ids(&page), marked, "{user}: {key}={value}");
        }
        let (_, none) = w
            .call(
                Some(user),
                Method::GET,
                "/api/v1/recommendations?urgency=late",
                None,
            )
            .await;
        assert_eq!(none["items"], json!([]));
    }
}
