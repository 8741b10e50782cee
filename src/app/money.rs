//! A household's compensation: its plan (a new version for each adjustment),
//! the money paid or deposited and the land handed over. Those who edit the
//! task keep these records; a record moves the household's stage forward
//! through its log, as a visit would, and the task's figures are recounted
//! in the same transaction.

use chrono::NaiveDate;
use serde::Serialize;

use super::households::{household_access, seen};
use super::tasks::Access;
use super::Caller;
use super::{forbidden_unless, required_date, Rejected};
use crate::context::CurrentUser;
use crate::db::households::{Household, NewVisit, RECORD};
use crate::db::money::{Handover, NewPayment, NewPlan, Payment, Plan};
use crate::db::{self, audit, DbConnection};
use crate::domain::consent::ConsentStage;
use crate::domain::format;
use crate::domain::households::Sight;
use crate::domain::money::{self, Amounts, PaymentMethod, Records, Resettlement};
use crate::domain::validate::FieldErrors;

/// A plan's version as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub land: Option<i64>,
    pub structures: Option<i64>,
    pub crops: Option<i64>,
    pub support: Option<i64>,
    pub resettlement: String,
    pub resettlement_place: String,
    pub posted_on: Option<NaiveDate>,
    pub posted_at: String,
    pub comments_until: Option<NaiveDate>,
    pub decision_no: String,
    pub decision_on: Option<NaiveDate>,
    pub decision_by: String,
    pub note: String,
    /// What the edge could not read.
    pub unread: FieldErrors,
}

#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    pub paid_on: Option<NaiveDate>,
    pub amount: Option<i64>,
    pub method: String,
    pub reference: String,
    pub unread: FieldErrors,
}

#[derive(Debug, Clone, Default)]
pub struct HandoverInput {
    pub handed_over_on: Option<NaiveDate>,
    pub minutes: String,
    pub unread: FieldErrors,
}

/// A household's records, for those who may see its amounts.
#[derive(Debug, Clone, Serialize)]
pub struct Compensation {
    /// Newest first; the first is the current one.
    pub plans: Vec<Plan>,
    pub payments: Vec<Payment>,
    pub handover: Option<Handover>,
    /// The latest approved version's total, if one is approved.
    pub approved: Option<i64>,
    pub paid: i64,
    pub deposited: i64,
}

impl Compensation {
    pub fn records(&self) -> Records {
        Records::of(
            self.approved.is_some(),
            self.payments.iter().map(|p| p.method.as_str()),
            self.handover.is_some(),
        )
    }
}

/// What a record did to the household's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// The stage it moved the household to.
    pub moved_to: Option<ConsentStage>,
}

/// A household's records, read on the connection at hand.
pub fn read(conn: &mut DbConnection, household_id: i64) -> Result<Compensation, Rejected> {
    let plans = db::money::plans(conn, household_id)?;
    let payments = db::money::payments(conn, household_id)?;
    let handover = db::money::handover(conn, household_id)?;
    let sum = |deposit: bool| {
        payments
            .iter()
            .filter(|p| (p.method == PaymentMethod::Deposit.as_str()) == deposit)
            .map(|p| p.amount)
            .sum()
    };
    Ok(Compensation {
        approved: plans.iter().find(|p| p.approved()).map(|p| p.total),
        paid: sum(false),
        deposited: sum(true),
        plans,
        payments,
        handover,
    })
}

impl Compensation {
    /// What the latest approved total leaves to pay (or deposit), if approved.
    pub fn left(&self) -> Option<i64> {
        self.approved.map(|a| a - self.paid - self.deposited)
    }

    pub fn is_empty(&self) -> bool {
        self.plans.is_empty() && self.payments.is_empty() && self.handover.is_none()
    }
}

/// The household, its task's rights, and its records unless the reader sees
/// personal details masked (amounts are as private as a phone number); a
/// reviewer's or administrator's look at them is logged, as at a phone's.
pub fn of_household(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
) -> Result<(Household, Access, Option<Compensation>), Rejected> {
    let (household, access) = household_access(conn, who, household_id)?;
    let records = records_seen(conn, who, &access, household_id, false)?;
    Ok((household, access, records))
}

