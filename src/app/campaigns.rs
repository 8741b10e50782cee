//! Campaigns and their "Dân vận khéo" models: setting a campaign, editing it.

use chrono::{Datelike, NaiveDate};

use crate::domain::campaign::{CheckinKind, ModelKind, ModelStatus, COMMENDATION_LEVELS};
use crate::domain::review;

use super::Caller;
use super::{
    audited, chosen, edit_at, forbidden_unless, period, required_date, write_at, write_if_changed,
    Rejected, Version, Versioned,
};
use crate::context::CurrentUser;
use crate::db::{self, audit, campaigns as cdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// What the reader may do with a campaign.
pub struct Access {
    pub c: cdb::Campaign,
    pub unit: db::units::Unit,
    /// Committee members (and administrators) of the campaign's unit run it.
    pub manage: bool,
    /// Appraisers named on the campaign (and administrators) appraise.
    pub appraiser: bool,
}

/// The campaign if the reader reaches its unit (or a unit inside it).
pub fn access(conn: &mut db::DbConnection, user: &CurrentUser, id: i64) -> AppResult<Access> {
    let c = cdb::find(conn, id)?;
    let unit = db::units::find(conn, c.unit_id)?;
    let appraisers = cdb::appraisers(conn, id)?;
    if !user.reaches(&unit.path) {
        return Err(AppError::Forbidden);
    }
    let admin = user.can(Permission::ManageUnits, &unit.path);
    Ok(Access {
        manage: user.can(Permission::ManageTasks, &unit.path),
        appraiser: admin || appraisers.iter().any(|(id, _)| *id == user.id),
        c,
        unit,
    })
}

/// The campaign as a stale edit finds it.
pub struct CampaignNow {
    pub campaign: cdb::Campaign,
    pub fields: cdb::CampaignFields,
}

impl Versioned for CampaignNow {
    fn version(&self) -> i32 {
        self.campaign.version
    }
}

/// A campaign as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    pub unit_id: Option<i64>,
    pub year: Option<i64>,
    pub theme: String,
    pub plan_number: String,
    pub plan_date: Option<NaiveDate>,
    /// Ids of fields of the list.
    pub focus_fields: Vec<i64>,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub description: String,
    pub related_plans: String,
    pub appraisers: Vec<i64>,
    pub unread: FieldErrors,
}

/// The unit and year of a campaign or a review round: an existing one keeps
/// its own; a new one needs both, the year from 2000 to next year.
pub(super) fn unit_and_year(
    e: &mut FieldErrors,
    fixed: Option<(i64, i32)>,
    unit_id: Option<i64>,
    year: Option<i64>,
) -> (Option<i64>, Option<i32>) {
    if let Some((unit_id, year)) = fixed {
        return (Some(unit_id), Some(year));
    }
    let this_year = i64::from(format::today().year());
    let year = match year {
        Some(y) if (2000..=this_year + 1).contains(&y) => i32::try_from(y).ok(),
        Some(_) => {
            e.add("year", "error-year");
            None
        }
        None => {
            e.add("year", "error-required");
            None
        }
    };
    (e.required_id("unit_id", unit_id), year)
}

