//! Container tracking, the I/O side: applying reports to shipments.

pub mod apply;
