//! Signing keys: the node's certificate authority (made once, its key sealed with the master key,
//! its root published at [`CA_PEM_PATH`] as the JWK Set is), and each signer's own key — made when
//! they set their signing PIN (or imported from an external CA's PKCS#12 file), certified by the
//! node's CA, and stored only sealed under a key derived from the PIN with argon2id. Neither an
//! administrator nor the node can sign in someone's name: without the PIN the key stays sealed.
//! Setting or replacing a PIN needs the sign-in password again, so a stolen session cannot. A wrong
//! PIN is counted and throttled as a wrong password is (`sign_in`), on a counter of its own.

use crate::sign_in::{count_failure, seconds_left};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{EventKind, Permission};
use sarabun_pades::x509_cert::Certificate;
use sarabun_pades::x509_cert::der::{DecodePem, Encode, EncodePem, pem::LineEnding};
use sarabun_pades::{PadesError, ca, keyseal};
use sarabun_registry::entity::{node_ca, signing_key, user};
use sarabun_registry::{drafts, sign_in};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// Where the node publishes its certificate authority's root (PEM).
pub const CA_PEM_PATH: &str = "/.well-known/sarabun-ca.pem";
/// How long a signer's certificate from the node's CA is valid.
const SIGNER_YEARS: u32 = 3;
/// The key the node's CA key is sealed under, as associated data.
const CA_AAD: &str = "sarabun-node-ca";

/// A person's signing key, as they may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SigningKeyView {
    pub subject: String,
    /// SHA-256 of the certificate (DER), hex.
    pub fingerprint_sha256: String,
    /// `node_ca` or `pkcs12`.
    pub source: String,
    pub not_after: DateTime<Utc>,
    pub enrolled_at: DateTime<Utc>,
}

impl From<signing_key::Model> for SigningKeyView {
    fn from(k: signing_key::Model) -> Self {
        Self {
            subject: k.subject,
            fingerprint_sha256: k.fingerprint_sha256,
            source: k.source,
            not_after: k.not_after,
            enrolled_at: k.enrolled_at,
        }
    }
}

/// An opened signing key with its chain.
pub(crate) struct OpenKey {
    pub key: sarabun_pades::p256::ecdsa::SigningKey,
    pub chain: Vec<Certificate>,
    pub fingerprint: String,
}

fn pades(e: PadesError) -> RoutingError {
    match e {
        PadesError::WrongPin => RoutingError::WrongPin,
        other => RoutingError::Certificate(other.to_string()),
    }
}

fn pin_key(user_id: &str) -> String {
    format!("pin:{user_id}")
}

