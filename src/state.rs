//! Everything a handler needs, built once at start-up: no global state.

use crate::config::Config;
use crate::db::{Backend, Pool};
use crate::mail::Mailer;
use crate::views::Views;

pub struct AppState {
    pub config: Config,
    pub pool: Pool,
    pub backend: Backend,
    pub views: Views,
    pub mailer: Mailer,
    /// Signs links that open without an account (feedback, calendar feeds).
    pub links: crate::auth::links::LinkKey,
    /// Dashboard figures per scope and day.
    pub figures: crate::cache::Versioned<crate::db::dashboard::Figures>,
    /// A review round's computed results per round version.
    pub round_results: crate::cache::Versioned<Vec<crate::db::reviews::TaskResult>>,
    /// Those results ranked as a reader sees them, per round and reader.
    pub(crate) ranked: crate::cache::Versioned<crate::routes::reviews::Tables>,
    /// Requests, latency, pool and outbox, for `GET /metrics`.
    pub metrics: crate::metrics::Metrics,
    /// How many tasks a filtered task list holds, per filter and scope.
    pub task_counts: crate::cache::Versioned<i64>,
    /// What a search found (task and household ids, and whether more match),
    /// per query and scope.
    pub(crate) found: crate::cache::Versioned<crate::routes::search::Found>,
    /// Pages of those tables as HTML, per reader, page and language.
    pub results_html: crate::cache::Versioned<String>,
}
