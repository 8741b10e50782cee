//! Units, users and roles through the admin pages; permissions through the unit tree.

use crate::common;

use common::{location, new_client, spawn, PASSWORD};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::StatusCode;

#[tokio::test]
async fn a_role_reaches_down_the_unit_tree_but_not_up_or_sideways() {
    let app = spawn().await;
    let tay_ho = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let group = app.unit(tay_ho, UnitKind::ResidentialGroup, "Tổ dân phố số 1");
    let long_bien = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    app.user("quantri.tayho", tay_ho, &[(Role::Admin, tay_ho)]);
    app.login_ok("quantri.tayho").await;

    assert_eq!(
        app.get(&format!("/admin/units/{tay_ho}/edit"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/admin/units/{group}/edit"))
            .await
            .status(),
        StatusCode::OK,
        "descendant"
    );
    assert_eq!(
        app.get(&format!("/admin/units/{long_bien}/edit"))
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "sibling"
    );
    assert_eq!(
        app.get(&format!("/admin/units/{}/edit", app.root))
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "parent"
    );

    // The unit list shows only the subtree.
    let (_, html) = app.text("/admin/units").await;
    assert!(html.contains("Tổ dân phố số 1"));
    assert!(!html.contains("Phường Long Biên"));

    // Writing outside the subtree is refused too, and changes nothing.
    let r = app
        .post(
            &format!("/admin/units/{long_bien}"),
            &[
                ("name", "Đổi tên"),
                ("kind", "ward"),
                ("parent_id", &app.root.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        db::units::find(&mut app.conn(), long_bien).unwrap().name,
        "Phường Long Biên"
    );
}

#[tokio::test]
async fn pages_refuse_roles_that_do_not_allow_them() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Quảng An");
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);

    app.login_ok("xem").await;
    for path in [
        "/admin/users",
        "/admin/units",
        "/admin/audit",
        "/admin/users/new",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Không có quyền truy cập"),
            "a page in Vietnamese for {path}"
        );
    }
    let (_, home) = app.text("/").await;
    assert!(
        !home.contains("href=\"/admin/users\""),
        "no menu entry for what is refused"
    );

    // The Front's reviewer reads the audit log but manages nothing.
    let reviewer = new_client();
    assert_eq!(
        app.login_with(&reviewer, "mttq", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_with(&reviewer, "/admin/audit").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with(&reviewer, "/admin/units").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn missing_pages_and_records_are_404_in_the_visitors_language() {
    let app = spawn().await;
    app.user("quantri", app.root, &[(Role::Admin, app.root)]);
    let r = app.get("/khong-co-trang-nay").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Không tìm thấy trang"));

    app.login_ok("quantri").await;
    assert_eq!(
        app.get("/admin/units/999999/edit").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/users/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/users/not-a-number").await.status(),
        StatusCode::NOT_FOUND
    );

    app.post("/language", &[("lang", "en")]).await;
    let r = app.get("/admin/users/999999").await;
    assert!(r.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn bad_user_input_is_shown_again_with_the_values_typed_and_a_message_per_field() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.as_admin().await;
    let users_before = db::users::count(&mut app.conn()).unwrap();

    let r = app
        .post(
            "/admin/users",
            &[
                ("username", "Nguyễn Văn A"),
                ("full_name", "   "),
                ("email", "khong-phai-email"),
                ("unit_id", &ward.to_string()),
                ("locale", "vi"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Vui lòng sửa các ô được đánh dấu"));
    assert!(
        html.contains("value=\"Nguyễn Văn A\""),
        "the username typed is kept"
    );
    assert!(
        html.contains("value=\"khong-phai-email\""),
        "the email typed is kept"
    );
    assert!(html.contains("Từ 3 đến 40 ký tự"));
    assert!(html.contains("Không được để trống."));
    assert!(html.contains("Địa chỉ thư điện tử không hợp lệ."));
    assert!(
        html.contains(&format!(
            "<option value=\"{ward}\" selected>— Phường Tây Hồ</option>"
        )),
        "the unit chosen stays chosen"
    );
    assert_eq!(
        db::users::count(&mut app.conn()).unwrap(),
        users_before,
        "nothing was created"
    );

    // A taken username is caught too.
    let r = app
        .post(
            "/admin/users",
            &[
                ("username", "quantri"),
                ("full_name", "Ai đó"),
                ("unit_id", &ward.to_string()),
                ("locale", "vi"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Tên đăng nhập này đã có người dùng."));
}

#[tokio::test]
async fn bad_unit_input_is_shown_again_and_nothing_is_saved() {
    let app = spawn().await;
    app.as_admin().await;
    let before = db::units::count(&mut app.conn()).unwrap();
    let r = app
        .post(
            "/admin/units",
            &[
                ("name", ""),
                ("kind", "galaxy"),
                ("parent_id", &app.root.to_string()),
                ("code", "TH-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"TH-01\""));
    assert!(html.contains("Không được để trống."));
    assert!(html.contains("Lựa chọn không hợp lệ."));
    assert_eq!(db::units::count(&mut app.conn()).unwrap(), before);
}

#[tokio::test]
async fn an_admin_creates_a_user_who_logs_in_with_the_one_time_password() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.as_admin().await;

    let r = app
        .post(
            "/admin/users",
            &[
                ("username", "tran.thi.hong"),
                ("full_name", "Trần Thị Hồng"),
                ("email", "hong@tayho.example"),
                ("unit_id", &ward.to_string()),
                ("locale", "vi"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let marker = "<p class=\"secret\"><code>";
    let start = html.find(marker).expect("the one-time password is shown") + marker.len();
    let one_time = &html[start..start + 16];

    let created = db::users::find_by_username(&mut app.conn(), "tran.thi.hong")
        .unwrap()
        .unwrap();
    assert!(created.must_change_password);
    assert!(
        !created.password_hash.contains(one_time),
        "stored only hashed"
    );
    let grants = db::users::grants(&mut app.conn(), created.id).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!((grants[0].role, grants[0].unit_id), (Role::Committee, ward));

    let hong = new_client();
    let r = app.login_with(&hong, "tran.thi.hong", one_time).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.get_with(&hong, "/").await;
    assert_eq!(location(&r), "/account/password");
}

#[tokio::test]
async fn roles_are_granted_and_revoked_only_within_the_admins_reach() {
    let app = spawn().await;
    let tay_ho = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let long_bien = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    app.user("quantri.tayho", tay_ho, &[(Role::Admin, tay_ho)]);
    let member = app.user("thanh.vien", tay_ho, &[]);
    let outsider = app.user("nguoi.ngoai", long_bien, &[]);
    app.login_ok("quantri.tayho").await;

    let r = app
        .post(
            &format!("/admin/users/{member}/grants"),
            &[("role", "ward_team"), ("unit_id", &tay_ho.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A grant on a unit outside the admin's reach is refused.
    app.post(
        &format!("/admin/users/{member}/grants"),
        &[("role", "admin"), ("unit_id", &long_bien.to_string())],
    )
    .await;
    let grants = db::users::grants(&mut app.conn(), member).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].role, Role::WardTeam);

    // Users homed elsewhere are out of reach altogether.
    assert_eq!(
        app.get(&format!("/admin/users/{outsider}")).await.status(),
        StatusCode::FORBIDDEN
    );
    let (_, list) = app.text("/admin/users").await;
    assert!(list.contains("thanh.vien") && !list.contains("nguoi.ngoai"));

    let rows = db::users::grant_rows(&mut app.conn(), member).unwrap();
    let r = app
        .post(
            &format!("/admin/users/{member}/grants/{}/delete", rows[0].id),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(db::users::grants(&mut app.conn(), member)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn moving_a_unit_carries_its_subtree_and_the_roles_granted_there() {
    let app = spawn().await;
    let old_ward = app.unit(app.root, UnitKind::Ward, "Phường Cũ");
    let group = app.unit(old_ward, UnitKind::ResidentialGroup, "Tổ dân phố số 5");
    let new_ward = app.unit(app.root, UnitKind::Ward, "Phường Mới");
    app.user("quantri.moi", new_ward, &[(Role::Admin, new_ward)]);
    app.as_admin().await;

    let r = app
        .post(
            &format!("/admin/units/{group}"),
            &[
                ("name", "Tổ dân phố số 5"),
                ("kind", "residential_group"),
                ("parent_id", &new_ward.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let moved = db::units::find(&mut app.conn(), group).unwrap();
    assert_eq!(moved.parent_id, Some(new_ward));
    assert_eq!(moved.path, format!("/{}/{new_ward}/{group}/", app.root));

    // A unit cannot move under its own descendant.
    let r = app
        .post(
            &format!("/admin/units/{new_ward}"),
            &[
                ("name", "Phường Mới"),
                ("kind", "ward"),
                ("parent_id", &group.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Không thể chuyển đơn vị vào chính nó"));

    // The new ward's admin now reaches the moved group.
    let other = new_client();
    app.login_with(&other, "quantri.moi", PASSWORD).await;
    assert_eq!(
        app.get_with(&other, &format!("/admin/units/{group}/edit"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_unit_with_active_children_cannot_be_deactivated_and_roles_on_inactive_units_lapse() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let group = app.unit(ward, UnitKind::ResidentialGroup, "Tổ dân phố số 2");
    let member = app.user("to.truong", ward, &[(Role::WardTeam, group)]);
    app.as_admin().await;

    app.post(
        &format!("/admin/units/{ward}/active"),
        &[("active", "false")],
    )
    .await;
    assert!(
        db::units::find(&mut app.conn(), ward).unwrap().active,
        "still active: it has a child"
    );

    app.post(
        &format!("/admin/units/{group}/active"),
        &[("active", "false")],
    )
    .await;
    assert!(!db::units::find(&mut app.conn(), group).unwrap().active);
    assert!(
        db::users::grants(&mut app.conn(), member)
            .unwrap()
            .is_empty(),
        "the role lapses with its unit"
    );
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_with_who_and_what() {
    let app = spawn().await;
    app.as_admin().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.post(
        &format!("/admin/units/{ward}"),
        &[
            ("name", "Phường Tây Hồ (mới)"),
            ("kind", "ward"),
            ("parent_id", &app.root.to_string()),
        ],
    )
    .await;

    let (entries, total) = db::audit::list(
        &mut app.conn(),
        &db::audit::Filter {
            entity: Some("unit".into()),
            entity_id: Some(ward),
            action: Some("update".into()),
            ..Default::default()
        },
        0,
        10,
    )
    .unwrap();
    assert_eq!(total, 1);
    assert_eq!(entries[0].username.as_deref(), Some("quantri"));
    let changes: serde_json::Value = serde_json::from_str(&entries[0].changes).unwrap();
    assert_eq!(
        changes["name"],
        serde_json::json!(["Phường Tây Hồ", "Phường Tây Hồ (mới)"])
    );

    let (status, html) = app
        .text(&format!(
            "/admin/audit?entity=unit&entity_id={ward}&user=quantri"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Phường Tây Hồ (mới)"));
    // A malformed date filter is reported, not an error page.
    let (status, html) = app.text("/admin/audit?from=31/02/2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ngày phải có dạng dd/mm/yyyy."));
}

#[tokio::test]
async fn a_reviewer_reads_the_changes_in_their_scope_whoever_made_them_and_nothing_else() {
    let app = spawn().await;
    let tay_ho = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let long_bien = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    app.user("mttq.tayho", tay_ho, &[(Role::Reviewer, tay_ho)]);
    app.as_admin().await;
    app.post(
        "/admin/units",
        &[
            ("name", "Tổ dân phố số 9"),
            ("kind", "residential_group"),
            ("parent_id", &tay_ho.to_string()),
        ],
    )
    .await;
    app.post(
        "/admin/units",
        &[
            ("name", "Tổ dân phố số 7"),
            ("kind", "residential_group"),
            ("parent_id", &long_bien.to_string()),
        ],
    )
    .await;

    let reviewer = new_client();
    app.login_with(&reviewer, "mttq.tayho", PASSWORD).await;
    let r = app
        .get_with(&reviewer, "/admin/audit?entity=unit&action=create")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Tổ dân phố số 9"),
        "a change in the ward by the city admin"
    );
    assert!(
        !html.contains("Tổ dân phố số 7"),
        "a change in another ward"
    );
}

/// The log reads as the pages do: the person by name, the action and the
/// record in words, a change as `field: before → after` — and a
/// household's personal details read there are a logged read like any other.
#[tokio::test]
async fn the_audit_log_reads_in_words_and_logs_a_read_of_personal_details() {
    use danvan::db::{audit, households};
    use serde_json::json;
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    let owner = app.user("capuy.phuthuong", ward, &[(Role::Committee, ward)]);
    app.set_email(owner, "Lê Văn Thành", "thanh@example.invalid", "vi");
    app.user("mttq.phuthuong", ward, &[(Role::Reviewer, ward)]);
    let fields = common::task_fields(ward, owner, "GPMB đường Văn Cao", None, 2026);
    let (task, _) = db::tasks::create(&mut app.conn(), &fields, owner).unwrap();
    let mut h = common::household("Nguyễn Văn An", "141", 80.0);
    h.phone = "0912 345 678".into();
    let hid = audit::write(&mut app.conn(), &audit::Actor::default(), |c| {
        let task = db::tasks::find(c, task.id)?;
        Ok(households::create(c, &task, &h)?)
    })
    .unwrap()
    .id;
    // The owner changes the phone number through the API.
    let token = common::token_for(&app, owner);
    let api = reqwest::Client::new();
    let r = api
        .put(app.url(&format!("/api/v1/households/{hid}")))
        .bearer_auth(&token)
        .header("If-Match", "\"1\"")
        .json(
            &json!({"head_name": "Nguyễn Văn An", "map_sheet": "1", "parcel_no": "141",
            "area_m2": 80.0, "phone": "0987 654 321", "allow_duplicate": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // The task's timeline names the person, not the account.
    let b = app.browser("capuy.phuthuong").await;
    let r = b
        .post(
            &format!("/tasks/{}/status", task.id),
            &[("status", "in_progress"), ("version", "1")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let page = b.page_ok(&format!("/tasks/{}", task.id)).await;
    let timeline = page.split("<ul class=\"timeline\">").last().unwrap();
    let timeline = timeline.split("</ul>").next().unwrap();
    assert!(
        timeline.contains(">Lê Văn Thành</span>: chuyển trạng thái"),
        "{timeline}"
    );
    assert!(!timeline.contains(">capuy.phuthuong<"), "{timeline}");

    let reviewer = app.browser("mttq.phuthuong").await;
    let html = reviewer
        .page_ok(&format!("/admin/audit?entity=household&entity_id={hid}"))
        .await;
    assert!(html.contains("Lê Văn Thành"), "the person by name");
    assert!(html.contains("<td>cập nhật</td>"), "the action in words");
    assert!(html.contains("hộ dân #"), "the record in words");
    assert!(
        html.contains("Điện thoại: 0912 345 678 → 0987 654 321"),
        "the change as field: before → after"
    );
    assert!(!html.contains("{&quot;phone"), "no raw JSON");
    // Reading it there is logged, as on the household's page.
    let (reads, _) = audit::list(
        &mut app.conn(),
        &audit::Filter {
            entity: Some("household".into()),
            entity_id: Some(hid),
            action: Some("read_personal".into()),
            ..Default::default()
        },
        0,
        10,
    )
    .unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].username.as_deref(), Some("mttq.phuthuong"));
    assert!(reads[0].changes.contains("audit_log"));
    // English readers read English; the choice is kept on the account, for
    // their mail and their next sign-in.
    let en = app.browser("mttq.phuthuong").await;
    en.post("/language", &[("lang", "en"), ("next", "/")]).await;
    let reader = db::users::find_by_username(&mut app.conn(), "mttq.phuthuong")
        .unwrap()
        .unwrap();
    assert_eq!(reader.locale, "en");
    let html = en
        .page_ok(&format!("/admin/audit?entity=household&entity_id={hid}"))
        .await;
    assert!(
        html.contains("Phone: 0912 345 678 → 0987 654 321"),
        "{html}"
    );
}

/// The accounts list finds a person by name or username whatever accents
/// are typed, and by address as typed.
#[tokio::test]
async fn the_accounts_list_finds_a_name_typed_without_accents() {
    let app = spawn().await;
    app.as_admin().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let tuyet = app.user("tuyet.nt", ward, &[]);
    app.set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "Tuyet.NT@tayho.test", "vi");
    app.user("binh.lt", ward, &[]);
    for q in ["anh tuyet", "ÁNH TUYẾT", "tuyet.nt", "tuyet.nt@tayho"] {
        let (s, html) = app
            .text(&format!(
                "/admin/users?q={}",
                danvan::domain::format::url_encode(q)
            ))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Nguyễn Thị Ánh Tuyết"), "{q}");
        assert!(!html.contains("binh.lt"), "{q}");
    }
    let (_, html) = app.text("/admin/users?q=100%25").await;
    assert!(!html.contains("tuyet.nt"), "a % is taken literally");

    // Accounts made before the find name existed get theirs at the start.
    {
        use danvan::db::schema::users;
        use diesel::prelude::*;
        let mut conn = app.conn();
        diesel::update(users::table)
            .set(users::find_name.eq(""))
            .execute(&mut conn)
            .unwrap();
        let n = db::users::fill_find_name(&mut conn).unwrap();
        assert!(n >= 3, "{n}");
        assert_eq!(db::users::fill_find_name(&mut conn).unwrap(), 0);
    }
    let (_, html) = app.text("/admin/users?q=anh+tuyet").await;
    assert!(html.contains("Nguyễn Thị Ánh Tuyết"));
}
