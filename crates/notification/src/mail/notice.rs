//! What an e-mail tells, as plain values: a new letter, a decision, a reminder, a digest, a recall.
//! The worker fills them from routing's notice views; [`crate::mail::templates::render`] words them.
//!
//! A secret letter's subject cannot reach any template: [`Subject::Withheld`] carries only the
//! secrecy level, and a notice of a new secret letter is rendered from the separate
//! `new_secret_letter` templates. Nor can any other free text about it (a rejection or recall
//! reason): such text is a [`FreeText`], which only [`Subject::free_text`] makes, and which is empty
//! whenever the subject is withheld. Urgency and secrecy are the domain's own types.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sarabun_domain::{Secrecy, Urgency};
use serde::{Deserialize, Serialize};

/// The subject (เรื่อง) of a letter as a notice may show it.
///
/// A secret letter's subject is never put in an e-mail: it is
/// [`Subject::Withheld`], which holds only the secrecy level. Build it with
/// [`Subject::for_letter`] so that the decision is made in one place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The subject of a letter that is not secret.
    Shown(String),
    /// A secret letter: only its secrecy level may be told.
    Withheld {
        /// Secrecy level of the letter.
        secrecy: Secrecy,
    },
}

impl Subject {
    /// The subject to show for a letter with this subject and secrecy level: the
    /// subject itself when the letter is not secret, otherwise withheld.
    pub fn for_letter(subject: impl Into<String>, secrecy: Secrecy) -> Subject {
        match secrecy {
            Secrecy::None => Subject::Shown(subject.into()),
            secrecy => Subject::Withheld { secrecy },
        }
    }

    /// Whether the subject is withheld (a secret letter).
    pub fn is_withheld(&self) -> bool {
        matches!(self, Subject::Withheld { .. })
    }

    /// Free text someone typed about the letter with this subject (a reason), as a notice may
    /// carry it: the text itself for a letter that is not secret, nothing for a secret one. This
    /// is the one place that decides whether free text reaches an e-mail.
    pub fn free_text(&self, text: Option<&str>) -> FreeText {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        match self {
            Subject::Shown(_) => FreeText { text: text.map(str::to_owned), withheld: false },
            Subject::Withheld { .. } => FreeText { text: None, withheld: text.is_some() },
        }
    }
}

/// Free text about a letter (a rejection or recall reason) as a notice carries it. Made only by
/// [`Subject::free_text`], so a secret letter's text never reaches a template: the notice then
/// says only that there was a reason, to be read in Sarabun.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeText {
    text: Option<String>,
    withheld: bool,
}

impl FreeText {
    /// The text, when it may be shown and is not empty.
    pub fn shown(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Whether there was text that is withheld because the letter is secret.
    pub fn is_withheld(&self) -> bool {
        self.withheld
    }
}

/// A letter delivered to an office (also an item of a [`Digest`] and the letter
/// of a [`ReminderNotice`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterNotice {
    /// Letter number without the `ที่` label, e.g. `กค 0100/12` or `กค 0302/ว 45`.
    pub letter_number: String,
    /// Subject, or withheld for a secret letter.
    pub subject: Subject,
    /// Urgency.
    pub urgency: Urgency,
    /// Name of the sending office.
    pub from_office: String,
    /// Name of the recipient office.
    pub to_office: String,
    /// Absolute URL of the letter in Sarabun.
    pub link: String,
    /// When the letter reached the recipient's inbox.
    pub delivered_at: DateTime<Utc>,
    /// Deadline (ภายในวันที่ … เวลา …), if any.
    pub deadline: Option<DateTime<Utc>>,
}

/// What the recipient office decided about a letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Received into the receive register.
    Received {
        /// Receive number (เลขทะเบียนรับ) as shown to users, e.g. `1234`.
        receive_number: String,
    },
    /// Rejected, e.g. sent to the wrong office (ส่งผิดหน่วยงาน).
    Rejected {
        /// The reason the clerk gave (withheld for a secret letter).
        reason: FreeText,
    },
}

/// Told to the sending clerk when a recipient office received or rejected a letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionNotice {
    /// Letter number, e.g. `กค 0100/12`.
    pub letter_number: String,
    /// Subject, or withheld for a secret letter.
    pub subject: Subject,
    /// Name of the sending office (whose clerk is told).
    pub from_office: String,
    /// Name of the recipient office that decided.
    pub to_office: String,
    /// Received (with the receive number) or rejected (with the reason).
    pub decision: Decision,
    /// When the decision was made.
    pub decided_at: DateTime<Utc>,
    /// Absolute URL of the letter in Sarabun.
    pub link: String,
}

