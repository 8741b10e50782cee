//! Households of a task and their visits: register or edit a household, log
//! a visit (or correct one).

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::tasks::{access, editable, Access};
use super::Caller;
use super::{audited, forbidden_unless, required_date, Rejected, Version};
use crate::attachments;
use crate::context::CurrentUser;
use crate::db::audit::Change;
use crate::db::households::{DeviceVisit, Household, HouseholdFields, NewVisit};
use crate::db::{self, audit, DbConnection};
use crate::domain::access::Permission;
use crate::domain::consent::ConsentStage;
use crate::domain::deadline::TaskStatus;
use crate::domain::format;
use crate::domain::households::{parse_list, store_list, Concern, PriorityGroup, Sight, VisitKind};
use crate::domain::money::Amounts;
use crate::domain::numbers;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::photos::{self, Photo};

/// A household as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct HouseholdInput {
    pub head_name: String,
    pub address: String,
    pub residential_group: String,
    pub map_sheet: String,
    pub parcel_no: String,
    pub area_m2: f64,
    pub land_type: String,
    /// Codes (`poor`, `elderly`…).
    pub priority_groups: Vec<String>,
    pub phone: String,
    pub notes: String,
    /// Keep a second household on a parcel already recorded.
    pub same_parcel_ok: bool,
    /// What the edge could not read (a number written wrong): reported with
    /// the rest, and nothing is saved.
    pub unread: FieldErrors,
}

/// A household as written: on the page's form, or on a line of a sheet.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct HouseholdForm {
    pub head_name: String,
    pub address: String,
    pub residential_group: String,
    pub map_sheet: String,
    pub parcel_no: String,
    pub area_m2: String,
    pub land_type: String,
    pub priority_groups: Vec<String>,
    pub phone: String,
    pub notes: String,
    /// Ticked to keep a second household on a parcel already recorded.
    pub allow_duplicate: String,
    /// The version an edit was made from.
    pub version: String,
}

impl HouseholdForm {
    pub fn from_household(h: &Household) -> HouseholdForm {
        HouseholdForm {
            head_name: h.head_name.clone(),
            address: h.address.clone(),
            residential_group: h.residential_group.clone(),
            map_sheet: h.map_sheet.clone(),
            parcel_no: h.parcel_no.clone(),
            area_m2: numbers::input(h.area_m2),
            land_type: h.land_type.clone(),
            priority_groups: codes(&h.priority_groups),
            phone: h.phone.clone(),
            notes: h.notes.clone(),
            allow_duplicate: String::new(),
            version: h.version.to_string(),
        }
    }
}

impl HouseholdForm {
    /// The typed household; an area written wrong is kept as unread.
    pub fn input(&self) -> HouseholdInput {
        let mut unread = FieldErrors::default();
        let area_m2 = unread.area("area_m2", &self.area_m2).unwrap_or(0.0);
        HouseholdInput {
            head_name: self.head_name.clone(),
            address: self.address.clone(),
            residential_group: self.residential_group.clone(),
            map_sheet: self.map_sheet.clone(),
            parcel_no: self.parcel_no.clone(),
            area_m2,
            land_type: self.land_type.clone(),
            priority_groups: self.priority_groups.clone(),
            phone: self.phone.clone(),
            notes: self.notes.clone(),
            same_parcel_ok: self.allow_duplicate == "1",
            unread,
        }
    }
}

/// The codes of a list stored comma-separated (`poor,elderly`).
pub fn codes(stored: &str) -> Vec<String> {
    let codes = stored.split(',').filter(|s| !s.is_empty());
    codes.map(str::to_string).collect()
}

