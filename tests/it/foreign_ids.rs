//! Every id a page form or an API body names must name a record the reader
//! may use there — offering it in a form is not checking it. An id that
//! names nothing (-1, 0, 999999999999, a number past i64) is a field error,
//! never a 500 or a foreign-key error; an id that names something outside
//! what the reader may see or act on (another province, an inactive unit or
//! account, a household of another task, someone not in the unit) is
//! refused. Either way nothing is written.
//!
//! Two provinces, each with a ward: Quảng Ngãi, where `bithu.quangphu`
//! works, and Nghệ An, whose records he must not be able to reach.

use crate::common;

use chrono::Datelike;
use common::{location, spawn, Browser, TestApp};
use danvan::db::{self, audit, households::NewVisit};
use danvan::domain::access::Role;
use danvan::domain::consent::ConsentStage;
use danvan::domain::format;
use danvan::domain::units::UnitKind;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Ids that name nothing: negative, zero, far past any row, past i64.
const MISSING: [&str; 4] = ["-1", "0", "999999999999", "99999999999999999999"];

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// A seeded entry of each list, deactivated by `world` (task category,
/// model field, desk procedure).
const RETIRED: i64 = 5;

struct World {
    app: TestApp,
    year: i32,
    // Nghệ An
    na_ward: i64,
    na_committee: i64,
    na_reviewer: i64,
    na_task: i64,
    na_household: i64,
    na_visit: i64,
    // Quảng Ngãi
    qn: i64,
    qn_ward: i64,
    qn_dept: i64,
    /// A residential group of the ward that was dissolved (inactive): in
    /// the reach of the ward's people, but no longer a unit to act for.
    qn_closed: i64,
    /// `bithu.quangphu`: committee of the ward.
    bithu: i64,
    /// `totac.quangphu`: ward team, on the task.
    totac: i64,
    /// `mttq.quangphu`: the ward's Front reviewer, not on the task.
    mttq: i64,
    /// `nghiviec.quangphu`: was on the ward's committee, now deactivated.
    gone: i64,
    task: i64,
    household: i64,
    /// A second household of the same task, with a visit of its own.
    household2: i64,
    /// A household of the task already handed over (not offered for a dialogue).
    handed_over: i64,
    visit: i64,
    visit2: i64,
    other_task: i64,
    other_household: i64,
}

fn visit_of(stage: ConsentStage) -> NewVisit {
    NewVisit {
        visited_on: format::today(),
        kind: "door_to_door".into(),
        members: vec![],
        others: String::new(),
        household_said: String::new(),
        concerns: String::new(),
        stage_after: stage,
        reason: None,
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    }
}

