//! The database layer: the managed local cluster, connections, the revision engine, the
//! catalog reader used to check schemas, and the queries of each aggregate (each taking the
//! caller's [`tenant::TenantTx`]).

pub mod app_role;
pub mod audit;
pub mod catalog;
pub mod cluster;
pub mod connect;
pub mod documents;
pub mod invitations;
pub mod jobs;
pub mod members;
pub mod memberships;
pub mod notifications;
pub mod organizations;
pub mod revisions;
pub mod sessions;
pub mod shipments;
pub mod tenant;
pub mod tools;
pub mod tracking;
pub mod users;
pub mod violation;

/// A stored label no enum of ours knows (a row written by something else): a decode error,
/// like a column of the wrong type.
fn undecodable(error: crate::domain::UnknownLabel) -> sqlx::Error {
    sqlx::Error::Decode(error.into())
}