/// Checks a household's fields, reporting every field's problem at once.
pub fn check(input: &HouseholdInput) -> Result<HouseholdFields, FieldErrors> {
    let mut e = input.unread.clone();
    let head_name = e.required("head_name", &input.head_name, 200);
    let mut optional = |field: &str, value: &str, max: usize| e.optional_text(field, value, max);
    let address = optional("address", &input.address, 300);
    let residential_group = optional("residential_group", &input.residential_group, 100);
    let map_sheet = optional("map_sheet", &input.map_sheet, 30);
    let parcel_no = optional("parcel_no", &input.parcel_no, 30);
    let land_type = optional("land_type", &input.land_type, 30);
    let phone = optional("phone", &input.phone, 30);
    let notes = optional("notes", &input.notes, 5000);
    let area_m2 = e.area_value("area_m2", input.area_m2).unwrap_or(0.0);
    let groups = parse_list(&input.priority_groups.join(","), PriorityGroup::parse);
    if groups.is_none() {
        e.add("priority_groups", "error-invalid-choice");
    }
    if !crate::domain::households::is_phone(&phone) {
        e.add("phone", "error-phone");
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(HouseholdFields {
        head_name,
        address,
        residential_group,
        map_sheet,
        parcel_no,
        area_m2,
        land_type,
        priority_groups: store_list(&groups.unwrap_or_default(), PriorityGroup::as_str),
        phone,
        notes,
    })
}

/// Where a household is saved: a new one on a task, or over one read at a
/// version.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    New { task_id: i64 },
    Edit { household_id: i64, version: Version },
}

/// Registers or edits a household (those who may edit its task). Unless
/// `input.same_parcel_ok`, a second household on a parcel of the same map sheet is
/// refused on `parcel_no`. A stale edit answers the household as it is now.
pub fn save(
    conn: &mut DbConnection,
    who: &Caller,
    target: Target,
    input: &HouseholdInput,
) -> Result<Household, Rejected<Household>> {
    // Access.
    let (access, current) = match target {
        Target::New { task_id } => (editable(conn, who, task_id)?, None),
        Target::Edit { household_id, .. } => {
            let household = db::households::find(conn, household_id)?;
            (editable(conn, who, household.task_id)?, Some(household))
        }
    };
    // Input.
    let fields = check(input)?;
    // Version.
    let edit = match (target, current) {
        (Target::Edit { version, .. }, Some(now)) => Some((now.id, version.given(|| Ok(now))?)),
        _ => None,
    };
    // The audited write.
    if !fields.parcel_no.is_empty() && !input.same_parcel_ok {
        let other = db::households::same_parcel(
            conn,
            access.task.id,
            &fields.map_sheet,
            &fields.parcel_no,
            edit.map(|(id, _)| id),
        )?;
        if other.is_some() {
            return Err(Rejected::refused("parcel_no", "error-duplicate-parcel"));
        }
    }
    let task = &access.task;
    let saved = audit::write_if(conn, &who.actor, |c| match edit {
        Some((id, version)) => match db::households::update(c, task, id, version, &fields)? {
            Some((h, change)) => Ok((Some(h), Some(change))),
            None => Ok((None, None)),
        },
        None => {
            let (h, change) = db::households::create(c, task, &fields)?;
            Ok((Some(h), Some(change)))
        }
    })
    .map_err(Rejected::from)?;
    match (saved, edit) {
        (Some(h), _) => Ok(h),
        (None, Some((id, _))) => Err(Rejected::Stale(Box::new(db::households::find(conn, id)?))),
        (None, None) => Err(Rejected::Failed(crate::error::AppError::Internal(
            "a new household was not written".into(),
        ))),
    }
}

/// A reviewer's or administrator's look at a household's personal details
/// is logged (the read to record is returned); other readers who are not on
/// the task see them masked.
pub fn personal_details(access: &Access, household: &mut Household) -> Option<Change> {
    let read = (access.sight == Sight::Logged && household.has_personal_details()).then(|| {
        Change::new("read_personal", "household", household.id, json!({}))
            .on_unit(access.task.unit_id)
    });
    if access.sight == Sight::Masked {
        household.mask();
    }
    read
}

/// A household as its reader may see it: personal details masked, or a
/// reviewer's or administrator's look at them logged (then `true`).
pub fn seen(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
) -> Result<(Household, Access, bool), Rejected> {
    let (mut household, access) = household_access(conn, who, household_id)?;
    let read = personal_details(&access, &mut household);
    if let Some(read) = &read {
        audit::record_read(conn, &who.actor, read)?;
    }
    Ok((household, access, read.is_some()))
}

/// A page of a task's households after the id `after`, as its reader may
/// see them: a reviewer's or administrator's page is logged once, naming
/// the households whose details it held (as an export is).
pub fn list(
    conn: &mut DbConnection,
    who: &Caller,
    task_id: i64,
    mut filter: db::households::Filter,
    after: i64,
    limit: i64,
) -> Result<Vec<Household>, Rejected> {
    let access = access(conn, who, task_id)?;
    filter.by_phone = access.sight != Sight::Masked;
    let mut rows = db::households::after(conn, task_id, &filter, after, limit)?;
    let read: Vec<i64> = rows
        .iter_mut()
        .filter_map(|h| personal_details(&access, h).map(|_| h.id))
        .collect();
    if !read.is_empty() {
        read_of_task(conn, who, &access, json!({"api": true, "households": read}))?;
    }
    Ok(rows)
}