/// A reminder that a delivered letter is overdue: to the recipient office, or as
/// an escalation to the sender and the recipient office's admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderNotice {
    /// The overdue letter.
    pub letter: LetterNotice,
    /// How long past its deadline (or the expected handling time) it is.
    pub overdue_by: Duration,
    /// `true` for the escalation to the sender and the recipient office's admin.
    pub escalation: bool,
}

/// Urgent and normal letters that arrived at an office since the last digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Name of the recipient office.
    pub office: String,
    /// Absolute URL of the office's inbox in Sarabun.
    pub inbox_link: String,
    /// When the digest was made.
    pub generated_at: DateTime<Utc>,
    /// The letters, in the order to list them.
    pub items: Vec<LetterNotice>,
}

/// Told to a recipient office when the sender recalls (ยกเลิก) a letter it has not handled yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallNotice {
    /// Letter number, e.g. `กค 0100/12`.
    pub letter_number: String,
    /// Subject, or withheld for a secret letter.
    pub subject: Subject,
    /// Name of the sending office, which recalled it.
    pub from_office: String,
    /// Name of the recipient office, which is told.
    pub to_office: String,
    /// Why, when the sender said (withheld for a secret letter).
    pub reason: FreeText,
    /// When it was recalled.
    pub recalled_at: DateTime<Utc>,
    /// Absolute URL of the letter in Sarabun.
    pub link: String,
}

/// Anything that can be told by e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Notice {
    /// A new letter in the office inbox (secret or not).
    NewLetter(LetterNotice),
    /// A letter was received or rejected.
    Decision(DecisionNotice),
    /// An overdue letter.
    Reminder(ReminderNotice),
    /// A digest of new letters.
    Digest(Digest),
    /// The sender recalled a letter.
    Recalled(RecallNotice),
    /// A letter was routed to someone inside their office (เสนอ, สั่งการ, มอบหมาย, …), or a task on it
    /// is overdue.
    Routed(RouteNotice),
    /// A draft letter came to the person on its chain (to check or sign), went back to its
    /// drafter, or was signed and sent.
    Drafted(DraftNotice),
    /// A letter sent to a recipient outside Sarabun by e-mail, the sealed PDF and its envelope
    /// attached: who sent which letter, and how to check the seal.
    OutsideLetter(OutsideLetterNotice),
}

/// The note of a letter e-mailed to a recipient outside Sarabun (never a secret letter: those go by
/// post only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutsideLetterNotice {
    /// The recipient's name, e.g. `บริษัท ตัวอย่าง จำกัด`.
    pub to_name: String,
    pub letter_number: String,
    /// The letter's date in Thai.
    pub letter_date: String,
    pub subject: String,
    pub from_office: String,
    pub from_office_code: String,
    pub signer_name: String,
    pub signer_position: String,
    /// The attachments' file names.
    pub pdf_name: String,
    pub jws_name: String,
    /// The SHA-256 of the envelope.
    pub envelope_sha256: String,
    /// Where the node publishes its offices' keys (`…/.well-known/jwks.json`).
    pub jwks_url: String,
}

/// Told to the person a draft now waits for, or to its drafter: who took which step on the chain,
/// what they wrote, and what is asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftNotice {
    /// Subject, or withheld for a secret draft.
    pub subject: Subject,
    pub urgency: Urgency,
    /// The office the draft is made in.
    pub office: String,
    /// The step's Thai heading (เสนอร่าง, ส่งคืนแก้ไข, ลงนามย่อ, ลงนาม).
    pub step: String,
    /// Who took the step, with position.
    pub by: String,
    /// What they wrote (withheld for a secret draft).
    pub text: FreeText,
    /// `check`, `sign`, `revise` or `sent`.
    pub asked: String,
    /// The letter number, once signed and sent.
    pub letter_number: Option<String>,
    /// Absolute URL of the draft (or, once sent, of the letter) in Sarabun.
    pub link: String,
}

