//! Database access: one connection type over SQLite and PostgreSQL, picked at
//! run time from `DATABASE_URL`, an r2d2 pool, embedded migrations per backend,
//! and the one helper through which request handlers reach the database.

pub mod api_tokens;
pub mod audit;
pub mod campaigns;
pub mod dashboard;
pub mod desk;
pub mod documents;
pub mod households;
pub mod lists;
pub mod login_attempts;
pub mod money;
pub mod notifications;
pub mod parcels;
pub mod public;
pub mod recommendations;
pub mod reviews;
pub mod schema;
pub mod scope;
pub mod sessions;
pub mod tasks;
pub mod teams;
pub mod totals;
pub mod unit_totals;
pub mod units;
pub mod users;

use std::path::Path;

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type for both backends. PostgreSQL is listed first: the
/// derive tries variants in order, and SQLite would accept almost any string as a file name.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;

pub use crate::config::DatabaseUrl;

/// Which database a `DATABASE_URL` chooses.
impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// An r2d2 manager that connects by scheme, so a failed connection reports the
/// real cause (the derive's own `establish` hides it), and that sets up every
/// SQLite connection the same way.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    /// SQLite: WAL pages after which a committing connection checkpoints
    /// itself (SQLite's default is 1,000).
    wal_autocheckpoint: Option<u32>,
    /// SQLite: how often a pooled connection looks for fresh statistics.
    statistics_every: std::time::Duration,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager {
            url,
            wal_autocheckpoint: None,
            statistics_every: STATISTICS_EVERY,
        }
    }

    pub fn connect_now(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                // The planner's default cost of a random read (4, for spinning
                // disks) makes it scan a whole table to hash-join fifty rows
                // that an index finds at once. The working set here is in
                // memory or on SSD, where 1.1 is the usual value; a value set
                // for the server, database, role or in the URL is left alone.
                conn.batch_execute(
                    "SELECT set_config('random_page_cost', '1.1', false) \
                     FROM pg_settings WHERE name = 'random_page_cost' AND source = 'default'",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                    .map_err(r2d2::Error::QueryError)?;
                // Turning a new file to WAL takes a lock that SQLite does not
                // wait for: instances opening one new file together retry
                // (ten seconds at most, as the busy timeout).
                let mut tries = 0;
                while let Err(e) = conn.batch_execute("PRAGMA journal_mode = WAL;") {
                    tries += 1;
                    if tries >= 200 || !e.to_string().contains("locked") {
                        return Err(r2d2::Error::QueryError(e));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                conn.batch_execute("PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 67108864;")
                    .map_err(r2d2::Error::QueryError)?;
                if let Some(pages) = self.wal_autocheckpoint {
                    conn.batch_execute(&format!("PRAGMA wal_autocheckpoint = {pages};"))
                        .map_err(r2d2::Error::QueryError)?;
                    // SQLite's advice for a connection that stays open:
                    // statistics brought up to date as it opens (bounded).
                    conn.batch_execute("PRAGMA optimize = 0x10002;")
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// A connection as the pool keeps it, with when it was last handed back and,
/// on SQLite, which planner statistics it has loaded.
pub struct Pooled {
    conn: DbConnection,
    returned_at: std::time::Instant,
    statistics: Statistics,
}

/// SQLite loads the planner's statistics (`sqlite_stat1`) when a connection
/// reads the schema and keeps them: an `ANALYZE` run by another connection
/// (the [`Checkpointer`]'s thread, another instance, a bulk load) reaches
/// this one only when it reloads them. Each pooled connection looks at most
/// once a [`STATISTICS_EVERY`] whether the statistics changed, by the text of
/// their stored rows, and reloads them if so (`ANALYZE sqlite_schema`).
#[derive(Default)]
struct Statistics {
    loaded: Option<Option<String>>,
    checked_at: Option<std::time::Instant>,
}

/// How often a pooled SQLite connection looks for fresh planner statistics,
/// and how often the [`Checkpointer`]'s thread asks SQLite to bring them up
/// to date (`PRAGMA optimize`, which analyses only the tables that grew or
/// shrank enough since their last analysis, within a bounded effort).
pub const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(QueryableByName)]
struct StoredStatistics {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    rows: Option<String>,
}

/// The planner statistics as stored, as one text (a few kilobytes), or
/// `None` when nothing was ever analysed.
fn stored_statistics(conn: &mut SqliteConnection) -> QueryResult<Option<String>> {
    let analysed: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1')",
    ))
    .get_result(conn)?;
    if analysed == 0 {
        return Ok(None);
    }
    Ok(diesel::sql_query(
        "SELECT group_concat(tbl || ' ' || coalesce(idx, '') || ' ' || stat, '|') AS rows \
         FROM sqlite_stat1",
    )
    .get_result::<StoredStatistics>(conn)?
    .rows)
}

impl Statistics {
    /// Reloads the statistics when they changed since this connection last
    /// looked; looks at most once a [`STATISTICS_EVERY`].
    fn follow(&mut self, conn: &mut DbConnection, every: std::time::Duration) -> QueryResult<()> {
        let DbConnection::Sqlite(c) = conn else {
            return Ok(());
        };
        if self.checked_at.is_some_and(|at| at.elapsed() < every) {
            return Ok(());
        }
        self.checked_at = Some(std::time::Instant::now());
        let now = stored_statistics(c)?;
        if self.loaded.as_ref().is_some_and(|was| *was != now) {
            c.batch_execute("ANALYZE sqlite_schema;")?;
        }
        self.loaded = Some(now);
        Ok(())
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A connection handed back within this long is taken out again without a
/// `SELECT 1` first: under load that check is a round trip on every request.
/// A connection lost in between fails the query that finds it gone, which
/// leaves it broken (diesel reads libpq's state), and it is not taken back.
const TRUSTED_FOR: std::time::Duration = std::time::Duration::from_secs(2);

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let mut conn = self.connect_now()?;
        let mut statistics = Statistics::default();
        statistics
            .follow(&mut conn, self.statistics_every)
            .map_err(r2d2::Error::QueryError)?;
        Ok(Pooled {
            conn,
            returned_at: std::time::Instant::now(),
            statistics,
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        let Pooled {
            conn: inner,
            statistics,
            ..
        } = conn;
        statistics
            .follow(inner, self.statistics_every)
            .map_err(r2d2::Error::QueryError)?;
        if conn.returned_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.returned_at = std::time::Instant::now();
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(&mut conn.conn)
    }
}

/// One connection, creating the SQLite file's folder when needed; the error
/// is the database's own message.
pub fn connect(url: &DatabaseUrl) -> anyhow::Result<DbConnection> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
    }
    Manager::new(url.clone())
        .connect_now()
        .context("cannot connect to the database")
}

/// Builds the server's pool. Fails at once, with the database's own message,
/// when the first connection cannot be made. On SQLite its connections leave
/// the checkpoints to a [`Checkpointer`] and do one themselves only when the
/// log has grown past [`WAL_BACKSTOP_PAGES`].
pub fn build_pool(url: &DatabaseUrl, size: u32, timeout_seconds: u64) -> anyhow::Result<Pool> {
    build_pool_with(url, size, timeout_seconds, STATISTICS_EVERY)
}

/// [`build_pool`] whose SQLite connections look for fresh planner
/// statistics every `statistics_every` (tests look at every checkout).
pub fn build_pool_with(
    url: &DatabaseUrl,
    size: u32,
    timeout_seconds: u64,
    statistics_every: std::time::Duration,
) -> anyhow::Result<Pool> {
    drop(connect(url)?);
    let mut manager = Manager::new(url.clone());
    manager.wal_autocheckpoint = Some(WAL_BACKSTOP_PAGES);
    manager.statistics_every = statistics_every;
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(std::time::Duration::from_secs(timeout_seconds.max(1)))
        .build(manager)
        .context("cannot build the database pool")
}

/// The key of the advisory lock that setting up a PostgreSQL database takes.
const SETUP_LOCK: i64 = 0x6476_6b5f_7365_7475; // "dvk_setu"

/// Runs `f` (migrations, the first administrator) while no other instance
/// sets up the same database: any number of instances may start at once on
/// an empty database. PostgreSQL serialises them with an advisory lock held
/// by this connection's session; SQLite with an exclusive lock on a file
/// beside the database (the lock goes when the file is closed, even if the
/// process dies).
pub fn serialized<T>(
    conn: &mut DbConnection,
    database: &DatabaseUrl,
    f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match database {
        DatabaseUrl::Postgres(_) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({SETUP_LOCK})"))
                .context("waiting for the set-up lock")?;
            let out = f(conn);
            let unlocked = conn.batch_execute(&format!("SELECT pg_advisory_unlock({SETUP_LOCK})"));
            let out = out?;
            unlocked.context("releasing the set-up lock")?;
            Ok(out)
        }
        DatabaseUrl::Sqlite(path) => {
            let lock_path = format!("{path}.setup-lock");
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .with_context(|| format!("cannot open {lock_path}"))?;
            file.lock()
                .with_context(|| format!("cannot lock {lock_path}"))?;
            let out = f(conn);
            drop(file);
            out
        }
    }
}

/// Applies pending migrations of the connection's backend; returns their names.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    if let Some(unknown) = newer_migration(conn)? {
        bail!(
            "this database has migration {unknown}, which this version of danvan does not \
             have: a newer version has upgraded it. Start that version (or a later one), or \
             restore a backup made before the upgrade; nothing was changed"
        );
    }
    let applied: Vec<String> = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    households::fill_find_text(conn).context("filling the households' find text")?;
    users::fill_find_name(conn).context("filling the accounts' find names")?;
    if let DbConnection::Sqlite(c) = conn {
        // Statistics for the planner where they are missing or stale (a new
        // index); bounded, so it is quick on a large file.
        c.batch_execute("PRAGMA optimize = 0x10002;")
            .context("PRAGMA optimize")?;
    }
    Ok(applied)
}

