//! Directory sign-in: a person created or kept up to date from the ministry's LDAP directory is
//! marked by the DN they last bound as. Such a person never signs in with a local password (their
//! stored hash is not one), and a local account (no DN) is never looked up in the directory.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").add_column(string_null("directory_dn")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").drop_column("directory_dn").to_owned()).await
    }
}
