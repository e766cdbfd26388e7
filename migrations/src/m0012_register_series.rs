//! The series an office keeps beyond normal and circular (คำสั่ง, ประกาศ, ระเบียบ, ข้อบังคับ): one
//! row per office and chosen series, with who chose it and when. Normal and circular are kept by
//! every office and have no rows. Counters and register lines need no change: they are keyed by
//! the series' name already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("office_series")
                .col(string("office_id"))
                // `order`, `announcement`, `regulation` or `rule` (domain::Series).
                .col(string("series"))
                .col(string("chosen_by"))
                .col(timestamp_with_time_zone("chosen_at"))
                .primary_key(Index::create().col("office_id").col("series"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_office_series_office")
                        .from("office_series", "office_id")
                        .to("offices", "id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("office_series").to_owned()).await
    }
}
