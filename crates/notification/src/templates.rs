//! Notification content: the inputs, and their rendering from template files.
//!
//! Every e-mail is rendered from two files under `templates/` in this crate:
//! `{kind}.{lang}.txt` (plain text) and `{kind}.{lang}.html` (HTML, which extends
//! `_layout.html`), where `kind` is one of [`TemplateKind::name`] and `lang` is
//! [`Language::code`]. The **first line of the text template must be
//! `Subject: …`**: it is cut off the text body and becomes the e-mail subject
//! (whitespace collapsed to one line); a blank line after it is dropped too. The
//! HTML template gets the same variables plus `email_subject`. The files are
//! embedded with `include_str!`, so the binary needs no files at run time; they
//! are rendered with minijinja, HTML auto-escaped, undefined variables an error.
//!
//! A secret letter's subject cannot reach any template: [`Subject::Withheld`]
//! carries only the secrecy level, and a notice of a new secret letter is
//! rendered from the separate `new_secret_letter` templates. Nor can any other
//! free text about it (a rejection or recall reason): such text is a
//! [`FreeText`], which only [`Subject::free_text`] makes, and which is empty
//! whenever the subject is withheld.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

use crate::NotifyError;
pub use sarabun_domain::date::Language;
use sarabun_domain::date::{Style, date_time, duration};

/// Urgency of a letter (ชั้นความเร็ว).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// ด่วนที่สุด: act immediately on receipt.
    MostUrgent,
    /// ด่วนมาก.
    VeryUrgent,
    /// ด่วน.
    Urgent,
    /// No mark.
    #[default]
    Normal,
}

impl Urgency {
    /// The mark printed on the letter and in the e-mail (`ด่วนที่สุด`, `Most urgent`, …);
    /// `None` for a normal letter.
    pub fn mark(self, lang: Language) -> Option<&'static str> {
        match (self, lang) {
            (Urgency::MostUrgent, Language::Thai) => Some("ด่วนที่สุด"),
            (Urgency::VeryUrgent, Language::Thai) => Some("ด่วนมาก"),
            (Urgency::Urgent, Language::Thai) => Some("ด่วน"),
            (Urgency::MostUrgent, Language::English) => Some("Most urgent"),
            (Urgency::VeryUrgent, Language::English) => Some("Very urgent"),
            (Urgency::Urgent, Language::English) => Some("Urgent"),
            (Urgency::Normal, _) => None,
        }
    }

    /// Whether recipients are told at once (most urgent and very urgent) rather
    /// than in the next digest (urgent and normal).
    pub fn notify_immediately(self) -> bool {
        matches!(self, Urgency::MostUrgent | Urgency::VeryUrgent)
    }
}

/// Secrecy level of a secret letter (ชั้นความลับ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    /// ลับ.
    Confidential,
    /// ลับมาก.
    Secret,
    /// ลับที่สุด.
    TopSecret,
}

impl Secrecy {
    /// The Thai mark (`ลับ`, `ลับมาก`, `ลับที่สุด`).
    pub fn thai_mark(self) -> &'static str {
        match self {
            Secrecy::Confidential => "ลับ",
            Secrecy::Secret => "ลับมาก",
            Secrecy::TopSecret => "ลับที่สุด",
        }
    }

    /// The mark in `lang`; English adds the Thai mark officials know, e.g.
    /// `Secret (ลับมาก)`.
    pub fn mark(self, lang: Language) -> String {
        match lang {
            Language::Thai => self.thai_mark().to_owned(),
            Language::English => {
                let en = match self {
                    Secrecy::Confidential => "Confidential",
                    Secrecy::Secret => "Secret",
                    Secrecy::TopSecret => "Top secret",
                };
                format!("{en} ({})", self.thai_mark())
            }
        }
    }
}

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
    pub fn for_letter(subject: impl Into<String>, secrecy: Option<Secrecy>) -> Subject {
        match secrecy {
            None => Subject::Shown(subject.into()),
            Some(secrecy) => Subject::Withheld { secrecy },
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
}

impl TemplateKind {
    /// All kinds.
    pub const ALL: [TemplateKind; 6] = [
        TemplateKind::NewLetter,
        TemplateKind::NewSecretLetter,
        TemplateKind::Decided,
        TemplateKind::Reminder,
        TemplateKind::Digest,
        TemplateKind::Recalled,
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
        }
    }
}

