//! Nghệ An's inspection with its recommendations, and Tây Hồ's 2023 targets.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{user, Accounts};
use crate::db::recommendations::{
    self as rdb, InspectionFields, Move, RecommendationFields, TargetFields,
};
use crate::db::{self, audit, DbConnection};
use crate::domain::access::Role;
use crate::domain::targets::Direction;
use crate::domain::units::UnitKind;
use crate::domain::workdays;
use crate::error::AppError;

/// Nghệ An's working group (seed 001): on 15/10/2025 the provincial vice
/// chairman's group inspects the communes' public service centres, hears
/// their difficulties, and departments must answer each recommendation in
/// writing.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
) -> Result<Accounts, AppError> {
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let province = unit_named(conn, "Tỉnh Nghệ An")?;
    let land = unit_named(conn, "Sở Nông nghiệp và Môi trường Nghệ An")?;
    let mut unit = |name: &str, kind| super::unit(conn, actor, Some(province), kind, name);
    let lam_thanh = unit("Xã Lam Thành", UnitKind::Commune)?;
    let hung_nguyen_nam = unit("Xã Hưng Nguyên Nam", UnitKind::Commune)?;
    let thanh_vinh = unit("Phường Thành Vinh", UnitKind::Ward)?;
    let truong_vinh = unit("Phường Trường Vinh", UnitKind::Ward)?;
    let finance = unit("Sở Tài chính Nghệ An", UnitKind::Department)?;
    let construction = unit("Sở Xây dựng Nghệ An", UnitKind::Department)?;
    let home_affairs = unit("Sở Nội vụ Nghệ An", UnitKind::Department)?;
    let group = user(
        conn,
        actor,
        hash,
        ("tocongtac.nghean", "Hồ Văn Thắng"),
        province,
        Role::Committee,
    )?;
    let land_official = user(
        conn,
        actor,
        hash,
        ("sonnmt.nghean", "Phan Thị Huyền"),
        land,
        Role::Committee,
    )?;
    let finance_official = user(
        conn,
        actor,
        hash,
        ("sotc.nghean", "Nguyễn Đình Tuấn"),
        finance,
        Role::Committee,
    )?;
    let home_official = user(
        conn,
        actor,
        hash,
        ("sonv.nghean", "Lê Thị Mai"),
        home_affairs,
        Role::Committee,
    )?;
    let visited = day(2025, 10, 15);
    let f = InspectionFields {
        unit_id: lam_thanh,
        by_unit_id: province,
        visited_on: visited,
        members: "Phó Chủ tịch Thường trực UBND tỉnh Bùi Thanh An; lãnh đạo các Sở, ban, ngành thành viên Tổ công tác số 1; lãnh đạo các xã, phường".into(),
        figures: "Trung tâm Phục vụ hành chính công xã Lam Thành: từ 01/7 đến 30/9/2025 tiếp nhận 2.699 hồ sơ.".into(),
        findings: "Các xã, phường vận hành chính quyền 2 cấp ổn định. Vướng mắc trong áp dụng quy định về thu hồi, bồi thường, tái định cư, cấp giấy chứng nhận, giao, cho thuê, chuyển mục đích sử dụng đất, xác định giá đất; tỷ lệ điều tiết nguồn thu từ khai thác quỹ đất (5%–10%) thấp; kinh phí cho nhiệm vụ chuyển giao từ cấp huyện chưa được chuyển giao.".into(),
    };
    let inspection = audit::write(conn, actor, |c| Ok(rdb::create_inspection(c, &f, group)?))?;
    let cal = rdb::calendar(conn)?;
    // (from, to, field, content, what happens)
    let plan: [(i64, i64, &str, &str, u8); 5] = [
        (lam_thanh, land, "land_recovery", "Ban hành hướng dẫn thống nhất quy trình, hồ sơ thu hồi, bồi thường, hỗ trợ, tái định cư và cấp giấy chứng nhận quyền sử dụng đất cho cấp xã.", 0),
        (lam_thanh, finance, "finance", "Nâng tỷ lệ điều tiết nguồn thu từ khai thác quỹ đất cho cấp xã (hiện khoảng 5%–10%) để tái đầu tư hạ tầng.", 1),
        (hung_nguyen_nam, finance, "finance", "Chuyển giao kinh phí tương ứng với các nhiệm vụ dịch vụ công ích, thị chính trước đây do cấp huyện thực hiện.", 2),
        (thanh_vinh, construction, "staffing", "Tham mưu thành lập Ban Quản lý dự án cho các xã, phường.", 3),
        (truong_vinh, land, "infrastructure", "Hướng dẫn sắp xếp, xử lý trụ sở dôi dư sau sắp xếp đơn vị hành chính.", 4),
    ];
    for (from, to, field, content, outcome) in plan {
        let days = rdb::response_days_for(conn, to)?;
        let due = workdays::add_working_days(&cal, visited, days as u32).due_on;
        let fields = RecommendationFields {
            inspection_id: Some(inspection.id),
            from_unit_id: from,
            to_unit_id: to,
            field: field.into(),
            content: content.into(),
            raised_on: visited,
        };
        let rec = audit::write(conn, actor, |c| {
            Ok(rdb::create(c, &fields, days, due, group)?)
        })?;
        let responder = if to == land {
            land_official
        } else {
            finance_official
        };
        let step = |conn: &mut DbConnection, m: Move, by: i64| -> Result<(), AppError> {
            let r = rdb::find(conn, rec.id)?;
            audit::write_if(conn, actor, |c| {
                Ok(((), rdb::apply(c, &r, r.version, &m, by)?))
            })
        };
        match outcome {
            // Answered on time.
            0 => step(conn, Move::Answer { text: "Sở đã ban hành văn bản hướng dẫn số 5120/SNNMT-QLĐĐ gửi các xã, phường.".into(), on: day(2025, 10, 24), attachment_id: None }, responder)?,
            // Answered late.
            1 => step(conn, Move::Answer { text: "Sở Tài chính tổng hợp, báo cáo UBND tỉnh xem xét điều chỉnh tỷ lệ điều tiết trong dự toán năm 2026.".into(), on: day(2025, 11, 12), attachment_id: None }, responder)?,
            // Still open, long past due.
            2 => {}
            // Transferred to the Department of Home Affairs.
            3 => {
                let due = workdays::add_working_days(&cal, day(2025, 10, 20), 10).due_on;
                step(conn, Move::Transfer { to_unit_id: home_affairs, due_on: due, working_days: 10, reason: "Thuộc thẩm quyền tham mưu của Sở Nội vụ".into() }, group)?;
                let _ = home_official;
            }
            // Answered and accepted.
            _ => {
                step(conn, Move::Answer { text: "Sở đã hướng dẫn phương án sử dụng trụ sở dôi dư làm nhà văn hóa, trường học.".into(), on: day(2025, 10, 22), attachment_id: None }, responder)?;
                step(conn, Move::Accept, group)?;
            }
        }
    }
    Ok(vec![
        ("tocongtac.nghean".into(), Role::Committee.as_str()),
        ("sonnmt.nghean".into(), "responding body"),
        ("sotc.nghean".into(), "responding body"),
        ("sonv.nghean".into(), "responding body"),
    ])
}

