//! The messages one node posts to another and the signed answers it gets back. A message has a
//! stable id (a UUID chosen when it is queued, the same on every retry), names the sending and the
//! receiving node by fingerprint, and carries either a letter for one recipient office (the sealed
//! envelope and the digests and sizes of the documents it lists, which were uploaded before, content-
//! addressed and resumable, to `/federation/v1/documents/{sha256}`) or an office's decision
//! on a letter that came from the receiving node (the signed receipt or rejection), or the sender's
//! recall of a letter it sent. The answer is a
//! compact JWS of type `sarabun-answer+jws` signed by the answering node's key.

use crate::jws::{self, ANSWER_TYP};
use crate::{FEDERATION_VERSION, FederationError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A message as posted (the JSON request body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Always [`FEDERATION_VERSION`].
    pub v: u32,
    /// The message id, a UUID; the same on every attempt.
    pub id: String,
    /// The sending node's fingerprint.
    pub from: String,
    /// The receiving node's fingerprint.
    pub to: String,
    /// When the message was queued, RFC 3339 UTC.
    pub queued_at: String,
    #[serde(flatten)]
    pub body: MessageBody,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageBody {
    /// A letter for one office of the receiving node.
    Letter {
        /// The recipient office's code; it must be in the envelope's `to`.
        recipient: String,
        /// The sealed envelope, compact JWS signed by the sending office.
        envelope: String,
        /// Every document the envelope lists, by digest and size; each uploaded to the receiver
        /// before the message is posted.
        documents: Vec<ListedDocument>,
    },
    /// A recipient office's decision on a letter the receiving node sent.
    Decision {
        /// The message id of the letter message this answers.
        letter_message: String,
        /// The signed receipt (`sarabun-receipt+jws`) or rejection (`sarabun-rejection+jws`).
        receipt: String,
    },
    /// The sender's recall of a letter it sent the receiving node: answered `recorded` when the
    /// delivery was withdrawn, `invalid` with the reason when the office had already decided on it.
    Recall {
        /// The message id of the letter message being recalled.
        letter_message: String,
        /// The sender's reason (may be empty).
        #[serde(default)]
        reason: String,
    },
}

/// A document of a letter message, named by its SHA-256 and size (its bytes were uploaded to the
/// receiver under that digest before the message was posted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedDocument {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The size in bytes.
    pub size: u64,
}

/// What the receiving node says of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    /// The letter is in the recipient office's inbox (e-CMS: arrived).
    Arrived,
    /// The decision is recorded on the sender's tracking.
    Recorded,
    /// The message was refused as invalid, with a reason (e-CMS: InvalidLetter); never retried.
    Invalid,
}

impl AnswerStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arrived => "arrived",
            Self::Recorded => "recorded",
            Self::Invalid => "invalid",
        }
    }
}

/// The signed answer's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub v: u32,
    /// The id of the message answered.
    pub message_id: String,
    /// The answering node's fingerprint.
    pub node: String,
    pub status: AnswerStatus,
    /// Why an invalid message was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was answered (the first time), RFC 3339 UTC.
    pub at: String,
}

impl Answer {
    /// An answer of `node` to `message_id`.
    pub fn new(message_id: &str, node: &str, status: AnswerStatus, reason: Option<String>, at: String) -> Self {
        Self { v: FEDERATION_VERSION, message_id: message_id.into(), node: node.into(), status, reason, at }
    }

    /// Signs the answer with the node key.
    pub fn sign(&self, key: &SigningKey) -> Result<String, FederationError> {
        jws::sign(ANSWER_TYP, self, key)
    }

    /// Verifies an answer against the peer's node key and that it answers `message_id`.
    pub fn verify(compact: &str, peer: &VerifyingKey, message_id: &str) -> Result<Self, FederationError> {
        let answer: Self = jws::verify(compact, ANSWER_TYP, peer)?;
        if answer.message_id != message_id {
            return Err(FederationError::Malformed(format!("answer is for message {}", answer.message_id)));
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_back_as_written() {
        let message = Message {
            v: 1,
            id: "0b7e".into(),
            from: "a".into(),
            to: "b".into(),
            queued_at: "2026-12-01T00:00:00Z".into(),
            body: MessageBody::Decision { letter_message: "x".into(), receipt: "r".into() },
        };
        let json = serde_json::to_string(&message).unwrap();
        assert!(json.contains(r#""kind":"decision""#), "{json}");
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), message);
        let recall =
            Message { body: MessageBody::Recall { letter_message: "x".into(), reason: "ผิด".into() }, ..message };
        let json = serde_json::to_string(&recall).unwrap();
        assert!(json.contains(r#""kind":"recall","letter_message":"x","reason":"ผิด""#), "{json}");
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), recall);
    }

    #[test]
    fn an_answer_verifies_with_the_peer_key_only() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let answer = Answer::new("m1", "n", AnswerStatus::Invalid, Some("seal".into()), "2026-12-01T00:00:00Z".into());
        let signed = answer.sign(&key).unwrap();
        assert_eq!(Answer::verify(&signed, &key.verifying_key(), "m1").unwrap(), answer);
        assert!(Answer::verify(&signed, &key.verifying_key(), "m2").is_err());
        assert!(Answer::verify(&signed, &SigningKey::from_bytes(&[4; 32]).verifying_key(), "m1").is_err());
    }
}
