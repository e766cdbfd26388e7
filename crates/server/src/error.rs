//! The one place where failures become HTTP answers. Every error is JSON `{code, message, message_th}`
//! with a stable snake_case `code` that clients may match on, an English message and a Thai one for
//! the people who read it. Internal details are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sarabun_domain::arrival::{MAX_BULK_RECEIVE, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_SENDER_DATE_AGE_YEARS};
use sarabun_domain::draft::ChainError;
use sarabun_domain::register_ops::MAX_RESERVE;
use sarabun_domain::{
    ArrivalRefusal, DraftRefusal, ParseError, RegisterOpRefusal, StepRefusal, TextError, TransitionError,
};
use sarabun_routing::RoutingError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `already_registered`.
    pub code: &'static str,
    /// What went wrong, in English.
    pub message: String,
    /// What went wrong, in Thai.
    pub message_th: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before trying again, sent as `Retry-After` (429 answers).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with both messages.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_th: impl Into<String>,
    ) -> Self {
        Self { status, code, message: message.into(), message_th: message_th.into(), field: None, retry_after: None }
    }

    /// No or an expired session.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Sign in first.", "กรุณาเข้าสู่ระบบก่อน")
    }

    /// Wrong user name or password.
    pub fn bad_credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "bad_credentials", "Wrong user name or password.", "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    }

    /// Too many failed sign-ins for the account or from this address: refused, before the password
    /// is checked, for `retry_after` more seconds.
    pub fn too_many_attempts(retry_after: u64) -> Self {
        let minutes = retry_after.div_ceil(60);
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "Too many failed sign-ins. Try again in {retry_after} seconds, or ask a system administrator to unlock the account."
                ),
                format!("เข้าสู่ระบบไม่สำเร็จหลายครั้งเกินไป กรุณาลองใหม่ในอีกประมาณ {minutes} นาที หรือติดต่อผู้ดูแลระบบเพื่อปลดล็อก"),
            )
        }
    }

    /// Every password-checking slot of the node stayed busy: try again shortly.
    pub fn busy(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                format!("The server is busy checking other sign-ins. Try again in {retry_after} seconds."),
                format!("ระบบกำลังตรวจสอบการเข้าสู่ระบบจำนวนมาก กรุณาลองใหม่ในอีก {retry_after} วินาที"),
            )
        }
    }

    /// A request body that is not the JSON expected.
    pub fn invalid_json(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The request body is not valid: {detail}"),
            "ข้อมูลที่ส่งมาไม่ถูกต้องตามรูปแบบ",
        )
    }

    /// A malformed query string or path parameter.
    pub fn invalid_query(detail: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_query", format!("Invalid parameters: {detail}"), "พารามิเตอร์ไม่ถูกต้อง")
    }

    /// Whatever was asked for does not exist or is not the asker's to see; the same answer for both.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found.", "ไม่พบข้อมูลที่ต้องการ")
    }

    /// No such endpoint (also what a scraper not allowed to see `/metrics` is told).
    pub fn no_such_endpoint() -> Self {
        Self::new(StatusCode::NOT_FOUND, "no_such_endpoint", "No such endpoint.", "ไม่พบบริการที่เรียก")
    }

    /// A scrape of `/metrics` without the configured bearer token.
    pub fn metrics_unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "metrics_unauthorized",
            "Scraping metrics needs the metrics token.",
            "การอ่านค่าตัวชี้วัดต้องใช้โทเคนสำหรับตัวชี้วัด",
        )
    }

    /// A multipart upload without a file.
    pub fn missing_file() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "missing_file",
            "Send the document as a multipart field named `file`.",
            "ไม่พบไฟล์ที่อัปโหลด",
        )
    }

    /// A multipart body that is malformed or ends before it is complete.
    pub fn invalid_multipart(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            format!("The upload is malformed or incomplete: {detail}"),
            "ข้อมูลที่อัปโหลดไม่สมบูรณ์หรือรูปแบบไม่ถูกต้อง กรุณาส่งใหม่",
        )
    }

    /// A text field refused by the text rule: empty, too long, or holding control or invisible
    /// format characters (bidirectional overrides, zero-width characters).
    pub fn invalid_text(field: &str, error: &TextError) -> Self {
        let th = match error {
            TextError::Empty => format!("กรุณาระบุ {field}"),
            TextError::TooLong { max } => format!("ข้อมูล {field} ยาวเกิน {max} ตัวอักษร"),
            TextError::Control => format!("ข้อมูล {field} มีอักขระควบคุมที่ไม่อนุญาต"),
            TextError::Format(_) => {
                format!("ข้อมูล {field} มีอักขระที่มองไม่เห็น (เช่น อักขระกลับทิศทางหรืออักขระความกว้างศูนย์) ซึ่งไม่อนุญาต")
            }
            TextError::StackedMarks { max } => format!("ข้อมูล {field} มีสระหรือวรรณยุกต์ซ้อนกันเกิน {max} ตัว"),
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", format!("{field}: {error}"), th).with_field(field)
    }

    /// The node is alive but cannot serve yet (`GET /readyz`); `failed` names the checks that failed.
    pub fn not_ready(failed: &[&str]) -> Self {
        let list = failed.join(", ");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("The node is not ready: {list}."),
            format!("ระบบยังไม่พร้อมให้บริการ: {list}"),
        )
    }

    /// Something broke inside; the detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on the server.",
            "เกิดข้อผิดพลาดภายในระบบ",
        )
    }

    fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after;
        let mut response = (self.status, Json(self)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<ParseError> for ApiError {
    fn from(e: ParseError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match &e {
            ParseError::OfficeCode(_) => {
                Self::new(unprocessable, "invalid_office_code", e.to_string(), "รหัสหน่วยงานไม่ถูกต้อง")
            }
            ParseError::RegisterNumber(_) => {
                Self::new(unprocessable, "invalid_register_number", e.to_string(), "เลขทะเบียนไม่ถูกต้อง")
            }
            ParseError::SubjectEmpty => {
                Self::new(unprocessable, "subject_empty", e.to_string(), "กรุณาระบุเรื่อง").with_field("subject")
            }
            ParseError::SubjectTooLong { max } => {
                Self::new(unprocessable, "subject_too_long", e.to_string(), format!("เรื่องยาวเกิน {max} ตัวอักษร"))
                    .with_field("subject")
            }
            ParseError::SubjectControl => {
                Self::new(unprocessable, "subject_invalid", e.to_string(), "เรื่องมีอักขระที่ไม่อนุญาต").with_field("subject")
            }
            ParseError::Unknown { .. } => Self::new(unprocessable, "unknown_value", e.to_string(), "ค่าที่ระบุไม่รู้จัก"),
        }
    }
}

impl From<RoutingError> for ApiError {
    fn from(e: RoutingError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        let conflict = StatusCode::CONFLICT;
        match e {
            // One wording whatever was missing and whether it exists at all: a "letter not found" for an
            // existing delivery against "delivery not found" for a random id would tell ids apart.
            RoutingError::NotFound(what) => {
                tracing::debug!(what, "not found or not visible");
                Self::not_found()
            }
            RoutingError::Forbidden => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this.", "ท่านไม่มีสิทธิ์ดำเนินการนี้")
            }
            RoutingError::ClearanceTooLow => Self::new(
                StatusCode::FORBIDDEN,
                "insufficient_clearance",
                "The letter's secrecy is above your clearance.",
                "ชั้นความลับของหนังสือสูงกว่าสิทธิ์ของท่าน",
            )
            .with_field("secrecy"),
            RoutingError::Invalid(parse) => parse.into(),
            RoutingError::InvalidQuery(detail) => Self::invalid_query(detail),
            RoutingError::Field { field, message } => Self::new(
                unprocessable,
                "invalid_field",
                format!("{field}: {message}"),
                format!("ข้อมูล {field} ไม่ถูกต้อง"),
            )
            .with_field(field),
            RoutingError::Text { field, error } => Self::invalid_text(field, &error),
            RoutingError::UploadBroken(detail) => Self::invalid_multipart(detail),
            RoutingError::UnknownRecipient(code) => Self::new(
                unprocessable,
                "unknown_recipient",
                format!("No office has the code {code}."),
                format!("ไม่พบหน่วยงานรหัส {code}"),
            )
            .with_field("recipients"),
            RoutingError::NoRecipients => Self::new(
                unprocessable,
                "no_recipients",
                "A letter needs at least one recipient office.",
                "กรุณาระบุหน่วยงานผู้รับอย่างน้อยหนึ่งหน่วยงาน",
            )
            .with_field("recipients"),
            RoutingError::SelfRecipient => Self::new(
                unprocessable,
                "self_recipient",
                "An office cannot send a letter to itself.",
                "ไม่สามารถส่งหนังสือถึงหน่วยงานของตนเองได้",
            )
            .with_field("recipients"),
            RoutingError::UnknownDocument(sha) => Self::new(
                unprocessable,
                "unknown_document",
                format!("Document {sha} was not uploaded by your office."),
                "ไม่พบเอกสารที่อัปโหลดโดยหน่วยงานของท่าน",
            ),
            RoutingError::BodyNotPdf => Self::new(
                unprocessable,
                "body_not_pdf",
                "The body of a letter must be a PDF file.",
                "ตัวหนังสือต้องเป็นไฟล์ PDF",
            )
            .with_field("body_sha256"),
            RoutingError::TooLarge { limit } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload_too_large",
                format!("The file is larger than the limit of {} MiB.", limit / (1024 * 1024)),
                format!("ไฟล์มีขนาดเกิน {} MiB", limit / (1024 * 1024)),
            ),
            RoutingError::IdempotencyMismatch => Self::new(
                unprocessable,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request.",
                "Idempotency-Key นี้ถูกใช้กับคำขออื่นแล้ว",
            ),
            RoutingError::Conflict(t) => match t {
                TransitionError::AlreadyRegistered => Self::new(
                    conflict,
                    "already_registered",
                    "This letter is already registered by your office.",
                    "หนังสือฉบับนี้ลงทะเบียนรับแล้ว",
                ),
                TransitionError::AlreadyRejected => {
                    Self::new(conflict, "already_rejected", "This letter was already rejected.", "หนังสือฉบับนี้ถูกปฏิเสธแล้ว")
                }
                TransitionError::Recalled => {
                    Self::new(conflict, "letter_recalled", "The sender recalled this letter.", "ผู้ส่งได้ยกเลิกหนังสือฉบับนี้แล้ว")
                }
                TransitionError::AlreadyReceived => Self::new(
                    conflict,
                    "already_received",
                    "A recipient has already received this letter, so it can no longer be recalled.",
                    "มีผู้รับลงทะเบียนรับหนังสือแล้ว จึงไม่สามารถยกเลิกได้",
                ),
            },
            RoutingError::ChangedMeanwhile(_) => Self::new(
                conflict,
                "conflict",
                "Someone else changed this at the same moment; try again.",
                "มีการเปลี่ยนแปลงข้อมูลพร้อมกัน กรุณาลองใหม่",
            ),
            RoutingError::Duplicate { what, key } => {
                Self::new(conflict, "duplicate", format!("{what} {key} already exists"), "ข้อมูลนี้มีอยู่แล้ว")
            }
            RoutingError::NoSession => Self::unauthenticated(),
            RoutingError::BadCredentials => Self::bad_credentials(),
            RoutingError::TooManyAttempts { retry_after_secs } => Self::too_many_attempts(retry_after_secs),
            RoutingError::Busy { retry_after_secs } => Self::busy(retry_after_secs),
            RoutingError::DirectoryUnavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "directory_unavailable",
                "The ministry's directory cannot be reached to check your password. Try again later.",
                "ไม่สามารถติดต่อระบบบัญชีผู้ใช้ของกระทรวงเพื่อตรวจสอบรหัสผ่านได้ กรุณาลองใหม่ภายหลัง",
            ),
            RoutingError::DirectoryNoRole => Self::new(
                StatusCode::FORBIDDEN,
                "directory_no_role",
                "Your directory account is in no group that gives a role in Sarabun. Ask your administrator.",
                "บัญชีของท่านในระบบบัญชีผู้ใช้ของกระทรวงไม่อยู่ในกลุ่มที่มีสิทธิ์ใช้งานระบบสารบรรณ กรุณาติดต่อผู้ดูแลระบบ",
            ),
            RoutingError::DirectoryUnknownOffice(code) => Self::new(
                StatusCode::FORBIDDEN,
                "directory_unknown_office",
                format!(
                    "The directory names your office as {code:?}, which is no office here. Ask your administrator."
                ),
                format!("ระบบบัญชีผู้ใช้ของกระทรวงระบุหน่วยงานของท่านเป็น \"{code}\" ซึ่งไม่มีในระบบนี้ กรุณาติดต่อผู้ดูแลระบบ"),
            ),
            RoutingError::OwnProposal => Self::new(
                StatusCode::FORBIDDEN,
                "own_proposal",
                "A grant must be approved by another system administrator than the one who proposed it.",
                "ผู้เสนอให้สิทธิ์ไม่สามารถอนุมัติการให้สิทธิ์ของตนเองได้ ต้องให้ผู้ดูแลระบบอีกคนหนึ่งอนุมัติ",
            ),
            RoutingError::GrantDecided => Self::new(
                conflict,
                "grant_decided",
                "This grant was already approved or refused.",
                "คำขอให้สิทธิ์นี้ได้รับการพิจารณาแล้ว",
            ),
            RoutingError::DocumentDamaged(damage) => {
                tracing::error!(error = %damage, "a document in the blob store is missing or damaged");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "document_damaged",
                    format!("{damage}; tell the node's operator."),
                    "เอกสารในคลังเอกสารสูญหายหรือเสียหาย กรุณาแจ้งผู้ดูแลระบบ",
                )
            }
            RoutingError::StepRefused(refusal) => {
                let forbidden = StatusCode::FORBIDDEN;
                match refusal {
                    StepRefusal::NotHeld => Self::new(
                        forbidden,
                        "not_your_step",
                        "This matter is not waiting for you, so you cannot take this step.",
                        "เรื่องนี้ไม่ได้อยู่ที่ท่าน จึงไม่สามารถดำเนินการขั้นนี้ได้",
                    ),
                    StepRefusal::CannotOrder => Self::new(
                        forbidden,
                        "cannot_order",
                        "Only a person who may order can order, assign or take note.",
                        "เฉพาะผู้มีอำนาจสั่งการเท่านั้นที่สั่งการ มอบหมาย หรือทราบเรื่องได้",
                    ),
                    StepRefusal::NotLead => Self::new(
                        forbidden,
                        "not_lead",
                        "Only the lead of the assignment can report it done.",
                        "เฉพาะเจ้าของเรื่องเท่านั้นที่แจ้งว่าดำเนินการแล้วได้",
                    ),
                    StepRefusal::NotAdmin => Self::new(
                        forbidden,
                        "forbidden",
                        "Only the office admin can hand over waiting work.",
                        "เฉพาะผู้ดูแลหน่วยงานเท่านั้นที่โอนงานได้",
                    ),
                    StepRefusal::State(state) => Self::new(
                        conflict,
                        "matter_closed",
                        format!("The matter is {state}; this step cannot follow."),
                        format!("เรื่องนี้{} จึงไม่สามารถดำเนินการขั้นนี้ได้", state.thai()),
                    ),
                }
            }
            RoutingError::NotReceived => Self::new(
                conflict,
                "not_received",
                "Your office has not received this letter, so it cannot be routed yet.",
                "หน่วยงานของท่านยังไม่ได้ลงทะเบียนรับหนังสือฉบับนี้ จึงยังเสนอหรือสั่งการไม่ได้",
            ),
            RoutingError::RouteChanged => Self::new(
                conflict,
                "route_changed",
                "The matter changed while your step was being written; look at it again.",
                "เรื่องนี้มีการเปลี่ยนแปลงระหว่างบันทึก กรุณาตรวจสอบอีกครั้ง",
            ),
            RoutingError::TargetNotCleared(username) => Self::new(
                unprocessable,
                "target_not_cleared",
                format!("{username} is not cleared for this letter's secrecy."),
                format!("{username} ไม่มีสิทธิ์เข้าถึงชั้นความลับของหนังสือฉบับนี้"),
            )
            .with_field("to"),
            RoutingError::MinuteFailed(reason) => Self::new(
                unprocessable,
                "minute_failed",
                format!("The minute could not be written on the letter: {reason}"),
                "ไม่สามารถบันทึกเกษียนลงบนหนังสือได้",
            ),
            RoutingError::RegisterOp(refusal) => match refusal {
                RegisterOpRefusal::AlreadyCancelled => Self::new(
                    conflict,
                    "already_cancelled",
                    "This number is already cancelled.",
                    "เลขทะเบียนนี้ถูกยกเลิกแล้ว",
                ),
                RegisterOpRefusal::RecallFirst => Self::new(
                    conflict,
                    "recall_first",
                    "The letter with this number was sent; recall it before cancelling its number.",
                    "หนังสือที่ใช้เลขนี้ส่งออกไปแล้ว กรุณาเรียกคืนหนังสือก่อนยกเลิกเลข",
                ),
                RegisterOpRefusal::ReceivedLetter => Self::new(
                    conflict,
                    "received_number_kept",
                    "A received letter's receive number records a signed receipt and cannot be cancelled.",
                    "เลขทะเบียนรับของหนังสือที่ลงรับแล้วไม่สามารถยกเลิกได้",
                ),
                RegisterOpRefusal::NotOpen => Self::new(
                    conflict,
                    "reservation_closed",
                    "This reservation was already filled or cancelled.",
                    "เลขที่จองนี้ถูกลงรายละเอียดหรือยกเลิกไปแล้ว",
                ),
                RegisterOpRefusal::Expired => Self::new(
                    conflict,
                    "reservation_expired",
                    "This reservation expired; reserve a new number or cancel this one.",
                    "เลขที่จองนี้หมดอายุแล้ว กรุณาจองเลขใหม่หรือยกเลิกเลขนี้",
                ),
                RegisterOpRefusal::Count => Self::new(
                    unprocessable,
                    "invalid_count",
                    format!("Reserve from 1 to {MAX_RESERVE} numbers at once."),
                    format!("จองเลขได้ครั้งละ 1 ถึง {MAX_RESERVE} เลข"),
                )
                .with_field("count"),
                RegisterOpRefusal::NotThisYear => Self::new(
                    unprocessable,
                    "not_this_year",
                    "Only this year's register can be changed.",
                    "ดำเนินการได้เฉพาะทะเบียนของปีปัจจุบันเท่านั้น",
                )
                .with_field("year"),
                RegisterOpRefusal::NotForward { current_next } => Self::new(
                    conflict,
                    "next_number_not_forward",
                    format!("The series already gives {current_next} next; it can only be moved forward, above that."),
                    format!("ทะเบียนนี้จะออกเลข {current_next} เป็นเลขถัดไปแล้ว กำหนดเลขถัดไปได้เฉพาะเลขที่มากกว่านี้เท่านั้น"),
                )
                .with_field("next"),
            },
            RoutingError::Series(refusal) => series_error(refusal),
            RoutingError::Arrival(refusal) => arrival_error(refusal),
            RoutingError::OutsideSend(refusal) => outside_send_error(refusal),
            RoutingError::DraftRefused(refusal) => match refusal {
                DraftRefusal::NotYours => Self::new(
                    StatusCode::FORBIDDEN,
                    "not_your_draft",
                    "This draft is not waiting for you, so you cannot take this step.",
                    "ร่างหนังสือนี้ไม่ได้อยู่ที่ท่าน จึงไม่สามารถดำเนินการขั้นนี้ได้",
                ),
                DraftRefusal::State(state) => Self::new(
                    conflict,
                    "draft_state",
                    format!("The draft is {state}; this step cannot follow."),
                    format!("ร่างหนังสือนี้อยู่ในสถานะ{} จึงไม่สามารถดำเนินการขั้นนี้ได้", state.thai()),
                ),
            },
            RoutingError::Chain(error) => {
                let th = match error {
                    ChainError::NoSigner => "ต้องมีผู้ลงนามหนึ่งคน เป็นลำดับสุดท้าย".to_owned(),
                    ChainError::TwoSigners => "มีผู้ลงนามได้เพียงคนเดียว".to_owned(),
                    ChainError::TooLong(max) => format!("ลำดับผู้ตรวจร่างมีได้ไม่เกิน {max} คน"),
                    ChainError::Repeated => "มีบุคคลเดียวกันซ้ำในลำดับผู้ตรวจร่าง".to_owned(),
                    ChainError::Drafter => "ผู้ร่างไม่สามารถตรวจหรือลงนามร่างของตนเองได้".to_owned(),
                };
                Self::new(unprocessable, "chain_invalid", format!("The chain cannot be used: {error}."), th)
                    .with_field("chain")
            }
            RoutingError::NotOfOffice(who) => Self::new(
                unprocessable,
                "not_of_office",
                format!("{who} is not a person of your office who can check or sign drafts."),
                format!("{who} ไม่ใช่บุคลากรของหน่วยงานท่านที่ตรวจหรือลงนามร่างหนังสือได้"),
            )
            .with_field("chain"),
            RoutingError::MayNotSign(who) => Self::new(
                StatusCode::FORBIDDEN,
                "may_not_sign",
                format!("{who} holds no position that may sign this kind of letter for the office."),
                format!("{who} ไม่มีอำนาจลงนามหนังสือประเภทนี้ในนามหน่วยงาน"),
            ),
            RoutingError::DraftChanged => Self::new(
                conflict,
                "draft_changed",
                "The draft changed while your step was being written; look at it again.",
                "ร่างหนังสือมีการเปลี่ยนแปลงระหว่างบันทึก กรุณาตรวจสอบอีกครั้ง",
            ),
            RoutingError::DraftFormat => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "draft_format",
                "A draft must be a PDF, DOCX or ODT file.",
                "ร่างหนังสือต้องเป็นไฟล์ PDF, DOCX หรือ ODT",
            )
            .with_field("file"),
            RoutingError::ConversionFailed(reason) => Self::new(
                unprocessable,
                "conversion_failed",
                format!("The document could not be converted to PDF: {reason}."),
                "ไม่สามารถแปลงเอกสารเป็น PDF ได้ กรุณาตรวจสอบไฟล์หรือบันทึกเป็น PDF แล้วส่งใหม่",
            )
            .with_field("file"),
            RoutingError::ConversionUnavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "conversion_unavailable",
                "This node cannot convert DOCX or ODT (LibreOffice is not installed); upload a PDF.",
                "ระบบนี้ไม่สามารถแปลงไฟล์ DOCX หรือ ODT ได้ กรุณาส่งเป็นไฟล์ PDF",
            ),
            RoutingError::NoSigningKey => Self::new(
                conflict,
                "no_signing_key",
                "You have no signing key yet; set your signing PIN first.",
                "ท่านยังไม่มีกุญแจลงนาม กรุณาตั้งรหัส PIN สำหรับลงนามก่อน",
            ),
            RoutingError::WrongPin => {
                Self::new(StatusCode::FORBIDDEN, "wrong_pin", "Wrong signing PIN.", "รหัส PIN สำหรับลงนามไม่ถูกต้อง")
                    .with_field("pin")
            }
            RoutingError::PinRule(reason) => Self::new(
                unprocessable,
                "pin_rejected",
                format!("Signing PIN: {reason}."),
                "รหัส PIN ต้องยาว 6 ถึง 32 ตัว และไม่ง่ายเกินไป (เช่น 123456 หรือ 000000)",
            )
            .with_field("pin"),
            RoutingError::Certificate(reason) => Self::new(
                unprocessable,
                "certificate_unusable",
                format!("The certificate could not be used: {reason}."),
                "ไม่สามารถใช้ใบรับรองนี้ได้",
            ),
            RoutingError::PdfSignature(reason) => Self::new(
                unprocessable,
                "pdf_signature_failed",
                format!("The PDF could not be signed or checked: {reason}."),
                "ไม่สามารถลงนามหรือตรวจสอบลายมือชื่อบน PDF ได้",
            ),
            RoutingError::PeerNotPinned(node) => Self::new(
                StatusCode::FORBIDDEN,
                "peer_not_pinned",
                format!("Node {node} is not a pinned peer of this node; nothing from it is accepted."),
                format!("โหนด {node} ไม่ได้ถูกกำหนดเป็นโหนดคู่ค้าที่เชื่อถือ จึงไม่รับข้อมูลใดจากโหนดนี้"),
            ),
            RoutingError::PeerSignature(reason) => Self::new(
                StatusCode::UNAUTHORIZED,
                "peer_signature_invalid",
                format!("The request's signature does not verify: {reason}."),
                "ลายมือชื่อของคำขอจากโหนดคู่ค้าไม่ถูกต้อง",
            ),
            RoutingError::PeerUnknown(node) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "peer_description_missing",
                format!("The signed description of peer {node} is not known yet; try again later."),
                "ยังไม่ได้รับคำอธิบายโหนดที่ลงนามแล้วของโหนดคู่ค้า กรุณาลองใหม่ภายหลัง",
            ),
            RoutingError::Witness(refusal) => witness_error(refusal),
            RoutingError::MessageSettled(state) => Self::new(
                StatusCode::CONFLICT,
                "message_settled",
                format!("The message is {state}, so it can no longer be retried or cancelled."),
                format!("ข้อความนี้อยู่ในสถานะ {state} แล้ว จึงส่งใหม่หรือยกเลิกไม่ได้"),
            ),
            other @ (RoutingError::Registry(_)
            | RoutingError::Signing(_)
            | RoutingError::Blob(_)
            | RoutingError::Internal(_)) => Self::internal(other),
        }
    }
}

