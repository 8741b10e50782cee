//! Household lists in and out: import from CSV or XLSX with a preview of every
//! row's errors, then all-or-nothing; export to CSV and XLSX that the import
//! reads back.

use actix_web::web;
use actix_web::web::{get, post};

mod export;
mod import;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/tasks/{id}/households/import",
        get().to(import::upload_form),
    )
    .route("/tasks/{id}/households/import", post().to(import::upload))
    .route(
        "/tasks/{id}/households/import/{import}",
        post().to(import::confirm),
    )
    .route("/tasks/{id}/households.csv", get().to(export::export_csv))
    .route("/tasks/{id}/households.xlsx", get().to(export::export_xlsx))
    .route(
        "/import/households-template.xlsx",
        get().to(export::template),
    );
}
