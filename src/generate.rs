//! A believable province for load tests: units, accounts, difficult tasks,
//! households with three years of visits, a year-end review round, campaigns
//! and models. Deterministic from a seed. Rows go in batches inside
//! transactions, straight through the backend's own connection (batch
//! inserts do not compile through `MultiConnection`).

use std::time::Instant;

use anyhow::bail;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::schema::*;
use crate::db::{self, DbConnection};
use crate::domain::consent::ConsentStage;
use crate::domain::search::fold;
use crate::domain::units::UnitKind;

/// How big a province to make. `Scale::default()` is the benchmark's.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub units: usize,
    pub tasks: usize,
    pub households: usize,
    pub visits: usize,
    pub users: usize,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            units: 100,
            tasks: 10_000,
            households: 500_000,
            visits: 5_000_000,
            users: 2_000,
        }
    }
}

impl Scale {
    /// The default scale multiplied by `f` (at least one of each).
    pub fn times(f: f64) -> Scale {
        let d = Scale::default();
        let m = |n: usize| ((n as f64 * f).round() as usize).max(1);
        Scale {
            units: m(d.units),
            tasks: m(d.tasks).max(m(d.units)),
            households: m(d.households),
            visits: m(d.visits),
            users: m(d.users).max(1 + m(d.units) * 4),
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: usize,
    pub seconds: f64,
    /// Row counts by table, in the order written.
    pub tables: Vec<(&'static str, usize)>,
}

impl Report {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds.max(1e-9)
    }
}

/// Rows per INSERT statement (under SQLite's 32,766 variables for the widest
/// table) or per COPY on PostgreSQL.
const BATCH: usize = 1_000;
/// Rows per transaction.
const COMMIT_EVERY: usize = 100_000;

macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            // COPY is several times faster than INSERT on PostgreSQL.
            DbConnection::Pg(c) => diesel::copy_from($table).from_insertable($rows).execute(c),
        }
    };
}

/// Collects rows of one table and writes them a batch at a time.
struct Writer<'a, T> {
    conn: &'a mut DbConnection,
    rows: Vec<T>,
    written: usize,
    since_commit: usize,
}

trait Flush<T> {
    fn flush_rows(conn: &mut DbConnection, rows: &[T]) -> QueryResult<usize>;
}

