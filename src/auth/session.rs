//! What the signed and encrypted session cookie holds, and nothing else reads
//! or writes those keys.

use actix_session::Session;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

const USER: &str = "uid";
const SID: &str = "sid";
const EPOCH: &str = "epoch";
const AUTH_AT: &str = "auth_at";
const LANG: &str = "lang";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::Session(e.to_string())
}

/// The logged-in user as the cookie remembers them. A session is one login:
/// its random id (`sid`) is what logging out ends, on every instance
/// (`db::sessions`); the epoch is what a password change, a reset or a
/// deactivation ends, for all the user's sessions at once.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: i64,
    pub sid: String,
    pub epoch: i32,
    pub auth_at: NaiveDateTime,
}

pub fn user(session: &Session) -> Option<SessionUser> {
    Some(SessionUser {
        user_id: session.get::<i64>(USER).ok()??,
        // A cookie from before sessions had ids cannot be ended: not a session.
        sid: session.get::<String>(SID).ok()??,
        epoch: session.get::<i32>(EPOCH).ok()??,
        auth_at: session.get::<NaiveDateTime>(AUTH_AT).ok()??,
    })
}

/// The id of the session's login, if logged in.
pub fn sid(session: &Session) -> Option<String> {
    session.get::<String>(SID).ok().flatten()
}

/// Starts a fresh session for the user (a new cookie, so a session fixed before
/// login is worth nothing), keeping the chosen language.
pub fn log_in(session: &Session, user_id: i64, epoch: i32, lang: &str) -> Result<(), AppError> {
    session.renew();
    session.clear();
    session.insert(USER, user_id).map_err(err)?;
    session
        .insert(SID, crate::token::new_token())
        .map_err(err)?;
    session.insert(EPOCH, epoch).map_err(err)?;
    session.insert(AUTH_AT, crate::clock::now()).map_err(err)?;
    session.insert(LANG, lang).map_err(err)?;
    Ok(())
}

pub fn set_epoch(session: &Session, epoch: i32) -> Result<(), AppError> {
    session.insert(EPOCH, epoch).map_err(err)
}

pub fn log_out(session: &Session) {
    session.purge();
}

pub fn lang(session: &Session) -> Option<String> {
    session.get::<String>(LANG).ok().flatten()
}

pub fn set_lang(session: &Session, lang: &str) -> Result<(), AppError> {
    session.insert(LANG, lang).map_err(err)
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(CSRF).ok().flatten() {
        return Ok(t);
    }
    let token = crate::token::new_token();
    session.insert(CSRF, &token).map_err(err)?;
    Ok(token)
}

pub fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF).ok().flatten()
}

/// A message shown once on the next page: a kind (`success`, `error`, `info`)
/// and a translation key, or a text already translated with its figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub key: String,
    #[serde(default)]
    pub text: Option<String>,
}

pub fn flash(session: &Session, kind: &str, key: &str) {
    push(session, kind, key, None);
}

/// A flash whose message carries figures (`Đã nhập 7 hộ…`), translated by
/// the caller in the reader's language.
pub fn flash_text(session: &Session, kind: &str, text: &str) {
    push(session, kind, "", Some(text.to_string()));
}

/// Notices kept at once, and the length of one: the session lives in a
/// cookie (4 KB at most, or the browser drops it and the answer fails).
const FLASHES_KEPT: usize = 4;
const FLASH_CHARS: usize = 400;

/// A notice's text cut to `FLASH_CHARS` characters.
fn bounded(text: String) -> String {
    if text.chars().count() <= FLASH_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(FLASH_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn push(session: &Session, kind: &str, key: &str, text: Option<String>) {
    let mut all: Vec<Flash> = session.get(FLASH).ok().flatten().unwrap_or_default();
    all.push(Flash {
        kind: kind.into(),
        key: key.into(),
        text: text.map(bounded),
    });
    let extra = all.len().saturating_sub(FLASHES_KEPT);
    all.drain(..extra);
    // A flash that cannot be stored is only a lost notice, never a failed request.
    let _ = session.insert(FLASH, all);
}

pub fn take_flashes(session: &Session) -> Vec<Flash> {
    session
        .remove_as::<Vec<Flash>>(FLASH)
        .and_then(Result::ok)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_notice_is_cut_to_fit_the_cookie() {
        assert_eq!(bounded("Đã lưu.".into()), "Đã lưu.");
        let long = bounded("ệ".repeat(5000));
        assert_eq!(long.chars().count(), FLASH_CHARS);
        assert!(long.ends_with('…'));
    }
}
