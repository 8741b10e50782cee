//! Tây Hồ's and Phú Thượng's tasks, with households walking through the
//! consent stages and their visits.

use chrono::NaiveDate;

use super::{accounts::Tree, name};
use crate::db::{self, audit, households::HouseholdFields, tasks::TaskFields, DbConnection};
use crate::domain::consent::ConsentStage;
use crate::domain::deadline::TaskStatus;
use crate::error::AppError;

/// The stages a household walks through on its way to `last`.
fn path_to(last: ConsentStage) -> Vec<ConsentStage> {
    use ConsentStage::*;
    let full = [
        NoticeReceived,
        Inventoried,
        InPostedPlan,
        Disagrees,
        DialogueHeld,
        Agrees,
        PlanApproved,
        Paid,
        RecoveryDecided,
        HandedOver,
    ];
    match last {
        AgreesWithConditions => vec![
            NoticeReceived,
            Inventoried,
            InPostedPlan,
            Disagrees,
            DialogueHeld,
            AgreesWithConditions,
        ],
        Considering => vec![NoticeReceived, Inventoried, InPostedPlan, Considering],
        PaymentDeposited => vec![
            NoticeReceived,
            Inventoried,
            InPostedPlan,
            Disagrees,
            DialogueHeld,
            PlanApproved,
            PaymentDeposited,
        ],
        other => {
            let end = full.iter().position(|s| *s == other).unwrap_or(0);
            full[..=end].to_vec()
        }
    }
}

