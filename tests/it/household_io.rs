//! Household lists in and out: CSV and XLSX import with a preview, all or
//! nothing, and exports that the import reads back.

use crate::common;

use common::{location, new_client, spawn, TestApp, PASSWORD};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

struct World {
    app: TestApp,
    tasks: Vec<i64>,
}

/// A ward with three tasks led by `chutri`, who is logged in.
async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Thượng");
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    app.user("xem", ward, &[(Role::Viewer, ward)]);
    let mut tasks = Vec::new();
    for title in ["Nam Thăng Long GĐ3", "Bản sao 1", "Bản sao 2"] {
        let fields = common::task_fields(ward, owner, title, None, 2023);
        tasks.push(
            db::tasks::create(&mut app.conn(), &fields, owner)
                .unwrap()
                .0
                .id,
        );
    }
    app.login_ok("chutri").await;
    World { app, tasks }
}

async fn upload_with(
    app: &TestApp,
    client: &Client,
    task: i64,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let token = app.csrf_of(client).await;
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    client
        .post(app.url(&format!("/tasks/{task}/households/import?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn upload(w: &World, task: i64, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_with(&w.app, &w.app.client, task, name, bytes).await
}

fn import_id(html: &str, task: i64) -> String {
    let marker = format!("action=\"/tasks/{task}/households/import/");
    let start = html.find(&marker).expect("a confirm form") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn upload_and_confirm(
    w: &World,
    task: i64,
    name: &str,
    bytes: Vec<u8>,
    skip: bool,
) -> reqwest::Response {
    let r = upload(w, task, name, bytes).await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    let id = import_id(&html, task);
    let fields: Vec<(&str, &str)> = if skip {
        vec![("skip_duplicates", "1")]
    } else {
        vec![]
    };
    w.app
        .post(&format!("/tasks/{task}/households/import/{id}"), &fields)
        .await
}

fn households(w: &World, task: i64) -> Vec<db::households::Household> {
    db::households::all_of_task(&mut w.app.conn(), task).unwrap()
}

const LIST: &str = "STT;Tên chủ sử dụng đất;Địa chỉ khu đất;Diện tích (m²);Tờ bản đồ số;Thửa đất số;Loại đất;Nhóm ưu tiên;Ghi chú\n\
1;Nguyễn Văn An;Số 5 ngõ 12;1.270,8;27;525;ODT;Người cao tuổi;Toàn bộ thửa đất\n\
2;Trần Thị Bình;Số 7 ngõ 12;50;27;526;CLN;poor;\n\
3;Lê Văn Cường;Số 9 ngõ 12;120,5;28;85;ODT;;Một phần thửa\n";

#[tokio::test]
async fn a_csv_list_with_vietnamese_headers_is_previewed_then_saved_all_at_once() {
    let w = world().await;
    let r = upload(&w, w.tasks[0], "danh-sach.csv", LIST.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("3 hộ, 0 dòng có lỗi"), "{html}");
    assert!(html.contains("Nguyễn Văn An") && html.contains("Lê Văn Cường"));
    assert!(
        households(&w, w.tasks[0]).is_empty(),
        "nothing is saved before confirming"
    );

    let id = import_id(&html, w.tasks[0]);
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households/import/{id}", w.tasks[0]),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = households(&w, w.tasks[0]);
    assert_eq!(saved.len(), 3);
    let an = saved
        .iter()
        .find(|h| h.head_name == "Nguyễn Văn An")
        .unwrap();
    assert_eq!(
        (an.area_m2, an.map_sheet.as_str(), an.parcel_no.as_str()),
        (1270.8, "27", "525")
    );
    assert_eq!(an.priority_groups, "elderly");
    assert_eq!(
        saved
            .iter()
            .find(|h| h.head_name == "Trần Thị Bình")
            .unwrap()
            .priority_groups,
        "poor"
    );

    // The same confirmation cannot be used twice.
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households/import/{id}", w.tasks[0]),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(households(&w, w.tasks[0]).len(), 3);
}

/// Moves the staged household imports' upload time back by `hours`.
fn age_staged_imports(w: &World, hours: i64) {
    use danvan::db::schema::household_imports as hi;
    use diesel::prelude::*;
    let then = db::now() - chrono::Duration::hours(hours);
    diesel::update(hi::table)
        .set(hi::created_at.eq(then))
        .execute(&mut w.app.conn())
        .unwrap();
}

#[tokio::test]
async fn a_staged_list_expires_after_a_day_as_a_staged_parcel_file_does() {
    let w = world().await;
    let task = w.tasks[0];
    let r = upload(&w, task, "danh-sach.csv", LIST.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = import_id(&r.text().await.unwrap(), task);
    age_staged_imports(&w, 25);

    let r = w
        .app
        .post(&format!("/tasks/{task}/households/import/{id}"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("không tồn tại hoặc đã bị xóa"), "{html}");
    assert!(households(&w, task).is_empty(), "nothing is saved");
    {
        use danvan::db::schema::household_imports as hi;
        use diesel::prelude::*;
        let left: i64 = hi::table.count().get_result(&mut w.app.conn()).unwrap();
        assert_eq!(left, 0, "the expired upload is dropped");
    }

    // One staged less than a day ago is still confirmed.
    let r = upload(&w, task, "danh-sach.csv", LIST.as_bytes().to_vec()).await;
    let id = import_id(&r.text().await.unwrap(), task);
    age_staged_imports(&w, 23);
    let r = w
        .app
        .post(&format!("/tasks/{task}/households/import/{id}"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(households(&w, task).len(), 3);
}

#[tokio::test]
async fn a_new_upload_replaces_the_list_still_waiting_as_a_parcel_file_does() {
    let w = world().await;
    let task = w.tasks[0];
    let r = upload(&w, task, "danh-sach.csv", LIST.as_bytes().to_vec()).await;
    let first = import_id(&r.text().await.unwrap(), task);
    let one = "Chủ hộ,Diện tích\nLê Văn Cường,80\n";
    let r = upload(&w, task, "mot-ho.csv", one.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let second = import_id(&r.text().await.unwrap(), task);
    assert_ne!(first, second);
    {
        use danvan::db::schema::household_imports as hi;
        use diesel::prelude::*;
        let waiting: i64 = hi::table.count().get_result(&mut w.app.conn()).unwrap();
        assert_eq!(waiting, 1, "only the newest list waits");
    }
    let confirm = |id: String| format!("/tasks/{task}/households/import/{id}");
    let r = w.app.post(&confirm(first), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        households(&w, task).is_empty(),
        "the replaced list saves nothing"
    );
    let r = w.app.post(&confirm(second), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = households(&w, task);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].head_name, "Lê Văn Cường");
}

#[tokio::test]
async fn a_list_with_errors_shows_every_bad_row_and_saves_nothing() {
    let w = world().await;
    let bad = "Chủ hộ,Diện tích,Điện thoại\nNguyễn Văn An,50,0912345678\n,30,\nTrần Thị Bình,năm mươi,gọi sau\n";
    let r = upload(&w, w.tasks[0], "loi.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("3 hộ, 2 dòng có lỗi"), "{html}");
    assert!(html.contains("Chủ hộ: Không được để trống."));
    assert!(html.contains("Diện tích (m²): Phải là một số hợp lệ"));
    assert!(html.contains("Điện thoại: Số điện thoại chỉ gồm chữ số"));
    assert!(!html.contains("households/import/"), "no way to confirm");
    assert!(households(&w, w.tasks[0]).is_empty());

    let r = upload(
        &w,
        w.tasks[0],
        "khong-co-cot-ten.csv",
        b"Dia chi,Dien tich\nSo 5,50\n".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Không tìm thấy cột"));
    let r = upload(
        &w,
        w.tasks[0],
        "rac.xlsx",
        b"PK\x03\x04 not really a workbook".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Không đọc được tệp Excel"));
}

#[tokio::test]
async fn exports_in_xlsx_and_csv_read_back_through_the_import() {
    let w = world().await;
    let r = upload_and_confirm(
        &w,
        w.tasks[0],
        "danh-sach.csv",
        LIST.as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let key = |hs: Vec<db::households::Household>| {
        let mut v: Vec<_> = hs
            .into_iter()
            .map(|h| {
                (
                    h.head_name,
                    h.address,
                    h.map_sheet,
                    h.parcel_no,
                    (h.area_m2 * 100.0) as i64,
                    h.land_type,
                    h.priority_groups,
                    h.notes,
                )
            })
            .collect();
        v.sort();
        v
    };
    let original = key(households(&w, w.tasks[0]));

    let r = w
        .app
        .get(&format!("/tasks/{}/households.xlsx", w.tasks[0]))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let xlsx = r.bytes().await.unwrap().to_vec();
    let r = upload_and_confirm(&w, w.tasks[1], "xuat.xlsx", xlsx, false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(key(households(&w, w.tasks[1])), original, "XLSX round trip");

    let csv = w
        .app
        .get(&format!("/tasks/{}/households.csv", w.tasks[0]))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(csv.starts_with("\u{feff}STT,".as_bytes()));
    let r = upload_and_confirm(&w, w.tasks[2], "xuat.csv", csv.clone(), false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(key(households(&w, w.tasks[2])), original, "CSV round trip");

    // Importing the same list again flags every row and, skipping them, adds nothing.
    let r = upload(&w, w.tasks[0], "xuat.csv", csv.clone()).await;
    assert!(r.text().await.unwrap().contains("3 dòng trùng thửa đất"));
    let r = upload_and_confirm(&w, w.tasks[0], "xuat.csv", csv, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(households(&w, w.tasks[0]).len(), 3);
}

#[tokio::test]
async fn uploads_need_the_csrf_token_and_the_right_to_edit_the_task() {
    let w = world().await;
    let form = Form::new().part(
        "file",
        Part::bytes(LIST.as_bytes().to_vec()).file_name("a.csv"),
    );
    let r = w
        .app
        .client
        .post(
            w.app
                .url(&format!("/tasks/{}/households/import", w.tasks[0])),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let viewer = new_client();
    w.app.login_with(&viewer, "xem", PASSWORD).await;
    assert_eq!(
        w.app
            .get_with(&viewer, &format!("/tasks/{}/households/import", w.tasks[0]))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = upload_with(
        &w.app,
        &viewer,
        w.tasks[0],
        "a.csv",
        LIST.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A viewer may read and export, though.
    assert_eq!(
        w.app
            .get_with(&viewer, &format!("/tasks/{}/households.csv", w.tasks[0]))
            .await
            .status(),
        StatusCode::OK
    );
    assert!(households(&w, w.tasks[0]).is_empty());
    let _ = location;
}

/// The plan amounts of a task's households, by name.
fn amounts_of(w: &World, task: i64) -> Vec<(String, Option<i64>)> {
    let mut conn = w.app.conn();
    let plans = db::money::current_amounts(&mut conn, task).unwrap();
    let mut v: Vec<_> = households(w, task)
        .into_iter()
        .map(|h| {
            (
                h.head_name,
                plans.get(&h.id).map(danvan::domain::money::Amounts::total),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn plan_amounts_come_in_from_an_office_sheet_and_go_out_again() {
    let w = world().await;
    // Made by LibreOffice: amounts as grouped number cells, as text typed
    // the Vietnamese way (`350.000.000 đ`), one household without, a total row.
    let sheet = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/amounts.xlsx"
    ))
    .unwrap();
    let r = upload_and_confirm(&w, w.tasks[0], "phuong-an.xlsx", sheet, false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let want = vec![
        ("Lê Văn Cường".to_string(), None),
        ("Nguyễn Văn An".to_string(), Some(9_910_000_000)),
        ("Phạm Thị Dung".to_string(), Some(3_245_000_000)),
        ("Trần Thị Bình".to_string(), Some(1_660_000_000)),
    ];
    assert_eq!(amounts_of(&w, w.tasks[0]), want);
    let mut conn = w.app.conn();
    let kept = db::money::of_task(&mut conn, w.tasks[0]).unwrap();
    assert_eq!(kept, db::money::count(&mut conn, w.tasks[0]).unwrap());
    assert_eq!(
        (kept.plans, kept.plans_approved, kept.money_planned),
        (3, 0, 14_815_000_000)
    );

    // An amount that fits no reading refuses the whole file, naming its line.
    let bad =
        "STT;Chủ hộ;Thửa đất số;Bồi thường về đất (đồng)\n1;Hộ Một;9;1.250.000,5\n2;Hộ Hai;10;-3\n";
    let r = upload(&w, w.tasks[2], "sai.csv", bad.as_bytes().to_vec()).await;
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("action=\"/tasks/"),
        "no confirm for a file with bad lines"
    );
    assert!(households(&w, w.tasks[2]).is_empty());

    // Exported (XLSX and CSV) and imported into another task: the same plans.
    for (ext, task) in [("xlsx", w.tasks[1]), ("csv", w.tasks[2])] {
        let r = w
            .app
            .get(&format!("/tasks/{}/households.{ext}", w.tasks[0]))
            .await;
        let bytes = r.bytes().await.unwrap().to_vec();
        let r = upload_and_confirm(&w, task, &format!("xuat.{ext}"), bytes, false).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(amounts_of(&w, task), want, "{ext} round trip");
    }

    // A viewer's export carries no amounts, as the pages show none.
    let viewer = new_client();
    w.app.login_with(&viewer, "xem", PASSWORD).await;
    let r = w
        .app
        .get_with(&viewer, &format!("/tasks/{}/households.csv", w.tasks[0]))
        .await;
    let csv = r.text().await.unwrap();
    assert!(csv.contains("Bồi thường về đất"), "the columns are there");
    assert!(!csv.contains("8.500.000.000"), "{csv}");
}
