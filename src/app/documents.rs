//! The documents a task's records make (`documents::kinds`): who may make
//! them (whoever may read the households' personal details: the people on
//! the task, and reviewers and administrators, their read logged), and the
//! head each starts from (the unit as issuing body, the record's date, the
//! usual signer), which the page lets the user change before it is made.

use chrono::NaiveDate;

use super::households::personal_details;
use super::tasks::{access, Access};
use super::Caller;
use super::{forbidden_unless, Rejected};
use crate::context::CurrentUser;
use crate::db::documents::UnitDocuments;
use crate::db::{self, audit, DbConnection};
use crate::documents::kinds::{self, Present};
use crate::documents::{Document, Head};
use crate::domain::format;
use crate::domain::households::Sight;

/// The documents there are, by the record they are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A visit's minutes (the id is the visit's).
    Visit,
    /// A dialogue's minutes (the dialogue's).
    Dialogue,
    /// A dialogue's invitation (the dialogue's; one household or all).
    Invitation,
    /// A task's list of households (the task's).
    Households,
    /// The Front's year-end report (the review round's).
    Report,
    /// The dispatch sending a recommendation, or all of its inspection's
    /// to the same body (the recommendation's).
    Dispatch,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "visit" => Kind::Visit,
            "dialogue" => Kind::Dialogue,
            "invitation" => Kind::Invitation,
            "households" => Kind::Households,
            "report" => Kind::Report,
            "dispatch" => Kind::Dispatch,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Visit => "visit",
            Kind::Dialogue => "dialogue",
            Kind::Invitation => "invitation",
            Kind::Households => "households",
            Kind::Report => "report",
            Kind::Dispatch => "dispatch",
        }
    }

    /// The symbol after the number (`…/BB-UBND`).
    fn symbol(self) -> &'static str {
        match self {
            Kind::Visit | Kind::Dialogue => "BB-UBND",
            Kind::Invitation => "GM-UBND",
            Kind::Households => "DS-UBND",
            Kind::Report => "BC-MTTQ",
            Kind::Dispatch => "CV",
        }
    }
}

/// A document made: its content and a file name for its DOCX.
pub struct Made {
    pub document: Document,
    pub file_name: String,
    /// The task it belongs to, if any.
    pub task_id: i64,
    /// The page it is made from, for the way back.
    pub back: String,
}

/// The place name of a unit: its name without the kind of unit before it.
fn place_of(unit: &str) -> String {
    const KINDS: [&str; 7] = [
        "Phường ",
        "Xã ",
        "Thành phố ",
        "Tỉnh ",
        "Đặc khu ",
        "Quận ",
        "Huyện ",
    ];
    KINDS
        .iter()
        .find_map(|k| unit.strip_prefix(k))
        .unwrap_or(unit)
        .to_string()
}

/// The people's committee of a unit as a sentence names it: `Ủy ban nhân
/// dân phường Phú Thượng`.
fn inviter(unit: &str) -> String {
    let mut chars = unit.chars();
    let unit = match chars.next() {
        Some(first) if place_of(unit) != unit => first.to_lowercase().chain(chars).collect(),
        _ => unit.to_string(),
    };
    format!("Ủy ban nhân dân {unit}")
}

/// The head a document starts from: the unit's document settings where it
/// has them, else its people's committee as issuing body and its chair
/// signing for the committee; the record's date.
pub fn default_head(
    kind: Kind,
    access: &Access,
    on: NaiveDate,
    settings: Option<&UnitDocuments>,
) -> Head {
    with_settings(committee_head(kind, access, on), settings)
}

/// A head with what the unit's settings say in place of the defaults.
fn with_settings(mut head: Head, settings: Option<&UnitDocuments>) -> Head {
    if let Some(s) = settings {
        let or = |set: &str, default: &mut String| {
            if !set.trim().is_empty() {
                *default = set.to_string();
            }
        };
        or(&s.body_above, &mut head.body_above);
        or(&s.issuer, &mut head.issuer);
        or(&s.place, &mut head.place);
        or(&s.authority, &mut head.authority);
        or(&s.position, &mut head.position);
        or(&s.signer, &mut head.signer);
    }
    head
}

fn committee_head(kind: Kind, access: &Access, on: NaiveDate) -> Head {
    let unit = &access.unit.name;
    Head {
        body_above: String::new(),
        issuer: format!("Ủy ban nhân dân\n{unit}").to_uppercase(),
        number: format!("      /{}", kind.symbol()),
        place: place_of(unit),
        date: Some(on),
        authority: "TM. ỦY BAN NHÂN DÂN".into(),
        position: "CHỦ TỊCH".into(),
        signer: String::new(),
        recipients: match kind {
            Kind::Invitation => "Như trên;".into(),
            _ => String::new(),
        },
        proposals: String::new(),
    }
}

