//! The API's answers as a client reads them: small structs deserialised from the JSON, holding the
//! fields tests look at. States and codes stay the wire's strings, so an assertion reads like the
//! API documentation. Fields the server adds later are ignored, as a real client would.

use serde::Deserialize;

/// An office as shown next to a letter.
#[derive(Debug, Clone, Deserialize)]
pub struct Office {
    pub code: String,
}

/// A stored upload.
#[derive(Debug, Clone, Deserialize)]
pub struct Uploaded {
    pub sha256: String,
    pub media_type: String,
}

/// A letter, as its sender, a recipient or an auditor reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Letter {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub letter_date_th: String,
    pub envelope_sha256: String,
    /// `sent` or `recalled`.
    pub state: String,
    /// Kept raw: tests only count them or check their exact wire shape.
    pub documents: Vec<serde_json::Value>,
    pub recipients: Vec<Recipient>,
}

impl Letter {
    /// The recipient row of `office_code`.
    pub fn recipient(&self, office_code: &str) -> &Recipient {
        self.recipients
            .iter()
            .find(|r| r.office.code == office_code)
            .unwrap_or_else(|| panic!("no delivery to {office_code}"))
    }

    /// The delivery id of this letter to `office_code`.
    pub fn delivery_to(&self, office_code: &str) -> String {
        self.recipient(office_code).delivery_id.clone()
    }
}

/// One recipient's progress with a letter (the API's tracking row).
#[derive(Debug, Clone, Deserialize)]
pub struct Recipient {
    pub delivery_id: String,
    pub office: Office,
    pub state: String,
    pub decided_by: Option<String>,
    pub receive_number: Option<String>,
    pub reason: Option<String>,
    pub overdue: bool,
}

/// What receiving or rejecting a delivery answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Decided {
    pub delivery: Recipient,
    /// The signed receipt or rejection, compact JWS.
    pub receipt: String,
}

/// A page of an inbox.
#[derive(Debug, Clone, Deserialize)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub total: u64,
}

/// One line of an inbox.
#[derive(Debug, Clone, Deserialize)]
pub struct InboxItem {
    pub urgency: String,
    pub from: Office,
    pub deadline: Option<String>,
    pub state: String,
    pub overdue: bool,
}

/// One entry of a letter's audit trail.
#[derive(Debug, Clone, Deserialize)]
pub struct TrailEntry {
    pub index: u64,
    /// The event, e.g. `letter.sent`.
    pub action: String,
    /// The user name of who did it.
    pub actor: String,
    /// The office code it was done in.
    pub office: String,
    /// What the event carries (a receive number, a reason…), as the wire has it.
    pub detail: serde_json::Value,
}

/// One line of a send or receive register.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisterEntry {
    pub seq: i64,
    pub letter_number: String,
}