async fn world() -> World {
    let app = spawn().await;
    let year = format::today().year();
    let (na, qn) = {
        let mut conn = app.conn();
        (
            common::make_unit(&mut conn, None, UnitKind::Province, "Tỉnh Nghệ An"),
            common::make_unit(&mut conn, None, UnitKind::Province, "Tỉnh Quảng Ngãi"),
        )
    };
    let na_ward = app.unit(na, UnitKind::Ward, "Phường Trường Vinh");
    let qn_ward = app.unit(qn, UnitKind::Ward, "Phường Quảng Phú");
    let qn_dept = app.unit(qn, UnitKind::Department, "Sở Nông nghiệp và Môi trường");
    let qn_closed = app.unit(
        qn_ward,
        UnitKind::ResidentialGroup,
        "Tổ dân phố 9 (đã giải thể)",
    );
    let na_committee = app.user("quanuy.nghean", na_ward, &[(Role::Committee, na_ward)]);
    let na_team = app.user("tocongtac.nghean", na_ward, &[(Role::WardTeam, na_ward)]);
    let na_reviewer = app.user("mttq.nghean", na_ward, &[(Role::Reviewer, na_ward)]);
    let bithu = app.user("bithu.quangphu", qn_ward, &[(Role::Committee, qn_ward)]);
    let totac = app.user("totac.quangphu", qn_ward, &[(Role::WardTeam, qn_ward)]);
    let mttq = app.user("mttq.quangphu", qn_ward, &[(Role::Reviewer, qn_ward)]);
    let gone = app.user("nghiviec.quangphu", qn_ward, &[(Role::Committee, qn_ward)]);
    app.user("so.quangngai", qn_dept, &[(Role::Committee, qn_dept)]);
    app.user("quantri.quangngai", qn, &[(Role::Admin, qn)]);
    let mut conn = app.conn();
    db::users::set_active(&mut conn, gone, false).unwrap();
    db::units::set_active(&mut conn, qn_closed, false).unwrap();
    {
        use db::schema::{desk_procedures, model_fields, task_categories};
        diesel::update(task_categories::table.find(RETIRED))
            .set(task_categories::active.eq(false))
            .execute(&mut conn)
            .unwrap();
        diesel::update(model_fields::table.find(RETIRED))
            .set(model_fields::active.eq(false))
            .execute(&mut conn)
            .unwrap();
        diesel::update(desk_procedures::table.find(RETIRED))
            .set(desk_procedures::active.eq(false))
            .execute(&mut conn)
            .unwrap();
    }
    let task_of = |conn: &mut db::DbConnection, unit: i64, owner: i64, team: Vec<i64>, t: &str| {
        let mut f = common::task_fields(unit, owner, t, None, year);
        f.team = team;
        db::tasks::create(conn, &f, owner).unwrap().0
    };
    let household_of =
        |conn: &mut db::DbConnection, task: &db::tasks::Task, name: &str, p: &str| {
            audit::write(conn, &audit::Actor::default(), |c| {
                Ok(db::households::create(
                    c,
                    task,
                    &common::household(name, p, 120.0),
                )?)
            })
            .unwrap()
        };
    let visit_to =
        |conn: &mut db::DbConnection, task: &db::tasks::Task, h: i64, stage: ConsentStage| {
            let h = db::households::find(conn, h).unwrap();
            audit::write(conn, &audit::Actor::default(), |c| {
                Ok(db::households::append_visit(
                    c,
                    task,
                    &h,
                    &visit_of(stage),
                    task.owner_id,
                )?)
            })
            .unwrap()
        };
    let na_task = task_of(
        &mut conn,
        na_ward,
        na_committee,
        vec![na_team],
        "Giải phóng mặt bằng đường Lê Mao",
    );
    let na_household = household_of(&mut conn, &na_task, "Hồ Văn Sơn", "31").id;
    let na_visit = visit_to(
        &mut conn,
        &na_task,
        na_household,
        ConsentStage::NoticeReceived,
    );
    let task = task_of(
        &mut conn,
        qn_ward,
        bithu,
        vec![totac],
        "Giải phóng mặt bằng khu dân cư Quảng Phú",
    );
    let household = household_of(&mut conn, &task, "Nguyễn Ngọc Thủy", "525").id;
    let household2 = household_of(&mut conn, &task, "Trần Thị Lệ", "526").id;
    let handed_over = household_of(&mut conn, &task, "Phạm Văn Bảy", "527").id;
    let visit = visit_to(&mut conn, &task, household, ConsentStage::NoticeReceived);
    let visit2 = visit_to(&mut conn, &task, household2, ConsentStage::NoticeReceived);
    visit_to(&mut conn, &task, handed_over, ConsentStage::HandedOver);
    let other_task = task_of(
        &mut conn,
        qn_ward,
        bithu,
        vec![totac],
        "Chỉnh trang vỉa hè đường Phan Bội Châu",
    );
    let other_household = household_of(&mut conn, &other_task, "Lê Văn Tám", "12").id;
    World {
        app,
        year,
        na_ward,
        na_committee,
        na_reviewer,
        na_task: na_task.id,
        na_household,
        na_visit,
        qn,
        qn_ward,
        qn_dept,
        qn_closed,
        bithu,
        totac,
        mttq,
        gone,
        task: task.id,
        household,
        household2,
        handed_over,
        visit,
        visit2,
        other_task: other_task.id,
        other_household,
    }
}

/// `(name, value)` pairs of a page form.
type Fields = Vec<(String, String)>;

