//! Writes a generated tenant as a snapshot file sized for the browser graph benchmarks
//! (tests/bench/pan-zoom.mjs, tests/bench/compare.mjs): about 2,000 graph nodes and 10,000
//! edges once analysed.
//!
//! Usage: cargo run --release -p pullpath-core --example bench_snapshot -- OUT.json [--graph GRAPH.json] [IDENTITIES ASSIGNMENTS]
//!
//! Prints the graph's node and edge counts, read back through the snapshot parser as the
//! app reads it. With `--graph`, also writes that graph and its layout as
//! `{ "spec", "graph", "layout" }` — the shape core/tests/layout_bench_graph.rs writes and the
//! sigma.js and cytoscape.js pages in tests/bench/pages/ draw — so those libraries draw the
//! very graph the app's Graph tab draws for this snapshot.

use pullpath_core::layout::{self, LayoutOptions};

use pullpath_core::analysis;
use pullpath_sim::generate::{generate, TenantSpec};
use pullpath_core::{graph, snapshot};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let graph_out = match args.iter().position(|a| a == "--graph") {
        Some(i) if i + 1 < args.len() => {
            let path = args.remove(i + 1);
            args.remove(i);
            Some(path)
        }
        Some(_) => usage(),
        None => None,
    };
    let Some(out) = args.first() else { usage() };
    let number = |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let spec = TenantSpec {
        seed: 8,
        subscriptions: 10,
        resource_groups_per_subscription: 4,
        registries: 200,
        abac_registry_percent: 20,
        workspaces: 30,
        computes_per_workspace: 4,
        managed_clusters: 40,
        identities: number(1, 1_400),
        role_assignments: number(2, 2_600),
        custom_roles: 5,
    };
    let tenant = generate(&spec);
    let text = serde_json::json!({ "resources": tenant.resources }).to_string();
    let (inventory, _) = snapshot::parse(&text).expect("the generated snapshot parses");
    let analysis = analysis::analyze(&inventory);
    let g = graph::build(&inventory, &analysis);
    std::fs::write(out, &text).expect("the snapshot is written");
    if let Some(path) = graph_out {
        // The whole graph with default options: what the Graph tab lays out when nothing is
        // focused or filtered (web/src/pages/graph.rs, view_memo).
        let l = layout::layout(&g, &LayoutOptions::default());
        let doc = serde_json::json!({
            "spec": { "source": "bench_snapshot", "seed": spec.seed, "nodes": g.nodes.len(), "edges": g.edges.len() },
            "graph": g,
            "layout": l,
        });
        std::fs::write(&path, doc.to_string()).expect("the graph is written");
    }
    println!("{{\"nodes\": {}, \"edges\": {}, \"bytes\": {}}}", g.nodes.len(), g.edges.len(), text.len());
}

fn usage() -> ! {
    eprintln!("usage: bench_snapshot OUT.json [--graph GRAPH.json] [IDENTITIES ASSIGNMENTS]");
    std::process::exit(2);
}