/// The newest migration applied to the database that this binary does not
/// embed, if any: the database belongs to a newer version.
pub fn newer_migration(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    use diesel::migration::MigrationSource;
    fn check<C: MigrationHarness<DB>, DB: diesel::backend::Backend>(
        c: &mut C,
        source: EmbeddedMigrations,
    ) -> anyhow::Result<Option<String>> {
        let known: std::collections::HashSet<String> = MigrationSource::<DB>::migrations(&source)
            .map_err(|e| anyhow::anyhow!("reading the embedded migrations: {e}"))?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
        let applied = c
            .applied_migrations()
            .map_err(|e| anyhow::anyhow!("reading the applied migrations: {e}"))?;
        Ok(applied
            .iter()
            .map(ToString::to_string)
            .filter(|v| !known.contains(v))
            .max())
    }
    match conn {
        DbConnection::Pg(c) => check(c, POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => check(c, SQLITE_MIGRATIONS),
    }
}

pub fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Pg(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool, inside the
/// caller's tracing span. Every handler reaches the database through here.
pub async fn run<F, T>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(AppError::Pool)?;
        f(&mut conn)
    })
    .await
    .map_err(|_| AppError::Internal("blocking task was cancelled".into()))?
}

/// WAL pages (4 KB each) after which a committing pool connection checkpoints
/// the log itself: a backstop, reached only when the [`Checkpointer`] falls
/// behind or is not running.
pub const WAL_BACKSTOP_PAGES: u32 = 10_000;

