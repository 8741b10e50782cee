//! Difficult tasks (việc khó), their categories, members and milestones.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::schema::{milestones, task_categories, task_members, tasks, units, users};
use super::DbConnection;
use crate::domain::deadline::TaskStatus;
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = task_categories)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub is_site_clearance: bool,
    pub active: bool,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub unit_id: i64,
    pub category_id: i64,
    pub title: String,
    #[serde(skip)]
    pub search_text: String,
    pub description: String,
    pub project_start_year: Option<i32>,
    pub campaign_year: i32,
    pub deadline: Option<NaiveDate>,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub owner_id: i64,
    pub consented_stages: String,
    pub area_total_m2: Option<f64>,
    pub area_cleared_m2: Option<f64>,
    pub plans_total: Option<i32>,
    pub plans_approved: Option<i32>,
    pub money_paid: Option<i64>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Task {
    pub fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.status).unwrap_or(TaskStatus::Registered)
    }
}

/// Member roles on a task besides the owner.
pub const CO_OWNER: &str = "co_owner";
pub const TEAM: &str = "team";

/// The fields a person edits, written the same way by create and update
/// (the people are rows of their own). `None` means NULL in both (not the
/// column default, not "leave as is").
#[derive(Debug, Clone, Serialize, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = tasks, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct TaskFields {
    pub unit_id: i64,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub project_start_year: Option<i32>,
    pub campaign_year: i32,
    pub deadline: Option<NaiveDate>,
    pub owner_id: i64,
    pub area_total_m2: Option<f64>,
    pub area_cleared_m2: Option<f64>,
    /// Figures typed in before households' compensation records were kept
    /// (the money is added up from those now): written by loads of old
    /// records, never changed by an edit.
    #[diesel(skip_update)]
    pub plans_total: Option<i32>,
    #[diesel(skip_update)]
    pub plans_approved: Option<i32>,
    #[diesel(skip_update)]
    pub money_paid: Option<i64>,
    /// Which stages count as consented for this task, in stored form.
    pub consented_stages: String,
    #[diesel(skip_insertion, skip_update)]
    pub co_owners: Vec<i64>,
    #[diesel(skip_insertion, skip_update)]
    pub team: Vec<i64>,
}

pub fn categories(conn: &mut DbConnection) -> QueryResult<Vec<Category>> {
    task_categories::table
        .filter(task_categories::active.eq(true))
        .order((task_categories::sort_order, task_categories::id))
        .select(Category::as_select())
        .load(conn)
}

