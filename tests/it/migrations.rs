//! Migrations: the same names, tables and columns for both backends; each
//! runs up, down and up again.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

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

/// Tables and their columns, by name.
type Tables = BTreeMap<String, BTreeSet<String>>;

#[derive(diesel::QueryableByName)]
struct TableColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Diesel's own record of the migrations run, on both backends alike: made by
/// diesel, not by a migration of ours.
const DIESEL_BOOKKEEPING: &str = "__diesel_schema_migrations";

/// The tables and columns of a fresh database after every migration.
///
/// What is left out, and why:
/// - `__diesel_schema_migrations` (both backends): diesel's bookkeeping.
/// - On SQLite, the names beginning `sqlite_` (today `sqlite_sequence`, which
///   AUTOINCREMENT keeps; `sqlite_stat1` would come with ANALYZE): SQLite's
///   own tables, and no other table may take such a name.
/// - On SQLite, the FTS5 search indexes `households_fts` and `tasks_fts`
///   (virtual tables) and the shadow tables FTS5 keeps for each
///   (`…_fts_config`, `…_fts_data`, `…_fts_docsize`, `…_fts_idx`): PostgreSQL
///   searches the same text with pg_trgm indexes on `households` and `tasks`
///   instead. They are left out by the kind SQLite itself gives them
///   (`pragma_table_list`: `virtual` and `shadow`), so an ordinary table can
///   never be left out by mistake.
fn tables_of(test_db: &common::TestDb) -> Tables {
    use diesel::RunQueryDsl;
    let url = db::DatabaseUrl::parse(&test_db.url()).unwrap();
    let mut conn = db::connect(&url).unwrap();
    db::run_migrations(&mut conn).unwrap();
    let query = match &conn {
        DbConnection::Sqlite(_) => {
            "SELECT t.name AS table_name, c.name AS column_name \
             FROM pragma_table_list AS t, pragma_table_info(t.name) AS c \
             WHERE t.schema = 'main' AND t.type IN ('table', 'view') \
             AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'"
        }
    };
    let mut tables = Tables::new();
    for row in diesel::sql_query(query)
        .load::<TableColumn>(&mut conn)
        .unwrap()
    {
        if row.table_name != DIESEL_BOOKKEEPING {
            tables
                .entry(row.table_name)
                .or_default()
                .insert(row.column_name);
        }
    }
    tables
}

/// The tables and columns `src/db/schema.rs` declares (`diesel::table!`,
/// `column -> Type,` lines, with `#[sql_name = "…"]` where a column has one).
fn declared_tables() -> Tables {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs");
    let source = std::fs::read_to_string(path).unwrap();
    let mut tables = Tables::new();
    for block in source.split("table! {").skip(1) {
        let (head, rest) = block.split_once('{').expect("a table's columns");
        let name = head.split('(').next().unwrap().trim();
        let body = rest.split('}').next().unwrap();
        let columns = tables.entry(name.to_string()).or_default();
        let mut sql_name = None;
        for line in body.lines().map(str::trim) {
            if let Some(quoted) = line.strip_prefix("#[sql_name = \"") {
                sql_name = quoted.split('"').next().map(str::to_string);
            } else if let Some((column, _)) = line.split_once("->") {
                let column = column.trim().trim_start_matches("r#").to_string();
                columns.insert(sql_name.take().unwrap_or(column));
            }
        }
    }
    tables
}

/// What differs between two sets of tables, one line per table.
fn differences(left: &str, a: &Tables, right: &str, b: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    for (name, columns) in a {
        match b.get(name) {
            None => out.push(format!("table {name} is in {left} only")),
            Some(other) => {
                let only_a: Vec<_> = columns.difference(other).collect();
                let only_b: Vec<_> = other.difference(columns).collect();
                if !only_a.is_empty() {
                    out.push(format!("{name}: columns {only_a:?} are in {left} only"));
                }
                if !only_b.is_empty() {
                    out.push(format!("{name}: columns {only_b:?} are in {right} only"));
                }
            }
        }
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        out.push(format!("table {name} is in {right} only"));
    }
    out
}

/// The SQLite and PostgreSQL migrations make the same tables with the same
/// columns. SQLite's are always read, and checked against what
/// `src/db/schema.rs` declares; PostgreSQL's when `TEST_DATABASE_URL` is set.
#[test]
fn both_backends_make_the_same_tables_with_the_same_columns() {
    let sqlite = tables_of(&common::TestDb::sqlite());
    assert!(
        sqlite.len() > 50 && sqlite.contains_key("households"),
        "the SQLite migrations made {} tables",
        sqlite.len()
    );
    let declared = declared_tables();
    let found = differences(
        "the SQLite migrations",
        &sqlite,
        "src/db/schema.rs",
        &declared,
    );
    assert!(found.is_empty(), "{}", found.join("\n"));

    let test_db = common::TestDb::new();
    if !test_db.is_postgres() {
        return; // no PostgreSQL server to compare with
    }
    let postgres = tables_of(&test_db);
    let found = differences(
        "the SQLite migrations",
        &sqlite,
        "the PostgreSQL migrations",
        &postgres,
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
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
