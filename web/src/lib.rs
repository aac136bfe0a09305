//! The pullpath browser app: root component and routing between screens.
//!
//! Business logic lives in `pullpath-core`; this crate holds only what needs a browser.

mod pages;

use leptos::prelude::*;

pub use pages::App;