pub fn category(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Category>> {
    task_categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()
}

/// The tasks `user_id` works on: owns, co-owns or is on the team of.
pub fn worked_on(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = task_members::table
        .filter(task_members::user_id.eq(user_id))
        .select(task_members::task_id)
        .load(conn)?;
    ids.extend(
        tasks::table
            .filter(tasks::owner_id.eq(user_id))
            .select(tasks::id)
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The steps the households of a task of this category go through.
pub fn process(
    conn: &mut DbConnection,
    category_id: i64,
) -> QueryResult<crate::domain::consent::Process> {
    let site_clearance: Option<bool> = task_categories::table
        .find(category_id)
        .select(task_categories::is_site_clearance)
        .first(conn)
        .optional()?;
    Ok(crate::domain::consent::Process::of_category(
        site_clearance.unwrap_or(true),
    ))
}

/// Those of `ids` that are tasks of the subtree at `unit_path`.
pub fn in_subtree(conn: &mut DbConnection, unit_path: &str, ids: &[i64]) -> QueryResult<Vec<i64>> {
    tasks::table
        .inner_join(units::table)
        .filter(units::path.like(format!("{unit_path}%")))
        .filter(tasks::id.eq_any(ids))
        .select(tasks::id)
        .order(tasks::id)
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Task> {
    tasks::table.find(id).select(Task::as_select()).first(conn)
}

fn members_of(conn: &mut DbConnection, task_id: i64, role: &str) -> QueryResult<Vec<i64>> {
    task_members::table
        .filter(task_members::task_id.eq(task_id))
        .filter(task_members::role.eq(role))
        .select(task_members::user_id)
        .order(task_members::user_id)
        .load(conn)
}

fn set_members(conn: &mut DbConnection, task_id: i64, role: &str, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(
        task_members::table
            .filter(task_members::task_id.eq(task_id))
            .filter(task_members::role.eq(role)),
    )
    .execute(conn)?;
    // One row at a time: batch inserts do not compile through MultiConnection.
    for id in ids {
        diesel::insert_into(task_members::table)
            .values((
                task_members::task_id.eq(task_id),
                task_members::user_id.eq(id),
                task_members::role.eq(role),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The fields of a stored task, in the shape of the edit form.
pub fn fields_of(conn: &mut DbConnection, t: &Task) -> QueryResult<TaskFields> {
    Ok(TaskFields {
        unit_id: t.unit_id,
        category_id: t.category_id,
        title: t.title.clone(),
        description: t.description.clone(),
        project_start_year: t.project_start_year,
        campaign_year: t.campaign_year,
        deadline: t.deadline,
        owner_id: t.owner_id,
        area_total_m2: t.area_total_m2,
        area_cleared_m2: t.area_cleared_m2,
        plans_total: t.plans_total,
        plans_approved: t.plans_approved,
        money_paid: t.money_paid,
        consented_stages: t.consented_stages.clone(),
        co_owners: members_of(conn, t.id, CO_OWNER)?,
        team: members_of(conn, t.id, TEAM)?,
    })
}

pub fn create(
    conn: &mut DbConnection,
    f: &TaskFields,
    created_by: i64,
) -> QueryResult<(Task, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(tasks::table)
        .values((
            f,
            tasks::search_text.eq(search::fold(&f.title)),
            tasks::status.eq(TaskStatus::Registered.as_str()),
            tasks::version.eq(1),
            tasks::created_by.eq(created_by),
            tasks::created_at.eq(now),
            tasks::updated_at.eq(now),
        ))
        .returning(tasks::id)
        .get_result(conn)?;
    set_members(conn, id, CO_OWNER, &f.co_owners)?;
    set_members(conn, id, TEAM, &f.team)?;
    let task = find(conn, id)?;
    Ok((
        task,
        Change::new("create", "task", id, json!(f)).on_unit(f.unit_id),
    ))
}

/// What an edit that lost the race gets back: the version now stored.
#[derive(Debug)]
pub struct Conflict {
    pub current: Task,
    pub current_fields: TaskFields,
}

/// Saves `f` if the task is still at `version`; otherwise reports the
/// conflict and changes nothing.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    f: &TaskFields,
) -> QueryResult<Result<(Task, Change), Conflict>> {
    let before = find(conn, id)?;
    let before_fields = fields_of(conn, &before)?;
    // The typed figures stay as they were.
    let f = &TaskFields {
        plans_total: before.plans_total,
        plans_approved: before.plans_approved,
        money_paid: before.money_paid,
        ..f.clone()
    };
    let updated = diesel::update(
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::version.eq(version)),
    )
    .set((
        f,
        tasks::search_text.eq(search::fold(&f.title)),
        tasks::version.eq(tasks::version + 1),
        tasks::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(Err(Conflict {
            current_fields: before_fields,
            current: before,
        }));
    }
    set_members(conn, id, CO_OWNER, &f.co_owners)?;
    set_members(conn, id, TEAM, &f.team)?;
    let changes = diff(&before_fields, f);
    Ok(Ok((
        find(conn, id)?,
        Change::new("update", "task", id, changes).on_unit(f.unit_id),
    )))
}

/// Moves the task to `status` if it is still at `version`; `Ok(None)` on a conflict.
pub fn set_status(
    conn: &mut DbConnection,
    task: &Task,
    version: i32,
    status: TaskStatus,
    reason: Option<&str>,
    today: NaiveDate,
) -> QueryResult<Option<Change>> {
    let completed_on = (status == TaskStatus::Completed).then_some(today);
    let updated = diesel::update(
        tasks::table
            .filter(tasks::id.eq(task.id))
            .filter(tasks::version.eq(version)),
    )
    .set((
        tasks::status.eq(status.as_str()),
        tasks::cancel_reason.eq(reason.filter(|_| status == TaskStatus::Cancelled)),
        tasks::completed_on.eq(completed_on),
        tasks::version.eq(tasks::version + 1),
        tasks::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((updated == 1).then(|| {
        Change::new(
            "set_status",
            "task",
            task.id,
            json!({"status": [task.status, status.as_str()], "reason": reason}),
        )
        .on_unit(task.unit_id)
    }))
}

#[derive(Debug, Queryable, Serialize)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub role: String,
}

pub fn members(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<MemberRow>> {
    task_members::table
        .inner_join(users::table)
        .filter(task_members::task_id.eq(task_id))
        .select((
            users::id,
            users::username,
            users::full_name,
            task_members::role,
        ))
        .order((task_members::role, users::full_name))
        .load(conn)
}

/// Is the user the owner, a co-owner or on the team of the task?
pub fn member_roles(
    conn: &mut DbConnection,
    task: &Task,
    user_id: i64,
) -> QueryResult<Vec<String>> {
    let mut roles: Vec<String> = task_members::table
        .filter(task_members::task_id.eq(task.id))
        .filter(task_members::user_id.eq(user_id))
        .select(task_members::role)
        .load(conn)?;
    if task.owner_id == user_id {
        roles.push("owner".into());
    }
    Ok(roles)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = milestones)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

pub fn milestones(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::task_id.eq(task_id))
        .order((milestones::due_on, milestones::id))
        .select(Milestone::as_select())
        .load(conn)
}

/// Up to `limit` milestones of a task in the order of [`milestones`] that
/// follow the milestone `after` (from the first when 0; none when `after`
/// is not one of the task's).
pub fn milestones_after(
    conn: &mut DbConnection,
    task_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Milestone>> {
    let mut q = milestones::table
        .filter(milestones::task_id.eq(task_id))
        .into_boxed();
    if after != 0 {
        let Some(due) = milestones::table
            .filter(milestones::id.eq(after))
            .filter(milestones::task_id.eq(task_id))
            .select(milestones::due_on)
            .first::<NaiveDate>(conn)
            .optional()?
        else {
            return Ok(Vec::new());
        };
        q = q.filter(
            milestones::due_on
                .gt(due)
                .or(milestones::due_on.eq(due).and(milestones::id.gt(after))),
        );
    }
    q.order((milestones::due_on, milestones::id))
        .select(Milestone::as_select())
        .limit(limit)
        .load(conn)
}

pub fn add_milestone(
    conn: &mut DbConnection,
    task: &Task,
    title: &str,
    due_on: NaiveDate,
) -> QueryResult<(i64, Change)> {
    let id: i64 = diesel::insert_into(milestones::table)
        .values((
            milestones::task_id.eq(task.id),
            milestones::title.eq(title),
            milestones::due_on.eq(due_on),
            milestones::created_at.eq(super::now()),
        ))
        .returning(milestones::id)
        .get_result(conn)?;
    let change = Change::new(
        "add_milestone",
        "task",
        task.id,
        json!({"milestone": id, "title": title, "due_on": due_on}),
    )
    .on_unit(task.unit_id);
    Ok((id, change))
}

pub fn set_milestone_done(
    conn: &mut DbConnection,
    task: &Task,
    milestone_id: i64,
    done_on: Option<NaiveDate>,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        milestones::table
            .filter(milestones::id.eq(milestone_id))
            .filter(milestones::task_id.eq(task.id)),
    )
    .set(milestones::done_on.eq(done_on))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "milestone_done",
            "task",
            task.id,
            json!({"milestone": milestone_id, "done_on": done_on}),
        )
        .on_unit(task.unit_id)
    }))
}

/// Filters of the task list; `scope` limits it to the reader's subtrees.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub scope: Vec<String>,
    pub unit_path: Option<String>,
    pub category_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub status: Option<String>,
    pub year: Option<i32>,
    pub overdue_on: Option<NaiveDate>,
    pub involving: Option<i64>,
    pub search: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Deadline,
    Title,
    Newest,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "title" => Sort::Title,
            "newest" => Sort::Newest,
            _ => Sort::Deadline,
        }
    }
}

#[derive(Debug, Queryable, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub category_code: String,
    pub category_vi: String,
    pub category_en: String,
    pub owner_name: String,
    pub status: String,
    pub deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub campaign_year: i32,
}

