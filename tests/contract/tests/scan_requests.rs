//! Every request a scan sends — Resource Graph queries with their options (the
//! `authorizationresources` query's `authorizationScopeFilter`, the `resourcecontainers`
//! query), their `$skipToken` pages, the plain-row fallback, and the per-provider lists —
//! validates against the official specs, and so does every answer the simulator gives them.
//! The scans run against the simulator's generated tenant, which has a management-group
//! hierarchy, so the hierarchy queries are among them.

use pullpath_contract_tests::Spec;
use pullpath_core::request::{Method, Request};
use pullpath_core::scan::{Scan, ScanConfig, Start, Strategy};
use pullpath_sim::generate::TenantSpec;
use pullpath_sim::{drive, Sim, DEFAULT_ORIGIN};
use serde_json::Value;

/// The requests one scan sends, each with the simulator's answer.
fn scan(strategy: Strategy, page_size: u32) -> Vec<(Request, u16, Value)> {
    let mut sim = Sim::generated(&TenantSpec::small(11));
    // `GET /subscriptions` (Microsoft.Resources) has no spec in shared/azure: start from the ids.
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::Subscriptions(sim.subscriptions()));
    config.strategy = strategy;
    config.graph_page_size = page_size;
    let mut scan = Scan::with_config(config);
    let mut out = Vec::new();
    drive(&mut scan, std::time::Duration::ZERO, 100_000, |req| {
        let resp = sim.handle(req);
        out.push((req.clone(), resp.status, serde_json::from_str(&resp.body).unwrap_or(Value::Null)));
        Ok(resp)
    })
    .expect("the scan finishes");
    out
}

#[test]
fn every_scan_request_and_answer_matches_the_spec() {
    let spec = Spec::shared();
    let mut problems = Vec::new();
    let mut filters = 0;
    let mut containers = 0;
    // Page size 2 makes the grouped answers come back cut short, so the plain-row queries and
    // their `$skipToken` pages are checked too.
    for (strategy, page) in [(Strategy::ResourceGraph, 1000), (Strategy::ResourceGraph, 2), (Strategy::PerProvider, 1000)] {
        for (req, status, body) in scan(strategy, page) {
            let options = req.body.as_ref().and_then(|b| b.get("options"));
            filters += usize::from(options.and_then(|o| o.get("authorizationScopeFilter")).and_then(Value::as_str) == Some("AtScopeAboveAndBelow"));
            containers += usize::from(req.body.as_ref().and_then(|b| b["query"].as_str()).is_some_and(|q| q.starts_with("resourcecontainers")));
            let what = format!("{strategy:?} {} {}", req.method.as_str(), req.path);
            if let Err(p) = spec.check_request(&req) {
                problems.push(format!("{what}: {p:?}"));
            }
            if let Err(p) = spec.validate_response(&req, status, Some(&body)) {
                problems.push(format!("{what} answer {status}: {p:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(filters >= 2, "the authorizationresources queries ask for what is above the subscriptions");
    assert!(containers >= 2, "the scans ask where the subscriptions sit");
}

/// The check can fail: a scope filter the spec does not define is refused.
#[test]
fn an_unknown_scope_filter_is_refused() {
    let (mut req, _, _) = scan(Strategy::ResourceGraph, 1000).into_iter().find(|(r, _, _)| r.method == Method::Post && r.body.as_ref().is_some_and(|b| b["options"].get("authorizationScopeFilter").is_some())).expect("a filtered query");
    req.body.as_mut().unwrap()["options"]["authorizationScopeFilter"] = Value::String("AtScopeEverywhere".into());
    assert!(Spec::shared().check_request(&req).is_err());
}
