//! Effective access: who can pull from and push to each registry, through which path, and why
//! not — and which pulls the tenant's own wiring expects (computes, attached AKS, connections).
//!
//! Rules (Microsoft's ACR documentation, "Azure ABAC repository permissions in Azure Container
//! Registry", https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions,
//! and "Azure Container Registry built-in roles directory reference",
//! https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-directory-reference):
//! - a role assignment applies at its scope and every descendant, never at ancestors or siblings;
//!   one at a management group (the tenant root group included) applies in exactly the
//!   subscriptions below it, as `hierarchy` knows them, and nowhere when that is unknown;
//! - legacy registries (`roleAssignmentMode` absent or `LegacyRegistryPermissions`) authorise
//!   pull with the action `registries/pull/read` and push with `registries/push/write`, so
//!   Reader (`*/read`) pulls and Contributor/Owner (`*`) push;
//! - ABAC registries (`AbacRepositoryPermissions`) authorise with the data actions
//!   `repositories/content/read` and `.../content/write`: "AcrPull, AcrPush and AcrDelete are not
//!   honored", and Owner/Contributor/Reader "only grant control plane permissions"; a condition
//!   on the assignment is read with `condition` and decided for pull (`content/read`) and push
//!   (`content/write`) separately, since a condition restricts only the actions its
//!   `ActionMatches` name: unrestricted is `yes`, some repositories `partial` (the explanation
//!   names them), never true `no`; a condition pullpath cannot read or decide stays `partial`
//!   with its text (and a diagnostic when unreadable). `conditionVersion` must be "2.0":
//!   "Currently the only accepted value is '2.0'" (Microsoft.Authorization 2022-04-01
//!   `RoleAssignmentProperties.conditionVersion`), and absent means 2.0 ("If condition is
//!   specified without conditionVersion, the version is set to the default value of 2.0",
//!   https://learn.microsoft.com/azure/role-based-access-control/conditions-role-assignments-rest);
//! - in legacy mode a condition still shows as `partial`: the registry "Supports only standard
//!   RBAC assignments without ABAC conditions", and what Azure does with one is unverified;
//! - with the admin user enabled, whoever may run `listCredentials/action` can log in with the
//!   admin password and pull and push; with anonymous pull enabled, anyone can pull;
//! - every transitive member of a group holds the group's role assignments: "Role assignments
//!   are transitive for groups which means that if a user is a member of a group and that group
//!   is a member of another group that has a role assignment, the user will have the
//!   permissions in the role assignment." (https://learn.microsoft.com/azure/role-based-access-control/overview),
//!   and managed identities alike: "four virtual machines with system-assigned identities,
//!   which have been added to a security group, with the role assignments added to the group
//!   instead of the system-assigned identities" (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/managed-identity-best-practice-recommendations).
//!   Members come from Microsoft Graph (`directory`); a group whose members were not read
//!   is named in the "why not" of every principal that cannot pull, since it might through it.
//!
//! Cost is O(assignments × registries under each assignment's scope), through indexes by scope
//! key and principal — never O(assignments × registries × identities).
//!
//! Not here: judging the result (`findings`), putting the two together (`analysis`), drawing
//! it (`graph`), ARM wildcard matching (`rbac`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::arm::{PrincipalType, Registry, RoleAssignmentMode};
use crate::catalog::{ops, Plane};
use crate::condition::{self, Verdict};
use crate::directory::{Directory, DirectoryKind, DirectoryObject};
use crate::hierarchy::{Applies, Hierarchy};
use crate::id::{ResourceId, ScopeLevel};
use crate::intent::RoleRef;
use crate::inventory::{Diagnostic, Inventory};
use crate::rbac::{self, AssignmentIndex, FastMap, FastSet, Roles};

/// A principal that appears in the tenant: a managed identity pullpath can name, or a bare
/// principal id from a role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub principal_id: String,
    pub kind: IdentityKind,
    /// The resource name (`cpu-cluster`), or the principal id when there is none.
    pub name: String,
    /// The user-assigned identity, or the resource whose system identity this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceId>,
    /// For humans: `cpu-cluster (compute system identity)`.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityKind {
    UserAssigned,
    WorkspaceSystem,
    ComputeSystem,
    RegistrySystem,
    AksCluster,
    AksKubelet,
    /// A managed online endpoint's system-assigned identity.
    EndpointSystem,
    /// A container group's system-assigned identity.
    ContainerGroupSystem,
    User,
    Group,
    ServicePrincipal,
    /// A principal id seen only in a role assignment without `principalType`.
    Unknown,
}

impl IdentityKind {
    /// The kind, for humans: "compute system identity".
    pub fn describe(self) -> &'static str {
        match self {
            IdentityKind::UserAssigned => "user-assigned identity",
            IdentityKind::WorkspaceSystem => "workspace system identity",
            IdentityKind::ComputeSystem => "compute system identity",
            IdentityKind::RegistrySystem => "registry system identity",
            IdentityKind::AksCluster => "AKS cluster identity",
            IdentityKind::AksKubelet => "AKS kubelet identity",
            IdentityKind::EndpointSystem => "online endpoint system identity",
            IdentityKind::ContainerGroupSystem => "container group system identity",
            IdentityKind::User => "user",
            IdentityKind::Group => "group",
            IdentityKind::ServicePrincipal => "service principal",
            IdentityKind::Unknown => "principal of unknown type",
        }
    }

    /// The `principalType` a role assignment for this identity must carry, when known.
    pub fn principal_type(self) -> Option<PrincipalType> {
        match self {
            IdentityKind::User => Some(PrincipalType::User),
            IdentityKind::Group => Some(PrincipalType::Group),
            IdentityKind::Unknown => None,
            _ => Some(PrincipalType::ServicePrincipal),
        }
    }
}

/// A registry and the settings that decide its access rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryInfo {
    pub id: ResourceId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_server: Option<String>,
    pub mode: RegistryMode,
    pub admin_user_enabled: bool,
    pub anonymous_pull_enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RegistryMode {
    /// `LegacyRegistryPermissions` (or absent).
    Legacy,
    /// `AbacRepositoryPermissions`.
    Abac,
}

/// yes / no / partial (only some repositories, through an ABAC condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    No,
    Partial,
    Yes,
}

/// How a principal reaches (or fails to reach) a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PathKind {
    /// A registry-specific role assigned at the registry.
    Direct,
    /// A registry-specific role assigned at a resource group, subscription, management group or
    /// the tenant root.
    Inherited,
    /// A generic role (Owner, Contributor, Reader, ...) whose wildcard happens to cover pull.
    BroadRole,
    /// The admin user's password, readable through `listCredentials/action`.
    AdminKeys,
    /// Anonymous pull.
    Anonymous,
    /// A role the registry's ABAC mode ignores.
    AbacIgnored,
}

/// One path from a principal to a registry, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Path {
    pub kind: PathKind,
    pub works: bool,
    pub pull: Level,
    pub push: Level,
    /// The role assignment's id. Paths are the bulk of an analysis (100,000 in a large
    /// tenant), so ids are kept as text here rather than as parsed [`ResourceId`]s, and the
    /// text is shared (`Arc`) by every path of the same assignment: allocating and freeing
    /// one copy per path was most of the analysis' time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Arc<str>>,
    /// Shared by every path through the same role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Arc<RoleRef>>,
    /// Where the assignment is made (the registry or one of its ancestors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Arc<str>>,
    /// The operation that decided it, e.g. `Microsoft.ContainerRegistry/registries/pull/read`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Cow<'static, str>>,
    /// The role's pattern that matched the operation, e.g. `*/read`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Arc<str>>,
    /// The group (lowercase principal id) the assignment is made to, when this principal holds
    /// it as one of the group's transitive members: changing the assignment changes it for
    /// every member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Arc<str>>,
    /// Shared by the paths one assignment opens to registries of the same mode.
    pub explanation: Arc<str>,
}

/// Who can do what on one registry, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessRow {
    /// Lowercase principal id, or `*` for anonymous pull (one shared copy per principal).
    pub principal_id: Arc<str>,
    pub identity: String,
    pub identity_kind: IdentityKind,
    pub registry: ResourceId,
    pub pull: Level,
    pub push: Level,
    /// Resources whose work needs this principal to pull from this registry (a compute of the
    /// workspace, an attached AKS compute, a connection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_by: Vec<ResourceId>,
    pub via: Vec<Path>,
    /// Why the principal cannot pull, when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
    /// The truth case this answer rests on when no source settles it (an assignment at a
    /// management group pullpath cannot place the registry under): shown as "unverified".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
    /// A workload really pulls an image from this registry as this principal (`demand`): an
    /// environment used as is, a deployment's image, a build's base image.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub used: bool,
    /// Whether each workload of `expected_by` reaches the registry over the network (see
    /// `network`), next to the RBAC answer above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<crate::network::NetworkVerdict>,
}

