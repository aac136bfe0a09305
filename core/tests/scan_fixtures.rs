//! Discovery scenarios: one JSON file per case in `tests/scan/`, each a tenant, simulator
//! knobs, a fault schedule, an ARM-like read bucket and a scan configuration, with the
//! expected outcome next to them. One harness drives the sans-IO scan against the simulator
//! in simulated time (no sleeping, no network).
//!
//! `UPDATE_EXPECT=1 cargo test -p pullpath-core --test scan_fixtures` rewrites the `expect`
//! blocks (`pullpath-fixture`); review the diff before committing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use pullpath_core::executor::TransportError;
use pullpath_core::id::ResourceId;
use pullpath_core::request::{Method, Request, Response};
use pullpath_core::scan::{Scan, ScanConfig, ScanResult, Start, Strategy};
use pullpath_sim::faults::{FaultRule, Faults};
use pullpath_sim::generate::TenantSpec;
use pullpath_sim::{GraphAccess, Sim};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    about: String,
    tenant: Tenant,
    #[serde(default)]
    sim: SimKnobs,
    scan: ScanKnobs,
    #[serde(default = "fifty")]
    latency_ms: u64,
    #[serde(default)]
    throttle: Option<Throttle>,
    #[serde(default)]
    faults: Vec<FaultRule>,
    /// Compared (and rewritten) by `pullpath_fixture::check_json`; declared so that
    /// `deny_unknown_fields` accepts it.
    #[allow(dead_code)]
    expect: Value,
}

