//! The pullpath browser app: sign-in, the ARM executor, and the screens.
//!
//! Business logic lives in `pullpath-core`; this crate holds only what needs a browser:
//! `auth` (tokens, in memory only), `http` (the one module that fetches), `driver` (runs core
//! state machines with browser timers), `state` (signals and actions) and `pages`.

pub mod auth;
mod driver;
pub mod http;
mod pages;
mod state;

pub use pages::App;
mod apply;
