//! Household lists as offices make them (tests/fixtures/import, made by
//! LibreOffice and iconv; rust_xlsxwriter for the rest), imported through the
//! page and the API, with the stored values checked; and files made to hurt
//! the reader, refused with a reason.

use crate::common;

use common::{spawn, TestApp};
use danvan::db;
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

struct World {
    app: TestApp,
    task: i64,
    token: String,
}

async fn world() -> World {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Phú Diễn");
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    let fields = common::task_fields(ward, owner, "Đường Nam Thăng Long", None, 2025);
    let task = db::tasks::create(&mut app.conn(), &fields, owner)
        .unwrap()
        .0
        .id;
    app.login_ok("chutri").await;
    let out = app.cli(&["token", "--username", "chutri", "--name", "test"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    World { app, task, token }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

async fn upload(
    w: &World,
    name: &str,
    bytes: Vec<u8>,
    decimal_point: bool,
) -> (StatusCode, String) {
    let token = w.app.csrf_of(&w.app.client).await;
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    if decimal_point {
        form = form.text("decimal_point", "1");
    }
    let r = w
        .app
        .client
        .post(w.app.url(&format!(
            "/tasks/{}/households/import?_csrf={token}",
            w.task
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Uploads, checks the preview is clean, confirms (skipping duplicates or
/// not) and answers the flash shown after.
async fn import(w: &World, name: &str, bytes: Vec<u8>, skip: bool) -> String {
    let (status, html) = upload(w, name, bytes, false).await;
    assert_eq!(status, StatusCode::OK, "{name}: {html}");
    let marker = format!("action=\"/tasks/{}/households/import/", w.task);
    let start = html.find(&marker).expect("a confirm form") + marker.len();
    let id = html[start..].split('"').next().unwrap().to_string();
    let fields: Vec<(&str, &str)> = if skip {
        vec![("skip_duplicates", "1")]
    } else {
        vec![]
    };
    let r = w
        .app
        .post(
            &format!("/tasks/{}/households/import/{id}", w.task),
            &fields,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    w.app.text(&format!("/tasks/{}", w.task)).await.1
}

type Row = (String, String, String, i64);

/// Name, map sheet, parcel and area (in hundredths) of every household, in
/// the order saved.
fn stored(w: &World) -> Vec<Row> {
    let mut rows = db::households::all_of_task(&mut w.app.conn(), w.task).unwrap();
    rows.sort_by_key(|h| h.id);
    rows.into_iter()
        .map(|h| {
            (
                h.head_name,
                h.map_sheet,
                h.parcel_no,
                (h.area_m2 * 100.0).round() as i64,
            )
        })
        .collect()
}

fn rows(expected: &[(&str, &str, &str, f64)]) -> Vec<Row> {
    expected
        .iter()
        .map(|(n, s, p, a)| {
            (
                n.to_string(),
                s.to_string(),
                p.to_string(),
                (a * 100.0).round() as i64,
            )
        })
        .collect()
}

fn clear(w: &World) {
    use diesel::RunQueryDsl;
    diesel::sql_query("DELETE FROM households")
        .execute(&mut w.app.conn())
        .unwrap();
}

const TITLE_ROWS: [(&str, &str, &str, f64); 6] = [
    ("Nguyễn Văn An", "12", "166", 2045.0),
    ("Trần Thị Bích Ngọc", "12", "171", 1270.8),
    ("Lê Quang Huy", "7", "52", 12300.0),
    ("Phạm Thị Hương", "7", "58", 85.5),
    ("Hoàng Đức Thắng", "9", "204", 356.2),
    ("Vũ Thị Lan Anh", "9", "210", 148.0),
];

const LEGACY: [(&str, &str, &str, f64); 6] = [
    ("Nguyễn Văn An", "12", "166", 2045.0),
    ("Đỗ Thị Hồng", "12", "171", 1270.8),
    ("Trương Quốc Việt", "7", "52", 12300.0),
    ("Phùng Thị Thủy", "7", "58", 85.5),
    ("Lưu Đức Thịnh", "9", "204", 356.2),
    ("Vương Thị Ngọc Lan", "9", "210", 148.0),
];

#[tokio::test]
async fn libreoffice_lists_with_titles_merged_headers_totals_and_sections_read_right() {
    let w = world().await;
    for ext in ["xlsx", "ods"] {
        let (status, html) = upload(
            &w,
            &format!("title_rows.{ext}"),
            fixture(&format!("title_rows.{ext}")),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{ext}: {html}");
        assert!(html.contains("6 hộ, 0 dòng có lỗi"), "{ext}: {html}");
        assert!(html.contains("Bỏ qua: 1 dòng tổng cộng"), "{ext}: {html}");
        assert!(html.contains("Dòng tổng cộng — bỏ qua"));
        // As it will be stored: two thousand and forty-five square metres.
        assert!(
            html.contains("2.045 m²") && html.contains("1.270,8 m²"),
            "{ext}: {html}"
        );
        import(
            &w,
            "title_rows",
            fixture(&format!("title_rows.{ext}")),
            false,
        )
        .await;
        assert_eq!(
            stored(&w),
            rows(&TITLE_ROWS),
            "{ext}: the total row is no household"
        );
        clear(&w);

        import(
            &w,
            "merged_header",
            fixture(&format!("merged_header.{ext}")),
            false,
        )
        .await;
        assert_eq!(
            stored(&w),
            rows(&[
                ("Đỗ Văn Hải", "05", "31", 512.4),
                ("Bùi Thị Thu Hà", "05", "47", 1060.0),
                ("Ngô Minh Tuấn", "6", "12", 230.5),
                ("Đặng Thị Mai", "6", "19", 4320.0),
                ("Phan Văn Long", "05", "88", 96.0),
                ("Công ty Cổ phần Xây dựng Thăng Long", "8", "3", 15800.0),
            ]),
            "{ext}: sections, subtotals and the column-number row are skipped; 05 keeps its zero"
        );
        let land: Vec<String> = db::households::all_of_task(&mut w.app.conn(), w.task)
            .unwrap()
            .into_iter()
            .map(|h| h.land_type)
            .collect();
        assert!(land.contains(&"SKC".to_string()), "{land:?}");
        clear(&w);

        import(
            &w,
            "text_numbers",
            fixture(&format!("text_numbers.{ext}")),
            false,
        )
        .await;
        let s = stored(&w);
        assert_eq!(
            s.iter().map(|r| r.3).collect::<Vec<_>>(),
            vec![127080, 204500, 1230000, 8550, 12000],
            "{ext}: text areas read the Vietnamese way"
        );
        clear(&w);
    }
}

#[tokio::test]
async fn an_ambiguous_text_area_is_refused_with_how_to_write_it() {
    let w = world().await;
    for ext in ["xlsx", "ods"] {
        let (status, html) =
            upload(&w, "a", fixture(&format!("ambiguous_area.{ext}")), false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ext}");
        assert!(html.contains("4 hộ, 1 dòng có lỗi"), "{html}");
        assert!(html.contains("Số viết chưa rõ"), "{html}");
        assert!(html.contains("2.5"), "the typed value is shown");
    }
    // A CSV written with decimal points: refused under the Vietnamese rule,
    // read right with the option.
    let (status, html) = upload(&w, "d.csv", fixture("decimal_point.csv"), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("5 hộ, 4 dòng có lỗi"), "{html}");
    let (status, html) = upload(&w, "d.csv", fixture("decimal_point.csv"), true).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("2.045,5 m²") && html.contains("12.300 m²"),
        "{html}"
    );
    assert!(
        stored(&w).is_empty(),
        "nothing is saved before confirmation"
    );
}

#[tokio::test]
async fn dates_duplicates_and_unknown_columns_are_said_not_dropped() {
    let w = world().await;
    let (status, html) = upload(&w, "dates.xlsx", fixture("dates.xlsx"), false).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Các cột không dùng") && html.contains("Ngày thông báo"),
        "{html}"
    );
    import(&w, "dates.xlsx", fixture("dates.xlsx"), false).await;
    let notes: Vec<String> = {
        let mut hs = db::households::all_of_task(&mut w.app.conn(), w.task).unwrap();
        hs.sort_by_key(|h| h.id);
        hs.into_iter().map(|h| h.notes).collect()
    };
    assert_eq!(notes[0], "15/10/2025", "a date cell is written dd/mm/yyyy");
    assert_eq!(notes[1], "15/10/2025");
    clear(&w);

    for ext in ["xlsx", "ods"] {
        let (status, html) = upload(&w, "dup", fixture(&format!("duplicates.{ext}")), false).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("8 hộ, 0 dòng có lỗi, 2 dòng trùng thửa đất"),
            "{ext}: {html}"
        );
        assert!(
            html.contains("Ghi 6 hộ (hoặc 8 nếu bỏ chọn ô trên)"),
            "{html}"
        );
        let page = import(&w, "dup", fixture(&format!("duplicates.{ext}")), true).await;
        assert!(
            page.contains("Đã nhập 6 hộ; bỏ qua 2 dòng trùng thửa đất."),
            "{page}"
        );
        let s = stored(&w);
        assert_eq!(s.len(), 6);
        assert!(
            !s.iter().any(|r| r.1 == "05"),
            "sheet 05 is sheet 5, already listed"
        );
        // Importing again: every line is now on a listed parcel.
        let page = import(&w, "dup", fixture(&format!("duplicates.{ext}")), true).await;
        assert!(
            page.contains("Đã nhập 0 hộ; bỏ qua 8 dòng trùng thửa đất."),
            "{page}"
        );
        clear(&w);
    }
}

#[tokio::test]
async fn legacy_fonts_and_encodings_are_converted_and_said() {
    let w = world().await;
    for file in ["tcvn3.xlsx", "tcvn3.ods", "vni.xlsx", "vni.ods"] {
        let (status, html) = upload(&w, file, fixture(file), false).await;
        assert_eq!(status, StatusCode::OK, "{file}: {html}");
        let encoding = if file.starts_with("tcvn3") {
            "TCVN3"
        } else {
            "VNI"
        };
        assert!(
            html.contains(&format!("gõ bằng bảng mã {encoding} đã được chuyển")),
            "{file}: {html}"
        );
        assert!(
            html.contains("Nguyễn Văn An"),
            "{file}: the preview shows the result"
        );
        import(&w, file, fixture(file), false).await;
        assert_eq!(stored(&w), rows(&LEGACY), "{file}");
        let notes: Vec<String> = db::households::all_of_task(&mut w.app.conn(), w.task)
            .unwrap()
            .into_iter()
            .map(|h| h.notes)
            .collect();
        assert!(
            notes.contains(&"Đã nhận thông báo ngày 20/10/2025".to_string()),
            "a Unicode cell is left as it is: {notes:?}"
        );
        clear(&w);
    }
    let (status, html) = upload(&w, "w.csv", fixture("windows1258.csv"), false).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("chuyển từ bảng mã Windows-1258"), "{html}");
    import(&w, "w.csv", fixture("windows1258.csv"), false).await;
    let s = stored(&w);
    assert_eq!(
        s[0],
        ("Nguyễn Văn Tiến".into(), "16".into(), "240".into(), 127080)
    );
    assert_eq!(s[3].0, "Hồ Thị Lệ Thủy");
    clear(&w);

    import(&w, "n.csv", fixture("nfd_names.csv"), false).await;
    for (name, ..) in stored(&w) {
        use unicode_normalization::UnicodeNormalization;
        assert_eq!(name, name.nfc().collect::<String>(), "stored in NFC");
    }
    clear(&w);
    import(&w, "u.csv", fixture("utf8_bom.csv"), false).await;
    let s = stored(&w);
    assert_eq!(
        s[0],
        ("Nguyễn Thị Lụa".into(), "05".into(), "62".into(), 127080)
    );
    assert_eq!(s[1].3, 204500);
}

#[tokio::test]
async fn a_sheet_made_with_rust_xlsxwriter_reads_numbers_dates_and_totals_by_cell_type() {
    let w = world().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .merge_range(
            0,
            0,
            0,
            5,
            "DANH SÁCH CÁC HỘ BỊ ẢNH HƯỞNG",
            &rust_xlsxwriter::Format::new(),
        )
        .unwrap();
    for (c, h) in [
        "STT",
        "Họ và tên",
        "Tờ bản đồ số",
        "Thửa đất số",
        "Diện tích (m²)",
        "Ghi chú",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    sheet.write_number(3, 0, 1).unwrap();
    sheet
        .write_string(3, 1, "Nguye\u{302}\u{303}n Va\u{306}n Hòa")
        .unwrap();
    sheet.write_number(3, 2, 5).unwrap();
    sheet.write_string(3, 3, "0141").unwrap();
    sheet.write_number(3, 4, 2045).unwrap();
    sheet
        .write_datetime_with_format(
            3,
            5,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 10, 15).unwrap(),
            &date,
        )
        .unwrap();
    sheet.write_number(4, 0, 2).unwrap();
    sheet
        .write_string(4, 1, "=HYPERLINK(\"http://x\",\"y\")")
        .unwrap();
    sheet.write_string(4, 2, "05").unwrap();
    sheet.write_string(4, 3, "142").unwrap();
    sheet.write_string(4, 4, "12.300").unwrap();
    sheet.write_string(5, 0, "Tổng cộng").unwrap();
    sheet.write_number(5, 4, 14345).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    import(&w, "x.xlsx", bytes, false).await;
    let mut hs = db::households::all_of_task(&mut w.app.conn(), w.task).unwrap();
    hs.sort_by_key(|h| h.id);
    assert_eq!(hs.len(), 2, "the totals row is skipped");
    assert_eq!(hs[0].head_name, "Nguyễn Văn Hòa", "NFC");
    assert_eq!(
        (hs[0].map_sheet.as_str(), hs[0].parcel_no.as_str()),
        ("5", "0141")
    );
    assert_eq!(hs[0].area_m2, 2045.0);
    assert_eq!(hs[0].notes, "15/10/2025");
    assert_eq!(hs[1].area_m2, 12300.0);

    // The CSV export neutralises the formula and reads back to the same values.
    let csv = w
        .app
        .get(&format!("/tasks/{}/households.csv", w.task))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(
        text.contains(",2.045,") && text.contains(",12.300,"),
        "{text}"
    );
    clear(&w);
    import(&w, "back.csv", csv, false).await;
    let mut again = db::households::all_of_task(&mut w.app.conn(), w.task).unwrap();
    again.sort_by(|a, b| a.parcel_no.cmp(&b.parcel_no));
    assert_eq!(again[1].head_name, "=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!((again[0].area_m2, again[1].area_m2), (2045.0, 12300.0));
    assert_eq!(again[1].map_sheet, "05");

    // The XLSX export has a title row over its header and reads back too.
    let xlsx = w
        .app
        .get(&format!("/tasks/{}/households.xlsx", w.task))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    clear(&w);
    import(&w, "back.xlsx", xlsx, false).await;
    let mut third = db::households::all_of_task(&mut w.app.conn(), w.task).unwrap();
    third.sort_by(|a, b| a.parcel_no.cmp(&b.parcel_no));
    assert_eq!(
        third
            .iter()
            .map(|h| (&h.head_name, &h.map_sheet, &h.parcel_no, h.area_m2))
            .collect::<Vec<_>>(),
        again
            .iter()
            .map(|h| (&h.head_name, &h.map_sheet, &h.parcel_no, h.area_m2))
            .collect::<Vec<_>>()
    );

    // The example sheet offered on the import page imports as it is.
    let r = w.app.get("/import/households-template.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let example = r.bytes().await.unwrap().to_vec();
    clear(&w);
    import(&w, "mau.xlsx", example, false).await;
    let s = stored(&w);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].1.as_str(), s[0].3, s[1].3), ("05", 127080, 204500));
}

async fn api_import(w: &World, query: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(w.app.url(&format!(
            "/api/v1/tasks/{}/households/import?{query}",
            w.task
        )))
        .bearer_auth(&w.token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_reads_the_same_files_and_says_what_it_skipped() {
    let w = world().await;
    let (status, body) = api_import(
        &w,
        "dry_run=true&file_name=merged_header.xlsx",
        fixture("merged_header.xlsx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["lines"], 6);
    assert_eq!(
        body["skipped_lines"],
        serde_json::json!([3, 4, 10, 11, 13, 14])
    );
    assert!(stored(&w).is_empty());
    let (status, body) = api_import(
        &w,
        "file_name=duplicates.ods&skip_duplicates=true",
        fixture("duplicates.ods"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            body["imported"].as_u64(),
            body["skipped_duplicates"].as_u64()
        ),
        (Some(6), Some(2))
    );
    assert_eq!(body["duplicate_lines"], serde_json::json!([6, 8]));
    let (status, body) = api_import(&w, "file_name=a.xlsx", fixture("ambiguous_area.xlsx")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("lines.3.area_m2"), "{body}");
    let (status, body) = api_import(
        &w,
        "file_name=d.csv&decimal_point=true&dry_run=true",
        fixture("decimal_point.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) =
        api_import(&w, "file_name=t.xlsx&dry_run=true", fixture("tcvn3.xlsx")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["converted_cells"].as_u64().unwrap() > 20, "{body}");
}

#[tokio::test]
async fn files_made_to_hurt_the_reader_are_refused_quickly_with_a_reason() {
    let w = world().await;
    let cases = [
        (
            "hostile/far_cell.xlsx",
            "import-error-rows",
            "hơn 200.000 dòng",
        ),
        (
            "hostile/huge_string.xlsx",
            "import-error-unpacked",
            "quá 64 MB",
        ),
        ("hostile/zip_bomb.ods", "import-error-columns", "quá 64 cột"),
    ];
    for (file, key, words) in cases {
        let (status, html) = upload(&w, file, fixture(file), false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{file}");
        assert!(html.contains(words), "{file}: {html}");
        assert!(html.len() < 100_000, "no echo of the file");
        let (status, body) = api_import(&w, "dry_run=true", fixture(file)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{file}");
        assert!(body.to_string().len() < 2_000, "{file}: a short answer");
        let _ = key;
    }
    // Data past 64 columns, and a cell past its length, built here.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Chủ hộ").unwrap();
    sheet.write_string(1, 0, "Nguyễn Văn An").unwrap();
    sheet.write_string(1, 70, "x").unwrap();
    let (status, html) = upload(&w, "wide.xlsx", book.save_to_buffer().unwrap(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("quá 64 cột"), "{html}");
    let long = "A".repeat(300_000);
    let csv = format!("Chủ hộ;Ghi chú\nNguyễn Văn An;{long}\n");
    let (status, html) = upload(&w, "long.csv", csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Nội dung quá dài"),
        "the field's own check refuses it"
    );
    assert!(
        html.len() < 100_000,
        "only an excerpt of the value is echoed: {}",
        html.len()
    );
    assert!(stored(&w).is_empty());
}

/// Counts the statements a connection runs that begin with `prefix`.
struct Statements {
    prefix: &'static str,
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl diesel::connection::Instrumentation for Statements {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
            if query.to_string().trim_start().starts_with(self.prefix) {
                self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

#[tokio::test]
async fn a_long_list_is_written_thousands_of_rows_to_a_statement_and_found_by_search_and_totals() {
    use diesel::Connection;
    let w = world().await;
    let mut conn = w.app.conn();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    conn.set_instrumentation(Statements {
        prefix: "INSERT INTO",
        seen: seen.clone(),
    });
    let task = db::tasks::find(&mut conn, w.task).unwrap();
    let rows: Vec<db::households::HouseholdFields> = (0..4_500)
        .map(|i| db::households::HouseholdFields {
            head_name: format!("Hộ số {i} Lương Thị Ngọc"),
            address: String::new(),
            residential_group: String::new(),
            map_sheet: "24".into(),
            parcel_no: i.to_string(),
            area_m2: 100.5,
            land_type: String::new(),
            priority_groups: String::new(),
            phone: String::new(),
            notes: String::new(),
        })
        .collect();
    let refs: Vec<&db::households::HouseholdFields> = rows.iter().collect();
    let written = db::households::create_many(&mut conn, &task, &refs).unwrap();
    assert_eq!(written.len(), 4_500);
    // The ids come back in the order of the rows (an import's amounts go to
    // the household of their own line).
    for i in (0..4_500).step_by(499) {
        let h = db::households::find(&mut conn, written[i]).unwrap();
        assert_eq!(h.parcel_no, rows[i].parcel_no, "line {i}");
    }
    // Row by row (diesel's way with defaultable fields on SQLite) made FTS5
    // flush its index 4,500 times; a few multi-row statements flush it a few.
    let statements = seen.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (1..=3).contains(&statements),
        "{statements} INSERT statements for 4,500 rows"
    );
    // The triggers still ran for every row: the search index and the totals.
    let (_, html) = w.app.text("/search?q=H%E1%BB%99+s%E1%BB%91+4321").await;
    assert!(html.contains("Hộ số 4321 Lương Thị Ngọc"), "{html}");
    let (_, page) = w.app.text(&format!("/tasks/{}", w.task)).await;
    assert!(page.contains("4.500"), "the task counts its households");
    assert!(
        page.contains("452.250"),
        "and adds up their area (4.500 × 100,5 m²)"
    );
}