impl AccessRow {
    /// Whether a workload that pulls as this principal cannot reach the registry over the
    /// network (`network`): allowed by RBAC or not, blocked by the network.
    pub fn network_blocked(&self) -> bool {
        self.network.iter().any(|v| v.reach == crate::network::Reach::Blocked)
    }
}

/// A pull the tenant's wiring needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub principal_id: String,
    pub registry: usize,
    /// The compute, attached compute or connection that needs it.
    pub subject: ResourceId,
    pub reason: ExpectReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectReason {
    /// A compute cluster or instance of the workspace, with its own identity.
    Compute,
    /// An AKS cluster attached to the workspace, through its kubelet identity.
    AttachedAks,
    /// A workspace connection's user-assigned identity.
    Connection,
    /// A managed online endpoint's identity: its deployments' images come from the
    /// workspace's registry.
    OnlineEndpoint,
    /// A container group's registry credential naming a user-assigned identity.
    ContainerGroup,
    /// An image an environment or deployment actually pulls from a registry other than the
    /// workspace's (`demand`, which also judges it).
    Demand,
}

/// The indexes analysis and findings share.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub roles: Roles,
    pub index: AssignmentIndex<'a>,
    /// By lowercase principal id.
    pub identities: FastMap<String, Identity>,
    /// Microsoft Graph's directory objects: names, kinds, group members.
    pub directory: Directory<'a>,
    pub registries: Vec<RegistryInfo>,
    registry_by_key: FastMap<String, usize>,
    registry_by_login: FastMap<String, usize>,
    /// Registries under each scope key (the registry itself and its ancestors).
    registries_under: FastMap<String, Vec<usize>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory) -> Context<'a> {
        let roles = Roles::new(&inv.role_definitions);
        let (hierarchy, hierarchy_diags) = Hierarchy::new(&inv.subscriptions);
        let index = AssignmentIndex::with_hierarchy(&inv.role_assignments, hierarchy);
        let mut diagnostics = rbac::unknown_role_diagnostics(inv, &roles);
        diagnostics.extend(hierarchy_diags);
        let mut registries: Vec<RegistryInfo> = inv.registries.iter().map(|r| registry_info(r, &mut diagnostics)).collect();
        crate::sort::sort_by(&mut registries, |a, b| a.id.cmp(&b.id));
        registries.dedup_by(|a, b| a.id == b.id);
        let mut registry_by_key = FastMap::default();
        let mut registry_by_login = FastMap::default();
        let mut registries_under: FastMap<String, Vec<usize>> = FastMap::default();
        for (i, r) in registries.iter().enumerate() {
            registry_by_key.insert(r.id.key().to_string(), i);
            if let Some(login) = &r.login_server {
                registry_by_login.insert(crate::registry_login::normalise_login(login), i);
            }
            for scope in r.id.ancestors() {
                registries_under.entry(scope.key().to_string()).or_default().push(i);
            }
        }
        let (directory, directory_diags) = Directory::new(&inv.directory);
        diagnostics.extend(directory_diags);
        let identities = identities(inv, &index, &directory);
        Context { inv, roles, index, identities, directory, registries, registry_by_key, registry_by_login, registries_under, diagnostics }
    }

    pub fn registry(&self, id: &ResourceId) -> Option<usize> {
        self.registry_by_key.get(id.key()).copied()
    }

    /// The registry a login server (`myacr.azurecr.io`, any case, with or without scheme)
    /// belongs to.
    pub fn registry_by_login_server(&self, login: &str) -> Option<usize> {
        self.registry_by_login.get(&crate::registry_login::normalise_login(login)).copied()
    }

    /// The identity with this principal id, or a stand-in naming the bare id.
    pub fn identity(&self, principal_id: &str) -> Cow<'_, Identity> {
        match self.identities.get(rbac::lower(principal_id).as_ref()) {
            Some(i) => Cow::Borrowed(i),
            None => Cow::Owned(bare_identity(principal_id, IdentityKind::Unknown)),
        }
    }
}


fn registry_info(r: &Registry, diags: &mut Vec<Diagnostic>) -> RegistryInfo {
    let mode = match &r.properties.role_assignment_mode {
        Some(RoleAssignmentMode::AbacRepositoryPermissions) => RegistryMode::Abac,
        Some(RoleAssignmentMode::Other(other)) => {
            diags.push(Diagnostic {
                at: r.id.to_string(),
                message: format!("unknown roleAssignmentMode {other:?}; treated as LegacyRegistryPermissions"),
            });
            RegistryMode::Legacy
        }
        _ => RegistryMode::Legacy,
    };
    RegistryInfo {
        id: r.id.clone(),
        name: if r.name.is_empty() { r.id.name().to_string() } else { r.name.clone() },
        login_server: r.properties.login_server.clone(),
        mode,
        admin_user_enabled: r.properties.admin_user_enabled,
        anonymous_pull_enabled: r.properties.anonymous_pull_enabled,
    }
}

fn bare_identity(principal_id: &str, kind: IdentityKind) -> Identity {
    Identity { principal_id: principal_id.to_ascii_lowercase(), kind, name: principal_id.to_string(), resource: None, label: format!("{} {}", kind.describe(), principal_id) }
}

fn named_identity(principal_id: &str, kind: IdentityKind, name: &str, resource: &ResourceId) -> Identity {
    Identity {
        principal_id: principal_id.to_ascii_lowercase(),
        kind,
        name: name.to_string(),
        resource: Some(resource.clone()),
        label: format!("{name} ({})", kind.describe()),
    }
}

/// A principal as Microsoft Graph names it: `Dana Scott (user)`.
fn directory_identity(o: &DirectoryObject, fallback: IdentityKind) -> Identity {
    let kind = match o.kind() {
        DirectoryKind::User => IdentityKind::User,
        DirectoryKind::Group => IdentityKind::Group,
        DirectoryKind::ServicePrincipal => IdentityKind::ServicePrincipal,
        DirectoryKind::Other => fallback,
    };
    match o.name() {
        Some(name) => {
            let what = if o.is_managed_identity() { "managed identity" } else { kind.describe() };
            Identity { principal_id: o.id.to_ascii_lowercase(), kind, name: name.to_string(), resource: None, label: format!("{name} ({what})") }
        }
        None => bare_identity(&o.id, kind),
    }
}

/// Every principal pullpath can name. The most specific description wins: a user-assigned
/// identity attached to a compute is shown as the identity, not as the compute; an identity
/// ARM names by its resource is shown by it, others by the name Microsoft Graph gives them.
/// Labels are then made unique ([`unique_labels`]).
fn identities(inv: &Inventory, index: &AssignmentIndex<'_>, directory: &Directory<'_>) -> FastMap<String, Identity> {
    let mut out: FastMap<String, Identity> = FastMap::default();
    let mut add = |id: Identity| {
        if !id.principal_id.is_empty() {
            out.entry(id.principal_id.clone()).or_insert(id);
        }
    };
    let mut seen_bare: FastSet<&str> = FastSet::default();
    for uai in &inv.identities {
        if let Some(p) = &uai.properties.principal_id {
            add(named_identity(p, IdentityKind::UserAssigned, &display_name(&uai.name, &uai.id), &uai.id));
        }
    }
    for mc in &inv.managed_clusters {
        if let Some(k) = mc.kubelet_identity() {
            if let Some(p) = &k.object_id {
                let name = format!("{} kubelet", display_name(&mc.name, &mc.id));
                add(named_identity(p, IdentityKind::AksKubelet, &name, k.resource_id.as_ref().unwrap_or(&mc.id)));
            }
        }
    }
    // User-assigned identities referenced on resources but not exported themselves.
    let msis = inv
        .workspaces
        .iter()
        .map(|w| (&w.identity, &w.id, &w.name, IdentityKind::WorkspaceSystem))
        .chain(inv.computes.iter().map(|c| (&c.identity, &c.id, &c.name, IdentityKind::ComputeSystem)))
        .chain(inv.registries.iter().map(|r| (&r.identity, &r.id, &r.name, IdentityKind::RegistrySystem)))
        .chain(inv.managed_clusters.iter().map(|m| (&m.identity, &m.id, &m.name, IdentityKind::AksCluster)))
        .chain(inv.online_endpoints.iter().map(|e| (&e.identity, &e.id, &e.name, IdentityKind::EndpointSystem)))
        .chain(inv.container_groups.iter().map(|g| (&g.identity, &g.id, &g.name, IdentityKind::ContainerGroupSystem)));
    let msis: Vec<_> = msis.collect();
    for (msi, _, _, _) in &msis {
        let Some(msi) = msi else { continue };
        for (key, r) in &msi.user_assigned_identities {
            if let (Some(p), Ok(id)) = (&r.principal_id, ResourceId::parse(key)) {
                add(named_identity(p, IdentityKind::UserAssigned, id.name(), &id));
            }
        }
    }
    for (msi, id, name, kind) in &msis {
        if let Some(p) = msi.as_ref().and_then(|m| m.principal_id.as_ref()) {
            add(named_identity(p, *kind, &display_name(name, id), id));
        }
    }
    for ra in index.assignments {
        // 50,000 assignments name a few thousand principals: build each stand-in once.
        if !seen_bare.insert(ra.properties.principal_id.as_str()) {
            continue;
        }
        let kind = match &ra.properties.principal_type {
            Some(PrincipalType::User) => IdentityKind::User,
            Some(PrincipalType::Group) => IdentityKind::Group,
            Some(PrincipalType::ServicePrincipal) => IdentityKind::ServicePrincipal,
            _ => IdentityKind::Unknown,
        };
        add(bare_identity(&ra.properties.principal_id, kind));
    }
    // Graph's names for what ARM names only by id (people, groups, service principals), and
    // every group member Graph listed, so their rows are named too.
    for id in directory.ids() {
        let Some(o) = directory.get(id) else { continue };
        let named = out.get(id).is_some_and(|i| i.resource.is_some());
        if named || o.kind() == DirectoryKind::Other {
            continue;
        }
        let fallback = out.get(id).map_or(IdentityKind::Unknown, |i| i.kind);
        let better = directory_identity(o, fallback);
        if o.name().is_some() || !out.contains_key(id) {
            out.insert(id.to_string(), better);
        }
    }
    unique_labels(&mut out);
    out
}