impl Correspondence {
    /// The node's certificate authority, made on first use (two nodes racing: the first one's wins).
    pub(crate) async fn node_ca(&self) -> Result<ca::NodeCa, RoutingError> {
        if let Some(row) = drafts::node_ca(&self.db).await? {
            return self.open_ca(&row);
        }
        let now = self.clock.now();
        let name = format!("Sarabun CA {}", self.audit_origin.split('/').next().unwrap_or("node"));
        let made = ca::NodeCa::generate(&name, now).map_err(pades)?;
        let key = made.key_der().map_err(pades)?;
        let row = node_ca::Model {
            id: "ca".into(),
            cert_pem: made.cert_pem().map_err(pades)?,
            sealed_key: self.keys.master().seal_bytes(CA_AAD, &key)?,
            created_at: now,
        };
        match drafts::insert_node_ca(&self.db, row).await {
            Ok(()) => {
                tracing::info!("the node's certificate authority was made");
                Ok(made)
            }
            Err(e) if e.is_unique_violation() => {
                let row = drafts::node_ca(&self.db).await?.ok_or(RoutingError::NotFound("certificate authority"))?;
                self.open_ca(&row)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn open_ca(&self, row: &node_ca::Model) -> Result<ca::NodeCa, RoutingError> {
        let key = self.keys.master().open_bytes(CA_AAD, &row.sealed_key)?;
        ca::NodeCa::from_pem(&row.cert_pem, &key).map_err(pades)
    }

    /// The node's CA root in PEM, for anyone to check signatures against.
    pub async fn ca_pem(&self) -> Result<String, RoutingError> {
        Ok(match drafts::node_ca(&self.db).await? {
            Some(row) => row.cert_pem,
            None => self.node_ca().await?.cert_pem().map_err(pades)?,
        })
    }

    /// The node's CA root, for verifying.
    pub async fn ca_roots(&self) -> Result<Vec<Certificate>, RoutingError> {
        let pem = self.ca_pem().await?;
        let root = Certificate::from_pem(pem.as_bytes()).map_err(|e| RoutingError::Certificate(e.to_string()))?;
        Ok(vec![root])
    }

    /// The actor's signing key, if they have one.
    pub async fn signing_key(&self, actor: &Actor) -> Result<Option<SigningKeyView>, RoutingError> {
        actor.require(Permission::Draft)?;
        Ok(drafts::signing_key_of(&self.db, &actor.user_id).await?.map(Into::into))
    }

    /// Sets the actor's signing PIN: a new key, certified by the node's CA, sealed under the PIN.
    /// Replaces an earlier key. Needs the actor's sign-in `password` again.
    pub async fn enrol_signing_key(
        &self,
        actor: &Actor,
        password: &str,
        pin: &str,
    ) -> Result<SigningKeyView, RoutingError> {
        let me = self.confirm_password(actor, password).await?;
        keyseal::check_pin(pin).map_err(|e| RoutingError::PinRule(e.to_string()))?;
        let office = sarabun_registry::directory::office_by_id(&self.db, &actor.office_id)
            .await?
            .ok_or(RoutingError::NotFound("office"))?;
        let authority = self.node_ca().await?;
        let key = ca::generate_key().map_err(pades)?;
        let public = sarabun_pades::p256::PublicKey::from(key.verifying_key());
        let now = self.clock.now();
        let cert = authority.issue(&me.full_name, &office.name_th, &public, now, SIGNER_YEARS).map_err(pades)?;
        let chain = vec![cert, authority.cert.clone()];
        self.store_signing_key(actor, &me, key, chain, pin, "node_ca").await
    }

    /// Imports the actor's key and certificate from an external CA's PKCS#12 file, sealed under
    /// the signing PIN. Needs the actor's sign-in `password` again.
    pub async fn import_signing_key(
        &self,
        actor: &Actor,
        password: &str,
        pkcs12: &[u8],
        pkcs12_password: &str,
        pin: &str,
    ) -> Result<SigningKeyView, RoutingError> {
        let me = self.confirm_password(actor, password).await?;
        keyseal::check_pin(pin).map_err(|e| RoutingError::PinRule(e.to_string()))?;
        if pkcs12.len() > 256 * 1024 {
            return Err(RoutingError::TooLarge { limit: 256 * 1024 });
        }
        let (bytes, given) = (pkcs12.to_vec(), pkcs12_password.to_owned());
        let (key, chain) = self
            .hashing
            .run(move || sarabun_pades::pkcs12::import(&bytes, &given))
            .await?
            .map_err(|e| RoutingError::Certificate(e.to_string()))?;
        self.store_signing_key(actor, &me, key, chain, pin, "pkcs12").await
    }

    async fn store_signing_key(
        &self,
        actor: &Actor,
        me: &user::Model,
        key: sarabun_pades::p256::ecdsa::SigningKey,
        chain: Vec<Certificate>,
        pin: &str,
        source: &str,
    ) -> Result<SigningKeyView, RoutingError> {
        let leaf = chain.first().ok_or_else(|| RoutingError::Certificate("no certificate".into()))?;
        let der = leaf.to_der().map_err(|e| RoutingError::Certificate(e.to_string()))?;
        let fingerprint = sarabun_signing::sha256_hex(&der);
        let subject = leaf.tbs_certificate().subject().to_string();
        let not_after: DateTime<Utc> = leaf.tbs_certificate().validity().not_after.to_system_time().into();
        let mut pem = String::new();
        for cert in &chain {
            pem.push_str(&cert.to_pem(LineEnding::LF).map_err(|e| RoutingError::Certificate(e.to_string()))?);
        }
        let given = pin.to_owned();
        let sealed = self.hashing.run(move || keyseal::seal(&key, &given)).await?.map_err(pades)?;
        let now = self.clock.now();
        let row = signing_key::Model {
            user_id: me.id.clone(),
            sealed_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sealed),
            chain_pem: pem,
            subject: subject.clone(),
            fingerprint_sha256: fingerprint.clone(),
            source: source.into(),
            not_after,
            enrolled_at: now,
        };
        let detail = json!({"subject": subject, "certificate_sha256": fingerprint, "source": source,
            "not_after": not_after});
        let txn = self.db.begin().await?;
        drafts::put_signing_key(&txn, row.clone()).await?;
        sign_in::clear(&txn, &pin_key(&me.id)).await?;
        let event = AuditEvent::by(actor, EventKind::SigningKeyEnrolled, format!("user/{}", me.username), detail);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        Ok(row.into())
    }

    /// The actor's own row after their sign-in password is checked again (as a sign-in: counted
    /// and throttled the same way).
    async fn confirm_password(&self, actor: &Actor, password: &str) -> Result<user::Model, RoutingError> {
        actor.require(Permission::Draft)?;
        let user = self.sign_in(&actor.username, password, None).await?;
        if user.id != actor.user_id {
            return Err(RoutingError::BadCredentials);
        }
        Ok(user)
    }

    /// Opens `me`'s signing key with `pin`, refusing while their PIN counter is locked; a wrong PIN
    /// is counted and audited.
    pub(crate) async fn open_signing_key(
        &self,
        actor: &Actor,
        me: &user::Model,
        pin: &str,
    ) -> Result<OpenKey, RoutingError> {
        let key = pin_key(&me.id);
        let now = self.clock.now();
        let rows = sign_in::rows(&self.db, std::slice::from_ref(&key)).await?;
        if let Some(until) = rows.iter().filter_map(|r| r.locked_until).filter(|l| *l > now).max() {
            return Err(RoutingError::TooManyAttempts { retry_after_secs: seconds_left(until, now) });
        }
        let row = drafts::signing_key_of(&self.db, &me.id).await?.ok_or(RoutingError::NoSigningKey)?;
        let sealed = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &row.sealed_key)
            .map_err(|_| RoutingError::Internal("a sealed signing key is not base64".into()))?;
        let given = pin.chars().take(64).collect::<String>();
        match self.hashing.run(move || keyseal::unseal(&sealed, &given)).await? {
            Ok(opened) => {
                if rows.iter().any(|r| r.failures > 0) {
                    sign_in::clear(&self.db, &key).await?;
                }
                let chain = Certificate::load_pem_chain(row.chain_pem.as_bytes())
                    .map_err(|e| RoutingError::Certificate(e.to_string()))?;
                Ok(OpenKey { key: opened, chain, fingerprint: row.fingerprint_sha256 })
            }
            Err(PadesError::WrongPin) => {
                let now = self.clock.now();
                let txn = self.db.begin().await?;
                let mut counter = sign_in::lock_row(&txn, &key, now).await?;
                let failure = count_failure(&mut counter, now, self.sign_in.account_failures, &self.sign_in);
                let detail = crate::audit::detail(json!({"failures": counter.failures,
                    "locked_until": failure.locked_until}));
                let event = AuditEvent::by(actor, EventKind::SigningPinFailed, format!("user/{}", me.username), detail);
                self.record(&txn, now, event).await?;
                sign_in::save_row(&txn, counter).await?;
                txn.commit().await?;
                tracing::warn!(user = %me.username, "wrong signing PIN");
                Err(RoutingError::WrongPin)
            }
            Err(other) => Err(pades(other)),
        }
    }
}
