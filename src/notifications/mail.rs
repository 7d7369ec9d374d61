//! Sending one message over SMTP with `lettre`, as configured by `ITF_SMTP_URL`.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// How long one SMTP conversation may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The configured SMTP relay, or none (mail then waits in the outbox).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `config` describes. Fails only on settings `Config` has already checked.
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|error| format!("ITF_MAIL_FROM is not an address: {error}"))?;
        let transport = match &config.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| format!("ITF_SMTP_URL cannot be used: {error}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Mailer { transport, from })
    }

    /// Whether mail can go anywhere.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one plain-text message; the reason when it could not be sent.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            return Err("no SMTP server is configured".to_owned());
        };
        let to: Mailbox = to
            .parse()
            .map_err(|error| format!("the address {to} cannot be used: {error}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|error| format!("the message cannot be built: {error}"))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}