fn fields(pairs: &[(&str, String)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The form with every value of `field` replaced by `value`.
fn with(base: &Fields, field: &str, value: &str) -> Fields {
    let mut out: Fields = base.iter().filter(|(k, _)| k != field).cloned().collect();
    out.push((field.to_string(), value.to_string()));
    out
}

fn ids(list: &[i64]) -> Vec<String> {
    list.iter().map(i64::to_string).collect()
}

/// Ids that name nothing, then those given.
fn missing_and(list: &[i64]) -> Vec<String> {
    MISSING
        .iter()
        .map(std::string::ToString::to_string)
        .chain(ids(list))
        .collect()
}

impl World {
    fn audits(&self) -> i64 {
        use db::schema::audit_log;
        audit_log::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    /// A token made as an administrator makes it: `danvan token`.
    fn token(&self, username: &str) -> String {
        let out = self
            .app
            .cli(&["token", "--username", username, "--name", "t"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    async fn post(&self, c: &Browser, path: &str, form: &Fields) -> (StatusCode, String) {
        let r = c.post(path, form).await;
        let status = r.status();
        let at = location(&r);
        (status, format!("{at}\n{}", r.text().await.unwrap()))
    }

    /// The form posted with `field` set to each of `values` in turn: each
    /// answer is `expect`, and nothing is written.
    async fn page_refuses(
        &self,
        c: &Browser,
        path: &str,
        base: &Fields,
        field: &str,
        values: &[String],
        expect: StatusCode,
    ) {
        for v in values {
            let before = self.audits();
            let (status, body) = self.post(c, path, &with(base, field, v)).await;
            let shown: String = body.chars().take(300).collect();
            assert_eq!(
                status, expect,
                "POST {path} with {field}={v}: {status}\n{shown}"
            );
            assert_eq!(
                self.audits(),
                before,
                "POST {path} with {field}={v} wrote something"
            );
        }
    }

    /// A JSON request whose body is given as text (so that it may hold a
    /// number past i64).
    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<String>,
        if_match: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = reqwest::Client::new()
            .request(method, self.app.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// A request that must succeed; its JSON answer.
    async fn api_ok(&self, token: &str, method: Method, path: &str, body: Value) -> Value {
        let (status, json) = self
            .call(token, method, path, Some(body.to_string()), None)
            .await;
        assert!(status.is_success(), "{path}: {status} {json}");
        json
    }

    /// `base` sent with `field` set to each of `values` (JSON text, so
    /// `[-1]` for a list): each answer is one of `expect` — a 422 naming the
    /// field, or a 403 — and nothing is written.
    #[allow(clippy::too_many_arguments)]
    async fn api_refuses(
        &self,
        token: &str,
        method: Method,
        path: &str,
        if_match: Option<&str>,
        base: &Value,
        field: &str,
        values: &[String],
        expect: &[StatusCode],
    ) {
        for v in values {
            let mut body = base.clone();
            body[field] = json!("__ID__");
            let text = body.to_string().replace("\"__ID__\"", v);
            let before = self.audits();
            let (status, json) = self
                .call(token, method.clone(), path, Some(text), if_match)
                .await;
            assert!(
                expect.contains(&status),
                "{method} {path} with {field}={v}: {status} {json}"
            );
            if status == UNPROCESSABLE {
                let named = json["error"]["fields"]
                    .as_object()
                    .is_some_and(|f| f.keys().any(|k| k.starts_with(field)));
                assert!(named, "{method} {path} with {field}={v}: {json}");
            }
            assert_eq!(
                self.audits(),
                before,
                "{method} {path} with {field}={v} wrote something"
            );
        }
    }
}

/// `[id]` for each id: a one-element list in a JSON body.
fn listed(values: &[String]) -> Vec<String> {
    values.iter().map(|v| format!("[{v}]")).collect()
}

fn date(d: chrono::NaiveDate) -> String {
    format::date(d)
}

const REFUSED: &[StatusCode] = &[UNPROCESSABLE, StatusCode::FORBIDDEN];
const INVALID: &[StatusCode] = &[UNPROCESSABLE];

// ---------------------------------------------------------------- tasks

#[tokio::test]
async fn a_task_names_a_unit_category_and_people_the_committee_may_use() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("category_id", "1".into()),
        ("title", "Di dời hộ dân khu vực cầu Trà Khúc".into()),
        ("campaign_year", w.year.to_string()),
        ("owner_id", w.bithu.to_string()),
        ("co_owners", w.bithu.to_string()),
        ("team", w.totac.to_string()),
        ("consented", "agrees".into()),
    ]);
    let people = missing_and(&[w.na_committee, w.gone]);
    for (field, values) in [
        ("unit_id", missing_and(&[w.na_ward, w.qn_closed])),
        ("category_id", missing_and(&[RETIRED])),
        ("owner_id", people.clone()),
        ("co_owners", people.clone()),
        ("team", people.clone()),
    ] {
        w.page_refuses(&c, "/tasks", &base, field, &values, UNPROCESSABLE)
            .await;
    }
    assert_eq!(w.post(&c, "/tasks", &base).await.0, StatusCode::SEE_OTHER);

    let token = w.token("bithu.quangphu");
    let body = json!({
        "unit_id": w.qn_ward, "category_id": 1, "title": "Nạo vét kênh Thạch Nham",
        "campaign_year": w.year, "owner_id": w.bithu, "team": [w.totac],
        "consented": ["agrees"],
    });
    for (field, values) in [
        ("unit_id", missing_and(&[w.na_ward, w.qn_closed])),
        ("category_id", missing_and(&[RETIRED])),
        ("owner_id", people.clone()),
    ] {
        w.api_refuses(
            &token,
            Method::POST,
            "/api/v1/tasks",
            None,
            &body,
            field,
            &values,
            REFUSED,
        )
        .await;
    }
    for field in ["co_owners", "team"] {
        w.api_refuses(
            &token,
            Method::POST,
            "/api/v1/tasks",
            None,
            &body,
            field,
            &listed(&people),
            REFUSED,
        )
        .await;
    }
    w.api_ok(&token, Method::POST, "/api/v1/tasks", body).await;
}

// ---------------------------------------------------------------- visits and dialogues

#[tokio::test]
async fn a_visit_names_the_tasks_people_and_corrects_this_households_visits() {
    let w = world().await;
    let c = w.app.browser("totac.quangphu").await;
    let path = format!("/households/{}/visits", w.household);
    let base = fields(&[
        ("visited_on", date(format::today())),
        ("kind", "door_to_door".into()),
        ("members", w.totac.to_string()),
        ("stage_after", "notice_received".into()),
    ]);
    let people = missing_and(&[w.na_committee, w.mttq]);
    let visits = missing_and(&[w.visit2, w.na_visit]);
    w.page_refuses(&c, &path, &base, "members", &people, UNPROCESSABLE)
        .await;
    w.page_refuses(&c, &path, &base, "corrects_id", &visits, UNPROCESSABLE)
        .await;
    let fixed = with(&base, "corrects_id", &w.visit.to_string());
    assert_eq!(w.post(&c, &path, &fixed).await.0, StatusCode::SEE_OTHER);

    let token = w.token("totac.quangphu");
    let api = format!("/api/v1/households/{}/visits", w.household);
    let body = json!({"visited_on": format::today(), "kind": "door_to_door",
        "members": [w.totac], "stage_after": "inventoried"});
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "members",
        &listed(&people),
        INVALID,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "corrects_id",
        &visits,
        INVALID,
    )
    .await;
    w.api_ok(&token, Method::POST, &api, body).await;
}

#[tokio::test]
async fn a_dialogue_is_held_with_open_households_of_its_own_task() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let path = format!("/tasks/{}/dialogues", w.task);
    let base = fields(&[
        ("held_on", date(format::today())),
        ("place", "Hội trường tổ dân phố 3".into()),
        ("households", w.household.to_string()),
        ("households", w.household2.to_string()),
        ("stage_after", "dialogue_held".into()),
        // A reason, so that only the households themselves are in question.
        ("reason", "Hộ đề nghị đối thoại lại".into()),
    ]);
    let households = missing_and(&[w.other_household, w.na_household, w.handed_over]);
    w.page_refuses(&c, &path, &base, "households", &households, UNPROCESSABLE)
        .await;
    // One household among others that may not be named spoils the lot.
    let mut mixed = base.clone();
    mixed.push(("households".into(), w.na_household.to_string()));
    let before = w.audits();
    assert_eq!(w.post(&c, &path, &mixed).await.0, UNPROCESSABLE);
    assert_eq!(w.audits(), before);
    assert_eq!(w.post(&c, &path, &base).await.0, StatusCode::SEE_OTHER);
}

// ---------------------------------------------------------------- campaigns and models

#[tokio::test]
async fn a_campaign_names_its_unit_fields_appraisers_and_tasks_from_its_own_reach() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("year", w.year.to_string()),
        ("theme", "Dân vận khéo trong giải phóng mặt bằng".into()),
        ("period_from", format!("01/01/{}", w.year)),
        ("period_to", format!("31/12/{}", w.year)),
        ("focus_fields", "1".into()),
        ("appraisers", w.mttq.to_string()),
    ]);
    let units = missing_and(&[w.na_ward, w.qn_closed]);
    let focus = missing_and(&[RETIRED]);
    let people = missing_and(&[w.na_committee, w.gone]);
    w.page_refuses(&c, "/campaigns", &base, "unit_id", &units, UNPROCESSABLE)
        .await;
    w.page_refuses(
        &c,
        "/campaigns",
        &base,
        "focus_fields",
        &focus,
        UNPROCESSABLE,
    )
    .await;
    w.page_refuses(
        &c,
        "/campaigns",
        &base,
        "appraisers",
        &people,
        UNPROCESSABLE,
    )
    .await;

    let token = w.token("bithu.quangphu");
    let body = json!({"unit_id": w.qn_ward, "year": w.year, "theme": "Năm dân vận khéo",
        "period_from": format!("{}-01-01", w.year), "period_to": format!("{}-12-31", w.year),
        "focus_fields": [1], "appraisers": [w.mttq]});
    let api = "/api/v1/campaigns";
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "unit_id",
        &units,
        REFUSED,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "focus_fields",
        &listed(&focus),
        INVALID,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "appraisers",
        &listed(&people),
        INVALID,
    )
    .await;
    let campaign = w.api_ok(&token, Method::POST, api, body).await["id"]
        .as_i64()
        .unwrap();

    // Its tasks: of its unit's subtree and its year, as the page offers them.
    let last_year = {
        let mut f = common::task_fields(w.qn_ward, w.bithu, "Việc khó năm trước", None, w.year - 1);
        f.category_id = 2;
        db::tasks::create(&mut w.app.conn(), &f, w.bithu)
            .unwrap()
            .0
            .id
    };
    let path = format!("/campaigns/{campaign}/tasks");
    let base = fields(&[("task", w.task.to_string())]);
    let tasks = missing_and(&[w.na_task, last_year]);
    w.page_refuses(&c, &path, &base, "task", &tasks, UNPROCESSABLE)
        .await;
    assert_eq!(w.post(&c, &path, &base).await.0, StatusCode::SEE_OTHER);

    // A model: a unit inside the campaign's that the registrant reads, an active field.
    let registrant = w.app.browser("totac.quangphu").await;
    let path = format!("/campaigns/{campaign}/models");
    let base = fields(&[
        ("kind", "collective".into()),
        ("unit_id", w.qn_ward.to_string()),
        ("holder_name", "Chi hội Phụ nữ tổ 3".into()),
        ("field_id", "1".into()),
        ("title", "Ngõ xanh, sạch, đẹp".into()),
        ("commitment", "Không rác thải ra đường".into()),
        ("period_from", format!("01/01/{}", w.year)),
        ("period_to", format!("31/12/{}", w.year)),
    ]);
    let model_units = missing_and(&[w.na_ward, w.qn_dept]);
    let model_fields = missing_and(&[RETIRED]);
    w.page_refuses(
        &registrant,
        &path,
        &base,
        "unit_id",
        &model_units,
        UNPROCESSABLE,
    )
    .await;
    w.page_refuses(
        &registrant,
        &path,
        &base,
        "field_id",
        &model_fields,
        UNPROCESSABLE,
    )
    .await;
    assert_eq!(
        w.post(&registrant, &path, &base).await.0,
        StatusCode::SEE_OTHER
    );
    let token = w.token("totac.quangphu");
    let api = format!("/api/v1/campaigns/{campaign}/models");
    let body = json!({"kind": "collective", "unit_id": w.qn_ward, "holder_name": "Chi đoàn tổ 5",
        "field_id": 1, "title": "Thắp sáng đường quê", "commitment": "Lắp 40 bóng đèn",
        "period_from": format!("{}-01-01", w.year), "period_to": format!("{}-12-31", w.year)});
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "unit_id",
        &model_units,
        INVALID,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "field_id",
        &model_fields,
        INVALID,
    )
    .await;
    w.api_ok(&token, Method::POST, &api, body).await;
}

