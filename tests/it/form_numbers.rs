//! Numbers in every form through the real server, the Vietnamese way: a dot
//! groups thousands and a comma starts the decimals (`1.270,8`, `2.045`,
//! `12.300`). A number typed as the pages show it is stored as that value; a
//! text that fits no reading (`2.5`, `1270.8`, a whole `1.31`) comes back
//! with the typed text in its field, the reason beside it, and nothing
//! saved; and a saved record's form, sent back unchanged, stores the same
//! number (a pre-fill written `1270.8` would be refused, one rounded would
//! change the figure).

use crate::common;

use common::{day, location, spawn, token_for, Browser, TestApp};
use danvan::db::{self, audit};
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use danvan::i18n::{self, Locale};
use diesel::prelude::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

// ---------------------------------------------------------------- helpers

/// The message shown beside a number that fits no reading.
fn ambiguous() -> String {
    let text = i18n::t(Locale::Vi, "error-number-ambiguous");
    assert!(text.starts_with("Số viết chưa rõ:"), "{text}");
    text
}

fn message(key: &str) -> String {
    i18n::t(Locale::Vi, key)
}

/// A 422 page, or the body of whatever came instead in the failure.
async fn refused(r: reqwest::Response) -> String {
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    html
}

async fn saved(r: reqwest::Response) {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

/// `fields` with `key` set to `value` (added if missing).
fn with<K: Clone + PartialEq + From<&'static str>>(
    fields: &[(K, String)],
    key: &'static str,
    value: &str,
) -> Vec<(K, String)> {
    let key = K::from(key);
    let mut out: Vec<(K, String)> = fields.to_vec();
    match out.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => out.push((key, value.to_string())),
    }
    out
}

/// Text of an HTML page as the browser reads it.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x60;", "`")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// The attributes of a tag, from just after its name to just before `>`.
fn attributes(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() && !rest.starts_with('/') {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let value = if let Some(after) = rest.strip_prefix('=') {
            let quote = after.chars().next().unwrap();
            assert!(quote == '"' || quote == '\'', "unquoted attribute {name}");
            let close = after[1..].find(quote).unwrap() + 1;
            let v = unescape(&after[1..close]);
            rest = &after[close + 1..];
            Some(v)
        } else {
            None
        };
        out.push((name, value));
        rest = rest.trim_start();
    }
    out
}

fn attr<'a>(attrs: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

/// The fields a browser sends from the form of `html` that posts to
/// `action`, as the page filled them in (its CSRF token included).
fn form_values(html: &str, action: &str) -> Vec<(String, String)> {
    let marker = format!("action=\"{action}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no form posting to {action}:\n{html}"));
    let start = html[..at].rfind("<form").unwrap();
    let end = at + html[at..].find("</form>").unwrap();
    let mut rest = &html[start..end];
    let mut out = Vec::new();
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let tag = rest[..name_end].to_ascii_lowercase();
        let close = rest.find('>').unwrap();
        let attrs = attributes(&rest[name_end..close]);
        let body = &rest[close + 1..];
        rest = body;
        let Some(name) = attr(&attrs, "name").map(str::to_string) else {
            continue;
        };
        if attr(&attrs, "disabled").is_some() {
            continue;
        }
        match tag.as_str() {
            "input" => {
                let kind = attr(&attrs, "type").unwrap_or("text").to_ascii_lowercase();
                let value = attr(&attrs, "value").unwrap_or("").to_string();
                match kind.as_str() {
                    "checkbox" | "radio" => {
                        if attr(&attrs, "checked").is_some() {
                            out.push((name, if value.is_empty() { "on".into() } else { value }));
                        }
                    }
                    "submit" | "button" | "reset" | "file" | "image" => {}
                    _ => out.push((name, value)),
                }
            }
            "textarea" => {
                let text = &body[..body.find("</textarea>").unwrap()];
                let text = text.strip_prefix('\n').unwrap_or(text);
                out.push((name, unescape(text)));
            }
            "select" => {
                let inner = &body[..body.find("</select>").unwrap()];
                let multiple = attr(&attrs, "multiple").is_some();
                let mut options = Vec::new();
                let mut o = inner;
                while let Some(p) = o.find("<option") {
                    o = &o[p + "<option".len()..];
                    let close = o.find('>').unwrap();
                    let a = attributes(&o[..close]);
                    let after = &o[close + 1..];
                    let label_end = after.find('<').unwrap_or(after.len());
                    let value = attr(&a, "value")
                        .map(str::to_string)
                        .unwrap_or_else(|| unescape(after[..label_end].trim()));
                    options.push((value, attr(&a, "selected").is_some()));
                    o = after;
                }
                let chosen: Vec<String> = options
                    .iter()
                    .filter(|(_, s)| *s)
                    .map(|(v, _)| v.clone())
                    .collect();
                if multiple {
                    out.extend(chosen.into_iter().map(|v| (name.clone(), v)));
                } else if let Some(v) = chosen.last().or(options.first().map(|(v, _)| v)) {
                    out.push((name, v.clone()));
                }
            }
            _ => {}
        }
    }
    out
}

/// Submits a form as the browser would, with what the page filled in.
async fn resubmit(app: &TestApp, c: &Client, html: &str, action: &str) -> reqwest::Response {
    let fields = form_values(html, action);
    assert!(
        fields.iter().any(|(k, _)| k == "_csrf"),
        "the form to {action} carries its CSRF token"
    );
    c.post(app.url(action)).form(&fields).send().await.unwrap()
}

