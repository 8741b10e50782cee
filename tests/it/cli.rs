//! The binary's own behaviour at start-up.

use diesel::prelude::*;
use std::process::Command;

#[test]
fn an_unsupported_database_scheme_stops_start_up_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_danvan"))
        .arg("migrate")
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported scheme \"mysql\""), "{err}");
}

#[test]
fn create_admin_prints_a_one_time_password_and_demo_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.sqlite3").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_danvan"))
            .args(args)
            .env("DATABASE_URL", &db)
            .env("DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["create-admin", "--username", "quantri"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("username: quantri"));
    assert!(text.contains("one-time password: "));

    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("capuy.tayho"));
    // The Thụy Khuê ditch (44), 18 Tam Đa (1) and Nam Thăng Long (40), with their visits.
    assert!(text.contains("3 tasks, 85 households,"), "{text}");
    // The Front's 2023 review of the Tây Hồ tasks is published: the Tam Đa plot,
    // completed early with its one household handed over, is excellent; the
    // ditch, on schedule when the figures were taken, is good.
    let mut conn = danvan::db::connect(&danvan::db::DatabaseUrl::parse(&db).unwrap()).unwrap();
    let rounds = danvan::db::reviews::all(&mut conn).unwrap();
    assert_eq!(rounds.len(), 1);
    let (round, unit, _) = &rounds[0];
    assert_eq!(
        (round.year, round.status.as_str(), unit.as_str()),
        (2023, "published", "Phường Tây Hồ")
    );
    let mut results: Vec<(String, Option<f64>, Option<String>)> =
        danvan::db::reviews::tasks_of(&mut conn, round.id)
            .unwrap()
            .into_iter()
            .map(|r| (r.title, r.rt.total, r.rt.rating))
            .collect();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(results[0].1, Some(81.5));
    assert_eq!(results[0].2.as_deref(), Some("good"));
    assert_eq!(results[1].1, Some(95.5));
    assert_eq!(results[1].2.as_deref(), Some("excellent"));
    // Long Biên's 2022 campaign carries the article's figures.
    let campaigns = danvan::db::campaigns::all(&mut conn).unwrap();
    assert_eq!(campaigns.len(), 1);
    let campaign = &campaigns[0].0;
    assert_eq!(
        (campaign.year, campaign.plan_number.as_str()),
        (2022, "90-KH/QU")
    );
    let f = danvan::db::campaigns::figures(&mut conn, campaign.id).unwrap();
    let kinds = |k: &str| -> i64 {
        f.by_field_kind
            .iter()
            .filter(|r| r.1 == k)
            .map(|r| r.2)
            .sum()
    };
    assert_eq!((kinds("collective"), kinds("individual")), (389, 88));
    let fields = danvan::db::campaigns::fields(&mut conn).unwrap();
    let by_field = |code: &str| -> i64 {
        let id = fields.iter().find(|x| x.code == code).unwrap().id;
        f.by_field_kind
            .iter()
            .filter(|r| r.0 == id)
            .map(|r| r.2)
            .sum()
    };
    assert_eq!(
        (by_field("site_clearance"), by_field("urban_embellishment")),
        (103, 155)
    );
    let reached = |s: &str| f.reached.iter().find(|r| r.0 == s).map_or(0, |r| r.1);
    assert_eq!(
        (reached("accepted"), reached("pilot"), reached("proposed")),
        (356, 7, 77)
    );
    // Quảng Phú's Tuesday desk from 05/08/2025, its first case, and Hà Nội's
    // mobile team piloted in ten communes in Q4/2025.
    let duties = danvan::db::desk::all(&mut conn).unwrap();
    assert_eq!(duties.len(), 1);
    let duty = &duties[0].0;
    assert_eq!(
        (duty.weekday, duty.starts_on.to_string().as_str()),
        (2, "2025-08-05")
    );
    let first =
        danvan::db::desk::shifts(&mut conn, duty.id, duty.starts_on, duty.starts_on).unwrap();
    let cases = danvan::db::desk::cases_of_shift(&mut conn, first[0].shift.id).unwrap();
    assert!(cases[0].case.note.contains("525") && cases[0].answered);
    let teams = danvan::db::teams::all(&mut conn).unwrap();
    assert_eq!(teams.len(), 1);
    let team = &teams[0].0;
    assert_eq!(
        danvan::db::teams::communes(&mut conn, team.id)
            .unwrap()
            .len(),
        10
    );
    let figures =
        danvan::db::teams::figures(&mut conn, team.id, team.period_from, team.period_to).unwrap();
    assert_eq!(figures.iter().map(|f| f.held).sum::<i64>(), 20);
    // Nghệ An's inspection of 15/10/2025 with five recommendations, and Tây
    // Hồ's 2023 targets: 21/21 met, 6 exceeded.
    let recs = danvan::db::recommendations::all(&mut conn).unwrap();
    assert_eq!(recs.len(), 5);
    let statuses: Vec<&str> = recs.iter().map(|(r, _, _)| r.status.as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "open").count(), 2);
    let tay_ho = danvan::db::schema::units::table
        .filter(danvan::db::schema::units::name.eq("Phường Tây Hồ"))
        .select(danvan::db::schema::units::id)
        .first::<i64>(&mut conn)
        .unwrap();
    let targets = danvan::db::recommendations::targets_of(&mut conn, tay_ho, 2023).unwrap();
    let s = danvan::db::recommendations::targets_summary(&targets);
    assert_eq!((s.met, s.total, s.exceeded), (21, 21, 6));
    // Dated as of the year's end, not the day the demo was loaded.
    assert!(targets
        .iter()
        .all(|t| t.actual_on.map(|d| d.to_string()).as_deref() == Some("2023-12-31")));
    let poverty = targets.iter().find(|t| t.name == "Tỷ lệ hộ nghèo").unwrap();
    assert_eq!(poverty.direction, "lower_better");
    let again = run(&["demo"]);
    assert!(!again.status.success(), "the demo refuses to load twice");
}

