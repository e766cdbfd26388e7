//! Mail: what an e-mail tells ([`notice`]), how it is worded from the embedded Thai and English
//! templates ([`templates`]), how it becomes a MIME message with a stable Message-ID ([`message`]),
//! and how it is handed to the SMTP relay ([`smtp`]). Nothing here touches the database, so all of
//! it can be rendered and tested alone; the worker and the jobs decide what to send and when.

pub mod message;
pub mod notice;
pub mod smtp;
pub mod templates;
#[cfg(test)]
mod tests;
