//! sea-orm entities, one module per table of `migrations/`. Columns hold wire names (`received`,
//! `most_urgent`); turning them back into domain types is the job of the queries that read them.

pub mod audit_checkpoint;
pub mod audit_entry;
pub mod audit_hash;
pub mod delivery;
pub mod digest_item;
pub mod document;
pub mod email;
pub mod event;
pub mod folder;
pub mod idempotency_key;
pub mod job_run;
pub mod letter;
pub mod letter_document;
pub mod matter;
pub mod node_key;
pub mod office;
pub mod office_key;
pub mod outside_arrival;
pub mod outside_body;
pub mod pending_grant;
pub mod placement;
pub mod register_counter;
pub mod register_entry;
pub mod register_entry_cancel;
pub mod register_reservation;
pub mod retention_list;
pub mod route_step;
pub mod route_task;
pub mod session;
pub mod sign_in_throttle;
pub mod signature_image;
pub mod stand_in;
pub mod unit;
pub mod user;
