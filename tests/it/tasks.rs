//! Difficult tasks through the real server: registering, reading, editing with
//! optimistic concurrency, status, milestones, lists and who may do what.

use crate::common;

use common::{location, new_client, spawn, TestApp, PASSWORD};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::{Client, StatusCode};

struct World {
    app: TestApp,
    ward: i64,
    other_ward: i64,
    committee: i64,
    team: i64,
    owner: i64,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let other_ward = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let team = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    let owner = app.user("chutri", ward, &[(Role::Viewer, ward)]);
    app.user("xem.longbien", other_ward, &[(Role::Viewer, other_ward)]);
    World {
        app,
        ward,
        other_ward,
        committee,
        team,
        owner,
    }
}

fn task_fields(w: &World, title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_string()),
        ("unit_id", w.ward.to_string()),
        ("category_id", "1".into()),
        (
            "description",
            "Mương thoát nước, 44 hộ chưa đồng thuận".into(),
        ),
        ("campaign_year", "2022".into()),
        ("project_start_year", "2012".into()),
        ("deadline", "30/11/2023".into()),
        ("owner_id", w.owner.to_string()),
        ("team", w.team.to_string()),
        ("area_total_m2", "1.270,8".into()),
        ("consented", "agrees_with_conditions".into()),
        ("consented", "agrees".into()),
        ("consented", "paid".into()),
        ("consented", "handed_over".into()),
    ]
}

async fn post_fields(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_with(client, path, &pairs).await
}

async fn register(w: &World, title: &str) -> i64 {
    let r = post_fields(&w.app, &w.app.client, "/tasks", &task_fields(w, title)).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    location(&r).trim_start_matches("/tasks/").parse().unwrap()
}

