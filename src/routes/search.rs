//! Search across tasks and households, ignoring Vietnamese diacritics and case.

use actix_web::web::get;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::domain::search::Found;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", get().to(search));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Query {
    q: String,
}

/// At most this many of each kind; the task and household lists page further.
const LIMIT: i64 = 50;

async fn search(ctx: Ctx, q: web::Query<Query>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::View);
    // A phone number finds a household only where the reader sees phones in
    // full (the tasks they work on, the units where they manage tasks), not
    // wherever they may read.
    let manages = user.scope(Permission::ManageTasks);
    let uid = user.id;
    let text = q.q.trim().to_string();
    let ((tasks, more_tasks), (households, more)) = if text.chars().count() < 2 {
        ((vec![], false), (vec![], false))
    } else {
        let query = text.clone();
        let state = ctx.state.clone();
        let known = user.versions;
        ctx.db(move |conn| {
            // What matches changes only with titles, names and places, so
            // the matches are kept at the listing version; the rows are read
            // afresh, since a household's stage moves with every visit.
            let version = db::audit::versions(conn, known)?.listing;
            let phones = match crate::domain::search::as_phone(&query) {
                Some(_) => db::households::PhoneReach {
                    tasks: db::tasks::worked_on(conn, uid)?,
                    manages: manages.clone(),
                },
                None => db::households::PhoneReach::default(),
            };
            // What a phone finds depends on who asks.
            let key = match crate::domain::search::as_phone(&query) {
                Some(_) => format!("{query}|{}|user {uid}", scope.join("|")),
                None => format!("{query}|{}", scope.join("|")),
            };
            let found = state.found.get_or_compute(key, version, || {
                Ok::<_, diesel::result::Error>(Found {
                    tasks: db::tasks::search(conn, &scope, &query, LIMIT)?,
                    households: db::households::search(conn, &scope, &phones, &query, LIMIT)?,
                })
            })?;
            Ok((
                (db::tasks::found_rows(conn, &found.tasks.0)?, found.tasks.1),
                (
                    db::households::found_rows(conn, &found.households.0)?,
                    found.households.1,
                ),
            ))
        })
        .await?
    };
    let all_tasks = format!(
        "/tasks?{}",
        serde_urlencoded::to_string([("q", &text)]).unwrap_or_default()
    );
    ctx.render(
        "search/index",
        json!({
            "title": i18n::t(ctx.locale, "search-title"),
            "q": text,
            "searched": text.chars().count() >= 2,
            "shown_tasks": tasks.len(),
            "tasks": tasks,
            "more_tasks": more_tasks,
            "all_tasks": all_tasks,
            "shown": households.len(),
            "households": households,
            "more_households": more,
        }),
    )
}
