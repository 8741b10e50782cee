//! The application layer: one function per use case (register a household,
//! log a visit, …), called alike by the pages (`routes`) and the JSON API
//! (`routes::api`). Each takes typed input, the reader and the version the
//! edit was made from, and does, in this order: access → input → version →
//! audited write. It answers the result or a [`Rejected`], which each edge
//! turns into its own answer (a page: 403, 404, the form again with its
//! errors, a conflict page; the API: 403, 404, 422, 428, 412, 409).
//!
//! Use cases run on a pooled connection (inside `Ctx::db` or `Api::db`).

pub mod accounts;
pub mod admin;
pub mod campaigns;
pub mod chosen;
pub mod desk;
pub mod documents;
pub mod household_import;
pub mod households;
pub mod money;
pub mod parcels;
pub mod recommendations;
pub mod reviews;
pub mod tasks;
pub mod teams;

use chrono::NaiveDate;

pub use crate::context::Caller;
use crate::db::{audit, DbConnection};
use crate::domain::validate::FieldErrors;
use crate::error::AppError;

/// Why a use case did not do what was asked. `C` is what a stale edit
/// answers with: the record as it is now.
#[derive(Debug)]
pub enum Rejected<C = ()> {
    /// The reader may not do this here.
    Forbidden,
    NotFound,
    /// The input, field by field.
    Invalid(FieldErrors),
    /// Someone saved since the version the edit was made from.
    Stale(Box<C>),
    /// An edit that does not say which version it was made from.
    VersionRequired,
    /// Not in the state the record is in; the message key says why.
    NotAllowed(&'static str),
    /// The database or another part failed: a 500 on either edge.
    Failed(AppError),
}

impl<C> From<diesel::result::Error> for Rejected<C> {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Rejected::NotFound,
            e => Rejected::Failed(e.into()),
        }
    }
}

impl<C> From<AppError> for Rejected<C> {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden => Rejected::Forbidden,
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                Rejected::NotFound
            }
            e => Rejected::Failed(e),
        }
    }
}

impl<C> From<FieldErrors> for Rejected<C> {
    fn from(e: FieldErrors) -> Self {
        Rejected::Invalid(e)
    }
}

impl<C> Rejected<C> {
    /// A refusal of one field's value: `key` is the message shown by it.
    pub fn refused(field: &str, key: &str) -> Rejected<C> {
        let mut e = FieldErrors::default();
        e.add(field, key);
        Rejected::Invalid(e)
    }

    /// What a page answers when it has no form to show again: the field
    /// errors and a stale edit are the form's, handled before this.
    pub fn into_app_error(self) -> AppError {
        match self {
            Rejected::Forbidden => AppError::Forbidden,
            Rejected::NotFound => AppError::NotFound,
            Rejected::Invalid(_) => AppError::BadRequest("invalid input".into()),
            Rejected::Stale(_) => AppError::BadRequest("changed meanwhile".into()),
            Rejected::VersionRequired => AppError::BadRequest("version missing".into()),
            Rejected::NotAllowed(key) => AppError::BadRequest(key.into()),
            Rejected::Failed(e) => e,
        }
    }
}

/// A record edited at a version: what a stale edit answers with.
pub trait Versioned {
    fn version(&self) -> i32;
}

/// A use case that edits nothing at a version never answers `Stale`.
impl Versioned for () {
    fn version(&self) -> i32 {
        0
    }
}

impl Versioned for crate::db::households::Household {
    fn version(&self) -> i32 {
        self.version
    }
}

/// A required date, within the dates a form takes.
fn required_date(e: &mut FieldErrors, field: &str, d: Option<NaiveDate>) -> Option<NaiveDate> {
    if d.is_none() {
        e.add(field, "error-required");
    }
    e.date_value(field, d)
}

/// Two required dates (`period_from`, `period_to`), the second not before
/// the first.
fn period(
    e: &mut FieldErrors,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let from = required_date(e, "period_from", from);
    let to = required_date(e, "period_to", to);
    match (from, to) {
        (Some(a), Some(b)) if b < a => {
            e.add("period_to", "error-period-order");
            None
        }
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    }
}