/// A household's page: the household as `households::seen` shows it and
/// its records as `of_household` reads them, one look logged for both.
pub fn with_household(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
) -> Result<(Household, Access, Option<Compensation>), Rejected> {
    let (household, access, looked) = seen(conn, who, household_id)?;
    let records = records_seen(conn, who, &access, household_id, looked)?;
    Ok((household, access, records))
}

/// The records unless the reader sees personal details masked; a logged
/// look at them leaves its trace unless the household's was `looked` at.
fn records_seen(
    conn: &mut DbConnection,
    who: &Caller,
    access: &Access,
    household_id: i64,
    looked: bool,
) -> Result<Option<Compensation>, Rejected> {
    let records = match access.sight {
        Sight::Masked => None,
        _ => Some(read(conn, household_id)?),
    };
    if !looked && access.sight == Sight::Logged && records.as_ref().is_some_and(|r| !r.is_empty()) {
        let read = audit::Change::new(
            "read_personal",
            "household",
            household_id,
            serde_json::json!({"compensation": true}),
        );
        audit::record_read(conn, &who.actor, &read.on_unit(access.task.unit_id))?;
    }
    Ok(records)
}

/// The household and its task's rights; 403 unless the reader edits the task.
fn keeper(
    conn: &mut DbConnection,
    user: &CurrentUser,
    household_id: i64,
) -> Result<(Household, Access), Rejected> {
    let (household, access) = household_access(conn, user, household_id)?;
    forbidden_unless(access.can_edit)?;
    Ok((household, access))
}

fn check_plan(input: &PlanInput) -> Result<NewPlan, FieldErrors> {
    let mut e = input.unread.clone();
    let mut amount = |field: &str, v: Option<i64>| e.money_value(field, v).unwrap_or(0);
    let amounts = Amounts {
        land: amount("land", input.land),
        structures: amount("structures", input.structures),
        crops: amount("crops", input.crops),
        support: amount("support", input.support),
    };
    if [input.land, input.structures, input.crops, input.support]
        .iter()
        .all(Option::is_none)
    {
        e.add("land", "money-error-no-amount");
    }
    let resettlement = match input.resettlement.trim() {
        "" => Some(Resettlement::None),
        s => Resettlement::parse(s),
    };
    if resettlement.is_none() {
        e.add("resettlement", "error-invalid-choice");
    }
    let resettlement_place = e.optional_text("resettlement_place", &input.resettlement_place, 300);
    if matches!(
        resettlement,
        Some(Resettlement::Plot | Resettlement::Apartment)
    ) && resettlement_place.is_empty()
    {
        e.add("resettlement_place", "money-error-place");
    }
    let posted_on = e.date_value("posted_on", input.posted_on);
    let posted_at = e.optional_text("posted_at", &input.posted_at, 300);
    let comments_until = e.date_value("comments_until", input.comments_until);
    if comments_until.is_some() && posted_on.is_none() {
        e.add("posted_on", "error-required");
    }
    if posted_on.is_some() && posted_at.is_empty() {
        e.add("posted_at", "error-required");
    }
    if let (Some(p), Some(c)) = (posted_on, comments_until) {
        if c < p {
            e.add("comments_until", "money-error-comments-before-posting");
        }
    }
    let decision_no = e.optional_text("decision_no", &input.decision_no, 100);
    let decision_on = e.date_value("decision_on", input.decision_on);
    let decision_by = e.optional_text("decision_by", &input.decision_by, 300);
    // A decision is its number, date and body together.
    let decided = [
        !decision_no.is_empty(),
        input.decision_on.is_some(),
        !decision_by.is_empty(),
    ];
    if decided.iter().any(|d| *d) {
        for (field, given) in ["decision_no", "decision_on", "decision_by"]
            .iter()
            .zip(decided)
        {
            if !given {
                e.add(field, "money-error-decision");
            }
        }
    }
    if decision_on.is_some_and(|d| d > format::today()) {
        e.add("decision_on", "error-future-date");
    }
    if let (Some(p), Some(d)) = (posted_on, decision_on) {
        if d < p {
            e.add("decision_on", "money-error-decision-before-posting");
        }
    }
    let note = e.optional_text("note", &input.note, 2000);
    match (resettlement, e.is_empty()) {
        (Some(resettlement), true) => Ok(NewPlan {
            amounts,
            resettlement,
            resettlement_place,
            posted_on,
            posted_at,
            comments_until,
            decision_no,
            decision_on,
            decision_by,
            note,
        }),
        _ => Err(e),
    }
}

