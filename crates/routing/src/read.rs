//! Reading letters back: one letter with its documents and tracking (opening it clears the office's
//! unread mark), its sealed envelope, a document, a receipt, the stamped body; the inbox, the sent
//! letters and the auditor's search, each paged and bounded.

use crate::present::{document_view, letter_view, office_ref, receive_number, sent_item, tracking_row};
use crate::views::*;
use crate::{Actor, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sarabun_domain::text::TextRule;
use sarabun_domain::{DeliveryState, Permission, Urgency};
use sarabun_registry::entity::{delivery, letter};
use sarabun_registry::letters::{self as store, InboxQuery};
use sarabun_registry::listing::Counted;
use std::collections::HashMap;

/// Inbox filters from the query string.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub state: Option<DeliveryState>,
    pub urgency: Option<Urgency>,
    /// The sender as typed: an office code, or a piece of an office's code or names standing for
    /// every office that contains it (at most [`crate::MAX_SENDER_OFFICES`]).
    pub from: Option<String>,
    /// Delivered at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Delivered before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Text to find in the subject or the letter number.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// Continue after this delivery (a page's `after`) instead of at `page`.
    pub after: Option<String>,
}

/// The text to search for in subjects and numbers: the text rule, at most 200 characters (no subject
/// is longer than 500 and a search is a few words); empty means no text filter.
pub(crate) fn search_text(q: Option<&str>) -> Result<Option<String>, RoutingError> {
    let text = crate::compose::check_text("q", q.unwrap_or_default(), TextRule::line(200).optional())?;
    Ok((!text.is_empty()).then_some(text))
}

/// The deepest page a listing serves: a million pages of the largest size is past any real inbox,
/// and keeps every offset far inside the databases' signed 64-bit range.
pub const MAX_PAGE: u64 = 1_000_000;
/// The largest page size.
pub const MAX_PER_PAGE: u64 = 200;

/// Page number (1 to [`MAX_PAGE`], 1 when not asked) and page size (1 to [`MAX_PER_PAGE`], 50 when
/// not asked) of a listing; anything else is refused rather than guessed, so that
/// `?page=18446744073709551615` is a clear 400 and never an overflow deep in the query builder.
pub(crate) fn paging(page: Option<u64>, per_page: Option<u64>) -> Result<(u64, u64), RoutingError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(RoutingError::InvalidQuery(format!("page must be from 1 to {MAX_PAGE}")));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(RoutingError::InvalidQuery(format!("per_page must be from 1 to {MAX_PER_PAGE}")));
    }
    Ok((page, per_page))
}

/// Refuses a numbered page past a count that stopped at its bound: reading that deep by number
/// would walk every row before it. A page past the end of a listing counted exactly is empty.
fn past_the_count(page: u64, per_page: u64, total: Counted) -> Result<(), RoutingError> {
    if !total.exact && (page - 1).saturating_mul(per_page) >= total.n {
        return Err(RoutingError::InvalidQuery(format!(
            "pages are numbered up to the first {} matches; continue with `after` (the inbox's older letters) \
             or narrow the search",
            total.n
        )));
    }
    Ok(())
}