/// The dispatch of a recommendation, by the raising unit: its inspection's
/// other recommendations to the same body go with it.
fn dispatch(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
    head: Option<Head>,
) -> Result<Made, Rejected> {
    let a = super::recommendations::access(conn, user, id)?;
    forbidden_unless(a.raises)?;
    let (recs, visited_on) = match a.rec.inspection_id {
        Some(i) => {
            let inspection = db::recommendations::find_inspection(conn, i)?;
            let recs = db::recommendations::of_inspection(conn, i)?
                .into_iter()
                .filter(|r| r.to_unit_id == a.rec.to_unit_id)
                .collect();
            (recs, Some(inspection.visited_on))
        }
        None => (vec![a.rec.clone()], None),
    };
    let settings = db::documents::settings(conn, a.from.id)?;
    let head = head.unwrap_or_else(|| {
        let head = Head {
            body_above: String::new(),
            issuer: a.from.name.to_uppercase(),
            number: format!("      /{}", Kind::Dispatch.symbol()),
            place: place_of(&a.from.name),
            date: Some(a.rec.raised_on),
            authority: String::new(),
            position: String::new(),
            signer: String::new(),
            recipients: "Như trên;".into(),
            proposals: String::new(),
        };
        with_settings(head, settings.as_ref())
    });
    let document = kinds::dispatch(head, &a.from.name, &a.to.name, visited_on, &recs);
    Ok(Made {
        document,
        file_name: format!("cong-van-kien-nghi-{id}.docx"),
        task_id: 0,
        back: format!("/recommendations/{id}"),
    })
}

/// The year-end report of a review round, to whoever may read its results:
/// its head starts from what the round's settings say (number, place,
/// signer), under the Front's committee of the round's unit.
pub fn report(
    conn: &mut DbConnection,
    state: &crate::state::AppState,
    user: &CurrentUser,
    id: i64,
    head: Option<Head>,
) -> crate::error::AppResult<Made> {
    let (a, criteria, tables, _) = super::reviews::round_results(conn, state, user, id)?;
    let round = &a.round;
    let on = round
        .published_at
        .map(format::local_date)
        .unwrap_or_else(format::today);
    let head = head.unwrap_or_else(|| {
        // "TM. BAN THƯỜNG TRỰC" is an authority over the chair's title; a
        // title alone is the position.
        let title = round.signer_title.trim();
        let (authority, position) = match title.split_once('\n') {
            Some((a, p)) => (a.trim().to_string(), p.trim().to_string()),
            None if title.is_empty() => ("TM. BAN THƯỜNG TRỰC".into(), "CHỦ TỊCH".into()),
            None if ["TM.", "KT.", "Q.", "TL.", "TUQ."]
                .iter()
                .any(|p| title.starts_with(p)) =>
            {
                (title.to_string(), "CHỦ TỊCH".into())
            }
            None => (String::new(), title.to_string()),
        };
        Head {
            body_above: "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM".into(),
            issuer: a.unit.name.to_uppercase(),
            number: match round.report_number.trim() {
                "" => format!("      /{}", Kind::Report.symbol()),
                n => n.to_string(),
            },
            place: match round.report_place.trim() {
                "" => place_of(&a.unit.name),
                p => p.to_string(),
            },
            date: Some(on),
            authority,
            position,
            signer: round.signer_name.clone(),
            recipients: format!(
                "Ban Thường trực Ủy ban MTTQ cấp trên;\nĐảng ủy, HĐND, UBND {};",
                a.unit.name
            ),
            proposals: String::new(),
        }
    });
    // Only the tasks this reader's results show (a task's owner sees its own
    // scores, not the others').
    let shown: std::collections::HashSet<i64> = tables.by_task.iter().map(|r| r.key).collect();
    let comments: Vec<db::reviews::Commented> = db::reviews::comments_of_round(
        conn,
        round.id,
        &[db::reviews::CONSENSUS, db::reviews::REVIEW],
    )?
    .into_iter()
    .filter(|c| shown.contains(&c.5))
    .collect();
    let document = kinds::review_report(
        head,
        &kinds::ReviewReport {
            title: &round.title,
            year: round.year,
            tasks: &tables.by_task,
            counts: &tables.counts,
            criteria: &criteria,
            comments: &comments,
            provisional: !a.published(),
        },
    );
    Ok(Made {
        document,
        file_name: format!("bao-cao-giam-sat-{}-{}.docx", round.year, round.id),
        task_id: 0,
        back: format!("/reviews/{}", round.id),
    })
}

