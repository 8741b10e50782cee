//! Background work: the outbox worker that sends queued mail, and the daily
//! run that queues reminders and digests. Both are safe with several
//! instances on one database: a message is claimed before it is sent, and
//! every scheduled notification claims a key in the same transaction.

use std::collections::{HashMap, HashSet};
use std::time::Duration as StdDuration;

use actix_web::web;
use anyhow::Context;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::notifications::{self as ndb, Message, Outcome};
use crate::db::{self, DbConnection};
use crate::domain::access::Role;
use crate::domain::format;
use crate::domain::notify::{self, Delivery, Kind};
use crate::domain::workdays::{self, Urgency};
use crate::i18n::{self, Locale};
use crate::mail::Mail;
use crate::state::AppState;
use crate::views::Views;

/// How long a claimed message stays with one instance before another may
/// take it (the sender stopped mid-way).
const LEASE_MINUTES: i64 = 5;
const BATCH: i64 = 20;

/// Starts the worker on the current runtime; it runs until aborted.
pub fn start(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(state))
}

async fn run(state: web::Data<AppState>) {
    let instance = crate::auth::csrf::new_token()[..16].to_string();
    let jobs = state.config.jobs.clone();
    let keep = jobs.retention_days;
    tracing::info!(
        %instance,
        outbox = jobs.outbox,
        daily_hour = ?jobs.daily_hour,
        "background jobs started"
    );
    let mut last_daily: Option<NaiveDate> = None;
    loop {
        if let Some(hour) = jobs.daily_hour {
            if let Some(day) = notify::daily_run_due(db::now(), hour) {
                if last_daily != Some(day) {
                    match db::run(&state.pool, move |c| Ok(daily(c, day, keep)?)).await {
                        Ok(report) => {
                            tracing::info!(%day, ?report, "daily notifications queued");
                            last_daily = Some(day);
                        }
                        Err(e) => tracing::warn!(error = %e, "daily run failed; will retry"),
                    }
                }
            }
        }
        let busy = jobs.outbox && matches!(drain(&state, &instance).await, Ok(n) if n > 0);
        if !busy {
            tokio::time::sleep(StdDuration::from_secs(jobs.poll_seconds.max(1))).await;
        }
    }
}

/// Claims a batch of due messages and tries each once. Returns how many
/// were claimed.
pub async fn drain(state: &web::Data<AppState>, instance: &str) -> anyhow::Result<usize> {
    let me = instance.to_string();
    let batch = db::run(&state.pool, move |c| {
        Ok(ndb::claim(c, &me, Duration::minutes(LEASE_MINUTES), BATCH)?)
    })
    .await?;
    let n = batch.len();
    for m in batch {
        let outcome = try_send(state, &m).await;
        match &outcome {
            Outcome::Sent { .. } => tracing::info!(id = m.id, kind = %m.kind, "mail sent"),
            Outcome::Retry { error, at } => {
                tracing::warn!(id = m.id, %error, retry_at = %at, "mail not sent; will retry");
            }
            Outcome::Failed { error } => tracing::error!(id = m.id, %error, "mail failed"),
        }
        let (id, me) = (m.id, instance.to_string());
        db::run(&state.pool, move |c| Ok(ndb::record(c, id, &me, &outcome)?)).await?;
    }
    Ok(n)
}

async fn try_send(state: &AppState, m: &Message) -> Outcome {
    let composed = compose(&state.views, &base_url(&state.config), m);
    let (subject, text, html) = match composed {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Failed {
                error: format!("cannot compose: {e:#}"),
            }
        }
    };
    let to = match m.to_address.parse::<lettre::Address>() {
        Ok(a) => lettre::message::Mailbox::new(
            serde_json::from_str::<Value>(&m.payload)
                .ok()
                .and_then(|p| p["to_name"].as_str().map(str::to_string)),
            a,
        ),
        Err(e) => {
            return Outcome::Failed {
                error: format!("bad address {}: {e}", m.to_address),
            }
        }
    };
    let mail = Mail {
        to,
        subject: subject.clone(),
        text,
        html,
        message_id: Some(state.mailer.message_id(m.id, m.created_at)),
    };
    match state.mailer.send(&mail).await {
        Ok(()) => Outcome::Sent { subject },
        Err(e) if e.is_temporary() && m.attempts < notify::MAX_ATTEMPTS => Outcome::Retry {
            error: e.to_string(),
            at: db::now()
                + notify::retry_delay(
                    m.attempts,
                    Duration::seconds(state.config.jobs.retry_seconds.max(1)),
                ),
        },
        Err(e) => Outcome::Failed {
            error: e.to_string(),
        },
    }
}

