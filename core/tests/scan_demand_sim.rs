//! What the scan reads for the demand side (`scan_demand.rs`: environments, their newest
//! versions, jobs, online deployments) on both strategies, against a generated tenant.
use std::time::Duration;

use pullpath_core::scan::{Scan, ScanConfig, ScanResult, Start, Strategy};
use pullpath_sim::{drive, generate, Sim, DEFAULT_ORIGIN};

fn scan(strategy: Strategy, versions: usize, page_size: usize) -> ScanResult {
    scan_with(strategy, versions, 20, page_size)
}

fn scan_with(strategy: Strategy, versions: usize, jobs: usize, page_size: usize) -> ScanResult {
    let mut sim = Sim::generated(&generate::TenantSpec::small(5));
    sim.page_size = page_size;
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    config.strategy = strategy;
    config.environment_versions = versions;
    config.jobs = jobs;
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

/// Each workspace's jobs: pages followed until the setting's number is read, the newest of a
/// page first; a workspace with more says so, and 0 lists no jobs.
#[test]
fn reads_jobs_up_to_the_setting_and_says_when_more_exist() {
    for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
        let r = scan_with(strategy, 3, 20, 100);
        let with_jobs = r.inventory.online_endpoints.len();
        assert_eq!(r.inventory.jobs.len(), 2 * with_jobs, "{strategy:?}: both jobs of each workspace with a compute");
        assert!(!r.diagnostics.iter().any(|d| d.message.contains("jobs: the first")), "{strategy:?}");
        // Pages of one: the second page is followed, as 20 are not read yet.
        let r = scan_with(strategy, 3, 20, 1);
        assert_eq!(r.inventory.jobs.len(), 2 * with_jobs, "{strategy:?}: pages followed");
        assert!(!r.diagnostics.iter().any(|d| d.message.contains("jobs: the first")), "{strategy:?}");
        // One job per workspace: of a page of two, the newer; said once per workspace.
        let r = scan_with(strategy, 3, 1, 100);
        assert_eq!(r.inventory.jobs.len(), with_jobs, "{strategy:?}");
        assert!(r.inventory.jobs.iter().all(|j| j.id.name() == "score-batch"), "{strategy:?}: the newer of the two");
        let said = r.diagnostics.iter().filter(|d| d.message.contains("has more than 1 jobs: the first 1 ARM listed were read")).count();
        assert_eq!(said, with_jobs, "{strategy:?}: {:?}", r.diagnostics);
        // One job per workspace on pages of one: the next page is not asked for.
        let r = scan_with(strategy, 3, 1, 1);
        assert_eq!(r.inventory.jobs.len(), with_jobs, "{strategy:?}");
        assert!(r.skipped.is_empty(), "{strategy:?}: a job list stopped on purpose is not a list left unread: {:?}", r.skipped);
        assert_eq!(scan_with(strategy, 3, 0, 100).inventory.jobs.len(), 0, "{strategy:?}: 0 lists no jobs");
    }
}
