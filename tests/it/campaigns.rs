//! Annual campaigns and "Dân vận khéo" models through the real server:
//! a campaign set up by the committee, models registered by residents,
//! appraised, made pilots, proposed and commended — with who may do what.

use crate::common;

use common::{location, spawn, with, Browser, TestApp, NO_FIELDS};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::StatusCode;

struct World {
    app: TestApp,
    district: i64,
    ward: i64,
    other: i64,
    appraiser: i64,
}

async fn world() -> World {
    let app = spawn().await;
    let district = app.unit(app.root, UnitKind::District, "Quận Long Biên");
    let ward = app.unit(district, UnitKind::Ward, "Phường Bồ Đề");
    let other = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.user("quanuy", district, &[(Role::Committee, district)]);
    let appraiser = app.user("bandanvan", district, &[(Role::Viewer, district)]);
    app.user("mttq", district, &[(Role::Reviewer, district)]);
    app.user("chihoi", ward, &[(Role::Viewer, ward)]);
    app.user("xem.tayho", other, &[(Role::Viewer, other)]);
    World {
        app,
        district,
        ward,
        other,
        appraiser,
    }
}

fn field_id(app: &TestApp, code: &str) -> String {
    db::schema::model_fields::table
        .filter(db::schema::model_fields::code.eq(code))
        .select(db::schema::model_fields::id)
        .first::<i64>(&mut app.conn())
        .unwrap()
        .to_string()
}

fn campaign_fields(w: &World) -> Vec<(&'static str, String)> {
    vec![
        ("unit_id", w.district.to_string()),
        ("year", "2022".into()),
        (
            "theme",
            "Năm Dân vận khéo, trọng tâm công tác GPMB và chỉnh trang đô thị".into(),
        ),
        ("plan_number", "90-KH/QU".into()),
        ("plan_date", "14/01/2022".into()),
        ("focus_fields", field_id(&w.app, "site_clearance")),
        ("focus_fields", field_id(&w.app, "urban_embellishment")),
        ("period_from", "01/01/2022".into()),
        ("period_to", "31/12/2022".into()),
        (
            "related_plans",
            "Kế hoạch 115-KH/QU ngày 15/4/2022 về mô hình điểm".into(),
        ),
        ("appraisers", w.appraiser.to_string()),
    ]
}

fn model_fields(w: &World, title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "collective".into()),
        ("unit_id", w.ward.to_string()),
        (
            "holder_name",
            "Chi hội Cựu chiến binh tổ dân phố số 5".into(),
        ),
        ("field_id", field_id(&w.app, "urban_embellishment")),
        ("title", title.into()),
        (
            "commitment",
            "Vận động 40 hộ tháo dỡ mái che lấn chiếm vỉa hè".into(),
        ),
        ("expected_results", "Tuyến phố văn minh đô thị".into()),
        ("period_from", "01/02/2022".into()),
        ("period_to", "30/11/2022".into()),
    ]
}

fn model_version(app: &TestApp, id: i64) -> String {
    db::campaigns::find_model(&mut app.conn(), id)
        .unwrap()
        .version
        .to_string()
}

fn model_status(app: &TestApp, id: i64) -> String {
    db::campaigns::find_model(&mut app.conn(), id)
        .unwrap()
        .status
}

async fn move_to(
    w: &World,
    c: &Browser,
    model: i64,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let mut all = fields.to_vec();
    all.push(("version", model_version(&w.app, model)));
    c.post(&format!("/models/{model}/status"), &all).await
}