// ---------------------------------------------------------------- review rounds

#[tokio::test]
async fn a_review_round_names_its_unit_lead_tasks_and_criteria_from_its_own_reach() {
    let w = world().await;
    let c = w.app.browser("mttq.quangphu").await;
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("year", w.year.to_string()),
        ("title", "Giám sát việc khó".into()),
        ("lead_id", w.mttq.to_string()),
        ("combine_rule", "mean".into()),
        ("self_due", format!("10/12/{}", w.year)),
        ("review_due", format!("25/12/{}", w.year)),
    ]);
    let units = missing_and(&[w.na_ward, w.qn_closed]);
    let leads = missing_and(&[w.na_reviewer, w.bithu, w.gone]);
    w.page_refuses(&c, "/reviews", &base, "unit_id", &units, UNPROCESSABLE)
        .await;
    w.page_refuses(&c, "/reviews", &base, "lead_id", &leads, UNPROCESSABLE)
        .await;

    let token = w.token("mttq.quangphu");
    let body = json!({"unit_id": w.qn_ward, "year": w.year, "title": "Giám sát việc khó",
        "lead_id": w.mttq, "combine_rule": "mean",
        "self_due": format!("{}-12-10", w.year), "review_due": format!("{}-12-25", w.year)});
    let api = "/api/v1/review-rounds";
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "unit_id",
        &units,
        REFUSED,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "lead_id",
        &leads,
        INVALID,
    )
    .await;
    let round = w.api_ok(&token, Method::POST, api, body).await["id"]
        .as_i64()
        .unwrap();

    // Its tasks: of its unit's subtree and its year, as the page offers them.
    let last_year = {
        let f = common::task_fields(w.qn_ward, w.bithu, "Việc khó năm trước", None, w.year - 1);
        db::tasks::create(&mut w.app.conn(), &f, w.bithu)
            .unwrap()
            .0
            .id
    };
    let path = format!("/reviews/{round}/tasks");
    let base = fields(&[
        ("task", w.task.to_string()),
        ("task", w.other_task.to_string()),
    ]);
    let tasks = missing_and(&[w.na_task, last_year]);
    w.page_refuses(&c, &path, &base, "task", &tasks, UNPROCESSABLE)
        .await;
    assert_eq!(w.post(&c, &path, &base).await.0, StatusCode::SEE_OTHER);

    // A dispute names one of the round's own criteria, or none.
    let other_round = {
        let token = w.token("mttq.nghean");
        let body = json!({"unit_id": w.na_ward, "year": w.year, "title": "Giám sát",
            "lead_id": w.na_reviewer, "combine_rule": "mean",
            "self_due": format!("{}-12-10", w.year), "review_due": format!("{}-12-25", w.year)});
        w.api_ok(&token, Method::POST, api, body).await["id"]
            .as_i64()
            .unwrap()
    };
    let foreign_criterion: i64 = {
        use db::schema::review_criteria;
        review_criteria::table
            .filter(review_criteria::round_id.eq(other_round))
            .select(review_criteria::id)
            .first(&mut w.app.conn())
            .unwrap()
    };
    {
        use db::schema::review_rounds;
        diesel::update(review_rounds::table.find(round))
            .set(review_rounds::status.eq("published"))
            .execute(&mut w.app.conn())
            .unwrap();
    }
    let owner = w.app.browser("bithu.quangphu").await;
    let path = format!("/reviews/{round}/tasks/{}/dispute", w.task);
    let base = fields(&[("reason", "Chưa tính hộ đã bàn giao".into())]);
    let criteria = missing_and(&[foreign_criterion]);
    w.page_refuses(
        &owner,
        &path,
        &base,
        "criterion_id",
        &criteria,
        UNPROCESSABLE,
    )
    .await;
    let token = w.token("bithu.quangphu");
    let api = format!("/api/v1/review-rounds/{round}/tasks/{}/dispute", w.task);
    let body = json!({"reason": "Chưa tính hộ đã bàn giao"});
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "criterion_id",
        &criteria,
        INVALID,
    )
    .await;
    w.api_ok(&token, Method::POST, &api, body).await;
}

