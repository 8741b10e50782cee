//! `GET /metrics` and the middleware that counts every request
//! (`crate::metrics` holds the registry).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::get;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::db;
use crate::metrics::{RequestLabels, RouteLabels, StatusLabels};
use crate::state::AppState;

/// Counts every request and its time, by the route that answered it.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let route = req.match_pattern();
    let res = next.call(req).await;
    if let Some(state) = state {
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        let labels = RouteLabels {
            method,
            route: route.unwrap_or_else(|| "unmatched".into()),
        };
        let m = &state.metrics;
        m.latency
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        m.requests
            .get_or_create(&RequestLabels {
                method: labels.method,
                route: labels.route,
                status,
            })
            .inc();
    }
    res
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", get().to(scrape));
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn scrape(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(token) = &state.config.metrics_token else {
        return HttpResponse::NotFound().finish();
    };
    let given = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(given.as_bytes(), token.as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .finish();
    }
    let m = &state.metrics;
    let pool = state.pool.state();
    m.pool_connections.set(i64::from(pool.connections));
    m.pool_idle.set(i64::from(pool.idle_connections));
    match db::run(&state.pool, |c| Ok(db::notifications::backlog(c)?)).await {
        Ok(counts) => {
            for status in ["pending", "sending"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                m.outbox
                    .get_or_create(&StatusLabels {
                        status: status.into(),
                    })
                    .set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox backlog not read"),
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &m.registry) {
        tracing::warn!(error = %e, "metrics: encoding failed");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body)
}