fn unit_named(conn: &mut DbConnection, name: &str) -> Result<i64, AppError> {
    Ok(db::schema::units::table
        .filter(db::schema::units::name.eq(name))
        .select(db::schema::units::id)
        .first(conn)?)
}

/// Tây Hồ's 2023 targets: name, planned, unit of measure, actual (the
/// poverty rate is lower-better, every other one higher-better).
#[rustfmt::skip]
const TARGETS: [(&str, f64, &str, f64); 21] = [
    ("Tốc độ tăng giá trị sản xuất các ngành kinh tế do quận quản lý", 12.0, "%", 14.6),
    ("Tổng thu ngân sách trên địa bàn", 100.0, "% kế hoạch", 119.0),
    ("Tỷ lệ hộ gia đình văn hóa", 90.0, "%", 92.0),
    ("Tỷ lệ tổ dân phố văn hóa", 85.0, "%", 88.0),
    ("Giải quyết hồ sơ hành chính đúng hạn", 98.0, "%", 99.5),
    ("Tỷ lệ hồ sơ nộp trực tuyến", 60.0, "%", 72.0),
    ("Tỷ lệ người dân tham gia bảo hiểm y tế", 95.0, "%", 95.0),
    ("Tỷ lệ hộ nghèo", 0.0, "%", 0.0),
    ("Trường đạt chuẩn quốc gia", 100.0, "%", 100.0),
    ("Tỷ lệ thu gom, xử lý rác thải sinh hoạt", 100.0, "%", 100.0),
    ("Giải quyết việc làm mới", 3000.0, "lao động", 3000.0),
    ("Tuyến phố văn minh đô thị được công nhận", 5.0, "tuyến", 5.0),
    ("Giải quyết đơn thư khiếu nại, tố cáo", 90.0, "%", 90.0),
    ("Hoàn thành giải phóng mặt bằng các dự án trọng điểm", 4.0, "dự án", 4.0),
    ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", 300.0, "giấy", 300.0),
    ("Tỷ lệ dân số sử dụng nước sạch", 100.0, "%", 100.0),
    ("Số vụ phạm pháp hình sự được điều tra làm rõ", 85.0, "%", 85.0),
    ("Hoàn thành chỉ tiêu tuyển quân", 100.0, "%", 100.0),
    ("Kết nạp đảng viên mới", 120.0, "đảng viên", 120.0),
    ("Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", 90.0, "%", 90.0),
    ("Chỉnh trang, cải tạo vườn hoa, không gian công cộng", 6.0, "công trình", 6.0),
];

/// Tây Hồ's 2023 targets (seed 004): "21/21 targets met, six above plan";
/// production value grew 14.6% and budget revenue reached 119% of plan.
/// The figures are the year's, as of 31/12/2023.
pub(super) fn targets(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tay_ho: i64,
    by: i64,
) -> Result<(), AppError> {
    let day = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default();
    for (name, planned, measure, _) in TARGETS {
        let direction = if name == POVERTY_RATE {
            Direction::LowerBetter
        } else {
            Direction::HigherBetter
        };
        let f = TargetFields {
            unit_id: tay_ho,
            year: 2023,
            name: name.into(),
            direction,
            planned,
            planned_max: None,
            measure: measure.into(),
        };
        audit::write(conn, actor, |c| {
            let (_, change) = rdb::add_target(c, &f)?;
            Ok(((), change))
        })?;
    }
    for t in rdb::targets_of(conn, tay_ho, 2023)? {
        let actual = TARGETS.iter().find(|x| x.0 == t.name).map_or(0.0, |x| x.3);
        audit::write_if(conn, actor, |c| {
            Ok(((), rdb::set_actual(c, &t, t.version, actual, day, by)?))
        })?;
    }
    Ok(())
}

const POVERTY_RATE: &str = "Tỷ lệ hộ nghèo";
