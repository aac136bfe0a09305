//! The simulator answers registry reads as ARM does at the api-version pullpath sends
//! (2025-11-01): every demo registry, read one by one and listed per subscription, validates
//! against that version's `Registry` schema, and its access settings (`roleAssignmentMode`,
//! `anonymousPullEnabled`) read back into the typed model unchanged.

use pullpath_contract_tests::Spec;
use pullpath_core::arm::{ListPage, Registry};
use pullpath_core::request::{self, ResourceKind};
use pullpath_sim::Sim;
use pullpath_core::ResourceId;
use serde_json::Value;

#[test]
fn demo_registries_validate_against_the_2025_11_01_spec() {
    let spec = Spec::shared();
    let mut sim = Sim::demo();
    let ids: Vec<ResourceId> = sim
        .resources()
        .filter(|v| v["type"] == "Microsoft.ContainerRegistry/registries")
        .filter_map(|v| ResourceId::parse(v["id"].as_str()?).ok())
        .collect();
    assert_eq!(ids.len(), 7, "the demo's registries");
    let mut problems = Vec::new();
    let mut modes = Vec::new();
    for id in &ids {
        let req = request::get(id).unwrap();
        assert_eq!(req.api_version(), Some("2025-11-01"));
        let op = spec.check_request(&req).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!((op.id.as_str(), op.api_version.as_str()), ("Registries_Get", "2025-11-01"));
        let resp = sim.handle(&req);
        assert_eq!(resp.status, 200, "{}", resp.body);
        let body: Value = serde_json::from_str(&resp.body).unwrap();
        if let Err(p) = spec.validate_response(&req, resp.status, Some(&body)) {
            problems.push(format!("{id}: {p:?}"));
        }
        let reg: Registry = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(reg.properties.anonymous_pull_enabled, body["properties"]["anonymousPullEnabled"] == true);
        modes.push((reg.name.clone(), reg.is_abac()));
    }
    modes.sort();
    assert_eq!(modes, vec![("acrbaseimages".to_string(), false), ("acrinference".to_string(), false), ("acrmlprod".to_string(), false), ("acrprivate".to_string(), false), ("acrsecure".to_string(), false), ("acrteamabac".to_string(), true), ("acrvision".to_string(), false)]);
    let sub = ResourceId::subscription(&sim.subscriptions()[0]).unwrap();
    let list = request::list_in_subscription(&sub, ResourceKind::Registry);
    let resp = sim.handle(&list);
    let body: Value = serde_json::from_str(&resp.body).unwrap();
    if let Err(p) = spec.validate_response(&list, resp.status, Some(&body)) {
        problems.push(format!("list: {p:?}"));
    }
    let page: ListPage<Registry> = serde_json::from_value(body).unwrap();
    assert_eq!(page.value.iter().filter(|r| r.is_abac()).count(), 1);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check can fail: anonymousPullEnabled must be a boolean.
    let mut bad: Value = serde_json::from_str(&sim.handle(&request::get(&ids[0]).unwrap()).body).unwrap();
    bad["properties"]["anonymousPullEnabled"] = Value::String("yes".into());
    assert!(spec.validate_response(&request::get(&ids[0]).unwrap(), 200, Some(&bad)).is_err());
}
