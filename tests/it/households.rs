//! Households and the visit log through the real server: adding households,
//! logging and correcting visits, the stage rules, the worklist and progress.

use crate::common;

use common::{location, new_client, spawn, TestApp, PASSWORD};
use danvan::db::{self, tasks::TaskFields};
use danvan::domain::access::Role;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::{Client, StatusCode};

struct World {
    app: TestApp,
    task: i64,
    team: Client,
    teammate: i64,
}

/// A ward with a clearance task led by `chutri`, worked by `totac`; `capuy` is
/// on the committee, `xem` only views, `totac.khac` is a ward team member not on the task.
async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    let teammate = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    app.user("totac.khac", ward, &[(Role::WardTeam, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    let fields = TaskFields {
        unit_id: ward,
        category_id: 1,
        title: "Mương thoát nước Thụy Khuê".into(),
        description: String::new(),
        project_start_year: Some(2012),
        campaign_year: 2022,
        deadline: None,
        owner_id: owner,
        area_total_m2: None,
        area_cleared_m2: None,
        plans_total: None,
        plans_approved: None,
        money_paid: None,
        consented_stages: danvan::domain::consent::ConsentedSet::default().to_stored(),
        co_owners: vec![],
        team: vec![teammate],
    };
    let (task, _) = db::tasks::create(&mut app.conn(), &fields, committee).unwrap();
    let team = new_client();
    app.login_with(&team, "totac", PASSWORD).await;
    app.login_ok("chutri").await;
    World {
        app,
        task: task.id,
        team,
        teammate,
    }
}

async fn add_household(w: &World, name: &str, parcel: &str, area: &str) -> i64 {
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households", w.task),
            &[
                ("head_name", name),
                ("address", "Ngõ 1 Thụy Khuê"),
                ("map_sheet", "27"),
                ("parcel_no", parcel),
                ("area_m2", area),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    location(&r)
        .trim_start_matches("/households/")
        .parse()
        .unwrap()
}

fn today() -> String {
    format::date(format::today())
}

async fn visit(w: &World, household: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all = vec![
        ("visited_on", today()),
        ("kind", "door_to_door".to_string()),
    ];
    for (k, v) in fields {
        all.retain(|(key, _)| key != k);
        all.push((k, v.to_string()));
    }
    let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.app
        .post_with(&w.team, &format!("/households/{household}/visits"), &pairs)
        .await
}

fn stage_of(w: &World, household: i64) -> String {
    db::households::find(&mut w.app.conn(), household)
        .unwrap()
        .stage
}

#[tokio::test]
async fn the_owner_adds_households_and_a_second_one_on_the_same_parcel_must_be_confirmed() {
    let w = world().await;
    let first = add_household(&w, "Nguyễn Văn An", "525", "50").await;
    let (status, html) = w.app.text(&format!("/households/{first}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nguyễn Văn An") && html.contains("Thửa 525, tờ 27"));
    assert!(html.contains("Chưa tiếp cận"));

    let fields = [
        ("head_name", "Trần Thị Bình"),
        ("map_sheet", "27"),
        ("parcel_no", "525"),
        ("area_m2", "30"),
    ];
    let r = w
        .app
        .post(&format!("/tasks/{}/households", w.task), &fields)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Thửa đất này đã có hộ Nguyễn Văn An"));
    assert!(html.contains("value=\"Trần Thị Bình\""));
    let mut confirmed = fields.to_vec();
    confirmed.push(("allow_duplicate", "1"));
    let r = w
        .app
        .post(&format!("/tasks/{}/households", w.task), &confirmed)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bad_household_input_is_shown_again_and_nothing_is_saved() {
    let w = world().await;
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households", w.task),
            &[
                ("head_name", " "),
                ("area_m2", "-3"),
                ("phone", "gọi sau"),
                ("priority_groups", "vip"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Không được để trống."));
    assert!(html.contains("value=\"-3\""));
    assert!(html.contains("Không được là số âm."));
    assert!(html.contains("Số điện thoại chỉ gồm chữ số"));
    assert!(html.contains("Lựa chọn không hợp lệ."));
    let (rows, total) =
        db::households::list(&mut w.app.conn(), w.task, &Default::default(), 0, 10, None).unwrap();
    assert_eq!((rows.len(), total), (0, 0));
}

#[tokio::test]
async fn a_visit_moves_the_stage_and_skipping_steps_needs_a_reason() {
    let w = world().await;
    let h = add_household(&w, "Lê Văn Cường", "12", "80").await;

    let r = visit(
        &w,
        h,
        &[
            ("stage_after", "notice_received"),
            ("members", &w.teammate.to_string()),
            ("household_said", "Đã nhận thông báo"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "notice_received");

    // From notice received to paid skips steps: refused without a reason, nothing saved.
    let r = visit(&w, h, &[("stage_after", "paid")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Phải ghi lý do khi lùi giai đoạn"));
    assert_eq!(stage_of(&w, h), "notice_received");
    let r = visit(
        &w,
        h,
        &[
            ("stage_after", "paid"),
            ("reason", "Hồ sơ chuyển từ dự án cũ, đã chi trả năm 2021"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "paid");

    let (_, html) = w.app.text(&format!("/households/{h}")).await;
    assert!(
        html.contains("Đã nhận thông báo"),
        "what the household said"
    );
    assert!(html.contains("Hồ sơ chuyển từ dự án cũ"), "the reason");
}

#[tokio::test]
async fn a_future_date_or_a_next_visit_before_the_visit_is_refused_with_values_kept() {
    let w = world().await;
    let h = add_household(&w, "Phạm Thị Dung", "13", "60").await;
    let r = visit(
        &w,
        h,
        &[
            ("visited_on", "01/01/2099"),
            ("stage_after", "not_contacted"),
            ("household_said", "Chưa gặp được"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ngày không được sau hôm nay."));
    assert!(html.contains("Chưa gặp được"), "what was typed is kept");
    let r = visit(
        &w,
        h,
        &[
            ("stage_after", "notice_received"),
            ("next_visit_on", "01/01/2001"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Ngày vận động tiếp theo phải sau"));
    assert!(db::households::history(&mut w.app.conn(), h)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_correction_is_a_new_entry_that_replaces_the_one_it_corrects_and_both_stay_visible() {
    let w = world().await;
    let h = add_household(&w, "Hoàng Văn Em", "14", "40").await;
    for stage in ["notice_received", "inventoried", "in_posted_plan", "agrees"] {
        assert_eq!(
            visit(&w, h, &[("stage_after", stage)]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(stage_of(&w, h), "agrees");
    let last = db::households::history(&mut w.app.conn(), h).unwrap()[0]
        .0
        .id;

    // Correction: the household only agreed once resettlement housing exists.
    let r = visit(
        &w,
        h,
        &[
            ("stage_after", "agrees_with_conditions"),
            ("corrects_id", &last.to_string()),
            ("household_said", "Chỉ bàn giao khi có nhà tái định cư"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "agrees_with_conditions");
    let history = db::households::history(&mut w.app.conn(), h).unwrap();
    assert_eq!(history.len(), 5, "the corrected entry is kept");
    let (_, html) = w.app.text(&format!("/households/{h}")).await;
    assert!(html.contains("Đã được đính chính"));
    assert!(html.contains(&format!("Đính chính lượt #{last}")));

    // A visit of another household cannot be "corrected" from here.
    let other = add_household(&w, "Ngô Thị Giang", "15", "40").await;
    let r = visit(
        &w,
        other,
        &[
            ("stage_after", "agrees"),
            ("corrects_id", &last.to_string()),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_people_on_the_task_log_visits() {
    let w = world().await;
    let h = add_household(&w, "Đỗ Văn Hải", "16", "40").await;
    for user in ["xem", "totac.khac"] {
        let c = new_client();
        w.app.login_with(&c, user, PASSWORD).await;
        assert_eq!(
            w.app
                .get_with(&c, &format!("/households/{h}"))
                .await
                .status(),
            StatusCode::OK,
            "{user} reads"
        );
        let r = w
            .app
            .post_with(
                &c,
                &format!("/households/{h}/visits"),
                &[
                    ("visited_on", &today()),
                    ("kind", "phone"),
                    ("stage_after", "notice_received"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user} may not log");
        assert_eq!(
            w.app
                .get_with(&c, &format!("/tasks/{}/households/new", w.task))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    assert!(db::households::history(&mut w.app.conn(), h)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn households_due_appear_on_the_team_worklist_and_progress_adds_up_on_the_task_page() {
    let w = world().await;
    let agreed = add_household(&w, "Vũ Thị Lan", "17", "100").await;
    let pending = add_household(&w, "Bùi Văn Minh", "18", "50").await;
    add_household(&w, "Chưa thăm lần nào", "19", "10").await;
    for stage in ["notice_received", "inventoried", "in_posted_plan", "agrees"] {
        visit(&w, agreed, &[("stage_after", stage)]).await;
    }
    for stage in [
        "notice_received",
        "inventoried",
        "in_posted_plan",
        "considering",
    ] {
        visit(
            &w,
            pending,
            &[("stage_after", stage), ("next_visit_on", &today())],
        )
        .await;
    }

    let due = w
        .app
        .get_with(&w.team, "/visits/due")
        .await
        .text()
        .await
        .unwrap();
    assert!(due.contains("Bùi Văn Minh"));
    assert!(
        due.contains("Chưa thăm lần nào"),
        "a household never visited is due for its first visit"
    );
    assert!(
        !due.contains("Vũ Thị Lan"),
        "visited, with no next visit set"
    );

    let (_, page) = w.app.text(&format!("/tasks/{}", w.task)).await;
    assert!(page.contains("1/3"), "one of three households consented");
    assert!(page.contains("hộ đã đồng thuận (33%)"));
    assert!(
        page.contains("diện tích đã đồng thuận (63%)"),
        "100 of 160 m², 62.5 % to the nearest"
    );
    let (_, filtered) = w
        .app
        .text(&format!("/tasks/{}?stage=considering", w.task))
        .await;
    assert!(filtered.contains("Bùi Văn Minh") && !filtered.contains("Vũ Thị Lan"));
    let (_, searched) = w.app.text(&format!("/tasks/{}?q=bui+van", w.task)).await;
    assert!(searched.contains("Bùi Văn Minh") && !searched.contains("Vũ Thị Lan"));

    // The page's total, read off the counts by stage, equals a count.
    let mut conn = w.app.conn();
    let by_stage = db::households::stage_counts(&mut conn, w.task).unwrap();
    for stage in [
        None,
        Some("agrees"),
        Some("considering"),
        Some("not_contacted"),
        Some("paid"),
    ] {
        let f = db::households::Filter {
            stage: stage.map(String::from),
            ..Default::default()
        };
        let known = f.total_from(&by_stage);
        assert!(known.is_some());
        let counted = db::households::list(&mut conn, w.task, &f, 0, 50, None)
            .unwrap()
            .1;
        assert_eq!(known, Some(counted), "{stage:?}");
    }
    let due = db::households::Filter {
        due_by: Some(format::today()),
        ..Default::default()
    };
    assert_eq!(
        due.total_from(&by_stage),
        None,
        "due dates are not in the totals"
    );
}

#[tokio::test]
async fn a_dialogue_with_several_households_adds_a_visit_to_each() {
    let w = world().await;
    let a = add_household(&w, "Đinh Văn Khoa", "20", "60").await;
    let b = add_household(&w, "Lý Thị Loan", "21", "70").await;
    let not_contacted = add_household(&w, "Mai Văn Nghĩa", "22", "30").await;
    for h in [a, b] {
        for stage in [
            "notice_received",
            "inventoried",
            "in_posted_plan",
            "disagrees",
        ] {
            visit(&w, h, &[("stage_after", stage)]).await;
        }
    }
    let path = format!("/tasks/{}/dialogues", w.task);
    let post = |households: Vec<String>, reason: &'static str| {
        let mut fields = vec![
            ("held_on".to_string(), today()),
            ("place".to_string(), "Hội trường UBND phường".to_string()),
            (
                "chaired_by".to_string(),
                "Chủ tịch UBND phường, Mặt trận".to_string(),
            ),
            (
                "summary".to_string(),
                "Giải thích phương án bồi thường, hỗ trợ".to_string(),
            ),
            ("stage_after".to_string(), "dialogue_held".to_string()),
            ("reason".to_string(), reason.to_string()),
        ];
        fields.extend(
            households
                .into_iter()
                .map(|h| ("households".to_string(), h)),
        );
        fields
    };

    // Nobody chosen, or a household that skips steps without a reason: refused, nothing saved.
    let r = send(&w, &path, post(vec![], "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Chọn ít nhất một hộ"));
    let r = send(
        &w,
        &path,
        post(vec![a.to_string(), not_contacted.to_string()], ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Phải ghi lý do"));
    assert!(
        html.contains("Hội trường UBND phường"),
        "what was typed is kept"
    );
    assert_eq!(stage_of(&w, a), "disagrees");

    let r = send(&w, &path, post(vec![a.to_string(), b.to_string()], "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for h in [a, b] {
        assert_eq!(stage_of(&w, h), "dialogue_held");
        let history = db::households::history(&mut w.app.conn(), h).unwrap();
        assert_eq!(history[0].0.kind, "dialogue");
        assert!(history[0].0.dialogue_id.is_some());
    }
    assert_eq!(stage_of(&w, not_contacted), "not_contacted");
    let (_, page) = w.app.text(&format!("/tasks/{}", w.task)).await;
    assert!(page.contains("2 hộ có mặt"));
}

async fn send(w: &World, path: &str, fields: Vec<(String, String)>) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    w.app.post_with(&w.team, path, &pairs).await
}

#[tokio::test]
async fn nobody_outside_the_unit_reaches_its_households_by_guessing_ids() {
    let w = world().await;
    let h = add_household(&w, "Tạ Văn Ôn", "30", "40").await;
    let elsewhere = w.app.unit(w.app.root, UnitKind::Ward, "Phường Long Biên");
    w.app.user(
        "capuy.lb",
        elsewhere,
        &[(Role::Committee, elsewhere), (Role::WardTeam, elsewhere)],
    );
    let outsider = new_client();
    w.app.login_with(&outsider, "capuy.lb", PASSWORD).await;
    let task = w.task;
    for path in [
        format!("/households/{h}"),
        format!("/households/{h}/edit"),
        format!("/tasks/{task}"),
        format!("/tasks/{task}/households/new"),
        format!("/tasks/{task}/households/import"),
        format!("/tasks/{task}/dialogues/new"),
        format!("/tasks/{task}/households.csv"),
        format!("/tasks/{task}/households.xlsx"),
    ] {
        assert_eq!(
            w.app.get_with(&outsider, &path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        format!("/households/{h}/visits"),
        format!("/households/{h}"),
        format!("/tasks/{task}/dialogues"),
    ] {
        let r = w
            .app
            .post_with(
                &outsider,
                &path,
                &[
                    ("visited_on", &today()),
                    ("kind", "phone"),
                    ("stage_after", "agrees"),
                    ("head_name", "X"),
                    ("place", "X"),
                    ("households", &h.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    assert_eq!(stage_of(&w, h), "not_contacted");
    assert_eq!(
        db::households::find(&mut w.app.conn(), h)
            .unwrap()
            .head_name,
        "Tạ Văn Ôn"
    );
}

#[tokio::test]
async fn a_visit_entered_late_does_not_move_the_stage_past_a_later_one() {
    let w = world().await;
    let h = add_household(&w, "Trịnh Văn Khải", "21", "40").await;
    let day = |ago: i64| format::date(format::today() - chrono::Duration::days(ago));
    let log = |on: String, stage: &'static str, next: String| {
        let w = &w;
        async move {
            let r = visit(
                w,
                h,
                &[
                    ("visited_on", &on),
                    ("stage_after", stage),
                    ("next_visit_on", &next),
                    ("reason", "bổ sung"),
                ],
            )
            .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{stage} on {on}");
        }
    };
    log(day(10), "notice_received", day(3)).await;
    log(day(5), "inventoried", day(1)).await;
    let household = db::households::find(&mut w.app.conn(), h).unwrap();
    assert_eq!(
        household.stage, "inventoried",
        "in order: the last one stands"
    );
    assert_eq!(household.last_visit_on.map(format::date), Some(day(5)));
    assert_eq!(household.next_visit_on.map(format::date), Some(day(1)));

    // Entered today, held a week ago: history, not the household's stage now.
    log(day(7), "disagrees", day(2)).await;
    let household = db::households::find(&mut w.app.conn(), h).unwrap();
    assert_eq!(household.stage, "inventoried");
    assert_eq!(household.last_visit_on.map(format::date), Some(day(5)));
    assert_eq!(household.next_visit_on.map(format::date), Some(day(1)));

    // The same day as the latest: entered later, so it stands.
    log(day(5), "in_posted_plan", String::new()).await;
    let household = db::households::find(&mut w.app.conn(), h).unwrap();
    assert_eq!(household.stage, "in_posted_plan");
    assert_eq!(household.next_visit_on, None);
    assert_eq!(
        db::households::history(&mut w.app.conn(), h).unwrap().len(),
        4
    );
}

/// The worklist: households due by today on the open tasks the user owns or
/// works on, the oldest first, counted across pages.
#[tokio::test]
async fn the_worklist_holds_due_households_of_open_tasks_the_user_owns_or_works_on() {
    use danvan::db::schema::{households, tasks};
    use diesel::prelude::*;
    let w = world().await;
    let mut conn = w.app.conn();
    let ward = db::tasks::find(&mut conn, w.task).unwrap().unit_id;
    let other = w.app.user("nguoikhac", ward, &[(Role::Committee, ward)]);
    let mut task = |owner: i64, title: &str, team: Vec<i64>| {
        let mut fields = common::task_fields(ward, owner, title, None, 2026);
        fields.team = team;
        db::tasks::create(&mut conn, &fields, owner).unwrap().0
    };
    let owned = task(w.teammate, "Chủ trì: chỉnh trang vỉa hè", vec![]);
    let closed = task(other, "Đã xong", vec![w.teammate]);
    let not_mine = task(other, "Việc của người khác", vec![]);
    let on_team = db::tasks::find(&mut conn, w.task).unwrap();
    diesel::update(tasks::table.find(closed.id))
        .set(tasks::status.eq("completed"))
        .execute(&mut conn)
        .unwrap();
    let today = format::today();
    let days = |n: i64| today + chrono::Duration::days(n);
    let mut household = |task: &db::tasks::Task, name: &str, next: chrono::NaiveDate| {
        let fields = db::households::HouseholdFields {
            head_name: name.into(),
            address: "Ngõ 2".into(),
            residential_group: String::new(),
            map_sheet: String::new(),
            parcel_no: String::new(),
            area_m2: 10.0,
            land_type: String::new(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        };
        let (h, _) = db::households::create(&mut conn, task, &fields).unwrap();
        diesel::update(households::table.find(h.id))
            .set(households::next_visit_on.eq(next))
            .execute(&mut conn)
            .unwrap();
        h.id
    };
    let two_days_late = household(&on_team, "Hai ngày trước", days(-2));
    let due_today = household(&on_team, "Hôm nay", today);
    household(&on_team, "Ngày mai", days(1));
    let five_days_late = household(&owned, "Năm ngày trước", days(-5));
    household(&closed, "Việc đã xong", days(-9));
    household(&not_mine, "Không phải việc mình", days(-9));

    let due =
        db::households::due_for(&mut conn, w.teammate, today, &Default::default(), 0, 10).unwrap();
    let (rows, total) = (due.rows, due.total);
    let ids: Vec<i64> = rows.iter().map(|r| r.household_id).collect();
    assert_eq!(ids, [five_days_late, two_days_late, due_today]);
    assert_eq!(total, 3);
    assert_eq!(rows[0].task_title, "Chủ trì: chỉnh trang vỉa hè");
    assert_eq!(rows[1].task_id, w.task);
    let due =
        db::households::due_for(&mut conn, w.teammate, today, &Default::default(), 1, 1).unwrap();
    let (second, total) = (due.rows, due.total);
    assert_eq!(
        (
            second.iter().map(|r| r.household_id).collect::<Vec<_>>(),
            total
        ),
        (vec![two_days_late], 3)
    );
    let idle = w.app.user("ranh", ward, &[(Role::WardTeam, ward)]);
    let due = db::households::due_for(&mut conn, idle, today, &Default::default(), 0, 10).unwrap();
    let (none, total) = (due.rows, due.total);
    assert!(none.is_empty() && total == 0);
}

/// The tasks a filtered list counts and what search finds are kept at the
/// listing version: visits leave it (and the kept figures) alone, while every
/// change to names and tasks — through the app or by hand — shows at once.
#[tokio::test]
async fn search_and_the_task_list_total_follow_names_and_tasks_but_not_visits() {
    use danvan::db::schema::{households, tasks};
    use diesel::prelude::*;
    let w = world().await;
    let lan = add_household(&w, "Nguyễn Thị Lan", "101", "80").await;
    add_household(&w, "Trần Văn Bình", "102", "60").await;
    let version = || db::audit::listing_version(&mut w.app.conn()).unwrap();
    let total_of = |html: &str| -> String {
        let (_, rest) = html.split_once("class=\"pagination\"").expect("pagination");
        let text = rest.split("</nav>").next().unwrap();
        text.split("· ")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };

    let (_, html) = w.app.text("/search?q=nguyen+thi").await;
    assert!(html.contains("Nguyễn Thị Lan") && !html.contains("Trần Văn Bình"));
    assert!(html.contains("Chưa tiếp cận"));
    let (_, html) = w.app.text("/tasks?q=muong").await;
    let one = total_of(&html);
    assert!(one.contains('1'), "{one}");

    // A visit moves the stage, which search shows, but not the version.
    let before = version();
    let r = visit(&w, lan, &[("stage_after", "notice_received")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(version(), before, "visits do not touch what lists count");
    let (_, html) = w.app.text("/search?q=nguyen+thi").await;
    assert!(html.contains("Nguyễn Thị Lan"));
    assert!(html.contains("Đã nhận thông báo thu hồi") && !html.contains("Chưa tiếp cận"));

    // A name changed by hand, outside the app: found under the new name only.
    diesel::update(households::table.find(lan))
        .set((
            households::head_name.eq("Lê Thị Hoa"),
            households::search_text.eq("le thi hoa"),
        ))
        .execute(&mut w.app.conn())
        .unwrap();
    assert!(version() > before);
    let (_, html) = w.app.text("/search?q=nguyen+thi").await;
    assert!(!html.contains("Nguyễn Thị Lan") && !html.contains("Lê Thị Hoa"));
    let (_, html) = w.app.text("/search?q=le+thi").await;
    assert!(html.contains("Lê Thị Hoa"));

    // A second task through the app, then one renamed by hand: the filtered
    // total counts each at once.
    let second = {
        let mut fields = db::tasks::fields_of(
            &mut w.app.conn(),
            &db::tasks::find(&mut w.app.conn(), w.task).unwrap(),
        )
        .unwrap();
        fields.title = "Mương Ngõ 45".into();
        db::tasks::create(&mut w.app.conn(), &fields, w.teammate)
            .unwrap()
            .0
            .id
    };
    let (_, html) = w.app.text("/tasks?q=muong").await;
    let two = total_of(&html);
    assert!(two.contains('2') && !two.contains('1'), "{two}");
    diesel::update(tasks::table.find(second))
        .set((
            tasks::title.eq("Chỉnh trang vỉa hè"),
            tasks::search_text.eq("chinh trang via he"),
        ))
        .execute(&mut w.app.conn())
        .unwrap();
    let (_, html) = w.app.text("/tasks?q=muong").await;
    assert_eq!(total_of(&html), one);
    let (_, html) = w.app.text("/search?q=via+he").await;
    assert!(html.contains("Chỉnh trang vỉa hè"));
}

/// Two people edit the same household from the same reading: the second
/// save writes nothing and comes back with what they typed and a warning;
/// saving again then overwrites knowingly. A visit in between is no conflict.
#[tokio::test]
async fn an_edit_made_from_an_older_reading_does_not_overwrite_silently() {
    let w = world().await;
    let h = add_household(&w, "Quách Văn Phú", "50", "70").await;
    let (_, form) = w.app.text(&format!("/households/{h}/edit")).await;
    assert!(form.contains("name=\"version\" value=\"1\""), "{form}");
    let edit = |name: &'static str, version: &'static str| {
        let w = &w;
        async move {
            w.app
                .post(
                    &format!("/households/{h}"),
                    &[
                        ("head_name", name),
                        ("map_sheet", "27"),
                        ("parcel_no", "50"),
                        ("area_m2", "70"),
                        ("version", version),
                    ],
                )
                .await
        }
    };
    // A visit moves only the stage, not the version an edit is made from.
    let r = visit(&w, h, &[("stage_after", "notice_received")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        edit("Quách Văn Phú (bố)", "1").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = edit("Quách Thị Phương", "1").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("vừa được người khác cập nhật"), "{html}");
    assert!(html.contains("value=\"Quách Thị Phương\""));
    // Both versions side by side, for the name only (the rest is the same).
    assert!(
        html.contains("<td>Chủ hộ</td><td>Quách Thị Phương</td><td>Quách Văn Phú (bố)</td>"),
        "{html}"
    );
    assert!(
        !html.contains("<td>Diện tích"),
        "an unchanged area is no difference"
    );
    assert!(html.contains("name=\"version\" value=\"2\""));
    let stored = db::households::find(&mut w.app.conn(), h).unwrap();
    assert_eq!(stored.head_name, "Quách Văn Phú (bố)");
    assert_eq!(stored.stage, "notice_received");
    assert_eq!(
        edit("Quách Thị Phương", "2").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db::households::find(&mut w.app.conn(), h)
            .unwrap()
            .head_name,
        "Quách Thị Phương"
    );
}

#[tokio::test]
async fn a_name_typed_in_decomposed_unicode_is_stored_composed_and_found_by_search() {
    let w = world().await;
    // "Nguyễn Thị Hường" as some phone keyboards send it: letters and
    // combining marks.
    let decomposed = "Nguye\u{302}\u{303}n Thi\u{323} Hu\u{31b}o\u{31b}\u{300}ng";
    let id = add_household(&w, decomposed, "141", "2.045").await;
    let h = db::households::find(&mut w.app.conn(), id).unwrap();
    assert_eq!(h.head_name, "Nguyễn Thị Hường");
    assert_eq!(h.area_m2, 2045.0, "2.045 is two thousand and forty-five");
    let (_, html) = w
        .app
        .text("/search?q=Nguy%E1%BB%85n+Th%E1%BB%8B+H%C6%B0%E1%BB%9Dng")
        .await;
    assert!(html.contains("Nguyễn Thị Hường"), "{html}");
}

/// At a dialogue each household present may end where it ends: one agrees,
/// another only heard the plan; what one household chose is kept when the
/// form comes back with an error.
#[tokio::test]
async fn a_dialogue_records_each_households_own_outcome() {
    let w = world().await;
    let a = add_household(&w, "Đinh Văn Khoa", "20", "60").await;
    let b = add_household(&w, "Lý Thị Loan", "21", "70").await;
    for h in [a, b] {
        for stage in [
            "notice_received",
            "inventoried",
            "in_posted_plan",
            "disagrees",
        ] {
            visit(&w, h, &[("stage_after", stage)]).await;
        }
    }
    let path = format!("/tasks/{}/dialogues", w.task);
    let form = |place: &str, own: &str| {
        vec![
            ("held_on".to_string(), today()),
            ("place".to_string(), place.to_string()),
            ("summary".to_string(), "Đối thoại về phương án".to_string()),
            ("stage_after".to_string(), "dialogue_held".to_string()),
            ("households".to_string(), a.to_string()),
            ("households".to_string(), b.to_string()),
            ("outcomes".to_string(), format!("{a}:{own}")),
            ("outcomes".to_string(), format!("{b}:")),
        ]
    };
    // The form offers a choice per household.
    let page = w.app.text(&format!("{path}/new")).await.1;
    assert!(
        page.contains(&format!("value=\"{a}:agrees\"")),
        "an outcome of its own"
    );
    assert!(
        page.contains(&format!("value=\"{b}:\"")),
        "or the common one"
    );
    // A place missing: the form comes back with the household's own choice.
    let r = send(&w, &path, form("", "agrees")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("<option value=\"{a}:agrees\" selected>")),
        "kept"
    );
    // A stage outside the list is refused on that household.
    let r = send(&w, &path, form("Hội trường", "made_up")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stage_of(&w, a), "disagrees");
    let r = send(&w, &path, form("Hội trường UBND phường", "agrees")).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(stage_of(&w, a), "agrees");
    assert_eq!(stage_of(&w, b), "dialogue_held");
    for h in [a, b] {
        let history = db::households::history(&mut w.app.conn(), h).unwrap();
        assert!(
            history.iter().any(|(v, _)| v.kind == "dialogue"),
            "a visit to each"
        );
    }
}

/// An urban-embellishment task has its own steps — informed, agrees, done —
/// with no legal land-recovery step to skip; site clearance keeps the legal
/// steps.
#[tokio::test]
async fn embellishment_tasks_have_their_own_steps() {
    let w = world().await;
    // The task becomes one of urban embellishment (category 2).
    diesel::update(db::schema::tasks::table.find(w.task))
        .set(db::schema::tasks::category_id.eq(2))
        .execute(&mut w.app.conn())
        .unwrap();
    let h = add_household(&w, "Phạm Văn Tùng", "141", "12").await;
    let page = w.app.text(&format!("/households/{h}")).await.1;
    assert!(page.contains("Đã hiến đất, tháo dỡ xong"), "its last step");
    assert!(
        page.contains("Đã được thông tin, tuyên truyền"),
        "its first step"
    );
    assert!(
        !page.contains("value=\"notice_received\""),
        "no legal step offered"
    );
    // Informed, then agrees, then done: no reason asked.
    for stage in ["informed", "agrees", "done"] {
        let r = visit(&w, h, &[("stage_after", stage)]).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{stage}: {}",
            r.text().await.unwrap()
        );
        assert_eq!(stage_of(&w, h), stage);
    }
    // A legal step is not one of its steps.
    let other = add_household(&w, "Ngô Thị Hằng", "142", "8").await;
    let r = visit(&w, other, &[("stage_after", "notice_received")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Agreeing at the first visit skips "informed": a reason, as anywhere.
    let r = visit(&w, other, &[("stage_after", "agrees")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Done counts as consented and as handed over on the task page.
    let (_, page) = w.app.text(&format!("/tasks/{}", w.task)).await;
    assert!(page.contains("hộ đã đồng thuận (50%)"), "1 of 2");

    // Site clearance is unchanged: agreeing at once needs a reason.
    diesel::update(db::schema::tasks::table.find(w.task))
        .set(db::schema::tasks::category_id.eq(1))
        .execute(&mut w.app.conn())
        .unwrap();
    let third = add_household(&w, "Hồ Văn Nam", "143", "20").await;
    let r = visit(&w, third, &[("stage_after", "agrees")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = visit(&w, third, &[("stage_after", "notice_received")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// A household registered through the form with its place and phone.
async fn add_placed(
    w: &World,
    name: &str,
    group: &str,
    address: &str,
    parcel: &str,
    phone: &str,
) -> i64 {
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households", w.task),
            &[
                ("head_name", name),
                ("residential_group", group),
                ("address", address),
                ("map_sheet", "27"),
                ("parcel_no", parcel),
                ("area_m2", "50"),
                ("phone", phone),
                ("same_parcel_ok", "1"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    location(&r)
        .trim_start_matches("/households/")
        .parse()
        .unwrap()
}

/// The order names appear in on a page.
fn order_of(html: &str, names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .map(|n| html.find(n).unwrap_or(usize::MAX))
        .collect()
}

/// The field team narrows its worklist to a task, a residential group or a
/// street, and walks it in address order (number 2 before number 10).
#[tokio::test]
async fn the_worklist_filters_by_task_group_and_street_and_sorts_in_walking_order() {
    let w = world().await;
    add_placed(&w, "Hộ Mười", "Tổ 5", "Số 10, đường Văn Cao", "1", "").await;
    add_placed(&w, "Hộ Hai", "Tổ 5", "Số 2, đường Văn Cao", "2", "").await;
    add_placed(&w, "Hộ Tổ Ba", "Tổ 3", "Số 7, ngõ Hòa Bình", "3", "").await;
    add_placed(
        &w,
        "Hộ Tổ Mười Hai",
        "Tổ 12",
        "Số 1, đường Văn Cao",
        "4",
        "",
    )
    .await;
    let page = |q: &str| {
        let url = format!("/visits/due{q}");
        let (app, team) = (&w.app, &w.team);
        async move {
            let r = app.get_with(team, &url).await;
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            r.text().await.unwrap()
        }
    };
    // Walking order: by group (3, 5, 12 — numbers as numbers), then address.
    let html = page("?sort=address").await;
    let at = order_of(&html, &["Hộ Tổ Ba", "Hộ Hai", "Hộ Mười<", "Hộ Tổ Mười Hai"]);
    assert!(at.windows(2).all(|p| p[0] < p[1]), "{at:?}");
    // By day due (all today), then as registered.
    let html = page("").await;
    let at = order_of(&html, &["Hộ Mười<", "Hộ Hai", "Hộ Tổ Ba"]);
    assert!(at.windows(2).all(|p| p[0] < p[1]), "{at:?}");
    // The groups on offer are those of the households due, in order.
    let at = order_of(
        &html,
        &[
            "<option value=\"Tổ 3\"",
            "<option value=\"Tổ 5\"",
            "<option value=\"Tổ 12\"",
        ],
    );
    assert!(
        at.windows(2).all(|p| p[0] < p[1] && p[1] != usize::MAX),
        "{at:?}"
    );
    let html = page("?group=T%E1%BB%95%205").await;
    assert!(html.contains("Hộ Hai") && html.contains("Hộ Mười<"));
    assert!(!html.contains("Hộ Tổ Ba") && !html.contains("Hộ Tổ Mười Hai"));
    // A street typed without accents.
    let html = page("?street=van+cao").await;
    assert!(html.contains("Hộ Hai") && html.contains("Hộ Tổ Mười Hai"));
    assert!(!html.contains("Hộ Tổ Ba"));
    // Another task of the same team: only its households.
    let mut fields = common::task_fields(
        db::tasks::find(&mut w.app.conn(), w.task).unwrap().unit_id,
        w.teammate,
        "Chỉnh trang ngõ Hòa Bình",
        None,
        2026,
    );
    fields.team = vec![w.teammate];
    let (other, _) = db::tasks::create(&mut w.app.conn(), &fields, w.teammate).unwrap();
    let html = page(&format!("?task={}", other.id)).await;
    assert!(!html.contains("Hộ Hai"), "another task's households");
    assert!(
        html.contains("Chỉnh trang ngõ Hòa Bình"),
        "the task on offer"
    );
}

/// Search finds a household by its parcel, its address or its phone, not
/// only by its head's name; a phone only for those who work the task.
#[tokio::test]
async fn search_finds_households_by_parcel_address_and_phone() {
    let w = world().await;
    let h = add_placed(
        &w,
        "Phạm Văn Tùng",
        "Tổ dân phố số 4",
        "Số 12, ngõ 141 Thụy Khuê",
        "141",
        "0912 345 678",
    )
    .await;
    add_placed(
        &w,
        "Hộ Khác",
        "Tổ 9",
        "Số 3, phố Hoàng Hoa Thám",
        "142",
        "0987 000 111",
    )
    .await;
    let found = |html: &str| html.contains(&format!("href=\"/households/{h}\""));
    for q in [
        "thửa 141",
        "thua 141",
        "141/27",
        "tờ 27 thửa 141",
        "ngo 141 thuy khue",
        "to dan pho so 4",
        "0912345678",
        "0912 345 678",
        "+84 912 345 678",
    ] {
        let url = format!("/search?q={}", danvan::domain::format::url_encode(q));
        let (status, html) = w.app.text(&url).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert!(found(&html), "{q} finds the household");
        assert!(!html.contains("Hộ Khác"), "{q} finds only it");
    }
    let (_, html) = w.app.text("/search?q=141%2F99").await;
    assert!(!found(&html), "another map sheet");
    // The task page's own search box reads the same way.
    let (_, html) = w
        .app
        .text(&format!("/tasks/{}?q=th%E1%BB%ADa+141", w.task))
        .await;
    assert!(
        found(&html) && !html.contains("Hộ Khác"),
        "task page by parcel"
    );
    // A reader who may only read the ward does not find people by phone.
    let viewer = w.app.browser("xem").await;
    for q in ["0912345678", "91234567", "345678", "345+678"] {
        let html = viewer.page_ok(&format!("/search?q={q}")).await;
        assert!(!found(&html), "no phone lookup for a reader: {q}");
        let html = viewer.page_ok(&format!("/tasks/{}?q={q}", w.task)).await;
        assert!(!found(&html), "nor on the task page: {q}");
    }
    // Nor for a member of the ward's teams who is not on this task (phones
    // are masked for them here).
    let elsewhere = w.app.browser("totac.khac").await;
    let html = elsewhere.page_ok("/search?q=0912345678").await;
    assert!(!found(&html), "no phone lookup off one's tasks");
    // The team on the task does find it.
    let html = w.app.on(&w.team).page_ok("/search?q=0912345678").await;
    assert!(found(&html), "the team finds it by phone");
    let html = viewer.page_ok("/search?q=th%E1%BB%ADa+141").await;
    assert!(found(&html), "but the parcel, as the list shows it");
}

/// A household's log is shown twenty visits at a time, newest first, with a
/// link to the older ones: a household visited every week for years (or
/// the benchmark's hundreds) does not make its page slow. A correction on
/// one page still marks the visit it corrects on another, and a visit of
/// an older page can be corrected.
#[tokio::test]
async fn the_visit_log_is_paged_and_corrections_reach_across_pages() {
    let w = world().await;
    let h = add_household(&w, "Đỗ Văn Lâu", "31", "50").await;
    for i in 0..24 {
        let said = format!("Lượt thứ {i}");
        let r = visit(
            &w,
            h,
            &[("stage_after", "not_contacted"), ("household_said", &said)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let all = db::households::history(&mut w.app.conn(), h).unwrap();
    let oldest = all.last().unwrap().0.id;
    // The oldest visit corrected now: the correction is the newest.
    let r = visit(
        &w,
        h,
        &[
            ("stage_after", "not_contacted"),
            ("corrects_id", &oldest.to_string()),
            ("household_said", "Đính chính lượt đầu"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, first) = w.app.text(&format!("/households/{h}")).await;
    assert_eq!(first.matches("<li id=\"visit-").count(), 20);
    assert!(first.contains("Đính chính lượt đầu"));
    assert!(!first.contains(&format!("id=\"visit-{oldest}\"")));
    let older = first
        .split("?before=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("a link to the older visits")
        .to_string();
    let (status, second) = w.app.text(&format!("/households/{h}?before={older}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second.matches("<li id=\"visit-").count(), 5);
    assert!(second.contains(&format!("id=\"visit-{oldest}\" class=\"superseded\"")));
    assert!(
        !second.contains("?before="),
        "no page older than the oldest"
    );
    assert!(second.contains("Các lượt mới nhất"));

    // Correcting a visit of the older page pre-fills the form from it.
    let second_oldest = all[all.len() - 2].0.id;
    let (_, form) = w
        .app
        .text(&format!("/households/{h}?correct={second_oldest}"))
        .await;
    assert!(
        form.contains("Lượt thứ 1<"),
        "the form holds what was said then"
    );
}

/// The rows of a task list's page are kept at the listing version: a change
/// made by hand in SQL to anything a row shows — the title, the status, the
/// unit's, category's and owner's names — is on the next page load, while
/// visits leave the kept rows alone.
#[tokio::test]
async fn the_kept_task_list_rows_follow_every_change_they_show() {
    use danvan::db::schema::{task_categories, tasks, units, users};
    let w = world().await;
    let h = add_household(&w, "Lý Văn Minh", "61", "30").await;
    let (_, html) = w.app.text("/tasks").await;
    assert!(html.contains("Mương thoát nước Thụy Khuê"));
    // A visit does not move what a row shows.
    assert_eq!(
        visit(&w, h, &[("stage_after", "notice_received")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, again) = w.app.text("/tasks").await;
    assert!(again.contains("Mương thoát nước Thụy Khuê"));
    let task = db::tasks::find(&mut w.app.conn(), w.task).unwrap();
    let mut conn = w.app.conn();
    type Change<'a> = Box<dyn Fn(&mut db::DbConnection) + 'a>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "Mương Thụy Khuê đoạn 2",
            Box::new(|c| {
                diesel::update(tasks::table.find(w.task))
                    .set(tasks::title.eq("Mương Thụy Khuê đoạn 2"))
                    .execute(c)
                    .unwrap();
            }),
        ),
        (
            "<td>Hoàn thành</td>",
            Box::new(|c| {
                diesel::update(tasks::table.find(w.task))
                    .set(tasks::status.eq("completed"))
                    .execute(c)
                    .unwrap();
            }),
        ),
        (
            "Phường Thụy Khuê mới",
            Box::new(|c| {
                diesel::update(units::table.find(task.unit_id))
                    .set(units::name.eq("Phường Thụy Khuê mới"))
                    .execute(c)
                    .unwrap();
            }),
        ),
        (
            "Loại việc đổi tên",
            Box::new(|c| {
                diesel::update(task_categories::table.find(task.category_id))
                    .set(task_categories::name_vi.eq("Loại việc đổi tên"))
                    .execute(c)
                    .unwrap();
            }),
        ),
        (
            "Chủ trì Đổi Tên",
            Box::new(|c| {
                diesel::update(users::table.find(task.owner_id))
                    .set(users::full_name.eq("Chủ trì Đổi Tên"))
                    .execute(c)
                    .unwrap();
            }),
        ),
    ];
    for (shown, change) in changes {
        change(&mut conn);
        let (_, html) = w.app.text("/tasks").await;
        assert!(html.contains(shown), "the list shows {shown}");
    }
}
