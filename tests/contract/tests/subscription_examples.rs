//! The Microsoft.Resources 2022-12-01 examples of `GET /subscriptions` and `GET /tenants`
//! (the subscription picker's reads, `Start::Choices`), copied whole into `examples-extra/`.
//! `../shared/azure` holds neither the examples nor `subscriptions.json` (whose `$ref`s reach a
//! common-types version not saved there), so the bodies are checked by reading them into the
//! typed models and through a scan, not against the schema.

use std::path::Path;

use pullpath_core::arm::{ListPage, Subscription, Tenant};
use pullpath_core::request::{self, Response};
use pullpath_core::scan::{Scan, Start};
use serde_json::Value;

fn body(file: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-extra");
    let sources: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("sources.json")).unwrap()).unwrap();
    assert!(sources[file]["upstream"].as_str().is_some(), "{file} is not in sources.json");
    let ex: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
    assert_eq!(ex["parameters"]["api-version"], request::SUBSCRIPTIONS_API_VERSION, "the example is of the version pullpath sends");
    ex["responses"]["200"]["body"].clone()
}

#[test]
fn the_list_examples_read_into_the_models() {
    let subs: ListPage<Subscription> = serde_json::from_value(body("Subscriptions_List.json")).unwrap();
    assert_eq!(subs.value.len(), 2);
    assert_eq!(subs.value[0].subscription_id, "291bba3f-e0a5-47bc-a099-3bdcb2a50a05");
    assert_eq!(subs.value[0].label(), "Example Subscription");
    assert_eq!(subs.value[0].tenant_id.as_deref(), Some("31c75423-32d6-4322-88b7-c478bdde4858"));
    assert_eq!(subs.value[1].state.as_deref(), Some("Enabled"));
    let tenants: ListPage<Tenant> = serde_json::from_value(body("Tenants_List.json")).unwrap();
    assert_eq!(tenants.value.iter().map(Tenant::label).collect::<Vec<_>>(), ["Test_Test_aad50", "Contoso Corp.", "TEST_TEST_RDV"]);
}

/// The picker's scan takes the examples' bodies as ARM would send them. Their `nextLink` is
/// the example's placeholder `"..."`, not a URL on the ARM origin: the scan does not follow it
/// and says the list may be incomplete.
#[test]
fn the_choices_scan_reads_the_example_answers() {
    let mut scan = Scan::new("https://management.azure.com", Start::Choices);
    let ok = |v: Value| Response { status: 200, headers: Vec::new(), body: v.to_string() };
    pullpath_sim::drive(&mut scan, std::time::Duration::ZERO, 100, |req| {
        Ok(match req.path.as_str() {
            "/subscriptions" => ok(body("Subscriptions_List.json")),
            "/tenants" => ok(body("Tenants_List.json")),
            other => panic!("the picker read {other}"),
        })
    })
    .expect("the picker's scan finishes");
    let r = scan.into_result();
    assert_eq!(r.listed.iter().map(Subscription::label).collect::<Vec<_>>(), ["Example Subscription", "Example Subscription2"]);
    assert_eq!(r.tenants.len(), 3);
    assert_eq!(r.skipped.iter().filter(|s| s.what == "next page").count(), 2, "{:?}", r.skipped);
}