/// Adds a version of the household's plan (the first, or an adjustment that
/// keeps the earlier ones). One that carries a decision moves the household
/// to "plan approved" if it had not got so far.
pub fn save_plan(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    input: &PlanInput,
) -> Result<(Plan, Recorded), Rejected> {
    let (household, access) = keeper(conn, who, household_id)?;
    let plan = check_plan(input)?;
    let task = &access.task;
    let written = audit::write(conn, &who.actor, |c| {
        let (saved, change) = db::money::add_plan(c, task, household_id, &plan, who.id)?;
        let moved = match plan.decision_on {
            Some(on) => move_stage(
                c,
                &who.actor,
                task,
                &household,
                (ConsentStage::PlanApproved, on, &saved.decision_no),
                who.id,
            )?,
            None => None,
        };
        Ok(((saved, moved), change))
    })?;
    Ok((
        written.0,
        Recorded {
            moved_to: written.1,
        },
    ))
}

/// Records money paid to the household, or deposited for it when it
/// refuses; it moves the household to "paid" or "payment deposited". Money
/// is paid on an approved plan, and no more than it approved.
pub fn record_payment(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    input: &PaymentInput,
) -> Result<(i64, Recorded), Rejected> {
    let (household, access) = keeper(conn, who, household_id)?;
    let had = read(conn, household_id)?;
    let mut e = input.unread.clone();
    let paid_on = required_date(&mut e, "paid_on", input.paid_on);
    if paid_on.is_some_and(|d| d > format::today()) {
        e.add("paid_on", "error-future-date");
    }
    let amount = e.money_value("amount", input.amount);
    match input.amount {
        None => e.add("amount", "error-required"),
        Some(0) => e.add("amount", "money-error-zero"),
        _ => {}
    }
    let method = PaymentMethod::parse(input.method.trim());
    if method.is_none() {
        e.add("method", "error-invalid-choice");
    }
    let reference = e.optional_text("reference", &input.reference, 300);
    // A deposit is proved by the Treasury's slip.
    if method == Some(PaymentMethod::Deposit) && reference.is_empty() {
        e.add("reference", "money-error-deposit-slip");
    }
    match had.approved {
        None => e.add("amount", "money-error-no-approved-plan"),
        Some(approved) => {
            if amount.is_some_and(|a| had.paid + had.deposited + a > approved) {
                e.add("amount", "money-error-over-approved");
            }
        }
    }
    let (Some(paid_on), Some(amount), Some(method), true) = (paid_on, amount, method, e.is_empty())
    else {
        return Err(Rejected::Invalid(e));
    };
    let payment = NewPayment {
        paid_on,
        amount,
        method,
        reference,
    };
    let task = &access.task;
    let written = audit::write_if(conn, &who.actor, |c| {
        // Checked again with the household locked: two payments sent at
        // once cannot together pass the approved amount.
        db::households::lock(c, household_id)?;
        let now = read(c, household_id).map_err(Rejected::into_app_error)?;
        if now.paid + now.deposited + amount > now.approved.unwrap_or(0) {
            return Ok((None, None));
        }
        let (id, change) = db::money::add_payment(c, task, household_id, &payment, who.id)?;
        let to = money::stage_of_payment(method);
        let moved = move_stage(
            c,
            &who.actor,
            task,
            &household,
            (to, paid_on, &payment.reference),
            who.id,
        )?;
        Ok((Some((id, moved)), Some(change)))
    })?;
    let Some((id, moved)) = written else {
        return Err(Rejected::refused("amount", "money-error-over-approved"));
    };
    Ok((id, Recorded { moved_to: moved }))
}

