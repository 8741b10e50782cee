//! Sending mail with lettre: over SMTP when configured, otherwise as `.eml`
//! files in a folder (the log says so), so nothing is silently dropped.

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, SmtpTls};

pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
        port: u16,
    },
    Files(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// One message with a text and an HTML body.
pub struct Mail {
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A stable `Message-ID`, so that a message sent twice (a crash between
    /// sending and recording it) can be recognised as one by mail servers.
    pub message_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write the message file: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl MailError {
    /// Worth trying again later (a server busy or down), as opposed to a
    /// message the server refuses for good.
    pub fn is_temporary(&self) -> bool {
        match self {
            MailError::Smtp(e) => !e.is_permanent(),
            MailError::File(_) => true,
            MailError::Build(_) => false,
        }
    }
}

impl Mailer {
    pub fn new(cfg: &MailConfig) -> anyhow::Result<Mailer> {
        let from: Mailbox = cfg.from.parse()?;
        let transport = match &cfg.smtp {
            Some(smtp) => {
                let tls = || TlsParameters::new(smtp.host.clone());
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                        .port(smtp.port)
                        .tls(match smtp.tls {
                            SmtpTls::StartTls => Tls::Required(tls()?),
                            SmtpTls::Tls => Tls::Wrapper(tls()?),
                            SmtpTls::None => Tls::None,
                        })
                        .timeout(Some(std::time::Duration::from_secs(20)));
                if let (Some(user), Some(pw)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), pw.clone()));
                }
                tracing::info!(host = %smtp.host, port = smtp.port, "mail goes out by SMTP");
                Transport::Smtp {
                    transport: builder.build(),
                    host: smtp.host.clone(),
                    port: smtp.port,
                }
            }
            None => {
                std::fs::create_dir_all(&cfg.dir)?;
                tracing::warn!(
                    dir = %cfg.dir.display(),
                    "SMTP_HOST is not set: mail is written as .eml files to this folder, not sent"
                );
                Transport::Files(AsyncFileTransport::new(&cfg.dir), cfg.dir.clone())
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Where mail goes, for the admin page: `smtp://host:port` or the folder.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { host, port, .. } => format!("smtp://{host}:{port}"),
            Transport::Files(_, dir) => dir.display().to_string(),
        }
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// A `Message-ID` for the outbox message `id`, in the sender's domain.
    pub fn message_id(&self, id: i64, created: chrono::NaiveDateTime) -> String {
        format!(
            "<outbox-{id}-{}@{}>",
            created.and_utc().timestamp(),
            self.from.email.domain()
        )
    }

    pub fn build(&self, mail: &Mail) -> Result<Message, MailError> {
        Ok(Message::builder()
            .message_id(mail.message_id.clone())
            .from(self.from.clone())
            .to(mail.to.clone())
            .subject(mail.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )?)
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp { transport, .. } => {
                transport.send(message).await?;
            }
            Transport::Files(files, _) => {
                files.send(message).await?;
            }
        }
        Ok(())
    }
}
