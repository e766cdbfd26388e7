//! The `sign_in_throttle` table: failed sign-ins counted per account and per client address.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttle")]
pub struct Model {
    /// `account:<lower-cased user name>` or `address:<ip>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Failures in the current window.
    pub failures: i32,
    pub window_start: DateTimeUtc,
    pub last_failure_at: DateTimeUtc,
    /// Sign-ins are refused, before any password is checked, until then.
    pub locked_until: Option<DateTimeUtc>,
    /// How many of `failures` an audit entry already reports.
    pub reported: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
