//! The `witness_logs` table: per pinned peer's audit log, the last checkpoint this node cosigned as
//! its witness, and the split-view alarm once one was found.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "witness_logs")]
pub struct Model {
    /// The log's origin.
    #[sea_orm(primary_key, auto_increment = false)]
    pub origin: String,
    /// The fingerprint of the peer whose log it is.
    pub peer: String,
    /// Size of the last cosigned checkpoint.
    pub size: i64,
    /// Its root hash, lower-case hex.
    pub root: String,
    /// The checkpoint note as presented.
    pub note: String,
    pub cosigned_at: DateTimeUtc,
    /// What was inconsistent, when a split view was found; the log is refused while it is set.
    pub alarm: Option<String>,
    pub alarm_at: Option<DateTimeUtc>,
    /// The inconsistent checkpoint presented, kept as evidence.
    pub evidence: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