#[tokio::test]
async fn a_campaign_runs_from_registration_to_commendation() {
    let w = world().await;
    let app = &w.app;
    let committee = app.browser("quanuy").await;
    let appraiser = app.browser("bandanvan").await;
    let front = app.browser("mttq").await;
    let resident = app.browser("chihoi").await;
    let outsider = app.browser("xem.tayho").await;

    // The committee sets the campaign up; bad input comes back field by field.
    assert_eq!(committee.page("/campaigns/new").await.0, StatusCode::OK);
    let bad = with(
        with(campaign_fields(&w), "theme", " "),
        "period_to",
        "01/12/2021",
    );
    let r = committee.post("/campaigns", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ngày kết thúc phải sau ngày bắt đầu."));
    assert!(html.contains("Không được để trống."));
    assert!(html.contains("value=\"90-KH/QU\""), "typed values kept");
    assert_eq!(
        resident
            .post("/campaigns", &campaign_fields(&w))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = committee.post("/campaigns", &campaign_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let campaign: i64 = location(&r)
        .trim_start_matches("/campaigns/")
        .parse()
        .unwrap();
    let (s, html) = resident.page(&format!("/campaigns/{campaign}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("90-KH/QU") && html.contains("14/01/2022"));
    assert!(html.contains("Chỉnh trang đô thị"), "focus fields shown");
    assert_eq!(
        outsider.page(&format!("/campaigns/{campaign}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        resident
            .page(&format!("/campaigns/{campaign}/edit"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // A resident registers their collective's model, and one of their own.
    let path = format!("/campaigns/{campaign}/models");
    let bad = with(
        with(model_fields(&w, ""), "commitment", ""),
        "unit_id",
        &w.other.to_string(),
    );
    let r = resident.post(&path, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Chi hội Cựu chiến binh tổ dân phố số 5"),
        "typed values kept"
    );
    assert_eq!(
        db::schema::models::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
    let r = resident
        .post(&path, &model_fields(&w, "Tuyến phố không lấn chiếm"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let model: i64 = location(&r).trim_start_matches("/models/").parse().unwrap();
    let mine = with(
        with(
            model_fields(&w, "Gia đình gương mẫu bàn giao mặt bằng"),
            "kind",
            "individual",
        ),
        "holder_name",
        "",
    );
    let mine = with(mine, "field_id", &field_id(app, "site_clearance"));
    let r = resident.post(&path, &mine).await;
    let individual: i64 = location(&r).trim_start_matches("/models/").parse().unwrap();
    assert_eq!(
        db::campaigns::find_model(&mut app.conn(), individual)
            .unwrap()
            .holder_name,
        "Đồng chí chihoi",
        "an individual registers as themselves"
    );
    assert_eq!(
        outsider.post(&path, &model_fields(&w, "x")).await.status(),
        StatusCode::FORBIDDEN
    );

    // The registrant edits while the model is only registered.
    let mut edit = with(
        model_fields(&w, "Tuyến phố văn minh không lấn chiếm"),
        "version",
        &model_version(app, model),
    );
    assert_eq!(
        resident
            .post(&format!("/models/{model}"), &edit)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db::campaigns::find_model(&mut app.conn(), model)
            .unwrap()
            .title,
        "Tuyến phố văn minh không lấn chiếm"
    );

    // Only appraisers move models; refusing needs a reason.
    assert_eq!(
        move_to(&w, &resident, model, &[("status", "accepted".into())])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        move_to(&w, &front, model, &[("status", "accepted".into())])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = move_to(
        &w,
        &appraiser,
        individual,
        &[("status", "not_accepted".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(model_status(app, individual), "registered");
    let r = move_to(
        &w,
        &appraiser,
        individual,
        &[
            ("status", "not_accepted".into()),
            ("reason", "Chưa có kết quả kiểm chứng".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(model_status(app, individual), "not_accepted");
    let r = move_to(&w, &appraiser, model, &[("status", "commended".into())]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no skipping appraisal"
    );
    assert_eq!(
        move_to(&w, &appraiser, model, &[("status", "accepted".into())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Once accepted, the registration is fixed.
    assert_eq!(
        resident.page(&format!("/models/{model}/edit")).await.0,
        StatusCode::FORBIDDEN
    );
    edit = with(edit, "version", &model_version(app, model));
    let html = resident
        .follow(resident.post(&format!("/models/{model}"), &edit).await)
        .await;
    assert!(html.contains("thay đổi chưa được lưu"));

    // Appraisal scores against the campaign's criteria (five of 20 points).
    let criteria = db::campaigns::criteria(&mut app.conn(), campaign).unwrap();
    assert_eq!(criteria.len(), 5);
    let scores = |v: &str| -> Vec<(String, String)> {
        criteria
            .iter()
            .flat_map(|c| {
                [
                    (format!("score_{}", c.id), v.to_string()),
                    (format!("comment_{}", c.id), "Đạt".to_string()),
                ]
            })
            .collect()
    };
    let score_path = format!("/models/{model}/scores");
    let r = appraiser.post(&score_path, &scores("25")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Điểm phải từ 0 đến điểm tối đa"));
    assert_eq!(
        appraiser.post(&score_path, &scores("18")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        resident.post(&score_path, &scores("20")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        front.post(&score_path, &scores("20")).await.status(),
        StatusCode::FORBIDDEN
    );
    let (s, html) = front.page(&format!("/models/{model}")).await;
    assert_eq!(s, StatusCode::OK, "the Front reads");
    assert!(html.contains("90")); // 5 × 18
                                  // Criteria are fixed once a model is scored.
    let r = committee
        .post(
            &format!("/campaigns/{campaign}/criteria"),
            &[("name_vi", "Một"), ("name_en", ""), ("points", "100")],
        )
        .await;
    assert!(committee
        .follow(r)
        .await
        .contains("đã có mô hình được chấm điểm"));

    // Pilot, proposal, and a commendation that needs its decision.
    assert_eq!(
        move_to(&w, &appraiser, model, &[("status", "pilot".into())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        move_to(&w, &appraiser, model, &[("status", "proposed".into())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = move_to(
        &w,
        &appraiser,
        model,
        &[
            ("status", "commended".into()),
            ("decision_number", "".into()),
            ("decision_date", "31/02/2022".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"31/02/2022\""));
    assert_eq!(model_status(app, model), "proposed");
    let r = move_to(
        &w,
        &appraiser,
        model,
        &[
            ("status", "commended".into()),
            ("decision_number", "125/QĐ-UBND".into()),
            ("decision_date", "20/12/2022".into()),
            ("level", "commune_certificate".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let m = db::campaigns::find_model(&mut app.conn(), model).unwrap();
    assert_eq!(m.status, "commended");
    assert_eq!(m.decision_number.as_deref(), Some("125/QĐ-UBND"));
    let events = db::campaigns::events(&mut app.conn(), model).unwrap();
    let path: Vec<&str> = events.iter().map(|e| e.to_status.as_str()).collect();
    assert_eq!(
        path,
        ["registered", "accepted", "pilot", "proposed", "commended"]
    );
    assert!(events[1..]
        .iter()
        .all(|e| e.by_name == "Đồng chí bandanvan"));
    // A stale version changes nothing.
    let r = appraiser
        .post(
            &format!("/models/{individual}/status"),
            &[("status", "accepted"), ("version", "1")],
        )
        .await;
    assert!(appraiser.follow(r).await.contains("thay đổi chưa được lưu"));
    assert_eq!(model_status(app, individual), "not_accepted");

    // Check-ins by the contact, acknowledged by an appraiser, then fixed.
    let r = resident
        .post(
            &format!("/models/{model}/checkins"),
            &[("kind", "mid_year"), ("report", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = resident
        .post(
            &format!("/models/{model}/checkins"),
            &[("kind", "mid_year"), ("report", "32 hộ đã tháo dỡ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        appraiser
            .post(
                &format!("/models/{model}/checkins"),
                &[("kind", "year_end"), ("report", "x")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let checkin = db::campaigns::checkins(&mut app.conn(), model).unwrap()[0].id;
    assert_eq!(
        resident
            .post(
                &format!("/models/{model}/checkins/{checkin}/ack"),
                NO_FIELDS
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = appraiser
        .post(
            &format!("/models/{model}/checkins/{checkin}/ack"),
            &[("text", "Ghi nhận")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = resident
        .post(
            &format!("/models/{model}/checkins"),
            &[("kind", "mid_year"), ("report", "sửa")],
        )
        .await;
    assert!(resident.follow(r).await.contains("đã được ghi nhận"));
    assert_eq!(
        db::campaigns::checkins(&mut app.conn(), model).unwrap()[0].report,
        "32 hộ đã tháo dỡ"
    );

    // The figures match the data, on the page and in the spreadsheet.
    let (s, html) = front.page(&format!("/campaigns/{campaign}/figures")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg"));
    let f = db::campaigns::figures(&mut app.conn(), campaign).unwrap();
    let reached = |s: &str| {
        f.reached
            .iter()
            .find(|(x, _)| x == s)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(
        (reached("accepted"), reached("pilot"), reached("commended")),
        (1, 1, 1)
    );
    let r = app
        .get_with(&front, &format!("/campaigns/{campaign}/figures.xlsx"))
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
    assert!(
        rows.contains(&vec![
            "Giải phóng mặt bằng".to_string(),
            "0".into(),
            "1".into(),
            "1".into()
        ]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec![
            "Chỉnh trang đô thị".to_string(),
            "1".into(),
            "0".into(),
            "1".into()
        ]),
        "{rows:?}"
    );
    assert_eq!(rows.last().unwrap()[3], "2");
}

#[tokio::test]
async fn the_committee_attaches_its_own_tasks_to_a_campaign() {
    let w = world().await;
    let app = &w.app;
    let committee = app.browser("quanuy").await;
    let r = committee.post("/campaigns", &campaign_fields(&w)).await;
    let campaign: i64 = location(&r)
        .trim_start_matches("/campaigns/")
        .parse()
        .unwrap();
    let owner = db::users::find_by_username(&mut app.conn(), "quanuy")
        .unwrap()
        .unwrap()
        .id;
    let task = |unit: i64, title: &str| {
        let f = common::task_fields(unit, owner, title, None, 2022);
        db::tasks::create(&mut app.conn(), &f, owner).unwrap().0.id
    };
    let inside = task(w.ward, "Mở rộng ngõ 64 Bồ Đề");
    let outside = task(w.other, "Việc của Tây Hồ");
    let (s, html) = committee
        .page(&format!("/campaigns/{campaign}/tasks"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Mở rộng ngõ 64 Bồ Đề") && !html.contains("Việc của Tây Hồ"));
    let r = committee
        .post(
            &format!("/campaigns/{campaign}/tasks"),
            &[("task", outside.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = committee
        .post(
            &format!("/campaigns/{campaign}/tasks"),
            &[("task", inside.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = committee.page(&format!("/campaigns/{campaign}")).await;
    assert!(html.contains(&format!("/tasks/{inside}")));
    let viewer = app.browser("chihoi").await;
    assert_eq!(
        viewer
            .post(
                &format!("/campaigns/{campaign}/tasks"),
                &[("task", inside.to_string())]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn model_fields_are_a_list_that_top_administrators_keep() {
    let app = spawn().await;
    app.as_admin().await;
    let (s, html) = app.text("/admin/model-fields").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Xây dựng hệ thống chính trị"));
    let r = app
        .post(
            "/admin/model-fields",
            &[
                ("name_vi", ""),
                ("name_en", "New rural areas"),
                ("sort_order", "9"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("value=\"New rural areas\""));
    let r = app
        .post(
            "/admin/model-fields",
            &[
                ("name_vi", "Xây dựng nông thôn mới"),
                ("name_en", "New rural areas"),
                ("sort_order", "9"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fields = db::campaigns::fields(&mut app.conn()).unwrap();
    let added = fields
        .iter()
        .find(|f| f.code == "xay_dung_nong_thon_moi")
        .unwrap();
    let r = app
        .post(
            &format!("/admin/model-fields/{}", added.id),
            &[
                ("name_vi", "Nông thôn mới"),
                ("name_en", "New rural areas"),
                ("sort_order", "9"),
                ("active", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let f = db::lists::model_fields::find(&mut app.conn(), added.id)
        .unwrap()
        .unwrap();
    assert_eq!((f.name_vi.as_str(), f.active), ("Nông thôn mới", false));
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Bồ Đề");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    let c = app.browser("capuy").await;
    assert_eq!(c.page("/admin/model-fields").await.0, StatusCode::FORBIDDEN);
}

/// The committee edits a campaign twice from the same reading: the second
/// save writes nothing and shows the theme typed beside the theme saved.
#[tokio::test]
async fn a_campaign_edited_meanwhile_shows_both_versions_and_loses_nothing() {
    let w = world().await;
    let committee = w.app.browser("quanuy").await;
    let r = committee.post("/campaigns", &campaign_fields(&w)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&r)
        .trim_start_matches("/campaigns/")
        .parse()
        .unwrap();
    let edit = |theme: &str| {
        let mut f = with(campaign_fields(&w), "theme", theme);
        f.push(("version", "1".into()));
        f
    };
    let r = committee
        .post(&format!("/campaigns/{id}"), &edit("Năm Dân vận khéo 2022"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = committee
        .post(
            &format!("/campaigns/{id}"),
            &edit("Dân vận khéo trong GPMB"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(
            "<td>Chủ đề năm</td><td>Dân vận khéo trong GPMB</td><td>Năm Dân vận khéo 2022</td>"
        ),
        "{html}"
    );
    assert!(html.contains("name=\"version\" value=\"2\""));
    assert_eq!(
        db::campaigns::find(&mut w.app.conn(), id).unwrap().theme,
        "Năm Dân vận khéo 2022"
    );
}

/// Campaigns are listed a page at a time; the appraisers picker lists at
/// most 50 and finds anyone else by name, saving nothing.
#[tokio::test]
async fn campaigns_are_paged_and_the_appraisers_picker_finds_by_name() {
    let w = world().await;
    let crowd = w.app.crowd(
        "canbo",
        "Bùi Văn",
        60,
        w.district,
        &[(Role::Viewer, w.district)],
    );
    let tuyet = w
        .app
        .user("tuyet.nt", w.ward, &[(Role::Viewer, w.district)]);
    w.app
        .set_email(tuyet, "Nguyễn Thị Ánh Tuyết", "tuyet@bode.test", "vi");
    let committee = w.app.browser("quanuy").await;
    let form = committee.page_ok("/campaigns/new").await;
    assert_eq!(common::options_of(&form, "appraisers").len(), 50);
    assert!(!form.contains("Nguyễn Thị Ánh Tuyết"));

    let mut finding = campaign_fields(&w);
    finding.push(("find", "Tuyết".into()));
    finding.push(("finding", "1".into()));
    let r = committee.post("/campaigns", &finding).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let offered = common::options_of(&html, "appraisers");
    assert!(offered
        .iter()
        .any(|(v, _, s)| *v == tuyet.to_string() && !*s));
    assert!(
        offered
            .iter()
            .any(|(v, _, s)| *v == w.appraiser.to_string() && *s),
        "the one chosen stays chosen"
    );
    assert!(db::campaigns::all(&mut w.app.conn()).unwrap().is_empty());

    // Anyone who reaches the unit may appraise, listed or not.
    let mut fields = campaign_fields(&w);
    fields.push(("appraisers", crowd.last().unwrap().to_string()));
    let r = committee.post("/campaigns", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // 55 campaigns: 50 listed, then 5 more on the second page.
    let mut conn = w.app.conn();
    let by = db::users::find_by_username(&mut conn, "quanuy")
        .unwrap()
        .unwrap()
        .id;
    for year in 1960..2014 {
        let f = db::campaigns::CampaignFields {
            unit_id: w.district,
            year,
            theme: format!("Chủ đề năm {year}"),
            plan_number: String::new(),
            plan_date: None,
            focus_fields: vec![],
            period_from: common::day(year, 1, 1),
            period_to: common::day(year, 12, 31),
            description: String::new(),
            related_plans: String::new(),
            appraisers: vec![],
        };
        db::campaigns::create(&mut conn, &f, by).unwrap();
    }
    let first = committee.page_ok("/campaigns").await;
    let second = committee.page_ok("/campaigns?page=2").await;
    let rows = |html: &str| html.matches("<td><a href=\"/campaigns/").count();
    assert_eq!((rows(&first), rows(&second)), (50, 5));
}

/// The registrant edits a model twice from the same reading (two tabs):
/// the second save writes nothing and shows the title typed beside the
/// title saved, the form ready to save over it knowingly. A version that
/// cannot be ours is the same conflict, never a save.
#[tokio::test]
async fn a_model_edited_meanwhile_shows_both_versions_and_loses_nothing() {
    let w = world().await;
    let committee = w.app.browser("quanuy").await;
    let resident = w.app.browser("chihoi").await;
    let r = committee.post("/campaigns", &campaign_fields(&w)).await;
    let campaign = location(&r).trim_start_matches("/campaigns/").to_string();
    let r = resident
        .post(
            &format!("/campaigns/{campaign}/models"),
            &model_fields(&w, "Tuyến phố không lấn chiếm"),
        )
        .await;
    let model: i64 = location(&r).trim_start_matches("/models/").parse().unwrap();
    let edit = |title: &str, version: &str| with(model_fields(&w, title), "version", version);
    let path = format!("/models/{model}");

    let r = resident.post(&path, &edit("Tuyến phố văn minh", "1")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for stale in ["1", "một"] {
        let r = resident
            .post(&path, &edit("Phố sáng, xanh, sạch", stale))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{stale}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(
                "<td>Tên mô hình</td><td>Phố sáng, xanh, sạch</td><td>Tuyến phố văn minh</td>"
            ),
            "{html}"
        );
        assert!(
            !html.contains("<td>Đơn vị, địa bàn</td>"),
            "unchanged fields are not listed"
        );
        assert!(
            html.contains("value=\"Phố sáng, xanh, sạch\""),
            "what was typed stays in the form"
        );
        assert!(html.contains("name=\"version\" value=\"2\""));
        assert_eq!(
            db::campaigns::find_model(&mut w.app.conn(), model)
                .unwrap()
                .title,
            "Tuyến phố văn minh"
        );
    }
    // Saving again from the version shown goes through.
    let r = resident
        .post(&path, &edit("Phố sáng, xanh, sạch", "2"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(model_version(&w.app, model), "3");
}

/// A check-in is written again until it is acknowledged, and is
/// acknowledged once, on its own model's page only.
#[tokio::test]
async fn a_check_in_is_rewritten_until_acknowledged_once_on_its_own_model() {
    let w = world().await;
    let committee = w.app.browser("quanuy").await;
    let resident = w.app.browser("chihoi").await;
    let appraiser = w.app.browser("bandanvan").await;
    let r = committee.post("/campaigns", &campaign_fields(&w)).await;
    let campaign = location(&r).trim_start_matches("/campaigns/").to_string();
    let models = format!("/campaigns/{campaign}/models");
    let r = resident
        .post(&models, &model_fields(&w, "Tuyến phố văn minh"))
        .await;
    let model = location(&r).to_string();
    let r = resident.post(&models, &model_fields(&w, "Ngõ sạch")).await;
    let other = location(&r).to_string();
    let id: i64 = model.trim_start_matches("/models/").parse().unwrap();
    for report in ["Đã vận động 25 hộ", "Đã vận động 31 hộ"] {
        let r = resident
            .post(
                &format!("{model}/checkins"),
                &[("kind", "mid_year"), ("report", report)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let checkins = db::campaigns::checkins(&mut w.app.conn(), id).unwrap();
    assert_eq!(checkins.len(), 1, "written again, not twice");
    assert_eq!(checkins[0].report, "Đã vận động 31 hộ");
    let ack = |on: &str| format!("{on}/checkins/{}/ack", checkins[0].id);

    let r = appraiser
        .post(&ack(&other), &[("text", "Nhầm mô hình")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = appraiser.post(&ack(&model), &[("text", "Ghi nhận")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = appraiser.post(&ack(&model), &[("text", "Lần nữa")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let checkins = db::campaigns::checkins(&mut w.app.conn(), id).unwrap();
    assert_eq!(checkins[0].acknowledgement.as_deref(), Some("Ghi nhận"));
}
