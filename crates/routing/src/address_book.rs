//! The address book of outside bodies an office keeps (ทะเบียนรายชื่อหน่วยงานภายนอก): the
//! organisations and people outside Sarabun it hears from and writes to, each with a name and, when
//! known, an e-mail and a postal address. Clerks add and correct entries (each change is an audit
//! entry of the office) and the arrival form suggests entries as one types: names beginning with
//! what was typed first, then names containing it, a bounded handful. An office sees only its own
//! book.

use crate::compose::{LINES, check_text};
use crate::directory::clean_email;
use crate::schema;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::arrival::{MAX_SUGGESTIONS, name_key};
use sarabun_domain::{BodyKind, EventKind, Permission, TextRule};
use sarabun_registry::entity::outside_body;
use sarabun_registry::outside::{self as store, BodyChange};
use sarabun_registry::{Stored, new_id};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The longest name of a body, in characters.
pub(crate) const NAME: TextRule = TextRule::line(300);
/// The longest text one may search the book for.
const MAX_QUERY_CHARS: usize = 100;
/// How many bodies one page of the book lists at most.
pub const MAX_BOOK_PAGE: u64 = 200;

/// A body of the address book, as given by a clerk.
#[derive(Debug, Clone)]
pub struct BodyInput {
    pub kind: BodyKind,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

/// A body of an office's address book.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutsideBodyView {
    pub id: String,
    #[schema(value_type = schema::BodyKind)]
    pub kind: BodyKind,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub(crate) fn body_view(b: outside_body::Model) -> OutsideBodyView {
    OutsideBodyView {
        id: b.id,
        kind: b.kind.get(),
        name: b.name,
        email: b.email,
        postal_address: b.postal_address,
        created_at: b.created_at,
        updated_at: b.updated_at,
    }
}

/// A body's input, checked: the text rule for name and address, lettre for the e-mail.
fn checked(input: BodyInput) -> Result<BodyChange, RoutingError> {
    let name = check_text("name", &input.name, NAME)?;
    let email = input.email.as_deref().filter(|e| !e.trim().is_empty()).map(|e| clean_email("email", e)).transpose()?;
    let postal_address = input
        .postal_address
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(|a| check_text("postal_address", a, LINES))
        .transpose()?;
    Ok(BodyChange { kind: input.kind, name_key: name_key(&name), name, email, postal_address })
}

/// Whether the actor may keep the office's address book: whoever registers its arrivals.
fn may_keep(actor: &Actor) -> Result<(), RoutingError> {
    actor.require(Permission::ReceiveOrReject)
}

/// Whether the actor may read it: whoever keeps it, or reads the office's letters.
fn may_read(actor: &Actor) -> Result<(), RoutingError> {
    actor.require(Permission::ReceiveOrReject).or_else(|_| actor.require(Permission::ReadOfficeLetters))
}

fn audit_detail(id: &str, change: &BodyChange) -> serde_json::Value {
    // Canonical JSON has no null: an absent address is an empty text.
    json!({
        "body_id": id,
        "kind": change.kind.as_str(),
        "name": change.name,
        "email": change.email.clone().unwrap_or_default(),
        "postal_address": change.postal_address.clone().unwrap_or_default(),
    })
}

impl Correspondence {
    /// Adds a body to the actor's office's address book.
    pub async fn create_outside_body(&self, actor: &Actor, input: BodyInput) -> Result<OutsideBodyView, RoutingError> {
        may_keep(actor)?;
        let change = checked(input)?;
        let now = self.clock.now();
        let model = outside_body::Model {
            id: new_id(),
            office_id: actor.office_id.clone(),
            kind: Stored(change.kind),
            name: change.name.clone(),
            name_key: change.name_key.clone(),
            email: change.email.clone(),
            postal_address: change.postal_address.clone(),
            created_by: actor.username.clone(),
            created_at: now,
            updated_by: None,
            updated_at: None,
        };
        let txn = self.db.begin().await?;
        store::insert_body(&txn, model.clone()).await?;
        let event = AuditEvent::by(
            actor,
            EventKind::OutsideBodyCreated,
            format!("office/{}", actor.office_code),
            audit_detail(&model.id, &change),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        Ok(body_view(model))
    }

    /// Changes a body of the actor's office's address book; another office's is `not found`.
    pub async fn update_outside_body(
        &self,
        actor: &Actor,
        id: &str,
        input: BodyInput,
    ) -> Result<OutsideBodyView, RoutingError> {
        may_keep(actor)?;
        let change = checked(input)?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let detail = audit_detail(id, &change);
        if !store::update_body(&txn, &actor.office_id, id, change, &actor.username, now).await? {
            return Err(RoutingError::NotFound("outside body"));
        }
        let event =
            AuditEvent::by(actor, EventKind::OutsideBodyUpdated, format!("office/{}", actor.office_code), detail);
        self.record(&txn, now, event).await?;
        let body =
            store::body_of_office(&txn, &actor.office_id, id).await?.ok_or(RoutingError::NotFound("outside body"))?;
        txn.commit().await?;
        Ok(body_view(body))
    }

    /// One page of the actor's office's address book, by name.
    pub async fn outside_bodies(
        &self,
        actor: &Actor,
        page: u64,
        per_page: u64,
    ) -> Result<Vec<OutsideBodyView>, RoutingError> {
        may_read(actor)?;
        // The one paging rule of every listing (a page past `MAX_PAGE` would overflow the offset),
        // with the book's own, smaller page size.
        let (page, per_page) = crate::read::paging(Some(page), Some(per_page))?;
        if per_page > MAX_BOOK_PAGE {
            return Err(RoutingError::InvalidQuery(format!("per_page must be from 1 to {MAX_BOOK_PAGE}")));
        }
        let skip = (page - 1).saturating_mul(per_page);
        Ok(store::bodies(&self.db, &actor.office_id, skip, per_page).await?.into_iter().map(body_view).collect())
    }

    /// The bodies of the actor's office's book whose name begins with `q`, then those containing it,
    /// at most `limit` (from 1 to 20; 10 when absent). An empty `q` suggests nothing.
    pub async fn suggest_outside_bodies(
        &self,
        actor: &Actor,
        q: &str,
        limit: Option<u64>,
    ) -> Result<Vec<OutsideBodyView>, RoutingError> {
        may_read(actor)?;
        let limit = limit.unwrap_or(10);
        if !(1..=MAX_SUGGESTIONS).contains(&limit) {
            return Err(RoutingError::InvalidQuery(format!("limit from 1 to {MAX_SUGGESTIONS}")));
        }
        let q = check_text("q", q, TextRule::line(MAX_QUERY_CHARS).optional())?;
        let key = name_key(&q);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        Ok(store::suggest(&self.db, &actor.office_id, &key, limit).await?.into_iter().map(body_view).collect())
    }
}
