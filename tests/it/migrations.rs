//! Migrations: the same names for both backends; each runs up, down and up again.

use crate::common;

use std::collections::BTreeSet;

use danvan::db::{self, DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel_migrations::MigrationHarness;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for dir in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{dir}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).exists(), "{path} is missing");
            }
        }
    }
}

/// Runs every migration up, then each down one at a time, then all up again.
#[test]
fn every_migration_runs_up_down_and_up_again() {
    let test_db = common::TestDb::new();
    let url = db::DatabaseUrl::parse(&test_db.url()).unwrap();
    let mut conn = db::connect(&url).unwrap();
    let total = names("sqlite").len();

    assert_eq!(db::run_migrations(&mut conn).unwrap().len(), total);
    let mut reverted = 0;
    loop {
        let done = match &mut conn {
            DbConnection::Pg(c) => c.revert_last_migration(POSTGRES_MIGRATIONS).is_ok(),
            DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS).is_ok(),
        };
        if !done {
            break;
        }
        reverted += 1;
        assert!(reverted <= total, "reverted more migrations than exist");
    }
    assert_eq!(reverted, total);
    assert_eq!(db::run_migrations(&mut conn).unwrap().len(), total);
    assert!(
        db::run_migrations(&mut conn).unwrap().is_empty(),
        "nothing left to apply"
    );
}

#[derive(diesel::QueryableByName)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Every SQLite connection from the pool enforces foreign keys, waits when the
/// file is busy, and uses the write-ahead log.
#[test]
fn sqlite_connections_enforce_foreign_keys_and_use_wal_and_a_busy_timeout() {
    use diesel::RunQueryDsl;
    let dir = tempfile::tempdir().unwrap();
    let url =
        db::DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("p.db").display())).unwrap();
    let pool = db::build_pool(&url, 2, 5).unwrap();
    let mut conn = pool.get().unwrap();
    let mut pragma = |name: &str, column: &str| -> String {
        let rows: Vec<Pragma> = diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"
        ))
        .load(&mut **conn)
        .unwrap();
        rows[0].value.clone()
    };
    assert_eq!(pragma("foreign_keys", "foreign_keys"), "1");
    assert_eq!(pragma("journal_mode", "journal_mode"), "wal");
    assert_eq!(pragma("busy_timeout", "timeout"), "10000");
}

/// The server's connections leave the write-ahead log to the checkpoint
/// thread: a commit does not copy the log back into the file itself (the
/// file stays as it was) until the thread has run, and the thread stops when
/// dropped.
#[test]
fn sqlite_writes_reach_the_database_file_through_the_checkpoint_thread() {
    use diesel::connection::SimpleConnection;
    use diesel::RunQueryDsl;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.db");
    let url = db::DatabaseUrl::parse(&format!("sqlite://{}", file.display())).unwrap();
    let pool = db::build_pool(&url, 2, 5).unwrap();
    let mut conn = pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Pages {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wal_autocheckpoint: i64,
    }
    let backstop: Pages = diesel::sql_query("PRAGMA wal_autocheckpoint")
        .get_result(&mut **conn)
        .unwrap();
    assert_eq!(
        backstop.wal_autocheckpoint,
        i64::from(db::WAL_BACKSTOP_PAGES)
    );
    // About 2,000 pages of log: past SQLite's own threshold of 1,000, under
    // the pool's backstop.
    conn.batch_execute(
        "CREATE TABLE t (b BLOB); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
         INSERT INTO t SELECT randomblob(3000) FROM n;",
    )
    .unwrap();
    let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    assert!(
        size() < 1_000_000,
        "the commit checkpointed itself: {} bytes",
        size()
    );

    let checkpointer = db::Checkpointer::start(&url)
        .unwrap()
        .expect("SQLite has a checkpoint thread");
    let start = std::time::Instant::now();
    while size() < 6_000_000 && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        size() >= 6_000_000,
        "the log never reached the file: {} bytes",
        size()
    );
    drop(checkpointer); // joins the thread

    conn.batch_execute("INSERT INTO t SELECT b FROM t LIMIT 500;")
        .unwrap();
    let before = size();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        size(),
        before,
        "a stopped checkpointer still copied the log"
    );

    let pg = db::DatabaseUrl::Postgres("postgres://nowhere".into());
    assert!(db::Checkpointer::start(&pg).unwrap().is_none());
}

/// PostgreSQL connections cost a random read as on SSD unless the server's
/// administrator has chosen a value (here, for the database).
#[test]
fn postgres_connections_cost_random_reads_as_on_ssd_unless_set_on_the_server() {
    use diesel::RunQueryDsl;
    let test_db = common::TestDb::new();
    if !test_db.is_postgres() {
        return; // a planner setting of PostgreSQL's
    }
    let url = db::DatabaseUrl::parse(&test_db.url()).unwrap();
    let cost = |conn: &mut DbConnection| -> String {
        let rows: Vec<Pragma> =
            diesel::sql_query("SELECT current_setting('random_page_cost') AS value")
                .load(conn)
                .unwrap();
        rows[0].value.clone()
    };
    let mut conn = db::connect(&url).unwrap();
    assert_eq!(cost(&mut conn), "1.1");
    diesel::sql_query("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET random_page_cost = 2.5', current_database()); END $$")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(cost(&mut db::connect(&url).unwrap()), "2.5");
}

/// A database a newer version has upgraded: neither the server nor any
/// subcommand starts on it, the message says why, and nothing is changed.
#[tokio::test]
async fn a_database_upgraded_by_a_newer_version_is_refused_and_left_alone() {
    use diesel::RunQueryDsl;
    let app = common::spawn().await;
    let mut conn = app.conn();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000001')")
        .execute(&mut conn)
        .unwrap();
    let applied_before = count_applied(&mut conn);

    let err = db::run_migrations(&mut conn).unwrap_err().to_string();
    assert!(
        err.contains("20990101000001") && err.contains("newer version"),
        "{err}"
    );
    let started = danvan::startup::Application::build(common::config_for(&app.db, &[]));
    let err = format!(
        "{:#}",
        started.err().expect("the server must refuse to start")
    );
    assert!(err.contains("20990101000001"), "{err}");
    let out = app.cli(&["migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer version"));
    assert_eq!(
        count_applied(&mut conn),
        applied_before,
        "nothing was changed"
    );
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count_applied(conn: &mut DbConnection) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(conn)
        .unwrap()
        .n
}
