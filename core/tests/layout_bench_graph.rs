//! The benchmark graph (2,000 nodes, 10,000 edges): its generator gives exactly that, and its
//! layout passes every property small graphs do.
//!
//! It is also where the browser benchmark gets its data, so sigma.js, cytoscape.js and
//! pullpath draw the very same graph: with `PULLPATH_BENCH_GRAPH=path`, this test writes
//! `{ "graph": …, "layout": … }` there (tests/bench/graph.mjs sets it).

#[path = "layout/support.rs"]
mod support;

use std::collections::HashSet;

use pullpath_core::graph::{EdgeKind, NodeId, NodeKind};
use pullpath_core::layout::{self, synthetic, LayoutOptions};

#[test]
fn bench_graph_is_the_size_it_says_and_lays_out_cleanly() {
    let g = synthetic::graph(&synthetic::BENCH);
    assert_eq!((g.nodes.len(), g.edges.len()), (2_000, 10_000));
    let ids: HashSet<&NodeId> = g.nodes.iter().map(|n| &n.id).collect();
    assert_eq!(ids.len(), g.nodes.len(), "node ids are unique");
    for e in &g.edges {
        assert!(ids.contains(&e.from) && ids.contains(&e.to), "{e:?}");
    }
    // Every node kind and every access kind is there, so the benchmark draws them all.
    for k in [NodeKind::Workspace, NodeKind::Compute, NodeKind::ManagedCluster, NodeKind::Connection, NodeKind::Identity, NodeKind::Registry, NodeKind::Anyone] {
        assert!(g.nodes.iter().any(|n| n.kind == k), "{k:?}");
    }
    for k in [EdgeKind::Direct, EdgeKind::Inherited, EdgeKind::BroadRole, EdgeKind::AdminKeys, EdgeKind::Anonymous, EdgeKind::AbacIgnored, EdgeKind::Missing, EdgeKind::ActsAs, EdgeKind::Contains] {
        assert!(g.edges.iter().any(|e| e.kind == k), "{k:?}");
    }
    assert_eq!(g, synthetic::graph(&synthetic::BENCH), "same spec, same graph");

    let opts = LayoutOptions::default();
    let l = layout::layout(&g, &opts);
    support::check("bench graph", &g, &l);
    support::order_independent("bench graph", &g, &opts);

    if let Some(path) = std::env::var_os("PULLPATH_BENCH_GRAPH") {
        let doc = serde_json::json!({ "spec": { "seed": synthetic::BENCH.seed, "nodes": synthetic::BENCH.nodes, "edges": synthetic::BENCH.edges }, "graph": g, "layout": l });
        std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.to_string_lossy()));
    }
}