/// What tells apart identities whose labels are the same, from nearest to widest: for an
/// identity of a resource, the resources it sits in (`workspace ml-prod`), its resource group,
/// its subscription; for a directory object, its object id.
fn qualifiers(i: &Identity) -> Vec<String> {
    let Some(id) = &i.resource else { return vec![format!("id {}", i.principal_id)] };
    let mut out = Vec::new();
    let mut at = id.parent();
    while let Some(p) = at {
        if p.level() != ScopeLevel::Resource {
            break;
        }
        out.push(format!("{} {}", resource_word(&p), p.name()));
        at = p.parent();
    }
    if let Some(rg) = id.resource_group_name() {
        out.push(format!("resource group {rg}"));
    }
    if let Some(sub) = id.subscription_id() {
        out.push(format!("subscription {sub}"));
    }
    out.push(format!("id {}", i.principal_id));
    out
}

/// `workspace`, `AKS cluster`, or the type's last segment.
fn resource_word(id: &ResourceId) -> String {
    let ty = id.resource_type();
    let last = ty.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    match last.as_str() {
        "workspaces" => "workspace".into(),
        "managedclusters" => "AKS cluster".into(),
        "registries" => "registry".into(),
        "computes" => "compute".into(),
        _ => last,
    }
}

/// Makes every label unique: identities that share one are qualified ([`qualifiers`]) exactly
/// as far as needed to tell them apart, e.g. five computes `cpu-0` in five workspaces become
/// `cpu-0 (compute system identity, workspace ws-1)` … without naming resource groups.
fn unique_labels(identities: &mut FastMap<String, Identity>) {
    let mut by_label: FastMap<String, Vec<String>> = FastMap::default();
    for (key, i) in identities.iter() {
        by_label.entry(i.label.clone()).or_default().push(key.clone());
    }
    for (_, mut keys) in by_label {
        if keys.len() < 2 {
            continue;
        }
        crate::sort::sort(&mut keys);
        let quals: Vec<Vec<String>> = keys.iter().map(|k| qualifiers(&identities[k])).collect();
        let deepest = quals.iter().map(Vec::len).max().unwrap_or(0);
        let label_at = |i: &Identity, q: &[String], depth: usize| {
            let what = i.label.strip_prefix(&i.name).and_then(|r| r.trim().strip_prefix('(')).and_then(|r| r.strip_suffix(')')).unwrap_or(i.kind.describe()).to_string();
            let parts: Vec<&str> = q.iter().take(depth).map(String::as_str).collect();
            format!("{} ({what}, {})", i.name, parts.join(", "))
        };
        let mut chosen = deepest;
        for depth in 1..=deepest {
            let labels: FastSet<String> = keys.iter().zip(&quals).map(|(k, q)| label_at(&identities[k], q, depth)).collect();
            if labels.len() == keys.len() {
                chosen = depth;
                break;
            }
        }
        let new: Vec<String> = keys.iter().zip(&quals).map(|(k, q)| label_at(&identities[k], q, chosen)).collect();
        for (k, label) in keys.iter().zip(new) {
            if let Some(i) = identities.get_mut(k) {
                i.label = label;
            }
        }
    }
}

fn display_name(name: &str, id: &ResourceId) -> String {
    if name.is_empty() { id.name().to_string() } else { name.to_string() }
}

/// What one role can do to registries, decided once per role.
#[derive(Debug, Clone)]
struct Effect {
    role: Arc<RoleRef>,
    pull: Option<Arc<str>>,
    push: Option<Arc<str>>,
    list_credentials: Option<Arc<str>>,
    content_read: Option<Arc<str>>,
    content_write: Option<Arc<str>>,
}

impl Effect {
    fn of(role: &rbac::Role) -> Option<Effect> {
        let g = |plane, op| role.grants(plane, op).map(Arc::from);
        let e = Effect {
            role: Arc::new(RoleRef { guid: role.guid.clone(), name: role.name.clone() }),
            pull: g(Plane::Control, ops::PULL),
            push: g(Plane::Control, ops::PUSH),
            list_credentials: g(Plane::Control, ops::LIST_CREDENTIALS),
            content_read: g(Plane::Data, ops::CONTENT_READ),
            content_write: g(Plane::Data, ops::CONTENT_WRITE),
        };
        let any = e.pull.is_some() || e.push.is_some() || e.list_credentials.is_some() || e.content_read.is_some() || e.content_write.is_some();
        any.then_some(e)
    }
}

/// A pattern that names the registry provider is a registry-specific grant; anything else
/// (`*`, `*/read`) is a generic role that covers pull by accident.
fn is_registry_specific(pattern: &str) -> bool {
    pattern.len() >= "Microsoft.ContainerRegistry/".len() && pattern[.."Microsoft.ContainerRegistry/".len()].eq_ignore_ascii_case("Microsoft.ContainerRegistry/")
}

/// `the registry`, `resource group rg`, `subscription s`, `the tenant root`.
pub fn describe_scope(scope: &ResourceId, registry: &ResourceId) -> String {
    if scope == registry {
        return "the registry".into();
    }
    describe_scope_level(scope)
}

/// `resource group rg`, `subscription s`, `the tenant root`, `{type} {name}`.
fn describe_scope_level(scope: &ResourceId) -> String {
    match scope.level() {
        ScopeLevel::Tenant => "the tenant root".into(),
        ScopeLevel::ManagementGroup => format!("management group {}", scope.name()),
        ScopeLevel::Subscription => format!("subscription {}", scope.name()),
        ScopeLevel::ResourceGroup => format!("resource group {}", scope.name()),
        ScopeLevel::Resource => format!("{} {}", scope.resource_type(), scope.name()),
    }
}

/// What an explanation adds for an assignment made at a management group: which group the
/// registry inherits it from.
fn inherited_from_group(scope: &ResourceId, hierarchy: &Hierarchy) -> String {
    let name = scope.name();
    if hierarchy.is_tenant_root_group(name) {
        format!(" (inherited from management group {name}, the tenant root group, which every subscription sits below)")
    } else {
        format!(" (inherited from management group {name}, which the registry's subscription sits below)")
    }
}

/// The text one role assignment contributes to each of its paths, shared rather than copied.
struct AssignmentText {
    id: Arc<str>,
    scope: Arc<str>,
    /// `None` when absent or blank.
    condition: Option<Arc<str>>,
    /// The condition as read for ABAC registries (`Some` exactly when `condition` is).
    reading: Option<Arc<ConditionReading>>,
}

/// A condition read once per distinct text and version, shared by every assignment carrying it.
#[derive(Debug)]
enum ConditionReading {
    /// What it allows for pull (`content/read`) and push (`content/write`).
    Read { pull: Verdict, push: Verdict },
    /// Why it could not be read.
    Unreadable(String),
}

fn read_condition(text: &str, version: Option<&str>) -> ConditionReading {
    if let Some(v) = version.filter(|v| v.trim() != "2.0") {
        let v: String = v.chars().take(20).collect();
        return ConditionReading::Unreadable(format!("conditionVersion {v:?} is not \"2.0\", the only version Azure accepts"));
    }
    match condition::parse(text) {
        Ok(c) => ConditionReading::Read { pull: c.evaluate(ops::CONTENT_READ), push: c.evaluate(ops::CONTENT_WRITE) },
        Err(e) => ConditionReading::Unreadable(e.to_string()),
    }
}