impl Correspondence {
    /// A letter as the actor may see it: the sender's office and auditors see every recipient; a
    /// recipient office sees its own delivery. Anyone not cleared for its secrecy gets `not found`.
    /// Opening a letter delivered to the actor's own office clears its unread mark for the office.
    pub async fn letter(&self, actor: &Actor, letter_id: &str) -> Result<LetterView, RoutingError> {
        let (letter, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        self.opened_letter_view(actor, letter, deliveries, full).await
    }

    /// [`Correspondence::letter`] with its trail as [`Correspondence::trail`] gives it, for the letter
    /// page: the letter is read (and a secret one's opening recorded) once.
    pub async fn letter_with_trail(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(LetterView, Vec<crate::TrailEntry>), RoutingError> {
        let (letter, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        let trail = self.entries_visible_to(actor, letter_id, &deliveries, full).await?;
        let trail = trail.iter().map(crate::trail::trail_entry).collect::<Result<Vec<_>, _>>()?;
        Ok((self.opened_letter_view(actor, letter, deliveries, full).await?, trail))
    }

    /// The view of a readable letter; opening it clears the unread mark of the actor's office.
    async fn opened_letter_view(
        &self,
        actor: &Actor,
        letter: letter::Model,
        mut deliveries: Vec<delivery::Model>,
        full: bool,
    ) -> Result<LetterView, RoutingError> {
        let now = self.clock.now();
        if actor.may(Permission::ReadOfficeLetters) {
            for d in deliveries.iter_mut().filter(|d| d.recipient_office_id == actor.office_id && d.opened_at.is_none())
            {
                if store::mark_opened(&self.db, &d.id, &actor.username, now).await? {
                    d.opened_at = Some(now);
                    d.opened_by = Some(actor.username.clone());
                }
            }
        }
        let named = deliveries.iter().map(|d| d.recipient_office_id.as_str());
        let offices = self.offices_named(named.chain([letter.office_id.as_str()])).await?;
        let documents = store::letter_documents(&self.db, &letter.id).await?;
        let recipients = deliveries
            .iter()
            .filter(|d| full || d.recipient_office_id == actor.office_id)
            .map(|d| tracking_row(&self.due, d, &letter, &offices, now))
            .collect::<Result<Vec<_>, _>>()?;
        let outside = if full { self.outside_tracking(&letter.id).await? } else { Vec::new() };
        let mut view = letter_view(letter, documents, recipients, &offices)?;
        view.outside_recipients = outside;
        Ok(view)
    }

    /// The sealed envelope of a letter the actor may read.
    pub async fn envelope(&self, actor: &Actor, letter_id: &str) -> Result<String, RoutingError> {
        Ok(self.readable_letter(actor, letter_id).await?.0.envelope)
    }

    /// A document of a letter the actor may read, with its metadata.
    pub async fn document(
        &self,
        actor: &Actor,
        letter_id: &str,
        position: i32,
    ) -> Result<(LetterDocumentView, Bytes), RoutingError> {
        self.readable_letter(actor, letter_id).await?;
        let doc = store::letter_documents(&self.db, letter_id)
            .await?
            .into_iter()
            .find(|d| d.position == position)
            .ok_or(RoutingError::NotFound("document"))?;
        let bytes = self.blobs.read(&doc.sha256).await?;
        Ok((document_view(&doc)?, bytes))
    }

    /// The signed receipt or rejection of a delivery, for the sender, the recipient or an auditor.
    pub async fn receipt(&self, actor: &Actor, delivery_id: &str) -> Result<String, RoutingError> {
        let delivery = self.readable_delivery(actor, delivery_id).await?;
        delivery.receipt.ok_or(RoutingError::NotFound("receipt"))
    }

    /// The stamped body of a received delivery, for its recipient, the sender or an auditor.
    pub async fn stamped_body(&self, actor: &Actor, delivery_id: &str) -> Result<(String, Bytes), RoutingError> {
        let delivery = self.readable_delivery(actor, delivery_id).await?;
        let sha = delivery.stamped_sha256.ok_or(RoutingError::NotFound("stamped document"))?;
        let bytes = self.blobs.read(&sha).await?;
        Ok((sha, bytes))
    }

    /// One page of the actor's office inbox.
    pub async fn inbox(&self, actor: &Actor, filter: InboxFilter) -> Result<Page<InboxItem>, RoutingError> {
        actor.require(Permission::ReadOfficeLetters)?;
        // A typed sender stands for the offices it names; naming none, the inbox holds nothing from it.
        let sender_office_ids = match filter.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(text) => Some(self.typed_offices("from", text).await?.into_iter().map(|o| o.id).collect::<Vec<_>>()),
            None => None,
        };
        let (page, per_page) = paging(filter.page, filter.per_page)?;
        let after = match &filter.after {
            Some(id) => Some(store::inbox_position(&self.db, &actor.office_id, id).await?.ok_or_else(|| {
                RoutingError::InvalidQuery("after must be the id of a delivery in this inbox".into())
            })?),
            None => None,
        };
        // With `after`, the page is the first one after that delivery.
        let page = if after.is_some() { 1 } else { page };
        let query = InboxQuery {
            state: filter.state,
            urgency: filter.urgency,
            sender_office_ids,
            delivered_from: filter.since,
            delivered_to: filter.until,
            text: search_text(filter.q.as_deref())?,
            cleared: actor.cleared_levels(),
            page,
            per_page,
            after,
            walk_budget: sarabun_registry::listing::WALK_BUDGET,
        };
        let found = store::inbox(&self.db, &actor.office_id, &query).await?;
        past_the_count(page, per_page, found.total)?;
        let rows = found.rows;
        let offices = self.offices_named(rows.iter().map(|(_, l)| l.office_id.as_str())).await?;
        let outside_ids: Vec<String> = rows
            .iter()
            .filter(|(_, l)| l.origin.get() == sarabun_domain::LetterOrigin::Outside)
            .map(|(_, l)| l.id.clone())
            .collect();
        let senders: HashMap<String, String> = sarabun_registry::outside::arrivals_of(&self.db, &outside_ids)
            .await?
            .into_iter()
            .filter_map(|(a, b)| b.map(|b| (a.letter_id, b.name)))
            .collect();
        let now = self.clock.now();
        let items = rows
            .into_iter()
            .map(|(d, l)| {
                let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
                let state = d.state.get();
                Ok(InboxItem {
                    outside_sender: senders.get(&l.id).cloned(),
                    opened: d.opened_at.is_some(),
                    receive_number: receive_number(&d),
                    overdue: self.due.is_overdue(state, l.urgency.get(), l.deadline, d.delivered_at, now),
                    delivery_id: d.id,
                    letter_id: l.id,
                    number: l.number,
                    subject: l.subject,
                    kind: l.kind.get(),
                    urgency: l.urgency.get(),
                    secrecy: l.secrecy.get(),
                    from,
                    letter_date: l.letter_date,
                    deadline: l.deadline,
                    state,
                    delivered_at: d.delivered_at,
                })
            })
            .collect::<Result<Vec<_>, RoutingError>>()?;
        let after = if found.older { items.last().map(|i: &InboxItem| i.delivery_id.clone()) } else { None };
        let (total, total_exact) = (found.total.n, found.total.exact);
        Ok(Page { items, total, total_exact, page, per_page, more: found.older, after })
    }

    /// One page of the letters the actor's office sent.
    pub async fn sent(
        &self,
        actor: &Actor,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Page<SentItem>, RoutingError> {
        actor.require(Permission::ReadOfficeLetters)?;
        let (page, per_page) = paging(page, per_page)?;
        let (rows, total) =
            store::sent_letters(&self.db, &actor.office_id, &actor.cleared_levels(), page, per_page).await?;
        past_the_count(page, per_page, total)?;
        let items = rows.into_iter().map(sent_item).collect::<Result<Vec<_>, RoutingError>>()?;
        // Numbered pages stop where the count stops.
        let more = page.saturating_mul(per_page) < total.n;
        Ok(Page { items, total: total.n, total_exact: total.exact, page, per_page, more, after: None })
    }

    /// Letters of every office whose subject or number contains `text`, newest first: the
    /// auditor's search. Only letters the auditor is cleared for are found.
    pub async fn search_letters(
        &self,
        actor: &Actor,
        text: Option<&str>,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Page<FoundLetter>, RoutingError> {
        actor.require(Permission::ReadAllOffices)?;
        let (page, per_page) = paging(page, per_page)?;
        let text = search_text(text)?;
        let found = store::search_letters(&self.db, text.as_deref(), &actor.cleared_levels(), page, per_page).await?;
        past_the_count(page, per_page, found.total)?;
        let (rows, total, more) = (found.rows, found.total, found.older);
        let offices = self.offices_named(rows.iter().map(|l| l.office_id.as_str())).await?;
        let items = rows
            .into_iter()
            .map(|l| {
                let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
                Ok(FoundLetter { from, letter: sent_item(l)? })
            })
            .collect::<Result<Vec<_>, RoutingError>>()?;
        Ok(Page { items, total: total.n, total_exact: total.exact, page, per_page, more, after: None })
    }
}
