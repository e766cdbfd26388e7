//! Setting up the directory: creating an office together with its first signing key, and creating
//! the people who work there with argon2-hashed passwords. Used by `sarabun demo`, the tests and the
//! administrators' API. What an administrator types is normalised here, once: names through the
//! common text rule (NFC, trimmed, no control or invisible format characters), e-mail addresses
//! parsed as addresses (so no CR/LF can reach a mail header), user names ASCII and lower-cased (so
//! `Clerk.OPS` and `clerk.ops` are one person, as the unique index on `lower(username)` insists).

use crate::{Actor, AuditEvent, Correspondence, GrantView, RoutingError};
use sarabun_domain::text::{TextRule, clean};
use sarabun_domain::{EventKind, OfficeCode, Permission, Role, Secrecy};
use sarabun_registry::entity::{office, office_key, user};
use sarabun_registry::{directory, directory::NewOffice, directory::NewUser};
use sarabun_signing::{OfficeKey, jwks::Jwk};
use sea_orm::TransactionTrait;
use serde_json::json;

/// An office to create.
#[derive(Debug, Clone)]
pub struct NewOfficeInput {
    pub code: OfficeCode,
    pub name_th: String,
    pub name_en: String,
    pub parent: Option<OfficeCode>,
    pub inbox_email: String,
}

/// A person to create, with the password in the clear (hashed here, never stored or logged).
#[derive(Clone)]
pub struct NewUserInput {
    pub office: OfficeCode,
    pub username: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub clearance: Secrecy,
    /// Whether urgent and normal letters reach this person in a digest instead of at once.
    pub digest: bool,
}

impl std::fmt::Debug for NewUserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserInput").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// The longest name of an office or a person, and of a position.
const NAME_RULE: TextRule = TextRule::line(200);

