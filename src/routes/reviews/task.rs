//! One task in a round: its review page and the forms on it (self-assessment,
//! scores, consensus, a dispute and its answer).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{load_round, named};
use crate::app::reviews::{rights, write_task_review, RoundAccess, TaskWrite};
use crate::context::Ctx;
use crate::db::{self, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::review::{self, DisputeAnswer, Evidence};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::routes::options;

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
                    "author": name, "score": s.score, "comment": s.comment, "proposal": s.proposal,
                    "note": if a.reviewer { Some(s.private_note.clone()).filter(|n| !n.is_empty()) } else { None },
                })).collect::<Vec<_>>() } else { vec![] },
                "consensus": if r.sees_scores { of_kind(c.id, rdb::CONSENSUS).into_iter().next().map(|(s, _)| json!({"score": s.score, "comment": s.comment, "proposal": s.proposal})) } else { None },
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
                values.insert(format!("proposal_{}", c.id), s.proposal.clone());
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
                    "proposal": field("proposal"),
                })
            })
            .collect();
        json!({"fields": fields, "has_errors": !errors.is_empty(), "reason": {"name": "reason", "value": values.get("reason").cloned().unwrap_or_default(), "error": errors.get("reason")}, "criterion": values.get("criterion_id").cloned().unwrap_or_default(), "criterion_error": errors.get("criterion_id"),
            "decision": values.get("decision").cloned().unwrap_or_default(), "decision_error": errors.get("decision")})
    };
    let dispute_view = dispute.as_ref().map(|d| {
        let decision = d.dispute_accepted.map(DisputeAnswer::from_dispute_accepted);
        json!({
            "d": d,
            "decision": decision.map(DisputeAnswer::as_str),
            // Accepted while the round is still published: the lead's next
            // step is to reopen it, score again and publish again.
            "to_correct": a.lead && a.published() && decision == Some(DisputeAnswer::DisputeAccepted),
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
            "consented_percent": row.rt.snap_households.filter(|n| *n > 0).map(|n| crate::domain::numbers::percent_of(row.rt.snap_households_consented.unwrap_or(0), n)),
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
    let (who, form) = (ctx.caller()?, values.clone());
    let written = ctx
        .db(move |conn| write_task_review(conn, &who, id, tid, which, &form))
        .await?;
    match written {
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
