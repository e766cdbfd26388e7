//! The `outside_arrivals` table: what only a letter from outside Sarabun has, keyed by its letter.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::Channel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outside_arrivals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub letter_id: String,
    pub delivery_id: String,
    pub office_id: String,
    /// The sender, from the office's address book.
    pub body_id: String,
    /// The sender's own number, as written on the letter.
    pub sender_number: String,
    /// The same, as compared (`domain::arrival::number_key`).
    pub number_key: String,
    /// The sender's date, `YYYY-MM-DD`.
    pub sender_date: String,
    pub channel: Stored<Channel>,
    /// The clerk confirmed it is another letter than one with the same sender, number and date.
    pub confirmed_different: bool,
    pub registered_by: String,
    pub registered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
