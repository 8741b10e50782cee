//! Mobile support teams through the real server: a team drawn from several
//! units, rounds planned and held in its communes, problems taken up as
//! tasks, the month calendar, the feed and the figures.

use crate::common;

use common::{location, new_client, spawn, Browser, TestApp};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::StatusCode;

#[tokio::test]
async fn a_team_plans_and_records_rounds_in_its_communes() {
    let app = spawn().await;
    let city = app.unit(app.root, UnitKind::City, "Thành phố Hà Nội");
    let centre = app.unit(
        city,
        UnitKind::Department,
        "Trung tâm Phục vụ hành chính công",
    );
    let department = app.unit(city, UnitKind::Department, "Sở Nông nghiệp và Môi trường");
    let phu_xuyen = app.unit(city, UnitKind::Commune, "Xã Phú Xuyên");
    let dong_anh = app.unit(city, UnitKind::Commune, "Xã Đông Anh");
    let other = app.unit(city, UnitKind::Commune, "Xã Sóc Sơn");
    app.user("trungtam", centre, &[(Role::Committee, centre)]);
    let specialist = app.user("chuyenvien", department, &[(Role::Viewer, department)]);
    let officer = app.user("diachinh", phu_xuyen, &[(Role::Viewer, phu_xuyen)]);
    app.user("xem.phuxuyen", phu_xuyen, &[(Role::Viewer, phu_xuyen)]);
    app.user("capuy.phuxuyen", phu_xuyen, &[(Role::Committee, phu_xuyen)]);
    app.user("xem.socson", other, &[(Role::Viewer, other)]);
    let lead = app.browser("trungtam").await;
    let member = app.browser("chuyenvien").await;
    let resident = app.browser("xem.phuxuyen").await;
    let outsider = app.browser("xem.socson").await;

    let team = |name: &str| {
        vec![
            ("lead_unit_id", centre.to_string()),
            ("name", name.to_string()),
            ("period_from", "01/10/2025".into()),
            ("period_to", "31/12/2025".into()),
            ("members", specialist.to_string()),
            ("members", officer.to_string()),
            ("communes", phu_xuyen.to_string()),
            ("communes", dong_anh.to_string()),
        ]
    };
    let mut bad = team("");
    bad.retain(|(k, _)| *k != "communes");
    let r = lead.post("/teams", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Không được để trống."));
    assert_eq!(
        member.post("/teams", &team("x")).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = lead
        .post("/teams", &team("Tổ hỗ trợ lưu động thủ tục đất đai số 1"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let tid: i64 = location(&r).trim_start_matches("/teams/").parse().unwrap();
    // Members, readers of a commune served, and the lead unit see it; others do not.
    assert_eq!(
        member.page(&format!("/teams/{tid}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        resident.page(&format!("/teams/{tid}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        outsider.page(&format!("/teams/{tid}")).await.0,
        StatusCode::FORBIDDEN
    );

    // A member plans rounds; a commune outside the team and a date outside the period are refused.
    let round = |unit: i64, date: &str, kind: &str| {
        vec![
            ("unit_id", unit.to_string()),
            ("on_date", date.to_string()),
            ("start_time", "08:00".to_string()),
            ("place", "Nhà văn hóa thôn Phú Mỹ".to_string()),
            ("kind", kind.to_string()),
        ]
    };
    let r = member
        .post(
            &format!("/teams/{tid}/rounds"),
            &round(other, "15/01/2026", "outreach"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ngày nằm ngoài thời gian hoạt động của tổ."));
    assert!(html.contains("value=\"Nhà văn hóa thôn Phú Mỹ\""));
    assert_eq!(
        resident
            .post(
                &format!("/teams/{tid}/rounds"),
                &round(phu_xuyen, "15/10/2025", "outreach")
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = member
        .post(
            &format!("/teams/{tid}/rounds"),
            &round(phu_xuyen, "15/10/2025", "outreach"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let first = location(&r);
    let r = member
        .post(
            &format!("/teams/{tid}/rounds"),
            &round(dong_anh, "22/10/2025", "online_guidance"),
        )
        .await;
    let second = location(&r);
    member
        .post(
            &format!("/teams/{tid}/rounds"),
            &round(dong_anh, "29/10/2025", "legal_advice"),
        )
        .await;

    // Recording a held round: figures checked, then stored.
    let rid: i64 = first.trim_start_matches("/teams/rounds/").parse().unwrap();
    let version = || {
        db::teams::find_round(&mut app.conn(), rid)
            .unwrap()
            .version
            .to_string()
    };
    let record = |att: &str, online: &str| {
        vec![
            ("attendance", att.to_string()),
            ("helped_meritorious", "3".to_string()),
            ("helped_elderly", "12".to_string()),
            ("helped_other", "20".to_string()),
            ("dossiers_prepared", "18".to_string()),
            ("dossiers_online", online.to_string()),
            ("version", version()),
        ]
    };
    let r = officer_client(&app)
        .await
        .post(&first, &record("", "25"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"18\""), "typed values kept");
    let r = member.post(&first, &record("85", "14")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = db::teams::find_round(&mut app.conn(), rid).unwrap();
    assert_eq!(
        (
            stored.status.as_str(),
            stored.attendance,
            stored.dossiers_online
        ),
        ("held", Some(85), Some(14))
    );
    // Figures typed from the reading before that save: nothing is written,
    // and what was typed comes back beside what is saved.
    let mut stale = record("90", "14");
    stale.retain(|(k, _)| *k != "version");
    stale.push(("version", (stored.version - 1).to_string()));
    let r = member.post(&first, &stale).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("<td>90</td><td>85</td>"), "{html}");
    assert!(html.contains("value=\"90\""), "what was typed stays");
    let again = db::teams::find_round(&mut app.conn(), rid).unwrap();
    assert_eq!(
        (again.attendance, again.version),
        (Some(85), stored.version)
    );

    // A problem raised there is taken up as a task of that commune.
    member
        .post(
            &format!("{first}/problems"),
            &[(
                "text",
                "Nhiều hộ chưa được cấp giấy chứng nhận do vướng quy hoạch",
            )],
        )
        .await;
    let problem = db::teams::problems(&mut app.conn(), rid).unwrap()[0].id;
    let commune_committee = app.browser("capuy.phuxuyen").await;
    let (s, html) = commune_committee
        .page(&format!("/tasks/new?unit_id={phu_xuyen}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("value=\"{phu_xuyen}\" selected")),
        "the task form starts in the commune"
    );
    let owner = db::users::find_by_username(&mut app.conn(), "capuy.phuxuyen")
        .unwrap()
        .unwrap()
        .id;
    let f = db::tasks::TaskFields {
        category_id: 2,
        ..common::task_fields(
            phu_xuyen,
            owner,
            "Cấp giấy chứng nhận cho các hộ vướng quy hoạch",
            None,
            2025,
        )
    };
    let task = db::tasks::create(&mut app.conn(), &f, owner).unwrap().0.id;
    let elsewhere = db::tasks::create(
        &mut app.conn(),
        &db::tasks::TaskFields {
            unit_id: other,
            ..f.clone()
        },
        owner,
    )
    .unwrap()
    .0
    .id;
    let link = format!("{first}/problems/{problem}");
    assert_eq!(
        member
            .post(&link, &[("task_id", elsewhere.to_string())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db::teams::problems(&mut app.conn(), rid).unwrap()[0].task_id,
        None,
        "a task of another commune is refused"
    );
    assert_eq!(
        member
            .post(&link, &[("task_id", task.to_string())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db::teams::problems(&mut app.conn(), rid).unwrap()[0].task_id,
        Some(task)
    );

    // A planned round is cancelled only with a reason.
    let sid: i64 = second.trim_start_matches("/teams/rounds/").parse().unwrap();
    let v = db::teams::find_round(&mut app.conn(), sid)
        .unwrap()
        .version
        .to_string();
    member
        .post(
            &format!("{second}/cancel"),
            &[("text", "".into()), ("version", v.clone())],
        )
        .await;
    assert_eq!(
        db::teams::find_round(&mut app.conn(), sid).unwrap().status,
        "planned"
    );
    member
        .post(
            &format!("{second}/cancel"),
            &[("text", "Mưa bão".into()), ("version", v)],
        )
        .await;
    assert_eq!(
        db::teams::find_round(&mut app.conn(), sid).unwrap().status,
        "cancelled"
    );

    // The month calendar, the feed and the figures.
    let (s, html) = resident
        .page(&format!("/teams/{tid}/calendar?month=2025-10"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Hội nghị phổ biến") && html.contains("Tư vấn pháp lý"));
    let (_, html) = member.page(&format!("/teams/{tid}")).await;
    let html = html.replace("&#x3D;", "=");
    let start = html.find("/schedule.ics?key=").unwrap() + "/schedule.ics?key=".len();
    let key = &html[start..start + html[start..].find('"').unwrap()];
    let r = app
        .get_with(
            &new_client(),
            &format!("/teams/{tid}/schedule.ics?key={key}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.text().await.unwrap().matches("BEGIN:VEVENT").count(),
        2,
        "the cancelled round is left out"
    );
    assert_eq!(
        app.get_with(&new_client(), &format!("/teams/{tid}/schedule.ics?key=x"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let figures = db::teams::figures(
        &mut app.conn(),
        tid,
        chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    )
    .unwrap();
    let px = figures.iter().find(|f| f.unit_id == phu_xuyen).unwrap();
    assert_eq!(
        (
            px.rounds,
            px.held,
            px.attendance,
            px.helped_total(),
            px.dossiers_online
        ),
        (1, 1, 85, 35, 14)
    );
    let da = figures.iter().find(|f| f.unit_id == dong_anh).unwrap();
    assert_eq!((da.rounds, da.held), (2, 0));
    let (s, html) = resident.page(&format!("/teams/{tid}/figures")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("Xã Phú Xuyên"));
}

async fn officer_client(app: &TestApp) -> Browser {
    app.browser("diachinh").await
}

/// A team's rounds are spoken of in the team's own words: planned, held
/// ("Đã tổ chức") or cancelled rounds and the team's schedule, never the
/// desk's shifts ("Đã trực", "lịch trực"); its feed gives Việt Nam's times.
#[tokio::test]
async fn a_teams_rounds_are_not_labelled_with_the_desks_words() {
    let app = spawn().await;
    let city = app.unit(app.root, UnitKind::City, "Thành phố Hà Nội");
    let centre = app.unit(
        city,
        UnitKind::Department,
        "Trung tâm Phục vụ hành chính công",
    );
    let commune = app.unit(city, UnitKind::Commune, "Xã Phú Xuyên");
    app.user("trungtam", centre, &[(Role::Committee, centre)]);
    let member = app.user("chuyenvien", centre, &[(Role::Viewer, centre)]);
    let lead = app.browser("trungtam").await;
    let member_b = app.browser("chuyenvien").await;
    let r = lead
        .post(
            "/teams",
            &[
                ("lead_unit_id", centre.to_string()),
                ("name", "Tổ hỗ trợ lưu động số 2".to_string()),
                ("period_from", "01/10/2025".into()),
                ("period_to", "31/12/2025".into()),
                ("members", member.to_string()),
                ("communes", commune.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let tid: i64 = location(&r).trim_start_matches("/teams/").parse().unwrap();
    let mut rounds = Vec::new();
    for date in ["15/10/2025", "22/10/2025", "29/10/2025"] {
        let r = member_b
            .post(
                &format!("/teams/{tid}/rounds"),
                &[
                    ("unit_id", commune.to_string()),
                    ("on_date", date.to_string()),
                    ("start_time", "08:00".to_string()),
                    ("place", "Nhà văn hóa thôn Phú Mỹ".to_string()),
                    ("kind", "outreach".to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        rounds.push(location(&r));
    }
    let version = |path: &str| {
        let id: i64 = path.trim_start_matches("/teams/rounds/").parse().unwrap();
        db::teams::find_round(&mut app.conn(), id)
            .unwrap()
            .version
            .to_string()
    };
    let r = member_b
        .post(
            &rounds[0],
            &[
                ("attendance", "40".to_string()),
                ("helped_elderly", "12".to_string()),
                ("dossiers_prepared", "18".to_string()),
                ("dossiers_online", "14".to_string()),
                ("version", version(&rounds[0])),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = member_b
        .post(
            &format!("{}/cancel", rounds[1]),
            &[
                ("text", "Mưa bão".to_string()),
                ("version", version(&rounds[1])),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let team_page = member_b.page_ok(&format!("/teams/{tid}")).await;
    let held = member_b.page_ok(&rounds[0]).await;
    for (page, status) in [
        (&team_page, "Đã tổ chức"),
        (&team_page, "Đã hủy"),
        (&team_page, "Đã lên kế hoạch"),
        (&held, "Đã tổ chức"),
    ] {
        assert!(page.contains(status), "{status}");
    }
    for page in [&team_page, &held] {
        for desk_word in ["Đã trực", "lịch trực", "Theo lịch", "ca trực"] {
            assert!(!page.contains(desk_word), "{desk_word} on a team's page");
        }
    }
    assert!(team_page.contains("theo dõi lịch hoạt động của tổ"));

    // The feed in Việt Nam's zone, as the desk's.
    let html = team_page.replace("&#x3D;", "=");
    let start = html.find("/schedule.ics?key=").unwrap() + "/schedule.ics?key=".len();
    let key = &html[start..start + html[start..].find('"').unwrap()];
    let ics = app
        .get_with(
            &new_client(),
            &format!("/teams/{tid}/schedule.ics?key={key}"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        ics.contains("DTSTART;TZID=Asia/Ho_Chi_Minh:20251015T080000")
            && ics.contains("DTEND;TZID=Asia/Ho_Chi_Minh:20251015T100000")
            && ics.contains("BEGIN:VTIMEZONE"),
        "{ics}"
    );
}

/// The members picker lists at most 50 (the lead unit's people first) and
/// finds anyone of the province by name, saving nothing; anyone of the
/// province may be a member, listed or not.
#[tokio::test]
async fn the_members_picker_is_bounded_and_finds_anyone_of_the_province_by_name() {
    let app = spawn().await;
    let city = app.unit(app.root, UnitKind::City, "Thành phố Hà Nội");
    let centre = app.unit(
        city,
        UnitKind::Department,
        "Trung tâm Phục vụ hành chính công",
    );
    let department = app.unit(city, UnitKind::Department, "Sở Nông nghiệp và Môi trường");
    let commune = app.unit(city, UnitKind::Commune, "Xã Phú Xuyên");
    app.user("trungtam", centre, &[(Role::Committee, centre)]);
    let crowd = app.crowd(
        "chuyenvien",
        "Bùi Văn",
        60,
        department,
        &[(Role::Viewer, department)],
    );
    let tuyet = app.user("tuyet.nt", commune, &[(Role::Viewer, commune)]);
    app.set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "tuyet@phuxuyen.test", "vi");
    let lead = app.browser("trungtam").await;
    let form = lead.page_ok("/teams/new").await;
    assert_eq!(common::options_of(&form, "members").len(), 50);
    assert!(!form.contains("Nguyễn Thị Ánh Tuyết"));
    assert!(form.contains("Danh sách trên chỉ hiện 50 người đầu tiên."));

    let team = vec![
        ("lead_unit_id", centre.to_string()),
        ("name", "Tổ hỗ trợ lưu động số 2".to_string()),
        ("period_from", "01/10/2025".into()),
        ("period_to", "31/12/2025".into()),
        ("communes", commune.to_string()),
    ];
    let mut finding = team.clone();
    finding.push(("find", "tuyet".into()));
    finding.push(("finding", "1".into()));
    let r = lead.post("/teams", &finding).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(common::options_of(&html, "members")
        .iter()
        .any(|(v, _, _)| *v == tuyet.to_string()));
    assert!(html.contains("value=\"Tổ hỗ trợ lưu động số 2\""));
    assert!(db::teams::all(&mut app.conn()).unwrap().is_empty());

    let mut saved = team.clone();
    saved.push(("members", tuyet.to_string()));
    saved.push(("members", crowd.last().unwrap().to_string()));
    let r = lead.post("/teams", &saved).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location(&r);
    let edit = lead.page_ok(&format!("{id}/edit")).await;
    let chosen: Vec<String> = common::options_of(&edit, "members")
        .into_iter()
        .filter(|(_, _, s)| *s)
        .map(|(v, _, _)| v)
        .collect();
    assert_eq!(chosen.len(), 2, "both stay chosen on the edit form");
}