/// The task's rights, refused unless the user reads personal details (a
/// reviewer's or administrator's read is logged).
fn readable(
    conn: &mut DbConnection,
    who: &Caller,
    task_id: i64,
    household: &mut db::households::Household,
) -> Result<Access, Rejected> {
    let access = access(conn, who, task_id)?;
    if access.sight == Sight::Masked {
        return Err(Rejected::Forbidden);
    }
    if let Some(read) = personal_details(&access, household) {
        audit::record_read(conn, &who.actor, &read)?;
    }
    Ok(access)
}

/// Makes a document of `kind` from record `id`, with `head` as typed on the
/// page or, when none was, the default one.
pub fn make(
    conn: &mut DbConnection,
    who: &Caller,
    kind: Kind,
    id: i64,
    household: Option<i64>,
    head: Option<Head>,
) -> Result<Made, Rejected> {
    let head_or =
        |conn: &mut DbConnection, access: &Access, on: NaiveDate| -> Result<Head, Rejected> {
            Ok(match &head {
                Some(h) => h.clone(),
                None => {
                    let settings = db::documents::settings(conn, access.unit.id)?;
                    default_head(kind, access, on, settings.as_ref())
                }
            })
        };
    match kind {
        Kind::Report => Err(Rejected::NotFound),
        Kind::Dispatch => dispatch(conn, who, id, head),
        Kind::Visit => {
            let (hid, _) = db::households::visit_household(conn, id)?.ok_or(Rejected::NotFound)?;
            let mut h = db::households::find(conn, hid)?;
            let access = readable(conn, who, h.task_id, &mut h)?;
            let (visit, members) = db::households::history(conn, hid)?
                .into_iter()
                .find(|(v, _)| v.id == id)
                .ok_or(Rejected::NotFound)?;
            let head = head_or(conn, &access, visit.visited_on)?;
            Ok(Made {
                document: kinds::visit_minutes(head, &access.task.title, &h, &visit, &members),
                file_name: format!("bien-ban-van-dong-{id}.docx"),
                task_id: access.task.id,
                back: format!("/households/{hid}"),
            })
        }
        Kind::Dialogue | Kind::Invitation => {
            let (d, task_id) = db::households::dialogue(conn, id)?.ok_or(Rejected::NotFound)?;
            let rows: Vec<_> = db::households::dialogue_households(conn, id)?
                .into_iter()
                .filter(|(h, _)| household.is_none_or(|only| only == h.id))
                .collect();
            if household.is_some() && rows.is_empty() {
                return Err(Rejected::NotFound);
            }
            // The task's rights once for the whole list; each household's
            // read of personal details is logged as before.
            let access = access(conn, who, task_id)?;
            if access.sight == Sight::Masked {
                return Err(Rejected::Forbidden);
            }
            let mut present = Vec::new();
            for (mut h, stage_after) in rows {
                if let Some(read) = personal_details(&access, &mut h) {
                    audit::record_read(conn, &who.actor, &read)?;
                }
                present.push(Present {
                    name: h.head_name,
                    address: h.address,
                    parcel: format!("{}/{}", h.parcel_no, h.map_sheet),
                    stage_after,
                });
            }
            let on = if kind == Kind::Invitation {
                format::today()
            } else {
                d.held_on
            };
            let head = head_or(conn, &access, on)?;
            let (document, file_name) = if kind == Kind::Dialogue {
                (
                    kinds::dialogue_minutes(head, &access.task.title, &d, &present),
                    format!("bien-ban-doi-thoai-{id}.docx"),
                )
            } else {
                (
                    kinds::invitation(
                        head,
                        &inviter(&access.unit.name),
                        &access.task.title,
                        &d,
                        &present,
                    ),
                    format!("giay-moi-doi-thoai-{id}.docx"),
                )
            };
            Ok(Made {
                document,
                file_name,
                task_id,
                back: format!("/tasks/{task_id}#dialogues"),
            })
        }
        Kind::Households => {
            let access = access(conn, who, id)?;
            if access.sight == Sight::Masked {
                return Err(Rejected::Forbidden);
            }
            let mut households = db::households::all_of_task(conn, id)?;
            households.sort_by(|a, b| {
                (a.map_sheet.as_str(), a.parcel_no.as_str(), a.id).cmp(&(
                    b.map_sheet.as_str(),
                    b.parcel_no.as_str(),
                    b.id,
                ))
            });
            if let Some(first) = households.first_mut() {
                // One read logged for the list, as for the household export.
                let mut one = first.clone();
                if let Some(read) = personal_details(&access, &mut one) {
                    audit::record_read(conn, &who.actor, &read)?;
                }
            }
            let head = head_or(conn, &access, format::today())?;
            Ok(Made {
                document: kinds::household_list(
                    head,
                    &access.task.title,
                    &households,
                    &who.full_name,
                ),
                file_name: format!("danh-sach-ho-{id}.docx"),
                task_id: id,
                back: format!("/tasks/{id}#households"),
            })
        }
    }
}

