//! A person signed in to a [`TestApp`] who acts through the HTTP API: `ops.send(..)`,
//! `cgd.receive(..)`, `cgd.inbox("")`. The plain verbs assert that the action succeeded and answer
//! with a typed [`answers`](super::answers) value; the `try_` verbs and [`Persona::get`] /
//! [`Persona::post`] return the raw response, for tests of refusals and exact wire shapes.

use super::answers::{Decided, Inbox, Letter, RegisterEntry, TrailEntry, Uploaded};
use super::{TestApp, invitation_pdf};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// A signed-in person: a clerk, an executive, an auditor or an admin, as the fixtures have them.
#[derive(Clone)]
pub struct Persona<'a> {
    app: &'a TestApp,
    pub username: String,
    pub token: String,
}

impl TestApp {
    /// Signs `username` in with the demo password.
    pub async fn sign_in(&self, username: &str) -> Persona<'_> {
        let res = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": sarabun::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "sign-in of {username}");
        let body: Value = res.json().await.unwrap();
        Persona { app: self, username: username.into(), token: body["token"].as_str().unwrap().into() }
    }

    /// A clerk of an office (`clerk.ops`, `clerk.cgd`, `clerk.rd`, …), signed in.
    pub async fn clerk(&self, username: &str) -> Persona<'_> {
        self.sign_in(username).await
    }

    /// An executive who reads the office's letters (`exec.ops`), signed in.
    pub async fn executive(&self, username: &str) -> Persona<'_> {
        self.sign_in(username).await
    }

    /// An auditor of the whole ministry (`auditor`), signed in.
    pub async fn auditor(&self, username: &str) -> Persona<'_> {
        self.sign_in(username).await
    }

    /// An administrator (`admin`, `admin.security`, or an office admin a test created), signed in.
    pub async fn admin(&self, username: &str) -> Persona<'_> {
        self.sign_in(username).await
    }

    /// Someone presenting `token` without having signed in (a forged or stolen one).
    pub fn stranger(&self, token: &str) -> Persona<'_> {
        Persona { app: self, username: "nobody".into(), token: token.into() }
    }
}

/// The body of a typical letter to `recipients` with the uploaded body `sha256`.
pub fn letter_body(sha256: &str, recipients: &[&str]) -> Value {
    json!({
        "kind": "external",
        "subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
        "addressee": "อธิบดีกรมบัญชีกลาง",
        "recipients": recipients,
        "urgency": "very_urgent",
        "body_sha256": sha256,
        "references": [{"number": "กค 0100/ว 12", "date": "2026-10-01", "subject": "แนวทางการใช้ระบบสารบรรณ"}],
        "signer_name": "นายประเสริฐ มั่นคง",
        "signer_position": "รองปลัดกระทรวงการคลัง",
    })
}

/// [`letter_body`] with the fields of `change` (a JSON object) set over it.
pub fn letter_body_with(sha256: &str, recipients: &[&str], change: Value) -> Value {
    let mut body = letter_body(sha256, recipients);
    for (k, v) in change.as_object().expect("changes are a JSON object") {
        body[k] = v.clone();
    }
    body
}

/// Reads a successful answer, with the body in the message when it was not.
async fn expect<T: serde::de::DeserializeOwned>(res: Response, status: StatusCode, what: &str) -> T {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e} in {text}"))
}

