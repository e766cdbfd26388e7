//! The `letters` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{LetterKind, LetterOrigin, LetterState, Secrecy, Series, Urgency};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The sending office.
    pub office_id: String,
    pub kind: Stored<LetterKind>,
    pub series: Stored<Series>,
    pub year_be: i32,
    pub seq: i64,
    pub number: String,
    pub letter_date: String,
    pub subject: String,
    pub addressee: String,
    pub urgency: Stored<Urgency>,
    pub secrecy: Stored<Secrecy>,
    pub deadline: Option<DateTimeUtc>,
    pub signer_name: String,
    pub signer_position: String,
    pub references_json: String,
    pub enclosures_note: Option<String>,
    /// The sealed envelope, compact JWS.
    pub envelope: String,
    pub envelope_sha256: String,
    pub state: Stored<LetterState>,
    pub sent_by: String,
    pub sent_at: DateTimeUtc,
    pub recalled_at: Option<DateTimeUtc>,
    pub recall_reason: Option<String>,
    /// Years to keep; 0 means keep permanently (ห้ามทำลาย).
    pub retention_years: i32,
    /// Under a legal hold the letter is never listed for destruction.
    pub legal_hold: bool,
    /// Sent by a Sarabun office (sealed), or from outside, registered by the office in `office_id`
    /// from its scan: then `envelope` and `envelope_sha256` hold nothing, and `outside_arrivals`
    /// holds its sender.
    pub origin: Stored<LetterOrigin>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::delivery::Entity")]
    Delivery,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Delivery.def()
    }
}
