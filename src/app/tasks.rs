//! Difficult tasks: who may do what with one.

use crate::context::CurrentUser;
use crate::db;
use crate::domain::access::Permission;
use crate::error::AppResult;

use super::Rejected;

/// What the user may do with a task they can see.
pub struct Access {
    pub task: db::tasks::Task,
    pub unit: db::units::Unit,
    /// Edit the task and its households.
    pub can_edit: bool,
    /// Log visits: the people on the task (and administrators).
    pub can_log_visits: bool,
    /// How much of the households' personal details the user sees.
    pub sight: crate::domain::households::Sight,
}

/// What `user` may do with `task`, read on the connection at hand so that a
/// page can load what it shows in the same trip.
pub fn access(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    task: db::tasks::Task,
) -> AppResult<Access> {
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
    Ok(Access {
        task,
        unit,
        can_edit,
        can_log_visits,
        sight,
    })
}

/// The task if `user` may edit it (its owners and those who manage tasks of
/// its unit).
pub fn editable<C>(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    task_id: i64,
) -> Result<Access, Rejected<C>> {
    let task = db::tasks::find(conn, task_id)?;
    let access = access(conn, user, task)?;
    if access.can_edit {
        Ok(access)
    } else {
        Err(Rejected::Forbidden)
    }
}