impl<'a> Persona<'a> {
    /// The same person, signed in on another node (the session is in the shared database).
    pub fn on<'b>(&self, node: &'b TestApp) -> Persona<'b> {
        Persona { app: node, username: self.username.clone(), token: self.token.clone() }
    }

    /// Signs in again, e.g. after the clock moved past the session's end.
    pub async fn sign_in_again(&self) -> Persona<'a> {
        self.app.sign_in(&self.username).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.app.http.get(self.app.url(path)).bearer_auth(&self.token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.app.http.post(self.app.url(path)).bearer_auth(&self.token).json(&body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.app.http.put(self.app.url(path)).bearer_auth(&self.token).json(&body).send().await.unwrap()
    }

    /// Uploads a document.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>, mime: &str) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.app
            .http
            .post(self.app.url("/api/v1/documents"))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a multipart form.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        self.app.http.post(self.app.url(path)).bearer_auth(&self.token).multipart(form).send().await.unwrap()
    }

    /// PUTs one file as the multipart part `file` (a signature image).
    pub async fn put_file(&self, path: &str, bytes: Vec<u8>, mime: &str) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("file").mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.app.http.put(self.app.url(path)).bearer_auth(&self.token).multipart(form).send().await.unwrap()
    }

    /// Uploads a PDF body and returns its digest.
    pub async fn upload_pdf(&self, bytes: Vec<u8>) -> String {
        let uploaded: Uploaded =
            expect(self.upload("letter.pdf", bytes, "application/pdf").await, StatusCode::CREATED, "upload").await;
        assert_eq!(uploaded.media_type, "application/pdf");
        uploaded.sha256
    }

    /// Sends a letter with `body` (as for `POST /api/v1/letters`).
    pub async fn try_send(&self, body: Value) -> Response {
        self.post("/api/v1/letters", body).await
    }

    /// Uploads the sample invitation and sends it to `recipients`.
    pub async fn send(&self, recipients: &[&str]) -> Letter {
        self.send_with(recipients, json!({})).await
    }

    /// Like [`Persona::send`], with the fields of `change` set over the typical letter.
    pub async fn send_with(&self, recipients: &[&str], change: Value) -> Letter {
        let sha = self.upload_pdf(invitation_pdf()).await;
        expect(self.try_send(letter_body_with(&sha, recipients, change)).await, StatusCode::CREATED, "send").await
    }

    /// Receives `delivery` (proposed to the director-general).
    pub async fn try_receive(&self, delivery: &str) -> Response {
        self.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({"action": "เสนออธิบดี"})).await
    }

    /// Receives `delivery`, which must succeed.
    pub async fn receive(&self, delivery: &str) -> Decided {
        expect(self.try_receive(delivery).await, StatusCode::OK, "receive").await
    }

    pub async fn try_reject(&self, delivery: &str, reason: &str) -> Response {
        self.post(&format!("/api/v1/deliveries/{delivery}/reject"), json!({"reason": reason})).await
    }

    /// Rejects `delivery` with `reason`, which must succeed.
    pub async fn reject(&self, delivery: &str, reason: &str) -> Decided {
        expect(self.try_reject(delivery, reason).await, StatusCode::OK, "reject").await
    }

    /// Recalls `letter` because it was sent by mistake.
    pub async fn try_recall(&self, letter: &str) -> Response {
        self.post(&format!("/api/v1/letters/{letter}/recall"), json!({"reason": "ส่งผิด"})).await
    }

    /// Recalls `letter`, which must succeed.
    pub async fn recall(&self, letter: &str) -> Letter {
        expect(self.try_recall(letter).await, StatusCode::OK, "recall").await
    }

    /// The letter `id` as this person may see it.
    pub async fn letter(&self, id: &str) -> Letter {
        expect(self.get(&format!("/api/v1/letters/{id}")).await, StatusCode::OK, "letter").await
    }

    /// The audit trail of letter `id`, as far as this person may see it.
    pub async fn trail(&self, id: &str) -> Vec<TrailEntry> {
        expect(self.get(&format!("/api/v1/letters/{id}/trail")).await, StatusCode::OK, "trail").await
    }

    /// The first page of the inbox; `query` is `""` or starts with `?`.
    pub async fn inbox(&self, query: &str) -> Inbox {
        expect(self.get(&format!("/api/v1/inbox{query}")).await, StatusCode::OK, "inbox").await
    }

    /// The entries of a register, e.g. `register("send/2569")`.
    pub async fn register(&self, which: &str) -> Vec<RegisterEntry> {
        expect(self.get(&format!("/api/v1/registers/{which}")).await, StatusCode::OK, "register").await
    }

    /// Creates a person (`body` as for `POST /api/v1/users`); a role or clearance that takes two
    /// admins is then approved by the second demo admin, `admin.security`.
    pub async fn create_user(&self, body: Value) -> Value {
        let created: Value =
            expect(self.post("/api/v1/users", body).await, StatusCode::CREATED, "creating a person").await;
        if let Some(grant) = created["pending_grant"]["id"].as_str() {
            let second = self.app.admin("admin.security").await;
            let res = second.post(&format!("/api/v1/grants/{grant}/approve"), json!({})).await;
            assert_eq!(res.status(), StatusCode::OK, "the second admin approves");
        }
        created
    }
}
