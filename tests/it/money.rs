//! A household's compensation: plan versions, payments, deposits and the
//! handover; stages and records agree; the task's figures equal a recount
//! after every kind of change; amounts masked for viewers; the API; and the
//! project's public page, with nothing personal on it.

use crate::common;

use common::{location, new_client, spawn, token_for, Browser, TestApp};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::StatusCode;
use serde_json::json;

struct World {
    app: TestApp,
    task: i64,
    households: Vec<i64>,
    capuy: Browser,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    app.user("mttq", ward, &[(Role::Reviewer, ward)]);
    let mut conn = app.conn();
    let fields = common::task_fields(ward, capuy, "Khu đô thị Nam Thăng Long", None, 2026);
    let (task, _) = db::tasks::create(&mut conn, &fields, capuy).unwrap();
    let mut households = Vec::new();
    for n in 1..=4 {
        let mut h = common::household(&format!("Nguyễn Văn Hộ{n}"), &(100 + n).to_string(), 250.0);
        h.phone = format!("0913{n:06}");
        households.push(db::households::create(&mut conn, &task, &h).unwrap().0.id);
    }
    World {
        capuy: app.browser("capuy").await,
        app,
        task: task.id,
        households,
    }
}

fn stage_of(w: &World, h: i64) -> String {
    db::households::find(&mut w.app.conn(), h).unwrap().stage
}

/// The task's kept figures equal a recount from the records.
fn assert_in_step(w: &World) -> db::money::TaskMoney {
    let mut conn = w.app.conn();
    let kept = db::money::of_task(&mut conn, w.task).unwrap();
    let counted = db::money::count(&mut conn, w.task).unwrap();
    assert_eq!(kept, counted, "the kept figures are a recount's");
    kept
}

async fn plan(w: &World, h: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    w.capuy
        .post(&format!("/households/{h}/plans"), fields)
        .await
}

async fn pay(w: &World, h: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    w.capuy
        .post(&format!("/households/{h}/payments"), fields)
        .await
}

async fn visit(w: &World, h: i64, stage: &str, reason: &str) -> reqwest::Response {
    let today = danvan::domain::format::date(danvan::domain::format::today());
    w.capuy
        .post(
            &format!("/households/{h}/visits"),
            &[
                ("visited_on", today.as_str()),
                ("kind", "door_to_door"),
                ("stage_after", stage),
                ("reason", reason),
            ],
        )
        .await
}

