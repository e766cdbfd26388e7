//! People who sign in through the ministry's directory: their rows are created at their first
//! sign-in and brought up to date at each later one (office, roles, name, e-mail, position), from
//! what routing made of the directory's answer. Such a row carries the DN and a password hash that no
//! password matches, so the person can never sign in locally.

use crate::entity::user;
use crate::{RegistryError, Stored, new_id};
use chrono::{DateTime, Utc};
use sarabun_domain::{Notify, Role, Roles, Secrecy};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// The stored password hash of a directory account: not a PHC string, so verifying any password
/// against it fails (and says so in a database dump).
pub const NO_LOCAL_PASSWORD: &str = "!directory-account";

/// What the directory says a person is, as routing checked it.
#[derive(Debug, Clone)]
pub struct DirectoryAccount {
    pub dn: String,
    pub office_id: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub roles: Vec<Role>,
}

/// Creates the row of a person seen in the directory for the first time; no clearance, e-mails at
/// once, as for anyone new.
pub async fn insert(
    conn: &impl ConnectionTrait,
    username: &str,
    account: DirectoryAccount,
    at: DateTime<Utc>,
) -> Result<user::Model, RegistryError> {
    let model = user::Model {
        id: new_id(),
        office_id: account.office_id,
        username: username.to_owned(),
        full_name: account.full_name,
        position: account.position,
        email: account.email,
        password_hash: NO_LOCAL_PASSWORD.to_owned(),
        roles: Stored(Roles::new(&account.roles)),
        clearance: Stored(Secrecy::None),
        active: true,
        notify: Stored(Notify::Immediate),
        created_at: at,
        directory_dn: Some(account.dn),
    };
    user::Entity::insert(user::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// Brings a directory account's row up to date; its clearance, notification choice and whether it
/// is active are Sarabun's and stay.
pub async fn update(
    conn: &impl ConnectionTrait,
    user_id: &str,
    account: DirectoryAccount,
) -> Result<(), RegistryError> {
    let model = user::ActiveModel {
        id: Set(user_id.to_owned()),
        office_id: Set(account.office_id),
        full_name: Set(account.full_name),
        position: Set(account.position),
        email: Set(account.email),
        password_hash: Set(NO_LOCAL_PASSWORD.to_owned()),
        roles: Set(Stored(Roles::new(&account.roles))),
        directory_dn: Set(Some(account.dn)),
        ..Default::default()
    };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}
