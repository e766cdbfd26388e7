//! Sending, receiving, rejecting and recalling letters, and reading them back: the letter path from
//! composition to a signed receipt. Every action is one transaction; the send-register and
//! receive-register numbers are taken inside it, so a failure burns no number.

use crate::views::*;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use sarabun_domain::text::{TextRule, clean};
use sarabun_domain::{
    DeliveryState, LetterKind, LetterNumber, OfficeCode, Permission, RegisterKind, RegisterNumber, Secrecy, Series,
    Subject, TransitionError, Urgency, YearBe, bangkok, thai_letter_date,
};
use sarabun_registry::blob::PutError;
use sarabun_registry::entity::{delivery, document, idempotency_key, letter, letter_document, office, register_entry};
use sarabun_registry::letters::{self as store, InboxQuery, NewLetter, ReceiptRecord};
use sarabun_registry::{directory, new_id, numbering};
use sarabun_signing::jws::{self, JwsKind};
use sarabun_signing::payload::{
    Decision, DocumentRef, DocumentRole, EnvelopePayload, LetterReference, PAYLOAD_VERSION, ReceiptPayload, wire_time,
};
use sarabun_signing::sha256_hex;
use sarabun_stamp::StampText;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// Free text that may span lines (addressee, reasons, action, remarks, the enclosures note).
const LINES: TextRule = TextRule::lines(2000);
/// One-line text: the signer's name and position, a reference's number and subject.
const LINE: TextRule = TextRule::line(500);
/// The longest file name accepted, in characters.
const MAX_FILENAME: usize = 255;
/// The most enclosures and references one letter may carry; bounds the lookups a request causes.
const MAX_ENCLOSURES: usize = 50;
const MAX_REFERENCES: usize = 50;
/// How long stamping one PDF may take before the letter is received unstamped (`stamp_error`).
const STAMP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// How often a receive stamps again after another receive took the number it stamped.
const STAMP_TRIES: u32 = 3;

/// A reference to an earlier letter, as given by the composer.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ReferenceInput {
    /// Its letter number, e.g. `กค 0302/1234`.
    pub number: String,
    /// Its date, `YYYY-MM-DD`.
    pub date: chrono::NaiveDate,
    pub subject: Option<String>,
}

/// A letter to compose and send.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Compose {
    pub kind: LetterKind,
    #[serde(default = "normal_series")]
    pub series: Series,
    pub subject: String,
    /// เรียน: to whom the letter is addressed, e.g. `อธิบดีกรมบัญชีกลาง`.
    pub addressee: String,
    /// Recipient office codes, e.g. `["กค 0409", "กค 0702"]`.
    pub recipients: Vec<String>,
    #[serde(default = "normal_urgency")]
    pub urgency: Urgency,
    #[serde(default = "no_secrecy")]
    pub secrecy: Secrecy,
    pub deadline: Option<DateTime<Utc>>,
    /// SHA-256 of the uploaded body PDF.
    pub body_sha256: String,
    /// SHA-256 of uploaded enclosures, in order.
    #[serde(default)]
    pub enclosure_sha256: Vec<String>,
    /// สิ่งที่ส่งมาด้วย, as written in the letter.
    pub enclosures_note: Option<String>,
    #[serde(default)]
    pub references: Vec<ReferenceInput>,
    pub signer_name: String,
    pub signer_position: String,
    /// Years to keep the letter: 0 to keep it permanently (ห้ามทำลาย), otherwise at least 1;
    /// 10 when absent, as the Regulation sets.
    pub retention_years: Option<i32>,
}

fn normal_series() -> Series {
    Series::Normal
}
fn normal_urgency() -> Urgency {
    Urgency::Normal
}
fn no_secrecy() -> Secrecy {
    Secrecy::None
}

/// Inbox filters from the query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InboxFilter {
    pub state: Option<DeliveryState>,
    pub urgency: Option<Urgency>,
    /// Sender office code.
    pub from: Option<String>,
    /// Delivered at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Delivered before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Text to find in the subject or the letter number.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Cleans a free-text field by the one text rule ([`sarabun_domain::text::clean`]: NFC, trimmed,
/// bounded, no control or invisible format characters), naming the field when it is refused.
fn check_text(field: &'static str, value: &str, rule: TextRule) -> Result<String, RoutingError> {
    clean(value, rule).map_err(|error| RoutingError::Text { field, error })
}

/// An uploaded file's name: the text rule, at most 255 characters, and no path separators, so a name
/// shown in a list or offered for download is exactly the name and nothing else.
fn check_filename(value: &str) -> Result<String, RoutingError> {
    let name = check_text("filename", value, TextRule::line(MAX_FILENAME))?;
    // Look-alike slashes (division slash, fraction slash, fullwidth solidus and reverse solidus, big
    // solidus) would show a path where there is none.
    if name.contains(['/', '\\', '\u{2215}', '\u{2044}', '\u{FF0F}', '\u{FF3C}', '\u{29F8}', '\u{29F9}']) {
        return Err(RoutingError::Field {
            field: "filename",
            message: "must not contain / or \\ or a look-alike".into(),
        });
    }
    if name.trim_matches('.').is_empty() {
        return Err(RoutingError::Field { field: "filename", message: "must name a file, not . or ..".into() });
    }
    Ok(name)
}

/// The text to search for in subjects and numbers: the text rule, at most 200 characters (no subject
/// is longer than 500 and a search is a few words); empty means no text filter.
fn search_text(q: Option<&str>) -> Result<Option<String>, RoutingError> {
    let text = check_text("q", q.unwrap_or_default(), TextRule::line(200).optional())?;
    Ok((!text.is_empty()).then_some(text))
}

/// A value the client sent, shortened for an error message: a refusal never sends megabytes back.
fn echo(value: &str) -> String {
    const SHOWN: usize = 80;
    match value.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_owned(),
    }
}