fn fifty() -> u64 {
    50
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Tenant {
    Demo,
    Generated { size: String, seed: u64 },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SimKnobs {
    page_size: Option<usize>,
    /// Scopes the caller may not read; `{sub0}` etc. name the generated subscriptions in order.
    #[serde(default)]
    forbidden: Vec<String>,
    #[serde(default)]
    graph_forbidden: bool,
    /// Resource Graph runs queries but not `summarize` (the scanner's grouped queries).
    #[serde(default)]
    graph_rows_only: bool,
    /// Resource Graph answers as if `authorizationScopeFilter` were not set.
    #[serde(default)]
    graph_ignores_scope_filter: bool,
    /// Resource Graph cuts answers longer than a page short, with no `$skipToken`.
    #[serde(default)]
    graph_cannot_page: bool,
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScanKnobs {
    start: StartKnob,
    strategy: Strategy,
    #[serde(default)]
    max_in_flight: Option<usize>,
    #[serde(default)]
    graph_page_size: Option<u32>,
    #[serde(default)]
    read_reserve: Option<u32>,
    #[serde(default)]
    read_refill_per_sec: Option<u32>,
    /// The scan reads Microsoft Graph too (names, group members), from the simulator.
    #[serde(default)]
    directory: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum StartKnob {
    All,
    Subscriptions(Vec<String>),
    ManagementGroup(String),
}

/// ARM's read bucket, per subscription (or tenant), in simulated time.
#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Throttle {
    capacity: f64,
    refill_per_sec: f64,
}

const ORIGIN: &str = "https://management.azure.com";

fn placeholders(text: &str, subs: &[String]) -> String {
    let mut out = text.to_string();
    for (i, s) in subs.iter().enumerate() {
        out = out.replace(&format!("{{sub{i}}}"), s);
    }
    out
}

struct Outcome {
    result: ScanResult,
    requests: usize,
    elapsed: Duration,
    max_in_flight: usize,
    throttled_by_bucket: usize,
    foreign: usize,
    requests_by_kind: BTreeMap<String, usize>,
}

fn bucket_key(req: &Request) -> String {
    let mut segs = req.path.split('/').filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some("subscriptions"), Some(s)) => s.to_lowercase(),
        _ => "tenant".into(),
    }
}

/// What a request is, for counting: `POST graph`, `GET registries`, ...
fn kind_of(req: &Request) -> String {
    if pullpath_core::directory_request::is_graph(req) {
        let what = if req.path.ends_with("getByIds") { "getByIds" } else if req.path.ends_with("$batch") { "$batch" } else { "transitiveMembers" };
        let next = if req.query.iter().any(|(k, _)| k == "$skiptoken") { " (next page)" } else { "" };
        return format!("microsoft graph {what}{next}");
    }
    if req.method == Method::Post {
        return "graph".into();
    }
    let last = req.path.rsplit('/').next().unwrap_or_default().to_string();
    if req.query.iter().any(|(k, _)| k == "$skiptoken") {
        format!("{last} (next page)")
    } else {
        last
    }
}

fn run(case: &Case) -> Outcome {
    let mut sim = match &case.tenant {
        Tenant::Demo => Sim::demo(),
        Tenant::Generated { size, seed } => Sim::generated(&TenantSpec::named(size, *seed).expect("size is small or large")),
    };
    let subs = sim.subscriptions();
    if let Some(p) = case.sim.page_size {
        sim.page_size = p;
    }
    for f in &case.sim.forbidden {
        sim.forbidden.push(ResourceId::parse(&placeholders(f, &subs)).unwrap());
    }
    if case.sim.graph_forbidden {
        sim.graph = GraphAccess::Forbidden;
    }
    if case.sim.graph_rows_only {
        sim.graph = GraphAccess::RowsOnly;
    }
    sim.graph_ignores_scope_filter = case.sim.graph_ignores_scope_filter;
    sim.graph_cannot_page = case.sim.graph_cannot_page;
    if let Some(o) = &case.sim.origin {
        sim.origin = o.clone();
    }
    let start = match &case.scan.start {
        StartKnob::All => Start::AllSubscriptions,
        StartKnob::Subscriptions(list) => Start::Subscriptions(list.iter().map(|s| placeholders(s, &subs)).collect()),
        StartKnob::ManagementGroup(mg) => Start::ManagementGroup(mg.clone()),
    };
    let mut config = ScanConfig::new(ORIGIN, start);
    config.strategy = case.scan.strategy;
    if let Some(n) = case.scan.max_in_flight {
        config.max_in_flight = n;
    }
    if let Some(n) = case.scan.graph_page_size {
        config.graph_page_size = n;
    }
    if let Some(n) = case.scan.read_reserve {
        config.read_reserve = n;
    }
    if let Some(n) = case.scan.read_refill_per_sec {
        config.read_refill_per_sec = n;
    }
    if case.scan.directory {
        config.directory_origin = Some(sim.graph_origin.clone());
    }
    let mut scan = Scan::with_config(config);
    let mut faults = Faults::new(case.faults.clone());
    let latency = Duration::from_millis(case.latency_ms);
    let mut now = Duration::ZERO;
    let mut in_flight: Vec<(Duration, u64, Result<Response, TransportError>)> = Vec::new();
    let mut buckets: BTreeMap<String, (f64, Duration)> = BTreeMap::new();
    let mut out = Outcome { result: ScanResult::default(), requests: 0, elapsed: Duration::ZERO, max_in_flight: 0, throttled_by_bucket: 0, foreign: 0, requests_by_kind: BTreeMap::new() };
    let mut steps = 0;
    loop {
        steps += 1;
        assert!(steps < 1_000_000, "the scan does not finish (now {now:?})");
        scan.handle_timeout(now);
        while let Some((id, req)) = scan.poll_request(now) {
            out.requests += 1;
            *out.requests_by_kind.entry(kind_of(&req)).or_default() += 1;
            if !req.url(ORIGIN).starts_with(ORIGIN) {
                out.foreign += 1;
            }
            let mut answer = faults.serve(&mut sim, &req);
            if let (Some(t), Ok(resp)) = (case.throttle, answer.as_mut()) {
                let key = bucket_key(&req);
                let (tokens, at) = buckets.entry(key.clone()).or_insert((t.capacity, now));
                *tokens = (*tokens + (now - *at).as_secs_f64() * t.refill_per_sec).min(t.capacity);
                *at = now;
                let header = if key == "tenant" { "x-ms-ratelimit-remaining-tenant-reads" } else { "x-ms-ratelimit-remaining-subscription-reads" };
                if *tokens < 1.0 {
                    out.throttled_by_bucket += 1;
                    let wait = ((1.0 - *tokens) / t.refill_per_sec).ceil().max(1.0);
                    *resp = Response::json(429, &json!({"error": {"code": "SubscriptionRequestsThrottled", "message": "Number of 'read' requests exceeded."}}));
                    resp.headers.push(("retry-after".into(), format!("{wait}")));
                } else {
                    *tokens -= 1.0;
                    resp.headers.push((header.into(), format!("{}", tokens.floor())));
                }
            }
            in_flight.push((now + latency, id, answer));
        }
        out.max_in_flight = out.max_in_flight.max(in_flight.len());
        if scan.is_done() {
            break;
        }
        let next_answer = in_flight.iter().map(|(t, _, _)| *t).min();
        now = match (next_answer, scan.poll_timeout()) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => panic!("the scan is stuck: nothing in flight, nothing to wait for, not done"),
        };
        let (due, rest): (Vec<_>, Vec<_>) = in_flight.into_iter().partition(|(t, _, _)| *t <= now);
        in_flight = rest;
        for (_, id, answer) in due {
            scan.handle_timeout(now);
            scan.handle_response(now, id, answer);
        }
    }
    out.elapsed = now;
    out.result = scan.into_result();
    out
}

