//! Every ARM request pullpath may send, built from typed input: the one place ARM paths and
//! api-versions are written.
//!
//! A [`Request`] is plain data (method, path, query, headers, body). It carries no host and no
//! token: the executor at the edge adds the configured ARM origin and the bearer token, so
//! the core can never send a credential anywhere.

use serde::{Deserialize, Serialize};

use crate::id::ResourceId;
use crate::percent::encode_component;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Put,
    Patch,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// An ARM request as data. `path` starts with `/`; `query` holds `api-version` first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl Request {
    /// Path and query, percent-encoded, ready to append to an ARM origin.
    pub fn path_and_query(&self) -> String {
        let mut out = encode_path(&self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&encode_component(k));
            out.push('=');
            out.push_str(&encode_component(v));
        }
        out
    }

    /// Full URL on the given origin (`https://management.azure.com`).
    pub fn url(&self, origin: &str) -> String {
        format!("{}{}", origin.trim_end_matches('/'), self.path_and_query())
    }

    pub fn api_version(&self) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == "api-version").map(|(_, v)| v.as_str())
    }
}

/// An HTTP response as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    /// Header names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(status: u16, body: &impl Serialize) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_string(body).unwrap_or_default(),
        }
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Resource types pullpath reads, each with the api-version of the spec in `shared/azure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    Registry,
    Workspace,
    Compute,
    Connection,
    ManagedCluster,
    UserAssignedIdentity,
    RoleAssignment,
    RoleDefinition,
    /// Managed online endpoints of a workspace: their identity pulls the deployments' images.
    OnlineEndpoint,
    /// Azure Container Instances container groups: how they log in to registries.
    ContainerGroup,
    /// A workspace's environments (listed only to reach their versions).
    EnvironmentContainer,
    /// An environment's versions: the image each workload runs, and whether it is built.
    EnvironmentVersion,
    /// An online endpoint's deployments: which environment each runs.
    OnlineDeployment,
    /// Azure Machine Learning registries (`Microsoft.MachineLearningServices/registries`).
    MlRegistry,
    /// Private endpoints: which subnet reaches which registry privately.
    PrivateEndpoint,
    /// Virtual networks, with their subnets and peerings.
    VirtualNetwork,
    /// Private DNS zones that registries' private endpoints keep their records in (read only
    /// for their virtual network links, `list_virtual_network_links`).
    PrivateDnsZone,
    /// A workspace's jobs: which compute ran which environment.
    Job,
    /// An Azure ML registry's environments (listed only to reach their versions); read into
    /// the same inventory list as a workspace's.
    RegistryEnvironmentContainer,
    /// An Azure ML registry's environment versions: jobs and deployments of any workspace may
    /// run them (`azureml://registries/{name}/environments/{env}/versions/{v}`).
    RegistryEnvironmentVersion,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 20] = [
        ResourceKind::Registry,
        ResourceKind::Workspace,
        ResourceKind::Compute,
        ResourceKind::Connection,
        ResourceKind::ManagedCluster,
        ResourceKind::UserAssignedIdentity,
        ResourceKind::RoleAssignment,
        ResourceKind::RoleDefinition,
        ResourceKind::OnlineEndpoint,
        ResourceKind::ContainerGroup,
        ResourceKind::EnvironmentContainer,
        ResourceKind::EnvironmentVersion,
        ResourceKind::OnlineDeployment,
        ResourceKind::MlRegistry,
        ResourceKind::PrivateEndpoint,
        ResourceKind::VirtualNetwork,
        ResourceKind::PrivateDnsZone,
        ResourceKind::Job,
        ResourceKind::RegistryEnvironmentContainer,
        ResourceKind::RegistryEnvironmentVersion,
    ];

    /// `(provider namespace, type path under it)`.
    pub fn provider_type(self) -> (&'static str, &'static str) {
        match self {
            ResourceKind::Registry => ("Microsoft.ContainerRegistry", "registries"),
            ResourceKind::Workspace => ("Microsoft.MachineLearningServices", "workspaces"),
            ResourceKind::Compute => ("Microsoft.MachineLearningServices", "workspaces/computes"),
            ResourceKind::Connection => ("Microsoft.MachineLearningServices", "workspaces/connections"),
            ResourceKind::ManagedCluster => ("Microsoft.ContainerService", "managedClusters"),
            ResourceKind::UserAssignedIdentity => ("Microsoft.ManagedIdentity", "userAssignedIdentities"),
            ResourceKind::RoleAssignment => ("Microsoft.Authorization", "roleAssignments"),
            ResourceKind::RoleDefinition => ("Microsoft.Authorization", "roleDefinitions"),
            ResourceKind::OnlineEndpoint => ("Microsoft.MachineLearningServices", "workspaces/onlineEndpoints"),
            ResourceKind::ContainerGroup => ("Microsoft.ContainerInstance", "containerGroups"),
            ResourceKind::EnvironmentContainer => ("Microsoft.MachineLearningServices", "workspaces/environments"),
            ResourceKind::EnvironmentVersion => ("Microsoft.MachineLearningServices", "workspaces/environments/versions"),
            ResourceKind::OnlineDeployment => ("Microsoft.MachineLearningServices", "workspaces/onlineEndpoints/deployments"),
            ResourceKind::MlRegistry => ("Microsoft.MachineLearningServices", "registries"),
            ResourceKind::PrivateEndpoint => ("Microsoft.Network", "privateEndpoints"),
            ResourceKind::VirtualNetwork => ("Microsoft.Network", "virtualNetworks"),
            ResourceKind::PrivateDnsZone => ("Microsoft.Network", "privateDnsZones"),
            ResourceKind::Job => ("Microsoft.MachineLearningServices", "workspaces/jobs"),
            ResourceKind::RegistryEnvironmentContainer => ("Microsoft.MachineLearningServices", "registries/environments"),
            ResourceKind::RegistryEnvironmentVersion => ("Microsoft.MachineLearningServices", "registries/environments/versions"),
        }
    }

    /// `Microsoft.ContainerRegistry/registries` etc.
    pub fn type_name(self) -> String {
        let (ns, ty) = self.provider_type();
        format!("{ns}/{ty}")
    }

    /// The kind whose type is `ty` (case-insensitive). Called once per resource read, so it
    /// compares in place rather than formatting each kind's type name.
    pub fn from_type(ty: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| {
            let (ns, t) = k.provider_type();
            ty.len() == ns.len() + 1 + t.len()
                && ty.get(..ns.len()).is_some_and(|a| a.eq_ignore_ascii_case(ns))
                && ty.as_bytes()[ns.len()] == b'/'
                && ty.get(ns.len() + 1..).is_some_and(|b| b.eq_ignore_ascii_case(t))
        })
    }

    /// The api-version table (see `shared/azure/README.md`). Registries are read and patched
    /// at 2025-11-01, the first stable version whose `RegistryProperties` defines
    /// `roleAssignmentMode` and `anonymousPullEnabled`: read at 2025-04-01, an ABAC registry
    /// looks legacy.
    pub fn api_version(self) -> &'static str {
        match self {
            ResourceKind::Registry => "2025-11-01",
            ResourceKind::Workspace | ResourceKind::Compute | ResourceKind::Connection | ResourceKind::OnlineEndpoint => "2024-10-01",
            // mfe.json and registries.json of the same 2024-10-01 set.
            ResourceKind::EnvironmentContainer | ResourceKind::EnvironmentVersion | ResourceKind::OnlineDeployment | ResourceKind::MlRegistry | ResourceKind::Job | ResourceKind::RegistryEnvironmentContainer | ResourceKind::RegistryEnvironmentVersion => "2024-10-01",
            ResourceKind::ContainerGroup => "2026-07-01",
            ResourceKind::PrivateEndpoint | ResourceKind::VirtualNetwork => "2024-07-01",
            // privatedns.json, not in ../shared/azure: tests/contract/specs-extra.
            ResourceKind::PrivateDnsZone => "2024-06-01",
            ResourceKind::ManagedCluster => "2025-05-01",
            ResourceKind::UserAssignedIdentity => "2024-11-30",
            ResourceKind::RoleAssignment | ResourceKind::RoleDefinition => "2022-04-01",
        }
    }
}

