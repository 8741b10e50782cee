//! Everything a handler needs, built once at start-up: no global state.

use crate::config::Config;
use std::sync::Arc;

use diesel::QueryResult;

use crate::db::{Backend, DbConnection, Pool};
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
    pub(crate) ranked: crate::cache::Versioned<crate::domain::review::Tables>,
    /// Requests, latency, pool and outbox, for `GET /metrics`.
    pub metrics: crate::metrics::Metrics,
    /// How many tasks a filtered task list holds, per filter and scope.
    pub task_counts: crate::cache::Versioned<i64>,
    /// The rows of a task list's page, per filter, order and page: what they
    /// show (titles, statuses, deadlines, names of units, categories and
    /// owners) changes only with the listing version.
    pub task_pages: crate::cache::Versioned<Vec<crate::db::tasks::TaskRow>>,
    /// Unit trees per scope, the categories, and the people a task list
    /// offers as owners per scope: the choices of the list's filters.
    pub unit_trees: crate::cache::Versioned<Vec<crate::db::units::Unit>>,
    pub categories: crate::cache::Versioned<Vec<crate::db::tasks::Category>>,
    pub owner_choices: crate::cache::Versioned<Option<Vec<Person>>>,
    /// What a search found (task and household ids, and whether more match),
    /// per query and scope.
    pub(crate) found: crate::cache::Versioned<crate::domain::search::Found>,
    /// A task's map as drawn (the SVG, its legend, the households without a
    /// shape) per task, filter, language and background, while the data is
    /// unchanged: nothing in it depends on who reads it.
    pub maps: crate::cache::Versioned<crate::geo::map::Drawing>,
    /// Pages of those tables as HTML, per reader, page and language.
    pub results_html: crate::cache::Versioned<String>,
    /// Requests per API token, against `API_RATE_PER_MINUTE`.
    pub api_limiter: crate::auth::rate::Limiter,
    /// Citizens' questions about public projects, per address: a few at
    /// once, then one every ten minutes.
    pub question_limiter: crate::auth::rate::AddressLimiter,
    /// One spreadsheet is read at a time, on a thread of its own, so that
    /// uploads never hold the threads that serve pages and the database.
    pub imports: Arc<tokio::sync::Semaphore>,
}

/// A person offered as a choice: id, username, full name.
pub type Person = (i64, String, String);

impl AppState {
    /// The active units of these subtrees in tree order, as of the listing
    /// version `version` (`db::audit::listing_version`).
    pub fn unit_tree(
        &self,
        conn: &mut DbConnection,
        version: i64,
        scope: &[String],
    ) -> QueryResult<Arc<Vec<crate::db::units::Unit>>> {
        self.unit_trees
            .get_or_compute(scope.join("|"), version, || {
                crate::db::units::tree(conn, scope, false)
            })
    }

    /// The task categories, as of the listing version.
    pub fn task_categories(
        &self,
        conn: &mut DbConnection,
        version: i64,
    ) -> QueryResult<Arc<Vec<crate::db::tasks::Category>>> {
        self.categories.get_or_compute(String::new(), version, || {
            crate::db::tasks::categories(conn)
        })
    }

    /// The people of these subtrees, when there are at most `max`
    /// (`db::users::choices_in_scope`), as of the listing version.
    pub fn people_choices(
        &self,
        conn: &mut DbConnection,
        version: i64,
        scope: &[String],
        max: usize,
    ) -> QueryResult<Arc<Option<Vec<Person>>>> {
        self.owner_choices
            .get_or_compute(format!("{max}|{}", scope.join("|")), version, || {
                crate::db::users::choices_in_scope(conn, scope, max)
            })
    }
}