/// A thread that copies SQLite's write-ahead log back into the database file,
/// with a connection of its own. Otherwise the writer whose commit takes the
/// log past 1,000 pages does it, syncing the file while every other writer
/// of the process queues behind it. A passive checkpoint neither waits for
/// nor blocks readers and writers. It runs every 5 ms while there is
/// something to copy — small and often: at one second the checkpoints were
/// large and the slowest visits logged under load took twice as long — and
/// backs off to half a second when the log stays as it was. Dropping it
/// stops the thread (and waits for it).
pub struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(QueryableByName, PartialEq, Eq, Clone, Copy, Default)]
struct WalState {
    /// Frames in the log, and how many of them are in the file.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    log: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    checkpointed: i64,
}

impl Checkpointer {
    const BUSY: std::time::Duration = std::time::Duration::from_millis(5);
    const IDLE: std::time::Duration = std::time::Duration::from_millis(500);

    /// Starts the thread for a SQLite database; `None` for PostgreSQL.
    pub fn start(url: &DatabaseUrl) -> anyhow::Result<Option<Self>> {
        let DatabaseUrl::Sqlite(_) = url else {
            return Ok(None);
        };
        let mut conn = connect(url)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                let (mut pause, mut last) = (Self::BUSY, WalState::default());
                let mut optimized = std::time::Instant::now();
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(pause)
                {
                    // The planner's statistics follow the data as it grows
                    // (SQLite's advice: `PRAGMA optimize` now and then on a
                    // long-lived connection); the pool's connections reload
                    // them when they change (`Statistics::follow`).
                    if optimized.elapsed() >= STATISTICS_EVERY {
                        optimized = std::time::Instant::now();
                        if let Err(e) = conn.batch_execute("PRAGMA optimize = 0x10002;") {
                            tracing::warn!(error = %e, "PRAGMA optimize failed; will retry");
                        }
                    }
                    match diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
                        .get_result::<WalState>(&mut conn)
                    {
                        Ok(now) if now == last => pause = (pause * 2).min(Self::IDLE),
                        Ok(now) => (pause, last) = (Self::BUSY, now),
                        Err(e) => {
                            tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                            pause = Self::IDLE;
                        }
                    }
                }
            })
            .context("cannot start the WAL checkpoint thread")?;
        Ok(Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One SQLite file has one writer at a time; this lock lines them up.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a transaction meant to write. On SQLite it begins with
/// `BEGIN IMMEDIATE`, taking the write lock up front: a deferred transaction
/// that reads first and writes later fails at once with "database is locked"
/// when another connection wrote in between, and the busy timeout cannot help
/// it. Inside an open transaction it nests as a savepoint, as usual.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(c) = conn else {
        return conn.transaction(f);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth()
        .map_err(E::from)?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    // Writers of this process queue here, in order, instead of polling
    // SQLite's lock with the busy handler's growing sleeps (which made the
    // slowest writes wait over a second under load). Other processes on the
    // same file still meet the busy timeout.
    let _writer = SQLITE_WRITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    let out = f(conn);
    let DbConnection::Sqlite(c) = conn else {
        unreachable!("the connection cannot change backend");
    };
    match out {
        Ok(v) => {
            if let Err(e) = AnsiTransactionManager::commit_transaction(c) {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
            Ok(v)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

/// A condition whose statement is never kept prepared: PostgreSQL plans
/// it afresh for the values bound each time. For text searches (`LIKE
/// '%…%'`): after five runs of a prepared statement PostgreSQL may switch
/// to a generic plan that ignores the pattern, and one for `title LIKE $1`
/// walked every task for a common word (49 instead of 600 task lists a
/// second). Every other statement is prepared once per connection and
/// keeps its plan, which costs nothing to reuse.
#[derive(Debug, Clone, Copy)]
pub struct Uncached<E>(pub E);

impl<E: Expression> Expression for Uncached<E> {
    type SqlType = E::SqlType;
}

impl<E: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for Uncached<E> {}

impl<E: SelectableExpression<QS>, QS> SelectableExpression<QS> for Uncached<E> {}

impl<E: diesel::expression::ValidGrouping<GB>, GB> diesel::expression::ValidGrouping<GB>
    for Uncached<E>
{
    type IsAggregate = E::IsAggregate;
}

impl<E> diesel::query_builder::QueryId for Uncached<E> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<E, DB> diesel::query_builder::QueryFragment<DB> for Uncached<E>
where
    E: diesel::query_builder::QueryFragment<DB>,
    DB: diesel::backend::Backend,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        self.0.walk_ast(out)
    }
}

/// The current time as stored: naive UTC, whole seconds, so that SQLite's text
/// comparison of timestamps orders them the same way PostgreSQL does.
pub use crate::clock::now;

/// The oldest an upload staged for confirmation (a household list, a parcel
/// file) may be: one left unconfirmed for a day has expired and is dropped.
pub fn staged_since() -> chrono::NaiveDateTime {
    now() - chrono::Duration::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_by_scheme() {
        for (url, file) in [
            ("sqlite://data/x.db", "data/x.db"),
            ("sqlite:///tmp/x.db", "/tmp/x.db"),
            ("data/x.db", "data/x.db"),
            ("/var/lib/x.db", "/var/lib/x.db"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url).unwrap(),
                DatabaseUrl::Sqlite(file.into())
            );
        }
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            assert_eq!(
                DatabaseUrl::parse(url).unwrap().backend(),
                Backend::Postgres
            );
        }
    }

    #[test]
    fn refuses_other_schemes_with_a_message_naming_them() {
        let err = DatabaseUrl::parse("mysql://x").unwrap_err().to_string();
        assert!(err.contains("mysql"), "{err}");
        assert!(DatabaseUrl::parse("mysql:x").is_err());
        assert!(DatabaseUrl::parse("").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