/// A workspace managed network's outbound rule: written (and re-read) one rule at a time, but
/// read by scans through the workspace's `managedNetwork.outboundRules`, so not a
/// [`ResourceKind`] the inventory holds. workspaceRP 2024-10-01, like the workspace.
pub const OUTBOUND_RULE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/outboundRules";

/// The type and api-version pullpath writes and re-reads `id` with: a [`ResourceKind`]'s, or
/// an outbound rule's.
pub fn type_and_version(id: &ResourceId) -> Option<(String, &'static str)> {
    if id.is_type(OUTBOUND_RULE_TYPE) {
        return Some((OUTBOUND_RULE_TYPE.to_string(), ResourceKind::Workspace.api_version()));
    }
    let kind = ResourceKind::from_type(&id.resource_type())?;
    Some((kind.type_name(), kind.api_version()))
}

/// `api-version` for subscription listing (Microsoft.Resources).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// `api-version` for Resource Graph.
pub const RESOURCE_GRAPH_API_VERSION: &str = "2024-04-01";
/// `api-version` for `Microsoft.Authorization/permissions`.
pub const PERMISSIONS_API_VERSION: &str = "2022-04-01";
/// `apiVersion` of the nested `Microsoft.Resources/deployments` an exported ARM template
/// wraps each subscription's and resource group's changes in. pullpath never sends it.
pub const DEPLOYMENTS_API_VERSION: &str = "2022-09-01";

