//! A household's compensation records — its plan's versions, payments and
//! land handover — and the task's figures added up from them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::Change;
use super::schema::{compensation_payments, compensation_plans, land_handovers, task_money};
use super::tasks::Task;
use super::DbConnection;
use crate::domain::money::{Amounts, PaymentMethod, Records, Resettlement};

/// One version of a household's plan.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = compensation_plans)]
pub struct Plan {
    pub id: i64,
    pub household_id: i64,
    pub task_id: i64,
    pub version: i32,
    pub current: bool,
    pub land: i64,
    pub structures: i64,
    pub crops: i64,
    pub support: i64,
    pub total: i64,
    pub resettlement: String,
    pub resettlement_place: String,
    pub posted_on: Option<NaiveDate>,
    pub posted_at: String,
    pub comments_until: Option<NaiveDate>,
    pub decision_no: String,
    pub decision_on: Option<NaiveDate>,
    pub decision_by: String,
    pub note: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

impl Plan {
    pub fn approved(&self) -> bool {
        self.decision_on.is_some()
    }

    pub fn amounts(&self) -> Amounts {
        Amounts {
            land: self.land,
            structures: self.structures,
            crops: self.crops,
            support: self.support,
        }
    }
}

/// A version of a plan as checked, to be stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewPlan {
    pub amounts: Amounts,
    pub resettlement: Resettlement,
    pub resettlement_place: String,
    pub posted_on: Option<NaiveDate>,
    pub posted_at: String,
    pub comments_until: Option<NaiveDate>,
    pub decision_no: String,
    pub decision_on: Option<NaiveDate>,
    pub decision_by: String,
    pub note: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = compensation_payments)]
pub struct Payment {
    pub id: i64,
    pub household_id: i64,
    pub task_id: i64,
    pub paid_on: NaiveDate,
    pub amount: i64,
    pub method: String,
    pub reference: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// A payment as checked, to be stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewPayment {
    pub paid_on: NaiveDate,
    pub amount: i64,
    pub method: PaymentMethod,
    pub reference: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = land_handovers)]
