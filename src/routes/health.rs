//! `GET /healthz`: 200 with the backend's name when the database answers, 503 when not.

use actix_web::web::get;
use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", get().to(healthz));
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.backend.name();
    let ok = db::run(&state.pool, |conn| Ok(conn.batch_execute("SELECT 1")?)).await;
    match ok {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok", "database": backend})),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "database": backend}))
        }
    }
}
