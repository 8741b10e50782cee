//! Quảng Phú's Tuesday desk, its shifts, cases and citizens' feedback.

use chrono::NaiveDate;

use super::{name, unit, user, Accounts};
use crate::db::desk::{self as ddb, CaseFields, DutyFields, FeedbackFields, ShiftChange};
use crate::db::{self, audit, DbConnection};
use crate::domain::access::Role;
use crate::domain::desk::{Outcome, Rating, ShiftStatus};
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// Quảng Phú's "Tuesday with citizens" from seed 000: from 05/08/2025 a
/// member of the ward Party committee's standing board takes the one-stop
/// desk every Tuesday morning; the first case is Mr Nguyễn Ngọc Thủy's parcel
/// 525, map sheet 27.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
) -> Result<Accounts, AppError> {
    let province = unit(conn, actor, None, UnitKind::Province, "Tỉnh Quảng Ngãi")?;
    let ward = unit(
        conn,
        actor,
        Some(province),
        UnitKind::Ward,
        "Phường Quảng Phú",
    )?;
    let officials = [
        ("bithu.quangphu", "Bùi Ngọc Ảnh"),
        ("phobithu.quangphu", "Trần Thị Kim Oanh"),
        ("uvbtv.quangphu", "Lê Văn Hùng"),
    ];
    let mut ids = Vec::new();
    for o in officials {
        ids.push(user(conn, actor, hash, o, ward, Role::Committee)?);
    }
    let start = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap_or_default();
    let f = DutyFields {
        unit_id: ward,
        name: "Ngày thứ Ba đồng hành với công dân".into(),
        place: "Bộ phận tiếp nhận và trả kết quả phường Quảng Phú".into(),
        weekday: 2,
        start_time: "07:30".into(),
        end_time: "11:00".into(),
        starts_on: start,
        active: true,
        officials: ids.clone(),
    };
    let duty = audit::write(conn, actor, |c| Ok(ddb::create(c, &f, ids[0])?))?;
    let today = crate::domain::format::today();
    let weeks = ((today - start).num_days() / 7 + 9) as u32;
    audit::write_if(conn, actor, |c| {
        Ok(((), ddb::generate(c, &duty, start, weeks)?.1))
    })?;
    let procedures = db::lists::desk_procedures::all(conn)?;
    let shifts = ddb::shifts(conn, duty.id, start, today)?;
    const NOTES: [(&str, &str); 5] = [
        (
            "land_use_change",
            "Hướng dẫn hồ sơ chuyển mục đích sử dụng đất vườn sang đất ở",
        ),
        (
            "land_certificate",
            "Hỏi thủ tục cấp giấy chứng nhận lần đầu cho đất ở ổn định",
        ),
        (
            "land_transfer",
            "Hướng dẫn thủ tục tặng cho quyền sử dụng đất cho con",
        ),
        (
            "online_submission",
            "Hướng dẫn nộp hồ sơ trên Cổng Dịch vụ công quốc gia",
        ),
        ("other", "Hỏi về chế độ hỗ trợ người có công"),
    ];
    let procedure = |code: &str| {
        procedures
            .iter()
            .find(|p| p.code == code)
            .map_or(0, |p| p.id)
    };
    for (i, row) in shifts.iter().enumerate() {
        let shift = row.shift.clone();
        if i % 17 == 9 {
            // Now and then a shift falls through, with a reason.
            audit::write_if(conn, actor, |c| {
                Ok((
                    (),
                    ddb::change_shift(
                        c,
                        &shift,
                        shift.version,
                        ward,
                        &ShiftChange::Status(
                            ShiftStatus::Cancelled,
                            "Trùng lịch họp Thành ủy".into(),
                        ),
                    )?,
                ))
            })?;
            continue;
        }
        let count = 2 + i % 3;
        for k in 0..count {
            let (code, note) = NOTES[(i + k) % NOTES.len()];
            let first = i == 0 && k == 0;
            let escalated = (i + k) % 11 == 4;
            let fields = CaseFields {
                procedure_id: procedure(if first { "land_use_change" } else { code }),
                citizen_name: if first {
                    "Nguyễn Ngọc Thủy".into()
                } else {
                    name(i * 5 + k + 700)
                },
                priority_groups: if (i + k) % 6 == 0 {
                    "elderly".into()
                } else {
                    String::new()
                },
                note: if first {
                    "Thửa số 525, tờ bản đồ số 27: hướng dẫn lập thủ tục chuyển mục đích 50 m² đất vườn sang đất ở".into()
                } else {
                    note.into()
                },
                outcome: if escalated {
                    Outcome::Escalated
                } else if (i + k) % 3 == 0 {
                    Outcome::Resolved
                } else {
                    Outcome::Guided
                },
                escalated_to: escalated.then(|| "Chi nhánh Văn phòng Đăng ký đất đai".to_string()),
                due_on: escalated.then(|| shift.on_date + chrono::Duration::days(15)),
            };
            let case = audit::write(conn, actor, |c| {
                Ok(ddb::add_case(
                    c,
                    &shift,
                    ward,
                    &fields,
                    shift.official_id,
                    shift.on_date,
                )?)
            })?;
            if escalated && (i + k) % 2 == 0 {
                audit::write_if(conn, actor, |c| {
                    Ok((
                        (),
                        ddb::answer(
                            c,
                            &case,
                            ward,
                            shift.on_date + chrono::Duration::days(10),
                            "Đã có văn bản trả lời công dân",
                        )?,
                    ))
                })?;
            }
            // Most citizens answer the feedback link; most are satisfied.
            if (i + k) % 4 != 3 {
                let rating = match (i + k) % 10 {
                    0..=5 => Rating::VerySatisfied,
                    6..=8 => Rating::Satisfied,
                    _ => Rating::NotSatisfied,
                };
                ddb::give_feedback(
                    conn,
                    case.id,
                    &FeedbackFields {
                        rating,
                        attitude: Some(3),
                        clarity: Some(if rating == Rating::NotSatisfied { 2 } else { 3 }),
                        time_taken: Some(2 + i32::from(rating == Rating::VerySatisfied)),
                        comment: if first {
                            "Được lãnh đạo phường hướng dẫn tận tình, hồ sơ giải quyết nhanh."
                                .into()
                        } else {
                            String::new()
                        },
                    },
                )?;
            }
        }
    }
    Ok(officials
        .iter()
        .map(|(u, _)| (u.to_string(), Role::Committee.as_str()))
        .collect())
}
