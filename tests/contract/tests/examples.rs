//! Every example in the official specs, walked as a test case: each response body parses into
//! pullpath's typed model for its operation (and the result is compared with a reviewed
//! snapshot under `expect/examples/`), every response body is valid against the spec's own
//! schema as the harness converts it, and request bodies pullpath has a model for survive a
//! parse → serialise round trip and still validate.
//!
//! Run with `UPDATE_EXPECT=1` to rewrite the snapshots (`pullpath-fixture`), then review the diff.

use std::path::{Path, PathBuf};

use pullpath_contract_tests::convert::Mode;
use pullpath_contract_tests::{Example, Spec};
use pullpath_core::arm::{
    Compute, Connection, ContainerGroup, ErrorResponse, ListPage, ManagedCluster, OnlineDeployment, OnlineEndpoint, PermissionGetResult, PrivateDnsZoneGroup, PrivateEndpoint, QueryRequest, VirtualNetworkLink,
    QueryResponse, Registry, RegistryUpdate, RoleAssignment, RoleAssignmentCreate, RoleDefinition, UserAssignedIdentity, VirtualNetwork, Workspace,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn contract_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Reads a body into a typed model and returns what the model read, serialised.
type Reader = fn(&Value) -> Result<Value, String>;

/// Parses `body` as `T` and returns what the model read, serialised.
fn read<T: DeserializeOwned + Serialize>(body: &Value) -> Result<Value, String> {
    let t: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&t).map_err(|e| e.to_string())
}

/// The typed model pullpath reads an operation's success response into.
fn response_model(operation: &str) -> Option<Reader> {
    let f: Reader = match operation {
        "Registries_Get" | "Registries_Update" | "Registries_Create" => read::<Registry>,
        "Registries_List" | "Registries_ListByResourceGroup" => read::<ListPage<Registry>>,
        "Workspaces_Get" | "Workspaces_CreateOrUpdate" | "Workspaces_Update" => read::<Workspace>,
        "Workspaces_ListBySubscription" | "Workspaces_ListByResourceGroup" => read::<ListPage<Workspace>>,
        "Compute_Get" | "Compute_CreateOrUpdate" | "Compute_Update" => read::<Compute>,
        "Compute_List" => read::<ListPage<Compute>>,
        "WorkspaceConnections_Get" | "WorkspaceConnections_Create" => read::<Connection>,
        "WorkspaceConnections_List" => read::<ListPage<Connection>>,
        "ManagedClusters_Get" => read::<ManagedCluster>,
        "ManagedClusters_List" | "ManagedClusters_ListByResourceGroup" => read::<ListPage<ManagedCluster>>,
        "UserAssignedIdentities_Get" | "UserAssignedIdentities_CreateOrUpdate" | "UserAssignedIdentities_Update" => read::<UserAssignedIdentity>,
        "UserAssignedIdentities_ListBySubscription" | "UserAssignedIdentities_ListByResourceGroup" => read::<ListPage<UserAssignedIdentity>>,
        "RoleAssignments_Get" | "RoleAssignments_Create" | "RoleAssignments_Delete" | "RoleAssignments_GetById" | "RoleAssignments_CreateById" | "RoleAssignments_DeleteById" => {
            read::<RoleAssignment>
        }
        "RoleAssignments_ListForSubscription" | "RoleAssignments_ListForResourceGroup" | "RoleAssignments_ListForResource" | "RoleAssignments_ListForScope" => {
            read::<ListPage<RoleAssignment>>
        }
        "RoleDefinitions_Get" | "RoleDefinitions_GetById" => read::<RoleDefinition>,
        "RoleDefinitions_List" => read::<ListPage<RoleDefinition>>,
        "Permissions_ListForResource" | "Permissions_ListForResourceGroup" => read::<PermissionGetResult>,
        "Resources" => read::<QueryResponse>,
        "ContainerGroups_Get" => read::<ContainerGroup>,
        "ContainerGroups_List" | "ContainerGroups_ListByResourceGroup" => read::<ListPage<ContainerGroup>>,
        "OnlineEndpoints_Get" => read::<OnlineEndpoint>,
        "OnlineEndpoints_List" => read::<ListPage<OnlineEndpoint>>,
        "OnlineDeployments_Get" => read::<OnlineDeployment>,
        "OnlineDeployments_List" => read::<ListPage<OnlineDeployment>>,
        "PrivateEndpoints_Get" => read::<PrivateEndpoint>,
        "PrivateEndpoints_List" | "PrivateEndpoints_ListBySubscription" => read::<ListPage<PrivateEndpoint>>,
        "VirtualNetworks_Get" => read::<VirtualNetwork>,
        "VirtualNetworks_List" | "VirtualNetworks_ListAll" => read::<ListPage<VirtualNetwork>>,
        "PrivateDnsZoneGroups_List" => read::<ListPage<PrivateDnsZoneGroup>>,
        "VirtualNetworkLinks_List" => read::<ListPage<VirtualNetworkLink>>,
        _ => return None,
    };
    Some(f)
}

