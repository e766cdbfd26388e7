//! The `sarabun` command: serve a node, run the demo, migrate, verify receipts, benchmark. The
//! subcommands are thin; they load settings, call the crates under `crates/`, and report. The demo
//! directory and the receipt verifier live here so that the end-to-end tests use the same code.

pub mod backup;
pub mod bench;
pub mod cli;
pub mod demo;
pub mod verify;
