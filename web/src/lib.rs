//! The pullpath browser app: sign-in, the ARM executor, and the screens.
//!
//! Business logic lives in `pullpath-core`; this crate holds only what needs a browser:
//! `auth` (tokens, in memory only), `http` (the one module that fetches), `demo` (the demo
//! tenant's worker), `engine` (runs any
//! core state machine with browser timers), `state` (signals and actions) and `pages`.

pub mod auth;
mod demo;
mod engine;
pub mod http;
mod pages;
mod state;

pub use pages::App;
