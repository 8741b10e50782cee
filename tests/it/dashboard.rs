//! The unit dashboard and search, rolled up over the unit tree and limited to the reader's scope.

use crate::common;

use common::{new_client, spawn, TestApp, PASSWORD};
use danvan::db::{self, households::HouseholdFields, households::NewVisit};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use reqwest::StatusCode;

/// A task in `unit` with one household per stage given, each visited today
/// (or, for `None`, never visited).
fn task_with(
    app: &TestApp,
    unit: i64,
    owner: i64,
    title: &str,
    stages: &[Option<ConsentStage>],
) -> i64 {
    let mut conn = app.conn();
    let fields = common::task_fields(
        unit,
        owner,
        title,
        Some(format::today() - chrono::Duration::days(3)),
        2023,
    );
    let (task, _) = db::tasks::create(&mut conn, &fields, owner).unwrap();
    for (i, stage) in stages.iter().enumerate() {
        let h = HouseholdFields {
            head_name: format!("Nguyễn Văn Thụy {i}"),
            address: String::new(),
            residential_group: String::new(),
            map_sheet: "1".into(),
            parcel_no: format!("{title}-{i}"),
            area_m2: 100.0,
            land_type: String::new(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        };
        let (household, _) = db::households::create(&mut conn, &task, &h).unwrap();
        if let Some(stage) = stage {
            let visit = visit(*stage, format::today(), None);
            db::households::append_visit(&mut conn, &task, &household, &visit, owner).unwrap();
        }
    }
    task.id
}

/// A door-to-door visit on `on` that leaves the household at `stage`.
fn visit(stage: ConsentStage, on: chrono::NaiveDate, corrects: Option<i64>) -> NewVisit {
    NewVisit {
        visited_on: on,
        kind: "door_to_door".into(),
        members: vec![],
        others: String::new(),
        household_said: String::new(),
        concerns: String::new(),
        stage_after: stage,
        reason: Some("dữ liệu thử".into()),
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: corrects,
        dialogue_id: None,
        device: None,
    }
}

#[tokio::test]
async fn the_dashboard_rolls_up_the_subtree_and_nothing_outside_it() {
    let app = spawn().await;
    let thuy_khue = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let long_bien = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    let ward_user = app.user("capuy", thuy_khue, &[(Role::Committee, thuy_khue)]);
    let other = app.user("capuy.lb", long_bien, &[(Role::Committee, long_bien)]);
    app.user("thanhpho", app.root, &[(Role::Viewer, app.root)]);
    use ConsentStage::*;
    task_with(
        &app,
        thuy_khue,
        ward_user,
        "Mương Thụy Khuê",
        &[Some(Agrees), Some(HandedOver), Some(Disagrees), None],
    );
    task_with(
        &app,
        long_bien,
        other,
        "Chỉnh trang Long Biên",
        &[Some(Paid), Some(Paid)],
    );

    app.login_ok("capuy").await;
    let (status, html) = app.text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<strong>2/4</strong>"),
        "2 of the ward's 4 households consented: {html}"
    );
    assert!(html.contains("<strong>100 m²</strong>"), "area handed over");
    assert!(html.contains("<strong>3</strong>lượt vận động trong tháng"));
    assert!(html.contains("<strong>1</strong>hộ chưa được vận động trong 30 ngày"));
    assert!(
        html.contains("<strong>1</strong><a href=\"/tasks?overdue=1\">"),
        "one overdue task"
    );
    assert!(html.contains("<svg class=\"chart\""), "charts drawn as SVG");
    assert!(
        html.contains("Đồng ý phương án") && !html.contains("Đã nhận tiền"),
        "stages of the ward only"
    );

    assert_eq!(
        app.get(&format!("/dashboard?unit={long_bien}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let city = new_client();
    let r = app.login_with(&city, "thanhpho", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .get_with(&city, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<strong>4/6</strong>"),
        "the city sees both wards"
    );
    let html = app
        .get_with(&city, &format!("/dashboard?unit={long_bien}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<strong>2/2</strong>"),
        "or one ward when it chooses"
    );
}

#[tokio::test]
async fn search_ignores_diacritics_and_stays_in_scope() {
    let app = spawn().await;
    let thuy_khue = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let long_bien = app.unit(app.root, UnitKind::Ward, "Phường Long Biên");
    let owner = app.user("capuy", thuy_khue, &[(Role::Committee, thuy_khue)]);
    app.user("xem.lb", long_bien, &[(Role::Viewer, long_bien)]);
    task_with(
        &app,
        thuy_khue,
        owner,
        "Mương thoát nước Thụy Khuê",
        &[None],
    );

    app.login_ok("capuy").await;
    let (_, html) = app.text("/search?q=thuy+KHUE").await;
    assert!(html.contains("Mương thoát nước Thụy Khuê"));
    assert!(
        !html.contains("Nguyễn Văn Thụy 0"),
        "the household's name has no \"khue\""
    );
    let (_, html) = app.text("/search?q=nguyen+van+THUY").await;
    assert!(html.contains("Nguyễn Văn Thụy 0"));

    let outsider = new_client();
    let r = app.login_with(&outsider, "xem.lb", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the outsider is logged in"
    );
    let r = app.get_with(&outsider, "/search?q=thuy").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"thuy\"") && html.contains("Không tìm thấy."),
        "the search ran for them and found nothing they may see: {html}"
    );
    assert!(!html.contains("Mương thoát nước") && !html.contains("Nguyễn Văn Thụy"));
}

#[tokio::test]
async fn cached_figures_follow_every_change_on_every_instance_and_equal_a_recount() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    use ConsentStage::*;
    let task = task_with(
        &app,
        ward,
        capuy,
        "Mương Thụy Khuê",
        &[None, None, Some(Agrees)],
    );
    // A second instance on the same database, with its own cache.
    let second = danvan::startup::Application::build(common::config_for(&app.db, &[])).unwrap();
    let second_base = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let other = new_client();
    app.login_ok("capuy").await;
    app.login_with(&other, "capuy", PASSWORD).await;
    let on_second = |path: &str| {
        let url = format!("{second_base}{path}");
        let c = other.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let (_, html) = app.text("/dashboard").await;
    assert!(html.contains("<strong>1/3</strong>"), "{html}");
    assert!(on_second("/dashboard")
        .await
        .contains("<strong>1/3</strong>"));

    // A visit logged through the first instance moves a household to "agrees".
    let household: i64 = {
        use danvan::db::schema::households;
        use diesel::prelude::*;
        households::table
            .filter(households::task_id.eq(task))
            .filter(households::stage.eq("not_contacted"))
            .select(households::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let r = app
        .post(
            &format!("/households/{household}/visits"),
            &[
                ("visited_on", &format::date(format::today())),
                ("kind", "door_to_door"),
                ("stage_after", "agrees"),
                ("reason", "Gia đình đã đồng ý"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Both instances show the new figures, and they are what a recount gives.
    let recount = db::dashboard::figures(
        &mut app.conn(),
        &[db::units::find(&mut app.conn(), ward).unwrap().path],
        format::today(),
    )
    .unwrap();
    assert_eq!(
        (
            recount.progress.households_consented,
            recount.progress.households
        ),
        (2, 3)
    );
    assert_eq!(recount.visits_this_month, 2);
    for html in [
        app.text("/dashboard").await.1,
        on_second("/dashboard").await,
    ] {
        assert!(html.contains("<strong>2/3</strong>"), "{html}");
        assert!(html.contains("<strong>2</strong>lượt vận động trong tháng"));
    }
}

#[tokio::test]
async fn a_common_name_shows_the_first_matches_by_name_and_says_there_are_more() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let owner = app.user("capuy", ward, &[(Role::Committee, ward)]);
    task_with(&app, ward, owner, "Đường Văn Cao", &[None; 55]);

    app.login_ok("capuy").await;
    let (_, html) = app.text("/search?q=van+thuy").await;
    let shown = html.matches("href=\"/households/").count();
    assert_eq!(shown, 50, "the first 50 of 55 matches");
    assert!(html.contains("Còn những hộ khác trùng tên"));
    assert!(
        html.contains("Nguyễn Văn Thụy 49<") && !html.contains("Nguyễn Văn Thụy 54<"),
        "the first registered are the ones shown"
    );
    let at = |name: &str| html.find(&format!("{name}<")).unwrap();
    assert!(
        at("Nguyễn Văn Thụy 10") < at("Nguyễn Văn Thụy 2"),
        "shown by name"
    );

    let (_, html) = app.text("/search?q=thuy+54").await;
    assert_eq!(html.matches("href=\"/households/").count(), 1);
    assert!(!html.contains("Còn những hộ khác trùng tên"));
}

#[tokio::test]
async fn search_shows_the_first_matching_tasks_by_title_and_links_to_all_of_them() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let other = app.unit(app.root, UnitKind::Ward, "Phường Bưởi");
    let owner = app.user("capuy", ward, &[(Role::Committee, ward)]);
    for i in 0..53 {
        task_with(
            &app,
            ward,
            owner,
            &format!("Chỉnh trang đường Văn Cao {i}"),
            &[],
        );
    }
    task_with(
        &app,
        ward,
        owner,
        "Giải phóng mặt bằng đường Thụy Khuê",
        &[],
    );
    // Outside the reader's scope: never shown.
    let stranger = app.user("capuy2", other, &[(Role::Committee, other)]);
    task_with(&app, other, stranger, "Đường Văn Cao, phường Bưởi", &[]);

    app.login_ok("capuy").await;
    let (_, html) = app.text("/search?q=DUONG+van+cao").await;
    let task_links = html
        .split("href=\"/tasks/")
        .skip(1)
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(task_links, 50, "the first 50 of 53");
    assert!(html.contains("Còn những việc khác khớp"));
    assert!(
        html.contains("href=\"/tasks?q&#x3D;DUONG+van+cao\""),
        "{html}"
    );
    assert!(!html.contains("phường Bưởi<"));
    assert!(
        html.contains("Văn Cao 49<") && !html.contains("Văn Cao 52<"),
        "the first registered are the ones shown"
    );
    let at = |name: &str| html.find(&format!("{name}<")).unwrap();
    assert!(at("Văn Cao 10") < at("Văn Cao 2"), "shown by title");

    // Two letters have no trigram: the plain scan answers.
    let (_, html) = app.text("/search?q=th").await;
    assert!(html.contains("Giải phóng mặt bằng đường Thụy Khuê<"));
    // A title changed is found by its new words only.
    let id: i64 = {
        use danvan::db::schema::tasks;
        use diesel::prelude::*;
        tasks::table
            .filter(tasks::title.eq("Giải phóng mặt bằng đường Thụy Khuê"))
            .select(tasks::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let (_, html) = app.text("/search?q=thuy+khue").await;
    assert!(html.contains(&format!("href=\"/tasks/{id}\"")));
    {
        use danvan::db::schema::tasks;
        use diesel::prelude::*;
        diesel::update(tasks::table.find(id))
            .set((
                tasks::title.eq("Mở rộng ngõ Tân Lập"),
                tasks::search_text.eq("mo rong ngo tan lap"),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    let (_, html) = app.text("/search?q=thuy+khue").await;
    assert!(!html.contains(&format!("href=\"/tasks/{id}\"")));
    let (_, html) = app.text("/search?q=tan+lap").await;
    assert!(html.contains(&format!("href=\"/tasks/{id}\"")));
}

/// The dashboard reads totals kept by triggers; after every kind of change to
/// households and visits they equal a recount, and so do the figures.
#[tokio::test]
async fn the_totals_equal_a_recount_after_every_kind_of_change() {
    use danvan::db::schema::{households, tasks, visits};
    use diesel::prelude::*;
    use ConsentStage::*;
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let capuy = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let check = || common::assert_totals_equal_a_recount(&mut app.conn());
    check();
    let a = task_with(
        &app,
        ward,
        capuy,
        "Mương A",
        &[None, Some(Agrees), Some(Paid)],
    );
    let b = task_with(&app, ward, capuy, "Đường B", &[None, None]);
    check();

    let mut conn = app.conn();
    let task_a = db::tasks::find(&mut conn, a).unwrap();
    let of_a = |conn: &mut db::DbConnection| -> Vec<i64> {
        households::table
            .filter(households::task_id.eq(a))
            .order(households::id)
            .select(households::id)
            .load(conn)
            .unwrap()
    };
    let ids = of_a(&mut conn);
    let today = format::today();
    // A visit logged late, dated two months back: the history is re-read.
    let h = db::households::find(&mut conn, ids[1]).unwrap();
    db::households::append_visit(
        &mut conn,
        &task_a,
        &h,
        &visit(Disagrees, today - chrono::Duration::days(62), None),
        capuy,
    )
    .unwrap();
    check();
    // A correction of the latest visit.
    let latest: i64 = visits::table
        .filter(visits::household_id.eq(ids[2]))
        .select(visits::id)
        .first(&mut conn)
        .unwrap();
    let h = db::households::find(&mut conn, ids[2]).unwrap();
    db::households::append_visit(
        &mut conn,
        &task_a,
        &h,
        &visit(Agrees, today, Some(latest)),
        capuy,
    )
    .unwrap();
    check();
    // The area of a household corrected.
    let h = db::households::find(&mut conn, ids[0]).unwrap();
    let mut fields = db::households::fields_of(&h);
    fields.area_m2 = 250.5;
    db::households::update(&mut conn, &task_a, ids[0], 1, &fields)
        .unwrap()
        .unwrap();
    check();

    // A visit through the app, then the figures against a direct count.
    app.login_ok("capuy").await;
    let r = app
        .post(
            &format!("/households/{}/visits", ids[0]),
            &[
                ("visited_on", &format::date(today)),
                ("kind", "door_to_door"),
                ("stage_after", "considering"),
                ("reason", "Gia đình đang cân nhắc"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    check();
    let path = db::units::find(&mut conn, ward).unwrap().path;
    let f = db::dashboard::figures(&mut conn, std::slice::from_ref(&path), today).unwrap();
    let month_start = chrono::Datelike::with_day(&today, 1).unwrap();
    let visits_this_month: i64 = visits::table
        .filter(visits::visited_on.ge(month_start))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(f.visits_this_month, visits_this_month);
    assert_eq!(
        f.visits_this_month, 4,
        "two logged with the tasks, a correction, one posted"
    );
    // Waiting and not visited for 30 days: B's two, never visited. A's
    // households were all visited today (the one visited late also today).
    let not_visited: i64 = households::table
        .filter(households::stage.ne_all(["handed_over", "enforcement"]))
        .filter(
            households::last_visit_on
                .lt(today - chrono::Duration::days(30))
                .or(households::last_visit_on.is_null()),
        )
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(f.not_visited_30_days, not_visited);
    assert_eq!(f.not_visited_30_days, 2, "B's two households");
    let total: i64 = f.households_by_stage.iter().map(|(_, n, _)| n).sum();
    assert_eq!(total, 5);

    // A task's own changes move its figures with it: to another unit, to a
    // closed status (its households no longer wait), to another category and
    // consented set, and back.
    let other = app.unit(app.root, UnitKind::Ward, "Phường Bưởi");
    let other_path = db::units::find(&mut conn, other).unwrap().path;
    let category: i64 = {
        use danvan::db::schema::task_categories;
        task_categories::table
            .filter(task_categories::id.ne(task_a.category_id))
            .select(task_categories::id)
            .first(&mut conn)
            .unwrap()
    };
    diesel::update(tasks::table.find(b))
        .set(tasks::unit_id.eq(other))
        .execute(&mut conn)
        .unwrap();
    check();
    let moved =
        db::dashboard::figures(&mut conn, std::slice::from_ref(&other_path), today).unwrap();
    assert_eq!(
        moved.not_visited_30_days, 2,
        "B's two households went along"
    );
    assert_eq!(moved.tasks_by_status.iter().map(|(_, n)| n).sum::<i64>(), 1);
    let left = db::dashboard::figures(&mut conn, std::slice::from_ref(&path), today).unwrap();
    assert_eq!(left.not_visited_30_days, 0);
    assert_eq!(
        left.households_by_stage
            .iter()
            .map(|(_, n, _)| n)
            .sum::<i64>(),
        3,
        "A's three households stay"
    );
    diesel::update(tasks::table.find(b))
        .set((
            tasks::status.eq("completed"),
            tasks::category_id.eq(category),
            tasks::consented_stages.eq("agrees"),
        ))
        .execute(&mut conn)
        .unwrap();
    check();
    let closed =
        db::dashboard::figures(&mut conn, std::slice::from_ref(&other_path), today).unwrap();
    assert_eq!(
        closed.not_visited_30_days, 0,
        "a completed task waits for no one"
    );
    assert_eq!(closed.tasks_by_status, vec![("completed".to_string(), 1)]);
    assert_eq!(closed.tasks_by_category.len(), 1);
    assert_eq!(closed.tasks_by_category[0].0, category);
    diesel::update(tasks::table.find(b))
        .set((
            tasks::unit_id.eq(ward),
            tasks::status.eq("in_progress"),
            tasks::category_id.eq(task_a.category_id),
            tasks::consented_stages.eq(task_a.consented_stages.clone()),
        ))
        .execute(&mut conn)
        .unwrap();
    check();
    let back = db::dashboard::figures(&mut conn, std::slice::from_ref(&path), today).unwrap();
    assert_eq!(back.not_visited_30_days, 2);
    assert_eq!(back.progress, f.progress);

    // A unit moved under another: its figures leave the units above it and
    // join those above its new parent, and come back with it.
    let root_path = db::units::find(&mut conn, app.root).unwrap().path;
    let province =
        db::dashboard::figures(&mut conn, std::slice::from_ref(&root_path), today).unwrap();
    let moving = |conn: &mut db::DbConnection, parent: i64| {
        db::units::update(
            conn,
            ward,
            &db::units::UnitFields {
                parent_id: Some(parent),
                kind: UnitKind::Ward,
                name: "Phường Thụy Khuê".into(),
                code: None,
            },
        )
        .unwrap();
    };
    moving(&mut conn, other);
    check();
    let above =
        db::dashboard::figures(&mut conn, std::slice::from_ref(&other_path), today).unwrap();
    assert_eq!(
        above.progress, back.progress,
        "the ward's figures are its new parent's"
    );
    assert_eq!(above.not_visited_30_days, 2);
    let still = db::dashboard::figures(&mut conn, std::slice::from_ref(&root_path), today).unwrap();
    assert_eq!(
        still.progress, province.progress,
        "the province still holds them"
    );
    moving(&mut conn, app.root);
    check();
    let empty =
        db::dashboard::figures(&mut conn, std::slice::from_ref(&other_path), today).unwrap();
    assert_eq!(empty.not_visited_30_days, 0);
    assert!(empty.households_by_stage.is_empty());

    // Rows changed or removed by hand: a household moved to another task, one
    // deleted with its visits, then a whole task.
    diesel::update(households::table.find(ids[1]))
        .set(households::task_id.eq(b))
        .execute(&mut conn)
        .unwrap();
    diesel::update(visits::table.filter(visits::household_id.eq(ids[1])))
        .set((
            visits::task_id.eq(b),
            visits::visited_on.eq(today - chrono::Duration::days(400)),
        ))
        .execute(&mut conn)
        .unwrap();
    check();
    diesel::delete(households::table.find(ids[2]))
        .execute(&mut conn)
        .unwrap();
    check();
    diesel::delete(tasks::table.find(b))
        .execute(&mut conn)
        .unwrap();
    check();
    let left: i64 = households::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 1, "only A's first household is left");
}

/// One rounding everywhere: 1 of 6 households is 17 % on the dashboard and
/// on the task page alike, and 5 of 6 is 83 %; nothing short of all is 100 %.
#[tokio::test]
async fn percentages_round_the_same_way_on_every_page() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    let other = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let owner = app.user("capuy", ward, &[(Role::Committee, ward)]);
    app.user("thanhpho", app.root, &[(Role::Viewer, app.root)]);
    use ConsentStage::*;
    let one = task_with(
        &app,
        ward,
        owner,
        "Một trên sáu",
        &[Some(Agrees), None, None, None, None, None],
    );
    let five = task_with(
        &app,
        other,
        owner,
        "Năm trên sáu",
        &[
            Some(Agrees),
            Some(Agrees),
            Some(Paid),
            Some(Paid),
            Some(HandedOver),
            None,
        ],
    );
    app.login_ok("thanhpho").await;
    for (page, want) in [
        (format!("/tasks/{one}"), "(1/6) 17%"),
        (format!("/dashboard?unit={ward}"), "(1/6) 17%"),
        (format!("/tasks/{five}"), "(5/6) 83%"),
        (format!("/dashboard?unit={other}"), "(5/6) 83%"),
        ("/dashboard".to_string(), "(6/12) 50%"),
    ] {
        let (status, html) = app.text(&page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let percent = want.split(' ').nth(1).unwrap();
        assert!(
            html.contains(&format!("hộ đã đồng thuận ({percent})")),
            "{page}: {want}"
        );
    }
}
