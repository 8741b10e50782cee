//! Accounts made outside the web pages: the first administrator on an empty
//! database, `create-admin`, and the demo data.

use diesel::prelude::*;
use serde_json::json;

use crate::auth::password;
use crate::db::{
    self, audit, households::HouseholdFields, tasks::TaskFields, units::UnitFields,
    users::UserFields, DbConnection,
};
use crate::domain::access::Role;
use crate::domain::consent::ConsentStage;
use crate::domain::deadline::TaskStatus;
use crate::domain::units::UnitKind;
use crate::error::AppError;

/// The unit at the top of the tree, created with the first administrator; its
/// name is meant to be changed to the province's.
fn ensure_root_unit(conn: &mut DbConnection, actor: &audit::Actor) -> Result<i64, AppError> {
    if let Some(id) = db::schema::units::table
        .filter(db::schema::units::parent_id.is_null())
        .select(db::schema::units::id)
        .order(db::schema::units::id)
        .first::<i64>(conn)
        .optional()?
    {
        return Ok(id);
    }
    let fields = UnitFields {
        parent_id: None,
        kind: UnitKind::Province,
        name: "Tỉnh / Thành phố".into(),
        code: None,
    };
    let unit = audit::write(conn, actor, |c| Ok(db::units::create(c, &fields)?))?;
    Ok(unit.id)
}

/// Creates `username` as an administrator of the top unit with a one-time
/// password, or gives an existing account a new one-time password and the
/// admin role. Returns the password, which is shown once and stored only hashed.
pub fn create_admin(
    conn: &mut DbConnection,
    username: &str,
    full_name: &str,
) -> Result<String, AppError> {
    let one_time = password::generate();
    let hash = password::hash(&one_time).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = audit::Actor {
        user_id: None,
        ip: Some("console".into()),
    };
    conn.transaction::<_, AppError, _>(|conn| {
        let root = ensure_root_unit(conn, &actor)?;
        let existing = db::users::find_by_username(conn, username)?;
        audit::write(conn, &actor, |c| {
            let (id, change) = match existing {
                Some(u) => (u.id, db::users::set_password(c, u.id, &hash, true)?),
                None => {
                    let fields = UserFields {
                        username: username.to_string(),
                        full_name: full_name.to_string(),
                        email: None,
                        locale: "vi".into(),
                        unit_id: root,
                    };
                    let (u, change) = db::users::create(c, &fields, &hash, true)?;
                    (u.id, change)
                }
            };
            db::users::add_grant(c, id, root, Role::Admin, None)?;
            Ok(((), change))
        })
    })?;
    Ok(one_time)
}

/// On an empty database, the first administrator; `None` when users exist.
pub fn first_run(conn: &mut DbConnection) -> Result<Option<String>, AppError> {
    if db::users::count(conn)? > 0 {
        return Ok(None);
    }
    create_admin(conn, "admin", "Quản trị hệ thống").map(Some)
}