pub struct Handover {
    pub household_id: i64,
    pub task_id: i64,
    pub handed_over_on: NaiveDate,
    pub minutes: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// A task's money figures, added up from its households' records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = task_money)]
pub struct TaskMoney {
    pub task_id: i64,
    /// Households with a plan drawn up.
    pub plans: i32,
    /// Households whose plan a decision approved.
    pub plans_approved: i32,
    /// The current versions' totals.
    pub money_planned: i64,
    /// The latest approved versions' totals.
    pub money_approved: i64,
    /// Paid in cash or by transfer.
    pub money_paid: i64,
    /// Deposited for households that refused it.
    pub money_deposited: i64,
    /// Households paid or deposited for.
    pub households_paid: i32,
    /// Resettlement plots and apartments in the approved plans.
    pub plots: i32,
    pub apartments: i32,
    /// Households whose land is handed over.
    pub handed_over: i32,
}

impl TaskMoney {
    /// Whether any household of the task has a record.
    pub fn has_records(&self) -> bool {
        self.plans > 0 || self.households_paid > 0 || self.handed_over > 0
    }
}

/// A household's plan versions, newest first.
pub fn plans(conn: &mut DbConnection, household_id: i64) -> QueryResult<Vec<Plan>> {
    compensation_plans::table
        .filter(compensation_plans::household_id.eq(household_id))
        .order(compensation_plans::version.desc())
        .select(Plan::as_select())
        .load(conn)
}

/// A household's payments, oldest first.
pub fn payments(conn: &mut DbConnection, household_id: i64) -> QueryResult<Vec<Payment>> {
    compensation_payments::table
        .filter(compensation_payments::household_id.eq(household_id))
        .order((compensation_payments::paid_on, compensation_payments::id))
        .select(Payment::as_select())
        .load(conn)
}

pub fn handover(conn: &mut DbConnection, household_id: i64) -> QueryResult<Option<Handover>> {
    land_handovers::table
        .find(household_id)
        .select(Handover::as_select())
        .first(conn)
        .optional()
}

/// What a household's records hold, for its stage.
pub fn records(conn: &mut DbConnection, household_id: i64) -> QueryResult<Records> {
    let approved: i64 = compensation_plans::table
        .filter(compensation_plans::household_id.eq(household_id))
        .filter(compensation_plans::decision_on.is_not_null())
        .count()
        .get_result(conn)?;
    let methods: Vec<String> = compensation_payments::table
        .filter(compensation_payments::household_id.eq(household_id))
        .select(compensation_payments::method)
        .distinct()
        .load(conn)?;
    Ok(Records::of(
        approved > 0,
        methods.iter().map(String::as_str),
        handover(conn, household_id)?.is_some(),
    ))
}

/// Adds a version of a household's plan, which becomes its current one.
pub fn add_plan(
    conn: &mut DbConnection,
    task: &Task,
    household_id: i64,
    p: &NewPlan,
    by: i64,
) -> QueryResult<(Plan, Change)> {
    // Two versions saved at once number themselves one after the other.
    super::households::lock(conn, household_id)?;
    let last: Option<i32> = compensation_plans::table
        .filter(compensation_plans::household_id.eq(household_id))
        .select(diesel::dsl::max(compensation_plans::version))
        .first(conn)?;
    diesel::update(
        compensation_plans::table
            .filter(compensation_plans::household_id.eq(household_id))
            .filter(compensation_plans::current.eq(true)),
    )
    .set(compensation_plans::current.eq(false))
    .execute(conn)?;
    let a = p.amounts;
    let id: i64 = diesel::insert_into(compensation_plans::table)
        .values((
            compensation_plans::household_id.eq(household_id),
            compensation_plans::task_id.eq(task.id),
            compensation_plans::version.eq(last.unwrap_or(0) + 1),
            compensation_plans::current.eq(true),
            compensation_plans::land.eq(a.land),
            compensation_plans::structures.eq(a.structures),
            compensation_plans::crops.eq(a.crops),
            compensation_plans::support.eq(a.support),
            compensation_plans::total.eq(a.total()),
            compensation_plans::resettlement.eq(p.resettlement.as_str()),
            compensation_plans::resettlement_place.eq(&p.resettlement_place),
            compensation_plans::posted_on.eq(p.posted_on),
            compensation_plans::posted_at.eq(&p.posted_at),
            compensation_plans::comments_until.eq(p.comments_until),
            compensation_plans::decision_no.eq(&p.decision_no),
            compensation_plans::decision_on.eq(p.decision_on),
            compensation_plans::decision_by.eq(&p.decision_by),
            compensation_plans::note.eq(&p.note),
            compensation_plans::created_by.eq(by),
            compensation_plans::created_at.eq(super::now()),
        ))
        .returning(compensation_plans::id)
        .get_result(conn)?;
    recount(conn, task.id)?;
    let plan = compensation_plans::table
        .find(id)
        .select(Plan::as_select())
        .first(conn)?;
    let change = Change::new(
        "add_plan",
        "household",
        household_id,
        json!({"plan": id, "version": plan.version, "fields": p}),
    )
    .on_unit(task.unit_id);
    Ok((plan, change))
}

pub fn add_payment(
    conn: &mut DbConnection,
    task: &Task,
    household_id: i64,
    p: &NewPayment,
    by: i64,
) -> QueryResult<(i64, Change)> {
    let id: i64 = diesel::insert_into(compensation_payments::table)
        .values((
            compensation_payments::household_id.eq(household_id),
            compensation_payments::task_id.eq(task.id),
            compensation_payments::paid_on.eq(p.paid_on),
            compensation_payments::amount.eq(p.amount),
            compensation_payments::method.eq(p.method.as_str()),
            compensation_payments::reference.eq(&p.reference),
            compensation_payments::created_by.eq(by),
            compensation_payments::created_at.eq(super::now()),
        ))
        .returning(compensation_payments::id)
        .get_result(conn)?;
    recount(conn, task.id)?;
    let change = Change::new(
        "add_payment",
        "household",
        household_id,
        json!({"payment": id, "fields": p}),
    )
    .on_unit(task.unit_id);
    Ok((id, change))
}

/// Records the land handed over, over an earlier record of it.
pub fn put_handover(
    conn: &mut DbConnection,
    task: &Task,
    household_id: i64,
    on: NaiveDate,
    minutes: &str,
    by: i64,
) -> QueryResult<Change> {
    diesel::delete(land_handovers::table.find(household_id)).execute(conn)?;
    diesel::insert_into(land_handovers::table)
        .values((
            land_handovers::household_id.eq(household_id),
            land_handovers::task_id.eq(task.id),
            land_handovers::handed_over_on.eq(on),
            land_handovers::minutes.eq(minutes),
            land_handovers::created_by.eq(by),
            land_handovers::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    recount(conn, task.id)?;
    Ok(Change::new(
        "handover",
        "household",
        household_id,
        json!({"on": on, "minutes": minutes}),
    )
    .on_unit(task.unit_id))
}

/// First versions of imported households' plans (amounts only, not yet
/// posted or approved), in a few statements, then one recount.
pub fn add_first_plans(
    conn: &mut DbConnection,
    task: &Task,
    plans: &[(i64, Amounts)],
    by: i64,
) -> QueryResult<usize> {
    let now = super::now();
    for chunk in plans.chunks(1_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(household_id, a)| {
                (
                    compensation_plans::household_id.eq(*household_id),
                    compensation_plans::task_id.eq(task.id),
                    compensation_plans::version.eq(1),
                    compensation_plans::current.eq(true),
                    compensation_plans::land.eq(a.land),
                    compensation_plans::structures.eq(a.structures),
                    compensation_plans::crops.eq(a.crops),
                    compensation_plans::support.eq(a.support),
                    compensation_plans::total.eq(a.total()),
                    compensation_plans::resettlement.eq(Resettlement::None.as_str()),
                    compensation_plans::resettlement_place.eq(""),
                    compensation_plans::posted_at.eq(""),
                    compensation_plans::decision_no.eq(""),
                    compensation_plans::decision_by.eq(""),
                    compensation_plans::note.eq(""),
                    compensation_plans::created_by.eq(by),
                    compensation_plans::created_at.eq(now),
                )
            })
            .collect();
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(compensation_plans::table)
                .values(values)
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(compensation_plans::table)
                .values(values)
                .execute(c)?,
        };
    }
    if !plans.is_empty() {
        recount(conn, task.id)?;
    }
    Ok(plans.len())
}

/// The current versions' amounts of a task's households, for an export.
pub fn current_amounts(
    conn: &mut DbConnection,
    task_id: i64,
) -> QueryResult<std::collections::HashMap<i64, Amounts>> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = compensation_plans::table
        .filter(compensation_plans::task_id.eq(task_id))
        .filter(compensation_plans::current.eq(true))
        .select((
            compensation_plans::household_id,
            compensation_plans::land,
            compensation_plans::structures,
            compensation_plans::crops,
            compensation_plans::support,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(h, land, structures, crops, support)| {
            (
                h,
                Amounts {
                    land,
                    structures,
                    crops,
                    support,
                },
            )
        })
        .collect())
}