/// The `value` of the `<input>` whose id is `id`.
fn input_value(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .match_indices(&marker)
        .map(|(i, _)| i)
        .find(|i| {
            html[..*i]
                .rfind('<')
                .is_some_and(|lt| html[lt..].starts_with("<input"))
        })
        .unwrap_or_else(|| panic!("no input with id {id}"));
    let lt = html[..at].rfind('<').unwrap();
    let close = lt + html[lt..].find('>').unwrap();
    let attrs = attributes(&html[lt + "<input".len()..close]);
    attr(&attrs, "value").unwrap_or("").to_string()
}

/// The message shown beside the field whose id is `id`, if any.
fn error_beside(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-error\">");
    let at = html.find(&marker)? + marker.len();
    let end = at + html[at..].find("</p>")?;
    Some(unescape(&html[at..end]))
}

/// Asserts that the 422 page shows `typed` back in field `id`, with
/// `message` beside it.
fn assert_kept_with(html: &str, id: &str, typed: &str, message: &str) {
    assert_eq!(
        input_value(html, id),
        typed,
        "the typed text is kept in {id}"
    );
    assert_eq!(
        error_beside(html, id).as_deref(),
        Some(message),
        "the message beside {id}"
    );
    let input_at = html.find(&format!("id=\"{id}\"")).unwrap();
    let input_end = input_at + html[input_at..].find('>').unwrap();
    assert!(
        html[input_at..input_end].contains(&format!("aria-describedby=\"{id}-error\"")),
        "{id} points at its message"
    );
}

// ---------------------------------------------------------------- tasks