fn request(method: Method, path: String, api_version: &str) -> Request {
    Request { method, path, query: vec![("api-version".into(), api_version.into())], body: None }
}

/// `GET /subscriptions`.
pub fn list_subscriptions() -> Request {
    request(Method::Get, "/subscriptions".into(), SUBSCRIPTIONS_API_VERSION)
}

/// `GET /tenants`: the directories the signed-in user belongs to (for tenant switching).
pub fn list_tenants() -> Request {
    request(Method::Get, "/tenants".into(), SUBSCRIPTIONS_API_VERSION)
}

/// List every resource of a top-level kind in a subscription
/// (`/subscriptions/{s}/providers/{ns}/{type}`). Role assignments and definitions list at the
/// subscription scope, which includes the assignments at resource groups and resources below.
pub fn list_in_subscription(subscription: &ResourceId, kind: ResourceKind) -> Request {
    let (ns, ty) = kind.provider_type();
    debug_assert!(!ty.contains('/'), "{kind:?} is a child type; list it under its parent");
    request(Method::Get, format!("{}/providers/{ns}/{ty}", subscription.as_str()), kind.api_version())
}

/// List the computes, connections or online endpoints of a workspace.
pub fn list_children(workspace: &ResourceId, kind: ResourceKind) -> Request {
    let (_, ty) = kind.provider_type();
    let child = ty.rsplit('/').next().unwrap_or(ty);
    request(Method::Get, format!("{}/{child}", workspace.as_str()), kind.api_version())
}

/// `GET {environment}/versions?$orderBy=createdtime desc&$top={top}` (EnvironmentVersions_List):
/// the newest `top` versions of one workspace environment. The spec defines `$orderBy`
/// ("Ordering of list.", a free string), `$top` ("Maximum number of records to return.")
/// and `listViewType` (default `ActiveOnly`: archived versions are left out), but not the
/// values `$orderBy` takes: `createdtime desc` is unverified, so the scan also keeps only
/// the newest `top` by `systemData.createdAt` whatever order ARM answers in, and reads no
/// further page.
pub fn list_environment_versions(environment: &ResourceId, top: usize) -> Request {
    let mut r = list_children(environment, ResourceKind::EnvironmentVersion);
    r.query.push(("$orderBy".into(), "createdtime desc".into()));
    r.query.push(("$top".into(), top.to_string()));
    r
}

/// `GET {endpoint}/privateDnsZoneGroups` (PrivateDnsZoneGroups_List, privateEndpoint.json
/// 2024-07-01): the zones a private endpoint keeps its DNS records in.
pub fn list_dns_zone_groups(endpoint: &ResourceId) -> Request {
    request(Method::Get, format!("{}/privateDnsZoneGroups", endpoint.as_str()), ResourceKind::PrivateEndpoint.api_version())
}

