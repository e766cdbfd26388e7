//! Signing in and granting: the counters that throttle password guessing (one row per account and
//! per client address, in the database so that every node behind one PostgreSQL sees the same
//! counts), the two-person grants of the auditor and system-admin roles and of clearances, and user
//! names unique without regard to ASCII case.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sign_in_throttle")
                // `account:<lower-cased user name>` or `address:<ip>`.
                .col(string("key").primary_key())
                .col(integer("failures"))
                .col(timestamp_with_time_zone("window_start"))
                .col(timestamp_with_time_zone("last_failure_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                // How many of `failures` an audit entry already reports.
                .col(integer("reported"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("pending_grants")
                .col(string("id").primary_key())
                .col(string("user_id"))
                .col(string("username"))
                // Comma-separated role names to add; empty when only the clearance is granted.
                .col(string("roles"))
                .col(string_null("clearance"))
                .col(string("proposed_by"))
                .col(timestamp_with_time_zone("proposed_at"))
                // `pending`, `approved` or `refused`.
                .col(string("state"))
                .col(string_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_pending_grants_state").table("pending_grants").col("state").col("id").to_owned(),
        )
        .await?;

        // `lower()` folds ASCII alike on SQLite and PostgreSQL, and user names are ASCII.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX ux_users_username_lower ON users (lower(username))")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DROP INDEX ux_users_username_lower").await?;
        m.drop_table(Table::drop().table("pending_grants").to_owned()).await?;
        m.drop_table(Table::drop().table("sign_in_throttle").to_owned()).await?;
        Ok(())
    }
}
