//! Difficult tasks: list, read, register, edit. Rights are the task pages'
//! (`tasks::access`), checks are the task form's (`tasks::validate`), and an
//! edit carries the version it was made from, as the form does.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{created, one, page, resource, version, Api, ApiError, ApiResult, PageQuery};
use crate::app;
use crate::app::tasks::access;
use crate::app::tasks::{MilestoneInput, TaskInput};
use crate::db::{self, tasks::Task};
use crate::domain::access::Permission;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/tasks", "GET, POST")
            .route(web::get().to(list_tasks))
            .route(web::post().to(create)),
    )
    .service(
        resource("/v1/tasks/{id}", "GET, PUT")
            .route(web::get().to(get_task))
            .route(web::put().to(update)),
    )
    .service(
        resource("/v1/tasks/{id}/milestones", "GET, POST")
            .route(web::get().to(list_milestones))
            .route(web::post().to(add_milestone)),
    )
    .service(
        resource("/v1/tasks/{id}/milestones/{milestone}/done", "PUT")
            .route(web::put().to(set_done)),
    );
}

/// A difficult task.
#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    id: i64,
    unit_id: i64,
    category_id: i64,
    title: String,
    description: String,
    project_start_year: Option<i32>,
    campaign_year: i32,
    deadline: Option<NaiveDate>,
    /// `registered`, `in_progress`, `handed_over`, `enforcement`, `completed`, `cancelled`
    status: String,
    cancel_reason: Option<String>,
    completed_on: Option<NaiveDate>,
    owner_id: i64,
    co_owners: Vec<i64>,
    team: Vec<i64>,
    /// The stages that count as consent for this task.
    consented: Vec<String>,
    area_total_m2: Option<f64>,
    area_cleared_m2: Option<f64>,
    /// Typed in before households' compensation records were kept; read
    /// only. `GET /tasks/{id}/money` adds the figures up from the records.
    plans_total: Option<i32>,
    /// As `plans_total`.
    plans_approved: Option<i32>,
    /// đồng; as `plans_total`.
    money_paid: Option<i64>,
    /// Send it back in `If-Match` to edit (it is also the ETag).
    version: i32,
    #[serde(serialize_with = "super::utc")]
    created_at: NaiveDateTime,
    #[serde(serialize_with = "super::utc")]
    updated_at: NaiveDateTime,
}

