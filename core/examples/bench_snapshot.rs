//! Writes a generated tenant as a snapshot file sized for the browser graph benchmark
//! (tests/bench/pan-zoom.mjs): about 2,000 graph nodes and 10,000 edges once analysed.
//!
//! Usage: cargo run --release -p pullpath-core --example bench_snapshot -- OUT.json [IDENTITIES ASSIGNMENTS]
//! Prints the graph's node and edge counts, read back through the snapshot parser as the
//! app reads it.

use pullpath_core::sim::generate::{generate, TenantSpec};
use pullpath_core::{access, graph, snapshot};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: bench_snapshot OUT.json [IDENTITIES ASSIGNMENTS]");
        std::process::exit(2);
    };
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
    let analysis = access::analyze(&inventory);
    let g = graph::build(&inventory, &analysis);
    std::fs::write(out, &text).expect("the snapshot is written");
    println!("{{\"nodes\": {}, \"edges\": {}, \"bytes\": {}}}", g.nodes.len(), g.edges.len(), text.len());
}
