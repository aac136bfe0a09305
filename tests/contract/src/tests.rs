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

/// Compiles `definition` of a made-up spec file exactly as the harness compiles real ones.
fn synthetic(definitions: serde_json::Value, definition: &str) -> jsonschema::Validator {
    let file = PathBuf::from("/synthetic/spec.json");
    let docs = BTreeMap::from([(file.clone(), json!({"swagger": "2.0", "definitions": definitions}))]);
    let mut converter = Converter::new(Arc::new(docs), Mode::Response);
    let bundled = converter.bundle(&json!({"$ref": format!("#/definitions/{definition}")}), &file).unwrap();
    jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&bundled).unwrap()
}

#[test]
fn a_closed_base_closes_the_derived_type_not_just_its_own_part() {
    // The shape of ML's OnlineEndpoint: a closed base (EndpointPropertiesBase) extended by a
    // closed type with properties of its own (`compute`).
    let v = synthetic(
        json!({
            "Base": {"type": "object", "required": ["authMode"], "properties": {"authMode": {"type": "string"}}, "additionalProperties": false},
            "Endpoint": {"type": "object", "allOf": [{"$ref": "#/definitions/Base"}], "properties": {"compute": {"type": "string"}}, "additionalProperties": false},
            // Not closed itself: closed by its base, over its own properties too.
            "Inherits": {"type": "object", "allOf": [{"$ref": "#/definitions/Base"}], "properties": {"extra": {"type": "string"}}},
            "Grandchild": {"type": "object", "allOf": [{"$ref": "#/definitions/Inherits"}], "properties": {"more": {"type": "integer"}}},
            "Wrapper": {"type": "object", "properties": {
                // Written inline, not as a definition: closed by its base all the same.
                "inline": {"type": "object", "allOf": [{"$ref": "#/definitions/Base"}], "properties": {"y": {"type": "string"}}},
                "endpoint": {"$ref": "#/definitions/Endpoint"},
                "inherits": {"$ref": "#/definitions/Inherits"},
                "grandchild": {"$ref": "#/definitions/Grandchild"}
            }}
        }),
        "Wrapper",
    );
    assert!(v.is_valid(&json!({"endpoint": {"authMode": "Key", "compute": "c"}})), "{:?}", errors(&v, &json!({"endpoint": {"authMode": "Key", "compute": "c"}})));
    assert!(!v.is_valid(&json!({"endpoint": {"authMode": "Key", "compute": "c", "notInSpec": 1}})));
    assert!(!v.is_valid(&json!({"endpoint": {"compute": "c"}})), "the base's required property is still required");
    assert!(!v.is_valid(&json!({"endpoint": {"authMode": 1}})), "the base's property types still apply");
    assert!(v.is_valid(&json!({"inherits": {"authMode": "Key", "extra": "x"}})));
    assert!(!v.is_valid(&json!({"inherits": {"authMode": "Key", "notInSpec": "x"}})), "closedness is inherited");
    assert!(v.is_valid(&json!({"grandchild": {"authMode": "Key", "extra": "x", "more": 1}})), "{:?}", errors(&v, &json!({"grandchild": {"authMode": "Key", "extra": "x", "more": 1}})));
    assert!(!v.is_valid(&json!({"grandchild": {"authMode": "Key", "more": "one"}})));
    assert!(!v.is_valid(&json!({"grandchild": {"authMode": "Key", "notInSpec": 1}})));
    assert!(v.is_valid(&json!({"inline": {"authMode": "Key", "y": "s"}})), "{:?}", errors(&v, &json!({"inline": {"authMode": "Key", "y": "s"}})));
    assert!(!v.is_valid(&json!({"inline": {"authMode": "Key", "notInSpec": 1}})));
}

#[test]
fn a_discriminated_subtype_may_add_properties_to_a_closed_base() {
    // The shape of ML's OnlineDeployment: closed base, closed subtypes by endpointComputeType.
    let v = synthetic(
        json!({
            "Deployment": {"type": "object", "discriminator": "kind", "required": ["kind"], "properties": {"kind": {"type": "string"}, "env": {"type": "string"}}, "additionalProperties": false},
            "Kubernetes": {"type": "object", "allOf": [{"$ref": "#/definitions/Deployment"}], "x-ms-discriminator-value": "Kubernetes", "properties": {"resources": {"type": "object", "properties": {"cpu": {"type": "string"}}}}, "additionalProperties": false},
            "Managed": {"type": "object", "allOf": [{"$ref": "#/definitions/Deployment"}], "x-ms-discriminator-value": "Managed", "additionalProperties": false},
            "Holder": {"type": "object", "properties": {"properties": {"$ref": "#/definitions/Deployment"}}}
        }),
        "Holder",
    );
    let ok = |p: serde_json::Value| assert!(v.is_valid(&json!({"properties": p})), "{p}: {:?}", errors(&v, &json!({"properties": p})));
    let bad = |p: serde_json::Value| assert!(!v.is_valid(&json!({"properties": p})), "{p} was accepted");
    ok(json!({"kind": "Kubernetes", "env": "e", "resources": {"cpu": "1"}}));
    ok(json!({"kind": "Managed", "env": "e"}));
    bad(json!({"kind": "Kubernetes", "resources": {"cpu": 1}}));
    bad(json!({"kind": "Kubernetes", "notInSpec": 1}));
    bad(json!({"kind": "Managed", "resources": {"cpu": "1"}}));
    bad(json!({"kind": "Managed", "env": 1}));
    // A value naming no subtype is held to the base, closed.
    ok(json!({"kind": "Serverless", "env": "e"}));
    bad(json!({"kind": "Serverless", "resources": {}}));
    bad(json!({"env": "e"}));
}

#[test]
fn online_deployments_are_checked_against_their_compute_type() {
    let deployment = |compute_type: &str, extra: serde_json::Value| {
        let mut properties = json!({"endpointComputeType": compute_type, "model": "azureml:m:1"});
        properties.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"location": "eastus", "properties": properties})
    };
    let check = |body: &serde_json::Value| spec().validate_definition("mfe.json", "OnlineDeploymentTrackedResource", Mode::Response, body);
    let requirements = json!({"containerResourceRequirements": {"containerResourceRequests": {"cpu": "1"}}});
    assert!(check(&deployment("Kubernetes", requirements.clone())).is_ok(), "{:?}", check(&deployment("Kubernetes", requirements.clone())));
    assert!(check(&deployment("Managed", json!({}))).is_ok(), "{:?}", check(&deployment("Managed", json!({}))));
    // Kubernetes-only, so not allowed on a managed deployment.
    assert!(check(&deployment("Managed", requirements)).is_err());
    assert!(check(&deployment("Kubernetes", json!({"notInSpec": true}))).is_err());
}
