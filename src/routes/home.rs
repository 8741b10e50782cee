//! The start page after login: today's work first, by role — the visits due
//! for a field worker, the overdue tasks for a committee, the rounds to score
//! for a reviewer, the recommendations to answer for a responding body — then
//! who you are and where.

use actix_web::web::get;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::context::{Ctx, CurrentUser};
use crate::db::{self, DbConnection};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::households::visit_overdue;
use crate::domain::review::RoundStatus;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", get().to(index))
        .route("/offline", get().to(offline));
}

/// How many rows of each list the start page shows before its link.
const FIRST: i64 = 5;

async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let user = ctx.user()?.clone();
    let (id, scope) = (user.id, user.scope(Permission::View));
    let (grants, units, work) = ctx
        .db(move |conn| {
            let grants = db::users::grant_rows(conn, id)?;
            let units = db::units::tree(conn, &scope, false)?;
            let work = today(conn, &user)?;
            Ok((grants, units, work))
        })
        .await?;
    let units: Vec<_> = units
        .iter()
        .map(|u| json!({"name": u.name, "kind": u.kind, "depth": crate::domain::units::depth(&u.path)}))
        .collect();
    let mut page = json!({
        "title": i18n::t(ctx.locale, "home-title"),
        "grants": grants,
        "unit_count": units.len(),
        "units": units.into_iter().take(50).collect::<Vec<_>>(),
    });
    if let (Some(page), Value::Object(work)) = (page.as_object_mut(), work) {
        page.extend(work);
    }
    ctx.render("home/index", page)
}

/// What the service worker shows for a page it did not keep while there is
/// no signal: what can still be done, and (by the script) what waits unsent.
async fn offline(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.render(
        "home/offline",
        json!({"title": i18n::t(ctx.locale, "offline-title")}),
    )
}

/// The lists of today's work the reader's roles call for; a list a role
/// does not have is absent, an empty one says so.
fn today(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Value> {
    let day = format::today();
    let mut work = serde_json::Map::new();
    if user.can_anywhere(Permission::LogVisits) {
        let due = db::households::due_for(
            conn,
            user.id,
            day,
            &db::households::DueFilter::default(),
            0,
            FIRST,
        )?;
        let (rows, total) = (due.rows, due.total);
        let rows: Vec<Value> = rows
            .into_iter()
            .map(|r| json!({"overdue": visit_overdue(r.next_visit_on, day), "r": r}))
            .collect();
        work.insert("visits".into(), json!({"rows": rows, "total": total}));
    }
    if user.can_anywhere(Permission::ManageTasks) {
        let filter = db::tasks::Filter {
            scope: user.scope(Permission::View),
            overdue_on: Some(day),
            ..Default::default()
        };
        let total = db::tasks::count(conn, &filter)?;
        let rows = db::tasks::page(conn, &filter, db::tasks::Sort::Deadline, 0, FIRST)?;
        work.insert("overdue".into(), json!({"rows": rows, "total": total}));
    }
    if user.can_anywhere(Permission::WriteReviews) {
        let rounds: Vec<Value> = db::reviews::all(conn)?
            .into_iter()
            .filter(|(r, _, path)| {
                matches!(
                    r.status(),
                    RoundStatus::SelfAssessment | RoundStatus::Scoring
                ) && user.can(Permission::WriteReviews, path)
            })
            .map(|(r, unit, _)| json!({"r": r, "unit": unit}))
            .collect();
        work.insert("rounds".into(), json!({"rows": rounds}));
    }
    // A responding body: those who act for the unit a recommendation is
    // addressed to (as on the recommendation's page).
    let acts = |path: &str| crate::app::recommendations::may_act(user, path);
    if user.can_anywhere(Permission::ManageTasks) || user.can_anywhere(Permission::ManageUnits) {
        let mut open: Vec<_> = db::recommendations::all(conn)?
            .into_iter()
            .filter(|(r, _, to)| r.status == db::recommendations::OPEN && acts(to))
            .map(|(r, _, _)| r)
            .collect();
        if !open.is_empty() {
            open.sort_by_key(|r| (r.due_on, r.id));
            let total = open.len();
            let rows: Vec<Value> = open
                .into_iter()
                .take(FIRST as usize)
                .map(|r| json!({"r": r, "overdue": r.due_on < day}))
                .collect();
            work.insert("answers".into(), json!({"rows": rows, "total": total}));
        }
    }
    Ok(Value::Object(work))
}