/// The tasks of the source articles (seed 004), with households and a visit
/// history: the Thụy Khuê drainage ditch (44 households not consenting at the
/// end of 2022, 8 of them committing once resettlement housing exists), the
/// 120 m² plot at 18 Tam Đa, and Nam Thăng Long phase 3 (104 ha, 30% cleared).
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tree: &Tree,
) -> Result<(), AppError> {
    let team_tay_ho = tree.person("totac.tayho");
    let team_phu_thuong = tree.person("totac.phuthuong");
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let today = crate::domain::format::today();
    let ditch = TaskFields {
        unit_id: tree.tay_ho,
        category_id: 1,
        title: "Cải tạo môi trường khu dân cư quanh mương thoát nước Thụy Khuê".into(),
        description: "Dự án triển khai từ năm 2012, vướng giải phóng mặt bằng. Hết năm 2022 còn 44 hộ chưa đồng thuận; tám hộ cam kết bàn giao khi có quỹ nhà tái định cư.".into(),
        project_start_year: Some(2012),
        campaign_year: 2023,
        deadline: Some(day(2023, 12, 31)),
        owner_id: tree.person("capuy.tayho"),
        area_total_m2: Some(3200.0),
        area_cleared_m2: Some(2620.0),
        plans_total: Some(44),
        plans_approved: Some(36),
        money_paid: Some(96_500_000_000),
        consented_stages: crate::domain::consent::ConsentedSet::default().to_stored(),
        co_owners: vec![],
        team: vec![team_tay_ho],
    };
    let tam_da = TaskFields {
        title: "Thu hồi 120 m² đất tại số 18 phố Tam Đa".into(),
        description: "Việc tồn đọng gần 20 năm; thu hồi để xây nhà sinh hoạt cộng đồng tổ dân phố số 9 và 11.".into(),
        project_start_year: Some(2004),
        deadline: Some(day(2023, 12, 31)),
        area_total_m2: Some(120.0),
        area_cleared_m2: Some(120.0),
        plans_total: Some(1),
        plans_approved: Some(1),
        money_paid: None,
        ..ditch.clone()
    };
    let nam_thang_long = TaskFields {
        unit_id: tree.phu_thuong,
        title: "Giải phóng mặt bằng khu đô thị Nam Thăng Long giai đoạn 3".into(),
        description: "Dự án 104 ha triển khai từ đầu những năm 2000; sau nhiều năm mới giải phóng được khoảng 30%.".into(),
        project_start_year: Some(2001),
        deadline: Some(day(2023, 11, 30)),
        owner_id: tree.person("capuy.phuthuong"),
        area_total_m2: Some(1_040_000.0),
        area_cleared_m2: Some(312_000.0),
        // The published figures, which its households' records add up to.
        plans_total: Some(40),
        plans_approved: Some(26),
        money_paid: Some(super::money::PAID),
        team: vec![team_phu_thuong],
        ..ditch.clone()
    };
    // (task, households at their final stages, visitor, status)
    use ConsentStage::*;
    let mut ditch_stages = vec![HandedOver; 36];
    ditch_stages.extend([AgreesWithConditions; 8]);
    let mut ntl_stages = vec![HandedOver; 12];
    ntl_stages.extend([Paid; 5]);
    ntl_stages.extend([PaymentDeposited]);
    ntl_stages.extend([PlanApproved; 8]);
    ntl_stages.extend([Considering; 8]);
    ntl_stages.extend([Disagrees; 6]);
    let plan = [
        (
            ditch,
            ditch_stages,
            team_tay_ho,
            TaskStatus::InProgress,
            40.0,
        ),
        (
            tam_da,
            vec![HandedOver],
            team_tay_ho,
            TaskStatus::Completed,
            120.0,
        ),
        (
            nam_thang_long,
            ntl_stages,
            team_phu_thuong,
            TaskStatus::InProgress,
            260.0,
        ),
    ];
    let mut n = 0usize;
    let mut drawn: Vec<(i64, Vec<(i64, f64)>)> = Vec::new();
    let mut ledger: Vec<(i64, ConsentStage, f64)> = Vec::new();
    for (fields, stages, visitor, status, area) in plan {
        let keeps_records = fields.money_paid == Some(super::money::PAID);
        let task = audit::write(conn, actor, |c| {
            Ok(db::tasks::create(c, &fields, fields.owner_id)?)
        })?;
        for (i, last) in stages.into_iter().enumerate() {
            n += 1;
            let h = HouseholdFields {
                head_name: name(n),
                address: format!("Số {}, ngõ {}", 2 + i * 3, 10 + i % 7),
                residential_group: format!("Tổ dân phố số {}", 1 + i % 11),
                map_sheet: (20 + i % 8).to_string(),
                parcel_no: (100 + n).to_string(),
                area_m2: area + (i % 5) as f64 * 7.5,
                land_type: if i % 4 == 0 { "CLN" } else { "ODT" }.into(),
                priority_groups: match i % 9 {
                    0 => "elderly".into(),
                    4 => "meritorious".into(),
                    7 => "poor".into(),
                    _ => String::new(),
                },
                phone: format!("09{:08}", 12_345_678 + n * 7_919),
                notes: String::new(),
            };
            let (household, change) = db::households::create(conn, &task, &h)?;
            audit::write(conn, actor, |_| Ok(((), change)))?;
            match drawn.last_mut() {
                Some((tid, plots)) if *tid == task.id => plots.push((household.id, h.area_m2)),
                _ => drawn.push((task.id, vec![(household.id, h.area_m2)])),
            }
            if keeps_records {
                ledger.push((household.id, last, h.area_m2));
            }
            let path = path_to(last);
            let steps = path.len();
            let mut current = household;
            for (k, stage) in path.into_iter().enumerate() {
                // Visits spread over 2023, a few weeks apart.
                let on = day(2023, 1, 5) + chrono::Duration::days((k * 25 + i % 20) as i64);
                let done = stage.is_final() || stage == Paid;
                let next = if k + 1 == steps && !done {
                    // Households still being persuaded are due again: some overdue, some soon.
                    Some(today + chrono::Duration::days((i % 10) as i64 - 5))
                } else {
                    None
                };
                let v = db::households::NewVisit {
                    visited_on: on.min(today),
                    kind: if stage == DialogueHeld {
                        "dialogue"
                    } else {
                        "door_to_door"
                    }
                    .into(),
                    members: vec![visitor],
                    others: if stage == DialogueHeld {
                        "Cán bộ Mặt trận, công an khu vực".into()
                    } else {
                        String::new()
                    },
                    household_said: match stage {
                        Disagrees => {
                            "Chưa đồng ý giá bồi thường, đề nghị xem lại nguồn gốc đất.".into()
                        }
                        AgreesWithConditions => {
                            "Gia đình cam kết bàn giao khi có nhà tái định cư.".into()
                        }
                        Considering => "Gia đình cần thêm thời gian bàn bạc.".into(),
                        Agrees => "Đồng ý với phương án bồi thường.".into(),
                        _ => String::new(),
                    },
                    concerns: match stage {
                        Disagrees => "compensation_price,land_origin".into(),
                        AgreesWithConditions => "resettlement".into(),
                        Considering => "timing".into(),
                        _ => String::new(),
                    },
                    stage_after: stage,
                    reason: None,
                    next_step: if next.is_some() {
                        "Tiếp tục vận động, giải thích chính sách".into()
                    } else {
                        String::new()
                    },
                    next_visit_on: next,
                    corrects_id: None,
                    dialogue_id: None,
                    device: None,
                };
                let (_, change) = db::households::append_visit(conn, &task, &current, &v, visitor)?;
                audit::write(conn, actor, |_| Ok(((), change)))?;
                current = db::households::find(conn, current.id)?;
            }
        }
        if keeps_records {
            super::money::load(conn, actor, &task, &ledger, fields.owner_id)?;
        }
        if status != TaskStatus::Registered {
            let t = db::tasks::find(conn, task.id)?;
            if let Some(change) = db::tasks::set_status(
                conn,
                &t,
                t.version,
                TaskStatus::InProgress,
                None,
                day(2023, 1, 3),
            )? {
                audit::write(conn, actor, |_| Ok(((), change)))?;
            }
            if status == TaskStatus::Completed {
                let t = db::tasks::find(conn, task.id)?;
                if let Some(change) = db::tasks::set_status(
                    conn,
                    &t,
                    t.version,
                    TaskStatus::Completed,
                    None,
                    day(2023, 10, 20),
                )? {
                    audit::write(conn, actor, |_| Ok(((), change)))?;
                }
            }
        }
    }
    super::parcels::load(conn, actor, &drawn)?;
    Ok(())
}