impl<'a, T> Writer<'a, T>
where
    Writer<'a, T>: Flush<T>,
{
    fn new(conn: &'a mut DbConnection) -> anyhow::Result<Self> {
        conn.batch_execute_begin()?;
        Ok(Writer {
            conn,
            rows: Vec::with_capacity(BATCH),
            written: 0,
            since_commit: 0,
        })
    }

    fn push(&mut self, row: T) -> anyhow::Result<()> {
        self.rows.push(row);
        if self.rows.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        Self::flush_rows(self.conn, &self.rows)?;
        self.written += self.rows.len();
        self.since_commit += self.rows.len();
        self.rows.clear();
        if self.since_commit >= COMMIT_EVERY {
            self.conn.batch_execute_commit()?;
            self.conn.batch_execute_begin()?;
            self.since_commit = 0;
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<usize> {
        self.flush()?;
        self.conn.batch_execute_commit()?;
        Ok(self.written)
    }
}

/// Long transactions for bulk loading, committed every `COMMIT_EVERY` rows.
trait Bulk {
    fn batch_execute_begin(&mut self) -> QueryResult<()>;
    fn batch_execute_commit(&mut self) -> QueryResult<()>;
}

impl Bulk for DbConnection {
    fn batch_execute_begin(&mut self) -> QueryResult<()> {
        use diesel::connection::TransactionManager;
        <DbConnection as Connection>::TransactionManager::begin_transaction(self)
    }
    fn batch_execute_commit(&mut self) -> QueryResult<()> {
        use diesel::connection::TransactionManager;
        <DbConnection as Connection>::TransactionManager::commit_transaction(self)
    }
}

macro_rules! flushable {
    ($row:ty, $table:expr) => {
        impl<'a> Flush<$row> for Writer<'a, $row> {
            fn flush_rows(conn: &mut DbConnection, rows: &[$row]) -> QueryResult<usize> {
                insert_batch!(conn, $table, rows)
            }
        }
    };
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    id: i64,
    username: String,
    full_name: String,
    find_name: String,
    email: Option<String>,
    password_hash: String,
    locale: &'static str,
    unit_id: i64,
    active: bool,
    must_change_password: bool,
    session_epoch: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}
flushable!(UserRow, users::table);

#[derive(Insertable)]
#[diesel(table_name = role_grants, treat_none_as_default_value = false)]
struct GrantRow {
    user_id: i64,
    unit_id: i64,
    role: &'static str,
    created_at: NaiveDateTime,
}
flushable!(GrantRow, role_grants::table);

#[derive(Insertable)]
#[diesel(table_name = tasks, treat_none_as_default_value = false)]
struct TaskRow {
    id: i64,
    unit_id: i64,
    category_id: i64,
    title: String,
    search_text: String,
    description: String,
    project_start_year: Option<i32>,
    campaign_year: i32,
    deadline: Option<NaiveDate>,
    status: &'static str,
    completed_on: Option<NaiveDate>,
    owner_id: i64,
    consented_stages: &'static str,
    area_total_m2: Option<f64>,
    money_paid: Option<i64>,
    version: i32,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}
flushable!(TaskRow, tasks::table);

#[derive(Insertable)]
#[diesel(table_name = task_members, treat_none_as_default_value = false)]
struct MemberRow {
    task_id: i64,
    user_id: i64,
    role: &'static str,
}
flushable!(MemberRow, task_members::table);

#[derive(Insertable)]
#[diesel(table_name = households, treat_none_as_default_value = false)]
struct HouseholdRow {
    id: i64,
    task_id: i64,
    head_name: String,
    search_text: String,
    find_text: String,
    phone_digits: String,
    address: String,
    residential_group: String,
    map_sheet: String,
    parcel_no: String,
    area_m2: f64,
    land_type: &'static str,
    phone: String,
    stage: &'static str,
    last_visit_on: Option<NaiveDate>,
    next_visit_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}
flushable!(HouseholdRow, households::table);

/// Every household's plot, laid out along streets per task (illustrative).
type ParcelRow = db::parcels::NewParcel<'static>;

#[derive(Insertable)]
#[diesel(table_name = visits, treat_none_as_default_value = false)]
struct VisitRow {
    household_id: i64,
    task_id: i64,
    visited_on: NaiveDate,
    kind: &'static str,
    household_said: &'static str,
    stage_before: &'static str,
    stage_after: &'static str,
    next_step: &'static str,
    next_visit_on: Option<NaiveDate>,
    created_by: i64,
    created_at: NaiveDateTime,
}
flushable!(VisitRow, visits::table);

#[derive(Insertable)]
#[diesel(table_name = review_tasks, treat_none_as_default_value = false)]
struct ReviewTaskRow {
    round_id: i64,
    task_id: i64,
    unit_id: Option<i64>,
    owner_id: Option<i64>,
    snap_status: Option<&'static str>,
    snap_deadline: Option<NaiveDate>,
    snap_outcome: Option<&'static str>,
    snap_days_late: Option<i64>,
    snap_households: Option<i64>,
    snap_households_consented: Option<i64>,
    snap_visits: Option<i64>,
    snap_exceeded: Option<bool>,
    total: Option<f64>,
    rating: Option<&'static str>,
}
flushable!(ReviewTaskRow, review_tasks::table);

#[derive(Insertable)]
#[diesel(table_name = review_scores, treat_none_as_default_value = false)]
struct ScoreRow {
    round_id: i64,
    task_id: i64,
    criterion_id: i64,
    kind: &'static str,
    author_id: i64,
    score: f64,
    comment: &'static str,
    private_note: &'static str,
    evidence: &'static str,
    updated_at: NaiveDateTime,
}
flushable!(ScoreRow, review_scores::table);

#[derive(Insertable)]
#[diesel(table_name = models, treat_none_as_default_value = false)]
struct ModelRow {
    campaign_id: i64,
    kind: &'static str,
    unit_id: i64,
    holder_name: String,
    contact_id: i64,
    field_id: i64,
    title: String,
    commitment: &'static str,
    expected_results: &'static str,
    period_from: NaiveDate,
    period_to: NaiveDate,
    status: &'static str,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}
flushable!(ModelRow, models::table);

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Xuân",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh",
    "Lan", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang",
    "Trung", "Tuấn", "Vân", "Yến",
];
const PLACES: &[&str] = &[
    "Đông Sơn",
    "Quảng Phú",
    "Hoằng Hóa",
    "Tĩnh Gia",
    "Nghi Sơn",
    "Hàm Rồng",
    "Đông Vệ",
    "Ba Đình",
    "Lam Sơn",
    "Điện Biên",
    "Trường Thi",
    "Phú Sơn",
    "Quảng Thắng",
    "Đông Hương",
    "Nam Ngạn",
    "Tào Xuyên",
    "Hoằng Quang",
    "Thiệu Dương",
    "Quảng Tâm",
    "Đông Lĩnh",
];
const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Phú",
    "Quang Trung",
    "Bà Triệu",
    "Nguyễn Trãi",
    "Lê Hoàn",
    "Hàm Nghi",
    "Phan Chu Trinh",
];
const PROJECTS: &[&str] = &[
    "Giải phóng mặt bằng đường vành đai",
    "Mở rộng đường",
    "Cải tạo kênh thoát nước",
    "Chỉnh trang vỉa hè phố",
    "Xây dựng trường mầm non",
    "Khu tái định cư",
    "Di dời chợ tạm",
    "Nâng cấp đê",
    "Khu đô thị mới",
    "Cải tạo môi trường ao",
];
/// The stages households go through, in order, on their way to hand-over.
const PATH: &[ConsentStage] = &[
    ConsentStage::NotContacted,
    ConsentStage::NoticeReceived,
    ConsentStage::Inventoried,
    ConsentStage::InPostedPlan,
    ConsentStage::Considering,
    ConsentStage::DialogueHeld,
    ConsentStage::AgreesWithConditions,
    ConsentStage::Agrees,
    ConsentStage::PlanApproved,
    ConsentStage::Paid,
    ConsentStage::HandedOver,
];
const SAID: &[&str] = &[
    "Gia đình đồng ý về chủ trương, còn băn khoăn về đơn giá bồi thường.",
    "Đề nghị được bố trí tái định cư tại chỗ.",
    "Chưa đồng ý, chờ ý kiến các con.",
    "Đồng ý, đề nghị chi trả sớm.",
    "Hẹn lần sau trao đổi khi có phương án chi tiết.",
];

fn name(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}",
        FAMILY[rng.gen_range(0..FAMILY.len())],
        MIDDLE[rng.gen_range(0..MIDDLE.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    )
}

fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.gen_range(0..xs.len())]
}

