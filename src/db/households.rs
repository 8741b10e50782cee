//! Households of a task and their visit log.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::schema::{attachments, households, tasks, users, visit_members, visit_photos, visits};
use super::tasks::Task;
use super::DbConnection;
use crate::domain::consent::{current_stage, ConsentStage, StageEntry};
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = households)]
pub struct Household {
    pub id: i64,
    pub task_id: i64,
    pub head_name: String,
    #[serde(skip)]
    pub search_text: String,
    pub address: String,
    pub residential_group: String,
    pub map_sheet: String,
    pub parcel_no: String,
    pub area_m2: f64,
    pub land_type: String,
    pub priority_groups: String,
    pub phone: String,
    pub notes: String,
    pub stage: String,
    pub last_visit_on: Option<NaiveDate>,
    pub next_visit_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Raised by each edit of the fields below (not by visits).
    pub version: i32,
}

impl Household {
    pub fn stage(&self) -> ConsentStage {
        ConsentStage::parse(&self.stage).unwrap_or(ConsentStage::NotContacted)
    }
}

/// The fields a person edits; `priority_groups` is already in stored form.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Insertable, AsChangeset)]
// `treat_none_as_default_value = false`: diesel otherwise makes every field
// defaultable, and on SQLite inserts a batch of such rows one statement at a
// time; FTS5 then flushes its index after every row (a 200,000-row import
// took 30 s, and over 140 s into a task already holding as many, instead of 2).
#[diesel(table_name = households, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct HouseholdFields {
    pub head_name: String,
    pub address: String,
    pub residential_group: String,
    pub map_sheet: String,
    pub parcel_no: String,
    pub area_m2: f64,
    pub land_type: String,
    pub priority_groups: String,
    pub phone: String,
    pub notes: String,
}

impl HouseholdFields {
    /// Where the household is, as it is searched.
    pub fn place(&self) -> String {
        search::household_place(&self.residential_group, &self.address)
    }

    /// Its phone, as it is searched.
    pub fn phone_digits(&self) -> String {
        search::phone_digits(&self.phone)
    }

    /// The columns search reads, derived from the fields: written with them
    /// on every insert and edit.
    fn search_columns(&self) -> SearchColumns {
        (
            households::search_text.eq(search::fold(&self.head_name)),
            households::find_text.eq(self.place()),
            households::phone_digits.eq(self.phone_digits()),
        )
    }
}

type SearchColumns = (
    diesel::dsl::Eq<households::search_text, String>,
    diesel::dsl::Eq<households::find_text, String>,
    diesel::dsl::Eq<households::phone_digits, String>,
);

/// Fills the find text of households written before it existed (once,
/// after the migration that adds it; then there are none, and the check is
/// a look at an empty index), a batch at a time.
pub fn fill_find_text(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut filled = 0;
    loop {
        // Written out, not bound, so that the planner may use the partial
        // index `households_unfilled` (a bound value cannot prove it applies).
        let rows: Vec<(i64, String, String, String)> = households::table
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "find_text = ''",
            ))
            .select((
                households::id,
                households::residential_group,
                households::address,
                households::phone,
            ))
            .order(households::id)
            .limit(2_000)
            .load(conn)?;
        if rows.is_empty() {
            return Ok(filled);
        }
        conn.transaction(|c| {
            for (id, group, address, phone) in &rows {
                diesel::update(households::table.find(*id))
                    .set((
                        households::find_text.eq(search::household_place(group, address)),
                        households::phone_digits.eq(search::phone_digits(phone)),
                    ))
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        filled += rows.len();
    }
}

/// A household as an import checked it: its fields and, when the sheet had
/// amount columns, the amounts of its first compensation plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ImportRow {
    #[serde(flatten)]
    pub fields: HouseholdFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amounts: Option<crate::domain::money::Amounts>,
}

impl Household {
    /// Hides the personal details from a reader who may not see them.
    pub fn mask(&mut self) {
        self.phone = crate::domain::households::mask_phone(&self.phone);
        self.notes.clear();
    }

