//! Logging in and out, rate limits, CSRF, sessions and the first-run path.

use crate::common;

use common::{location, new_client, spawn, spawn_with, PASSWORD};
use danvan::domain::access::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn the_login_page_is_in_vietnamese_by_default_and_english_on_request() {
    let app = spawn().await;
    let (status, html) = app.text("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Đăng nhập"));
    assert!(html.contains("Tên đăng nhập"));

    let r = app
        .post("/language", &[("lang", "en"), ("next", "/login")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    let (_, html) = app.text("/login").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Log in"));
    assert!(html.contains("Username"));
}

#[tokio::test]
async fn a_user_logs_in_sees_their_roles_and_logs_out() {
    let app = spawn().await;
    let ward = app.unit(
        app.root,
        danvan::domain::units::UnitKind::Ward,
        "Phường Tây Hồ",
    );
    app.user("capuy.tayho", ward, &[(Role::Committee, ward)]);

    let r = app.get("/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2F");

    let r = app.login("capuy.tayho", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let (status, html) = app.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Xin chào, Đồng chí capuy.tayho"), "{html}");
    assert!(html.contains("Cấp ủy"));
    assert!(html.contains("Phường Tây Hồ"));

    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?logged_out=1");
    let r = app.get("/").await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the session is gone after logout"
    );
}

#[tokio::test]
async fn a_login_goes_back_to_the_page_asked_for_but_never_off_site() {
    let app = spawn().await;
    app.user("quantri", app.root, &[(Role::Admin, app.root)]);
    let r = app
        .post(
            "/login",
            &[
                ("username", "quantri"),
                ("password", PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/users");
    let other = new_client();
    let r = app
        .post_with(
            &other,
            "/login",
            &[
                ("username", "quantri"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_generic_message() {
    let app = spawn().await;
    app.user("totac", app.root, &[(Role::WardTeam, app.root)]);

    let r = app.login("totac", "sai-mat-khau-1").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let wrong_pw = r.text().await.unwrap();
    assert!(wrong_pw.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    assert!(
        wrong_pw.contains("value=\"totac\""),
        "the username typed is kept"
    );

    let r = app.login("khong-ton-tai", "sai-mat-khau-1").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let unknown = r.text().await.unwrap();
    assert!(unknown.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "still logged out"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_but_not_other_accounts() {
    let app = spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
        ("LOGIN_MAX_FAILURES_PER_IP", "100"),
    ])
    .await;
    app.user("nan.nhan", app.root, &[(Role::Viewer, app.root)]);
    app.user("nguoi.khac", app.root, &[(Role::Viewer, app.root)]);
    for _ in 0..3 {
        assert_eq!(
            app.login("nan.nhan", "doan-mo-123").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while the account is locked.
    let r = app.login("nan.nhan", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("thử lại sau 15 phút"));
    assert_eq!(app.get("/").await.status(), StatusCode::SEE_OTHER);

    let r = app.login("nguoi.khac", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "another account is not locked"
    );
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_limited_across_accounts() {
    let app = spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "100"),
        ("LOGIN_MAX_FAILURES_PER_IP", "4"),
    ])
    .await;
    app.user("a.b", app.root, &[(Role::Viewer, app.root)]);
    for i in 0..4 {
        let name = format!("doan{i}");
        assert_eq!(
            app.login(&name, "doan-mo-123").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login("a.b", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn().await;
    app.as_admin().await;
    let units_before = danvan::db::units::count(&mut app.conn()).unwrap();

    let fields = [
        ("name", "Phường Mới"),
        ("kind", "ward"),
        ("parent_id", &app.root.to_string()),
    ];
    let r = app
        .client
        .post(app.url("/admin/units"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Phiên làm việc đã hết hạn"));

    let mut forged = fields.to_vec();
    let bad = "0".repeat(64);
    forged.push(("_csrf", &bad));
    let r = app
        .client
        .post(app.url("/admin/units"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        danvan::db::units::count(&mut app.conn()).unwrap(),
        units_before
    );

    // The same form with the session's token goes through.
    let r = app.post("/admin/units", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        danvan::db::units::count(&mut app.conn()).unwrap(),
        units_before + 1
    );
}

#[tokio::test]
async fn login_itself_needs_the_csrf_token() {
    let app = spawn().await;
    app.user("quantri", app.root, &[(Role::Admin, app.root)]);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "quantri"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn().await;
    app.user("totac", app.root, &[(Role::WardTeam, app.root)]);
    let phone = new_client();
    assert_eq!(
        app.login_with(&phone, "totac", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.login_ok("totac").await;

    let r = app
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "mat-khau-moi-2023"),
                ("confirm", "mat-khau-moi-2023"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        app.get_with(&phone, "/").await.status(),
        StatusCode::SEE_OTHER,
        "the phone is logged out"
    );
    assert_eq!(
        app.login_with(&new_client(), "totac", "mat-khau-moi-2023")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_wrong_current_password_or_weak_new_one_is_explained_per_field() {
    let app = spawn().await;
    app.user("totac", app.root, &[(Role::WardTeam, app.root)]);
    app.login_ok("totac").await;
    let r = app
        .post(
            "/account/password",
            &[
                ("current", "sai-roi-123"),
                ("new", "12345"),
                ("confirm", "54321"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Mật khẩu hiện tại không đúng."));
    assert!(html.contains("Mật khẩu phải có ít nhất 10 ký tự."));
    assert!(html.contains("Hai lần nhập mật khẩu không khớp."));
    assert!(
        !html.contains("sai-roi-123"),
        "passwords are never echoed back"
    );
    // Nothing changed: the old password still works.
    assert_eq!(
        app.login_with(&new_client(), "totac", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_first_administrator_must_replace_the_one_time_password() {
    let app = spawn().await;
    let one_time = danvan::setup::first_run(&mut app.conn())
        .unwrap()
        .expect("no users yet");
    assert!(
        danvan::setup::first_run(&mut app.conn()).unwrap().is_none(),
        "only once"
    );

    let r = app.login("admin", &one_time).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.get("/admin/units").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account/password");
    let (status, html) = app.text("/account/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("mật khẩu dùng một lần"));

    let r = app
        .post(
            "/account/password",
            &[
                ("current", &one_time),
                ("new", "quan-tri-2026!"),
                ("confirm", "quan-tri-2026!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.text("/admin/units").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thành phố Hà Nội"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_and_pages_carry_security_headers() {
    let app = spawn().await;
    let r = app.get("/login").await;
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("dvk_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(
        !cookie.contains("Secure"),
        "not on plain HTTP unless configured"
    );
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    assert!(
        h.get("strict-transport-security").is_none(),
        "not over plain HTTP"
    );

    let secure = spawn_with(&[("COOKIE_SECURE", "true")]).await;
    let r = secure.get("/login").await;
    assert!(r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Secure"));
    // Behind HTTPS, browsers are told to keep to it.
    assert_eq!(
        r.headers().get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_and_loses_open_sessions() {
    let app = spawn().await;
    app.user("quantri", app.root, &[(Role::Admin, app.root)]);
    let id = app.user("roi.di", app.root, &[(Role::Viewer, app.root)]);
    let theirs = new_client();
    assert_eq!(
        app.login_with(&theirs, "roi.di", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    app.login_ok("quantri").await;
    let r = app
        .post(&format!("/admin/users/{id}/active"), &[("active", "false")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        app.get_with(&theirs, "/").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = app.login_with(&new_client(), "roi.di", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn healthz_names_the_backend() {
    let app = spawn().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn healthz_is_503_when_the_database_does_not_answer() {
    let app = spawn_with(&[("DB_POOL_SIZE", "1"), ("DB_TIMEOUT_SECONDS", "1")]).await;
    // Hold the only connection: the server cannot reach the database in time.
    let held = app.pool.get().unwrap();
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    drop(held);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn connections_the_database_server_ended_are_replaced() {
    let app = spawn_with(&[("DB_POOL_SIZE", "2")]).await;
    if !app.db.is_postgres() {
        return; // an SQLite file has no server to end connections
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    // The server ends every connection to the app's database, as a restart does.
    use diesel::RunQueryDsl;
    let mut admin = app.conn();
    let ended: Vec<Ended> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .load(&mut admin)
    .unwrap();
    assert!(!ended.is_empty() && ended.iter().all(|e| e.ended));
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(app.get("/healthz").await.status());
    }
    // Each ended connection fails the one request that finds it gone and is
    // then replaced; it is not handed out again.
    let failed = statuses.iter().filter(|s| **s != StatusCode::OK).count();
    assert!(failed <= 2, "{statuses:?}");
    assert!(
        statuses[2..].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

#[derive(diesel::QueryableByName)]
struct Ended {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ended: bool,
}