/// Logs a look at many of a task's households' details at once (a page of
/// them, an export): one entry that says which, or how many.
fn read_of_task(
    conn: &mut DbConnection,
    who: &Caller,
    access: &Access,
    what: serde_json::Value,
) -> Result<(), Rejected> {
    let unit = access.task.unit_id;
    let read = Change::new("read_personal", "task", access.task.id, what).on_unit(unit);
    Ok(audit::record_read(conn, &who.actor, &read)?)
}

/// The current plan's amounts per household, as an export writes them.
pub type AmountsOf = HashMap<i64, Amounts>;

/// A task's households as its reader may see them, with their plans'
/// current amounts (none for a reader who sees details masked); an export by
/// a reviewer or administrator is logged once, with how many households'
/// details (or amounts) it held.
pub fn export(
    conn: &mut DbConnection,
    who: &Caller,
    task_id: i64,
) -> Result<(Access, Vec<Household>, AmountsOf), Rejected> {
    let access = access(conn, who, task_id)?;
    let mut rows = db::households::all_of_task(conn, task_id)?;
    let amounts = match access.sight {
        Sight::Masked => AmountsOf::new(),
        _ => db::money::current_amounts(conn, task_id)?,
    };
    let held = rows
        .iter()
        .filter(|h| h.has_personal_details() || amounts.contains_key(&h.id))
        .count();
    if access.sight == Sight::Logged && held > 0 {
        let what = json!({"export": true, "households": held});
        read_of_task(conn, who, &access, what)?;
    }
    if access.sight == Sight::Masked {
        rows.iter_mut().for_each(Household::mask);
    }
    Ok((access, rows, amounts))
}

/// A visit's photo, sought among its household's or one visit's, to whoever
/// may read the household's personal details (a reviewer's or
/// administrator's look logged).
pub fn photo(
    conn: &mut DbConnection,
    who: &Caller,
    of: PhotoOf,
    photo_id: i64,
) -> Result<db::households::VisitPhoto, Rejected> {
    let (household_id, visit_id) = match of {
        PhotoOf::Household(id) => (id, None),
        PhotoOf::Visit(id) => {
            let (household, _) =
                db::households::visit_household(conn, id)?.ok_or(Rejected::NotFound)?;
            (household, Some(id))
        }
    };
    // Masked details are not looked at, so nothing is logged before the 403.
    let (_, access, _) = seen(conn, who, household_id)?;
    forbidden_unless(access.sight != Sight::Masked)?;
    let photos = db::households::photos(conn, household_id, visit_id)?;
    photos
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(Rejected::NotFound)
}

/// Where a photo is sought: among a household's (the page) or a visit's
/// (the API).
#[derive(Debug, Clone, Copy)]
pub enum PhotoOf {
    Household(i64),
    Visit(i64),
}

/// Whether the reader administers the task's unit: exports and erases a
/// household's personal data.
pub fn administers(user: &CurrentUser, access: &Access) -> bool {
    user.can(Permission::ManageUsers, &access.unit.path)
}

/// Whether the task is finished: its households' personal data may then be
/// erased.
pub fn closed(access: &Access) -> bool {
    TaskStatus::parse(&access.task.status).is_some_and(TaskStatus::is_finished)
}

/// All that is held about one household, as its export writes it.
pub struct PersonalData {
    pub household: Household,
    pub access: Access,
    /// Its visits and who went.
    pub history: Vec<(db::households::VisitRow, Vec<String>)>,
    pub photos: Vec<db::households::VisitPhoto>,
    pub scans: Vec<db::documents::Scan>,
    /// The audit entries about it, this export's among them.
    pub audit: Vec<audit::Entry>,
}

