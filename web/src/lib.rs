//! The pullpath browser app: sign-in, the ARM executor, and the screens.
//!
//! Business logic lives in `pullpath-core`; this crate holds only what needs a browser:
//! `auth` (tokens, in memory only), `fetch` (the one module that calls the browser's `fetch`),
//! `http` (the executor that sends core requests with each service's token), `demo` (the demo
//! tenant's worker), `engine` (runs any
//! core state machine with browser timers), `state` (signals and actions) and `pages`.

pub mod auth;
mod change;
mod demo;
mod engine;
mod fetch;
mod files;
pub mod http;
mod pages;
mod state;

pub use pages::App;
