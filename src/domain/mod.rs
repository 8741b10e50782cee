//! Rules with no I/O, each written once and called by routes and jobs alike.

/// A fixed list of codes: an enum with `ALL`, `as_str` and `parse`, stored and
/// sent as its snake_case code.
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

pub mod access;
pub mod campaign;
pub mod consent;
pub mod deadline;
pub mod desk;
pub mod format;
pub mod households;
pub mod import;
pub mod legacy;
pub mod money;
pub mod notify;
pub mod numbers;
pub mod progress;
pub mod recommendation;
pub mod review;
pub mod search;
pub mod targets;
pub mod units;
pub mod validate;
pub mod workdays;

/// A date for the rules' tests: `d(2026, 3, 5)`.
#[cfg(test)]
pub(crate) fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
