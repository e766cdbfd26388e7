//! What the end-to-end tests stand on: a node started per test ([`TestApp`]), the people who use it
//! ([`Persona`], signed in and acting through the HTTP API), and the answers they read back, typed
//! as a client would see them ([`answers`]). Raw HTTP stays at hand for tests of exact wire shapes.

pub mod answers;
mod app;
pub mod browser;
pub mod nodes;
mod persona;
pub mod s3;
pub mod slapd;

pub use app::{Backend, TestApp};
pub use persona::{Persona, letter_body, letter_body_with};

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Runs each named `async fn name(backend: Backend)` on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::Backend::Postgres).await
            }
        }
    )*};
}
pub(crate) use on_both;

/// The sample external letter from `fixtures/letters/`.
pub fn invitation_pdf() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/letters/invitation.pdf")).unwrap()
}

/// Asserts an error response's status and stable code, returning its body.
pub async fn expect_error(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "expected {code}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    assert!(!body["message_th"].as_str().unwrap_or_default().is_empty());
    body
}

/// The delivery id to `office_code` in a letter read as raw JSON (see [`answers::Letter::delivery_to`]).
pub fn delivery_to(letter: &Value, office_code: &str) -> String {
    letter["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["office"]["code"] == office_code)
        .unwrap_or_else(|| panic!("no delivery to {office_code}"))["delivery_id"]
        .as_str()
        .unwrap()
        .to_owned()
}
