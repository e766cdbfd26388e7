//! E-mail notifications for Sarabun (สารบรรณอิเล็กทรอนิกส์): this crate turns "something happened
//! to a letter" into e-mails, delivers them from the durable outbox, and drives the node's
//! scheduled jobs.
//!
//! - [`mail`]: what an e-mail tells ([`mail::notice`]), its wording from the embedded Thai and
//!   English templates ([`mail::templates::render`]; a secret letter's subject cannot be put in a
//!   notice), the MIME message with a stable Message-ID ([`mail::message::build`]), and SMTP
//!   delivery ([`mail::smtp::SmtpSender`], transient failures retried with [`mail::smtp::backoff`]).
//!   Urgency, secrecy and dates are the domain's own types and wording.
//! - [`worker`]: [`worker::Notifier`], the node's loop that expands events into e-mails and digest
//!   items and sends due e-mails with leases, retries and backoff, and that schedules the jobs.
//! - [`jobs`]: one file per scheduled job behind routing's `ScheduledJob` trait: digests and
//!   overdue reminders here, the audit checkpoint and retention lists in `sarabun_routing::jobs`.
//! - `testing` (feature `test-server`): a small real SMTP server for tests.
//!
//! Everything the worker and jobs read or write goes through routing's use cases
//! (`sarabun_routing::NoticeBatch` and friends); this crate holds no database connection.

pub mod jobs;
pub mod mail;
mod mailroom;
#[cfg(feature = "test-server")]
pub mod testing;
pub mod worker;

pub use lettre;
pub use lettre::message::Mailbox;
pub use mail::message::{self as message, build};
pub use mail::notice::{
    Decision, DecisionNotice, Digest, FreeText, LetterNotice, Notice, RecallNotice, ReminderNotice, Rendered, Subject,
    TemplateKind,
};
pub use mail::smtp::{self as smtp, SendError, SmtpSender, SmtpSettings, TlsMode, backoff};
pub use mail::templates::{self as templates, Language, render};
pub use sarabun_domain::{Secrecy, Urgency};

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
