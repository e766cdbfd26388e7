//! The `events` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::EventKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// UUIDv7: events sort by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// One of the announced kinds ([`EventKind::is_announced`]).
    pub kind: Stored<EventKind>,
    pub letter_id: String,
    pub delivery_id: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the notification worker turned it into e-mails.
    pub processed_at: Option<DateTimeUtc>,
    /// The route step a `route.*` event announces.
    pub step_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
