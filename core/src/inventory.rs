//! The typed inventory of a tenant: every resource pullpath reads, sorted by kind.
//!
//! Built from ARM resource objects (as GET or list returns them) of mixed types. Objects of
//! types pullpath does not use are counted and skipped; objects that do not parse become
//! diagnostics, never failures — a partial inventory is still worth showing.

use serde::{Deserialize, Serialize};

use crate::arm::{Compute, Connection, ContainerGroup, EnvironmentContainer, EnvironmentVersion, Job, ManagedCluster, MlRegistry, OnlineDeployment, OnlineEndpoint, PrivateDnsZone, PrivateEndpoint, Registry, RoleAssignment, RoleDefinition, SUBSCRIPTION_TYPE, SubscriptionContainer, UserAssignedIdentity, VirtualNetwork, Workspace};
use crate::directory::DirectoryObject;
use crate::request::ResourceKind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    pub registries: Vec<Registry>,
    pub workspaces: Vec<Workspace>,
    pub computes: Vec<Compute>,
    pub connections: Vec<Connection>,
    pub managed_clusters: Vec<ManagedCluster>,
    pub identities: Vec<UserAssignedIdentity>,
    pub role_assignments: Vec<RoleAssignment>,
    pub role_definitions: Vec<RoleDefinition>,
    /// Managed online endpoints (their identities pull the workspace registry's images).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online_endpoints: Vec<OnlineEndpoint>,
    /// Azure Container Instances container groups (how each logs in to its registries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_groups: Vec<ContainerGroup>,
    /// Workspace and Azure ML registry environments (the way to their versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentContainer>,
    /// Environment versions of workspaces and Azure ML registries: the images workloads pull,
    /// built or as they are (`demand`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment_versions: Vec<EnvironmentVersion>,
    /// Online deployments: the environment each endpoint runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online_deployments: Vec<OnlineDeployment>,
    /// Azure Machine Learning registries and the container registries they created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ml_registries: Vec<MlRegistry>,
    /// Private endpoints (to registries and anything else) and virtual networks: whether a
    /// workload's subnet reaches a registry privately; see `network`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_endpoints: Vec<PrivateEndpoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_networks: Vec<VirtualNetwork>,
    /// Private DNS zones that registries' endpoints keep their records in, with the virtual
    /// networks linked to them (`network`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_dns_zones: Vec<PrivateDnsZone>,
    /// The newest jobs of each workspace: which compute ran which environment (`demand`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<Job>,
    /// Where subscriptions sit under management groups (Resource Graph `resourcecontainers`
    /// rows, or what a per-provider scan learned); see `hierarchy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<SubscriptionContainer>,
    /// Microsoft Graph directory objects (users, groups, service principals) as Graph returns
    /// them, with a group's `transitiveMembers` when read; see `directory`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directory: Vec<DirectoryObject>,
}

pub use crate::diagnostic::Diagnostic;

/// One object's JSON, parsed already or still text. Text is read straight into its typed
/// model, without building a `serde_json::Value` tree first (several times faster on a large
/// snapshot; see docs/benchmarks.md).
pub enum Json<'a> {
    Value(serde_json::Value),
    /// Native only: the browser reads snapshots as `Value`s (`snapshot::value_document`), and
    /// reading every model straight from text would compile its reader a second time there,
    /// next to the `Value` reader the scan needs (30 KiB gzipped, measured).
    #[cfg(not(target_arch = "wasm32"))]
    Text(&'a str),
    #[cfg(target_arch = "wasm32")]
    #[doc(hidden)]
    Never(std::convert::Infallible, std::marker::PhantomData<&'a str>),
}

impl Json<'_> {
    /// The typed model, or why not. The reason never carries a position: in text it would
    /// count from the object's own start, not the file's, and mislead.
    fn read<T: serde::de::DeserializeOwned>(self) -> Result<T, String> {
        let read = match self {
            Json::Value(v) => serde_json::from_value(v),
            #[cfg(not(target_arch = "wasm32"))]
            // Text that does not read is read again as a `Value`, so that what the text
            // reader answers is always what the browser's `Value` reader answers: they differ
            // where a key repeats (a struct refuses a duplicate field, a `Value` keeps the
            // last), and a snapshot is attacker-controlled. Only failures pay for it.
            Json::Text(t) => serde_json::from_str(t).or_else(|_| serde_json::from_str::<serde_json::Value>(t).and_then(serde_json::from_value)),
            #[cfg(target_arch = "wasm32")]
            Json::Never(never, _) => match never {},
        };
        read.map_err(reason)
    }
}