#[tokio::test]
async fn plans_payments_and_handover_move_the_stage_and_the_figures() {
    let w = world().await;
    let h = w.households[0];
    // To "agrees" first, as persuasion does.
    for s in ["notice_received", "inventoried", "in_posted_plan", "agrees"] {
        assert_eq!(visit(&w, h, s, "").await.status(), StatusCode::SEE_OTHER);
    }

    // "Plan approved" with no approved plan needs a reason.
    let r = visit(&w, h, "plan_approved", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("chưa có phương án được phê duyệt"));
    assert_eq!(stage_of(&w, h), "agrees");

    // A plan typed the Vietnamese way, posted, not yet approved.
    let r = plan(
        &w,
        h,
        &[
            ("land", "8.500.000.000 đ"),
            ("structures", "1.230.000.000"),
            ("crops", "4.500.000"),
            ("support", "180000000"),
            ("resettlement", "plot"),
            ("resettlement_place", "Lô TĐC-07"),
            ("posted_on", "01/03/2026"),
            ("posted_at", "Nhà văn hóa tổ 5"),
            ("comments_until", "21/03/2026"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "agrees", "a draft moves nothing");
    let m = assert_in_step(&w);
    assert_eq!(
        (m.plans, m.plans_approved, m.money_planned),
        (1, 0, 9_914_500_000)
    );

    // Hostile and inconsistent input: each field its own message, nothing saved.
    let r = plan(
        &w,
        h,
        &[
            ("land", "-5"),
            ("structures", "2,5"),
            ("crops", "99999999999999999999"),
            ("resettlement", "castle"),
            ("comments_until", "01/01/2026"),
            ("posted_on", "01/03/2026"),
            ("decision_no", "12/QĐ-UBND"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for field in [
        "land",
        "structures",
        "crops",
        "resettlement",
        "comments_until",
        "decision_on",
        "posted_at",
    ] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field} has its message"
        );
    }
    assert!(html.contains("value=\"-5\""), "what was typed stays");
    assert_eq!(db::money::plans(&mut w.app.conn(), h).unwrap().len(), 1);

    // No payment before approval.
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "10/04/2026"),
            ("amount", "1.000.000"),
            ("method", "cash"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("đã được phê duyệt"));

    // Adjusted and approved: a second version, the first kept; the stage moves.
    let r = plan(
        &w,
        h,
        &[
            ("land", "8.500.000.000"),
            ("structures", "1.300.000.000"),
            ("crops", "4.500.000"),
            ("support", "180.000.000"),
            ("resettlement", "plot"),
            ("resettlement_place", "Lô TĐC-07"),
            ("posted_on", "01/03/2026"),
            ("posted_at", "Nhà văn hóa tổ 5"),
            ("comments_until", "21/03/2026"),
            ("decision_no", "1201/QĐ-UBND"),
            ("decision_on", "05/04/2026"),
            ("decision_by", "UBND quận Tây Hồ"),
            ("note", "Bổ sung công trình phụ"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "plan_approved");
    let versions = db::money::plans(&mut w.app.conn(), h).unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].current && !versions[1].current);
    assert_eq!(
        versions[1].structures, 1_230_000_000,
        "the old version is kept as it was"
    );
    let m = assert_in_step(&w);
    assert_eq!(
        (m.plans_approved, m.money_approved, m.plots),
        (1, 9_984_500_000, 1)
    );

    // "Paid" by a visit, without a payment: a reason or the record.
    let r = visit(&w, h, "paid", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("chưa có khoản chi trả"));

    // More than approved is refused; a payment from the household page
    // moves the stage and comes back there.
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "10/04/2026"),
            ("amount", "9.984.500.001"),
            ("method", "transfer"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "10/04/2026"),
            ("amount", "5.000.000.000"),
            ("method", "transfer"),
            ("reference", "UNC 0042"),
            ("back", "household"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/households/{h}"));
    assert_eq!(stage_of(&w, h), "paid");
    let m = assert_in_step(&w);
    assert_eq!((m.money_paid, m.households_paid), (5_000_000_000, 1));
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "11/04/2026"),
            ("amount", "4.984.500.000"),
            ("method", "cash"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(assert_in_step(&w).money_paid, 9_984_500_000);

    // The record is in the household's log, not counted as a visit.
    let html = w.capuy.page_ok(&format!("/households/{h}")).await;
    assert!(html.contains("Ghi nhận hồ sơ") && html.contains("UNC 0042"));
    assert!(html.contains("9.984.500.000 đ"));

    // The handover: minutes required, then the stage.
    let r = w
        .capuy
        .post(
            &format!("/households/{h}/handover"),
            &[("handed_over_on", "20/04/2026"), ("minutes", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .capuy
        .post(
            &format!("/households/{h}/handover"),
            &[
                ("handed_over_on", "20/04/2026"),
                ("minutes", "BB 07/BB-GPMB"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "handed_over");
    assert_eq!(assert_in_step(&w).handed_over, 1);

    // The task page adds the figures up; the dashboard's visit totals
    // count visits only.
    let html = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    assert!(html.contains("9.984.500.000 đ"));
    let visits: i64 = {
        use danvan::db::schema::visit_month_totals::dsl as v;
        use diesel::prelude::*;
        v::visit_month_totals
            .select(diesel::dsl::sum(v::visits))
            .first::<Option<i64>>(&mut w.app.conn())
            .unwrap()
            .unwrap_or(0)
    };
    assert_eq!(
        visits, 4,
        "four visits; the plan, payments and handover are records"
    );
}

#[tokio::test]
async fn a_refused_payment_is_deposited_with_its_slip() {
    let w = world().await;
    let h = w.households[1];
    let approved = [
        ("land", "2.000.000.000"),
        ("decision_no", "7/QĐ-UBND"),
        ("decision_on", "02/02/2026"),
        ("decision_by", "UBND quận"),
    ];
    assert_eq!(plan(&w, h, &approved).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stage_of(&w, h),
        "plan_approved",
        "a record may skip steps: it is the reason"
    );
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "01/03/2026"),
            ("amount", "2.000.000.000"),
            ("method", "deposit"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Kho bạc"));
    let r = pay(
        &w,
        h,
        &[
            ("paid_on", "01/03/2026"),
            ("amount", "2.000.000.000"),
            ("method", "deposit"),
            ("reference", "GNT 0311/KBNN"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&w, h), "payment_deposited");
    let m = assert_in_step(&w);
    assert_eq!(
        (m.money_paid, m.money_deposited, m.households_paid),
        (0, 2_000_000_000, 1)
    );
    // "Paid" still needs money the household took.
    let r = visit(&w, h, "paid", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn amounts_are_as_private_as_personal_details() {
    let w = world().await;
    let h = w.households[0];
    let approved = [
        ("land", "3.456.789.000"),
        ("decision_no", "9/QĐ"),
        ("decision_on", "02/02/2026"),
        ("decision_by", "UBND"),
    ];
    assert_eq!(plan(&w, h, &approved).await.status(), StatusCode::SEE_OTHER);
    let xem = w.app.browser("xem").await;
    for path in [
        format!("/households/{h}"),
        format!("/households/{h}/compensation"),
    ] {
        let (status, html) = xem.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !html.contains("3.456.789.000"),
            "{path} shows no amount to a viewer"
        );
    }
    // A reviewer sees them, and the look is logged, as a phone's is.
    let reads = |w: &World| {
        use danvan::db::schema::audit_log::dsl as a;
        use diesel::prelude::*;
        a::audit_log
            .filter(a::action.eq("read_personal"))
            .filter(a::entity_id.eq(h))
            .count()
            .get_result::<i64>(&mut w.app.conn())
            .unwrap()
    };
    let before = reads(&w);
    let mttq = w.app.browser("mttq").await;
    let html = mttq.page_ok(&format!("/households/{h}/compensation")).await;
    assert!(html.contains("3.456.789.000"));
    assert_eq!(reads(&w), before + 1, "the reviewer's look is logged");
    // A viewer records nothing.
    let r = xem
        .post(
            &format!("/households/{h}/payments"),
            &[
                ("paid_on", "01/03/2026"),
                ("amount", "1"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The API alike.
    let viewer = db::users::find_by_username(&mut w.app.conn(), "xem")
        .unwrap()
        .unwrap()
        .id;
    let token = token_for(&w.app, viewer);
    let r = new_client()
        .get(w.app.url(&format!("/api/v1/households/{h}/compensation")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_keeps_the_same_records() {
    let w = world().await;
    let h = w.households[2];
    let capuy = db::users::find_by_username(&mut w.app.conn(), "capuy")
        .unwrap()
        .unwrap()
        .id;
    let token = token_for(&w.app, capuy);
    let client = new_client();
    let post = |path: String, body: serde_json::Value| {
        client
            .post(w.app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = post(format!("/api/v1/households/{h}/plans"), json!({"land": -1}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["fields"]["land"].is_object());
    let r = post(
        format!("/api/v1/households/{h}/plans"),
        json!({"land": 1_500_000_000i64, "support": 60_000_000, "resettlement": "apartment",
               "resettlement_place": "Căn 1203 CT2", "decision_no": "3/QĐ", "decision_on": "2026-02-02",
               "decision_by": "UBND quận"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["moved_to"], "plan_approved");
    assert_eq!(body["compensation"]["approved"], 1_560_000_000i64);
    let r = post(
        format!("/api/v1/households/{h}/payments"),
        json!({"paid_on": "2026-03-01", "amount": 1_560_000_000i64, "method": "transfer"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(stage_of(&w, h), "paid");
    let r = client
        .get(w.app.url(&format!("/api/v1/tasks/{}/money", w.task)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let money: serde_json::Value = r.json().await.unwrap();
    assert_eq!(money["money_paid"], 1_560_000_000i64);
    assert_eq!(money["apartments"], 1);
    assert_eq!(money["plans_needed"], 4);
    assert_eq!(money["typed"], false);
    assert_in_step(&w);
}

#[tokio::test]
async fn typed_figures_stay_marked_until_households_have_records() {
    let w = world().await;
    let mut conn = w.app.conn();
    {
        use danvan::db::schema::tasks::dsl as t;
        use diesel::prelude::*;
        diesel::update(t::tasks.find(w.task))
            .set((
                t::plans_total.eq(Some(44)),
                t::money_paid.eq(Some(96_500_000_000i64)),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let html = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    assert!(html.contains("96.500.000.000 đ") && html.contains("nhập tay"));
    // An edit of the task keeps them; the form no longer offers them.
    let form = w.capuy.page_ok(&format!("/tasks/{}/edit", w.task)).await;
    assert!(!form.contains("name=\"money_paid\""));
    let h = w.households[3];
    assert_eq!(
        plan(&w, h, &[("land", "1.000.000")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    assert!(!html.contains("nhập tay"), "added up from the records now");
    assert!(!html.contains("96.500.000.000 đ"));
}

#[tokio::test]
async fn the_public_page_shows_progress_and_nothing_personal() {
    let w = world().await;
    let h = w.households[0];
    let approved = [
        ("land", "2.000.000.000"),
        (
            "posted_on",
            &danvan::domain::format::date(danvan::domain::format::today())[..],
        ),
        ("posted_at", "Nhà văn hóa tổ 5"),
        ("comments_until", "31/12/2099"),
    ];
    let r = plan(&w, h, &approved).await;
    assert!(r.status() == StatusCode::SEE_OTHER || r.status() == StatusCode::UNPROCESSABLE_ENTITY);

    // Off by default: no page, and nothing to guess.
    let card = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    assert!(!card.contains("/p/"));
    // Only the committee switches it on.
    let xem = w.app.browser("xem").await;
    let r = xem
        .post(&format!("/tasks/{}/public", w.task), &[("enabled", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w
        .capuy
        .post(&format!("/tasks/{}/public", w.task), &[("enabled", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    let start = card.find("href=\"/p/").expect("the short link") + 6;
    let path = card[start..].split('"').next().unwrap().to_string();
    assert!(card.contains("<svg"), "the QR code");

    // Without login: the progress, no names, no phones, no links to households.
    let anon = new_client();
    let r = anon.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("set-cookie").is_none(),
        "no session for a reader"
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains("Khu đô thị Nam Thăng Long"));
    for id in &w.households {
        let hh = db::households::find(&mut w.app.conn(), *id).unwrap();
        assert!(!html.contains(&hh.head_name), "no household's name");
        assert!(!html.contains(&hh.phone), "no household's phone");
        assert!(!html.contains(&format!("/households/{id}")));
    }
    assert!(html.contains("Nhà văn hóa tổ 5"), "the posting open now");
    let r = anon
        .get(w.app.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

    // A question: hidden until answered, then shown with its answer; the
    // asker's name and phone never.
    let asker = w.app.on(&new_client());
    let r = asker
        .post(
            &format!("{path}/ask"),
            &[
                ("question", "Bao giờ có nhà tái định cư?"),
                ("name", "Trần Thị Hỏi"),
                ("phone", "0988777666"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = asker
        .post(
            &format!("{path}/ask"),
            &[("question", ""), ("phone", "gọi tôi")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = w.app.text(&path).await;
    assert!(!html.contains("Bao giờ có nhà tái định cư?"));
    let card = w.capuy.page_ok(&format!("/tasks/{}", w.task)).await;
    let q = card
        .split("/questions/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = w
        .capuy
        .post(
            &format!("/tasks/{}/questions/{q}", w.task),
            &[("answer", "Quý IV năm nay.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = w.app.text(&path).await;
    assert!(html.contains("Bao giờ có nhà tái định cư?") && html.contains("Quý IV năm nay."));
    assert!(!html.contains("Trần Thị Hỏi") && !html.contains("0988777666"));
    // Too many questions from one address are refused.
    let mut refused = false;
    for _ in 0..5 {
        let r = asker
            .post(&format!("{path}/ask"), &[("question", "Thêm một câu")])
            .await;
        refused |= r.status() == StatusCode::UNPROCESSABLE_ENTITY;
    }
    assert!(refused);

    // Switched off: gone.
    let r = w
        .capuy
        .post(
            &format!("/tasks/{}/public", w.task),
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.app.text(&path).await.0, StatusCode::NOT_FOUND);
}
