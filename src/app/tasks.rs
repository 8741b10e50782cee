//! Difficult tasks: who may do what with one.

use chrono::{Datelike, NaiveDate};

use super::Caller;
use super::{audited, chosen, required_date, write_if_changed, Rejected, Version, Versioned};
use crate::context::CurrentUser;
use crate::db::tasks::{Conflict, Task, TaskFields};
use crate::db::{self, audit};
use crate::domain::access::Permission;
use crate::domain::consent::ConsentedSet;
use crate::domain::deadline::TaskStatus;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;

impl Versioned for Conflict {
    fn version(&self) -> i32 {
        self.current.version
    }
}

/// What the user may do with a task they can see.
#[derive(Clone)]
pub struct Access {
    pub task: Task,
    pub unit: db::units::Unit,
    /// Edit the task and its households.
    pub can_edit: bool,
    /// Log visits: the people on the task (and administrators).
    pub can_log_visits: bool,
    /// How much of the households' personal details the user sees.
    pub sight: crate::domain::households::Sight,
    /// The steps its households go through (by its category).
    pub process: crate::domain::consent::Process,
}

/// What `user` may do with a task they may see, read on the connection at
/// hand so that a page can load what it shows in the same trip.
pub fn access(conn: &mut db::DbConnection, user: &CurrentUser, task_id: i64) -> AppResult<Access> {
    let task = db::tasks::find(conn, task_id)?;
    let unit = db::units::find(conn, task.unit_id)?;
    user.require(Permission::View, &unit.path)?;
    let roles = db::tasks::member_roles(conn, &task, user.id)?;
    // Owners and co-owners edit their task; committee members edit in their scope.
    let can_edit = user.can(Permission::ManageTasks, &unit.path)
        || roles
            .iter()
            .any(|r| r == "owner" || r == db::tasks::CO_OWNER);
    let on_task = !roles.is_empty();
    let can_log_visits = on_task || user.can(Permission::ManageUnits, &unit.path);
    let oversees = user.can(Permission::WriteReviews, &unit.path)
        || user.can(Permission::ManageUsers, &unit.path);
    let sight = crate::domain::households::Sight::of(can_edit || on_task, oversees);
    let process = db::tasks::process(conn, task.category_id)?;
    Ok(Access {
        task,
        unit,
        can_edit,
        can_log_visits,
        sight,
        process,
    })
}

/// The task if `user` may edit it (its owners and those who manage tasks of
/// its unit).
pub fn editable<C>(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    task_id: i64,
) -> Result<Access, Rejected<C>> {
    let access = access(conn, user, task_id)?;
    if access.can_edit {
        Ok(access)
    } else {
        Err(Rejected::Forbidden)
    }
}

/// A task as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub unit_id: Option<i64>,
    pub category_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub project_start_year: Option<i64>,
    pub campaign_year: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub owner_id: Option<i64>,
    pub area_total_m2: Option<f64>,
    pub area_cleared_m2: Option<f64>,
    pub co_owners: Vec<i64>,
    pub team: Vec<i64>,
    /// The stages that count as consent.
    pub consented: Vec<String>,
    /// What the edge could not read.
    pub unread: FieldErrors,
}

