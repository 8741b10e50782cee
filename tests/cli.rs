//! The binary's own behaviour at start-up.

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
    let again = run(&["demo"]);
    assert!(!again.status.success(), "the demo refuses to load twice");
}
