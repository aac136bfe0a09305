//! The discovery benchmark of issue #6: a full scan of a generated tenant against the emulator
//! (50 ms latency, ARM-like throttling) with each strategy; prints a Markdown table for
//! docs/benchmarks.md.
//!
//! `cargo run -p pullpath-emulator --profile bench --bin discovery-bench -- [--scenario large]
//! [--latency-ms 50] [--graph-quota 15] [--strategies all|graph|graph-rows|provider|resource]
//! [--no-private-dns] [--count-per-resource]`
//!
//! `--no-private-dns` scans without listing the DNS zone groups of registries' private
//! endpoints (`ScanConfig::private_dns`), to measure what they cost.
//!
//! `graph` is the scan as shipped (Resource Graph rows grouped per resource group);
//! `graph-rows` is the same scan against a Resource Graph that refuses `summarize`, so it
//! pages through plain rows.

use pullpath_core::scan::{ScanConfig, Start, Strategy};
use pullpath_emulator::driver::run_scan;
use pullpath_emulator::{start, Config};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string());
    let scenario = arg("--scenario", "large");
    let latency: u64 = arg("--latency-ms", "50").parse().unwrap_or(50);
    let graph_quota: u32 = arg("--graph-quota", "15").parse().unwrap_or(15);
    // (label, strategy, Resource Graph refuses `summarize`)
    let graph = ("Resource Graph (grouped rows)", Strategy::ResourceGraph, false);
    let rows = ("Resource Graph (plain rows)", Strategy::ResourceGraph, true);
    let provider = ("Per provider (fallback)", Strategy::PerProvider, false);
    let strategies = match arg("--strategies", "all").as_str() {
        "graph" => vec![graph],
        "graph-rows" => vec![rows],
        "provider" => vec![provider],
        "resource" => vec![("Per resource (other tools)", Strategy::PerResource, false)],
        _ => vec![graph, rows, provider],
    };
    println!("| strategy | requests | received | wall time | 429s | retries | registries | identities | role assignments | role definitions | skipped |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (label, strategy, rows_only) in strategies {
        // A fresh emulator per run: fresh buckets, nothing cached.
        let mut config = Config::for_tests();
        config.scenario = scenario.clone();
        config.latency_ms = latency;
        config.graph_quota = graph_quota;
        config.graph_rows_only = rows_only;
        // Token checks are the same for every strategy and not what is measured here.
        config.insecure_accept_any_token = true;
        let running = match start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("discovery-bench: {e}");
                std::process::exit(2);
            }
        };
        let mut scan = ScanConfig::new(&running.base_url, Start::AllSubscriptions);
        scan.strategy = strategy;
        scan.private_dns = !args.iter().any(|a| a == "--no-private-dns");
        match run_scan(&running.base_url, "bench-token", scan).await {
            Ok(r) => {
                let inv = &r.result.inventory;
                println!(
                    "| {label} | {} | {:.1} MB | {:.2} s | {} | {} | {} | {} | {} | {} | {} |",
                    r.requests,
                    r.bytes_received as f64 / 1e6,
                    r.wall.as_secs_f64(),
                    r.by_status.get(&429).copied().unwrap_or(0),
                    r.progress.retries,
                    inv.registries.len(),
                    inv.identities.len(),
                    inv.role_assignments.len(),
                    inv.role_definitions.len(),
                    r.result.skipped.len()
                );
            }
            Err(e) => println!("| {label} | failed: {e} |"),
        }
    }
    if args.iter().any(|a| a == "--count-per-resource") {
        count_per_resource(&scenario);
    }
}

/// The per-resource strategy sends tens of thousands of requests on the large tenant (every
/// resource's list repeats the assignments inherited from above, page after page), which
/// takes minutes over HTTP; its request count is the same in memory, so count it there.
fn count_per_resource(scenario: &str) {
    let spec = pullpath_sim::generate::TenantSpec::named(scenario, 1).expect("scenario is small or large");
    let mut sim = pullpath_sim::Sim::generated(&spec);
    let mut config = ScanConfig::new(pullpath_sim::DEFAULT_ORIGIN, Start::AllSubscriptions);
    config.strategy = Strategy::PerResource;
    let mut scan = pullpath_core::scan::Scan::with_config(config);
    let (mut requests, mut role_lists) = (0usize, 0usize);
    while let Some((id, req)) = scan.poll_request(std::time::Duration::ZERO) {
        requests += 1;
        let is_first_page = !req.query.iter().any(|(k, _)| k == "$skiptoken");
        if is_first_page && req.path.ends_with("/providers/Microsoft.Authorization/roleAssignments") {
            role_lists += 1;
        }
        let resp = sim.handle(&req);
        scan.handle_response(std::time::Duration::ZERO, id, Ok(resp));
    }
    let r = scan.into_result();
    println!(
        "| Per resource (in memory, request count only) | {requests} | - | - | - | - | {} | {} | {} | {} | {} |",
        r.inventory.registries.len(),
        r.inventory.identities.len(),
        r.inventory.role_assignments.len(),
        r.inventory.role_definitions.len(),
        r.skipped.len()
    );
    println!("\nPerResource: {role_lists} role-assignment lists (one per resource), {requests} requests with paging.");
}
