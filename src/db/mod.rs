//! The database layer: the managed local cluster, connections, the revision engine and the
//! catalog reader used to check schemas.

pub mod app_role;
pub mod catalog;
pub mod cluster;
pub mod connect;
pub mod invitations;
pub mod members;
pub mod memberships;
pub mod notifications;
pub mod organizations;
pub mod revisions;
pub mod sessions;
pub mod shipments;
pub mod tenant;
pub mod tools;
pub mod users;
pub mod violation;