/// The address links in mail point to.
pub fn base_url(config: &crate::config::Config) -> String {
    config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind_addr))
}

/// The text of `key` with the payload's `args` filled in.
fn t_payload(locale: Locale, key: &str, payload: &Value) -> String {
    let args: Vec<(&str, String)> = payload["args"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.as_str(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    i18n::t_args(locale, key, &args)
}

/// One line saying what a notification is about: the subject of its own
/// message, and its line in a digest.
fn summary(locale: Locale, kind: &str, payload: &Value) -> String {
    t_payload(locale, &format!("mail-subject-{kind}"), payload)
}

/// Subject, text and HTML of a queued message, in the recipient's language.
pub fn compose(views: &Views, base: &str, m: &Message) -> anyhow::Result<(String, String, String)> {
    let locale = Locale::or_default(Some(&m.locale));
    let payload: Value = serde_json::from_str(&m.payload).context("payload is not JSON")?;
    let common = |subject: &str| {
        json!({
            "lang": locale.code(),
            "subject": subject,
            "name": payload["to_name"],
            "prefs": format!("{base}/account#notifications"),
        })
    };
    if m.kind == ndb::DIGEST {
        let subject = i18n::t_args(
            locale,
            "mail-subject-digest",
            &[("day", payload["day"].as_str().unwrap_or("").to_string())],
        );
        let items: Vec<Value> = payload["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        json!({
                            "line": summary(locale, i["kind"].as_str().unwrap_or(""), i),
                            "link": format!("{base}{}", i["link"].as_str().unwrap_or("/")),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let visits = &payload["extra"]["visits"];
        let mut data = common(&subject);
        data["has_items"] = json!(!items.is_empty());
        data["items"] = json!(items);
        data["has_visits"] = json!(visits.as_array().is_some_and(|v| !v.is_empty()));
        data["visits"] = visits.clone();
        data["visits_total"] = payload["extra"]["total"].clone();
        data["visits_more"] = json!(
            payload["extra"]["total"].as_u64().unwrap_or(0)
                > visits.as_array().map_or(0, |v| v.len() as u64)
        );
        data["worklist"] = json!(format!("{base}/visits/due"));
        data["base"] = json!(base);
        let (text, html) = views.render_mail("mail/digest", &data)?;
        return Ok((subject, text, html));
    }
    let kind = Kind::parse(&m.kind).with_context(|| format!("unknown kind {}", m.kind))?;
    let subject = summary(locale, kind.as_str(), &payload);
    let mut data = common(&subject);
    data["body"] = json!(t_payload(
        locale,
        &format!("mail-body-{}", kind.as_str()),
        &payload
    ));
    data["details"] = json!(payload["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|row| {
                    json!({
                        "label": i18n::t(locale, row["label"].as_str().unwrap_or("")),
                        "value": row["value"],
                    })
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default());
    data["link"] = json!(format!("{base}{}", payload["link"].as_str().unwrap_or("/")));
    data["required"] = json!(kind.required());
    let (text, html) = views.render_mail("mail/notification", &data)?;
    Ok((subject, text, html))
}

// ---------------------------------------------------------------- the daily run

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DailyReport {
    pub reminders: usize,
    pub digests: usize,
    /// Sent or given-up mail and old keys removed.
    pub pruned: usize,
}

/// Queues the day's reminders and digests. Each runs in its own transaction
/// with its key, so running it again (or on another instance) adds nothing.
/// Then removes what is past keeping: mail sent or given up, and the keys of
/// reminders, older than `retention_days`.
pub fn daily(
    conn: &mut DbConnection,
    today: NaiveDate,
    retention_days: i64,
) -> QueryResult<DailyReport> {
    let mut report = DailyReport::default();
    report.reminders += task_deadlines(conn, today)?;
    report.reminders += recommendations_due(conn, today)?;
    report.reminders += desk_cases_due(conn, today)?;
    report.reminders += self_assessments_due(conn, today)?;
    report.digests += digests(conn, today)?;
    report.pruned += ndb::prune(conn, db::now() - Duration::days(retention_days))?;
    Ok(report)
}

/// Claims `key` and notifies, in one transaction; 1 if this call did it.
fn remind(
    conn: &mut DbConnection,
    key: &str,
    kind: Kind,
    recipients: &[i64],
    payload: &Value,
) -> QueryResult<usize> {
    db::write_transaction(conn, |c| {
        if !ndb::once(c, key)? {
            return Ok(0);
        }
        ndb::notify(c, kind, recipients, payload)?;
        Ok(1)
    })
}

fn task_deadlines(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::{tasks, units};
    let horizon = today + Duration::days(notify::TASK_DEADLINE_NOTICE_DAYS);
    let due: Vec<(i64, String, NaiveDate, i64, String)> = tasks::table
        .inner_join(units::table)
        .filter(tasks::status.eq_any(["registered", "in_progress"]))
        .filter(tasks::deadline.le(horizon))
        .select((
            tasks::id,
            tasks::title,
            tasks::deadline.assume_not_null(),
            tasks::owner_id,
            units::name,
        ))
        .load(conn)?;
    let mut n = 0;
    for (id, title, deadline, owner, unit) in due {
        let Some(when) = notify::reminder(deadline, today, notify::TASK_DEADLINE_NOTICE_DAYS)
        else {
            continue;
        };
        let payload = json!({
            "args": {
                "title": title,
                "deadline": format::date(deadline),
                "when": when.as_str(),
                "days": (deadline - today).num_days().abs().to_string(),
            },
            "details": [
                {"label": "mail-label-unit", "value": unit},
                {"label": "mail-label-deadline", "value": format::date(deadline)},
            ],
            "link": format!("/tasks/{id}"),
        });
        let key = format!("task_deadline:{}:{id}:{deadline}", when.as_str());
        n += remind(conn, &key, Kind::TaskDeadline, &[owner], &payload)?;
    }
    Ok(n)
}

fn recommendations_due(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::recommendations as r;
    let cal = db::recommendations::calendar(conn)?;
    let names = db::recommendations::unit_names(conn)?;
    let open: Vec<(i64, i64, i64, String, NaiveDate)> = r::table
        .filter(r::status.eq(db::recommendations::OPEN))
        .filter(r::due_on.le(today + Duration::days(10)))
        .select((r::id, r::from_unit_id, r::to_unit_id, r::content, r::due_on))
        .load(conn)?;
    // Recipients per responding body, looked up once per run.
    let mut acting: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut n = 0;
    for (id, from, to, content, due) in open {
        let when = match workdays::urgency(&cal, due, today) {
            Urgency::OnTime => continue,
            Urgency::DueSoon => "soon",
            Urgency::Overdue => "overdue",
            Urgency::LongOverdue => "long_overdue",
        };
        let recipients = match acting.get(&to) {
            Some(r) => r.clone(),
            None => {
                let path = db::units::find(conn, to)?.path;
                let r = ndb::acting_for(conn, &path, &[Role::Committee, Role::Admin])?;
                acting.insert(to, r.clone());
                r
            }
        };
        let name = |u: i64| names.get(&u).cloned().unwrap_or_default();
        let payload = json!({
            "args": {
                "content": format::short(&content, 80),
                "from": name(from),
                "due": format::date(due),
                "when": when,
            },
            "details": [
                {"label": "rec-from", "value": name(from)},
                {"label": "rec-to", "value": name(to)},
                {"label": "rec-due-on", "value": format::date(due)},
                {"label": "rec-content", "value": content},
            ],
            "link": format!("/recommendations/{id}"),
        });
        let key = format!("recommendation_due:{when}:{id}:{to}:{due}");
        n += remind(conn, &key, Kind::RecommendationDue, &recipients, &payload)?;
    }
    Ok(n)
}

/// An escalated case waiting for an answer: id, due date, escalated to,
/// recorded by, the desk unit's path, the desk's name, the procedure.
type DeskCaseDue = (i64, NaiveDate, Option<String>, i64, String, String, String);

fn desk_cases_due(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::{
        desk_cases as c, desk_duties as d, desk_procedures as p, desk_shifts as s, units,
    };
    let horizon = today + Duration::days(notify::DESK_CASE_NOTICE_DAYS);
    let due: Vec<DeskCaseDue> = c::table
        .inner_join(s::table.inner_join(d::table.inner_join(units::table)))
        .inner_join(p::table)
        .filter(c::outcome.eq(crate::domain::desk::Outcome::Escalated.as_str()))
        .filter(c::answered_on.is_null())
        .filter(c::due_on.le(horizon))
        .select((
            c::id,
            c::due_on.assume_not_null(),
            c::escalated_to,
            c::created_by,
            units::path,
            d::name,
            p::name_vi,
        ))
        .load(conn)?;
    let mut n = 0;
    for (id, due, to, recorded_by, path, duty, procedure) in due {
        let Some(when) = notify::reminder(due, today, notify::DESK_CASE_NOTICE_DAYS) else {
            continue;
        };
        let mut recipients = ndb::acting_for(conn, &path, &[Role::Committee])?;
        recipients.push(recorded_by);
        let to = to.unwrap_or_default();
        let payload = json!({
            "args": {
                "procedure": procedure,
                "to": to,
                "due": format::date(due),
                "when": when.as_str(),
            },
            "details": [
                {"label": "mail-label-duty", "value": duty},
                {"label": "desk-escalated-to", "value": to},
                {"label": "desk-due-on", "value": format::date(due)},
            ],
            "link": format!("/desk/cases/{id}"),
        });
        let key = format!("desk_case_due:{}:{id}:{due}", when.as_str());
        n += remind(conn, &key, Kind::DeskCaseDue, &recipients, &payload)?;
    }
    Ok(n)
}

/// Days ahead of a round's self-assessment deadline at which owners who have
/// not assessed yet are reminded.
const SELF_ASSESSMENT_NOTICE_DAYS: i64 = 3;

fn self_assessments_due(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::{review_rounds as r, review_scores as s, review_tasks as rt, tasks};
    let rounds: Vec<db::reviews::Round> = r::table
        .filter(r::status.eq(crate::domain::review::RoundStatus::SelfAssessment.as_str()))
        .filter(r::self_due.ge(today))
        .filter(r::self_due.le(today + Duration::days(SELF_ASSESSMENT_NOTICE_DAYS)))
        .select(db::reviews::Round::as_select())
        .load(conn)?;
    let mut n = 0;
    for round in rounds {
        let assessed: Vec<i64> = s::table
            .filter(s::round_id.eq(round.id))
            .filter(s::kind.eq(db::reviews::SELF))
            .select(s::task_id)
            .distinct()
            .load(conn)?;
        let owners: Vec<i64> = rt::table
            .inner_join(tasks::table)
            .filter(rt::round_id.eq(round.id))
            .filter(rt::task_id.ne_all(assessed))
            .select(tasks::owner_id)
            .distinct()
            .load(conn)?;
        let mut payload = db::notifications::review_payload(conn, &round)?;
        payload["args"]["when"] = json!("soon");
        let key = format!("review_self_due:{}:{}", round.id, round.self_due);
        n += remind(conn, &key, Kind::ReviewOpened, &owners, &payload)?;
    }
    Ok(n)
}

/// How many visits a digest lists; the rest are on the worklist page.
const DIGEST_VISITS: i64 = 20;

fn digests(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::{notification_prefs as np, users};
    let people: Vec<i64> = users::table
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select(users::id)
        .order(users::id)
        .load(conn)?;
    let no_visits: HashSet<i64> = np::table
        .filter(np::kind.eq(Kind::VisitsDue.as_str()))
        .filter(np::delivery.eq(Delivery::Off.as_str()))
        .select(np::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut n = 0;
    for uid in people {
        let (rows, total) = if no_visits.contains(&uid) {
            (vec![], 0)
        } else {
            let due = db::households::due_for(
                conn,
                uid,
                today,
                &db::households::DueFilter::default(),
                0,
                DIGEST_VISITS,
            )?;
            (due.rows, due.total)
        };
        let visits: Vec<Value> = rows
            .iter()
            .map(|v| {
                json!({
                    "head_name": v.head_name,
                    "address": v.address,
                    "task": v.task_title,
                    "due": v.next_visit_on.map(format::date),
                    "overdue": crate::domain::households::visit_overdue(v.next_visit_on, today),
                    "link": format!("/households/{}", v.household_id),
                })
            })
            .collect();
        let extra = json!({"visits": visits, "total": total});
        if ndb::queue_digest(conn, uid, today, extra, total > 0)?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}