/// The demo accounts (username, role) and their shared password.
pub struct Demo {
    pub accounts: Vec<(String, &'static str)>,
    pub password: String,
    /// Tasks, households and visits loaded.
    pub counts: (i64, i64, i64),
}

/// A believable starting tree from the source articles, and one account per role.
/// Returns the accounts' shared password. Refuses to run twice.
pub fn demo(conn: &mut DbConnection) -> Result<Demo, AppError> {
    if db::schema::units::table
        .filter(db::schema::units::name.eq("Phường Tây Hồ"))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(AppError::BadRequest(
            "the demo data is already loaded".into(),
        ));
    }
    let actor = audit::Actor {
        user_id: None,
        ip: Some("demo".into()),
    };
    let pw = password::generate();
    let hash = password::hash(&pw).map_err(|e| AppError::Internal(e.to_string()))?;
    conn.transaction::<_, AppError, _>(|conn| {
        let unit = |conn: &mut DbConnection, parent: Option<i64>, kind: UnitKind, name: &str| {
            let f = UnitFields {
                parent_id: parent,
                kind,
                name: name.into(),
                code: None,
            };
            audit::write(conn, &actor, |c| Ok(db::units::create(c, &f)?)).map(|u| u.id)
        };
        let hanoi = unit(conn, None, UnitKind::City, "Thành phố Hà Nội")?;
        let tay_ho = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Tây Hồ")?;
        unit(
            conn,
            Some(tay_ho),
            UnitKind::PartyCommittee,
            "Đảng ủy phường Tây Hồ",
        )?;
        let mttq = unit(
            conn,
            Some(tay_ho),
            UnitKind::FrontCommittee,
            "Ủy ban MTTQ Việt Nam phường Tây Hồ",
        )?;
        for n in 1..=3 {
            unit(
                conn,
                Some(tay_ho),
                UnitKind::ResidentialGroup,
                &format!("Tổ dân phố số {n}"),
            )?;
        }
        let long_bien = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Long Biên")?;
        unit(
            conn,
            Some(long_bien),
            UnitKind::PartyCommittee,
            "Đảng ủy phường Long Biên",
        )?;
        let quang_phu = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Quảng An")?;
        let phu_thuong = unit(conn, Some(hanoi), UnitKind::Ward, "Phường Phú Thượng")?;
        unit(
            conn,
            Some(hanoi),
            UnitKind::Department,
            "Sở Nông nghiệp và Môi trường Hà Nội",
        )?;
        let nghe_an = unit(conn, None, UnitKind::Province, "Tỉnh Nghệ An")?;
        unit(conn, Some(nghe_an), UnitKind::Commune, "Xã Hưng Nguyên")?;
        unit(
            conn,
            Some(nghe_an),
            UnitKind::Department,
            "Sở Nông nghiệp và Môi trường Nghệ An",
        )?;

        let people: [(&str, &str, i64, Role); 9] = [
            ("quantri.hanoi", "Nguyễn Văn Quản", hanoi, Role::Admin),
            ("capuy.tayho", "Trần Thị Hồng", tay_ho, Role::Committee),
            ("totac.tayho", "Lê Văn Minh", tay_ho, Role::WardTeam),
            ("mttq.tayho", "Phạm Thị Lan", mttq, Role::Reviewer),
            ("mttq2.tayho", "Nguyễn Thị Mai", mttq, Role::Reviewer),
            (
                "capuy.longbien",
                "Hoàng Văn Nam",
                long_bien,
                Role::Committee,
            ),
            ("xem.quangan", "Đỗ Thị Thu", quang_phu, Role::Viewer),
            (
                "capuy.phuthuong",
                "Phạm Xuân Định",
                phu_thuong,
                Role::Committee,
            ),
            ("totac.phuthuong", "Ngô Thị Hà", phu_thuong, Role::WardTeam),
        ];
        let mut made = Vec::new();
        let mut ids = std::collections::HashMap::new();
        for (username, full_name, unit_id, role) in people {
            let fields = UserFields {
                username: username.into(),
                full_name: full_name.into(),
                email: Some(demo_email(username)),
                locale: "vi".into(),
                unit_id,
            };
            // The reviewer's reach is the ward, though their home is the Front committee.
            let grant_on = if role == Role::Reviewer {
                tay_ho
            } else {
                unit_id
            };
            let id = audit::write(conn, &actor, |c| {
                let (u, change) = db::users::create(c, &fields, &hash, false)?;
                db::users::add_grant(c, u.id, grant_on, role, None)?;
                Ok((u.id, change))
            })?;
            ids.insert(username, id);
            made.push((username.to_string(), role.as_str()));
        }
        let person = |name: &str| ids.get(name).copied().unwrap_or_default();
        demo_tasks(
            conn,
            &actor,
            DemoPlaces {
                tay_ho,
                phu_thuong,
                committee_tay_ho: person("capuy.tayho"),
                team_tay_ho: person("totac.tayho"),
                committee_phu_thuong: person("capuy.phuthuong"),
                team_phu_thuong: person("totac.phuthuong"),
            },
        )?;
        demo_review(
            conn,
            &actor,
            tay_ho,
            [person("mttq.tayho"), person("mttq2.tayho")],
        )?;
        made.extend(demo_campaign(conn, &actor, hanoi, &hash)?);
        made.extend(demo_desk(conn, &actor, &hash)?);
        made.extend(demo_teams(conn, &actor, hanoi, &hash)?);
        made.extend(demo_recommendations(conn, &actor, &hash)?);
        demo_targets(conn, &actor, tay_ho, person("capuy.tayho"))?;
        audit::write(conn, &actor, |_| {
            Ok((
                (),
                audit::Change {
                    action: "load_demo",
                    entity: "system",
                    entity_id: None,
                    unit_id: None,
                    changes: json!({"users": made.len()}),
                },
            ))
        })?;
        let counts = (
            db::schema::tasks::table.count().get_result(conn)?,
            db::schema::households::table.count().get_result(conn)?,
            db::schema::visits::table.count().get_result(conn)?,
        );
        Ok(Demo {
            accounts: made,
            password: pw,
            counts,
        })
    })
}