/// A rendered notification, ready for [`crate::message::build`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// One-line subject (not yet RFC 2047 encoded).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Renders `notice` in `lang`.
pub fn render(notice: &Notice, lang: Language) -> Result<Rendered, NotifyError> {
    let kind = notice.kind();
    let ctx = match notice {
        Notice::NewLetter(n) => minijinja::Value::from(Serde(LetterCtx::new(n, lang))),
        Notice::Decision(n) => minijinja::Value::from(Serde(DecisionCtx::new(n, lang))),
        Notice::Reminder(n) => minijinja::Value::from(Serde(ReminderCtx {
            letter: LetterCtx::new(&n.letter, lang),
            overdue_by: duration(n.overdue_by, lang),
            escalation: n.escalation,
        })),
        Notice::Digest(n) => minijinja::Value::from(Serde(DigestCtx {
            office: one_line(&n.office),
            inbox_link: one_line(&n.inbox_link),
            generated_at: date_time(n.generated_at, lang, Style::Long),
            count: n.items.len(),
            items: n.items.iter().map(|i| LetterCtx::new(i, lang)).collect(),
        })),
        Notice::Recalled(n) => {
            let (subject, secrecy) = subject_vars(&n.subject, lang);
            minijinja::Value::from(Serde(RecallCtx {
                letter_number: one_line(&n.letter_number),
                subject,
                secrecy,
                from_office: one_line(&n.from_office),
                to_office: one_line(&n.to_office),
                reason: n.reason.shown().map(str::to_owned),
                reason_withheld: n.reason.is_withheld(),
                recalled_at: date_time(n.recalled_at, lang, Style::Long),
                link: one_line(&n.link),
            }))
        }
    };
    render_with(kind, lang, ctx)
}

fn render_with(kind: TemplateKind, lang: Language, ctx: minijinja::Value) -> Result<Rendered, NotifyError> {
    let env = environment();
    let text_name = format!("{}.{}.txt", kind.name(), lang.code());
    let html_name = format!("{}.{}.html", kind.name(), lang.code());
    let template_error = |name: &str| {
        let name = name.to_owned();
        move |source| NotifyError::Template { name, source }
    };

    let full_text = env.get_template(&text_name).and_then(|t| t.render(&ctx)).map_err(template_error(&text_name))?;
    let (first, rest) = full_text.split_once('\n').unwrap_or((&full_text, ""));
    let subject = first.strip_prefix("Subject:").ok_or_else(|| NotifyError::MissingSubject(text_name.clone()))?;
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.is_empty() {
        return Err(NotifyError::MissingSubject(text_name));
    }
    let text = rest.strip_prefix('\n').unwrap_or(rest);
    let mut text = text.trim_end().to_owned();
    text.push('\n');

    let html_ctx = minijinja::context! { email_subject => &subject, lang => lang.code(), ..ctx };
    let html = env.get_template(&html_name).and_then(|t| t.render(html_ctx)).map_err(template_error(&html_name))?;

    Ok(Rendered { subject, text, html })
}

/// Template files, embedded at compile time.
macro_rules! embedded_templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded_templates![
    "_layout.html",
    "new_letter.th.txt",
    "new_letter.th.html",
    "new_letter.en.txt",
    "new_letter.en.html",
    "new_secret_letter.th.txt",
    "new_secret_letter.th.html",
    "new_secret_letter.en.txt",
    "new_secret_letter.en.html",
    "decided.th.txt",
    "decided.th.html",
    "decided.en.txt",
    "decided.en.html",
    "reminder.th.txt",
    "reminder.th.html",
    "reminder.en.txt",
    "reminder.en.html",
    "digest.th.txt",
    "digest.th.html",
    "digest.en.txt",
    "digest.en.html",
    "recalled.th.txt",
    "recalled.th.html",
    "recalled.en.txt",
    "recalled.en.html",
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("default delimiters are valid"),
        );
        env.set_formatter(html_formatter);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("embedded template {name} does not compile: {e}"));
        }
        env
    })
}

/// Escapes strings in HTML templates like minijinja does, but leaves `/` alone so
/// that links stay readable (`&`, `<`, `>`, `"` and `'` are escaped).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s) if matches!(state.auto_escape(), minijinja::AutoEscape::Html) && !value.is_safe() => {
            let mut escaped = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Replaces line breaks and other control characters with spaces, so that no
/// input can break the `Subject:` line or a header.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Template variables of one letter. `subject` is `None` for a secret letter.
#[derive(Serialize)]
struct LetterCtx {
    letter_number: String,
    subject: Option<String>,
    secrecy: Option<String>,
    urgency: Option<&'static str>,
    immediate: bool,
    from_office: String,
    to_office: String,
    link: String,
    delivered_at: String,
    deadline: Option<String>,
}

impl LetterCtx {
    fn new(n: &LetterNotice, lang: Language) -> Self {
        let (subject, secrecy) = subject_vars(&n.subject, lang);
        LetterCtx {
            letter_number: one_line(&n.letter_number),
            subject,
            secrecy,
            urgency: n.urgency.mark(lang),
            immediate: n.urgency.notify_immediately(),
            from_office: one_line(&n.from_office),
            to_office: one_line(&n.to_office),
            link: one_line(&n.link),
            delivered_at: date_time(n.delivered_at, lang, Style::Long),
            deadline: n.deadline.map(|d| date_time(d, lang, Style::Long)),
        }
    }
}

