//! The one binary's subcommands.

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::{db, setup, startup::Application, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "danvan",
    version,
    about = "Dân vận khéo — nền tảng công tác dân vận"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator of the top unit, or give an existing account a
    /// new one-time password and the admin role. Prints the password once.
    CreateAdmin {
        #[arg(long, default_value = "admin")]
        username: String,
        #[arg(long, default_value = "Quản trị hệ thống")]
        full_name: String,
    },
    /// Load a demo unit tree and one account per role (for trying the product).
    Demo,
    /// Create a personal API token for an account (as its owner would on the
    /// account page) and print it once: for provisioning and scripts.
    Token {
        /// The account the token acts as.
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Fill an empty database with a generated province for load tests:
    /// by default 100 communes, 10,000 tasks, 500,000 households, 5,000,000
    /// visits and 2,000 accounts (use a release build).
    Generate {
        /// Multiplies every count (0.01 for a quick try).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The same seed gives the same province.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Password of every generated account (admin, capuy0, totac0.0, mttq0…).
        #[arg(long, default_value = "mo-phong-2026")]
        password: String,
    },
    /// Write a consistent copy of the SQLite database to FILE while the server
    /// runs (on PostgreSQL, use pg_dump; see docs/operations.md).
    Backup {
        /// The new file; it must not exist.
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup, after checking it; the
    /// database replaced is kept beside it. Stop the server first.
    Restore {
        /// A file written by `danvan backup`.
        file: std::path::PathBuf,
        /// Restore even though the database's write-ahead log is present
        /// (after a crash); the log is kept with the old database.
        #[arg(long)]
        force: bool,
    },
    /// Write every row of the database to FILE (JSON lines), from SQLite or
    /// PostgreSQL alike, to move it to the other backend with `import`.
    Export {
        /// The new file; it must not exist.
        file: std::path::PathBuf,
    },
    /// Load an export into a new database (migrated, no accounts yet), all
    /// or nothing.
    Import {
        /// A file written by `danvan export`.
        file: std::path::PathBuf,
    },
    /// Queue the day's reminders and digests (for cron, with DAILY_HOUR=off);
    /// running it again the same day adds nothing. The server sends them.
    Daily {
        /// The day, as YYYY-MM-DD; today in Viet Nam when left out.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    telemetry::init(config.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => {
            let mut conn = connect(&config)?;
            let applied = db::run_migrations(&mut conn)?;
            println!(
                "{} migration(s) applied on {}",
                applied.len(),
                config.database.backend().name()
            );
            Ok(())
        }
        Command::CreateAdmin {
            username,
            full_name,
        } => {
            let mut conn = connect(&config)?;
            db::run_migrations(&mut conn)?;
            let pw = setup::create_admin(&mut conn, &username.trim().to_lowercase(), &full_name)?;
            print_login(&config, &username, &pw);
            Ok(())
        }
        Command::Token { username, name } => {
            let mut conn = connect(&config)?;
            db::run_migrations(&mut conn)?;
            let username = username.trim().to_lowercase();
            let user = db::users::find_by_username(&mut conn, &username)?
                .filter(|u| u.active)
                .ok_or_else(|| anyhow::anyhow!("no active account named {username}"))?;
            let actor = db::audit::Actor {
                user_id: None,
                ip: None,
            };
            let (_, secret) = db::audit::write(&mut conn, &actor, |c| {
                Ok(db::api_tokens::create(c, user.id, name.trim())?)
            })
            .map_err(|e| anyhow::anyhow!("cannot create the token: {e}"))?;
            println!("{secret}");
            Ok(())
        }
        Command::Demo => {
            let mut conn = connect(&config)?;
            db::run_migrations(&mut conn)?;
            let demo = crate::demo::load(&mut conn)?;
            println!(
                "Demo data loaded. Accounts (password for all: {}):",
                demo.password
            );
            for (u, role) in demo.accounts {
                println!("  {u:<18} {role}");
            }
            let (tasks, households, visits) = demo.counts;
            println!("{tasks} tasks, {households} households, {visits} visits.");
            Ok(())
        }
        Command::Generate {
            scale,
            seed,
            password,
        } => {
            if !(scale > 0.0 && scale <= 20.0) {
                anyhow::bail!("--scale must be above 0 and at most 20");
            }
            let mut conn = connect(&config)?;
            db::run_migrations(&mut conn)?;
            let today = crate::domain::notify::local_now(db::now()).date();
            let report = crate::generate::run(
                &mut conn,
                crate::generate::Scale::times(scale),
                seed,
                today,
                &password,
                |line| println!("  {line}"),
            )?;
            for (table, n) in &report.tables {
                println!("{table:>14}: {n}");
            }
            println!(
                "{} rows in {:.1} s: {:.0} rows/s. Accounts: admin, capuy0, mttq0, totac0.0 … (password: {password})",
                report.rows,
                report.seconds,
                report.rows_per_second()
            );
            Ok(())
        }
        Command::Backup { file } => {
            let b = crate::ops::backup(&config.database, &file)?;
            println!(
                "Backup written to {} ({} bytes, {:.1} s) and checked.",
                b.path.display(),
                b.bytes,
                b.seconds
            );
            Ok(())
        }
        Command::Restore { file, force } => {
            let r = crate::ops::restore(&config.database, &file, force)?;
            println!("Restored from {}.", file.display());
            if let Some(kept) = r.kept {
                println!("The database it replaced is kept as {}.", kept.display());
            }
            if r.migrated > 0 {
                println!(
                    "{} migration(s) applied to bring it up to date.",
                    r.migrated
                );
            }
            Ok(())
        }
        Command::Export { file } => {
            let m = crate::ops::export(&config.database, &file)?;
            println!(
                "Exported {} rows of {} tables to {} in {:.1} s.",
                m.rows,
                m.tables,
                file.display(),
                m.seconds
            );
            Ok(())
        }
        Command::Import { file } => {
            let m = crate::ops::import(&config.database, &file)?;
            println!(
                "Imported {} rows of {} tables from {} in {:.1} s.",
                m.rows,
                m.tables,
                file.display(),
                m.seconds
            );
            Ok(())
        }
        Command::Daily { date } => {
            let mut conn = connect(&config)?;
            db::run_migrations(&mut conn)?;
            let day = date.unwrap_or_else(|| crate::domain::notify::local_now(db::now()).date());
            let report = crate::jobs::daily(&mut conn, day, config.jobs.retention_days)?;
            println!(
                "{day}: {} reminder(s) and {} digest(s) queued; {} old mail and key(s) removed.",
                report.reminders, report.digests, report.pruned
            );
            Ok(())
        }
    }
}

fn connect(config: &Config) -> anyhow::Result<db::DbConnection> {
    db::connect(&config.database)
}

fn print_login(config: &Config, username: &str, password: &str) {
    println!();
    println!("  ┌─────────────────────────────────────────────────────────");
    println!("  │ Đăng nhập lần đầu / First login");
    println!("  │   http://{}/login", config.bind_addr);
    println!("  │   username: {username}");
    println!("  │   one-time password: {password}");
    println!("  │ You will be asked to choose a new password.");
    println!("  │ The password is shown only now; `danvan create-admin` issues a new one.");
    println!("  └─────────────────────────────────────────────────────────");
    println!();
}

fn serve(config: Config) -> anyhow::Result<()> {
    let rt = actix_web::rt::System::new();
    rt.block_on(async move {
        let app = Application::build(config.clone())?;
        let mut conn = app.pool().get()?;
        if let Some(pw) = setup::first_admin(&mut conn, &config.database)? {
            print_login(&config, "admin", &pw);
        }
        drop(conn);
        tracing::info!(
            addr = %config.bind_addr,
            database = config.database.backend().name(),
            "listening"
        );
        app.run_until_stopped().await.context("server failed")
    })
}