/// A witness's refusal of a peer's checkpoint, with the status C2SP tlog-witness gives it.
fn witness_error(refusal: sarabun_routing::federation::WitnessRefusal) -> ApiError {
    use sarabun_routing::federation::WitnessRefusal as R;
    match refusal {
        R::Malformed(reason) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "witness_request_malformed",
            format!("Not an add-checkpoint request: {reason}."),
            "คำขอให้รับรองจุดตรวจสอบไม่ถูกรูปแบบ",
        ),
        R::UnknownLog(origin) => ApiError::new(
            StatusCode::NOT_FOUND,
            "witness_log_unknown",
            format!("No pinned peer's audit log has origin {origin}."),
            format!("ไม่มีบันทึกการตรวจสอบของโหนดคู่ค้าที่ชื่อ {origin}"),
        ),
        R::NotSigned(origin) => ApiError::new(
            StatusCode::FORBIDDEN,
            "witness_checkpoint_unsigned",
            format!("The checkpoint is not signed by the log key of {origin}."),
            "จุดตรวจสอบไม่ได้ลงนามด้วยกุญแจของบันทึกการตรวจสอบนั้น",
        ),
        R::Inconsistent(origin, reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "witness_split_view",
            format!(
                "The checkpoint of {origin} is not consistent with the one this witness cosigned ({reason}); the alarm is raised."
            ),
            "จุดตรวจสอบไม่สอดคล้องกับจุดที่เคยรับรองไว้ (บันทึกถูกแยกมุมมอง) ได้แจ้งเตือนผู้ดูแลระบบแล้ว",
        ),
        R::Alarmed(origin, reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "witness_log_alarmed",
            format!("The log {origin} is refused since a split view ({reason}) until an operator clears it."),
            "บันทึกการตรวจสอบนี้ถูกปฏิเสธตั้งแต่พบการแยกมุมมอง จนกว่าผู้ดูแลระบบจะตรวจสอบและล้างการแจ้งเตือน",
        ),
    }
}

