//! The discovery benchmark of issue #6: a full scan of a generated tenant against the emulator
//! (50 ms latency, ARM-like throttling) with each strategy; prints a Markdown table for
//! docs/benchmarks.md.
//!
//! `cargo run -p pullpath-emulator --profile bench --bin discovery-bench -- [--scenario large] [--latency-ms 50]`

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
    let strategies: Vec<Strategy> = match arg("--strategies", "all").as_str() {
        "graph" => vec![Strategy::ResourceGraph],
        "provider" => vec![Strategy::PerProvider],
        "resource" => vec![Strategy::PerResource],
        _ => vec![Strategy::ResourceGraph, Strategy::PerProvider, Strategy::PerResource],
    };
    println!("| strategy | requests | wall time | 429s | retries | registries | identities | role assignments | role definitions | skipped |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for strategy in strategies {
        // A fresh emulator per run: fresh buckets, nothing cached.
        let mut config = Config::for_tests();
        config.scenario = scenario.clone();
        config.latency_ms = latency;
        config.graph_quota = graph_quota;
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
        match run_scan(&running.base_url, "bench-token", scan).await {
            Ok(r) => {
                let inv = &r.result.inventory;
                println!(
                    "| {strategy:?} | {} | {:.2} s | {} | {} | {} | {} | {} | {} | {} |",
                    r.requests,
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
            Err(e) => println!("| {strategy:?} | failed: {e} |"),
        }
    }
}
