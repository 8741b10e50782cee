//! Configuration, read once at start-up from the environment (and `.env`).
//! Every variable is listed and explained in `.env.example`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};

#[derive(Clone, Debug)]
pub struct Config {
    pub bind_addr: SocketAddr,
    pub database: DatabaseUrl,
    pub data_dir: PathBuf,
    pub db_pool_size: u32,
    /// How long a request waits for a free database connection.
    pub db_timeout_seconds: u64,
    /// 64 bytes that sign and encrypt the session cookie; `None` means "generate
    /// one and keep it in `data_dir/session.key`".
    pub session_key: Option<Vec<u8>>,
    pub cookie_secure: bool,
    pub session_hours: i64,
    pub trust_proxy_headers: bool,
    pub login_window_minutes: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_ip: i64,
    pub workers: usize,
    pub log_json: bool,
    pub mail: MailConfig,
    /// The address citizens reach the site at (`https://dichvu.example.vn`),
    /// for links in QR codes and mail; the request's own origin when unset.
    pub public_url: Option<String>,
    /// The bearer token `GET /metrics` asks for; unset, it answers 404.
    pub metrics_token: Option<String>,
    pub jobs: JobsConfig,
    /// Requests a minute one API token may make (the burst is the same).
    pub api_rate_per_minute: u32,
}

/// The background work each instance does: sending the outbox, and the
/// daily run of digests and reminders.
#[derive(Clone, Debug)]
pub struct JobsConfig {
    /// Send queued mail from this instance.
    pub outbox: bool,
    /// How often an idle worker looks for mail to send.
    pub poll_seconds: u64,
    /// The wait after the first failed try; doubled each time after.
    pub retry_seconds: i64,
    /// The local hour (Viet Nam time) after which the day's digests and
    /// reminders go out; `None` leaves them to the `daily` subcommand (cron).
    pub daily_hour: Option<u32>,
    /// Days that sent (or given up) mail and the daily run's keys are kept;
    /// the daily run removes older ones (`RETENTION_DAYS`, 180).
    pub retention_days: i64,
}

/// How mail leaves: by SMTP when `SMTP_HOST` is set, otherwise as `.eml`
/// files in `MAIL_DIR`.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub from: String,
    pub smtp: Option<SmtpConfig>,
    pub dir: PathBuf,
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a mail catcher or a relay on the same host.
    None,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            _ => Err("use starttls, tls or none".into()),
        }
    }
}

impl Config {
    /// Reads the process environment. Unknown or malformed values stop start-up
    /// with a message naming the variable.
    pub fn from_env() -> anyhow::Result<Config> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database = match get("DATABASE_URL").filter(|s| !s.trim().is_empty()) {
            Some(url) => DatabaseUrl::parse(&url)?,
            None => DatabaseUrl::Sqlite(data_dir.join("danvan.sqlite3").to_string_lossy().into()),
        };
        let session_key = match get("SESSION_KEY").filter(|s| !s.is_empty()) {
            Some(hexkey) => {
                let key = hex::decode(hexkey.trim()).context("SESSION_KEY must be hexadecimal")?;
                if key.len() < 64 {
                    bail!("SESSION_KEY must be at least 64 bytes (128 hex characters)");
                }
                Some(key)
            }
            None => None,
        };
        let smtp = match get("SMTP_HOST").filter(|s| !s.trim().is_empty()) {
            Some(host) => Some(SmtpConfig {
                host: host.trim().to_string(),
                port: parse(&get, "SMTP_PORT", "587")?,
                tls: parse(&get, "SMTP_TLS", "starttls")?,
                username: get("SMTP_USERNAME").filter(|s| !s.is_empty()),
                password: get("SMTP_PASSWORD").filter(|s| !s.is_empty()),
            }),
            None => None,
        };
        let from = get("MAIL_FROM")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "Dân vận khéo <no-reply@localhost>".into());
        if from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("MAIL_FROM={from:?} is not a valid address");
        }
        let mail = MailConfig {
            from,
            smtp,
            dir: get("MAIL_DIR")
                .filter(|s| !s.trim().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("mail")),
        };
        let daily_hour = match get("DAILY_HOUR").map(|s| s.trim().to_string()) {
            Some(s) if s == "off" => None,
            Some(s) if !s.is_empty() => match s.parse::<u32>() {
                Ok(h) if h < 24 => Some(h),
                _ => bail!("DAILY_HOUR={s:?}: use an hour from 0 to 23, or off"),
            },
            _ => Some(7),
        };
        let jobs = JobsConfig {
            outbox: parse(&get, "OUTBOX_WORKER", "true")?,
            poll_seconds: parse(&get, "OUTBOX_POLL_SECONDS", "5")?,
            retry_seconds: parse(&get, "OUTBOX_RETRY_SECONDS", "60")?,
            daily_hour,
            retention_days: match parse::<i64>(&get, "RETENTION_DAYS", "180")? {
                d if d >= 1 => d,
                d => bail!("RETENTION_DAYS={d}: keep mail at least one day"),
            },
        };
        Ok(Config {
            jobs,
            mail,
            metrics_token: get("METRICS_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            public_url: get("PUBLIC_URL")
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            bind_addr: parse(&get, "BIND_ADDR", "127.0.0.1:8080")?,
            database,
            data_dir,
            db_pool_size: parse(&get, "DB_POOL_SIZE", "8")?,
            db_timeout_seconds: parse(&get, "DB_TIMEOUT_SECONDS", "10")?,
            session_key,
            cookie_secure: parse(&get, "COOKIE_SECURE", "false")?,
            session_hours: parse(&get, "SESSION_HOURS", "12")?,
            trust_proxy_headers: parse(&get, "TRUST_PROXY_HEADERS", "false")?,
            login_window_minutes: parse(&get, "LOGIN_WINDOW_MINUTES", "15")?,
            login_max_failures_per_account: parse(&get, "LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")?,
            login_max_failures_per_ip: parse(&get, "LOGIN_MAX_FAILURES_PER_IP", "20")?,
            workers: parse(&get, "WORKERS", "0")?,
            log_json: parse(&get, "LOG_JSON", "false")?,
            api_rate_per_minute: parse(&get, "API_RATE_PER_MINUTE", "600")?,
        })
    }
}

