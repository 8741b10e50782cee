//! Mail through the outbox, checked at a real SMTP server (aiosmtpd): what
//! arrives, in whose language, when the server is down, when an address is
//! refused, with two instances, with the user's choices, and the daily run.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Duration as Days;
use common::smtp::SmtpSink;
use common::{config_for, day, new_client, spawn_mailing, TestApp};
use danvan::db::notifications as ndb;
use danvan::db::schema::{digest_items, households, outbox};
use danvan::db::{self, audit};
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use danvan::error::AppError;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

struct World {
    app: TestApp,
    ward: i64,
    owner: i64,
    team: i64,
    helper: i64,
}

/// A ward with a committee member who registers tasks, an owner who reads
/// Vietnamese, a team member who reads English and a possible co-owner.
async fn world(sink: &SmtpSink, owner_email: &str) -> World {
    let app = spawn_mailing(sink).await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let owner = app.user("chutri", ward, &[(Role::Viewer, ward)]);
    let team = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    let helper = app.user("phoihop", ward, &[(Role::Viewer, ward)]);
    app.set_email(committee, "Lê Văn Cấp", "capuy@thuykhue.test", "vi");
    app.set_email(owner, "Nguyễn Thị Hồng", owner_email, "vi");
    app.set_email(team, "Trần Minh Đức", "totac@thuykhue.test", "en");
    app.set_email(helper, "Phạm Thu Hà", "phoihop@thuykhue.test", "vi");
    app.login_ok("capuy").await;
    World {
        app,
        ward,
        owner,
        team,
        helper,
    }
}

const TITLE: &str = "Mương thoát nước Thụy Khuê — 44 hộ";

fn task_form(w: &World, co_owner: Option<i64>) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("title", TITLE.to_string()),
        ("unit_id", w.ward.to_string()),
        ("category_id", "1".into()),
        ("description", String::new()),
        ("campaign_year", "2027".into()),
        ("deadline", "30/11/2027".into()),
        ("owner_id", w.owner.to_string()),
        ("team", w.team.to_string()),
        ("consented", "agrees".into()),
    ];
    if let Some(id) = co_owner {
        f.push(("co_owners", id.to_string()));
    }
    f
}

async fn register(w: &World) -> i64 {
    let r = w
        .app
        .on(&w.app.client)
        .post("/tasks", &task_form(w, None))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    common::location(&r)
        .trim_start_matches("/tasks/")
        .parse()
        .unwrap()
}

fn statuses(app: &TestApp) -> Vec<(String, i32, Option<String>)> {
    outbox::table
        .select((outbox::status, outbox::attempts, outbox::last_error))
        .order(outbox::id)
        .load(&mut app.conn())
        .unwrap()
}

