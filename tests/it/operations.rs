//! Operations: online backup and checked restore (SQLite), pg_dump and
//! pg_restore (PostgreSQL), and refusing what would lose data.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{spawn, TestApp, TestDb};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;

/// A ward with a committee member "capuy" who owns a task of `n` households;
/// their ids.
fn task_of_households(app: &TestApp, n: usize) -> Vec<i64> {
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let mut conn = app.conn();
    let fields = common::task_fields(ward, capuy, "Mương Thụy Khuê", None, 2026);
    let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
    (0..n)
        .map(|i| {
            let h = common::household(&format!("Nguyễn Văn Thụy {i}"), &i.to_string(), 100.0);
            db::households::create(&mut conn, &task, &h).unwrap().0.id
        })
        .collect()
}

fn count_visits(conn: &mut db::DbConnection) -> i64 {
    use danvan::db::schema::visits;
    visits::table.count().get_result(conn).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn an_online_backup_taken_while_visits_are_logged_restores_to_a_working_database() {
    let app = spawn().await;
    if app.db.is_postgres() {
        return; // PostgreSQL: pg_dump, below
    }
    let households = task_of_households(&app, 20);
    app.login_ok("capuy").await;
    // Visits logged without pause while the backup runs.
    let confirmed = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (confirmed, stop) = (confirmed.clone(), stop.clone());
        let client = app.client.clone();
        let base = app.base.clone();
        let csrf = app.csrf().await;
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let h = households[i % households.len()];
                let today = format::date(format::today());
                let r = client
                    .post(format!("{base}/households/{h}/visits"))
                    .form(&[
                        ("_csrf", csrf.as_str()),
                        ("visited_on", today.as_str()),
                        ("kind", "door_to_door"),
                        ("stage_after", "considering"),
                        ("reason", "Gia đình đang cân nhắc"),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
                confirmed.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        })
    };
    while confirmed.load(Ordering::SeqCst) < 10 {
        assert!(!writer.is_finished(), "the writer stopped");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before_backup = confirmed.load(Ordering::SeqCst) as i64;
    let file = app.db.data_dir().join("sao-luu.sqlite3");
    let out = {
        let db_url = app.db.url();
        let data_dir = app.db.data_dir();
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_danvan"))
                .arg("backup")
                .arg(&file)
                .env("DATABASE_URL", db_url)
                .env("DATA_DIR", data_dir)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("checked"));
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let all = confirmed.load(Ordering::SeqCst) as i64;
    assert!(all > before_backup, "visits went on during the backup");

    // Every visit confirmed before the backup began is in it, and what it
    // holds is consistent: each household's visits are all there with its
    // totals, and no visit is there without its audit record.
    let backup_url = db::DatabaseUrl::parse(file.to_str().unwrap()).unwrap();
    let mut copy = db::connect(&backup_url).unwrap();
    let in_backup = count_visits(&mut copy);
    assert!(in_backup >= before_backup, "{in_backup} < {before_backup}");
    common::assert_totals_equal_a_recount(&mut copy);
    let audited: i64 = {
        use danvan::db::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq("log_visit"))
            .count()
            .get_result(&mut copy)
            .unwrap()
    };
    assert_eq!(audited, in_backup);
    drop(copy);

    // A second backup to the same name is refused.
    let again = app.cli(&["backup", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"));

    // Restored into a new place, the server starts on it and shows the visits.
    let target = TestDb::sqlite();
    let out = target.cli(&["restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = danvan::startup::Application::build(common::config_for(&target, &[])).unwrap();
    let mut conn = restored.pool().get().unwrap();
    assert_eq!(count_visits(&mut conn), in_backup);
}

#[tokio::test]
async fn restore_refuses_a_running_database_a_damaged_file_and_a_newer_one_and_changes_nothing() {
    let app = spawn().await;
    if app.db.is_postgres() {
        return; // restore of a file is SQLite's; PostgreSQL uses pg_restore
    }
    task_of_households(&app, 3);
    let file = app.db.data_dir().join("sao-luu.sqlite3");
    let out = app.cli(&["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The server is running on the database: refused.
    let out = app.cli(&["restore", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("stop the server"), "{}", stderr(&out));

    let target = TestDb::sqlite();
    assert!(target.cli(&["migrate"]).status.success());
    let db_file = target.data_dir().join("test.sqlite3");
    let original = std::fs::read(&db_file).unwrap();

    // Not a database at all.
    let junk = target.data_dir().join("junk.sqlite3");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let out = target.cli(&["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not an SQLite database"),
        "{}",
        stderr(&out)
    );

    // A database damaged in the middle.
    let damaged = target.data_dir().join("damaged.sqlite3");
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 8192);
    for b in &mut bytes[4096..8192] {
        *b = 0x55;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let out = target.cli(&["restore", damaged.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("integrity") || said.contains("not an SQLite database"),
        "{said}"
    );

    // Made by a newer version.
    let newer = target.data_dir().join("newer.sqlite3");
    std::fs::copy(&file, &newer).unwrap();
    {
        let url = db::DatabaseUrl::parse(newer.to_str().unwrap()).unwrap();
        diesel::sql_query(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000001')",
        )
        .execute(&mut db::connect(&url).unwrap())
        .unwrap();
    }
    let out = target.cli(&["restore", newer.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("newer version"), "{}", stderr(&out));

    assert_eq!(
        std::fs::read(&db_file).unwrap(),
        original,
        "the database is untouched"
    );
    let leftovers: Vec<String> = std::fs::read_dir(target.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restor"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A good backup replaces it, and the old database is kept beside it.
    let out = target.cli(&["restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(target.data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), original);
    let url = db::DatabaseUrl::parse(&target.url()).unwrap();
    let n: i64 = {
        use danvan::db::schema::households;
        households::table
            .count()
            .get_result(&mut db::connect(&url).unwrap())
            .unwrap()
    };
    assert_eq!(n, 3);
}

/// PostgreSQL is backed up with the commands docs/operations.md gives: pg_dump in its
/// custom format while the server runs, pg_restore into a new database.
#[tokio::test]
async fn a_pg_dump_restores_with_pg_restore_into_a_working_database() {
    let app = spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    let households = task_of_households(&app, 5);
    app.login_ok("capuy").await;
    let r = app
        .post(
            &format!("/households/{}/visits", households[0]),
            &[
                ("visited_on", &format::date(format::today())),
                ("kind", "door_to_door"),
                ("stage_after", "agrees"),
                ("reason", "Gia đình đã đồng ý"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let file = app.db.data_dir().join("danvan.dump");
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&file)
        .arg(app.db.url())
        .output()
        .expect("pg_dump is installed with PostgreSQL");
    assert!(out.status.success(), "{}", stderr(&out));
    let target = TestDb::new();
    let out = std::process::Command::new("pg_restore")
        .arg(format!("--dbname={}", target.url()))
        .arg("--no-owner")
        .arg(&file)
        .output()
        .expect("pg_restore is installed with PostgreSQL");
    assert!(out.status.success(), "{}", stderr(&out));

    let restored = danvan::startup::Application::build(common::config_for(&target, &[])).unwrap();
    let mut conn = restored.pool().get().unwrap();
    assert_eq!(count_visits(&mut conn), 1);
    common::assert_totals_equal_a_recount(&mut conn);
    let base = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    let client = common::new_client();
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let csrf = common::csrf_in(&page.text().await.unwrap());
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "capuy"),
            ("password", common::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the account works");
    let html = client
        .get(format!("{base}/households/{}", households[0]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nguyễn Văn Thụy 0"), "{html}");
}

/// The lines of an export after its header, grouped by table and sorted
/// (text keys may sort differently on the two backends).
fn export_body(file: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["format"], "danvan-export");
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.starts_with('{') {
            tables.push((line.to_string(), vec![]));
        } else {
            tables.last_mut().unwrap().1.push(line.to_string());
        }
    }
    for (_, rows) in &mut tables {
        rows.sort();
    }
    tables
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A ward that starts on SQLite moves to the province's PostgreSQL (and
/// back) without losing a row: the export of the copy equals the export of
/// the original. Under SQLite alone the move is SQLite to SQLite.
#[test]
fn an_export_moves_every_row_to_the_other_backend_and_back() {
    let source = TestDb::sqlite();
    ok(source.cli(&["demo"]));
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("xuat-1.jsonl");
    let said = ok(source.cli(&["export", first.to_str().unwrap()]));
    assert!(said.contains("Exported"), "{said}");
    let original = export_body(&first);
    let total: usize = original.iter().map(|(_, rows)| rows.len()).sum();
    assert!(
        original.len() > 40 && total > 500,
        "{} tables, {total} rows",
        original.len()
    );
    assert!(
        original
            .iter()
            .any(|(head, rows)| head.contains("\"visits\"") && !rows.is_empty()),
        "the demo's visits are exported"
    );

    // Into the other backend (PostgreSQL when the suite runs on it).
    let target = TestDb::new();
    ok(target.cli(&["import", first.to_str().unwrap()]));
    let second = dir.path().join("xuat-2.jsonl");
    ok(target.cli(&["export", second.to_str().unwrap()]));
    assert_eq!(export_body(&second), original);
    let url = db::DatabaseUrl::parse(&target.url()).unwrap();
    let mut conn = db::connect(&url).unwrap();
    common::assert_totals_equal_a_recount(&mut conn);
    // New rows get new ids after the imported ones.
    let task = {
        use danvan::db::schema::tasks;
        let id: i64 = tasks::table.select(tasks::id).first(&mut conn).unwrap();
        db::tasks::find(&mut conn, id).unwrap()
    };
    let h = common::household("Trần Thị Mới", "99", 12.5);
    db::households::create(&mut conn, &task, &h).expect("a new household after the import");

    // And back to SQLite from the copy.
    let back = TestDb::sqlite();
    ok(back.cli(&["import", second.to_str().unwrap()]));
    let third = dir.path().join("xuat-3.jsonl");
    ok(back.cli(&["export", third.to_str().unwrap()]));
    assert_eq!(export_body(&third), original);
}

#[test]
fn an_import_into_a_database_in_use_or_from_a_cut_file_is_refused_and_changes_nothing() {
    let source = TestDb::sqlite();
    ok(source.cli(&["demo"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("xuat.jsonl");
    ok(source.cli(&["export", file.to_str().unwrap()]));

    // A database with accounts is not overwritten.
    let out = source.cli(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("new database"), "{}", stderr(&out));

    // A file cut short loads nothing: the seeded categories are still there.
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() * 2 / 3].join("\n")).unwrap();
    let target = TestDb::new();
    ok(target.cli(&["migrate"]));
    let url = db::DatabaseUrl::parse(&target.url()).unwrap();
    let categories = |conn: &mut db::DbConnection| -> i64 {
        use danvan::db::schema::{task_categories, users};
        let u: i64 = users::table.count().get_result(conn).unwrap();
        assert_eq!(u, 0);
        task_categories::table.count().get_result(conn).unwrap()
    };
    let seeded = categories(&mut db::connect(&url).unwrap());
    assert!(seeded > 0);
    let out = target.cli(&["import", cut.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cut short"), "{}", stderr(&out));
    assert_eq!(categories(&mut db::connect(&url).unwrap()), seeded);

    // Not an export at all.
    let junk = dir.path().join("junk.jsonl");
    std::fs::write(&junk, "hello\n").unwrap();
    let out = target.cli(&["import", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a danvan export"),
        "{}",
        stderr(&out)
    );
}

/// The plan SQLite gives a count of a task's audit entries at one moment.
fn audit_plan(conn: &mut db::DbConnection) -> String {
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    diesel::sql_query(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM audit_log \
         WHERE at = '2026-01-01 05:00:00' AND entity = 'task' AND entity_id = 1",
    )
    .load::<Step>(conn)
    .unwrap()
    .into_iter()
    .map(|s| s.detail)
    .collect::<Vec<_>>()
    .join("; ")
}

/// Planner statistics follow the data on every pooled connection: after the
/// audit log grew from one row to many and another connection brought the
/// statistics up to date (`PRAGMA optimize`, as the background thread or a
/// bulk load does), a connection the pool opened before reloads them. One
/// that does not look (the old behaviour) keeps planning with the old ones.
#[test]
fn pooled_sqlite_connections_follow_fresh_planner_statistics() {
    let test_db = TestDb::sqlite();
    let url = db::DatabaseUrl::parse(&test_db.url()).unwrap();
    let mut setup = db::connect(&url).unwrap();
    db::run_migrations(&mut setup).unwrap();
    let entry = "INSERT INTO audit_log (at, action, entity, entity_id, changes) \
                 VALUES ('2026-12-07 08:00:00', 'log_visit', 'task', 1, '{}')";
    setup.batch_execute(entry).unwrap();
    setup.batch_execute("ANALYZE").unwrap();
    let following = db::build_pool_with(&url, 1, 5, std::time::Duration::ZERO).unwrap();
    let stale = db::build_pool_with(&url, 1, 5, std::time::Duration::from_secs(3600)).unwrap();
    let before = audit_plan(&mut following.get().unwrap());
    assert_eq!(before, audit_plan(&mut stale.get().unwrap()));

    // Many entries of one task, each at its own moment: the time is the
    // selective column, which only fresh statistics tell the planner.
    setup
        .batch_execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
             INSERT INTO audit_log (at, action, entity, entity_id, changes) \
             SELECT datetime('2026-01-01', '+' || i || ' seconds'), 'log_visit', 'task', 1, '{}' \
             FROM n",
        )
        .unwrap();
    setup.batch_execute("PRAGMA optimize = 0x10002").unwrap();
    let fresh = audit_plan(&mut following.get().unwrap());
    assert!(
        fresh.contains("audit_log_at_idx"),
        "fresh statistics: the index on the time ({fresh})"
    );
    assert_ne!(
        audit_plan(&mut stale.get().unwrap()),
        fresh,
        "a connection that does not reload keeps the old plan"
    );
}
