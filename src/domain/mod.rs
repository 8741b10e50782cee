//! Rules with no I/O, each written once and called by routes and jobs alike.

pub mod access;
pub mod campaign;
pub mod consent;
pub mod deadline;
pub mod desk;
pub mod format;
pub mod households;
pub mod import;
pub mod progress;
pub mod review;
pub mod search;
pub mod units;
pub mod validate;