#[tokio::test]
async fn a_committee_member_registers_a_task_that_everyone_in_scope_can_read() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let id = register(&w, "Mương thoát nước Thụy Khuê").await;

    let (status, html) = w.app.text(&format!("/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Mương thoát nước Thụy Khuê"));
    assert!(html.contains("Đồng chí chutri"), "the owner is shown");
    assert!(html.contains("Đồng chí totac"), "the team is shown");
    assert!(html.contains("1.270,8 m²"));
    assert!(html.contains("30/11/2023"));

    let task = db::tasks::find(&mut w.app.conn(), id).unwrap();
    assert_eq!(
        (task.status.as_str(), task.version, task.created_by),
        ("registered", 1, Some(w.committee))
    );

    // The team member reads it, and finds it among their own tasks.
    let team = new_client();
    w.app.login_with(&team, "totac", PASSWORD).await;
    assert_eq!(
        w.app
            .get_with(&team, &format!("/tasks/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    let mine = w
        .app
        .get_with(&team, "/tasks/mine")
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("Mương thoát nước Thụy Khuê"));
    // Someone in another ward does not, not even by guessing the id.
    let outsider = new_client();
    w.app.login_with(&outsider, "xem.longbien", PASSWORD).await;
    assert_eq!(
        w.app
            .get_with(&outsider, &format!("/tasks/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let list = w
        .app
        .get_with(&outsider, "/tasks")
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Mương thoát nước Thụy Khuê"));
}

#[tokio::test]
async fn bad_task_input_is_shown_again_per_field_and_nothing_is_saved() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let mut fields = task_fields(&w, "");
    for (k, v) in fields.iter_mut() {
        match *k {
            "deadline" => *v = "31/02/2023".into(),
            "campaign_year" => *v = "hai nghìn".into(),
            "area_total_m2" => *v = "-5".into(),
            "unit_id" => *v = w.other_ward.to_string(),
            _ => {}
        }
    }
    let r = post_fields(&w.app, &w.app.client, "/tasks", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Không được để trống."), "title");
    assert!(html.contains("Ngày phải có dạng dd/mm/yyyy."), "deadline");
    assert!(
        html.contains("value=\"31/02/2023\""),
        "the deadline typed is kept"
    );
    assert!(html.contains("value=\"hai nghìn\""));
    assert!(html.contains("Phải là một số hợp lệ"), "area");
    assert!(
        html.contains("Lựa chọn không hợp lệ."),
        "a unit outside the committee's scope"
    );
    assert!(
        html.contains("Mương thoát nước, 44 hộ chưa đồng thuận"),
        "the description is kept"
    );
    let count: i64 = {
        use diesel::prelude::*;
        db::schema::tasks::table
            .count()
            .get_result(&mut w.app.conn())
            .unwrap()
    };
    assert_eq!(count, 0);
}

#[tokio::test]
async fn only_committee_members_register_and_only_owners_or_the_committee_edit() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let id = register(&w, "Ô đất 120 m² số 18 Tam Đa").await;

    let team = new_client();
    w.app.login_with(&team, "totac", PASSWORD).await;
    assert_eq!(
        w.app.get_with(&team, "/tasks/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = post_fields(&w.app, &team, "/tasks", &task_fields(&w, "Không được phép")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .get_with(&team, &format!("/tasks/{id}/edit"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The owner holds only a viewer role, yet edits the task they lead.
    let owner = new_client();
    w.app.login_with(&owner, "chutri", PASSWORD).await;
    let r = w.app.get_with(&owner, &format!("/tasks/{id}/edit")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let form = r.text().await.unwrap();
    assert!(
        form.contains(&format!(
            "<option value=\"{}\" selected>— Phường Thụy Khuê</option>",
            w.ward
        )),
        "the task's unit is offered"
    );
    let mut fields = task_fields(&w, "Ô đất 120 m² số 18 Tam Đa (đã thu hồi)");
    fields.push(("version", "1".into()));
    let r = post_fields(&w.app, &owner, &format!("/tasks/{id}"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id).unwrap().title,
        "Ô đất 120 m² số 18 Tam Đa (đã thu hồi)"
    );

    // Emptying a field clears it: the deadline becomes unknown.
    let mut cleared = task_fields(&w, "Ô đất 120 m² số 18 Tam Đa (đã thu hồi)");
    cleared.retain(|(k, _)| *k != "deadline");
    cleared.push(("deadline", String::new()));
    cleared.push(("version", "2".into()));
    let r = post_fields(&w.app, &owner, &format!("/tasks/{id}"), &cleared).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let task = db::tasks::find(&mut w.app.conn(), id).unwrap();
    assert_eq!(task.deadline, None);
}

#[tokio::test]
async fn the_second_of_two_concurrent_edits_gets_a_conflict_with_both_versions_and_loses_nothing() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let id = register(&w, "Khu đô thị Nam Thăng Long giai đoạn 3").await;
    let owner = new_client();
    w.app.login_with(&owner, "chutri", PASSWORD).await;

    // Both opened the form at version 1.
    let mut first = task_fields(&w, "Nam Thăng Long GĐ3 — 104 ha");
    first.push(("version", "1".into()));
    let mut second = task_fields(&w, "Khu đô thị Nam Thăng Long (giai đoạn 3)");
    second.push(("version", "1".into()));

    let r = post_fields(&w.app, &w.app.client, &format!("/tasks/{id}"), &first).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_fields(&w.app, &owner, &format!("/tasks/{id}"), &second).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("vừa được người khác sửa"));
    assert!(
        html.contains("Nam Thăng Long GĐ3 — 104 ha"),
        "the saved version is shown"
    );
    assert!(
        html.contains("Khu đô thị Nam Thăng Long (giai đoạn 3)"),
        "what the second person typed is kept"
    );
    assert!(
        html.contains("name=\"version\" value=\"2\""),
        "ready to save over version 2 knowingly"
    );
    let task = db::tasks::find(&mut w.app.conn(), id).unwrap();
    assert_eq!(
        (task.title.as_str(), task.version),
        ("Nam Thăng Long GĐ3 — 104 ha", 2)
    );

    // Saving again from version 2 goes through.
    second.retain(|(k, _)| *k != "version");
    second.push(("version", "2".into()));
    let r = post_fields(&w.app, &owner, &format!("/tasks/{id}"), &second).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(db::tasks::find(&mut w.app.conn(), id).unwrap().version, 3);
}

#[tokio::test]
async fn status_moves_forward_cancelling_needs_a_reason_and_milestones_are_kept() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let id = register(&w, "Chỉnh trang phố Thụy Khuê").await;
    let path = format!("/tasks/{id}/status");

    let r = w
        .app
        .post(&path, &[("status", "completed"), ("version", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id).unwrap().status,
        "registered",
        "cannot skip to completed"
    );

    w.app
        .post(
            &path,
            &[("status", "cancelled"), ("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id).unwrap().status,
        "registered",
        "a reason is required"
    );

    w.app
        .post(&path, &[("status", "in_progress"), ("version", "1")])
        .await;
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id).unwrap().status,
        "in_progress"
    );
    // A stale version changes nothing.
    w.app
        .post(&path, &[("status", "completed"), ("version", "1")])
        .await;
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id).unwrap().status,
        "in_progress"
    );
    w.app
        .post(&path, &[("status", "completed"), ("version", "2")])
        .await;
    let task = db::tasks::find(&mut w.app.conn(), id).unwrap();
    assert_eq!(task.status, "completed");
    assert!(task.completed_on.is_some());

    let r = w
        .app
        .post(
            &format!("/tasks/{id}/milestones"),
            &[("title", "Phê duyệt phương án"), ("due_on", "15/06/2023")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = w
        .app
        .post(
            &format!("/tasks/{id}/milestones"),
            &[("title", "Không có hạn"), ("due_on", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Không có hạn\""),
        "the title typed is kept"
    );
    assert!(
        html.contains("Không được để trống."),
        "the due date is required"
    );
    let ms = db::tasks::milestones(&mut w.app.conn(), id).unwrap();
    assert_eq!(ms.len(), 1, "a milestone without a due date is refused");
    w.app
        .post(
            &format!("/tasks/{id}/milestones/{}", ms[0].id),
            &[("done", "true")],
        )
        .await;
    assert!(db::tasks::milestones(&mut w.app.conn(), id).unwrap()[0]
        .done_on
        .is_some());

    let (_, html) = w.app.text(&format!("/tasks/{id}")).await;
    assert!(html.contains("Phê duyệt phương án"));
    assert!(
        html.contains("chuyển trạng thái"),
        "the timeline shows the status changes"
    );
}

#[tokio::test]
async fn the_list_filters_overdue_tasks_and_finds_titles_without_diacritics() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    register(&w, "Mương thoát nước Thụy Khuê").await;
    let mut later = task_fields(&w, "Chỉnh trang ngõ 45");
    for (k, v) in later.iter_mut() {
        if *k == "deadline" {
            *v = "31/12/2099".into();
        }
    }
    post_fields(&w.app, &w.app.client, "/tasks", &later).await;

    let (_, html) = w.app.text("/tasks?overdue=1").await;
    assert!(html.contains("Mương thoát nước Thụy Khuê") && !html.contains("Chỉnh trang ngõ 45"));
    assert!(html.contains("Quá hạn"));
    let (_, html) = w.app.text("/tasks?q=THUY+khue").await;
    assert!(html.contains("Mương thoát nước Thụy Khuê") && !html.contains("Chỉnh trang ngõ 45"));
    let (_, html) = w.app.text(&format!("/tasks?unit={}", w.other_ward)).await;
    assert!(html.contains("Không có việc nào phù hợp."));
}

#[tokio::test]
async fn a_task_chooses_which_stages_count_as_consented() {
    let w = world().await;
    w.app.login_ok("capuy").await;
    let id = register(&w, "Chỉ tính hộ đã bàn giao").await;
    let mut fields: Vec<(&str, String)> = task_fields(&w, "Chỉ tính hộ đã bàn giao")
        .into_iter()
        .filter(|(k, _)| *k != "consented")
        .collect();
    fields.push(("version", "1".into()));
    let r = post_fields(&w.app, &w.app.client, &format!("/tasks/{id}"), &fields).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "at least one stage"
    );
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Chọn ít nhất một giai đoạn."));
    fields.push(("consented", "handed_over".into()));
    let r = post_fields(&w.app, &w.app.client, &format!("/tasks/{id}"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::tasks::find(&mut w.app.conn(), id)
            .unwrap()
            .consented_stages,
        "handed_over"
    );
    let form = w.app.text(&format!("/tasks/{id}/edit")).await.1;
    assert!(form.contains("value=\"handed_over\" checked"));
    assert!(!form.contains("value=\"agrees\" checked"));
}

#[tokio::test]
async fn a_top_administrator_extends_the_category_list_and_retires_a_category() {
    let w = world().await;
    w.app
        .user("quantri", w.app.root, &[(Role::Admin, w.app.root)]);
    w.app.login_ok("quantri").await;
    let r = w
        .app
        .post(
            "/admin/categories",
            &[
                ("name_vi", "Trật tự đô thị"),
                ("name_en", "Urban order"),
                ("sort_order", "6"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let created = db::tasks::all_categories(&mut w.app.conn())
        .unwrap()
        .into_iter()
        .find(|c| c.name_vi == "Trật tự đô thị")
        .unwrap();
    assert_eq!(created.code, "trat_tu_do_thi");
    let (_, form) = w.app.text("/tasks/new").await;
    assert!(form.contains("Trật tự đô thị"), "offered for new tasks");

    let r = w
        .app
        .post(
            "/admin/categories",
            &[("name_vi", ""), ("name_en", "Nameless")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"Nameless\""));

    // Retired: the hidden "0" alone is sent when the box is unticked.
    let r = w
        .app
        .post(
            &format!("/admin/categories/{}", created.id),
            &[
                ("name_vi", "Trật tự đô thị"),
                ("name_en", "Urban order"),
                ("sort_order", "6"),
                ("active", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, form) = w.app.text("/tasks/new").await;
    assert!(!form.contains("Trật tự đô thị"));

    // A ward committee member may not touch the list.
    let member = new_client();
    w.app.login_with(&member, "capuy", PASSWORD).await;
    assert_eq!(
        w.app.get_with(&member, "/admin/categories").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[derive(diesel::QueryableByName)]
struct Prepared {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Almost every query is limited to the reader's subtrees. On PostgreSQL
/// each such statement is prepared once per connection and then reused,
/// rather than parsed and planned again on every request; a text search is
/// planned afresh each time, for its own pattern.
#[tokio::test]
async fn scope_limited_queries_are_prepared_once_per_connection_and_searches_never_on_postgres() {
    use diesel::RunQueryDsl;
    let app = spawn().await;
    if !app.db.is_postgres() {
        return; // SQLite keeps no list of prepared statements to ask
    }
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let mut conn = app.conn();
    let path = db::units::find(&mut conn, ward).unwrap().path;
    let mut filter = db::tasks::Filter {
        scope: vec![path],
        status: Some("registered".into()),
        ..Default::default()
    };
    let prepared = |conn: &mut db::DbConnection, like: &str| -> i64 {
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%{like}%'"
        ))
        .get_result::<Prepared>(conn)
        .unwrap()
        .n
    };
    let scoped = "\"units\".\"path\" LIKE $";
    assert_eq!(prepared(&mut conn, scoped), 0);
    let list = |conn: &mut db::DbConnection, filter: &db::tasks::Filter| {
        db::tasks::count(conn, filter).unwrap();
        db::tasks::page(conn, filter, db::tasks::Sort::Deadline, 0, 50).unwrap();
    };
    list(&mut conn, &filter);
    let after_one = prepared(&mut conn, scoped);
    assert!(after_one >= 2, "the count and the page: {after_one}");
    for _ in 0..3 {
        list(&mut conn, &filter);
        db::units::tree(&mut conn, &filter.scope, false).unwrap();
    }
    assert_eq!(
        prepared(&mut conn, scoped),
        after_one + 1,
        "and the unit tree, once"
    );

    filter.search = Some("đường".into());
    for _ in 0..6 {
        list(&mut conn, &filter);
        db::tasks::search(&mut conn, &filter.scope, "đường", 50).unwrap();
    }
    assert_eq!(prepared(&mut conn, "\"search_text\" LIKE"), 0);
}

/// The task list's choices (units, owners, categories) are kept per instance
/// until the listing version moves: a unit, a person or a category added or
/// renamed anywhere, even by hand, shows at once.
#[tokio::test]
async fn the_list_choices_follow_units_people_and_categories_changed_anywhere() {
    use danvan::db::schema::{task_categories, users};
    use diesel::prelude::*;
    let w = world().await;
    w.app.login_ok("capuy").await;
    let (_, html) = w.app.text("/tasks").await;
    assert!(html.contains("Phường Thụy Khuê") && !html.contains("Tổ dân phố số 7"));
    assert!(!html.contains("Trần Văn Chủ Trì"));

    w.app
        .unit(w.ward, UnitKind::ResidentialGroup, "Tổ dân phố số 7");
    diesel::update(users::table.find(w.owner))
        .set(users::full_name.eq("Trần Văn Chủ Trì"))
        .execute(&mut w.app.conn())
        .unwrap();
    diesel::update(task_categories::table.filter(task_categories::code.eq("other")))
        .set(task_categories::name_vi.eq("Việc khác của phường"))
        .execute(&mut w.app.conn())
        .unwrap();
    let (_, html) = w.app.text("/tasks").await;
    assert!(html.contains("Tổ dân phố số 7"));
    assert!(html.contains("Trần Văn Chủ Trì"));
    assert!(html.contains("Việc khác của phường"));
}

/// A province's thousands are not a list to choose from: the task form's
/// people pickers list at most 50 (those who reach the task's unit, and
/// whoever is chosen), and its "find a person" button shows the form again,
/// saving nothing and keeping what was typed, with anyone the reader sees
/// whose name holds what was typed, accents aside.
#[tokio::test]
async fn the_task_form_lists_a_bounded_few_and_finds_anyone_else_by_an_unaccented_name() {
    let w = world().await;
    let crowd = w
        .app
        .crowd("tovien", "Tổ viên", 60, w.ward, &[(Role::WardTeam, w.ward)]);
    // Homed in the ward without a role: the reader sees her, but she does
    // not reach the unit, so she is not among those listed by default.
    let tuyet = w.app.user("tuyet.nt", w.ward, &[]);
    w.app
        .set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "tuyet@thuykhue.test", "vi");
    w.app.login_ok("capuy").await;
    let tasks_now = || {
        use diesel::prelude::*;
        db::schema::tasks::table
            .count()
            .get_result::<i64>(&mut w.app.conn())
            .unwrap()
    };
    let before = tasks_now();

    let (_, form) = w.app.text(&format!("/tasks/new?unit_id={}", w.ward)).await;
    let owners = common::options_of(&form, "owner_id");
    assert!(
        (50..=51).contains(&owners.len()),
        "at most 50 listed, and the reader chosen as owner: {}",
        owners.len()
    );
    assert_eq!(common::options_of(&form, "team").len(), owners.len());
    assert!(form.contains("Danh sách trên chỉ hiện 50 người đầu tiên."));
    assert!(!form.contains("Nguyễn Thị Ánh Tuyết"));
    let listed = |id: i64| owners.iter().any(|(v, _, _)| *v == id.to_string());
    let unlisted = *crowd.iter().find(|id| !listed(**id)).unwrap();

    // Find by her name typed without accents: the form again, as typed.
    let mut fields = task_fields(&w, "Chỉnh trang vỉa hè phố Thụy Khuê");
    fields.retain(|(k, _)| *k != "team");
    fields.push(("team", w.team.to_string()));
    let mut finding = fields.clone();
    finding.push(("find", "anh tuyet".into()));
    finding.push(("finding", "1".into()));
    let r = post_fields(&w.app, &w.app.client, "/tasks", &finding).await;
    assert_eq!(r.status(), StatusCode::OK, "a find is not a save");
    let html = r.text().await.unwrap();
    assert_eq!(tasks_now(), before, "nothing saved");
    let co_owners = common::options_of(&html, "co_owners");
    assert!(co_owners
        .iter()
        .any(|(v, l, _)| *v == tuyet.to_string() && l == "Nguyễn Thị Ánh Tuyết (tuyet.nt)"));
    assert!(html.contains("1 người khớp với “anh tuyet”"), "{html}");
    assert!(html.contains("value=\"Chỉnh trang vỉa hè phố Thụy Khuê\""));
    assert!(html.contains("value=\"anh tuyet\""), "the find text kept");
    assert!(html.contains("1.270,8"));
    let team = common::options_of(&html, "team");
    assert!(
        team.iter().any(|(v, _, s)| *v == w.team.to_string() && *s),
        "the team member chosen stays chosen"
    );

    // Chosen, she stays chosen whatever is sought next, and after the save
    // refuses her (she does not reach the unit).
    let mut chosen = fields.clone();
    chosen.push(("co_owners", tuyet.to_string()));
    let mut other_find = chosen.clone();
    other_find.push(("find", "không có ai tên này".into()));
    other_find.push(("finding", "1".into()));
    let html = post_fields(&w.app, &w.app.client, "/tasks", &other_find)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Không có ai khớp với “không có ai tên này”."));
    assert!(common::options_of(&html, "co_owners")
        .iter()
        .any(|(v, _, s)| *v == tuyet.to_string() && *s));
    let r = post_fields(&w.app, &w.app.client, "/tasks", &chosen).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(common::options_of(&html, "co_owners")
        .iter()
        .any(|(v, _, s)| *v == tuyet.to_string() && *s));
    assert_eq!(tasks_now(), before);

    // Anyone who reaches the unit may be chosen, listed or not.
    let mut saved = fields.clone();
    saved.push(("co_owners", unlisted.to_string()));
    let r = post_fields(&w.app, &w.app.client, "/tasks", &saved).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&r).trim_start_matches("/tasks/").parse().unwrap();
    let task = db::tasks::find(&mut w.app.conn(), id).unwrap();
    let fields_now = db::tasks::fields_of(&mut w.app.conn(), &task).unwrap();
    assert_eq!(fields_now.co_owners, vec![unlisted]);
    // Listed on the edit form, though not among the first 50.
    let (_, edit) = w.app.text(&format!("/tasks/{id}/edit")).await;
    assert!(common::options_of(&edit, "co_owners")
        .iter()
        .any(|(v, _, s)| *v == unlisted.to_string() && *s));

    // An edit's find keeps its version and changes nothing.
    let mut edit_find = saved.clone();
    edit_find.retain(|(k, _)| *k != "title");
    edit_find.push(("title", "Tên đổi nhưng chưa lưu".into()));
    edit_find.push(("version", task.version.to_string()));
    edit_find.push(("find", "TUYẾT".into()));
    edit_find.push(("finding", "1".into()));
    let r = post_fields(&w.app, &w.app.client, &format!("/tasks/{id}"), &edit_find).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("name=\"version\" value=\"{}\"", task.version)));
    assert!(html.contains("value=\"Tên đổi nhưng chưa lưu\""));
    assert!(html.contains("Nguyễn Thị Ánh Tuyết"));
    let after = db::tasks::find(&mut w.app.conn(), id).unwrap();
    assert_eq!((after.title, after.version), (task.title, task.version));

    // Someone in another ward is not found.
    let mut outside = fields.clone();
    outside.push(("find", "longbien".into()));
    outside.push(("finding", "1".into()));
    let html = post_fields(&w.app, &w.app.client, "/tasks", &outside)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("xem.longbien"));
}