impl TaskOut {
    fn new(t: Task, members: &[(i64, i64, String)]) -> TaskOut {
        let of = |role: &str| {
            members
                .iter()
                .filter(|(task, _, r)| *task == t.id && r == role)
                .map(|(_, u, _)| *u)
                .collect()
        };
        TaskOut {
            co_owners: of(db::tasks::CO_OWNER),
            team: of(db::tasks::TEAM),
            consented: app::households::codes(&t.consented_stages),
            id: t.id,
            unit_id: t.unit_id,
            category_id: t.category_id,
            title: t.title,
            description: t.description,
            project_start_year: t.project_start_year,
            campaign_year: t.campaign_year,
            deadline: t.deadline,
            status: t.status,
            cancel_reason: t.cancel_reason,
            completed_on: t.completed_on,
            owner_id: t.owner_id,
            area_total_m2: t.area_total_m2,
            area_cleared_m2: t.area_cleared_m2,
            plans_total: t.plans_total,
            plans_approved: t.plans_approved,
            money_paid: t.money_paid,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    items: Vec<TaskOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// Tasks of this unit and the units below it.
    unit_id: Option<i64>,
    category_id: Option<i64>,
    owner_id: Option<i64>,
    /// `registered`, `in_progress`, `handed_over`, `enforcement`, `completed`, `cancelled`
    status: Option<String>,
    campaign_year: Option<i32>,
    /// Words of the title.
    q: Option<String>,
}

/// Tasks the reader may view, by id, filtered as the task list filters.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    params(PageQuery, TaskFilter),
    responses((status = 200, body = TaskPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_tasks(
    api: Api,
    q: web::Query<PageQuery>,
    f: web::Query<TaskFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let f = f.into_inner();
    let scope = api.user.scope(Permission::View);
    let tasks = api
        .db(move |c| {
            let unit_path = match f.unit_id {
                Some(id) => match db::units::find(c, id) {
                    Ok(u) => Some(u.path),
                    Err(diesel::result::Error::NotFound) => return Ok(vec![]),
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            let filter = db::tasks::Filter {
                scope,
                unit_path,
                category_id: f.category_id,
                owner_id: f.owner_id,
                status: f.status.filter(|s| !s.is_empty()),
                year: f.campaign_year,
                search: f.q.filter(|s| !s.trim().is_empty()),
                ..Default::default()
            };
            let tasks = db::tasks::after(c, &filter, after, limit)?;
            let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
            let members = db::tasks::members_of_tasks(c, &ids)?;
            Ok(tasks
                .into_iter()
                .map(|t| TaskOut::new(t, &members))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(page(tasks, limit, |t| t.id))
}

/// The task and its members, if the reader may view it.
async fn load(api: &Api, id: i64) -> ApiResult<TaskOut> {
    api.read(move |c, user| {
        let access = access(c, user, id)?;
        let members = db::tasks::members_of_tasks(c, &[id])?;
        Ok(TaskOut::new(access.task, &members))
    })
    .await
}

/// One task; its version is the ETag.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "task id")),
    responses((status = 200, body = TaskOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_task(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let task = load(&api, *id).await?;
    Ok(one(&task, Some(task.version)))
}

/// What a client sends to register or edit a task: the task form's fields.
#[derive(Deserialize, ToSchema)]
pub struct TaskIn {
    unit_id: i64,
    category_id: i64,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    project_start_year: Option<i32>,
    campaign_year: i32,
    #[serde(default)]
    deadline: Option<NaiveDate>,
    owner_id: i64,
    #[serde(default)]
    area_total_m2: Option<f64>,
    #[serde(default)]
    area_cleared_m2: Option<f64>,
    #[serde(default)]
    co_owners: Vec<i64>,
    #[serde(default)]
    team: Vec<i64>,
    /// The stages that count as consent (at least one).
    #[schema(schema_with = super::choices::stages)]
    consented: Vec<String>,
}

impl From<TaskIn> for TaskInput {
    fn from(t: TaskIn) -> TaskInput {
        TaskInput {
            unit_id: Some(t.unit_id),
            category_id: Some(t.category_id),
            title: t.title,
            description: t.description,
            project_start_year: t.project_start_year.map(i64::from),
            campaign_year: Some(i64::from(t.campaign_year)),
            deadline: t.deadline,
            owner_id: Some(t.owner_id),
            area_total_m2: t.area_total_m2,
            area_cleared_m2: t.area_cleared_m2,
            co_owners: t.co_owners,
            team: t.team,
            consented: t.consented,
            unread: Default::default(),
        }
    }
}

/// Registers a task (committee members, in their units).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks",
    request_body = TaskIn,
    responses((status = 201, body = TaskOut, headers(("ETag" = String), ("Location" = String))),
        super::docs::Errors),
    security(("token" = [])))]
pub async fn create(api: Api, body: super::ApiJson<TaskIn>) -> ApiResult<HttpResponse> {
    let body = body.for_task_managers(&api).await?;
    let input = TaskInput::from(body);
    let task = api
        .call(move |c, who| app::tasks::register(c, who, &input))
        .await?;
    let task = load(&api, task.id).await?;
    let location = format!("/api/v1/tasks/{}", task.id);
    Ok(created(&location, &task, Some(task.version)))
}

/// Edits a task, as its owners and the committee may. `If-Match` carries the
/// version read: 412 if someone saved since, 428 without it.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "task id"),
        ("If-Match" = String, Header, description = "the ETag of the version edited")),
    request_body = TaskIn,
    responses((status = 200, body = TaskOut, headers(("ETag" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn update(
    api: Api,
    req: HttpRequest,
    id: web::Path<i64>,
    body: super::ApiJson<TaskIn>,
) -> ApiResult<HttpResponse> {
    let (tid, version) = (*id, version(&req));
    let body = body.for_whom(&api, move |c, u| may_edit(c, u, tid)).await?;
    let input = TaskInput::from(body);
    api.call(move |c, who| app::tasks::update(c, who, tid, version, &input))
        .await?;
    let task = load(&api, tid).await?;
    Ok(one(&task, Some(task.version)))
}

/// A step of a task with its due day.
#[derive(Serialize, ToSchema)]
pub struct MilestoneOut {
    id: i64,
    task_id: i64,
    title: String,
    due_on: NaiveDate,
    done_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct MilestonePage {
    items: Vec<MilestoneOut>,
    next_cursor: Option<String>,
}

impl From<db::tasks::Milestone> for MilestoneOut {
    fn from(m: db::tasks::Milestone) -> Self {
        MilestoneOut {
            id: m.id,
            task_id: m.task_id,
            title: m.title,
            due_on: m.due_on,
            done_on: m.done_on,
        }
    }
}

/// Up to `limit` milestones of a task the reader may see, by due day, after
/// the milestone `after` (0: from the first).
async fn milestones_of(api: &Api, id: i64, after: i64, limit: i64) -> ApiResult<Vec<MilestoneOut>> {
    api.read(move |c, user| {
        access(c, user, id)?;
        let items = db::tasks::milestones_after(c, id, after, limit)?;
        Ok(items.into_iter().map(MilestoneOut::from).collect())
    })
    .await
}

/// One milestone of a task the reader may see.
async fn milestone(api: &Api, task_id: i64, id: i64) -> ApiResult<MilestoneOut> {
    let m = api
        .read(move |c, user| {
            access(c, user, task_id)?;
            let items = db::tasks::milestones(c, task_id)?;
            Ok(items.into_iter().find(|m| m.id == id))
        })
        .await?;
    m.map(MilestoneOut::from).ok_or(ApiError::NotFound)
}

/// A task's milestones by due day (the cursor is the last milestone read).
#[utoipa::path(get, path = "/api/v1/tasks/{id}/milestones", tag = "tasks",
    params(("id" = i64, Path, description = "task id"), PageQuery),
    responses((status = 200, body = MilestonePage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_milestones(
    api: Api,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let items = milestones_of(&api, *id, after, limit).await?;
    Ok(page(items, limit, |m| m.id))
}

#[derive(Deserialize, ToSchema)]
pub struct MilestoneIn {
    title: String,
    due_on: NaiveDate,
}

/// Adds a milestone (those who may edit the task).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/milestones", tag = "tasks",
    params(("id" = i64, Path, description = "task id")),
    request_body = MilestoneIn,
    responses((status = 201, body = MilestoneOut, headers(("Location" = String))), super::docs::Errors),
    security(("token" = [])))]
pub async fn add_milestone(
    api: Api,
    id: web::Path<i64>,
    body: super::ApiJson<MilestoneIn>,
) -> ApiResult<HttpResponse> {
    let tid = *id;
    let body = body.for_whom(&api, move |c, u| may_edit(c, u, tid)).await?;
    let input = MilestoneInput {
        title: body.title,
        due_on: Some(body.due_on),
        unread: Default::default(),
    };
    let mid = api
        .call(move |c, who| app::tasks::add_milestone(c, who, tid, &input))
        .await?;
    let m = milestone(&api, tid, mid).await?;
    Ok(created(
        &format!("/api/v1/tasks/{tid}/milestones"),
        &m,
        None,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DoneIn {
    /// Done today (`true`) or not done (`false`).
    done: bool,
}

/// Marks a milestone done today, or not done (those who may edit the task).
#[utoipa::path(put, path = "/api/v1/tasks/{id}/milestones/{milestone}/done", tag = "tasks",
    params(("id" = i64, Path, description = "task id"),
        ("milestone" = i64, Path, description = "milestone id")),
    request_body = DoneIn,
    responses((status = 200, body = MilestoneOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn set_done(
    api: Api,
    path: web::Path<(i64, i64)>,
    body: super::ApiJson<DoneIn>,
) -> ApiResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let done = body
        .for_whom(&api, move |c, u| may_edit(c, u, id))
        .await?
        .done;
    api.call(move |c, who| app::tasks::mark_milestone(c, who, id, mid, done))
        .await?;
    Ok(one(&milestone(&api, id, mid).await?, None))
}

/// May the reader edit the task (its owners, committee members of its unit)?
pub(super) fn may_edit(
    c: &mut crate::db::DbConnection,
    u: &crate::context::CurrentUser,
    task_id: i64,
) -> crate::error::AppResult<bool> {
    Ok(app::tasks::access(c, u, task_id)?.can_edit)
}
