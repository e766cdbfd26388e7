//! The `outside_deliveries` table: a sent letter's recipients outside Sarabun, one row each.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{BodyKind, OutsideChannel, OutsideDeliveryState};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outside_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub letter_id: String,
    /// The sending office.
    pub office_id: String,
    /// The recipient's place in the letter's list of outside recipients, from 0.
    pub position: i32,
    /// The address-book entry it was picked from, if any.
    pub body_id: Option<String>,
    pub kind: Stored<BodyKind>,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub channel: Stored<OutsideChannel>,
    pub state: Stored<OutsideDeliveryState>,
    /// The relay's answer, or the clerk's reason, of a bounce or failure.
    pub reason: Option<String>,
    /// `YYYY-MM-DD`, once posted.
    pub posted_on: Option<String>,
    pub created_at: DateTimeUtc,
    pub changed_at: Option<DateTimeUtc>,
    /// The user name of the clerk (or `system:outbox`) who last moved it.
    pub changed_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
