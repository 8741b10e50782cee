//! Building and running the server. Tests use `Application::build` with port 0
//! to run the real thing against a fresh database.

use std::net::TcpListener;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{time, Key, SameSite};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder, TracingLogger};

use crate::config::Config;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Views;

pub struct Application {
    port: u16,
    server: Server,
    pool: db::Pool,
    state: web::Data<AppState>,
    checkpointer: Option<db::Checkpointer>,
}

/// Request spans carry the request id (from tracing-actix-web) and the user id
/// once the session is read.
struct Spans;

impl RootSpanBuilder for Spans {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        tracing_actix_web::root_span!(request, user_id = tracing::field::Empty)
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(res) => res.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        span.in_scope(|| tracing::info!(status, "request finished"));
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

impl Application {
    /// Connects, migrates and binds; the server starts with `run_until_stopped`.
    pub fn build(config: Config) -> anyhow::Result<Application> {
        let pool = db::build_pool(
            &config.database,
            config.db_pool_size,
            config.db_timeout_seconds,
        )?;
        {
            let mut conn = pool.get().context("cannot get a database connection")?;
            // Instances starting together migrate one after the other.
            let applied = db::serialized(&mut conn, &config.database, db::run_migrations)?;
            for m in applied {
                tracing::info!(migration = %m, "applied migration");
            }
            let week_ago = db::now() - chrono::Duration::days(7);
            db::login_attempts::prune(&mut conn, week_ago)?;
        }
        let checkpointer = db::Checkpointer::start(&config.database)?;
        let key = session_key(&config)?;
        let listener = TcpListener::bind(config.bind_addr)
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            backend: config.database.backend(),
            views: Views::new()?,
            mailer: crate::mail::Mailer::new(&config.mail)?,
            links: crate::auth::links::LinkKey::derive(key.master()),
            pool: pool.clone(),
            figures: crate::cache::Versioned::new(1_000),
            round_results: crate::cache::Versioned::new(50),
            ranked: crate::cache::Versioned::new(16),
            results_html: crate::cache::Versioned::new(64),
            maps: crate::cache::Versioned::new(32),
            task_counts: crate::cache::Versioned::new(1_000),
            task_pages: crate::cache::Versioned::new(500),
            unit_trees: crate::cache::Versioned::new(1_000),
            categories: crate::cache::Versioned::new(1),
            owner_choices: crate::cache::Versioned::new(1_000),
            found: crate::cache::Versioned::new(1_000),
            metrics: crate::metrics::Metrics::default(),
            api_limiter: crate::auth::rate::limiter(config.api_rate_per_minute),
            question_limiter: crate::auth::rate::per_address(
                3,
                std::time::Duration::from_secs(600),
            ),
            imports: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            config,
        });
        let workers = match state.config.workers {
            0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            n => n,
        };
        let blocking_threads = (state.config.db_pool_size as usize)
            .div_ceil(workers)
            .max(2);
        let shared = state.clone();
        let server = HttpServer::new(move || {
            let cfg = &state.config;
            let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                .cookie_name("dvk_session".into())
                .cookie_secure(cfg.cookie_secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    PersistentSession::default()
                        .session_ttl(time::Duration::hours(cfg.session_hours)),
                )
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::FormConfig::default()
                        .limit(256 * 1024)
                        .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
                )
                // A word where an id belongs (`/tasks/abc`) names nothing: the
                // app's own 404 page, not the framework's plain text.
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
                )
                .wrap(from_fn(crate::auth::csrf::guard))
                .wrap(from_fn(crate::routes::refuse_nul))
                .wrap(ErrorHandlers::new().default_handler(crate::routes::error_page))
                .wrap(sessions)
                .wrap({
                    let headers = DefaultHeaders::new()
                        .add(("Content-Security-Policy", crate::routes::CSP))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add((
                            "Permissions-Policy",
                            "camera=(self), microphone=(), geolocation=(self)",
                        ));
                    // Secure cookies mean the site is served over HTTPS: tell
                    // browsers never to reach it otherwise (a year).
                    if cfg.cookie_secure {
                        headers.add(("Strict-Transport-Security", "max-age=31536000"))
                    } else {
                        headers
                    }
                })
                .wrap(Compress::default())
                .wrap(from_fn(crate::routes::metrics::track))
                .wrap(TracingLogger::<Spans>::new())
                .configure(crate::routes::configure)
        })
        .workers(workers)
        // Nearly all blocking work holds a database connection, so the
        // workers together need no more threads than the pool has
        // connections: more only wake up to wait for one (measured: POST p99
        // 41 → 30 ms on PostgreSQL), and each keeps its own allocator cache.
        .worker_max_blocking_threads(blocking_threads)
        .shutdown_timeout(15)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            pool,
            state: shared,
            checkpointer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &db::Pool {
        &self.pool
    }

    /// Runs until SIGINT/SIGTERM, then finishes the requests in flight. The
    /// background jobs (outbox, daily run) run beside the server; a message
    /// being sent when they stop is taken up again after its lease.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let jobs = crate::jobs::start(self.state);
        let out = self.server.await;
        jobs.abort();
        drop(self.checkpointer);
        out
    }
}

/// The configured key, or one generated once and kept in `DATA_DIR/session.key`
/// so that sessions survive restarts of a single instance.
fn session_key(config: &Config) -> anyhow::Result<Key> {
    if let Some(bytes) = &config.session_key {
        return Key::try_from(bytes.as_slice()).context("SESSION_KEY is not a usable key");
    }
    let path = config.data_dir.join("session.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(bytes) = hex::decode(text.trim()) {
            if let Ok(key) = Key::try_from(bytes.as_slice()) {
                return Ok(key);
            }
        }
        anyhow::bail!(
            "{} is not a valid session key; delete it to generate a new one",
            path.display()
        );
    }
    let key = Key::generate();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    write_private(&path, &hex::encode(key.master()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a session key");
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
