//! Crash safety: the server killed with SIGKILL in the middle of a burst of
//! visits, and (on PostgreSQL) the database server restarted under it. Every
//! visit that got a success answer is there afterwards, and nothing is half
//! written: each visit has its audit record, each household stands where its
//! last visit left it, and the dashboard totals equal a recount.

#[path = "it/common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{spawn, TestApp, PASSWORD};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::{Client, StatusCode};

/// The server as its own process on `port`, so that it can be killed.
fn start_server(app: &TestApp, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_danvan"))
        .arg("serve")
        .env("DATABASE_URL", app.db.url())
        .env("DATA_DIR", app.db.data_dir())
        .env("SESSION_KEY", "ab".repeat(64))
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DAILY_HOUR", "off")
        .env("OUTBOX_WORKER", "false")
        .env("WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_healthy(base: &str) {
    let client = common::new_client();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == StatusCode::OK {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not come up");
}

async fn logged_in(base: &str, username: &str) -> (Client, String) {
    let client = common::new_client();
    let r = common::login_at(&client, base, username, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = client.get(format!("{base}/account")).send().await.unwrap();
    let csrf = common::csrf_in(&page.text().await.unwrap());
    (client, csrf)
}

/// Eight field teams logging visits as fast as they can; returns the marks
/// of the visits that were confirmed, while the burst goes on until `stop`.
fn burst(
    base: String,
    client: Client,
    csrf: String,
    households: Vec<i64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> (
    Arc<Mutex<HashSet<String>>>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let confirmed = Arc::new(Mutex::new(HashSet::new()));
    let stages = ["considering", "agrees", "disagrees", "considering"];
    let handles = (0..8)
        .map(|w| {
            let (base, client, csrf, households, stop, confirmed) = (
                base.clone(),
                client.clone(),
                csrf.clone(),
                households.clone(),
                stop.clone(),
                confirmed.clone(),
            );
            tokio::spawn(async move {
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let mark = format!("lan-{w}-{n}");
                    let h = households[(w * 7 + n) % households.len()];
                    let r = client
                        .post(format!("{base}/households/{h}/visits"))
                        .form(&[
                            ("_csrf", csrf.as_str()),
                            ("visited_on", &format::date(format::today())),
                            ("kind", "door_to_door"),
                            ("stage_after", stages[n % stages.len()]),
                            ("reason", "Ghi nhận trong lúc thử sự cố"),
                            ("household_said", &mark),
                        ])
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    if matches!(&r, Ok(r) if r.status() == StatusCode::SEE_OTHER) {
                        confirmed.lock().unwrap().insert(mark);
                    } else {
                        if let Ok(r) = r {
                            // Refused, not cut off: the test is wrong, say why.
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            assert!(status.is_server_error(), "{status}: {body}");
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    n += 1;
                }
            })
        })
        .collect();
    (confirmed, handles)
}

/// What a crash must not leave: a lost confirmed visit, a visit without its
/// audit record, a household whose stage is not its last visit's, totals
/// that differ from a recount.
fn assert_whole(conn: &mut db::DbConnection, confirmed: &HashSet<String>) {
    use danvan::db::schema::{audit_log, households, visits};
    let marks: HashSet<String> = visits::table
        .select(visits::household_said)
        .load::<String>(conn)
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<&String> = confirmed.difference(&marks).collect();
    assert!(lost.is_empty(), "confirmed visits lost: {lost:?}");
    let n_visits: i64 = visits::table.count().get_result(conn).unwrap();
    let n_audited: i64 = audit_log::table
        .filter(audit_log::action.eq("log_visit"))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(n_visits, n_audited, "every visit with its audit record");
    for (id, stage) in households::table
        .select((households::id, households::stage))
        .load::<(i64, String)>(conn)
        .unwrap()
    {
        let last: Option<String> = visits::table
            .filter(visits::household_id.eq(id))
            .order((visits::visited_on.desc(), visits::id.desc()))
            .select(visits::stage_after)
            .first(conn)
            .optional()
            .unwrap();
        assert_eq!(
            last.unwrap_or_else(|| "not_contacted".into()),
            stage,
            "household {id}"
        );
    }
    common::assert_totals_equal_a_recount(conn);
}

async fn wait_for(confirmed: &Mutex<HashSet<String>>, n: usize) {
    for _ in 0..2_000 {
        if confirmed.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("fewer than {n} visits were confirmed in 10 s");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_server_killed_mid_burst_loses_no_confirmed_visit_and_leaves_nothing_half_written() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let households: Vec<i64> = {
        let mut conn = app.conn();
        let fields = common::task_fields(ward, capuy, "Mương Thụy Khuê", None, 2026);
        let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
        (0..12)
            .map(|i| {
                let h = common::household(
                    &format!("Nguyễn Văn Thụy {i}"),
                    &i.to_string(),
                    80.0 + i as f64,
                );
                db::households::create(&mut conn, &task, &h).unwrap().0.id
            })
            .collect()
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start_server(&app, port);
    wait_healthy(&base).await;
    let (client, csrf) = logged_in(&base, "capuy").await;

    // Killed while eight teams are writing.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (confirmed, handles) = burst(
        base.clone(),
        client.clone(),
        csrf.clone(),
        households.clone(),
        stop.clone(),
    );
    wait_for(&confirmed, 40).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for h in handles {
        h.await.unwrap();
    }
    let before_kill = confirmed.lock().unwrap().clone();
    assert!(before_kill.len() >= 40);

    // Started again on the same database: everything confirmed is there.
    let mut server = start_server(&app, port);
    wait_healthy(&base).await;
    assert_whole(&mut app.conn(), &before_kill);
    let r = client.get(format!("{base}/tasks")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the session survived the crash");

    if app.db.is_postgres() {
        // The database server restarted under a burst: the app reconnects,
        // and again nothing confirmed is lost.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (confirmed, handles) = burst(
            base.clone(),
            client.clone(),
            csrf.clone(),
            households.clone(),
            stop.clone(),
        );
        wait_for(&confirmed, 20).await;
        let cluster = std::fs::read_dir("/etc/postgresql")
            .expect("a Debian PostgreSQL cluster to restart")
            .next()
            .unwrap()
            .unwrap()
            .file_name();
        let out = Command::new("pg_ctlcluster")
            .arg("--skip-systemctl-redirect")
            .arg(&cluster)
            .args(["main", "restart", "--mode", "immediate"])
            .output()
            .expect("pg_ctlcluster");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let during = confirmed.lock().unwrap().len();
        // Writes succeed again once the database is back.
        let mut resumed = false;
        for _ in 0..200 {
            if confirmed.lock().unwrap().len() > during + 10 {
                resumed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for h in handles {
            h.await.unwrap();
        }
        assert!(resumed, "visits are confirmed again after the restart");
        let mut all = before_kill.clone();
        all.extend(confirmed.lock().unwrap().iter().cloned());
        let mut conn = None;
        for _ in 0..100 {
            if let Ok(c) = db::connect(&db::DatabaseUrl::parse(&app.db.url()).unwrap()) {
                conn = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_whole(conn.as_mut().unwrap(), &all);
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