/// The answer to an arrival from outside, or a bulk receive, that the rules refuse.
fn series_error(refusal: sarabun_domain::SeriesRefusal) -> ApiError {
    use sarabun_domain::SeriesRefusal as R;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match refusal {
        R::NotKept(series) => ApiError::new(
            unprocessable,
            "series_not_kept",
            format!("This office does not keep the {series} series; its office admin chooses the series it keeps."),
            format!("หน่วยงานนี้ไม่ได้ใช้ทะเบียน{} ผู้ดูแลหน่วยงานเป็นผู้กำหนดทะเบียนที่ใช้", series.thai()),
        )
        .with_field("series"),
        R::KindMismatch { series, kind } => ApiError::new(
            unprocessable,
            "series_kind_mismatch",
            format!("A {kind} letter is not numbered in the {series} series."),
            format!("หนังสือประเภทนี้ไม่ใช้เลขทะเบียน{}", series.thai()),
        )
        .with_field("series"),
        R::ReceiveRegister => ApiError::new(
            unprocessable,
            "receive_register_one_series",
            "The receive register has only the normal series.",
            "ทะเบียนหนังสือรับมีเลขทะเบียนชุดเดียว",
        )
        .with_field("series"),
    }
}

fn arrival_error(refusal: ArrivalRefusal) -> ApiError {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match refusal {
        ArrivalRefusal::AlreadyRegistered { earlier } => ApiError::new(
            StatusCode::CONFLICT,
            "already_registered",
            format!(
                "A letter from this sender with this number and date was registered already, as receive number {earlier}. If this is a different letter, register it again confirming so (confirm_different)."
            ),
            format!(
                "หนังสือจากผู้ส่งนี้ เลขที่และลงวันที่เดียวกัน ลงทะเบียนรับแล้ว เป็นเลขรับที่ {earlier} หากเป็นหนังสือคนละฉบับ กรุณายืนยันว่าเป็นหนังสือต่างฉบับแล้วลงทะเบียนอีกครั้ง"
            ),
        ),
        ArrivalRefusal::NoScan => ApiError::new(
            unprocessable,
            "scan_missing",
            "Send the letter's scan: one PDF, or one or more JPEG, PNG or TIFF images (parts named `file`).",
            "กรุณาแนบไฟล์สแกนหนังสือ เป็น PDF หนึ่งไฟล์ หรือภาพ JPEG, PNG หรือ TIFF",
        )
        .with_field("file"),
        ArrivalRefusal::MixedScan => ApiError::new(
            unprocessable,
            "scan_mixed",
            "Send either one PDF or images, not both and not several PDFs.",
            "กรุณาแนบไฟล์ PDF เพียงไฟล์เดียว หรือแนบเป็นภาพทั้งหมด",
        )
        .with_field("file"),
        ArrivalRefusal::TooManyFiles { what, max } => ApiError::new(
            unprocessable,
            "too_many_files",
            format!("At most {max} {what} at once."),
            format!("แนบไฟล์ได้ไม่เกิน {max} ไฟล์"),
        )
        .with_field(if what == "pages" { "file" } else { "enclosure" }),
        ArrivalRefusal::NotAnImage { position } => ApiError::new(
            unprocessable,
            "not_an_image",
            format!("File {position} is not a PDF, JPEG, PNG or TIFF file (its contents were checked, not its name)."),
            format!("ไฟล์ที่ {position} ไม่ใช่ไฟล์ PDF หรือภาพ JPEG, PNG, TIFF"),
        )
        .with_field("file"),
        ArrivalRefusal::ImageDamaged { position, detail } => ApiError::new(
            unprocessable,
            "image_damaged",
            format!("Image {position} is damaged and cannot be read: {detail}"),
            format!("ภาพที่ {position} เสียหาย อ่านไม่ได้"),
        )
        .with_field("file"),
        ArrivalRefusal::ImageTooLarge { position, width, height } => ApiError::new(
            unprocessable,
            "image_too_large",
            format!(
                "Image {position} is {width} × {height} pixels; at most {MAX_IMAGE_SIDE} pixels a side and {MAX_IMAGE_PIXELS} in all."
            ),
            format!("ภาพที่ {position} มีขนาด {width} × {height} พิกเซล ใหญ่เกินกำหนด (ด้านละไม่เกิน {MAX_IMAGE_SIDE} พิกเซล)"),
        )
        .with_field("file"),
        ArrivalRefusal::SenderDate => ApiError::new(
            unprocessable,
            "sender_date_invalid",
            format!(
                "The sender's date must not be after today nor more than {MAX_SENDER_DATE_AGE_YEARS} years ago (give it as YYYY-MM-DD in A.D.)."
            ),
            format!("วันที่ของหนังสือต้องไม่เกินวันนี้ และไม่เก่ากว่า {MAX_SENDER_DATE_AGE_YEARS} ปี (ระบุเป็น ค.ศ. แบบ YYYY-MM-DD)"),
        )
        .with_field("sender_date"),
        ArrivalRefusal::BulkSize => ApiError::new(
            unprocessable,
            "bulk_size",
            format!("Receive from 1 to {MAX_BULK_RECEIVE} letters at once."),
            format!("ลงรับได้ครั้งละ 1 ถึง {MAX_BULK_RECEIVE} ฉบับ"),
        )
        .with_field("delivery_ids"),
    }
}

