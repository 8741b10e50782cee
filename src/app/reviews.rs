//! The Fatherland Front's year-end review: who sees a round and does what
//! in it, opening and editing a round, its moves, the forms on one of its
//! tasks, and its results ranked as a reader sees them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::campaigns::{checked_score, unit_and_year};
use super::Caller;
use super::{
    audited, chosen, required_date, write_at, write_if_changed, Rejected, Version, Versioned,
};
use crate::context::CurrentUser;
use crate::db::{self, audit, reviews as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::notify::Kind;
use crate::domain::review::{
    self, CombineRule, DisputeAnswer, Evidence, Ranked, Rating, Record, RoundStatus, Tables,
};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

// ---------------------------------------------------------------- access

/// A round and what the reader may do with it.
pub struct RoundAccess {
    pub round: rdb::Round,
    pub unit: db::units::Unit,
    /// A reviewer (or administrator) of the round's unit: reads everything,
    /// private notes included, and scores.
    pub reviewer: bool,
    /// The round's lead (or an administrator): settings, moves, consensus, answers.
    pub lead: bool,
}

impl RoundAccess {
    /// The round's lead (or an administrator).
    pub fn leads(&self) -> bool {
        self.lead
    }

    pub fn status(&self) -> RoundStatus {
        self.round.status()
    }

    pub fn published(&self) -> bool {
        self.status() == RoundStatus::Published
    }

    pub fn require_lead(&self) -> AppResult<()> {
        if self.lead {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The round if the reader may see it: reviewers of its unit always; once its
/// criteria are published, anyone who reads the unit, a unit inside it, or
/// owns one of its tasks. A draft is the reviewers' alone.
pub fn round_access(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<RoundAccess> {
    let round = rdb::find(conn, id)?;
    let unit = db::units::find(conn, round.unit_id)?;
    let owns = rdb::owns_task_in(conn, id, user.id)?;
    let reviewer = user.can(Permission::WriteReviews, &unit.path);
    let lead =
        (reviewer && round.lead_id == user.id) || user.can(Permission::ManageUnits, &unit.path);
    let reads_inside = user.can(Permission::View, &unit.path)
        || user
            .scope(Permission::View)
            .iter()
            .any(|p| p.starts_with(&unit.path));
    let visible = reviewer || (round.status() != RoundStatus::Draft && (reads_inside || owns));
    if !visible {
        return Err(AppError::Forbidden);
    }
    Ok(RoundAccess {
        round,
        unit,
        reviewer,
        lead,
    })
}

/// May the reader see this task's scores (not its private notes)?
pub fn sees_scores(user: &CurrentUser, a: &RoundAccess, row: &rdb::RoundTaskRow) -> bool {
    a.reviewer
        || (a.published()
            && (row.task_owner_id == user.id || user.can(Permission::View, &row.unit_path)))
}

/// Whether a round of the unit at `path` is on the reader's list: reviewers
/// of its unit always, others once it is out of draft and they read the
/// unit or a unit inside it. `db::reviews::listed_after` asks the same of
/// the database for the API's list.
pub fn listed(user: &CurrentUser, round: &rdb::Round, path: &str) -> bool {
    user.can(Permission::WriteReviews, path)
        || (round.status() != RoundStatus::Draft
            && (user.can(Permission::View, path)
                || user
                    .scope(Permission::View)
                    .iter()
                    .any(|p| p.starts_with(path))))
}

// ---------------------------------------------------------------- settings

impl Versioned for rdb::Round {
    fn version(&self) -> i32 {
        self.version
    }
}

/// A round's settings as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct RoundInput {
    pub unit_id: Option<i64>,
    pub year: Option<i64>,
    pub title: String,
    pub lead_id: Option<i64>,
    /// `mean` or `consensus`.
    pub combine_rule: String,
    pub self_due: Option<NaiveDate>,
    pub review_due: Option<NaiveDate>,
    pub report_number: String,
    pub report_place: String,
    pub signer_title: String,
    pub signer_name: String,
    pub unread: FieldErrors,
}

/// Checks the settings. A new round's unit must be one the user reviews and
/// have no round that year; an existing round keeps its unit and year.
fn check_round(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &RoundInput,
    existing: Option<&rdb::Round>,
) -> Result<rdb::RoundFields, Rejected<rdb::Round>> {
    let mut e = input.unread.clone();
    let title = e.required("title", &input.title, 300);
    let fixed = existing.map(|r| (r.unit_id, r.year));
    let (unit_id, year) = unit_and_year(&mut e, fixed, input.unit_id, input.year);
    let lead_id = e.required_id("lead_id", input.lead_id);
    let rule = CombineRule::parse(&input.combine_rule);
    if rule.is_none() {
        e.add("combine_rule", "error-invalid-choice");
    }
    let self_due = required_date(&mut e, "self_due", input.self_due);
    let review_due = required_date(&mut e, "review_due", input.review_due);
    if let (Some(s), Some(r)) = (self_due, review_due) {
        if r < s {
            e.add("review_due", "review-error-due-order");
        }
    }
    let mut optional = |field: &str, value: &str, max: usize| e.optional_text(field, value, max);
    let report_number = optional("report_number", &input.report_number, 100);
    let report_place = optional("report_place", &input.report_place, 100);
    let signer_title = optional("signer_title", &input.signer_title, 200);
    let signer_name = optional("signer_name", &input.signer_name, 200);
    let unit = db::units::find_chosen(conn, unit_id)?;
    let reviewers = match &unit {
        Some(u) => rdb::reviewers_reaching(conn, &u.path)?,
        None => vec![],
    };
    let taken = match (existing, &unit, year) {
        (None, Some(u), Some(y)) => rdb::exists_for(conn, u.id, y)?,
        _ => false,
    };
    // A round keeps its unit once set.
    let unit = match existing {
        Some(_) => unit,
        None => chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
            user.can(Permission::WriteReviews, &u.path)
        }),
    };
    if taken {
        e.add("year", "review-error-exists");
    }
    if unit.is_some() {
        let lead: Vec<i64> = lead_id.into_iter().collect();
        let reviews = |l: i64| reviewers.iter().any(|(id, _, _)| *id == l);
        chosen::every(&mut e, "lead_id", &lead, reviews, "review-error-lead");
    }
    match (unit_id, year, lead_id, rule, self_due, review_due) {
        (
            Some(unit_id),
            Some(year),
            Some(lead_id),
            Some(combine_rule),
            Some(self_due),
            Some(review_due),
        ) if e.is_empty() => Ok(rdb::RoundFields {
            unit_id,
            year,
            title,
            lead_id,
            combine_rule,
            self_due,
            review_due,
            report_number,
            report_place,
            signer_title,
            signer_name,
        }),
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Opens a draft round over a unit the reader reviews, with the default
/// rubric and the unit's tasks of the year.
pub fn open_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    input: &RoundInput,
) -> Result<rdb::Round, Rejected<rdb::Round>> {
    who.require_anywhere(Permission::WriteReviews)?;
    let fields = check_round(conn, who, input, None)?;
    audited(conn, who, |c| {
        let unit = db::units::find(c, fields.unit_id)?;
        rdb::create(c, &fields, &unit.path, who.id)
    })
}

/// Edits a round's settings (its lead; unit and year stay, and only until
/// scoring starts) from the version read.
pub fn edit_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    version: Version,
    input: &RoundInput,
) -> Result<rdb::Round, Rejected<rdb::Round>> {
    let a = round_access(conn, who, round_id)?;
    a.require_lead()?;
    let fields = check_round(conn, who, input, Some(&a.round))?;
    let version = version.given(|| Ok(a.round.clone()))?;
    write_at(
        conn,
        who,
        |c| Ok(rdb::update(c, &a.round, version, &fields)?.map(|(_, change)| change)),
        |c| Ok(rdb::find(c, round_id)?),
    )
}

/// Replaces a draft round's criteria (its lead); not allowed once it is open.
pub fn set_criteria(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    items: &[rdb::CriterionFields],
) -> Result<(), Rejected> {
    let a = round_access(conn, who, round_id)?;
    a.require_lead()?;
    match write_if_changed(conn, who, |c| rdb::set_criteria(c, &a.round, items))? {
        true => Ok(()),
        false => Err(Rejected::NotAllowed("review-error-frozen")),
    }
}

/// Replaces the default rubric new rounds copy (administrators of a top unit).
pub fn set_rubric(
    conn: &mut db::DbConnection,
    who: &Caller,
    items: &[rdb::CriterionFields],
) -> Result<(), Rejected> {
    who.require_top_admin()?;
    audited(conn, who, |c| Ok(((), rdb::set_rubric(c, items)?)))
}

// ---------------------------------------------------------------- moves

/// The reason given for a move: needed to reopen a published round, at most
/// 2,000 characters; the error is its message key.
fn move_reason(
    a: &RoundAccess,
    next: RoundStatus,
    raw: &str,
) -> Result<Option<String>, &'static str> {
    let reason = Some(raw.trim().to_string()).filter(|r| !r.is_empty());
    let reopening = a.status() == RoundStatus::Published && next == RoundStatus::Scoring;
    if reopening && reason.is_none() {
        return Err("review-error-reopen-reason");
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err("error-too-long");
    }
    Ok(reason)
}

/// Moves a round (its lead) from the version read to `next`, with the
/// reason a reopening needs, telling the task owners when it opens and when
/// it is published; not allowed when it cannot go there from where it is.
/// Someone moving it first, or what the move lacks, is the inner refusal.
pub fn move_round(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    version: Version,
    next: RoundStatus,
    reason: &str,
) -> Result<Result<(), rdb::MoveRefused>, Rejected<rdb::Round>> {
    let a = round_access(conn, who, round_id)?;
    a.require_lead()?;
    let reason = move_reason(&a, next, reason).map_err(|key| Rejected::refused("reason", key))?;
    let version = version.given(|| Ok(a.round.clone()))?;
    if version == a.round.version && !a.status().can_become(next) {
        return Err(Rejected::NotAllowed("review-error-conflict"));
    }
    let today = format::today();
    let round = &a.round;
    Ok(audit::write_if(conn, &who.actor, |c| {
        Ok(
            match rdb::move_to(c, round, version, next, reason.as_deref(), today)? {
                Ok((moved, change)) => {
                    let kind = match next {
                        RoundStatus::SelfAssessment => Some(Kind::ReviewOpened),
                        RoundStatus::Published => Some(Kind::ReviewPublished),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        db::notifications::review_moved(c, &moved, kind)?;
                    }
                    (Ok(()), Some(change))
                }
                Err(refused) => (Err(refused), None),
            },
        )
    })?)
}

// ---------------------------------------------------------------- a task's forms

/// What the reader may do on one task of the round.
pub struct TaskRights {
    pub owner: bool,
    pub sees_self: bool,
    pub sees_scores: bool,
    pub can_self: bool,
    pub can_score: bool,
    pub can_consensus: bool,
    pub can_dispute: bool,
}

pub fn rights(
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

/// What became of a write on one task of a round.
pub enum TaskWrite {
    Written,
    /// The round moved on (or the dispute was used): nothing was written.
    Frozen,
    Invalid(FieldErrors),
}

/// One of the forms on a task of a round — `self` (the owner's
/// self-assessment), `score` (a reviewer's), `consensus` (the lead's),
/// `dispute` (the owner's, once published), `answer` (the lead's) — checked
/// and written if the reader may and the round is where the form belongs.
/// Fields: `score_<criterion>`, `comment_<criterion>` (the finding),
/// `proposal_<criterion>` (a reviewer's or the lead's proposal),
/// `note_<criterion>` (a reviewer's private note), `evidence_<criterion>`
/// (links to the task's visits and files, one a line); `reason`,
/// `criterion_id` (a dispute's), `decision` (an answer's: `result_stands` or
/// `dispute_accepted`, one of them required).
///
/// Raising a dispute tells the round's lead; answering it tells whoever
/// raised it, in the same transaction.
pub fn write_task_review(
    conn: &mut db::DbConnection,
    who: &Caller,
    round_id: i64,
    tid: i64,
    what: &str,
    values: &HashMap<String, String>,
) -> AppResult<TaskWrite> {
    let a = &round_access(conn, who, round_id)?;
    let (rid, uid) = (a.round.id, who.id);
    let row = rdb::task_row(conn, rid, tid)?.ok_or(AppError::NotFound)?;
    let task = db::tasks::find(conn, tid)?;
    let on_task = !db::tasks::member_roles(conn, &task, uid)?.is_empty();
    let criteria = rdb::criteria(conn, rid)?;
    let dispute = rdb::dispute_of(conn, rid, tid)?;
    let r = rights(who, a, &row, on_task, dispute.as_ref());
    let which: &'static str = match sender_of(what, r.owner, a, on_task) {
        Some((which, true)) => which,
        Some((_, false)) => return Err(AppError::Forbidden),
        None => return Err(AppError::NotFound),
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
            // The answer is an explicit choice: the result stands, or the
            // dispute is accepted; neither is assumed.
            let decision = match which {
                "answer" => {
                    let d = values
                        .get("decision")
                        .and_then(|v| DisputeAnswer::parse(v.trim()));
                    if d.is_none() {
                        e.add("decision", "review-error-decision");
                    }
                    d
                }
                _ => None,
            };
            if !e.is_empty() {
                return Ok(TaskWrite::Invalid(e));
            }
            let criterion_name = criterion_id
                .and_then(|id| criteria.iter().find(|c| c.id == id))
                .map(|c| c.name_vi.clone());
            audit::write_if(conn, &who.actor, |c| {
                let change = match (which, decision, dispute.as_ref()) {
                    ("answer", Some(decision), Some(d)) => {
                        let change = rdb::answer_dispute(c, &round, tid, &text, decision, uid)?;
                        if change.is_some() {
                            db::notifications::review_dispute_answered(
                                c, &round, d, &row.title, decision, &text,
                            )?;
                        }
                        change
                    }
                    ("answer", _, _) => None,
                    _ if !rdb::hold(c, round.id, &[RoundStatus::Published])? => None,
                    _ => {
                        let change = rdb::raise_dispute(c, &round, tid, criterion_id, uid, &text)?;
                        if change.is_some() {
                            db::notifications::review_disputed(
                                c,
                                &round,
                                &row,
                                criterion_name.as_deref(),
                                &text,
                            )?;
                        }
                        change
                    }
                };
                Ok((change.is_some(), change))
            })?
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
                let typed = e.decimal(&key, &get(key.clone()));
                let score = checked_score(&mut e, &key, typed, c.max_points);
                let comment = e
                    .optional(
                        &format!("comment_{}", c.id),
                        &get(format!("comment_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default();
                // A proposal goes with a reviewer's or the lead's score; the
                // owner's explanation is their comment.
                let proposal = if kind == rdb::SELF {
                    String::new()
                } else {
                    e.optional(
                        &format!("proposal_{}", c.id),
                        &get(format!("proposal_{}", c.id)),
                        2000,
                    )
                    .unwrap_or_default()
                };
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
                    score,
                    comment,
                    private_note: note,
                    proposal,
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
                let known = rdb::evidence_of_task(conn, tid, &all)?;
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
            audit::write_if(conn, &who.actor, |c| {
                if !rdb::hold(c, round.id, &[status])? {
                    return Ok((false, None));
                }
                let change = rdb::save_scores(c, &round, tid, kind, uid, &items)?;
                Ok((true, Some(change)))
            })?
        }
    };
    Ok(if written {
        TaskWrite::Written
    } else {
        TaskWrite::Frozen
    })
}

// ---------------------------------------------------------------- results

/// Ranks the results the reader may see: tasks by total, owners and units by
/// the mean of their tasks' totals, each rated with its own conditions.
fn rank(
    results: &[rdb::TaskResult],
    criteria: &[rdb::Criterion],
    visible: impl Fn(&rdb::RoundTaskRow) -> bool,
) -> Tables {
    let shown: Vec<&rdb::TaskResult> = results.iter().filter(|r| visible(&r.row)).collect();
    let maxes: Vec<f64> = criteria.iter().map(|c| c.max_points).collect();
    let mut by_task: Vec<Ranked> = shown
        .iter()
        .map(|r| Ranked {
            key: r.row.rt.task_id,
            name: r.row.title.clone(),
            unit_name: format!("{} · {}", r.row.unit_name, r.row.owner_name),
            tasks: 1,
            total: r.total,
            rating: r.verdict.map(|v| v.rating),
            held_back_by: r.verdict.and_then(|v| v.held_back_by),
            shortfalls: review::shortfalls(&r.scores, &maxes, review::SHORTFALLS_SHOWN),
        })
        .collect();
    let group = |key: &dyn Fn(&rdb::TaskResult) -> (i64, String, String), collective: bool| {
        let mut groups: Vec<(i64, String, String, Vec<&rdb::TaskResult>)> = Vec::new();
        for r in &shown {
            let (k, name, unit) = key(r);
            match groups.iter_mut().find(|g| g.0 == k) {
                Some(g) => g.3.push(r),
                None => groups.push((k, name, unit, vec![r])),
            }
        }
        groups
            .into_iter()
            .map(|(k, name, unit_name, rs)| {
                let mut rec = Record::default();
                for r in &rs {
                    let one = rdb::record_of(&r.row.rt);
                    rec.tasks += one.tasks;
                    rec.late += one.late;
                    rec.not_done += one.not_done;
                    rec.exceeded += one.exceeded;
                }
                let totals: Option<Vec<f64>> = rs.iter().map(|r| r.total).collect();
                let mean = totals
                    .filter(|t| !t.is_empty())
                    .map(|t| review::round2(t.iter().sum::<f64>() / t.len() as f64));
                let verdict = mean.map(|m| review::rate(m, &rec, collective));
                Ranked {
                    key: k,
                    name,
                    unit_name,
                    tasks: rs.len() as i64,
                    total: mean,
                    rating: verdict.map(|v| v.rating),
                    held_back_by: verdict.and_then(|v| v.held_back_by),
                    shortfalls: vec![],
                }
            })
            .collect::<Vec<_>>()
    };
    let mut by_owner = group(
        &|r| {
            (
                r.row.rt.owner_id.unwrap_or(r.row.task_owner_id),
                r.row.owner_name.clone(),
                r.row.unit_name.clone(),
            )
        },
        false,
    );
    let mut by_unit = group(
        &|r| {
            (
                r.row.rt.unit_id.unwrap_or(r.row.task_unit_id),
                r.row.unit_name.clone(),
                String::new(),
            )
        },
        true,
    );
    let order = |a: &Ranked, b: &Ranked| {
        b.total
            .unwrap_or(-1.0)
            .total_cmp(&a.total.unwrap_or(-1.0))
            .then_with(|| a.name.cmp(&b.name))
    };
    by_task.sort_by(order);
    by_owner.sort_by(order);
    by_unit.sort_by(order);
    let counts = Rating::ALL
        .iter()
        .map(|r| {
            (
                *r,
                by_task.iter().filter(|t| t.rating == Some(*r)).count() as i64,
            )
        })
        .collect();
    Tables {
        by_task,
        by_owner,
        by_unit,
        counts,
    }
}

/// A round, its criteria, its ranked tables as the reader sees them, and the
/// key and data version they are kept under.
pub type Results = (RoundAccess, Vec<rdb::Criterion>, Arc<Tables>, (String, i64));

/// The results of a round for a reader: reviewers while scoring, everyone
/// who may see the round once published.
pub fn round_results(
    conn: &mut db::DbConnection,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Results> {
    let a = round_access(conn, user, id)?;
    if !(a.reviewer || a.published()) {
        return Err(AppError::Forbidden);
    }
    let round = a.round.clone();
    // Results of thousands of tasks are computed once per data version.
    let version = db::audit::versions(conn, user.versions)?.data;
    let results =
        state
            .round_results
            .get_or(format!("{}:{}", round.id, round.version), version, || {
                rdb::compute(conn, &round)
            })?;
    let criteria = rdb::criteria(conn, round.id)?;
    // Reviewers see every score; other readers what their roles reach.
    let reader = if a.reviewer {
        "all".to_string()
    } else {
        user.id.to_string()
    };
    // The key the reader's tables are kept under, and its data version.
    let key = format!("{}:{}:{reader}", a.round.id, a.round.version);
    let tables = state.ranked.get_or::<AppError>(key.clone(), version, || {
        Ok(rank(&results, &criteria, |row| sees_scores(user, &a, row)))
    })?;
    Ok((a, criteria, tables, (key, version)))
}

/// Whose form `what` is on a task of a round, whatever the round's stage:
/// the owner's `self` and `dispute`, a reviewer's `score` and the lead's
/// `consensus` (neither on a task they work on) and `answer`.
pub fn may_write(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    round_id: i64,
    tid: i64,
    what: &str,
) -> AppResult<bool> {
    let a = round_access(conn, user, round_id)?;
    let row = rdb::task_row(conn, a.round.id, tid)?.ok_or(AppError::NotFound)?;
    let task = db::tasks::find(conn, tid)?;
    let on_task = !db::tasks::member_roles(conn, &task, user.id)?.is_empty();
    let owner = row.task_owner_id == user.id;
    Ok(sender_of(what, owner, &a, on_task).is_some_and(|(_, may)| may))
}

/// The form `what` is, and whether the reader is whose it is: the owner's
/// `self` and `dispute`, a reviewer's `score` and the lead's `consensus`
/// (neither on a task they work on) and `answer`. `None` for no such form.
fn sender_of(
    what: &str,
    owner: bool,
    a: &RoundAccess,
    on_task: bool,
) -> Option<(&'static str, bool)> {
    Some(match what {
        "self" => ("self", owner),
        "dispute" => ("dispute", owner),
        // Nobody scores a task they work on.
        "score" => ("score", a.reviewer && !on_task),
        "consensus" => ("consensus", a.lead && !on_task),
        "answer" => ("answer", a.lead),
        _ => return None,
    })
}