/// `GET {zone}/virtualNetworkLinks` (VirtualNetworkLinks_List, privatedns.json 2024-06-01):
/// the virtual networks whose DNS resolves a private DNS zone's records.
pub fn list_virtual_network_links(zone: &ResourceId) -> Request {
    request(Method::Get, format!("{}/virtualNetworkLinks", zone.as_str()), ResourceKind::PrivateDnsZone.api_version())
}

/// `GET {id}` for any resource pullpath knows the type of.
pub fn get(id: &ResourceId) -> Option<Request> {
    let (_, api_version) = type_and_version(id)?;
    Some(request(Method::Get, id.as_str().into(), api_version))
}

/// `{scope}` as a path prefix: empty for the tenant root so paths never start with `//`.
fn scope_path(scope: &ResourceId) -> &str {
    match scope.as_str() {
        "/" => "",
        s => s,
    }
}

/// A name that goes into one path segment. Names come from users and from ARM; a `/` in one
/// would silently address a different resource, so it is escaped into the segment instead
/// (ARM then answers 404/400 for the odd name rather than acting on something else).
fn segment(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains('/') {
        std::borrow::Cow::Owned(name.replace('/', "%2F"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

fn with_body(mut request: Request, body: &impl Serialize) -> Request {
    // The wire models here serialise infallibly (no maps with non-string keys, no custom
    // serialisers that fail); `Null` would be caught by the contract tests.
    request.body = Some(serde_json::to_value(body).unwrap_or(serde_json::Value::Null));
    request
}

/// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`
/// (RoleAssignments_Create). `name` is the assignment's GUID, chosen by the caller (the core
/// does not make up ids; see `uuid` v5 in `plan`).
pub fn put_role_assignment(scope: &ResourceId, name: &str, body: &crate::arm::RoleAssignmentCreate) -> Request {
    let kind = ResourceKind::RoleAssignment;
    let path = format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", scope_path(scope), segment(name));
    with_body(request(Method::Put, path, kind.api_version()), body)
}

/// `DELETE {roleAssignmentId}` (RoleAssignments_Delete, which is the same path).
pub fn delete_role_assignment(id: &ResourceId) -> Request {
    request(Method::Delete, id.as_str().into(), ResourceKind::RoleAssignment.api_version())
}

/// `PATCH {registry}` (Registries_Update) with RegistryUpdateParameters: only the fields set
/// in `body` change.
pub fn patch_registry(id: &ResourceId, body: &crate::arm::RegistryUpdate) -> Request {
    with_body(request(Method::Patch, id.as_str().into(), ResourceKind::Registry.api_version()), body)
}

/// Changes a compute's managed identity: `PUT {compute}` (Compute_CreateOrUpdate) with the
/// whole current compute and the new `identity` (see [`compute_body_with_identity`]).
///
/// Why PUT: in machineLearningServices.json 2024-10-01 the body of Compute_Update (PATCH) is
/// ClusterUpdateParameters, which holds only scale settings — it has no `identity`. The PUT
/// *replaces* the compute, so the body must be the compute exactly as a fresh GET returned
/// it. `current` is the compute as pullpath last read it (what a review and an export show);
/// the apply engine rebuilds the body from a read made just before sending it, so edits made
/// since are kept.
///
/// In the identity, read-only `principalId`/`tenantId` are dropped and each user-assigned
/// identity is sent as `{}`, as the ManagedServiceIdentity schema requires in requests.
pub fn update_compute_identity(current: &crate::arm::Compute, identity: &crate::arm::ManagedServiceIdentity) -> Request {
    let read = serde_json::to_value(current).unwrap_or(serde_json::Value::Null);
    let identity = serde_json::to_value(request_identity(identity)).unwrap_or(serde_json::Value::Null);
    let mut r = request(Method::Put, current.id.as_str().into(), ResourceKind::Compute.api_version());
    r.body = compute_body_with_identity(&read, &identity).ok();
    r
}

/// Properties the 2024-10-01 compute spec (`machineLearningServices.json`) marks
/// `readOnly`: ARM computes them, so a PUT does not send them back.
const COMPUTE_READ_ONLY: [&str; 4] = ["id", "name", "type", "systemData"];
/// `Compute.properties` (all compute types).
const COMPUTE_PROPERTIES_READ_ONLY: [&str; 5] = ["provisioningState", "createdOn", "modifiedOn", "provisioningErrors", "isAttachedCompute"];
/// `AmlComputeProperties` and `ComputeInstanceProperties` (`properties.properties`).
const COMPUTE_INNER_READ_ONLY: [&str; 16] = [
    "allocationState", "allocationStateTransitionTime", "errors", "currentNodeCount", "targetNodeCount", "nodeStateCounts",
    "osImageMetadata", "connectivityEndpoints", "applications", "createdBy", "state", "lastOperation", "containers", "dataDisks", "dataMounts", "versions",
];

/// The body of a PUT that changes only a compute's `identity`: `current` (the compute as
/// ARM returned it) without what ARM computes itself, and with `identity`. It works on the
/// JSON as read, so every property pullpath does not model is sent back exactly as it was,
/// and nothing the resource did not have is added: a top-level `null` (`"kind": null`,
/// `"sku": null`) is left out rather than sent.
pub fn compute_body_with_identity(current: &serde_json::Value, identity: &serde_json::Value) -> Result<serde_json::Value, String> {
    let mut body = current.as_object().cloned().ok_or_else(|| "the compute as read is not a JSON object".to_string())?;
    for key in COMPUTE_READ_ONLY {
        body.remove(key);
    }
    body.retain(|_, v| !v.is_null());
    if let Some(props) = body.get_mut("properties").and_then(serde_json::Value::as_object_mut) {
        for key in COMPUTE_PROPERTIES_READ_ONLY {
            props.remove(key);
        }
        if let Some(inner) = props.get_mut("properties").and_then(serde_json::Value::as_object_mut) {
            for key in COMPUTE_INNER_READ_ONLY {
                inner.remove(key);
            }
        }
    }
    body.insert("identity".into(), identity.clone());
    Ok(serde_json::Value::Object(body))
}

/// An `identity` block as a request may carry it.
fn request_identity(identity: &crate::arm::ManagedServiceIdentity) -> crate::arm::ManagedServiceIdentity {
    let mut out = identity.clone();
    out.principal_id = None;
    out.tenant_id = None;
    for v in out.user_assigned_identities.values_mut() {
        *v = crate::arm::UserAssignedIdentityRef::default();
    }
    out
}

/// `PUT {workspace}/connections/{name}` (WorkspaceConnections_Create); `id` is the
/// connection's id.
pub fn put_connection(id: &ResourceId, body: &crate::arm::ConnectionCreate) -> Request {
    with_body(request(Method::Put, id.as_str().into(), ResourceKind::Connection.api_version()), body)
}

/// `DELETE {connection}` (WorkspaceConnections_Delete).
pub fn delete_connection(id: &ResourceId) -> Request {
    request(Method::Delete, id.as_str().into(), ResourceKind::Connection.api_version())
}

/// `PUT {identity}` (UserAssignedIdentities_CreateOrUpdate: 200 or 201, not long-running).
pub fn put_user_assigned_identity(id: &ResourceId, body: &crate::arm::UserAssignedIdentityCreate) -> Request {
    with_body(request(Method::Put, id.as_str().into(), ResourceKind::UserAssignedIdentity.api_version()), body)
}

/// `DELETE {identity}` (UserAssignedIdentities_Delete).
pub fn delete_user_assigned_identity(id: &ResourceId) -> Request {
    request(Method::Delete, id.as_str().into(), ResourceKind::UserAssignedIdentity.api_version())
}

/// `PUT {workspace}/outboundRules/{rule}` (ManagedNetworkSettingsRule_CreateOrUpdate, a
/// long-running operation that may answer 202 with a `Location` to poll).
pub fn put_outbound_rule(id: &ResourceId, body: &crate::arm::OutboundRuleResource) -> Request {
    with_body(request(Method::Put, id.as_str().into(), ResourceKind::Workspace.api_version()), body)
}

/// `DELETE {workspace}/outboundRules/{rule}` (ManagedNetworkSettingsRule_Delete).
pub fn delete_outbound_rule(id: &ResourceId) -> Request {
    request(Method::Delete, id.as_str().into(), ResourceKind::Workspace.api_version())
}

/// `GET {scope}/providers/Microsoft.Authorization/permissions`: what the signed-in caller may
/// do at `scope`. The 2022-04-01 spec defines this for resource groups
/// (Permissions_ListForResourceGroup) and resources (Permissions_ListForResource); ARM also
/// answers it at a subscription, which the spec does not describe.
pub fn list_permissions(scope: &ResourceId) -> Request {
    let path = format!("{}/providers/Microsoft.Authorization/permissions", scope_path(scope));
    request(Method::Get, path, PERMISSIONS_API_VERSION)
}

/// `POST /providers/Microsoft.ResourceGraph/resources` (Resources).
pub fn resource_graph(body: &crate::arm::QueryRequest) -> Request {
    with_body(request(Method::Post, "/providers/Microsoft.ResourceGraph/resources".into(), RESOURCE_GRAPH_API_VERSION), body)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions` (RoleDefinitions_List):
/// built-in roles plus the custom roles assignable at `scope`.
pub fn list_role_definitions(scope: &ResourceId) -> Request {
    let path = format!("{}/providers/Microsoft.Authorization/roleDefinitions", scope_path(scope));
    request(Method::Get, path, ResourceKind::RoleDefinition.api_version())
}

/// Follow a `nextLink`: the caller has already checked it points at the ARM origin; the link
/// is split into path and query so it travels as data like every other request.
pub fn next_page(path: &str, query: Vec<(String, String)>) -> Request {
    Request { method: Method::Get, path: path.into(), query, body: None }
}

fn encode_path(path: &str) -> String {
    path.split('/').map(encode_component).collect::<Vec<_>>().join("/")
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_type_in_any_case() {
        for kind in ResourceKind::ALL {
            let name = kind.type_name();
            assert_eq!(ResourceKind::from_type(&name), Some(kind), "{name}");
            assert_eq!(ResourceKind::from_type(&name.to_uppercase()), Some(kind), "{name}");
            assert_eq!(ResourceKind::from_type(&format!("{name}/x")), None);
            assert_eq!(ResourceKind::from_type(&name[..name.len() - 1]), None);
            // The same length with the slash elsewhere, or a multibyte character where the
            // slash should be: no kind, no panic.
            assert_eq!(ResourceKind::from_type(&name.replacen('/', ".", 1)), None);
            let (ns, t) = kind.provider_type();
            assert_eq!(ResourceKind::from_type(&format!("{}é{}", &ns[..ns.len() - 1], t)), None);
        }
        assert_eq!(ResourceKind::from_type(""), None);
    }

    #[test]
    fn list_registries_in_subscription() {
        let sub = ResourceId::subscription("00000000-0000-0000-0000-000000000001").unwrap();
        let r = list_in_subscription(&sub, ResourceKind::Registry);
        assert_eq!(r.url("https://management.azure.com/"), "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01");
    }

    /// Every read and the admin-user PATCH of a registry use the version that defines its
    /// access settings.
    #[test]
    fn registries_use_the_version_that_defines_role_assignment_mode() {
        let acr = ResourceId::resource_group("s", "rg").unwrap().provider("Microsoft.ContainerRegistry", "registries", "acr").unwrap();
        let sub = ResourceId::subscription("s").unwrap();
        let patch = patch_registry(&acr, &crate::arm::RegistryUpdate::default());
        for r in [get(&acr).unwrap(), list_in_subscription(&sub, ResourceKind::Registry), patch] {
            assert_eq!(r.api_version(), Some("2025-11-01"), "{} {}", r.method.as_str(), r.path);
        }
    }

    #[test]
    fn write_builders_put_names_in_one_segment() {
        let rg = ResourceId::resource_group("s", "rg").unwrap();
        let acr = rg.provider("Microsoft.ContainerRegistry", "registries", "acr").unwrap();
        let body: crate::arm::RoleAssignmentCreate = serde_json::from_value(serde_json::json!({"properties": {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
            "principalId": "p", "principalType": "ServicePrincipal"}}))
        .unwrap();
        let r = put_role_assignment(&acr, "n", &body);
        assert_eq!(r.path, format!("{acr}/providers/Microsoft.Authorization/roleAssignments/n"));
        assert_eq!(r.method, Method::Put);
        assert_eq!(r.api_version(), Some("2022-04-01"));
        // A `/` in a name must not reach another resource.
        let evil = put_role_assignment(&acr, "../../x", &body);
        assert!(evil.path_and_query().contains("..%252F..%252Fx"), "{}", evil.path_and_query());
        // Tenant-root scopes do not produce `//`.
        assert_eq!(list_role_definitions(&ResourceId::tenant()).path, "/providers/Microsoft.Authorization/roleDefinitions");
        assert_eq!(list_permissions(&rg).path, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/permissions");
    }

    #[test]
    fn compute_identity_update_puts_the_whole_compute() {
        let current: crate::arm::Compute = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c",
            "name": "c", "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "eastus",
            "systemData": {"createdBy": "x"},
            "identity": {"type": "SystemAssigned", "principalId": "old", "tenantId": "t"},
            "properties": {"computeType": "AmlCompute", "provisioningState": "Succeeded", "createdOn": "2020", "modifiedOn": "2021",
                "properties": {"vmSize": "STANDARD_NC6", "scaleSettings": {"maxNodeCount": 4}}}
        }))
        .unwrap();
        let uai = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u";
        let identity: crate::arm::ManagedServiceIdentity = serde_json::from_value(serde_json::json!({
            "type": "SystemAssigned, UserAssigned", "principalId": "old",
            "userAssignedIdentities": {uai: {"principalId": "p", "clientId": "c"}}}))
        .unwrap();
        let r = update_compute_identity(&current, &identity);
        assert_eq!(r.method, Method::Put);
        assert_eq!(r.path, current.id.as_str());
        assert_eq!(
            r.body.unwrap(),
            serde_json::json!({
                "location": "eastus",
                "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {uai: {}}},
                "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_NC6", "scaleSettings": {"maxNodeCount": 4}}}
            })
        );
    }

    #[test]
    fn a_compute_body_keeps_what_it_does_not_model_and_adds_no_nulls() {
        let read = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c",
            "name": "c", "type": "Microsoft.MachineLearningServices/workspaces/computes", "systemData": {"createdBy": "x"},
            "location": "eastus", "kind": null, "sku": null, "tags": {"team": "vision"},
            "identity": {"type": "None"},
            "properties": {
                "computeType": "AmlCompute", "description": "d", "provisioningState": "Succeeded", "createdOn": "2024-01-01T00:00:00Z",
                "modifiedOn": "2024-01-02T00:00:00Z", "provisioningErrors": null, "isAttachedCompute": false, "disableLocalAuth": true,
                "properties": {"vmSize": "STANDARD_NC6", "currentNodeCount": 2, "allocationState": "Steady", "subnet": {"id": "/subnets/x"}, "futureField": [1]}
            }
        });
        let body = compute_body_with_identity(&read, &serde_json::json!({"type": "SystemAssigned"})).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "location": "eastus", "tags": {"team": "vision"}, "identity": {"type": "SystemAssigned"},
                "properties": {"computeType": "AmlCompute", "description": "d", "disableLocalAuth": true,
                    "properties": {"vmSize": "STANDARD_NC6", "subnet": {"id": "/subnets/x"}, "futureField": [1]}}
            })
        );
        assert!(compute_body_with_identity(&serde_json::json!([1]), &serde_json::json!({})).is_err());
    }

    #[test]
    fn paths_are_percent_encoded() {
        let r = Request { method: Method::Get, path: "/a b/c".into(), query: vec![("$filter".into(), "x eq 'y'".into())], body: None };
        assert_eq!(r.path_and_query(), "/a%20b/c?%24filter=x%20eq%20%27y%27");
    }
}
