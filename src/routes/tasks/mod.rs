//! Difficult tasks: register, list, edit (with optimistic concurrency); one
//! task's page, its status and its milestones are in `show`.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod show;
pub(super) use show::link_of;

use super::{options, people, Page};
use crate::app;
use crate::app::tasks::TaskInput;
pub(super) use crate::app::tasks::{access, Access};
use crate::context::Ctx;
use crate::db::tasks::{Conflict, Task, TaskFields};
use crate::db::users::{Held, Pool};
use crate::db::{self, audit};
use crate::domain::access::Permission;
use crate::domain::consent::{ConsentStage, ConsentedSet};
use crate::domain::deadline::{timeliness, TaskStatus};
use crate::domain::format;
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n::{self, named};

/// At most this many people are offered in the owner filter.
const OWNER_CHOICES: usize = 300;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks", get().to(index))
        .route("/tasks", post().to(create))
        .route("/tasks/mine", get().to(mine))
        .route("/tasks/new", get().to(new))
        .route("/tasks/{id}", get().to(show::show))
        .route("/tasks/{id}", post().to(update))
        .route("/tasks/{id}/edit", get().to(edit))
        .route("/tasks/{id}/status", post().to(show::set_status))
        .route("/tasks/{id}/milestones", post().to(show::add_milestone))
        .route(
            "/tasks/{id}/milestones/{mid}",
            post().to(show::milestone_done),
        );
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    unit: String,
    category: String,
    owner: String,
    status: String,
    year: String,
    overdue: String,
    sort: String,
    page: Option<i64>,
}

async fn index(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    list(ctx, q.into_inner(), false).await
}

async fn mine(ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    list(ctx, q.into_inner(), true).await
}

