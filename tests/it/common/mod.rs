//! Test harness: the real server on port 0 against a fresh database per test —
//! an SQLite file in a temporary folder, or, when `TEST_DATABASE_URL` is set, a
//! new PostgreSQL database that is dropped afterwards.
#![allow(dead_code)]

pub mod smtp;

use std::collections::HashMap;

use danvan::config::Config;
use danvan::db::{self, audit, units::UnitFields, users::UserFields, DbConnection, Pool};
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use danvan::startup::Application;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub const PASSWORD: &str = "mat-khau-2022!";

/// A database that exists only for one test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
        url: String,
        dir: tempfile::TempDir,
    },
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(admin_url) => {
                let name = format!("dvk_test_{}", &danvan::auth::csrf::new_token()[..16]);
                let mut admin = PgConnection::establish(&admin_url)
                    .expect("TEST_DATABASE_URL must be reachable");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                let url = format!("{base}/{name}");
                TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                    dir: tempfile::tempdir().unwrap(),
                }
            }
            None => TestDb::Sqlite(tempfile::tempdir().unwrap()),
        }
    }

    /// An SQLite database whatever `TEST_DATABASE_URL` says.
    pub fn sqlite() -> TestDb {
        TestDb::Sqlite(tempfile::tempdir().unwrap())
    }

    /// Runs a subcommand of the binary against this database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_danvan"))
            .args(args)
            .env("DATABASE_URL", self.url())
            .env("DATA_DIR", self.data_dir())
            .env("SESSION_KEY", "ab".repeat(64))
            .output()
            .unwrap()
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite(dir) => {
                format!("sqlite://{}", dir.path().join("test.sqlite3").display())
            }
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        match self {
            TestDb::Sqlite(dir) | TestDb::Postgres { dir, .. } => dir.path().to_path_buf(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub pool: Pool,
    pub client: Client,
    pub db: TestDb,
    /// The top unit every test tree hangs from.
    pub root: i64,
}

pub fn config_for(db: &TestDb, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url()),
        ("BIND_ADDR".into(), "127.0.0.1:0".into()),
        ("DATA_DIR".into(), db.data_dir().display().to_string()),
        ("SESSION_KEY".into(), "ab".repeat(64)),
        ("WORKERS".into(), "1".into()),
        ("DB_POOL_SIZE".into(), "4".into()),
        // Tests queue the daily run themselves (`danvan daily`), and do not wait long.
        ("DAILY_HOUR".into(), "off".into()),
        ("OUTBOX_POLL_SECONDS".into(), "1".into()),
        ("OUTBOX_RETRY_SECONDS".into(), "1".into()),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test config")
}

pub async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
    let db = TestDb::new();
    let app = Application::build(config_for(&db, extra)).expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());
    let root = {
        let mut conn = pool.get().unwrap();
        make_unit(&mut conn, None, UnitKind::City, "Thành phố Hà Nội")
    };
    TestApp {
        base,
        pool,
        client: new_client(),
        db,
        root,
    }
}

/// The app sending its mail to `sink`.
pub async fn spawn_mailing(sink: &smtp::SmtpSink) -> TestApp {
    let env = sink.env();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(&pairs).await
}

/// A task's fields with only what most tests care about filled in.
pub fn task_fields(
    unit_id: i64,
    owner_id: i64,
    title: &str,
    deadline: Option<chrono::NaiveDate>,
    year: i32,
) -> db::tasks::TaskFields {
    db::tasks::TaskFields {
        unit_id,
        category_id: 1,
        title: title.into(),
        description: String::new(),
        project_start_year: None,
        campaign_year: year,
        deadline,
        owner_id,
        area_total_m2: None,
        area_cleared_m2: None,
        plans_total: None,
        plans_approved: None,
        money_paid: None,
        consented_stages: danvan::domain::consent::ConsentedSet::default().to_stored(),
        co_owners: vec![],
        team: vec![],
    }
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        // The server closes a connection idle for 5 s (actix's keep-alive):
        // a pooled one is not reused near that moment, when a request sent
        // on it could cross the server's close (a slow upload beside it).
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .build()
        .unwrap()
}

pub fn make_unit(conn: &mut DbConnection, parent: Option<i64>, kind: UnitKind, name: &str) -> i64 {
    let f = UnitFields {
        parent_id: parent,
        kind,
        name: name.into(),
        code: None,
    };
    audit::write(conn, &audit::Actor::default(), |c| {
        Ok(db::units::create(c, &f)?)
    })
    .unwrap()
    .id
}

/// Pulls the CSRF token out of a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_string()
}