/// The deepest page a listing serves: a million pages of the largest size is past any real inbox,
/// and keeps every offset far inside the databases' signed 64-bit range.
pub const MAX_PAGE: u64 = 1_000_000;
/// The largest page size.
pub const MAX_PER_PAGE: u64 = 200;

/// Page number (1 to [`MAX_PAGE`], 1 when not asked) and page size (1 to [`MAX_PER_PAGE`], 50 when
/// not asked) of a listing; anything else is refused rather than guessed, so that
/// `?page=18446744073709551615` is a clear 400 and never an overflow deep in the query builder.
fn paging(page: Option<u64>, per_page: Option<u64>) -> Result<(u64, u64), RoutingError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(RoutingError::InvalidQuery(format!("page must be from 1 to {MAX_PAGE}")));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(RoutingError::InvalidQuery(format!("per_page must be from 1 to {MAX_PER_PAGE}")));
    }
    Ok((page, per_page))
}

/// A letter as a line of a list.
fn sent_item(l: letter::Model) -> Result<SentItem, RoutingError> {
    Ok(SentItem {
        urgency: parse_stored(Urgency::parse(&l.urgency))?,
        secrecy: parse_stored(Secrecy::parse(&l.secrecy))?,
        letter_id: l.id,
        number: l.number,
        subject: l.subject,
        state: l.state,
        sent_at: l.sent_at,
    })
}

fn office_ref(o: &office::Model) -> OfficeRef {
    OfficeRef { code: o.code.clone(), name_th: o.name_th.clone(), name_en: o.name_en.clone() }
}

fn parse_stored<T>(value: Result<T, sarabun_domain::ParseError>) -> Result<T, RoutingError> {
    value.map_err(|e| RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(e.to_string())))
}

impl Correspondence {
    /// Stores an uploaded document for the actor's office, streaming it to the blob store. Its media
    /// type is sniffed from the bytes ([`crate::media::sniff`]); what the client declared is ignored.
    /// A stream that breaks off (a truncated body, a client that hung up) stores nothing.
    pub async fn upload(
        &self,
        actor: &Actor,
        filename: &str,
        stream: BoxStream<'_, Result<Bytes, String>>,
    ) -> Result<UploadedDocument, RoutingError> {
        actor.require(Permission::Send)?;
        let filename = check_filename(filename)?;
        let blob = self.blobs.put_stream(stream, self.limits.max_upload_bytes).await.map_err(|e| match e {
            PutError::TooLarge { limit } => RoutingError::TooLarge { limit },
            PutError::Source(cause) => RoutingError::UploadBroken(cause),
            other => RoutingError::Blob(other.to_string()),
        })?;
        let media_type = crate::media::sniff(&blob.head, &blob.tail).to_owned();
        let doc = document::Model {
            id: new_id(),
            office_id: actor.office_id.clone(),
            sha256: blob.sha256.clone(),
            size: blob.size as i64,
            media_type: media_type.clone(),
            filename: filename.clone(),
            uploaded_by: actor.user_id.clone(),
            uploaded_at: self.clock.now(),
        };
        let id = doc.id.clone();
        store::insert_document(&self.db, doc).await?;
        Ok(UploadedDocument { id, sha256: blob.sha256, filename, media_type, size: blob.size })
    }

    /// Forgets documents the actor's office uploaded in a request that then failed (a compose form
    /// whose body broke off after its first files), so a broken request leaves no uploads behind.
    pub async fn discard_uploads(&self, actor: &Actor, ids: &[String]) -> Result<(), RoutingError> {
        store::delete_documents(&self.db, &actor.office_id, ids).await?;
        Ok(())
    }