/// The records a signed scan comes back to, by their documents' kinds.
pub fn scan_record(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Visit => Some("visit"),
        Kind::Dialogue => Some("dialogue"),
        Kind::Report => Some("report"),
        _ => None,
    }
}

/// Who may see a record's scans (`attach` false) or attach one (`true`):
/// for a visit or a dialogue, the readers of the households' personal
/// details, and the people who log visits to attach; for a report, the
/// readers of the round's results, and its lead to attach.
pub fn scan_access(
    conn: &mut DbConnection,
    user: &CurrentUser,
    kind: Kind,
    id: i64,
    attach: bool,
    reader: Option<&audit::Actor>,
) -> Result<(), Rejected> {
    match kind {
        Kind::Visit | Kind::Dialogue => {
            let task_id = record_task(conn, kind, id)?;
            let a = access(conn, user, task_id)?;
            let may = if attach {
                a.can_log_visits
            } else {
                a.sight != Sight::Masked
            };
            forbidden_unless(may)?;
            // A reviewer's or administrator's look at the signed paper is
            // logged, as their look at the households is.
            if let (false, Some(actor), Sight::Logged) = (attach, reader, a.sight) {
                let households = match kind {
                    Kind::Visit => vec![
                        db::households::visit_household(conn, id)?
                            .ok_or(Rejected::NotFound)?
                            .0,
                    ],
                    _ => db::households::dialogue_households(conn, id)?
                        .into_iter()
                        .map(|(h, _)| h.id)
                        .collect(),
                };
                for hid in households {
                    let read = audit::Change::new(
                        "read_personal",
                        "household",
                        hid,
                        serde_json::json!({}),
                    )
                    .on_unit(a.task.unit_id);
                    audit::record_read(conn, actor, &read)?;
                }
            }
            Ok(())
        }
        Kind::Report => {
            let a = super::reviews::round_access(conn, user, id)?;
            let may = if attach {
                a.lead
            } else {
                a.reviewer || a.published()
            };
            may.then_some(()).ok_or(Rejected::Forbidden)
        }
        _ => Err(Rejected::NotFound),
    }
}

/// The unit a record belongs to, for the audit log.
fn record_unit(conn: &mut DbConnection, kind: Kind, id: i64) -> Result<i64, Rejected> {
    if kind == Kind::Report {
        return Ok(db::reviews::find(conn, id)?.unit_id);
    }
    let task_id = record_task(conn, kind, id)?;
    Ok(db::tasks::find(conn, task_id)?.unit_id)
}

/// The task a visit or a dialogue belongs to.
fn record_task(conn: &mut DbConnection, kind: Kind, id: i64) -> Result<i64, Rejected> {
    match kind {
        Kind::Visit => {
            let (hid, _) = db::households::visit_household(conn, id)?.ok_or(Rejected::NotFound)?;
            Ok(db::households::find(conn, hid)?.task_id)
        }
        Kind::Dialogue => Ok(db::households::dialogue(conn, id)?
            .ok_or(Rejected::NotFound)?
            .1),
        _ => Err(Rejected::NotFound),
    }
}

/// Attaches the scan of signed paper to its record: a PDF, JPG or PNG,
/// checked by its content and kept as an attachment.
pub fn attach_scan(
    conn: &mut DbConnection,
    who: &Caller,
    kind: Kind,
    id: i64,
    file: Option<(String, Vec<u8>)>,
    files: &std::path::Path,
) -> Result<i64, Rejected> {
    let record = scan_record(kind).ok_or(Rejected::NotFound)?;
    scan_access(conn, who, kind, id, true, None)?;
    let refuse = |key: &str| {
        let mut e = crate::domain::validate::FieldErrors::default();
        e.add("file", key);
        Rejected::Invalid(e)
    };
    let (name, bytes) = file.ok_or_else(|| refuse("upload-error-empty"))?;
    let (safe, content_type) = crate::attachments::check(&name, &bytes).map_err(refuse)?;
    if !["application/pdf", "image/jpeg", "image/png"].contains(&content_type) {
        return Err(refuse("documents-scan-type"));
    }
    let unit_id = record_unit(conn, kind, id)?;
    let sha = crate::attachments::store(files, &bytes)
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let size = bytes.len() as i64;
    let scan = audit::write(conn, &who.actor, |c| {
        let attachment =
            db::recommendations::add_attachment(c, &sha, &safe, content_type, size, who.id)?;
        let scan = db::documents::add_scan(c, record, id, attachment, who.id)?;
        let change =
            audit::Change::new("attach_scan", record, id, serde_json::json!({"file": safe}))
                .on_unit(unit_id);
        Ok((scan, change))
    });
    if scan.is_err() {
        super::forget_unnamed(conn, files, std::slice::from_ref(&sha));
    }
    Ok(scan?)
}
