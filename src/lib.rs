//! Dân vận khéo: the platform on which local government runs its skilled mass
//! mobilization work. See README.md for what it does and how to run it.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod error;
pub mod generate;
pub mod geo;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod photos;
pub mod routes;
pub mod setup;
pub mod sheet;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod token;
pub mod views;
