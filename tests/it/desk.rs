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
    assert!(
        ics.contains("Đồng chí bithu") && ics.contains("T003000Z"),
        "07:30 in Vietnam is 00:30 UTC: {ics}"
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

    // The secretary asks to swap the first shift; the manager puts the deputy on it.
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
    let html = secretary
        .follow(
            secretary
                .post(&path, &change("swap", &[("reason", "".into())]))
                .await,
        )
        .await;
    assert!(html.contains("Cần ghi lý do đổi ca"));
    secretary
        .follow(
            secretary
                .post(&path, &change("swap", &[("reason", "Họp Thành ủy".into())]))
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
    manager
        .follow(
            manager
                .post(
                    &path,
                    &change("assign", &[("official_id", w.deputy.to_string())]),
                )
                .await,
        )
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
