//! The validator must reject what the spec rejects: each test here sends a deliberately wrong
//! request (or response) and checks that the problem is reported, next to the right one
//! passing. Without these, a validator that accepts everything would make every contract
//! test pass.

use pullpath_core::arm::{ConnectionCreate, RegistryUpdate, RegistryUpdateProperties};
use pullpath_core::request::{self, Method, Request};
use pullpath_core::ResourceId;
use serde_json::json;

use super::*;

fn spec() -> &'static Spec {
    Spec::shared()
}

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml";

fn registry() -> ResourceId {
    ResourceId::parse(&format!("{RG}/providers/Microsoft.ContainerRegistry/registries/acrml")).unwrap()
}

fn role_assignment_put(body: serde_json::Value) -> Request {
    Request {
        method: Method::Put,
        path: format!("{}/providers/Microsoft.Authorization/roleAssignments/2b2c2f5e-0000-0000-0000-000000000001", registry()),
        query: vec![("api-version".into(), "2022-04-01".into())],
        body: Some(body),
    }
}

fn good_assignment() -> serde_json::Value {
    json!({"properties": {
        "roleDefinitionId": "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
        "principalId": "11111111-1111-1111-1111-111111111111",
        "principalType": "ServicePrincipal"
    }})
}

fn assert_rejected(result: Result<(), Vec<String>>, needle: &str) {
    match result {
        Ok(()) => panic!("expected a problem mentioning {needle:?}, but the validator accepted it"),
        Err(problems) => assert!(problems.iter().any(|p| p.contains(needle)), "no problem mentions {needle:?}: {problems:#?}"),
    }
}

#[test]
fn a_correct_role_assignment_passes() {
    let op = spec().check_request(&role_assignment_put(good_assignment())).unwrap();
    assert_eq!(op.id, "RoleAssignments_Create");
}

#[test]
fn missing_required_body_property_is_reported() {
    let mut body = good_assignment();
    body["properties"].as_object_mut().unwrap().remove("principalId");
    assert_rejected(spec().validate_request(&role_assignment_put(body)), "principalId");
}

#[test]
fn value_outside_a_closed_request_enum_is_reported() {
    let mut body = good_assignment();
    body["properties"]["principalType"] = json!("Device");
    assert_rejected(spec().validate_request(&role_assignment_put(body)), "principalType");
}

#[test]
fn wrong_type_is_reported() {
    let body = json!({"properties": {"adminUserEnabled": "no"}});
    let r = Request { method: Method::Patch, path: registry().to_string(), query: vec![("api-version".into(), request::ResourceKind::Registry.api_version().into())], body: Some(body) };
    assert_rejected(spec().validate_request(&r), "adminUserEnabled");
}

#[test]
fn wrong_api_version_is_reported() {
    let mut r = role_assignment_put(good_assignment());
    r.query = vec![("api-version".into(), "2020-04-01-preview".into())];
    assert_rejected(spec().validate_request(&r), "api-version 2020-04-01-preview");
}

#[test]
fn misspelt_path_is_reported() {
    let mut r = role_assignment_put(good_assignment());
    r.path = r.path.replace("roleAssignments", "roleAssignment");
    assert_rejected(spec().validate_request(&r), "no operation");
}

#[test]
fn unknown_query_parameter_is_reported() {
    let mut r = request::list_children(&ResourceId::parse(&format!("{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws1")).unwrap(), request::ResourceKind::Compute);
    assert!(spec().validate_request(&r).is_ok(), "{:?}", spec().validate_request(&r));
    r.query.push(("$filter".into(), "x".into()));
    assert_rejected(spec().validate_request(&r), "\"$filter\" is not defined");
}

#[test]
fn path_parameter_pattern_is_checked() {
    // Workspace names are 3-33 characters of [a-zA-Z0-9_-].
    let ws = ResourceId::parse(&format!("{RG}/providers/Microsoft.MachineLearningServices/workspaces/w")).unwrap();
    assert_rejected(spec().validate_request(&request::list_children(&ws, request::ResourceKind::Compute)), "workspaceName");
}

