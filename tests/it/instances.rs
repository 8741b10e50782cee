//! Several instances of the app on one database: nothing that matters lives
//! in one instance's memory. Under `TEST_DATABASE_URL` this is PostgreSQL,
//! as in production; under SQLite, two processes on one file.

use crate::common;

use std::time::Duration;

use common::{config_for, new_client, spawn, PASSWORD};
use danvan::db::schema::outbox;
use danvan::domain::access::Role;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::StatusCode;

/// Starts another instance on the test's database; its base address.
fn second_instance(app: &common::TestApp, extra: &[(&str, &str)]) -> String {
    let other = danvan::startup::Application::build(config_for(&app.db, extra)).unwrap();
    let base = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());
    base
}

#[tokio::test]
async fn a_login_on_one_instance_works_on_the_other_and_failures_count_on_both() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    app.user("totac", ward, &[(Role::WardTeam, ward)]);
    let b = second_instance(&app, &[]);

    // The session lives in the cookie, signed with the shared key.
    let client = new_client();
    let r = app.login_with(&client, "capuy", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = client.get(format!("{b}/tasks")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "logged in on the second instance"
    );
    assert!(r.text().await.unwrap().contains("capuy"));
    // Logging out on the second clears the cookie for both.
    let html = client
        .get(format!("{b}/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::csrf_in(&html);
    let r = client
        .post(format!("{b}/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = client.get(app.url("/tasks")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sent to the login page");

    // Wrong passwords tried on both instances add up to one lock-out.
    for i in 0..5 {
        let guesser = new_client();
        let base = if i % 2 == 0 {
            app.base.clone()
        } else {
            b.clone()
        };
        let r = common::login_at(&guesser, &base, "totac", "sai-mat-khau").await;
        assert_ne!(r.status(), StatusCode::SEE_OTHER);
    }
    for base in [&app.base, &b] {
        let c = new_client();
        let r = common::login_at(&c, base, "totac", PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "locked on {base}"
        );
    }
}

/// Two instances both due to run the day's reminders at start-up: each
/// reminder is queued once, and each queued message is sent once.
#[tokio::test]
async fn scheduled_reminders_run_once_across_two_instances() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let owners: Vec<i64> = (0..3)
        .map(|i| {
            let id = app.user(&format!("chutri{i}"), ward, &[(Role::Committee, ward)]);
            app.set_email(
                id,
                &format!("Chủ trì {i}"),
                &format!("chutri{i}@thuykhue.test"),
                "vi",
            );
            id
        })
        .collect();
    {
        let mut conn = app.conn();
        for (i, owner) in owners.iter().enumerate() {
            let fields = common::task_fields(
                ward,
                *owner,
                &format!("Việc sắp đến hạn {i}"),
                Some(format::today() + chrono::Duration::days(2)),
                2026,
            );
            danvan::db::tasks::create(&mut conn, &fields, *owner).unwrap();
        }
    }
    let deadline_mail = |conn: &mut danvan::db::DbConnection| -> i64 {
        outbox::table
            .filter(outbox::kind.eq("task_deadline"))
            .count()
            .get_result(conn)
            .unwrap()
    };
    assert_eq!(deadline_mail(&mut app.conn()), 0);
    // Both due at once (hour 0 has passed); neither sends (no mail set up),
    // so the queue shows what they did.
    let extra = [("DAILY_HOUR", "0"), ("OUTBOX_WORKER", "false")];
    let _a = second_instance(&app, &extra);
    let _b = second_instance(&app, &extra);
    let mut queued = 0;
    for _ in 0..50 {
        queued = deadline_mail(&mut app.conn());
        if queued >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(queued, 3, "one reminder per task");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(deadline_mail(&mut app.conn()), 3, "and no second one");
}

/// A cookie saved before logging out is worth nothing after, on the
/// instance that logged out and on any other: reading and writing both fail.
#[tokio::test]
async fn a_session_logged_out_on_one_instance_is_refused_on_every_instance() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Quảng An");
    let owner = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let fields = common::task_fields(ward, owner, "Mở rộng ngõ 12", None, 2026);
    let task = danvan::db::tasks::create(&mut app.conn(), &fields, owner)
        .unwrap()
        .0
        .id;
    let b = second_instance(&app, &[]);

    let client = new_client();
    let r = app.login_with(&client, "capuy", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dvk_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    // The saved cookie, replayed from a client without a cookie jar.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |base: String, path: String| {
        let (replay, cookie) = (replay.clone(), cookie.clone());
        async move {
            replay
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let r = page(b.clone(), format!("/tasks/{task}")).await;
    assert_eq!(r.status(), StatusCode::OK, "the cookie works before logout");
    let csrf = common::csrf_in(&r.text().await.unwrap());

    let html = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = client
        .post(app.url("/logout"))
        .form(&[("_csrf", common::csrf_in(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    for base in [app.base.clone(), b.clone()] {
        let r = page(base.clone(), "/tasks".into()).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{base}: sent to log in");
        assert!(common::location(&r).starts_with("/login"));
        let r = replay
            .post(format!("{base}/tasks/{task}/milestones"))
            .header("cookie", cookie.clone())
            .form(&[
                ("_csrf", csrf.as_str()),
                ("title", "Sau khi đăng xuất"),
                ("due_on", "15/06/2026"),
            ])
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), StatusCode::SEE_OTHER, "{base}: nothing written");
    }
    let milestones: i64 = danvan::db::schema::milestones::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(milestones, 0);
    // Logging in again works, with a new session.
    let r = app.login_with(&client, "capuy", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client
            .get(format!("{b}/tasks"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// Five instances started at once on an empty database, ten times over: all
/// of them migrate (one after the other) and serve, and exactly one first
/// administrator is made. Under `TEST_DATABASE_URL` this is PostgreSQL (an
/// advisory lock), otherwise one SQLite file (a lock file beside it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_instances_starting_together_on_an_empty_database_all_serve_with_one_administrator() {
    for round in 0..10 {
        let db = common::TestDb::new();
        let config = config_for(&db, &[]);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(5));
        let starts: Vec<_> = (0..5)
            .map(|_| {
                let (config, barrier) = (config.clone(), barrier.clone());
                tokio::task::spawn_blocking(move || {
                    barrier.wait();
                    let app = danvan::startup::Application::build(config.clone())?;
                    let mut conn = app.pool().get()?;
                    let first = danvan::setup::first_admin(&mut conn, &config.database)?;
                    anyhow::Ok((app, first.is_some()))
                })
            })
            .collect();
        let mut made = 0;
        let mut bases = Vec::new();
        for s in starts {
            let (app, first) = s
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: {e:#}"));
            made += usize::from(first);
            bases.push(format!("http://127.0.0.1:{}/healthz", app.port()));
            tokio::spawn(app.run_until_stopped());
        }
        assert_eq!(made, 1, "round {round}: one first administrator");
        let admins: i64 = danvan::db::schema::users::table
            .count()
            .get_result(
                &mut danvan::db::connect(&danvan::db::DatabaseUrl::parse(&db.url()).unwrap())
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(admins, 1, "round {round}");
        for base in bases {
            let r = new_client().get(&base).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "round {round}: {base}");
        }
    }
}
