//! Logging in and staying safe: password hashing, the session, CSRF tokens and
//! the user behind a request.

pub mod csrf;
pub mod links;
pub mod password;
pub mod rate;
pub mod session;
