//! Search across tasks and households, ignoring Vietnamese diacritics and case.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::context::Ctx;
use crate::db;
use crate::domain::access::Permission;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(search));
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
    let text = q.q.trim().to_string();
    let ((tasks, more_tasks), (households, more)) = if text.chars().count() < 2 {
        ((vec![], false), (vec![], false))
    } else {
        let query = text.clone();
        ctx.db(move |conn| {
            Ok((
                db::tasks::search(conn, &scope, &query, LIMIT)?,
                db::households::search(conn, &scope, &query, LIMIT)?,
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
