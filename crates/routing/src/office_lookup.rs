//! Finding an office by typing part of it — its code, Thai name or English name — instead of
//! choosing it from a list of the whole directory, which with ten thousand offices made every page
//! that offered one (the inbox's sender filter, the register's office) render ten thousand options.
//! Used by the inbox filter `from`, the register page and `GET /api/v1/offices?q=`. Everything is
//! bounded: the text typed ([`MAX_LOOKUP_CHARS`], the text rule), the offices a typed sender may
//! stand for ([`MAX_SENDER_OFFICES`]), the suggestions ([`MAX_SUGGESTIONS`]) and the inbox rows read
//! to find recent senders ([`RECENT_WINDOW`]).

use crate::present::office_ref;
use crate::{Actor, Correspondence, OfficeRef, OfficeView, RoutingError};
use sarabun_domain::text::{TextRule, clean};
use sarabun_domain::{OfficeCode, Permission};
use sarabun_registry::entity::office;
use sarabun_registry::{directory, letters};

/// The longest text a clerk may type to name an office (the longest name is 200 characters, but a
/// search is a few words).
pub const MAX_LOOKUP_CHARS: usize = 100;
/// The most offices a typed sender may stand for: past that the filter asks for more of the name
/// rather than reading the letters of half the directory.
pub const MAX_SENDER_OFFICES: u64 = 50;
/// The most offices a suggestion list holds.
pub const MAX_SUGGESTIONS: u64 = 20;
/// How many of the newest deliveries of an inbox are read to find the offices that sent them (and of
/// an office's sent letters, to find those it sends to).
pub const RECENT_WINDOW: u64 = 500;
/// Up to this many other offices, a compose or draft form lists them all to choose from; past it,
/// the offices chosen and those the office sent to lately, and the clerk finds others by typing.
pub const LIST_ALL_OFFICES_UP_TO: usize = 300;

/// The recipient offices a compose or draft form offers.
#[derive(Debug, Clone)]
pub struct RecipientChoices {
    /// The offices listed with a box to tick.
    pub offices: Vec<OfficeView>,
    /// How many other offices the directory holds.
    pub directory_size: usize,
    /// Whether `offices` is all of them (else the clerk types to find the rest).
    pub listed_all: bool,
}

/// The typed text, checked: the text rule, at most [`MAX_LOOKUP_CHARS`]; anything else is
/// `400 invalid_query` naming `field` (a filter is a query, not a record to correct).
pub(crate) fn lookup_text(field: &str, text: &str) -> Result<String, RoutingError> {
    clean(text, TextRule::line(MAX_LOOKUP_CHARS).optional())
        .map_err(|e| RoutingError::InvalidQuery(format!("{field}: {e}")))
}

impl Correspondence {
    /// The offices a typed sender stands for: the office with exactly that code, else those whose
    /// code or names contain the text. None is an empty list; more than [`MAX_SENDER_OFFICES`] is
    /// `400 invalid_query` asking for more of the name.
    pub(crate) async fn typed_offices(&self, field: &str, text: &str) -> Result<Vec<office::Model>, RoutingError> {
        let text = lookup_text(field, text)?;
        if text.is_empty() {
            return Ok(Vec::new());
        }
        if let Ok(code) = OfficeCode::parse(&text)
            && let Some(office) = directory::office_by_code(&self.db, &code).await?
        {
            return Ok(vec![office]);
        }
        let found = directory::offices_matching(&self.db, &text, MAX_SENDER_OFFICES + 1).await?;
        if found.len() as u64 > MAX_SENDER_OFFICES {
            return Err(RoutingError::InvalidQuery(format!(
                "{field}: more than {MAX_SENDER_OFFICES} offices match \u{201c}{text}\u{201d}; type more of the \
                 office's name or its code"
            )));
        }
        Ok(found)
    }

    /// Up to `limit` (1 to [`MAX_SUGGESTIONS`], that when not asked) offices whose code or names
    /// contain `text`, by code: the suggestions of `GET /api/v1/offices?q=`.
    pub async fn find_offices(&self, text: &str, limit: Option<u64>) -> Result<Vec<OfficeView>, RoutingError> {
        let limit = limit.unwrap_or(MAX_SUGGESTIONS);
        if !(1..=MAX_SUGGESTIONS).contains(&limit) {
            return Err(RoutingError::InvalidQuery(format!("per_page must be from 1 to {MAX_SUGGESTIONS} with q")));
        }
        let text = lookup_text("q", text)?;
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let found = directory::offices_matching(&self.db, &text, limit).await?;
        let parents = self.offices_named(found.iter().filter_map(|o| o.parent_id.as_deref())).await?;
        Ok(found
            .into_iter()
            .map(|o| OfficeView {
                parent_code: o.parent_id.as_deref().and_then(|p| parents.get(p)).map(|p| p.code.clone()),
                id: o.id,
                code: o.code,
                name_th: o.name_th,
                name_en: o.name_en,
                inbox_email: o.inbox_email,
            })
            .collect())
    }