// ---------------------------------------------------------------- the duty desk

#[tokio::test]
async fn the_desk_names_its_unit_officials_procedures_and_assignees_from_its_own_reach() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let today = format::today();
    let weekday = today.weekday().number_from_monday().to_string();
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("name", "Ngày thứ Ba đồng hành với công dân".into()),
        ("place", "Bộ phận một cửa".into()),
        ("weekday", weekday.clone()),
        ("start_time", "07:30".into()),
        ("end_time", "11:30".into()),
        ("starts_on", date(today)),
        ("officials", w.bithu.to_string()),
    ]);
    let units = missing_and(&[w.na_ward, w.qn_closed]);
    let people = missing_and(&[w.na_committee, w.gone]);
    w.page_refuses(&c, "/desk", &base, "unit_id", &units, UNPROCESSABLE)
        .await;
    w.page_refuses(&c, "/desk", &base, "officials", &people, UNPROCESSABLE)
        .await;

    let token = w.token("bithu.quangphu");
    // An official who leaves after the rota is made.
    let leaving = w
        .app
        .user("canbo.quangphu", w.qn_ward, &[(Role::Viewer, w.qn_ward)]);
    let body = json!({"unit_id": w.qn_ward, "name": "Tiếp công dân", "place": "Phòng một cửa",
        "weekday": today.weekday().number_from_monday(), "start_time": "07:30",
        "end_time": "11:30", "starts_on": today, "officials": [w.bithu, w.totac, leaving]});
    let api = "/api/v1/desk/duties";
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "unit_id",
        &units,
        REFUSED,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "officials",
        &listed(&people),
        INVALID,
    )
    .await;
    let duty = w.api_ok(&token, Method::POST, api, body).await["id"]
        .as_i64()
        .unwrap();
    db::users::set_active(&mut w.app.conn(), leaving, false).unwrap();
    let (shift, version): (i64, i32) = {
        use db::schema::desk_shifts;
        desk_shifts::table
            .filter(desk_shifts::duty_id.eq(duty))
            .order(desk_shifts::on_date)
            .select((desk_shifts::id, desk_shifts::version))
            .first(&mut w.app.conn())
            .unwrap()
    };

    // Assigning a shift: one of the duty's officials who is still active.
    let assignees = missing_and(&[w.na_committee, w.mttq, leaving]);
    let path = format!("/desk/shifts/{shift}/change");
    let base = fields(&[
        ("action", "assign".into()),
        ("official_id", w.totac.to_string()),
        ("version", version.to_string()),
    ]);
    w.page_refuses(
        &c,
        &path,
        &base,
        "official_id",
        &assignees,
        StatusCode::SEE_OTHER,
    )
    .await;
    let api = format!("/api/v1/desk/shifts/{shift}/change");
    let body = json!({"action": "assign", "official_id": w.totac});
    let tag = format!("\"{version}\"");
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        Some(&tag),
        &body,
        "official_id",
        &assignees,
        INVALID,
    )
    .await;

    // A case: an active procedure of the list.
    let procedures = missing_and(&[RETIRED]);
    let path = format!("/desk/shifts/{shift}/cases");
    let base = fields(&[
        ("procedure_id", "1".into()),
        ("note", "Hỏi thủ tục chuyển mục đích sử dụng đất".into()),
        ("outcome", "guided".into()),
    ]);
    w.page_refuses(&c, &path, &base, "procedure_id", &procedures, UNPROCESSABLE)
        .await;
    let api = format!("/api/v1/desk/shifts/{shift}/cases");
    let body = json!({"procedure_id": 1, "note": "Hỏi thủ tục", "outcome": "guided"});
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "procedure_id",
        &procedures,
        INVALID,
    )
    .await;
    w.api_ok(&token, Method::POST, &api, body).await;
}

