//! Every request a plan can send — each write, its inverse, and the reads the apply engine
//! makes before and after — validates against the official specs. The plans are the apply
//! scenarios of `core/tests/plans/` plus intents covering what those do not (enabling a
//! system-assigned identity, turning an admin user on).

use std::path::Path;

use pullpath_contract_tests::Spec;
use pullpath_core::apply::{Apply, ApplyConfig, Purpose};
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Plan};
use pullpath_core::request::{self, Request};
use pullpath_sim::Sim;
use pullpath_core::ResourceId;
use serde_json::Value;

const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

fn scenario_intents() -> Vec<(String, Vec<Intent>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/plans");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_value(doc["intents"].clone()).unwrap())
        })
        .collect()
}

fn extra_intents() -> Vec<Intent> {
    let id = |s: &str| ResourceId::parse(&format!("{SUB}{s}")).unwrap();
    vec![
        Intent::EnableComputeSystemIdentity { compute: id("/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/computes/legacy-cluster") },
        Intent::SetAdminUser { registry: id("/resourceGroups/rg-shared-images/providers/Microsoft.ContainerRegistry/registries/acrbaseimages"), enabled: true },
        Intent::RevokeRoleAssignment {
            assignment: id("/resourceGroups/rg-shared-images/providers/Microsoft.ContainerRegistry/registries/acrteamabac/providers/Microsoft.Authorization/roleAssignments/0d3c6b1e-1f9a-4c62-9d3e-000000000006"),
        },
    ]
}

fn plans() -> Vec<(String, Plan)> {
    let sim = Sim::demo();
    let (inv, _) = Inventory::from_resources(sim.tenant_resources().cloned());
    let mut out: Vec<(String, Plan)> = scenario_intents().into_iter().map(|(name, intents)| (name, plan::plan(&inv, &intents).0)).collect();
    out.push(("extra intents".into(), plan::plan(&inv, &extra_intents()).0));
    out
}

fn check(spec: &Spec, what: &str, r: &Request, problems: &mut Vec<String>) {
    if let Err(e) = spec.validate_request(r) {
        problems.push(format!("{what}: {} {}\n  {}", r.method.as_str(), r.path, e.join("\n  ")));
    }
}

#[test]
fn every_planned_request_and_inverse_is_in_the_spec() {
    let spec = Spec::shared();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, plan) in plans() {
        assert!(!plan.operations.is_empty(), "{name}: empty plan");
        for op in &plan.operations {
            check(spec, &format!("{name}: {}", op.summary), &op.request, &mut problems);
            check(spec, &format!("{name}: undo of {}", op.summary), &op.inverse, &mut problems);
            let read = request::get(&op.target).expect("every target can be read");
            check(spec, &format!("{name}: re-read for {}", op.summary), &read, &mut problems);
            checked += 3;
        }
    }
    assert!(checked >= 60, "only {checked} requests checked");
    assert!(problems.is_empty(), "{} of {checked} requests do not match the spec:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_request_the_apply_engine_sends_is_in_the_spec() {
    // Applying (and rolling back) against the simulator: every request except the status
    // polls, whose URLs ARM makes up and no spec describes.
    let spec = Spec::shared();
    let mut problems = Vec::new();
    for (name, plan) in plans() {
        let mut sim = Sim::demo();
        let mut a = Apply::new(plan, ApplyConfig::default());
        let mut sent: Vec<Request> = Vec::new();
        let mut log = |r: &Request| {
            let resp = sim.handle(r);
            sent.push(r.clone());
            Ok(resp)
        };
        pullpath_sim::drive(&mut a, std::time::Duration::ZERO, 100_000, &mut log).expect("finishes");
        assert_eq!(a.journal().len(), sent.len());
        for (entry, r) in a.journal().iter().zip(&sent) {
            if matches!(entry.purpose, Purpose::Poll | Purpose::UndoPoll) {
                continue;
            }
            check(spec, &format!("{name}: {:?}", entry.purpose), r, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The managed network outbound rule fix (on the truth case that shows it, since the demo
/// tenant has no managed network): its PUT, its DELETE, its re-read and every request the
/// apply engine sends for it match workspaceRP 2024-10-01, and the applied rule reads back.
#[test]
fn the_outbound_rule_fix_is_in_the_spec_and_lands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/truth/network/managed-network-outbound-rule-is-the-fix.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let resources: Vec<Value> = serde_json::from_value(case["snapshot"]["resources"].clone()).unwrap();
    let intent: Intent = serde_json::from_value(case["expect"]["plans"][0]["intent"].clone()).unwrap();
    let (inv, _) = Inventory::from_resources(resources.clone());
    let plan = plan::plan(&inv, &[intent]).0;
    assert_eq!(plan.operations.len(), 1);
    let spec = Spec::shared();
    let mut problems = Vec::new();
    let op = &plan.operations[0];
    check(spec, "outbound rule PUT", &op.request, &mut problems);
    check(spec, "outbound rule DELETE", &op.inverse, &mut problems);
    check(spec, "outbound rule re-read", &request::get(&op.target).unwrap(), &mut problems);
    // The check can fail: a body whose rule type is not a string is refused.
    let mut wrong = op.request.clone();
    wrong.body.as_mut().unwrap()["properties"]["type"] = serde_json::json!(42);
    assert!(spec.validate_request(&wrong).is_err(), "a malformed rule passed the spec check");
    let mut sim = Sim::from_resources(resources);
    let mut a = Apply::new(plan.clone(), ApplyConfig::default());
    let mut sent: Vec<Request> = Vec::new();
    pullpath_sim::drive(&mut a, std::time::Duration::ZERO, 100_000, |r: &Request| {
        sent.push(r.clone());
        Ok(sim.handle(r))
    })
    .expect("finishes");
    assert_eq!(a.outcome(), Some(&pullpath_core::apply::Outcome::Applied), "{:?}", a.statuses());
    for r in &sent {
        check(spec, "applying the outbound rule", r, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let ws = sim.resource(&op.target.parent().unwrap()).unwrap();
    let rule = &ws["properties"]["managedNetwork"]["outboundRules"]["pe-acrvision"];
    assert_eq!(rule["type"], "PrivateEndpoint", "{ws}");
    assert!(op.effect.holds(Some(&serde_json::from_str(&sim.handle(&request::get(&op.target).unwrap()).body).unwrap())));
}
