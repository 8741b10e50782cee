//! How the API answers: a page of a list, one resource or one made, with
//! its version as the ETag; timestamps as RFC 3339.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::json;

/// Timestamps are stored in UTC without a zone; the API writes them as
/// RFC 3339 (`2026-12-02T09:54:00Z`).
pub fn utc<S: serde::Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format("%Y-%m-%dT%H:%M:%SZ"))
}

pub fn utc_opt<S: serde::Serializer>(
    t: &Option<chrono::NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}

/// The rows of a page's related records, by the id of the item each
/// belongs to, in the order they came (one query for a whole page, then
/// handed out to its items).
pub fn grouped<T>(rows: Vec<(i64, T)>) -> std::collections::HashMap<i64, Vec<T>> {
    let mut out: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for (key, row) in rows {
        out.entry(key).or_default().push(row);
    }
    out
}

/// A page of a list: the items, and the cursor of the next page (`null` on
/// the last).
pub fn page<T: Serialize>(items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> HttpResponse {
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| id(i).to_string()))
        .flatten();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next_cursor": next}))
}

/// One resource, with its version as the ETag when it has one.
pub fn one<T: Serialize>(item: &T, version: Option<i32>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(v) = version {
        res.insert_header((header::ETAG, etag(v)));
    }
    res.json(item)
}

/// 201 for a resource made at `location`, with its version as the ETag
/// when it has one.
pub fn created<T: Serialize>(location: &str, item: &T, version: Option<i32>) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, location));
    if let Some(v) = version {
        res.insert_header((header::ETAG, etag(v)));
    }
    res.json(item)
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}
