//! The outbox and what feeds it. Everything here runs inside the caller's
//! transaction: a notification commits or rolls back with the change that
//! caused it. Sending happens later, in `jobs`.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde::Serialize;
use serde_json::{json, Value};

use super::schema::{
    digest_items, notification_keys, notification_prefs, outbox, role_grants, units, users,
};
use super::DbConnection;
use crate::domain::access::Role;
use crate::domain::notify::{Delivery, Kind};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
/// Every status, in the order a message passes through them.
pub const STATUSES: [&str; 4] = [PENDING, SENDING, SENT, FAILED];
/// The kind of the daily digest message (not a user choice).
pub const DIGEST: &str = "digest";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub locale: String,
    pub payload: String,
    pub subject: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Queues one message to one address.
pub fn queue(
    conn: &mut DbConnection,
    kind: &str,
    user_id: Option<i64>,
    to: &str,
    locale: &str,
    payload: &Value,
) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(kind),
            outbox::user_id.eq(user_id),
            outbox::to_address.eq(to),
            outbox::locale.eq(locale),
            outbox::payload.eq(payload.to_string()),
            outbox::status.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(conn)
}

/// Tells `recipients` about something, each as they chose for `kind`: a
/// message now, a line in tomorrow's digest, or nothing. Inactive users and
/// users without an address are skipped. Returns how many were told.
pub fn notify(
    conn: &mut DbConnection,
    kind: Kind,
    recipients: &[i64],
    payload: &Value,
) -> QueryResult<usize> {
    let mut ids = recipients.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(0);
    }
    let people: Vec<(i64, Option<String>, String, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::active.eq(true))
        .select((users::id, users::email, users::locale, users::full_name))
        .load(conn)?;
    let chosen: HashMap<i64, String> = notification_prefs::table
        .filter(notification_prefs::kind.eq(kind.as_str()))
        .filter(notification_prefs::user_id.eq_any(&ids))
        .select((notification_prefs::user_id, notification_prefs::delivery))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let now = super::now();
    let mut told = 0;
    for (id, email, locale, name) in people {
        let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
            continue;
        };
        let mut payload = payload.clone();
        payload["to_name"] = json!(name);
        match kind.delivery(chosen.get(&id).and_then(|d| Delivery::parse(d))) {
            Delivery::Immediate => {
                queue(conn, kind.as_str(), Some(id), &email, &locale, &payload)?;
            }
            Delivery::Digest => {
                diesel::insert_into(digest_items::table)
                    .values((
                        digest_items::user_id.eq(id),
                        digest_items::kind.eq(kind.as_str()),
                        digest_items::payload.eq(payload.to_string()),
                        digest_items::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Delivery::Off => continue,
        }
        told += 1;
    }
    Ok(told)
}

/// Claims `key` for a scheduled notification: true the first time, false if
/// it was claimed before (by this or another instance). On PostgreSQL a
/// concurrent claim waits for the first to commit or roll back.
pub fn once(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    let row = (
        notification_keys::key.eq(key),
        notification_keys::created_at.eq(super::now()),
    );
    let n = match conn {
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(notification_keys::table)
            .values(row)
            .execute(c)?,
        DbConnection::Pg(c) => diesel::insert_into(notification_keys::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

/// Users who act for a unit in `roles`: those granted the role on the unit
/// itself, or failing that on the nearest unit above it that has any.
pub fn acting_for(
    conn: &mut DbConnection,
    unit_path: &str,
    roles: &[Role],
) -> QueryResult<Vec<i64>> {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    for unit in unit_path
        .split('/')
        .rev()
        .filter_map(|s| s.parse::<i64>().ok())
    {
        let ids: Vec<i64> = role_grants::table
            .inner_join(users::table)
            .filter(role_grants::unit_id.eq(unit))
            .filter(role_grants::role.eq_any(&roles))
            .filter(users::active.eq(true))
            .select(users::id)
            .distinct()
            .load(conn)?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    Ok(vec![])
}

// ---------------------------------------------------------------- the digest

#[derive(Debug, Clone, Queryable)]
pub struct DigestItem {
    pub id: i64,
    pub kind: String,
    pub payload: String,
}

/// Items waiting for the user's next digest.
pub fn waiting_items(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<DigestItem>> {
    digest_items::table
        .filter(digest_items::user_id.eq(user_id))
        .filter(digest_items::outbox_id.is_null())
        .select((digest_items::id, digest_items::kind, digest_items::payload))
        .order(digest_items::id)
        .load(conn)
}

/// Queues the user's digest for `day` with the waiting items and `extra`
/// (the visits due), once per user and day; marks the items as sent with it.
/// Returns the message id, or `None` when there was nothing to say or the
/// day's digest already went.
pub fn queue_digest(
    conn: &mut DbConnection,
    user_id: i64,
    day: chrono::NaiveDate,
    extra: Value,
    has_extra: bool,
) -> QueryResult<Option<i64>> {
    super::write_transaction(conn, |conn| {
        let items = waiting_items(conn, user_id)?;
        if items.is_empty() && !has_extra {
            return Ok(None);
        }
        if !once(conn, &format!("digest:{user_id}:{day}"))? {
            return Ok(None);
        }
        let (email, locale, name): (Option<String>, String, String) = users::table
            .find(user_id)
            .select((users::email, users::locale, users::full_name))
            .first(conn)?;
        let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        let lines: Vec<Value> = items
            .iter()
            .map(|i| {
                let p: Value = serde_json::from_str(&i.payload).unwrap_or(Value::Null);
                json!({"kind": i.kind, "args": p["args"], "link": p["link"]})
            })
            .collect();
        let payload = json!({
            "to_name": name,
            "day": crate::domain::format::date(day),
            "items": lines,
            "extra": extra,
        });
        let id = queue(conn, DIGEST, Some(user_id), &email, &locale, &payload)?;
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        diesel::update(digest_items::table.filter(digest_items::id.eq_any(ids)))
            .set(digest_items::outbox_id.eq(id))
            .execute(conn)?;
        Ok(Some(id))
    })
}

// ---------------------------------------------------------------- preferences

/// The user's choices, as stored (kinds without a row use the default).
pub fn prefs(conn: &mut DbConnection, user_id: i64) -> QueryResult<HashMap<Kind, Delivery>> {
    Ok(notification_prefs::table
        .filter(notification_prefs::user_id.eq(user_id))
        .select((notification_prefs::kind, notification_prefs::delivery))
        .load::<(String, String)>(conn)?
        .into_iter()
        .filter_map(|(k, d)| Some((Kind::parse(&k)?, Delivery::parse(&d)?)))
        .collect())
}

pub fn set_prefs(
    conn: &mut DbConnection,
    user_id: i64,
    choices: &[(Kind, Delivery)],
) -> QueryResult<super::audit::Change> {
    diesel::delete(notification_prefs::table.filter(notification_prefs::user_id.eq(user_id)))
        .execute(conn)?;
    for (kind, delivery) in choices {
        diesel::insert_into(notification_prefs::table)
            .values((
                notification_prefs::user_id.eq(user_id),
                notification_prefs::kind.eq(kind.as_str()),
                notification_prefs::delivery.eq(delivery.as_str()),
            ))
            .execute(conn)?;
    }
    let map: serde_json::Map<String, Value> = choices
        .iter()
        .map(|(k, d)| (k.as_str().to_string(), json!(d.as_str())))
        .collect();
    Ok(super::audit::Change::new(
        "set_notifications",
        "user",
        user_id,
        Value::Object(map),
    ))
}

// ---------------------------------------------------------------- the worker's side

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Messages in the outbox not yet sent, by status (`pending`, `sending`).
pub fn backlog(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .filter(outbox::status.eq_any(["pending", "sending"]))
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Claims up to `limit` messages that are due (or whose claim by a stopped
/// instance has lapsed) for `instance`, until `lease` from now, counting the
/// attempt. On PostgreSQL rows claimed by another instance are skipped, not
/// waited for; on SQLite the single writer makes the claim atomic.
pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    let now = super::now();
    let until = now + lease;
    let ids: Vec<Claimed> = match conn {
        DbConnection::Pg(c) => diesel::sql_query(
            "UPDATE outbox SET status = 'sending', locked_by = $1, locked_until = $2, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox \
                WHERE (status = 'pending' AND next_attempt_at <= $3) \
                   OR (status = 'sending' AND locked_until < $3) \
                ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        )
        .bind::<Text, _>(instance)
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(
            "UPDATE outbox SET status = 'sending', locked_by = ?, locked_until = ?, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox \
                WHERE (status = 'pending' AND next_attempt_at <= ?) \
                   OR (status = 'sending' AND locked_until < ?) \
                ORDER BY id LIMIT ?) \
             RETURNING id",
        )
        .bind::<Text, _>(instance)
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(c)?,
    };
    let ids: Vec<i64> = ids.into_iter().map(|c| c.id).collect();
    outbox::table
        .filter(outbox::id.eq_any(ids))
        .select(Message::as_select())
        .order(outbox::id)
        .load(conn)
}

/// The outcome of one try, recorded only if `instance` still holds the claim.
pub enum Outcome {
    Sent {
        subject: String,
    },
    /// Try again at `at`.
    Retry {
        error: String,
        at: NaiveDateTime,
    },
    Failed {
        error: String,
    },
}

pub fn record(
    conn: &mut DbConnection,
    id: i64,
    instance: &str,
    outcome: &Outcome,
) -> QueryResult<bool> {
    let held = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq(SENDING))
        .filter(outbox::locked_by.eq(instance));
    let released = (
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    );
    let n = match outcome {
        Outcome::Sent { subject } => diesel::update(held)
            .set((
                outbox::status.eq(SENT),
                outbox::subject.eq(subject),
                outbox::sent_at.eq(super::now()),
                outbox::last_error.eq(None::<String>),
                released,
            ))
            .execute(conn)?,
        Outcome::Retry { error, at } => diesel::update(held)
            .set((
                outbox::status.eq(PENDING),
                outbox::last_error.eq(error),
                outbox::next_attempt_at.eq(at),
                released,
            ))
            .execute(conn)?,
        Outcome::Failed { error } => diesel::update(held)
            .set((
                outbox::status.eq(FAILED),
                outbox::last_error.eq(error),
                released,
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

// ---------------------------------------------------------------- the admin page

/// Whose messages a reader of the outbox sees: everyone's (an administrator
/// of a top unit), or those to the users of some subtrees.
#[derive(Clone, Debug)]
pub enum Readers {
    All,
    UsersUnder(Vec<String>),
}

/// Runs `$body` with `$q`, the outbox rows the reader sees as a boxed query
/// to filter further: the whole table, or the rows whose recipient is a user
/// of one of the subtrees.
macro_rules! visible {
    ($readers:expr, |$q:ident| $body:expr) => {
        match $readers {
            Readers::All => {
                let $q = outbox::table.into_boxed();
                $body
            }
            Readers::UsersUnder(prefixes) => {
                let $q = outbox::table
                    .inner_join(users::table.on(outbox::user_id.eq(users::id.nullable())))
                    .inner_join(units::table.on(units::id.eq(users::unit_id)))
                    .filter(super::scope::path_in(prefixes))
                    .into_boxed();
                $body
            }
        }
    };
}

pub fn counts(conn: &mut DbConnection, readers: &Readers) -> QueryResult<HashMap<String, i64>> {
    let mut counts = HashMap::new();
    for status in STATUSES {
        let n: i64 = visible!(readers, |q| q
            .filter(outbox::status.eq(status))
            .count()
            .get_result(conn)?);
        counts.insert(status.to_string(), n);
    }
    Ok(counts)
}

pub fn list(
    conn: &mut DbConnection,
    readers: &Readers,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Message>, i64)> {
    let statuses: Vec<String> = match status {
        Some(s) => vec![s.to_string()],
        None => STATUSES.iter().map(ToString::to_string).collect(),
    };
    let total: i64 = visible!(readers, |q| q
        .filter(outbox::status.eq_any(statuses.clone()))
        .count()
        .get_result(conn)?);
    let rows: Vec<Message> = visible!(readers, |q| q
        .filter(outbox::status.eq_any(statuses.clone()))
        .select(Message::as_select())
        .order(outbox::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?);
    Ok((rows, total))
}

/// Whether a test message to `address` stays within what the reader sees:
/// any address for `All`, else the address of a user of the subtrees.
pub fn reaches(conn: &mut DbConnection, readers: &Readers, address: &str) -> QueryResult<bool> {
    match readers {
        Readers::All => Ok(true),
        Readers::UsersUnder(prefixes) => {
            let n = users::table
                .inner_join(units::table.on(units::id.eq(users::unit_id)))
                .filter(super::scope::path_in(prefixes))
                .select(users::email)
                .filter(users::email.is_not_null())
                .load::<Option<String>>(conn)?
                .into_iter()
                .flatten()
                .filter(|e| e.trim().eq_ignore_ascii_case(address.trim()))
                .count();
            Ok(n > 0)
        }
    }
}

/// Puts a failed message the reader sees back in the queue.
pub fn retry(
    conn: &mut DbConnection,
    readers: &Readers,
    id: i64,
) -> QueryResult<Option<super::audit::Change>> {
    let seen: i64 = visible!(readers, |q| q
        .filter(outbox::id.eq(id))
        .count()
        .get_result(conn)?);
    if seen == 0 {
        return Ok(None);
    }
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(FAILED)),
    )
    .set((
        outbox::status.eq(PENDING),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1).then(|| super::audit::Change::new("retry", "outbox", id, json!({}))))
}

// ---------------------------------------------------------------- events

fn unit_name(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    use super::schema::units;
    units::table.find(id).select(units::name).first(conn)
}

/// People newly on a task — owner, co-owners, team — are told, each with
/// their part; `before` is who was on it already, `by` made the change.
pub fn task_assigned(
    conn: &mut DbConnection,
    task_id: i64,
    f: &super::tasks::TaskFields,
    before: Option<&super::tasks::TaskFields>,
    by: i64,
) -> QueryResult<()> {
    let unit = unit_name(conn, f.unit_id)?;
    let deadline = f
        .deadline
        .map(crate::domain::format::date)
        .unwrap_or_default();
    let mut told: Vec<i64> = vec![by];
    let was_on = |id: &i64| {
        before.is_some_and(|b| b.owner_id == *id || b.co_owners.contains(id) || b.team.contains(id))
    };
    let parts: [(&str, Vec<i64>); 3] = [
        ("owner", vec![f.owner_id]),
        (super::tasks::CO_OWNER, f.co_owners.clone()),
        (super::tasks::TEAM, f.team.clone()),
    ];
    for (role, ids) in parts {
        let new: Vec<i64> = ids
            .into_iter()
            .filter(|id| !was_on(id) && !told.contains(id))
            .collect();
        if new.is_empty() {
            continue;
        }
        told.extend(&new);
        let payload = json!({
            "args": {"title": f.title, "role": role},
            "details": [
                {"label": "mail-label-unit", "value": unit},
                {"label": "mail-label-deadline", "value": deadline},
            ],
            "link": format!("/tasks/{task_id}"),
        });
        notify(conn, Kind::TaskAssigned, &new, &payload)?;
    }
    Ok(())
}

/// A review round opened (self-assessment due) or published: the owners of
/// its tasks are told.
pub fn review_moved(
    conn: &mut DbConnection,
    round: &super::reviews::Round,
    kind: Kind,
) -> QueryResult<()> {
    use super::schema::{review_tasks, tasks};
    let owners: Vec<i64> = review_tasks::table
        .inner_join(tasks::table)
        .filter(review_tasks::round_id.eq(round.id))
        .select(tasks::owner_id)
        .distinct()
        .load(conn)?;
    let payload = review_payload(conn, round)?;
    notify(conn, kind, &owners, &payload)?;
    Ok(())
}

/// What mail about a review round says.
pub fn review_payload(
    conn: &mut DbConnection,
    round: &super::reviews::Round,
) -> QueryResult<Value> {
    let unit = unit_name(conn, round.unit_id)?;
    let self_due = crate::domain::format::date(round.self_due);
    Ok(json!({
        "args": {"round": round.title, "unit": unit, "due": self_due, "when": "opened"},
        "details": [
            {"label": "mail-label-unit", "value": unit},
            {"label": "review-self-due", "value": self_due},
        ],
        "link": format!("/reviews/{}", round.id),
    }))
}

/// A task's owner disputed a published result: the round's lead, who
/// answers it, is told what is disputed and why.
pub fn review_disputed(
    conn: &mut DbConnection,
    round: &super::reviews::Round,
    row: &super::reviews::RoundTaskRow,
    criterion: Option<&str>,
    reason: &str,
) -> QueryResult<()> {
    let unit = unit_name(conn, round.unit_id)?;
    let mut details = vec![
        json!({"label": "mail-label-unit", "value": row.unit_name}),
        json!({"label": "field-owner", "value": row.owner_name}),
    ];
    if let Some(c) = criterion {
        details.push(json!({"label": "review-criterion", "value": c}));
    }
    details.push(json!({"label": "review-dispute-reason", "value": reason}));
    let payload = json!({
        "args": {
            "round": round.title, "unit": unit, "task": row.title, "owner": row.owner_name,
            "about": if criterion.is_some() { "criterion" } else { "whole" },
            "criterion": criterion.unwrap_or_default(),
        },
        "details": details,
        "link": format!("/reviews/{}/tasks/{}#dispute", round.id, row.rt.task_id),
    });
    notify(conn, Kind::ReviewDisputed, &[round.lead_id], &payload)?;
    Ok(())
}

/// The lead answered a dispute: whoever raised it is told the decision in
/// words (the result stands, or the dispute is accepted and the result will
/// be corrected) and the answer.
pub fn review_dispute_answered(
    conn: &mut DbConnection,
    round: &super::reviews::Round,
    dispute: &super::reviews::Dispute,
    task_title: &str,
    decision: crate::domain::review::DisputeAnswer,
    answer: &str,
) -> QueryResult<()> {
    let payload = json!({
        "args": {"round": round.title, "task": task_title, "decision": decision.as_str()},
        "details": [
            {"label": "review-dispute-answer", "value": answer},
        ],
        "link": format!("/reviews/{}/tasks/{}#dispute", round.id, dispute.task_id),
    });
    notify(
        conn,
        Kind::ReviewDisputeAnswered,
        &[dispute.raised_by],
        &payload,
    )?;
    Ok(())
}

/// A recommendation was answered: whoever raised it and the committee of
/// the raising unit are told.
pub fn recommendation_answered(
    conn: &mut DbConnection,
    rec: &super::recommendations::Recommendation,
    answer: &str,
) -> QueryResult<()> {
    let from = super::units::find(conn, rec.from_unit_id)?;
    let to = unit_name(conn, rec.to_unit_id)?;
    let mut people = acting_for(conn, &from.path, &[Role::Committee])?;
    people.push(rec.created_by);
    let payload = json!({
        "args": {"content": crate::domain::format::short(&rec.content, 80), "to": to},
        "details": [
            {"label": "rec-to", "value": to},
            {"label": "rec-content", "value": rec.content},
            {"label": "mail-label-answer", "value": answer},
        ],
        "link": format!("/recommendations/{}", rec.id),
    });
    notify(conn, Kind::RecommendationAnswered, &people, &payload)?;
    Ok(())
}

/// A step of a desk shift's swap, and who hears of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapStep {
    /// Asked: the colleague is told.
    Asked,
    /// Accepted: both officials and the desk's managers are told.
    Accepted,
    /// Declined: the asker is told.
    Declined,
    /// Withdrawn: the colleague is told.
    Withdrawn,
}

impl SwapStep {
    pub fn as_str(self) -> &'static str {
        match self {
            SwapStep::Asked => "asked",
            SwapStep::Accepted => "accepted",
            SwapStep::Declined => "declined",
            SwapStep::Withdrawn => "withdrawn",
        }
    }
}

/// Who took part in a swap and where: the shift, its duty and unit, the
/// asker and the colleague (id, name), and the reason given at this step.
pub struct Swap<'a> {
    pub shift: &'a super::desk::Shift,
    pub duty: &'a super::desk::Duty,
    pub unit_path: &'a str,
    pub asker: (i64, &'a str),
    pub colleague: (i64, &'a str),
    pub reason: &'a str,
}

/// Tells those concerned about a step of a shift's swap (see `SwapStep`);
/// the desk's managers are those who run it for the unit: its committee,
/// or failing that its administrators, nearest first.
pub fn desk_swap(conn: &mut DbConnection, step: SwapStep, s: &Swap) -> QueryResult<()> {
    let mut people = match step {
        SwapStep::Asked | SwapStep::Withdrawn => vec![s.colleague.0],
        SwapStep::Declined => vec![s.asker.0],
        SwapStep::Accepted => vec![s.asker.0, s.colleague.0],
    };
    if step == SwapStep::Accepted {
        people.extend(acting_for(
            conn,
            s.unit_path,
            &[Role::Committee, Role::Admin],
        )?);
    }
    let date = crate::domain::format::date(s.shift.on_date);
    let when = format!("{date} {}–{}", s.duty.start_time, s.duty.end_time);
    let mut details = vec![
        json!({"label": "mail-label-duty", "value": s.duty.name}),
        json!({"label": "desk-date", "value": when}),
        json!({"label": "desk-place", "value": s.duty.place}),
    ];
    if !s.reason.trim().is_empty() {
        details.push(json!({"label": "desk-swap-reason", "value": s.reason}));
    }
    let payload = json!({
        "args": {
            "when": step.as_str(),
            "duty": s.duty.name,
            "date": date,
            "asker": s.asker.1,
            "colleague": s.colleague.1,
        },
        "details": details,
        "link": format!("/desk/shifts/{}", s.shift.id),
    });
    notify(conn, Kind::DeskSwap, &people, &payload)?;
    Ok(())
}

/// Removes mail sent or given up before `before`, the digest items it
/// carried, and the daily run's keys made before then (their days are
/// long past: a reminder is keyed on its own day). Pending mail stays
/// whatever its age. The number of rows removed.
pub fn prune(conn: &mut DbConnection, before: chrono::NaiveDateTime) -> QueryResult<usize> {
    super::write_transaction(conn, |c| {
        let old = || {
            outbox::table
                .filter(outbox::status.eq_any([SENT, FAILED]))
                .filter(outbox::created_at.lt(before))
                .filter(outbox::sent_at.is_null().or(outbox::sent_at.lt(before)))
                .select(outbox::id)
        };
        let ids: Vec<i64> = old().load(c)?;
        let mut n = 0;
        for chunk in ids.chunks(1_000) {
            n += diesel::delete(digest_items::table.filter(digest_items::outbox_id.eq_any(chunk)))
                .execute(c)?;
            n += diesel::delete(outbox::table.filter(outbox::id.eq_any(chunk))).execute(c)?;
        }
        n += diesel::delete(
            notification_keys::table.filter(notification_keys::created_at.lt(before)),
        )
        .execute(c)?;
        Ok(n)
    })
}
