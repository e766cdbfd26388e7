//! The `register_reservations` table: send-register numbers reserved for letters issued on paper.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{RegisterKind, ReservationState, Series};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_reservations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub register: Stored<RegisterKind>,
    pub series: Stored<Series>,
    pub year_be: i32,
    pub seq: i64,
    pub state: Stored<ReservationState>,
    pub note: String,
    pub reserved_by: String,
    pub reserved_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub letter_number: Option<String>,
    pub letter_date: Option<String>,
    pub to_text: Option<String>,
    pub subject: Option<String>,
    pub filled_by: Option<String>,
    pub filled_at: Option<DateTimeUtc>,
    pub cancelled_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
