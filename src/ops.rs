//! Operations on a whole database: online backup and checked restore of an
//! SQLite file. (PostgreSQL is backed up with its own `pg_dump`; see docs/operations.md.)

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::{self, DatabaseUrl, DbConnection};

/// What `backup` wrote.
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
}

/// Writes a consistent copy of the SQLite database to `to` (which must not
/// exist) while the server may go on reading and writing: `VACUUM INTO`
/// reads one snapshot of the database in a read transaction. The copy is
/// then opened and checked.
pub fn backup(url: &DatabaseUrl, to: &Path) -> anyhow::Result<Backup> {
    let DatabaseUrl::Sqlite(_) = url else {
        bail!(
            "on PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=FILE \"$DATABASE_URL\" \
             (docs/operations.md)"
        );
    };
    if to.exists() {
        bail!("{} already exists; choose a new file name", to.display());
    }
    let started = std::time::Instant::now();
    let mut conn = db::connect(url)?;
    let target = to.to_str().context("the backup path is not valid UTF-8")?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .with_context(|| format!("writing {}", to.display()))?;
    drop(conn);
    check_file(to).context("the backup just written does not pass its check")?;
    Ok(Backup {
        path: to.to_path_buf(),
        bytes: std::fs::metadata(to)?.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What `restore` did.
pub struct Restored {
    /// Where the database that was replaced now is, if there was one.
    pub kept: Option<PathBuf>,
    /// Migrations applied to bring an older backup up to this version.
    pub migrated: usize,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Checks that `file` is a sound SQLite database of this product that this
/// version can run: the integrity check passes, it has the migrations table,
/// and no migration in it is newer than this binary.
pub fn check_file(file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let path = file.to_str().context("the path is not valid UTF-8")?;
    // Read-only, so that checking a file never changes it.
    let mut conn = SqliteConnection::establish(&format!("file:{path}?mode=ro"))
        .with_context(|| format!("{} cannot be opened as SQLite", file.display()))?;
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
            .load(&mut conn)
            .map_err(|e| anyhow::anyhow!("{} is not an SQLite database ({e})", file.display()))?;
    if lines.len() != 1 || lines[0].line != "ok" {
        let found: Vec<String> = lines.into_iter().take(5).map(|l| l.line).collect();
        bail!(
            "{} fails SQLite's integrity check: {}",
            file.display(),
            found.join("; ")
        );
    }
    let tables: Vec<Line> = diesel::sql_query(
        "SELECT name AS line FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'units', 'users')",
    )
    .load(&mut conn)?;
    if tables.len() != 3 {
        bail!(
            "{} is an SQLite database, but not one of danvan",
            file.display()
        );
    }
    let mut conn = DbConnection::Sqlite(conn);
    if let Some(newer) = db::newer_migration(&mut conn)? {
        bail!(
            "{} was made by a newer version of danvan (migration {newer}); restore it with that version",
            file.display()
        );
    }
    Ok(())
}

/// Replaces the SQLite database at `url` with the backup `from`, after
/// checking the backup. The database it replaces is kept beside it, renamed
/// with the time; an older backup is then brought up to date by the
/// migrations. Refuses while the database looks in use (its write-ahead log
/// is present) unless `force`.
pub fn restore(url: &DatabaseUrl, from: &Path, force: bool) -> anyhow::Result<Restored> {
    let DatabaseUrl::Sqlite(target) = url else {
        bail!(
            "on PostgreSQL, restore with pg_restore into a new database: \
             createdb NEW && pg_restore --dbname=NEW FILE (docs/operations.md)"
        );
    };
    check_file(from)?;
    let target = PathBuf::from(target);
    let side = |suffix: &str| {
        let mut s = target.clone().into_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    let (wal, shm) = (side("-wal"), side("-shm"));
    if !force && (wal.exists() || shm.exists()) {
        bail!(
            "{} looks in use (its write-ahead log {} is there): stop the server first. \
             After a crash, --force restores anyway (the log is set aside with the old database)",
            target.display(),
            wal.display()
        );
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Copy beside the target first, so the switch is one rename.
    let incoming = side(".restoring");
    std::fs::copy(from, &incoming).with_context(|| format!("copying {}", from.display()))?;
    std::fs::File::open(&incoming)?.sync_all()?;
    let kept = if target.exists() {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let kept = side(&format!(".before-restore-{stamp}"));
        std::fs::rename(&target, &kept)?;
        for (log, suffix) in [(&wal, "-wal"), (&shm, "-shm")] {
            if log.exists() {
                let mut to = kept.clone().into_os_string();
                to.push(suffix);
                std::fs::rename(log, to)?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, &target)?;
    let mut conn = db::connect(url)?;
    let migrated = db::run_migrations(&mut conn)?.len();
    Ok(Restored { kept, migrated })
}

/// The tables `export` leaves out: the migrations' own record, figures the
/// database derives (the totals, the data and listing versions) and SQLite's
/// full-text index tables, all rebuilt on import.
fn derived(table: &str) -> bool {
    matches!(
        table,
        "__diesel_schema_migrations"
            | "household_stage_totals"
            | "visit_month_totals"
            | "unit_ancestors"
            | "unit_task_totals"
            | "unit_stage_totals"
            | "unit_visit_month_totals"
            | "unit_waiting_last_visits"
            | "data_version"
            | "listing_version"
    ) || table.starts_with("sqlite_")
        || table.contains("_fts")
}

/// How a column's values are written in an export, the same from both backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Bool,
    Date,
    Timestamp,
    Text,
}

impl Kind {
    /// From a column's declared type (SQLite) or `data_type` (PostgreSQL).
    fn of(declared: &str) -> Kind {
        let t = declared.to_ascii_lowercase();
        if t.contains("timestamp") || t.contains("datetime") {
            Kind::Timestamp
        } else if t == "date" {
            Kind::Date
        } else if t.contains("bool") {
            Kind::Bool
        } else if t.contains("int") {
            Kind::Int
        } else if t.contains("real")
            || t.contains("doub")
            || t.contains("floa")
            || t.contains("numeric")
        {
            Kind::Real
        } else {
            Kind::Text
        }
    }

    /// A value as the database's JSON gave it, in the export's one form:
    /// booleans as true/false (SQLite stores 0/1), timestamps as
    /// `YYYY-MM-DD HH:MM:SS[.f]` (PostgreSQL's JSON puts a T), reals as the
    /// shortest text that reads back the same.
    fn canonical(self, v: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        use serde_json::Value;
        Ok(match (self, v) {
            (_, Value::Null) => Value::Null,
            (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
            (Kind::Real, Value::Number(n)) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .context("a real number JSON cannot hold")?,
            (Kind::Timestamp, Value::String(s)) => {
                let t = chrono::NaiveDateTime::parse_from_str(
                    &s.replace('T', " "),
                    "%Y-%m-%d %H:%M:%S%.f",
                )
                .with_context(|| format!("timestamp {s}"))?;
                Value::String(t.format("%Y-%m-%d %H:%M:%S%.f").to_string())
            }
            (_, v) => v,
        })
    }
}

struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
    /// Primary-key columns, to export rows in a stable order.
    key: Vec<String>,
    parents: Vec<String>,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

/// The tables of the database with their columns, each after the tables it
/// refers to.
fn tables(conn: &mut DbConnection) -> anyhow::Result<Vec<Table>> {
    let pg = matches!(conn, DbConnection::Pg(_));
    let names: Vec<Line> = diesel::sql_query(if pg {
        "SELECT tablename::text AS line FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    } else {
        "SELECT name AS line FROM sqlite_master WHERE type = 'table' ORDER BY 1"
    })
    .load(conn)?;
    let mut found = Vec::new();
    for name in names.into_iter().map(|l| l.line).filter(|n| !derived(n)) {
        let quoted = name.replace('\'', "''");
        let columns: Vec<Column> = diesel::sql_query(if pg {
            format!(
                "SELECT column_name::text AS name, data_type::text AS kind FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{quoted}' ORDER BY ordinal_position"
            )
        } else {
            format!("SELECT name, type AS kind FROM pragma_table_info('{quoted}') ORDER BY cid")
        })
        .load(conn)?;
        let key: Vec<Line> = diesel::sql_query(if pg {
            format!(
                "SELECT a.attname::text AS line FROM pg_index i JOIN pg_attribute a \
                 ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = '\"{quoted}\"'::regclass AND i.indisprimary \
                 ORDER BY array_position(i.indkey::int2[], a.attnum)"
            )
        } else {
            format!(
                "SELECT name AS line FROM pragma_table_info('{quoted}') WHERE pk > 0 ORDER BY pk"
            )
        })
        .load(conn)?;
        let parents: Vec<Line> = diesel::sql_query(if pg {
            format!(
                "SELECT DISTINCT confrelid::regclass::text AS line FROM pg_constraint \
                 WHERE contype = 'f' AND conrelid = '\"{quoted}\"'::regclass"
            )
        } else {
            format!("SELECT DISTINCT \"table\" AS line FROM pragma_foreign_key_list('{quoted}')")
        })
        .load(conn)?;
        let columns: Vec<(String, Kind)> = columns
            .into_iter()
            .map(|c| (c.name, Kind::of(&c.kind)))
            .collect();
        let key = if key.is_empty() {
            columns.iter().map(|(c, _)| c.clone()).collect()
        } else {
            key.into_iter().map(|l| l.line).collect()
        };
        found.push(Table {
            parents: parents
                .into_iter()
                .map(|l| l.line.trim_matches('"').to_string())
                .filter(|p| *p != name)
                .collect(),
            name,
            columns,
            key,
        });
    }
    // Each table after its parents (the schema has no cycles between tables).
    let mut ordered: Vec<Table> = Vec::with_capacity(found.len());
    while !found.is_empty() {
        let ready = found.iter().position(|t| {
            t.parents
                .iter()
                .all(|p| ordered.iter().any(|o| &o.name == p) || derived(p))
        });
        let Some(i) = ready else {
            let left: Vec<&str> = found.iter().map(|t| t.name.as_str()).collect();
            bail!("the tables {left:?} refer to each other in a cycle");
        };
        ordered.push(found.remove(i));
    }
    Ok(ordered)
}

/// The newest migration applied, which an export is tagged with.
fn schema_version(conn: &mut DbConnection) -> anyhow::Result<String> {
    let v: Vec<Line> =
        diesel::sql_query("SELECT max(version) AS line FROM __diesel_schema_migrations")
            .load(conn)?;
    v.into_iter()
        .next()
        .map(|l| l.line)
        .context("the database has no migrations applied")
}

/// What an export or import moved.
pub struct Moved {
    pub tables: usize,
    pub rows: u64,
    pub seconds: f64,
}

/// Writes every row of every table (except what the database derives) to
/// `to` as JSON lines: a header, then for each table a line naming it and
/// its columns followed by one array per row. The same data gives the same
/// lines from SQLite and from PostgreSQL, so the file moves a database from
/// one backend to the other (`import`).
pub fn export(url: &DatabaseUrl, to: &Path) -> anyhow::Result<Moved> {
    use std::io::Write;
    if to.exists() {
        bail!("{} already exists; choose a new file name", to.display());
    }
    let started = std::time::Instant::now();
    let mut conn = db::connect(url)?;
    db::run_migrations(&mut conn)?;
    let tables = tables(&mut conn)?;
    let file =
        std::fs::File::create_new(to).with_context(|| format!("creating {}", to.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let header = serde_json::json!({
        "format": "danvan-export",
        "version": 1,
        "migration": schema_version(&mut conn)?,
        "backend": db::backend_of(&conn).name(),
        "tables": tables.len(),
    });
    writeln!(out, "{header}")?;
    let mut rows = 0u64;
    // One transaction, so that the file is one consistent state.
    let pg = matches!(conn, DbConnection::Pg(_));
    conn.batch_execute(if pg {
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    } else {
        "BEGIN"
    })?;
    for t in &tables {
        let names: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({"table": t.name, "columns": names})
        )?;
        let list = names
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let order = t
            .key
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = if pg {
            format!(
                "SELECT json_build_array({list})::text AS line FROM \"{}\" ORDER BY {order}",
                t.name
            )
        } else {
            format!(
                "SELECT json_array({list}) AS line FROM \"{}\" ORDER BY {order}",
                t.name
            )
        };
        let mut write_row = |line: String| -> anyhow::Result<()> {
            let values: Vec<serde_json::Value> = serde_json::from_str(&line)?;
            let values = values
                .into_iter()
                .zip(&t.columns)
                .map(|(v, (_, kind))| kind.canonical(v))
                .collect::<anyhow::Result<Vec<_>>>()?;
            serde_json::to_writer(&mut out, &values)?;
            out.write_all(b"\n")?;
            rows += 1;
            Ok(())
        };
        // Streamed row by row, so a large table is never held in memory.
        match &mut conn {
            DbConnection::Pg(c) => {
                for line in diesel::sql_query(sql)
                    .load_iter::<Line, diesel::pg::PgRowByRowLoadingMode>(c)?
                {
                    write_row(line?.line)?;
                }
            }
            DbConnection::Sqlite(c) => {
                for line in diesel::sql_query(sql)
                    .load_iter::<Line, diesel::connection::DefaultLoadingMode>(c)?
                {
                    write_row(line?.line)?;
                }
            }
        }
    }
    conn.batch_execute("COMMIT")?;
    // The last line says the file is whole.
    writeln!(out, "{}", serde_json::json!({"end": true, "rows": rows}))?;
    let file = out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok(Moved {
        tables: tables.len(),
        rows,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Loads an export into a new database (migrated, with no accounts yet), in
/// one transaction: if anything in the file is wrong, nothing is kept. The
/// totals and search indexes are rebuilt by the database as rows arrive;
/// PostgreSQL's id sequences are moved past the largest id.
pub fn import(url: &DatabaseUrl, from: &Path) -> anyhow::Result<Moved> {
    use std::io::BufRead;
    let started = std::time::Instant::now();
    let file = std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header: serde_json::Value = match lines.next() {
        Some(line) => serde_json::from_str(&line?).ok(),
        None => None,
    }
    .filter(|h: &serde_json::Value| h["format"] == "danvan-export")
    .with_context(|| format!("{} is not a danvan export", from.display()))?;
    if header["version"] != 1 {
        bail!(
            "{} is an export of a format this version does not read",
            from.display()
        );
    }
    let mut conn = db::connect(url)?;
    db::run_migrations(&mut conn)?;
    let here = schema_version(&mut conn)?;
    let theirs = header["migration"].as_str().unwrap_or_default();
    if theirs != here {
        bail!(
            "the export was made at migration {theirs} and this database is at {here}: \
             export again with this version of danvan (it brings the source up to date first)"
        );
    }
    {
        use crate::db::schema::users;
        let accounts: i64 = users::table.count().get_result(&mut conn)?;
        if accounts > 0 {
            bail!(
                "this database already has {accounts} account(s): import only into a new database \
                 (create it, then run danvan import)"
            );
        }
    }
    let known = tables(&mut conn)?;
    let pg = matches!(conn, DbConnection::Pg(_));
    let mut moved = Moved {
        tables: 0,
        rows: 0,
        seconds: 0.0,
    };
    db::write_transaction::<(), anyhow::Error>(&mut conn, |conn| {
        // Rows the migrations seeded (categories, rubrics…) come from the
        // file like the rest.
        for t in known.iter().rev() {
            conn.batch_execute(&format!("DELETE FROM \"{}\"", t.name))?;
        }
        let mut table: Option<(&Table, Vec<String>)> = None;
        let mut ended = false;
        let mut batch: Vec<serde_json::Value> = Vec::new();
        let flush = |conn: &mut DbConnection,
                     t: &Table,
                     names: &[String],
                     batch: &mut Vec<serde_json::Value>|
         -> anyhow::Result<()> {
            if batch.is_empty() {
                return Ok(());
            }
            let list = names
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let (sql, json) = if pg {
                // Rows as objects; PostgreSQL casts each field to its column.
                let objects: Vec<serde_json::Value> = batch
                    .iter()
                    .map(|row| {
                        serde_json::Value::Object(
                            names
                                .iter()
                                .cloned()
                                .zip(row.as_array().into_iter().flatten().cloned())
                                .collect(),
                        )
                    })
                    .collect();
                (
                    format!(
                        "INSERT INTO \"{0}\" ({list}) SELECT {list} FROM json_populate_recordset(NULL::\"{0}\", $1::json)",
                        t.name
                    ),
                    serde_json::Value::Array(objects).to_string(),
                )
            } else {
                let picks = (0..names.len())
                    .map(|i| format!("json_extract(value, '$[{i}]')"))
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    format!(
                        "INSERT INTO \"{}\" ({list}) SELECT {picks} FROM json_each(?)",
                        t.name
                    ),
                    serde_json::Value::Array(std::mem::take(batch)).to_string(),
                )
            };
            batch.clear();
            diesel::sql_query(sql).bind::<Text, _>(json).execute(conn)?;
            Ok(())
        };
        for (n, line) in lines.enumerate() {
            let line = line?;
            let value: serde_json::Value = serde_json::from_str(&line)
                .with_context(|| format!("line {} of the export is not JSON", n + 2))?;
            match value {
                serde_json::Value::Object(head) if head.contains_key("end") => {
                    if head.get("rows").and_then(serde_json::Value::as_u64) != Some(moved.rows) {
                        bail!(
                            "the export says it holds {} rows, and {} were read",
                            head["rows"],
                            moved.rows
                        );
                    }
                    ended = true;
                }
                _ if ended => bail!("line {} follows the end of the export", n + 2),
                serde_json::Value::Object(head) => {
                    if let Some((t, names)) = &table {
                        flush(conn, t, names, &mut batch)?;
                    }
                    let name = head
                        .get("table")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    let t = known.iter().find(|t| t.name == name).with_context(|| {
                        format!("the export has a table {name} this database does not")
                    })?;
                    let names: Vec<String> =
                        serde_json::from_value(head.get("columns").cloned().unwrap_or_default())
                            .with_context(|| format!("the columns of {name}"))?;
                    let ours: Vec<&String> = t.columns.iter().map(|(c, _)| c).collect();
                    if names.iter().collect::<Vec<_>>() != ours {
                        bail!("the columns of {name} in the export differ from this database's");
                    }
                    moved.tables += 1;
                    table = Some((t, names));
                }
                row @ serde_json::Value::Array(_) => {
                    let Some((t, names)) = &table else {
                        bail!("line {} is a row before any table", n + 2);
                    };
                    if row.as_array().map(Vec::len) != Some(names.len()) {
                        bail!(
                            "line {} has the wrong number of values for {}",
                            n + 2,
                            t.name
                        );
                    }
                    batch.push(row);
                    moved.rows += 1;
                    if batch.len() >= 1_000 {
                        flush(conn, t, names, &mut batch)?;
                    }
                }
                _ => bail!("line {} is neither a table nor a row", n + 2),
            }
        }
        if let Some((t, names)) = &table {
            flush(conn, t, names, &mut batch)?;
        }
        if !ended || moved.tables != header["tables"].as_u64().unwrap_or(0) as usize {
            bail!("the export is cut short: it has no end line or misses tables");
        }
        if pg {
            for t in known
                .iter()
                .filter(|t| t.columns.iter().any(|(c, _)| c == "id"))
            {
                conn.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('\"{0}\"', 'id'), (SELECT max(id) FROM \"{0}\"))",
                    t.name
                ))?;
            }
        }
        db::totals::rebuild(conn)?;
        Ok(())
    })?;
    moved.seconds = started.elapsed().as_secs_f64();
    Ok(moved)
}
