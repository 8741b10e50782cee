//! Campaigns and their "Dân vận khéo" models: setting a campaign, editing it.

use chrono::{Datelike, NaiveDate};

use super::{chosen, Rejected, Version, Versioned};
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

impl Access {
    /// A committee member (or administrator) of the campaign's unit.
    pub fn manages(&self) -> bool {
        self.manage
    }

    /// Named on the campaign as an appraiser, or an administrator.
    pub fn appraiser(&self) -> bool {
        self.appraiser
    }

    pub fn require_manage(&self) -> AppResult<()> {
        if self.manage {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
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

/// Checks a campaign: its fields, a unit the reader manages and a year (both
/// fixed once set), active fields of the list, appraisers who reach the unit.
fn check(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    input: &CampaignInput,
    existing: Option<&cdb::Campaign>,
) -> Result<cdb::CampaignFields, Rejected<CampaignNow>> {
    let mut e = input.unread.clone();
    let this_year = i64::from(format::today().year());
    let (unit_id, year) = match existing {
        Some(c) => (Some(c.unit_id), Some(c.year)),
        None => {
            let unit_id = e.required_id("unit_id", input.unit_id);
            let year = match input.year {
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
            (unit_id, year)
        }
    };
    let theme = e.required("theme", &input.theme, 500);
    let plan_number = e
        .optional("plan_number", &input.plan_number, 100)
        .unwrap_or_default();
    let plan_date = e.date_value("plan_date", input.plan_date);
    let mut focus = input.focus_fields.clone();
    let mut appraisers = input.appraisers.clone();
    for ids in [&mut focus, &mut appraisers] {
        ids.sort_unstable();
        ids.dedup();
    }
    let mut date = |field: &str, d: Option<NaiveDate>| {
        if d.is_none() {
            e.add(field, "error-required");
        }
        e.date_value(field, d)
    };
    let (from, to) = (
        date("period_from", input.period_from),
        date("period_to", input.period_to),
    );
    let dates = match (from, to) {
        (Some(a), Some(b)) if b < a => {
            e.add("period_to", "error-period-order");
            None
        }
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    let description = e
        .optional("description", &input.description, 10_000)
        .unwrap_or_default();
    let related_plans = e
        .optional("related_plans", &input.related_plans, 5_000)
        .unwrap_or_default();
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
    user: &CurrentUser,
    actor: &audit::Actor,
    input: &CampaignInput,
) -> Result<cdb::Campaign, Rejected<CampaignNow>> {
    user.require_anywhere(Permission::ManageTasks)?;
    let fields = check(conn, user, input, None)?;
    Ok(audit::write(conn, actor, |c| {
        Ok(cdb::create(c, &fields, user.id)?)
    })?)
}

/// Edits a campaign (its unit's committee; unit and year stay) from the
/// version read.
pub fn edit(
    conn: &mut db::DbConnection,
    user: &CurrentUser,
    actor: &audit::Actor,
    campaign_id: i64,
    version: Version,
    input: &CampaignInput,
) -> Result<cdb::Campaign, Rejected<CampaignNow>> {
    let a = access(conn, user, campaign_id)?;
    if !a.manage {
        return Err(Rejected::Forbidden);
    }
    let fields = check(conn, user, input, Some(&a.c))?;
    let now = |conn: &mut db::DbConnection| -> Result<CampaignNow, Rejected<CampaignNow>> {
        let campaign = cdb::find(conn, campaign_id)?;
        let fields = cdb::fields_of(conn, &campaign)?;
        Ok(CampaignNow { campaign, fields })
    };
    let version = version.given(|| now(conn))?;
    let saved = audit::write_if(conn, actor, |x| {
        Ok(match cdb::update(x, &a.c, version, &fields)? {
            Some((_, change)) => (true, Some(change)),
            None => (false, None),
        })
    })?;
    if saved {
        Ok(cdb::find(conn, campaign_id)?)
    } else {
        Err(Rejected::Stale(Box::new(now(conn)?)))
    }
}