/// Waits until every message in the outbox satisfies `done`.
async fn outbox_until(
    app: &TestApp,
    what: &str,
    done: impl Fn(&(String, i32, Option<String>)) -> bool,
) {
    for _ in 0..300 {
        let rows = statuses(app);
        if !rows.is_empty() && rows.iter().all(&done) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("outbox never reached {what}: {:?}", statuses(app));
}

#[tokio::test]
async fn assignments_go_out_by_smtp_in_each_recipients_language_with_both_bodies() {
    let sink = SmtpSink::start();
    let w = world(&sink, "chutri@thuykhue.test").await;
    let task = register(&w).await;

    let got = sink.wait_for(2).await;
    assert_eq!(got.len(), 2);
    let vi = &sink.to("chutri@thuykhue.test")[0];
    assert_eq!(
        vi.subject,
        format!("Đồng chí được giao chủ trì việc khó: {TITLE}")
    );
    assert_eq!(vi.to, "Nguyễn Thị Hồng <chutri@thuykhue.test>");
    assert_eq!(vi.from, "Dân vận khéo <no-reply@danvan.test>");
    assert!(vi.message_id.starts_with("outbox-") && vi.message_id.ends_with("@danvan.test"));
    assert!(vi.raw.contains("text/plain") && vi.raw.contains("text/html"));
    assert!(
        vi.text.contains("Kính gửi đồng chí Nguyễn Thị Hồng,"),
        "{}",
        vi.text
    );
    assert!(vi.text.contains(&format!(
        "Đồng chí được giao chủ trì thực hiện việc khó “{TITLE}”."
    )));
    assert!(vi.text.contains("Đơn vị: Phường Thụy Khuê"));
    assert!(vi.text.contains("Thời hạn: 30/11/2027"));
    assert!(vi.text.contains(&format!("/tasks/{task}")));
    assert!(
        vi.html
            .contains("<td style=\"padding: 2px 0\">Phường Thụy Khuê</td>"),
        "{}",
        vi.html
    );
    assert!(vi.html.contains(&format!("/tasks/{task}\"")));
    assert!(vi.html.contains("lang=\"vi\""));

    let en = &sink.to("totac@thuykhue.test")[0];
    assert_eq!(en.subject, format!("You are on the field team of: {TITLE}"));
    assert!(en.text.starts_with("Dear Trần Minh Đức,"), "{}", en.text);
    assert!(en.html.contains("lang=\"en\""));
    assert!(
        sink.to("capuy@thuykhue.test").is_empty(),
        "not the one who assigned"
    );

    // Every message is recorded as sent, with its subject (the worker marks
    // it once the server has accepted it, just after the sink has it).
    let mut sent: Vec<(String, Option<String>)> = vec![];
    for _ in 0..50 {
        sent = outbox::table
            .select((outbox::status, outbox::subject))
            .load(&mut w.app.conn())
            .unwrap();
        if sent.iter().all(|(s, _)| s == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        sent.iter().all(|(s, subj)| s == "sent" && subj.is_some()),
        "{sent:?}"
    );

    // An edit tells only the person it adds.
    let mut f = task_form(&w, Some(w.helper));
    f.push(("version", "1".into()));
    let r = w
        .app
        .on(&w.app.client)
        .post(&format!("/tasks/{task}"), &f)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let got = sink.wait_for(3).await;
    assert_eq!(
        got[2].subject,
        format!("Đồng chí được giao phối hợp việc khó: {TITLE}")
    );
    assert_eq!(got[2].rcpt, ["phoihop@thuykhue.test"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test]
async fn a_change_that_rolls_back_leaves_no_message() {
    let sink = SmtpSink::start();
    let w = world(&sink, "chutri@thuykhue.test").await;
    let mut conn = w.app.conn();
    let mut fields = common::task_fields(w.ward, w.owner, TITLE, None, 2027);
    fields.team = vec![w.team];
    let actor = audit::Actor::default();
    let failed: Result<(), AppError> = audit::write(&mut conn, &actor, |c| {
        let (task, change) = db::tasks::create(c, &fields, w.helper)?;
        let told = ndb::task_assigned(c, task.id, &fields, None, w.helper);
        assert!(told.is_ok());
        let queued: i64 = outbox::table.count().get_result(c)?;
        assert_eq!(queued, 2, "queued inside the transaction");
        // Something later in the same change fails.
        Err::<((), _), _>(AppError::Internal(format!("{change:?} refused")))
    });
    assert!(failed.is_err());
    let queued: i64 = outbox::table.count().get_result(&mut conn).unwrap();
    assert_eq!(queued, 0);
    let tasks: i64 = db::schema::tasks::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(tasks, 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_out_once_it_is_back() {
    let mut sink = SmtpSink::start();
    sink.kill();
    let w = world(&sink, "chutri@thuykhue.test").await;
    register(&w).await;

    // Tried, failed for a reason worth retrying, still waiting.
    outbox_until(&w.app, "a failed first try", |(s, n, e)| {
        s == "pending" && *n >= 1 && e.is_some()
    })
    .await;
    w.app.as_admin().await;
    let (_, page) = w.app.text("/admin/mail?status=pending").await;
    assert!(page.contains("Chờ gửi (2)"), "{page}");
    assert!(
        page.contains("Connection refused") || page.contains("connection"),
        "{page}"
    );

    sink.restart();
    outbox_until(&w.app, "sent", |(s, _, _)| s == "sent").await;
    let got = sink.wait_for(2).await;
    assert_eq!(got.len(), 2);
    let ids: HashSet<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "each message once");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn a_refused_address_fails_for_good_and_an_administrator_can_try_again() {
    let sink = SmtpSink::start();
    let w = world(&sink, "reject.chutri@thuykhue.test").await;
    register(&w).await;
    sink.wait_for(1).await; // the team member's
    for _ in 0..100 {
        if statuses(&w.app).iter().any(|(s, _, _)| s == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed: (i64, i32, Option<String>) = outbox::table
        .filter(outbox::status.eq("failed"))
        .select((outbox::id, outbox::attempts, outbox::last_error))
        .first(&mut w.app.conn())
        .unwrap();
    assert_eq!(failed.1, 1, "a permanent refusal is not retried");
    assert!(
        failed.2.as_deref().unwrap_or("").contains("550"),
        "{failed:?}"
    );

    let admin = new_client();
    w.app
        .user("quantri", w.app.root, &[(Role::Admin, w.app.root)]);
    w.app.login_with(&admin, "quantri", common::PASSWORD).await;
    let page = w
        .app
        .get_with(&admin, "/admin/mail?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("reject.chutri@thuykhue.test"));
    assert!(
        page.contains("permanent error (550): 5.1.1 mailbox unavailable"),
        "{page}"
    );
    assert!(page.contains(&format!("/admin/mail/outbox/{}/retry", failed.0)));

    // Not for anyone else.
    let r = w
        .app
        .post(&format!("/admin/mail/outbox/{}/retry", failed.0), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = w
        .app
        .post_with(
            &admin,
            &format!("/admin/mail/outbox/{}/retry", failed.0),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Tried again: refused again, once more.
    for _ in 0..100 {
        let a: (String, i32) = outbox::table
            .find(failed.0)
            .select((outbox::status, outbox::attempts))
            .first(&mut w.app.conn())
            .unwrap();
        if a.0 == "failed" && a.1 == 1 {
            let retried: i64 = db::schema::audit_log::table
                .filter(db::schema::audit_log::entity.eq("outbox"))
                .count()
                .get_result(&mut w.app.conn())
                .unwrap();
            assert_eq!(retried, 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the retried message was not tried");
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_message_once() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink).await;
    let env = sink.env();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second = danvan::startup::Application::build(config_for(&app.db, &pairs)).unwrap();
    tokio::spawn(second.run_until_stopped());
    {
        let mut conn = app.conn();
        for i in 0..40 {
            ndb::queue(
                &mut conn,
                "task_assigned",
                None,
                &format!("nguoi{i}@thuykhue.test"),
                "vi",
                &json!({"args": {"title": format!("Việc {i}"), "role": "team"}, "link": "/"}),
            )
            .unwrap();
        }
    }
    let got = sink.wait_for(40).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let got_later = sink.messages();
    assert_eq!(got_later.len(), 40, "no message twice");
    let ids: HashSet<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 40);
    let sent: i64 = outbox::table
        .filter(outbox::status.eq("sent"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(sent, 40);
}

#[tokio::test]
async fn choices_gather_mail_into_one_daily_digest_and_required_mail_cannot_be_switched_off() {
    let sink = SmtpSink::start();
    let w = world(&sink, "chutri@thuykhue.test").await;
    let owner = new_client();
    w.app.login_with(&owner, "chutri", common::PASSWORD).await;
    let team = new_client();
    w.app.login_with(&team, "totac", common::PASSWORD).await;

    // The page offers each kind its own choices.
    let page = w
        .app
        .get_with(&owner, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nhận thông báo qua thư điện tử"));
    assert!(page.contains("name=\"task_assigned\" value=\"off\""));
    assert!(!page.contains("name=\"recommendation_due\" value=\"off\""));
    assert!(!page.contains("name=\"visits_due\" value=\"immediate\""));

    let mut choices = vec![
        ("task_assigned", "digest"),
        ("task_deadline", "immediate"),
        ("visits_due", "digest"),
        ("review_opened", "immediate"),
        ("review_published", "off"),
        ("review_disputed", "digest"),
        ("review_dispute_answered", "immediate"),
        ("recommendation_due", "off"),
        ("recommendation_answered", "immediate"),
        ("desk_case_due", "digest"),
        ("desk_swap", "immediate"),
    ];
    // Switching off a required kind is refused beside it; the rest is kept.
    let r = w
        .app
        .post_with(&owner, "/account/notifications", &choices)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Thông báo này thuộc quy trình nên không thể tắt"));
    assert!(html.contains("name=\"task_assigned\" value=\"digest\" checked"));
    assert!(html.contains("name=\"review_published\" value=\"off\" checked"));
    assert!(
        ndb::prefs(&mut w.app.conn(), w.owner).unwrap().is_empty(),
        "nothing saved"
    );

    choices[7] = ("recommendation_due", "digest");
    let r = w
        .app
        .post_with(&owner, "/account/notifications", &choices)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = w
        .app
        .get_with(&owner, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"task_assigned\" value=\"digest\" checked"));
    let r = w
        .app
        .post_with(
            &team,
            "/account/notifications",
            &[
                ("task_assigned", "off"),
                ("task_deadline", "immediate"),
                ("visits_due", "digest"),
                ("review_opened", "immediate"),
                ("review_published", "immediate"),
                ("review_disputed", "immediate"),
                ("review_dispute_answered", "immediate"),
                ("recommendation_due", "immediate"),
                ("recommendation_answered", "immediate"),
                ("desk_case_due", "immediate"),
                ("desk_swap", "digest"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Assigned: nothing goes now — one waits for the digest, one is off.
    let task = register(&w).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sink.messages().is_empty());
    let waiting: i64 = digest_items::table
        .count()
        .get_result(&mut w.app.conn())
        .unwrap();
    assert_eq!(waiting, 1);

    // A household of the task is due for a visit.
    let t = db::tasks::find(&mut w.app.conn(), task).unwrap();
    let h = db::households::HouseholdFields {
        head_name: "Hoàng Văn Thụ".into(),
        address: "Ngõ 12 Thụy Khuê".into(),
        residential_group: String::new(),
        map_sheet: "27".into(),
        parcel_no: "525".into(),
        area_m2: 120.0,
        land_type: "ODT".into(),
        priority_groups: String::new(),
        phone: String::new(),
        notes: String::new(),
    };
    let (hh, _) = db::households::create(&mut w.app.conn(), &t, &h).unwrap();
    let today = day(2027, 3, 10);
    diesel::update(households::table.find(hh.id))
        .set(households::next_visit_on.eq(Some(today - Days::days(2))))
        .execute(&mut w.app.conn())
        .unwrap();

    // Two runs of the day at once (two cron hosts): one digest each.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| w.app.cli(&["daily", "--date", "2027-03-10"]));
        let b = s.spawn(|| w.app.cli(&["daily", "--date", "2027-03-10"]));
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    let digests: usize = said
        .lines()
        .filter_map(|l| l.split(" reminder(s) and ").nth(1))
        .filter_map(|r| r.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(digests, 2, "{said}");

    let got = sink.wait_for(2).await;
    let mine = &sink.to("chutri@thuykhue.test")[0];
    assert_eq!(mine.subject, "Bản tin ngày 10/03/2027");
    assert!(
        mine.text
            .contains(&format!("Đồng chí được giao chủ trì việc khó: {TITLE}")),
        "{}",
        mine.text
    );
    assert!(mine.text.contains("Hộ dân đến lượt vận động (1)"));
    assert!(mine
        .text
        .contains("[Quá hẹn] 08/03/2027 · Hoàng Văn Thụ, Ngõ 12 Thụy Khuê"));
    assert!(mine.html.contains(&format!("/households/{}\"", hh.id)));
    let theirs = &sink.to("totac@thuykhue.test")[0];
    assert_eq!(theirs.subject, "Daily digest for 10/03/2027");
    assert!(theirs.text.contains("Households due for a visit (1)"));
    assert!(
        !theirs.text.contains("News"),
        "assignments are off for them"
    );
    assert_eq!(got.len(), 2);

    // Again the same day: nothing more.
    let again = w.app.cli(&["daily", "--date", "2027-03-10"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 reminder(s) and 0 digest(s)"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn the_daily_run_reminds_of_deadlines_recommendations_and_desk_cases_once_each() {
    use danvan::db::desk::{CaseFields, DutyFields};
    use danvan::db::recommendations::RecommendationFields;
    use danvan::domain::desk::Outcome;

    let sink = SmtpSink::start();
    let w = world(&sink, "chutri@thuykhue.test").await;
    let app = &w.app;
    let today = day(2027, 3, 10); // a Wednesday
    let committee: i64 = db::schema::users::table
        .filter(db::schema::users::username.eq("capuy"))
        .select(db::schema::users::id)
        .first(&mut app.conn())
        .unwrap();
    let department = app.unit(app.root, UnitKind::Department, "Sở Xây dựng");
    let so = app.user("so.xaydung", department, &[(Role::Committee, department)]);
    app.set_email(so, "Võ Quang Huy", "so@xaydung.test", "vi");

    let mut conn = app.conn();
    // Two tasks of the owner: one due in three days, one two days past.
    for (title, deadline) in [
        ("Trường mầm non Thụy Khuê", today + Days::days(3)),
        ("Ô đất 120 m² số 18 Tam Đa", today - Days::days(2)),
        ("Đường vành đai 2,5", today + Days::days(30)),
    ] {
        let f = common::task_fields(w.ward, w.owner, title, Some(deadline), 2027);
        db::tasks::create(&mut conn, &f, committee).unwrap();
    }
    // Two recommendations from the ward to the department: due tomorrow, and
    // three days past.
    for (content, due) in [
        (
            "Đề nghị sớm phê duyệt giá đất cụ thể cho dự án mương thoát nước",
            today + Days::days(1),
        ),
        (
            "Đề nghị bố trí quỹ nhà tái định cư tại chỗ",
            today - Days::days(3),
        ),
    ] {
        let f = RecommendationFields {
            inspection_id: None,
            from_unit_id: w.ward,
            to_unit_id: department,
            field: "land_recovery".into(),
            content: content.into(),
            raised_on: today - Days::days(14),
        };
        db::recommendations::create(&mut conn, &f, 10, due, committee).unwrap();
    }
    // A desk case escalated to a department, due tomorrow, recorded by the team member.
    let (duty, _) = db::desk::create(
        &mut conn,
        &DutyFields {
            unit_id: w.ward,
            name: "Tiếp dân thứ Tư".into(),
            place: "Trụ sở UBND phường".into(),
            weekday: 3,
            start_time: "07:30".into(),
            end_time: "11:30".into(),
            starts_on: today - Days::days(7),
            active: true,
            officials: vec![w.team],
        },
        committee,
    )
    .unwrap();
    db::desk::generate(&mut conn, &duty, today - Days::days(7), 2).unwrap();
    let shift = db::desk::shifts(&mut conn, duty.id, today - Days::days(7), today)
        .unwrap()
        .into_iter()
        .next()
        .expect("a shift");
    db::desk::add_case(
        &mut conn,
        &shift.shift,
        w.ward,
        &CaseFields {
            procedure_id: 1,
            citizen_name: "Bà Nguyễn Thị Mai".into(),
            priority_groups: String::new(),
            note: String::new(),
            outcome: Outcome::Escalated,
            escalated_to: Some("Phòng Kinh tế, Hạ tầng và Đô thị".into()),
            due_on: Some(today + Days::days(1)),
        },
        w.team,
        today - Days::days(7),
    )
    .unwrap();
    drop(conn);

    let run = |date: &str| {
        let out = app.cli(&["daily", "--date", date]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(run("2027-03-10").contains("5 reminder(s) and 0 digest(s)"));
    let got = sink.wait_for(6).await;
    let subjects = |to: &str| -> Vec<String> {
        let mut s: Vec<String> = sink.to(to).into_iter().map(|m| m.subject).collect();
        s.sort();
        s
    };
    assert_eq!(
        subjects("chutri@thuykhue.test"),
        [
            "Còn 3 ngày đến hạn: Trường mầm non Thụy Khuê",
            "Quá hạn 2 ngày: Ô đất 120 m² số 18 Tam Đa",
        ]
    );
    assert_eq!(
        subjects("so@xaydung.test"),
        [
            "Quá hạn trả lời kiến nghị (07/03/2027): Đề nghị bố trí quỹ nhà tái định cư tại chỗ",
            "Sắp đến hạn trả lời kiến nghị (11/03/2027): Đề nghị sớm phê duyệt giá đất cụ thể cho dự án mương thoát nước",
        ]
    );
    // The official who recorded the case (English) and the ward's committee.
    assert_eq!(
        subjects("totac@thuykhue.test"),
        ["Citizen answer due (11/03/2027): Chuyển mục đích sử dụng đất"]
    );
    assert_eq!(
        subjects("capuy@thuykhue.test"),
        ["Sắp đến hạn trả lời công dân (11/03/2027): Chuyển mục đích sử dụng đất"]
    );
    let desk = &sink.to("capuy@thuykhue.test")[0];
    assert!(desk
        .text
        .contains("Chuyển đến: Phòng Kinh tế, Hạ tầng và Đô thị"));
    assert!(
        !desk.text.contains("Nguyễn Thị Mai"),
        "no citizen's name in mail"
    );
    assert_eq!(got.len(), 6);

    // The same day again, and the next day: nothing new.
    assert!(run("2027-03-10").contains("0 reminder(s)"));
    assert!(run("2027-03-11").contains("0 reminder(s)"));
    // Friday: the recommendation due Thursday is now overdue, and so is the case.
    assert!(run("2027-03-12").contains("2 reminder(s)"));
    sink.wait_for(9).await;
    assert!(subjects("so@xaydung.test")
        .iter()
        .any(|s| s.starts_with("Quá hạn trả lời kiến nghị (11/03/2027)")));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 9);
}

/// The daily run keeps mail sent or given up, and its own keys, for the
/// retention period (180 days by default) and removes what is older; mail
/// still waiting stays whatever its age.
#[tokio::test]
async fn the_daily_run_removes_mail_and_keys_past_the_retention_period() {
    use danvan::db::schema::{digest_items, notification_keys, outbox};
    let app = common::spawn().await;
    let mut conn = app.conn();
    let now = danvan::db::now();
    let old = now - chrono::Duration::days(200);
    let recent = now - chrono::Duration::days(10);
    let mail = |status: &str, at: chrono::NaiveDateTime, sent: bool| {
        diesel::insert_into(outbox::table)
            .values((
                outbox::kind.eq("task_assigned"),
                outbox::to_address.eq("a@example.invalid"),
                outbox::locale.eq("vi"),
                outbox::payload.eq("{}"),
                outbox::status.eq(status),
                outbox::attempts.eq(1),
                outbox::next_attempt_at.eq(at),
                outbox::created_at.eq(at),
                outbox::sent_at.eq(sent.then_some(at)),
            ))
            .returning(outbox::id)
            .get_result::<i64>(&mut app.conn())
            .unwrap()
    };
    let old_sent = mail("sent", old, true);
    let old_failed = mail("failed", old, false);
    let old_pending = mail("pending", old, false);
    let recent_sent = mail("sent", recent, true);
    let user = app.user("nhan.thu", app.root, &[]);
    diesel::insert_into(digest_items::table)
        .values((
            digest_items::user_id.eq(user),
            digest_items::kind.eq("task_assigned"),
            digest_items::payload.eq("{}"),
            digest_items::created_at.eq(old),
            digest_items::outbox_id.eq(Some(old_sent)),
        ))
        .execute(&mut conn)
        .unwrap();
    for (key, at) in [
        ("task_deadline:due:1:2026-01-01", old),
        ("task_deadline:due:2:2026-11-30", recent),
    ] {
        diesel::insert_into(notification_keys::table)
            .values((
                notification_keys::key.eq(key),
                notification_keys::created_at.eq(at),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let out = app.cli(&["daily"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("4 old mail and key(s) removed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let left: Vec<i64> = outbox::table
        .select(outbox::id)
        .order(outbox::id)
        .load(&mut conn)
        .unwrap();
    assert!(
        !left.contains(&old_sent) && !left.contains(&old_failed),
        "{left:?}"
    );
    assert!(
        left.contains(&old_pending) && left.contains(&recent_sent),
        "{left:?}"
    );
    let keys: Vec<String> = notification_keys::table
        .select(notification_keys::key)
        .load(&mut conn)
        .unwrap();
    assert_eq!(keys, ["task_deadline:due:2:2026-11-30"]);
}