impl TestApp {
    /// A connection of its own to this test's database, outside the app's pool.
    pub fn conn(&self) -> DbConnection {
        db::connect(&db::DatabaseUrl::parse(&self.db.url()).unwrap()).unwrap()
    }

    pub fn unit(&self, parent: i64, kind: UnitKind, name: &str) -> i64 {
        make_unit(&mut self.conn(), Some(parent), kind, name)
    }

    /// A user with `PASSWORD` (no forced change) and the given roles.
    pub fn user(&self, username: &str, home: i64, roles: &[(Role, i64)]) -> i64 {
        let hash = danvan::auth::password::hash(PASSWORD).unwrap();
        let f = UserFields {
            username: username.into(),
            full_name: format!("Đồng chí {username}"),
            email: None,
            locale: "vi".into(),
            unit_id: home,
        };
        let mut conn = self.conn();
        let (u, _) = db::users::create(&mut conn, &f, &hash, false).unwrap();
        for (role, unit) in roles {
            db::users::add_grant(&mut conn, u.id, *unit, *role, None).unwrap();
        }
        u.id
    }

    /// `n` people homed in `home` with `roles`: usernames `{username}01`…,
    /// names `{name} 01`…; made without hashing a password apiece, as they
    /// never log in.
    pub fn crowd(
        &self,
        username: &str,
        name: &str,
        n: usize,
        home: i64,
        roles: &[(Role, i64)],
    ) -> Vec<i64> {
        let mut conn = self.conn();
        (1..=n)
            .map(|i| {
                let f = UserFields {
                    username: format!("{username}{i:02}"),
                    full_name: format!("{name} {i:02}"),
                    email: None,
                    locale: "vi".into(),
                    unit_id: home,
                };
                let (u, _) = db::users::create(&mut conn, &f, "!", false).unwrap();
                for (role, unit) in roles {
                    db::users::add_grant(&mut conn, u.id, *unit, *role, None).unwrap();
                }
                u.id
            })
            .collect()
    }

    /// Gives a user a name, an address and a language, so mail can reach them.
    pub fn set_email(&self, id: i64, name: &str, email: &str, locale: &str) {
        use danvan::db::schema::users;
        use diesel::prelude::*;
        let mut conn = self.conn();
        let username = db::users::find(&mut conn, id).unwrap().username;
        diesel::update(users::table.find(id))
            .set((
                users::full_name.eq(name),
                users::find_name.eq(danvan::domain::search::person(name, &username)),
                users::email.eq(email),
                users::locale.eq(locale),
            ))
            .execute(&mut conn)
            .unwrap();
    }

    /// Runs a subcommand of the binary against this test's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.db.cli(args)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// `client` as a [`Browser`] on this app: the same cookie jar, so the
    /// same session.
    pub fn on(&self, client: &Client) -> Browser {
        Browser {
            base: self.base.clone(),
            client: client.clone(),
        }
    }

