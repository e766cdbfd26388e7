//! Registering a letter from outside Sarabun (ลงรับหนังสือภายนอก): a letter that came on paper, by
//! e-mail, by fax or from another system, registered by the receiving office's clerk from its scan.
//! The scan (one PDF, or JPEG, PNG and TIFF images made into one PDF, `scan.rs`) is checked before
//! anything is written; it then takes the office's next receive number and the receiving stamp the
//! way an ordinary receive does (stamped outside the transaction with the number the register would
//! give, stamped again if another receive took it meanwhile), and becomes a letter, a received
//! delivery and a receive-register line like any other, so the inbox lists it and the route inside
//! the office works on it unchanged. It differs in what it has not: no sending Sarabun office, no
//! sealed envelope, no receipt to send back (`LetterOrigin::Outside`); and in what it has: a sender
//! from the office's address book, the sender's own number and date, and how it came.
//!
//! The same sender, number and date registered twice in one office is refused as already registered,
//! naming the earlier receive number, unless the clerk confirms it is a different letter (audited so).
//! The check is made again inside the transaction, after the receive counter's row is locked, so two
//! clerks registering the same letter at once cannot both pass it.

use crate::address_book::{OutsideBodyView, body_view};
use crate::compose::{LINE, LINES, check_filename, check_text};
use crate::scan::{ScanPdf, scan_to_pdf};
use crate::schema;
use crate::{Actor, AuditEvent, Correspondence, RoutingError, media};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use sarabun_domain::arrival::{MAX_ENCLOSURES, check_sender_date, number_key};
use sarabun_domain::{
    ArrivalRefusal, Channel, DeliveryState, EventKind, LetterKind, LetterOrigin, LetterState, Permission, RegisterKind,
    RegisterNumber, Secrecy, Series, Subject, Urgency, YearBe, bangkok,
};
use sarabun_registry::entity::{delivery, letter, letter_document, outside_arrival, outside_body, register_entry};
use sarabun_registry::letters::{self as letters_store, NewLetter};
use sarabun_registry::outside as store;
use sarabun_registry::{Stored, new_id, numbering};
use sarabun_signing::payload::DocumentRole;
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// How often registering stamps again after another receive took the number it stamped.
const STAMP_TRIES: u32 = 3;

/// What the clerk enters for a letter from outside.
#[derive(Debug, Clone)]
pub struct ArrivalInput {
    /// The sender: a body of the office's address book.
    pub sender_id: String,
    /// The number the sender wrote on the letter.
    pub sender_number: String,
    /// The date the sender wrote on the letter, `YYYY-MM-DD`.
    pub sender_date: String,
    pub subject: String,
    pub kind: LetterKind,
    pub urgency: Urgency,
    pub secrecy: Secrecy,
    pub channel: Channel,
    pub enclosures_note: Option<String>,
    /// The receive register's action and remarks columns.
    pub action: Option<String>,
    pub remarks: Option<String>,
    /// The clerk confirms this is another letter than one already registered with the same sender,
    /// number and date.
    pub confirm_different: bool,
}

/// A file sent with an arrival: a page of the scan, or an enclosure.
#[derive(Debug, Clone)]
pub struct ArrivalFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A registered letter from outside.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrivalView {
    pub letter_id: String,
    /// The received delivery: the inbox line and the matter the route works on.
    pub delivery_id: String,
    /// `{seq}/{year B.E.}`.
    pub receive_number: String,
    pub sender: OutsideBodyView,
    pub sender_number: String,
    pub sender_date: String,
    #[schema(value_type = schema::Channel)]
    pub channel: Channel,
    pub subject: String,
    /// SHA-256 of the scan as one PDF, before the stamp.
    pub scan_sha256: String,
    /// Pages made from images; absent when a PDF was sent.
    pub pages_from_images: Option<usize>,
    /// SHA-256 of the stamped PDF, when it could be stamped.
    pub stamped_sha256: Option<String>,
    /// Why the scan could not be stamped; the letter was registered all the same.
    pub stamp_error: Option<String>,
    /// The clerk confirmed it differs from the earlier letter with the same sender, number and date.
    pub confirmed_different: bool,
    pub registered_at: DateTime<Utc>,
}

impl From<ArrivalRefusal> for RoutingError {
    fn from(refusal: ArrivalRefusal) -> Self {
        RoutingError::Arrival(refusal)
    }
}