/// Told to a person a letter's route gave a task to: who took which step, what they wrote, and what
/// is now asked of the person (consider or act, by when).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteNotice {
    /// Letter number, e.g. `กค 0100/12`.
    pub letter_number: String,
    /// Subject, or withheld for a secret letter.
    pub subject: Subject,
    /// Its urgency.
    pub urgency: Urgency,
    /// Name of the office that sent the letter.
    pub from_office: String,
    /// The step's Thai heading (เสนอ, สั่งการ, มอบหมาย, ส่งคืน, โอนงาน).
    pub step: String,
    /// Who took the step, with position (and รักษาการแทน … when stood in).
    pub by: String,
    /// What they wrote (withheld for a secret letter).
    pub text: FreeText,
    /// พิจารณา or ปฏิบัติ.
    pub purpose: String,
    /// Whether the person is the lead (เจ้าของเรื่อง).
    pub lead: bool,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// A reminder that the task is past its due time.
    pub overdue: bool,
    /// Absolute URL of the letter in Sarabun.
    pub link: String,
}

impl Notice {
    /// The template this notice is rendered with.
    pub fn kind(&self) -> TemplateKind {
        match self {
            Notice::NewLetter(n) if n.subject.is_withheld() => TemplateKind::NewSecretLetter,
            Notice::NewLetter(_) => TemplateKind::NewLetter,
            Notice::Decision(_) => TemplateKind::Decided,
            Notice::Reminder(_) => TemplateKind::Reminder,
            Notice::Digest(_) => TemplateKind::Digest,
            Notice::Recalled(_) => TemplateKind::Recalled,
            Notice::Routed(_) => TemplateKind::Routed,
            Notice::Drafted(_) => TemplateKind::Drafted,
            Notice::OutsideLetter(_) => TemplateKind::OutsideLetter,
        }
    }
}

impl From<LetterNotice> for Notice {
    fn from(n: LetterNotice) -> Self {
        Notice::NewLetter(n)
    }
}

impl From<DecisionNotice> for Notice {
    fn from(n: DecisionNotice) -> Self {
        Notice::Decision(n)
    }
}

impl From<ReminderNotice> for Notice {
    fn from(n: ReminderNotice) -> Self {
        Notice::Reminder(n)
    }
}

impl From<RecallNotice> for Notice {
    fn from(n: RecallNotice) -> Self {
        Notice::Recalled(n)
    }
}

impl From<Digest> for Notice {
    fn from(n: Digest) -> Self {
        Notice::Digest(n)
    }
}

/// The template families; each has a text and an HTML file per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    /// `new_letter`: a new letter that is not secret.
    NewLetter,
    /// `new_secret_letter`: a new secret letter (no subject).
    NewSecretLetter,
    /// `decided`: received or rejected.
    Decided,
    /// `reminder`: overdue reminder or escalation.
    Reminder,
    /// `digest`: digest of new letters.
    Digest,
    /// `recalled`: the sender recalled a letter.
    Recalled,
    /// `routed`: a letter was routed to the person inside their office, or their task on it is overdue.
    Routed,
    /// `drafted`: a draft came to the person on its chain, went back to its drafter, or was signed.
    Drafted,
    /// `outside_letter`: a letter e-mailed to a recipient outside Sarabun.
    OutsideLetter,
}

impl TemplateKind {
    /// All kinds.
    pub const ALL: [TemplateKind; 9] = [
        TemplateKind::NewLetter,
        TemplateKind::NewSecretLetter,
        TemplateKind::Decided,
        TemplateKind::Reminder,
        TemplateKind::Digest,
        TemplateKind::Recalled,
        TemplateKind::Routed,
        TemplateKind::Drafted,
        TemplateKind::OutsideLetter,
    ];

    /// The file-name stem, e.g. `new_letter`.
    pub fn name(self) -> &'static str {
        match self {
            TemplateKind::NewLetter => "new_letter",
            TemplateKind::NewSecretLetter => "new_secret_letter",
            TemplateKind::Decided => "decided",
            TemplateKind::Reminder => "reminder",
            TemplateKind::Digest => "digest",
            TemplateKind::Recalled => "recalled",
            TemplateKind::Routed => "routed",
            TemplateKind::Drafted => "drafted",
            TemplateKind::OutsideLetter => "outside_letter",
        }
    }
}

/// A rendered notification, ready for [`crate::mail::message::build`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// One-line subject (not yet RFC 2047 encoded).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}