/// Everything held about one household, for the task unit's
/// administrators; the export is logged.
pub fn personal_data(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
) -> Result<PersonalData, Rejected> {
    let (household, access) = household_access(conn, who, household_id)?;
    forbidden_unless(administers(who, &access))?;
    let read = Change::new("export_personal", "household", household_id, json!({}));
    audit::record_read(conn, &who.actor, &read.on_unit(access.task.unit_id))?;
    let history = db::households::history(conn, household_id)?;
    let visits: Vec<i64> = history.iter().map(|(v, _)| v.id).collect();
    Ok(PersonalData {
        scans: db::documents::scans_of(conn, "visit", &visits)?,
        audit: audit::of_entity(conn, "household", household_id)?,
        photos: db::households::photos(conn, household_id, None)?,
        history,
        household,
        access,
    })
}

/// Erases a household's personal details once its task is closed (the task
/// unit's administrators), keeping what the figures need (stage, area,
/// dates, visit kinds); the photos' files go once nothing names them.
pub fn erase(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    files: &Path,
) -> Result<(), Rejected> {
    let (_, access) = household_access(conn, who, household_id)?;
    forbidden_unless(administers(who, &access))?;
    if !closed(&access) {
        return Err(Rejected::NotAllowed("households-erase-open"));
    }
    let unused = audited(conn, who, |c| {
        let (change, unused) = db::households::erase(c, &access.task, household_id)?;
        Ok((unused, change))
    })?;
    for sha in unused {
        if let Err(e) = attachments::remove(files, &sha) {
            tracing::warn!(error = %e, "an erased photo's file could not be removed");
        }
    }
    Ok(())
}

/// A visit as typed on the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub visited_on: Option<NaiveDate>,
    pub kind: String,
    /// The people who went: the task's owner or team.
    pub members: Vec<i64>,
    pub others: String,
    pub household_said: String,
    /// Codes of the concerns raised.
    pub concerns: Vec<String>,
    pub stage_after: String,
    pub reason: String,
    pub next_step: String,
    pub next_visit_on: Option<NaiveDate>,
    /// The visit this one corrects.
    pub corrects_id: Option<i64>,
    /// Made on a phone and sent from it (perhaps long after, perhaps twice).
    pub device: Option<DeviceVisit>,
    /// The stage the member saw when the form was opened; the stage the
    /// household is at now when empty.
    pub seen_stage: String,
    /// Photos as sent (checked and cleaned here), at most
    /// `photos::MAX_PER_VISIT`.
    pub photos: Vec<Vec<u8>>,
    /// What the edge could not read (a date written wrong).
    pub unread: FieldErrors,
}

/// A visit logged: its id and household, whether it had arrived before
/// (sent again by a phone: nothing new is stored), and whether the household
/// had moved on since the member saw it (the visit is kept all the same).
pub struct Logged {
    pub visit_id: i64,
    pub household: Household,
    pub already: bool,
    pub moved_meanwhile: bool,
}

/// What logging a visit to a household needs to know: the household, the
/// reader's rights, the task's team, and whether the visit corrected is
/// this household's.
pub struct VisitTarget {
    pub household: Household,
    pub access: Access,
    pub team: Vec<db::tasks::MemberRow>,
    pub belongs: bool,
    /// What its compensation records hold: a move to a money stage needs
    /// the matching one.
    pub records: crate::domain::money::Records,
}

/// A household and its task's rights for `user`, if they may see the task.
pub fn household_access(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Household, Access)> {
    let household = db::households::find(conn, id)?;
    let access = access(conn, user, household.task_id)?;
    Ok((household, access))
}

/// The household and its task's rights for `user`; 403 unless they may log
/// visits.
fn visit_target(
    conn: &mut DbConnection,
    user: &CurrentUser,
    household_id: i64,
    corrects_id: Option<i64>,
) -> Result<VisitTarget, Rejected> {
    let (household, access) = household_access(conn, user, household_id)?;
    forbidden_unless(access.can_log_visits)?;
    let belongs = match corrects_id {
        Some(v) => db::households::visit_belongs(conn, household_id, v)?,
        None => true,
    };
    let team = db::tasks::members(conn, access.task.id)?;
    let records = db::money::records(conn, household_id)?;
    Ok(VisitTarget {
        household,
        access,
        team,
        belongs,
        records,
    })
}

