//! Hà Nội's mobile team for land procedures and its rounds in ten communes.

use chrono::NaiveDate;

use super::{unit, user, Accounts};
use crate::db::teams::{self as tdb, RoundPlan, RoundResult, TeamFields};
use crate::db::{audit, DbConnection};
use crate::domain::access::Role;
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// Hà Nội's mobile land-procedure support from seed 002: led by the city's
/// public administration service centre, piloted in Q4/2025 in ten communes
/// and wards.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hanoi: i64,
    hash: &str,
) -> Result<Accounts, AppError> {
    let centre = unit(
        conn,
        actor,
        Some(hanoi),
        UnitKind::Department,
        "Trung tâm Phục vụ hành chính công thành phố Hà Nội",
    )?;
    let places = [
        ("Xã Phú Xuyên", UnitKind::Commune),
        ("Xã Phúc Lộc", UnitKind::Commune),
        ("Xã Đại Xuyên", UnitKind::Commune),
        ("Xã Đông Anh", UnitKind::Commune),
        ("Xã Vân Đình", UnitKind::Commune),
        ("Phường Đông Ngạc", UnitKind::Ward),
        ("Phường Phú Diễn", UnitKind::Ward),
        ("Phường Hồng Hà", UnitKind::Ward),
        ("Xã Chương Mỹ", UnitKind::Commune),
        ("Phường Kiến Hưng", UnitKind::Ward),
    ];
    let mut communes = Vec::new();
    for (name, kind) in places {
        communes.push(unit(conn, actor, Some(hanoi), kind, name)?);
    }
    let lead = user(
        conn,
        actor,
        hash,
        ("hcc.hanoi", "Vũ Thị Minh Hằng"),
        centre,
        Role::Committee,
    )?;
    let member = user(
        conn,
        actor,
        hash,
        ("tohotro.hanoi", "Đinh Văn Khoa"),
        centre,
        Role::Viewer,
    )?;
    let land = user(
        conn,
        actor,
        hash,
        ("vpdkdd.hanoi", "Nguyễn Thu Trang"),
        centre,
        Role::Viewer,
    )?;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default();
    let f = TeamFields {
        lead_unit_id: centre,
        name: "Tổ hỗ trợ lưu động thủ tục hành chính lĩnh vực đất đai".into(),
        period_from: day(10, 1),
        period_to: day(12, 31),
        description: "Thí điểm quý IV/2025: hội nghị phổ biến, tư vấn pháp lý, hướng dẫn kê khai, lấy số trên iHanoi, nộp hồ sơ trên Cổng Dịch vụ công quốc gia; ưu tiên người có công, người cao tuổi, người ít tiếp cận công nghệ số.".into(),
        members: vec![lead, member, land],
        communes: communes.clone(),
    };
    let team = audit::write(conn, actor, |c| Ok(tdb::create(c, &f, lead)?))?;
    let kinds = ["outreach", "legal_advice", "online_guidance"];
    for (i, unit) in communes.iter().enumerate() {
        for k in 0..2usize {
            let on = day(10, 6) + chrono::Duration::days((i * 5 + k * 35) as i64);
            let plan = RoundPlan {
                unit_id: *unit,
                on_date: on,
                start_time: if k == 0 { "08:00" } else { "14:00" }.into(),
                place: format!("Nhà văn hóa thôn, tổ dân phố số {}", 1 + (i + k) % 6),
                kind: kinds[(i + k) % 3].into(),
            };
            let round = audit::write(conn, actor, |c| {
                Ok(tdb::plan_round(c, &team, &plan, member)?)
            })?;
            let n = (i * 7 + k * 11) as i32;
            let res = RoundResult {
                attendance: 60 + n,
                helped: [2 + n % 4, 3 + n % 5, 8 + n % 7, 1 + n % 3, 10 + n % 9],
                dossiers_prepared: 12 + n % 10,
                dossiers_online: 8 + n % 6,
                notes: String::new(),
            };
            audit::write_if(conn, actor, |c| {
                Ok(((), tdb::record(c, &round, round.version, &res)?))
            })?;
            if k == 0 && i % 3 == 0 {
                audit::write(conn, actor, |c| {
                    Ok(((), tdb::add_problem(c, &round, "Nhiều hộ chưa được cấp giấy chứng nhận do chưa xác định được nguồn gốc đất", member)?))
                })?;
            }
        }
    }
    Ok(vec![
        ("hcc.hanoi".into(), Role::Committee.as_str()),
        ("tohotro.hanoi".into(), "team member"),
        ("vpdkdd.hanoi".into(), "team member"),
    ])
}
