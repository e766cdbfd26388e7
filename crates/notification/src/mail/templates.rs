//! Rendering notices from the embedded template files.
//!
//! Every e-mail is rendered from two files under `templates/` next to this module:
//! `{kind}.{lang}.txt` (plain text) and `{kind}.{lang}.html` (HTML, which extends `_layout.html`
//! and shows the letter with the one `letter_table` macro of `_letter.html`), where `kind` is one of
//! [`TemplateKind::name`] and `lang` is [`Language::code`]. The **first line of the text template
//! must be `Subject: …`**: it is cut off the text body and becomes the e-mail subject (whitespace
//! collapsed to one line); a blank line after it is dropped too. The HTML template gets the same
//! variables plus `email_subject` and `lang`. The files are embedded with `include_str!`, so the
//! binary needs no files at run time; they are rendered with minijinja, HTML auto-escaped,
//! undefined variables an error. Dates and durations are worded by `sarabun_domain::date`, urgency
//! and secrecy marks come from the domain's types.

use std::sync::OnceLock;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use sarabun_domain::date::{Style, date_time, duration};
use sarabun_domain::{Secrecy, Urgency};
use serde::Serialize;

use super::notice::{Decision, DecisionNotice, FreeText, LetterNotice, Notice, Rendered, Subject, TemplateKind};
use crate::NotifyError;
pub use sarabun_domain::date::Language;

/// The urgency mark in `lang` (`ด่วนที่สุด`, `Most urgent`, …); none for a normal letter.
pub fn urgency_mark(urgency: Urgency, lang: Language) -> Option<&'static str> {
    match lang {
        Language::Thai => urgency.thai(),
        Language::English => urgency.english(),
    }
}

/// The secrecy mark in `lang`; English adds the Thai mark officials know, e.g. `Secret (ลับมาก)`.
pub fn secrecy_mark(secrecy: Secrecy, lang: Language) -> String {
    let thai = secrecy.thai().unwrap_or_default();
    match (lang, secrecy.english()) {
        (Language::English, Some(en)) => format!("{en} ({thai})"),
        _ => thai.to_owned(),
    }
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
        Notice::Routed(n) => {
            let (subject, secrecy) = subject_vars(&n.subject, lang);
            minijinja::Value::from(Serde(RouteCtx {
                letter_number: one_line(&n.letter_number),
                subject,
                secrecy,
                urgency: urgency_mark(n.urgency, lang),
                from_office: one_line(&n.from_office),
                step: one_line(&n.step),
                by: one_line(&n.by),
                text: n.text.shown().map(str::to_owned),
                text_withheld: n.text.is_withheld(),
                consider: n.purpose == "พิจารณา",
                lead: n.lead,
                due_at: n.due_at.map(|d| date_time(d, lang, Style::Long)),
                overdue: n.overdue,
                link: one_line(&n.link),
            }))
        }
        Notice::Drafted(n) => {
            let (subject, secrecy) = subject_vars(&n.subject, lang);
            minijinja::Value::from(Serde(DraftCtx {
                subject,
                secrecy,
                urgency: urgency_mark(n.urgency, lang),
                office: one_line(&n.office),
                step: one_line(&n.step),
                by: one_line(&n.by),
                text: n.text.shown().map(str::to_owned),
                text_withheld: n.text.is_withheld(),
                asked: one_line(&n.asked),
                letter_number: n.letter_number.as_deref().map(one_line),
                link: one_line(&n.link),
            }))
        }
        Notice::OutsideLetter(n) => minijinja::Value::from(Serde(OutsideCtx {
            to_name: one_line(&n.to_name),
            letter_number: one_line(&n.letter_number),
            letter_date: one_line(&n.letter_date),
            subject: one_line(&n.subject),
            from_office: one_line(&n.from_office),
            from_office_code: one_line(&n.from_office_code),
            signer_name: one_line(&n.signer_name),
            signer_position: one_line(&n.signer_position),
            pdf_name: one_line(&n.pdf_name),
            jws_name: one_line(&n.jws_name),
            envelope_sha256: one_line(&n.envelope_sha256),
            jwks_url: one_line(&n.jwks_url),
        })),
    };
    render_with(kind, lang, ctx)
}

/// Template variables of the note of a letter e-mailed to an outside recipient.
#[derive(Serialize)]
struct OutsideCtx {
    to_name: String,
    letter_number: String,
    letter_date: String,
    subject: String,
    from_office: String,
    from_office_code: String,
    signer_name: String,
    signer_position: String,
    pdf_name: String,
    jws_name: String,
    envelope_sha256: String,
    jwks_url: String,
}

/// Template variables of a draft notice.
#[derive(Serialize)]
struct DraftCtx {
    subject: Option<String>,
    secrecy: Option<String>,
    urgency: Option<&'static str>,
    office: String,
    step: String,
    by: String,
    text: Option<String>,
    text_withheld: bool,
    asked: String,
    letter_number: Option<String>,
    link: String,
}

/// Template variables of a route notice.
#[derive(Serialize)]
struct RouteCtx {
    letter_number: String,
    subject: Option<String>,
    secrecy: Option<String>,
    urgency: Option<&'static str>,
    from_office: String,
    step: String,
    by: String,
    text: Option<String>,
    text_withheld: bool,
    consider: bool,
    lead: bool,
    due_at: Option<String>,
    overdue: bool,
    link: String,
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
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

pub(super) const TEMPLATES: &[(&str, &str)] = embedded_templates![
    "_layout.html",
    "_letter.html",
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
    "routed.th.txt",
    "routed.th.html",
    "routed.en.txt",
    "routed.en.html",
    "drafted.th.txt",
    "drafted.th.html",
    "drafted.en.txt",
    "drafted.en.html",
    "outside_letter.th.txt",
    "outside_letter.th.html",
    "outside_letter.en.txt",
    "outside_letter.en.html",
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
            urgency: urgency_mark(n.urgency, lang),
            immediate: n.urgency.announced_at_once(),
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
        Subject::Withheld { secrecy } => (None, Some(secrecy_mark(*secrecy, lang))),
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
