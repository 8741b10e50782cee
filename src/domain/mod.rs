//! Rules with no I/O, each written once and called by routes and jobs alike.

pub mod access;
pub mod format;
pub mod units;
pub mod validate;