/// Pull and push through an ABAC-enabled role that grants `read` and/or `write`, and the words
/// its condition adds to the explanation. `what` is "pull", "push" or "pull and push".
fn abac_levels(text: &AssignmentText, read: bool, write: bool, what: &str) -> (Level, Level, String) {
    let granted = |g: bool, level: Level| if g { level } else { Level::No };
    let (Some(condition), Some(reading)) = (text.condition.as_deref(), text.reading.as_deref()) else {
        return (granted(read, Level::Yes), granted(write, Level::Yes), String::new());
    };
    let (pull, push) = match reading {
        ConditionReading::Unreadable(why) => {
            let note = format!(" — only for the repositories its condition allows, which pullpath cannot read ({why}), so {what} is partial: {condition}");
            return (granted(read, Level::Partial), granted(write, Level::Partial), note);
        }
        ConditionReading::Read { pull, push } => (pull, push),
    };
    let mut parts: Vec<String> = Vec::new();
    let mut undecided = false;
    let mut level = |op: &str, verdict: &Verdict| match verdict {
        Verdict::Unrestricted => {
            parts.push(format!("{op}: any repository"));
            Level::Yes
        }
        Verdict::Only(which) => {
            parts.push(format!("{op}: {which}"));
            Level::Partial
        }
        Verdict::Never => {
            parts.push(format!("{op}: no repository (the condition is never true for it)"));
            Level::No
        }
        Verdict::Undecided(why) => {
            undecided = true;
            parts.push(format!("{op}: only where the condition holds, which pullpath cannot decide ({why})"));
            Level::Partial
        }
    };
    let (pull, push) = match (read, write) {
        // One phrase when the condition treats both alike.
        (true, true) if pull == push => {
            let both = level("pull and push", pull);
            (both, both)
        }
        _ => (if read { level("pull", pull) } else { Level::No }, if write { level("push", push) } else { Level::No }),
    };
    let mut note = format!(" — under its condition, {}", parts.join("; "));
    if undecided {
        note.push_str(": ");
        note.push_str(condition);
    }
    (pull, push, note)
}

/// What a path depends on besides the assignment: the paths one assignment opens are the same
/// for every registry with the same mode and admin-user setting, assigned at it or above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RegistryShape {
    mode: RegistryMode,
    admin_user_enabled: bool,
    /// The assignment is made at an ancestor of the registry, not at the registry.
    inherited: bool,
}

impl RegistryShape {
    /// A small dense index, so a per-assignment cache is an array.
    fn slot(self) -> usize {
        let mode = match self.mode {
            RegistryMode::Legacy => 0,
            RegistryMode::Abac => 4,
        };
        mode + 2 * usize::from(self.admin_user_enabled) + usize::from(self.inherited)
    }
}

/// The paths one assignment opens to a registry of the given shape, appended to `out`.
/// `at_scope` is [`describe_scope_level`] of the assignment's scope (used when inherited).
fn paths_for(text: &AssignmentText, at_scope: &str, effect: &Effect, shape: RegistryShape, out: &mut Vec<Path>) {
    let at = if shape.inherited { at_scope } else { "the registry" };
    let role = &effect.role.name;
    let condition = text.condition.as_deref();
    let base = |kind, works, pull, push, operation: Option<&'static str>, pattern: Option<&Arc<str>>, explanation: String| Path {
        kind,
        works,
        pull,
        push,
        assignment: Some(text.id.clone()),
        role: Some(effect.role.clone()),
        scope: Some(text.scope.clone()),
        operation: operation.map(Cow::Borrowed),
        pattern: pattern.cloned(),
        condition: text.condition.clone(),
        group: None,
        explanation: Arc::from(explanation),
    };
    let full_or_partial = if condition.is_some() { Level::Partial } else { Level::Yes };
    let condition_note = |what: &str| match condition {
        Some(c) => format!(" — only for the repositories its condition allows, so {what} is partial: {c}"),
        None => String::new(),
    };
    let kind_of = |pattern: &str| {
        if !is_registry_specific(pattern) {
            PathKind::BroadRole
        } else if shape.inherited {
            PathKind::Inherited
        } else {
            PathKind::Direct
        }
    };
    let what_of = |pull: Level, push: Level| match (pull != Level::No, push != Level::No) {
        (true, true) => "pull and push",
        (true, false) => "pull",
        _ => "push",
    };
    match shape.mode {
        RegistryMode::Legacy => {
            if let Some((op, pattern)) = effect.pull.as_ref().map(|p| (ops::PULL, p)).or(effect.push.as_ref().map(|p| (ops::PUSH, p))) {
                let pull = if effect.pull.is_some() { full_or_partial } else { Level::No };
                let push = if effect.push.is_some() { full_or_partial } else { Level::No };
                let what = what_of(pull, push);
                let push_note = match (&effect.push, op) {
                    (Some(p), o) if o != ops::PUSH => format!(", and {} through \"{p}\"", ops::PUSH),
                    _ => String::new(),
                };
                let explanation = concat(&[role, " at ", at, " grants ", what, ": ", op, " matches \"", pattern, "\"", &push_note, &condition_note(what)]);
                out.push(base(kind_of(pattern), true, pull, push, Some(op), Some(pattern), explanation));
            }
        }
        RegistryMode::Abac => {
            if let Some((op, pattern)) = effect.content_read.as_ref().map(|p| (ops::CONTENT_READ, p)).or(effect.content_write.as_ref().map(|p| (ops::CONTENT_WRITE, p))) {
                let (read, write) = (effect.content_read.is_some(), effect.content_write.is_some());
                let what = what_of(if read { Level::Yes } else { Level::No }, if write { Level::Yes } else { Level::No });
                let (pull, push, note) = abac_levels(text, read, write, what);
                // A condition never true for either action leaves a path that does not work.
                let works = pull != Level::No || push != Level::No;
                let explanation = concat(&[role, " at ", at, " grants ", what, " on this ABAC registry: data action ", op, " matches \"", pattern, "\"", &note]);
                out.push(base(kind_of(pattern), works, pull, push, Some(op), Some(pattern), explanation));
            } else if let Some((op, pattern)) = effect.pull.as_ref().map(|p| (ops::PULL, p)).or(effect.push.as_ref().map(|p| (ops::PUSH, p))) {
                let why = if is_registry_specific(pattern) {
                    "which ignores AcrPull, AcrPush and AcrDelete"
                } else {
                    "where Owner, Contributor and Reader give no data-plane access"
                };
                let mut explanation = String::with_capacity(200);
                let _ = write!(explanation, "{role} at {at} would grant {op} (through \"{pattern}\"), but the registry is in ABAC mode (AbacRepositoryPermissions), {why}");
                out.push(base(PathKind::AbacIgnored, false, Level::No, Level::No, Some(op), Some(pattern), explanation));
            }
        }
    }
    if let Some(pattern) = &effect.list_credentials {
        if shape.admin_user_enabled {
            let explanation = format!(
                "{role} at {at} can read the admin password ({} matches \"{pattern}\") and the admin user is enabled: the password pulls and pushes",
                ops::LIST_CREDENTIALS
            );
            out.push(base(PathKind::AdminKeys, true, Level::Yes, Level::Yes, Some(ops::LIST_CREDENTIALS), Some(pattern), explanation));
        }
    }
}

/// The parts joined, in one allocation of the right size: explanations are built tens of
/// thousands of times, and `format!` machinery was a tenth of building them.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

fn anonymous_path(explanation: &Arc<str>) -> Path {
    Path {
        kind: PathKind::Anonymous,
        works: true,
        pull: Level::Yes,
        push: Level::No,
        assignment: None,
        role: None,
        scope: None,
        operation: None,
        pattern: None,
        condition: None,
        group: None,
        explanation: explanation.clone(),
    }
}

/// The principal an AKS cluster's nodes pull images as: its kubelet identity ("Enable the AKS
/// kubelet managed identity to pull images from an attached Azure container registry."), or
/// without one its service principal: "AKS service principal | Enable the AKS service
/// principal with permissions to a target Azure container registry."
/// (https://learn.microsoft.com/azure/container-registry/authenticate-kubernetes-options).
/// ARM gives only the service principal's application id; Microsoft Graph says which
/// principal that is. `Err`: why it is not known, in words.
pub fn cluster_puller(ctx: &Context<'_>, mc: &crate::arm::ManagedCluster) -> Result<String, String> {
    let kubelet = mc.kubelet_identity().and_then(|k| k.object_id.clone());
    let by_app = || mc.service_principal_app_id().map(|app| (app, ctx.directory.by_app_id(app).map(|sp| sp.id.clone())));
    kubelet.or_else(|| by_app().and_then(|(_, sp)| sp)).ok_or_else(|| match by_app() {
        Some((app, _)) => format!("the cluster pulls with its service principal, known only by its application id {app} (servicePrincipalProfile.clientId): without Microsoft Graph's servicePrincipal object for that appId, pullpath cannot tell which principal it is, so its pulls cannot be checked"),
        None => "the cluster has no kubelet identity (identityProfile.kubeletidentity.objectId) nor a service principal (servicePrincipalProfile.clientId), so its pulls cannot be checked".into(),
    })
}