// ---------------------------------------------------------------- mobile support teams

#[tokio::test]
async fn a_support_team_draws_members_and_communes_from_its_own_province() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let base = fields(&[
        ("lead_unit_id", w.qn_ward.to_string()),
        ("name", "Tổ hỗ trợ lưu động thủ tục đất đai".into()),
        ("period_from", format!("01/01/{}", w.year)),
        ("period_to", format!("31/12/{}", w.year)),
        ("members", w.totac.to_string()),
        ("communes", w.qn_ward.to_string()),
    ]);
    let leads = missing_and(&[w.na_ward, w.qn_closed]);
    let people = missing_and(&[w.na_committee, w.gone]);
    let communes = missing_and(&[w.na_ward, w.qn_closed]);
    w.page_refuses(&c, "/teams", &base, "lead_unit_id", &leads, UNPROCESSABLE)
        .await;
    w.page_refuses(&c, "/teams", &base, "members", &people, UNPROCESSABLE)
        .await;
    w.page_refuses(&c, "/teams", &base, "communes", &communes, UNPROCESSABLE)
        .await;

    let token = w.token("bithu.quangphu");
    let body = json!({"lead_unit_id": w.qn_ward, "name": "Tổ hỗ trợ lưu động",
        "period_from": format!("{}-01-01", w.year), "period_to": format!("{}-12-31", w.year),
        // Members may come from any unit of the province.
        "members": [w.totac, w.bithu], "communes": [w.qn_ward, w.qn_dept]});
    let api = "/api/v1/teams";
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "lead_unit_id",
        &leads,
        REFUSED,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "members",
        &listed(&people),
        INVALID,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "communes",
        &listed(&communes),
        INVALID,
    )
    .await;
    let team = w.api_ok(&token, Method::POST, api, body).await["id"]
        .as_i64()
        .unwrap();

    // A round is planned in one of the team's communes.
    let places = missing_and(&[w.na_ward, w.qn]);
    let path = format!("/teams/{team}/rounds");
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("on_date", date(format::today())),
        ("start_time", "08:00".into()),
        ("place", "Nhà văn hóa tổ 3".into()),
        ("kind", "outreach".into()),
    ]);
    w.page_refuses(&c, &path, &base, "unit_id", &places, UNPROCESSABLE)
        .await;
    let api = format!("/api/v1/teams/{team}/rounds");
    let body = json!({"unit_id": w.qn_ward, "on_date": format::today(), "start_time": "08:00",
        "place": "Nhà văn hóa tổ 3", "kind": "outreach"});
    w.api_refuses(
        &token,
        Method::POST,
        &api,
        None,
        &body,
        "unit_id",
        &places,
        INVALID,
    )
    .await;
    let round = w.api_ok(&token, Method::POST, &api, body).await["id"]
        .as_i64()
        .unwrap();
    let detail = w
        .api_ok(
            &token,
            Method::POST,
            &format!("/api/v1/team-rounds/{round}/problems"),
            json!({"text": "Nhiều hộ chưa được cấp giấy chứng nhận"}),
        )
        .await;
    let problem = detail["problems"][0]["id"].as_i64().unwrap();

    // A problem is taken up as a task of the commune it was raised in.
    let path = format!("/teams/rounds/{round}/problems/{problem}");
    let base = fields(&[("task_id", w.task.to_string())]);
    let tasks = missing_and(&[w.na_task]);
    w.page_refuses(&c, &path, &base, "task_id", &tasks, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(w.post(&c, &path, &base).await.0, StatusCode::SEE_OTHER);
    let linked: Option<i64> = {
        use db::schema::support_problems;
        support_problems::table
            .find(problem)
            .select(support_problems::task_id)
            .first(&mut w.app.conn())
            .unwrap()
    };
    assert_eq!(linked, Some(w.task));
}

