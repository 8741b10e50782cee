//! The load-test generator: a small province, consistent with the app's own
//! rules, on either database.

use crate::common;

use danvan::db::schema::{households, tasks, users, visits};
use diesel::prelude::*;

#[tokio::test]
async fn a_generated_province_is_consistent_and_usable() {
    let app = common::spawn().await;
    let indexes_before = bulk_table_indexes(&mut app.conn());
    let out = app.cli(&[
        "generate",
        "--scale",
        "0.002",
        "--seed",
        "7",
        "--password",
        common::PASSWORD,
    ]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("rows/s"), "{said}");

    let mut conn = app.conn();
    let n_tasks: i64 = tasks::table.count().get_result(&mut conn).unwrap();
    let n_households: i64 = households::table.count().get_result(&mut conn).unwrap();
    let n_visits: i64 = visits::table.count().get_result(&mut conn).unwrap();
    assert_eq!((n_tasks, n_households, n_visits), (20, 1_000, 10_000));
    let n_users: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n_users, 5);

    // Every household stands where its last visit left it.
    let rows: Vec<(i64, String, Option<chrono::NaiveDate>)> = households::table
        .select((households::id, households::stage, households::last_visit_on))
        .load(&mut conn)
        .unwrap();
    for (id, stage, last) in rows {
        let latest: Option<(String, chrono::NaiveDate)> = visits::table
            .filter(visits::household_id.eq(id))
            .order((visits::visited_on.desc(), visits::id.desc()))
            .select((visits::stage_after, visits::visited_on))
            .first(&mut conn)
            .optional()
            .unwrap();
        match latest {
            Some((after, on)) => {
                assert_eq!(after, stage, "household {id}");
                assert_eq!(Some(on), last, "household {id}");
            }
            None => assert_eq!(stage, "not_contacted"),
        }
    }

    // The indexes dropped for the bulk load on PostgreSQL are all back, the
    // dashboard's totals equal a recount, and the triggers suspended for the
    // load on SQLite keep them so after a visit that moves a household.
    assert_eq!(bulk_table_indexes(&mut conn), indexes_before);
    common::assert_totals_equal_a_recount(&mut conn);
    let (task, household) = {
        let h: i64 = households::table
            .filter(households::stage.eq("not_contacted"))
            .select(households::id)
            .first(&mut conn)
            .unwrap();
        let h = danvan::db::households::find(&mut conn, h).unwrap();
        (danvan::db::tasks::find(&mut conn, h.task_id).unwrap(), h)
    };
    let visit = danvan::db::households::NewVisit {
        visited_on: danvan::domain::format::today(),
        kind: "door_to_door".into(),
        members: vec![],
        others: String::new(),
        household_said: String::new(),
        concerns: String::new(),
        stage_after: danvan::domain::consent::ConsentStage::Agrees,
        reason: None,
        next_step: String::new(),
        next_visit_on: None,
        corrects_id: None,
        dialogue_id: None,
        device: None,
    };
    danvan::db::households::append_visit(&mut conn, &task, &household, &visit, task.owner_id)
        .unwrap();
    common::assert_totals_equal_a_recount(&mut conn);

    // The accounts log in, and a second run refuses to mix provinces.
    app.login_ok("admin").await;
    let (_, html) = app.text("/dashboard").await;
    assert!(html.contains("1.000"), "a thousand households counted");
    let again = app.cli(&["generate", "--scale", "0.002"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has data"));
}

#[derive(QueryableByName)]
struct IndexName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The indexes on the tables the generator loads in bulk.
fn bulk_table_indexes(conn: &mut danvan::db::DbConnection) -> Vec<String> {
    let sql = if matches!(conn, danvan::db::DbConnection::Pg(_)) {
        "SELECT indexname AS name FROM pg_indexes \
         WHERE tablename IN ('households', 'visits') ORDER BY indexname"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' \
         AND tbl_name IN ('households', 'visits') ORDER BY name"
    };
    let names: Vec<IndexName> = diesel::sql_query(sql).load(conn).unwrap();
    let names: Vec<String> = names.into_iter().map(|r| r.name).collect();
    assert!(names.len() > 3, "{names:?}");
    names
}
