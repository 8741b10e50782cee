//! The Front's year-end review through the real server: a round opened,
//! self-assessed, scored by two reviewers, published, contested, reopened with
//! a reason and published again — and who may see and do what at each step.

use crate::common;

use chrono::NaiveDate;
use common::smtp::SmtpSink;
use common::{day, location, spawn, Browser, TestApp, NO_FIELDS};
use danvan::db::{self, households::HouseholdFields};
use danvan::domain::access::Role;
use danvan::domain::deadline::TaskStatus;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::StatusCode;

struct World {
    app: TestApp,
    sink: SmtpSink,
    ward: i64,
    lead: i64,
    task_a: i64,
    task_b: i64,
    household_a: i64,
    household_b: i64,
    milestone_a: i64,
}

/// A ward with two reviewers of its Front committee, a committee member, two
/// task owners and a reader from another ward; task A completed on time in
/// 2023 with one household, task B still open past its 2023 deadline.
async fn world() -> World {
    let sink = SmtpSink::start();
    let app = common::spawn_mailing(&sink).await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let front = app.unit(ward, UnitKind::FrontCommittee, "Ủy ban MTTQ phường Tây Hồ");
    let other = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    let lead = app.user("mttq.lead", front, &[(Role::Reviewer, ward)]);
    app.user("mttq.b", front, &[(Role::Reviewer, ward)]);
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let owner_a = app.user("chutri.a", ward, &[(Role::Viewer, ward)]);
    let owner_b = app.user("chutri.b", ward, &[(Role::Viewer, ward)]);
    app.set_email(owner_a, "Đỗ Văn Ánh", "chutri.a@tayho.test", "vi");
    app.set_email(owner_b, "Lý Thị Bích", "chutri.b@tayho.test", "en");
    app.user("xem.longbien", other, &[(Role::Viewer, other)]);
    let mut conn = app.conn();
    let fields = |title: &str, owner: i64, deadline: NaiveDate| {
        common::task_fields(ward, owner, title, Some(deadline), 2023)
    };
    let (a, _) = db::tasks::create(
        &mut conn,
        &fields("Thu hồi đất số 18 Tam Đa", owner_a, day(2023, 12, 31)),
        committee,
    )
    .unwrap();
    let (b, _) = db::tasks::create(
        &mut conn,
        &fields("Mương thoát nước Thụy Khuê", owner_b, day(2023, 11, 30)),
        committee,
    )
    .unwrap();
    let household = |conn: &mut db::DbConnection, task: &db::tasks::Task, name: &str| {
        let h = HouseholdFields {
            head_name: name.into(),
            address: String::new(),
            residential_group: String::new(),
            map_sheet: "27".into(),
            parcel_no: "525".into(),
            area_m2: 120.0,
            land_type: "ODT".into(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        };
        db::households::create(conn, task, &h).unwrap().0.id
    };
    let household_a = household(&mut conn, &a, "Nguyễn Văn An");
    let household_b = household(&mut conn, &b, "Trần Thị Bình");
    db::tasks::add_milestone(&mut conn, &a, "Bàn giao mặt bằng", day(2023, 10, 30)).unwrap();
    let milestone_a: i64 = db::schema::milestones::table
        .filter(db::schema::milestones::task_id.eq(a.id))
        .select(db::schema::milestones::id)
        .first(&mut conn)
        .unwrap();
    let a = db::tasks::find(&mut conn, a.id).unwrap();
    db::tasks::set_status(
        &mut conn,
        &a,
        a.version,
        TaskStatus::InProgress,
        None,
        day(2023, 1, 3),
    )
    .unwrap();
    let a = db::tasks::find(&mut conn, a.id).unwrap();
    db::tasks::set_status(
        &mut conn,
        &a,
        a.version,
        TaskStatus::Completed,
        None,
        day(2023, 10, 20),
    )
    .unwrap();
    let b = db::tasks::find(&mut conn, b.id).unwrap();
    db::tasks::set_status(
        &mut conn,
        &b,
        b.version,
        TaskStatus::InProgress,
        None,
        day(2023, 1, 3),
    )
    .unwrap();
    World {
        app,
        sink,
        ward,
        lead,
        task_a: a.id,
        task_b: b.id,
        household_a,
        household_b,
        milestone_a,
    }
}

fn round_fields(w: &World) -> Vec<(&'static str, String)> {
    vec![
        ("unit_id", w.ward.to_string()),
        ("year", "2023".into()),
        ("title", "Giám sát việc khó năm 2023".into()),
        ("lead_id", w.lead.to_string()),
        ("combine_rule", "mean".into()),
        ("self_due", "10/12/2023".into()),
        ("review_due", "25/12/2023".into()),
        ("report_number", "15/BC-MTTQ".into()),
        ("report_place", "Tây Hồ".into()),
        ("signer_title", "TM. BAN THƯỜNG TRỰC".into()),
        ("signer_name", "Phạm Thị Lan".into()),
    ]
}

fn round_status(app: &TestApp, id: i64) -> String {
    db::reviews::find(&mut app.conn(), id).unwrap().status
}

fn version(app: &TestApp, id: i64) -> String {
    db::reviews::find(&mut app.conn(), id)
        .unwrap()
        .version
        .to_string()
}

async fn move_round(w: &World, c: &Browser, id: i64, to: &str, reason: &str) -> String {
    let r = c
        .post(
            &format!("/reviews/{id}/status"),
            &[
                ("status", to.into()),
                ("version", version(&w.app, id)),
                ("reason", reason.into()),
            ],
        )
        .await;
    c.follow(r).await
}

/// Scores for every criterion of the round, in order.
fn scores(app: &TestApp, round: i64, values: &[&str], comment: &str) -> Vec<(String, String)> {
    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    assert_eq!(criteria.len(), values.len());
    criteria
        .iter()
        .zip(values)
        .flat_map(|(c, v)| {
            [
                (format!("score_{}", c.id), v.to_string()),
                (format!("comment_{}", c.id), comment.to_string()),
            ]
        })
        .collect()
}

fn stored(app: &TestApp, round: i64, task: i64) -> db::reviews::RoundTask {
    db::reviews::round_task(&mut app.conn(), round, task)
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_full_round_open_self_assess_score_publish_dispute_reopen_and_publish_again() {
    let w = world().await;
    let app = &w.app;
    let lead = app.browser("mttq.lead").await;
    let second = app.browser("mttq.b").await;
    let owner_a = app.browser("chutri.a").await;
    let owner_b = app.browser("chutri.b").await;
    let committee = app.browser("capuy").await;
    let outsider = app.browser("xem.longbien").await;

    // Bad input comes back with messages beside the fields and the values typed.
    let mut bad = round_fields(&w);
    bad.retain(|(k, _)| *k != "title" && *k != "review_due");
    bad.push(("title", "".into()));
    bad.push(("review_due", "01/12/2023".into()));
    let r = lead.post("/reviews", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Hạn chấm điểm phải sau hạn tự đánh giá."),
        "{html}"
    );
    assert!(html.contains("value=\"15/BC-MTTQ\""));
    assert_eq!(db::reviews::all(&mut app.conn()).unwrap().len(), 0);

    // Only reviewers open rounds.
    let r = committee.post("/reviews", &round_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = lead.post("/reviews", &round_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    assert_eq!(round_status(app, round), "draft");
    // The default rubric of 100 points and every 2023 task of the ward.
    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    assert_eq!(criteria.len(), 5);
    assert_eq!(criteria.iter().map(|c| c.max_points).sum::<f64>(), 100.0);
    assert_eq!(
        db::reviews::tasks_of(&mut app.conn(), round).unwrap().len(),
        2
    );
    // One round per unit and year.
    let r = lead.post("/reviews", &round_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Đơn vị này đã có đợt đánh giá năm này."));

    // A draft is the reviewers' alone.
    assert_eq!(
        owner_a.page(&format!("/reviews/{round}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert!(!owner_a
        .page("/reviews")
        .await
        .1
        .contains("Giám sát việc khó năm 2023"));

    // The lead sets three criteria; weights must add up to 100.
    let crit = |pts: [&str; 3]| -> Vec<(&'static str, String)> {
        vec![
            ("name_vi", "Kết quả so với đăng ký".into()),
            ("name_en", "Results".into()),
            ("points", pts[0].into()),
            ("name_vi", "Đồng thuận của nhân dân".into()),
            ("name_en", "".into()),
            ("points", pts[1].into()),
            ("name_vi", "Tiến độ".into()),
            ("name_en", "Timeliness".into()),
            ("points", pts[2].into()),
        ]
    };
    let r = lead
        .post(
            &format!("/reviews/{round}/criteria"),
            &crit(["50", "30", "10"]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tổng điểm các tiêu chí phải bằng 100."));
    assert!(html.contains("value=\"Đồng thuận của nhân dân\""));
    assert_eq!(
        db::reviews::criteria(&mut app.conn(), round).unwrap().len(),
        5
    );
    let r = second
        .post(
            &format!("/reviews/{round}/criteria"),
            &crit(["50", "30", "20"]),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "only the lead edits the round"
    );
    let r = lead
        .post(
            &format!("/reviews/{round}/criteria"),
            &crit(["50", "30", "20"]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::reviews::criteria(&mut app.conn(), round).unwrap().len(),
        3
    );

    // Opening publishes the criteria to everyone in scope.
    let html = move_round(&w, &lead, round, "self_assessment", "").await;
    assert!(html.contains("Đã công bố tiêu chí"), "{html}");
    // Each task owner is told by mail, in their language, when to self-assess by.
    let got = w.sink.wait_for(2).await;
    assert_eq!(got.len(), 2);
    let a = &w.sink.to("chutri.a@tayho.test")[0];
    assert!(a.subject.starts_with("Mở đợt đánh giá “"), "{}", a.subject);
    assert!(a.text.contains("Hạn tự đánh giá: "), "{}", a.text);
    assert!(a.text.contains(&format!("/reviews/{round}")));
    let b = &w.sink.to("chutri.b@tayho.test")[0];
    assert!(
        b.subject.contains("opened: self-assessment due"),
        "{}",
        b.subject
    );
    let (s, html) = owner_a.page(&format!("/reviews/{round}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Đồng thuận của nhân dân"));
    assert_eq!(
        outsider.page(&format!("/reviews/{round}")).await.0,
        StatusCode::FORBIDDEN
    );
    // Criteria are now fixed.
    assert_eq!(
        lead.page(&format!("/reviews/{round}/criteria")).await.0,
        StatusCode::FORBIDDEN
    );
    let html = lead
        .follow(
            lead.post(
                &format!("/reviews/{round}/criteria"),
                &crit(["40", "40", "20"]),
            )
            .await,
        )
        .await;
    assert!(html.contains("Không sửa được"));
    assert_eq!(
        db::reviews::criteria(&mut app.conn(), round).unwrap()[0].max_points,
        50.0
    );

    // Owner A assesses themselves, citing evidence of their own task only.
    let self_path = format!("/reviews/{round}/tasks/{}/self", w.task_a);
    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    let mut own = scores(app, round, &["48", "27", "20"], "Đã bàn giao đúng hẹn");
    own.push((
        format!("evidence_{}", criteria[0].id),
        format!(
            "http://x/households/{}\n/tasks/{}#milestone-{}",
            w.household_a, w.task_a, w.milestone_a
        ),
    ));
    let mut foreign = own.clone();
    foreign.push((
        format!("evidence_{}", criteria[1].id),
        format!("/households/{}", w.household_b),
    ));
    let r = owner_a.post(&self_path, &foreign).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Có minh chứng không thuộc việc này."));
    assert!(html.contains("Đã bàn giao đúng hẹn"), "typed values kept");
    let mut over = own.clone();
    over[0].1 = "51".into();
    let r = owner_a.post(&self_path, &over).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Điểm phải từ 0 đến điểm tối đa"));
    let r = owner_b.post(&self_path, &own).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "only the owner assesses their task"
    );
    let r = owner_a.post(&self_path, &own).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Two days before the self-assessment closes, the daily run reminds the
    // owner who has not assessed yet (and of their task's passed deadline).
    let out = app.cli(&["daily", "--date", "2023-12-08"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 reminder(s)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.sink.wait_for(4).await;
    let mut b: Vec<String> = w
        .sink
        .to("chutri.b@tayho.test")
        .into_iter()
        .map(|m| m.subject)
        .collect();
    b.sort();
    assert_eq!(
        b,
        [
            "8 days overdue: Mương thoát nước Thụy Khuê",
            "Review “Giám sát việc khó năm 2023” opened: self-assessment due 10/12/2023",
            "Self-assessment due 10/12/2023: “Giám sát việc khó năm 2023”",
        ]
    );
    assert_eq!(w.sink.to("chutri.a@tayho.test").len(), 1, "A has assessed");

    let (_, html) = lead
        .page(&format!("/reviews/{round}/tasks/{}", w.task_a))
        .await;
    assert!(
        html.contains("Nguyễn Văn An"),
        "evidence shown by name: {html}"
    );
    assert!(html.contains("Bàn giao mặt bằng"));

    // Scoring starts: the figures are recorded and self-assessment closes.
    move_round(&w, &lead, round, "scoring", "").await;
    let a = stored(app, round, w.task_a);
    assert_eq!(a.snap_outcome.as_deref(), Some("completed_on_time"));
    assert_eq!(a.snap_households, Some(1));
    assert_eq!(a.snap_households_consented, Some(0));
    assert_eq!(a.snap_milestones, Some(1));
    assert_eq!(
        a.snap_exceeded,
        Some(false),
        "a household has not consented"
    );
    let b = stored(app, round, w.task_b);
    assert_eq!(b.snap_outcome.as_deref(), Some("overdue"));
    assert!(b.snap_days_late.unwrap() > 0);
    let html = owner_a.follow(owner_a.post(&self_path, &own).await).await;
    assert!(html.contains("Không sửa được"));

    // Two reviewers score; the owner and the committee may not.
    let score_a = format!("/reviews/{round}/tasks/{}/score", w.task_a);
    let score_b = format!("/reviews/{round}/tasks/{}/score", w.task_b);
    let mut first = scores(app, round, &["50", "30", "20"], "Làm tốt");
    first.push((
        format!("note_{}", criteria[0].id),
        "Ghi chú riêng của Mặt trận".into(),
    ));
    assert_eq!(
        lead.post(&score_a, &first).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = second
        .post(&score_a, &scores(app, round, &["45", "25", "abc"], ""))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"45\""));
    assert_eq!(
        second
            .post(&score_a, &scores(app, round, &["45", "25", "15"], "Khá"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // The lead follows the provisional results as the scores come in.
    let results = format!("/reviews/{round}/results");
    let (_, html) = lead.page(&results).await;
    assert!(html.contains("<td>92,5</td>") && !html.contains("<td>60</td>"));
    assert_eq!(
        owner_a
            .post(&score_a, &scores(app, round, &["50", "30", "20"], ""))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        committee
            .post(&score_a, &scores(app, round, &["50", "30", "20"], ""))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Before publication owners see their self-assessment, not the scores;
    // private notes never leave the Front.
    let (_, html) = owner_a
        .page(&format!("/reviews/{round}/tasks/{}", w.task_a))
        .await;
    assert!(html.contains("Đã bàn giao đúng hẹn"));
    assert!(!html.contains("Làm tốt"));
    assert!(!html.contains("92,5"));
    let (_, html) = lead
        .page(&format!("/reviews/{round}/tasks/{}", w.task_a))
        .await;
    assert!(html.contains("Ghi chú riêng của Mặt trận"));
    assert!(html.contains("92,5"), "mean of 100 and 85");
    assert_eq!(
        committee.page(&format!("/reviews/{round}/results")).await.0,
        StatusCode::FORBIDDEN
    );

    // Publishing waits for every task to have every score.
    let html = move_round(&w, &lead, round, "published", "").await;
    assert!(html.contains("còn việc chưa đủ điểm"), "{html}");
    assert_eq!(round_status(app, round), "scoring");
    assert_eq!(stored(app, round, w.task_a).total, None);
    assert_eq!(
        lead.post(&score_b, &scores(app, round, &["30", "20", "10"], ""))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        second
            .post(&score_b, &scores(app, round, &["30", "20", "10"], ""))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = lead.page(&results).await;
    assert!(
        html.contains("<td>60</td>"),
        "the page kept from before is not served after new scores"
    );
    let html = move_round(&w, &lead, round, "published", "").await;
    assert!(html.contains("Đã công bố kết quả"));
    let got = w.sink.wait_for(6).await;
    assert_eq!(
        got.len(),
        6,
        "publishing tells the owners, a refused move did not"
    );
    assert!(w.sink.to("chutri.a@tayho.test")[1]
        .subject
        .starts_with("Đã công bố kết quả đánh giá “"));
    assert!(w.sink.to("chutri.b@tayho.test")[3]
        .subject
        .starts_with("Results of “"));
    let a = stored(app, round, w.task_a);
    assert_eq!(a.total, Some(92.5));
    // 92.5 points, but no household consented, so not "exceeded": good, not excellent.
    assert_eq!(a.rating.as_deref(), Some("good"));
    let b = stored(app, round, w.task_b);
    assert_eq!(b.total, Some(60.0));
    assert_eq!(
        b.rating.as_deref(),
        Some("not_completed"),
        "overdue is not done"
    );

    // Frozen: no score reaches a published round.
    let html = second
        .follow(
            second
                .post(&score_a, &scores(app, round, &["10", "10", "10"], ""))
                .await,
        )
        .await;
    assert!(html.contains("Không sửa được"));
    assert_eq!(stored(app, round, w.task_a).total, Some(92.5));

    // After publication owners and the committee see the results of their scope.
    let (_, html) = owner_a
        .page(&format!("/reviews/{round}/tasks/{}", w.task_a))
        .await;
    assert!(html.contains("92,5") && html.contains("Làm tốt"));
    assert!(html.contains("Hoàn thành tốt nhiệm vụ"));
    assert!(!html.contains("Ghi chú riêng của Mặt trận"));
    let (s, html) = committee.page(&format!("/reviews/{round}/results")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Thu hồi đất số 18 Tam Đa") && html.contains("Không hoàn thành nhiệm vụ")
    );
    assert_eq!(
        outsider.page(&format!("/reviews/{round}/results")).await.0,
        StatusCode::FORBIDDEN
    );

    let (_, html) = owner_a.page(&format!("/tasks/{}", w.task_a)).await;
    assert!(
        html.contains(&format!("/reviews/{round}/tasks/{}", w.task_a)),
        "the task page links its review"
    );

    // Owner A contests once; the lead answers and accepts the dispute.
    let dispute = format!("/reviews/{round}/tasks/{}/dispute", w.task_a);
    let r = owner_a.post(&dispute, &[("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        owner_b.post(&dispute, &[("reason", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let reason = "Hộ ông An đã ký biên bản bàn giao ngày 20/10/2023".to_string();
    let r = owner_a
        .post(
            &dispute,
            &[
                ("reason", reason.clone()),
                ("criterion_id", criteria[1].id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = owner_a
        .follow(owner_a.post(&dispute, &[("reason", "lần hai")]).await)
        .await;
    assert!(html.contains("Không sửa được"), "once only");
    let answer = format!("/reviews/{round}/tasks/{}/answer", w.task_a);
    assert_eq!(
        second.post(&answer, &[("reason", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = lead
        .post(
            &answer,
            &[
                ("reason", "Chấp nhận, chấm lại tiêu chí 2"),
                ("decision", "dispute_accepted"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = db::reviews::dispute_of(&mut app.conn(), round, w.task_a)
        .unwrap()
        .unwrap();
    assert_eq!(d.reason, reason);
    assert_eq!(d.dispute_accepted, Some(true));

    // Reopening needs a reason; both moves are in the audit log.
    let html = move_round(&w, &lead, round, "scoring", "").await;
    assert!(html.contains("Cần ghi lý do mở lại"));
    assert_eq!(round_status(app, round), "published");
    move_round(
        &w,
        &lead,
        round,
        "scoring",
        "Chấp nhận kiến nghị của đồng chí chủ trì việc A",
    )
    .await;
    assert_eq!(round_status(app, round), "scoring");
    assert_eq!(stored(app, round, w.task_a).total, None);
    assert_eq!(
        second
            .post(
                &score_a,
                &scores(app, round, &["45", "30", "15"], "Chấm lại")
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    move_round(&w, &lead, round, "published", "").await;
    assert_eq!(stored(app, round, w.task_a).total, Some(95.0));
    let actions: Vec<(String, String)> = db::schema::audit_log::table
        .filter(db::schema::audit_log::entity.eq("review_round"))
        .filter(db::schema::audit_log::entity_id.eq(round))
        .select((
            db::schema::audit_log::action,
            db::schema::audit_log::changes,
        ))
        .order(db::schema::audit_log::id)
        .load(&mut app.conn())
        .unwrap();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(names.iter().filter(|a| **a == "publish").count(), 2);
    let reopen = actions.iter().find(|(a, _)| a == "reopen").unwrap();
    assert!(reopen
        .1
        .contains("Chấp nhận kiến nghị của đồng chí chủ trì việc A"));
    assert!(names.contains(&"dispute") && names.contains(&"answer_dispute"));

    // Reports: the spreadsheet and the printable document.
    let r = app
        .get_with(&committee, &format!("/reviews/{round}/results.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    // The round's title and the day it was made, a blank row, the header,
    // then the first rank.
    let made: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(made[0].starts_with("Xuất ngày "), "{made:?}");
    let first_row: Vec<String> = sheet
        .rows()
        .nth(4)
        .unwrap()
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert_eq!(first_row[1], "Thu hồi đất số 18 Tam Đa", "ranked first");
    assert_eq!(first_row[4], "95");
    let (s, html) = committee.page(&format!("/reviews/{round}/report")).await;
    assert_eq!(s, StatusCode::OK);
    for text in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "15/BC-MTTQ",
        "Phạm Thị Lan",
        "PHƯỜNG TÂY HỒ",
        "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM",
        "II. NHẬN XÉT THEO TIÊU CHÍ",
    ] {
        assert!(html.contains(text), "{text}");
    }
    // As DOCX, laid out by LibreOffice where the decree puts each part.
    let mut head: Vec<(&str, &str)> = crate::documents::HEAD.to_vec();
    head.retain(|(k, _)| *k != "issuer" && *k != "body_above");
    head.push(("body_above", "Ủy ban Mặt trận Tổ quốc Việt Nam"));
    head.push(("issuer", "phường Tây Hồ"));
    head.push((
        "proposals",
        "Nhân rộng cách làm của Tam Đa\nTăng đối thoại trực tiếp",
    ));
    let path = format!("/documents/report/{round}");
    let mut q = head.clone();
    q.push(("format", "docx"));
    let r = committee
        .get(app.url(&path))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    if let Some(texts) = crate::documents::as_laid_out(&[("report", bytes)]) {
        let text = &texts[0];
        crate::documents::check_head(text, "BÁO CÁO");
        assert!(
            text.lines()
                .any(|l| l.contains("ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM")),
            "the Front's name on one line: {text}"
        );
        let flat: String = text.split_whitespace().collect();
        for part in [
            "I.KẾTQUẢXẾPLOẠI",
            "II.NHẬNXÉTTHEOTIÊUCHÍ",
            "III.ĐỀXUẤT",
            "-NhânrộngcáchlàmcủaTamĐa",
            "Lưu:VT.",
        ] {
            assert!(flat.contains(part), "{part}: {text}");
        }
    }
}

#[tokio::test]
async fn a_consensus_round_takes_the_leads_score_and_nobody_scores_their_own_task() {
    let w = world().await;
    let app = &w.app;
    // The second reviewer is also on task B's team.
    let second_id = db::users::find_by_username(&mut app.conn(), "mttq.b")
        .unwrap()
        .unwrap()
        .id;
    let mut conn = app.conn();
    let b = db::tasks::find(&mut conn, w.task_b).unwrap();
    let mut f = db::tasks::fields_of(&mut conn, &b).unwrap();
    f.team = vec![second_id];
    db::tasks::update(&mut conn, b.id, b.version, &f)
        .unwrap()
        .unwrap();
    drop(conn);
    let lead = app.browser("mttq.lead").await;
    let second = app.browser("mttq.b").await;
    let mut fields = round_fields(&w);
    fields.retain(|(k, _)| *k != "combine_rule");
    fields.push(("combine_rule", "consensus".into()));
    let r = lead.post("/reviews", &fields).await;
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    move_round(&w, &lead, round, "self_assessment", "").await;
    move_round(&w, &lead, round, "scoring", "").await;
    let five = |v: &str| scores(app, round, &[v, v, v, v, v], "");
    let r = second
        .post(
            &format!("/reviews/{round}/tasks/{}/score", w.task_b),
            &five("5"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = second
        .page(&format!("/reviews/{round}/tasks/{}", w.task_b))
        .await
        .1;
    assert!(html.contains("Bạn tham gia việc này nên không chấm điểm việc này."));
    assert!(db::reviews::scores_of(&mut app.conn(), round, w.task_b)
        .unwrap()
        .is_empty());
    assert_eq!(
        second
            .post(
                &format!("/reviews/{round}/tasks/{}/score", w.task_a),
                &five("8")
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        second
            .post(
                &format!("/reviews/{round}/tasks/{}/consensus", w.task_a),
                &five("8")
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Reviewers' scores alone do not make a consensus total.
    assert_eq!(
        db::reviews::compute(
            &mut app.conn(),
            &db::reviews::find(&mut app.conn(), round).unwrap()
        )
        .unwrap()[0]
            .total,
        None
    );
    for task in [w.task_a, w.task_b] {
        let agreed = scores(app, round, &["38", "19", "14", "14", "10"], "Thống nhất");
        let r = lead
            .post(&format!("/reviews/{round}/tasks/{task}/consensus"), &agreed)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    move_round(&w, &lead, round, "published", "").await;
    assert_eq!(stored(app, round, w.task_a).total, Some(95.0));
    assert_eq!(stored(app, round, w.task_b).total, Some(95.0));
}

#[tokio::test]
async fn the_default_rubric_belongs_to_top_level_administrators() {
    let app = spawn().await;
    app.as_admin().await;
    let (s, html) = app.text("/admin/rubric").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Kết quả thực hiện so với nội dung đăng ký"));
    let r = app
        .post(
            "/admin/rubric",
            &[
                ("name_vi", "Kết quả"),
                ("name_en", ""),
                ("points", "60"),
                ("name_vi", "Đồng thuận"),
                ("name_en", ""),
                ("points", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(db::reviews::rubric(&mut app.conn()).unwrap().len(), 5);
    let r = app
        .post(
            "/admin/rubric",
            &[
                ("name_vi", "Kết quả"),
                ("name_en", ""),
                ("points", "60"),
                ("name_vi", "Đồng thuận"),
                ("name_en", ""),
                ("points", "40"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(db::reviews::rubric(&mut app.conn()).unwrap().len(), 2);
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    let c = app.browser("mttq").await;
    assert_eq!(c.page("/admin/rubric").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_lead_prepares_a_round_settings_tasks_and_criteria_pages_with_stale_edits_refused() {
    let w = world().await;
    let app = &w.app;
    let lead = app.browser("mttq.lead").await;
    let (s, html) = lead.page("/reviews/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Giám sát, đánh giá kết quả thực hiện việc khó năm"));
    let r = lead.post("/reviews", &round_fields(&w)).await;
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    for path in ["", "/edit", "/criteria", "/tasks", "/results", "/report"] {
        let (s, _) = lead.page(&format!("/reviews/{round}{path}")).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
    let (_, html) = lead.page("/reviews").await;
    assert!(html.contains("Giám sát việc khó năm 2023"));

    // Only task A stays in the round; a task of another ward cannot be added.
    let r = lead
        .post(
            &format!("/reviews/{round}/tasks"),
            &[("task", w.task_a.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ids: Vec<i64> = db::reviews::tasks_of(&mut app.conn(), round)
        .unwrap()
        .iter()
        .map(|r| r.rt.task_id)
        .collect();
    assert_eq!(ids, vec![w.task_a]);
    let r = lead
        .post(&format!("/reviews/{round}/tasks"), &[("task", "999999")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        db::reviews::tasks_of(&mut app.conn(), round).unwrap().len(),
        1
    );

    // Settings saved from an old version are refused, not merged: the form
    // comes back with what was typed beside what is saved.
    let mut fields = round_fields(&w);
    fields.push(("version", version(app, round)));
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "Tên mới".into()));
    assert_eq!(
        lead.post(&format!("/reviews/{round}"), &fields)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db::reviews::find(&mut app.conn(), round).unwrap().title,
        "Tên mới"
    );
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "Tên cũ".into()));
    let r = lead.post(&format!("/reviews/{round}"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("vừa được người khác thay đổi"));
    assert!(
        html.contains("<td>Tên</td><td>Tên cũ</td><td>Tên mới</td>"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Tên cũ\""),
        "what was typed stays in the form"
    );
    assert!(
        !html.contains("<td>Người ký"),
        "unchanged fields are not listed"
    );
    assert_eq!(
        db::reviews::find(&mut app.conn(), round).unwrap().title,
        "Tên mới"
    );

    // A round without tasks cannot open.
    lead.post(&format!("/reviews/{round}/tasks"), NO_FIELDS)
        .await;
    let html = move_round(&w, &lead, round, "self_assessment", "").await;
    assert!(html.contains("Đợt đánh giá chưa có việc nào."));
    assert_eq!(round_status(app, round), "draft");
}

/// A round over the world's two tasks opened, scored by both reviewers
/// with `points` (task A, task B: one score per criterion of the default
/// rubric, the same from both) and `extra` fields, and published.
async fn published_round(
    w: &World,
    points: [[&str; 5]; 2],
    extra: &[(String, String)],
) -> (i64, Browser, Browser) {
    let app = &w.app;
    let lead = app.browser("mttq.lead").await;
    let second = app.browser("mttq.b").await;
    let r = lead.post("/reviews", &round_fields(w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    move_round(w, &lead, round, "self_assessment", "").await;
    move_round(w, &lead, round, "scoring", "").await;
    for (task, values) in [(w.task_a, points[0]), (w.task_b, points[1])] {
        for (c, with_extra) in [(&lead, true), (&second, false)] {
            let mut fields = scores(app, round, &values, "");
            if with_extra && task == w.task_b {
                fields.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
                fields.extend_from_slice(extra);
            }
            let r = c
                .post(&format!("/reviews/{round}/tasks/{task}/score"), &fields)
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    move_round(w, &lead, round, "published", "").await;
    assert_eq!(round_status(app, round), "published");
    (round, lead, second)
}

#[tokio::test]
async fn answering_a_dispute_is_an_explicit_choice_and_the_lead_and_the_owner_are_told_by_mail() {
    let w = world().await;
    let app = &w.app;
    app.set_email(w.lead, "Phạm Thị Lan", "mttq.lead@tayho.test", "vi");
    let full = ["40", "20", "15", "15", "10"];
    let (round, lead, _) = published_round(&w, [full, full], &[]).await;
    // Publishing told both owners.
    assert_eq!(w.sink.wait_for(4).await.len(), 4);
    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    let owner_a = app.browser("chutri.a").await;
    let owner_b = app.browser("chutri.b").await;

    // Owner A disputes one criterion: the lead is told what and why.
    let reason = "Hộ ông An đã ký biên bản bàn giao ngày 20/10/2023";
    let r = owner_a
        .post(
            &format!("/reviews/{round}/tasks/{}/dispute", w.task_a),
            &[
                ("reason", reason.to_string()),
                ("criterion_id", criteria[1].id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    w.sink.wait_for(5).await;
    let told = w.sink.to("mttq.lead@tayho.test");
    assert_eq!(told.len(), 1, "the lead is told once");
    assert_eq!(
        told[0].subject,
        "Kiến nghị xem xét lại kết quả “Thu hồi đất số 18 Tam Đa” (Giám sát việc khó năm 2023)"
    );
    let text = &told[0].text;
    assert!(text.contains(reason), "{text}");
    assert!(
        text.contains(&format!("ở tiêu chí “{}”", criteria[1].name_vi)),
        "{text}"
    );
    assert!(text.contains("Đỗ Văn Ánh"), "who disputes: {text}");
    assert!(
        text.contains(&format!("/reviews/{round}/tasks/{}#dispute", w.task_a)),
        "{text}"
    );

    // The answer offers two choices, neither chosen, each with what follows.
    let page = format!("/reviews/{round}/tasks/{}", w.task_a);
    let (_, html) = lead.page(&page).await;
    for choice in ["result_stands", "dispute_accepted"] {
        assert!(
            html.contains(&format!(
                "<input type=\"radio\" name=\"decision\" value=\"{choice}\" required aria-describedby=\"decision-{choice}-help\">"
            )),
            "{choice} offered, not chosen: {html}"
        );
    }
    assert!(html.contains("Giữ nguyên kết quả") && html.contains("Chấp nhận kiến nghị"));
    assert!(html.contains("kiến nghị khép lại và không kiến nghị lại được"));
    assert!(html.contains("mở lại đợt đánh giá (ghi lý do), chấm lại việc này rồi công bố lại"));
    assert!(!html.contains("name=\"upheld\""), "no checkbox to misread");

    // Neither chosen: refused beside the choice, the text typed kept,
    // nothing written and nobody told.
    let answer = format!("/reviews/{round}/tasks/{}/answer", w.task_a);
    let written = "Đã xem biên bản; điểm tiêu chí 2 giữ nguyên vì hộ chưa đồng thuận.";
    for bad in [
        vec![("reason", written)],
        vec![("reason", written), ("decision", "1")],
    ] {
        let r = lead.post(&answer, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Chọn giữ nguyên kết quả hoặc chấp nhận kiến nghị."),
            "{html}"
        );
        assert!(html.contains(written), "the answer typed is kept");
    }
    // A choice made with the answer left empty comes back chosen.
    let r = lead
        .post(&answer, &[("reason", ""), ("decision", "dispute_accepted")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"dispute_accepted\" required aria-describedby=\"decision-dispute_accepted-help\" checked>"),
        "{html}"
    );
    assert!(!html.contains("Chọn giữ nguyên kết quả hoặc chấp nhận kiến nghị."));
    let d = db::reviews::dispute_of(&mut app.conn(), round, w.task_a)
        .unwrap()
        .unwrap();
    assert_eq!((d.answer, d.dispute_accepted), (None, None));
    assert_eq!(w.sink.to("chutri.a@tayho.test").len(), 2, "nobody told");

    // The result stands: stored as such, the owner told in words.
    let r = lead
        .post(
            &answer,
            &[("reason", written), ("decision", "result_stands")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = db::reviews::dispute_of(&mut app.conn(), round, w.task_a)
        .unwrap()
        .unwrap();
    assert_eq!(d.dispute_accepted, Some(false));
    w.sink.wait_for(6).await;
    let to_a = w.sink.to("chutri.a@tayho.test");
    let m = to_a.last().unwrap();
    assert_eq!(m.subject, "Giữ nguyên kết quả: “Thu hồi đất số 18 Tam Đa”");
    assert!(
        m.text
            .contains("giữ nguyên kết quả đã công bố. Kiến nghị đã khép lại."),
        "{}",
        m.text
    );
    assert!(m.text.contains(written), "{}", m.text);
    let (_, html) = owner_a.page(&page).await;
    assert!(
        html.contains("Trả lời kiến nghị — Giữ nguyên kết quả"),
        "{html}"
    );
    assert_eq!(round_status(app, round), "published", "nothing else moved");

    // Owner B (in English) disputes the whole result; the API's `upheld`
    // still answers: true accepts the dispute.
    let r = owner_b
        .post(
            &format!("/reviews/{round}/tasks/{}/dispute", w.task_b),
            &[("reason", "Mương đã thông từ tháng 11")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    w.sink.wait_for(7).await;
    let told = w.sink.to("mttq.lead@tayho.test");
    assert_eq!(told.len(), 2);
    assert!(
        told[1].text.contains("(toàn bộ kết quả)"),
        "{}",
        told[1].text
    );
    let token = common::token_for(app, w.lead);
    let api = format!(
        "/api/v1/review-rounds/{round}/tasks/{}/dispute/answer",
        w.task_b
    );
    // Through the API too the answer is a choice, never assumed.
    let r = common::new_client()
        .post(app.url(&api))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "Đồng ý chấm lại"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["fields"]["upheld"].is_object(), "{body}");
    let r = common::new_client()
        .post(app.url(&api))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "Đồng ý chấm lại", "upheld": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d = db::reviews::dispute_of(&mut app.conn(), round, w.task_b)
        .unwrap()
        .unwrap();
    assert_eq!(d.dispute_accepted, Some(true));
    w.sink.wait_for(8).await;
    let m = w.sink.to("chutri.b@tayho.test").last().unwrap().clone();
    assert_eq!(m.subject, "Dispute accepted: “Mương thoát nước Thụy Khuê”");
    assert!(
        m.text.contains("The result will be corrected"),
        "{}",
        m.text
    );
    // The lead is shown the way to correct it; the owner what follows.
    let page_b = format!("/reviews/{round}/tasks/{}", w.task_b);
    let (_, html) = lead.page(&page_b).await;
    assert!(html.contains("Trả lời kiến nghị — Chấp nhận kiến nghị"));
    assert!(html.contains(&format!("href=\"/reviews/{round}#next-step\"")));
    let (_, html) = lead.page(&format!("/reviews/{round}")).await;
    assert!(html.contains("Giữ nguyên kết quả") && html.contains("Chấp nhận kiến nghị"));
    let (_, html) = owner_b.page(&page_b).await;
    assert!(!html.contains("#next-step\""), "only the lead reopens");
    // Answered once only.
    let r = common::new_client()
        .post(app.url(&api))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "Lần hai", "upheld": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_results_name_what_pulled_each_task_down_and_the_report_gathers_findings_and_proposals_per_criterion(
) {
    let w = world().await;
    let app = &w.app;
    // Round created first to know the criteria's ids: the lead writes a
    // finding and a proposal on task B's second and fourth criteria.
    let rubric = db::reviews::rubric(&mut app.conn()).unwrap();
    assert_eq!(
        rubric.iter().map(|c| c.max_points).collect::<Vec<_>>(),
        [40.0, 20.0, 15.0, 15.0, 10.0]
    );
    let next_ids = |app: &TestApp| -> Vec<i64> {
        // The round's criteria follow the rubric, numbered after the last.
        let last: Option<i64> = db::schema::review_criteria::table
            .select(diesel::dsl::max(db::schema::review_criteria::id))
            .first(&mut app.conn())
            .unwrap();
        (1..=5).map(|i| last.unwrap_or(0) + i).collect()
    };
    let ids = next_ids(app);
    let extra: Vec<(String, String)> = vec![
        (
            format!("comment_{}", ids[1]),
            "Còn 2 hộ chưa đồng thuận".into(),
        ),
        (
            format!("proposal_{}", ids[1]),
            "Đối thoại riêng với 2 hộ trước quý I".into(),
        ),
        (
            format!("proposal_{}", ids[3]),
            "Lập lại tiến độ nạo vét".into(),
        ),
    ];
    // Task A loses 2 on the first criterion; task B 10 on the second, 5 on
    // the fourth, 4 on the first, 1 on the fifth.
    let (round, lead, _) = published_round(
        &w,
        [
            ["38", "20", "15", "15", "10"],
            ["36", "10", "15", "10", "9"],
        ],
        &extra,
    )
    .await;
    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    assert_eq!(criteria.iter().map(|c| c.id).collect::<Vec<_>>(), ids);
    let name = |i: usize| criteria[i].name_vi.clone();

    // The results page names, beside each task's total, the criteria it
    // lost most on: largest loss first, at most three.
    let (_, html) = lead.page(&format!("/reviews/{round}/results")).await;
    assert!(html.contains("Bị trừ điểm nhiều nhất ở"), "{html}");
    let b = format!(
        "<td>80</td>\n    <td>{} 10/20; {} 10/15; {} 36/40</td>",
        name(1),
        name(3),
        name(0)
    );
    assert!(html.contains(&b), "{b} in {html}");
    assert!(html.contains(&format!("<td>98</td>\n    <td>{} 38/40</td>", name(0))));
    // The spreadsheet too, in the tasks' sheet.
    let r = app
        .get_with(&lead, &format!("/reviews/{round}/results.xlsx"))
        .await;
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let second_row: Vec<String> = sheet
        .rows()
        .nth(5)
        .unwrap()
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert_eq!(second_row[1], "Mương thoát nước Thụy Khuê");
    assert!(
        second_row[6].starts_with(&format!("{} 10/20", name(1))),
        "{second_row:?}"
    );

    // The task's page shows the proposal with the score.
    let (_, html) = lead
        .page(&format!("/reviews/{round}/tasks/{}", w.task_b))
        .await;
    assert!(html.contains("Đề xuất, kiến nghị: <span class=\"prewrap\">Đối thoại riêng với 2 hộ trước quý I</span>"), "{html}");

    // The report: under each criterion, what the reviewers found and what
    // they propose, each under its own criterion.
    let (s, html) = lead.page(&format!("/reviews/{round}/report")).await;
    assert_eq!(s, StatusCode::OK);
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing: {html}"))
    };
    let second_criterion = at(&format!("2. {}", name(1)));
    let third_criterion = at(&format!("3. {}", name(2)));
    let fourth_criterion = at(&format!("4. {}", name(3)));
    let finding = at("- Mương thoát nước Thụy Khuê (10): Còn 2 hộ chưa đồng thuận");
    let proposal = at("- Mương thoát nước Thụy Khuê: Đối thoại riêng với 2 hộ trước quý I");
    let later = at("- Mương thoát nước Thụy Khuê: Lập lại tiến độ nạo vét");
    assert!(second_criterion < finding && finding < proposal && proposal < third_criterion);
    assert!(fourth_criterion < later);
    assert!(html.contains("<strong>Nhận xét:</strong>"));
    assert!(html.contains("<strong>Đề xuất, kiến nghị:</strong>"));

    // The DOCX carries the same.
    let bytes = app
        .get_with(&lead, &format!("/documents/report/{round}?format=docx"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("Đối thoại riêng với 2 hộ trước quý I"));
    assert!(xml.contains("Lập lại tiến độ nạo vét"));
}

/// The `href` of the pager's link to the next page.
fn next_link(html: &str) -> String {
    let at = html.find("rel=\"next\"").expect("a link to the next page");
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    // As a browser reads the attribute.
    html[start..end]
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// A round of a province's size: its page, its report and its task picker
/// show a page of tasks at a time, reached by the pager; the DOCX has them
/// all; a page of the picker changes its own tasks only.
#[tokio::test]
async fn a_round_larger_than_a_page_is_paged_on_screen_and_whole_in_the_docx() {
    let w = world().await;
    let app = &w.app;
    let mut conn = app.conn();
    let titles: Vec<String> = (1..=150)
        .map(|i| format!("Chỉnh trang ngõ số {i:03}"))
        .collect();
    for t in &titles {
        let f = common::task_fields(w.ward, w.lead, t, None, 2023);
        db::tasks::create(&mut conn, &f, w.lead).unwrap();
    }
    let lead = app.browser("mttq.lead").await;
    let r = lead.post("/reviews", &round_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    assert_eq!(db::reviews::tasks_of(&mut conn, round).unwrap().len(), 152);
    let on = |html: &str| -> Vec<usize> {
        (0..titles.len())
            .filter(|i| html.contains(&titles[*i]))
            .collect()
    };

    // The round's page: 100 tasks, then the other 52 on the next.
    let path = format!("/reviews/{round}");
    let first = lead.page_ok(&path).await;
    let link = format!("href=\"/reviews/{round}/tasks/");
    assert_eq!(first.matches(&link).count(), 100);
    assert!(first.contains("(152)"));
    let second = lead.page_ok(&format!("{path}{}", next_link(&first))).await;
    assert_eq!(second.matches(&link).count(), 52);
    let (a, b) = (on(&first), on(&second));
    assert!(a.iter().all(|i| !b.contains(i)), "no task on both pages");
    assert_eq!(a.len() + b.len(), 150);

    // The report: a page of the ranked table, the criteria on every page,
    // and a word that the DOCX has every task.
    let path = format!("/reviews/{round}/report");
    let (s, first) = lead.page(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        first.contains("Trang này hiện dòng 1–100 trong 152 dòng của bảng"),
        "{first}"
    );
    assert!(first.contains(&format!(
        "href=\"/documents/report/{round}?format&#x3D;docx\""
    )));
    let second = lead.page_ok(&format!("{path}{}", next_link(&first))).await;
    assert!(second.contains("dòng 101–152 trong 152"));
    for html in [&first, &second] {
        assert!(html.contains("II. NHẬN XÉT THEO TIÊU CHÍ"));
        assert!(html.contains("Phạm Thị Lan"), "the signature on every page");
    }
    let (a, b) = (on(&first), on(&second));
    assert!(a.iter().all(|i| !b.contains(i)));
    assert_eq!(a.len() + b.len(), 150);
    assert!(
        first.contains("<td class=\"num\">1</td>") && second.contains("<td class=\"num\">152</td>")
    );
    assert!(!second.contains("<td class=\"num\">100</td>"));
    // A page past the end shows the last.
    assert!(lead
        .page_ok(&format!("{path}?page=99999999999999"))
        .await
        .contains("dòng 101–152"));
    let bytes = app
        .get_with(
            &lead.client,
            &format!("/documents/report/{round}?format=docx"),
        )
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert_eq!(on(&xml).len(), 150, "the DOCX has every task");
    // The documents page pages its preview the same way, keeping the head typed.
    let edited =
        format!("/documents/report/{round}?edited=1&signer=Tr%E1%BA%A7n+V%C4%83n+K&format=page");
    let first = lead.page_ok(&edited).await;
    let next = next_link(&first);
    assert!(
        next.contains("signer=") && next.contains("page=2"),
        "{next}"
    );
    let second = lead
        .page_ok(&format!("/documents/report/{round}{next}"))
        .await;
    assert!(second.contains("dòng 101–152") && second.contains("Trần Văn K"));

    // The task picker: a page of checkboxes; saving a page changes it alone.
    let path = format!("/reviews/{round}/tasks");
    let first = lead.page_ok(&path).await;
    assert_eq!(first.matches("name=\"task\"").count(), 100);
    let second = lead.page_ok(&format!("{path}{}", next_link(&first))).await;
    let shown: Vec<String> = second
        .split("name=\"shown\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(shown.len(), 52);
    let mut form: Vec<(&str, String)> = shown.iter().map(|id| ("shown", id.clone())).collect();
    form.push(("page", "2".into()));
    form.extend(shown[..2].iter().map(|id| ("task", id.clone())));
    let r = lead.post(&path, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let held: Vec<i64> = db::reviews::tasks_of(&mut conn, round)
        .unwrap()
        .iter()
        .map(|t| t.rt.task_id)
        .collect();
    assert_eq!(held.len(), 102, "page 1 kept, two of page 2 kept");
    for id in &shown[2..] {
        assert!(!held.contains(&id.parse().unwrap()));
    }
}

/// Rounds are listed a page at a time; the lead picker lists at most 50
/// reviewers who reach the unit and finds another by name, saving nothing.
#[tokio::test]
async fn rounds_are_paged_and_the_lead_picker_finds_a_reviewer_by_name() {
    let w = world().await;
    let app = &w.app;
    app.crowd(
        "thamdinh",
        "Bùi Văn",
        60,
        w.ward,
        &[(Role::Reviewer, w.ward)],
    );
    let tuyet = app.user("tuyet.nt", w.ward, &[(Role::Reviewer, w.ward)]);
    app.set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "tuyet@tayho.test", "vi");
    let lead = app.browser("mttq.lead").await;
    let form = lead.page_ok("/reviews/new").await;
    let leads = common::options_of(&form, "lead_id");
    assert!((50..=51).contains(&leads.len()), "{}", leads.len());
    assert!(!form.contains("Nguyễn Thị Ánh Tuyết"));

    let mut finding = round_fields(&w);
    finding.push(("find", "anh tuyet".into()));
    finding.push(("finding", "1".into()));
    let r = lead.post("/reviews", &finding).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let leads = common::options_of(&html, "lead_id");
    assert!(leads.iter().any(|(v, _, _)| *v == tuyet.to_string()));
    assert!(leads.iter().any(|(v, _, s)| *v == w.lead.to_string() && *s));
    assert!(html.contains("value=\"15/BC-MTTQ\""));
    assert!(db::reviews::all(&mut app.conn()).unwrap().is_empty());
    // A committee member (no reviewer) may not look.
    let committee = app.browser("capuy").await;
    assert_eq!(
        committee.post("/reviews", &finding).await.status(),
        StatusCode::FORBIDDEN
    );

    // 55 rounds of the ward, one a year: 50, then 5.
    let mut conn = app.conn();
    let path = db::units::find(&mut conn, w.ward).unwrap().path;
    for year in 1960..2015 {
        let f = db::reviews::RoundFields {
            unit_id: w.ward,
            year,
            title: format!("Giám sát năm {year}"),
            lead_id: w.lead,
            combine_rule: danvan::domain::review::CombineRule::Mean,
            self_due: day(year, 12, 10),
            review_due: day(year, 12, 25),
            report_number: String::new(),
            report_place: String::new(),
            signer_title: String::new(),
            signer_name: String::new(),
        };
        db::reviews::create(&mut conn, &f, &path, w.lead).unwrap();
    }
    let first = lead.page_ok("/reviews").await;
    let second = lead
        .page_ok(&format!("/reviews{}", next_link(&first)))
        .await;
    let rows = |html: &str| html.matches("Giám sát năm ").count();
    assert_eq!((rows(&first), rows(&second)), (50, 5));
}