fn subject_vars(subject: &Subject, lang: Language) -> (Option<String>, Option<String>) {
    match subject {
        Subject::Shown(s) => (Some(one_line(s)), None),
        Subject::Withheld { secrecy } => (None, Some(secrecy.mark(lang))),
    }
}

#[derive(Serialize)]
struct DecisionCtx {
    letter_number: String,
    subject: Option<String>,
    secrecy: Option<String>,
    from_office: String,
    to_office: String,
    received: bool,
    receive_number: Option<String>,
    reason: Option<String>,
    reason_withheld: bool,
    decided_at: String,
    link: String,
}

impl DecisionCtx {
    fn new(n: &DecisionNotice, lang: Language) -> Self {
        let (subject, secrecy) = subject_vars(&n.subject, lang);
        let none = FreeText::default();
        let (received, receive_number, reason) = match &n.decision {
            Decision::Received { receive_number } => (true, Some(one_line(receive_number)), &none),
            Decision::Rejected { reason } => (false, None, reason),
        };
        DecisionCtx {
            letter_number: one_line(&n.letter_number),
            subject,
            secrecy,
            from_office: one_line(&n.from_office),
            to_office: one_line(&n.to_office),
            received,
            receive_number,
            reason: reason.shown().map(str::to_owned),
            reason_withheld: reason.is_withheld(),
            decided_at: date_time(n.decided_at, lang, Style::Long),
            link: one_line(&n.link),
        }
    }
}

#[derive(Serialize)]
struct RecallCtx {
    letter_number: String,
    subject: Option<String>,
    secrecy: Option<String>,
    from_office: String,
    to_office: String,
    reason: Option<String>,
    reason_withheld: bool,
    recalled_at: String,
    link: String,
}

#[derive(Serialize)]
struct ReminderCtx {
    letter: LetterCtx,
    overdue_by: String,
    escalation: bool,
}

#[derive(Serialize)]
struct DigestCtx {
    office: String,
    inbox_link: String,
    generated_at: String,
    count: usize,
    items: Vec<LetterCtx>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn letter(subject: Subject, urgency: Urgency) -> LetterNotice {
        LetterNotice {
            letter_number: "กค 0100/12".into(),
            subject,
            urgency,
            from_office: "สำนักงานปลัดกระทรวงการคลัง".into(),
            to_office: "กรมบัญชีกลาง".into(),
            link: "https://sarabun.example.go.th/letters/42?tab=body&x=1".into(),
            delivered_at: Utc.with_ymd_and_hms(2026, 11, 25, 7, 5, 0).unwrap(),
            deadline: Some(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()),
        }
    }

    fn all_notices(subject: Subject) -> Vec<Notice> {
        let l = letter(subject.clone(), Urgency::MostUrgent);
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
        vec![
            Notice::NewLetter(l.clone()),
            Notice::Decision(DecisionNotice {
                letter_number: l.letter_number.clone(),
                subject: subject.clone(),
                from_office: l.from_office.clone(),
                to_office: l.to_office.clone(),
                decision: Decision::Received { receive_number: "1234".into() },
                decided_at: at,
                link: l.link.clone(),
            }),
            Notice::Decision(DecisionNotice {
                letter_number: l.letter_number.clone(),
                subject: subject.clone(),
                from_office: l.from_office.clone(),
                to_office: l.to_office.clone(),
                decision: Decision::Rejected {
                    reason: subject.free_text(Some("ส่งผิดหน่วยงาน"))
                },
                decided_at: at,
                link: l.link.clone(),
            }),
            Notice::Reminder(ReminderNotice {
                letter: l.clone(),
                overdue_by: Duration::from_secs(2 * 86400 + 3600),
                escalation: false,
            }),
            Notice::Recalled(RecallNotice {
                letter_number: l.letter_number.clone(),
                subject: subject.clone(),
                from_office: l.from_office.clone(),
                to_office: l.to_office.clone(),
                reason: subject.free_text(Some("ส่งผิดที่ ขอเรียกคืน")),
                recalled_at: at,
                link: l.link.clone(),
            }),
            Notice::Reminder(ReminderNotice {
                letter: l.clone(),
                overdue_by: Duration::from_secs(3 * 86400),
                escalation: true,
            }),
            Notice::Digest(Digest {
                office: "กรมบัญชีกลาง".into(),
                inbox_link: "https://sarabun.example.go.th/inbox".into(),
                generated_at: at,
                items: vec![l.clone(), letter(subject, Urgency::Normal)],
            }),
        ]
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        for subject in [Subject::Shown("ขอเชิญประชุม".into()), Subject::Withheld { secrecy: Secrecy::Secret }]
        {
            for notice in all_notices(subject) {
                for lang in [Language::Thai, Language::English] {
                    let r = render(&notice, lang).unwrap_or_else(|e| panic!("{:?} {lang:?}: {e}", notice.kind()));
                    assert!(!r.subject.is_empty());
                    assert!(!r.subject.contains('\n'));
                    assert!(!r.text.starts_with("Subject:"));
                    assert!(r.text.contains("กค 0100/12"), "{}", r.text);
                    assert!(r.html.contains("กค 0100/12"), "{}", r.html);
                    assert!(r.html.contains("<html lang=\""));
                }
            }
        }
    }