async fn list(ctx: Ctx, q: ListQuery, mine: bool) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::View);
    let page = Page::new(q.page, PAGE_SIZE);
    let today = format::today();
    let mut filter = db::tasks::Filter {
        scope: scope.clone(),
        category_id: q.category.parse().ok(),
        owner_id: q.owner.parse().ok(),
        status: TaskStatus::parse(&q.status).map(|s| s.as_str().to_string()),
        year: q.year.parse().ok(),
        overdue_on: (q.overdue == "1").then_some(today),
        involving: mine.then_some(user.id),
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let sort = db::tasks::Sort::parse(&q.sort);
    let unit_id: Option<i64> = q.unit.parse().ok();
    let state = ctx.state.clone();
    let known = user.versions;
    let (rows, total, units, categories, (owners, owners_limited)) = ctx
        .db(move |conn| {
            if let Some(id) = unit_id {
                // A unit outside the reader's scope filters to nothing rather than leaking.
                filter.unit_path = Some(match db::units::find(conn, id) {
                    Ok(u) => u.path,
                    Err(diesel::result::Error::NotFound) => "/none/".into(),
                    Err(e) => return Err(e.into()),
                });
            }
            // The count is kept at the listing version, which visits leave alone.
            let version = audit::versions(conn, known)?.listing;
            let total =
                *state
                    .task_counts
                    .get_or_compute(format!("{filter:?}"), version, || {
                        db::tasks::count(conn, &filter)
                    })?;
            let rows = state.task_pages.get_or_compute(
                format!("{filter:?}|{sort:?}|{}|{}", page.offset(), page.size),
                version,
                || db::tasks::page(conn, &filter, sort, page.offset(), page.size),
            )?;
            let units = state.unit_tree(conn, version, &scope)?;
            let categories = state.task_categories(conn, version)?;
            // Owners to filter by: of the chosen unit, or of the whole scope when
            // that is a ward's worth of people; a province's thousands are not a list.
            let owner_scope = match &filter.unit_path {
                Some(p) => vec![p.clone()],
                None => scope.clone(),
            };
            let (owners, owners_limited) =
                match &*state.people_choices(conn, version, &owner_scope, OWNER_CHOICES)? {
                    Some(all) => (all.clone(), false),
                    // Too many to list: only the one already chosen, if any.
                    None => match filter.owner_id {
                        Some(id) => (db::users::one_in_scope(conn, &owner_scope, id)?, true),
                        None => (vec![], true),
                    },
                };
            Ok((rows, total, units, categories, (owners, owners_limited)))
        })
        .await?;
    let locale = ctx.locale;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let status = TaskStatus::parse(&r.status).unwrap_or(TaskStatus::Registered);
            let when = timeliness(status, r.deadline, r.completed_on, today);
            json!({
                "row": r,
                "category": named(locale, &r.category_vi, &r.category_en),
                "timeliness": when,
            })
        })
        .collect();
    let years: Vec<(String, String)> = (2020..=today.year() + 1)
        .rev()
        .map(|y| (y.to_string(), y.to_string()))
        .collect();
    let base = [
        ("q", q.q.clone()),
        ("unit", q.unit.clone()),
        ("category", q.category.clone()),
        ("owner", q.owner.clone()),
        ("status", q.status.clone()),
        ("year", q.year.clone()),
        ("overdue", q.overdue.clone()),
        ("sort", q.sort.clone()),
    ];
    let can_create = user.can_anywhere(Permission::ManageTasks);
    ctx.render(
        "tasks/index",
        json!({
            "title": i18n::t(locale, if mine { "tasks-mine-title" } else { "tasks-title" }),
            "action": if mine { "/tasks/mine" } else { "/tasks" },
            "mine": mine,
            "can_create": can_create,
            "q": {"q": q.q, "overdue": q.overdue == "1"},
            "units": super::unit_options(&units, &q.unit),
            "categories": options(categories.iter().map(|c| (c.id.to_string(), named(locale, &c.name_vi, &c.name_en))), &q.category),
            "owners": options(owners.into_iter().map(|(id, _, name)| (id.to_string(), name)), &q.owner),
            "owners_limited": owners_limited,
            "statuses": options(TaskStatus::ALL.iter().map(|s| (s.as_str().to_string(), i18n::t(locale, &format!("task-status-{}", s.as_str())))), &q.status),
            "years": options(years, &q.year),
            "sorts": options(["deadline", "title", "newest"].map(|s| (s.to_string(), i18n::t(locale, &format!("tasks-sort-{s}")))), &q.sort),
            "rows": rows,
            "pagination": page.view(total, &base),
        }),
    )
}

/// The form's raw values, kept as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct TaskForm {
    pub unit_id: String,
    pub category_id: String,
    pub title: String,
    pub description: String,
    pub project_start_year: String,
    pub campaign_year: String,
    pub deadline: String,
    pub owner_id: String,
    pub area_total_m2: String,
    pub area_cleared_m2: String,
    pub co_owners: Vec<String>,
    pub team: Vec<String>,
    pub consented: Vec<String>,
    pub version: String,
    /// The people pickers' find field and its button (`people`): never
    /// saved, never compared.
    #[serde(skip_serializing)]
    pub find: String,
    #[serde(skip_serializing)]
    pub finding: String,
}

impl TaskForm {
    fn from_fields(f: &TaskFields, version: i32) -> TaskForm {
        let opt = |v: Option<String>| v.unwrap_or_default();
        TaskForm {
            unit_id: f.unit_id.to_string(),
            category_id: f.category_id.to_string(),
            title: f.title.clone(),
            description: f.description.clone(),
            project_start_year: opt(f.project_start_year.map(|y| y.to_string())),
            campaign_year: f.campaign_year.to_string(),
            deadline: opt(f.deadline.map(format::date)),
            owner_id: f.owner_id.to_string(),
            area_total_m2: opt(f.area_total_m2.map(numbers::input)),
            area_cleared_m2: opt(f.area_cleared_m2.map(numbers::input)),
            co_owners: f.co_owners.iter().map(ToString::to_string).collect(),
            team: f.team.iter().map(ToString::to_string).collect(),
            consented: app::households::codes(&f.consented_stages),
            version: version.to_string(),
            ..Default::default()
        }
    }
}

