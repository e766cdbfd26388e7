//! The `users` table.

use sea_orm::entity::prelude::*;

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
    /// Comma-separated role names, e.g. `clerk,office_admin`.
    pub roles: String,
    pub clearance: String,
    pub active: bool,
    /// `immediate` or `digest`: how urgent and normal letters are announced to this person.
    pub notify: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::office::Entity", from = "Column::OfficeId", to = "super::office::Column::Id")]
    Office,
}

impl ActiveModelBehavior for ActiveModel {}
