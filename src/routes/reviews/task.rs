//! One task in a round: its review page and the forms on it (self-assessment,
//! scores, consensus, a dispute and its answer).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{load_round, named, sees_scores, RoundAccess};
use crate::context::{Ctx, CurrentUser};
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::review::{self, CombineRule, Evidence, RoundStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::routes::{chosen, options};

/// A write form on the task's review page as typed, with its errors.
#[derive(Default)]
struct Typed {
    which: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
}

pub(super) async fn task_page(ctx: Ctx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let a = load_round(&ctx, id).await?;
    render_task_review(&ctx, a, tid, Typed::default(), StatusCode::OK).await
}

/// What the reader may do on one task of the round.
struct TaskRights {
    owner: bool,
    sees_self: bool,
    sees_scores: bool,
    can_self: bool,
    can_score: bool,
    can_consensus: bool,
    can_dispute: bool,
}

fn rights(
    user: &CurrentUser,
    a: &RoundAccess,
    row: &rdb::RoundTaskRow,
    on_task: bool,
    dispute: Option<&rdb::Dispute>,
) -> TaskRights {
    let owner = row.task_owner_id == user.id;
    let reads = user.can(Permission::View, &row.unit_path);
    let status = a.status();
    TaskRights {
        owner,
        sees_self: a.reviewer || owner || (a.published() && reads),
        sees_scores: sees_scores(user, a, row),
        can_self: owner && status == RoundStatus::SelfAssessment,
        // Nobody scores a task they work on.
        can_score: a.reviewer && !on_task && status == RoundStatus::Scoring,
        can_consensus: a.lead
            && !on_task
            && status == RoundStatus::Scoring
            && a.round.rule() == CombineRule::Consensus,
        can_dispute: owner && a.published() && dispute.is_none(),
    }
}

async fn render_task_review(
    ctx: &Ctx,
    a: RoundAccess,
    tid: i64,
    typed: Typed,
    http_status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let (rid, uid) = (a.round.id, user.id);
    let loaded = ctx
        .db(move |conn| {
            let Some(row) = rdb::task_row(conn, rid, tid)? else {
                return Ok(None);
            };
            let task = db::tasks::find(conn, tid)?;
            let on_task = !db::tasks::member_roles(conn, &task, uid)?.is_empty();
            let scores = rdb::scores_of(conn, rid, tid)?;
            let evidence: Vec<Evidence> = scores
                .iter()
                .flat_map(|(s, _)| Evidence::parse_stored_list(&s.evidence))
                .collect();
            let labels = rdb::evidence_of_task(conn, tid, &evidence)?;
            Ok(Some((
                row,
                task,
                on_task,
                rdb::criteria(conn, rid)?,
                scores,
                rdb::dispute_of(conn, rid, tid)?,
                labels,
            )))
        })
        .await?;
    let Some((row, task, on_task, criteria, scores, dispute, labels)) = loaded else {
        return Err(AppError::NotFound);
    };
    let r = rights(user, &a, &row, on_task, dispute.as_ref());
    if !(a.reviewer || r.owner || user.can(Permission::View, &row.unit_path)) {
        return Err(AppError::Forbidden);
    }
    let locale = ctx.locale;
    let rule = a.round.rule();
    let of_kind = |cid: i64, kind: &str| -> Vec<&(rdb::Score, String)> {
        scores
            .iter()
            .filter(|(s, _)| s.criterion_id == cid && s.kind == kind)
            .collect()
    };
    let evidence_view = |stored: &str| -> Vec<Value> {
        Evidence::parse_stored_list(stored)
            .iter()
            .filter_map(|e| labels.get(e))
            .map(|(label, href)| json!({"label": label, "href": href}))
            .collect()
    };
    let score_rows: Vec<(i64, String, f64)> = scores
        .iter()
        .map(|(s, _)| (s.criterion_id, s.kind.clone(), s.score))
        .collect();
    let mut finals = Vec::new();
    let rows: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let fin = rdb::criterion_score(rule, c.id, &score_rows);
            finals.push(fin);
            let own_self = of_kind(c.id, rdb::SELF).into_iter().next();
            json!({
                "c": c,
                "name": named(locale, &c.name_vi, &c.name_en),
                "max": format::decimal(c.max_points),
                "self": if r.sees_self { own_self.map(|(s, _)| json!({"score": s.score, "comment": s.comment, "evidence": evidence_view(&s.evidence)})) } else { None },
                "reviews": if r.sees_scores { of_kind(c.id, rdb::REVIEW).into_iter().map(|(s, name)| json!({
                    "author": name, "score": s.score, "comment": s.comment,
                    "note": if a.reviewer { Some(s.private_note.clone()).filter(|n| !n.is_empty()) } else { None },
                })).collect::<Vec<_>>() } else { vec![] },
                "consensus": if r.sees_scores { of_kind(c.id, rdb::CONSENSUS).into_iter().next().map(|(s, _)| json!({"score": s.score, "comment": s.comment})) } else { None },
                "final": if r.sees_scores { fin } else { None },
            })
        })
        .collect();
    let total = review::total(&finals);
    let verdict = total.map(|t| review::rate(t, &rdb::record_of(&row.rt), false));
    // Each write form starts from what its author saved, or what they just typed.
    let prefill = |which: &str, kind: &str, only_author: Option<i64>| -> Value {
        let mut values: HashMap<String, String> = HashMap::new();
        for c in &criteria {
            if let Some((s, _)) = of_kind(c.id, kind)
                .into_iter()
                .find(|(s, _)| only_author.is_none_or(|a| s.author_id == a))
            {
                values.insert(format!("score_{}", c.id), format::decimal(s.score));
                values.insert(format!("comment_{}", c.id), s.comment.clone());
                values.insert(format!("note_{}", c.id), s.private_note.clone());
                let links: Vec<String> = Evidence::parse_stored_list(&s.evidence)
                    .iter()
                    .filter_map(|e| labels.get(e).map(|(_, href)| href.clone()))
                    .collect();
                values.insert(format!("evidence_{}", c.id), links.join("\n"));
            }
        }
        let errors = if typed.which == which {
            values = typed.values.clone();
            typed.errors.clone()
        } else {
            FieldErrors::default()
        };
        let fields: Vec<Value> = criteria
            .iter()
            .map(|c| {
                let field = |name: &str| {
                    let key = format!("{name}_{}", c.id);
                    json!({"name": key, "value": values.get(&key).cloned().unwrap_or_default(), "error": errors.get(&key)})
                };
                json!({
                    "id": c.id,
                    "name": named(locale, &c.name_vi, &c.name_en),
                    "max": format::decimal(c.max_points),
                    "score": field("score"), "comment": field("comment"),
                    "note": field("note"), "evidence": field("evidence"),
                })
            })
            .collect();
        json!({"fields": fields, "has_errors": !errors.is_empty(), "reason": {"name": "reason", "value": values.get("reason").cloned().unwrap_or_default(), "error": errors.get("reason")}, "criterion": values.get("criterion_id").cloned().unwrap_or_default(), "criterion_error": errors.get("criterion_id")})
    };
    let dispute_view = dispute.as_ref().map(|d| {
        json!({
            "d": d,
            "criterion": d.criterion_id.and_then(|cid| criteria.iter().find(|c| c.id == cid)).map(|c| named(locale, &c.name_vi, &c.name_en)),
        })
    });
    let can_answer = a.lead && dispute.as_ref().is_some_and(|d| d.answer.is_none());
    let snapshot = row.rt.snap_outcome.is_some();
    let (disp, answer) = (prefill("dispute", "-", None), prefill("answer", "-", None));
    ctx.render_status(
        http_status,
        "reviews/task",
        json!({
            "title": task.title,
            "round": a.round,
            "unit": a.unit,
            "row": row,
            "task": task,
            "snapshot": snapshot,
            "snapshot_on": a.round.snapshot_on.map(format::date),
            "self_due": format::date(a.round.self_due),
            "consented_percent": row.rt.snap_households.filter(|n| *n > 0).map(|n| row.rt.snap_households_consented.unwrap_or(0) * 100 / n),
            "rows": rows,
            "rule": a.round.combine_rule,
            "total": if r.sees_scores { total } else { None },
            "verdict": if r.sees_scores { verdict } else { None },
            "r": {
                "owner": r.owner, "sees_self": r.sees_self, "sees_scores": r.sees_scores,
                "can_self": r.can_self, "can_score": r.can_score, "can_consensus": r.can_consensus,
                "can_dispute": r.can_dispute, "can_answer": can_answer,
                "reviewer": a.reviewer, "on_task": on_task,
            },
            "self_form": prefill("self", rdb::SELF, Some(row.task_owner_id)),
            "score_form": prefill("score", rdb::REVIEW, Some(user.id)),
            "consensus_form": prefill("consensus", rdb::CONSENSUS, None),
            "dispute_form": disp,
            "answer_form": answer,
            "dispute": dispute_view,
            "criterion_options": options(criteria.iter().map(|c| (c.id.to_string(), named(locale, &c.name_vi, &c.name_en))), typed.values.get("criterion_id").map_or("", String::as_str)),
        }),
    )
}