impl super::EditForm for TaskForm {
    type Now = Conflict;
    const LABELS: &'static str = "task-field-";

    fn saved_now(now: &Conflict) -> TaskForm {
        TaskForm::from_fields(&now.current_fields, now.current.version)
    }

    fn version(&mut self) -> &mut String {
        &mut self.version
    }

    /// The conflict page says when the task was saved last, too.
    fn conflict(&mut self, theirs: &TaskForm, now: &Conflict) -> Value {
        let mut info = super::conflict_view(self, theirs, Self::LABELS);
        info["updated_at"] = json!(now.current.updated_at);
        info
    }
}

impl TaskForm {
    /// The typed task; numbers, dates and ids written wrong are kept as
    /// unread.
    pub(super) fn input(&self) -> TaskInput {
        let mut unread = FieldErrors::default();
        let mut id = |field: &str, raw: &str| unread.typed_id(field, raw);
        let (unit_id, category_id) = (
            id("unit_id", &self.unit_id),
            id("category_id", &self.category_id),
        );
        let owner_id = id("owner_id", &self.owner_id);
        TaskInput {
            unit_id,
            category_id,
            owner_id,
            title: self.title.clone(),
            description: self.description.clone(),
            project_start_year: unread.number("project_start_year", &self.project_start_year),
            campaign_year: unread.number("campaign_year", &self.campaign_year),
            deadline: unread.date("deadline", &self.deadline),
            area_total_m2: unread.area("area_total_m2", &self.area_total_m2),
            area_cleared_m2: unread.area("area_cleared_m2", &self.area_cleared_m2),
            co_owners: unread.ids("co_owners", &self.co_owners),
            team: unread.ids("team", &self.team),
            consented: self.consented.clone(),
            unread,
        }
    }
}

/// The form with its choices: units where the user registers tasks,
/// categories, and people: by default those of the chosen unit who reach
/// it, or those found by name (`people`), with those chosen always listed.
async fn render_form(
    ctx: &Ctx,
    task_id: Option<i64>,
    form: &TaskForm,
    again: Option<super::Again>,
) -> AppResult<HttpResponse> {
    let (mut status, errors, conflict) = super::shown(again);
    // An edit that someone else's save overtook is a conflict (409).
    if conflict.is_some() {
        status = StatusCode::CONFLICT;
    }
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let view_scope = user.scope(Permission::View);
    let chosen_unit: Option<i64> = form.unit_id.trim().parse().ok();
    let chosen_people = people::ids(
        std::iter::once(&form.owner_id)
            .chain(&form.co_owners)
            .chain(&form.team),
    );
    let find = form.find.clone();
    let (mut units, categories, offered, chosen) = ctx
        .db(move |conn| {
            let chosen = db::units::find_chosen(conn, chosen_unit)?;
            // Anyone the reader sees may be found; the unit's people (who
            // reach it, as an owner must) are listed first.
            let pool = Pool::within(&view_scope);
            let default = match &chosen {
                Some(u) => pool.clone().holding(Held::Reaching(u.path.clone()), &[]),
                None => pool.clone(),
            };
            let offered = people::offer(conn, &pool, &default, &find, &chosen_people)?;
            Ok((
                db::units::tree(conn, &scope, false)?,
                db::tasks::categories(conn)?,
                offered,
                chosen,
            ))
        })
        .await?;
    // An owner outside the committee keeps the task's unit, which their own
    // list would not offer.
    if let Some(u) = chosen.filter(|u| user.can(Permission::View, &u.path)) {
        if !units.iter().any(|x| x.id == u.id) {
            units.insert(0, u);
        }
    }
    let locale = ctx.locale;
    let title_key = if task_id.is_some() {
        "tasks-edit-title"
    } else {
        "tasks-new-title"
    };
    ctx.render_status(
        status,
        "tasks/form",
        json!({
            "title": i18n::t(locale, title_key),
            "task_id": task_id,
            "action": task_id.map_or("/tasks".to_string(), |id| format!("/tasks/{id}")),
            "f": super::form_view(form, &errors),
            "has_errors": !errors.is_empty(),
            "version": form.version,
            "units": super::unit_options(&units, &form.unit_id),
            "categories": options(categories.iter().map(|c| (c.id.to_string(), named(locale, &c.name_vi, &c.name_en))), &form.category_id),
            "owners": offered.options(std::slice::from_ref(&form.owner_id)),
            "co_owner_options": offered.options(&form.co_owners),
            "consented_options": ConsentStage::ALL.iter().map(|st| json!({
                "value": st.as_str(),
                "label": i18n::t(locale, &format!("stage-{}", st.as_str())),
                "checked": form.consented.iter().any(|c| c == st.as_str()),
            })).collect::<Vec<_>>(),
            "team_options": offered.options(&form.team),
            "people": offered.view(),
            "conflict": conflict,
        }),
    )
}

