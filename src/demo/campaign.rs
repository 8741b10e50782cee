//! Long Biên's 2022 campaign and its 477 models.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{name, Accounts};
use crate::db::campaigns::{self as cdb, CampaignFields, ModelFields};
use crate::db::{self, audit, DbConnection};
use crate::domain::access::Role;
use crate::domain::campaign::{CheckinKind, ModelKind, ModelStatus};
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// Long Biên's 2022 campaign from seed 003: "the year of skilled mass
/// mobilization, focused on site clearance and urban embellishment" (plan
/// 90-KH/QU of 14/01/2022), with its published figures: 389 collectives and
/// 88 individuals registered, by field 103 site clearance, 155 urban
/// embellishment, 48 environment, 46 culture-society, 28 defence-security, 11
/// economy, 9 other (the article's fields add up to 400; the 77 left are put
/// under building the political system); 356 accepted, 7 pilots, 77 proposed.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hanoi: i64,
    hash: &str,
) -> Result<Accounts, AppError> {
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2022, m, d).unwrap_or_default();
    let unit = |conn: &mut DbConnection, parent: i64, kind: UnitKind, name: &str| {
        super::unit(conn, actor, Some(parent), kind, name)
    };
    let district = unit(
        conn,
        hanoi,
        UnitKind::District,
        "Quận Long Biên (đến 06/2025)",
    )?;
    let mut wards = Vec::new();
    for name in [
        "Bồ Đề",
        "Ngọc Lâm",
        "Gia Thụy",
        "Phúc Đồng",
        "Việt Hưng",
        "Thạch Bàn",
    ] {
        wards.push((
            unit(conn, district, UnitKind::Ward, &format!("Phường {name}"))?,
            name,
        ));
    }
    let user = |conn: &mut DbConnection, username: &str, full_name: &str, role: Role| {
        super::user(conn, actor, hash, (username, full_name), district, role)
    };
    let committee = user(conn, "quanuy.longbien", "Đỗ Mạnh Hùng", Role::Committee)?;
    let appraiser = user(conn, "bandanvan.longbien", "Lê Thị Thu Hà", Role::Viewer)?;
    let clerk = user(conn, "dangky.longbien", "Phạm Văn Tuấn", Role::Viewer)?;
    let id_of = |conn: &mut DbConnection, code: &str| -> Result<i64, AppError> {
        Ok(db::schema::model_fields::table
            .filter(db::schema::model_fields::code.eq(code))
            .select(db::schema::model_fields::id)
            .first(conn)?)
    };
    let f = CampaignFields {
        unit_id: district,
        year: 2022,
        theme: "Năm Dân vận khéo, trọng tâm công tác GPMB và chỉnh trang đô thị".into(),
        plan_number: "90-KH/QU".into(),
        plan_date: Some(day(1, 14)),
        focus_fields: vec![id_of(conn, "site_clearance")?, id_of(conn, "urban_embellishment")?],
        period_from: day(1, 1),
        period_to: day(12, 31),
        description: "Bám sát chủ đề năm của Thành phố, chào mừng 20 năm thành lập quận.".into(),
        related_plans: "Kế hoạch số 115-KH/QU ngày 15/4/2022 thực hiện mô hình điểm Dân vận khéo trong chỉnh trang đô thị; Kế hoạch số 103-KH/QU ngày 7/2/2022 phát động cuộc thi viết về điển hình Dân vận khéo.".into(),
        appraisers: vec![appraiser],
    };
    let campaign = audit::write(conn, actor, |c| Ok(cdb::create(c, &f, committee)?))?;
    // (field code, models) in the article's order.
    let plan: [(&str, usize); 8] = [
        ("site_clearance", 103),
        ("economy", 11),
        ("urban_embellishment", 155),
        ("environment", 48),
        ("culture_society", 46),
        ("defence_security", 28),
        ("other", 9),
        ("political_system", 77),
    ];
    const HOLDERS: [&str; 5] = [
        "Chi bộ tổ dân phố số",
        "Chi hội Phụ nữ tổ dân phố số",
        "Chi hội Cựu chiến binh tổ dân phố số",
        "Ban công tác Mặt trận tổ dân phố số",
        "Chi đoàn thanh niên tổ dân phố số",
    ];
    // Fields interleaved evenly, so appraisal outcomes spread over all of them.
    let mut order: Vec<(f64, &str, usize)> = Vec::new();
    for (code, n) in plan {
        for k in 0..n {
            order.push(((k as f64 + 0.5) / n as f64, code, k));
        }
    }
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let total = order.len();
    let mut field_ids = std::collections::HashMap::new();
    for (code, _) in plan {
        field_ids.insert(code, id_of(conn, code)?);
    }
    let mut ids = Vec::with_capacity(total);
    for (i, (_, code, k)) in order.iter().enumerate() {
        // 88 of 477 individuals, spread evenly.
        let individual = (i * 88) / total != ((i + 1) * 88) / total;
        let (ward, ward_name) = wards[i % wards.len()];
        let group = 1 + k % 30;
        let field_name = match *code {
            "site_clearance" => "giải phóng mặt bằng",
            "economy" => "phát triển kinh tế",
            "urban_embellishment" => "chỉnh trang đô thị",
            "environment" => "bảo vệ môi trường",
            "culture_society" => "văn hóa - xã hội",
            "defence_security" => "an ninh trật tự",
            "political_system" => "xây dựng hệ thống chính trị",
            _ => "công tác dân vận",
        };
        let m = ModelFields {
            kind: if individual {
                ModelKind::Individual
            } else {
                ModelKind::Collective
            },
            unit_id: ward,
            holder_name: if individual {
                name(i + 300)
            } else {
                format!("{} {group}, phường {ward_name}", HOLDERS[i % HOLDERS.len()])
            },
            field_id: field_ids[code],
            title: format!(
                "Dân vận khéo trong {field_name} tại tổ dân phố số {group}, phường {ward_name}"
            ),
            commitment: format!(
                "Vận động nhân dân tổ dân phố số {group} đồng thuận, tham gia {field_name}."
            ),
            expected_results: String::new(),
            period_from: day(2, 1),
            period_to: day(11, 30),
        };
        let model = audit::write(conn, actor, |c| Ok(cdb::register(c, &campaign, &m, clerk)?))?;
        ids.push((model.id, *code));
    }
    let mv = |conn: &mut DbConnection,
              id: i64,
              next: ModelStatus,
              reason: Option<&str>|
     -> Result<(), AppError> {
        let m = cdb::find_model(conn, id)?;
        audit::write_if(conn, actor, |c| {
            let change = cdb::move_model(c, &m, m.version, next, reason, None, appraiser)?;
            Ok(((), change))
        })
    };
    let pilots: Vec<i64> = ids
        .iter()
        .filter(|(_, code)| *code == "urban_embellishment")
        .take(7)
        .map(|(id, _)| *id)
        .collect();
    let criteria = cdb::criteria(conn, campaign.id)?;
    let mut proposed = 0;
    for (i, (id, _)) in ids.iter().enumerate() {
        if i >= 356 {
            mv(
                conn,
                *id,
                ModelStatus::NotAccepted,
                Some("Chưa đạt tiêu chí mô hình cấp quận"),
            )?;
            continue;
        }
        mv(conn, *id, ModelStatus::Accepted, None)?;
        if pilots.contains(id) {
            let m = cdb::find_model(conn, *id)?;
            let scores: Vec<(i64, f64, String)> = criteria
                .iter()
                .map(|c| {
                    (
                        c.id,
                        18.0,
                        "Cách làm hiệu quả, nhân dân đồng tình".to_string(),
                    )
                })
                .collect();
            audit::write(conn, actor, |c| {
                Ok(((), cdb::save_scores(c, &m, appraiser, &scores)?))
            })?;
            mv(conn, *id, ModelStatus::Pilot, None)?;
            mv(conn, *id, ModelStatus::Proposed, None)?;
            proposed += 1;
            let m = cdb::find_model(conn, *id)?;
            audit::write_if(conn, actor, |c| {
                Ok(((), cdb::submit_checkin(c, &m, CheckinKind::MidYear.as_str(), "Sau 6 tháng, các hộ trên tuyến đã tự tháo dỡ mái che, biển quảng cáo lấn chiếm; tuyến phố sạch đẹp.", clerk)?))
            })?;
        }
    }
    for (id, _) in ids.iter().take(356).filter(|(id, _)| !pilots.contains(id)) {
        if proposed >= 77 {
            break;
        }
        mv(conn, *id, ModelStatus::Proposed, None)?;
        proposed += 1;
    }
    Ok(vec![
        ("quanuy.longbien".into(), Role::Committee.as_str()),
        ("bandanvan.longbien".into(), "appraiser"),
        ("dangky.longbien".into(), Role::Viewer.as_str()),
    ])
}