/// What the steps share: the connection, the seeded random source, the
/// scale and the clock, and the report each step adds its tables to.
struct Gen<'a> {
    conn: &'a mut DbConnection,
    rng: StdRng,
    scale: Scale,
    today: NaiveDate,
    now: NaiveDateTime,
    started: Instant,
    report: Report,
}

/// A commune or ward and its Front committee.
type Commune = (i64, i64);
/// A commune's committee member, field team members and Front reviewer.
type Staff = (i64, Vec<i64>, i64);

/// Fills an empty database (migrated, no tasks yet) with a province. Prints
/// progress through `say`. Accounts get `password`.
pub fn run(
    conn: &mut DbConnection,
    scale: Scale,
    seed: u64,
    today: NaiveDate,
    password: &str,
    mut say: impl FnMut(&str),
) -> anyhow::Result<Report> {
    let taken: i64 = tasks::table.count().get_result(conn)?;
    let people: i64 = users::table.count().get_result(conn)?;
    if taken > 0 || people > 0 {
        bail!("the database already has data: generate into an empty one");
    }
    let mut g = Gen {
        conn,
        rng: StdRng::seed_from_u64(seed),
        scale,
        today,
        now: db::now(),
        started: Instant::now(),
        report: Report::default(),
    };
    let hash = crate::auth::password::hash(password)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let (root, communes) = g.units()?;
    say(&format!("units: {}", 1 + scale.units * 2));
    let staff = g.users(root, &communes, &hash)?;
    say(&format!("users: {}", g.report.tables[1].1));
    let task_info = g.tasks(&communes, &staff)?;
    say(&format!("tasks: {}", scale.tasks));
    g.households_and_visits(&task_info, &mut say)?;
    g.review(root, &staff, &task_info)?;
    g.campaigns(root, &communes, &staff)?;
    g.finish()
}

