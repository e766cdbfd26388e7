//! Sessions: what a person holds between signing in and signing out. Signing in (the password check
//! and its throttle are `sign_in`) opens a session under a random token; only the token's SHA-256 is
//! stored, so a copy of the database opens no sessions. Every request resolves its token here to an
//! [`Actor`] built from the stored person and office, the one place that turns rows into an actor.
//! A person's own settings (how new letters are announced) are changed here too.

use crate::{Actor, Correspondence, MeView, OfficeRef, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sarabun_domain::OfficeCode;
use sarabun_registry::directory;
use sarabun_registry::entity::{office, user};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// A person resolved from a session: the actor and the office they act for (pages show its name).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub office: OfficeRef,
}

impl SignedIn {
    /// The person as `GET /me` shows them.
    pub fn me(&self) -> MeView {
        MeView {
            username: self.actor.username.clone(),
            full_name: self.actor.full_name.clone(),
            office: self.office.clone(),
            roles: self.actor.roles.clone(),
            clearance: self.actor.clearance,
        }
    }
}

/// A session just opened.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    /// The secret token, given to the client once; only its digest is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub signed_in: SignedIn,
}

/// A fresh random token: 32 bytes, base64url (sessions, and the sign-in form's double-submit nonce).
pub fn new_token() -> Result<String, RoutingError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RoutingError::Internal(format!("random token: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a session token.
fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The actor and office of a stored person, or `None` when their office is gone.
fn signed_in(user: &user::Model, office: Option<office::Model>) -> Result<Option<SignedIn>, RoutingError> {
    let Some(office) = office else { return Ok(None) };
    let actor = Actor::person(
        user.id.clone(),
        user.username.clone(),
        user.full_name.clone(),
        office.id.clone(),
        OfficeCode::parse(&office.code).map_err(|e| RoutingError::Internal(format!("office {}: {e}", office.id)))?,
        directory::roles_of(user)?,
        directory::clearance_of(user)?,
    );
    Ok(Some(SignedIn {
        actor,
        office: OfficeRef { code: office.code, name_th: office.name_th, name_en: office.name_en },
    }))
}

impl Correspondence {
    /// Signs a person in (see `sign_in` for the throttle and the errors) and opens a session lasting
    /// `lifetime`.
    pub async fn open_session(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
        lifetime: Duration,
    ) -> Result<OpenedSession, RoutingError> {
        let user = self.sign_in(username, password, address).await?;
        let office = directory::office_by_id(&self.db, &user.office_id).await?;
        let signed_in = signed_in(&user, office)?.ok_or(RoutingError::NoSession)?;
        let token = new_token()?;
        let now = self.clock.now();
        let expires_at = now + lifetime;
        directory::insert_session(&self.db, token_digest(&token), &user.id, now, expires_at).await?;
        tracing::info!(user = %user.username, "signed in");
        Ok(OpenedSession { token, expires_at, signed_in })
    }

    /// The person holding the session `token`; [`RoutingError::NoSession`] when it is unknown or
    /// expired, or its person is inactive or their office gone.
    pub async fn session(&self, token: &str) -> Result<SignedIn, RoutingError> {
        let now = self.clock.now();
        let (user, office) =
            directory::session_person(&self.db, &token_digest(token), now).await?.ok_or(RoutingError::NoSession)?;
        signed_in(&user, Some(office))?.ok_or(RoutingError::NoSession)
    }

    /// Ends the session `token` (nothing happens when it is unknown).
    pub async fn close_session(&self, actor: &Actor, token: &str) -> Result<(), RoutingError> {
        directory::delete_session(&self.db, &token_digest(token)).await?;
        tracing::info!(user = %actor.username, "signed out");
        Ok(())
    }

    /// The signed-in person as `GET /me` shows them.
    pub async fn me(&self, actor: &Actor) -> Result<MeView, RoutingError> {
        let office = directory::office_by_id(&self.db, &actor.office_id).await?.ok_or(RoutingError::NoSession)?;
        let office = OfficeRef { code: office.code, name_th: office.name_th, name_en: office.name_en };
        Ok(SignedIn { actor: actor.clone(), office }.me())
    }

    /// Chooses whether urgent and normal letters reach `actor` in a digest (true) or at once.
    pub async fn set_digest(&self, actor: &Actor, digest: bool) -> Result<(), RoutingError> {
        directory::set_notify(&self.db, &actor.user_id, digest).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), a);
    }
}
