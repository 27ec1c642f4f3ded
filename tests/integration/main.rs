//! The integration tests: one binary, one module per area, one harness (`helpers`).

mod api;
mod auth;
mod authority;
mod backup;
mod cli;
mod helpers;
mod http_ops;
mod hygiene;
mod invitations;
mod limits;
mod login_privacy;
mod multitenancy;
mod multitenancy_smoke;
mod notifications;
mod organizations;
mod revision_015;
mod revisions;
mod runbook;
mod schema;
mod serve;
mod session;
mod shipments;
mod tenancy;
mod throttle;
mod users;