    /// Numbers, seals and sends a letter to every recipient, in one transaction. With an
    /// idempotency key, a repeat of the same request returns the letter first sent (and `true`).
    pub async fn send(
        &self,
        actor: &Actor,
        compose: Compose,
        idempotency_key: Option<&str>,
    ) -> Result<(LetterView, bool), RoutingError> {
        actor.require(Permission::Send)?;
        let request_sha256 = sha256_hex(&serde_json::to_vec(&compose).unwrap_or_default());
        if let Some(key) = idempotency_key
            && let Some(found) = store::idempotency_record(&self.db, &actor.user_id, key).await?
        {
            return self.replay(actor, found, &request_sha256).await;
        }
        if !actor.clearance.clears(compose.secrecy) {
            return Err(RoutingError::ClearanceTooLow);
        }
        let now = self.clock.now();
        let subject = Subject::parse(&compose.subject)?;
        let addressee = check_text("addressee", &compose.addressee, LINES)?;
        let signer_name = check_text("signer_name", &compose.signer_name, LINE)?;
        let signer_position = check_text("signer_position", &compose.signer_position, LINE)?;
        let enclosures_note = compose
            .enclosures_note
            .as_deref()
            .map(|n| check_text("enclosures_note", n, LINES.optional()))
            .transpose()?;
        if compose.retention_years.is_some_and(|y| !(0..=100).contains(&y)) {
            return Err(RoutingError::Field {
                field: "retention_years",
                message: "0 (keep permanently) or 1 to 100".into(),
            });
        }
        if compose.deadline.is_some_and(|deadline| deadline <= now) {
            return Err(RoutingError::Field { field: "deadline", message: "must be in the future".into() });
        }
        if compose.references.len() > MAX_REFERENCES {
            return Err(RoutingError::Field {
                field: "references",
                message: format!("at most {MAX_REFERENCES} references"),
            });
        }
        if compose.enclosure_sha256.len() > MAX_ENCLOSURES {
            return Err(RoutingError::Field {
                field: "enclosure_sha256",
                message: format!("at most {MAX_ENCLOSURES} enclosures"),
            });
        }
        let mut references = Vec::with_capacity(compose.references.len());
        for r in &compose.references {
            references.push(LetterReference {
                number: check_text("references.number", &r.number, LINE)?,
                date: r.date.to_string(),
                subject: r
                    .subject
                    .as_deref()
                    .map(|s| check_text("references.subject", s, LINE.optional()))
                    .transpose()?,
            });
        }

        // Recipients: each a known office, none twice, never the sender.
        if compose.recipients.is_empty() {
            return Err(RoutingError::NoRecipients);
        }
        if compose.recipients.len() > self.limits.max_recipients {
            return Err(RoutingError::Field {
                field: "recipients",
                message: format!("at most {} recipients", self.limits.max_recipients),
            });
        }
        let mut recipients: Vec<office::Model> = Vec::new();
        for raw in &compose.recipients {
            let code = OfficeCode::parse(raw).map_err(|_| RoutingError::UnknownRecipient(echo(raw)))?;
            let office = directory::office_by_code(&self.db, &code)
                .await?
                .ok_or_else(|| RoutingError::UnknownRecipient(code.to_string()))?;
            if office.id == actor.office_id {
                return Err(RoutingError::SelfRecipient);
            }
            if !recipients.iter().any(|o| o.id == office.id) {
                recipients.push(office);
            }
        }

        // Documents: uploaded by this office; the body a PDF.
        let body = store::office_document(&self.db, &actor.office_id, &compose.body_sha256)
            .await?
            .ok_or_else(|| RoutingError::UnknownDocument(echo(&compose.body_sha256)))?;
        if body.media_type != "application/pdf" {
            return Err(RoutingError::BodyNotPdf);
        }
        let mut documents = vec![(body, DocumentRole::Body)];
        for sha in &compose.enclosure_sha256 {
            let doc = store::office_document(&self.db, &actor.office_id, sha)
                .await?
                .ok_or_else(|| RoutingError::UnknownDocument(echo(sha)))?;
            documents.push((doc, DocumentRole::Enclosure));
        }
        let sender =
            directory::office_by_id(&self.db, &actor.office_id).await?.ok_or(RoutingError::NotFound("office"))?;

        let txn = self.db.begin().await?;
        if let Some(key) = idempotency_key {
            let claim = idempotency_key::Model {
                user_id: actor.user_id.clone(),
                key: key.to_owned(),
                request_sha256: request_sha256.clone(),
                letter_id: String::new(),
                created_at: now,
            };
            if let Err(e) = store::claim_idempotency_key(&txn, claim).await {
                txn.rollback().await?;
                if e.is_unique_violation() {
                    // Another request with this key won the race; answer as it did.
                    let found = store::idempotency_record(&self.db, &actor.user_id, key)
                        .await?
                        .ok_or(RoutingError::NotFound("idempotency record"))?;
                    return self.replay(actor, found, &request_sha256).await;
                }
                return Err(e.into());
            }
        }
        let year = YearBe::of(now);
        let number = numbering::take_next(&txn, &actor.office_id, RegisterKind::Send, compose.series, year).await?;
        let letter_number =
            LetterNumber { office: actor.office_code.clone(), series: compose.series, seq: number.seq.get() };
        let letter_id = new_id();
        let letter_date = now.with_timezone(&bangkok()).date_naive().to_string();
        let doc_refs: Vec<DocumentRef> = documents
            .iter()
            .map(|(d, role)| DocumentRef {
                name: d.filename.clone(),
                media_type: d.media_type.clone(),
                size: d.size as u64,
                sha256: d.sha256.clone(),
                role: *role,
            })
            .collect();
        let envelope = EnvelopePayload {
            v: PAYLOAD_VERSION,
            letter_id: letter_id.clone(),
            number: letter_number.to_string(),
            series: compose.series,
            date: letter_date.clone(),
            kind: compose.kind,
            subject: subject.as_str().to_owned(),
            urgency: compose.urgency,
            secrecy: compose.secrecy,
            from: actor.office_code.to_string(),
            to: recipients.iter().map(|o| o.code.clone()).collect(),
            references: references.clone(),
            documents: doc_refs.clone(),
            sealed_at: wire_time(now),
        };
        let key = self.keys.signing_key(&txn, &actor.office_id, now).await?;
        let sealed = jws::sign(JwsKind::Envelope, &envelope, &key)?;
        let to_text = recipients.iter().map(|o| o.name_th.as_str()).collect::<Vec<_>>().join(", ");
        let new = NewLetter {
            letter: letter::Model {
                id: letter_id.clone(),
                office_id: actor.office_id.clone(),
                kind: compose.kind.as_str().into(),
                series: compose.series.as_str().into(),
                year_be: year.get(),
                seq: i64::from(number.seq.get()),
                number: letter_number.to_string(),
                letter_date: letter_date.clone(),
                subject: subject.as_str().to_owned(),
                addressee,
                urgency: compose.urgency.as_str().into(),
                secrecy: compose.secrecy.as_str().into(),
                deadline: compose.deadline,
                signer_name,
                signer_position,
                references_json: serde_json::to_string(&references).unwrap_or_else(|_| "[]".into()),
                enclosures_note,
                envelope_sha256: sha256_hex(sealed.as_bytes()),
                envelope: sealed,
                state: "sent".into(),
                sent_by: actor.user_id.clone(),
                sent_at: now,
                recalled_at: None,
                recall_reason: None,
                retention_years: compose.retention_years.unwrap_or(10),
                legal_hold: false,
            },
            documents: doc_refs
                .iter()
                .enumerate()
                .map(|(i, d)| letter_document::Model {
                    letter_id: letter_id.clone(),
                    position: i as i32,
                    sha256: d.sha256.clone(),
                    name: d.name.clone(),
                    media_type: d.media_type.clone(),
                    size: d.size as i64,
                    role: d.role.as_str().into(),
                })
                .collect(),
            deliveries: recipients
                .iter()
                .map(|o| delivery::Model {
                    id: new_id(),
                    letter_id: letter_id.clone(),
                    recipient_office_id: o.id.clone(),
                    state: DeliveryState::Delivered.as_str().into(),
                    delivered_at: now,
                    decided_at: None,
                    decided_by: None,
                    receive_year_be: None,
                    receive_seq: None,
                    reason: None,
                    receipt: None,
                    stamped_sha256: None,
                    stamp_error: None,
                    recalled_at: None,
                    reminded_at: None,
                    escalated_at: None,
                    opened_at: None,
                    opened_by: None,
                    secrecy: compose.secrecy.as_str().into(),
                    urgency: compose.urgency.as_str().into(),
                })
                .collect(),
            register_entry: register_entry::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                register: RegisterKind::Send.as_str().into(),
                series: compose.series.as_str().into(),
                year_be: year.get(),
                seq: i64::from(number.seq.get()),
                letter_id: letter_id.clone(),
                delivery_id: None,
                recorded_at: now,
                letter_number: letter_number.to_string(),
                letter_date,
                from_text: sender.name_th.clone(),
                to_text,
                subject: subject.into_string(),
                action: None,
                remarks: None,
                cancelled: false,
            },
        };
        let sent_event = AuditEvent::by(
            actor,
            "letter.sent",
            format!("letter/{letter_id}"),
            json!({
                "number": letter_number.to_string(),
                "from": actor.office_code.to_string(),
                "envelope_sha256": new.letter.envelope_sha256,
                "deliveries": new.deliveries.iter().zip(&recipients).map(|(d, o)| json!({"delivery_id": d.id, "to": o.code})).collect::<Vec<_>>(),
                "urgency": compose.urgency.as_str(),
                "secrecy": compose.secrecy.as_str(),
            }),
        )
        .letter(&letter_id);
        store::insert_letter(&txn, new).await?;
        if let Some(key) = idempotency_key {
            store::set_idempotency_letter(&txn, &actor.user_id, key, &letter_id).await?;
        }
        store::insert_event(&txn, "letter.sent", &letter_id, None, now).await?;
        self.record(&txn, now, sent_event).await?;
        txn.commit().await?;
        self.meter.count(crate::Counted::LetterSent);
        tracing::info!(letter_id = %letter_id, number = %letter_number, recipients = recipients.len(), "letter sent");
        Ok((self.letter(actor, &letter_id).await?, false))
    }

    async fn replay(
        &self,
        actor: &Actor,
        found: idempotency_key::Model,
        request_sha256: &str,
    ) -> Result<(LetterView, bool), RoutingError> {
        if found.request_sha256 != request_sha256 {
            return Err(RoutingError::IdempotencyMismatch);
        }
        Ok((self.letter(actor, &found.letter_id).await?, true))
    }

    /// A letter as the actor may see it: the sender's office and auditors see every recipient; a
    /// recipient office sees its own delivery. Anyone not cleared for its secrecy gets `not found`.
    /// Opening a letter delivered to the actor's own office clears its unread mark for the office.
    pub async fn letter(&self, actor: &Actor, letter_id: &str) -> Result<LetterView, RoutingError> {
        let (letter, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        self.opened_letter_view(actor, letter, deliveries, full).await
    }

    /// [`Correspondence::letter`] with its trail as [`Correspondence::trail`] gives it, for the letter
    /// page: the letter is read (and a secret one's opening recorded) once.
    pub async fn letter_with_trail(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(LetterView, Vec<crate::TrailEntry>), RoutingError> {
        let (letter, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        let trail = self.entries_visible_to(actor, letter_id, &deliveries, full).await?;
        let trail = trail.iter().map(crate::audit::trail_entry).collect::<Result<Vec<_>, _>>()?;
        Ok((self.opened_letter_view(actor, letter, deliveries, full).await?, trail))
    }

    /// The view of a readable letter; opening it clears the unread mark of the actor's office.
    async fn opened_letter_view(
        &self,
        actor: &Actor,
        letter: letter::Model,
        mut deliveries: Vec<delivery::Model>,
        full: bool,
    ) -> Result<LetterView, RoutingError> {
        let now = self.clock.now();
        if actor.may(Permission::ReadOfficeLetters) {
            for d in deliveries.iter_mut().filter(|d| d.recipient_office_id == actor.office_id && d.opened_at.is_none())
            {
                if store::mark_opened(&self.db, &d.id, &actor.username, now).await? {
                    d.opened_at = Some(now);
                    d.opened_by = Some(actor.username.clone());
                }
            }
        }
        let offices = self.office_map().await?;
        let documents = store::letter_documents(&self.db, &letter.id).await?;
        let recipients = deliveries
            .iter()
            .filter(|d| full || d.recipient_office_id == actor.office_id)
            .map(|d| tracking_row(&self.due, d, &letter, &offices, now))
            .collect::<Result<Vec<_>, _>>()?;
        letter_view(letter, documents, recipients, &offices)
    }

    /// Loads a letter and its deliveries if the actor may read it; `full` when they may see every
    /// recipient (sender office or auditor).
    pub(crate) async fn readable_letter(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(letter::Model, Vec<delivery::Model>, bool), RoutingError> {
        let (letter, deliveries, full) = self.letter_access(actor, letter_id).await?;
        let secrecy = parse_stored(Secrecy::parse(&letter.secrecy))?;
        if secrecy != Secrecy::None {
            let event = AuditEvent::by(
                actor,
                "letter.secret_opened",
                format!("letter/{letter_id}"),
                json!({"secrecy": secrecy.as_str()}),
            )
            .letter(letter_id);
            self.record_alone(event).await?;
        }
        Ok((letter, deliveries, full))
    }

    /// Whether `actor` may read the letter, without recording an opening: for deciding who may see
    /// an audit entry, which is not opening the letter (recording it there would make every read
    /// of an entry append another entry, and a scan of the log would never reach its end).
    pub(crate) async fn letter_access(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(letter::Model, Vec<delivery::Model>, bool), RoutingError> {
        let letter = store::letter_by_id(&self.db, letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        let secrecy = parse_stored(Secrecy::parse(&letter.secrecy))?;
        if !actor.clearance.clears(secrecy) {
            return Err(RoutingError::NotFound("letter"));
        }
        let deliveries = store::letter_deliveries(&self.db, letter_id).await?;
        let auditor = actor.may(Permission::ReadAllOffices);
        let reader = actor.may(Permission::ReadOfficeLetters);
        let sender = reader && letter.office_id == actor.office_id;
        let recipient = reader && deliveries.iter().any(|d| d.recipient_office_id == actor.office_id);
        if !(auditor || sender || recipient) {
            return Err(RoutingError::NotFound("letter"));
        }
        Ok((letter, deliveries, auditor || sender))
    }

    /// The sealed envelope of a letter the actor may read.
    pub async fn envelope(&self, actor: &Actor, letter_id: &str) -> Result<String, RoutingError> {
        Ok(self.readable_letter(actor, letter_id).await?.0.envelope)
    }

    /// A document of a letter the actor may read, with its metadata.
    pub async fn document(
        &self,
        actor: &Actor,
        letter_id: &str,
        position: i32,
    ) -> Result<(LetterDocumentView, Bytes), RoutingError> {
        self.readable_letter(actor, letter_id).await?;
        let doc = store::letter_documents(&self.db, letter_id)
            .await?
            .into_iter()
            .find(|d| d.position == position)
            .ok_or(RoutingError::NotFound("document"))?;
        let bytes = self
            .blobs
            .read(&doc.sha256)
            .await
            .map_err(|e| RoutingError::Blob(e.to_string()))?
            .ok_or(RoutingError::NotFound("document content"))?;
        Ok((document_view(&doc)?, bytes))
    }

    /// The signed receipt or rejection of a delivery, for the sender, the recipient or an auditor.
    pub async fn receipt(&self, actor: &Actor, delivery_id: &str) -> Result<String, RoutingError> {
        let delivery = self.readable_delivery(actor, delivery_id).await?;
        delivery.receipt.ok_or(RoutingError::NotFound("receipt"))
    }

    /// A delivery the actor may see: the sender's office and auditors see every delivery of a letter
    /// they may read; a recipient office only its own.
    async fn readable_delivery(&self, actor: &Actor, delivery_id: &str) -> Result<delivery::Model, RoutingError> {
        let delivery = store::delivery_by_id(&self.db, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        let (_, _, full) = self.readable_letter(actor, &delivery.letter_id).await?;
        if !full && delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("delivery"));
        }
        Ok(delivery)
    }

    /// One page of the actor's office inbox.
    pub async fn inbox(&self, actor: &Actor, filter: InboxFilter) -> Result<Page<InboxItem>, RoutingError> {
        actor.require(Permission::ReadOfficeLetters)?;
        let offices = self.office_map().await?;
        let sender_office_id = match &filter.from {
            Some(code) => {
                let code = OfficeCode::parse(code)?;
                match offices.values().find(|o| o.code == code.as_str()) {
                    Some(o) => Some(o.id.clone()),
                    None => {
                        return Err(RoutingError::Field {
                            field: "from",
                            message: format!("no office has the code {code}"),
                        });
                    }
                }
            }
            None => None,
        };
        let (page, per_page) = paging(filter.page, filter.per_page)?;
        let query = InboxQuery {
            state: filter.state,
            urgency: filter.urgency,
            sender_office_id,
            delivered_from: filter.since,
            delivered_to: filter.until,
            text: search_text(filter.q.as_deref())?,
            cleared: actor.cleared_levels(),
            page,
            per_page,
        };
        let (rows, total) = store::inbox(&self.db, &actor.office_id, &query).await?;
        let now = self.clock.now();
        let items = rows
            .into_iter()
            .map(|(d, l)| {
                let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
                let state = parse_stored(DeliveryState::parse(&d.state))?;
                Ok(InboxItem {
                    opened: d.opened_at.is_some(),
                    receive_number: receive_number(&d),
                    overdue: self.due.is_overdue(
                        state,
                        parse_stored(Urgency::parse(&l.urgency))?,
                        l.deadline,
                        d.delivered_at,
                        now,
                    ),
                    delivery_id: d.id,
                    letter_id: l.id,
                    number: l.number,
                    subject: l.subject,
                    kind: parse_stored(LetterKind::parse(&l.kind))?,
                    urgency: parse_stored(Urgency::parse(&l.urgency))?,
                    secrecy: parse_stored(Secrecy::parse(&l.secrecy))?,
                    from,
                    letter_date: l.letter_date,
                    deadline: l.deadline,
                    state,
                    delivered_at: d.delivered_at,
                })
            })
            .collect::<Result<Vec<_>, RoutingError>>()?;
        Ok(Page { items, total, page, per_page })
    }

    /// One page of the letters the actor's office sent.
    pub async fn sent(
        &self,
        actor: &Actor,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Page<SentItem>, RoutingError> {
        actor.require(Permission::ReadOfficeLetters)?;
        let (page, per_page) = paging(page, per_page)?;
        let (rows, total) =
            store::sent_letters(&self.db, &actor.office_id, &actor.cleared_levels(), page, per_page).await?;
        let items = rows.into_iter().map(sent_item).collect::<Result<Vec<_>, RoutingError>>()?;
        Ok(Page { items, total, page, per_page })
    }

    /// Letters of every office whose subject or number contains `text`, newest first: the
    /// auditor's search. Only letters the auditor is cleared for are found.
    pub async fn search_letters(
        &self,
        actor: &Actor,
        text: Option<&str>,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Page<FoundLetter>, RoutingError> {
        actor.require(Permission::ReadAllOffices)?;
        let (page, per_page) = paging(page, per_page)?;
        let text = search_text(text)?;
        let (rows, total) =
            store::search_letters(&self.db, text.as_deref(), &actor.cleared_levels(), page, per_page).await?;
        let offices = self.office_map().await?;
        let items = rows
            .into_iter()
            .map(|l| {
                let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
                Ok(FoundLetter { from, letter: sent_item(l)? })
            })
            .collect::<Result<Vec<_>, RoutingError>>()?;
        Ok(Page { items, total, page, per_page })
    }

    /// Loads a delivery addressed to the actor's office that the actor is cleared to handle.
    async fn own_delivery(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<(delivery::Model, letter::Model), RoutingError> {
        actor.require(Permission::ReceiveOrReject)?;
        let delivery = store::delivery_by_id(conn, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        if delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("delivery"));
        }
        let letter = store::letter_by_id(conn, &delivery.letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        if !actor.clearance.clears(parse_stored(Secrecy::parse(&letter.secrecy))?) {
            return Err(RoutingError::NotFound("delivery"));
        }
        Ok((delivery, letter))
    }

    /// Registers a delivered letter: takes the next receive number, stamps the body PDF with the
    /// receiving stamp, signs the receipt and writes the receive register, in one transaction. A
    /// body that cannot be stamped (encrypted, damaged) never blocks receiving: the original is
    /// kept and the reason recorded on the delivery.
    pub async fn receive(
        &self,
        actor: &Actor,
        delivery_id: &str,
        action: Option<String>,
        remarks: Option<String>,
    ) -> Result<Decided, RoutingError> {
        let action = action.as_deref().map(|a| check_text("action", a, LINES.optional())).transpose()?;
        let remarks = remarks.as_deref().map(|r| check_text("remarks", r, LINES.optional())).transpose()?;
        let (delivery, letter) = self.own_delivery(&self.db, actor, delivery_id).await?;
        parse_stored(DeliveryState::parse(&delivery.state))?.receive()?;
        // Read the body before taking any lock.
        let body = self.body_of(&letter.id).await?;
        let offices = self.office_map().await?;
        let own_name = offices.get(&actor.office_id).map(|o| o.name_th.clone()).unwrap_or_default();
        let sender_name = offices.get(&letter.office_id).map(|o| o.name_th.clone()).unwrap_or_default();

        // Stamping is the slow part and needs the number, which is only taken inside the
        // transaction. So the PDF is stamped first with the number the register would give now,
        // holding no connection or lock (on SQLite the one connection serves every office); the
        // transaction then takes the number and keeps the stamp if it is the same. When another
        // receive took that number meanwhile, the transaction is rolled back and the stamp made
        // again; the unused stamped blob is harmless (blobs are named by content). After
        // `STAMP_TRIES` lost races the stamp is made inside the transaction, bounded all the same.
        let mut tries = 0;
        let (txn, now, number, stamped_sha256, stamp_error) = loop {
            tries += 1;
            let stamped_at = self.clock.now();
            let expected = numbering::peek_next(
                &self.db,
                &actor.office_id,
                RegisterKind::Receive,
                Series::Normal,
                YearBe::of(stamped_at),
            )
            .await?;
            let stamp = self.stamp_body(body.clone(), &own_name, expected.seq.get(), stamped_at).await?;
            let txn = self.db.begin().await?;
            let now = self.clock.now();
            if !store::decide_delivery(&txn, delivery_id, DeliveryState::Received, &actor.username, now, None).await? {
                return Err(self.lost_race(&txn, delivery_id, DeliveryState::receive).await);
            }
            let number =
                numbering::take_next(&txn, &actor.office_id, RegisterKind::Receive, Series::Normal, YearBe::of(now))
                    .await?;
            if number == expected {
                break (txn, now, number, stamp.0, stamp.1);
            }
            if tries >= STAMP_TRIES {
                let (sha, error) = self.stamp_body(body.clone(), &own_name, number.seq.get(), now).await?;
                break (txn, now, number, sha, error);
            }
            txn.rollback().await?;
            tracing::info!(delivery_id, expected = %expected, taken = %number, "receive number taken meanwhile; stamping again");
        };
        let year = number.year;
        let payload = ReceiptPayload {
            v: PAYLOAD_VERSION,
            delivery_id: delivery.id.clone(),
            letter_id: letter.id.clone(),
            envelope_sha256: letter.envelope_sha256.clone(),
            recipient: actor.office_code.to_string(),
            decision: Decision::Received,
            receive_number: Some(number.to_string()),
            stamped_sha256: stamped_sha256.clone(),
            reason: None,
            decided_at: wire_time(now),
            clerk: actor.username.clone(),
        };
        let key = self.keys.signing_key(&txn, &actor.office_id, now).await?;
        let receipt = jws::sign(JwsKind::Receipt, &payload, &key)?;
        let record = ReceiptRecord {
            receive_number: Some((year, i64::from(number.seq.get()))),
            receipt: receipt.clone(),
            stamped_sha256,
            stamp_error,
        };
        store::record_receipt(&txn, delivery_id, record).await?;
        store::insert_register_entry(
            &txn,
            register_entry::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                register: RegisterKind::Receive.as_str().into(),
                series: Series::Normal.as_str().into(),
                year_be: year.get(),
                seq: i64::from(number.seq.get()),
                letter_id: letter.id.clone(),
                delivery_id: Some(delivery.id.clone()),
                recorded_at: now,
                letter_number: letter.number.clone(),
                letter_date: letter.letter_date.clone(),
                from_text: sender_name,
                to_text: own_name,
                subject: letter.subject.clone(),
                action,
                remarks,
                cancelled: false,
            },
        )
        .await?;
        let decided = store::delivery_by_id(&txn, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        let row = tracking_row(&self.due, &decided, &letter, &offices, now)?;
        let event = AuditEvent::by(
            actor,
            "delivery.received",
            format!("delivery/{delivery_id}"),
            json!({
                "letter_id": letter.id,
                "recipient": actor.office_code.to_string(),
                "receive_number": number.to_string(),
                "receipt_sha256": sha256_hex(receipt.as_bytes()),
                "stamped_sha256": row.stamped_sha256.clone().unwrap_or_default(),
                "stamp_error": row.stamp_error.clone().unwrap_or_default(),
            }),
        )
        .letter(&letter.id)
        .delivery(delivery_id);
        store::insert_event(&txn, "delivery.received", &letter.id, Some(delivery_id), now).await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.meter.count(crate::Counted::DeliveryReceived);
        tracing::info!(delivery_id, letter_id = %letter.id, receive_number = %number, stamped = row.stamped_sha256.is_some(), "letter received");
        Ok(Decided { delivery: row, receipt })
    }

    /// The bytes of a letter's body, if the blob is present.
    async fn body_of(&self, letter_id: &str) -> Result<Option<Bytes>, RoutingError> {
        let docs = store::letter_documents(&self.db, letter_id).await?;
        let Some(body) = docs.iter().find(|d| d.role == DocumentRole::Body.as_str()) else { return Ok(None) };
        self.blobs.read(&body.sha256).await.map_err(|e| RoutingError::Blob(e.to_string()))
    }

    /// Applies the receiving stamp to `body` and stores the stamped rendition beside the original.
    /// Returns its digest, or why stamping was not possible.
    async fn stamp_body(
        &self,
        body: Option<Bytes>,
        office_name: &str,
        seq: u32,
        at: DateTime<Utc>,
    ) -> Result<(Option<String>, Option<String>), RoutingError> {
        let Some(body) = body else { return Ok((None, Some("missing: the body document is not in storage".into()))) };
        let text = StampText {
            office_name: office_name.to_owned(),
            receive_number: seq,
            received_at: at.with_timezone(&bangkok()),
        };
        let task = tokio::task::spawn_blocking(move || sarabun_stamp::stamp_pdf(&body, &text));
        // The object bound keeps hostile files cheap; the time bound is for whatever it misses.
        // A stamp that runs out of time finishes on its blocking thread and is thrown away.
        let Ok(stamped) = tokio::time::timeout(STAMP_TIME_LIMIT, task).await else {
            tracing::warn!(limit_s = STAMP_TIME_LIMIT.as_secs(), "stamping took too long; body kept unstamped");
            return Ok((None, Some(format!("timeout: stamping took longer than {} s", STAMP_TIME_LIMIT.as_secs()))));
        };
        let stamped = stamped.map_err(|e| RoutingError::Blob(format!("stamping task failed: {e}")))?;
        match stamped {
            Ok(bytes) => {
                let blob =
                    self.blobs.put_bytes(Bytes::from(bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
                Ok((Some(blob.sha256), None))
            }
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "body kept unstamped");
                Ok((None, Some(format!("{}: {e}", e.code()))))
            }
        }
    }

    /// The stamped body of a received delivery, for its recipient, the sender or an auditor.
    pub async fn stamped_body(&self, actor: &Actor, delivery_id: &str) -> Result<(String, Bytes), RoutingError> {
        let delivery = self.readable_delivery(actor, delivery_id).await?;
        let sha = delivery.stamped_sha256.ok_or(RoutingError::NotFound("stamped document"))?;
        let bytes = self
            .blobs
            .read(&sha)
            .await
            .map_err(|e| RoutingError::Blob(e.to_string()))?
            .ok_or(RoutingError::NotFound("stamped document content"))?;
        Ok((sha, bytes))
    }

    /// Refuses a delivered letter as not for this office, with a reason, and signs the rejection.
    pub async fn reject(&self, actor: &Actor, delivery_id: &str, reason: &str) -> Result<Decided, RoutingError> {
        let reason = check_text("reason", reason, LINES)?;
        let txn = self.db.begin().await?;
        let (delivery, letter) = self.own_delivery(&txn, actor, delivery_id).await?;
        let now = self.clock.now();
        parse_stored(DeliveryState::parse(&delivery.state))?.reject()?;
        if !store::decide_delivery(
            &txn,
            delivery_id,
            DeliveryState::Rejected,
            &actor.username,
            now,
            Some(reason.clone()),
        )
        .await?
        {
            return Err(self.lost_race(&txn, delivery_id, DeliveryState::reject).await);
        }
        let payload = ReceiptPayload {
            v: PAYLOAD_VERSION,
            delivery_id: delivery.id.clone(),
            letter_id: letter.id.clone(),
            envelope_sha256: letter.envelope_sha256.clone(),
            recipient: actor.office_code.to_string(),
            decision: Decision::Rejected,
            receive_number: None,
            stamped_sha256: None,
            reason: Some(reason),
            decided_at: wire_time(now),
            clerk: actor.username.clone(),
        };
        let key = self.keys.signing_key(&txn, &actor.office_id, now).await?;
        let rejection = jws::sign(JwsKind::Rejection, &payload, &key)?;
        store::record_receipt(&txn, delivery_id, ReceiptRecord { receipt: rejection.clone(), ..Default::default() })
            .await?;
        let offices = self.office_map_in(&txn).await?;
        let decided = store::delivery_by_id(&txn, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        let row = tracking_row(&self.due, &decided, &letter, &offices, now)?;
        let event = AuditEvent::by(
            actor,
            "delivery.rejected",
            format!("delivery/{delivery_id}"),
            json!({
                "letter_id": letter.id,
                "recipient": actor.office_code.to_string(),
                "reason": row.reason.clone().unwrap_or_default(),
                "receipt_sha256": sha256_hex(rejection.as_bytes()),
            }),
        )
        .letter(&letter.id)
        .delivery(delivery_id);
        store::insert_event(&txn, "delivery.rejected", &letter.id, Some(delivery_id), now).await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.meter.count(crate::Counted::DeliveryRejected);
        tracing::info!(delivery_id, letter_id = %letter.id, "letter rejected");
        Ok(Decided { delivery: row, receipt: rejection })
    }

    /// After a conditional update found the delivery no longer `delivered`: explain why.
    async fn lost_race(
        &self,
        conn: &impl ConnectionTrait,
        delivery_id: &str,
        attempt: fn(DeliveryState) -> Result<DeliveryState, TransitionError>,
    ) -> RoutingError {
        match store::delivery_by_id(conn, delivery_id).await {
            Ok(Some(d)) => match DeliveryState::parse(&d.state).map(attempt) {
                Ok(Err(conflict)) => RoutingError::Conflict(conflict),
                _ => RoutingError::Conflict(TransitionError::AlreadyRegistered),
            },
            Ok(None) => RoutingError::NotFound("delivery"),
            Err(e) => e.into(),
        }
    }

    /// Withdraws a letter from every recipient that has not yet handled it; refused once any
    /// recipient has received it.
    pub async fn recall(
        &self,
        actor: &Actor,
        letter_id: &str,
        reason: Option<String>,
    ) -> Result<LetterView, RoutingError> {
        actor.require(Permission::Recall)?;
        let reason = reason.as_deref().map(|r| check_text("reason", r, LINES.optional())).transpose()?;
        let letter = store::letter_by_id(&self.db, letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        if letter.office_id != actor.office_id
            || !actor.clearance.clears(parse_stored(Secrecy::parse(&letter.secrecy))?)
        {
            return Err(RoutingError::NotFound("letter"));
        }
        if letter.state == "recalled" {
            return Err(TransitionError::Recalled.into());
        }
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let received = store::recall_letter(&txn, letter_id, now, reason.clone()).await?;
        if received > 0 {
            txn.rollback().await?;
            return Err(TransitionError::AlreadyReceived.into());
        }
        let event = AuditEvent::by(
            actor,
            "letter.recalled",
            format!("letter/{letter_id}"),
            json!({"reason": reason.unwrap_or_default()}),
        )
        .letter(letter_id);
        store::insert_event(&txn, "letter.recalled", letter_id, None, now).await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.meter.count(crate::Counted::LetterRecalled);
        tracing::info!(letter_id, "letter recalled");
        self.letter(actor, letter_id).await
    }

    pub(crate) async fn office_map(&self) -> Result<HashMap<String, office::Model>, RoutingError> {
        self.office_map_in(&self.db).await
    }

    async fn office_map_in(&self, conn: &impl ConnectionTrait) -> Result<HashMap<String, office::Model>, RoutingError> {
        Ok(directory::offices(conn).await?.into_iter().map(|o| (o.id.clone(), o)).collect())
    }
}

fn receive_number(d: &delivery::Model) -> Option<String> {
    let year = YearBe::new(d.receive_year_be?)?;
    RegisterNumber::new(year, d.receive_seq?).map(|n| n.to_string())
}

fn tracking_row(
    due: &sarabun_domain::DueRule,
    d: &delivery::Model,
    letter: &letter::Model,
    offices: &HashMap<String, office::Model>,
    now: DateTime<Utc>,
) -> Result<TrackingRow, RoutingError> {
    let state = parse_stored(DeliveryState::parse(&d.state))?;
    let office = offices.get(&d.recipient_office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
    Ok(TrackingRow {
        delivery_id: d.id.clone(),
        office,
        state,
        delivered_at: d.delivered_at,
        decided_at: d.decided_at,
        decided_by: d.decided_by.clone(),
        receive_number: receive_number(d),
        reason: d.reason.clone(),
        recalled_at: d.recalled_at,
        overdue: due.is_overdue(
            state,
            parse_stored(Urgency::parse(&letter.urgency))?,
            letter.deadline,
            d.delivered_at,
            now,
        ),
        has_receipt: d.receipt.is_some(),
        stamped_sha256: d.stamped_sha256.clone(),
        stamp_error: d.stamp_error.clone(),
        opened_at: d.opened_at,
    })
}

fn document_view(d: &letter_document::Model) -> Result<LetterDocumentView, RoutingError> {
    let role = match d.role.as_str() {
        "body" => DocumentRole::Body,
        "enclosure" => DocumentRole::Enclosure,
        other => return Err(RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(format!("role {other}")))),
    };
    Ok(LetterDocumentView {
        position: d.position,
        name: d.name.clone(),
        media_type: d.media_type.clone(),
        size: d.size as u64,
        sha256: d.sha256.clone(),
        role,
    })
}

fn letter_view(
    l: letter::Model,
    documents: Vec<letter_document::Model>,
    recipients: Vec<TrackingRow>,
    offices: &HashMap<String, office::Model>,
) -> Result<LetterView, RoutingError> {
    let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
    let letter_date_th = thai_letter_date(&l.letter_date);
    Ok(LetterView {
        id: l.id,
        number: l.number,
        series: parse_stored(Series::parse(&l.series))?,
        kind: parse_stored(LetterKind::parse(&l.kind))?,
        subject: l.subject,
        addressee: l.addressee,
        urgency: parse_stored(Urgency::parse(&l.urgency))?,
        secrecy: parse_stored(Secrecy::parse(&l.secrecy))?,
        letter_date: l.letter_date,
        letter_date_th,
        deadline: l.deadline,
        from,
        signer_name: l.signer_name,
        signer_position: l.signer_position,
        references: serde_json::from_str(&l.references_json).unwrap_or_default(),
        enclosures_note: l.enclosures_note,
        documents: documents.iter().map(document_view).collect::<Result<_, _>>()?,
        envelope_sha256: l.envelope_sha256,
        state: l.state,
        sent_at: l.sent_at,
        recalled_at: l.recalled_at,
        recall_reason: l.recall_reason,
        recipients,
    })
}