/// The input checked: every text by the text rule, the date by the domain.
struct Checked {
    subject: Subject,
    sender_number: String,
    number_key: String,
    sender_date: String,
    enclosures_note: Option<String>,
    action: Option<String>,
    remarks: Option<String>,
}

fn check_input(input: &ArrivalInput, today: NaiveDate) -> Result<Checked, RoutingError> {
    let subject = Subject::parse(&input.subject)?;
    let sender_number = check_text("sender_number", &input.sender_number, LINE)?;
    let date = NaiveDate::parse_from_str(input.sender_date.trim(), "%Y-%m-%d")
        .map_err(|_| RoutingError::Field { field: "sender_date", message: "must be a date YYYY-MM-DD".into() })?;
    check_sender_date(date, today)?;
    let optional = |field: &'static str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| check_text(field, v, LINES.optional()))
            .transpose()
            .map(|v| v.filter(|v| !v.is_empty()))
    };
    Ok(Checked {
        subject,
        number_key: number_key(&sender_number),
        sender_number,
        sender_date: date.format("%Y-%m-%d").to_string(),
        enclosures_note: optional("enclosures_note", &input.enclosures_note)?,
        action: optional("action", &input.action)?,
        remarks: optional("remarks", &input.remarks)?,
    })
}

/// An enclosure checked and stored: its name, digest, sniffed type and size.
struct SavedEnclosure {
    name: String,
    sha256: String,
    media_type: &'static str,
    size: i64,
}

/// A number taken inside an open transaction, with the stamp that shows it.
struct Numbered {
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    number: RegisterNumber,
    stamped_sha256: Option<String>,
    stamp_error: Option<String>,
}

