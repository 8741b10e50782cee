//! Recommendations through the real server: an inspection visit raises a
//! recommendation with a working-day deadline, the department answers with a
//! file (bad files refused), the commune reopens once and accepts, another is
//! transferred and extended; statistics per body; the holiday calendar; targets.

use crate::common;

use common::smtp::SmtpSink;
use common::{location, spawn, Browser, TestApp};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::{multipart, StatusCode};

/// A small PDF as a program writes it: objects, a cross-reference table
/// where `startxref` says, and `%%EOF`.
fn minimal_pdf(text: &str) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let obj = pdf.len();
    pdf.extend_from_slice(
        format!("1 0 obj\n<< /Type /Catalog /Title ({text}) >>\nendobj\n").as_bytes(),
    );
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n0 2\n0000000000 65535 f \n{obj:010} 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    pdf
}

fn rec(app: &TestApp, id: i64) -> db::recommendations::Recommendation {
    db::recommendations::find(&mut app.conn(), id).unwrap()
}

/// Posts the answer form (multipart, CSRF in the query like the page does).
async fn answer(
    app: &TestApp,
    c: &Browser,
    id: i64,
    text: &str,
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let token = app.csrf_of(c).await;
    let mut form = multipart::Form::new()
        .text("version", rec(app, id).version.to_string())
        .text("answer", text.to_string())
        .text("answered_on", "");
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    c.client
        .post(app.url(&format!("/recommendations/{id}/answer?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_recommendation_is_raised_answered_reopened_once_and_accepted() {
    let sink = SmtpSink::start();
    let app = common::spawn_mailing(&sink).await;
    app.as_admin().await;
    let province = app.unit(app.root, UnitKind::Province, "Tỉnh Nghệ An");
    let commune = app.unit(province, UnitKind::Commune, "Xã Hưng Nguyên Nam");
    let department = app.unit(
        province,
        UnitKind::Department,
        "Sở Nông nghiệp và Môi trường",
    );
    let finance = app.unit(province, UnitKind::Department, "Sở Tài chính");
    let other = app.unit(province, UnitKind::Commune, "Xã Lam Thành");
    app.user("tocongtac", province, &[(Role::Committee, province)]);
    let xa = app.user("xa", commune, &[(Role::Committee, commune)]);
    app.set_email(xa, "Phan Văn Nam", "xa@hungnguyennam.test", "vi");
    let so = app.user("so", department, &[(Role::Committee, department)]);
    app.set_email(so, "Hồ Thị Lan", "so@nghean.test", "vi");
    app.user("xem.lamthanh", other, &[(Role::Viewer, other)]);
    let group = app.browser("tocongtac").await;
    let raiser = app.browser("xa").await;
    let body = app.browser("so").await;
    let outsider = app.browser("xem.lamthanh").await;

    // The department has 5 working days; 20/10/2025 is made a holiday for the test.
    let r = app
        .post(
            "/admin/calendar",
            &[
                ("action", "days"),
                ("unit_id", &department.to_string()),
                ("days", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post(
            "/admin/calendar",
            &[
                ("action", "set"),
                ("date", "20/10/2025"),
                ("kind", "holiday"),
                ("name", "Nghỉ thử"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post(
            "/admin/calendar",
            &[
                ("action", "set"),
                ("date", "31/02/2025"),
                ("kind", "holiday"),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        raiser.page("/admin/calendar").await.0,
        StatusCode::FORBIDDEN
    );

    // The working group records its visit and raises a recommendation from it.
    let visit = |members: &str| {
        vec![
            ("by_unit_id", province.to_string()),
            ("unit_id", commune.to_string()),
            ("visited_on", "15/10/2025".to_string()),
            ("members", members.to_string()),
            (
                "figures",
                "Từ 01/7 đến 30/9/2025 tiếp nhận 2.699 hồ sơ".to_string(),
            ),
            (
                "findings",
                "Người dân phản ánh chậm cấp đổi giấy chứng nhận".to_string(),
            ),
        ]
    };
    let r = group.post("/inspections", &visit("")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("2.699 hồ sơ"),
        "typed values kept"
    );
    let r = group
        .post(
            "/inspections",
            &visit("Phó Chủ tịch Thường trực UBND tỉnh; lãnh đạo các sở"),
        )
        .await;
    let inspection = location(&r);
    let iid = inspection.trim_start_matches("/inspections/").to_string();
    let (_, html) = group
        .page(&format!("/recommendations/new?inspection_id={iid}"))
        .await;
    assert!(
        html.contains("value=\"15/10/2025\""),
        "the form starts from the visit"
    );
    let raise = |to: i64, content: &str| {
        vec![
            ("inspection_id", iid.clone()),
            ("from_unit_id", commune.to_string()),
            ("to_unit_id", to.to_string()),
            ("field", "land_certificates".to_string()),
            ("content", content.to_string()),
            ("raised_on", "15/10/2025".to_string()),
        ]
    };
    let r = group.post("/recommendations", &raise(commune, "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Chọn cơ quan khác.") && html.contains("Không được để trống."));
    assert_eq!(
        outsider
            .post("/recommendations", &raise(department, "x"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = group
        .post(
            "/recommendations",
            &raise(
                department,
                "Đẩy nhanh cấp đổi giấy chứng nhận quyền sử dụng đất",
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&r)
        .trim_start_matches("/recommendations/")
        .parse()
        .unwrap();
    // Wed 15/10 + 5 working days: 16, 17, (weekend), 20 is a holiday, 21, 22, 23.
    assert_eq!(rec(&app, id).due_on.to_string(), "2025-10-23");
    let (_, html) = raiser.page(&format!("/recommendations/{id}")).await;
    assert!(
        html.contains("23/10/2025") && html.contains("Nghỉ thử"),
        "the page shows how the date was reached"
    );
    assert_eq!(
        outsider.page(&format!("/recommendations/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    // The dispatch that sends it, from the raising unit only.
    let path = format!("/documents/dispatch/{id}");
    assert!(raiser
        .page_ok(&format!("/recommendations/{id}"))
        .await
        .contains(&path));
    let (s, html) = group.page(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("V/v đề nghị trả lời kiến nghị") && html.contains("23/10/2025"),
        "{html}"
    );
    assert_eq!(outsider.page(&path).await.0, StatusCode::FORBIDDEN);
    let bytes = crate::documents::docx(&app, &group, &path, &[]).await;
    if let Some(texts) = crate::documents::as_laid_out(&[("dispatch", bytes)]) {
        let text = &texts[0];
        let flat: String = text.split_whitespace().collect();
        for part in [
            "CỘNGHÒAXÃHỘICHỦNGHĨAVIỆTNAM",
            "V/vđềnghịtrảlờikiếnnghị",
            "Kínhgửi",
            "Đẩynhanhcấpđổigiấychứngnhận",
            "23/10/2025",
            "-Lưu:VT.",
        ] {
            assert!(flat.contains(part), "{part}: {text}");
        }
        let lines: Vec<&str> = text.lines().collect();
        let number = lines.iter().position(|l| l.contains("Số: 27/")).unwrap();
        assert!(
            lines[number + 1].contains("V/v"),
            "the subject under the number: {text}"
        );
    }

    // Answers: only the body answers; bad files are refused, nothing changes.
    assert_eq!(
        answer(&app, &raiser, id, "x", None).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = answer(
        &app,
        &body,
        id,
        "Đã chỉ đạo Văn phòng Đăng ký đất đai",
        Some(("virus.exe", b"MZ....".to_vec())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Chỉ nhận tệp PDF"));
    assert!(
        html.contains("Đã chỉ đạo Văn phòng Đăng ký đất đai"),
        "typed answer kept"
    );
    let r = answer(
        &app,
        &body,
        id,
        "x",
        Some(("tra-loi.pdf", b"<html><script>alert(1)</script>".to_vec())),
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Nội dung tệp không đúng với loại tệp."));
    // An executable behind a PDF header is refused: no trailer, no
    // cross-reference where it says.
    let mut exe = b"%PDF-1.7\nMZ\x90\x00\x03".to_vec();
    exe.extend_from_slice(&[0u8; 4096]);
    exe.extend_from_slice(b"startxref\n9\n%%EOF\n");
    let r = answer(&app, &body, id, "x", Some(("tra-loi.pdf", exe))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let pdf = minimal_pdf("Công văn số 123");
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'a');
    let r = answer(&app, &body, id, "x", Some(("lon.pdf", big))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Tệp quá lớn"));
    assert_eq!(rec(&app, id).status, "open");
    let r = answer(
        &app,
        &body,
        id,
        "Đã chỉ đạo Văn phòng Đăng ký đất đai giải quyết",
        Some(("../Công văn 123.pdf", pdf.clone())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let answered = rec(&app, id);
    assert_eq!(answered.status, "answered");
    // The raising commune hears of the answer by mail; the refused tries sent nothing.
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt, ["xa@hungnguyennam.test"]);
    assert!(
        got[0]
            .subject
            .starts_with("Sở Nông nghiệp và Môi trường đã trả lời kiến nghị: "),
        "{}",
        got[0].subject
    );
    assert!(got[0]
        .text
        .contains("Nội dung trả lời: Đã chỉ đạo Văn phòng Đăng ký đất đai giải quyết"));
    assert!(got[0].text.contains(&format!("/recommendations/{id}")));
    let attachment = answered.answer_attachment_id.unwrap();
    let r = app
        .get_with(&raiser, &format!("/attachments/{attachment}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(disposition, "attachment; filename=\"cong_van_123.pdf\"");
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    assert_eq!(
        app.get_with(&outsider, &format!("/attachments/{attachment}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The commune reopens once, with a reason; then accepts the second answer.
    let reopen = |reason: &str| {
        vec![
            ("version", rec(&app, id).version.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    assert_eq!(
        body.post(&format!("/recommendations/{id}/reopen"), &reopen("x"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = raiser
        .post(&format!("/recommendations/{id}/reopen"), &reopen(""))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = raiser
        .post(
            &format!("/recommendations/{id}/reopen"),
            &reopen("Chưa nêu thời hạn giải quyết"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reopened = rec(&app, id);
    assert_eq!(
        (reopened.status.as_str(), reopened.reopened),
        ("open", true)
    );
    answer(&app, &body, id, "Hoàn thành trong tháng 11/2025", None).await;
    let html = raiser
        .follow(
            raiser
                .post(&format!("/recommendations/{id}/reopen"), &reopen("lần hai"))
                .await,
        )
        .await;
    assert!(
        html.contains("thay đổi của bạn chưa được lưu"),
        "reopened once only"
    );
    let r = raiser
        .post(
            &format!("/recommendations/{id}/accept"),
            &[("version", rec(&app, id).version.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(rec(&app, id).status, "accepted");
    let events = db::recommendations::events(&mut app.conn(), id).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["raised", "answered", "reopened", "answered", "accepted"]
    );

    // Another one is transferred, then extended with a reason.
    let r = group
        .post(
            "/recommendations",
            &raise(department, "Bố trí kinh phí sửa chữa trụ sở dôi dư"),
        )
        .await;
    let second: i64 = location(&r)
        .trim_start_matches("/recommendations/")
        .parse()
        .unwrap();
    let v = || rec(&app, second).version.to_string();
    let r = body
        .post(
            &format!("/recommendations/{second}/transfer"),
            &[
                ("version", v()),
                ("to_unit_id", finance.to_string()),
                ("reason", "".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = body
        .post(
            &format!("/recommendations/{second}/transfer"),
            &[
                ("version", v()),
                ("to_unit_id", finance.to_string()),
                ("reason", "Thuộc thẩm quyền Sở Tài chính".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The department no longer sees it: back to its list, not to a 403.
    assert_eq!(location(&r), "/recommendations");
    assert_eq!(rec(&app, second).to_unit_id, finance);
    assert_eq!(
        body.post(
            &format!("/recommendations/{second}/extend"),
            &[
                ("version", v()),
                ("due_on", "01/01/2030".into()),
                ("reason", "x".into())
            ]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN,
        "no longer the department's"
    );
    app.user("taichinh", finance, &[(Role::Committee, finance)]);
    let treasury = app.browser("taichinh").await;
    let r = treasury
        .post(
            &format!("/recommendations/{second}/extend"),
            &[
                ("version", v()),
                ("due_on", "01/01/2020".into()),
                ("reason", "Chờ dự toán".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = treasury
        .post(
            &format!("/recommendations/{second}/extend"),
            &[
                ("version", v()),
                ("due_on", "01/01/2030".into()),
                ("reason", "Chờ dự toán".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(rec(&app, second).due_on.to_string(), "2030-01-01");
    // An extension sent from the page as read before that one saves
    // nothing and loses nothing: the page as it is now, with what was typed
    // beside what is saved, the form keeping it.
    let read_before = (rec(&app, second).version - 1).to_string();
    let r = treasury
        .post(
            &format!("/recommendations/{second}/extend"),
            &[
                ("version", read_before),
                ("due_on", "15/02/2030".into()),
                ("reason", "Chờ Hội đồng nhân dân tỉnh phê duyệt".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<td>Hạn mới</td><td>15/02/2030</td><td>01/01/2030</td>"),
        "{html}"
    );
    assert!(html.contains("<td>Lý do</td><td>Chờ Hội đồng nhân dân tỉnh phê duyệt</td><td></td>"));
    assert!(
        html.contains("value=\"15/02/2030\""),
        "the form keeps what was typed"
    );
    assert_eq!(rec(&app, second).due_on.to_string(), "2030-01-01");

    // Statistics per responding body.
    let (s, html) = group
        .page("/recommendations/stats?from=01/01/2025&to=31/12/2025")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Sở Nông nghiệp và Môi trường") && html.contains("Sở Tài chính"));
    let r = app
        .get_with(
            &group,
            "/recommendations/stats.xlsx?from=01/01/2025&to=31/12/2025",
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
    let dept = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("Sở Nông nghiệp và Môi trường"))
        .unwrap();
    assert_eq!(
        (dept[2].as_str(), dept[3].as_str()),
        ("1", "1"),
        "one received, one answered: {rows:?}"
    );
}

#[tokio::test]
async fn annual_targets_count_met_and_exceeded_with_their_history() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    let committee = app.browser("capuy").await;
    let viewer = app.browser("xem").await;
    let add = |name: &str, planned: &str| {
        vec![
            ("unit_id", ward.to_string()),
            ("year", "2023".to_string()),
            ("name", name.to_string()),
            ("planned", planned.to_string()),
            ("measure", "%".to_string()),
        ]
    };
    let r = committee
        .post("/targets", &add("Tỷ lệ hộ gia đình văn hóa", "nhiều"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("value=\"Tỷ lệ hộ gia đình văn hóa\""));
    // A year out of range (only reachable by editing the address) is said,
    // not silently dropped.
    let mut far = add("Thu ngân sách", "100");
    far.retain(|(k, _)| *k != "year");
    far.push(("year", "1990".into()));
    let r = committee.post("/targets", &far).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("1990: Năm không hợp lệ."));
    assert_eq!(
        viewer.post("/targets", &add("x", "1")).await.status(),
        StatusCode::FORBIDDEN
    );
    committee
        .post("/targets", &add("Tỷ lệ hộ gia đình văn hóa", "90"))
        .await;
    committee
        .post("/targets", &add("Thu ngân sách", "100"))
        .await;
    let targets = db::recommendations::targets_of(&mut app.conn(), ward, 2023).unwrap();
    let set = |t: &db::recommendations::Target, v: &str| {
        vec![
            ("actual", v.to_string()),
            (
                "version",
                db::recommendations::find_target(&mut app.conn(), t.id)
                    .unwrap()
                    .version
                    .to_string(),
            ),
        ]
    };
    committee
        .post(
            &format!("/targets/{}", targets[0].id),
            &set(&targets[0], "85"),
        )
        .await;
    committee
        .post(
            &format!("/targets/{}", targets[0].id),
            &set(&targets[0], "92,5"),
        )
        .await;
    committee
        .post(
            &format!("/targets/{}", targets[1].id),
            &set(&targets[1], "100"),
        )
        .await;
    let r = committee
        .post(
            &format!("/targets/{}", targets[1].id),
            &set(&targets[1], "abc"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A figure sent from the page as read before another was recorded
    // saves nothing: the row shows the figure saved, the field keeps the
    // one typed, with the form now at the version saved.
    let r = committee
        .post(
            &format!("/targets/{}", targets[0].id),
            &[
                ("actual", "97,25".to_string()),
                ("version", "1".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"97,25\""), "{html}");
    assert!(html.contains("vừa được người khác cập nhật"));
    let saved = db::recommendations::find_target(&mut app.conn(), targets[0].id).unwrap();
    assert!(html.contains(&format!("name=\"version\" value=\"{}\"", saved.version)));
    assert_eq!(saved.actual.map(|a| a.to_string()).as_deref(), Some("92.5"));
    let (s, html) = viewer
        .page(&format!("/targets?unit={ward}&year=2023"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("2/2 chỉ tiêu đạt, 1 vượt"), "{html}");
    assert!(
        html.contains("85") && html.contains("92,5"),
        "history of actual values"
    );
    assert_eq!(
        viewer
            .post(
                &format!("/targets/{}", targets[0].id),
                &set(&targets[0], "1")
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// The inspection a recommendation comes from is a hidden field: another
/// province's committee may not name it, and an id that does not exist is
/// a field error, not a server error.
#[tokio::test]
async fn a_recommendation_names_only_an_inspection_its_author_may_raise_from() {
    let app = spawn().await;
    let nghe_an = app.unit(app.root, UnitKind::Province, "Tỉnh Nghệ An");
    let xa = app.unit(nghe_an, UnitKind::Commune, "Xã Hưng Nguyên Nam");
    let so = app.unit(
        nghe_an,
        UnitKind::Department,
        "Sở Nông nghiệp và Môi trường",
    );
    let quang_ngai = app.unit(app.root, UnitKind::Province, "Tỉnh Quảng Ngãi");
    let phu = app.unit(quang_ngai, UnitKind::Commune, "Xã Quảng Phú");
    let so_qn = app.unit(quang_ngai, UnitKind::Department, "Sở Tài chính Quảng Ngãi");
    app.user("tocongtac", nghe_an, &[(Role::Committee, nghe_an)]);
    app.user("bithu.quangphu", phu, &[(Role::Committee, phu)]);
    let group = app.browser("tocongtac").await;
    let other = app.browser("bithu.quangphu").await;
    let r = group
        .post(
            "/inspections",
            &[
                ("by_unit_id", nghe_an.to_string()),
                ("unit_id", xa.to_string()),
                ("visited_on", "15/10/2025".to_string()),
                ("members", "Phó Chủ tịch UBND tỉnh".to_string()),
                ("figures", "".to_string()),
                ("findings", "Chậm cấp đổi giấy chứng nhận".to_string()),
            ],
        )
        .await;
    let iid = location(&r).trim_start_matches("/inspections/").to_string();
    let _ = so;

    let (status, _) = other.page(&format!("/inspections/{iid}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = other
        .page(&format!("/recommendations/new?inspection_id={iid}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nothing of it is shown");
    assert!(!html.contains("15/10/2025"));

    let raise = |inspection: &str| {
        vec![
            ("inspection_id", inspection.to_string()),
            ("from_unit_id", phu.to_string()),
            ("to_unit_id", so_qn.to_string()),
            ("field", "land_certificates".to_string()),
            ("content", "Đề nghị đẩy nhanh cấp đổi".to_string()),
            ("raised_on", "16/10/2025".to_string()),
        ]
    };
    for bad in [
        iid.as_str(),
        "-1",
        "0",
        "999999",
        "99999999999999999999",
        "abc",
    ] {
        let r = other.post("/recommendations", &raise(bad)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Không ghi được kiến nghị vào đợt giám sát này"),
            "{bad}"
        );
        assert!(
            html.contains("Đề nghị đẩy nhanh cấp đổi"),
            "typed values kept"
        );
    }
    assert!(db::recommendations::all(&mut app.conn())
        .unwrap()
        .is_empty());
    let iid_n: i64 = iid.parse().unwrap();
    assert!(db::recommendations::of_inspection(&mut app.conn(), iid_n)
        .unwrap()
        .is_empty());
    // Sent again as the page then offers it, without the inspection, it is saved.
    let r = other.post("/recommendations", &raise("")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(db::recommendations::all(&mut app.conn()).unwrap().len(), 1);
}

/// Issue 30: a target has a direction (a poverty rate of 0,5 % against a
/// plan of 0 % is not met, nor "exceeded"), a range is met between its
/// bounds, each value is as of a date of the target's year (a past year's
/// by default its 31st of December, not today), and the summary line, the
/// page and the API count by the same verdict.
#[tokio::test]
async fn targets_follow_their_direction_and_values_are_dated_as_of() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let me = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let committee = app.browser("capuy").await;
    let add = |name: &str, direction: &str, planned: &str, max: &str| {
        vec![
            ("unit_id", ward.to_string()),
            ("year", "2023".to_string()),
            ("name", name.to_string()),
            ("direction", direction.to_string()),
            ("planned", planned.to_string()),
            ("planned_max", max.to_string()),
            ("measure", "%".to_string()),
        ]
    };
    // A range whose top is below its bottom is refused, as typed.
    let r = committee
        .post(
            "/targets",
            &add("Tỷ lệ tăng dân số tự nhiên", "range", "1,5", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Số lớn nhất của khoảng không được nhỏ hơn số nhỏ nhất."));
    assert!(html.contains("value=\"Tỷ lệ tăng dân số tự nhiên\""));
    assert!(html.contains("value=\"range\" selected"), "direction kept");
    let r = committee
        .post("/targets", &add("Tỷ lệ hộ nghèo", "sideways", "0", ""))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for (name, direction, planned, max) in [
        ("Tỷ lệ hộ nghèo", "lower_better", "0", ""),
        ("Tỷ lệ hộ gia đình văn hóa", "higher_better", "90", ""),
        ("Tỷ lệ tăng dân số tự nhiên", "range", "1", "1,5"),
        ("Thu ngân sách", "", "100", "7"),
    ] {
        let r = committee
            .post("/targets", &add(name, direction, planned, max))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }
    let targets = db::recommendations::targets_of(&mut app.conn(), ward, 2023).unwrap();
    let (poverty, culture, growth, budget) = (&targets[0], &targets[1], &targets[2], &targets[3]);
    assert_eq!(poverty.direction, "lower_better");
    assert_eq!((growth.planned, growth.planned_max), (1.0, Some(1.5)));
    assert_eq!(budget.direction, "higher_better");
    assert_eq!(budget.planned_max, None, "a bound only for a range");
    let version = |id: i64| {
        db::recommendations::find_target(&mut app.conn(), id)
            .unwrap()
            .version
            .to_string()
    };
    let set = |id: i64, v: &str, on: &str| {
        vec![
            ("actual", v.to_string()),
            ("actual_on", on.to_string()),
            ("version", version(id)),
        ]
    };
    // A date outside the target's year, or not a date, is said on its row.
    for bad in ["15/01/2024", "31/12/2022", "31/13/2023"] {
        let r = committee
            .post(
                &format!("/targets/{}", poverty.id),
                &set(poverty.id, "0,5", bad),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("value=\"{bad}\"")), "{bad} kept");
    }
    let r = committee
        .post(
            &format!("/targets/{}", poverty.id),
            &set(poverty.id, "0,5", "15/01/2024"),
        )
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Ngày số liệu phải thuộc năm của chỉ tiêu và không sau hôm nay."));
    assert!(
        db::recommendations::find_target(&mut app.conn(), poverty.id)
            .unwrap()
            .actual
            .is_none()
    );
    // Left empty, a 2023 value is as of 31/12/2023, not today.
    let r = committee
        .post(
            &format!("/targets/{}", poverty.id),
            &set(poverty.id, "0,5", ""),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let p = db::recommendations::find_target(&mut app.conn(), poverty.id).unwrap();
    assert_eq!(p.actual, Some(0.5));
    assert_eq!(p.actual_on, Some(common::day(2023, 12, 31)));
    committee
        .post(
            &format!("/targets/{}", culture.id),
            &set(culture.id, "92", "30/11/2023"),
        )
        .await;
    committee
        .post(
            &format!("/targets/{}", growth.id),
            &set(growth.id, "1,2", "30/06/2023"),
        )
        .await;
    // An earlier figure entered later joins the history without replacing
    // the latest one.
    let r = committee
        .post(
            &format!("/targets/{}", growth.id),
            &set(growth.id, "1,8", "31/03/2023"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let g = db::recommendations::find_target(&mut app.conn(), growth.id).unwrap();
    assert_eq!(
        (g.actual, g.actual_on),
        (Some(1.2), Some(common::day(2023, 6, 30)))
    );

    let (s, html) = committee
        .page(&format!("/targets?unit={ward}&year=2023"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("2/4 chỉ tiêu đạt, 1 vượt</strong>; 1 chưa đạt, 1 chưa có số liệu"),
        "{html}"
    );
    let row = |name: &str| {
        let at = html.find(&format!("<td>{name}")).unwrap();
        html[at..at + html[at..].find("</tr>").unwrap()].to_string()
    };
    let p = row("Tỷ lệ hộ nghèo");
    assert!(
        p.contains("≤ 0 %") && p.contains("Càng thấp càng tốt"),
        "{p}"
    );
    assert!(p.contains("Chưa đạt") && !p.contains("Vượt"), "{p}");
    assert!(p.contains("Tính đến ngày 31/12/2023"), "{p}");
    let g = row("Tỷ lệ tăng dân số tự nhiên");
    assert!(g.contains("1 – 1,5 %") && g.contains(">Đạt<"), "{g}");
    assert!(
        g.contains("31/03/2023: 1,8; 30/06/2023: 1,2"),
        "history by date: {g}"
    );
    assert!(g.contains("Tính đến ngày 30/06/2023"), "{g}");
    // A 2023 row's form offers 31/12/2023, not today.
    assert!(row("Thu ngân sách").contains("value=\"31/12/2023\""));

    // The API says the same.
    let token = common::token_for(&app, me);
    let body: serde_json::Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/targets?unit_id={ward}&year=2023")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = body["items"].as_array().unwrap();
    let by = |name: &str| items.iter().find(|t| t["name"] == name).unwrap().clone();
    let p = by("Tỷ lệ hộ nghèo");
    assert_eq!(
        (&p["direction"], &p["standing"], &p["actual_on"]),
        (
            &serde_json::json!("lower_better"),
            &serde_json::json!("below"),
            &serde_json::json!("2023-12-31")
        )
    );
    assert_eq!(by("Tỷ lệ tăng dân số tự nhiên")["planned_max"], 1.5);
    assert_eq!(by("Thu ngân sách")["standing"], "pending");
    let b = by("Thu ngân sách");
    let r = reqwest::Client::new()
        .put(app.url(&format!("/api/v1/targets/{}/actual", b["id"])))
        .bearer_auth(&token)
        .header("If-Match", format!("\"{}\"", b["version"]))
        .json(&serde_json::json!({"actual": 119.0, "actual_on": "2023-12-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let saved: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (&saved["standing"], &saved["actual_on"]),
        (
            &serde_json::json!("exceeded"),
            &serde_json::json!("2023-12-31")
        )
    );
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/targets"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"unit_id": ward, "year": 2023, "name": "Khoảng",
            "direction": "range", "planned": 1.0}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"]["planned_max"]["code"], "required");
}

/// Issue 30 (departments): the statistics open on the last twelve months
/// (a recommendation raised last year counts, one older does not), and the
/// list exports what the reader sees under its filters with the raised, due
/// and answered dates — dd/mm/yyyy in the CSV, date cells in the XLSX.
#[tokio::test]
async fn statistics_open_on_the_last_twelve_months_and_the_list_exports_its_dates() {
    use calamine::{DataType, Reader};
    use chrono::{Duration, Months};
    use danvan::db::recommendations::{self as rdb, Move, RecommendationFields};

    let app = spawn().await;
    let province = app.unit(app.root, UnitKind::Province, "Tỉnh Nghệ An");
    let commune = app.unit(province, UnitKind::Commune, "Xã Lam Thành");
    let land = app.unit(
        province,
        UnitKind::Department,
        "Sở Nông nghiệp và Môi trường",
    );
    let finance = app.unit(province, UnitKind::Department, "Sở Tài chính");
    let elsewhere = app.unit(app.root, UnitKind::Province, "Tỉnh Quảng Ngãi");
    let far_commune = app.unit(elsewhere, UnitKind::Commune, "Xã Quảng Phú");
    let far_dept = app.unit(elsewhere, UnitKind::Department, "Sở Xây dựng Quảng Ngãi");
    let by = app.user("tocongtac", province, &[(Role::Committee, province)]);
    let group = app.browser("tocongtac").await;

    let today = danvan::domain::format::today();
    let recent = today.checked_sub_months(Months::new(12)).unwrap() + Duration::days(1);
    let old = today.checked_sub_months(Months::new(13)).unwrap();
    let answered_on = recent + Duration::days(5);
    let raise = |from: i64, to: i64, content: &str, raised_on: chrono::NaiveDate| {
        let f = RecommendationFields {
            inspection_id: None,
            from_unit_id: from,
            to_unit_id: to,
            field: "land_recovery".into(),
            content: content.into(),
            raised_on,
        };
        let mut conn = app.conn();
        db::audit::write(&mut conn, &db::audit::Actor::default(), |c| {
            Ok(rdb::create(c, &f, 10, raised_on + Duration::days(14), by)?)
        })
        .unwrap()
    };
    let answered = raise(commune, land, "Hướng dẫn quy trình thu hồi đất", recent);
    {
        let mut conn = app.conn();
        let m = Move::Answer {
            text: "Đã ban hành hướng dẫn".into(),
            on: answered_on,
            attachment_id: None,
        };
        db::audit::write_if(&mut conn, &db::audit::Actor::default(), |c| {
            Ok(((), rdb::apply(c, &answered, answered.version, &m, by)?))
        })
        .unwrap();
    }
    raise(commune, finance, "Chuyển giao kinh phí", old);
    raise(far_commune, far_dept, "Kiến nghị của tỉnh khác", recent);

    // The statistics, opened without a period: the last twelve months.
    let (s, html) = group.page("/recommendations/stats").await;
    assert_eq!(s, StatusCode::OK);
    let (from, to) = (
        danvan::domain::format::date(recent),
        danvan::domain::format::date(today),
    );
    assert!(html.contains(&format!("value=\"{from}\"")), "{html}");
    assert!(html.contains(&format!("value=\"{to}\"")));
    assert!(
        html.contains("Sở Nông nghiệp và Môi trường"),
        "raised {from}, in the last twelve months: {html}"
    );
    assert!(!html.contains("Sở Tài chính"), "raised over a year ago");
    // Still changeable.
    let (_, html) = group
        .page(&format!(
            "/recommendations/stats?from={}&to={to}",
            danvan::domain::format::date(old)
        ))
        .await;
    assert!(html.contains("Sở Tài chính"));

    // The list's CSV: the reader's recommendations, with their three dates.
    let d = danvan::domain::format::date;
    let r = app.get_with(&group, "/recommendations.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let text = r.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (raised_c, due_c, answered_c) = (
        col("Ngày kiến nghị"),
        col("Hạn trả lời"),
        col("Ngày trả lời"),
    );
    let lines: Vec<Vec<String>> = rows
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(lines.len(), 2, "not another province's: {lines:?}");
    let first = lines
        .iter()
        .find(|l| l.contains(&"Hướng dẫn quy trình thu hồi đất".to_string()))
        .unwrap();
    assert_eq!(
        (
            first[raised_c].as_str(),
            first[due_c].as_str(),
            first[answered_c].as_str()
        ),
        (
            d(recent).as_str(),
            d(recent + Duration::days(14)).as_str(),
            d(answered_on).as_str()
        )
    );
    let open = lines
        .iter()
        .find(|l| l.contains(&"Chuyển giao kinh phí".to_string()))
        .unwrap();
    assert_eq!(open[answered_c], "", "not answered yet");

    // The XLSX honours the list's filter; its dates are date cells.
    let r = app
        .get_with(&group, "/recommendations.xlsx?status=answered&urgency=")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let head = rows
        .iter()
        .position(|r| r.iter().any(|c| c.get_string() == Some("Ngày trả lời")))
        .unwrap();
    let data: Vec<_> = rows[head + 1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect();
    assert_eq!(data.len(), 1, "only the answered one");
    let cell = |name: &str| {
        let c = rows[head]
            .iter()
            .position(|h| h.get_string() == Some(name))
            .unwrap();
        data[0][c].clone()
    };
    assert!(cell("Ngày kiến nghị").is_datetime());
    assert_eq!(cell("Ngày kiến nghị").as_date(), Some(recent));
    assert_eq!(
        cell("Hạn trả lời").as_date(),
        Some(recent + Duration::days(14))
    );
    assert_eq!(cell("Ngày trả lời").as_date(), Some(answered_on));
    // The list page links to both with its filters.
    let html = group
        .page_ok("/recommendations?status=answered&urgency=")
        .await;
    let link = html.find("/recommendations.csv?").unwrap();
    assert!(
        html[link..link + 60].contains("answered"),
        "{}",
        &html[link..link + 60]
    );
    assert!(html.contains(&d(answered_on)), "answered date on the page");
}

/// Recommendations and inspections pile up year after year: each list shows
/// 50 at a time, keeping its filters on the pager's links; the exports
/// have them all.
#[tokio::test]
async fn recommendations_and_inspections_are_listed_a_page_at_a_time() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let office = app.unit(app.root, UnitKind::Department, "Văn phòng UBND");
    let committee = app.user("capuy", ward, &[(Role::Committee, app.root)]);
    let mut conn = app.conn();
    for i in 1..=55 {
        let day = common::day(2024, 1, 1) + chrono::Duration::days(i);
        let f = db::recommendations::RecommendationFields {
            inspection_id: None,
            from_unit_id: ward,
            to_unit_id: office,
            field: "land_recovery".into(),
            content: format!("Kiến nghị thứ {i:02}"),
            raised_on: day,
        };
        db::recommendations::create(
            &mut conn,
            &f,
            10,
            day + chrono::Duration::days(14),
            committee,
        )
        .unwrap();
        let f = db::recommendations::InspectionFields {
            unit_id: ward,
            by_unit_id: office,
            visited_on: day,
            members: format!("Đoàn kiểm tra thứ {i:02}"),
            figures: String::new(),
            findings: String::new(),
        };
        db::recommendations::create_inspection(&mut conn, &f, committee).unwrap();
    }
    let c = app.browser("capuy").await;
    let first = c.page_ok("/recommendations?status=open").await;
    let count = |html: &str, what: &str| html.matches(what).count();
    assert_eq!(count(&first, "Kiến nghị thứ "), 50);
    assert!(
        first.contains("status&#x3D;open&amp;page&#x3D;2"),
        "the filter kept"
    );
    let second = c.page_ok("/recommendations?status=open&page=2").await;
    assert_eq!(count(&second, "Kiến nghị thứ "), 5);
    let csv = app
        .get_with(&c.client, "/recommendations.csv?status=open")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(count(&csv, "Kiến nghị thứ "), 55);

    let first = c.page_ok("/inspections").await;
    let second = c.page_ok("/inspections?page=2").await;
    assert_eq!(
        (
            count(&first, "Đoàn kiểm tra thứ "),
            count(&second, "Đoàn kiểm tra thứ ")
        ),
        (50, 5)
    );
}