/// Checks a task: its fields, the reader's right to register in the chosen
/// unit (an owner who is not on the committee may keep the task's unit,
/// `current_unit`, not move it), and that the owner and members reach it.
pub fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &TaskInput,
    current_unit: Option<i64>,
) -> Result<TaskFields, Rejected<Conflict>> {
    let mut e = input.unread.clone();
    let title = e.required("title", &input.title, 300);
    let description = e.optional_text("description", &input.description, 10_000);
    let mut id = |field: &str, v: Option<i64>| e.required_id(field, v);
    let unit_id = id("unit_id", input.unit_id);
    let category_id = id("category_id", input.category_id);
    let owner_id = id("owner_id", input.owner_id);
    // A year from `since` to five years ahead.
    let this_year = i64::from(format::today().year());
    let mut year = |field: &str, y: i64, since: i64| {
        let ok = (since..=this_year + 5).contains(&y);
        if !ok {
            e.add(field, "error-year");
        }
        i32::try_from(y).ok().filter(|_| ok)
    };
    let project_start_year = input
        .project_start_year
        .and_then(|y| year("project_start_year", y, 1950));
    let campaign_year = match input.campaign_year {
        Some(y) => year("campaign_year", y, 2000),
        None => {
            e.add("campaign_year", "error-required");
            None
        }
    };
    let deadline = e.date_value("deadline", input.deadline);
    let area_total_m2 = input
        .area_total_m2
        .and_then(|a| e.area_value("area_total_m2", a));
    let area_cleared_m2 = input
        .area_cleared_m2
        .and_then(|a| e.area_value("area_cleared_m2", a));
    if let (Some(t), Some(c)) = (area_total_m2, area_cleared_m2) {
        if c > t {
            e.add("area_cleared_m2", "error-more-than-total");
        }
    }
    let consented = ConsentedSet::parse(&input.consented.join(","));
    match &consented {
        None => e.add("consented", chosen::INVALID),
        Some(set) if set.stages().is_empty() => e.add("consented", "error-consented-empty"),
        Some(_) => {}
    }
    let (mut co_owners, mut team) = (input.co_owners.clone(), input.team.clone());
    for ids in [&mut co_owners, &mut team] {
        ids.sort_unstable();
        ids.dedup();
    }

    // What the database knows: the unit, the category, who reaches the unit.
    let unit = db::units::find_chosen(conn, unit_id)?;
    let category = match category_id {
        Some(id) => db::tasks::category(conn, id)?,
        None => None,
    };
    let reaching = match &unit {
        Some(u) => db::users::reaching(conn, &u.path)?,
        None => vec![],
    };
    let unit = chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
        user.can(Permission::ManageTasks, &u.path) || current_unit == Some(u.id)
    });
    chosen::one(&mut e, "category_id", category_id, category, |c| c.active);
    if unit.is_some() {
        let reaches = |id: i64| reaching.iter().any(|(uid, _, _)| *uid == id);
        let owner: Vec<i64> = owner_id.into_iter().collect();
        for (field, ids) in [
            ("owner_id", &owner),
            ("co_owners", &co_owners),
            ("team", &team),
        ] {
            chosen::every(&mut e, field, ids, reaches, "error-not-in-unit");
        }
    }
    match (unit_id, category_id, owner_id, campaign_year) {
        (Some(unit_id), Some(category_id), Some(owner_id), Some(campaign_year)) if e.is_empty() => {
            Ok(TaskFields {
                unit_id,
                category_id,
                title,
                description,
                project_start_year,
                campaign_year,
                deadline,
                owner_id,
                area_total_m2,
                area_cleared_m2,
                plans_total: None,
                plans_approved: None,
                money_paid: None,
                consented_stages: consented.map(|c| c.to_stored()).unwrap_or_default(),
                co_owners,
                team,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Registers a task (committee members, in their units) and tells the
/// people assigned to it.
pub fn register(
    conn: &mut db::DbConnection,
    who: &Caller,
    input: &TaskInput,
) -> Result<Task, Rejected<Conflict>> {
    who.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, who, input, None)?;
    audited(conn, who, |c| {
        let (task, change) = db::tasks::create(c, &fields, who.id)?;
        db::notifications::task_assigned(c, task.id, &fields, None, who.id)?;
        Ok((task, change))
    })
}

/// Edits a task (its owners and the committee) from the version read, and
/// tells the people newly assigned; a stale edit answers the task as saved
/// now, fields and all.
pub fn update(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    version: Version,
    input: &TaskInput,
) -> Result<Task, Rejected<Conflict>> {
    let access = editable(conn, who, task_id)?;
    let fields = check(conn, who, input, Some(access.task.unit_id))?;
    let version = version.given(|| {
        let current_fields = db::tasks::fields_of(conn, &access.task)?;
        Ok(Conflict {
            current: access.task.clone(),
            current_fields,
        })
    })?;
    let saved = audit::write_if(conn, &who.actor, |c| {
        let before = db::tasks::fields_of(c, &access.task)?;
        Ok(match db::tasks::update(c, task_id, version, &fields)? {
            Ok((task, change)) => {
                db::notifications::task_assigned(c, task_id, &fields, Some(&before), who.id)?;
                (Ok(task), Some(change))
            }
            Err(conflict) => (Err(conflict), None),
        })
    })?;
    saved.map_err(|conflict| Rejected::Stale(Box::new(conflict)))
}

/// Moves a task (those who may edit it) from the version read to `next`,
/// with the reason a cancellation needs; `Stale` if someone moved it first.
pub fn move_to(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    version: i32,
    next: TaskStatus,
    reason: &str,
) -> Result<(), Rejected> {
    let access = editable(conn, who, task_id)?;
    if !access.task.status().can_become(next) {
        return Err(Rejected::NotAllowed("error-status-move"));
    }
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    if next == TaskStatus::Cancelled && reason.is_none() {
        return Err(Rejected::refused("reason", "error-cancel-reason"));
    }
    let today = format::today();
    match write_if_changed(conn, who, |c| {
        db::tasks::set_status(c, &access.task, version, next, reason, today)
    })? {
        true => Ok(()),
        false => Err(Rejected::Stale(Box::new(()))),
    }
}

/// A step of a task as typed or sent.
#[derive(Debug, Clone, Default)]
pub struct MilestoneInput {
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Adds a milestone, a title and a day, to a task (those who may edit it);
/// answers its id.
pub fn add_milestone(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    input: &MilestoneInput,
) -> Result<i64, Rejected> {
    let access = editable(conn, who, task_id)?;
    let mut e = input.unread.clone();
    let title = e.required("title", &input.title, 300);
    let due_on = required_date(&mut e, "due_on", input.due_on);
    let Some(due_on) = due_on.filter(|_| e.is_empty()) else {
        return Err(Rejected::Invalid(e));
    };
    audited(conn, who, |c| {
        db::tasks::add_milestone(c, &access.task, &title, due_on)
    })
}

/// Marks a task's milestone done today, or not done (those who may edit
/// the task); not found if the task has no such milestone.
pub fn mark_milestone(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    milestone_id: i64,
    done: bool,
) -> Result<(), Rejected> {
    let access = editable(conn, who, task_id)?;
    let done_on = done.then(format::today);
    let found = write_if_changed(conn, who, |c| {
        db::tasks::set_milestone_done(c, &access.task, milestone_id, done_on)
    })?;
    if found {
        Ok(())
    } else {
        Err(Rejected::NotFound)
    }
}

// ---------------------------------------------------------------- the public page

/// The task if `user` is on its unit's committee (manages its tasks), who
/// switch its public page and answer the questions asked there.
pub fn committee(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    task_id: i64,
) -> AppResult<Access> {
    let access = access(conn, user, task_id)?;
    user.require(Permission::ManageTasks, &access.unit.path)?;
    Ok(access)
}

/// The short code of a new public page: six letters and digits that cannot
/// be misread on paper.
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Switches the task's public page on or off (its committee); a page
/// switched on for the first time gets a code no other page has.
pub fn publish(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    enabled: bool,
) -> Result<db::public::PublicPage, Rejected> {
    let access = committee(conn, who, task_id)?;
    // A code is drawn until it is free (30⁶ codes: a clash is rare).
    let mut code = new_code();
    while db::public::by_code(conn, &code)?.is_some() {
        code = new_code();
    }
    audited(conn, who, |c| {
        db::public::set(c, &access.task, enabled, &code, who.id)
    })
}

/// A citizen's question on the public page under `code`, kept for the
/// committee; answers its id. No account asks it: `actor` names only where
/// it came from.
pub fn ask(
    conn: &mut db::DbConnection,
    actor: &audit::Actor,
    code: &str,
    name: &str,
    phone: &str,
    question: &str,
) -> Result<i64, Rejected> {
    let task_id = db::public::by_code(conn, code)?.ok_or(Rejected::NotFound)?;
    let task = db::tasks::find(conn, task_id)?;
    let asked = audit::write(conn, actor, |c| {
        Ok(db::public::ask(c, &task, name, phone, question)?)
    });
    Ok(asked?)
}

/// Answers a question asked on the task's public page (its committee), in
/// up to 4,000 characters; not found if the question is not the task's.
pub fn answer_question(
    conn: &mut db::DbConnection,
    who: &Caller,
    task_id: i64,
    question_id: i64,
    answer: &str,
) -> Result<(), Rejected> {
    let access = committee(conn, who, task_id)?;
    let mut e = FieldErrors::default();
    let text = e.required("answer", answer, 4000);
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    match write_if_changed(conn, who, |c| {
        db::public::answer(c, &access.task, question_id, &text, who.id)
    })? {
        true => Ok(()),
        false => Err(Rejected::NotFound),
    }
}