/// Out of line: one copy, not one per model.
fn reason(e: serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) if e.line() > 0 => message[..i].to_string(),
        _ => message,
    }
}

/// Where one resource sits in an [`Inventory`]: its kind (`None`: a subscription row of
/// Resource Graph's `resourcecontainers`) and its position in that kind's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub kind: Option<ResourceKind>,
    pub index: usize,
}

impl Inventory {
    /// Adds one ARM resource object. Unknown types are ignored (returns `Ok(false)`).
    pub fn add(&mut self, value: serde_json::Value) -> Result<bool, Diagnostic> {
        self.add_at(value).map(|slot| slot.is_some())
    }

    /// Adds one ARM resource object and says where it went; unknown types are ignored
    /// (`Ok(None)`).
    pub fn add_at(&mut self, value: serde_json::Value) -> Result<Option<Slot>, Diagnostic> {
        let ty = value.get("type").and_then(|t| t.as_str()).unwrap_or_default();
        let Some(kind) = Self::slot_kind(ty) else { return Ok(None) };
        let at = value.get("id").and_then(|t| t.as_str()).unwrap_or("(resource without id)").to_string();
        self.add_json(kind, Json::Value(value), at).map(Some)
    }

    /// Where a resource of type `ty` goes: `None` when pullpath does not read it, `Some(None)`
    /// for a subscription row (see [`Slot`]).
    pub fn slot_kind(ty: &str) -> Option<Option<ResourceKind>> {
        let kind = ResourceKind::from_type(ty);
        if kind.is_none() && !ty.eq_ignore_ascii_case(SUBSCRIPTION_TYPE) {
            return None;
        }
        Some(kind)
    }

    /// Reads one resource of a known kind into its typed model; `at` names it in the
    /// diagnostic when it does not read.
    pub fn add_json(&mut self, kind: Option<ResourceKind>, json: Json<'_>, at: String) -> Result<Slot, Diagnostic> {
        fn parse<T: serde::de::DeserializeOwned>(json: Json<'_>, at: String, into: &mut Vec<T>) -> Result<usize, Diagnostic> {
            let item = json.read().map_err(|message| Diagnostic { at, message: format!("could not read this resource: {message}") })?;
            into.push(item);
            Ok(into.len() - 1)
        }
        let index = match kind {
            None => parse(json, at, &mut self.subscriptions),
            Some(ResourceKind::Registry) => parse(json, at, &mut self.registries),
            Some(ResourceKind::Workspace) => parse(json, at, &mut self.workspaces),
            Some(ResourceKind::Compute) => parse(json, at, &mut self.computes),
            Some(ResourceKind::Connection) => parse(json, at, &mut self.connections),
            Some(ResourceKind::ManagedCluster) => parse(json, at, &mut self.managed_clusters),
            Some(ResourceKind::UserAssignedIdentity) => parse(json, at, &mut self.identities),
            Some(ResourceKind::RoleAssignment) => parse(json, at, &mut self.role_assignments),
            Some(ResourceKind::RoleDefinition) => parse(json, at, &mut self.role_definitions),
            Some(ResourceKind::OnlineEndpoint) => parse(json, at, &mut self.online_endpoints),
            Some(ResourceKind::ContainerGroup) => parse(json, at, &mut self.container_groups),
            Some(ResourceKind::EnvironmentContainer | ResourceKind::RegistryEnvironmentContainer) => parse(json, at, &mut self.environments),
            Some(ResourceKind::EnvironmentVersion | ResourceKind::RegistryEnvironmentVersion) => parse(json, at, &mut self.environment_versions),
            Some(ResourceKind::OnlineDeployment) => parse(json, at, &mut self.online_deployments),
            Some(ResourceKind::MlRegistry) => parse(json, at, &mut self.ml_registries),
            Some(ResourceKind::PrivateEndpoint) => parse(json, at, &mut self.private_endpoints),
            Some(ResourceKind::VirtualNetwork) => parse(json, at, &mut self.virtual_networks),
            Some(ResourceKind::PrivateDnsZone) => parse(json, at, &mut self.private_dns_zones),
            Some(ResourceKind::Job) => parse(json, at, &mut self.jobs),
        }?;
        Ok(Slot { kind, index })
    }