impl Gen<'_> {
    /// The province, its communes and wards, each with a Front committee.
    fn units(&mut self) -> anyhow::Result<(i64, Vec<Commune>)> {
        let (conn, scale) = (&mut *self.conn, self.scale);
        let root = match units::table
            .filter(units::parent_id.is_null())
            .select(units::id)
            .first::<i64>(conn)
            .optional()?
        {
            Some(id) => id,
            None => unit(
                conn,
                None,
                UnitKind::Province,
                "Tỉnh Thanh Hóa (dữ liệu mô phỏng)",
            )?,
        };
        let mut communes = Vec::with_capacity(scale.units);
        for i in 0..scale.units {
            let place = PLACES[i % PLACES.len()];
            let (kind, label) = if i % 3 == 0 {
                (UnitKind::Commune, "Xã")
            } else {
                (UnitKind::Ward, "Phường")
            };
            let suffix = if i < PLACES.len() {
                String::new()
            } else {
                format!(" {}", i / PLACES.len() + 1)
            };
            let id = unit(conn, Some(root), kind, &format!("{label} {place}{suffix}"))?;
            let front = unit(
                conn,
                Some(id),
                UnitKind::FrontCommittee,
                &format!("Ủy ban MTTQ {label} {place}{suffix}"),
            )?;
            communes.push((id, front));
        }
        self.report.tables.push(("units", 1 + scale.units * 2));
        Ok((root, communes))
    }

    /// An administrator of the province, then per commune a committee member,
    /// a Front reviewer, and field team members and viewers.
    fn users(&mut self, root: i64, communes: &[Commune], hash: &str) -> anyhow::Result<Vec<Staff>> {
        let (scale, now, rng) = (self.scale, self.now, &mut self.rng);
        let per_unit = (scale.users.saturating_sub(1) / scale.units).max(4);
        let extra_people = scale.users.saturating_sub(1 + per_unit * scale.units);
        let mut staff = Vec::new();
        let mut u = Writer::<UserRow>::new(self.conn)?;
        let mut id = 0i64;
        let mut grants = Vec::new();
        let mut user = |u: &mut Writer<UserRow>, username: String, home: i64| {
            id += 1;
            let full_name = name(rng);
            let row = UserRow {
                id,
                email: Some(format!("{username}@sim.danvan.invalid")),
                find_name: crate::domain::search::person(&full_name, &username),
                username,
                full_name,
                password_hash: hash.to_string(),
                locale: "vi",
                unit_id: home,
                active: true,
                must_change_password: false,
                session_epoch: 0,
                created_at: now,
                updated_at: now,
            };
            u.push(row).map(|_| id)
        };
        let admin = user(&mut u, "admin".into(), root)?;
        grants.push((admin, root, "admin"));
        for (n, (commune, front)) in communes.iter().enumerate() {
            let committee = user(&mut u, format!("capuy{n}"), *commune)?;
            grants.push((committee, *commune, "committee"));
            let reviewer = user(&mut u, format!("mttq{n}"), *front)?;
            grants.push((reviewer, *commune, "reviewer"));
            let mut team = Vec::new();
            for k in 0..per_unit - 2 + usize::from(n < extra_people) {
                let (username, role) = if k % 5 == 4 {
                    (format!("xem{n}.{k}"), "viewer")
                } else {
                    (format!("totac{n}.{k}"), "ward_team")
                };
                let id = user(&mut u, username, *commune)?;
                grants.push((id, *commune, role));
                if role == "ward_team" {
                    team.push(id);
                }
            }
            staff.push((committee, team, reviewer));
        }
        self.report.tables.push(("users", u.finish()?));
        let mut g = Writer::<GrantRow>::new(self.conn)?;
        for (user_id, unit_id, role) in grants {
            g.push(GrantRow {
                user_id,
                unit_id,
                role,
                created_at: now,
            })?;
        }
        self.report.tables.push(("role_grants", g.finish()?));
        Ok(staff)
    }

    /// Tasks, spread over the communes and three campaign years, with their teams.
    fn tasks(&mut self, communes: &[Commune], staff: &[Staff]) -> anyhow::Result<Vec<TaskInfo>> {
        let (scale, today, now, rng) = (self.scale, self.today, self.now, &mut self.rng);
        let mut task_info: Vec<TaskInfo> = Vec::new();
        let mut t = Writer::<TaskRow>::new(self.conn)?;
        for i in 0..scale.tasks {
            let c = i % scale.units;
            let (committee, ref team, _) = staff[c];
            let year = today.year() - 2 + (i % 3) as i32;
            let status = match rng.gen_range(0..20) {
                0..=2 => "registered",
                3..=14 => "in_progress",
                15..=18 => "completed",
                _ => "cancelled",
            };
            let deadline = NaiveDate::from_ymd_opt(year, rng.gen_range(6..=12), 28);
            let owner = if team.is_empty() || i % 4 == 0 {
                committee
            } else {
                team[i % team.len()]
            };
            let title = format!(
                "{} {} đoạn {}",
                pick(rng, PROJECTS),
                PLACES[c % PLACES.len()],
                i / scale.units + 1
            );
            t.push(TaskRow {
                id: i as i64 + 1,
                unit_id: communes[c].0,
                category_id: (i % 5) as i64 + 1,
                search_text: fold(&title),
                title,
                description: String::new(),
                project_start_year: Some(year - 1),
                campaign_year: year,
                deadline,
                status,
                completed_on: (status == "completed").then(|| deadline.unwrap_or(today)),
                owner_id: owner,
                consented_stages: "agrees_with_conditions,agrees,plan_approved,paid,handed_over",
                area_total_m2: Some(rng.gen_range(500..50_000) as f64),
                money_paid: Some(rng.gen_range(0..50_000) * 1_000_000),
                version: 1,
                created_by: Some(committee),
                created_at: now,
                updated_at: now,
            })?;
            let members: Vec<i64> = if team.is_empty() {
                vec![]
            } else {
                (0..3).map(|k| team[(i + k) % team.len()]).collect()
            };
            task_info.push((i as i64 + 1, communes[c].0, owner, members, status, year));
        }
        self.report.tables.push(("tasks", t.finish()?));
        let mut m = Writer::<MemberRow>::new(self.conn)?;
        let mut n = 0;
        for (task, _, owner, members, _, _) in &task_info {
            let mut seen = vec![*owner];
            for user in members {
                if !seen.contains(user) {
                    seen.push(*user);
                    m.push(MemberRow {
                        task_id: *task,
                        user_id: *user,
                        role: "team",
                    })?;
                    n += 1;
                }
            }
        }
        m.finish()?;
        self.report.tables.push(("task_members", n));
        Ok(task_info)
    }

    /// Households with their visits: each household's stage is where its last
    /// visit left it, as the app keeps it. On PostgreSQL their indexes are
    /// built once at the end, much faster than row by row.
    fn households_and_visits(
        &mut self,
        task_info: &[TaskInfo],
        say: &mut impl FnMut(&str),
    ) -> anyhow::Result<()> {
        let (scale, today, now, rng) = (self.scale, self.today, self.now, &mut self.rng);
        let conn = &mut *self.conn;
        let first_day = today - Duration::days(3 * 365);
        let rebuild = bulk_indexes(conn)?;
        let triggers = db::totals::suspend_triggers(conn)?;
        // The first task is a large site clearance of up to 1,000 households
        // (the benchmark's "task page with 1,000 households"); the rest share
        // the remainder evenly.
        let big = (scale.households / 10).min(1_000);
        let rest_tasks = scale.tasks.saturating_sub(1).max(1);
        let per_task = (scale.households - big) / rest_tasks;
        let extra = (scale.households - big) % rest_tasks;
        let visits_per = scale.visits as f64 / scale.households.max(1) as f64;
        let mut hh = Vec::with_capacity(BATCH);
        let mut pp: Vec<ParcelRow> = Vec::with_capacity(BATCH);
        let mut vv = Vec::with_capacity(BATCH * 12);
        let mut hid = 0i64;
        let mut visits_left = scale.visits;
        let span = (today - first_day).num_days().max(1);
        let mut h_written = 0usize;
        let mut v_written = 0usize;
        let mut p_written = 0usize;
        let mut since_commit = 0usize;
        conn.batch_execute_begin()?;
        for (ti, (task, _, owner, members, status, _)) in task_info.iter().enumerate() {
            let count = if ti == 0 {
                big
            } else {
                per_task + usize::from(ti - 1 < extra)
            };
            // Each task's plots on streets of their own, tasks on a grid
            // 2 km apart across the north of the country.
            let mut blocks = crate::demo::parcels::Blocks::new(
                (
                    103.6 + (ti % 150) as f64 * 0.02,
                    20.2 + (ti / 150) as f64 * 0.02,
                ),
                60,
            );
            let walkers: Vec<i64> = if members.is_empty() {
                vec![*owner]
            } else {
                members.clone()
            };
            for k in 0..count {
                hid += 1;
                let head = name(rng);
                // How far along: completed tasks are handed over.
                let reach = if *status == "completed" {
                    PATH.len() - 1
                } else {
                    rng.gen_range(0..PATH.len())
                };
                let mut n_visits = visits_per.floor() as usize
                    + usize::from(rng.gen_bool((visits_per.fract()).clamp(0.0, 1.0)));
                n_visits = n_visits.min(visits_left);
                visits_left -= n_visits;
                let mut day = first_day + Duration::days(rng.gen_range(0..span / 3));
                let step = ((today - day).num_days().max(1) / (n_visits as i64 + 1)).max(1);
                let mut stage = 0usize;
                let mut last = None;
                let mut next = None;
                for v in 0..n_visits {
                    let before = PATH[stage];
                    // Reach the final stage by the last visit, one step or none at a time.
                    let remaining = n_visits - v;
                    if stage < reach && (rng.gen_bool(0.6) || reach - stage >= remaining) {
                        stage += 1;
                    }
                    let after = PATH[stage];
                    day = (day + Duration::days(rng.gen_range(1..=step * 2).min(step * 2)))
                        .min(today);
                    let done = after == ConsentStage::HandedOver;
                    next = (!done).then(|| day + Duration::days(rng.gen_range(7..45)));
                    last = Some(day);
                    vv.push(VisitRow {
                        household_id: hid,
                        task_id: *task,
                        visited_on: day,
                        kind: if v % 7 == 6 { "phone" } else { "door_to_door" },
                        household_said: pick(rng, SAID),
                        stage_before: before.as_str(),
                        stage_after: after.as_str(),
                        next_step: "",
                        next_visit_on: next,
                        created_by: walkers[v % walkers.len()],
                        created_at: now,
                    });
                }
                let area_m2 = rng.gen_range(40..600) as f64;
                if let Ok(parcel) = crate::geo::measure(blocks.plot(area_m2)) {
                    pp.push(ParcelRow::of(hid, *task, &parcel, "generated", None, now));
                }
                let address = format!(
                    "Số {}, ngõ {}, đường {}",
                    k + 1,
                    rng.gen_range(1..200),
                    pick(rng, STREETS)
                );
                let residential_group = format!("Tổ {}", rng.gen_range(1..30));
                let phone = format!("09{:08}", rng.gen_range(0..100_000_000u32));
                hh.push(HouseholdRow {
                    id: hid,
                    task_id: *task,
                    search_text: fold(&head),
                    find_text: crate::domain::search::household_place(&residential_group, &address),
                    phone_digits: crate::domain::search::phone_digits(&phone),
                    head_name: head,
                    address,
                    residential_group,
                    map_sheet: rng.gen_range(1..80).to_string(),
                    parcel_no: rng.gen_range(1..900).to_string(),
                    area_m2,
                    land_type: if k % 4 == 0 { "CLN" } else { "ODT" },
                    phone,
                    stage: PATH[stage].as_str(),
                    last_visit_on: last,
                    next_visit_on: next,
                    created_at: now,
                    updated_at: now,
                });
                if hh.len() >= BATCH {
                    h_written += insert_batch!(&mut *conn, households::table, &hh)?;
                    since_commit += hh.len();
                    hh.clear();
                    p_written += insert_batch!(&mut *conn, parcels::table, &pp)?;
                    pp.clear();
                    for chunk in vv.chunks(BATCH) {
                        v_written += insert_batch!(&mut *conn, visits::table, chunk)?;
                    }
                    since_commit += vv.len();
                    vv.clear();
                    if since_commit >= COMMIT_EVERY {
                        conn.batch_execute_commit()?;
                        conn.batch_execute_begin()?;
                        since_commit = 0;
                        say(&format!(
                            "households: {h_written}, visits: {v_written} ({:.0} rows/s)",
                            (h_written + v_written) as f64 / self.started.elapsed().as_secs_f64()
                        ));
                    }
                }
            }
        }
        if !hh.is_empty() {
            h_written += insert_batch!(&mut *conn, households::table, &hh)?;
        }
        if !pp.is_empty() {
            p_written += insert_batch!(&mut *conn, parcels::table, &pp)?;
        }
        for chunk in vv.chunks(BATCH) {
            v_written += insert_batch!(&mut *conn, visits::table, chunk)?;
        }
        conn.batch_execute_commit()?;
        self.report.tables.push(("households", h_written));
        self.report.tables.push(("visits", v_written));
        self.report.tables.push(("parcels", p_written));
        if let Some(create) = rebuild {
            use diesel::connection::SimpleConnection;
            say("building the household and visit indexes");
            conn.batch_execute(&create)?;
        }
        // The dashboard's totals: the bulk load fired no triggers for them.
        if let Some(create) = triggers {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(&create)?;
        }
        db::totals::rebuild(conn)?;
        Ok(())
    }

    /// A year-end review round of the province over every task, published.
    fn review(&mut self, root: i64, staff: &[Staff], task_info: &[TaskInfo]) -> anyhow::Result<()> {
        let (scale, today, now, rng) = (self.scale, self.today, self.now, &mut self.rng);
        let year = today.year() - 1;
        let lead = staff[0].2;
        let round: i64 = diesel::insert_into(review_rounds::table)
            .values((
                review_rounds::unit_id.eq(root),
                review_rounds::year.eq(year),
                review_rounds::title.eq(format!("Giám sát, đánh giá việc khó năm {year}")),
                review_rounds::status.eq("published"),
                review_rounds::lead_id.eq(lead),
                review_rounds::combine_rule.eq("mean"),
                review_rounds::self_due.eq(NaiveDate::from_ymd_opt(year, 12, 10).unwrap_or(today)),
                review_rounds::review_due
                    .eq(NaiveDate::from_ymd_opt(year, 12, 25).unwrap_or(today)),
                review_rounds::snapshot_on.eq(NaiveDate::from_ymd_opt(year, 12, 15)),
                review_rounds::opened_at.eq(now),
                review_rounds::scoring_at.eq(now),
                review_rounds::published_at.eq(now),
                review_rounds::version.eq(4),
                review_rounds::created_by.eq(lead),
                review_rounds::created_at.eq(now),
                review_rounds::updated_at.eq(now),
            ))
            .returning(review_rounds::id)
            .get_result(self.conn)?;
        let items = [
            (
                "Tiến độ, chất lượng thực hiện",
                "Progress and quality",
                50.0,
            ),
            ("Đồng thuận của nhân dân", "People's consent", 30.0),
            (
                "Cách làm sáng tạo, hiệu quả",
                "Creative, effective approach",
                20.0,
            ),
        ]
        .map(|(vi, en, max)| db::reviews::CriterionFields::new(vi, en, max));
        db::reviews::insert_criteria(self.conn, round, &items)?;
        let criteria: Vec<(i64, f64)> = db::reviews::criteria(self.conn, round)?
            .iter()
            .map(|c| (c.id, c.max_points))
            .collect();
        let mut rt = Writer::<ReviewTaskRow>::new(self.conn)?;
        let mut totals = Vec::with_capacity(task_info.len());
        for (task, unit_id, owner, _, status, _) in task_info {
            let shares: Vec<f64> = criteria
                .iter()
                .map(|(_, max)| (max * rng.gen_range(0.5..1.0) * 2.0).round() / 2.0)
                .collect();
            let total: f64 = shares.iter().sum();
            let rating = match total {
                t if t >= 90.0 && *status == "completed" => "excellent",
                t if t >= 70.0 => "good",
                t if t >= 50.0 => "satisfactory",
                _ => "not_completed",
            };
            rt.push(ReviewTaskRow {
                round_id: round,
                task_id: *task,
                unit_id: Some(*unit_id),
                owner_id: Some(*owner),
                snap_status: Some(status),
                snap_deadline: None,
                snap_outcome: Some(if *status == "completed" {
                    "completed_on_time"
                } else {
                    "on_schedule"
                }),
                snap_days_late: Some(0),
                snap_households: Some((scale.households / scale.tasks) as i64),
                snap_households_consented: Some(0),
                snap_visits: Some((scale.visits / scale.tasks) as i64),
                snap_exceeded: Some(false),
                total: Some(total),
                rating: Some(rating),
            })?;
            totals.push((*task, shares));
        }
        self.report.tables.push(("review_tasks", rt.finish()?));
        let reviewers = [staff[0].2, staff.get(1).map_or(staff[0].2, |s| s.2)];
        let mut sc = Writer::<ScoreRow>::new(self.conn)?;
        for (task, shares) in &totals {
            for ((criterion, _), share) in criteria.iter().zip(shares) {
                for author in
                    reviewers
                        .iter()
                        .take(if reviewers[0] == reviewers[1] { 1 } else { 2 })
                {
                    sc.push(ScoreRow {
                        round_id: round,
                        task_id: *task,
                        criterion_id: *criterion,
                        kind: "review",
                        author_id: *author,
                        score: *share,
                        comment: "",
                        private_note: "",
                        evidence: "",
                        updated_at: now,
                    })?;
                }
            }
        }
        self.report.tables.push(("review_scores", sc.finish()?));
        Ok(())
    }

    /// Campaigns of the last three years with models registered in each commune.
    fn campaigns(
        &mut self,
        root: i64,
        communes: &[Commune],
        staff: &[Staff],
    ) -> anyhow::Result<()> {
        let (today, now) = (self.today, self.now);
        let mut mw = Vec::new();
        let this_year = today.year();
        for year in this_year - 2..=this_year {
            let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
            let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
            let campaign: i64 = diesel::insert_into(campaigns::table)
                .values((
                    campaigns::unit_id.eq(root),
                    campaigns::year.eq(year),
                    campaigns::theme.eq(format!("Năm Dân vận khéo {year}")),
                    campaigns::plan_number.eq(format!("{}-KH/BDVTU", 100 + year % 100)),
                    campaigns::focus_fields.eq(""),
                    campaigns::period_from.eq(from),
                    campaigns::period_to.eq(to),
                    campaigns::description.eq(""),
                    campaigns::related_plans.eq(""),
                    campaigns::version.eq(1),
                    campaigns::created_by.eq(1i64),
                    campaigns::created_at.eq(now),
                    campaigns::updated_at.eq(now),
                ))
                .returning(campaigns::id)
                .get_result(self.conn)?;
            for (c, (commune, _)) in communes.iter().enumerate() {
                for k in 0..5 {
                    mw.push(ModelRow {
                        campaign_id: campaign,
                        kind: if k % 2 == 0 {
                            "collective"
                        } else {
                            "individual"
                        },
                        unit_id: *commune,
                        holder_name: name(&mut self.rng),
                        contact_id: staff[c].0,
                        field_id: (k % 4) as i64 + 1,
                        title: format!("Mô hình {} số {}", PLACES[c % PLACES.len()], k + 1),
                        commitment: "Vận động nhân dân hiến đất làm đường",
                        expected_results: "",
                        period_from: from,
                        period_to: to,
                        status: ["registered", "accepted", "pilot", "proposed", "commended"][k],
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    });
                }
            }
        }
        let mut m = Writer::<ModelRow>::new(self.conn)?;
        for row in mw {
            m.push(row)?;
        }
        self.report.tables.push(("models", m.finish()?));
        Ok(())
    }

    /// On PostgreSQL, sequences follow the ids written above; then the
    /// planner's statistics. Returns the report.
    fn finish(self) -> anyhow::Result<Report> {
        let (conn, mut report) = (self.conn, self.report);
        if let DbConnection::Pg(c) = conn {
            use diesel::connection::SimpleConnection;
            c.batch_execute(
                "SELECT setval(pg_get_serial_sequence('users','id'), (SELECT max(id) FROM users)); \
                 SELECT setval(pg_get_serial_sequence('tasks','id'), (SELECT max(id) FROM tasks)); \
                 SELECT setval(pg_get_serial_sequence('households','id'), (SELECT max(id) FROM households));",
            )?;
            // On its own: several statements in one call form a transaction block,
            // and VACUUM refuses to run in one.
            c.batch_execute("VACUUM ANALYZE")?;
        } else {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("ANALYZE;")?;
        }
        report.rows = report.tables.iter().map(|(_, n)| n).sum();
        report.seconds = self.started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// The household and visit indexes, as the PostgreSQL migrations create them
/// (keep in step). Dropped before the bulk load; the statements that make
/// them again are returned.
const BULK_INDEXES: &[(&str, &str)] = &[
    ("households_task_stage_idx", "ON households(task_id, stage)"),
    (
        "households_task_last_visit_idx",
        "ON households(task_id, last_visit_on, stage)",
    ),
    (
        "households_task_next_idx",
        "ON households(task_id, next_visit_on)",
    ),
    (
        "households_parcel_idx",
        "ON households(task_id, map_sheet, parcel_no)",
    ),
    (
        "households_search_trgm",
        "ON households USING gin (search_text gin_trgm_ops)",
    ),
    (
        "households_find_trgm",
        "ON households USING gin (find_text gin_trgm_ops)",
    ),
    ("households_parcel", "ON households (parcel_no, map_sheet)"),
    ("households_phone", "ON households (phone_digits)"),
    (
        "households_unfilled",
        "ON households (id) WHERE find_text = ''",
    ),
    (
        "visits_household_idx",
        "ON visits(household_id, visited_on)",
    ),
    ("visits_task_idx", "ON visits(task_id, visited_on)"),
    ("visits_created_by_idx", "ON visits(created_by)"),
];

fn bulk_indexes(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    use diesel::connection::SimpleConnection;
    let DbConnection::Pg(c) = conn else {
        return Ok(None);
    };
    let mut create = String::new();
    for (name, def) in BULK_INDEXES {
        c.batch_execute(&format!("DROP INDEX IF EXISTS {name}"))?;
        create.push_str(&format!("CREATE INDEX {name} {def};"));
    }
    c.batch_execute("SET synchronous_commit = off")?;
    // Foreign-key checks cost more than the rows themselves; the generated
    // rows are consistent by construction (tests/it/generate.rs checks), so as a
    // superuser the checks are skipped for the load. Otherwise they stay.
    if c.batch_execute("SET session_replication_role = replica")
        .is_err()
    {
        tracing::warn!("not a superuser: foreign keys are checked row by row");
    }
    create.push_str("SET session_replication_role = DEFAULT;");
    Ok(Some(create))
}

/// A generated task as the later steps need it: id, unit, owner, team
/// members, status, campaign year.
type TaskInfo = (i64, i64, i64, Vec<i64>, &'static str, i32);

fn unit(
    conn: &mut DbConnection,
    parent: Option<i64>,
    kind: UnitKind,
    name: &str,
) -> anyhow::Result<i64> {
    let f = db::units::UnitFields {
        parent_id: parent,
        kind,
        name: name.into(),
        code: None,
    };
    Ok(db::units::create(conn, &f)?.0.id)
}
