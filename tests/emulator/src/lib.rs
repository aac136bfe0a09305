//! pullpath-emulator: a loopback Azure Resource Manager that serves `pullpath_sim` over real
//! HTTP, so the browser app, the CLI and scale benchmarks can run against something that
//! behaves like ARM on the wire — bearer tokens checked against a JWKS, ARM's 401/403/429
//! bodies and headers, token-bucket throttling with `x-ms-ratelimit-remaining-*`, Resource
//! Graph quota headers, CORS like ARM's, injected faults and per-request latency.
//!
//! Not here: what the tenant holds or how requests are answered (`pullpath_sim`), and
//! how discovery works (`pullpath_core::scan`; [`driver`] only carries its requests).

pub mod auth;
pub mod config;
pub mod driver;
pub mod server;
pub mod throttle;

pub use config::Config;
pub use server::{start, Running};

/// Everything that can stop the emulator from starting or the driver from running.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("could not fetch the JWKS from {url}: {reason}; check that the OIDC server is running and --jwks-url is right")]
    JwksFetch { url: String, reason: String },
    #[error("the JWKS from {source_name} is not a JSON Web Key Set: {reason}")]
    JwksInvalid { source_name: String, reason: String },
    #[error("tokens cannot be checked: give --jwks-url (or --jwks-file) with --issuer and --audience, or --insecure-accept-any-token for a local demo")]
    NoTokenCheck,
    #[error("unknown scenario {0:?}: use demo, small or large")]
    UnknownScenario(String),
    #[error("the --tenant document is not {{\"resources\": [ARM resource objects]}}: {0}")]
    Tenant(String),
    #[error("the fault rules are not valid JSON rules: {0}")]
    Faults(String),
    #[error("{0:?} is not a resource id to forbid: {1}")]
    Forbid(String, String),
    #[error("could not listen on 127.0.0.1:{port}: {reason}; is the port taken?")]
    Bind { port: u16, reason: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the scan driver could not reach the emulator: {0}")]
    Driver(String),
}