impl Correspondence {
    /// Registers a letter from outside from its scan (see the module documentation).
    pub async fn register_arrival(
        &self,
        actor: &Actor,
        input: ArrivalInput,
        scan: Vec<ArrivalFile>,
        enclosures: Vec<ArrivalFile>,
    ) -> Result<ArrivalView, RoutingError> {
        actor.require(Permission::ReceiveOrReject)?;
        if !actor.clearance.clears(input.secrecy) {
            return Err(RoutingError::ClearanceTooLow);
        }
        let today = self.clock.now().with_timezone(&bangkok()).date_naive();
        let checked = check_input(&input, today)?;
        if enclosures.len() > MAX_ENCLOSURES {
            return Err(ArrivalRefusal::TooManyFiles { what: "enclosures", max: MAX_ENCLOSURES }.into());
        }
        for file in scan.iter().chain(&enclosures) {
            check_filename(&file.name)?;
        }
        let sender = store::body_of_office(&self.db, &actor.office_id, &input.sender_id).await?.ok_or_else(|| {
            RoutingError::Field {
                field: "sender_id",
                message: "no body of your office's address book has this id".into(),
            }
        })?;
        if !input.confirm_different {
            self.refuse_if_registered(&self.db, actor, &sender.id, &checked).await?;
        }
        let files: Vec<Vec<u8>> = scan.into_iter().map(|f| f.bytes).collect();
        let ScanPdf { bytes: pdf, pages_from_images } = tokio::task::spawn_blocking(move || scan_to_pdf(&files))
            .await
            .map_err(|e| RoutingError::Internal(format!("scan task failed: {e}")))??;
        let pdf = Bytes::from(pdf);
        let scan_blob = self.blobs.put_bytes(pdf.clone()).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
        let mut stored = Vec::with_capacity(enclosures.len());
        for file in enclosures {
            let tail = &file.bytes[file.bytes.len().saturating_sub(1024)..];
            let media_type = media::sniff(&file.bytes, tail);
            let size = file.bytes.len() as i64;
            let blob =
                self.blobs.put_bytes(Bytes::from(file.bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
            stored.push(SavedEnclosure { name: check_filename(&file.name)?, sha256: blob.sha256, media_type, size });
        }
        let own_name = self
            .offices_named([actor.office_id.as_str()])
            .await?
            .get(&actor.office_id)
            .map(|o| o.name_th.clone())
            .unwrap_or_default();

        let Numbered { txn, now, number, stamped_sha256, stamp_error } =
            self.number_and_stamp(actor, pdf, &own_name).await?;
        let earlier =
            store::earlier_arrival(&txn, &actor.office_id, &sender.id, &checked.number_key, &checked.sender_date)
                .await?
                .map(|(_, d)| receive_number_of(&d));
        if let (Some(earlier), false) = (&earlier, input.confirm_different) {
            txn.rollback().await?;
            return Err(ArrivalRefusal::AlreadyRegistered { earlier: earlier.clone() }.into());
        }
        let confirmed_different = input.confirm_different && earlier.is_some();

        let letter_id = new_id();
        let mut documents = vec![letter_document::Model {
            letter_id: letter_id.clone(),
            position: 0,
            sha256: scan_blob.sha256.clone(),
            name: "scan.pdf".into(),
            media_type: media::PDF.into(),
            size: scan_blob.size as i64,
            role: DocumentRole::Body.as_str().into(),
        }];
        for (i, e) in stored.iter().enumerate() {
            documents.push(letter_document::Model {
                letter_id: letter_id.clone(),
                position: i as i32 + 1,
                sha256: e.sha256.clone(),
                name: e.name.clone(),
                media_type: e.media_type.into(),
                size: e.size,
                role: DocumentRole::Enclosure.as_str().into(),
            });
        }
        let mut received = delivery::Model::delivered(
            &letter_id,
            &actor.office_id,
            &actor.office_id,
            now,
            input.secrecy,
            input.urgency,
        );
        received.state = Stored(DeliveryState::Received);
        received.decided_at = Some(now);
        received.decided_by = Some(actor.username.clone());
        received.receive_year_be = Some(number.year.get());
        received.receive_seq = Some(i64::from(number.seq.get()));
        received.stamped_sha256 = stamped_sha256.clone();
        received.stamp_error = stamp_error.clone();
        // The clerk who registered it has read it.
        received.opened_at = Some(now);
        received.opened_by = Some(actor.username.clone());
        let delivery_id = received.id.clone();
        let remarks = checked.remarks.clone();
        let new = NewLetter {
            letter: outside_letter(actor, &input, &checked, &letter_id, &sender, &own_name, number, now),
            documents,
            deliveries: vec![received],
            register_entry: register_entry::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                register: Stored(RegisterKind::Receive),
                series: Stored(Series::Normal),
                year_be: number.year.get(),
                seq: i64::from(number.seq.get()),
                letter_id: letter_id.clone(),
                delivery_id: Some(delivery_id.clone()),
                recorded_at: now,
                letter_number: checked.sender_number.clone(),
                letter_date: checked.sender_date.clone(),
                from_text: sender.name.clone(),
                to_text: own_name.clone(),
                subject: checked.subject.as_str().to_owned(),
                action: checked.action.clone(),
                remarks: Some(match remarks {
                    Some(r) => format!("{r} ({})", input.channel.thai()),
                    None => input.channel.thai().to_owned(),
                }),
                cancelled: false,
            },
        };
        letters_store::insert_letter(&txn, new).await?;
        store::insert_arrival(
            &txn,
            outside_arrival::Model {
                letter_id: letter_id.clone(),
                delivery_id: delivery_id.clone(),
                office_id: actor.office_id.clone(),
                body_id: sender.id.clone(),
                sender_number: checked.sender_number.clone(),
                number_key: checked.number_key.clone(),
                sender_date: checked.sender_date.clone(),
                channel: Stored(input.channel),
                confirmed_different,
                registered_by: actor.username.clone(),
                registered_at: now,
            },
        )
        .await?;
        let event = AuditEvent::by(
            actor,
            EventKind::OutsideArrivalRegistered,
            format!("delivery/{delivery_id}"),
            json!({
                "letter_id": letter_id,
                "receive_number": number.to_string(),
                "sender_id": sender.id,
                "sender": sender.name,
                "sender_number": checked.sender_number,
                "sender_date": checked.sender_date,
                "channel": input.channel.as_str(),
                "scan_sha256": scan_blob.sha256,
                "pages_from_images": pages_from_images.unwrap_or(0),
                "stamped_sha256": stamped_sha256.clone().unwrap_or_default(),
                "stamp_error": stamp_error.clone().unwrap_or_default(),
                "confirmed_different": confirmed_different,
                // Canonical JSON has no null: no earlier letter is an empty text.
                "earlier_receive_number": if confirmed_different { earlier.clone().unwrap_or_default() } else { String::new() },
            }),
        )
        .letter(&letter_id)
        .delivery(&delivery_id);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(%delivery_id, %letter_id, receive_number = %number, confirmed_different, "arrival from outside registered");
        Ok(ArrivalView {
            letter_id,
            delivery_id,
            receive_number: number.to_string(),
            sender: body_view(sender),
            sender_number: checked.sender_number,
            sender_date: checked.sender_date,
            channel: input.channel,
            subject: checked.subject.as_str().to_owned(),
            scan_sha256: scan_blob.sha256,
            pages_from_images,
            stamped_sha256,
            stamp_error,
            confirmed_different,
            registered_at: now,
        })
    }

    /// Refuses when the office registered a letter of `sender_id` with this number and date before.
    async fn refuse_if_registered(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        sender_id: &str,
        checked: &Checked,
    ) -> Result<(), RoutingError> {
        match store::earlier_arrival(conn, &actor.office_id, sender_id, &checked.number_key, &checked.sender_date)
            .await?
        {
            Some((_, d)) => Err(ArrivalRefusal::AlreadyRegistered { earlier: receive_number_of(&d) }.into()),
            None => Ok(()),
        }
    }

    /// Stamps `pdf` with the receive number the register would give, then takes the number in a
    /// transaction left open for the caller; as `register_with_stamp` does for an ordinary receive.
    async fn number_and_stamp(&self, actor: &Actor, pdf: Bytes, own_name: &str) -> Result<Numbered, RoutingError> {
        let mut tries = 0;
        loop {
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
            let (sha, error) = self.stamp_body(Some(pdf.clone()), own_name, expected.seq.get(), stamped_at).await?;
            let txn = self.db.begin().await?;
            let now = self.clock.now();
            let number =
                numbering::take_next(&txn, &actor.office_id, RegisterKind::Receive, Series::Normal, YearBe::of(now))
                    .await?;
            if number == expected {
                return Ok(Numbered { txn, now, number, stamped_sha256: sha, stamp_error: error });
            }
            if tries >= STAMP_TRIES {
                let (sha, error) = self.stamp_body(Some(pdf.clone()), own_name, number.seq.get(), now).await?;
                return Ok(Numbered { txn, now, number, stamped_sha256: sha, stamp_error: error });
            }
            txn.rollback().await?;
            tracing::info!(expected = %expected, taken = %number, "receive number taken meanwhile; stamping the arrival again");
        }
    }
}

/// `{seq}/{year}` of a received delivery.
fn receive_number_of(d: &delivery::Model) -> String {
    match (d.receive_seq, d.receive_year_be) {
        (Some(seq), Some(year)) => format!("{seq}/{year}"),
        _ => "?".into(),
    }
}

/// The letter row of an arrival from outside: the registering office holds it, it has no envelope
/// (its origin says so), its number and date are the sender's, its year and number the receive
/// number it was registered under, its signer the sender.
#[allow(clippy::too_many_arguments)]
fn outside_letter(
    actor: &Actor,
    input: &ArrivalInput,
    checked: &Checked,
    letter_id: &str,
    sender: &outside_body::Model,
    own_name: &str,
    number: RegisterNumber,
    now: DateTime<Utc>,
) -> letter::Model {
    letter::Model {
        id: letter_id.to_owned(),
        office_id: actor.office_id.clone(),
        kind: Stored(input.kind),
        series: Stored(Series::Normal),
        year_be: number.year.get(),
        seq: i64::from(number.seq.get()),
        number: checked.sender_number.clone(),
        letter_date: checked.sender_date.clone(),
        subject: checked.subject.as_str().to_owned(),
        addressee: own_name.to_owned(),
        urgency: Stored(input.urgency),
        secrecy: Stored(input.secrecy),
        deadline: None,
        signer_name: sender.name.clone(),
        signer_position: String::new(),
        references_json: "[]".into(),
        enclosures_note: checked.enclosures_note.clone(),
        envelope: String::new(),
        envelope_sha256: String::new(),
        state: Stored(LetterState::Sent),
        sent_by: actor.user_id.clone(),
        sent_at: now,
        recalled_at: None,
        recall_reason: None,
        retention_years: 10,
        legal_hold: false,
        origin: Stored(LetterOrigin::Outside),
    }
}