/// A user name: 1 to 64 ASCII letters, digits and `. _ - @`, stored lower-cased.
pub(crate) fn clean_username(input: &str) -> Result<String, RoutingError> {
    let name = input.trim();
    let field = |message: &str| RoutingError::Field { field: "username", message: message.into() };
    if name.is_empty() || name.len() > 64 {
        return Err(field("1 to 64 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
        return Err(field("only ASCII letters, digits and . _ - @"));
    }
    Ok(name.to_ascii_lowercase())
}

/// An e-mail address: one line, parsed by lettre (the crate that later writes it into a header).
pub(crate) fn clean_email(field: &'static str, input: &str) -> Result<String, RoutingError> {
    let text = clean(input, TextRule::line(254)).map_err(|e| RoutingError::text(field, e))?;
    text.parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|e| RoutingError::Field { field, message: format!("not an e-mail address: {e}") })
}

impl Correspondence {
    /// Creates an office and its first signing key in one transaction. `by` is the administrator
    /// who asked, who must be allowed to manage the directory (none when the node sets itself up,
    /// e.g. loading the demo directory).
    pub async fn create_office(
        &self,
        input: NewOfficeInput,
        by: Option<&Actor>,
    ) -> Result<office::Model, RoutingError> {
        if let Some(admin) = by {
            admin.require(Permission::ManageDirectory)?;
        }
        if input.code.as_str() == crate::SYSTEM_OFFICE_CODE {
            // The system actor carries this code; an office with it would pass for the node.
            return Err(RoutingError::Field { field: "code", message: "reserved for the node itself".into() });
        }
        let name_th = clean(&input.name_th, NAME_RULE).map_err(|e| RoutingError::text("name_th", e))?;
        let name_en = clean(&input.name_en, NAME_RULE).map_err(|e| RoutingError::text("name_en", e))?;
        let inbox_email = clean_email("inbox_email", &input.inbox_email)?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let parent_id = match &input.parent {
            Some(code) => {
                Some(directory::office_by_code(&txn, code).await?.ok_or(RoutingError::NotFound("parent office"))?.id)
            }
            None => None,
        };
        let office = directory::insert_office(
            &txn,
            NewOffice { code: input.code, name_th, name_en, parent_id, inbox_email },
            now,
        )
        .await?;
        let key = OfficeKey::generate()?;
        let jwk = Jwk::new(&office.code, &key.public(), now, None);
        directory::insert_key(
            &txn,
            office_key::Model {
                kid: key.kid().to_owned(),
                office_id: office.id.clone(),
                public_key: jwk.x,
                sealed_private_key: self.keys.master().seal(&key)?,
                valid_from: now,
                valid_until: None,
            },
        )
        .await?;
        let event = AuditEvent {
            actor: by.map_or("-".into(), |a| a.username.clone()),
            office: by.map_or(String::new(), |a| a.office_code.to_string()),
            action: EventKind::KeyCreated,
            subject: format!("key/{}", key.kid()),
            letter_id: None,
            delivery_id: None,
            detail: json!({"office": office.code, "name_th": office.name_th, "valid_from": sarabun_signing::payload::wire_time(now)}),
        };
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.directory_cache.forget();
        self.office_cache.forget();
        tracing::info!(office = %office.code, kid = %key.kid(), "office created");
        Ok(office)
    }

    /// Creates a person in an existing office; `by` as for [`Correspondence::create_office`]. When an
    /// admin asks for the auditor or system-admin role or a clearance, the person is created without
    /// them and the returned grant waits for another admin (see `grants`).
    pub async fn create_user(
        &self,
        input: NewUserInput,
        by: Option<&Actor>,
    ) -> Result<(user::Model, Option<GrantView>), RoutingError> {
        if let Some(admin) = by {
            admin.require(Permission::ManageDirectory)?;
        }
        let username = clean_username(&input.username)?;
        let full_name = clean(&input.full_name, NAME_RULE).map_err(|e| RoutingError::text("full_name", e))?;
        let position = clean(&input.position, NAME_RULE.optional()).map_err(|e| RoutingError::text("position", e))?;
        let email = clean_email("email", &input.email)?;
        let office =
            directory::office_by_code(&self.db, &input.office).await?.ok_or(RoutingError::NotFound("office"))?;
        let (roles, clearance, held_roles, held_clearance) = match by {
            Some(_) => crate::grants::split_privileged(&input.roles, input.clearance),
            None => (input.roles.clone(), input.clearance, Vec::new(), None),
        };
        let password_hash = self.hash_password(&input.password).await?;
        let now = self.clock.now();
        let role_names: Vec<&str> = input.roles.iter().map(|r| r.as_str()).collect();
        let event = AuditEvent {
            actor: by.map_or("-".into(), |a| a.username.clone()),
            office: by.map_or(String::new(), |a| a.office_code.to_string()),
            action: EventKind::UserCreated,
            subject: format!("user/{username}"),
            letter_id: None,
            delivery_id: None,
            detail: json!({"office": office.code, "roles": role_names, "clearance": input.clearance.as_str(),
                "given": {"roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(), "clearance": clearance.as_str()}}),
        };
        let txn = self.db.begin().await?;
        let user = directory::insert_user(
            &txn,
            NewUser {
                office_id: office.id,
                username,
                full_name,
                position,
                email,
                password_hash,
                roles,
                clearance,
                notify: if input.digest { sarabun_domain::Notify::Digest } else { sarabun_domain::Notify::Immediate },
            },
            now,
        )
        .await?;
        self.record(&txn, now, event).await?;
        let grant = match by {
            Some(admin) if !held_roles.is_empty() || held_clearance.is_some() => {
                Some(self.propose_grant(&txn, admin, &user, held_roles, held_clearance).await?)
            }
            _ => None,
        };
        txn.commit().await?;
        Ok((user, grant))
    }

    /// The public keys of every office as a JWK Set.
    pub async fn jwks(&self) -> Result<sarabun_signing::Jwks, RoutingError> {
        let keys = directory::published_keys(&self.db).await?;
        let mut jwks = sarabun_signing::Jwks::default();
        for (key, office_code) in keys {
            let jwk = Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: key.public_key,
                kid: key.kid,
                key_use: "sig".into(),
                alg: "EdDSA".into(),
                office: office_code,
                valid_from: sarabun_signing::payload::wire_time(key.valid_from),
                valid_until: key.valid_until.map(sarabun_signing::payload::wire_time),
            };
            jwks.keys.push(jwk);
        }
        Ok(jwks)
    }

    /// Every office of the directory, by code. Read from the database at most once every
    /// [`DIRECTORY_CACHE_FOR`] on this node (and at once after this node created an office), so
    /// that the pages and listings that offer every office cost a copy, not a query, with ten
    /// thousand offices.
    pub async fn offices(&self) -> Result<Vec<crate::OfficeView>, RoutingError> {
        Ok(self.directory_shared().await?.as_ref().clone())
    }

    /// [`Correspondence::offices`] shared rather than copied, for a caller that picks a few.
    pub(crate) async fn directory_shared(&self) -> Result<Directory, RoutingError> {
        if let Some(all) = self.directory_cache.fresh() {
            return Ok(all);
        }
        let all = std::sync::Arc::new(self.read_offices().await?);
        self.directory_cache.keep(all.clone());
        Ok(all)
    }

    /// One page of [`Correspondence::offices`], by code: `page` from 1, `per_page` as every
    /// listing's, with how many offices there are.
    pub async fn offices_page(
        &self,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<(Vec<crate::OfficeView>, u64), RoutingError> {
        let (page, per_page) = crate::read::paging(page, per_page)?;
        let all = self.offices().await?;
        let total = all.len() as u64;
        let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
        Ok((all.into_iter().skip(skip).take(per_page as usize).collect(), total))
    }

    async fn read_offices(&self) -> Result<Vec<crate::OfficeView>, RoutingError> {
        let all = directory::offices(&self.db).await?;
        let codes: std::collections::HashMap<&str, &str> =
            all.iter().map(|o| (o.id.as_str(), o.code.as_str())).collect();
        Ok(all
            .iter()
            .map(|o| crate::OfficeView {
                id: o.id.clone(),
                code: o.code.clone(),
                name_th: o.name_th.clone(),
                name_en: o.name_en.clone(),
                parent_code: o.parent_id.as_deref().and_then(|p| codes.get(p)).map(|c| (*c).to_owned()),
                inbox_email: o.inbox_email.clone(),
            })
            .collect())
    }
}

/// How long a node answers the whole directory from memory before reading it again. Another node's
/// new office shows after at most this long; this node's own at once.
pub const DIRECTORY_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// The whole directory, shared.
type Directory = std::sync::Arc<Vec<crate::OfficeView>>;

/// The whole directory as last read, and when.
#[derive(Debug, Clone, Default)]
pub(crate) struct DirectoryCache(std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, Directory)>>>);

impl DirectoryCache {
    fn fresh(&self) -> Option<Directory> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref().filter(|(at, _)| at.elapsed() < DIRECTORY_CACHE_FOR).map(|(_, all)| all.clone())
    }

    fn keep(&self, all: Directory) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((std::time::Instant::now(), all));
    }

    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
