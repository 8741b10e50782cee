//! The integration tests: one binary, one module per area, sharing the
//! harness in `common` (the real server on port 0 against a fresh database per
//! test, and `common::Browser` for a logged-in visitor).
//!
//! One binary is compiled and linked once instead of once per area, and the
//! tests of every area run in parallel in one process. Nothing here may lean
//! on the process being its own: configuration goes to the app through
//! `common::config_for`, never through the environment, and every test gets
//! its own database and port. The one exception is `tests/crash.rs`, its own
//! binary because on PostgreSQL it restarts the database server, which would
//! break the tests running beside it.
//!
//! `cargo test --test it households::` runs one area; a test keeps its name,
//! with the area in front (`households::a_dialogue_with_several_households_adds_a_visit_to_each`).

mod common;

mod admin;
mod api;
mod auth;
mod campaigns;
mod cli;
mod dashboard;
mod deploy;
mod desk;
mod documents;
mod foreign_ids;
mod form_numbers;
mod generate;
mod home;
mod household_io;
mod households;
mod import_files;
mod instances;
mod mail;
mod maps;
mod metrics;
mod migrations;
mod money;
mod notifications;
mod operations;
mod personal;
mod recommendations;
mod reviews;
mod tasks;
mod teams;
