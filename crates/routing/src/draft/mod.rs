//! The making of a letter inside the office: a draft (ร่าง) with its versions, sent up a chain of
//! reviewers who comment, return it or initial it (ลงนามย่อ), to the signer, who signs it with their
//! own PDF signature under their signing PIN; the signed letter then takes its number and date from
//! the send register, written onto the letter itself, and is sent as any other. The rules — who
//! signs what, which step follows which — are `sarabun_domain::draft`'s; this module applies them
//! with the rows in hand. `seat` decides where the asker sits, `write` keeps the versions, `step`
//! moves the draft along its chain, `sign` signs, numbers and sends, `keys` holds the node's
//! certificate authority and the signers' keys, `convert` turns DOCX/ODT into PDF.

mod convert;
mod keys;
mod seat;
mod sign;
mod step;
mod view;
mod write;

pub use convert::{Converter, DraftSource};
pub use keys::{CA_PEM_PATH, SigningKeyView};
pub use sign::SignedDraft;
pub use view::{DraftList, DraftStepView, DraftSummary, DraftVersionView, DraftView, SignatureView};
pub use write::DraftFile;

use crate::compose::ReferenceInput;
use chrono::{DateTime, Utc};
use sarabun_domain::{ChainRole, LetterKind, Secrecy, Series, Urgency};
use serde::{Deserialize, Serialize};

/// The letter's fields as the drafter writes them; the body is the draft's latest version, the
/// signer's name and position come from whoever signs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DraftFields {
    pub kind: LetterKind,
    pub series: Series,
    pub subject: String,
    /// เรียน: to whom the letter is addressed.
    pub addressee: String,
    /// Recipient office codes.
    pub recipients: Vec<String>,
    pub urgency: Urgency,
    pub secrecy: Secrecy,
    pub deadline: Option<DateTime<Utc>>,
    /// SHA-256 of enclosures uploaded by the office, in order.
    pub enclosure_sha256: Vec<String>,
    pub enclosures_note: Option<String>,
    pub references: Vec<ReferenceInputStored>,
    pub retention_years: Option<i32>,
}

/// A reference as kept with a draft (the same as [`ReferenceInput`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceInputStored {
    pub number: String,
    pub date: chrono::NaiveDate,
    pub subject: Option<String>,
}

impl From<&ReferenceInputStored> for ReferenceInput {
    fn from(r: &ReferenceInputStored) -> Self {
        ReferenceInput { number: r.number.clone(), date: r.date, subject: r.subject.clone() }
    }
}

/// One person on a chain, as the drafter names them.
#[derive(Debug, Clone)]
pub struct ChainInput {
    pub username: String,
    pub role: ChainRole,
}

/// A step on the chain with what the person wrote.
#[derive(Debug, Clone)]
pub enum DraftStepInput {
    /// Send the draft up `chain` (reviewers in order, the signer last).
    Submit { chain: Vec<ChainInput>, note: Option<String> },
    /// A comment; the draft stays where it is.
    Comment { text: String },
    /// Back to the drafter for revision, saying why.
    Return { reason: String },
    /// Initial it (ลงนามย่อ) and pass it up, optionally with a note.
    Initial { note: Option<String> },
    /// Give the draft up.
    Withdraw { reason: Option<String> },
}