type Filtered<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::InnerJoin<tasks::table, units::table>,
    super::MultiBackend,
>;

/// The tasks passing the filter. Filtering and counting need only tasks and
/// their units (a covering index answers both); names are joined for the
/// rows of a page alone.
fn filtered(f: &Filter) -> Filtered<'_> {
    let mut q = tasks::table
        .inner_join(units::table)
        .filter(super::scope::path_in(&f.scope))
        .into_boxed();
    if let Some(p) = &f.unit_path {
        q = q.filter(units::path.like(format!("{p}%")));
    }
    if let Some(c) = f.category_id {
        q = q.filter(tasks::category_id.eq(c));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(tasks::owner_id.eq(o));
    }
    if let Some(s) = &f.status {
        q = q.filter(tasks::status.eq(s.clone()));
    }
    if let Some(y) = f.year {
        q = q.filter(tasks::campaign_year.eq(y));
    }
    if let Some(today) = f.overdue_on {
        q = q
            .filter(tasks::deadline.lt(today))
            .filter(tasks::status.eq_any([
                TaskStatus::Registered.as_str(),
                TaskStatus::InProgress.as_str(),
            ]));
    }
    if let Some(uid) = f.involving {
        let member_of = task_members::table
            .filter(task_members::user_id.eq(uid))
            .select(task_members::task_id);
        q = q.filter(tasks::owner_id.eq(uid).or(tasks::id.eq_any(member_of)));
    }
    if let Some(s) = &f.search {
        q = q.filter(super::Uncached(
            tasks::search_text
                .like(search::like_pattern(s))
                .escape('\\'),
        ));
    }
    q
}

