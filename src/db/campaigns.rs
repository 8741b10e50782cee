//! Annual campaigns (chủ đề năm) and the "Dân vận khéo" models registered in
//! them: appraisal scores, status moves with their history, check-ins, figures.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{diff, Change};
use super::reviews::CriterionFields;
use super::schema::{
    campaign_appraisers, campaign_criteria, campaign_tasks, campaigns, model_checkins,
    model_events, model_fields, model_scores, models, tasks, units, users,
};
use super::DbConnection;
use crate::domain::campaign::{ModelKind, ModelStatus};
use crate::domain::search;

pub use super::lists::model_fields::Entry as Field;

/// Every field, retired ones too.
pub fn fields(conn: &mut DbConnection) -> QueryResult<Vec<Field>> {
    super::lists::model_fields::all(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub theme: String,
    pub plan_number: String,
    pub plan_date: Option<NaiveDate>,
    pub focus_fields: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub description: String,
    pub related_plans: String,
    pub version: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Campaign {
    pub fn focus(&self) -> Vec<i64> {
        self.focus_fields
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// What a person edits on a campaign.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CampaignFields {
    pub unit_id: i64,
    pub year: i32,
    pub theme: String,
    pub plan_number: String,
    pub plan_date: Option<NaiveDate>,
    pub focus_fields: Vec<i64>,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub description: String,
    pub related_plans: String,
    pub appraisers: Vec<i64>,
}

fn joined(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Campaign> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
}

/// Every campaign with its unit's name and path, newest first; callers keep
/// those the reader may see.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(Campaign, String, String)>> {
    campaigns::table
        .inner_join(units::table)
        .select((Campaign::as_select(), units::name, units::path))
        .order((campaigns::year.desc(), units::path, campaigns::id))
        .load(conn)
}

/// Up to `limit` campaigns with an id above `after`, by id, of the units a
/// reader of the subtrees `scope` reaches (`domain::access::reaches`: a
/// campaign belongs to its unit as a whole).
pub fn reached_after(
    conn: &mut DbConnection,
    scope: &[String],
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Campaign>> {
    campaigns::table
        .inner_join(units::table)
        .filter(super::scope::reaching(scope))
        .filter(campaigns::id.gt(after))
        .select(Campaign::as_select())
        .order(campaigns::id)
        .limit(limit)
        .load(conn)
}

pub fn appraisers(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<(i64, String)>> {
    campaign_appraisers::table
        .inner_join(users::table.on(users::id.eq(campaign_appraisers::user_id)))
        .filter(campaign_appraisers::campaign_id.eq(id))
        .select((users::id, users::full_name))
        .order(users::full_name)
        .load(conn)
}

fn set_appraisers(conn: &mut DbConnection, id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(campaign_appraisers::table.filter(campaign_appraisers::campaign_id.eq(id)))
        .execute(conn)?;
    for u in ids {
        diesel::insert_into(campaign_appraisers::table)
            .values((
                campaign_appraisers::campaign_id.eq(id),
                campaign_appraisers::user_id.eq(u),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn fields_of(conn: &mut DbConnection, c: &Campaign) -> QueryResult<CampaignFields> {
    Ok(CampaignFields {
        unit_id: c.unit_id,
        year: c.year,
        theme: c.theme.clone(),
        plan_number: c.plan_number.clone(),
        plan_date: c.plan_date,
        focus_fields: c.focus(),
        period_from: c.period_from,
        period_to: c.period_to,
        description: c.description.clone(),
        related_plans: c.related_plans.clone(),
        appraisers: appraisers(conn, c.id)?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
    })
}

/// The criteria a new campaign starts with: the five standards of Đà Lạt,
/// 20 points each (domain research §2.3), changed per campaign.
pub fn default_criteria() -> Vec<CriterionFields> {
    [
        (
            "Sáng tạo, tiết kiệm thời gian và chi phí khi thực hiện nhiệm vụ chính trị",
            "Creative; saves time and cost in the political task",
        ),
        (
            "Vận động nhân dân tự giác chấp hành pháp luật",
            "People follow the law of their own accord",
        ),
        (
            "Huy động được nhiều lực lượng cùng tham gia",
            "Brings in many forces",
        ),
        (
            "Hài hòa lợi ích tập thể, cá nhân và xã hội",
            "Balances collective, individual and social interests",
        ),
        (
            "Bền vững, có khả năng nhân rộng",
            "Sustainable and replicable",
        ),
    ]
    .iter()
    .map(|(vi, en)| CriterionFields::new(vi, en, 20.0))
    .collect()
}

pub fn create(
    conn: &mut DbConnection,
    f: &CampaignFields,
    by: i64,
) -> QueryResult<(Campaign, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(campaigns::table)
        .values((
            campaigns::unit_id.eq(f.unit_id),
            campaigns::year.eq(f.year),
            campaigns::theme.eq(&f.theme),
            campaigns::plan_number.eq(&f.plan_number),
            campaigns::plan_date.eq(f.plan_date),
            campaigns::focus_fields.eq(joined(&f.focus_fields)),
            campaigns::period_from.eq(f.period_from),
            campaigns::period_to.eq(f.period_to),
            campaigns::description.eq(&f.description),
            campaigns::related_plans.eq(&f.related_plans),
            campaigns::version.eq(1),
            campaigns::created_by.eq(by),
            campaigns::created_at.eq(now),
            campaigns::updated_at.eq(now),
        ))
        .returning(campaigns::id)
        .get_result(conn)?;
    set_appraisers(conn, id, &f.appraisers)?;
    insert_criteria(conn, id, &default_criteria())?;
    Ok((
        find(conn, id)?,
        Change::new("create", "campaign", id, json!(f)).on_unit(f.unit_id),
    ))
}

/// Saves `f` if the campaign is still at `version`; `None` when it is not.
pub fn update(
    conn: &mut DbConnection,
    c: &Campaign,
    version: i32,
    f: &CampaignFields,
) -> QueryResult<Option<(Campaign, Change)>> {
    let before = fields_of(conn, c)?;
    let n = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(c.id))
            .filter(campaigns::version.eq(version)),
    )
    .set((
        campaigns::theme.eq(&f.theme),
        campaigns::plan_number.eq(&f.plan_number),
        campaigns::plan_date.eq(f.plan_date),
        campaigns::focus_fields.eq(joined(&f.focus_fields)),
        campaigns::period_from.eq(f.period_from),
        campaigns::period_to.eq(f.period_to),
        campaigns::description.eq(&f.description),
        campaigns::related_plans.eq(&f.related_plans),
        campaigns::version.eq(version + 1),
        campaigns::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    set_appraisers(conn, c.id, &f.appraisers)?;
    Ok(Some((
        find(conn, c.id)?,
        Change::new("update", "campaign", c.id, diff(&before, f)).on_unit(c.unit_id),
    )))
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = campaign_criteria)]
pub struct Criterion {
    pub id: i64,
    pub campaign_id: i64,
    pub name_vi: String,
    pub name_en: String,
    pub max_points: f64,
    pub sort_order: i32,
}

impl Criterion {
    pub fn fields(&self) -> CriterionFields {
        CriterionFields::new(&self.name_vi, &self.name_en, self.max_points)
    }
}

pub fn criteria(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<Criterion>> {
    campaign_criteria::table
        .filter(campaign_criteria::campaign_id.eq(id))
        .order((campaign_criteria::sort_order, campaign_criteria::id))
        .select(Criterion::as_select())
        .load(conn)
}

fn insert_criteria(conn: &mut DbConnection, id: i64, items: &[CriterionFields]) -> QueryResult<()> {
    for (i, c) in items.iter().enumerate() {
        diesel::insert_into(campaign_criteria::table)
            .values((
                campaign_criteria::campaign_id.eq(id),
                campaign_criteria::name_vi.eq(&c.name_vi),
                campaign_criteria::name_en.eq(&c.name_en),
                campaign_criteria::max_points.eq(c.max_points),
                campaign_criteria::sort_order.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the criteria while no model has been scored; `None` once one has.
pub fn set_criteria(
    conn: &mut DbConnection,
    c: &Campaign,
    items: &[CriterionFields],
) -> QueryResult<Option<Change>> {
    let scored: bool = diesel::select(diesel::dsl::exists(
        model_scores::table
            .inner_join(models::table)
            .filter(models::campaign_id.eq(c.id)),
    ))
    .get_result(conn)?;
    if scored {
        return Ok(None);
    }
    let before: Vec<CriterionFields> = criteria(conn, c.id)?
        .iter()
        .map(Criterion::fields)
        .collect();
    diesel::delete(campaign_criteria::table.filter(campaign_criteria::campaign_id.eq(c.id)))
        .execute(conn)?;
    insert_criteria(conn, c.id, items)?;
    let change = super::reviews::criteria_replaced("campaign", c.id, &before, items);
    Ok(Some(change.on_unit(c.unit_id)))
}

/// Tasks attached to the campaign: (id, title, unit name).
pub fn tasks_of(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<(i64, String, String)>> {
    campaign_tasks::table
        .inner_join(tasks::table.inner_join(units::table))
        .filter(campaign_tasks::campaign_id.eq(id))
        .select((tasks::id, tasks::title, units::name))
        .order((units::path, tasks::title))
        .load(conn)
}

/// Attaches exactly `ids` to the campaign (a task moves from any other campaign).
pub fn set_tasks(conn: &mut DbConnection, c: &Campaign, ids: &[i64]) -> QueryResult<Change> {
    let before: Vec<i64> = tasks_of(conn, c.id)?.into_iter().map(|t| t.0).collect();
    diesel::delete(campaign_tasks::table.filter(campaign_tasks::campaign_id.eq(c.id)))
        .execute(conn)?;
    diesel::delete(campaign_tasks::table.filter(campaign_tasks::task_id.eq_any(ids)))
        .execute(conn)?;
    for t in ids {
        diesel::insert_into(campaign_tasks::table)
            .values((
                campaign_tasks::task_id.eq(t),
                campaign_tasks::campaign_id.eq(c.id),
            ))
            .execute(conn)?;
    }
    Ok(Change::new(
        "set_tasks",
        "campaign",
        c.id,
        json!({"before": before, "after": ids}),
    )
    .on_unit(c.unit_id))
}

// ---------------------------------------------------------------- models

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = models)]
pub struct Model {
    pub id: i64,
    pub campaign_id: i64,
    pub kind: String,
    pub unit_id: i64,
    pub holder_name: String,
    pub contact_id: i64,
    pub field_id: i64,
    pub title: String,
    pub commitment: String,
    pub expected_results: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub status: String,
    pub status_reason: Option<String>,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub commendation_level: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Model {
    pub fn status(&self) -> ModelStatus {
        ModelStatus::parse(&self.status).unwrap_or(ModelStatus::Registered)
    }
}

/// What the registrant writes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelFields {
    pub kind: ModelKind,
    pub unit_id: i64,
    pub holder_name: String,
    pub field_id: i64,
    pub title: String,
    pub commitment: String,
    pub expected_results: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
}

pub fn model_fields_of(m: &Model) -> ModelFields {
    ModelFields {
        kind: ModelKind::parse(&m.kind).unwrap_or(ModelKind::Collective),
        unit_id: m.unit_id,
        holder_name: m.holder_name.clone(),
        field_id: m.field_id,
        title: m.title.clone(),
        commitment: m.commitment.clone(),
        expected_results: m.expected_results.clone(),
        period_from: m.period_from,
        period_to: m.period_to,
    }
}

pub fn find_model(conn: &mut DbConnection, id: i64) -> QueryResult<Model> {
    models::table
        .find(id)
        .select(Model::as_select())
        .first(conn)
}

fn event(
    conn: &mut DbConnection,
    model_id: i64,
    from: Option<ModelStatus>,
    to: ModelStatus,
    reason: Option<&str>,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(model_events::table)
        .values((
            model_events::model_id.eq(model_id),
            model_events::from_status.eq(from.map(ModelStatus::as_str)),
            model_events::to_status.eq(to.as_str()),
            model_events::reason.eq(reason),
            model_events::by_id.eq(by),
            model_events::at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn register(
    conn: &mut DbConnection,
    c: &Campaign,
    f: &ModelFields,
    contact: i64,
) -> QueryResult<(Model, Change)> {
    let now = super::now();
    let id: i64 = diesel::insert_into(models::table)
        .values((
            models::campaign_id.eq(c.id),
            models::kind.eq(f.kind.as_str()),
            models::unit_id.eq(f.unit_id),
            models::holder_name.eq(&f.holder_name),
            models::contact_id.eq(contact),
            models::field_id.eq(f.field_id),
            models::title.eq(&f.title),
            models::commitment.eq(&f.commitment),
            models::expected_results.eq(&f.expected_results),
            models::period_from.eq(f.period_from),
            models::period_to.eq(f.period_to),
            models::status.eq(ModelStatus::Registered.as_str()),
            models::version.eq(1),
            models::created_at.eq(now),
            models::updated_at.eq(now),
        ))
        .returning(models::id)
        .get_result(conn)?;
    event(conn, id, None, ModelStatus::Registered, None, contact, now)?;
    Ok((
        find_model(conn, id)?,
        Change::new("register", "model", id, json!(f)).on_unit(f.unit_id),
    ))
}

/// The registrant's edit while the model is still only registered; `None`
/// when it moved on or someone saved first.
pub fn update_model(
    conn: &mut DbConnection,
    m: &Model,
    version: i32,
    f: &ModelFields,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        models::table
            .filter(models::id.eq(m.id))
            .filter(models::version.eq(version))
            .filter(models::status.eq(ModelStatus::Registered.as_str())),
    )
    .set((
        models::kind.eq(f.kind.as_str()),
        models::unit_id.eq(f.unit_id),
        models::holder_name.eq(&f.holder_name),
        models::field_id.eq(f.field_id),
        models::title.eq(&f.title),
        models::commitment.eq(&f.commitment),
        models::expected_results.eq(&f.expected_results),
        models::period_from.eq(f.period_from),
        models::period_to.eq(f.period_to),
        models::version.eq(version + 1),
        models::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new("update", "model", m.id, diff(&model_fields_of(m), f)).on_unit(m.unit_id)
    }))
}

/// A commendation decision.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Decision {
    pub number: String,
    pub date: NaiveDate,
    pub level: String,
}

/// Moves a model if it is still at `version` and the move is allowed;
/// records who and when. `None` when it lost the race.
pub fn move_model(
    conn: &mut DbConnection,
    m: &Model,
    version: i32,
    next: ModelStatus,
    reason: Option<&str>,
    decision: Option<&Decision>,
    by: i64,
) -> QueryResult<Option<Change>> {
    if !m.status().can_become(next) {
        return Ok(None);
    }
    let now = super::now();
    let n = diesel::update(
        models::table
            .filter(models::id.eq(m.id))
            .filter(models::version.eq(version))
            .filter(models::status.eq(&m.status)),
    )
    .set((
        models::status.eq(next.as_str()),
        models::status_reason.eq(reason),
        models::version.eq(version + 1),
        models::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    if let Some(d) = decision {
        diesel::update(models::table.find(m.id))
            .set((
                models::decision_number.eq(&d.number),
                models::decision_date.eq(d.date),
                models::commendation_level.eq(&d.level),
            ))
            .execute(conn)?;
    }
    event(conn, m.id, Some(m.status()), next, reason, by, now)?;
    Ok(Some(
        Change::new(
            "move",
            "model",
            m.id,
            json!({"from": m.status, "to": next.as_str(), "reason": reason, "decision": decision}),
        )
        .on_unit(m.unit_id),
    ))
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct EventRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub by_name: String,
    pub at: NaiveDateTime,
}

pub fn events(conn: &mut DbConnection, model_id: i64) -> QueryResult<Vec<EventRow>> {
    model_events::table
        .inner_join(users::table.on(users::id.eq(model_events::by_id)))
        .filter(model_events::model_id.eq(model_id))
        .select((
            model_events::from_status,
            model_events::to_status,
            model_events::reason,
            users::full_name,
            model_events::at,
        ))
        .order((model_events::at, model_events::id))
        .load(conn)
}

/// A model in a list, with its field and unit.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ModelRow {
    pub id: i64,
    pub kind: String,
    pub holder_name: String,
    pub title: String,
    pub status: String,
    pub field_vi: String,
    pub field_en: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    pub field_id: Option<i64>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub search: Option<String>,
}

pub fn list_models(
    conn: &mut DbConnection,
    campaign_id: i64,
    f: &ModelFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ModelRow>, i64)> {
    let query = || {
        let mut q = models::table
            .inner_join(model_fields::table)
            .inner_join(units::table)
            .filter(models::campaign_id.eq(campaign_id))
            .into_boxed();
        if let Some(id) = f.field_id {
            q = q.filter(models::field_id.eq(id));
        }
        if let Some(s) = &f.status {
            q = q.filter(models::status.eq(s.clone()));
        }
        if let Some(k) = &f.kind {
            q = q.filter(models::kind.eq(k.clone()));
        }
        if let Some(s) = &f.search {
            q = q.filter(super::Uncached(
                models::title
                    .like(search::like_pattern(s))
                    .escape('\\')
                    .or(models::holder_name
                        .like(search::like_pattern(s))
                        .escape('\\')),
            ));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select((
            models::id,
            models::kind,
            models::holder_name,
            models::title,
            models::status,
            model_fields::name_vi,
            model_fields::name_en,
            units::name,
        ))
        .order((units::path, models::title, models::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

// ---------------------------------------------------------------- appraisal

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ScoreRow {
    pub criterion_id: i64,
    pub appraiser_id: i64,
    pub appraiser_name: String,
    pub score: f64,
    pub comment: String,
}

pub fn scores_of(conn: &mut DbConnection, model_id: i64) -> QueryResult<Vec<ScoreRow>> {
    model_scores::table
        .inner_join(users::table.on(users::id.eq(model_scores::appraiser_id)))
        .filter(model_scores::model_id.eq(model_id))
        .select((
            model_scores::criterion_id,
            model_scores::appraiser_id,
            users::full_name,
            model_scores::score,
            model_scores::comment,
        ))
        .order((model_scores::criterion_id, users::full_name))
        .load(conn)
}

/// Writes one appraiser's scores of a model, replacing theirs.
pub fn save_scores(
    conn: &mut DbConnection,
    m: &Model,
    appraiser: i64,
    items: &[(i64, f64, String)],
) -> QueryResult<Change> {
    let now = super::now();
    diesel::delete(
        model_scores::table
            .filter(model_scores::model_id.eq(m.id))
            .filter(model_scores::appraiser_id.eq(appraiser)),
    )
    .execute(conn)?;
    for (criterion, score, comment) in items {
        diesel::insert_into(model_scores::table)
            .values((
                model_scores::model_id.eq(m.id),
                model_scores::criterion_id.eq(criterion),
                model_scores::appraiser_id.eq(appraiser),
                model_scores::score.eq(score),
                model_scores::comment.eq(comment),
                model_scores::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(Change::new("appraise", "model", m.id, json!({"scores": items})).on_unit(m.unit_id))
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = model_checkins)]
pub struct Checkin {
    pub id: i64,
    pub model_id: i64,
    pub kind: String,
    pub report: String,
    pub by_id: i64,
    pub at: NaiveDateTime,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledgement: Option<String>,
}

pub fn checkins(conn: &mut DbConnection, model_id: i64) -> QueryResult<Vec<Checkin>> {
    model_checkins::table
        .filter(model_checkins::model_id.eq(model_id))
        .select(Checkin::as_select())
        .order(model_checkins::at)
        .load(conn)
}

/// The contact's check-in of a kind: written, or rewritten until an appraiser
/// acknowledges it; `None` once acknowledged.
pub fn submit_checkin(
    conn: &mut DbConnection,
    m: &Model,
    kind: &str,
    report: &str,
    by: i64,
) -> QueryResult<Option<Change>> {
    let existing: Option<Checkin> = model_checkins::table
        .filter(model_checkins::model_id.eq(m.id))
        .filter(model_checkins::kind.eq(kind))
        .select(Checkin::as_select())
        .first(conn)
        .optional()?;
    let now = super::now();
    match existing {
        Some(c) if c.acknowledged_at.is_some() => return Ok(None),
        Some(c) => {
            diesel::update(model_checkins::table.find(c.id))
                .set((
                    model_checkins::report.eq(report),
                    model_checkins::by_id.eq(by),
                    model_checkins::at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(model_checkins::table)
                .values((
                    model_checkins::model_id.eq(m.id),
                    model_checkins::kind.eq(kind),
                    model_checkins::report.eq(report),
                    model_checkins::by_id.eq(by),
                    model_checkins::at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(Some(
        Change::new(
            "check_in",
            "model",
            m.id,
            json!({"kind": kind, "report": report}),
        )
        .on_unit(m.unit_id),
    ))
}

/// An appraiser acknowledges a check-in not yet acknowledged.
pub fn acknowledge(
    conn: &mut DbConnection,
    m: &Model,
    checkin_id: i64,
    text: &str,
    by: i64,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        model_checkins::table
            .filter(model_checkins::id.eq(checkin_id))
            .filter(model_checkins::model_id.eq(m.id))
            .filter(model_checkins::acknowledged_at.is_null()),
    )
    .set((
        model_checkins::acknowledged_by.eq(by),
        model_checkins::acknowledged_at.eq(super::now()),
        model_checkins::acknowledgement.eq(text),
    ))
    .execute(conn)?;
    Ok((n == 1).then(|| {
        Change::new(
            "acknowledge",
            "model",
            m.id,
            json!({"checkin_id": checkin_id, "text": text}),
        )
        .on_unit(m.unit_id)
    }))
}

// ---------------------------------------------------------------- figures

/// The counts a campaign's figures page shows, all grouped in the database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// (field id, kind, count)
    pub by_field_kind: Vec<(i64, String, i64)>,
    /// (status, count) now
    pub by_status: Vec<(String, i64)>,
    /// (status, models that ever reached it)
    pub reached: Vec<(String, i64)>,
}

pub fn figures(conn: &mut DbConnection, campaign_id: i64) -> QueryResult<Figures> {
    let by_field_kind = models::table
        .filter(models::campaign_id.eq(campaign_id))
        .group_by((models::field_id, models::kind))
        .select((models::field_id, models::kind, diesel::dsl::count_star()))
        .load(conn)?;
    let by_status = models::table
        .filter(models::campaign_id.eq(campaign_id))
        .group_by(models::status)
        .select((models::status, diesel::dsl::count_star()))
        .load(conn)?;
    let passed: Vec<(String, i64)> = model_events::table
        .inner_join(models::table)
        .filter(models::campaign_id.eq(campaign_id))
        .select((model_events::to_status, model_events::model_id))
        .distinct()
        .load(conn)?;
    let mut reached: HashMap<String, i64> = HashMap::new();
    for (status, _) in passed {
        *reached.entry(status).or_default() += 1;
    }
    Ok(Figures {
        by_field_kind,
        by_status,
        reached: reached.into_iter().collect(),
    })
}

/// Up to `limit` of a campaign's models with an id above `after`, by id
/// (the API's pages).
pub fn models_after(
    conn: &mut DbConnection,
    campaign_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Model>> {
    models::table
        .filter(models::campaign_id.eq(campaign_id))
        .filter(models::id.gt(after))
        .select(Model::as_select())
        .order(models::id)
        .limit(limit)
        .load(conn)
}