fn summary(o: &Outcome) -> Value {
    let inv = &o.result.inventory;
    let mut out = json!({
        "requests": o.requests,
        "requestsByKind": o.requests_by_kind,
        "simulatedMs": o.elapsed.as_millis() as u64,
        "maxInFlight": o.max_in_flight,
        "throttledByBucket": o.throttled_by_bucket,
        "foreignRequests": o.foreign,
        "subscriptions": o.result.subscriptions.len(),
        "inventory": {
            "registries": inv.registries.len(),
            "workspaces": inv.workspaces.len(),
            "computes": inv.computes.len(),
            "connections": inv.connections.len(),
            "managedClusters": inv.managed_clusters.len(),
            "onlineEndpoints": inv.online_endpoints.len(),
            "containerGroups": inv.container_groups.len(),
            "privateEndpoints": inv.private_endpoints.len(),
            "virtualNetworks": inv.virtual_networks.len(),
            "privateDnsZones": inv.private_dns_zones.len(),
            "identities": inv.identities.len(),
            "roleAssignments": inv.role_assignments.len(),
            "roleDefinitions": inv.role_definitions.len(),
            "managementGroupAssignments": inv.role_assignments.iter().filter(|ra| ra.scope().level() == pullpath_core::id::ScopeLevel::ManagementGroup).count(),
            // Where subscriptions sit: Resource Graph chains, and what role-assignment lists showed.
            "subscriptionChains": inv.subscriptions.iter().filter(|c| c.properties.management_group_ancestors_chain.is_some()).count(),
            "subscriptionsAssignedAbove": inv.subscriptions.iter().filter_map(|c| c.properties.assigned_above.as_ref()).map(|a| if a.is_empty() { "(none)".to_string() } else { a.join("+") }).collect::<Vec<_>>(),
        },
        "skipped": o.result.skipped.iter().map(|s| json!({"scope": s.scope, "what": s.what, "reason": s.reason})).collect::<Vec<_>>(),
        "diagnostics": o.result.diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>(),
    });
    // Microsoft Graph's directory objects and the members read, where the scan read Graph.
    if !inv.directory.is_empty() {
        out["inventory"]["directoryObjects"] = json!(inv.directory.len());
        out["inventory"]["groupMembers"] = json!(inv.directory.iter().filter_map(|o| o.transitive_members.as_ref()).map(Vec::len).sum::<usize>());
    }
    out
}

#[test]
fn scan_scenarios() {
    pullpath_fixture::walk(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan"), "json", 8, |path| {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let case: Case = serde_json::from_str(&text).map_err(|e| format!("not a scan case: {e}"))?;
        let outcome = run(&case);
        // Invariants every scenario holds, whatever it expects.
        if outcome.foreign != 0 {
            return Err(format!("{} request(s) left the ARM origin", outcome.foreign));
        }
        pullpath_fixture::check_json(path, "expect", summary(&outcome))
    });
}
