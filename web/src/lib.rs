//! The pullpath browser app: root component and routing between screens.
//!
//! Business logic lives in `pullpath-core`; this crate holds only what needs a browser.

mod pages;

pub use pages::App;