/// Records the land handed over (over an earlier record of it), which moves
/// the household to "handed over".
pub fn record_handover(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    input: &HandoverInput,
) -> Result<Recorded, Rejected> {
    let (household, access) = keeper(conn, who, household_id)?;
    let mut e = input.unread.clone();
    let on = required_date(&mut e, "handed_over_on", input.handed_over_on);
    if on.is_some_and(|d| d > format::today()) {
        e.add("handed_over_on", "error-future-date");
    }
    let minutes = e.required("minutes", &input.minutes, 300);
    let (Some(on), true) = (on, e.is_empty()) else {
        return Err(Rejected::Invalid(e));
    };
    let task = &access.task;
    let moved = audit::write(conn, &who.actor, |c| {
        let change = db::money::put_handover(c, task, household_id, on, &minutes, who.id)?;
        let moved = move_stage(
            c,
            &who.actor,
            task,
            &household,
            (ConsentStage::HandedOver, on, &minutes),
            who.id,
        )?;
        Ok((moved, change))
    })?;
    Ok(Recorded { moved_to: moved })
}

/// Moves the household to `to` through its log, if the record takes it
/// forward; the record (`what`, its number) is the entry's reason.
fn move_stage(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    task: &db::tasks::Task,
    household: &Household,
    (to, on, what): (ConsentStage, NaiveDate, &str),
    by: i64,
) -> diesel::QueryResult<Option<ConsentStage>> {
    // The stage as it is inside this transaction.
    db::households::lock(conn, household.id)?;
    let now = db::households::find(conn, household.id)?;
    if !money::record_moves(now.stage(), to) {
        return Ok(None);
    }
    // Dated by the record, but never before the latest entry of the log: a
    // decision entered after this week's visits still moves the stage.
    let latest = db::households::latest_entry_on(conn, household.id)?;
    let entry = NewVisit {
        visited_on: latest.map_or(on, |last| last.max(on)),
        kind: RECORD.into(),
        members: vec![],
        others: String::new(),
        household_said: String::new(),
        concerns: String::new(),
        stage_after: to,
        reason: Some(what.to_string()).filter(|w| !w.is_empty()),
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    };
    let (_, change) = db::households::append_visit(conn, task, &now, &entry, by)?;
    audit::record_also(conn, actor, &change)?;
    let moved = db::households::find(conn, household.id)?.stage() == to;
    Ok(moved.then_some(to))
}

/// A task's money figures as pages show them: added up from its households'
/// records, or, for a task without any, the figures typed in before such
/// records existed (`typed`, marked where shown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Plans needed: one per household of the task.
    pub plans_needed: i64,
    pub plans: i64,
    pub plans_approved: i64,
    pub money_approved: i64,
    pub money_paid: i64,
    pub money_deposited: i64,
    pub households_paid: i64,
    pub plots: i64,
    pub apartments: i64,
    pub handed_over: i64,
    pub typed: bool,
}

impl Figures {
    pub fn new(task: &db::tasks::Task, m: &db::money::TaskMoney, households: i64) -> Figures {
        if !m.has_records() {
            let typed = task.plans_total.is_some()
                || task.plans_approved.is_some()
                || task.money_paid.is_some();
            if typed {
                return Figures {
                    plans_needed: task.plans_total.map_or(households, i64::from),
                    plans: task.plans_total.map_or(0, i64::from),
                    plans_approved: task.plans_approved.map_or(0, i64::from),
                    money_paid: task.money_paid.unwrap_or(0),
                    typed: true,
                    ..Figures::default()
                };
            }
        }
        Figures {
            plans_needed: households,
            plans: m.plans.into(),
            plans_approved: m.plans_approved.into(),
            money_approved: m.money_approved,
            money_paid: m.money_paid,
            money_deposited: m.money_deposited,
            households_paid: m.households_paid.into(),
            plots: m.plots.into(),
            apartments: m.apartments.into(),
            handed_over: m.handed_over.into(),
            typed: false,
        }
    }

    /// Money paid or deposited, in whole percent of the money approved.
    pub fn paid_percent(&self) -> Option<i64> {
        (self.money_approved > 0).then(|| {
            let out = self.money_paid as f64 + self.money_deposited as f64;
            crate::domain::numbers::percent(out, self.money_approved as f64)
        })
    }
}
