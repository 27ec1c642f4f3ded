//! Operator commands built on the database layer: schema reports and (later) backups,
//! restores, the orchestrated migration and seeding.

pub mod backup;
pub mod checksum;
pub mod expiry_warnings;
pub mod import_files;
pub mod migrate;
pub mod schema;
pub mod seed;
pub mod verify;
