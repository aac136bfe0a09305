//! pullpath-core: everything pullpath knows about Azure, with no I/O.
//!
//! The core never touches the network, the clock or a random source. Requests leave it as
//! data ([`request::Request`]), responses come back as data ([`request::Response`]), and time
//! and randomness are passed in by the host (web app, CLI, tests).

// ARM contract
pub mod arm;
pub mod id;
pub mod link;
pub mod percent;
pub mod request;

// Where the app runs
pub mod cloud;

// Reading a tenant
pub mod diagnostic;
pub mod directory;
pub mod directory_request;
pub mod engine;
pub mod executor;
pub mod inventory;
pub mod scan;
pub mod snapshot;

// Understanding it
pub mod access;
pub mod analysis;
pub mod catalog;
pub mod condition;
pub mod fast;
pub mod findings;
pub mod graph;
pub mod hierarchy;
pub mod network;
pub mod layout;
pub mod rbac;
pub mod registry_login;
pub mod report;
pub mod summary;
pub mod truth;

// Changing it
pub mod apply;
pub mod change;
pub mod export;
pub mod intent;
pub mod plan;

pub use id::ResourceId;

/// The demo tenant's snapshot, for core's unit tests. The simulator (crate `pullpath-sim`)
/// owns it; core's unit tests cannot use that crate (it depends on core, so its types would
/// be another copy of core's), and read the file instead.
#[cfg(test)]
pub(crate) const DEMO_TENANT: &str = include_str!("../../sim/src/demo.json");
pub mod matrix;
pub mod share;

// Cross-cutting
pub mod sort;
pub mod words;
