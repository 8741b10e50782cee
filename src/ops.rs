//! Operations on a whole database: online backup and checked restore of an
//! SQLite file. (PostgreSQL is backed up with its own `pg_dump`; see README.)

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
             (README, Operations)"
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
             createdb NEW && pg_restore --dbname=NEW FILE (README, Operations)"
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