/// The task's figures as kept.
pub fn of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<TaskMoney> {
    Ok(task_money::table
        .find(task_id)
        .select(TaskMoney::as_select())
        .first(conn)
        .optional()?
        .unwrap_or(TaskMoney {
            task_id,
            ..TaskMoney::default()
        }))
}

/// The task's figures added up afresh from every record of its households.
pub fn count(conn: &mut DbConnection, task_id: i64) -> QueryResult<TaskMoney> {
    let plans: Vec<(i64, i32, i64, Option<NaiveDate>, String)> = compensation_plans::table
        .filter(compensation_plans::task_id.eq(task_id))
        .order((
            compensation_plans::household_id,
            compensation_plans::version,
        ))
        .select((
            compensation_plans::household_id,
            compensation_plans::version,
            compensation_plans::total,
            compensation_plans::decision_on,
            compensation_plans::resettlement,
        ))
        .load(conn)?;
    let payments: Vec<(i64, i64, String)> = compensation_payments::table
        .filter(compensation_payments::task_id.eq(task_id))
        .select((
            compensation_payments::household_id,
            compensation_payments::amount,
            compensation_payments::method,
        ))
        .load(conn)?;
    let handed_over: i64 = land_handovers::table
        .filter(land_handovers::task_id.eq(task_id))
        .count()
        .get_result(conn)?;
    let mut m = TaskMoney {
        task_id,
        handed_over: handed_over as i32,
        ..TaskMoney::default()
    };
    // Versions come in order: the last of a household is its current one,
    // the last with a decision its approved one.
    for household in plans.chunk_by(|a, b| a.0 == b.0) {
        m.plans += 1;
        m.money_planned += household.last().map_or(0, |p| p.2);
        if let Some(approved) = household.iter().rev().find(|p| p.3.is_some()) {
            m.plans_approved += 1;
            m.money_approved += approved.2;
            match Resettlement::parse(&approved.4) {
                Some(Resettlement::Plot) => m.plots += 1,
                Some(Resettlement::Apartment) => m.apartments += 1,
                _ => {}
            }
        }
    }
    let mut paid: Vec<i64> = Vec::new();
    for (household, amount, method) in &payments {
        if method == PaymentMethod::Deposit.as_str() {
            m.money_deposited += amount;
        } else {
            m.money_paid += amount;
        }
        paid.push(*household);
    }
    paid.sort_unstable();
    paid.dedup();
    m.households_paid = paid.len() as i32;
    Ok(m)
}

/// Recounts the task's figures and keeps them (inside the caller's
/// transaction, as every change to the records is made).
pub fn recount(conn: &mut DbConnection, task_id: i64) -> QueryResult<()> {
    let m = count(conn, task_id)?;
    diesel::delete(task_money::table.find(task_id)).execute(conn)?;
    diesel::insert_into(task_money::table)
        .values(&m)
        .execute(conn)?;
    Ok(())
}

/// Recounts every task's figures (after a bulk load).
pub fn recount_all(conn: &mut DbConnection) -> QueryResult<()> {
    let mut tasks: Vec<i64> = compensation_plans::table
        .select(compensation_plans::task_id)
        .distinct()
        .load(conn)?;
    tasks.extend(
        compensation_payments::table
            .select(compensation_payments::task_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    tasks.extend(
        land_handovers::table
            .select(land_handovers::task_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    tasks.sort_unstable();
    tasks.dedup();
    diesel::delete(task_money::table).execute(conn)?;
    for t in tasks {
        recount(conn, t)?;
    }
    Ok(())
}