    pub fn has_personal_details(&self) -> bool {
        !self.phone.trim().is_empty() || !self.notes.trim().is_empty()
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Household> {
    households::table
        .find(id)
        .select(Household::as_select())
        .first(conn)
}

pub fn create(
    conn: &mut DbConnection,
    task: &Task,
    f: &HouseholdFields,
) -> QueryResult<(Household, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(households::table)
        .values((
            f,
            households::task_id.eq(task.id),
            f.search_columns(),
            households::stage.eq(ConsentStage::NotContacted.as_str()),
            // Due for a first visit from the day it is registered, so that it
            // shows on the team's worklist until someone goes.
            households::next_visit_on.eq(crate::domain::format::today()),
            households::created_at.eq(now),
            households::updated_at.eq(now),
        ))
        .returning(households::id)
        .get_result(conn)?;
    Ok((
        find(conn, id)?,
        Change::new("create", "household", id, json!(f)).on_unit(task.unit_id),
    ))
}

/// Adds many households to a task in a few statements (an import): as
/// `create` does one at a time, without reading each back. Their ids, in
/// the order of `rows`.
pub fn create_many(
    conn: &mut DbConnection,
    task: &Task,
    rows: &[&HouseholdFields],
) -> QueryResult<Vec<i64>> {
    let now = super::now();
    let today = crate::domain::format::today();
    let mut written: Vec<i64> = Vec::with_capacity(rows.len());
    // Under SQLite's 32,766 variables per statement: 18 a row.
    for chunk in rows.chunks(1_800) {
        let values: Vec<_> = chunk
            .iter()
            .map(|f| {
                (
                    *f,
                    households::task_id.eq(task.id),
                    f.search_columns(),
                    households::stage.eq(ConsentStage::NotContacted.as_str()),
                    households::next_visit_on.eq(today),
                    households::created_at.eq(now),
                    households::updated_at.eq(now),
                )
            })
            .collect();
        // RETURNING promises no order; the ids themselves do: SQLite's
        // rowids and PostgreSQL's sequence are drawn row by row in the
        // order of the VALUES, so sorted they pair with the rows.
        let mut ids: Vec<i64> = match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(households::table)
                .values(values)
                .returning(households::id)
                .get_results(c)?,
            DbConnection::Pg(c) => diesel::insert_into(households::table)
                .values(values)
                .returning(households::id)
                .get_results(c)?,
        };
        if ids.len() != chunk.len() {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        ids.sort_unstable();
        written.extend(ids);
    }
    Ok(written)
}

/// Saves an edit made from `version`; `None` (and nothing written) when
/// someone saved the household in between.
pub fn update(
    conn: &mut DbConnection,
    task: &Task,
    id: i64,
    version: i32,
    f: &HouseholdFields,
) -> QueryResult<Option<(Household, Change)>> {
    let before = find(conn, id)?;
    let n = diesel::update(
        households::table
            .find(id)
            .filter(households::version.eq(version)),
    )
    .set((
        f,
        f.search_columns(),
        households::updated_at.eq(super::now()),
        households::version.eq(version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    let old = fields_of(&before);
    Ok(Some((
        find(conn, id)?,
        Change::new("update", "household", id, diff(&old, f)).on_unit(task.unit_id),
    )))
}

pub fn fields_of(h: &Household) -> HouseholdFields {
    HouseholdFields {
        head_name: h.head_name.clone(),
        address: h.address.clone(),
        residential_group: h.residential_group.clone(),
        map_sheet: h.map_sheet.clone(),
        parcel_no: h.parcel_no.clone(),
        area_m2: h.area_m2,
        land_type: h.land_type.clone(),
        priority_groups: h.priority_groups.clone(),
        phone: h.phone.clone(),
        notes: h.notes.clone(),
    }
}

/// Another household of the task on the same parcel of the same map sheet.
pub fn same_parcel(
    conn: &mut DbConnection,
    task_id: i64,
    map_sheet: &str,
    parcel_no: &str,
    except: Option<i64>,
) -> QueryResult<Option<Household>> {
    let mut q = households::table
        .filter(households::task_id.eq(task_id))
        .filter(households::map_sheet.eq(map_sheet))
        .filter(households::parcel_no.eq(parcel_no))
        .select(Household::as_select())
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(households::id.ne(id));
    }
    q.first(conn).optional()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub stage: Option<String>,
    /// Next visit on or before this day.
    pub due_by: Option<NaiveDate>,
    pub search: Option<String>,
    /// A phone number in `search` finds its household (for readers who see
    /// phones in full); otherwise it is read as any other text.
    pub by_phone: bool,
}

type Filtered<'a> = diesel::dsl::IntoBoxed<'a, households::table, super::MultiBackend>;

/// The task's households passing the filter.
fn filtered(task_id: i64, f: &Filter) -> Filtered<'_> {
    let mut q = households::table
        .filter(households::task_id.eq(task_id))
        .into_boxed();
    if let Some(s) = &f.stage {
        q = q.filter(households::stage.eq(s.clone()));
    }
    if let Some(d) = f.due_by {
        q = q.filter(households::next_visit_on.le(d));
    }
    if let Some(s) = &f.search {
        // By name, by place or phone, or by parcel.
        let phone = search::as_phone(s)
            .filter(|_| f.by_phone)
            .unwrap_or_default();
        let name_or_place = households::search_text
            .like(search::like_pattern(s))
            .escape('\\')
            .or(households::find_text
                .like(search::like_pattern(s))
                .escape('\\'))
            .or(households::phone_digits
                .eq(phone.clone())
                .and(households::phone_digits.ne("")));
        q = match search::as_parcel(s) {
            Some((parcel, Some(sheet))) => q.filter(super::Uncached(
                name_or_place.or(households::parcel_no
                    .eq_any(search::as_typed(&parcel))
                    .and(households::map_sheet.eq_any(search::as_typed(&sheet)))),
            )),
            Some((parcel, None)) => q.filter(super::Uncached(
                name_or_place.or(households::parcel_no.eq_any(search::as_typed(&parcel))),
            )),
            None => q.filter(super::Uncached(name_or_place)),
        };
    }
    q
}

/// Up to `limit` of the task's households passing the filter with an id
/// above `after`, by id (the API's pages).
pub fn after(
    conn: &mut DbConnection,
    task_id: i64,
    f: &Filter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Household>> {
    filtered(task_id, f)
        .filter(households::id.gt(after))
        .select(Household::as_select())
        .order(households::id)
        .limit(limit)
        .load(conn)
}

pub fn list(
    conn: &mut DbConnection,
    task_id: i64,
    f: &Filter,
    offset: i64,
    limit: i64,
    known_total: Option<i64>,
) -> QueryResult<(Vec<Household>, i64)> {
    let query = || filtered(task_id, f);
    let total = match known_total {
        Some(n) => n,
        None => query().count().get_result(conn)?,
    };
    let rows = query()
        .select(Household::as_select())
        .order((households::map_sheet, households::parcel_no, households::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

impl Filter {
    /// How many households pass the filter, read off the task's counts by
    /// stage (`stage_counts`) when it filters by stage alone or not at all.
    pub fn total_from(&self, by_stage: &[(String, i64, Option<f64>)]) -> Option<i64> {
        if self.due_by.is_some() || self.search.is_some() {
            return None;
        }
        Some(
            by_stage
                .iter()
                .filter(|(stage, _, _)| self.stage.as_ref().is_none_or(|s| s == stage))
                .map(|(_, n, _)| n)
                .sum(),
        )
    }
}

/// Households of a task grouped by stage: (stage, count, area in m²), from
/// the totals the triggers keep.
pub fn stage_counts(
    conn: &mut DbConnection,
    task_id: i64,
) -> QueryResult<Vec<(String, i64, Option<f64>)>> {
    use super::schema::household_stage_totals as t;
    Ok(t::table
        .filter(t::task_id.eq(task_id))
        .filter(t::households.gt(0))
        .order(t::stage)
        .select((t::stage, t::households, t::area_m2))
        .load::<(String, i32, f64)>(conn)?
        .into_iter()
        .map(|(stage, n, area)| (stage, i64::from(n), Some(area)))
        .collect())
}

/// A visit to append to the log.
#[derive(Debug, Clone, Serialize)]
pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub kind: String,
    pub members: Vec<i64>,
    pub others: String,
    pub household_said: String,
    pub concerns: String,
    pub stage_after: ConsentStage,
    pub reason: Option<String>,
    pub next_step: String,
    pub next_visit_on: Option<NaiveDate>,
    pub corrects_id: Option<i64>,
    /// The formal dialogue the visit was part of.
    pub dialogue_id: Option<i64>,
    /// Made on a phone, perhaps without signal, and sent from it.
    pub device: Option<DeviceVisit>,
}

/// A visit as the phone that made it describes it: the id it gave the visit
/// (the same visit sent again is stored once), when it was made there, and
/// where, if the member chose to record the place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceVisit {
    pub id: String,
    pub made_at: Option<NaiveDateTime>,
    pub place: Option<Place>,
}

/// A place as the browser measured it: degrees WGS84, accuracy in metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Place {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
}

impl Place {
    /// On the Earth, measured to within 10 km: anything else is not a reading.
    pub fn is_plausible(&self) -> bool {
        (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
            && (0.0..=10_000.0).contains(&self.accuracy_m)
    }
}

/// The visit a device already sent under this id, with its household.
pub fn visit_of_device(
    conn: &mut DbConnection,
    device_id: &str,
) -> QueryResult<Option<(i64, i64)>> {
    visits::table
        .filter(visits::device_id.eq(device_id))
        .select((visits::id, visits::household_id))
        .first(conn)
        .optional()
}

/// The kind of a log entry an office record (a plan approved, a payment, a
/// handover) makes: it moves the stage and is not a visit.
pub const RECORD: &str = "record";

/// Appends a visit and re-derives the household's stage, last and next visit
/// from its whole history (corrections applied).
pub fn append_visit(
    conn: &mut DbConnection,
    task: &Task,
    household: &Household,
    v: &NewVisit,
    by: i64,
) -> QueryResult<(i64, Change)> {
    // The household's row, locked for the rest of the transaction (SQLite's
    // write transaction is already exclusive): visits logged at the same
    // moment for one household then derive its stage one after the other.
    locked_last_visit(conn, household.id)?;
    let latest = latest_entry_on(conn, household.id)?;
    let id: i64 = diesel::insert_into(visits::table)
        .values((
            visits::household_id.eq(household.id),
            visits::task_id.eq(task.id),
            visits::visited_on.eq(v.visited_on),
            visits::kind.eq(&v.kind),
            visits::others.eq(&v.others),
            visits::household_said.eq(&v.household_said),
            visits::concerns.eq(&v.concerns),
            visits::stage_before.eq(&household.stage),
            visits::stage_after.eq(v.stage_after.as_str()),
            visits::reason.eq(&v.reason),
            visits::next_step.eq(&v.next_step),
            visits::next_visit_on.eq(v.next_visit_on),
            visits::corrects_id.eq(v.corrects_id),
            visits::dialogue_id.eq(v.dialogue_id),
            visits::created_by.eq(by),
            visits::created_at.eq(super::now()),
            visits::device_id.eq(v.device.as_ref().map(|d| &d.id)),
            visits::made_at.eq(v.device.as_ref().and_then(|d| d.made_at)),
            visits::latitude.eq(place(v).map(|p| p.latitude)),
            visits::longitude.eq(place(v).map(|p| p.longitude)),
            visits::accuracy_m.eq(place(v).map(|p| p.accuracy_m)),
        ))
        .returning(visits::id)
        .get_result(conn)?;
    for user in &v.members {
        diesel::insert_into(visit_members::table)
            .values((
                visit_members::visit_id.eq(id),
                visit_members::user_id.eq(user),
            ))
            .execute(conn)?;
    }
    // A visit that is not a correction and is dated on or after the latest
    // one is the latest that stands: it sets the stage and the dates by
    // itself. Corrections and visits entered late re-read the history.
    // An office record (kind `record`) moves the stage, not the visit dates.
    let appended = v.corrects_id.is_none()
        && v.kind != RECORD
        && latest.is_none_or(|last| v.visited_on >= last);
    if appended {
        set_derived(
            conn,
            household.id,
            v.stage_after,
            Some(v.visited_on),
            v.next_visit_on,
        )?;
    } else {
        rederive(conn, household.id)?;
    }
    let change = Change::new(
        match (v.corrects_id, v.kind.as_str()) {
            (Some(_), _) => "correct_visit",
            (None, RECORD) => "record_stage",
            (None, _) => "log_visit",
        },
        "household",
        household.id,
        json!({"visit": id, "stage": [household.stage, v.stage_after.as_str()], "corrects": v.corrects_id}),
    )
    .on_unit(task.unit_id);
    Ok((id, change))
}

fn place(v: &NewVisit) -> Option<Place> {
    v.device.as_ref().and_then(|d| d.place)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = visits)]
struct LogEntry {
    id: i64,
    kind: String,
    visited_on: NaiveDate,
    stage_after: String,
    corrects_id: Option<i64>,
    next_visit_on: Option<NaiveDate>,
}

/// The date of the household's latest log entry, visit or office record.
pub fn latest_entry_on(
    conn: &mut DbConnection,
    household_id: i64,
) -> QueryResult<Option<NaiveDate>> {
    visits::table
        .filter(visits::household_id.eq(household_id))
        .select(diesel::dsl::max(visits::visited_on))
        .first(conn)
}

/// Locks the household's row for the rest of the transaction (PostgreSQL;
/// SQLite's write transaction is already exclusive): writes about one
/// household then follow each other.
pub fn lock(conn: &mut DbConnection, household_id: i64) -> QueryResult<()> {
    locked_last_visit(conn, household_id).map(|_| ())
}

/// The household's latest visit date, its row locked for the transaction on
/// PostgreSQL.
fn locked_last_visit(conn: &mut DbConnection, household_id: i64) -> QueryResult<Option<NaiveDate>> {
    let q = households::table
        .find(household_id)
        .select(households::last_visit_on);
    match conn {
        DbConnection::Pg(c) => q.for_update().first(c),
        DbConnection::Sqlite(c) => q.first(c),
    }
}

/// Rewrites the derived columns of a household from its visit log.
fn rederive(conn: &mut DbConnection, household_id: i64) -> QueryResult<()> {
    let log: Vec<LogEntry> = visits::table
        .filter(visits::household_id.eq(household_id))
        .select(LogEntry::as_select())
        .load(conn)?;
    let entries: Vec<StageEntry> = log
        .iter()
        .map(|e| StageEntry {
            id: e.id,
            on: e.visited_on,
            stage_after: ConsentStage::parse(&e.stage_after).unwrap_or(ConsentStage::NotContacted),
            corrects: e.corrects_id,
        })
        .collect();
    let stage = current_stage(&entries);
    // The latest entry that stands (not corrected) gives the dates.
    let corrected: std::collections::HashSet<i64> =
        log.iter().filter_map(|e| e.corrects_id).collect();
    let latest = log
        .iter()
        .filter(|e| !corrected.contains(&e.id) && e.kind != RECORD)
        .max_by_key(|e| (e.visited_on, e.id));
    set_derived(
        conn,
        household_id,
        stage,
        latest.map(|e| e.visited_on),
        latest.and_then(|e| e.next_visit_on),
    )
}

/// Stores what the visits say of a household: its stage and visit dates.
fn set_derived(
    conn: &mut DbConnection,
    household_id: i64,
    stage: ConsentStage,
    last_visit_on: Option<NaiveDate>,
    next_visit_on: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(households::table.find(household_id))
        .set((
            households::stage.eq(stage.as_str()),
            households::last_visit_on.eq(last_visit_on),
            households::next_visit_on.eq(next_visit_on),
            households::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = visits)]
pub struct VisitRow {
    pub id: i64,
    pub visited_on: NaiveDate,
    pub kind: String,
    pub others: String,
    pub household_said: String,
    pub concerns: String,
    pub stage_before: String,
    pub stage_after: String,
    pub reason: Option<String>,
    pub next_step: String,
    pub next_visit_on: Option<NaiveDate>,
    pub corrects_id: Option<i64>,
    pub dialogue_id: Option<i64>,
    #[diesel(select_expression = users::full_name)]
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    /// When a phone made it, if it was sent from one (`created_at` is when
    /// it arrived).
    pub made_at: Option<NaiveDateTime>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy_m: Option<f64>,
}

/// The household's visits, newest first, and for each who went.
pub fn history(
    conn: &mut DbConnection,
    household_id: i64,
) -> QueryResult<Vec<(VisitRow, Vec<String>)>> {
    let rows: Vec<VisitRow> = visits::table
        .inner_join(users::table)
        .filter(visits::household_id.eq(household_id))
        .select(VisitRow::as_select())
        .order((visits::visited_on.desc(), visits::id.desc()))
        .load(conn)?;
    with_members(conn, rows)
}

/// Which of these visits of a household a later visit corrects (they are
/// superseded): found among the household's visits, through its index.
pub fn corrected_among(
    conn: &mut DbConnection,
    household_id: i64,
    visit_ids: &[i64],
) -> QueryResult<Vec<i64>> {
    if visit_ids.is_empty() {
        return Ok(Vec::new());
    }
    visits::table
        .filter(visits::household_id.eq(household_id))
        .filter(visits::corrects_id.eq_any(visit_ids))
        .select(visits::corrects_id.assume_not_null())
        .load(conn)
}

/// Up to `limit` visits of a household in the order of [`history`] that
/// follow the visit `after` (from the newest when 0; none when `after` is
/// not one of its visits), with who went.
pub fn history_after(
    conn: &mut DbConnection,
    household_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(VisitRow, Vec<String>)>> {
    let mut q = visits::table
        .inner_join(users::table)
        .filter(visits::household_id.eq(household_id))
        .into_boxed();
    if after != 0 {
        let Some(day) = visits::table
            .filter(visits::id.eq(after))
            .filter(visits::household_id.eq(household_id))
            .select(visits::visited_on)
            .first::<NaiveDate>(conn)
            .optional()?
        else {
            return Ok(Vec::new());
        };
        q = q.filter(
            visits::visited_on
                .lt(day)
                .or(visits::visited_on.eq(day).and(visits::id.lt(after))),
        );
    }
    let rows: Vec<VisitRow> = q
        .select(VisitRow::as_select())
        .order((visits::visited_on.desc(), visits::id.desc()))
        .limit(limit)
        .load(conn)?;
    with_members(conn, rows)
}

/// The visits with the names of who went on each, read in one query.
fn with_members(
    conn: &mut DbConnection,
    rows: Vec<VisitRow>,
) -> QueryResult<Vec<(VisitRow, Vec<String>)>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let members: Vec<(i64, String)> = visit_members::table
        .inner_join(users::table)
        .filter(visit_members::visit_id.eq_any(ids))
        .select((visit_members::visit_id, users::full_name))
        .order(users::full_name)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let names = members
                .iter()
                .filter(|(v, _)| *v == r.id)
                .map(|(_, n)| n.clone())
                .collect();
            (r, names)
        })
        .collect())
}

// ---------------------------------------------------------------- photos

/// A photo of a visit (its bytes are an attachment's).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = visit_photos)]
pub struct VisitPhoto {
    pub id: i64,
    pub visit_id: i64,
    pub position: i32,
    #[diesel(select_expression = attachments::content_type)]
    pub content_type: String,
    #[diesel(select_expression = attachments::size_bytes)]
    pub size_bytes: i64,
    #[serde(skip)]
    #[diesel(select_expression = attachments::sha256)]
    pub sha256: String,
}

/// Keeps a visit's photos, already stored under their hashes, after those
/// it has.
pub fn add_photos(
    conn: &mut DbConnection,
    visit_id: i64,
    photos: &[(String, &crate::photos::Photo)],
    by: i64,
) -> QueryResult<()> {
    let had: i64 = visit_photos::table
        .filter(visit_photos::visit_id.eq(visit_id))
        .count()
        .get_result(conn)?;
    for (n, (sha, photo)) in (had + 1..).zip(photos) {
        let name = format!("anh-{visit_id}-{n}.{}", photo.ext);
        let size = photo.bytes.len() as i64;
        let attachment =
            super::recommendations::add_attachment(conn, sha, &name, photo.content_type, size, by)?;
        diesel::insert_into(visit_photos::table)
            .values((
                visit_photos::visit_id.eq(visit_id),
                visit_photos::attachment_id.eq(attachment),
                visit_photos::position.eq(n as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The photos of a household's visits (or of one visit), in the order taken.
pub fn photos(
    conn: &mut DbConnection,
    household_id: i64,
    visit_id: Option<i64>,
) -> QueryResult<Vec<VisitPhoto>> {
    let mut q = visit_photos::table
        .inner_join(visits::table)
        .inner_join(attachments::table)
        .filter(visits::household_id.eq(household_id))
        .select(VisitPhoto::as_select())
        .order((visit_photos::visit_id, visit_photos::position))
        .into_boxed();
    if let Some(v) = visit_id {
        q = q.filter(visit_photos::visit_id.eq(v));
    }
    q.load(conn)
}

/// The photos of these visits, each visit's in order.
pub fn photos_of_visits(
    conn: &mut DbConnection,
    visit_ids: &[i64],
) -> QueryResult<Vec<VisitPhoto>> {
    visit_photos::table
        .inner_join(attachments::table)
        .filter(visit_photos::visit_id.eq_any(visit_ids))
        .select(VisitPhoto::as_select())
        .order((visit_photos::visit_id, visit_photos::position))
        .load(conn)
}

/// Removes the photos of a household's visits and the scans of their signed
/// minutes; the hashes no attachment names any more are returned, for their
/// files to go too.
fn erase_files(conn: &mut DbConnection, household_id: i64) -> QueryResult<Vec<String>> {
    use super::schema::signed_scans;
    let visit_ids: Vec<i64> = visits::table
        .filter(visits::household_id.eq(household_id))
        .select(visits::id)
        .load(conn)?;
    let photo_ids: Vec<i64> = visit_photos::table
        .filter(visit_photos::visit_id.eq_any(&visit_ids))
        .select(visit_photos::attachment_id)
        .load(conn)?;
    let scans = || {
        signed_scans::table
            .filter(signed_scans::record_kind.eq("visit"))
            .filter(signed_scans::record_id.eq_any(&visit_ids))
    };
    let scan_ids: Vec<i64> = scans().select(signed_scans::attachment_id).load(conn)?;
    let attachment_ids: Vec<i64> = photo_ids.into_iter().chain(scan_ids).collect();
    let shas: Vec<String> = attachments::table
        .filter(attachments::id.eq_any(&attachment_ids))
        .select(attachments::sha256)
        .load(conn)?;
    diesel::delete(visit_photos::table.filter(visit_photos::visit_id.eq_any(&visit_ids)))
        .execute(conn)?;
    diesel::delete(scans()).execute(conn)?;
    diesel::delete(attachments::table.filter(attachments::id.eq_any(&attachment_ids)))
        .execute(conn)?;
    let still: Vec<String> = attachments::table
        .filter(attachments::sha256.eq_any(&shas))
        .select(attachments::sha256)
        .load(conn)?;
    let mut unused: Vec<String> = shas.into_iter().filter(|s| !still.contains(s)).collect();
    unused.sort();
    unused.dedup();
    Ok(unused)
}

/// The household a visit is of, and whether its place was recorded.
pub fn visit_household(conn: &mut DbConnection, visit_id: i64) -> QueryResult<Option<(i64, bool)>> {
    visits::table
        .find(visit_id)
        .select((visits::household_id, visits::latitude.is_not_null()))
        .first(conn)
        .optional()
}

pub fn visit_belongs(
    conn: &mut DbConnection,
    household_id: i64,
    visit_id: i64,
) -> QueryResult<bool> {
    visits::table
        .filter(visits::id.eq(visit_id))
        .filter(visits::household_id.eq(household_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}

/// How the worklist is narrowed and ordered.
#[derive(Debug, Clone, Default)]
pub struct DueFilter {
    pub task_id: Option<i64>,
    /// One residential group (tổ dân phố), exactly.
    pub group: Option<String>,
    /// A street or any part of the address or group, folded.
    pub street: Option<String>,
    /// Walking order: by residential group, then address (numbers in
    /// numeric order), rather than by the day due.
    pub by_address: bool,
}

/// The worklist's page and what it can be narrowed by.
#[derive(Debug, Default)]
pub struct Due {
    pub rows: Vec<DueRow>,
    pub total: i64,
    /// The open tasks the user works on, by title.
    pub tasks: Vec<(i64, String)>,
    /// The residential groups of the households due on them.
    pub groups: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DueRow {
    pub household_id: i64,
    pub head_name: String,
    pub address: String,
    pub residential_group: String,
    pub stage: String,
    pub next_visit_on: Option<NaiveDate>,
    pub task_id: i64,
    pub task_title: String,
}

/// Households whose next visit is due by `day`, on open tasks that `user_id`
/// owns, co-owns or works on: the field team's worklist, narrowed by `f`.
/// The open tasks are found first (a few dozen), so that the households are
/// counted and paged over their `(task_id, next_visit_on)` index alone. In
/// walking order the keys of every household due are sorted here (a team's
/// worklist is hundreds, not millions) and only the page is read in full.
pub fn due_for(
    conn: &mut DbConnection,
    user_id: i64,
    day: NaiveDate,
    f: &DueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Due> {
    use super::schema::task_members;
    let member_of: Vec<i64> = task_members::table
        .filter(task_members::user_id.eq(user_id))
        .select(task_members::task_id)
        .load(conn)?;
    // Two indexed conditions, which PostgreSQL ORs over both indexes; an
    // `IN (subquery)` here would read every task.
    let mut tasks: Vec<(i64, String)> = tasks::table
        .filter(tasks::status.eq_any(["registered", "in_progress"]))
        .filter(tasks::owner_id.eq(user_id).or(tasks::id.eq_any(member_of)))
        .select((tasks::id, tasks::title))
        .load::<(i64, String)>(conn)?;
    tasks.sort_by_cached_key(|(id, t)| (search::fold(t), *id));
    let ids: Vec<i64> = tasks
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| f.task_id.is_none_or(|t| t == *id))
        .collect();
    if ids.is_empty() {
        return Ok(Due {
            tasks,
            ..Due::default()
        });
    }
    let all_due = || {
        households::table
            .filter(households::task_id.eq_any(ids.clone()))
            .filter(households::next_visit_on.le(day))
            .into_boxed()
    };
    let mut groups: Vec<String> = all_due()
        .select(households::residential_group)
        .distinct()
        .load(conn)?;
    groups.retain(|g| !g.trim().is_empty());
    groups.sort_by_cached_key(|g| natural(g));
    let due = || {
        let mut q = all_due();
        if let Some(g) = &f.group {
            q = q.filter(households::residential_group.eq(g.clone()));
        }
        if let Some(s) = &f.street {
            q = q.filter(super::Uncached(
                households::find_text
                    .like(search::like_pattern(s))
                    .escape('\\'),
            ));
        }
        q
    };
    let total = due().count().get_result(conn)?;
    type Cols = (i64, String, String, String, String, Option<NaiveDate>, i64);
    let columns = (
        households::id,
        households::head_name,
        households::address,
        households::residential_group,
        households::stage,
        households::next_visit_on,
        households::task_id,
    );
    let rows: Vec<Cols> = if f.by_address {
        let mut keys: Vec<(i64, String, String)> = due()
            .select((
                households::id,
                households::residential_group,
                households::address,
            ))
            .load(conn)?;
        keys.sort_by_cached_key(|(id, g, a)| (natural(g), natural(a), *id));
        let page: Vec<i64> = keys
            .iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
            .map(|k| k.0)
            .collect();
        let mut rows: Vec<Cols> = households::table
            .filter(households::id.eq_any(&page))
            .select(columns)
            .load(conn)?;
        rows.sort_by_key(|r| page.iter().position(|id| *id == r.0));
        rows
    } else {
        due()
            .select(columns)
            .order((households::next_visit_on, households::id))
            .offset(offset)
            .limit(limit)
            .load(conn)?
    };
    let title = |task_id: i64| {
        tasks
            .iter()
            .find(|(id, _)| *id == task_id)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let rows = rows
        .into_iter()
        .map(
            |(
                household_id,
                head_name,
                address,
                residential_group,
                stage,
                next_visit_on,
                task_id,
            )| DueRow {
                household_id,
                head_name,
                address,
                residential_group,
                stage,
                next_visit_on,
                task_title: title(task_id),
                task_id,
            },
        )
        .collect();
    Ok(Due {
        rows,
        total,
        tasks,
        groups,
    })
}

/// A sort key that puts "Số 2" before "Số 10": the folded text with each
/// run of digits as a number.
fn natural(text: &str) -> Vec<(String, u64)> {
    let folded = search::fold(text);
    let mut out = Vec::new();
    let (mut word, mut number) = (String::new(), None::<u64>);
    for c in folded.chars() {
        match c.to_digit(10) {
            Some(d) => {
                number = Some(
                    number
                        .unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u64::from(d)),
                );
            }
            None => {
                if let Some(n) = number.take() {
                    out.push((std::mem::take(&mut word), n));
                }
                word.push(c);
            }
        }
    }
    out.push((word, number.unwrap_or(0)));
    out
}

/// A formal dialogue as typed.
#[derive(Debug, Clone, Serialize, Insertable)]
#[diesel(table_name = super::schema::dialogues)]
pub struct DialogueFields {
    pub held_on: NaiveDate,
    pub place: String,
    pub chaired_by: String,
    pub summary: String,
}

/// Records a dialogue and appends a visit of kind "dialogue" to each
/// household present, moving each to its own outcome (`outcomes`, in the
/// order of `present`).
pub fn hold_dialogue(
    conn: &mut DbConnection,
    task: &Task,
    f: &DialogueFields,
    present: &[Household],
    outcomes: &[ConsentStage],
    reason: Option<String>,
    by: i64,
) -> QueryResult<(i64, Change)> {
    use super::schema::dialogues;
    let id: i64 = diesel::insert_into(dialogues::table)
        .values((
            f,
            dialogues::task_id.eq(task.id),
            dialogues::created_by.eq(by),
            dialogues::created_at.eq(super::now()),
        ))
        .returning(dialogues::id)
        .get_result(conn)?;
    for (h, stage_after) in present.iter().zip(outcomes.iter().copied()) {
        let visit = NewVisit {
            visited_on: f.held_on,
            kind: "dialogue".into(),
            members: vec![],
            others: f.chaired_by.clone(),
            household_said: f.summary.clone(),
            concerns: String::new(),
            stage_after,
            reason: reason.clone(),
            next_step: String::new(),
            next_visit_on: None,
            corrects_id: None,
            dialogue_id: Some(id),
            device: None,
        };
        append_visit(conn, task, h, &visit, by)?;
    }
    let ids: Vec<i64> = present.iter().map(|h| h.id).collect();
    let stages: Vec<&str> = outcomes.iter().map(|s| s.as_str()).collect();
    Ok((
        id,
        Change::new(
            "hold_dialogue",
            "task",
            task.id,
            json!({"dialogue": id, "fields": f, "households": ids, "outcomes": stages}),
        )
        .on_unit(task.unit_id),
    ))
}

#[derive(Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = super::schema::dialogues)]
pub struct DialogueRow {
    pub id: i64,
    pub held_on: NaiveDate,
    pub place: String,
    pub chaired_by: String,
    pub summary: String,
}

/// A dialogue and its task.
pub fn dialogue(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(DialogueRow, i64)>> {
    use super::schema::dialogues;
    dialogues::table
        .find(id)
        .select((DialogueRow::as_select(), dialogues::task_id))
        .first(conn)
        .optional()
}

/// The households present at a dialogue, each with the stage the dialogue
/// left it at, by parcel.
pub fn dialogue_households(
    conn: &mut DbConnection,
    dialogue_id: i64,
) -> QueryResult<Vec<(Household, String)>> {
    households::table
        .inner_join(visits::table.on(visits::household_id.eq(households::id)))
        .filter(visits::dialogue_id.eq(dialogue_id))
        .select((Household::as_select(), visits::stage_after))
        .order((households::map_sheet, households::parcel_no, households::id))
        .load(conn)
}

/// A task's dialogues, newest first, with how many households were present.
pub fn dialogues(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<(DialogueRow, i64)>> {
    use super::schema::dialogues;
    let rows: Vec<DialogueRow> = dialogues::table
        .filter(dialogues::task_id.eq(task_id))
        .select(DialogueRow::as_select())
        .order((dialogues::held_on.desc(), dialogues::id.desc()))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let counts: Vec<(Option<i64>, i64)> = visits::table
        .filter(visits::dialogue_id.eq_any(ids))
        .group_by(visits::dialogue_id)
        .select((visits::dialogue_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts
                .iter()
                .find(|(d, _)| *d == Some(r.id))
                .map_or(0, |c| c.1);
            (r, n)
        })
        .collect())
}

/// Those of `ids` that are households of the task not yet at a final stage:
/// the ones a dialogue may be held with (as its form offers them).
pub fn open_among(
    conn: &mut DbConnection,
    task_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<Household>> {
    households::table
        .filter(households::task_id.eq(task_id))
        .filter(households::id.eq_any(ids))
        .filter(households::stage.ne_all(final_stages()))
        .select(Household::as_select())
        .order(households::id)
        .load(conn)
}

/// Stages after which there is no one left to persuade.
fn final_stages() -> [&'static str; 3] {
    [
        ConsentStage::HandedOver.as_str(),
        ConsentStage::Enforcement.as_str(),
        ConsentStage::Done.as_str(),
    ]
}

/// Households of a task that have not reached a final stage, for choosing who
/// attended a dialogue.
pub fn open_of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Household>> {
    households::table
        .filter(households::task_id.eq(task_id))
        .filter(households::stage.ne_all(final_stages()))
        .select(Household::as_select())
        .order((households::map_sheet, households::parcel_no, households::id))
        .load(conn)
}

/// Every household of a task, in the order of the parcel list.
pub fn all_of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Household>> {
    households::table
        .filter(households::task_id.eq(task_id))
        .select(Household::as_select())
        .order((households::map_sheet, households::parcel_no, households::id))
        .load(conn)
}

/// (map sheet, parcel) of the task's households that have a parcel number.
pub fn parcels_of_task(
    conn: &mut DbConnection,
    task_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    households::table
        .filter(households::task_id.eq(task_id))
        .filter(households::parcel_no.ne(""))
        .select((households::map_sheet, households::parcel_no))
        .load(conn)
}

/// Keeps checked rows until the uploader confirms them; returns the id.
pub fn stage_import(
    conn: &mut DbConnection,
    task_id: i64,
    user_id: i64,
    file_name: &str,
    rows: &[ImportRow],
) -> QueryResult<i64> {
    use super::schema::household_imports as hi;
    // One list waits per uploader and task, as a parcel file does: a new
    // upload replaces the last; lists over a day old go.
    let replaced = hi::task_id.eq(task_id).and(hi::user_id.eq(user_id));
    let expired = hi::created_at.lt(super::staged_since());
    diesel::delete(hi::table.filter(expired.or(replaced))).execute(conn)?;
    diesel::insert_into(hi::table)
        .values((
            hi::task_id.eq(task_id),
            hi::user_id.eq(user_id),
            hi::file_name.eq(file_name),
            hi::rows.eq(serde_json::to_string(rows).unwrap_or_else(|_| "[]".into())),
            hi::created_at.eq(super::now()),
        ))
        .returning(hi::id)
        .get_result(conn)
}

/// Takes a staged import of this task and user (it is deleted): file name and
/// rows, or nothing if it is gone or has expired, as a staged parcel file does.
pub fn take_import(
    conn: &mut DbConnection,
    id: i64,
    task_id: i64,
    user_id: i64,
) -> QueryResult<Option<(String, Vec<ImportRow>)>> {
    use super::schema::household_imports as hi;
    // Only the uploader's own staged import of this task is taken (and so
    // deleted): another editor cannot discard it by guessing its id.
    let staged = || {
        hi::table
            .filter(hi::id.eq(id))
            .filter(hi::task_id.eq(task_id))
            .filter(hi::user_id.eq(user_id))
    };
    let found: Option<(String, String)> = staged()
        .filter(hi::created_at.gt(super::staged_since()))
        .select((hi::file_name, hi::rows))
        .first(conn)
        .optional()?;
    diesel::delete(staged()).execute(conn)?;
    Ok(found.and_then(|(name, rows)| serde_json::from_str(&rows).ok().map(|r| (name, r))))
}

#[derive(Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = households)]
pub struct Found {
    pub id: i64,
    pub head_name: String,
    pub address: String,
    pub stage: String,
    #[diesel(select_expression = tasks::id)]
    pub task_id: i64,
    #[diesel(select_expression = tasks::title)]
    pub task_title: String,
}

/// Where a reader sees phones in full, and so may find a household by its
/// phone: the tasks they work on, and the units where they manage tasks.
#[derive(Debug, Clone, Default)]
pub struct PhoneReach {
    pub tasks: Vec<i64>,
    pub manages: Vec<String>,
}

/// Households in the subtrees found by `query`, ignoring diacritics and
/// case: by phone (only within `phones`), or by parcel (`thửa 141`,
/// `141/20`), the head's name, residential group or address. The ids of the
/// first `limit` in the order they were registered, and whether more
/// matched. `found_rows` reads them by name.
pub fn search(
    conn: &mut DbConnection,
    scope: &[String],
    phones: &PhoneReach,
    query: &str,
    limit: i64,
) -> QueryResult<(Vec<i64>, bool)> {
    use super::schema::units;
    if scope.is_empty() {
        return Ok((vec![], false));
    }
    if let Some(digits) = search::as_phone(query) {
        let within = |conn: &mut DbConnection, by_task: bool| -> QueryResult<Vec<i64>> {
            let q = households::table
                .inner_join(tasks::table.inner_join(units::table))
                .filter(households::phone_digits.eq(digits.clone()))
                .into_boxed();
            let q = if by_task {
                q.filter(households::task_id.eq_any(phones.tasks.clone()))
            } else {
                q.filter(super::scope::path_in(&phones.manages))
            };
            q.select(households::id)
                .order(households::id)
                .limit(limit + 1)
                .load(conn)
        };
        let mut ids = if phones.tasks.is_empty() {
            vec![]
        } else {
            within(conn, true)?
        };
        if !phones.manages.is_empty() {
            ids.extend(within(conn, false)?);
        }
        ids.sort_unstable();
        ids.dedup();
        let more = ids.len() as i64 > limit;
        ids.truncate(limit as usize);
        return Ok((ids, more));
    }
    // A parcel, and whatever else the words find (`12/4` is also an alley).
    let mut ids: Vec<i64> = Vec::new();
    let mut more = false;
    if let Some((parcel, sheet)) = search::as_parcel(query) {
        // Parcel numbers are kept as typed: `141A` as well as `141a`.
        let mut q = households::table
            .inner_join(tasks::table.inner_join(units::table))
            .filter(super::scope::path_in(scope))
            .filter(households::parcel_no.eq_any(search::as_typed(&parcel)))
            .into_boxed();
        if let Some(sheet) = sheet {
            q = q.filter(households::map_sheet.eq_any(search::as_typed(&sheet)));
        }
        ids = q
            .select(households::id)
            .order(households::id)
            .limit(limit + 1)
            .load(conn)?;
        more = ids.len() as i64 > limit;
    }
    let (names, more_names) = by_text(conn, scope, query, limit, false)?;
    more |= more_names;
    for id in names {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let (places, more_places) = by_text(conn, scope, query, limit, true)?;
    for id in places {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    more |= more_places;
    ids.sort_unstable();
    if ids.len() as i64 > limit {
        ids.truncate(limit as usize);
        more = true;
    }
    Ok((ids, more))
}

/// Households whose head's name (`by_place` false) or whose residential
/// group or address (`by_place` true) matches: each text has its own
/// trigram index.
fn by_text(
    conn: &mut DbConnection,
    scope: &[String],
    query: &str,
    limit: i64,
    by_place: bool,
) -> QueryResult<(Vec<i64>, bool)> {
    use super::schema::units;
    let walk = if by_place {
        super::tasks::Walk {
            select_from:
                "SELECT h.id FROM households_find_fts f JOIN households h ON h.id = f.rowid \
                          JOIN tasks t ON t.id = h.task_id JOIN units u ON u.id = t.unit_id",
            fts: "households_find_fts",
            text: "h.find_text",
        }
    } else {
        super::tasks::Walk {
            select_from: "SELECT h.id FROM households_fts f JOIN households h ON h.id = f.rowid \
                          JOIN tasks t ON t.id = h.task_id JOIN units u ON u.id = t.unit_id",
            fts: "households_fts",
            text: "h.search_text",
        }
    };
    super::tasks::first_found(conn, scope, query, limit, walk, |conn, pattern| {
        let q = households::table
            .inner_join(tasks::table.inner_join(units::table))
            .filter(super::scope::path_in(scope))
            .into_boxed();
        let q = if by_place {
            q.filter(super::Uncached(
                households::find_text.like(pattern).escape('\\'),
            ))
        } else {
            q.filter(super::Uncached(
                households::search_text.like(pattern).escape('\\'),
            ))
        };
        q.select(households::id)
            .order(households::id)
            .limit(limit + 1)
            .load(conn)
    })
}

/// The households a search found, by name.
pub fn found_rows(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Found>> {
    let mut found: Vec<Found> = households::table
        .inner_join(tasks::table)
        .filter(households::id.eq_any(ids))
        .select(Found::as_select())
        .load(conn)?;
    found.sort_by_cached_key(|f| (search::fold(&f.head_name), f.id));
    Ok(found)
}

/// Erases a household's personal details: its name (it becomes `#id`),
/// address, parcel, priority groups, phone and notes; what was said and noted
/// in its visits, where they were made and their photos; the values recorded
/// in the audit entries about it. Stage, area, dates and visit kinds stay, so
/// every figure is unchanged. The hashes of files no longer used are
/// returned, for the files to go too.
pub fn erase(conn: &mut DbConnection, task: &Task, id: i64) -> QueryResult<(Change, Vec<String>)> {
    use super::schema::audit_log;
    let name = format!("#{id}");
    diesel::update(households::table.find(id))
        .set((
            households::head_name.eq(&name),
            households::search_text.eq(&name),
            households::find_text.eq(search::household_place("", "")),
            households::phone_digits.eq(""),
            households::address.eq(""),
            households::residential_group.eq(""),
            households::map_sheet.eq(""),
            households::parcel_no.eq(""),
            households::priority_groups.eq(""),
            households::phone.eq(""),
            households::notes.eq(""),
            households::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    diesel::update(visits::table.filter(visits::household_id.eq(id)))
        .set((
            visits::others.eq(""),
            visits::household_said.eq(""),
            visits::reason.eq(None::<String>),
            visits::next_step.eq(""),
            visits::latitude.eq(None::<f64>),
            visits::longitude.eq(None::<f64>),
            visits::accuracy_m.eq(None::<f64>),
        ))
        .execute(conn)?;
    let unused = erase_files(conn, id)?;
    diesel::update(
        audit_log::table
            .filter(audit_log::entity.eq("household"))
            .filter(audit_log::entity_id.eq(id)),
    )
    .set(audit_log::changes.eq(r#"{"erased":true}"#))
    .execute(conn)?;
    let change = Change::new("erase_personal", "household", id, json!({})).on_unit(task.unit_id);
    Ok((change, unused))
}

/// The unit of each household's task, for those of `ids` still there.
pub fn units_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    use super::schema::tasks;
    households::table
        .inner_join(tasks::table)
        .filter(households::id.eq_any(ids))
        .select((households::id, tasks::unit_id))
        .load(conn)
}