/// The pulls the tenant's wiring needs, plus diagnostics for wiring pullpath cannot follow.
pub fn expectations(ctx: &Context<'_>) -> (Vec<Expectation>, Vec<Diagnostic>) {
    let inv = ctx.inv;
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let workspaces: HashMap<&str, &crate::arm::Workspace> = inv.workspaces.iter().map(|w| (w.id.key(), w)).collect();
    let clusters: HashMap<&str, &crate::arm::ManagedCluster> = inv.managed_clusters.iter().map(|m| (m.id.key(), m)).collect();
    let workspace_registry = |ws_id: &ResourceId, diags: &mut Vec<Diagnostic>| -> Option<usize> {
        let ws = workspaces.get(ws_id.key())?;
        let reg = ws.properties.container_registry.as_ref()?;
        let found = ctx.registry(reg);
        if found.is_none() {
            diags.push(Diagnostic { at: ws.id.to_string(), message: format!("the workspace's registry {reg} is not in the snapshot, so pulls from it cannot be checked") });
        }
        found
    };
    for c in &inv.computes {
        let Some(ws_id) = c.id.parent() else { continue };
        if c.properties.compute_type.has_own_identity() {
            let Some(msi) = c.identity.as_ref() else { continue };
            let mut principals: Vec<String> = msi.principal_id.iter().cloned().collect();
            // The system-assigned identity is the default one, which pulls: "The default
            // managed identity is the system-assigned managed identity or the first
            // user-assigned managed identity." (truth: workloads/compute-system-identity-is-its-default)
            let user_assigned = if principals.is_empty() { msi.user_assigned_identities.iter().collect::<Vec<_>>() } else { Vec::new() };
            for (key, r) in user_assigned {
                let from_inventory = ResourceId::parse(key).ok().and_then(|id| inv.identities.iter().find(|u| u.id == id)).and_then(|u| u.properties.principal_id.clone());
                principals.extend(r.principal_id.clone().or(from_inventory));
            }
            if principals.is_empty() {
                continue;
            }
            let Some(reg) = workspace_registry(&ws_id, &mut diags) else { continue };
            for p in principals {
                out.push(Expectation { principal_id: p.to_ascii_lowercase(), registry: reg, subject: c.id.clone(), reason: ExpectReason::Compute });
            }
        } else if c.properties.compute_type.is_attached_kubernetes() {
            let Some(aks_id) = &c.properties.resource_id else { continue };
            let Some(mc) = clusters.get(aks_id.key()) else {
                diags.push(Diagnostic { at: c.id.to_string(), message: format!("attached cluster {aks_id} is not in the snapshot, so its kubelet's pulls cannot be checked") });
                continue;
            };
            let kubelet = match cluster_puller(ctx, mc) {
                Ok(k) => k,
                Err(message) => {
                    diags.push(Diagnostic { at: mc.id.to_string(), message });
                    continue;
                }
            };
            let Some(reg) = workspace_registry(&ws_id, &mut diags) else { continue };
            out.push(Expectation { principal_id: kubelet.to_ascii_lowercase(), registry: reg, subject: c.id.clone(), reason: ExpectReason::AttachedAks });
        }
    }
    for conn in &inv.connections {
        if !conn.is_container_registry() || !conn.is_managed_identity() {
            continue;
        }
        let Some(target) = conn.properties.target.as_deref() else { continue };
        let Some(reg) = ctx.registry_by_login_server(target) else {
            diags.push(Diagnostic { at: conn.id.to_string(), message: format!("the connection's target {target} is not a registry in the snapshot, so its identity's pulls cannot be checked") });
            continue;
        };
        let Some(uai) = conn.properties.credentials.as_ref().and_then(|c| c.resource_id.clone()) else { continue };
        let Some(principal) = inv.identities.iter().find(|u| u.id == uai).and_then(|u| u.properties.principal_id.clone()) else {
            diags.push(Diagnostic { at: conn.id.to_string(), message: format!("the connection's identity {uai} is not in the snapshot (or has no principalId), so its pulls cannot be checked") });
            continue;
        };
        out.push(Expectation { principal_id: principal.to_ascii_lowercase(), registry: reg, subject: conn.id.clone(), reason: ExpectReason::Connection });
    }
    // "Online endpoints require Azure Container Registry (ACR) pull permission on the ACR
    // associated with the workspace." (concept-endpoints-online-auth; see the truth corpus)
    for ep in &inv.online_endpoints {
        let Some(ws_id) = ep.id.parent() else { continue };
        let principals = msi_principals(inv, ep.identity.as_ref());
        if principals.is_empty() {
            diags.push(Diagnostic { at: ep.id.to_string(), message: "the endpoint has no managed identity in this data, so whether it can pull its images cannot be checked".into() });
            continue;
        }
        let Some(reg) = workspace_registry(&ws_id, &mut diags) else { continue };
        for p in principals {
            out.push(Expectation { principal_id: p, registry: reg, subject: ep.id.clone(), reason: ExpectReason::OnlineEndpoint });
        }
    }
    for group in &inv.container_groups {
        for cred in &group.properties.image_registry_credentials {
            let Some(identity) = cred.identity.as_deref().filter(|i| !i.is_empty()) else { continue };
            let Some(reg) = ctx.registry_by_login_server(&cred.server) else { continue };
            let Ok(uai) = ResourceId::parse(identity) else {
                // Azure Container Instances "doesn't support system-assigned managed
                // identity-authenticated image pulls with ACR" (using-azure-container-registry-mi).
                diags.push(Diagnostic { at: group.id.to_string(), message: format!("the registry credential for {} names identity {identity:?}, which is not a user-assigned identity's resource id; Azure Container Instances pulls from ACR only with a user-assigned identity", cred.server) });
                continue;
            };
            let Some(principal) = uai_principal(inv, group.identity.as_ref(), &uai) else {
                diags.push(Diagnostic { at: group.id.to_string(), message: format!("the group pulls from {} as {uai}, which is not in the snapshot (or has no principalId), so its pulls cannot be checked", cred.server) });
                continue;
            };
            out.push(Expectation { principal_id: principal.to_ascii_lowercase(), registry: reg, subject: group.id.clone(), reason: ExpectReason::ContainerGroup });
        }
    }
    (out, diags)
}

/// The principal of user-assigned identity `uai` as a resource names it: from the resource's
/// own `userAssignedIdentities` entry, else from the identity itself (lowercase).
pub fn uai_principal(inv: &Inventory, msi: Option<&crate::arm::ManagedServiceIdentity>, uai: &ResourceId) -> Option<String> {
    let from_ref = msi.and_then(|m| m.user_assigned_identities.iter().find(|(k, _)| ResourceId::parse(k).is_ok_and(|id| &id == uai))).and_then(|(_, r)| r.principal_id.clone());
    let from_inv = || inv.identities.iter().find(|u| &u.id == uai).and_then(|u| u.properties.principal_id.clone());
    from_ref.or_else(from_inv).map(|p| p.to_ascii_lowercase())
}

/// The principals a resource's managed identity acts as: its system identity and every
/// user-assigned one (principal id from the resource, else from the identity itself), lowercase.
pub(crate) fn msi_principals(inv: &Inventory, msi: Option<&crate::arm::ManagedServiceIdentity>) -> Vec<String> {
    let Some(msi) = msi else { return Vec::new() };
    let mut out: Vec<String> = msi.principal_id.iter().map(|p| p.to_ascii_lowercase()).collect();
    for (key, r) in &msi.user_assigned_identities {
        let from_inventory = ResourceId::parse(key).ok().and_then(|id| inv.identities.iter().find(|u| u.id == id)).and_then(|u| u.properties.principal_id.clone());
        out.extend(r.principal_id.clone().or(from_inventory).map(|p| p.to_ascii_lowercase()));
    }
    out
}
/// A group's transitive members (interned principal) with the words each one's explanations
/// add (the group chain).
type Members = Vec<(usize, Arc<str>)>;

