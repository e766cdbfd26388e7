//! What office administrators, system admins and the records unit read about the node's own work:
//! the status of e-mails about an office (sent, pending, failed with the SMTP answer) and the yearly
//! retention lists (บัญชีหนังสือขอทำลาย). Who may read which office's is decided here.

use crate::{Actor, Correspondence, EmailStatus, RoutingError};
use sarabun_domain::{OfficeCode, Permission};
use sarabun_registry::{directory, outbox};

/// The most e-mails one status listing shows, newest first.
const EMAIL_LIST_LIMIT: u64 = 200;

/// The states an e-mail can be in, as the status listing filters them.
const EMAIL_STATES: [&str; 3] = ["pending", "sent", "failed"];

/// A retention list as its office receives it: CSV for the destruction committee.
#[derive(Debug, Clone)]
pub struct RetentionCsv {
    pub year_be: i32,
    pub csv: bytes::Bytes,
}

impl Correspondence {
    /// The newest e-mails about the actor's office (every office for system admins), optionally only
    /// those in `state` (`pending`, `sent` or `failed`).
    pub async fn email_statuses(&self, actor: &Actor, state: Option<&str>) -> Result<Vec<EmailStatus>, RoutingError> {
        if state.is_some_and(|s| !EMAIL_STATES.contains(&s)) {
            return Err(RoutingError::InvalidQuery("state must be pending, sent or failed".into()));
        }
        let office = if actor.may(Permission::ManageDirectory) {
            None
        } else {
            actor.require(Permission::ReadOfficeAdministration)?;
            Some(actor.office_id.as_str())
        };
        let rows = outbox::office_emails(&self.db, office, state, EMAIL_LIST_LIMIT).await?;
        Ok(rows
            .into_iter()
            .map(|m| EmailStatus {
                id: m.id,
                message_id: m.message_id,
                kind: m.kind.to_string(),
                to: m.to_address,
                subject: m.subject,
                state: m.state.to_string(),
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                next_attempt_at: m.next_attempt_at,
                sent_at: m.sent_at,
            })
            .collect())
    }

    /// The retention list of `office` (the actor's own when `None`) for the B.E. year `year_be`: for
    /// the office's admins and for those who read every office (auditors).
    pub async fn retention_list(
        &self,
        actor: &Actor,
        office: Option<&str>,
        year_be: i32,
    ) -> Result<RetentionCsv, RoutingError> {
        let code = match office {
            Some(code) => OfficeCode::parse(code)?,
            None => actor.office_code.clone(),
        };
        let office = directory::office_by_code(&self.db, &code).await?.ok_or(RoutingError::NotFound("office"))?;
        let own = office.id == actor.office_id && actor.may(Permission::ReadOfficeAdministration);
        if !(own || actor.may(Permission::ReadAllOffices)) {
            return Err(RoutingError::Forbidden);
        }
        let list = outbox::retention_list(&self.db, &office.id, year_be)
            .await?
            .ok_or(RoutingError::NotFound("retention list"))?;
        let csv = self.read_blob(&list.csv_sha256).await?;
        Ok(RetentionCsv { year_be, csv })
    }

    /// Whether an office with `code` exists (loading a directory file skips those that do).
    pub async fn office_exists(&self, code: &OfficeCode) -> Result<bool, RoutingError> {
        Ok(directory::office_by_code(&self.db, code).await?.is_some())
    }

    /// Whether a person with `username` (any ASCII case) exists.
    pub async fn user_exists(&self, username: &str) -> Result<bool, RoutingError> {
        Ok(directory::user_by_username(&self.db, username).await?.is_some())
    }
}
