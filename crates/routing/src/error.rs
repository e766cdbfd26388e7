//! Why an action failed, in terms the HTTP layer can map to a status and a stable code. Storage
//! failures that an edge must tell apart (a duplicate, a lost race) become variants of their own here,
//! so no edge needs to know the registry's error type.

use sarabun_domain::{ParseError, TextError, TransitionError};
use sarabun_registry::{ReadError, RegistryError};
use sarabun_signing::SigningError;

/// Errors of the delivery engine.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// The thing does not exist or the asker may not know that it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed for your role")]
    Forbidden,
    #[error("the letter's secrecy is above your clearance")]
    ClearanceTooLow,
    #[error("invalid input: {0}")]
    Invalid(#[from] ParseError),
    /// A query parameter (a page number, a page size) outside what the listing serves.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("{field}: {message}")]
    Field { field: &'static str, message: String },
    /// A free-text field refused by the text rule (`sarabun_domain::text`).
    #[error("{field}: {error}")]
    Text { field: &'static str, error: TextError },
    /// The upload's body broke off or was malformed before the file ended (a truncated body, a
    /// client that hung up); nothing was stored.
    #[error("the upload broke off: {0}")]
    UploadBroken(String),
    #[error("no recipient office with code {0}")]
    UnknownRecipient(String),
    #[error("a letter needs at least one recipient")]
    NoRecipients,
    #[error("the sending office cannot be a recipient")]
    SelfRecipient,
    #[error("document {0} was not uploaded by your office")]
    UnknownDocument(String),
    #[error("the body must be a PDF file")]
    BodyNotPdf,
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyMismatch,
    #[error(transparent)]
    Conflict(#[from] TransitionError),
    /// The office or person to create already exists.
    #[error("{what} {key:?} already exists")]
    Duplicate { what: &'static str, key: String },
    /// Another request changed the same row at the same moment (a unique key taken meanwhile).
    #[error("changed concurrently: {0}")]
    ChangedMeanwhile(RegistryError),
    #[error("storage: {0}")]
    Registry(RegistryError),
    #[error("signing: {0}")]
    Signing(#[from] SigningError),
    #[error("blob store: {0}")]
    Blob(String),
    /// A document the database knows is missing from the blob store or no longer matches its
    /// digest (only `ReadError::Missing` and `ReadError::Damaged`): damage to tell the operator of.
    #[error(transparent)]
    DocumentDamaged(ReadError),
    /// Wrong user name or password, or an inactive account (which is not told apart).
    #[error("wrong user name or password")]
    BadCredentials,
    /// No session, an expired one, or one whose person or office is gone.
    #[error("no valid session")]
    NoSession,
    /// Too many failed sign-ins for the account or from the address; refused before any password
    /// is checked.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Every password-hashing slot stayed taken for the whole wait.
    #[error("too busy checking passwords; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Directory sign-in is on and the directory could not be reached or did not answer; a directory
    /// account is never signed in with a local password instead.
    #[error("the directory is unavailable")]
    DirectoryUnavailable,
    /// The directory accepted the password but none of the person's groups maps to a role.
    #[error("no directory group of yours gives a role in Sarabun")]
    DirectoryNoRole,
    /// The directory accepted the password but names an office (code) the node does not have.
    #[error("the directory's office code {0:?} is no office of this node")]
    DirectoryUnknownOffice(String),
    /// A system admin tried to approve a grant they proposed themselves.
    #[error("a grant must be approved by another system admin than the one who proposed it")]
    OwnProposal,
    /// The grant was already approved or refused.
    #[error("the grant was already decided")]
    GrantDecided,
    /// The route's table does not let this person take this step now (`route::may_take`).
    #[error(transparent)]
    StepRefused(sarabun_domain::StepRefusal),
    /// A route step on a delivery the office has not received (or has rejected).
    #[error("the letter has not been received by your office, so it cannot be routed")]
    NotReceived,
    /// Another step moved the matter while this one was being written, three times over.
    #[error("the matter changed while your step was being written; look at it again")]
    RouteChanged,
    /// A matter cannot be given to someone not cleared for its secrecy.
    #[error("{0} is not cleared for this letter's secrecy")]
    TargetNotCleared(String),
    /// The minute could not be written onto the letter's PDF.
    #[error("the minute could not be written on the letter: {0}")]
    MinuteFailed(String),
    /// A register operation the rules refuse (`domain::register_ops`).
    #[error(transparent)]
    RegisterOp(sarabun_domain::RegisterOpRefusal),
    /// A series the office does not keep, or that does not fit the letter's kind or the register.
    #[error(transparent)]
    Series(sarabun_domain::SeriesRefusal),
    /// A letter from outside, or a bulk receive, the rules refuse (`domain::arrival`).
    #[error(transparent)]
    Arrival(sarabun_domain::ArrivalRefusal),
    /// An outside recipient, or an action on its delivery, the rules refuse (`domain::outside_send`).
    #[error(transparent)]
    OutsideSend(sarabun_domain::OutsideSendRefusal),
    /// The draft chain's table does not let this person take this step now (`draft::may_act`).
    #[error(transparent)]
    DraftRefused(sarabun_domain::DraftRefusal),
    /// The chain of reviewers and signer cannot be used (`draft::check_chain`).
    #[error(transparent)]
    Chain(sarabun_domain::draft::ChainError),
    /// A person named on a chain is not of the drafter's office (or not active, or cannot draft).
    #[error("{0} is not a person of your office who can check or sign drafts")]
    NotOfOffice(String),
    /// The chain's signer holds no position that may sign this kind of letter (`draft::may_sign`).
    #[error("{0} may not sign this kind of letter for the office")]
    MayNotSign(String),
    /// Another step moved the draft while this one was being written.
    #[error("the draft changed while your step was being written; look at it again")]
    DraftChanged,
    /// A draft file that is neither a PDF nor a DOCX/ODT document.
    #[error("a draft must be a PDF, DOCX or ODT file")]
    DraftFormat,
    /// LibreOffice could not turn the document into a PDF.
    #[error("the document could not be converted to PDF: {0}")]
    ConversionFailed(String),
    /// LibreOffice is not installed on this node (or did not start).
    #[error("converting DOCX/ODT to PDF is not available on this node")]
    ConversionUnavailable,
    /// The signer has no signing key yet (they set a signing PIN first).
    #[error("you have no signing key yet; set your signing PIN first")]
    NoSigningKey,
    /// A wrong signing PIN; counted and throttled like sign-in.
    #[error("wrong signing PIN")]
    WrongPin,
    /// A signing PIN refused by its rule (length, too simple).
    #[error("signing PIN: {0}")]
    PinRule(String),
    /// A certificate or key to import could not be used.
    #[error("the certificate could not be used: {0}")]
    Certificate(String),
    /// The PDF could not be signed or numbered.
    #[error("the PDF could not be signed: {0}")]
    PdfSignature(String),
    /// A request from a node whose key is not pinned in `[federation] peers`: nothing is taken.
    #[error("node {0} is not a pinned peer")]
    PeerNotPinned(String),
    /// A request from a pinned peer whose HTTP signature, digest or date does not verify.
    #[error("the peer's request signature does not verify: {0}")]
    PeerSignature(String),
    /// A pinned peer whose signed description could not be fetched or verified yet.
    #[error("the description of peer {0} is not known yet")]
    PeerUnknown(String),
    /// A witness refused a peer's checkpoint (C2SP tlog-witness).
    #[error(transparent)]
    Witness(#[from] crate::federation::WitnessRefusal),
    /// An operator asked to retry or cancel a message to a peer that is past that: answered,
    /// refused, or already cancelled (its state is named).
    #[error("the message is {0}, so it can no longer be retried or cancelled")]
    MessageSettled(sarabun_domain::OutboundState),
    /// A failure inside the node that is nobody's input (e.g. a hashing thread that died).
    #[error("internal: {0}")]
    Internal(String),
}

impl RoutingError {
    /// A field refused by the common text rule.
    pub fn text(field: &'static str, e: sarabun_domain::TextError) -> Self {
        Self::Field { field, message: e.to_string() }
    }
}

impl From<RegistryError> for RoutingError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Duplicate { what, key } => Self::Duplicate { what, key },
            e if e.is_unique_violation() => Self::ChangedMeanwhile(e),
            e => Self::Registry(e),
        }
    }
}

impl From<ReadError> for RoutingError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Store(message) => Self::Blob(message),
            damage => Self::DocumentDamaged(damage),
        }
    }
}

impl From<sea_orm::DbErr> for RoutingError {
    fn from(e: sea_orm::DbErr) -> Self {
        RegistryError::Db(e).into()
    }
}

impl From<sarabun_domain::SeriesRefusal> for RoutingError {
    fn from(refusal: sarabun_domain::SeriesRefusal) -> Self {
        RoutingError::Series(refusal)
    }
}