/// Operations of the loaded specs that pullpath never calls, so it has no model for them:
/// their examples are still checked against the spec, but not read. Container Registry
/// 2025-11-01 ships examples for scope maps, tokens, private endpoint connections and
/// `listCredentials`; pullpath reads registries only (it decides who may list credentials
/// from roles, never by calling the operation). Of the Network 2024-07-01 operations it reads
/// private endpoints, their DNS zone groups and virtual networks (whose subnets and peerings
/// come embedded), not the subnet and peering operations.
fn not_read_by_pullpath(operation: &str) -> bool {
    matches!(operation, "ScopeMaps_Get" | "ScopeMaps_List" | "Tokens_Get" | "Tokens_List" | "PrivateEndpointConnections_List" | "Registries_ListCredentials")
        || matches!(operation, "Subnets_Get" | "VirtualNetworkPeerings_List")
}

/// The literal AutoRest's generated examples write for every string, ids included (the ML
/// online endpoint and deployment examples say `"id": "string"`).
const PLACEHOLDER: &str = "string";

/// `body` with placeholder ids replaced by the id the operation's path gives with the
/// example's parameters (`…/onlineEndpoints/{endpointName}`; for a list, the collection path
/// plus the item's `name`). ARM always returns a resource's full id and the models parse it,
/// so a placeholder would only test the placeholder. Used for reading into the models only:
/// the body is checked against the spec as written.
fn with_placeholder_ids_filled(body: &Value, op: &pullpath_contract_tests::Operation, example: &Value) -> Value {
    let params = example.get("parameters").cloned().unwrap_or(Value::Null);
    let mut path = String::new();
    for seg in op.template.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => match &params[name] {
                Value::String(v) => path.push_str(v),
                other => path.push_str(&other.to_string()),
            },
            None => path.push_str(seg),
        }
    }
    let is_item = op.template.ends_with('}');
    let fill = |resource: &mut Value| {
        if resource.get("id").and_then(Value::as_str) == Some(PLACEHOLDER) {
            let name = resource.get("name").and_then(Value::as_str).unwrap_or(PLACEHOLDER).to_string();
            resource["id"] = Value::String(if is_item { path.clone() } else { format!("{path}/{name}") });
        }
    };
    let mut out = body.clone();
    if is_item {
        fill(&mut out);
    } else if let Some(items) = out.get_mut("value").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(fill);
    }
    out
}

/// The typed model of the request body pullpath sends for an operation, when it sends one.
fn request_model(operation: &str) -> Option<Reader> {
    let f: Reader = match operation {
        "RoleAssignments_Create" => read::<RoleAssignmentCreate>,
        "Registries_Update" => read::<RegistryUpdate>,
        "Resources" => read::<QueryRequest>,
        _ => return None,
    };
    Some(f)
}