/// The version an edit says it was made from, as the request carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Given(i32),
    /// No version at all: 428 on the API, 400 on a page.
    Missing,
    /// Something that cannot be one of ours: treated as stale.
    Unreadable,
}

impl Version {
    /// The version to write over; without one, the edit is refused, and one
    /// that cannot be ours is stale: `now` reads the record as it is.
    pub fn given<C>(
        self,
        now: impl FnOnce() -> Result<C, Rejected<C>>,
    ) -> Result<i32, Rejected<C>> {
        match self {
            Version::Given(v) => Ok(v),
            Version::Missing => Err(Rejected::VersionRequired),
            Version::Unreadable => Err(Rejected::Stale(Box::new(now()?))),
        }
    }

    /// A form's hidden `version` field.
    pub fn of_form(raw: &str) -> Version {
        match raw.trim() {
            "" => Version::Missing,
            s => s.parse().map_or(Version::Unreadable, Version::Given),
        }
    }
}

/// `Forbidden` unless `may`: what the reader's access to the record says
/// they may do.
fn forbidden_unless<C>(may: bool) -> Result<(), Rejected<C>> {
    if may {
        Ok(())
    } else {
        Err(Rejected::Forbidden)
    }
}

/// Runs `write` in one transaction with the audit log's record of the
/// change it made.
fn audited<T, C>(
    conn: &mut DbConnection,
    who: &Caller,
    write: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<(T, audit::Change)>,
) -> Result<T, Rejected<C>> {
    Ok(audit::write(conn, &who.actor, |c| Ok(write(c)?))?)
}

/// Writes a change that holds only at the version read (`write` answers
/// `None` when someone saved first), then reads the record as it now is:
/// what was saved, or what the stale edit answers with.
fn write_at<T>(
    conn: &mut DbConnection,
    who: &Caller,
    write: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<Option<audit::Change>>,
    now: impl FnOnce(&mut DbConnection) -> Result<T, Rejected<T>>,
) -> Result<T, Rejected<T>> {
    let saved = write_if_changed(conn, who, write)?;
    saved_or_stale(saved, now(conn)?)
}

/// Edits a record from the version the edit was made from: `write` saves
/// at that version (`None` when someone saved first), `now` reads the record
/// as it now is, which answers a saved edit, a stale one, and one whose
/// version cannot be ours.
fn edit_at<T>(
    conn: &mut DbConnection,
    who: &Caller,
    version: Version,
    write: impl FnOnce(&mut DbConnection, i32) -> diesel::QueryResult<Option<audit::Change>>,
    now: impl Fn(&mut DbConnection) -> Result<T, Rejected<T>>,
) -> Result<T, Rejected<T>> {
    let version = version.given(|| now(conn))?;
    write_at(conn, who, |c| write(c, version), now)
}

/// Runs `write` in an audited transaction, recording its change if it made
/// one (`None`: the version or the state it needs was gone); answers whether
/// it did.
fn write_if_changed(
    conn: &mut DbConnection,
    who: &Caller,
    write: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<Option<audit::Change>>,
) -> Result<bool, AppError> {
    audit::write_if(conn, &who.actor, |c| {
        let change = write(c)?;
        Ok((change.is_some(), change))
    })
}

/// The record as it is after a versioned write: itself when the write was
/// saved, `Stale` with it when someone saved first.
fn saved_or_stale<T>(saved: bool, now: T) -> Result<T, Rejected<T>> {
    if saved {
        Ok(now)
    } else {
        Err(Rejected::Stale(Box::new(now)))
    }
}

/// Removes the stored files of `shas` that no attachment names: what a write
/// stored before a transaction that then failed. A file that cannot be
/// removed is only logged.
pub fn forget_unnamed(
    conn: &mut crate::db::DbConnection,
    files: &std::path::Path,
    shas: &[String],
) {
    use crate::db::schema::attachments;
    use diesel::prelude::*;
    for sha in shas {
        let named: Result<i64, _> = attachments::table
            .filter(attachments::sha256.eq(sha))
            .count()
            .get_result(conn);
        if named == Ok(0) {
            if let Err(e) = crate::attachments::remove(files, sha) {
                tracing::warn!(error = %e, "a file stored for a failed write could not be removed");
            }
        }
    }
}
