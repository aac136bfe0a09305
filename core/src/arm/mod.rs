//! ARM wire models: what Azure Resource Manager sends and accepts, as serde types.
//!
//! These types mirror the official OpenAPI specs (see `tests/contract`) and are tolerant: unknown
//! fields are ignored, optional fields default, and the two spellings ARM uses for combined
//! identity types both parse. Analysis code does not read JSON; it reads these.
//!
//! Not here: building requests (`request`), deciding what the data means (`inventory` and
//! later analysis modules).

mod authorization;
mod compute;
mod connection;
mod container_group;
mod envelope;
mod environment;
mod identity;
mod job;
mod managed_cluster;
mod network;
mod online_endpoint;
mod registry;
mod resource_graph;
mod subscription;
mod workspace;

pub use authorization::*;
pub use compute::*;
pub use connection::*;
pub use container_group::*;
pub use envelope::*;
pub use environment::*;
pub use identity::*;
pub use job::*;
pub use managed_cluster::*;
pub use network::*;
pub use online_endpoint::*;
pub use registry::*;
pub use resource_graph::*;
pub use subscription::*;
pub use workspace::*;