    /// A browser of its own (a fresh cookie jar) logged in as `username`
    /// with `PASSWORD`; the login must succeed.
    pub async fn browser(&self, username: &str) -> Browser {
        let b = self.on(&new_client());
        let r = b.login(username, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login {username}");
        b
    }

    /// The session's current CSRF token, read from a page the visitor can see.
    pub async fn csrf_of(&self, client: &Client) -> String {
        self.on(client).csrf().await
    }

    pub async fn csrf(&self) -> String {
        self.csrf_of(&self.client).await
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_with(&self.client, path, fields).await
    }

    pub async fn post_with(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        self.on(client).post(path, fields).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.login_with(&self.client, username, password).await
    }

    pub async fn login_with(&self, client: &Client, username: &str, password: &str) -> Response {
        self.on(client).login(username, password).await
    }

    /// Creates `quantri`, administrator of the top unit, and logs in as them.
    pub async fn as_admin(&self) -> i64 {
        let id = self.user("quantri", self.root, &[(Role::Admin, self.root)]);
        self.login_ok("quantri").await;
        id
    }

    /// Logs in and checks that it worked.
    pub async fn login_ok(&self, username: &str) {
        let r = self.login(username, PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed"
        );
    }
}

/// Settings under which every request runs on one pooled connection and
/// nothing runs beside them (no outbox worker, no daily run): spawn with
/// these to count what a request costs with [`TestApp::count_statements`].
pub const COUNTING: &[(&str, &str)] = &[("DB_POOL_SIZE", "1"), ("OUTBOX_WORKER", "false")];

/// The statements run on the app's connection since the count was last read.
/// Left out: the pool's liveness ping, transaction brackets, the
/// once-a-minute note of a token's last use and anything about SQLite's
/// planner statistics (`PRAGMA`, `ANALYZE`, `sqlite_schema`, `sqlite_stat1`)
/// — none depends on what a request reads, and some on the clock.
#[derive(Clone, Default)]
pub struct Statements(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl diesel::connection::Instrumentation for Statements {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
            let sql = query.to_string();
            let sql = sql.trim_start();
            let aside = sql == "SELECT 1"
                || ["api_tokens", "sqlite_schema", "sqlite_stat1"]
                    .iter()
                    .any(|t| sql.contains(t))
                || [
                    "BEGIN",
                    "COMMIT",
                    "ROLLBACK",
                    "SAVEPOINT",
                    "RELEASE",
                    "PRAGMA",
                    "ANALYZE",
                ]
                .iter()
                .any(|w| sql.starts_with(w));
            if !aside {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
}

impl Statements {
    /// How many were run since the last read; starts the next count.
    pub fn take(&self) -> usize {
        self.0.swap(0, std::sync::atomic::Ordering::SeqCst)
    }
}

impl TestApp {
    /// Counts the statements of every request from now on: the app must run
    /// with [`COUNTING`], so that its one pooled connection serves them all.
    pub fn count_statements(&self) -> Statements {
        let seen = Statements::default();
        let mut conn = self.pool.get().unwrap();
        assert_eq!(self.pool.max_size(), 1, "spawn the app with COUNTING");
        conn.set_instrumentation(seen.clone());
        seen
    }
}

/// Nothing to post but the CSRF token: `browser.post(path, NO_FIELDS)`.
pub const NO_FIELDS: &[(&str, &str)] = &[];

/// A visitor's browser on the app at `base`: a cookie jar of its own, so a
/// session of its own. It dereferences to its `reqwest::Client`, so it goes
/// wherever a `&Client` is asked for; its own `post` adds the CSRF token.
pub struct Browser {
    base: String,
    pub client: Client,
}

impl std::ops::Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A page's status and text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// A page's text; the page must answer 200.
    pub async fn page_ok(&self, path: &str) -> String {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    /// The page a redirect leads to; `r` must be a redirect (303).
    pub async fn follow(&self, r: Response) -> String {
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        self.page(&location(&r)).await.1
    }

    /// The session's current CSRF token, read from a page the visitor can see.
    pub async fn csrf(&self) -> String {
        let r = self.client.get(self.url("/login")).send().await.unwrap();
        let html = if r.status() == StatusCode::SEE_OTHER {
            self.client
                .get(self.url("/account/password"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        } else {
            r.text().await.unwrap()
        };
        csrf_in(&html)
    }

    /// Posts a form with the session's CSRF token added. Fields may be
    /// `&str` or `String`, names and values alike.
    pub async fn post<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        all.push(("_csrf", &token));
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Posts the login form.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Asserts that the totals the triggers keep (households and area per task
/// and stage, visits per task and month) equal a recount of the rows.
pub fn assert_totals_equal_a_recount(conn: &mut DbConnection) {
    use chrono::{Datelike, NaiveDate};
    use danvan::db::schema::{household_stage_totals, households, visit_month_totals, visits};
    use diesel::prelude::*;
    use std::collections::BTreeMap;

    let mut kept: BTreeMap<(i64, String), (i64, f64)> = BTreeMap::new();
    for (task, stage, n, area) in household_stage_totals::table
        .select((
            household_stage_totals::task_id,
            household_stage_totals::stage,
            household_stage_totals::households,
            household_stage_totals::area_m2,
        ))
        .load::<(i64, String, i32, f64)>(conn)
        .unwrap()
    {
        // A total that went back to nothing may stay as a row of zeros.
        if n == 0 {
            assert!(
                area.abs() < 1e-6,
                "({task}, {stage}) has no households but {area} m²"
            );
        } else {
            kept.insert((task, stage), (i64::from(n), area));
        }
    }
    let mut counted: BTreeMap<(i64, String), (i64, f64)> = BTreeMap::new();
    for (task, stage, area) in households::table
        .select((households::task_id, households::stage, households::area_m2))
        .load::<(i64, String, f64)>(conn)
        .unwrap()
    {
        let e = counted.entry((task, stage)).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += area;
    }
    assert_eq!(
        kept.keys().collect::<Vec<_>>(),
        counted.keys().collect::<Vec<_>>(),
        "households by task and stage"
    );
    for (key, (n, area)) in &counted {
        let (kept_n, kept_area) = kept[key];
        assert_eq!(kept_n, *n, "households of {key:?}");
        assert!(
            (kept_area - area).abs() < 1e-6,
            "area of {key:?}: {kept_area} ≠ {area}"
        );
    }

    let kept: BTreeMap<(i64, NaiveDate), i64> = visit_month_totals::table
        .filter(visit_month_totals::visits.ne(0))
        .select((
            visit_month_totals::task_id,
            visit_month_totals::month,
            visit_month_totals::visits,
        ))
        .load::<(i64, NaiveDate, i32)>(conn)
        .unwrap()
        .into_iter()
        .map(|(t, m, n)| ((t, m), i64::from(n)))
        .collect();
    let mut counted: BTreeMap<(i64, NaiveDate), i64> = BTreeMap::new();
    for (task, on) in visits::table
        .select((visits::task_id, visits::visited_on))
        .load::<(i64, NaiveDate)>(conn)
        .unwrap()
    {
        *counted.entry((task, on.with_day(1).unwrap())).or_default() += 1;
    }
    assert_eq!(kept, counted, "visits by task and month");
    assert_unit_totals_equal_a_recount(conn);
}

/// The dashboard's figures kept per unit (migrations 30 and 32), each over
/// the unit's subtree, equal a recount from the tasks, households and visits
/// themselves; rows left at zero are as if they were not there.
fn assert_unit_totals_equal_a_recount(conn: &mut DbConnection) {
    use chrono::{Datelike, NaiveDate};
    use danvan::db::schema::{
        households, tasks, unit_stage_totals, unit_task_totals, unit_visit_month_totals,
        unit_waiting_last_visits, visits,
    };
    use danvan::domain::consent::ConsentStage;
    use danvan::domain::deadline::TaskStatus;
    use diesel::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    fn nonzero<K: Ord>(rows: impl IntoIterator<Item = (K, i64)>) -> BTreeMap<K, i64> {
        let mut out = BTreeMap::new();
        for (k, n) in rows {
            *out.entry(k).or_insert(0) += n;
        }
        out.retain(|_, n| *n != 0);
        out
    }
    let task_rows: Vec<(i64, i64, String, i64, String)> = tasks::table
        .select((
            tasks::id,
            tasks::unit_id,
            tasks::status,
            tasks::category_id,
            tasks::consented_stages,
        ))
        .load(conn)
        .unwrap();
    let of: HashMap<i64, (i64, String, i64, String)> = task_rows
        .iter()
        .map(|(id, u, st, c, set)| (*id, (*u, st.clone(), *c, set.clone())))
        .collect();
    // Each unit's figures hold its subtree: a row counted for a unit counts
    // for every unit on its path ("/1/4/9/": units 1, 4 and 9).
    let paths: HashMap<i64, String> = danvan::db::schema::units::table
        .select((
            danvan::db::schema::units::id,
            danvan::db::schema::units::path,
        ))
        .load::<(i64, String)>(conn)
        .unwrap()
        .into_iter()
        .collect();
    let up = |unit: i64| -> Vec<i64> {
        paths[&unit]
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect()
    };

    let kept = nonzero(
        unit_task_totals::table
            .select((
                unit_task_totals::unit_id,
                unit_task_totals::status,
                unit_task_totals::category_id,
                unit_task_totals::tasks,
            ))
            .load::<(i64, String, i64, i32)>(conn)
            .unwrap()
            .into_iter()
            .map(|(u, st, c, n)| ((u, st, c), i64::from(n))),
    );
    let counted =
        nonzero(task_rows.iter().flat_map(|(_, u, st, c, _)| {
            up(*u).into_iter().map(move |a| ((a, st.clone(), *c), 1))
        }));
    assert_eq!(kept, counted, "tasks by unit, status and category");

    let hh: Vec<(i64, String, f64, Option<NaiveDate>)> = households::table
        .select((
            households::task_id,
            households::stage,
            households::area_m2,
            households::last_visit_on,
        ))
        .load(conn)
        .unwrap();
    type Key = (i64, String, String, String);
    let kept_stages: Vec<(Key, (i64, f64))> = unit_stage_totals::table
        .select((
            unit_stage_totals::unit_id,
            unit_stage_totals::status,
            unit_stage_totals::consented_stages,
            unit_stage_totals::stage,
            unit_stage_totals::households,
            unit_stage_totals::area_m2,
        ))
        .load::<(i64, String, String, String, i32, f64)>(conn)
        .unwrap()
        .into_iter()
        .map(|(u, st, set, stage, n, a)| ((u, st, set, stage), (i64::from(n), a)))
        .collect();
    let mut counted_area: BTreeMap<Key, f64> = BTreeMap::new();
    let counted = nonzero(hh.iter().flat_map(|(t, stage, area, _)| {
        let (u, st, _, set) = &of[t];
        up(*u)
            .into_iter()
            .map(|a| {
                let key = (a, st.clone(), set.clone(), stage.clone());
                *counted_area.entry(key.clone()).or_insert(0.0) += area;
                (key, 1)
            })
            .collect::<Vec<_>>()
    }));
    assert_eq!(
        nonzero(kept_stages.iter().map(|(k, (n, _))| (k.clone(), *n))),
        counted,
        "households by unit, task status, consented set and stage"
    );
    for (key, (n, area)) in &kept_stages {
        let want = if *n == 0 { 0.0 } else { counted_area[key] };
        assert!(
            (area - want).abs() < 1e-6,
            "area of {key:?}: kept {area}, counted {want}"
        );
    }

    // Waiting: of an open task, at a stage before the end of the process.
    let kept = nonzero(
        unit_waiting_last_visits::table
            .select((
                unit_waiting_last_visits::last_visit_on,
                unit_waiting_last_visits::unit_id,
                unit_waiting_last_visits::households,
            ))
            .load::<(NaiveDate, i64, i32)>(conn)
            .unwrap()
            .into_iter()
            .map(|(d, u, n)| ((d, u), i64::from(n))),
    );
    let counted = nonzero(
        hh.iter()
            .filter_map(|(t, stage, _, last)| {
                let (u, st, _, _) = &of[t];
                let open = TaskStatus::parse(st).is_some_and(|s| TaskStatus::OPEN.contains(&s));
                let waiting = ConsentStage::parse(stage).is_some_and(|s| !s.is_final());
                let last = last.as_ref().copied()?;
                (open && waiting).then(|| up(*u).into_iter().map(move |a| ((last, a), 1)))
            })
            .flatten(),
    );
    assert_eq!(kept, counted, "waiting households by last visit and unit");

    let kept = nonzero(
        unit_visit_month_totals::table
            .select((
                unit_visit_month_totals::unit_id,
                unit_visit_month_totals::month,
                unit_visit_month_totals::visits,
            ))
            .load::<(i64, NaiveDate, i32)>(conn)
            .unwrap()
            .into_iter()
            .map(|(u, m, n)| ((u, m), i64::from(n))),
    );
    let counted = nonzero(
        visits::table
            .filter(visits::kind.ne("record"))
            .select((visits::task_id, visits::visited_on))
            .load::<(i64, NaiveDate)>(conn)
            .unwrap()
            .into_iter()
            .flat_map(|(t, on)| {
                let month = on.with_day(1).unwrap();
                up(of[&t].0).into_iter().map(move |a| ((a, month), 1))
            }),
    );
    assert_eq!(kept, counted, "visits by unit and month");
}

/// Posts the login form of the server at `base`, with the CSRF token of a
/// fresh login page.
pub async fn login_at(client: &Client, base: &str, username: &str, password: &str) -> Response {
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// A date, for short.
pub fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `fields` with `key` set to `value` alone: any earlier values of `key`
/// are dropped and the new one goes last.
pub fn with(
    mut fields: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value.into()));
    fields
}

/// An API token for `user`, made straight in the database.
pub fn token_for(app: &TestApp, user: i64) -> String {
    let mut conn = app.conn();
    audit::write(&mut conn, &audit::Actor::default(), |c| {
        Ok(db::api_tokens::create(c, user, "test")?)
    })
    .unwrap()
    .1
}

/// A household with just a name, a parcel and an area.
pub fn household(
    head_name: &str,
    parcel_no: &str,
    area_m2: f64,
) -> db::households::HouseholdFields {
    db::households::HouseholdFields {
        head_name: head_name.into(),
        address: String::new(),
        residential_group: String::new(),
        map_sheet: "1".into(),
        parcel_no: parcel_no.into(),
        area_m2,
        land_type: String::new(),
        priority_groups: String::new(),
        phone: String::new(),
        notes: String::new(),
    }
}

/// The options of the select `id` in a page: (value, label, selected),
/// the blank one left out.
pub fn options_of(html: &str, id: &str) -> Vec<(String, String, bool)> {
    let start = html
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}"));
    let end = start + html[start..].find("</select>").unwrap();
    html[start..end]
        .split("<option value=\"")
        .skip(1)
        .filter_map(|o| {
            let (value, rest) = o.split_once('"')?;
            let selected = rest.starts_with(" selected");
            let label = rest.split_once('>')?.1.split('<').next()?.to_string();
            (!value.is_empty()).then(|| (value.to_string(), label, selected))
        })
        .collect()
}
