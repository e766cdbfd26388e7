//! Dispatching due e-mails: claim a batch with a lease (so one worker holds each), send up to
//! [`IN_FLIGHT`] at once over SMTP, and record each outcome: sent; a transient failure retried after
//! [`backoff`] until `notification.max_attempts`; failed at once on a permanent answer or a message
//! that cannot be built. A worker that dies holding a lease loses it when it runs out.

use super::{Notifier, WorkerError};
use crate::mail::message::{Attachment, build, build_with_attachments, parse_mailbox};
use crate::mail::notice::Rendered;
use crate::mail::smtp::{SendError, SmtpSender, backoff};
use chrono::Duration;
use futures_util::StreamExt;
use sarabun_routing::{Counted, DueEmail, EmailOutcome};

/// E-mails sent at the same time by one worker.
const IN_FLIGHT: usize = 8;

/// What one dispatch round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// E-mails the relay accepted.
    pub sent: usize,
    /// E-mails that failed for now and will be tried again.
    pub retried: usize,
    /// E-mails given up as failed.
    pub failed: usize,
}

/// What became of one e-mail.
enum Outcome {
    Sent,
    Retried,
    Failed,
}

impl Notifier {
    /// Sends due e-mails until none is due; returns what happened. Does nothing without SMTP.
    pub async fn dispatch(&self) -> Result<Dispatched, WorkerError> {
        let mut done = Dispatched::default();
        let Some(sender) = &self.sender else { return Ok(done) };
        let from = self.settings.smtp.from_mailbox()?;
        loop {
            let now = self.corr.clock().now();
            let lease = now + Duration::seconds(self.settings.smtp.timeout.as_secs() as i64 * 2 + 30);
            // Claim only what is sent at once, so every claimed e-mail is tried well within its lease.
            let batch = self.corr.claim_due_emails(now, lease, IN_FLIGHT as u64).await?;
            if batch.is_empty() {
                return Ok(done);
            }
            // SMTP round trips dominate; several in flight keep the relay busy.
            let outcomes: Vec<Result<Outcome, WorkerError>> = futures_util::stream::iter(batch)
                .map(|mail| self.deliver(sender, &from, mail))
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
            for outcome in outcomes {
                match outcome? {
                    Outcome::Sent => done.sent += 1,
                    Outcome::Retried => done.retried += 1,
                    Outcome::Failed => done.failed += 1,
                }
            }
        }
    }

    /// Sends one claimed e-mail and records what happened.
    async fn deliver(
        &self,
        sender: &SmtpSender,
        from: &crate::Mailbox,
        mail: DueEmail,
    ) -> Result<Outcome, WorkerError> {
        let attempts = mail.attempts + 1;
        // A letter to an outside recipient carries the sealed PDF and its envelope; one recalled
        // since it was queued is not sent at all.
        let attachments = match &mail.outside_delivery_id {
            None => Vec::new(),
            Some(id) => match self.corr.outside_attachments(id).await {
                // The sealed PDF cannot be read now (the blob store is down): try again later, as
                // for a relay that is down, rather than hold back every other e-mail.
                Err(e) => {
                    let now = self.corr.clock().now();
                    let wait = Duration::from_std(backoff(attempts as u32)).unwrap_or(Duration::hours(1));
                    let error = format!("the letter's files could not be read: {e}");
                    tracing::warn!(email = %mail.id, error = %e, "outside letter's attachments not read");
                    if attempts >= self.settings.max_attempts {
                        self.corr.email_failed(&mail.id, attempts, &error).await?;
                        self.corr.outside_email_outcome(id, EmailOutcome::Failed(error), now).await?;
                        return Ok(Outcome::Failed);
                    }
                    self.corr.email_retry(&mail.id, attempts, now + wait, &error).await?;
                    return Ok(Outcome::Retried);
                }
                Ok(Some(files)) => vec![
                    Attachment {
                        name: files.pdf_name,
                        content_type: "application/pdf".into(),
                        bytes: files.pdf.to_vec(),
                    },
                    Attachment {
                        name: files.jws_name,
                        content_type: "application/jose".into(),
                        bytes: files.jws.into_bytes(),
                    },
                ],
                Ok(None) => {
                    self.corr.email_failed(&mail.id, attempts, "recalled by the sender before it was sent").await?;
                    return Ok(Outcome::Failed);
                }
            },
        };
        let result = send(sender, from, &mail, attachments).await;
        let now = self.corr.clock().now();
        let outside = mail.outside_delivery_id.as_deref();
        Ok(match result {
            Ok(()) => {
                self.corr.email_sent(&mail.id, attempts, now).await?;
                if let Some(id) = outside {
                    self.corr.outside_email_outcome(id, EmailOutcome::Sent, now).await?;
                }
                self.corr.meter().count(Counted::EmailSent);
                Outcome::Sent
            }
            Err(e) if e.is_transient() && attempts < self.settings.max_attempts => {
                let wait = Duration::from_std(backoff(attempts as u32)).unwrap_or(Duration::hours(1));
                self.corr.email_retry(&mail.id, attempts, now + wait, &e.to_string()).await?;
                self.corr.meter().count(Counted::EmailRetried);
                tracing::warn!(email = %mail.id, attempts, error = %e, "e-mail will be retried");
                Outcome::Retried
            }
            Err(e) => {
                self.corr.email_failed(&mail.id, attempts, &e.to_string()).await?;
                if let Some(id) = outside {
                    // A 5xx is the relay refusing the address for good: a bounce. Anything else
                    // (retries run out, a message that cannot be built) is a failure.
                    let outcome = match &e {
                        SendError::Permanent { .. } => EmailOutcome::Refused(e.to_string()),
                        _ => EmailOutcome::Failed(e.to_string()),
                    };
                    self.corr.outside_email_outcome(id, outcome, now).await?;
                }
                self.corr.meter().count(Counted::EmailFailed);
                tracing::error!(email = %mail.id, attempts, error = %e, "e-mail failed");
                Outcome::Failed
            }
        })
    }
}

/// Builds the stored e-mail's message and hands it to the relay; an address or message that
/// cannot be built is rejected, which no retry helps.
async fn send(
    sender: &SmtpSender,
    from: &crate::Mailbox,
    mail: &DueEmail,
    attachments: Vec<Attachment>,
) -> Result<(), SendError> {
    let to = parse_mailbox(&format!("{} <{}>", mail.to_name.replace(['<', '>', '"'], ""), mail.to_address))
        .or_else(|_| parse_mailbox(&mail.to_address))
        .map_err(|e| SendError::Rejected(e.to_string()))?;
    let rendered =
        Rendered { subject: mail.subject.clone(), text: mail.text_body.clone(), html: mail.html_body.clone() };
    let message = if attachments.is_empty() {
        build(from.clone(), to, &rendered, &mail.message_id)
    } else {
        build_with_attachments(from.clone(), to, &rendered, &mail.message_id, attachments)
    }
    .map_err(|e| SendError::Rejected(e.to_string()))?;
    sender.send(&message).await
}
