//! What documents keep: a unit's settings for the head of its documents, and
//! the scans of signed paper attached to the records they were made from.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{attachments, signed_scans, unit_documents};
use super::DbConnection;

/// How a unit's documents start.
#[derive(
    Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize,
)]
#[serde(default)]
#[diesel(table_name = unit_documents)]
pub struct UnitDocuments {
    #[serde(skip)]
    pub unit_id: i64,
    pub body_above: String,
    pub issuer: String,
    pub place: String,
    pub authority: String,
    pub position: String,
    pub signer: String,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

pub fn settings(conn: &mut DbConnection, unit_id: i64) -> QueryResult<Option<UnitDocuments>> {
    unit_documents::table
        .find(unit_id)
        .select(UnitDocuments::as_select())
        .first(conn)
        .optional()
}

/// Replaces a unit's settings (inside the caller's transaction).
pub fn set_settings(conn: &mut DbConnection, s: &UnitDocuments) -> QueryResult<()> {
    diesel::delete(unit_documents::table.find(s.unit_id)).execute(conn)?;
    diesel::insert_into(unit_documents::table)
        .values(s)
        .execute(conn)?;
    Ok(())
}

/// A scan of signed paper and the attachment that holds it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = signed_scans)]
pub struct Scan {
    pub id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub attachment_id: i64,
    #[diesel(select_expression = attachments::file_name)]
    pub file_name: String,
    #[diesel(select_expression = attachments::size_bytes)]
    pub size_bytes: i64,
    #[serde(skip)]
    #[diesel(select_expression = attachments::sha256)]
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn scans(conn: &mut DbConnection, kind: &str, record_id: i64) -> QueryResult<Vec<Scan>> {
    signed_scans::table
        .inner_join(attachments::table)
        .filter(signed_scans::record_kind.eq(kind))
        .filter(signed_scans::record_id.eq(record_id))
        .select(Scan::as_select())
        .order(signed_scans::id)
        .load(conn)
}

/// The scans attached to these records of one kind, by record in the
/// order given, each record's by id.
pub fn scans_of(conn: &mut DbConnection, kind: &str, record_ids: &[i64]) -> QueryResult<Vec<Scan>> {
    let mut scans: Vec<Scan> = signed_scans::table
        .inner_join(attachments::table)
        .filter(signed_scans::record_kind.eq(kind))
        .filter(signed_scans::record_id.eq_any(record_ids))
        .select(Scan::as_select())
        .order(signed_scans::id)
        .load(conn)?;
    let rank: std::collections::HashMap<i64, usize> = record_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    // Stable: each record's scans stay by id.
    scans.sort_by_key(|s| rank.get(&s.record_id).copied().unwrap_or(usize::MAX));
    Ok(scans)
}

pub fn scan(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Scan>> {
    signed_scans::table
        .inner_join(attachments::table)
        .filter(signed_scans::id.eq(id))
        .select(Scan::as_select())
        .first(conn)
        .optional()
}

pub fn add_scan(
    conn: &mut DbConnection,
    kind: &str,
    record_id: i64,
    attachment_id: i64,
    by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(signed_scans::table)
        .values((
            signed_scans::record_kind.eq(kind),
            signed_scans::record_id.eq(record_id),
            signed_scans::attachment_id.eq(attachment_id),
            signed_scans::uploaded_by.eq(by),
            signed_scans::uploaded_at.eq(super::now()),
        ))
        .returning(signed_scans::id)
        .get_result(conn)
}
