//! The `users` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{Notify, Roles, Secrecy};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    #[sea_orm(unique)]
    pub username: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub password_hash: String,
    /// Stored as comma-separated role names, e.g. `clerk,office_admin`.
    pub roles: Stored<Roles>,
    pub clearance: Stored<Secrecy>,
    pub active: bool,
    /// How urgent and normal letters are announced to this person.
    pub notify: Stored<Notify>,
    pub created_at: DateTimeUtc,
    /// The directory DN of a person who signs in through the ministry's directory (their
    /// `password_hash` is then no usable hash); `None` for a local account.
    pub directory_dn: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::office::Entity", from = "Column::OfficeId", to = "super::office::Column::Id")]
    Office,
}

impl ActiveModelBehavior for ActiveModel {}
