//! Every request builder, case by case: `cases/*.json` name a builder and its typed input;
//! the harness builds the request, finds the spec operation it addresses, validates path,
//! query and body against the spec, and compares method, path, operation and path template
//! with the case's `expect`. A builder that drifts from the spec fails here.
//!
//! A case whose request the loaded specs do not describe says so with
//! `"expect": {"not_in_spec": "<part of the validator's message>"}`.
//!
//! Run with `UPDATE_EXPECT=1` to rewrite `expect` from what the builders do (`pullpath-fixture`),
//! then review.

use std::path::{Path, PathBuf};

use pullpath_contract_tests::Spec;
use pullpath_core::arm::{Compute, ConnectionCreate, ManagedServiceIdentity, OutboundRuleResource, QueryRequest, RegistryUpdate, RoleAssignmentCreate, UserAssignedIdentityCreate};
use pullpath_core::request::{self, Request, ResourceKind};
use pullpath_core::ResourceId;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn field<T: DeserializeOwned>(input: &Value, name: &str) -> Result<T, String> {
    let v = input.get(name).ok_or_else(|| format!("input has no {name:?}"))?;
    serde_json::from_value(v.clone()).map_err(|e| format!("input {name:?}: {e}"))
}

/// Calls the named builder with the case's input.
fn build(builder: &str, input: &Value) -> Result<Request, String> {
    let id = || field::<ResourceId>(input, "id");
    let scope = || field::<ResourceId>(input, "scope");
    let kind = || field::<ResourceKind>(input, "kind");
    Ok(match builder {
        "list_subscriptions" => request::list_subscriptions(),
        "list_tenants" => request::list_tenants(),
        "list_in_subscription" => request::list_in_subscription(&field(input, "subscription")?, kind()?),
        "list_children" => request::list_children(&field(input, "parent")?, kind()?),
        "list_dns_zone_groups" => request::list_dns_zone_groups(&field(input, "endpoint")?),
        "list_virtual_network_links" => request::list_virtual_network_links(&field(input, "zone")?),
        "list_environment_versions" => request::list_environment_versions(&field(input, "environment")?, field(input, "top")?),
        "get" => request::get(&id()?).ok_or("get() returned None: the id's type has no api-version")?,
        "put_role_assignment" => request::put_role_assignment(&scope()?, &field::<String>(input, "name")?, &field::<RoleAssignmentCreate>(input, "body")?),
        "delete_role_assignment" => request::delete_role_assignment(&id()?),
        "patch_registry" => request::patch_registry(&id()?, &field::<RegistryUpdate>(input, "body")?),
        "update_compute_identity" => request::update_compute_identity(&field::<Compute>(input, "current")?, &field::<ManagedServiceIdentity>(input, "identity")?),
        "put_connection" => request::put_connection(&id()?, &field::<ConnectionCreate>(input, "body")?),
        "delete_connection" => request::delete_connection(&id()?),
        "put_outbound_rule" => request::put_outbound_rule(&id()?, &field::<OutboundRuleResource>(input, "body")?),
        "delete_outbound_rule" => request::delete_outbound_rule(&id()?),
        "put_user_assigned_identity" => request::put_user_assigned_identity(&id()?, &field::<UserAssignedIdentityCreate>(input, "body")?),
        "delete_user_assigned_identity" => request::delete_user_assigned_identity(&id()?),
        "list_permissions" => request::list_permissions(&scope()?),
        "resource_graph" => request::resource_graph(&field::<QueryRequest>(input, "body")?),
        "list_role_definitions" => request::list_role_definitions(&scope()?),
        other => return Err(format!("unknown builder {other:?}: add it to build() in tests/builders.rs")),
    })
}

/// What the case expects, computed from the built request and the spec.
fn observe(spec: &Spec, request: &Request) -> Value {
    match spec.check_request(request) {
        Ok(op) => json!({
            "method": request.method.as_str(),
            "path": request.path,
            "api_version": request.api_version(),
            "operation": op.id,
            "template": op.template,
            "body": request.body,
        }),
        Err(problems) => json!({ "not_in_spec": problems.join("; ") }),
    }
}

fn run_case(spec: &Spec, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let builder = case["builder"].as_str().ok_or("case has no \"builder\"")?.to_string();
    let request = build(&builder, &case["input"])?;
    let mut actual = observe(spec, &request);
    let refusal = actual.get("not_in_spec").and_then(Value::as_str).map(str::to_string);
    // A case may pin only part of the validator's message: when the message still contains
    // it, the case holds as written (and the update mode leaves it so).
    if let (Some(want), Some(got)) = (case["expect"].get("not_in_spec").and_then(Value::as_str), &refusal) {
        if got.contains(want) {
            actual = case["expect"].clone();
        }
    }
    pullpath_fixture::check_json(path, "expect", actual).map_err(|e| match refusal {
        Some(got) => format!("{e}\nthe validator says: {got}\nrequest: {}", serde_json::to_string(&request).unwrap_or_default()),
        None => e,
    })
}

fn cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

#[test]
fn every_builder_case_matches_the_spec() {
    let spec = Spec::shared();
    pullpath_fixture::walk(cases(), "json", 13, |path| run_case(spec, path));
}

/// Every public builder in `core/src/request.rs` has at least one case, so a new builder
/// cannot skip the contract. `next_page` is the one exception: it replays a `nextLink` ARM
/// gave us, so its path is ARM's, not ours.
#[test]
fn every_builder_has_a_case() {
    let source_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/src/request.rs");
    let source = std::fs::read_to_string(&source_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", source_path.display()));
    let builders: Vec<&str> = source
        .lines()
        .filter(|l| l.starts_with("pub fn ") && (l.contains("-> Request") || l.contains("-> Option<Request>")))
        .filter_map(|l| l.strip_prefix("pub fn ")?.split('(').next())
        .filter(|name| *name != "next_page")
        .collect();
    assert!(builders.len() >= 13, "found only {builders:?} in {}", source_path.display());
    let used: Vec<String> = pullpath_fixture::files(cases(), "json", 13)
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
        .filter_map(|v| v["builder"].as_str().map(str::to_string))
        .collect();
    let missing: Vec<&&str> = builders.iter().filter(|b| !used.iter().any(|u| u == **b)).collect();
    assert!(missing.is_empty(), "builders without a case in tests/contract/cases: {missing:?}");
}