/// Checks a visit. Going back or skipping steps needs a reason; a visit
/// cannot be dated in the future, nor the next one before it; the people who
/// went must be on the task.
fn check_visit(
    input: &VisitInput,
    target: &VisitTarget,
) -> Result<(NewVisit, Vec<Photo>), FieldErrors> {
    let mut e = input.unread.clone();
    let visited_on = required_date(&mut e, "visited_on", input.visited_on);
    if visited_on.is_some_and(|d| d > format::today()) {
        e.add("visited_on", "error-future-date");
    }
    let kind = VisitKind::parse(&input.kind);
    if kind.is_none() {
        e.add("kind", "error-invalid-choice");
    }
    let mut members = input.members.clone();
    members.sort_unstable();
    members.dedup();
    let others = e.optional_text("others", &input.others, 500);
    let household_said = e.optional_text("household_said", &input.household_said, 5000);
    let concerns = parse_list(&input.concerns.join(","), Concern::parse);
    if concerns.is_none() {
        e.add("concerns", "error-invalid-choice");
    }
    let stage_after = ConsentStage::parse(&input.stage_after);
    if stage_after.is_none() {
        e.add("stage_after", "error-invalid-choice");
    }
    let reason = e.optional("reason", &input.reason, 1000);
    // Skipping or going back is judged from the stage the member saw: a visit
    // made without signal stays as valid as it was when it was made.
    let from = ConsentStage::parse(&input.seen_stage).unwrap_or(target.household.stage());
    // A stage of the task's own steps (or the one the household is at).
    let stage_after = stage_after.filter(|to| {
        let ours = target.access.process.stages().contains(to) || *to == from;
        if !ours {
            e.add("stage_after", "error-invalid-choice");
        }
        ours
    });
    if let Some(to) = stage_after {
        if target.access.process.classify(from, to).needs_reason() && reason.is_none() {
            e.add("reason", "error-stage-reason");
        }
        // "Paid" without a payment, "handed over" without the minutes: the
        // record first, or the reason it is not here.
        if let (Some(key), None, false) = (
            crate::domain::money::missing_record(to, &target.records),
            &reason,
            to == from,
        ) {
            e.add("reason", key);
        }
    }
    let next_step = e.optional_text("next_step", &input.next_step, 1000);
    let next_visit_on = e.date_value("next_visit_on", input.next_visit_on);
    if let (Some(v), Some(n)) = (visited_on, next_visit_on) {
        if n < v {
            e.add("next_visit_on", "error-next-before-visit");
        }
    }
    if !target.belongs {
        e.add("corrects_id", "error-invalid-choice");
    }
    if let Some(d) = &input.device {
        let fits = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if !(8..=64).contains(&d.id.len()) || !d.id.chars().all(fits) {
            e.add("device_id", "error-invalid-choice");
        }
        if d.place.is_some_and(|p| !p.is_plausible()) {
            e.add("place", "error-invalid-choice");
        }
    }
    let photos = check_photos(&mut e, input);
    let owner = target.access.task.owner_id;
    if !members
        .iter()
        .all(|m| *m == owner || target.team.iter().any(|t| t.user_id == *m))
    {
        e.add("members", "error-not-on-task");
    }
    match (visited_on, kind, stage_after, concerns, e.is_empty()) {
        (Some(visited_on), Some(kind), Some(stage_after), Some(concerns), true) => Ok((
            NewVisit {
                visited_on,
                kind: kind.as_str().into(),
                members,
                others,
                household_said,
                concerns: store_list(&concerns, Concern::as_str),
                stage_after,
                reason,
                next_step,
                next_visit_on,
                corrects_id: input.corrects_id,
                dialogue_id: None,
                device: input.device.clone(),
            },
            photos,
        )),
        _ => Err(e),
    }
}

/// A visit's photos, checked by their content; where they were taken is
/// kept only when the member recorded the place of the visit.
fn check_photos(e: &mut FieldErrors, input: &VisitInput) -> Vec<Photo> {
    if input.photos.len() > photos::MAX_PER_VISIT {
        e.add("photos", "photos-error-too-many");
        return Vec::new();
    }
    let keep_place = input.device.as_ref().is_some_and(|d| d.place.is_some());
    let mut kept = Vec::new();
    for bytes in &input.photos {
        match photos::clean(bytes, keep_place) {
            Ok(p) => kept.push(p),
            Err(key) => {
                e.add("photos", key);
                break;
            }
        }
    }
    kept
}