/// Access rows for every principal with any path to a registry, and for every expected pull.
pub fn compute<'a>(ctx: &Context<'a>, expected: &[Expectation]) -> (Vec<AccessRow>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Keyed by the GUID as written: a differently-cased copy only costs one more evaluation.
    let mut effects: FastMap<&str, Option<Effect>> = FastMap::default();
    // Principals are interned so the per-path map key is two integers, and each row shares
    // its principal's one copy of the id.
    let mut principal_ids: FastMap<Cow<'a, str>, usize> = FastMap::default();
    let mut principals: Vec<Arc<str>> = Vec::new();
    let mut intern = |p: Cow<'a, str>| -> usize {
        let next = principals.len();
        *principal_ids.entry(p).or_insert_with_key(|k| {
            principals.push(Arc::from(k.as_ref()));
            next
        })
    };
    // About one (registry, principal) pair per assignment in real and generated tenants:
    // sizing up front saves rehashing a map of ~100,000 entries several times.
    let mut pairs: FastMap<(usize, usize), Vec<Path>> = FastMap::with_capacity_and_hasher(ctx.index.assignments.len() + expected.len(), Default::default());
    // Conditions repeat across assignments (a tenant's template writes the same one many
    // times): each distinct text is parsed and decided once.
    let mut readings: FastMap<(&str, Option<&str>), Arc<ConditionReading>> = FastMap::default();
    // Management groups: the registries in subscriptions below each group, and those whose
    // subscription's place is unknown, worked out once per group.
    let mut below_group: FastMap<String, (Vec<usize>, Vec<usize>)> = FastMap::default();
    // Per group with unknown placements: assignments left out, and the subscriptions.
    let mut unplaced: std::collections::BTreeMap<String, (usize, std::collections::BTreeSet<String>)> = Default::default();
    // (registry, principal) pairs whose answer leaves out such an assignment.
    let mut uncertain: FastSet<(usize, usize)> = FastSet::default();
    // Per group principal: its transitive members (interned) and the words each member's
    // explanation adds, or `None` when the principal is no group or its members are unknown.
    let mut group_members: FastMap<usize, Option<Arc<Members>>> = FastMap::default();
    // Per registry: groups holding a working pull path there whose members are unknown.
    let mut opaque: FastMap<usize, std::collections::BTreeSet<String>> = FastMap::default();
    for (i, ra) in ctx.index.assignments.iter().enumerate() {
        let effect = effects.entry(ra.role_definition_guid()).or_insert_with_key(|g| ctx.roles.get(g).and_then(Effect::of));
        let Some(effect) = effect.as_ref() else { continue };
        let scope: &ResourceId = &ctx.index.scopes[i];
        let regs: &[usize] = if scope.level() == ScopeLevel::ManagementGroup {
            let (known, unknown) = below_group.entry(scope.key().to_string()).or_insert_with(|| {
                let (mut known, mut unknown) = (Vec::new(), Vec::new());
                for (r, reg) in ctx.registries.iter().enumerate() {
                    match ctx.index.hierarchy.applies(scope, &reg.id) {
                        Applies::Yes => known.push(r),
                        Applies::Unknown => unknown.push(r),
                        Applies::No => {}
                    }
                }
                (known, unknown)
            });
            if !unknown.is_empty() {
                let entry = unplaced.entry(scope.as_str().to_string()).or_default();
                entry.0 += 1;
                entry.1.extend(unknown.iter().filter_map(|&r| ctx.registries[r].id.subscription_id().map(str::to_string)));
                let p = intern(rbac::lower(&ra.properties.principal_id));
                uncertain.extend(unknown.iter().map(|&r| (r, p)));
            }
            known
        } else {
            match ctx.registries_under.get(scope.key()) {
                Some(regs) => regs,
                None => continue,
            }
        };
        let principal_key = rbac::lower(&ra.properties.principal_id);
        let is_group = matches!(ra.properties.principal_type, Some(PrincipalType::Group)) || ctx.directory.get(&principal_key).is_some_and(|o| o.kind() == DirectoryKind::Group);
        let group_key: Option<Arc<str>> = is_group.then(|| Arc::from(principal_key.as_ref()));
        let principal = intern(principal_key);
        let members = match &group_key {
            None => None,
            Some(g) => group_members
                .entry(principal)
                .or_insert_with(|| {
                    let list = ctx.directory.members(g)?;
                    let mut list: Vec<&String> = list.iter().collect();
                    crate::sort::sort(&mut list);
                    let words = group_words(ctx, g);
                    let out: Vec<(usize, Arc<str>)> = list
                        .into_iter()
                        .map(|m| {
                            let chain: Vec<String> = ctx.directory.chain(g, m).iter().map(|h| group_words(ctx, h)).collect();
                            let through = if chain.is_empty() { String::new() } else { format!(" through {}", chain.join(", then ")) };
                            let note = format!(" — assigned to {}, of which this principal is a member{through}", words);
                            (intern(Cow::Owned(m.clone())), Arc::from(note))
                        })
                        .collect();
                    Some(Arc::new(out))
                })
                .clone(),
        };
        let condition = ra.properties.condition.as_deref().filter(|c| !c.trim().is_empty());
        let reading = condition.map(|c| {
            let version = ra.properties.condition_version.as_deref();
            let reading = readings.entry((c, version)).or_insert_with(|| Arc::new(read_condition(c, version))).clone();
            if let ConditionReading::Unreadable(why) = reading.as_ref() {
                diags.push(Diagnostic { at: ra.id.as_str().to_string(), message: format!("the condition of this role assignment cannot be read ({why}), so the access it grants is shown as partial") });
            }
            reading
        });
        let text = AssignmentText { id: Arc::from(ra.id.as_str()), scope: Arc::from(scope.as_str()), condition: condition.map(Arc::from), reading };
        // Described only when some registry inherits the assignment: most assignments are
        // made at the registry itself.
        let mut at_scope: Option<String> = None;
        let mut by_shape: [Option<Vec<Path>>; 8] = Default::default();
        for &r in regs {
            let reg = &ctx.registries[r];
            let shape = RegistryShape { mode: reg.mode, admin_user_enabled: reg.admin_user_enabled, inherited: scope.key() != reg.id.key() };
            let paths = by_shape[shape.slot()].get_or_insert_with(|| {
                let at = if shape.inherited { at_scope.get_or_insert_with(|| describe_scope_level(scope)).as_str() } else { "" };
                let mut out = Vec::new();
                paths_for(&text, at, effect, shape, &mut out);
                if scope.level() == ScopeLevel::ManagementGroup {
                    let note = inherited_from_group(scope, &ctx.index.hierarchy);
                    for p in &mut out {
                        p.explanation = Arc::from(concat(&[&p.explanation, &note]));
                    }
                }
                out
            });
            if !paths.is_empty() {
                pairs.entry((r, principal)).or_default().extend(paths.iter().cloned());
            }
            match (&members, &group_key) {
                (Some(members), Some(g)) => {
                    for (m, note) in members.iter() {
                        let held = paths.iter().map(|p| Path { group: Some(g.clone()), explanation: Arc::from(concat(&[&p.explanation, note])), ..p.clone() });
                        pairs.entry((r, *m)).or_default().extend(held);
                    }
                }
                (None, Some(g)) if paths.iter().any(|p| p.works && p.pull != Level::No) => {
                    opaque.entry(r).or_default().insert(group_words(ctx, g));
                }
                _ => {}
            }
        }
    }
    for (group, (n, subs)) in unplaced {
        let subs: Vec<String> = subs.into_iter().collect();
        diags.push(Diagnostic {
            at: group,
            message: format!(
                "{n} role assignment(s) relevant to registries are at this management group, but where subscription(s) {} sit under management groups is not known (unknown hierarchy), so they are not counted for the registries there{}; scan with Resource Graph, or add the subscriptions' resourcecontainers rows (properties.managementGroupAncestorsChain) to the snapshot",
                subs.join(", "),
                crate::truth::note(crate::truth::UNKNOWN_HIERARCHY_NOT_ASSUMED)
            ),
        });
    }
    let mut expected_by: FastMap<(usize, usize), Vec<ResourceId>> = FastMap::default();
    for e in expected {
        let p = intern(Cow::Owned(e.principal_id.clone()));
        expected_by.entry((e.registry, p)).or_default().push(e.subject.clone());
        pairs.entry((e.registry, p)).or_default();
    }
    let anyone = intern(Cow::Borrowed("*"));
    for (r, reg) in ctx.registries.iter().enumerate() {
        if reg.anonymous_pull_enabled {
            pairs.entry((r, anyone)).or_default();
        }
    }
    // Label, kind and sort rank per principal, once rather than once per row.
    let who: Vec<(String, IdentityKind)> = principals
        .iter()
        .map(|principal| match ctx.identities.get(principal.as_ref()) {
            Some(i) => (i.label.clone(), i.kind),
            None if principal.as_ref() == "*" => ("anyone (anonymous pull)".to_string(), IdentityKind::Unknown),
            None => (bare_identity(principal, IdentityKind::Unknown).label, IdentityKind::Unknown),
        })
        .collect();
    let mut order: Vec<usize> = (0..principals.len()).collect();
    crate::sort::sort_unstable_by(&mut order, |&a, &b| who[a].0.cmp(&who[b].0).then_with(|| principals[a].cmp(&principals[b])));
    let mut rank = vec![0usize; principals.len()];
    for (n, &p) in order.iter().enumerate() {
        rank[p] = n;
    }
    let anonymous: Arc<str> = Arc::from("anonymous pull is enabled on the registry: anyone can pull without signing in");
    // Registries are already in id order and principals ranked by (label, id): bucket rows by
    // registry index and sort each small bucket by rank, never comparing long strings.
    let mut by_registry: Vec<Vec<(usize, Vec<Path>)>> = (0..ctx.registries.len()).map(|_| Vec::new()).collect();
    for ((r, p), via) in pairs {
        by_registry[r].push((p, via));
    }
    for bucket in &mut by_registry {
        crate::sort::sort_unstable_by_key(bucket, |&(p, _)| rank[p]);
    }
    let rows = by_registry
        .into_iter()
        .enumerate()
        .flat_map(|(r, bucket)| bucket.into_iter().map(move |(p, via)| (r, p, via)))
        .map(|(r, p, mut via)| {
            let reg = &ctx.registries[r];
            // Anonymous pull is its own principal ("anyone"), never a path of an identity: a
            // client that signs in does not fall back to it (Learn, "Make your container
            // registry content publicly available",
            // https://learn.microsoft.com/azure/container-registry/anonymous-pull-access:
            // "Before attempting an anonymous pull operation, run `docker logout` to ensure
            // that you clear any existing Docker credentials."). AML computes, AKS kubelets and
            // endpoints always sign in, so their rows must not pull through it.
            if reg.anonymous_pull_enabled && p == anyone {
                via.push(anonymous_path(&anonymous));
            }
            let (label, kind) = &who[p];
            let level = |f: fn(&Path) -> Level| via.iter().filter(|p| p.works).map(f).max().unwrap_or(Level::No);
            let (pull, push) = (level(|p| p.pull), level(|p| p.push));
            let why_not = (pull == Level::No).then(|| {
                let mut why = why_not(&via, reg);
                if let Some(groups) = opaque.get(&r).filter(|_| p != anyone && *kind != IdentityKind::Group) {
                    let names: Vec<&str> = groups.iter().map(String::as_str).take(3).collect();
                    let more = if groups.len() > 3 { format!(" and {} more", groups.len() - 3) } else { String::new() };
                    let _ = write!(
                        why,
                        "; but {}{more} can pull here and {} members were not read from Microsoft Graph, so this principal may pull as a member",
                        names.join(", "),
                        if groups.len() == 1 { "its" } else { "their" }
                    );
                }
                why
            });
            let mut expected = expected_by.remove(&(r, p)).unwrap_or_default();
            crate::sort::sort(&mut expected);
            expected.dedup();
            let unverified = if uncertain.contains(&(r, p)) { crate::truth::unverified(crate::truth::UNKNOWN_HIERARCHY_NOT_ASSUMED) } else { None };
            AccessRow { principal_id: principals[p].clone(), identity: label.clone(), identity_kind: *kind, registry: reg.id.clone(), pull, push, expected_by: expected, via, why_not, unverified, used: false, network: Vec::new() }
        })
        .collect();
    (rows, diags)
}

