//! The seam between a host and the outside world: one request in, one response out; and the
//! messages that carry requests to an executor in another JavaScript realm.
//!
//! The web app implements [`Executor`] with `fetch` (ARM and Microsoft Graph, each with its own
//! token) and with the demo's Web Worker; the simulator implements it in memory
//! (`pullpath_sim::SimExecutor`). The core's machines (`Scan`, `Apply`, `Change`) never call
//! it: they are sans-IO, and a driver (the web app's `engine`) hands their requests to an
//! executor, so they run unchanged on any of them.
//! The trait has no `Send` bound because browsers are single-threaded.

use crate::request::{Request, Response};

/// Why a request got no HTTP response at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("network error: {0}")]
    Network(String),
    #[error("the request was cancelled")]
    Aborted,
    #[error("not signed in: {0}")]
    Unauthenticated(String),
}

#[allow(async_fn_in_trait)]
pub trait Executor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError>;
}

/// A request handed to an executor in another JavaScript realm (the demo tenant's Web Worker,
/// `demo/`), as the JSON text `postMessage` carries. `id` pairs it with its [`Answer`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub id: u32,
    pub request: Request,
}

/// The other realm's response to the [`Call`] with the same `id`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    pub id: u32,
    pub response: Response,
}

/// What the demo's worker posts once it can take calls; calls sent before are queued.
pub const WORKER_READY: &str = "ready";
