//! Writing a step onto the letter: the electronic form of an order written on a paper letter's
//! margin. The step's words, the person's name and position (and whom they stand in for), the date
//! and time in the Buddhist Era and their registered signature image become one more entry of the
//! minutes page (บันทึกเกษียน), added to the latest routed PDF as an incremental update by
//! `sarabun_stamp::add_minute`, so every earlier copy — the original, the stamped one, each earlier
//! order — stays a byte-exact prefix. The new copy is stored by its digest, which the step records.

use super::seat::Seat;
use crate::{Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sarabun_domain::StepKind;
use sarabun_registry::entity::user;
use std::time::Duration;

/// How long drawing one minute may take before it is given up (a very large letter on a busy node).
const MINUTE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// What one entry of the minutes page says.
#[derive(Debug, Clone)]
pub(crate) struct MinuteText {
    pub heading: String,
    pub text: String,
    pub name: String,
    pub position: String,
    pub acting_for: Option<String>,
    pub at: DateTime<Utc>,
}

impl MinuteText {
    /// The entry for `kind` taken by the seat's person.
    pub fn of(seat: &Seat, kind: StepKind, text: Option<&str>, to: Option<&str>, at: DateTime<Utc>) -> Self {
        let heading = match to {
            Some(to) => format!("{} {to}", kind.thai()),
            None => kind.thai().to_owned(),
        };
        let text = text.map(str::to_owned).unwrap_or_else(|| {
            match kind {
                StepKind::Propose => "เพื่อโปรดพิจารณา",
                StepKind::Assign => "ดำเนินการ",
                other => other.thai(),
            }
            .to_owned()
        });
        let acting_for = seat.for_whom.as_ref().map(|(absent, how)| format!("{} {}", how.thai(), absent.position));
        Self { heading, text, name: seat.me.full_name.clone(), position: seat.me.position.clone(), acting_for, at }
    }
}

impl Correspondence {
    /// Adds `minute` to the routed copy `previous_sha`, stores the new copy and returns its digest.
    pub(super) async fn write_minute(
        &self,
        previous_sha: &str,
        person: &user::Model,
        minute: MinuteText,
    ) -> Result<String, RoutingError> {
        let previous = self.blobs.read(previous_sha).await?;
        let signature = match sarabun_registry::route::signature_image_of(&self.db, &person.id).await? {
            Some(image) => Some(self.blobs.read(&image.sha256).await?.to_vec()),
            None => None,
        };
        let entry = sarabun_stamp::Minute {
            heading: minute.heading,
            text: minute.text,
            name: minute.name,
            position: minute.position,
            acting_for: minute.acting_for,
            at: minute.at.with_timezone(&sarabun_domain::bangkok()),
            signature: signature.map(|bytes| sarabun_stamp::SignatureImage { bytes }),
        };
        let drawing = tokio::task::spawn_blocking(move || sarabun_stamp::add_minute(&previous, &entry));
        let routed = tokio::time::timeout(MINUTE_TIME_LIMIT, drawing)
            .await
            .map_err(|_| RoutingError::MinuteFailed("writing the minute took too long".into()))?
            .map_err(|e| RoutingError::Internal(format!("minute thread: {e}")))?
            .map_err(|e| RoutingError::MinuteFailed(e.to_string()))?;
        let blob = self.blobs.put_bytes(Bytes::from(routed)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
        Ok(blob.sha256)
    }
}