    #[test]
    fn thai_subject_of_a_new_letter() {
        let n = Notice::from(letter(Subject::Shown("ขอเชิญประชุม".into()), Urgency::MostUrgent));
        let r = render(&n, Language::Thai).unwrap();
        assert_eq!(r.subject, "ด่วนที่สุด หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม");
        assert!(r.text.contains("25 พฤศจิกายน 2569 เวลา 14.05 น."), "{}", r.text);
        let n = Notice::from(letter(Subject::Shown("ขอเชิญประชุม".into()), Urgency::Normal));
        let r = render(&n, Language::Thai).unwrap();
        assert_eq!(r.subject, "หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม");
    }

    #[test]
    fn html_is_escaped_and_link_is_kept() {
        let mut l = letter(Subject::Shown("<script>alert(1)</script> & co".into()), Urgency::Urgent);
        l.from_office = "Office <b>".into();
        let r = render(&Notice::from(l), Language::English).unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("Office <b>"));
        assert!(r.html.contains("https://sarabun.example.go.th/letters/42?tab=body&amp;x=1"));
        assert!(r.text.contains("https://sarabun.example.go.th/letters/42?tab=body&x=1"));
        // The text part is not escaped.
        assert!(r.text.contains("<script>alert(1)</script> & co"));
    }

    #[test]
    fn line_breaks_cannot_break_the_subject_line() {
        let l = letter(Subject::Shown("a\r\nBcc: evil@example.com".into()), Urgency::Normal);
        let r = render(&Notice::from(l), Language::English).unwrap();
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
        assert!(r.subject.contains("a Bcc: evil@example.com"));
    }

    #[test]
    fn secret_subject_is_withheld_everywhere() {
        let subject = Subject::for_letter("แผนการตรวจสอบพิเศษ", Some(Secrecy::TopSecret));
        assert!(subject.is_withheld());
        assert_eq!(Subject::for_letter("x", None), Subject::Shown("x".to_owned()));
        for notice in all_notices(subject) {
            for lang in [Language::Thai, Language::English] {
                let r = render(&notice, lang).unwrap();
                for part in [&r.subject, &r.text, &r.html] {
                    assert!(!part.contains("แผนการ"), "{part}");
                    assert!(!part.contains("ส่งผิด"), "no reason of a secret letter: {part}");
                }
                assert!(r.text.contains("ลับที่สุด"), "{}", r.text);
                assert!(r.html.contains("ลับที่สุด"), "{}", r.html);
            }
        }
        let l = letter(Subject::Withheld { secrecy: Secrecy::Confidential }, Urgency::Normal);
        assert_eq!(Notice::from(l).kind(), TemplateKind::NewSecretLetter);
    }

    #[test]
    fn reasons_are_shown_for_normal_letters_only() {
        let shown = Subject::Shown("ขอเชิญประชุม".into());
        assert_eq!(shown.free_text(Some(" ส่งผิดหน่วยงาน ")).shown(), Some("ส่งผิดหน่วยงาน"));
        assert_eq!(shown.free_text(Some("  ")), FreeText::default());
        let withheld = Subject::Withheld { secrecy: Secrecy::Confidential };
        let reason = withheld.free_text(Some("ส่งผิดหน่วยงาน"));
        assert_eq!((reason.shown(), reason.is_withheld()), (None, true));
        assert!(!withheld.free_text(None).is_withheld());
        for notice in all_notices(shown) {
            for lang in [Language::Thai, Language::English] {
                let r = render(&notice, lang).unwrap();
                if matches!(
                    notice,
                    Notice::Recalled(_) | Notice::Decision(DecisionNotice { decision: Decision::Rejected { .. }, .. })
                ) {
                    assert!(r.text.contains("ส่งผิด") && r.html.contains("ส่งผิด"), "{}", r.text);
                }
            }
        }
    }

    #[test]
    fn every_kind_has_all_files() {
        let names: Vec<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
        for kind in TemplateKind::ALL {
            for lang in ["th", "en"] {
                for ext in ["txt", "html"] {
                    let name = format!("{}.{lang}.{ext}", kind.name());
                    assert!(names.contains(&name.as_str()), "{name} missing");
                }
            }
        }
    }
}
