//! End-to-end tests: the real server on a free port, real HTTP, a real SQLite file or a real
//! PostgreSQL database (a copy of one migrated template, created and dropped per test). One test
//! binary, modules inside, because every file under `tests/` would be another binary to link. Tests
//! read as what people do: `let cgd = app.clerk("clerk.cgd").await; cgd.receive(&delivery).await`.
//!
//! Every scenario written with `on_both!` runs twice: `…::sqlite` and `…::postgres`. PostgreSQL is
//! taken from `SARABUN_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`); when it cannot
//! be reached the PostgreSQL tests fail with a message saying so — they never skip silently.

mod support;

mod audit;
mod audit_visibility;
mod backup;
mod bad_input;
mod browser;
mod browser_arrival;
mod browser_drafting;
mod cli;
mod crash_receive;
mod drafting;
mod federation;
mod federation_both_ways;
mod federation_ops;
mod federation_trail;
mod federation_witness;
mod hardening;
mod hostile_input;
mod ldap;
mod letter_path;
mod many_offices;
mod metrics;
mod notification;
mod numbering;
mod object_store;
mod operations;
mod outside;
mod outside_send;
mod register_ops;
mod register_series;
mod route;
mod security;
mod sign_in;
mod stamping;
mod text_search;
mod web;
mod web_arrivals;
