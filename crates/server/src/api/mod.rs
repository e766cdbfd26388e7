//! The handlers of `/api/v1`. Each parses, names the signed-in user, calls one routing function and
//! returns its view; business rules live in `sarabun-routing`, never here.

pub mod access;
pub mod admin;
pub mod audit;
pub mod directory;
pub mod drafts;
pub mod federation;
pub mod letters;
pub mod outside;
pub mod outside_send;
pub mod registers;
pub mod route;
pub mod session;
pub mod wire;
pub mod witness;
