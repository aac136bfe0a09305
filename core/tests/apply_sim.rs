//! The apply engine (`apply.rs`) against the simulator: Retry-After, status URLs off the ARM
//! origin, parallelism, Location-only operations, stop and undo, conflicts, the report.
use std::time::Duration;

use pullpath_core::apply::*;
use pullpath_core::engine::RequestId;
use pullpath_core::intent::{Intent, RoleRef};
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::Plan;
use pullpath_core::request::Method;
use pullpath_core::ResourceId;
use pullpath_sim::drive;
use pullpath_sim::faults::{Fault, FaultRule, Faults};
use pullpath_sim::Sim;

const ACR: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod";

fn demo_plan(intents: &[Intent]) -> Plan {
    let inv = Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0;
    pullpath_core::plan::plan(&inv, intents).0
}

fn grant(principal: &str) -> Intent {
    Intent::GrantRole {
        principal_id: principal.into(),
        principal_type: pullpath_core::arm::PrincipalType::ServicePrincipal,
        role: RoleRef::acr_pull(),
        scope: ResourceId::parse(ACR).unwrap(),
    }
}

fn writes(a: &Apply) -> Vec<&JournalEntry> {
    a.journal().iter().filter(|e| e.purpose == Purpose::Write).collect()
}

#[test]
fn retry_after_is_honoured_to_the_millisecond_and_missing_means_backoff() {
    for (header, expect_wait) in [(Some("7"), Some(7_000)), (None, None), (Some(""), None), (Some("Wed, 21 Oct 2015 07:28:00 GMT"), None)] {
        let mut sim = Sim::demo();
        let mut faults = Faults::new(vec![FaultRule::new(Some(Method::Put), None, Fault::TooManyRequests { retry_after: header.map(str::to_string) }, 1)]);
        let mut a = Apply::new(demo_plan(&[grant("aaaaaaaa-0000-0000-0000-000000000005")]), ApplyConfig::default());
        drive(&mut a, Duration::ZERO, 1000, |r| faults.serve(&mut sim, r)).unwrap();
        assert_eq!(a.outcome(), Some(&Outcome::Applied), "{header:?}");
        let w = writes(&a);
        assert_eq!(w.len(), 2, "{header:?}");
        let waited = w[1].sent_at - w[0].answered_at.unwrap();
        match expect_wait {
            Some(ms) => assert_eq!(waited, ms, "{header:?}"),
            // Backoff after the first failure: base * 2, jittered into [base, 2 * base].
            None => assert!((1_000..=2_000).contains(&waited), "{header:?}: waited {waited}"),
        }
    }
}

#[test]
fn a_status_url_off_the_arm_origin_is_not_followed() {
    let mut sim = Sim::demo();
    sim.origin = "https://attacker.example".into();
    let intent = Intent::SetAdminUser { registry: ResourceId::parse(ACR).unwrap(), enabled: false };
    let mut a = Apply::new(demo_plan(&[intent]), ApplyConfig::default());
    drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
    assert!(matches!(a.outcome(), Some(Outcome::RolledBack { reason, .. }) if reason.contains("outside https://management.azure.com")), "{:?}", a.outcome());
    assert!(a.journal().iter().all(|e| !e.path_and_query.contains("operationStatuses")), "a poll was sent");
}

#[test]
fn parallelism_is_limited() {
    let intents: Vec<Intent> = ["5", "6", "7"].iter().map(|n| grant(&format!("aaaaaaaa-0000-0000-0000-00000000000{n}"))).collect();
    for (limit, rounds) in [(1, 3), (3, 1)] {
        let mut sim = Sim::demo();
        let mut a = Apply::new(demo_plan(&intents), ApplyConfig { max_parallel: limit, ..ApplyConfig::default() });
        drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
        assert_eq!(a.outcome(), Some(&Outcome::Applied));
        // Each round of the driver is one request id range; count distinct rounds that wrote.
        let mut ids: Vec<RequestId> = writes(&a).iter().map(|e| e.request_id).collect();
        ids.sort();
        let batches = ids.windows(2).filter(|w| w[1] != w[0] + 1).count() + 1;
        assert_eq!(batches, rounds, "limit {limit}");
    }
}

#[test]
fn location_only_operations_are_polled_until_they_end() {
    use pullpath_sim::faults::{LroBehaviour, LroOutcome};
    // The simulator answers a compute PATCH with 202 and only a Location header.
    let compute = ResourceId::parse("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/computes/legacy-cluster").unwrap();
    let mut plan = demo_plan(&[Intent::EnableComputeSystemIdentity { compute }]);
    let op = &mut plan.operations[0];
    op.request.method = Method::Patch;
    op.request.body = Some(serde_json::json!({"identity": {"type": "SystemAssigned"}}));
    for (outcome, want) in [(LroOutcome::Succeeded, "applied"), (LroOutcome::Failed, "rolledBack")] {
        let mut sim = Sim::demo();
        sim.set_lro_behaviour(LroBehaviour { polls: 2, outcome });
        let mut a = Apply::new(plan.clone(), ApplyConfig::default());
        drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
        let got = serde_json::to_value(a.outcome()).unwrap()["outcome"].as_str().unwrap().to_string();
        assert_eq!(got, want, "{:?}", a.report());
        let polls: Vec<u16> = a.journal().iter().filter(|e| e.purpose == Purpose::Poll).map(|e| e.status.unwrap()).collect();
        assert!(polls.len() == 3 && polls[..2] == [202, 202], "{polls:?}");
        assert!(a.journal().iter().filter(|e| e.purpose == Purpose::Poll).all(|e| e.path_and_query.contains("computeOperationResults")));
    }
}

