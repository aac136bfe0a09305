//! Incremental refresh after an apply: one resource or one scope is re-read, nothing else.

use pullpath_core::id::ResourceId;
use pullpath_core::request::Method;
use pullpath_core::scan::{Refresh, Scan, Start};
use pullpath_sim::{Sim, DEFAULT_ORIGIN};
use serde_json::json;

const SUB: &str = "11111111-1111-1111-1111-111111111111";

/// Serves every request the scan wants; returns how many it sent.
fn drive(scan: &mut Scan, sim: &mut Sim) -> usize {
    let mut sent = 0;
    pullpath_sim::drive(scan, std::time::Duration::ZERO, 100_000, |req| {
        sent += 1;
        Ok(sim.handle(req))
    })
    .expect("the scan finishes");
    sent
}

fn registry(name: &str, rg: &str) -> ResourceId {
    ResourceId::resource_group(SUB, rg).unwrap().provider("Microsoft.ContainerRegistry", "registries", name).unwrap()
}

#[test]
fn refreshing_a_scope_rereads_only_its_role_assignments() {
    let mut sim = Sim::demo();
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    drive(&mut scan, &mut sim);
    let before = scan.result().inventory.role_assignments.len();
    let planned = scan.progress().requests_planned;

    let acr = registry("acrbaseimages", "rg-shared-images");
    let new_id = format!("{acr}/providers/Microsoft.Authorization/roleAssignments/0d1e2f3a-0000-4000-8000-000000000001");
    assert!(sim.upsert(json!({
        "id": new_id, "name": "0d1e2f3a-0000-4000-8000-000000000001", "type": "Microsoft.Authorization/roleAssignments",
        "properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
            "principalId": "aaaaaaaa-0000-0000-0000-0000000000ff", "principalType": "ServicePrincipal", "scope": acr.as_str()}
    })));
    scan.refresh(Refresh::Scope(acr.clone()));
    let mut paths = Vec::new();
    pullpath_sim::drive(&mut scan, std::time::Duration::ZERO, 100, |req| {
        paths.push((req.method, req.path.clone()));
        Ok(sim.handle(req))
    })
    .expect("the refresh finishes");
    assert_eq!(paths, [(Method::Get, format!("{acr}/providers/Microsoft.Authorization/roleAssignments"))]);
    assert_eq!(scan.progress().requests_planned, planned + 1);
    let ras = &scan.result().inventory.role_assignments;
    assert_eq!(ras.len(), before + 1);
    assert!(ras.iter().any(|ra| ra.id.as_str() == new_id));
}

#[test]
fn refreshing_a_deleted_assignment_scope_drops_it() {
    let mut sim = Sim::demo();
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    drive(&mut scan, &mut sim);
    let acr = registry("acrmlprod", "rg-ml-prod");
    let at_acr: Vec<ResourceId> = scan.result().inventory.role_assignments.iter().filter(|ra| ra.scope() == acr).map(|ra| ra.id.clone()).collect();
    assert!(!at_acr.is_empty(), "the demo has assignments on acrmlprod");
    let before = scan.result().inventory.role_assignments.len();
    sim.remove(&at_acr[0]);
    scan.refresh(Refresh::Scope(acr));
    assert_eq!(drive(&mut scan, &mut sim), 1);
    assert_eq!(scan.result().inventory.role_assignments.len(), before - 1);
    assert!(!scan.result().inventory.role_assignments.iter().any(|ra| ra.id == at_acr[0]));
}

#[test]
fn refreshing_a_resource_replaces_or_removes_it() {
    let mut sim = Sim::demo();
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    drive(&mut scan, &mut sim);
    let acr = registry("acrmlprod", "rg-ml-prod");
    let mut changed = sim.resource(&acr).unwrap().clone();
    changed["properties"]["adminUserEnabled"] = json!(false);
    sim.upsert(changed);
    scan.refresh(Refresh::Resource(acr.clone()));
    assert_eq!(drive(&mut scan, &mut sim), 1);
    let regs = &scan.result().inventory.registries;
    assert_eq!(regs.iter().filter(|r| r.id == acr).count(), 1);
    assert!(!regs.iter().find(|r| r.id == acr).unwrap().properties.admin_user_enabled);

    let count = regs.len();
    sim.remove(&acr);
    scan.refresh(Refresh::Resource(acr.clone()));
    assert_eq!(drive(&mut scan, &mut sim), 1);
    assert_eq!(scan.result().inventory.registries.len(), count - 1);
    assert!(scan.result().skipped.is_empty(), "a resource that is gone is removed, not reported: {:?}", scan.result().skipped);
}

#[test]
fn a_stopped_scan_sends_nothing_more_and_says_it_is_partial() {
    let mut sim = Sim::demo();
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    let now = std::time::Duration::ZERO;
    let (id, req) = scan.poll_request(now).expect("the subscription list");
    scan.handle_response(now, id, Ok(sim.handle(&req)));
    let (id, req) = scan.poll_request(now).expect("a read of the subscription");
    scan.stop(now);
    assert!(scan.poll_request(now).is_none());
    assert!(!scan.is_done(), "a read is still in flight");
    scan.handle_response(now, id, Ok(sim.handle(&req)));
    assert!(scan.poll_request(now).is_none(), "what that answer leads to is not read either");
    assert!(scan.is_done());
    assert!(scan.result().diagnostics.iter().any(|d| d.message.contains("stopped")), "{:?}", scan.result().diagnostics);
}
