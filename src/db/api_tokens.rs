//! Personal API tokens: created and revoked by their owner, kept as a SHA-256
//! of the secret, which is shown once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::Change;
use super::schema::api_tokens;
use super::DbConnection;

/// What a secret starts with, so that one pasted into the wrong place is
/// recognisable (and secret scanners can find it).
pub const SECRET_PREFIX: &str = "dvk_";
/// A token's last use is written at most this often (a write per request
/// would make every API read a write).
const TOUCH_EVERY_SECONDS: i64 = 60;

#[derive(Queryable, Selectable, Debug, Clone, serde::Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token for `user_id`; returns it and its secret, which is not
/// kept anywhere.
pub fn create(
    conn: &mut DbConnection,
    user_id: i64,
    name: &str,
) -> QueryResult<((ApiToken, String), Change)> {
    let secret = format!("{SECRET_PREFIX}{}", crate::token::new_token());
    let prefix: String = secret.chars().take(SECRET_PREFIX.len() + 8).collect();
    let id: i64 = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::prefix.eq(&prefix),
            api_tokens::secret_hash.eq(hash(&secret)),
            api_tokens::created_at.eq(super::now()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    let token = api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(conn)?;
    let change = Change::new(
        "create",
        "api_token",
        id,
        json!({"name": name, "prefix": prefix, "user_id": user_id}),
    );
    Ok(((token, secret), change))
}

/// The user's tokens, those in use first, newest first.
pub fn list(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order((api_tokens::revoked_at.is_not_null(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes one of the user's own tokens; `None` if it is not theirs or was
/// already revoked.
pub fn revoke(conn: &mut DbConnection, user_id: i64, id: i64) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?;
    Ok((n == 1).then(|| Change::new("revoke", "api_token", id, json!({"user_id": user_id}))))
}

/// The token a secret belongs to, unless revoked; notes its use.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<ApiToken>> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Ok(None);
    }
    let Some(token) = api_tokens::table
        .filter(api_tokens::secret_hash.eq(hash(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let now = super::now();
    let stale = token
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY_SECONDS);
    if stale {
        super::write_transaction(conn, |c| {
            diesel::update(api_tokens::table.find(token.id))
                .set(api_tokens::last_used_at.eq(now))
                .execute(c)
        })?;
    }
    Ok(Some(token))
}