fn parse<T>(get: &impl Fn(&str) -> Option<String>, key: &str, default: &str) -> anyhow::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let raw = get(key).filter(|s| !s.trim().is_empty());
    let raw = raw.as_deref().unwrap_or(default).trim();
    raw.parse::<T>()
        .map_err(|e| anyhow::anyhow!("{key}={raw:?} is not valid: {e}"))
}

/// Which backend a `DATABASE_URL` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (`sqlite://` stripped).
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    /// `sqlite://path`, `sqlite:path` or a plain file path choose SQLite;
    /// `postgres://` and `postgresql://` choose PostgreSQL; any other scheme is refused.
    pub fn parse(url: &str) -> anyhow::Result<DatabaseUrl> {
        let url = url.trim();
        if url.is_empty() {
            bail!("DATABASE_URL is empty");
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                bail!("DATABASE_URL {url:?} names no SQLite file");
            }
            return Ok(DatabaseUrl::Sqlite(rest.to_string()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            bail!(
                "DATABASE_URL uses the unsupported scheme {scheme:?}: use sqlite://FILE, a plain file path, or postgres://USER@HOST/DB"
            );
        }
        if url.contains(':') && !url.starts_with('/') && !url.starts_with('.') {
            // "mysql:x", "host=... dbname=..." and the like: not a path anyone means.
            bail!("DATABASE_URL {url:?} is neither a file path nor a sqlite:// or postgres:// URL");
        }
        Ok(DatabaseUrl::Sqlite(url.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_sqlite_under_data_and_localhost_8080() {
        let c = with(&[]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(
            matches!(c.database, DatabaseUrl::Sqlite(ref p) if p.ends_with("danvan.sqlite3") && p.starts_with("data"))
        );
    }

    #[test]
    fn rejects_a_malformed_bind_address_naming_the_variable() {
        let err = with(&[("BIND_ADDR", "localhost")]).unwrap_err().to_string();
        assert!(err.contains("BIND_ADDR"), "{err}");
    }

    #[test]
    fn mail_goes_to_files_unless_an_smtp_host_is_set() {
        let c = with(&[]).unwrap();
        assert!(c.mail.smtp.is_none());
        assert!(c.mail.dir.ends_with("mail"));
        let c = with(&[
            ("SMTP_HOST", "mail"),
            ("SMTP_PORT", "1025"),
            ("SMTP_TLS", "none"),
        ])
        .unwrap();
        let smtp = c.mail.smtp.unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.tls),
            ("mail", 1025, SmtpTls::None)
        );
        assert!(with(&[("SMTP_HOST", "mail"), ("SMTP_TLS", "maybe")]).is_err());
        assert!(with(&[("MAIL_FROM", "not an address")]).is_err());
    }

    #[test]
    fn rejects_a_short_session_key() {
        assert!(with(&[("SESSION_KEY", "abcd")]).is_err());
    }
}
