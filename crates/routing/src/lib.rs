//! The delivery engine: everything that happens to a letter between offices. `Correspondence` holds
//! the database, the blob store, the office keys and the clock, and offers the actions a clerk knows —
//! upload, send, receive, reject, recall — and the views an office needs — inbox, sent letters, one
//! letter with its tracking, the registers. Around them sit the use cases every edge goes through:
//! opening storage (`storage`), sessions (`sessions`, `sign_in`), the directory and its two-person
//! grants, administration (`admin`), readiness and the scraped gauges. Each action checks who is
//! asking, runs as one database transaction, and returns views ready to be serialised by the HTTP
//! layer; no edge touches the database itself.

mod access;
mod actor;
mod address_book;
mod admin;
mod arrival;
pub mod audit;
pub mod backup;
mod bulk_receive;
mod compose;
mod cover_sheet;
mod decide;
mod directory;
pub mod directory_sign_in;
pub mod draft;
mod error;
pub mod federation;
mod gauges;
mod grants;
pub mod jobs;
mod kept;
mod keyring;
pub mod manifest;
pub mod media;
pub mod meter;
mod notices;
mod office_cache;
mod office_lookup;
mod outside_send;
pub mod password;
mod present;
mod read;
mod readiness;
mod recall;
mod register_ops;
mod registers;
pub mod route;
mod scan;
pub mod schema;
mod send;
mod series;
mod sessions;
mod sign_in;
pub mod spreadsheet;
mod stamping;
pub mod storage;
pub mod trail;
mod views;
pub mod workbook;

pub use actor::{Actor, ActorKind, SYSTEM_OFFICE_CODE, SystemTask};
pub use address_book::{BodyInput, MAX_BOOK_PAGE, OutsideBodyView};
pub use admin::RetentionCsv;
pub use arrival::{ArrivalFile, ArrivalInput, ArrivalView};
pub use audit::{AuditEvent, LogReport, ProofView};
pub use bulk_receive::BulkReceived;
pub use compose::{Compose, OutsideRecipientInput, ReferenceInput};
pub use directory::{NewOfficeInput, NewUserInput};
pub use draft::{ChainInput, DraftFields, DraftStepInput};
pub use error::RoutingError;
pub use grants::GrantView;
pub use keyring::KeyRing;
pub use manifest::{ManifestScope, RecipientState, TrailManifest};
pub use meter::{Counted, Gauged, Meter};
pub use notices::{
    Addressee, DigestEntry, DraftAsk, DraftToTell, DueEmail, LetterToTell, NewDigestItem, NewEmail, NoticeBatch,
    NoticeDelivery, NoticeLetter, NoticeOffice, OverdueTask, PendingEvent, StepToTell, TaskToTell,
};
pub use office_lookup::{
    LIST_ALL_OFFICES_UP_TO, MAX_LOOKUP_CHARS, MAX_SENDER_OFFICES, MAX_SUGGESTIONS, RecipientChoices,
};
pub use outside_send::{EmailOutcome, OUTBOX_ACTOR, OutsideAttachments, OutsideMail, OutsideTrackingRow};
pub use read::{InboxFilter, MAX_PAGE, MAX_PER_PAGE};
pub use readiness::READINESS_CHECKS;
pub use register_ops::{FillInput, MAX_NEXT};
pub use registers::register_csv;
pub use sessions::{OpenedSession, SignedIn, new_token};
pub use sign_in::{SignInPolicy, UnlockView};
pub use spreadsheet::CsvSheet;
pub use storage::{Storage, StorageError};
pub use trail::{BUNDLE_FORMAT, BundleDocument, BundleEntry, PeerPart, ROUTED_ROLE, TrailBundle, TrailEntry};
pub use views::*;

use sarabun_domain::{Clock, DueRule};
use sarabun_registry::BlobStore;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Limits an operator sets in configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest document accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The most recipients one letter may have (a circular to every office of a ministry fits).
    pub max_recipients: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_upload_bytes: 50 * 1024 * 1024, max_recipients: 500 }
    }
}

