//! `/api/v1`: JSON over the same rules as the pages. Handlers check rights
//! with the same `access` functions and validate with the same form checks
//! as the HTML handlers (a JSON body is turned into the form it corresponds
//! to); what differs is only how a request arrives and an answer leaves.
//! Clients authenticate with a personal token (`Authorization: Bearer dvk_…`),
//! created on the account page; each token is rate limited. Every error is
//! JSON: `{"error": {"code", "message", "fields"}}`.

mod answer;
mod campaigns;
pub mod choices;
mod desk;
pub(crate) mod docs;
mod error;
mod households;
mod money;
mod parcels;
mod recommendations;
mod request;
mod reviews;
mod targets;
mod tasks;
mod teams;
mod units;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use governor::clock::{Clock, DefaultClock};

use crate::app::{Rejected, Versioned};
use crate::context::{Caller, CurrentUser};
use crate::db::{self, audit::Actor, DbConnection};
use crate::domain::validate::FieldErrors;
use crate::error::AppError;
use crate::i18n;
use crate::state::AppState;

pub use answer::{created, etag, grouped, one, page, utc, utc_opt};
pub use error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
pub use request::{body, version, ApiJson, PageQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .service(resource("/openapi.json", "GET").route(web::get().to(docs::openapi)))
            .service(resource("/docs", "GET").route(web::get().to(docs::page)))
            .configure(units::configure)
            .configure(tasks::configure)
            .configure(households::configure)
            .configure(money::configure)
            .configure(parcels::configure)
            .configure(reviews::configure)
            .configure(recommendations::configure)
            .configure(targets::configure)
            .configure(campaigns::configure)
            .configure(desk::configure)
            .configure(teams::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound)
            })),
    );
}

/// A resource whose other methods answer 405 with an `Allow` header.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow))
    }))
}

/// A request made with a valid token: the token's owner as the pages know a
/// logged-in user (roles and all), within the token's rate.
pub struct Api {
    pub state: web::Data<AppState>,
    pub user: CurrentUser,
    pub ip: String,
    /// Where links point (as in pages and mail).
    pub origin: String,
}

impl FromRequest for Api {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Api, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let ip = state
            .as_ref()
            .map(|s| crate::context::client_ip(req, &s.config))
            .unwrap_or_default();
        let origin = state
            .as_ref()
            .map(|s| crate::context::origin(req, &s.config))
            .unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            let secret = secret
                .filter(|s| !s.is_empty())
                .ok_or(ApiError::Unauthorized)?;
            let found = db::run(&state.pool, move |conn| {
                let Some(token) = db::api_tokens::authenticate(conn, &secret)? else {
                    return Ok(None);
                };
                let Some((user, grants)) = db::users::with_grants(conn, token.user_id)? else {
                    return Ok(None);
                };
                Ok(user
                    .active
                    .then(|| (token.id, CurrentUser::new(user, grants))))
            })
            .await?;
            let (token_id, user) = found.ok_or(ApiError::Unauthorized)?;
            if let Err(not_until) = state.api_limiter.check_key(&token_id) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(ApiError::RateLimited {
                    retry_after: wait.as_secs().max(1),
                });
            }
            Ok(Api {
                state,
                user,
                ip,
                origin,
            })
        })
    }
}

impl Api {
    pub async fn db<F, T>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        Ok(db::run(&self.state.pool, f).await?)
    }

    /// Reads as the token's owner: an access check, or records as they may
    /// see them.
    pub async fn read<F, T>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection, &CurrentUser) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let user = self.user.clone();
        self.db(move |c| f(c, &user)).await
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            ip: Some(self.ip.clone()),
        }
    }

    /// The token's owner as a use case's caller.
    pub fn caller(&self) -> Caller {
        Caller {
            user: self.user.clone(),
            actor: self.actor(),
        }
    }

    /// Runs a use case as the token's owner (the reader, and the actor its
    /// audit rows name): its result, or what it refused as the API answers it.
    pub async fn call<F, T, C>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection, &Caller) -> Result<T, Rejected<C>> + Send + 'static,
        T: Send + 'static,
        C: Versioned + Send + 'static,
    {
        let who = self.caller();
        let done = self.db(move |c| Ok(f(c, &who))).await?;
        done.map_err(|r| self.rejected(r))
    }

    /// A 422 with the form checks' field errors, in the owner's language.
    pub fn invalid(&self, errors: FieldErrors) -> ApiError {
        ApiError::Validation(errors, self.user.locale)
    }

    /// What a use case refused, as the API answers it.
    pub fn rejected<C: Versioned>(&self, r: Rejected<C>) -> ApiError {
        match r {
            Rejected::Forbidden => ApiError::Forbidden,
            Rejected::NotFound => ApiError::NotFound,
            Rejected::Invalid(e) => self.invalid(e),
            Rejected::Stale(now) => ApiError::PreconditionFailed {
                current: etag(now.version()),
            },
            Rejected::VersionRequired => ApiError::PreconditionRequired,
            Rejected::NotAllowed(key) => ApiError::Conflict(i18n::t(self.user.locale, key)),
            Rejected::Failed(e) => e.into(),
        }
    }
}
