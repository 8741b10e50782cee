//! Documents in the Decree 30 layout made from the records, as a page to
//! edit the head on, as a print page, and as DOCX — opened by LibreOffice,
//! converted to PDF and read back with `pdftotext -layout` to find each
//! part where the decree puts it.

use crate::common;

use common::{new_client, spawn, TestApp, PASSWORD};
use danvan::db::{
    self, households::DialogueFields, households::HouseholdFields, households::NewVisit,
};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::units::UnitKind;
use reqwest::{Client, StatusCode};

const SAID: &str = "Ông Thụy đồng ý di chuyển nếu được bố trí tái định cư tại chỗ";

struct World {
    app: TestApp,
    ward: i64,
    task: i64,
    visit: i64,
    dialogue: i64,
    households: Vec<i64>,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let totac = app.user("totac", ward, &[(Role::WardTeam, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    app.user("quantri", ward, &[(Role::Admin, ward)]);
    let mut conn = app.conn();
    let mut fields = common::task_fields(ward, capuy, "Mương thoát nước Thụy Khuê", None, 2026);
    fields.team = vec![totac];
    let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
    let mut households = Vec::new();
    for (i, name) in ["Nguyễn Văn Thụy", "Trần Thị Khuê", "Lê Văn Bưởi"]
        .iter()
        .enumerate()
    {
        let h = HouseholdFields {
            head_name: name.to_string(),
            address: format!("Số {} ngõ 12 Thụy Khuê", i + 1),
            residential_group: "Tổ 3".into(),
            map_sheet: "12".into(),
            parcel_no: format!("{}", 340 + i),
            area_m2: 120.5 + i as f64,
            land_type: "ODT".into(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        };
        households.push(db::households::create(&mut conn, &task, &h).unwrap().0);
    }
    let visit = NewVisit {
        visited_on: chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        kind: "door_to_door".into(),
        members: vec![totac],
        others: String::new(),
        household_said: SAID.into(),
        concerns: "resettlement".into(),
        stage_after: ConsentStage::NoticeReceived,
        reason: None,
        next_step: "Gửi phương án tái định cư".into(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    };
    let (visit, _) =
        db::households::append_visit(&mut conn, &task, &households[0], &visit, totac).unwrap();
    let d = DialogueFields {
        held_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
        place: "Hội trường UBND phường Thụy Khuê".into(),
        chaired_by: "Chủ tịch UBND phường".into(),
        summary: "Giải thích phương án bồi thường, hỗ trợ, tái định cư.".into(),
    };
    let present = vec![households[1].clone(), households[2].clone()];
    let (dialogue, _) = db::households::hold_dialogue(
        &mut conn,
        &task,
        &d,
        &present,
        &[ConsentStage::NoticeReceived; 2],
        None,
        capuy,
    )
    .unwrap();
    World {
        app,
        ward,
        task: task.id,
        visit,
        dialogue,
        households: households.iter().map(|h| h.id).collect(),
    }
}

async fn as_user(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    let r = app.login_with(&c, username, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

/// The head as typed on the page.
pub(crate) const HEAD: &[(&str, &str)] = &[
    ("edited", "1"),
    ("body_above", ""),
    ("issuer", "Ủy ban nhân dân\nphường Thụy Khuê"),
    ("number", "27/BB-UBND"),
    ("place", "Thụy Khuê"),
    ("date", "05/03/2026"),
    ("authority", "TM. ỦY BAN NHÂN DÂN"),
    ("position", "Chủ tịch"),
    ("signer", "Nguyễn Văn An"),
    ("recipients", "UBND phường;\nCác hộ gia đình;"),
];

pub(crate) async fn docx(app: &TestApp, c: &Client, path: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut q: Vec<(&str, &str)> = HEAD.to_vec();
    q.extend_from_slice(extra);
    q.push(("format", "docx"));
    let r = c.get(app.url(path)).query(&q).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    r.bytes().await.unwrap().to_vec()
}

/// Each DOCX converted by LibreOffice and read back as laid-out text; None
/// where LibreOffice is not installed (CI sets REQUIRE_LIBREOFFICE, which
/// makes its absence a failure).
pub(crate) fn as_laid_out(files: &[(&str, Vec<u8>)]) -> Option<Vec<String>> {
    let found = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("REQUIRE_LIBREOFFICE").is_none(),
            "LibreOffice (soffice) is required here"
        );
        // Without LibreOffice the files are only checked as packages.
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        format!(
            "-env:UserInstallation=file://{}/profile",
            dir.path().display()
        ),
        "--headless".into(),
        "--convert-to".into(),
        "pdf".into(),
        "--outdir".into(),
        dir.path().display().to_string(),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(format!("{name}.docx"));
        std::fs::write(&path, bytes).unwrap();
        args.push(path.display().to_string());
    }
    let out = std::process::Command::new("soffice")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        files
            .iter()
            .map(|(name, _)| {
                let pdf = dir.path().join(format!("{name}.pdf"));
                let text = std::process::Command::new("pdftotext")
                    .args(["-layout", pdf.to_str().unwrap(), "-"])
                    .output()
                    .expect("pdftotext (poppler-utils)");
                String::from_utf8(text.stdout).unwrap()
            })
            .collect(),
    )
}

/// The decree's places: the national title and the motto each whole on a
/// line, the number left of the date on one line under them, then the kind.
pub(crate) fn check_head(text: &str, kind: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} is not on one line:\n{text}"))
    };
    let title = at("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    let motto = at("Độc lập - Tự do - Hạnh phúc");
    let date = at("Thụy Khuê, ngày 05 tháng 3 năm 2026");
    let number = at("Số: 27/");
    let issuer = at("ỦY BAN");
    let kind_at = lines
        .iter()
        .enumerate()
        .skip(date + 1)
        .find(|(_, l)| l.contains(kind))
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{kind:?} is not under the date:\n{text}"));
    assert!(title < motto && motto < date, "{text}");
    assert_eq!(
        number, date,
        "the number and the date share a line:\n{text}"
    );
    assert!(lines[date].find("Số:") < lines[date].find("Thụy Khuê, ngày"));
    assert!(
        lines[title].find("CỘNG HÒA") > lines[issuer].find("ỦY BAN"),
        "the issuer is left"
    );
    assert!(issuer <= title + 1 && date < kind_at, "{text}");
}

#[tokio::test]
async fn each_document_is_made_from_the_records_in_the_decree_layout() {
    let w = world().await;
    let team = as_user(&w.app, "totac").await;
    let (v, d, t) = (w.visit, w.dialogue, w.task);
    let files = vec![
        (
            "visit",
            docx(&w.app, &team, &format!("/documents/visit/{v}"), &[]).await,
        ),
        (
            "dialogue",
            docx(&w.app, &team, &format!("/documents/dialogue/{d}"), &[]).await,
        ),
        (
            "invitation",
            docx(&w.app, &team, &format!("/documents/invitation/{d}"), &[]).await,
        ),
        (
            "households",
            docx(&w.app, &team, &format!("/documents/households/{t}"), &[]).await,
        ),
    ];
    for (name, bytes) in &files {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert!(zip.index_for_name("word/document.xml").is_some(), "{name}");
    }
    let Some(texts) = as_laid_out(&files) else {
        return;
    };
    let [visit, dialogue, invitation, list] = &texts[..] else {
        unreachable!()
    };
    // Justified lines come out of pdftotext with spaces inside words: the
    // record's text is compared without any.
    let flat = |s: &str| s.split_whitespace().collect::<String>();
    let has = |hay: &str, needle: &str| flat(hay).contains(&flat(needle));

    check_head(visit, "BIÊN BẢN");
    assert!(has(visit, SAID), "{visit}");
    assert!(has(visit, "ĐẠI DIỆN HỘ GIA ĐÌNH") && has(visit, "Nguyễn Văn Thụy"));

    check_head(dialogue, "BIÊN BẢN");
    for name in [
        "Trần Thị Khuê",
        "Lê Văn Bưởi",
        "Hội trường UBND phường Thụy Khuê",
    ] {
        assert!(has(dialogue, name), "{name}: {dialogue}");
    }

    check_head(invitation, "GIẤY MỜI");
    assert!(has(invitation, "Kính gửi"), "{invitation}");
    assert!(has(invitation, "ngày 05 tháng 3 năm 2026"));
    // The signer's block and the recipients one a line, the archive last.
    let lines: Vec<&str> = invitation.lines().map(str::trim).collect();
    let recipients = lines
        .iter()
        .position(|l| l.starts_with("Nơi nhận:"))
        .expect("Nơi nhận");
    assert!(
        lines[recipients].contains("TM. ỦY BAN NHÂN DÂN"),
        "{invitation}"
    );
    assert!(
        lines[recipients + 1].starts_with("- UBND phường;")
            && lines[recipients + 1].contains("CHỦ TỊCH")
    );
    assert!(lines[recipients + 2].starts_with("- Các hộ gia đình;"));
    assert!(lines[recipients + 3].starts_with("- Lưu: VT."));
    assert!(has(invitation, "Nguyễn Văn An"));

    check_head(list, "DANH SÁCH");
    for name in [
        "Nguyễn Văn Thụy",
        "Trần Thị Khuê",
        "Lê Văn Bưởi",
        "Tổng cộng: 3 hộ",
        "364,5",
        "NGƯỜI LẬP BIỂU",
    ] {
        assert!(has(list, name), "{name}: {list}");
    }
}

#[tokio::test]
async fn the_head_is_edited_on_the_page_and_only_readers_of_personal_details_make_documents() {
    let w = world().await;
    let team = as_user(&w.app, "totac").await;
    let page = format!("/documents/visit/{}", w.visit);
    // Filled from the records.
    let html = team
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("ỦY BAN NHÂN DÂN\nPHƯỜNG THỤY KHUÊ") || html.contains("ỦY BAN NHÂN DÂN"),
        "{html}"
    );
    assert!(
        html.contains("Thụy Khuê, ngày 03 tháng 02 năm 2026"),
        "{html}"
    );
    assert!(html.contains(SAID));
    // A date written wrong comes back with what was typed.
    let r = team
        .get(w.app.url(&page))
        .query(&[
            ("edited", "1"),
            ("date", "31/02/2026"),
            ("signer", "Nguyễn Văn An"),
            ("format", "docx"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("31/02/2026") && html.contains("Nguyễn Văn An"));
    // The print page is the document alone.
    let html = team
        .get(w.app.url(&page))
        .query(&[("format", "print")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"decree\"") && !html.contains("name=\"issuer\""));
    // One household's invitation; another task's household is not found.
    let one = format!(
        "/documents/invitation/{}?household={}",
        w.dialogue, w.households[1]
    );
    let html = team
        .get(w.app.url(&one))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Trần Thị Khuê") && !html.contains("Lê Văn Bưởi"),
        "{html}"
    );
    let r = team
        .get(w.app.url(&format!(
            "/documents/invitation/{}?household={}",
            w.dialogue, w.households[0]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A viewer sees masked details: no documents.
    let viewer = as_user(&w.app, "xem").await;
    for path in [
        page.clone(),
        format!("/documents/households/{}", w.task),
        format!("/documents/dialogue/{}", w.dialogue),
    ] {
        assert_eq!(
            viewer.get(w.app.url(&path)).send().await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        team.get(w.app.url("/documents/nothing/1"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_unit_keeps_its_document_head_and_signed_scans_come_back_to_the_record() {
    let w = world().await;
    let admin = w.app.browser("quantri").await;
    let team = w.app.browser("totac").await;
    let settings = format!("/admin/units/{}/documents", w.ward);
    assert_eq!(team.page(&settings).await.0, StatusCode::FORBIDDEN);
    let fields = [
        ("body_above", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"),
        ("issuer", "ỦY BAN NHÂN DÂN\nPHƯỜNG THỤY KHUÊ"),
        ("place", "Thụy Khuê"),
        ("authority", "KT. CHỦ TỊCH"),
        ("position", "PHÓ CHỦ TỊCH"),
        ("signer", "Lê Thị Hạnh"),
    ];
    let r = team.post(&settings, &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let long = "x".repeat(400);
    let r = admin
        .post(
            &settings,
            &[("issuer", long.as_str()), ("signer", "Lê Thị Hạnh")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("Lê Thị Hạnh"),
        "what was typed stays"
    );
    let r = admin.post(&settings, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The unit's documents start from it.
    let page = format!("/documents/invitation/{}", w.dialogue);
    let html = team.page_ok(&page).await;
    for text in [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Lê Thị Hạnh",
    ] {
        assert!(html.contains(text), "{text}");
    }

    // A signed scan of the visit's minutes: checked by its content.
    use reqwest::multipart::{Form, Part};
    let scans = format!("/documents/visit/{}/scans", w.visit);
    let send = |name: &'static str, bytes: Vec<u8>| {
        let team = &team;
        let scans = scans.clone();
        async move {
            let token = team.csrf().await;
            let form = Form::new().part("file", Part::bytes(bytes).file_name(name));
            team.client
                .post(team.url(&format!("{scans}?_csrf={token}")))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let count = || danvan::db::documents::scans(&mut w.app.conn(), "visit", w.visit).unwrap();
    let mut exe = b"%PDF-1.7\nMZ".to_vec();
    exe.extend_from_slice(&[0u8; 500]);
    let r = send("ky.pdf", exe).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = team.follow(r).await;
    assert!(
        html.contains("Nội dung tệp không đúng với loại tệp"),
        "{html}"
    );
    assert!(count().is_empty(), "nothing kept");
    let pdf = std::fs::read("tests/fixtures/documents/signed.pdf").unwrap();
    let r = send("Biên bản đã ký.pdf", pdf.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let kept = count();
    assert_eq!(kept.len(), 1);
    let html = team.page_ok(&format!("/documents/visit/{}", w.visit)).await;
    assert!(html.contains(&format!("/documents/scans/{}", kept[0].id)));
    let r = team
        .get(team.url(&format!("/documents/scans/{}", kept[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let viewer = w.app.browser("xem").await;
    assert_eq!(
        viewer
            .page(&format!("/documents/scans/{}", kept[0].id))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let token = viewer.csrf().await;
    let r = viewer
        .client
        .post(viewer.url(&format!("{scans}?_csrf={token}")))
        .multipart(Form::new().part("file", Part::bytes(pdf).file_name("a.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().len(), 1);

    // Erased with the household once its task is closed: the row and the file.
    {
        use danvan::db::schema::tasks;
        use diesel::prelude::*;
        diesel::update(tasks::table.find(w.task))
            .set(tasks::status.eq("completed"))
            .execute(&mut w.app.conn())
            .unwrap();
    }
    let r = admin
        .post(
            &format!("/households/{}/erase", w.households[0]),
            common::NO_FIELDS,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(count().is_empty());
    assert!(danvan::attachments::load(&w.app.db.data_dir(), &kept[0].sha256).is_err());
}