/// How many tasks pass the filter.
pub fn count(conn: &mut DbConnection, f: &Filter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// One page of the task list: its ids in order, then their rows.
pub fn page(
    conn: &mut DbConnection,
    f: &Filter,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<TaskRow>> {
    let q = filtered(f).select(tasks::id);
    let q = match sort {
        // Tasks without a deadline come last: `deadline IS NULL` sorts false first.
        Sort::Deadline => q.order((tasks::deadline.is_null(), tasks::deadline.asc(), tasks::id)),
        Sort::Title => q.order((tasks::search_text.asc(), tasks::id)),
        Sort::Newest => q.order(tasks::id.desc()),
    };
    let ids: Vec<i64> = q.offset(offset).limit(limit).load(conn)?;
    rows_of(conn, &ids)
}

/// The list rows of these tasks, in the order of `ids`.
pub fn rows_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TaskRow>> {
    let mut rows: Vec<TaskRow> = tasks::table
        .inner_join(units::table)
        .inner_join(task_categories::table)
        .inner_join(users::table)
        .filter(tasks::id.eq_any(ids))
        .select((
            tasks::id,
            tasks::title,
            units::name,
            task_categories::code,
            task_categories::name_vi,
            task_categories::name_en,
            users::full_name,
            tasks::status,
            tasks::deadline,
            tasks::completed_on,
            tasks::campaign_year,
        ))
        .load(conn)?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// Tasks in the scope whose title contains the query: the ids of the first
/// `limit` found, in the order they were registered, and whether more match.
/// `found_rows` turns them into rows shown by title.
pub fn search(
    conn: &mut DbConnection,
    scope: &[String],
    query: &str,
    limit: i64,
) -> QueryResult<(Vec<i64>, bool)> {
    let walk = Walk {
        select_from: "SELECT t.id FROM tasks_fts f JOIN tasks t ON t.id = f.rowid \
                      JOIN units u ON u.id = t.unit_id",
        fts: "tasks_fts",
        text: "t.search_text",
    };
    first_found(conn, scope, query, limit, walk, |conn, _| {
        let f = Filter {
            scope: scope.to_vec(),
            search: Some(query.to_string()),
            ..Default::default()
        };
        filtered(&f)
            .select(tasks::id)
            .order(tasks::id)
            .limit(limit + 1)
            .load(conn)
    })
}

/// How a search by name walks SQLite's trigram table: the query joining it
/// to the units, the table, the folded text (see `units::trigram_walk`).
pub(super) struct Walk {
    pub select_from: &'static str,
    pub fts: &'static str,
    pub text: &'static str,
}

/// The ids of the first `limit` records in the scope whose folded text
/// matches the query, in the order they were registered, and whether more
/// did. On SQLite the trigram table is read in rowid order and joined
/// (`walk`), so that the LIMIT ends the walk; PostgreSQL's trigram index
/// serves the LIKE (`like`, given the pattern) by itself.
pub(super) fn first_found(
    conn: &mut DbConnection,
    scope: &[String],
    query: &str,
    limit: i64,
    walk: Walk,
    like: impl FnOnce(&mut DbConnection, String) -> QueryResult<Vec<i64>>,
) -> QueryResult<(Vec<i64>, bool)> {
    if scope.is_empty() {
        return Ok((vec![], false));
    }
    let pattern = search::like_pattern(query);
    let mut ids = match (&mut *conn, search::trigram_phrase(query)) {
        (DbConnection::Sqlite(c), Some(phrase)) => super::units::trigram_walk(
            c,
            walk.select_from,
            walk.fts,
            walk.text,
            phrase,
            scope,
            pattern,
            limit + 1,
        )?,
        (conn, _) => like(conn, pattern)?,
    };
    let more = ids.len() as i64 > limit;
    ids.truncate(limit as usize);
    Ok((ids, more))
}

/// The rows of tasks a search found, by title.
pub fn found_rows(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TaskRow>> {
    let mut rows = rows_of(conn, ids)?;
    rows.sort_by_cached_key(|r| (search::fold(&r.title), r.id));
    Ok(rows)
}

/// Every category, inactive ones too, for the admin page.
pub fn all_categories(conn: &mut DbConnection) -> QueryResult<Vec<Category>> {
    task_categories::table
        .order((task_categories::sort_order, task_categories::id))
        .select(Category::as_select())
        .load(conn)
}

/// The fields of a category an admin edits.
#[derive(Debug, Clone, Serialize, Insertable, AsChangeset)]
#[diesel(table_name = task_categories)]
pub struct CategoryFields {
    pub name_vi: String,
    pub name_en: String,
    pub is_site_clearance: bool,
    pub active: bool,
    pub sort_order: i32,
}

pub fn create_category(
    conn: &mut DbConnection,
    code: &str,
    f: &CategoryFields,
) -> QueryResult<Change> {
    let id: i64 = diesel::insert_into(task_categories::table)
        .values((f, task_categories::code.eq(code)))
        .returning(task_categories::id)
        .get_result(conn)?;
    Ok(Change::new("create", "task_category", id, json!(f)))
}

pub fn update_category(
    conn: &mut DbConnection,
    id: i64,
    f: &CategoryFields,
) -> QueryResult<Option<Change>> {
    let Some(before) = category(conn, id)? else {
        return Ok(None);
    };
    diesel::update(task_categories::table.find(id))
        .set(f)
        .execute(conn)?;
    let old = CategoryFields {
        name_vi: before.name_vi,
        name_en: before.name_en,
        is_site_clearance: before.is_site_clearance,
        active: before.active,
        sort_order: before.sort_order,
    };
    Ok(Some(Change::new(
        "update",
        "task_category",
        id,
        diff(&old, f),
    )))
}

pub fn category_code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    task_categories::table
        .filter(task_categories::code.eq(code))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Up to `limit` tasks passing the filter with an id above `after`, by id
/// (the API's pages).
pub fn after(
    conn: &mut DbConnection,
    f: &Filter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Task>> {
    let ids: Vec<i64> = filtered(f)
        .filter(tasks::id.gt(after))
        .select(tasks::id)
        .order(tasks::id)
        .limit(limit)
        .load(conn)?;
    tasks::table
        .filter(tasks::id.eq_any(&ids))
        .select(Task::as_select())
        .order(tasks::id)
        .load(conn)
}

/// The co-owners and team members of these tasks: (task, user, role).
pub fn members_of_tasks(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, i64, String)>> {
    task_members::table
        .filter(task_members::task_id.eq_any(ids))
        .select((
            task_members::task_id,
            task_members::user_id,
            task_members::role,
        ))
        .order((task_members::task_id, task_members::user_id))
        .load(conn)
}