/// Checks a campaign: its fields, a unit the reader manages and a year (both
/// fixed once set), active fields of the list, appraisers who reach the unit.
fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &CampaignInput,
    existing: Option<&cdb::Campaign>,
) -> Result<cdb::CampaignFields, Rejected<CampaignNow>> {
    let mut e = input.unread.clone();
    let fixed = existing.map(|c| (c.unit_id, c.year));
    let (unit_id, year) = unit_and_year(&mut e, fixed, input.unit_id, input.year);
    let theme = e.required("theme", &input.theme, 500);
    let plan_number = e.optional_text("plan_number", &input.plan_number, 100);
    let plan_date = e.date_value("plan_date", input.plan_date);
    let mut focus = input.focus_fields.clone();
    let mut appraisers = input.appraisers.clone();
    for ids in [&mut focus, &mut appraisers] {
        ids.sort_unstable();
        ids.dedup();
    }
    let dates = period(&mut e, input.period_from, input.period_to);
    let description = e.optional_text("description", &input.description, 10_000);
    let related_plans = e.optional_text("related_plans", &input.related_plans, 5_000);
    let unit = db::units::find_chosen(conn, unit_id)?;
    let reaching = match &unit {
        Some(u) => db::users::reaching(conn, &u.path)?,
        None => vec![],
    };
    let fields = cdb::fields(conn)?;
    // A campaign keeps its unit once set.
    let unit = match existing {
        Some(_) => unit,
        None => chosen::unit(&mut e, "unit_id", unit_id, unit, |u| {
            user.can(Permission::ManageTasks, &u.path)
        }),
    };
    // Fields of the list that are active, as the form offers them (one
    // retired since keeps its place on a campaign that already had it).
    let had = existing
        .map(db::campaigns::Campaign::focus)
        .unwrap_or_default();
    let usable = |f: i64| {
        fields
            .iter()
            .any(|x| x.id == f && (x.active || had.contains(&f)))
    };
    chosen::every(&mut e, "focus_fields", &focus, usable, chosen::INVALID);
    if unit.is_some() {
        chosen::every(
            &mut e,
            "appraisers",
            &appraisers,
            |a| reaching.iter().any(|(id, _, _)| *id == a),
            "error-not-in-unit",
        );
    }
    match (unit_id, year, dates) {
        (Some(unit_id), Some(year), Some((period_from, period_to))) if e.is_empty() => {
            Ok(cdb::CampaignFields {
                unit_id,
                year,
                theme,
                plan_number,
                plan_date,
                focus_fields: focus,
                period_from,
                period_to,
                description,
                related_plans,
                appraisers,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Sets a campaign theme for a unit the reader manages.
pub fn set_up(
    conn: &mut db::DbConnection,
    who: &Caller,
    input: &CampaignInput,
) -> Result<cdb::Campaign, Rejected<CampaignNow>> {
    who.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, who, input, None)?;
    audited(conn, who, |c| cdb::create(c, &fields, who.id))
}

/// Edits a campaign (its unit's committee; unit and year stay) from the
/// version read.
pub fn edit(
    conn: &mut db::DbConnection,
    who: &Caller,
    campaign_id: i64,
    version: Version,
    input: &CampaignInput,
) -> Result<cdb::Campaign, Rejected<CampaignNow>> {
    let a = access(conn, who, campaign_id)?;
    forbidden_unless(a.manage)?;
    let fields = check(conn, who, input, Some(&a.c))?;
    let saved = edit_at(
        conn,
        who,
        version,
        |x, version| Ok(cdb::update(x, &a.c, version, &fields)?.map(|(_, change)| change)),
        |x| {
            let campaign = cdb::find(x, campaign_id)?;
            let fields = cdb::fields_of(x, &campaign)?;
            Ok(CampaignNow { campaign, fields })
        },
    )?;
    Ok(saved.campaign)
}

/// Replaces a campaign's criteria (its unit's committee); not allowed once
/// a model has been scored.
pub fn set_criteria(
    conn: &mut db::DbConnection,
    who: &Caller,
    campaign_id: i64,
    items: &[db::reviews::CriterionFields],
) -> Result<(), Rejected> {
    let a = access(conn, who, campaign_id)?;
    forbidden_unless(a.manage)?;
    match write_if_changed(conn, who, |c| cdb::set_criteria(c, &a.c, items))? {
        true => Ok(()),
        false => Err(Rejected::NotAllowed("campaign-error-criteria-used")),
    }
}

// ---------------------------------------------------------------- models

impl Versioned for cdb::Model {
    fn version(&self) -> i32 {
        self.version
    }
}

/// A model and its campaign, if the reader sees the campaign.
pub struct ModelAccess {
    pub a: Access,
    pub m: cdb::Model,
    /// The reader registered it (its contact).
    pub contact: bool,
}

pub fn model_access(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<ModelAccess> {
    let m = cdb::find_model(conn, id)?;
    let a = access(conn, user, m.campaign_id)?;
    let contact = m.contact_id == user.id;
    Ok(ModelAccess { a, m, contact })
}

/// Units inside the campaign's unit at `path` that the reader reads: where
/// they may register a model for a collective, or their own.
pub fn registrable_units(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    path: &str,
) -> AppResult<Vec<db::units::Unit>> {
    let scope: Vec<String> = user
        .scope(Permission::View)
        .into_iter()
        .map(|p| if path.starts_with(&p) { path.into() } else { p })
        .filter(|p| p.starts_with(path))
        .collect();
    Ok(db::units::tree(conn, &scope, false)?)
}

/// A model as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct ModelInput {
    /// `collective` or `individual`.
    pub kind: String,
    pub unit_id: Option<i64>,
    pub holder_name: String,
    pub field_id: Option<i64>,
    pub title: String,
    pub commitment: String,
    pub expected_results: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub unread: FieldErrors,
}

/// Checks a model: a unit the registrant reads inside the campaign's, an
/// active field, a period; an individual's name defaults to the registrant's.
fn check_model(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    a: &Access,
    input: &ModelInput,
) -> Result<cdb::ModelFields, Rejected<cdb::Model>> {
    let mut e = input.unread.clone();
    let kind = ModelKind::parse(&input.kind);
    if kind.is_none() {
        e.add("kind", "error-invalid-choice");
    }
    let unit_id = e.required_id("unit_id", input.unit_id);
    let holder_name = match kind {
        Some(ModelKind::Individual) if input.holder_name.trim().is_empty() => {
            user.full_name.clone()
        }
        _ => e.required("holder_name", &input.holder_name, 300),
    };
    let field_id = e.required_id("field_id", input.field_id);
    let title = e.required("title", &input.title, 300);
    let commitment = e.required("commitment", &input.commitment, 5_000);
    let expected_results = e.optional_text("expected_results", &input.expected_results, 5_000);
    let dates = period(&mut e, input.period_from, input.period_to);
    let units = registrable_units(conn, user, &a.unit.path)?;
    if unit_id.is_some_and(|u| !units.iter().any(|x| x.id == u)) {
        e.add("unit_id", "error-invalid-choice");
    }
    let fields = cdb::fields(conn)?;
    if field_id.is_some_and(|f| !fields.iter().any(|x| x.id == f && x.active)) {
        e.add("field_id", "error-invalid-choice");
    }
    match (kind, unit_id, field_id, dates) {
        (Some(kind), Some(unit_id), Some(field_id), Some((period_from, period_to)))
            if e.is_empty() =>
        {
            Ok(cdb::ModelFields {
                kind,
                unit_id,
                holder_name,
                field_id,
                title,
                commitment,
                expected_results,
                period_from,
                period_to,
            })
        }
        _ => Err(Rejected::Invalid(e)),
    }
}

/// Registers a model under the campaign (anyone who sees it, for a unit they
/// read); the reader becomes its contact.
pub fn register_model(
    conn: &mut db::DbConnection,
    who: &Caller,
    campaign_id: i64,
    input: &ModelInput,
) -> Result<cdb::Model, Rejected<cdb::Model>> {
    let a = access(conn, who, campaign_id)?;
    let fields = check_model(conn, who, &a, input)?;
    audited(conn, who, |x| cdb::register(x, &a.c, &fields, who.id))
}

/// Edits a model (its contact) from the version read, while it is only
/// registered (`NotAllowed` once appraisal moved it).
pub fn edit_model(
    conn: &mut db::DbConnection,
    who: &Caller,
    model_id: i64,
    version: Version,
    input: &ModelInput,
) -> Result<cdb::Model, Rejected<cdb::Model>> {
    let ma = model_access(conn, who, model_id)?;
    forbidden_unless(ma.contact)?;
    let fields = check_model(conn, who, &ma.a, input)?;
    let version = version.given(|| Ok(ma.m.clone()))?;
    if ma.m.status() != ModelStatus::Registered {
        return Err(Rejected::NotAllowed("model-error-moved"));
    }
    write_at(
        conn,
        who,
        |x| cdb::update_model(x, &ma.m, version, &fields),
        |x| Ok(cdb::find_model(x, model_id)?),
    )
}

/// A move of a model to its next status as asked.
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    pub status: Option<ModelStatus>,
    /// Needed where the next status needs one (not accepted).
    pub reason: String,
    /// For recognition: the commendation decision.
    pub decision_number: String,
    pub decision_date: Option<NaiveDate>,
    pub level: String,
    /// Values outside their lists: refused whatever the version.
    pub unread: FieldErrors,
}

/// The move checked: to a status the current one can become, with a reason
/// where it needs one and the commendation decision for recognition.
fn check_move(
    m: &cdb::Model,
    input: &MoveInput,
) -> Result<(ModelStatus, Option<String>, Option<cdb::Decision>), FieldErrors> {
    let mut e = FieldErrors::default();
    let next = input.status.filter(|n| m.status().can_become(*n));
    if next.is_none() {
        e.add("status", "error-invalid-choice");
    }
    let reason = e.optional("reason", &input.reason, 2_000);
    if next.is_some_and(ModelStatus::needs_reason) && reason.is_none() {
        e.add("reason", "error-required");
    }
    let decision = if next.is_some_and(ModelStatus::needs_decision) {
        let number = e.required("decision_number", &input.decision_number, 100);
        let date = required_date(&mut e, "decision_date", input.decision_date);
        if !COMMENDATION_LEVELS.contains(&input.level.as_str()) {
            e.add("level", "error-required");
        }
        date.map(|date| cdb::Decision {
            number,
            date,
            level: input.level.clone(),
        })
    } else {
        None
    };
    match next {
        Some(next) if e.is_empty() => Ok((next, reason, decision)),
        _ => Err(e),
    }
}

/// Moves a model on (the campaign's appraisers) from the version read.
pub fn move_model(
    conn: &mut db::DbConnection,
    who: &Caller,
    model_id: i64,
    version: Version,
    input: &MoveInput,
) -> Result<cdb::Model, Rejected<cdb::Model>> {
    let ma = model_access(conn, who, model_id)?;
    forbidden_unless(ma.a.appraiser)?;
    if !input.unread.is_empty() {
        return Err(Rejected::Invalid(input.unread.clone()));
    }
    let version = version.given(|| Ok(ma.m.clone()))?;
    if version != ma.m.version {
        return Err(Rejected::Stale(Box::new(ma.m)));
    }
    let (next, reason, decision) = check_move(&ma.m, input)?;
    write_at(
        conn,
        who,
        |x| {
            cdb::move_model(
                x,
                &ma.m,
                version,
                next,
                reason.as_deref(),
                decision.as_ref(),
                who.id,
            )
        },
        |x| Ok(cdb::find_model(x, model_id)?),
    )
}

/// One criterion's score as typed or sent (`None`: left empty).
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    pub criterion_id: i64,
    pub score: Option<f64>,
    pub comment: String,
}

/// An appraiser's scores; errors name `score_<criterion>` and
/// `comment_<criterion>`.
#[derive(Debug, Clone, Default)]
pub struct AppraisalInput {
    pub scores: Vec<ScoreInput>,
    pub unread: FieldErrors,
}

/// A score on a criterion worth `max`: required, from 0 to `max` in steps
/// of 0.25; rounded to two places (0 when refused).
pub(super) fn checked_score(e: &mut FieldErrors, key: &str, score: Option<f64>, max: f64) -> f64 {
    match score {
        None => e.add(key, "error-required"),
        Some(s) if !review::valid_score(s, max) => e.add(key, "review-error-score-range"),
        _ => {}
    }
    score.map(review::round2).unwrap_or(0.0)
}

/// Records the reader's appraisal of a model, replacing their earlier one
/// (the campaign's appraisers; nobody appraises their own model): one score
/// per criterion of the campaign, from 0 to its maximum in steps of 0.25.
/// Answers the sum of the scores.
pub fn appraise(
    conn: &mut db::DbConnection,
    who: &Caller,
    model_id: i64,
    input: &AppraisalInput,
) -> Result<f64, Rejected> {
    let ma = model_access(conn, who, model_id)?;
    forbidden_unless(ma.a.appraiser && !ma.contact)?;
    let criteria = cdb::criteria(conn, ma.m.campaign_id)?;
    let mut e = input.unread.clone();
    let mut items = Vec::new();
    for c in &criteria {
        let given = input.scores.iter().find(|s| s.criterion_id == c.id);
        let key = format!("score_{}", c.id);
        let score = checked_score(&mut e, &key, given.and_then(|s| s.score), c.max_points);
        let comment = given.map_or("", |s| s.comment.as_str());
        let comment = e.optional_text(&format!("comment_{}", c.id), comment, 2_000);
        items.push((c.id, score, comment));
    }
    if !e.is_empty() {
        return Err(Rejected::Invalid(e));
    }
    let total = items.iter().map(|(_, s, _)| s).sum();
    audit::write(conn, &who.actor, |x| {
        Ok(((), cdb::save_scores(x, &ma.m, who.id, &items)?))
    })?;
    Ok(total)
}

/// A check-in (a mid-term or final report) by the model's contact, written
/// again until the appraisers acknowledge it; after that it is
/// `NotAllowed("checkin-error-acknowledged")`.
pub fn check_in(
    conn: &mut db::DbConnection,
    who: &Caller,
    model_id: i64,
    kind: Option<CheckinKind>,
    report: &str,
) -> Result<(), Rejected> {
    let ma = model_access(conn, who, model_id)?;
    forbidden_unless(ma.contact)?;
    let mut e = FieldErrors::default();
    if kind.is_none() {
        e.add("kind", "error-required");
    }
    let report = e.required("report", report, 10_000);
    let Some(kind) = kind.filter(|_| e.is_empty()) else {
        return Err(Rejected::Invalid(e));
    };
    let by = who.id;
    match super::write_if_changed(conn, who, |x| {
        cdb::submit_checkin(x, &ma.m, kind.as_str(), &report, by)
    })? {
        true => Ok(()),
        false => Err(Rejected::NotAllowed("checkin-error-acknowledged")),
    }
}

/// An appraiser's acknowledgement of a check-in not yet acknowledged, with
/// a remark of at most 2,000 characters; another is `NotFound`.
pub fn acknowledge(
    conn: &mut db::DbConnection,
    who: &Caller,
    model_id: i64,
    checkin_id: i64,
    text: &str,
) -> Result<(), Rejected> {
    let ma = model_access(conn, who, model_id)?;
    forbidden_unless(ma.a.appraiser)?;
    let text: String = text.trim().chars().take(2_000).collect();
    let by = who.id;
    match super::write_if_changed(conn, who, |x| {
        cdb::acknowledge(x, &ma.m, checkin_id, &text, by)
    })? {
        true => Ok(()),
        false => Err(Rejected::NotFound),
    }
}