/// The network kind of an expected pull's workload (a connection's pulls run wherever its
/// workspace's jobs do, so they get no verdict of their own). A pull demanded by an
/// environment or a deployment (`findings::demand`) runs where its subject does: a compute or
/// an online endpoint.
pub fn network_workload(reason: ExpectReason, subject: &ResourceId) -> Option<crate::network::Workload> {
    use crate::network::Workload;
    match reason {
        ExpectReason::Demand if subject.is_type("Microsoft.MachineLearningServices/workspaces/computes") => Some(Workload::Compute),
        ExpectReason::Demand if subject.is_type("Microsoft.MachineLearningServices/workspaces/onlineEndpoints") => Some(Workload::OnlineEndpoint),
        ExpectReason::Demand => None,
        ExpectReason::Compute => Some(Workload::Compute),
        ExpectReason::AttachedAks => Some(Workload::AttachedAks),
        ExpectReason::OnlineEndpoint => Some(Workload::OnlineEndpoint),
        ExpectReason::ContainerGroup => Some(Workload::ContainerGroup),
        ExpectReason::Connection => None,
    }
}

/// Adds each expected pull's network verdict (see `network`) to its access row.
pub fn network_verdicts(ctx: &Context<'_>, expected: &[Expectation], rows: &mut [AccessRow]) {
    use crate::network::PullIdentity;
    let net = crate::network::Net::new(ctx.inv);
    // The row of each expected pull, found before any row changes (no key is copied).
    let found: Vec<Option<usize>> = {
        let wanted: FastSet<&str> = expected.iter().map(|e| e.principal_id.as_str()).collect();
        let by_pair: FastMap<(&str, &str), usize> =
            rows.iter().enumerate().filter(|(_, r)| wanted.contains(r.principal_id.as_ref())).map(|(i, r)| ((r.registry.key(), r.principal_id.as_ref()), i)).collect();
        expected.iter().map(|e| by_pair.get(&(ctx.registries[e.registry].id.key(), e.principal_id.as_str())).copied()).collect()
    };
    for (e, at) in expected.iter().zip(found) {
        let Some(what) = network_workload(e.reason, &e.subject) else { continue };
        let registry = &ctx.registries[e.registry].id;
        let Some(i) = at else { continue };
        if rows[i].network.iter().any(|v| v.workload == e.subject) {
            continue;
        }
        let identity = match rows[i].identity_kind {
            IdentityKind::ComputeSystem | IdentityKind::EndpointSystem | IdentityKind::ContainerGroupSystem => PullIdentity::SystemAssigned,
            _ => PullIdentity::Other,
        };
        if let Some(v) = net.verdict(what, &e.subject, identity, registry) {
            rows[i].network.push(v);
        }
    }
}

/// `group ml-image-pullers`, by the name Microsoft Graph gives it, else its id.
fn group_words(ctx: &Context<'_>, group: &str) -> String {
    match ctx.identities.get(group).filter(|i| i.name != i.principal_id && !i.name.eq_ignore_ascii_case(group)) {
        Some(i) => format!("group {}", i.name),
        None => format!("group {group}"),
    }
}

fn why_not(via: &[Path], reg: &RegistryInfo) -> String {
    let ignored: Vec<&str> = via.iter().filter(|p| !p.works).map(|p| p.explanation.as_ref()).collect();
    if !ignored.is_empty() {
        return ignored.join("; ");
    }
    let op = match reg.mode {
        RegistryMode::Legacy => ops::PULL,
        RegistryMode::Abac => ops::CONTENT_READ,
    };
    format!("no role assignment of this principal at the registry, its resource group, its subscription or the tenant root grants {op}")
}