/// A new task may start from a unit and a title, as when a problem raised
/// by a mobile support team is taken up as a task.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Prefill {
    unit_id: String,
    title: String,
}

async fn new(ctx: Ctx, pre: web::Query<Prefill>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageTasks)?;
    let pre = pre.into_inner();
    let form = TaskForm {
        unit_id: pre.unit_id.trim().chars().take(20).collect(),
        title: pre.title.trim().chars().take(300).collect(),
        campaign_year: format::today().year().to_string(),
        owner_id: user.id.to_string(),
        consented: ConsentedSet::default()
            .stages()
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        ..Default::default()
    };
    render_form(&ctx, None, &form, None).await
}

async fn create(ctx: Ctx, form: super::HtmlForm<TaskForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    if people::finding(&form.finding) {
        ctx.user()?.require_anywhere(Permission::ManageTasks)?;
        return render_form(&ctx, None, &form, None).await;
    }
    let input = form.input();
    let saved = super::call(&ctx, move |c, who| app::tasks::register(c, who, &input)).await?;
    let to = |t: &Task| format!("/tasks/{}", t.id);
    match super::after_form(&ctx, saved, to, |_| Value::Null)? {
        Ok(done) => Ok(done),
        Err(again) => render_form(&ctx, None, &form, Some(again)).await,
    }
}

/// The task if the user may see it (404 otherwise is not used: a task outside
/// the scope is 403, the same as any unit outside it).
pub(crate) async fn load(ctx: &Ctx, id: i64) -> AppResult<Access> {
    let user = ctx.user()?.clone();
    ctx.db(move |conn| access(conn, &user, id)).await
}

/// The task if the user may edit it; 403 otherwise.
pub(super) async fn load_editable(ctx: &Ctx, id: i64) -> AppResult<Access> {
    super::allowed(load(ctx, id).await?, |a| a.can_edit)
}

async fn edit(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let access = load_editable(&ctx, *id).await?;
    let version = access.task.version;
    let task = access.task;
    let fields = ctx
        .db(move |conn| Ok(db::tasks::fields_of(conn, &task)?))
        .await?;
    let form = TaskForm::from_fields(&fields, version);
    render_form(&ctx, Some(*id), &form, None).await
}

/// Saves an edit made from `version`. If someone saved in between, nothing is
/// written: the form comes back with the typed values, the current version
/// beside them, and the new version number to save over it knowingly.
async fn update(
    ctx: Ctx,
    id: web::Path<i64>,
    form: super::HtmlForm<TaskForm>,
) -> AppResult<HttpResponse> {
    let (tid, mut form) = (*id, form.0);
    if people::finding(&form.finding) {
        load_editable(&ctx, tid).await?;
        return render_form(&ctx, Some(tid), &form, None).await;
    }
    let (input, to) = (form.input(), format!("/tasks/{tid}"));
    let edited = super::save_edit(&ctx, &mut form, &to, move |c, who, version| {
        app::tasks::update(c, who, tid, version, &input)
    });
    match edited.await? {
        Ok(done) => Ok(done),
        Err(again) => render_form(&ctx, Some(tid), &form, Some(again)).await,
    }
}