struct DemoPlaces {
    tay_ho: i64,
    phu_thuong: i64,
    committee_tay_ho: i64,
    team_tay_ho: i64,
    committee_phu_thuong: i64,
    team_phu_thuong: i64,
}

/// A Vietnamese name, the same for the same number.
fn demo_name(i: usize) -> String {
    const FAMILY: [&str; 10] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
    ];
    const MIDDLE: [&str; 6] = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang"];
    const GIVEN: [&str; 20] = [
        "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Long", "Mai",
        "Nam", "Ngọc", "Phúc", "Quý", "Sơn", "Tâm", "Thảo", "Trung",
    ];
    format!(
        "{} {} {}",
        FAMILY[i % 10],
        MIDDLE[(i / 10) % 6],
        GIVEN[(i * 7 + i / 20) % 20]
    )
}

/// The stages a household walks through on its way to `last`.
fn demo_path(last: ConsentStage) -> Vec<ConsentStage> {
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
fn demo_tasks(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    p: DemoPlaces,
) -> Result<(), AppError> {
    use chrono::NaiveDate;
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let today = crate::domain::format::today();
    let ditch = TaskFields {
        unit_id: p.tay_ho,
        category_id: 1,
        title: "Cải tạo môi trường khu dân cư quanh mương thoát nước Thụy Khuê".into(),
        description: "Dự án triển khai từ năm 2012, vướng giải phóng mặt bằng. Hết năm 2022 còn 44 hộ chưa đồng thuận; tám hộ cam kết bàn giao khi có quỹ nhà tái định cư.".into(),
        project_start_year: Some(2012),
        campaign_year: 2023,
        deadline: Some(day(2023, 12, 31)),
        owner_id: p.committee_tay_ho,
        area_total_m2: Some(3200.0),
        area_cleared_m2: Some(2620.0),
        plans_total: Some(44),
        plans_approved: Some(36),
        money_paid: Some(96_500_000_000),
        consented_stages: crate::domain::consent::ConsentedSet::default().to_stored(),
        co_owners: vec![],
        team: vec![p.team_tay_ho],
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
        unit_id: p.phu_thuong,
        title: "Giải phóng mặt bằng khu đô thị Nam Thăng Long giai đoạn 3".into(),
        description: "Dự án 104 ha triển khai từ đầu những năm 2000; sau nhiều năm mới giải phóng được khoảng 30%.".into(),
        project_start_year: Some(2001),
        deadline: Some(day(2023, 11, 30)),
        owner_id: p.committee_phu_thuong,
        area_total_m2: Some(1_040_000.0),
        area_cleared_m2: Some(312_000.0),
        plans_total: Some(420),
        plans_approved: Some(130),
        money_paid: Some(182_900_000_000),
        team: vec![p.team_phu_thuong],
        ..ditch.clone()
    };
    // (task, households at their final stages, visitor, status)
    use ConsentStage::*;
    let mut ditch_stages = vec![HandedOver; 36];
    ditch_stages.extend([AgreesWithConditions; 8]);
    let mut ntl_stages = vec![HandedOver; 12];
    ntl_stages.extend([Paid; 6]);
    ntl_stages.extend([Considering; 14]);
    ntl_stages.extend([Disagrees; 8]);
    let plan = [
        (
            ditch,
            ditch_stages,
            p.team_tay_ho,
            TaskStatus::InProgress,
            40.0,
        ),
        (
            tam_da,
            vec![HandedOver],
            p.team_tay_ho,
            TaskStatus::Completed,
            120.0,
        ),
        (
            nam_thang_long,
            ntl_stages,
            p.team_phu_thuong,
            TaskStatus::InProgress,
            260.0,
        ),
    ];
    let mut n = 0usize;
    for (fields, stages, visitor, status, area) in plan {
        let task = audit::write(conn, actor, |c| {
            Ok(db::tasks::create(c, &fields, fields.owner_id)?)
        })?;
        for (i, last) in stages.into_iter().enumerate() {
            n += 1;
            let h = HouseholdFields {
                head_name: demo_name(n),
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
            let path = demo_path(last);
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
                };
                let (_, change) = db::households::append_visit(conn, &task, &current, &v, visitor)?;
                audit::write(conn, actor, |_| Ok(((), change)))?;
                current = db::households::find(conn, current.id)?;
            }
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
    Ok(())
}

/// The Front's published 2023 review of the Tây Hồ tasks: self-assessed by
/// their owner, scored by two reviewers, figures recorded on 15/12/2023.
fn demo_review(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tay_ho: i64,
    reviewers: [i64; 2],
) -> Result<(), AppError> {
    use crate::db::reviews::{self as rdb, ScoreFields};
    use crate::domain::review::{CombineRule, RoundStatus};
    use chrono::NaiveDate;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2023, m, d).unwrap_or_default();
    let unit = db::units::find(conn, tay_ho)?;
    let fields = rdb::RoundFields {
        unit_id: tay_ho,
        year: 2023,
        title: "Giám sát, đánh giá kết quả thực hiện việc khó năm 2023".into(),
        lead_id: reviewers[0],
        combine_rule: CombineRule::Mean,
        self_due: day(12, 10),
        review_due: day(12, 25),
        report_number: "27/BC-MTTQ".into(),
        report_place: "Tây Hồ".into(),
        signer_title: "TM. BAN THƯỜNG TRỰC".into(),
        signer_name: "Phạm Thị Lan".into(),
    };
    let round = audit::write(conn, actor, |c| {
        Ok(rdb::create(c, &fields, &unit.path, reviewers[0])?)
    })?;
    let criteria = rdb::criteria(conn, round.id)?;
    let rows = rdb::tasks_of(conn, round.id)?;
    let step = |conn: &mut DbConnection, next: RoundStatus, on: NaiveDate| {
        let r = rdb::find(conn, round.id)?;
        audit::write(conn, actor, |c| {
            match rdb::move_to(c, &r, r.version, next, None, on)? {
                Ok((_, change)) => Ok(((), change)),
                Err(refused) => Err(AppError::Internal(format!("demo round: {refused:?}"))),
            }
        })
    };
    step(conn, RoundStatus::SelfAssessment, day(11, 20))?;
    let scored = |points: [f64; 5], comment: &str| -> Vec<ScoreFields> {
        criteria
            .iter()
            .zip(points)
            .map(|(c, p)| ScoreFields {
                criterion_id: c.id,
                score: p.min(c.max_points),
                comment: comment.into(),
                private_note: String::new(),
                evidence: String::new(),
            })
            .collect()
    };
    // (self, first reviewer, second reviewer) per task, by title.
    let plan = |title: &str| -> [[f64; 5]; 3] {
        if title.contains("Tam Đa") {
            [
                [40.0, 20.0, 15.0, 15.0, 10.0],
                [38.0, 19.0, 15.0, 14.0, 10.0],
                [37.0, 20.0, 14.0, 14.0, 10.0],
            ]
        } else {
            [
                [36.0, 16.0, 13.0, 14.0, 10.0],
                [33.0, 15.0, 12.0, 13.0, 10.0],
                [31.0, 16.0, 12.0, 12.0, 9.0],
            ]
        }
    };
    for row in &rows {
        let [own, _, _] = plan(&row.title);
        let r = rdb::find(conn, round.id)?;
        audit::write(conn, actor, |c| {
            Ok((
                (),
                rdb::save_scores(
                    c,
                    &r,
                    row.rt.task_id,
                    rdb::SELF,
                    row.task_owner_id,
                    &scored(own, "Đã vận động từng hộ, bàn giao theo cam kết."),
                )?,
            ))
        })?;
    }
    step(conn, RoundStatus::Scoring, day(12, 15))?;
    for row in &rows {
        let [_, first, second] = plan(&row.title);
        let r = rdb::find(conn, round.id)?;
        for (reviewer, points, comment) in [
            (
                reviewers[0],
                first,
                "Cách làm sáng tạo, được nhân dân đồng tình.",
            ),
            (
                reviewers[1],
                second,
                "Cần tiếp tục vận động các hộ còn lại.",
            ),
        ] {
            audit::write(conn, actor, |c| {
                Ok((
                    (),
                    rdb::save_scores(
                        c,
                        &r,
                        row.rt.task_id,
                        rdb::REVIEW,
                        reviewer,
                        &scored(points, comment),
                    )?,
                ))
            })?;
        }
    }
    step(conn, RoundStatus::Published, day(12, 28))?;
    // The demo happened in 2023: its timetable says so.
    let at = |m: u32, d: u32| day(m, d).and_hms_opt(2, 0, 0).unwrap_or_default();
    diesel::update(db::schema::review_rounds::table.find(round.id))
        .set((
            db::schema::review_rounds::opened_at.eq(at(11, 20)),
            db::schema::review_rounds::scoring_at.eq(at(12, 15)),
            db::schema::review_rounds::published_at.eq(at(12, 28)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Long Biên's 2022 campaign from seed 003: "the year of skilled mass
/// mobilization, focused on site clearance and urban embellishment" (plan
/// 90-KH/QU of 14/01/2022), with its published figures: 389 collectives and
/// 88 individuals registered, by field 103 site clearance, 155 urban
/// embellishment, 48 environment, 46 culture-society, 28 defence-security, 11
/// economy, 9 other (the article's fields add up to 400; the 77 left are put
/// under building the political system); 356 accepted, 7 pilots, 77 proposed.
fn demo_campaign(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hanoi: i64,
    hash: &str,
) -> Result<Vec<(String, &'static str)>, AppError> {
    use crate::db::campaigns::{self as cdb, CampaignFields, ModelFields};
    use crate::domain::campaign::{CheckinKind, ModelKind, ModelStatus};
    use chrono::NaiveDate;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2022, m, d).unwrap_or_default();
    let unit = |conn: &mut DbConnection, parent: i64, kind: UnitKind, name: &str| {
        let f = UnitFields {
            parent_id: Some(parent),
            kind,
            name: name.into(),
            code: None,
        };
        audit::write(conn, actor, |c| Ok(db::units::create(c, &f)?)).map(|u| u.id)
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
        let fields = UserFields {
            username: username.into(),
            full_name: full_name.into(),
            email: Some(demo_email(username)),
            locale: "vi".into(),
            unit_id: district,
        };
        audit::write(conn, actor, |c| {
            let (u, change) = db::users::create(c, &fields, hash, false)?;
            db::users::add_grant(c, u.id, district, role, None)?;
            Ok((u.id, change))
        })
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
                demo_name(i + 300)
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

/// A unit and a user homed there holding `role` on it, for the demo.
fn demo_unit(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    parent: Option<i64>,
    kind: UnitKind,
    name: &str,
) -> Result<i64, AppError> {
    let f = UnitFields {
        parent_id: parent,
        kind,
        name: name.into(),
        code: None,
    };
    audit::write(conn, actor, |c| Ok(db::units::create(c, &f)?)).map(|u| u.id)
}

fn demo_user(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
    (username, full_name): (&str, &str),
    home: i64,
    role: Role,
) -> Result<i64, AppError> {
    let fields = UserFields {
        username: username.into(),
        full_name: full_name.into(),
        email: Some(demo_email(username)),
        locale: "vi".into(),
        unit_id: home,
    };
    audit::write(conn, actor, |c| {
        let (u, change) = db::users::create(c, &fields, hash, false)?;
        db::users::add_grant(c, u.id, home, role, None)?;
        Ok((u.id, change))
    })
}

/// Quảng Phú's "Tuesday with citizens" from seed 000: from 05/08/2025 a
/// member of the ward Party committee's standing board takes the one-stop
/// desk every Tuesday morning; the first case is Mr Nguyễn Ngọc Thủy's parcel
/// 525, map sheet 27.
fn demo_desk(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
) -> Result<Vec<(String, &'static str)>, AppError> {
    use crate::db::desk::{self as ddb, CaseFields, DutyFields, FeedbackFields, ShiftChange};
    use crate::domain::desk::{Outcome, Rating, ShiftStatus};
    use chrono::NaiveDate;
    let province = demo_unit(conn, actor, None, UnitKind::Province, "Tỉnh Quảng Ngãi")?;
    let ward = demo_unit(
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
        ids.push(demo_user(conn, actor, hash, o, ward, Role::Committee)?);
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
                    demo_name(i * 5 + k + 700)
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

/// Hà Nội's mobile land-procedure support from seed 002: led by the city's
/// public administration service centre, piloted in Q4/2025 in ten communes
/// and wards.
fn demo_teams(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hanoi: i64,
    hash: &str,
) -> Result<Vec<(String, &'static str)>, AppError> {
    use crate::db::teams::{self as tdb, RoundPlan, RoundResult, TeamFields};
    use chrono::NaiveDate;
    let centre = demo_unit(
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
        communes.push(demo_unit(conn, actor, Some(hanoi), kind, name)?);
    }
    let lead = demo_user(
        conn,
        actor,
        hash,
        ("hcc.hanoi", "Vũ Thị Minh Hằng"),
        centre,
        Role::Committee,
    )?;
    let member = demo_user(
        conn,
        actor,
        hash,
        ("tohotro.hanoi", "Đinh Văn Khoa"),
        centre,
        Role::Viewer,
    )?;
    let land = demo_user(
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

fn unit_named(conn: &mut DbConnection, name: &str) -> Result<i64, AppError> {
    Ok(db::schema::units::table
        .filter(db::schema::units::name.eq(name))
        .select(db::schema::units::id)
        .first(conn)?)
}

/// Nghệ An's working group (seed 001): on 15/10/2025 the provincial vice
/// chairman's group inspects the communes' public service centres, hears
/// their difficulties, and departments must answer each recommendation in
/// writing.
fn demo_recommendations(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    hash: &str,
) -> Result<Vec<(String, &'static str)>, AppError> {
    use crate::db::recommendations::{self as rdb, InspectionFields, Move, RecommendationFields};
    use crate::domain::workdays;
    use chrono::NaiveDate;
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let province = unit_named(conn, "Tỉnh Nghệ An")?;
    let land = unit_named(conn, "Sở Nông nghiệp và Môi trường Nghệ An")?;
    let mut unit = |name: &str, kind: UnitKind| demo_unit(conn, actor, Some(province), kind, name);
    let lam_thanh = unit("Xã Lam Thành", UnitKind::Commune)?;
    let hung_nguyen_nam = unit("Xã Hưng Nguyên Nam", UnitKind::Commune)?;
    let thanh_vinh = unit("Phường Thành Vinh", UnitKind::Ward)?;
    let truong_vinh = unit("Phường Trường Vinh", UnitKind::Ward)?;
    let finance = unit("Sở Tài chính Nghệ An", UnitKind::Department)?;
    let construction = unit("Sở Xây dựng Nghệ An", UnitKind::Department)?;
    let home_affairs = unit("Sở Nội vụ Nghệ An", UnitKind::Department)?;
    let group = demo_user(
        conn,
        actor,
        hash,
        ("tocongtac.nghean", "Hồ Văn Thắng"),
        province,
        Role::Committee,
    )?;
    let land_official = demo_user(
        conn,
        actor,
        hash,
        ("sonnmt.nghean", "Phan Thị Huyền"),
        land,
        Role::Committee,
    )?;
    let finance_official = demo_user(
        conn,
        actor,
        hash,
        ("sotc.nghean", "Nguyễn Đình Tuấn"),
        finance,
        Role::Committee,
    )?;
    let home_official = demo_user(
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

/// Tây Hồ's 2023 targets (seed 004): "21/21 targets met, six above plan";
/// production value grew 14.6% and budget revenue reached 119% of plan.
fn demo_targets(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tay_ho: i64,
    by: i64,
) -> Result<(), AppError> {
    use crate::db::recommendations as rdb;
    let day = chrono::NaiveDate::from_ymd_opt(2023, 12, 20).unwrap_or_default();
    let list: [(&str, f64, &str, f64); 21] = [
        (
            "Tốc độ tăng giá trị sản xuất các ngành kinh tế do quận quản lý",
            12.0,
            "%",
            14.6,
        ),
        (
            "Tổng thu ngân sách trên địa bàn",
            100.0,
            "% kế hoạch",
            119.0,
        ),
        ("Tỷ lệ hộ gia đình văn hóa", 90.0, "%", 92.0),
        ("Tỷ lệ tổ dân phố văn hóa", 85.0, "%", 88.0),
        ("Giải quyết hồ sơ hành chính đúng hạn", 98.0, "%", 99.5),
        ("Tỷ lệ hồ sơ nộp trực tuyến", 60.0, "%", 72.0),
        ("Tỷ lệ người dân tham gia bảo hiểm y tế", 95.0, "%", 95.0),
        ("Tỷ lệ hộ nghèo", 0.0, "%", 0.0),
        ("Trường đạt chuẩn quốc gia", 100.0, "%", 100.0),
        ("Tỷ lệ thu gom, xử lý rác thải sinh hoạt", 100.0, "%", 100.0),
        ("Giải quyết việc làm mới", 3000.0, "lao động", 3000.0),
        (
            "Tuyến phố văn minh đô thị được công nhận",
            5.0,
            "tuyến",
            5.0,
        ),
        ("Giải quyết đơn thư khiếu nại, tố cáo", 90.0, "%", 90.0),
        (
            "Hoàn thành giải phóng mặt bằng các dự án trọng điểm",
            4.0,
            "dự án",
            4.0,
        ),
        (
            "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
            300.0,
            "giấy",
            300.0,
        ),
        ("Tỷ lệ dân số sử dụng nước sạch", 100.0, "%", 100.0),
        (
            "Số vụ phạm pháp hình sự được điều tra làm rõ",
            85.0,
            "%",
            85.0,
        ),
        ("Hoàn thành chỉ tiêu tuyển quân", 100.0, "%", 100.0),
        ("Kết nạp đảng viên mới", 120.0, "đảng viên", 120.0),
        (
            "Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
            90.0,
            "%",
            90.0,
        ),
        (
            "Chỉnh trang, cải tạo vườn hoa, không gian công cộng",
            6.0,
            "công trình",
            6.0,
        ),
    ];
    for (name, planned, measure, _) in list {
        audit::write(conn, actor, |c| {
            let (_, change) = rdb::add_target(c, tay_ho, 2023, name, planned, measure)?;
            Ok(((), change))
        })?;
    }
    for t in rdb::targets_of(conn, tay_ho, 2023)? {
        let actual = list.iter().find(|x| x.0 == t.name).map_or(0.0, |x| x.3);
        audit::write_if(conn, actor, |c| {
            Ok(((), rdb::set_actual(c, &t, t.version, actual, day, by)?))
        })?;
    }
    Ok(())
}

/// Demo accounts get addresses in a reserved domain, so that their mail shows
/// in a mail catcher (docker-compose's Mailpit) and reaches nobody real.
fn demo_email(username: &str) -> String {
    format!("{username}@demo.danvan.invalid")
}
