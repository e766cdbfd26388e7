//! What the web interface needs: when a recipient office first opened each delivery (the inbox's
//! unread mark, and the sender's "opened" column), and an index for the auditor's letter search.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("deliveries").add_column(timestamp_with_time_zone_null("opened_at")).to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("deliveries").add_column(string_null("opened_by")).to_owned()).await?;
        m.create_index(Index::create().name("ix_letters_sent_at").table("letters").col("sent_at").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_letters_sent_at").table("letters").to_owned()).await?;
        for column in ["opened_by", "opened_at"] {
            m.alter_table(Table::alter().table("deliveries").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
