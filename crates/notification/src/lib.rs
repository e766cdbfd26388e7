//! E-mail notifications for Sarabun (สารบรรณอิเล็กทรอนิกส์).
//!
//! This crate turns "something happened to a letter" into e-mails and delivers
//! them from the durable outbox, and runs the node's scheduled jobs.
//!
//! - [`templates`]: the inputs ([`templates::LetterNotice`], [`templates::DecisionNotice`],
//!   [`templates::ReminderNotice`], [`templates::Digest`]) and [`templates::render`],
//!   which renders the embedded Thai and English template files into a subject,
//!   a text part and an HTML part. A secret letter's subject cannot be put in a notice.
//! - [`message`]: [`message::build`] makes a multipart/alternative MIME message with a
//!   stable Message-ID, so a resend after a crash is recognisable as a duplicate.
//! - [`smtp`]: [`smtp::SmtpSender`] delivers over SMTP (plain, STARTTLS or TLS) and
//!   tells transient failures (retry with [`smtp::backoff`]) from permanent ones.
//! - [`worker`]: the events that state changes leave are expanded into e-mails and
//!   digest items, due e-mails are sent with leases, retries and backoff; digests,
//!   overdue reminders, audit checkpoints and yearly retention lists run on a
//!   schedule, each claimed by one node per tick.
//! - `testing` (feature `test-server`): a small real SMTP server for tests.
//!
//! The template inputs are plain structs of their own (urgency, secrecy marks), so
//! the templates can be rendered and tested without a database; [`worker`] converts
//! from the domain types.

pub mod message;
pub mod smtp;
pub mod templates;
#[cfg(feature = "test-server")]
pub mod testing;
pub mod worker;

pub use lettre;
pub use lettre::message::Mailbox;
pub use message::build;
pub use smtp::{SendError, SmtpSender, SmtpSettings, TlsMode, backoff};
pub use templates::{
    Decision, DecisionNotice, Digest, FreeText, Language, LetterNotice, Notice, RecallNotice, ReminderNotice, Rendered,
    Secrecy, Subject, TemplateKind, Urgency, render,
};

/// Errors while rendering a notification or building its message.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A template failed to render (a bug in a template file, caught by tests).
    #[error("template {name}: {source}")]
    Template {
        /// File name of the template.
        name: String,
        /// What minijinja reported.
        #[source]
        source: minijinja::Error,
    },
    /// A text template did not start with a non-empty `Subject:` line.
    #[error("template {0} does not start with a non-empty `Subject:` line")]
    MissingSubject(String),
    /// An e-mail address or mailbox could not be parsed.
    #[error("invalid mailbox {mailbox:?}: {reason}")]
    InvalidMailbox {
        /// The text given.
        mailbox: String,
        /// Why it was refused.
        reason: String,
    },
    /// A Message-ID was not of the form `<left@right>`.
    #[error("invalid Message-ID {0:?}: expected <unique@host> without spaces")]
    InvalidMessageId(String),
    /// lettre refused to build the message.
    #[error("cannot build message: {0}")]
    Message(#[from] lettre::error::Error),
}