    /// True when the resource at `mine` reads the same as the one at `theirs` in `other`: the
    /// same in every field pullpath reads (ids compare as ARM compares them).
    pub fn same_resource(&self, mine: Slot, other: &Inventory, theirs: Slot) -> bool {
        fn same<T: PartialEq>(a: &[T], i: usize, b: &[T], j: usize) -> bool {
            matches!((a.get(i), b.get(j)), (Some(x), Some(y)) if x == y)
        }
        let (i, j) = (mine.index, theirs.index);
        mine.kind == theirs.kind
            && match mine.kind {
                None => same(&self.subscriptions, i, &other.subscriptions, j),
                Some(ResourceKind::Registry) => same(&self.registries, i, &other.registries, j),
                Some(ResourceKind::Workspace) => same(&self.workspaces, i, &other.workspaces, j),
                Some(ResourceKind::Compute) => same(&self.computes, i, &other.computes, j),
                Some(ResourceKind::Connection) => same(&self.connections, i, &other.connections, j),
                Some(ResourceKind::ManagedCluster) => same(&self.managed_clusters, i, &other.managed_clusters, j),
                Some(ResourceKind::UserAssignedIdentity) => same(&self.identities, i, &other.identities, j),
                Some(ResourceKind::RoleAssignment) => same(&self.role_assignments, i, &other.role_assignments, j),
                Some(ResourceKind::RoleDefinition) => same(&self.role_definitions, i, &other.role_definitions, j),
                Some(ResourceKind::OnlineEndpoint) => same(&self.online_endpoints, i, &other.online_endpoints, j),
                Some(ResourceKind::ContainerGroup) => same(&self.container_groups, i, &other.container_groups, j),
                Some(ResourceKind::EnvironmentContainer | ResourceKind::RegistryEnvironmentContainer) => same(&self.environments, i, &other.environments, j),
                Some(ResourceKind::EnvironmentVersion | ResourceKind::RegistryEnvironmentVersion) => same(&self.environment_versions, i, &other.environment_versions, j),
                Some(ResourceKind::OnlineDeployment) => same(&self.online_deployments, i, &other.online_deployments, j),
                Some(ResourceKind::MlRegistry) => same(&self.ml_registries, i, &other.ml_registries, j),
                Some(ResourceKind::PrivateEndpoint) => same(&self.private_endpoints, i, &other.private_endpoints, j),
                Some(ResourceKind::VirtualNetwork) => same(&self.virtual_networks, i, &other.virtual_networks, j),
                Some(ResourceKind::PrivateDnsZone) => same(&self.private_dns_zones, i, &other.private_dns_zones, j),
                Some(ResourceKind::Job) => same(&self.jobs, i, &other.jobs, j),
            }
    }

    /// Builds an inventory from resource objects, collecting diagnostics for the ones it could
    /// not read.
    pub fn from_resources(values: impl IntoIterator<Item = serde_json::Value>) -> (Inventory, Vec<Diagnostic>) {
        let mut inv = Inventory::default();
        let mut diags = Vec::new();
        for v in values {
            if let Err(d) = inv.add(v) {
                diags.push(d);
            }
        }
        (inv, diags)
    }

    /// Adds one Microsoft Graph directory object (it has an `@odata.type`, not an ARM `type`).
    /// Objects of kinds pullpath does not use (devices, contacts) are ignored (`Ok(false)`).
    pub fn add_directory_object(&mut self, value: serde_json::Value) -> Result<bool, Diagnostic> {
        let at = value.get("id").and_then(|t| t.as_str()).unwrap_or("(directory object without id)").to_string();
        self.add_directory_json(Json::Value(value), at)
    }

    /// [`Inventory::add_directory_object`] from either form of JSON.
    pub fn add_directory_json(&mut self, json: Json<'_>, at: String) -> Result<bool, Diagnostic> {
        let object: DirectoryObject = json.read().map_err(|message| Diagnostic { at, message: format!("could not read this directory object: {message}") })?;
        if object.kind() == crate::directory::DirectoryKind::Other || object.id.trim().is_empty() {
            return Ok(false);
        }
        self.directory.push(object);
        Ok(true)
    }

    pub fn len(&self) -> usize {
        self.registries.len()
            + self.workspaces.len()
            + self.computes.len()
            + self.connections.len()
            + self.managed_clusters.len()
            + self.identities.len()
            + self.role_assignments.len()
            + self.role_definitions.len()
            + self.online_endpoints.len()
            + self.container_groups.len()
            + self.environments.len()
            + self.environment_versions.len()
            + self.online_deployments.len()
            + self.ml_registries.len()
            + self.private_endpoints.len()
            + self.virtual_networks.len()
            + self.private_dns_zones.len()
            + self.jobs.len()
            + self.subscriptions.len()
            + self.directory.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
