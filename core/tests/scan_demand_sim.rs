//! What the scan reads for the demand side (`scan_demand.rs`: environments, their newest
//! versions, online deployments) on both strategies, against a generated tenant.
use std::time::Duration;

use pullpath_core::scan::{Scan, ScanConfig, ScanResult, Start, Strategy};
use pullpath_sim::{drive, generate, Sim, DEFAULT_ORIGIN};

fn scan(strategy: Strategy, versions: usize, page_size: usize) -> ScanResult {
    let mut sim = Sim::generated(&generate::TenantSpec::small(5));
    sim.page_size = page_size;
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    config.strategy = strategy;
    config.environment_versions = versions;
    let mut scan = Scan::with_config(config);
    drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
    scan.into_result()
}

/// Both strategies read every environment, only its newest versions (the setting), and
/// every endpoint's deployments; a version list's `nextLink` is not a page left unread.
#[test]
fn reads_the_newest_versions_and_every_deployment_on_both_strategies() {
    for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
        let r = scan(strategy, 3, 2);
        let inv = &r.inventory;
        let workspaces_with_endpoints = inv.online_endpoints.len();
        assert!(workspaces_with_endpoints > 0, "{strategy:?}");
        assert_eq!(inv.environments.len(), 2 * workspaces_with_endpoints, "{strategy:?}");
        assert_eq!(inv.environment_versions.len(), 3 * inv.environments.len(), "{strategy:?}");
        let mut names: Vec<&str> = inv.environment_versions.iter().map(|v| v.id.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["3", "4", "5"], "{strategy:?}: the newest three of five");
        assert_eq!(inv.online_deployments.len(), workspaces_with_endpoints, "{strategy:?}");
        assert!(r.skipped.is_empty(), "{strategy:?}: {:?}", r.skipped);
    }
    assert!(scan(Strategy::ResourceGraph, 0, 100).inventory.environment_versions.is_empty(), "0 reads no versions");
    assert_eq!(scan(Strategy::PerProvider, 10, 100).inventory.environment_versions.len(), 20, "more than there are reads them all");
}