#[test]
fn a_stop_sends_nothing_new_and_undoes_what_was_written() {
    let intents = [grant("aaaaaaaa-0000-0000-0000-000000000005"), Intent::SetAdminUser { registry: ResourceId::parse(ACR).unwrap(), enabled: false }];
    // Before anything is sent.
    let mut sim = Sim::demo();
    let mut a = Apply::new(demo_plan(&intents), ApplyConfig::default());
    a.stop(Duration::ZERO);
    assert!(a.is_done() && a.is_stopped());
    assert_eq!(a.outcome(), Some(&Outcome::Stopped));
    assert!(a.poll_request(Duration::ZERO).is_none());
    // After the writes went out: they finish, then both are undone.
    let mut a = Apply::new(demo_plan(&intents), ApplyConfig { max_parallel: 1, ..ApplyConfig::default() });
    let mut now = Duration::ZERO;
    while writes(&a).is_empty() {
        let (id, req) = a.poll_request(now).expect("a request");
        a.handle_response(now, id, Ok(sim.handle(&req)));
        now += Duration::from_millis(1);
    }
    let sent = a.journal().len();
    a.stop(now);
    drive(&mut a, now, 1000, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(a.outcome(), Some(&Outcome::Stopped), "{:?}", a.report().operations);
    assert_eq!(writes(&a).len(), 1, "no write starts after the stop");
    let after: Vec<Purpose> = a.journal()[sent..].iter().map(|e| e.purpose).collect();
    assert_eq!(after, [Purpose::Verify, Purpose::UndoCheck, Purpose::Undo, Purpose::UndoVerify]);
    assert!(a.statuses().iter().all(|s| matches!(s, OpStatus::Undone | OpStatus::Pending)), "{:?}", a.statuses());
}

#[test]
fn a_conflict_is_retried_and_a_lasting_one_rolls_back() {
    for (times, want) in [(2, "applied"), (1000, "rolledBack")] {
        let mut sim = Sim::demo();
        let mut faults = Faults::new(vec![FaultRule::new(Some(Method::Patch), None, Fault::Conflict { code: "AnotherOperationInProgress".into() }, times)]);
        let intent = Intent::SetAdminUser { registry: ResourceId::parse(ACR).unwrap(), enabled: false };
        let mut a = Apply::new(demo_plan(&[intent]), ApplyConfig::default());
        drive(&mut a, Duration::ZERO, 1000, |r| faults.serve(&mut sim, r)).unwrap();
        let got = serde_json::to_value(a.outcome()).unwrap()["outcome"].as_str().unwrap().to_string();
        assert_eq!(got, want, "{:?}", a.report().operations);
    }
}

#[test]
fn the_report_serialises_with_journal_and_statuses() {
    let mut sim = Sim::demo();
    let mut a = Apply::new(demo_plan(&[grant("aaaaaaaa-0000-0000-0000-000000000005")]), ApplyConfig::default());
    drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
    let v = serde_json::to_value(a.report()).unwrap();
    assert_eq!(v["outcome"]["outcome"], "applied");
    assert_eq!(v["operations"][0]["status"], "done");
    let purposes: Vec<&str> = v["journal"].as_array().unwrap().iter().map(|e| e["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["precheck", "write", "verify"]);
}

/// The demo's environment on a private base image, fixed with a new identity (the finding's
/// last choice): the fix's four intents plan as creation first, the grants and connection
/// after it, checked only once it exists.
fn new_identity_plan(sim: &Sim) -> (Plan, ResourceId) {
    let inv = Inventory::from_resources(sim.tenant_resources().cloned()).0;
    let analysis = pullpath_core::analysis::analyze(&inv);
    let f = analysis.findings.iter().find(|f| f.id == "environment-base-image-unreachable").expect("the demo's base image finding");
    let new = f.choices.iter().find(|c| c.fixes.iter().any(|i| matches!(i, Intent::CreateUserAssignedIdentity { .. }))).expect("a new identity among the choices");
    let (plan, skipped) = pullpath_core::plan::plan(&inv, &new.fixes);
    assert!(skipped.is_empty(), "{skipped:?}");
    let id = plan.operations[0].target.clone();
    assert!(plan.operations[0].creates(), "{:?}", plan.operations[0].summary);
    (plan, id)
}

#[test]
fn a_new_identity_is_created_and_its_ids_reach_the_grants_and_the_connection() {
    let mut sim = Sim::demo();
    let (plan, id) = new_identity_plan(&sim);
    assert_eq!(plan.operations.len(), 4);
    let mut a = Apply::new(plan, ApplyConfig::default());
    drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(a.outcome(), Some(&Outcome::Applied), "{:?}", a.report().operations);
    // Nothing under the new identity is read or written before it exists, and nothing sent
    // carries a placeholder.
    let created = a.journal().iter().position(|e| e.purpose == Purpose::Write && e.path_and_query.to_ascii_lowercase().starts_with(&format!("{}?", id.key()))).expect("the identity's PUT");
    let under = format!("{}/", id.key());
    assert!(a.journal()[..created].iter().all(|e| !e.path_and_query.to_ascii_lowercase().starts_with(&under)), "{:#?}", a.journal());
    assert!(a.journal().iter().all(|e| !serde_json::to_string(&e.body).unwrap().contains("pending:")), "{:#?}", a.journal());
    let uai = sim.resource(&id).expect("the identity exists").clone();
    let principal = uai.pointer("/properties/principalId").and_then(|v| v.as_str()).unwrap().to_string();
    let client = uai.pointer("/properties/clientId").and_then(|v| v.as_str()).unwrap().to_string();
    let assignments: Vec<&serde_json::Value> = sim.tenant_resources().filter(|v| v["type"] == "Microsoft.Authorization/roleAssignments" && v["properties"]["description"].as_str().is_some_and(|d| d.starts_with("pullpath"))).collect();
    assert!(assignments.iter().any(|v| v["properties"]["principalId"] == principal.as_str() && v["properties"]["scope"].as_str().unwrap().ends_with("/registries/acrprivate")), "pull for the new identity: {assignments:#?}");
    assert!(assignments.iter().any(|v| v["properties"]["scope"].as_str().unwrap().eq_ignore_ascii_case(id.as_str())), "Managed Identity Operator on it: {assignments:#?}");
    let conn = sim.tenant_resources().find(|v| v["type"] == "Microsoft.MachineLearningServices/workspaces/connections" && v["properties"]["credentials"]["resourceId"].as_str().is_some_and(|r| r.eq_ignore_ascii_case(id.as_str()))).expect("the connection");
    assert_eq!(conn["properties"]["credentials"]["clientId"], client.as_str());
    // Scanned again, the build can pull its base image.
    let after = Inventory::from_resources(sim.tenant_resources().cloned()).0;
    let findings = pullpath_core::analysis::analyze(&after).findings;
    assert!(!findings.iter().any(|f| f.id == "environment-base-image-unreachable"), "{:#?}", findings.iter().map(|f| &f.message).collect::<Vec<_>>());
}

#[test]
fn a_failure_after_the_new_identity_undoes_everything_including_the_identity() {
    let mut sim = Sim::demo();
    let before: Vec<serde_json::Value> = sim.tenant_resources().cloned().collect();
    let (plan, id) = new_identity_plan(&sim);
    let mut faults = Faults::new(vec![FaultRule::new(Some(Method::Put), Some("/connections/"), Fault::Forbidden, 1000)]);
    let mut a = Apply::new(plan, ApplyConfig::default());
    drive(&mut a, Duration::ZERO, 1000, |r| faults.serve(&mut sim, r)).unwrap();
    assert!(matches!(a.outcome(), Some(Outcome::RolledBack { .. })), "{:?}", a.outcome());
    assert!(sim.resource(&id).is_none(), "the identity was deleted again");
    let after: Vec<serde_json::Value> = sim.tenant_resources().cloned().collect();
    assert_eq!(after, before, "the tenant is as it was");
}

#[test]
fn no_ids_from_the_new_identity_means_nothing_waiting_is_sent() {
    // An answer without a principal id (or with one that is no GUID) leaves the grant waiting:
    // it fails, and the identity is deleted again.
    let mut sim = Sim::demo();
    let (plan, id) = new_identity_plan(&sim);
    let mut a = Apply::new(plan, ApplyConfig::default());
    drive(&mut a, Duration::ZERO, 1000, |r| {
        let mut resp = sim.handle(r);
        if r.path.eq_ignore_ascii_case(id.as_str()) && r.method != Method::Delete {
            resp.body = resp.body.replace("\"principalId\":\"", "\"principalId\":\"$(touch pwned)");
        }
        Ok(resp)
    })
    .unwrap();
    assert!(matches!(a.outcome(), Some(Outcome::RolledBack { .. })), "{:?}", a.outcome());
    assert!(a.journal().iter().all(|e| !(e.purpose == Purpose::Write && e.path_and_query.contains("roleAssignments") && e.path_and_query.contains("acrprivate"))), "the grant was never sent");
    assert!(sim.resource(&id).is_none());
}
