//! A real SMTP server for the tests: Python's aiosmtpd running
//! `tests/support/smtp_sink.py`, which writes every message it accepts to a
//! folder. It can be killed and started again on the same port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A Python that has aiosmtpd: the one on PATH if it has it (`.ci/run`
/// installs it), otherwise a virtualenv made once under the target folder.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let has_aiosmtpd = |py: &Path| {
            Command::new(py)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let system = PathBuf::from("python3");
        if has_aiosmtpd(&system) {
            return system;
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smtp-venv");
        let py = venv.join("bin/python");
        if has_aiosmtpd(&py) {
            return py;
        }
        // Built beside and renamed into place, so a half-made one is never used.
        let building = venv.with_extension(format!("building-{}", std::process::id()));
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&building)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(building.join("bin/python"))
                .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            ok,
            "the mail tests need Python 3 with aiosmtpd: pip install aiosmtpd"
        );
        let _ = std::fs::rename(&building, &venv);
        let _ = std::fs::remove_dir_all(&building);
        py
    })
}

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub raw: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut sink = SmtpSink {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        sink.restart();
        sink
    }

    /// Starts the server (again) on its port and waits until it listens.
    pub fn restart(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut child = Command::new(python())
                .arg(&script)
                .arg(self.port.to_string())
                .arg(self.dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the SMTP server");
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if line.trim() == "READY" {
                self.child = Some(child);
                return;
            }
            // The port may still be held by the killed server for a moment.
            let _ = child.kill();
            let _ = child.wait();
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Kills the server outright, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The env a test app needs to send here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMTP_HOST", "127.0.0.1".to_string()),
            ("SMTP_PORT", self.port.to_string()),
            ("SMTP_TLS", "none".to_string()),
            (
                "MAIL_FROM",
                "Dân vận khéo <no-reply@danvan.test>".to_string(),
            ),
        ]
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            let (ns, n) = name.split_once('-').unwrap_or((&name, "0"));
            (
                ns.parse::<u128>().unwrap_or(0),
                n.parse::<u64>().unwrap_or(0),
            )
        });
        files.iter().map(|p| parse(p)).collect()
    }

    /// Waits until at least `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} messages, got {}: {:?}",
                got.len(),
                got.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt.iter().any(|r| r == address))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.kill();
    }
}

fn parse(path: &Path) -> Received {
    let raw = std::fs::read(path).unwrap();
    let rcpt = std::fs::read_to_string(path.with_extension("rcpt")).unwrap_or_default();
    let msg = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a parsable message");
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .map(|a| format!("{} <{}>", a.name().unwrap_or(""), a.address().unwrap_or("")))
            .unwrap_or_default()
    };
    Received {
        rcpt: rcpt.lines().map(str::to_string).collect(),
        raw: String::from_utf8_lossy(&raw).to_string(),
        from: addr(msg.from()),
        to: addr(msg.to()),
        subject: msg.subject().unwrap_or("").to_string(),
        message_id: msg.message_id().unwrap_or("").to_string(),
        text: msg.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
    }
}