/// The correspondence service of one node.
#[derive(Debug, Clone)]
pub struct Correspondence {
    db: DatabaseConnection,
    blobs: Arc<dyn BlobStore>,
    keys: KeyRing,
    clock: Arc<dyn Clock>,
    limits: Limits,
    /// The origin line of audit checkpoints and the log key's name, e.g. `sarabun.mof.go.th/audit`.
    audit_origin: String,
    /// The one bound on password hashing of this node.
    hashing: password::HashingGate,
    /// When failed sign-ins lock an account or an address.
    sign_in: SignInPolicy,
    /// Where committed actions are counted (off unless the edge turns it on).
    meter: Meter,
    /// When a waiting delivery is overdue (tracking, the inbox mark and reminders share it).
    due: DueRule,
    /// Signing in through the ministry's directory, when configured.
    directory_sign_in: Option<Arc<directory_sign_in::DirectorySignIn>>,
    /// LibreOffice, for drafts written as DOCX or ODT.
    converter: draft::Converter,
    /// The whole directory, kept for a moment (`Correspondence::offices`).
    directory_cache: directory::DirectoryCache,
    /// The offices requests named, kept for a moment by id (`Correspondence::offices_named`).
    office_cache: office_cache::OfficeCache,
    /// The order in which this node's receives of an office take their numbers (`stamping`).
    turns: Arc<stamping::ReceiveTurns>,
    /// The audit sequencer: integrates queued entries into the log (`audit`).
    sequencer: Arc<audit::Sequencer>,
    /// Exchange with other Sarabun nodes: the endpoint, the pinned peers, the retry schedule.
    exchange: Arc<federation::Exchange>,
    /// Rung after a commit that queued a message to a peer, so the exchange task posts it now
    /// rather than at its next look at the queue.
    outbox_bell: Arc<tokio::sync::Notify>,
}

impl Correspondence {
    /// Wires the service over opened storage.
    pub fn new(storage: Storage, keys: KeyRing, clock: Arc<dyn Clock>, limits: Limits, audit_origin: String) -> Self {
        Self {
            db: storage.db,
            blobs: storage.blobs,
            keys,
            clock,
            limits,
            audit_origin,
            hashing: password::HashingGate::default(),
            sign_in: SignInPolicy::default(),
            meter: Meter::off(),
            due: DueRule::default(),
            directory_sign_in: None,
            converter: draft::Converter::default(),
            directory_cache: directory::DirectoryCache::default(),
            office_cache: office_cache::OfficeCache::default(),
            turns: Arc::default(),
            sequencer: Arc::default(),
            exchange: Arc::default(),
            outbox_bell: Arc::default(),
        }
    }

    /// The same service exchanging letters with the peers of `exchange`.
    pub fn with_exchange(mut self, exchange: federation::Exchange) -> Self {
        self.exchange = Arc::new(exchange);
        self
    }

    /// The same service converting drafts with this LibreOffice.
    pub fn with_converter(mut self, converter: draft::Converter) -> Self {
        self.converter = converter;
        self
    }

    /// The same service with this sign-in throttle and password-hashing bound.
    pub fn with_sign_in(mut self, policy: SignInPolicy, hashing: password::HashingGate) -> Self {
        self.sign_in = policy;
        self.hashing = hashing;
        self
    }

    /// The password-hashing bound in use.
    pub fn hashing(&self) -> &password::HashingGate {
        &self.hashing
    }

    /// The same service, counting its committed actions into `meter`.
    pub fn with_meter(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
    }

    /// The same service with this rule for when waiting letters are overdue.
    pub fn with_due_rule(mut self, due: DueRule) -> Self {
        self.due = due;
        self
    }

    /// When a waiting delivery is due and overdue.
    pub fn due_rule(&self) -> &DueRule {
        &self.due
    }

    /// Where this node's metrics go (the worker and the edge record into it too).
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// The audit log's origin (checkpoint first line and log key name).
    pub fn audit_origin(&self) -> &str {
        &self.audit_origin
    }

    /// Stores bytes in the blob store (e.g. a generated list), returning their SHA-256.
    pub async fn store_bytes(&self, bytes: Vec<u8>) -> Result<String, RoutingError> {
        let blob =
            self.blobs.put_bytes(bytes::Bytes::from(bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
        Ok(blob.sha256)
    }

    /// Checks the blob store can be written and read now (the readiness probe).
    pub async fn probe_blobs(&self) -> Result<(), RoutingError> {
        self.blobs.probe().await.map_err(|e| RoutingError::Blob(e.to_string()))
    }

    /// Reads a blob by digest, its content checked.
    pub async fn read_blob(&self, sha256: &str) -> Result<bytes::Bytes, RoutingError> {
        Ok(self.blobs.read(sha256).await?)
    }

    /// The clock in use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The configured limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}