    /// The offices the inbox's sender field suggests: those that sent the newest letters to the
    /// actor's office (among the last [`RECENT_WINDOW`] it may see), and first, when the clerk
    /// typed a sender, the offices that text stands for; at most [`MAX_SUGGESTIONS`] in all.
    pub async fn sender_suggestions(&self, actor: &Actor, typed: &[OfficeRef]) -> Result<Vec<OfficeRef>, RoutingError> {
        actor.require(Permission::ReadOfficeLetters)?;
        let limit = MAX_SUGGESTIONS as usize;
        let mut suggested: Vec<OfficeRef> = typed.iter().take(limit).cloned().collect();
        let left = limit - suggested.len();
        if left > 0 {
            let recent =
                letters::recent_senders(&self.db, &actor.office_id, &actor.cleared_levels(), RECENT_WINDOW, limit)
                    .await?;
            let offices = self.offices_named(recent.iter().map(String::as_str)).await?;
            let more = recent
                .iter()
                .filter_map(|id| offices.get(id).map(office_ref))
                .filter(|o| !suggested.iter().any(|s| s.code == o.code))
                .take(left)
                .collect::<Vec<_>>();
            suggested.extend(more);
        }
        Ok(suggested)
    }

    /// The recipient offices a compose or draft form of the actor's office offers, `chosen` (codes)
    /// among them: every other office in a directory of up to [`LIST_ALL_OFFICES_UP_TO`]; in a
    /// larger one the chosen offices and the [`MAX_SUGGESTIONS`] the office sent to most lately,
    /// so the form stays small however large the directory.
    pub async fn recipient_choices(&self, actor: &Actor, chosen: &[String]) -> Result<RecipientChoices, RoutingError> {
        let all = self.directory_shared().await?;
        let directory_size = all.iter().filter(|o| o.id != actor.office_id).count();
        if directory_size <= LIST_ALL_OFFICES_UP_TO {
            let offices = all.iter().filter(|o| o.id != actor.office_id).cloned().collect();
            return Ok(RecipientChoices { offices, directory_size, listed_all: true });
        }
        let recent =
            letters::recent_recipients(&self.db, &actor.office_id, RECENT_WINDOW, MAX_SUGGESTIONS as usize).await?;
        let offices = all
            .iter()
            .filter(|o| o.id != actor.office_id && (chosen.contains(&o.code) || recent.contains(&o.id)))
            .cloned()
            .collect();
        Ok(RecipientChoices { offices, directory_size, listed_all: false })
    }

    /// The offices a typed sender stands for, as the inbox's suggestions show them; errors as
    /// the inbox filter gives them.
    pub async fn typed_senders(&self, text: &str) -> Result<Vec<OfficeRef>, RoutingError> {
        Ok(self.typed_offices("from", text).await?.iter().map(office_ref).collect())
    }

    /// The office with `code`, as a page names it, read alone rather than found in the directory.
    pub async fn office_named_by_code(&self, code: &OfficeCode) -> Result<Option<OfficeRef>, RoutingError> {
        Ok(directory::office_by_code(&self.db, code).await?.as_ref().map(office_ref))
    }

    /// The one office `text` names: its code, or a piece of its code or names that only it
    /// contains. No office or several are `400 invalid_query` naming `field` (with a few of them).
    pub async fn office_typed(&self, field: &str, text: &str) -> Result<OfficeRef, RoutingError> {
        let found = self.typed_offices(field, text).await?;
        match found.as_slice() {
            [one] => Ok(office_ref(one)),
            [] => {
                Err(RoutingError::InvalidQuery(format!("{field}: no office matches \u{201c}{}\u{201d}", text.trim())))
            }
            several => {
                let some: Vec<&str> = several.iter().take(5).map(|o| o.code.as_str()).collect();
                Err(RoutingError::InvalidQuery(format!(
                    "{field}: {} offices match \u{201c}{}\u{201d} ({}{}); type its code",
                    several.len(),
                    text.trim(),
                    some.join(", "),
                    if several.len() > 5 { ", …" } else { "" }
                )))
            }
        }
    }
}