fn task_count(app: &TestApp) -> i64 {
    db::schema::tasks::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

type Figures = (
    Option<f64>,
    Option<f64>,
    Option<i32>,
    Option<i32>,
    Option<i64>,
);

fn figures_of(app: &TestApp, id: i64) -> Figures {
    let t = db::tasks::find(&mut app.conn(), id).unwrap();
    (
        t.area_total_m2,
        t.area_cleared_m2,
        t.plans_total,
        t.plans_approved,
        t.money_paid,
    )
}

#[tokio::test]
async fn the_task_form_reads_clearance_figures_the_vietnamese_way() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    let owner = app.user("chutri", ward, &[(Role::Viewer, ward)]);
    let c = app.browser("capuy").await;
    let fields: Vec<(&str, String)> = vec![
        ("title", "Mương thoát nước Thụy Khuê".into()),
        ("unit_id", ward.to_string()),
        ("category_id", "1".into()),
        ("campaign_year", "2022".into()),
        ("project_start_year", "2012".into()),
        ("deadline", "30/11/2023".into()),
        ("owner_id", owner.to_string()),
        ("area_total_m2", "12.300".into()),
        ("area_cleared_m2", "1.270,8".into()),
        ("consented", "agrees".into()),
        ("consented", "paid".into()),
    ];

    // Ambiguous texts come back in their fields with the reason; nothing is saved.
    for (field, typed) in [("area_total_m2", "1270.8"), ("area_cleared_m2", "2.5")] {
        let html = refused(c.post("/tasks", &with(&fields, field, typed)).await).await;
        assert_kept_with(&html, field, typed, &ambiguous());
        assert_eq!(
            input_value(&html, "area_cleared_m2"),
            if field == "area_cleared_m2" {
                typed
            } else {
                "1.270,8"
            }
        );
    }
    // A negative area. (Amounts in đồng are read on the household's
    // compensation plan now: tests/it/money.rs.)
    let bad = with(&fields, "area_total_m2", "-5");
    let html = refused(c.post("/tasks", &bad).await).await;
    assert_kept_with(
        &html,
        "area_total_m2",
        "-5",
        &message("error-number-negative"),
    );
    assert_eq!(task_count(&app), 0, "nothing saved");

    // Typed as the pages show them, the figures are stored as those values.
    let r = c.post("/tasks", &fields).await;
    let id: i64 = location(&r).trim_start_matches("/tasks/").parse().unwrap();
    saved(r).await;
    let stored = figures_of(&app, id);
    assert_eq!(stored, (Some(12300.0), Some(1270.8), None, None, None));
    let show = c.page_ok(&format!("/tasks/{id}")).await;
    assert!(
        show.contains("12.300 m²") && show.contains("1.270,8 m²"),
        "{show}"
    );

    // The edit form shows them so that they read back: saved unchanged, they stay.
    let edit = c.page_ok(&format!("/tasks/{id}/edit")).await;
    assert_eq!(input_value(&edit, "area_total_m2"), "12.300");
    assert_eq!(input_value(&edit, "area_cleared_m2"), "1.270,8");
    saved(resubmit(&app, &c, &edit, &format!("/tasks/{id}")).await).await;
    assert_eq!(figures_of(&app, id), stored);
    let t = db::tasks::find(&mut app.conn(), id).unwrap();
    assert_eq!((t.campaign_year, t.project_start_year), (2022, Some(2012)));

    // An ambiguous edit changes nothing.
    let edit = c.page_ok(&format!("/tasks/{id}/edit")).await;
    let version = db::tasks::find(&mut app.conn(), id).unwrap().version;
    let typed = with(
        &form_values(&edit, &format!("/tasks/{id}")),
        "area_cleared_m2",
        "1270.8",
    );
    let html = refused(
        c.client
            .post(app.url(&format!("/tasks/{id}")))
            .form(&typed)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_kept_with(&html, "area_cleared_m2", "1270.8", &ambiguous());
    assert_eq!(figures_of(&app, id), stored);
    assert_eq!(
        db::tasks::find(&mut app.conn(), id).unwrap().version,
        version
    );
}

// ---------------------------------------------------------------- households

struct HouseholdWorld {
    app: TestApp,
    task: i64,
    owner: Browser,
}

/// A ward's task led by `chutri`, who is on the committee and logged in.
async fn household_world() -> HouseholdWorld {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    let fields = common::task_fields(ward, owner, "Mương thoát nước Thụy Khuê", None, 2022);
    let (task, _) = db::tasks::create(&mut app.conn(), &fields, owner).unwrap();
    let c = app.browser("chutri").await;
    HouseholdWorld {
        app,
        task: task.id,
        owner: c,
    }
}

fn household_count(app: &TestApp, task: i64) -> usize {
    db::households::all_of_task(&mut app.conn(), task)
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_household_form_reads_the_area_the_vietnamese_way() {
    let w = household_world().await;
    let (app, c) = (&w.app, &w.owner);
    let path = format!("/tasks/{}/households", w.task);
    let fields: Vec<(&str, String)> = vec![
        ("head_name", "Nguyễn Văn An".into()),
        ("address", "Ngõ 1 Thụy Khuê".into()),
        ("map_sheet", "27".into()),
        ("parcel_no", "525".into()),
        ("area_m2", "1.270,8".into()),
    ];
    for typed in ["1270.8", "2.5", "12.30"] {
        let html = refused(c.post(&path, &with(&fields, "area_m2", typed)).await).await;
        assert_kept_with(&html, "area_m2", typed, &ambiguous());
        assert_eq!(input_value(&html, "head_name"), "Nguyễn Văn An");
    }
    let html = refused(c.post(&path, &with(&fields, "area_m2", "-3")).await).await;
    assert_kept_with(&html, "area_m2", "-3", &message("error-number-negative"));
    assert_eq!(household_count(app, w.task), 0, "nothing saved");

    let r = c.post(&path, &fields).await;
    let id: i64 = location(&r)
        .trim_start_matches("/households/")
        .parse()
        .unwrap();
    saved(r).await;
    assert_eq!(
        db::households::find(&mut app.conn(), id).unwrap().area_m2,
        1270.8
    );
    // A second household in thousands without decimals.
    saved(
        c.post(
            &path,
            &with(&with(&fields, "parcel_no", "526"), "area_m2", "2.045"),
        )
        .await,
    )
    .await;
    let areas: Vec<f64> = db::households::all_of_task(&mut app.conn(), w.task)
        .unwrap()
        .iter()
        .map(|h| h.area_m2)
        .collect();
    assert!(areas.contains(&2045.0), "{areas:?}");

    // Edited without a change, the area stays.
    let edit = c.page_ok(&format!("/households/{id}/edit")).await;
    assert_eq!(input_value(&edit, "area_m2"), "1.270,8");
    saved(resubmit(app, c, &edit, &format!("/households/{id}")).await).await;
    let h = db::households::find(&mut app.conn(), id).unwrap();
    assert_eq!(h.area_m2, 1270.8);

    // An ambiguous edit is refused and changes nothing.
    let edit = c.page_ok(&format!("/households/{id}/edit")).await;
    let typed = with(
        &form_values(&edit, &format!("/households/{id}")),
        "area_m2",
        "1270.8",
    );
    let html = refused(
        c.client
            .post(app.url(&format!("/households/{id}")))
            .form(&typed)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_kept_with(&html, "area_m2", "1270.8", &ambiguous());
    let after = db::households::find(&mut app.conn(), id).unwrap();
    assert_eq!((after.area_m2, after.version), (1270.8, h.version));
}

/// An area with three decimals (from an import or the API) survives an
/// unchanged edit on the page: the form is filled with every digit
/// (`28.227,755`), not the two decimals the pages show.
#[tokio::test]
async fn a_household_area_with_three_decimals_survives_an_unchanged_edit() {
    let w = household_world().await;
    let (app, c) = (&w.app, &w.owner);
    let id = audit::write(&mut app.conn(), &audit::Actor::default(), |x| {
        let task = db::tasks::find(x, w.task)?;
        Ok(db::households::create(
            x,
            &task,
            &common::household("Nguyễn Văn An", "525", 28227.755),
        )?)
    })
    .unwrap()
    .id;
    let edit = c.page_ok(&format!("/households/{id}/edit")).await;
    assert_eq!(input_value(&edit, "area_m2"), "28.227,755");
    saved(resubmit(app, c, &edit, &format!("/households/{id}")).await).await;
    assert_eq!(
        db::households::find(&mut app.conn(), id).unwrap().area_m2,
        28227.755
    );
}

// ---------------------------------------------------------------- targets

#[tokio::test]
async fn annual_targets_read_planned_and_actual_figures_the_vietnamese_way() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    app.user("capuy", ward, &[(Role::Committee, ward)]);
    let c = app.browser("capuy").await;
    let add: Vec<(&str, String)> = vec![
        ("unit_id", ward.to_string()),
        ("year", "2023".into()),
        ("name", "Diện tích bàn giao mặt bằng".into()),
        ("planned", "12.300".into()),
        ("measure", "m²".into()),
    ];
    let targets = || db::recommendations::targets_of(&mut app.conn(), ward, 2023).unwrap();
    for typed in ["2.5", "12300.5", "1.23"] {
        let html = refused(c.post("/targets", &with(&add, "planned", typed)).await).await;
        assert_kept_with(&html, "planned", typed, &ambiguous());
        assert_eq!(input_value(&html, "name"), "Diện tích bàn giao mặt bằng");
    }
    assert!(targets().is_empty(), "nothing saved");
    saved(c.post("/targets", &add).await).await;
    let t = targets().pop().unwrap();
    assert_eq!(t.planned, 12300.0);
    let list = format!("/targets?unit={ward}&year=2023");
    assert!(c.page_ok(&list).await.contains("12.300 m²"));

    // The actual figure: as shown, then an ambiguous one refused beside its row.
    let actual = format!("/targets/{}", t.id);
    saved(
        c.post(
            &actual,
            &[("actual", "1.270,8"), ("version", &t.version.to_string())],
        )
        .await,
    )
    .await;
    let t = db::recommendations::find_target(&mut app.conn(), t.id).unwrap();
    assert_eq!(t.actual, Some(1270.8));
    let version = t.version.to_string();
    let html = refused(
        c.post(&actual, &[("actual", "1270.8"), ("version", &version)])
            .await,
    )
    .await;
    assert_kept_with(&html, &format!("actual-{}", t.id), "1270.8", &ambiguous());
    let after = db::recommendations::find_target(&mut app.conn(), t.id).unwrap();
    assert_eq!((after.actual, after.version), (Some(1270.8), t.version));
    // Its form on the list starts empty (a new figure each time), so there
    // is no pre-fill to read back.
    let list_html = c.page_ok(&list).await;
    assert_eq!(input_value(&list_html, &format!("actual-{}", t.id)), "");
    assert!(list_html.contains("1.270,8 m²"));
}

// ---------------------------------------------------------------- reviews

/// Three criteria whose points need three decimals, adding up to 100.
fn criteria_rows(points: [&str; 3]) -> Vec<(&'static str, String)> {
    vec![
        ("name_vi", "Kết quả so với đăng ký".into()),
        ("name_en", "Results".into()),
        ("points", points[0].into()),
        ("name_vi", "Đồng thuận của nhân dân".into()),
        ("name_en", "".into()),
        ("points", points[1].into()),
        ("name_vi", "Tiến độ".into()),
        ("name_en", "Timeliness".into()),
        ("points", points[2].into()),
    ]
}

const POINTS: [&str; 3] = ["47,5", "33,333", "19,167"];
const STORED_POINTS: [f64; 3] = [47.5, 33.333, 19.167];

#[tokio::test]
async fn review_criteria_points_and_a_reviewers_scores_read_the_vietnamese_way() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let front = app.unit(ward, UnitKind::FrontCommittee, "Ủy ban MTTQ phường Tây Hồ");
    let lead = app.user("mttq.lead", front, &[(Role::Reviewer, ward)]);
    let committee = app.user("capuy", ward, &[(Role::Committee, ward)]);
    let owner = app.user("chutri", ward, &[(Role::Viewer, ward)]);
    let (task, _) = db::tasks::create(
        &mut app.conn(),
        &common::task_fields(
            ward,
            owner,
            "Thu hồi đất số 18 Tam Đa",
            Some(day(2023, 12, 31)),
            2023,
        ),
        committee,
    )
    .unwrap();
    let c = app.browser("mttq.lead").await;
    let round_fields: Vec<(&str, String)> = vec![
        ("unit_id", ward.to_string()),
        ("year", "2023".into()),
        ("title", "Giám sát việc khó năm 2023".into()),
        ("lead_id", lead.to_string()),
        ("combine_rule", "mean".into()),
        ("self_due", "10/12/2023".into()),
        ("review_due", "25/12/2023".into()),
    ];
    // The year is a whole number too.
    let html = refused(
        c.post("/reviews", &with(&round_fields, "year", "2.02"))
            .await,
    )
    .await;
    assert_kept_with(&html, "year", "2.02", &ambiguous());
    assert!(db::reviews::all(&mut app.conn()).unwrap().is_empty());
    let r = c.post("/reviews", &round_fields).await;
    let round: i64 = location(&r)
        .trim_start_matches("/reviews/")
        .parse()
        .unwrap();
    saved(r).await;
    // The round's form, saved unchanged, keeps its year.
    let edit = c.page_ok(&format!("/reviews/{round}/edit")).await;
    saved(resubmit(&app, &c, &edit, &format!("/reviews/{round}")).await).await;
    assert_eq!(
        db::reviews::find(&mut app.conn(), round).unwrap().year,
        2023
    );

    // Criteria points.
    let criteria_path = format!("/reviews/{round}/criteria");
    let points = || -> Vec<f64> {
        db::reviews::criteria(&mut app.conn(), round)
            .unwrap()
            .iter()
            .map(|c| c.max_points)
            .collect()
    };
    let before = points();
    let html = refused(
        c.post(&criteria_path, &criteria_rows(["47.5", "33,333", "19,167"]))
            .await,
    )
    .await;
    assert_kept_with(&html, "points_0", "47.5", &ambiguous());
    // The sum of the rows that read is shown the Vietnamese way too.
    assert!(html.contains("Tổng điểm: 52,5 / 100"), "{html}");
    assert_eq!(input_value(&html, "points_1"), "33,333");
    assert_eq!(points(), before, "nothing saved");
    saved(c.post(&criteria_path, &criteria_rows(POINTS)).await).await;
    assert_eq!(points(), STORED_POINTS);
    // Saved unchanged from its page, the criteria keep their points (a pre-fill
    // rounded to 33,33 would no longer add up to 100).
    let html = c.page_ok(&criteria_path).await;
    assert_eq!(input_value(&html, "points_1"), "33,333");
    saved(resubmit(&app, &c, &html, &criteria_path).await).await;
    assert_eq!(points(), STORED_POINTS);

    // To scoring.
    for to in ["self_assessment", "scoring"] {
        let version = db::reviews::find(&mut app.conn(), round)
            .unwrap()
            .version
            .to_string();
        saved(
            c.post(
                &format!("/reviews/{round}/status"),
                &[("status", to), ("version", &version), ("reason", "")],
            )
            .await,
        )
        .await;
    }
    assert_eq!(
        db::reviews::find(&mut app.conn(), round).unwrap().status,
        "scoring"
    );

    let criteria = db::reviews::criteria(&mut app.conn(), round).unwrap();
    let scores = |values: [&str; 3]| -> Vec<(String, String)> {
        criteria
            .iter()
            .zip(values)
            .flat_map(|(cr, v)| {
                [
                    (format!("score_{}", cr.id), v.to_string()),
                    (format!("comment_{}", cr.id), "Làm tốt".to_string()),
                ]
            })
            .collect()
    };
    let stored = || -> Vec<f64> {
        db::reviews::scores_of(&mut app.conn(), round, task.id)
            .unwrap()
            .iter()
            .filter(|(s, _)| s.author_id == lead && s.kind == "review")
            .map(|(s, _)| s.score)
            .collect()
    };
    let score_path = format!("/reviews/{round}/tasks/{}/score", task.id);
    let html = refused(
        c.post(&score_path, &scores(["45.25", "30,5", "12,75"]))
            .await,
    )
    .await;
    let first = format!("score_{}", criteria[0].id);
    assert_kept_with(&html, &first, "45.25", &ambiguous());
    assert_eq!(
        input_value(&html, &format!("score_{}", criteria[1].id)),
        "30,5"
    );
    assert!(stored().is_empty(), "nothing saved");
    saved(
        c.post(&score_path, &scores(["45,25", "30,5", "12,75"]))
            .await,
    )
    .await;
    assert_eq!(stored(), [45.25, 30.5, 12.75]);
    let task_page = format!("/reviews/{round}/tasks/{}", task.id);
    let html = c.page_ok(&task_page).await;
    assert_eq!(input_value(&html, &first), "45,25");
    saved(resubmit(&app, &c, &html, &score_path).await).await;
    assert_eq!(stored(), [45.25, 30.5, 12.75]);
}

#[tokio::test]
async fn the_default_rubric_reads_points_the_vietnamese_way() {
    let app = spawn().await;
    app.as_admin().await;
    let c = &app.on(&app.client);
    let points = || -> Vec<f64> {
        db::reviews::rubric(&mut app.conn())
            .unwrap()
            .iter()
            .map(|r| r.max_points)
            .collect()
    };
    let before = points();
    let html = refused(
        c.post("/admin/rubric", &criteria_rows(["47,5", "33.33", "19,167"]))
            .await,
    )
    .await;
    assert_kept_with(&html, "points_1", "33.33", &ambiguous());
    // `33.333` is thirty-three thousand, more than a rubric holds.
    let html = refused(
        c.post(
            "/admin/rubric",
            &criteria_rows(["47,5", "33.333", "19,167"]),
        )
        .await,
    )
    .await;
    assert_kept_with(&html, "points_1", "33.333", &message("error-number"));
    assert_eq!(points(), before, "nothing saved");
    saved(c.post("/admin/rubric", &criteria_rows(POINTS)).await).await;
    assert_eq!(points(), STORED_POINTS);
    let html = c.page_ok("/admin/rubric").await;
    saved(resubmit(&app, c, &html, "/admin/rubric").await).await;
    assert_eq!(points(), STORED_POINTS);
}

// ---------------------------------------------------------------- campaigns

#[tokio::test]
async fn campaign_appraisal_criteria_and_scores_read_the_vietnamese_way() {
    let app = spawn().await;
    let district = app.unit(app.root, UnitKind::District, "Quận Long Biên");
    let ward = app.unit(district, UnitKind::Ward, "Phường Bồ Đề");
    app.user("quanuy", district, &[(Role::Committee, district)]);
    let appraiser_id = app.user("bandanvan", district, &[(Role::Viewer, district)]);
    app.user("chihoi", ward, &[(Role::Viewer, ward)]);
    let committee = app.browser("quanuy").await;
    let appraiser = app.browser("bandanvan").await;
    let resident = app.browser("chihoi").await;
    let field_id = |code: &str| -> String {
        db::schema::model_fields::table
            .filter(db::schema::model_fields::code.eq(code))
            .select(db::schema::model_fields::id)
            .first::<i64>(&mut app.conn())
            .unwrap()
            .to_string()
    };
    let campaign: Vec<(&str, String)> = vec![
        ("unit_id", district.to_string()),
        ("year", "2022".into()),
        ("theme", "Năm Dân vận khéo, trọng tâm công tác GPMB".into()),
        ("plan_number", "90-KH/QU".into()),
        ("plan_date", "14/01/2022".into()),
        ("focus_fields", field_id("site_clearance")),
        ("period_from", "01/01/2022".into()),
        ("period_to", "31/12/2022".into()),
        ("appraisers", appraiser_id.to_string()),
    ];
    let html = refused(
        committee
            .post("/campaigns", &with(&campaign, "year", "2022,5"))
            .await,
    )
    .await;
    assert_kept_with(&html, "year", "2022,5", &message("error-number-whole"));
    let r = committee.post("/campaigns", &campaign).await;
    let cid: i64 = location(&r)
        .trim_start_matches("/campaigns/")
        .parse()
        .unwrap();
    saved(r).await;
    // The campaign's form, saved unchanged, keeps its year.
    let edit = committee.page_ok(&format!("/campaigns/{cid}/edit")).await;
    saved(resubmit(&app, &committee, &edit, &format!("/campaigns/{cid}")).await).await;
    assert_eq!(
        db::campaigns::find(&mut app.conn(), cid).unwrap().year,
        2022
    );

    // Appraisal criteria.
    let criteria_path = format!("/campaigns/{cid}/criteria");
    let points = || -> Vec<f64> {
        db::campaigns::criteria(&mut app.conn(), cid)
            .unwrap()
            .iter()
            .map(|c| c.max_points)
            .collect()
    };
    let before = points();
    let html = refused(
        committee
            .post(&criteria_path, &criteria_rows(["47,5", "33,333", "19.16"]))
            .await,
    )
    .await;
    assert_kept_with(&html, "points_2", "19.16", &ambiguous());
    assert_eq!(points(), before, "nothing saved");
    saved(committee.post(&criteria_path, &criteria_rows(POINTS)).await).await;
    assert_eq!(points(), STORED_POINTS);
    let html = committee.page_ok(&criteria_path).await;
    saved(resubmit(&app, &committee, &html, &criteria_path).await).await;
    assert_eq!(points(), STORED_POINTS);

    // A model, and an appraiser's scores.
    let r = resident
        .post(
            &format!("/campaigns/{cid}/models"),
            &[
                ("kind", "collective".to_string()),
                ("unit_id", ward.to_string()),
                (
                    "holder_name",
                    "Chi hội Cựu chiến binh tổ dân phố số 5".into(),
                ),
                ("field_id", field_id("site_clearance")),
                ("title", "Tuyến phố không lấn chiếm".into()),
                ("commitment", "Vận động 40 hộ tháo dỡ mái che".into()),
                ("period_from", "01/02/2022".into()),
                ("period_to", "30/11/2022".into()),
            ],
        )
        .await;
    let model: i64 = location(&r).trim_start_matches("/models/").parse().unwrap();
    saved(r).await;
    let criteria = db::campaigns::criteria(&mut app.conn(), cid).unwrap();
    let scores = |values: [&str; 3]| -> Vec<(String, String)> {
        criteria
            .iter()
            .zip(values)
            .flat_map(|(cr, v)| {
                [
                    (format!("score_{}", cr.id), v.to_string()),
                    (format!("comment_{}", cr.id), "Đạt".to_string()),
                ]
            })
            .collect()
    };
    let stored = || -> Vec<f64> {
        db::campaigns::scores_of(&mut app.conn(), model)
            .unwrap()
            .iter()
            .map(|s| s.score)
            .collect()
    };
    let score_path = format!("/models/{model}/scores");
    let html = refused(
        appraiser
            .post(&score_path, &scores(["45,25", "30.5", "12,75"]))
            .await,
    )
    .await;
    let second = format!("score_{}", criteria[1].id);
    assert_kept_with(&html, &second, "30.5", &ambiguous());
    assert_eq!(
        input_value(&html, &format!("score_{}", criteria[0].id)),
        "45,25"
    );
    assert!(stored().is_empty(), "nothing saved");
    saved(
        appraiser
            .post(&score_path, &scores(["45,25", "30,5", "12,75"]))
            .await,
    )
    .await;
    assert_eq!(stored(), [45.25, 30.5, 12.75]);
    let html = appraiser.page_ok(&format!("/models/{model}")).await;
    assert_eq!(input_value(&html, &second), "30,5");
    saved(resubmit(&app, &appraiser, &html, &score_path).await).await;
    assert_eq!(stored(), [45.25, 30.5, 12.75]);
}

// ---------------------------------------------------------------- teams

#[tokio::test]
async fn a_rounds_figures_read_the_vietnamese_way() {
    let app = spawn().await;
    let city = app.unit(app.root, UnitKind::City, "Thành phố Hà Nội");
    let centre = app.unit(
        city,
        UnitKind::Department,
        "Trung tâm Phục vụ hành chính công",
    );
    let commune = app.unit(city, UnitKind::Commune, "Xã Phú Xuyên");
    app.user("trungtam", centre, &[(Role::Committee, centre)]);
    let member = app.user("diachinh", commune, &[(Role::Viewer, commune)]);
    let lead = app.browser("trungtam").await;
    let c = app.browser("diachinh").await;
    let r = lead
        .post(
            "/teams",
            &[
                ("lead_unit_id", centre.to_string()),
                ("name", "Tổ hỗ trợ lưu động thủ tục đất đai".to_string()),
                ("period_from", "01/10/2025".into()),
                ("period_to", "31/12/2025".into()),
                ("members", member.to_string()),
                ("communes", commune.to_string()),
            ],
        )
        .await;
    let tid: i64 = location(&r).trim_start_matches("/teams/").parse().unwrap();
    saved(r).await;
    let r = c
        .post(
            &format!("/teams/{tid}/rounds"),
            &[
                ("unit_id", commune.to_string()),
                ("on_date", "15/10/2025".to_string()),
                ("start_time", "08:00".to_string()),
                ("place", "Nhà văn hóa thôn Phú Mỹ".to_string()),
                ("kind", "outreach".to_string()),
            ],
        )
        .await;
    let path = location(&r);
    saved(r).await;
    let rid: i64 = path.trim_start_matches("/teams/rounds/").parse().unwrap();
    let version = || {
        db::teams::find_round(&mut app.conn(), rid)
            .unwrap()
            .version
            .to_string()
    };
    let record: Vec<(&str, String)> = vec![
        ("attendance", "1.315".into()),
        ("helped_poor", "12".into()),
        ("helped_elderly", "2.045".into()),
        ("dossiers_prepared", "12.300".into()),
        ("dossiers_online", "1.270".into()),
        ("version", version()),
    ];
    let figures = || {
        let r = db::teams::find_round(&mut app.conn(), rid).unwrap();
        (
            r.attendance,
            r.helped_poor,
            r.helped_elderly,
            r.dossiers_prepared,
            r.dossiers_online,
        )
    };
    let html = refused(c.post(&path, &with(&record, "attendance", "1.31")).await).await;
    assert_kept_with(&html, "attendance", "1.31", &ambiguous());
    assert_eq!(input_value(&html, "dossiers_prepared"), "12.300");
    let html = refused(c.post(&path, &with(&record, "helped_poor", "2,5")).await).await;
    assert_kept_with(&html, "helped_poor", "2,5", &message("error-number-whole"));
    assert_eq!(figures(), (None, None, None, None, None), "nothing saved");

    saved(c.post(&path, &record).await).await;
    let stored = (Some(1315), Some(12), Some(2045), Some(12300), Some(1270));
    assert_eq!(figures(), stored);
    let html = c.page_ok(&path).await;
    saved(resubmit(&app, &c, &html, &path).await).await;
    assert_eq!(figures(), stored);
    assert_eq!(
        db::teams::find_round(&mut app.conn(), rid).unwrap().status,
        "held"
    );
}

// ---------------------------------------------------------------- admin lists

#[tokio::test]
async fn list_sort_orders_and_response_days_read_the_vietnamese_way() {
    let app = spawn().await;
    app.as_admin().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Tây Hồ");
    let c = &app.on(&app.client);
    let categories = || db::tasks::all_categories(&mut app.conn()).unwrap();
    let count = categories().len();
    let fields: Vec<(&str, String)> = vec![
        ("name_vi", "Trật tự đô thị".into()),
        ("name_en", "Urban order".into()),
        ("sort_order", "1.200".into()),
    ];
    let html = refused(
        c.post("/admin/categories", &with(&fields, "sort_order", "1.5"))
            .await,
    )
    .await;
    assert_kept_with(&html, "sort_order", "1.5", &ambiguous());
    assert_eq!(categories().len(), count, "nothing saved");
    saved(c.post("/admin/categories", &fields).await).await;
    let added = categories()
        .into_iter()
        .find(|x| x.name_vi == "Trật tự đô thị")
        .unwrap();
    assert_eq!(added.sort_order, 1200);

    // Its row on the list, saved unchanged, keeps its place.
    let row = format!("/admin/categories/{}", added.id);
    let html = c.page_ok("/admin/categories").await;
    saved(resubmit(&app, c, &html, &row).await).await;
    let find = || {
        db::tasks::category(&mut app.conn(), added.id)
            .unwrap()
            .unwrap()
    };
    assert_eq!(find().sort_order, 1200);
    // An ambiguous order typed in the row comes back in that row.
    let typed = with(&form_values(&html, &row), "sort_order", "2.5");
    let html = refused(
        c.client
            .post(app.url(&row))
            .form(&typed)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = format!("order-{}", added.id);
    assert_kept_with(&html, &id, "2.5", &ambiguous());
    assert_eq!(
        input_value(&html, "sort_order"),
        "",
        "the new-category form stays empty"
    );
    assert_eq!(input_value(&html, "name_vi"), "");
    assert_eq!(find().sort_order, 1200, "nothing saved");

    // A body's response days, on the calendar page.
    let days = || db::recommendations::response_days_for(&mut app.conn(), ward).unwrap();
    let before = days();
    let set = |d: &str| -> Vec<(&'static str, String)> {
        vec![
            ("action", "days".into()),
            ("unit_id", ward.to_string()),
            ("days", d.to_string()),
        ]
    };
    let html = refused(c.post("/admin/calendar", &set("1.5")).await).await;
    assert_kept_with(&html, "days", "1.5", &ambiguous());
    let html = refused(c.post("/admin/calendar", &set("2,5")).await).await;
    assert_kept_with(&html, "days", "2,5", &message("error-number-whole"));
    assert_eq!(days(), before, "nothing saved");
    saved(c.post("/admin/calendar", &set("15")).await).await;
    assert_eq!(days(), 15);
}

// ---------------------------------------------------------------- the API

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
    if_match: Option<String>,
) -> (StatusCode, Value) {
    let mut req = Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body);
    if let Some(v) = if_match {
        req = req.header("If-Match", v);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn json_numbers_of_task_and_household_bodies_are_stored_exactly() {
    let app = spawn().await;
    let ward = app.unit(app.root, UnitKind::Ward, "Phường Thụy Khuê");
    let owner = app.user("chutri", ward, &[(Role::Committee, ward)]);
    let token = token_for(&app, owner);
    let body = json!({
        "unit_id": ward, "category_id": 1, "title": "Mương thoát nước Thụy Khuê",
        "campaign_year": 2026, "owner_id": owner, "deadline": "2026-12-31",
        "area_total_m2": 28227.755, "area_cleared_m2": 1270.8,
        "plans_total": 2045, "plans_approved": 1315, "money_paid": 182_900_000_000i64,
        "consented": ["agrees", "paid", "handed_over"],
    });
    // The typed plans and money are no longer taken: a body that still
    // sends them is answered as if it had not.
    let stored: Figures = (Some(28227.755), Some(1270.8), None, None, None);
    let mut negative = body.clone();
    negative["area_cleared_m2"] = json!(-2.5);
    let (status, json) = call(&app, &token, Method::POST, "/api/v1/tasks", negative, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["area_cleared_m2"]["code"],
        "number-negative"
    );
    assert_eq!(task_count(&app), 0);

    let (status, json) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/tasks",
        body.clone(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["area_total_m2"], 28227.755);
    assert_eq!(json["area_cleared_m2"], 1270.8);
    let id = json["id"].as_i64().unwrap();
    assert_eq!(figures_of(&app, id), stored);
    // The same body again, from the version read, changes no figure.
    let path = format!("/api/v1/tasks/{id}");
    let (status, json) = call(
        &app,
        &token,
        Method::PUT,
        &path,
        body.clone(),
        Some(format!("\"{}\"", json["version"])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(figures_of(&app, id), stored);
    // Nor does the page's edit form saved unchanged.
    let c = app.browser("chutri").await;
    let edit = c.page_ok(&format!("/tasks/{id}/edit")).await;
    assert_eq!(input_value(&edit, "area_total_m2"), "28.227,755");
    saved(resubmit(&app, &c, &edit, &format!("/tasks/{id}")).await).await;
    assert_eq!(figures_of(&app, id), stored);

    // Households.
    let path = format!("/api/v1/tasks/{id}/households");
    let household = json!({"head_name": "Phạm Văn Bình", "map_sheet": "1", "parcel_no": "12",
        "area_m2": 1270.8});
    let mut negative = household.clone();
    negative["area_m2"] = json!(-3);
    let (status, json) = call(&app, &token, Method::POST, &path, negative, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(
        json["error"]["fields"]["area_m2"]["code"],
        "number-negative"
    );
    assert_eq!(household_count(&app, id), 0);
    let (status, json) = call(&app, &token, Method::POST, &path, household.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["area_m2"], 1270.8);
    let hid = json["id"].as_i64().unwrap();
    assert_eq!(
        db::households::find(&mut app.conn(), hid).unwrap().area_m2,
        1270.8
    );
    let mut edit = household.clone();
    edit["area_m2"] = json!(28227.755);
    let (status, json) = call(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/households/{hid}"),
        edit,
        Some(format!("\"{}\"", json["version"])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["area_m2"], 28227.755);
    assert_eq!(
        db::households::find(&mut app.conn(), hid).unwrap().area_m2,
        28227.755
    );
}

/// Year 9999 and areas of 10^23 m² are slips, not data: a page says the
/// range, the API answers 422, and nothing is stored.
#[tokio::test]
async fn dates_and_areas_past_their_plausible_range_are_refused_with_the_range() {
    let w = household_world().await;
    let (app, c) = (&w.app, &w.owner);
    let path = format!("/tasks/{}/households", w.task);
    let fields: Vec<(&str, String)> = vec![
        ("head_name", "Nguyễn Văn An".into()),
        ("area_m2", "100.000.000.000.000.000.000.000".into()),
    ];
    let html = refused(c.post(&path, &fields).await).await;
    assert_kept_with(
        &html,
        "area_m2",
        "100.000.000.000.000.000.000.000",
        &message("error-area-too-large"),
    );
    assert_eq!(household_count(app, w.task), 0);

    let milestone = format!("/tasks/{}/milestones", w.task);
    for day in ["31/12/9999", "01/01/1000"] {
        let r = c
            .post(
                &milestone,
                &[("title", "Bàn giao mặt bằng"), ("due_on", day)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{day}");
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Ngày phải trong khoảng 01/01/1990 – 31/12/2099."));
    }

    let owner = db::tasks::find(&mut app.conn(), w.task).unwrap().owner_id;
    let token = token_for(app, owner);
    let (status, body) = call(
        app,
        &token,
        Method::POST,
        &path.replace("/tasks", "/api/v1/tasks"),
        json!({"head_name": "Trần Thị Bình", "area_m2": 1e23}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"]["area_m2"]["code"], "area-too-large");
    assert_eq!(household_count(app, w.task), 0);
}