#[test]
fn missing_and_unexpected_bodies_are_reported() {
    let mut r = role_assignment_put(good_assignment());
    r.body = None;
    assert_rejected(spec().validate_request(&r), "requires a body");
    let mut get = request::get(&registry()).unwrap();
    get.body = Some(json!({}));
    assert_rejected(spec().validate_request(&get), "takes no body");
}

#[test]
fn discriminated_subtype_rejects_properties_of_another_subtype() {
    // A ManagedIdentity connection's credentials are {resourceId, clientId} only; the spec
    // says additionalProperties: false.
    let id = ResourceId::parse(&format!("{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws1/connections/acr-conn")).unwrap();
    let uai = ResourceId::parse(&format!("{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai")).unwrap();
    let good = request::put_connection(&id, &ConnectionCreate::container_registry("acrml.azurecr.io", uai, "c"));
    assert!(spec().validate_request(&good).is_ok(), "{:?}", spec().validate_request(&good));
    let mut bad = good.clone();
    bad.body.as_mut().unwrap()["properties"]["credentials"]["password"] = json!("x");
    assert_rejected(spec().validate_request(&bad), "credentials");
    let mut extra = good;
    extra.body.as_mut().unwrap()["properties"]["notInSpec"] = json!(1);
    assert_rejected(spec().validate_request(&extra), "notInSpec");
}

#[test]
fn read_only_properties_are_not_required_in_requests_but_are_in_responses() {
    // RoleAssignmentProperties has no required read-only fields, so use the Resource wrapper
    // of a registry: `location` is required both ways, `id` never.
    let patch = request::patch_registry(&registry(), &RegistryUpdate { properties: Some(RegistryUpdateProperties { admin_user_enabled: Some(false), ..Default::default() }) });
    assert!(spec().validate_request(&patch).is_ok(), "{:?}", spec().validate_request(&patch));
    let get = request::get(&registry()).unwrap();
    assert_rejected(spec().validate_response(&get, 200, Some(&json!({"properties": {}}))), "location");
}

#[test]
fn responses_are_checked_by_status() {
    let get = request::get(&registry()).unwrap();
    let error = json!({"error": {"code": "ResourceNotFound", "message": "not found"}});
    assert!(spec().validate_response(&get, 404, Some(&error)).is_ok(), "{:?}", spec().validate_response(&get, 404, Some(&error)));
    assert_rejected(spec().validate_response(&get, 404, Some(&json!({"error": "text"}))), "error");
    assert_rejected(spec().validate_response(&get, 201, Some(&json!({}))), "status 201");
}

#[test]
fn a_missing_spec_folder_is_a_clear_error() {
    let e = Spec::load_all(Path::new("/nonexistent/shared/azure/specification")).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn compute_bodies_are_checked_against_the_subtype_their_compute_type_names() {
    let current: pullpath_core::arm::Compute = serde_json::from_value(json!({
        "id": format!("{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws1/computes/gpu"),
        "location": "eastus",
        "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_NC6", "scaleSettings": {"maxNodeCount": 4}}}
    }))
    .unwrap();
    let identity = pullpath_core::arm::ManagedServiceIdentity { kind: pullpath_core::arm::IdentityType::SYSTEM, ..Default::default() };
    let good = request::update_compute_identity(&current, &identity);
    assert!(spec().validate_request(&good).is_ok(), "{:?}", spec().validate_request(&good));
    // `scaleSettings.maxNodeCount` exists only in the AmlCompute subtype: a wrong type there
    // is only caught if the discriminator led the validator into that subtype.
    let mut bad = good.clone();
    bad.body.as_mut().unwrap()["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = json!("four");
    assert_rejected(spec().validate_request(&bad), "maxNodeCount");
    // The identity type is a closed enum in requests.
    let mut bad_identity = good;
    bad_identity.body.as_mut().unwrap()["identity"]["type"] = json!("SystemAssigned, UserAssigned");
    assert_rejected(spec().validate_request(&bad_identity), "identity");
}