/// `danvan demo` on a database that has already started (its first
/// administrator made, with the empty top unit made for them) takes that
/// unit over, so `admin` sees the demo; a renamed unit does not make it load
/// twice, since the demo keys on its own marker.
#[test]
fn the_demo_takes_over_the_empty_top_unit_of_a_started_database() {
    let db = crate::common::TestDb::new();
    let database = danvan::db::DatabaseUrl::parse(&db.url()).unwrap();
    let mut conn = danvan::db::connect(&database).unwrap();
    danvan::db::run_migrations(&mut conn).unwrap();
    let pw = danvan::setup::first_admin(&mut conn, &database).unwrap();
    assert!(pw.is_some(), "the first start makes its administrator");
    let out = db.cli(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use danvan::db::schema::{tasks, units, users};
    let (home, path): (i64, String) = users::table
        .inner_join(units::table)
        .filter(users::username.eq("admin"))
        .select((units::id, units::path))
        .first(&mut conn)
        .unwrap();
    let name: String = units::table
        .find(home)
        .select(units::name)
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        name, "Thành phố Hà Nội",
        "the placeholder became the demo's city"
    );
    let seen: i64 = tasks::table
        .inner_join(units::table)
        .filter(units::path.like(format!("{path}%")))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(seen > 0, "admin sees the demo's tasks");
    let placeholders: i64 = units::table
        .filter(units::name.eq("Tỉnh / Thành phố"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(placeholders, 0, "no empty top unit left behind");
    // Renaming the demo's wards does not make it load a second time.
    diesel::update(units::table.filter(units::name.eq("Phường Tây Hồ")))
        .set(units::name.eq("Phường Tây Hồ (mới)"))
        .execute(&mut conn)
        .unwrap();
    let again = db.cli(&["demo"]);
    assert!(!again.status.success(), "loaded once");
}
