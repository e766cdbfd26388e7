//! Delivery over SMTP, and how failures are classified.
//!
//! [`SmtpSender`] wraps lettre's `AsyncSmtpTransport<Tokio1Executor>` with rustls
//! (webpki roots). It opens a connection per message (no pool), so a restarted or
//! replaced server is picked up at the next send. Each failure is a [`SendError`]:
//! [`SendError::Transient`] (connection refused or reset, timeout, TLS trouble, a
//! 4xx reply) means "try again later, after [`backoff`]"; [`SendError::Permanent`]
//! (a 5xx reply) means "mark the mail failed with this answer, do not retry";
//! [`SendError::Rejected`] means the message itself cannot be sent (e.g. no
//! recipient) and retrying will not help either.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Deserializer};

use crate::NotifyError;

/// Transport security of the SMTP connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (only for a relay on a trusted network or for tests).
    None,
    /// Connect in plain text and require STARTTLS (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

/// SMTP connection settings, deserialisable from configuration, e.g. in TOML:
///
/// ```toml
/// host = "smtp.example.go.th"
/// port = 587
/// security = "starttls"   # "none" | "starttls" | "tls"
/// username = "sarabun"
/// password = "…"
/// timeout = 30            # seconds
/// from = "สารบรรณอิเล็กทรอนิกส์ <sarabun@example.go.th>"
/// ```
///
/// `Debug` never shows the password.
#[derive(Clone, Deserialize)]
pub struct SmtpSettings {
    /// Server host name (also the name its TLS certificate must match).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security; STARTTLS if not given.
    #[serde(default)]
    pub security: TlsMode,
    /// User name for AUTH; no authentication unless both this and `password` are set.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for AUTH.
    #[serde(default)]
    pub password: Option<String>,
    /// Limit on sending one message, connection included; 30 s if not given.
    /// In configuration: whole seconds.
    #[serde(default = "default_timeout", deserialize_with = "seconds")]
    pub timeout: Duration,
    /// The `From` mailbox of every notification, e.g. `สารบรรณ <sarabun@example.go.th>`.
    pub from: String,
    /// Name to announce in EHLO; the machine's host name if not given.
    #[serde(default)]
    pub helo_name: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_secs)
}

impl SmtpSettings {
    /// Plain-text settings for a server on `host:port`, without authentication
    /// (for tests and local relays).
    pub fn plain(host: impl Into<String>, port: u16, from: impl Into<String>) -> Self {
        SmtpSettings {
            host: host.into(),
            port,
            security: TlsMode::None,
            username: None,
            password: None,
            timeout: default_timeout(),
            from: from.into(),
            helo_name: None,
        }
    }

    /// The `from` setting parsed as a mailbox.
    pub fn from_mailbox(&self) -> Result<lettre::message::Mailbox, NotifyError> {
        super::message::parse_mailbox(&self.from)
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("from", &self.from)
            .field("helo_name", &self.helo_name)
            .finish()
    }
}

/// Why a message was not delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: the server could not be reached, timed out, failed
    /// TLS, or answered 4xx.
    #[error("temporary SMTP failure: {0}")]
    Transient(String),
    /// The server answered 5xx: mark the message failed with this answer.
    #[error("SMTP server refused the message permanently ({code}): {message}")]
    Permanent {
        /// The SMTP reply code, e.g. 550.
        code: u16,
        /// The server's reply text.
        message: String,
    },
    /// The message cannot be sent as it is (e.g. it has no recipient); retrying
    /// will not help.
    #[error("message cannot be sent: {0}")]
    Rejected(String),
}

impl SendError {
    /// Whether the send should be retried later.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient(_))
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        // Our own description first; lettre's Display adds the server's text.
        let detail = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_else(|| e.to_string());
        if e.is_permanent() {
            let code = e.status().map(u16::from).unwrap_or(500);
            SendError::Permanent { code, message: detail }
        } else if e.is_transient() {
            let code = e.status().map(u16::from).unwrap_or(400);
            SendError::Transient(format!("{code} {detail}"))
        } else if e.is_client() {
            SendError::Rejected(e.to_string())
        } else if e.is_timeout() {
            SendError::Transient(format!("timed out: {e}"))
        } else {
            SendError::Transient(e.to_string())
        }
    }
}

/// Sends messages over SMTP with one set of [`SmtpSettings`].
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    settings: SmtpSettings,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Prepares a sender; nothing is connected until [`SmtpSender::send`].
    /// Fails only if the TLS parameters cannot be made for `host`.
    pub fn new(settings: SmtpSettings) -> Result<Self, SendError> {
        let tls_parameters = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| SendError::Rejected(format!("TLS settings for {}: {e}", settings.host)))
        };
        let tls = match settings.security {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters()?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(settings.timeout))
            .tls(tls);
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        if let Some(name) = &settings.helo_name {
            builder = builder.hello_name(lettre::transport::smtp::extension::ClientId::Domain(name.clone()));
        }
        Ok(SmtpSender { transport: builder.build(), settings })
    }

    /// The settings this sender was made with.
    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Delivers `message` to the envelope recipients taken from its headers.
    ///
    /// The whole exchange (connect, greeting, TLS, AUTH, envelope, data) must
    /// finish within the settings' `timeout`, or the send fails as
    /// [`SendError::Transient`]; a server that accepts the connection and then
    /// stays silent cannot hold the worker.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let raw = message.formatted();
        let exchange = self.transport.send_raw(message.envelope(), &raw);
        match tokio::time::timeout(self.settings.timeout, exchange).await {
            Ok(result) => result.map(|_| ()).map_err(SendError::from),
            Err(_) => Err(SendError::Transient(format!(
                "no answer from {}:{} within {:?}",
                self.settings.host, self.settings.port, self.settings.timeout
            ))),
        }
    }
}

/// The delay before the next try after `attempt` failed tries (counting from 1):
/// 30 s, 60 s, 120 s, … doubling up to a cap of one hour. `0` is treated as `1`.
/// There is no jitter, so the schedule is predictable and testable.
pub fn backoff(attempt: u32) -> Duration {
    const BASE_SECS: u64 = 30;
    const CAP_SECS: u64 = 3600;
    let doublings = attempt.saturating_sub(1).min(20);
    Duration::from_secs((BASE_SECS << doublings).min(CAP_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap() {
        let secs: Vec<u64> = (0..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn settings_from_config_and_redacted_debug() {
        let json = r#"{"host":"smtp.example.go.th","port":465,"security":"tls",
            "username":"u","password":"hunter2","timeout":5,"from":"a@b.c"}"#;
        let s: SmtpSettings = serde_json::from_str(json).unwrap();
        assert_eq!(s.security, TlsMode::Tls);
        assert_eq!(s.timeout, Duration::from_secs(5));
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"));
        let sender = SmtpSender::new(s).unwrap();
        assert!(!format!("{sender:?}").contains("hunter2"));
    }
}
