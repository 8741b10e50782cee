//! The reader's own account: the password, how they are notified, their
//! API tokens.

use std::collections::HashMap;

use super::{audited, write_if_changed, Caller, Rejected};
use crate::auth::password;
use crate::db::{self, DbConnection};
use crate::domain::notify::{Delivery, Kind};
use crate::domain::validate::FieldErrors;
use crate::error::AppError;

/// Creates an API token of the reader's named `name`; answers its secret,
/// shown this once.
pub fn create_token(conn: &mut DbConnection, who: &Caller, name: &str) -> Result<String, Rejected> {
    let mut e = FieldErrors::default();
    let name = e.required("token_name", name, 100);
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let (_, secret) = audited(conn, who, |c| db::api_tokens::create(c, who.id, &name))?;
    Ok(secret)
}

/// Revokes one of the reader's own tokens; another's is not found.
pub fn revoke_token(conn: &mut DbConnection, who: &Caller, token: i64) -> Result<(), Rejected> {
    let revoked = write_if_changed(conn, who, |c| db::api_tokens::revoke(c, who.id, token))?;
    revoked.then_some(()).ok_or(Rejected::NotFound)
}

/// Keeps the language the reader chose on their account, for their mail
/// and their next sign-in.
pub fn set_language(
    conn: &mut DbConnection,
    who: &Caller,
    locale: crate::i18n::Locale,
) -> Result<(), Rejected> {
    audited(conn, who, |c| {
        Ok(((), db::users::set_locale(c, who.id, locale.code())?))
    })
}

/// Saves how the reader wants each kind of notification (`chosen`: kind →
/// delivery); a choice the kind does not allow (switching off a required
/// one) is refused per field.
pub fn set_notifications(
    conn: &mut DbConnection,
    who: &Caller,
    chosen: &HashMap<String, String>,
) -> Result<(), Rejected> {
    let mut errors = FieldErrors::default();
    let mut choices = Vec::new();
    for kind in Kind::ALL {
        match chosen.get(kind.as_str()).and_then(|v| Delivery::parse(v)) {
            Some(d) if kind.choices().contains(&d) => choices.push((*kind, d)),
            Some(_) if kind.required() => errors.add(kind.as_str(), "notify-error-required"),
            _ => errors.add(kind.as_str(), "error-invalid-choice"),
        }
    }
    if !errors.is_empty() {
        return Err(Rejected::Invalid(errors));
    }
    audited(conn, who, |c| {
        Ok(((), db::notifications::set_prefs(c, who.id, &choices)?))
    })
}

/// Changes the reader's password, once the current one is given right;
/// answers the account's new session epoch, which ends every other session.
pub fn change_password(
    conn: &mut DbConnection,
    who: &Caller,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<i32, Rejected> {
    let mut errors = FieldErrors::default();
    errors.new_password("new", new, "confirm", confirm);
    if new == current && errors.get("new").is_none() {
        errors.add("new", "error-password-same");
    }
    let me = db::users::find(conn, who.id)?;
    if !password::verify(current, &me.password_hash) {
        errors.add("current", "error-password-wrong");
    }
    if !errors.is_empty() {
        return Err(Rejected::Invalid(errors));
    }
    let hash = password::hash(new).map_err(|e| AppError::Internal(e.to_string()))?;
    audited(conn, who, |c| {
        Ok(((), db::users::set_password(c, who.id, &hash, false)?))
    })?;
    Ok(db::users::find(conn, who.id)?.session_epoch)
}
