//! The truth corpus over HTTP: every case of `core/tests/truth/**` is served by the emulator
//! (`--tenant`), read by a real scan through the HTTP driver — once through Resource Graph, once
//! per provider, with Microsoft Graph for names and group members — and the scanned inventory must meet the case's expectations, as it must
//! through the snapshot and the in-memory simulator (`core/tests/truth.rs`). Cases about what a
//! snapshot lacks (`snapshotOnly`) have no scan to run and are skipped here, as there.

#[path = "../../../core/tests/truth_support/mod.rs"]
mod truth_support;

use std::path::Path;

use pullpath_core::scan::{ScanConfig, Start, Strategy};
use pullpath_emulator::driver::run_scan_with_graph;
use pullpath_emulator::{start, Config};
use truth_support::{case_files, case_id, check, Case};


#[tokio::test]
async fn every_truth_case_holds_over_http() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/truth");
    let mut files = Vec::new();
    case_files(&root, &mut files);
    assert!(files.len() >= 15, "expected the truth corpus in {}", root.display());
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in &files {
        let id = case_id(&root, path);
        let case: Case = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
        if case.snapshot_only.is_some() {
            continue;
        }
        let mut c = Config::for_tests();
        c.insecure_accept_any_token = true;
        c.no_throttle = true;
        c.page_size = 2;
        c.tenant = Some(serde_json::json!({ "resources": case.snapshot.resources }).to_string());
        let running = start(c).await.unwrap_or_else(|e| panic!("{id}: the emulator does not start: {e}"));
        for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
            let mut config = ScanConfig::new(&running.base_url, Start::AllSubscriptions);
            config.strategy = strategy;
            // Graph on the same loopback origin, as the emulator serves it (names, members).
            config.directory_origin = Some(running.base_url.clone());
            match run_scan_with_graph(&running.base_url, "any-token", Some("any-graph-token"), config).await {
                Err(e) => failures.push(format!("{id} ({strategy:?}): {e}")),
                Ok(report) => {
                    let skipped: Vec<String> = report.result.skipped.iter().map(|s| format!("skipped {} {}: {}", s.what, s.scope, s.reason)).collect();
                    let problems: Vec<String> = skipped.into_iter().chain(check(&case.expect, &report.result.inventory)).collect();
                    if !problems.is_empty() {
                        failures.push(format!("{id} ({strategy:?}):\n    {}", problems.join("\n    ")));
                    }
                }
            }
        }
        ran += 1;
    }
    assert!(ran >= 15, "only {ran} case(s) ran over HTTP");
    assert!(failures.is_empty(), "{} truth case run(s) fail over HTTP:\n{}", failures.len(), failures.join("\n"));
}

/// The option itself refuses what is not a tenant, with an error that says what it wants.
#[tokio::test]
async fn a_tenant_document_that_is_not_one_is_refused() {
    for bad in ["not json", r#"{"resources": 3}"#, r#"{"resources": ["a string"]}"#] {
        let mut c = Config::for_tests();
        c.insecure_accept_any_token = true;
        c.tenant = Some(bad.into());
        let err = start(c).await.err().unwrap_or_else(|| panic!("{bad:?} was accepted"));
        assert!(err.to_string().contains("--tenant document"), "{err}");
    }
}
