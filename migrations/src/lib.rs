//! The database schema, as sea-orm migrations that produce the same tables on SQLite (the embedded
//! default) and PostgreSQL (production). Migrations only ever add: a released migration is never
//! edited, because a ministry's database may already have run it.

pub use sea_orm_migration::prelude::*;

mod m0001_letter_path;
mod m0002_audit_log;
mod m0003_notifications;
mod m0004_web;
mod m0005_sign_in;
mod m0006_office_route;
mod m0007_directory_sign_in;
mod m0008_register_operations;
mod m0009_outside_arrivals;
mod m0010_drafts;
mod m0011_outside_recipients;
mod m0012_register_series;
mod m0013_text_search;
mod m0014_federation;
mod m0015_audit_queue;
mod m0016_witness;
mod m0017_exchange_ops;
mod m0018_audit_storage;
mod m0019_inbox_filters;
mod m0020_office_lookup;
mod m0021_inbox_sender;

/// Runs every migration in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_letter_path::Migration),
            Box::new(m0002_audit_log::Migration),
            Box::new(m0003_notifications::Migration),
            Box::new(m0004_web::Migration),
            Box::new(m0005_sign_in::Migration),
            Box::new(m0006_office_route::Migration),
            Box::new(m0007_directory_sign_in::Migration),
            Box::new(m0008_register_operations::Migration),
            Box::new(m0009_outside_arrivals::Migration),
            Box::new(m0010_drafts::Migration),
            Box::new(m0011_outside_recipients::Migration),
            Box::new(m0012_register_series::Migration),
            Box::new(m0013_text_search::Migration),
            Box::new(m0014_federation::Migration),
            Box::new(m0015_audit_queue::Migration),
            Box::new(m0016_witness::Migration),
            Box::new(m0017_exchange_ops::Migration),
            Box::new(m0018_audit_storage::Migration),
            Box::new(m0019_inbox_filters::Migration),
            Box::new(m0020_office_lookup::Migration),
            Box::new(m0021_inbox_sender::Migration),
        ]
    }
}