/// The label of every principal pullpath can name by more than its id (a resource, or a
/// name from Microsoft Graph), by lowercase principal id.
pub fn principal_labels(inv: &Inventory) -> FastMap<String, String> {
    Context::new(inv).identities.into_iter().filter(|(_, i)| !i.label.contains(&i.principal_id) && i.name != i.principal_id).map(|(k, i)| (k, i.label)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Analysis};
    use crate::findings;

    #[test]
    fn registry_specific_patterns() {
        assert!(is_registry_specific("Microsoft.ContainerRegistry/registries/pull/read"));
        assert!(is_registry_specific("microsoft.containerregistry/*"));
        assert!(!is_registry_specific("*/read"));
        assert!(!is_registry_specific("*"));
        assert!(!is_registry_specific("Microsoft.Container*"));
    }

    /// The UI and the CLI exchange the analysis as JSON: it must read back unchanged.
    #[test]
    fn analysis_round_trips_through_json() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let a = analyze(&inv);
        assert!(!a.access.is_empty() && !a.findings.is_empty());
        let back: Analysis = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    /// ABAC conditions: levels per action, and a diagnostic naming the assignment whenever the
    /// condition cannot be read.
    #[test]
    fn abac_conditions_by_action() {
        const READ_ONLY: &str = "(!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) OR @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEquals 'app')";
        const WRITE_ONLY: &str = "(!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/write'}) OR @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'ci/')";
        const DENY_BOTH: &str = "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/*'})";
        // (condition, conditionVersion, pull, push, diagnostic the assignment gets)
        type Case<'a> = (&'a str, Option<&'a str>, Level, Level, Option<&'a str>);
        let cases: [Case; 7] = [
            (READ_ONLY, Some("2.0"), Level::Partial, Level::Yes, None),
            (WRITE_ONLY, None, Level::Yes, Level::Partial, None),
            (DENY_BOTH, Some("2.0"), Level::No, Level::No, None),
            (READ_ONLY, Some("1.0"), Level::Partial, Level::Partial, Some("conditionVersion \"1.0\" is not \"2.0\"")),
            ("ActionMatches{'x'", Some("2.0"), Level::Partial, Level::Partial, Some("at character 18")),
            ("a AND b", Some("2.0"), Level::Partial, Level::Partial, Some("expected a value")),
            ("   ", Some("2.0"), Level::Yes, Level::Yes, None),
        ];
        for (condition, version, pull, push, diagnostic) in cases {
            let assignment = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr/providers/Microsoft.Authorization/roleAssignments/a1";
            let mut props = serde_json::json!({
                "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a1e307c-b015-4ebd-883e-5b7698a07328",
                "principalId": "p1", "principalType": "ServicePrincipal", "condition": condition,
            });
            if let Some(v) = version {
                props["conditionVersion"] = serde_json::json!(v);
            }
            let snapshot = serde_json::json!({"resources": [
                {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "name": "acr", "type": "Microsoft.ContainerRegistry/registries",
                 "properties": {"roleAssignmentMode": "AbacRepositoryPermissions"}},
                {"id": assignment, "name": "a1", "type": "Microsoft.Authorization/roleAssignments", "properties": props},
            ]});
            let (inv, _) = crate::snapshot::parse(&snapshot.to_string()).unwrap();
            let a = analyze(&inv);
            let row = a.access.iter().find(|r| r.principal_id.as_ref() == "p1").unwrap();
            assert_eq!((row.pull, row.push), (pull, push), "{condition}: {:?}", row.via);
            assert_eq!(row.via[0].works, pull != Level::No || push != Level::No, "{condition}");
            let diags: Vec<&Diagnostic> = a.diagnostics.iter().filter(|d| d.at == assignment).collect();
            match diagnostic {
                Some(d) => assert!(diags.len() == 1 && diags[0].message.contains(d), "{condition}: {diags:?}"),
                None => assert!(diags.is_empty(), "{condition}: {diags:?}"),
            }
        }
    }

    /// The demo names every principal: no label is a bare object id, people and groups read
    /// by their Graph names, and access through the nested group names the chain.
    #[test]
    fn the_demo_labels_no_principal_by_guid_and_names_group_chains() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let a = analyze(&inv);
        for i in &a.identities {
            assert!(!i.label.contains(&i.principal_id), "{i:?}");
        }
        for row in &a.access {
            assert!(!row.identity.contains(row.principal_id.as_ref()), "{}", row.identity);
        }
        let labels: Vec<&str> = a.identities.iter().map(|i| i.label.as_str()).collect();
        for want in ["Dana Whitfield (user)", "Priya Raman (user)", "ci-image-publisher (service principal)", "ml-image-pullers (group)", "platform-identities (group)", "cpu-cluster (compute system identity)"] {
            assert!(labels.contains(&want), "{want} not in {labels:?}");
        }
        let cpu = a.access.iter().find(|r| r.principal_id.as_ref() == "aaaaaaaa-0000-0000-0000-000000000002" && r.registry.name() == "acrbaseimages").unwrap();
        assert_eq!(cpu.pull, Level::Yes);
        assert!(cpu.via.iter().any(|p| p.group.as_deref() == Some("dddddddd-0000-0000-0000-000000000001") && p.explanation.contains("assigned to group ml-image-pullers, of which this principal is a member through group platform-identities")), "{:?}", cpu.via);
        let dana = a.access.iter().find(|r| r.principal_id.as_ref() == "bbbbbbbb-0000-0000-0000-000000000001" && r.registry.name() == "acrbaseimages").unwrap();
        assert!(dana.via.iter().any(|p| p.explanation.ends_with("assigned to group ml-image-pullers, of which this principal is a member")), "{:?}", dana.via);
    }

    /// A group whose members were not read is named in the "why not" of those who cannot
    /// pull; once its members are known, its members pull and the note goes.
    #[test]
    fn unknown_members_are_said_and_known_members_pull() {
        let registry = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "properties": {}});
        let ws = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w", "name": "w", "type": "Microsoft.MachineLearningServices/workspaces",
            "properties": {"containerRegistry": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"}});
        let compute = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c", "name": "c", "type": "Microsoft.MachineLearningServices/workspaces/computes",
            "identity": {"type": "SystemAssigned", "principalId": "p-compute"}, "properties": {"computeType": "AmlCompute"}});
        let assignment = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1", "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": "g1", "principalType": "Group"}});
        let analyse = |group: serde_json::Value| {
            let doc = serde_json::json!({"resources": [registry, ws, compute, assignment, group]});
            analyze(&crate::snapshot::parse(&doc.to_string()).unwrap().0)
        };
        let a = analyse(serde_json::json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "pullers"}));
        let row = a.access.iter().find(|r| r.principal_id.as_ref() == "p-compute").unwrap();
        assert_eq!(row.pull, Level::No);
        assert!(row.why_not.as_deref().unwrap().contains("but group pullers can pull here and its members were not read from Microsoft Graph"), "{:?}", row.why_not);
        assert!(a.findings.iter().any(|f| f.id == findings::ids::COMPUTE_CANNOT_PULL));
        let a = analyse(serde_json::json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "pullers", "transitiveMembers": [{"@odata.type": "#microsoft.graph.servicePrincipal", "id": "p-compute"}]}));
        let row = a.access.iter().find(|r| r.principal_id.as_ref() == "p-compute").unwrap();
        assert_eq!(row.pull, Level::Yes);
        assert!(!a.findings.iter().any(|f| f.id == findings::ids::COMPUTE_CANNOT_PULL), "{:?}", a.findings);
        // The ARM name wins over Graph's for a managed identity of a resource pullpath read.
        assert_eq!(row.identity, "c (compute system identity)");
    }

    /// Computes of the same name in different workspaces are told apart by their workspace
    /// only; same-named people by their object ids.
    #[test]
    fn labels_are_qualified_only_as_far_as_needed() {
        let compute = |ws: &str, rg: &str, p: &str| {
            serde_json::json!({"id": format!("/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/computes/cpu-0"), "name": "cpu-0",
                "type": "Microsoft.MachineLearningServices/workspaces/computes", "identity": {"type": "SystemAssigned", "principalId": p}, "properties": {"computeType": "AmlCompute"}})
        };
        let doc = serde_json::json!({"resources": [
            compute("ws-a", "rg-1", "p1"), compute("ws-b", "rg-1", "p2"), compute("ws-a", "rg-2", "p3"), compute("ws-c", "rg-2", "p4"),
            {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Alex"},
            {"@odata.type": "#microsoft.graph.user", "id": "u2", "displayName": "Alex"},
        ]});
        let (inv, _) = crate::snapshot::parse(&doc.to_string()).unwrap();
        let ctx = Context::new(&inv);
        let label = |p: &str| ctx.identities[p].label.clone();
        assert_eq!(label("p2"), "cpu-0 (compute system identity, workspace ws-b, resource group rg-1)");
        assert_eq!(label("p1"), "cpu-0 (compute system identity, workspace ws-a, resource group rg-1)");
        assert_eq!(label("p4"), "cpu-0 (compute system identity, workspace ws-c, resource group rg-2)");
        assert_eq!(label("u1"), "Alex (user, id u1)");
        let doc = serde_json::json!({"resources": [compute("ws-a", "rg-1", "p1"), compute("ws-b", "rg-1", "p2")]});
        let (inv, _) = crate::snapshot::parse(&doc.to_string()).unwrap();
        let ctx = Context::new(&inv);
        assert_eq!(ctx.identities["p1"].label, "cpu-0 (compute system identity, workspace ws-a)");
    }

    /// An attached AKS cluster that pulls with a service principal: checked once Graph says
    /// which principal its app id is; said to be known only by its app id otherwise.
    #[test]
    fn aks_service_principals_are_resolved_by_app_id() {
        let base = serde_json::json!([
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "properties": {}},
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w", "name": "w", "type": "Microsoft.MachineLearningServices/workspaces",
             "properties": {"containerRegistry": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"}},
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/k", "name": "k", "type": "Microsoft.MachineLearningServices/workspaces/computes",
             "properties": {"computeType": "Kubernetes", "resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"}},
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks", "name": "aks", "type": "Microsoft.ContainerService/managedClusters",
             "properties": {"servicePrincipalProfile": {"clientId": "eeeeeeee-0000-4000-8000-000000000001", "secret": "never-read"}}},
        ]);
        let analyse = |extra: serde_json::Value| {
            let mut items = base.as_array().unwrap().clone();
            items.extend(extra.as_array().unwrap().iter().cloned());
            analyze(&crate::snapshot::parse(&serde_json::json!({"resources": items}).to_string()).unwrap().0)
        };
        let a = analyse(serde_json::json!([]));
        assert!(a.diagnostics.iter().any(|d| d.message.contains("known only by its application id eeeeeeee-0000-4000-8000-000000000001")), "{:?}", a.diagnostics);
        let a = analyse(serde_json::json!([{"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp1", "displayName": "aks-puller", "appId": "EEEEEEEE-0000-4000-8000-000000000001"}]));
        let f = a.findings.iter().find(|f| f.id == findings::ids::AKS_KUBELET_CANNOT_PULL).expect("the cluster's principal cannot pull");
        assert!(f.message.contains("through the AKS cluster's service principal aks-puller (service principal)"), "{}", f.message);
        assert!(!serde_json::to_string(&a).unwrap().contains("never-read"));
    }

    #[test]
    fn login_servers_compare_loosely() {
        assert_eq!(crate::registry_login::normalise_login("https://AcrBase.azurecr.io/"), "acrbase.azurecr.io");
    }
}
