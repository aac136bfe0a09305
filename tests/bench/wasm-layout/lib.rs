//! Exports two functions to JavaScript with no bindings crate: `prepare` builds the benchmark
//! graph once, `run` lays it out; the page times `run` with `performance.now()` (the core
//! itself never reads a clock).

use std::sync::OnceLock;

use pullpath_core::graph::Graph;
use pullpath_core::layout::{self, synthetic, LayoutOptions};

static GRAPH: OnceLock<Graph> = OnceLock::new();

#[no_mangle]
pub extern "C" fn prepare() -> u32 {
    GRAPH.get_or_init(|| synthetic::graph(&synthetic::BENCH)).nodes.len() as u32
}

/// Lays the graph out and returns the number of routed edges (so the work is not optimised
/// away), or 0 before `prepare`.
#[no_mangle]
pub extern "C" fn run() -> u32 {
    GRAPH.get().map(|g| layout::layout(g, &LayoutOptions::default()).edges.len() as u32).unwrap_or(0)
}