// ---------------------------------------------------------------- recommendations and targets

/// A recommendation from the ward to the province's department, answered by
/// `so.quangngai`; its id and version.
async fn add_recommendation(w: &World, token: &str) -> (i64, i64) {
    let body = json!({"from_unit_id": w.qn_ward, "to_unit_id": w.qn_dept, "field": "other",
        "content": "Đề nghị sớm cấp giấy chứng nhận cho các hộ tái định cư",
        "raised_on": format::today()});
    let rec = w
        .api_ok(token, Method::POST, "/api/v1/recommendations", body)
        .await;
    (
        rec["id"].as_i64().unwrap(),
        rec["version"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_recommendation_is_raised_and_transferred_between_active_units() {
    let w = world().await;
    let token = w.token("bithu.quangphu");
    let inspection = {
        let f = db::recommendations::InspectionFields {
            unit_id: w.na_ward,
            by_unit_id: w.na_ward,
            visited_on: format::today(),
            members: "Đoàn công tác tỉnh Nghệ An".into(),
            figures: String::new(),
            findings: String::new(),
        };
        audit::write(&mut w.app.conn(), &audit::Actor::default(), |c| {
            Ok(db::recommendations::create_inspection(
                c,
                &f,
                w.na_committee,
            )?)
        })
        .unwrap()
        .id
    };
    let body = json!({"from_unit_id": w.qn_ward, "to_unit_id": w.qn_dept, "field": "other",
        "content": "Đề nghị hỗ trợ kinh phí", "raised_on": format::today()});
    let api = "/api/v1/recommendations";
    let units = missing_and(&[w.na_ward, w.qn_closed]);
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "from_unit_id",
        &units,
        INVALID,
    )
    .await;
    let bodies = missing_and(&[w.qn_closed]);
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "to_unit_id",
        &bodies,
        INVALID,
    )
    .await;
    let inspections = missing_and(&[inspection]);
    w.api_refuses(
        &token,
        Method::POST,
        api,
        None,
        &body,
        "inspection_id",
        &inspections,
        INVALID,
    )
    .await;

    // The responding body hands it on to another active unit only.
    let (rec, version) = add_recommendation(&w, &token).await;
    let responder = w.token("so.quangngai");
    let api = format!("/api/v1/recommendations/{rec}/transfer");
    let tag = format!("\"{version}\"");
    let body = json!({"to_unit_id": w.na_ward, "reason": "Thuộc thẩm quyền của phường"});
    w.api_refuses(
        &responder,
        Method::POST,
        &api,
        Some(&tag),
        &body,
        "to_unit_id",
        &bodies,
        INVALID,
    )
    .await;
    let done = w
        .call(
            &responder,
            Method::POST,
            &api,
            Some(body.to_string()),
            Some(&tag),
        )
        .await;
    assert_eq!(done.0, StatusCode::OK, "{}", done.1);
}

/// The page's transfer form, whose check lives in `routes/recommendations.rs`.
#[tokio::test]
async fn the_transfer_form_names_an_active_unit() {
    let w = world().await;
    let token = w.token("bithu.quangphu");
    let (rec, version) = add_recommendation(&w, &token).await;
    let c = w.app.browser("so.quangngai").await;
    let path = format!("/recommendations/{rec}/transfer");
    let base = fields(&[
        ("to_unit_id", w.na_ward.to_string()),
        ("reason", "Thuộc thẩm quyền của phường".into()),
        ("version", version.to_string()),
    ]);
    let bodies = missing_and(&[w.qn_closed]);
    w.page_refuses(&c, &path, &base, "to_unit_id", &bodies, UNPROCESSABLE)
        .await;
    assert_eq!(w.post(&c, &path, &base).await.0, StatusCode::SEE_OTHER);
}

/// Inspection and working-day forms, whose checks live in
/// `routes/recommendations.rs`.
#[tokio::test]
async fn inspections_and_working_days_name_active_units_the_reader_may_act_for() {
    let w = world().await;
    let c = w.app.browser("bithu.quangphu").await;
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("by_unit_id", w.qn_ward.to_string()),
        ("visited_on", date(format::today())),
        ("members", "Đoàn công tác phường".into()),
    ]);
    let units = missing_and(&[w.qn_closed]);
    w.page_refuses(&c, "/inspections", &base, "unit_id", &units, UNPROCESSABLE)
        .await;
    assert_eq!(
        w.post(&c, "/inspections", &base).await.0,
        StatusCode::SEE_OTHER
    );

    // An administrator of Quảng Ngãi sets the working days of a body of
    // Quảng Ngãi, not of Nghệ An nor of a unit that does not exist.
    let admin = w.app.browser("quantri.quangngai").await;
    let base = fields(&[
        ("action", "days".into()),
        ("unit_id", w.qn_dept.to_string()),
        ("days", "15".into()),
    ]);
    let bodies = missing_and(&[w.na_ward, w.qn_closed]);
    w.page_refuses(
        &admin,
        "/admin/calendar",
        &base,
        "unit_id",
        &bodies,
        UNPROCESSABLE,
    )
    .await;
    assert_eq!(
        w.post(&admin, "/admin/calendar", &base).await.0,
        StatusCode::SEE_OTHER
    );

    // A target is set for an active unit the reader acts for.
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("year", w.year.to_string()),
        ("name", "Tỷ lệ hộ đồng thuận".into()),
        ("planned", "95".into()),
    ]);
    let units = missing_and(&[w.qn_closed]);
    w.page_refuses(&c, "/targets", &base, "unit_id", &units, UNPROCESSABLE)
        .await;
    w.page_refuses(
        &c,
        "/targets",
        &base,
        "unit_id",
        &ids(&[w.na_ward]),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_target_is_set_through_the_api_for_an_active_unit_the_reader_acts_for() {
    let w = world().await;
    let token = w.token("bithu.quangphu");
    let body = json!({"unit_id": w.qn_ward, "year": w.year, "name": "Tỷ lệ hộ đồng thuận",
        "planned": 95.0, "measure": "%"});
    let units = missing_and(&[w.qn_closed]);
    w.api_refuses(
        &token,
        Method::POST,
        "/api/v1/targets",
        None,
        &body,
        "unit_id",
        &units,
        INVALID,
    )
    .await;
    w.api_refuses(
        &token,
        Method::POST,
        "/api/v1/targets",
        None,
        &body,
        "unit_id",
        &ids(&[w.na_ward]),
        &[StatusCode::FORBIDDEN],
    )
    .await;
    w.api_ok(&token, Method::POST, "/api/v1/targets", body)
        .await;
}

// ---------------------------------------------------------------- administration

#[tokio::test]
async fn an_administrator_names_units_of_their_own_province() {
    let w = world().await;
    let c = w.app.browser("quantri.quangngai").await;
    let base = fields(&[
        ("parent_id", w.qn.to_string()),
        ("kind", "ward".into()),
        ("name", "Phường Cẩm Thành".into()),
    ]);
    let parents = missing_and(&[w.na_ward, w.qn_closed]);
    w.page_refuses(
        &c,
        "/admin/units",
        &base,
        "parent_id",
        &parents,
        UNPROCESSABLE,
    )
    .await;
    assert_eq!(
        w.post(&c, "/admin/units", &base).await.0,
        StatusCode::SEE_OTHER
    );

    let base = fields(&[
        ("username", "canbo.camthanh".into()),
        ("full_name", "Võ Thị Hoa".into()),
        ("locale", "vi".into()),
        ("unit_id", w.qn_ward.to_string()),
        ("role", "viewer".into()),
    ]);
    let units = missing_and(&[w.na_ward, w.qn_closed]);
    w.page_refuses(&c, "/admin/users", &base, "unit_id", &units, UNPROCESSABLE)
        .await;

    // A role is granted on an active unit the administrator manages.
    let path = format!("/admin/users/{}/grants", w.totac);
    let base = fields(&[
        ("unit_id", w.qn_ward.to_string()),
        ("role", "viewer".into()),
    ]);
    w.page_refuses(&c, &path, &base, "unit_id", &units, StatusCode::SEE_OTHER)
        .await;
}