/// Examples no loaded spec references (older api-versions kept because their shapes are the
/// same), with the operation of the loaded version they are checked against.
fn unreferenced_operation(example: &Example, spec: &Spec) -> Result<(String, String), String> {
    let table: Value = serde_json::from_str(&std::fs::read_to_string(contract_dir().join("example-operations.json")).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let rel = spec.relative(&example.path).to_string_lossy().to_string();
    let entry = table.get(&rel).ok_or_else(|| format!("{rel} is referenced by no loaded spec; add it to tests/contract/example-operations.json"))?;
    Ok((entry["operation"].as_str().unwrap_or_default().to_string(), entry["api_version"].as_str().unwrap_or_default().to_string()))
}

fn check_example(spec: &Spec, example: &Example) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let (op_id, version) = match &example.operation {
        Some(op) => op.clone(),
        None => unreferenced_operation(example, spec).map_err(|e| vec![e])?,
    };
    let op = spec.operation(&op_id, &version).ok_or_else(|| vec![format!("operation {op_id} ({version}) is not in the loaded specs")])?;
    let mut read_back = serde_json::Map::new();
    for (status, response) in example.value.get("responses").and_then(Value::as_object).into_iter().flatten() {
        let Some(body) = response.get("body") else { continue };
        let code: u16 = status.parse().unwrap_or(0);
        if let Err(ps) = spec.validate_operation_response(op, code, Some(body)) {
            problems.extend(ps.into_iter().map(|p| format!("response {status} against the spec: {p}")));
        }
        let reader = if (200..300).contains(&code) { response_model(&op_id) } else { Some(read::<ErrorResponse> as Reader) };
        match reader {
            None if not_read_by_pullpath(&op_id) => {}
            None => problems.push(format!("no typed model for {op_id}: add one to response_model()")),
            Some(f) => match f(&with_placeholder_ids_filled(body, op, &example.value)) {
                Ok(v) => {
                    read_back.insert(status.clone(), v);
                }
                Err(e) => problems.push(format!("response {status} does not parse into the model for {op_id}: {e}")),
            },
        }
    }
    // Request bodies: parameters named by the operation's body parameter.
    if let (Some(model), Some(body)) = (request_model(&op_id), body_param(op, &example.value)) {
        match model(body) {
            Err(e) => problems.push(format!("request body does not parse into the model for {op_id}: {e}")),
            Ok(round_tripped) => {
                if let Some(schema_file) = op.file.file_name().and_then(|n| n.to_str()) {
                    let def = op.parameters.iter().find(|p| p["in"] == "body").and_then(|p| p["schema"]["$ref"].as_str()).and_then(|r| r.rsplit('/').next()).unwrap_or_default();
                    if let Err(ps) = spec.validate_definition(schema_file, def, Mode::Request, &round_tripped) {
                        problems.extend(ps.into_iter().map(|p| format!("re-serialised request body: {p}")));
                    }
                }
                read_back.insert("request".into(), round_tripped);
            }
        }
    }
    let rel = spec.relative(&example.path);
    let expect_path = contract_dir().join("expect/examples").join(rel);
    if let Err(e) = pullpath_fixture::check_json_file(&expect_path, &Value::Object(read_back)) {
        problems.push(format!("what the models read: {e}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The example's value for the operation's body parameter.
fn body_param<'a>(op: &pullpath_contract_tests::Operation, example: &'a Value) -> Option<&'a Value> {
    let name = op.parameters.iter().find(|p| p["in"] == "body")?.get("name")?.as_str()?;
    example.get("parameters")?.get(name)
}

#[test]
fn every_spec_example_reads_into_the_typed_models() {
    let spec = Spec::shared();
    assert!(spec.examples().len() >= 40, "expected the ~46 examples of shared/azure, found {}", spec.examples().len());
    let mut report = pullpath_fixture::Report::default();
    for example in spec.examples() {
        report.run(pullpath_fixture::shown(&example.path), || check_example(spec, example).map_err(|problems| problems.join("\n  ")));
    }
    report.finish();
}