/// The answer to an outside recipient, or an action on its delivery, that the rules refuse.
fn outside_send_error(refusal: sarabun_domain::OutsideSendRefusal) -> ApiError {
    use sarabun_domain::OutsideSendRefusal as R;
    use sarabun_domain::outside_send::MAX_OUTSIDE_RECIPIENTS;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match refusal {
        R::NoAddress { position } => ApiError::new(
            unprocessable,
            "outside_recipient_no_address",
            format!("Outside recipient {position} needs an e-mail address or a postal address."),
            format!("ผู้รับภายนอกลำดับที่ {position} ต้องมีที่อยู่อีเมลหรือที่อยู่ทางไปรษณีย์"),
        )
        .with_field("outside_recipients"),
        R::TooMany => ApiError::new(
            unprocessable,
            "too_many_outside_recipients",
            format!("A letter may have at most {MAX_OUTSIDE_RECIPIENTS} outside recipients."),
            format!("ระบุผู้รับภายนอกได้ไม่เกิน {MAX_OUTSIDE_RECIPIENTS} ราย"),
        )
        .with_field("outside_recipients"),
        R::UnknownBody { position } => ApiError::new(
            unprocessable,
            "unknown_outside_body",
            format!("Outside recipient {position}: no such body in your office's address book."),
            format!("ผู้รับภายนอกลำดับที่ {position} ไม่มีในทะเบียนรายชื่อหน่วยงานภายนอกของหน่วยงานท่าน"),
        )
        .with_field("outside_recipients.body_id"),
        R::Twice { position } => ApiError::new(
            unprocessable,
            "outside_recipient_twice",
            format!("Outside recipient {position} is named twice."),
            format!("ผู้รับภายนอกลำดับที่ {position} ซ้ำกับรายการก่อนหน้า"),
        )
        .with_field("outside_recipients"),
        R::SecretByEmail { position } => ApiError::new(
            unprocessable,
            "outside_secret_by_email",
            format!("Outside recipient {position}: a secret letter goes to outside recipients by post only."),
            format!("ผู้รับภายนอกลำดับที่ {position}: หนังสือลับส่งถึงผู้รับภายนอกได้ทางไปรษณีย์เท่านั้น"),
        )
        .with_field("outside_recipients.email"),
        R::PostedDate => ApiError::new(
            unprocessable,
            "posted_date_invalid",
            "The posted date must not be after today nor before the letter's date (YYYY-MM-DD, A.D.).",
            "วันที่ส่งทางไปรษณีย์ต้องไม่เกินวันนี้ และไม่ก่อนวันที่ของหนังสือ",
        )
        .with_field("posted_on"),
        R::State { state } => ApiError::new(
            StatusCode::CONFLICT,
            "outside_delivery_state",
            format!("Not possible while the delivery to this outside recipient is {state}."),
            format!("ดำเนินการไม่ได้ เนื่องจากสถานะการส่งถึงผู้รับภายนอกรายนี้คือ {}", state.thai()),
        ),
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