/// Logs a visit (the people on the task, and administrators), moving the
/// household to its new stage; a late visit takes its place in the log by
/// its date. A visit a phone sends again under the same id is answered with
/// the one stored, and nothing is written.
pub fn log_visit(
    conn: &mut DbConnection,
    who: &Caller,
    household_id: i64,
    input: &VisitInput,
    files: &Path,
) -> Result<Logged, Rejected> {
    let target = visit_target(conn, who, household_id, input.corrects_id)?;
    let logged = |visit_id, household, already, moved_meanwhile| Logged {
        visit_id,
        household,
        already,
        moved_meanwhile,
    };
    if let Some(visit_id) = sent_before(conn, input, household_id)? {
        return Ok(logged(visit_id, target.household, true, false));
    }
    let (visit, photos) = check_visit(input, &target)?;
    let stored = photos
        .iter()
        .map(|p| Ok((attachments::store(files, &p.bytes)?, p)))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let moved_meanwhile =
        ConsentStage::parse(&input.seen_stage).is_some_and(|seen| seen != target.household.stage());
    let written = audit::write(conn, &who.actor, |c| {
        let task = &target.access.task;
        let (id, change) =
            db::households::append_visit(c, task, &target.household, &visit, who.id)?;
        db::households::add_photos(c, id, &stored, who.id)?;
        Ok((id, change))
    });
    if written.is_err() {
        let shas: Vec<String> = stored.iter().map(|(sha, _)| sha.clone()).collect();
        super::forget_unnamed(conn, files, &shas);
    }
    match written {
        Ok(visit_id) => Ok(logged(visit_id, target.household, false, moved_meanwhile)),
        // The same visit arriving twice at once: the other one was stored.
        Err(AppError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) if input.device.is_some() => {
            let visit_id = sent_before(conn, input, household_id)?.ok_or(Rejected::NotFound)?;
            Ok(logged(visit_id, target.household, true, false))
        }
        Err(e) => Err(e.into()),
    }
}

/// A formal dialogue held with many of a task's households, as typed on
/// its form.
#[derive(Debug, Clone, Default)]
pub struct DialogueInput {
    pub held_on: Option<NaiveDate>,
    pub place: String,
    pub chaired_by: String,
    pub summary: String,
    /// The households present, each with its own outcome (a stage), or
    /// empty for the common one.
    pub households: Vec<(i64, String)>,
    /// The common outcome.
    pub stage_after: String,
    pub reason: String,
    /// What the edge could not read.
    pub unread: FieldErrors,
}

/// Records a dialogue (those who may log visits), which adds a visit to each
/// household present, open ones of the task: each moves to its own outcome
/// or the common one, a stage of the task's steps (or the one it is at);
/// going back or skipping steps, or a money stage without its record, needs
/// a reason.
pub fn hold_dialogue(
    conn: &mut DbConnection,
    who: &Caller,
    task_id: i64,
    input: &DialogueInput,
) -> Result<(), Rejected> {
    let access = access(conn, who, task_id)?;
    forbidden_unless(access.can_log_visits)?;
    let mut e = input.unread.clone();
    let held_on = required_date(&mut e, "held_on", input.held_on);
    if held_on.is_some_and(|d| d > format::today()) {
        e.add("held_on", "error-future-date");
    }
    let place = e.required("place", &input.place, 300);
    let chaired_by = e.optional_text("chaired_by", &input.chaired_by, 300);
    let summary = e.optional_text("summary", &input.summary, 10_000);
    let stage_after = ConsentStage::parse(&input.stage_after);
    if stage_after.is_none() {
        e.add("stage_after", "error-invalid-choice");
    }
    let reason = e.optional("reason", &input.reason, 1000);
    let ids: Vec<i64> = input.households.iter().map(|(id, _)| *id).collect();
    let present = db::households::open_among(conn, task_id, &ids)?;
    let records = present
        .iter()
        .map(|h| db::money::records(conn, h.id))
        .collect::<Result<Vec<_>, _>>()?;
    // Open households of this task, as the form offers them; no others.
    let offered = |h: i64| present.iter().any(|p| p.id == h);
    if super::chosen::every(&mut e, "households", &ids, offered, super::chosen::INVALID)
        && present.is_empty()
    {
        e.add("households", "error-choose-households");
    }
    // Each household's outcome: its own if chosen, else the common one; a
    // stage of the task's own steps.
    let process = access.process;
    let chosen = |id: i64| input.households.iter().find(|(h, _)| *h == id);
    let outcomes: Vec<Option<ConsentStage>> = present
        .iter()
        .map(|h| match chosen(h.id).map_or("", |(_, s)| s.as_str()) {
            "" => stage_after,
            own => {
                let to = ConsentStage::parse(own)
                    .filter(|s| process.stages().contains(s) || *s == h.stage());
                if to.is_none() {
                    e.add(&format!("outcome_{}", h.id), "error-invalid-choice");
                }
                to
            }
        })
        .collect();
    if stage_after.is_some_and(|s| !process.stages().contains(&s)) {
        e.add("stage_after", "error-invalid-choice");
    }
    let moves = present.iter().zip(&outcomes).zip(&records);
    let moves: Vec<_> = moves
        .filter_map(|((h, to), r)| to.map(|to| (h, to, r)))
        .collect();
    if reason.is_none()
        && moves
            .iter()
            .any(|(h, to, _)| process.classify(h.stage(), *to).needs_reason())
    {
        e.add("reason", "error-stage-reason");
    }
    // A money stage needs each household's record, or the reason.
    let missing = moves.iter().find_map(|(h, to, r)| {
        (h.stage() != *to)
            .then(|| crate::domain::money::missing_record(*to, r))
            .flatten()
    });
    if let (Some(key), None) = (missing, &reason) {
        e.add("reason", key);
    }
    let outcomes: Vec<ConsentStage> = outcomes.into_iter().flatten().collect();
    let (Some(held_on), Some(_), true) = (held_on, stage_after, e.is_empty()) else {
        return Err(Rejected::Invalid(e));
    };
    let fields = db::households::DialogueFields {
        held_on,
        place,
        chaired_by,
        summary,
    };
    audited(conn, who, |c| {
        let (_, change) = db::households::hold_dialogue(
            c,
            &access.task,
            &fields,
            &present,
            &outcomes,
            reason,
            who.id,
        )?;
        Ok(((), change))
    })
}

