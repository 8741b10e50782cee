//! The duty desk through the real server: a duty and its rota, swaps, cases
//! recorded on a shift, the citizen's feedback page without an account, the
//! calendar feed, escalations and the periodic review.

use crate::common;

use common::{csrf_in, location, new_client, spawn, with, TestApp, NO_FIELDS};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::StatusCode;

struct World {
    app: TestApp,
    ward: i64,
    secretary: i64,
    deputy: i64,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Quảng Phú");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    let secretary = app.user("bithu", ward, &[(Role::Viewer, ward)]);
    let deputy = app.user("phobithu", ward, &[(Role::Viewer, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    World {
        app,
        ward,
        secretary,
        deputy,
    }
}

fn duty_fields(w: &World) -> Vec<(&'static str, String)> {
    vec![
        ("unit_id", w.ward.to_string()),
        ("name", "Ngày thứ Ba đồng hành với công dân".into()),
        ("place", "Bộ phận tiếp nhận và trả kết quả phường".into()),
        ("weekday", "2".into()),
        ("start_time", "07:30".into()),
        ("end_time", "11:30".into()),
        (
            "starts_on",
            danvan::domain::format::date(danvan::domain::format::today()),
        ),
        ("officials", w.secretary.to_string()),
        ("officials", w.deputy.to_string()),
        ("active", "0".into()),
        ("active", "1".into()),
    ]
}

fn shifts(app: &TestApp, duty: i64) -> Vec<db::desk::Shift> {
    db::schema::desk_shifts::table
        .filter(db::schema::desk_shifts::duty_id.eq(duty))
        .order(db::schema::desk_shifts::on_date)
        .select(db::desk::Shift::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// The feedback link shown on a case page.
fn feedback_path(html: &str) -> String {
    let start = html.find("/f/").expect("a feedback link");
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

#[tokio::test]
async fn a_duty_runs_from_rota_to_citizen_feedback_and_review() {
    let w = world().await;
    let app = &w.app;
    let manager = app.browser("capuy").await;
    let secretary = app.browser("bithu").await;
    let deputy = app.browser("phobithu").await;
    let reader = app.browser("xem").await;

    // The committee sets the duty; bad input comes back field by field.
    assert_eq!(manager.page("/desk/new").await.0, StatusCode::OK);
    let bad = with(
        with(duty_fields(&w), "end_time", "07:00"),
        "start_time",
        "7h30",
    );
    let mut bad = bad;
    bad.retain(|(k, _)| *k != "officials");
    let r = manager.post("/desk", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nhập giờ dạng 07:30."));
    assert!(html.contains("Không được để trống."), "officials required");
    assert!(html.contains("value=\"Bộ phận tiếp nhận và trả kết quả phường\""));
    assert_eq!(
        reader.post("/desk", &duty_fields(&w)).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = manager.post("/desk", &duty_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();

    // Eight Tuesdays planned at once, the two officials taking turns.
    let rota = shifts(app, duty);
    assert_eq!(rota.len(), 8);
    assert!(rota
        .iter()
        .all(|s| chrono::Datelike::weekday(&s.on_date) == chrono::Weekday::Tue));
    assert_eq!(rota[0].official_id, w.secretary);
    assert_eq!(rota[1].official_id, w.deputy);
    assert_eq!(rota[2].official_id, w.secretary);
    // Planning again adds nothing twice.
    manager
        .follow(
            manager
                .post(&format!("/desk/{duty}/generate"), NO_FIELDS)
                .await,
        )
        .await;
    assert_eq!(shifts(app, duty).len(), 8);

    // The calendar feed opens with its key, without an account; not without.
    let (s, html) = reader.page(&format!("/desk/{duty}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    // Handlebars escapes "=" in attributes; the browser reads it back.
    let html = html.replace("&#x3D;", "=");
    let start = html.find("/rota.ics?key=").unwrap();
    let key = &html[start + "/rota.ics?key=".len()..];
    let key = &key[..key.find('"').unwrap()];
    let anonymous = new_client();
    let r = app
        .get_with(&anonymous, &format!("/desk/{duty}/rota.ics?key={key}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    // Long lines are folded (RFC 5545); unfold them to read.
    let ics = r
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "")
        .replace("\n ", "");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 8);
    // Times are Việt Nam's, named by its zone, which the feed describes.
    let first_day = rota[0].on_date.format("%Y%m%d");
    assert!(
        ics.contains("Đồng chí bithu")
            && ics.contains(&format!("DTSTART;TZID=Asia/Ho_Chi_Minh:{first_day}T073000"))
            && ics.contains(&format!("DTEND;TZID=Asia/Ho_Chi_Minh:{first_day}T113000")),
        "07:30–11:30 local: {ics}"
    );
    assert!(
        !ics.lines()
            .filter(|l| l.starts_with("DTSTART") || l.starts_with("DTEND"))
            .any(|l| l.ends_with('Z')),
        "no time in UTC: {ics}"
    );
    let zone = &ics[ics.find("BEGIN:VTIMEZONE").expect("the zone described")..];
    assert!(
        zone.contains("TZID:Asia/Ho_Chi_Minh")
            && zone.contains("TZOFFSETFROM:+0700")
            && zone.contains("TZOFFSETTO:+0700")
            && zone.find("END:VTIMEZONE") < zone.find("BEGIN:VEVENT"),
        "{ics}"
    );
    let r = app
        .get_with(
            &anonymous,
            &format!("/desk/{}/rota.ics?key={key}", duty + 1),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .get_with(
            &anonymous,
            &format!("/desk/{duty}/rota.ics?key={duty}-AAAAAAAAAAAAAAAA"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The secretary asks the deputy to take the first shift; the deputy accepts.
    let first = rota[0].id;
    let change = |action: &str, extra: &[(&'static str, String)]| {
        let mut f = vec![
            ("action", action.to_string()),
            ("version", shifts(app, duty)[0].version.to_string()),
        ];
        f.extend_from_slice(extra);
        f
    };
    let path = format!("/desk/shifts/{first}/change");
    let r = secretary
        .post(
            &path,
            &change(
                "swap",
                &[("reason", "".into()), ("official_id", w.deputy.to_string())],
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Cần ghi lý do đổi ca"));
    secretary
        .follow(
            secretary
                .post(
                    &path,
                    &change(
                        "swap",
                        &[
                            ("reason", "Họp Thành ủy".into()),
                            ("official_id", w.deputy.to_string()),
                        ],
                    ),
                )
                .await,
        )
        .await;
    assert!(manager
        .page(&format!("/desk/{duty}"))
        .await
        .1
        .contains("Họp Thành ủy"));
    assert_eq!(
        deputy
            .post(
                &path,
                &change("assign", &[("official_id", w.deputy.to_string())])
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    deputy
        .follow(deputy.post(&path, &change("accept", &[])).await)
        .await;
    let s = &shifts(app, duty)[0];
    assert_eq!((s.official_id, s.swap_requested_by), (w.deputy, None));

    // The deputy, now on duty, records cases; the secretary no longer may.
    let procedure = db::schema::desk_procedures::table
        .filter(db::schema::desk_procedures::code.eq("land_use_change"))
        .select(db::schema::desk_procedures::id)
        .first::<i64>(&mut app.conn())
        .unwrap()
        .to_string();
    let case = |outcome: &str| {
        vec![
            ("procedure_id", procedure.clone()),
            ("citizen_name", "Nguyễn Ngọc Thủy".to_string()),
            ("priority_groups", "elderly".to_string()),
            (
                "note",
                "Thửa 525, tờ bản đồ 27, chuyển 50 m² đất vườn sang đất ở".to_string(),
            ),
            ("outcome", outcome.to_string()),
        ]
    };
    let cases_path = format!("/desk/shifts/{first}/cases");
    let r = deputy.post(&cases_path, &case("escalated")).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "escalation needs a body and a due date"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Thửa 525, tờ bản đồ 27"), "typed values kept");
    assert_eq!(
        db::schema::desk_cases::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
    assert_eq!(
        secretary.post(&cases_path, &case("guided")).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut escalated = case("escalated");
    escalated.push(("escalated_to", "Văn phòng Đăng ký đất đai".into()));
    escalated.push(("due_on", "01/01/2020".into()));
    let r = deputy.post(&cases_path, &escalated).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case_path = location(&r);
    let (s, html) = deputy.page(&case_path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg"), "a QR code for the citizen");
    assert!(html.contains("Quá hạn"), "the escalation is overdue");
    let link = feedback_path(&html);
    assert_eq!(shifts(app, duty)[0].status, "held");
    let r = deputy.post(&cases_path, &case("resolved")).await;
    let second_case = location(&r);

    // The citizen answers on their own phone: nothing personal is shown, one answer only.
    let citizen = w.app.on(&new_client());
    let (s, html) = citizen.page(&link).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Phường Quảng Phú") && html.contains("Chuyển mục đích sử dụng đất"));
    for private in ["Nguyễn Ngọc Thủy", "Thửa 525", "Người cao tuổi", "phobithu"] {
        assert!(!html.contains(private), "{private} must not be shown");
    }
    let token = csrf_in(&html);
    let send = |fields: Vec<(&'static str, &str)>| {
        let mut all = fields;
        all.push(("_csrf", &token));
        citizen.client.post(app.url(&link)).form(&all).send()
    };
    let r = send(vec![("comment", "Cán bộ nhiệt tình")]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Cán bộ nhiệt tình"));
    let r = send(vec![
        ("rating", "very_satisfied"),
        ("attitude", "3"),
        ("clarity", "3"),
        ("time_taken", "2"),
        ("comment", "Cán bộ nhiệt tình"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Cảm ơn ông/bà đã đánh giá."));
    let r = send(vec![("rating", "not_satisfied")]).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        db::schema::desk_feedback::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        1
    );
    // A forged link — another case's number with this case's tag — opens nothing.
    let case_id: i64 = case_path
        .trim_start_matches("/desk/cases/")
        .parse()
        .unwrap();
    let second_id: i64 = second_case
        .trim_start_matches("/desk/cases/")
        .parse()
        .unwrap();
    let forged = link.replacen(&format!("/f/{case_id}-"), &format!("/f/{second_id}-"), 1);
    assert_eq!(citizen.page(&forged).await.0, StatusCode::NOT_FOUND);
    // An expired link says so.
    let (_, html) = deputy.page(&second_case).await;
    let second_link = feedback_path(&html);
    diesel::update(db::schema::desk_cases::table.find(second_id))
        .set(
            db::schema::desk_cases::feedback_expires_on
                .eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
        )
        .execute(&mut app.conn())
        .unwrap();
    let (s, html) = citizen.page(&second_link).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(html.contains("đã hết hạn"));

    // The escalation is followed until answered.
    let (_, html) = reader.page("/desk/escalations").await;
    assert!(html.contains("Văn phòng Đăng ký đất đai"));
    // A day written wrong comes back beside the answer as typed; nothing saved.
    let r = deputy
        .post(
            &format!("{case_path}/answer"),
            &[
                ("answer", "Đã chuyển hồ sơ sang Văn phòng"),
                ("answered_on", "31/02/2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(">Đã chuyển hồ sơ sang Văn phòng</textarea>"),
        "{html}"
    );
    assert!(html.contains("value=\"31/02/2026\""), "the day as typed");
    assert!(
        html.contains("aria-invalid=\"true\""),
        "an error beside the day"
    );
    let c = db::desk::find_case(&mut app.conn(), case_id).unwrap();
    assert_eq!(c.answered_on, None);
    let r = deputy
        .post(
            &format!("{case_path}/answer"),
            &[("answer", "Đã có văn bản trả lời"), ("answered_on", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = db::desk::find_case(&mut app.conn(), case_id).unwrap();
    assert_eq!(c.answer.as_deref(), Some("Đã có văn bản trả lời"));

    // The review counts it all, on the page and in the spreadsheet.
    let (s, html) = reader
        .page(&format!("/desk/{duty}/review?period=first_month"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("100%"), "one answer, very satisfied");
    let r = app
        .get_with(
            &reader,
            &format!("/desk/{duty}/review.xlsx?period=first_month"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(std::string::ToString::to_string).collect())
        .collect();
    let find = |label: &str| rows.iter().find(|r| r[0] == label).map(|r| r[1].clone());
    assert_eq!(find("Số ca đã trực").as_deref(), Some("1"));
    assert_eq!(find("Chuyển xử lý đã có trả lời").as_deref(), Some("1"));
    // A number (1 = 100 %), shown as a percentage by its format.
    assert_eq!(find("Tỷ lệ hài lòng").as_deref(), Some("1"));
    assert!(
        rows.iter()
            .any(|r| r[0] == "Chuyển mục đích sử dụng đất"
                && r.last().map(String::as_str) == Some("2")),
        "{rows:?}"
    );
}

/// Two managers edit the same duty from the same reading: the second save
/// writes nothing and comes back with what was typed beside what is saved;
/// saving again from the version shown overwrites knowingly.
#[tokio::test]
async fn a_duty_edited_meanwhile_shows_both_versions_and_loses_nothing() {
    let w = world().await;
    let app = &w.app;
    let manager = app.browser("capuy").await;
    let r = manager.post("/desk", &duty_fields(&w)).await;
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();
    let edit = |place: &'static str, version: &'static str| {
        let mut f = with(duty_fields(&w), "place", place);
        f.push(("version", version.into()));
        f
    };
    let first = manager
        .post(
            &format!("/desk/{duty}"),
            &edit("Hội trường UBND phường", "1"),
        )
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let r = manager
        .post(
            &format!("/desk/{duty}"),
            &edit("Nhà văn hóa tổ dân phố 5", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("vừa được người khác cập nhật"), "{html}");
    assert!(
        html.contains("<td>Nhà văn hóa tổ dân phố 5</td><td>Hội trường UBND phường</td>"),
        "the place typed beside the place saved: {html}"
    );
    assert!(
        !html.contains("<td>Đang hoạt động</td>"),
        "the active box, unchanged, is no difference"
    );
    assert!(
        html.contains("value=\"Nhà văn hóa tổ dân phố 5\""),
        "what was typed stays"
    );
    assert!(html.contains("name=\"version\" value=\"2\""));
    let stored = db::desk::find(&mut app.conn(), duty).unwrap();
    assert_eq!(stored.place, "Hội trường UBND phường");
    let r = manager
        .post(
            &format!("/desk/{duty}"),
            &edit("Nhà văn hóa tổ dân phố 5", "2"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db::desk::find(&mut app.conn(), duty).unwrap().place,
        "Nhà văn hóa tổ dân phố 5"
    );
}

/// Posts a change to the duty's first shift from the version now stored.
async fn change_first(
    b: &common::Browser,
    app: &TestApp,
    duty: i64,
    action: &str,
    extra: Vec<(&'static str, String)>,
) -> reqwest::Response {
    let s = &shifts(app, duty)[0];
    let mut f: Vec<(&str, String)> = vec![
        ("action", action.into()),
        ("version", s.version.to_string()),
    ];
    f.extend(extra);
    b.post(&format!("/desk/shifts/{}/change", s.id), &f).await
}

/// Who was mailed about swaps, in order: (user, step).
fn swap_mail(app: &TestApp) -> Vec<(i64, String)> {
    use db::schema::outbox;
    outbox::table
        .filter(outbox::kind.eq("desk_swap"))
        .order(outbox::id)
        .select((outbox::user_id, outbox::payload))
        .load::<(Option<i64>, String)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(u, p)| {
            let p: serde_json::Value = serde_json::from_str(&p).unwrap();
            (u.unwrap(), p["args"]["when"].as_str().unwrap().to_string())
        })
        .collect()
}

/// A swap is agreed by both officials: asked of a named colleague with a
/// reason, seen by the colleague on the shift, on the desk page and by mail,
/// declined or accepted by them, withdrawn by the asker while open. Each
/// step is told to those concerned (the desk's manager once agreed) and
/// audited; nobody else answers for the colleague.
#[tokio::test]
async fn a_swap_is_agreed_by_both_officials_and_those_concerned_are_told() {
    let w = world().await;
    let app = &w.app;
    let committee = db::users::find_by_username(&mut app.conn(), "capuy")
        .unwrap()
        .unwrap()
        .id;
    for (id, name) in [
        (w.secretary, "Nguyễn Văn Bí"),
        (w.deputy, "Trần Thị Phó"),
        (committee, "Lê Văn Cấp"),
    ] {
        app.set_email(id, name, &format!("u{id}@quangphu.test"), "vi");
    }
    let manager = app.browser("capuy").await;
    let secretary = app.browser("bithu").await;
    let deputy = app.browser("phobithu").await;
    let reader = app.browser("xem").await;
    let r = manager.post("/desk", &duty_fields(&w)).await;
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();
    let shift = shifts(app, duty)[0].id;
    assert_eq!(shifts(app, duty)[0].official_id, w.secretary);

    // Asked of nobody: the form comes back with the reason as typed.
    let reason = || ("reason", "Đi học lớp bồi dưỡng".to_string());
    let r = change_first(&secretary, app, duty, "swap", vec![reason()]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"swap-with-error\""), "{html}");
    assert!(html.contains("value=\"Đi học lớp bồi dưỡng\""));
    // Nor of oneself.
    let me = ("official_id", w.secretary.to_string());
    let r = change_first(&secretary, app, duty, "swap", vec![reason(), me]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(shifts(app, duty)[0].swap_requested_by, None);
    assert!(swap_mail(app).is_empty());

    // Asked of the deputy, who sees it on the shift, on the desk page and by mail.
    let of_deputy = || ("official_id", w.deputy.to_string());
    let ask = |b| {
        let extra = vec![reason(), of_deputy()];
        let b: &common::Browser = b;
        async move { change_first(b, app, duty, "swap", extra).await }
    };
    assert_eq!(ask(&secretary).await.status(), StatusCode::SEE_OTHER);
    let s = &shifts(app, duty)[0];
    assert_eq!(
        (s.official_id, s.swap_requested_by, s.swap_with),
        (w.secretary, Some(w.secretary), Some(w.deputy))
    );
    assert_eq!(swap_mail(app), vec![(w.deputy, "asked".to_string())]);
    let html = deputy.page_ok(&format!("/desk/shifts/{shift}")).await;
    assert!(html.contains("Nguyễn Văn Bí đề nghị Trần Thị Phó trực thay ca này."));
    assert!(html.contains("Đi học lớp bồi dưỡng"));
    assert!(html.contains("Đồng ý trực thay") && html.contains("Từ chối"));
    let html = deputy.page_ok("/desk").await;
    assert!(html.contains("Đề nghị trực thay gửi đến tôi"));
    assert!(html.contains("Nguyễn Văn Bí đề nghị đồng chí trực thay."));
    assert!(!secretary
        .page_ok(&format!("/desk/shifts/{shift}"))
        .await
        .contains("Đồng ý trực thay"));

    // Only the colleague answers; a second request waits for the first.
    for b in [&secretary, &manager, &reader] {
        let r = change_first(b, app, duty, "accept", vec![]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let html = secretary.follow(ask(&secretary).await).await;
    assert!(html.contains("Ca này đang có đề nghị đổi ca chờ trả lời."));

    // Declined: the shift stays the asker's, who is told.
    let why = ("reason", "Trùng lịch tiếp xúc cử tri".to_string());
    let r = change_first(&deputy, app, duty, "decline", vec![why]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = &shifts(app, duty)[0];
    assert_eq!(
        (s.official_id, s.swap_requested_by, s.swap_with),
        (w.secretary, None, None)
    );
    assert_eq!(swap_mail(app)[1], (w.secretary, "declined".to_string()));
    let html = deputy
        .follow(change_first(&deputy, app, duty, "accept", vec![]).await)
        .await;
    assert!(html.contains("Ca này không có đề nghị đổi ca nào đang chờ trả lời."));
    assert_eq!(shifts(app, duty)[0].official_id, w.secretary);

    // Withdrawn while open: the colleague is told, and can no longer accept.
    ask(&secretary).await;
    let r = change_first(&secretary, app, duty, "withdraw", vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(shifts(app, duty)[0].swap_with, None);
    assert_eq!(
        swap_mail(app)[2..],
        [
            (w.deputy, "asked".to_string()),
            (w.deputy, "withdrawn".to_string())
        ]
    );

    // Accepted: the shift is the deputy's; both and the manager are told.
    ask(&secretary).await;
    let r = change_first(&deputy, app, duty, "accept", vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = &shifts(app, duty)[0];
    assert_eq!(
        (s.official_id, s.swap_requested_by, s.swap_with),
        (w.deputy, None, None)
    );
    let mut accepted: Vec<i64> = swap_mail(app)
        .into_iter()
        .filter(|(_, when)| when == "accepted")
        .map(|(u, _)| u)
        .collect();
    accepted.sort_unstable();
    let mut expected = vec![w.secretary, w.deputy, committee];
    expected.sort_unstable();
    assert_eq!(accepted, expected);
    assert!(deputy
        .page_ok(&format!("/desk/shifts/{shift}"))
        .await
        .contains("Ghi nhận trường hợp công dân"));

    // Every step is in the audit log.
    use db::schema::audit_log;
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("desk_shift"))
        .filter(audit_log::entity_id.eq(shift))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        actions,
        [
            "request_swap",
            "decline_swap",
            "request_swap",
            "withdraw_swap",
            "request_swap",
            "accept_swap"
        ]
    );
}

/// A shift whose day passed without being marked held shows as missed: on
/// the rota, on its page, in the review's counts and in the API; it is no
/// longer swapped.
#[tokio::test]
async fn a_shift_not_held_by_its_day_shows_as_missed() {
    use chrono::Datelike;
    let w = world().await;
    let app = &w.app;
    let manager = app.browser("capuy").await;
    let deputy = app.browser("phobithu").await;
    let r = manager.post("/desk", &duty_fields(&w)).await;
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();
    let rota = shifts(app, duty);
    // Two shifts moved into the past: one never marked, one held.
    let today = danvan::domain::format::today();
    let missed_day = today - chrono::Duration::days(14);
    let held_day = today - chrono::Duration::days(21);
    {
        use db::schema::desk_shifts as s;
        let mut conn = app.conn();
        diesel::update(s::table.find(rota[1].id))
            .set(s::on_date.eq(missed_day))
            .execute(&mut conn)
            .unwrap();
        diesel::update(s::table.find(rota[2].id))
            .set((s::on_date.eq(held_day), s::status.eq("held")))
            .execute(&mut conn)
            .unwrap();
    }
    let html = manager.page_ok(&format!("/desk/{duty}")).await;
    let past = &html[html.find("Các ca đã qua").unwrap()..];
    assert!(
        past.contains("Không trực") && past.contains("Đã trực"),
        "{past}"
    );
    let html = deputy
        .page_ok(&format!("/desk/shifts/{}", rota[1].id))
        .await;
    assert!(html.contains("Không trực"));
    assert_eq!(
        shifts(app, duty)[1].status,
        "planned",
        "derived, not stored"
    );

    // A missed shift no longer changes hands.
    let v = shifts(app, duty)[1].version.to_string();
    let html = deputy
        .follow(
            deputy
                .post(
                    &format!("/desk/shifts/{}/change", rota[1].id),
                    &[
                        ("action", "swap".to_string()),
                        ("version", v),
                        ("reason", "Ốm".to_string()),
                        ("official_id", w.secretary.to_string()),
                    ],
                )
                .await,
        )
        .await;
    assert!(html.contains("Chỉ đổi được ca còn theo lịch và chưa qua ngày trực."));
    assert_eq!(shifts(app, duty)[1].swap_requested_by, None);

    // The review of the quarter counts it.
    let quarter = |d: chrono::NaiveDate| format!("{}-q{}", d.year(), (d.month() - 1) / 3 + 1);
    let mut missed = 0;
    let mut held = 0;
    for q in [quarter(missed_day), quarter(held_day)]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
    {
        let r = app
            .get_with(&manager, &format!("/desk/{duty}/review.xlsx?period={q}"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(
            r.bytes().await.unwrap().to_vec(),
        ))
        .unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let value = |label: &str| -> i64 {
            sheet
                .rows()
                .find(|r| r[0] == label)
                .map(|r| r[1].to_string().parse().unwrap())
                .unwrap_or_else(|| panic!("{label} in the review"))
        };
        missed += value("Số ca không trực");
        held += value("Số ca đã trực");
    }
    assert_eq!((missed, held), (1, 1));

    // The API says so too.
    let token = common::token_for(app, w.deputy);
    let r = new_client()
        .get(app.url(&format!("/api/v1/desk/shifts/{}", rota[1].id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["status"], "missed");
    let r = new_client()
        .get(app.url(&format!(
            "/api/v1/desk/duties/{duty}/shifts?from={}&to={}",
            held_day, today
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = r.json().await.unwrap();
    let statuses: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(&statuses[..2], ["held", "missed"]);
}

/// An escalation's answer is dated today or before, never later: the page
/// says so beside the day as typed, the API answers 422; nothing is saved.
#[tokio::test]
async fn an_escalations_answer_cannot_be_dated_in_the_future() {
    let w = world().await;
    let app = &w.app;
    let manager = app.browser("capuy").await;
    let secretary = app.browser("bithu").await;
    let r = manager.post("/desk", &duty_fields(&w)).await;
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();
    let shift = shifts(app, duty)[0].id;
    let procedure = db::schema::desk_procedures::table
        .filter(db::schema::desk_procedures::code.eq("land_use_change"))
        .select(db::schema::desk_procedures::id)
        .first::<i64>(&mut app.conn())
        .unwrap()
        .to_string();
    let r = secretary
        .post(
            &format!("/desk/shifts/{shift}/cases"),
            &[
                ("procedure_id", procedure),
                ("note", "Hồ sơ chuyển mục đích".to_string()),
                ("outcome", "escalated".to_string()),
                ("escalated_to", "Văn phòng Đăng ký đất đai".to_string()),
                ("due_on", "01/01/2030".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case_path = location(&r);
    let case_id: i64 = case_path
        .trim_start_matches("/desk/cases/")
        .parse()
        .unwrap();
    let today = danvan::domain::format::today();
    let tomorrow = today + chrono::Duration::days(1);

    let typed = danvan::domain::format::date(tomorrow);
    let r = secretary
        .post(
            &format!("{case_path}/answer"),
            &[
                ("answer", "Đã có văn bản trả lời"),
                ("answered_on", typed.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ngày không được sau hôm nay."), "{html}");
    assert!(
        html.contains(&format!("value=\"{typed}\"")),
        "the day as typed"
    );
    assert!(html.contains(">Đã có văn bản trả lời</textarea>"));
    assert_eq!(
        db::desk::find_case(&mut app.conn(), case_id)
            .unwrap()
            .answered_on,
        None
    );

    let token = common::token_for(app, w.secretary);
    let answer = |on: chrono::NaiveDate| {
        new_client()
            .post(app.url(&format!("/api/v1/desk/cases/{case_id}/answer")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"answer": "Đã có văn bản trả lời", "answered_on": on}))
            .send()
    };
    let r = answer(tomorrow).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        json["error"]["fields"]["answered_on"]["code"],
        "future-date"
    );
    assert_eq!(
        db::desk::find_case(&mut app.conn(), case_id)
            .unwrap()
            .answered_on,
        None
    );
    let r = answer(today).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        db::desk::find_case(&mut app.conn(), case_id)
            .unwrap()
            .answered_on,
        Some(today)
    );
}

/// The text of an HTML fragment, as a reader sees it.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x3D;", "=")
        .replace("&#x60;", "`")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Every menu entry opens a page whose title says the same thing (the
/// menu may say it shorter), in both languages; the desk is the citizen
/// support desk, not the complaints reception ("tiếp dân") of the Law on
/// Citizen Reception.
#[tokio::test]
async fn menu_names_agree_with_the_titles_of_the_pages_they_open() {
    let app = spawn().await;
    app.as_admin().await;
    let admin = app.on(&app.client);
    for lang in ["vi", "en"] {
        admin
            .post("/language", &[("lang", lang), ("next", "/")])
            .await;
        let home = admin.page_ok("/").await;
        let nav = &home[home.find("<nav").unwrap()..home.find("</nav>").unwrap()];
        let mut entries = Vec::new();
        for part in nav.split("<a href=\"").skip(1) {
            let href = part[..part.find('"').unwrap()].to_string();
            let label = text_of(&part[part.find('>').unwrap() + 1..part.find("</a>").unwrap()]);
            entries.push((href, label));
        }
        assert!(entries.len() >= 15, "{entries:?}");
        for (href, label) in &entries {
            let html = admin.page_ok(href).await;
            let title =
                text_of(&html[html.find("<title>").unwrap()..html.find("</title>").unwrap()]);
            let title = title.rsplit_once(" · ").map_or(title.as_str(), |(t, _)| t);
            assert!(
                title.to_lowercase().contains(&label.to_lowercase()),
                "{lang}: the menu's “{label}” opens {href}, titled “{title}”"
            );
        }
        let labels: Vec<&str> = entries.iter().map(|(_, l)| l.as_str()).collect();
        if lang == "vi" {
            for expected in ["Trực hỗ trợ công dân", "Hộ đến hạn vận động"] {
                assert!(labels.contains(&expected), "{labels:?}");
            }
            assert!(
                !labels.iter().any(|l| l.to_lowercase().contains("tiếp dân")),
                "{labels:?}"
            );
        }
    }
}

/// The officials picker lists at most 50 of those who reach the unit and
/// finds anyone else by name, saving nothing; escalations are listed a page
/// at a time.
#[tokio::test]
async fn the_officials_picker_is_bounded_and_escalations_are_paged() {
    let w = world().await;
    let crowd = w
        .app
        .crowd("canbo", "Bùi Văn", 60, w.ward, &[(Role::Viewer, w.ward)]);
    let tuyet = w.app.user("tuyet.nt", w.ward, &[(Role::Viewer, w.ward)]);
    w.app
        .set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "tuyet@quangphu.test", "vi");
    let manager = w.app.browser("capuy").await;
    let form = manager.page_ok("/desk/new").await;
    let offered = common::options_of(&form, "officials");
    assert_eq!(offered.len(), 50);
    assert!(!form.contains("Nguyễn Thị Ánh Tuyết"));
    let duties = || db::desk::all(&mut w.app.conn()).unwrap().len();

    let mut finding = duty_fields(&w);
    finding.push(("find", "ANH TUYET".into()));
    finding.push(("finding", "1".into()));
    let r = manager.post("/desk", &finding).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_eq!(duties(), 0, "nothing saved");
    let offered = common::options_of(&html, "officials");
    // The two chosen first, in turn order, then those found.
    let values: Vec<&str> = offered.iter().map(|(v, _, _)| v.as_str()).collect();
    assert_eq!(
        values,
        [
            w.secretary.to_string(),
            w.deputy.to_string(),
            tuyet.to_string()
        ]
    );
    assert!(offered[0].2 && offered[1].2 && !offered[2].2);

    // Anyone who reaches the unit may be an official, listed or not.
    let unlisted = crowd.last().unwrap().to_string();
    let mut fields = duty_fields(&w);
    fields.push(("officials", unlisted));
    let r = manager.post("/desk", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let duty: i64 = location(&r).trim_start_matches("/desk/").parse().unwrap();

    // 55 escalations: 50 on the first page, 5 on the second.
    let shift = shifts(&w.app, duty).remove(0);
    let procedure = db::lists::desk_procedures::all(&mut w.app.conn()).unwrap()[0].id;
    let mut conn = w.app.conn();
    for i in 1..=55 {
        let f = db::desk::CaseFields {
            procedure_id: procedure,
            citizen_name: format!("Công dân {i:02}"),
            priority_groups: String::new(),
            note: format!("Kiến nghị chuyển lên số {i:02}"),
            outcome: danvan::domain::desk::Outcome::Escalated,
            escalated_to: Some("UBND quận".into()),
            due_on: Some(danvan::domain::format::today()),
        };
        db::desk::add_case(&mut conn, &shift, w.ward, &f, w.secretary, shift.on_date).unwrap();
    }
    let first = manager.page_ok("/desk/escalations").await;
    let second = manager.page_ok("/desk/escalations?page=2").await;
    let count = |html: &str| html.matches("Kiến nghị chuyển lên số").count();
    assert_eq!((count(&first), count(&second)), (50, 5));
    assert!(first.contains("rel=\"next\""));
}