/// What became of a write on one task of a round.
pub(in crate::routes) enum TaskWrite {
    Written,
    /// The round moved on (or the dispute was used): nothing was written.
    Frozen,
    Invalid(FieldErrors),
}

/// One of the forms on a task of a round — `self` (the owner's
/// self-assessment), `score` (a reviewer's), `consensus` (the lead's),
/// `dispute` (the owner's, once published), `answer` (the lead's) — checked
/// and written if the reader may and the round is where the form belongs.
/// Fields: `score_<criterion>`, `comment_<criterion>`, `note_<criterion>`
/// (a reviewer's private note), `evidence_<criterion>` (links to the task's
/// visits and files, one a line); `reason`, `criterion_id`, `upheld`.
pub(in crate::routes) async fn write_task_review(
    pool: &db::Pool,
    user: &CurrentUser,
    actor: audit::Actor,
    a: &RoundAccess,
    tid: i64,
    what: &str,
    values: &HashMap<String, String>,
) -> AppResult<TaskWrite> {
    let (rid, uid) = (a.round.id, user.id);
    let loaded = db::run(pool, move |conn| {
        let Some(row) = rdb::task_row(conn, rid, tid)? else {
            return Ok(None);
        };
        let task = db::tasks::find(conn, tid)?;
        let on_task = !db::tasks::member_roles(conn, &task, uid)?.is_empty();
        Ok(Some((
            row,
            on_task,
            rdb::criteria(conn, rid)?,
            rdb::dispute_of(conn, rid, tid)?,
        )))
    })
    .await?;
    let Some((row, on_task, criteria, dispute)) = loaded else {
        return Err(AppError::NotFound);
    };
    let r = rights(user, a, &row, on_task, dispute.as_ref());
    let which: &'static str = match what {
        "self" if r.owner => "self",
        // Nobody scores a task they work on.
        "score" | "consensus" if on_task => return Err(AppError::Forbidden),
        "score" if a.reviewer => "score",
        "consensus" if a.lead => "consensus",
        "dispute" if r.owner => "dispute",
        "answer" if a.lead => "answer",
        "self" | "score" | "consensus" | "dispute" | "answer" => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    };
    let allowed = match which {
        "self" => r.can_self,
        "score" => r.can_score,
        "consensus" => r.can_consensus,
        "dispute" => r.can_dispute,
        _ => dispute.as_ref().is_some_and(|d| d.answer.is_none()),
    };
    if !allowed {
        return Ok(TaskWrite::Frozen);
    }
    let mut e = FieldErrors::default();
    let round = a.round.clone();
    let written: bool = match which {
        "dispute" | "answer" => {
            let text = e.required(
                "reason",
                values.get("reason").map_or("", String::as_str),
                2000,
            );
            // A dispute is about the whole result or one of the round's own criteria.
            let criterion_id = match values.get("criterion_id").map(|c| c.trim()) {
                Some(raw) if !raw.is_empty() && which == "dispute" => {
                    let id = e.id("criterion_id", raw);
                    chosen::one(&mut e, "criterion_id", id, id, |c| {
                        criteria.iter().any(|x| x.id == *c)
                    })
                }
                _ => None,
            };
            let upheld = values.get("upheld").is_some_and(|v| v == "1");
            if !e.is_empty() {
                return Ok(TaskWrite::Invalid(e));
            }
            db::run(pool, move |conn| {
                audit::write_if(conn, &actor, |c| {
                    let change = if which == "dispute" {
                        if !rdb::hold(c, round.id, &[RoundStatus::Published])? {
                            None
                        } else {
                            rdb::raise_dispute(c, &round, tid, criterion_id, uid, &text)?
                        }
                    } else {
                        rdb::answer_dispute(c, &round, tid, &text, upheld, uid)?
                    };
                    Ok((change.is_some(), change))
                })
            })
            .await?
        }
        _ => {
            let kind = match which {
                "self" => rdb::SELF,
                "score" => rdb::REVIEW,
                _ => rdb::CONSENSUS,
            };
            let get = |k: String| values.get(&k).cloned().unwrap_or_default();
            let mut items = Vec::new();
            let mut cited: Vec<(String, Vec<Evidence>)> = Vec::new();
            for c in &criteria {
                let key = format!("score_{}", c.id);
                let raw = get(key.clone());
                let score = e.decimal(&key, &raw);
                match score {
                    None if raw.trim().is_empty() => e.add(&key, "error-required"),
                    Some(s) if !review::valid_score(s, c.max_points) => {
                        e.add(&key, "review-error-score-range");
                    }
                    _ => {}
                }
                let comment = e
                    .optional(
                        &format!("comment_{}", c.id),
                        &get(format!("comment_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default();
                let note = if kind == rdb::REVIEW {
                    e.optional(
                        &format!("note_{}", c.id),
                        &get(format!("note_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default()
                } else {
                    String::new()
                };
                let mut evidence = Vec::new();
                if kind == rdb::SELF {
                    let ekey = format!("evidence_{}", c.id);
                    for line in get(ekey.clone()).lines().filter(|l| !l.trim().is_empty()) {
                        match Evidence::parse_link(line) {
                            Some(ev) if !evidence.contains(&ev) => evidence.push(ev),
                            Some(_) => {}
                            None => e.add(&ekey, "review-error-evidence"),
                        }
                    }
                    if evidence.len() > 20 {
                        e.add(&ekey, "error-too-long");
                    }
                    cited.push((ekey, evidence.clone()));
                }
                items.push(rdb::ScoreFields {
                    criterion_id: c.id,
                    score: score.map(review::round2).unwrap_or(0.0),
                    comment,
                    private_note: note,
                    evidence: evidence
                        .iter()
                        .map(|ev| ev.to_stored())
                        .collect::<Vec<_>>()
                        .join(" "),
                });
            }
            // Evidence must be this task's own.
            let all: Vec<Evidence> = cited.iter().flat_map(|(_, v)| v.iter().copied()).collect();
            if !all.is_empty() {
                let known = db::run(pool, move |conn| {
                    Ok(rdb::evidence_of_task(conn, tid, &all)?)
                })
                .await?;
                for (key, list) in &cited {
                    if list.iter().any(|ev| !known.contains_key(ev)) {
                        e.add(key, "review-error-evidence-other");
                    }
                }
            }
            if !e.is_empty() {
                return Ok(TaskWrite::Invalid(e));
            }
            let status = if kind == rdb::SELF {
                RoundStatus::SelfAssessment
            } else {
                RoundStatus::Scoring
            };
            db::run(pool, move |conn| {
                audit::write_if(conn, &actor, |c| {
                    if !rdb::hold(c, round.id, &[status])? {
                        return Ok((false, None));
                    }
                    let change = rdb::save_scores(c, &round, tid, kind, uid, &items)?;
                    Ok((true, Some(change)))
                })
            })
            .await?
        }
    };
    Ok(if written {
        TaskWrite::Written
    } else {
        TaskWrite::Frozen
    })
}

pub(super) async fn task_write(
    ctx: Ctx,
    path: web::Path<(i64, i64, String)>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, tid, what) = path.into_inner();
    let a = load_round(&ctx, id).await?;
    let values = form.into_inner();
    let back = format!("/reviews/{}/tasks/{tid}", a.round.id);
    let which: &'static str = match what.as_str() {
        "self" => "self",
        "score" => "score",
        "consensus" => "consensus",
        "dispute" => "dispute",
        "answer" => "answer",
        _ => return Err(AppError::NotFound),
    };
    match write_task_review(
        &ctx.state.pool,
        ctx.user()?,
        ctx.actor(),
        &a,
        tid,
        which,
        &values,
    )
    .await?
    {
        TaskWrite::Written => ctx.flash("success", "flash-saved"),
        TaskWrite::Frozen => ctx.flash("error", "review-error-frozen"),
        TaskWrite::Invalid(errors) => {
            let t = Typed {
                which,
                values,
                errors,
            };
            return render_task_review(&ctx, a, tid, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    Ok(ctx.redirect(&back))
}