/// A photo added to a visit already logged (a phone that sends the visit
/// first and its photos after, as the API does): checked and cleaned as the
/// form's are, kept by whoever may log visits to the household. The same
/// photo sent again is answered with the one stored (`true`).
pub fn add_photo(
    conn: &mut DbConnection,
    who: &Caller,
    visit_id: i64,
    bytes: &[u8],
    files: &Path,
) -> Result<(db::households::VisitPhoto, bool), Rejected> {
    let (household_id, placed) =
        db::households::visit_household(conn, visit_id)?.ok_or(Rejected::NotFound)?;
    let target = visit_target(conn, who, household_id, None)?;
    let photo = photos::clean(bytes, placed).map_err(|key| Rejected::refused("photos", key))?;
    let sha = attachments::sha256(&photo.bytes);
    let had = db::households::photos(conn, household_id, Some(visit_id))?;
    if let Some(same) = had.iter().find(|p| p.sha256 == sha) {
        return Ok((same.clone(), true));
    }
    if had.len() >= photos::MAX_PER_VISIT {
        return Err(Rejected::refused("photos", "photos-error-too-many"));
    }
    attachments::store(files, &photo.bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let unit = target.access.task.unit_id;
    let written = audit::write(conn, &who.actor, |c| {
        db::households::add_photos(c, visit_id, &[(sha.clone(), &photo)], who.id)?;
        let change = Change::new(
            "add_photo",
            "visit",
            visit_id,
            json!({"photos": had.len() + 1}),
        );
        Ok(((), change.on_unit(unit)))
    });
    if written.is_err() {
        super::forget_unnamed(conn, files, std::slice::from_ref(&sha));
    }
    written?;
    let added = db::households::photos(conn, household_id, Some(visit_id))?;
    let new = added
        .into_iter()
        .find(|p| p.sha256 == sha)
        .ok_or(Rejected::NotFound)?;
    Ok((new, false))
}

/// The visit stored under the id the phone gave this one, if it came
/// before; an id already used for another household is refused.
fn sent_before(
    conn: &mut DbConnection,
    input: &VisitInput,
    household_id: i64,
) -> Result<Option<i64>, Rejected> {
    let Some(device) = &input.device else {
        return Ok(None);
    };
    match db::households::visit_of_device(conn, &device.id)? {
        Some((visit_id, hid)) if hid == household_id => Ok(Some(visit_id)),
        Some(_) => Err(Rejected::refused("device_id", "error-invalid-choice")),
        None => Ok(None),
    }
}
