//! Findings: what is wrong with registry access, each with a stable id, a severity, the
//! resource it is about, a message a user can act on, and the intents that fix it.
//!
//! Every finding is derived from the access rows and expectations `access` computed, or from a
//! role check through `rbac`, so its message can always say why. Not here: computing access
//! (`access`), turning fixes into requests (`plan`).

use serde::{Deserialize, Serialize};

pub mod demand;

use crate::access::{AccessRow, Context, ExpectReason, Expectation, IdentityKind, Level, Path, PathKind, RegistryInfo, RegistryMode};
use crate::arm::PrincipalType;
use crate::catalog::{self, ops, Plane};
use crate::id::ResourceId;
use crate::intent::{Intent, RoleRef};
use crate::rbac::{FastMap, FastSet};
use crate::registry_login;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable rule id, e.g. `compute-cannot-pull-workspace-registry`.
    pub id: String,
    pub severity: Severity,
    /// The resource the finding is about (the registry, compute, connection, ...).
    pub resource: ResourceId,
    pub message: String,
    /// Related resource ids and principal ids, for the UI to highlight.
    pub nodes: Vec<String>,
    pub fixes: Vec<Intent>,
    /// Other ways to fix it, for the user to choose from, with `fixes` as the first (the
    /// one Fix all takes); empty when there is no choice to make.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// The truth case (`core/tests/truth/**`) this answer rests on when no source settles it:
    /// the UI and the CLI mark such a finding "unverified".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

/// One way to fix a finding where there are several (which identity an image build uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What this way does, for a picker: "id-build (it already pulls from acrprivate)",
    /// "id-mlw-acrprivate-pull (a new identity in resource group rg-ml)".
    pub label: String,
    pub fixes: Vec<Intent>,
}

/// Stable finding ids.
pub mod ids {
    pub const ADMIN_USER_ENABLED: &str = "acr-admin-user-enabled";
    pub const ANONYMOUS_PULL_ENABLED: &str = "anonymous-pull-enabled";
    pub const ADMIN_KEYS_READABLE: &str = "admin-keys-readable";
    pub const COMPUTE_WITHOUT_IDENTITY: &str = "compute-without-identity";
    pub const COMPUTE_CANNOT_PULL: &str = "compute-cannot-pull-workspace-registry";
    pub const AKS_KUBELET_CANNOT_PULL: &str = "aks-kubelet-cannot-pull";
    pub const CONNECTION_IDENTITY_CANNOT_PULL: &str = "connection-identity-cannot-pull";
    pub const ENDPOINT_CANNOT_PULL: &str = "endpoint-cannot-pull-workspace-registry";
    pub const CONTAINER_GROUP_CANNOT_PULL: &str = "container-group-identity-cannot-pull";
    pub const IMAGE_BUILD_MISSING_IDENTITY_OPERATOR: &str = "image-build-missing-identity-operator";
    pub const WORKSPACE_IDENTITY_MISSING_DEPENDENCY_ROLE: &str = "workspace-identity-missing-dependency-role";
    /// The workspace identity has Contributor but not Key Vault Administrator on its key vault:
    /// right only if the vault uses access policies and grants one, which pullpath cannot see.
    pub const WORKSPACE_KEY_VAULT_ACCESS_POLICY_UNCHECKED: &str = "workspace-key-vault-access-policy-unchecked";
    pub const ABAC_REGISTRY_LEGACY_ROLE: &str = "abac-registry-legacy-role";
    pub const BROAD_ROLE_FOR_PULL: &str = "broad-role-for-pull";
    /// A built environment's base image cannot be pulled by its build (`demand`).
    pub const ENVIRONMENT_BASE_IMAGE_UNREACHABLE: &str = "environment-base-image-unreachable";
    /// A compute of the workspace cannot pull an environment's image used as it is (`demand`).
    pub const COMPUTE_CANNOT_PULL_ENVIRONMENT_IMAGE: &str = "compute-cannot-pull-environment-image";
    /// An online endpoint's identity cannot pull its deployment's image (`demand`).
    pub const DEPLOYMENT_IMAGE_CANNOT_PULL: &str = "deployment-image-cannot-pull";
    /// The compute a job ran on cannot pull the image it runs as it is (`demand`).
    pub const JOB_IMAGE_CANNOT_PULL: &str = "job-image-cannot-pull";
    /// An AML compute cluster or instance cannot reach its workspace's registry over the
    /// network (see `network`).
    pub const REGISTRY_UNREACHABLE_FROM_COMPUTE: &str = "registry-unreachable-from-compute";
    /// An attached AKS cluster's nodes cannot reach the registry.
    pub const REGISTRY_UNREACHABLE_FROM_AKS: &str = "registry-unreachable-from-aks";
    /// A managed online endpoint cannot reach its workspace's registry.
    pub const REGISTRY_UNREACHABLE_FROM_ENDPOINT: &str = "registry-unreachable-from-endpoint";
    /// A container group cannot reach the registry it pulls from.
    pub const REGISTRY_UNREACHABLE_FROM_CONTAINER_GROUP: &str = "registry-unreachable-from-container-group";
    /// The workspace builds images with ACR Tasks, which its network-restricted registry refuses.
    pub const IMAGE_BUILDS_BLOCKED_BY_REGISTRY_NETWORK: &str = "registry-network-blocks-workspace-image-builds";
}

/// All findings for an analysed inventory, most severe first.
pub fn find(ctx: &Context<'_>, rows: &[AccessRow], expected: &[Expectation]) -> Vec<Finding> {
    let mut out = Vec::new();
    registry_settings(ctx, rows, &mut out);
    computes_without_identity(ctx, &mut out);
    expected_pulls(ctx, rows, expected, &mut out);
    image_build_identity_operator(ctx, &mut out);
    workspace_dependency_roles(ctx, &mut out);
    abac_legacy_roles(ctx, rows, &mut out);
    broad_roles(ctx, rows, &mut out);
    network_blocked(ctx, rows, expected, &mut out);
    sorted(out)
}

/// Findings most severe first, then by id, resource and nodes.
pub(crate) fn sorted(out: Vec<Finding>) -> Vec<Finding> {
    // Sorting indices moves 8 bytes per step instead of a whole `Finding`; the order is the
    // same (stable, same comparison).
    let mut order: Vec<usize> = (0..out.len()).collect();
    crate::sort::sort_by(&mut order, |&a, &b| {
        let (a, b) = (&out[a], &out[b]);
        b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)).then_with(|| a.resource.cmp(&b.resource)).then_with(|| a.nodes.cmp(&b.nodes))
    });
    let mut slots: Vec<Option<Finding>> = out.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The role that grants pull on this registry in its mode.
pub(crate) fn pull_role(reg: &RegistryInfo) -> RoleRef {
    match reg.mode {
        RegistryMode::Legacy => RoleRef::acr_pull(),
        RegistryMode::Abac => RoleRef::repository_reader(),
    }
}

pub(crate) fn grant(principal_id: &str, principal_type: PrincipalType, role: RoleRef, scope: &ResourceId) -> Intent {
    Intent::GrantRole { principal_id: principal_id.to_string(), principal_type, role, scope: scope.clone() }
}

fn registry_settings(ctx: &Context<'_>, rows: &[AccessRow], out: &mut Vec<Finding>) {
    let mut admin_key_readers: FastMap<&str, Vec<&AccessRow>> = FastMap::default();
    for r in rows.iter().filter(|r| r.via.iter().any(|p| p.kind == PathKind::AdminKeys)) {
        admin_key_readers.entry(r.registry.key()).or_default().push(r);
    }
    for reg in &ctx.registries {
        let readers = admin_key_readers.remove(reg.id.key()).unwrap_or_default();
        if reg.admin_user_enabled {
            let mut nodes = vec![reg.id.to_string()];
            nodes.extend(readers.iter().map(|r| r.principal_id.to_string()));
            let registry = ctx.inv.registries.iter().find(|r| r.id == reg.id);
            let logins = registry.map(|r| registry_login::password_logins(ctx.inv, r)).unwrap_or_default();
            let (advice, fixes) = if logins.is_empty() {
                (
                    "Move the pullers to their own identities (AcrPull), check nothing still logs in as the admin user, then disable it.".to_string(),
                    vec![Intent::SetAdminUser { registry: reg.id.clone(), enabled: false }],
                )
            } else {
                // Disabling now would cut these groups off; the fix is their identities'
                // grants, and the group's redeploy is the user's (pullpath never holds the
                // group's secrets, and a redeploy resets every property it does not repeat).
                nodes.extend(logins.iter().map(|l| l.group.id.to_string()));
                let mut fixes = Vec::new();
                for l in &logins {
                    if let [uai] = l.user_assigned().as_slice() {
                        if let Some(p) = crate::access::uai_principal(ctx.inv, l.group.identity.as_ref(), uai) {
                            fixes.push(grant(&p, PrincipalType::ServicePrincipal, pull_role(reg), &reg.id));
                        }
                    }
                }
                let why = registry.and_then(|r| registry_login::still_used(r, &logins)).unwrap_or_default();
                (format!("Do not disable it yet: {why}."), fixes)
            };
            out.push(Finding {
                id: ids::ADMIN_USER_ENABLED.into(),
                severity: Severity::High,
                resource: reg.id.clone(),
                message: format!(
                    "The admin user of {} is enabled: its shared password pulls and pushes every repository without an identity, and {} principal(s) can read it. {advice}",
                    reg.name,
                    readers.len()
                ),
                nodes,
                fixes,
                choices: Vec::new(),
                unverified: None,
            });
            for r in &readers {
                let via: Vec<&str> = r.via.iter().filter(|p| p.kind == PathKind::AdminKeys).map(|p| p.explanation.as_ref()).collect();
                out.push(Finding {
                    id: ids::ADMIN_KEYS_READABLE.into(),
                    severity: Severity::Medium,
                    resource: reg.id.clone(),
                    message: format!("{} can read the admin password of {} and so pull and push anything: {}. Disabling the admin user closes this path.", r.identity, reg.name, via.join("; ")),
                    nodes: vec![reg.id.to_string(), r.principal_id.to_string()],
                    fixes: vec![Intent::SetAdminUser { registry: reg.id.clone(), enabled: false }],
                    choices: Vec::new(),
                    unverified: None,
                });
            }
        }
        if reg.anonymous_pull_enabled {
            // FIXME: no intent turns anonymous pull off yet (`intent` has SetAdminUser only), so
            // the message names the command instead of offering a fix.
            out.push(Finding {
                id: ids::ANONYMOUS_PULL_ENABLED.into(),
                severity: Severity::High,
                resource: reg.id.clone(),
                message: format!(
                    "Anonymous pull is enabled on {}: anyone on the internet who can reach it can pull every image. Turn it off with `az acr update --name {} --anonymous-pull-enabled false` unless the registry is meant to be public.",
                    reg.name, reg.name
                ),
                nodes: vec![reg.id.to_string()],
                fixes: Vec::new(),
                choices: Vec::new(),
                unverified: None,
            });
        }
    }
}

fn computes_without_identity(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for c in &ctx.inv.computes {
        if !c.properties.compute_type.has_own_identity() {
            continue;
        }
        let has = c.identity.as_ref().is_some_and(|m| m.kind.system_assigned || m.kind.user_assigned || m.principal_id.is_some());
        if has {
            continue;
        }
        let ws_id = c.id.parent();
        let registry = ws_id.as_ref().and_then(|w| ctx.inv.workspaces.iter().find(|x| &x.id == w)).and_then(|w| w.properties.container_registry.clone());
        let then = match &registry {
            Some(r) => format!(", then grant it {} on {}", if ctx.registry(r).map(|i| ctx.registries[i].mode) == Some(RegistryMode::Abac) { "Container Registry Repository Reader" } else { "AcrPull" }, r.name()),
            None => String::new(),
        };
        let mut nodes = vec![c.id.to_string()];
        nodes.extend(registry.iter().map(|r| r.to_string()));
        out.push(Finding {
            id: ids::COMPUTE_WITHOUT_IDENTITY.into(),
            severity: Severity::Medium,
            resource: c.id.clone(),
            message: format!(
                "{} has no managed identity, so it cannot pull images with its own identity (only with the registry's admin password, if that is enabled). Give it a system-assigned identity{then}.",
                display(&c.name, &c.id)
            ),
            nodes,
            // One fix: the grant takes the new identity's principal id from the answer to the
            // step that creates it (`plan::Operation::principal_from`).
            fixes: std::iter::once(Intent::EnableComputeSystemIdentity { compute: c.id.clone() })
                .chain(registry.as_ref().and_then(|r| ctx.registry(r)).map(|i| Intent::GrantRoleToComputeIdentity {
                    compute: c.id.clone(),
                    role: pull_role(&ctx.registries[i]),
                    scope: ctx.registries[i].id.clone(),
                }))
                .collect(),
            choices: Vec::new(),
            unverified: None,
        });
    }
}

fn display(name: &str, id: &ResourceId) -> String {
    if name.is_empty() { id.name().to_string() } else { name.to_string() }
}

fn expected_pulls(ctx: &Context<'_>, rows: &[AccessRow], expected: &[Expectation], out: &mut Vec<Finding>) {
    // Only rows of principals some expectation names: a few thousand of 75,000 in a large
    // tenant, and the long registry key is hashed only for those.
    let wanted: FastSet<&str> = expected.iter().map(|e| e.principal_id.as_str()).collect();
    let by_pair: FastMap<(&str, &str), &AccessRow> =
        rows.iter().filter(|r| wanted.contains(r.principal_id.as_ref())).map(|r| ((r.registry.key(), r.principal_id.as_ref()), r)).collect();
    // By key, not a scan of every compute per failing expectation.
    let computes: FastMap<&str, &crate::arm::Compute> = ctx.inv.computes.iter().map(|c| (c.id.key(), c)).collect();
    // A compute pulls with its default identity: "The default managed identity is the
    // system-assigned managed identity or the first user-assigned managed identity." (see
    // `truth::COMPUTE_DEFAULT_IDENTITY`). Per (compute, registry), the user-assigned identities
    // that can pull, when the compute has several and no system-assigned one.
    let mut pulling_uais: FastMap<(&str, &str), Vec<&str>> = FastMap::default();
    for e in expected.iter().filter(|e| e.reason == ExpectReason::Compute) {
        let reg = &ctx.registries[e.registry];
        if by_pair.get(&(reg.id.key(), e.principal_id.as_str())).is_some_and(|r| r.pull != Level::No) {
            pulling_uais.entry((e.subject.key(), reg.id.key())).or_default().push(e.principal_id.as_str());
        }
    }
    for e in expected {
        if e.reason == ExpectReason::Demand {
            // Judged with what the pull is for in `demand`.
            continue;
        }
        let reg = &ctx.registries[e.registry];
        let Some(row) = by_pair.get(&(reg.id.key(), e.principal_id.as_str())) else { continue };
        if row.pull != Level::No {
            continue;
        }
        let mut unverified = row.unverified.clone();
        let mut default_note = String::new();
        if e.reason == ExpectReason::Compute {
            let system = computes.get(e.subject.key()).and_then(|c| c.identity.as_ref()).and_then(|m| m.principal_id.as_deref());
            match system {
                // The system-assigned identity is the default: its user-assigned ones do not pull.
                Some(s) if !s.eq_ignore_ascii_case(&e.principal_id) => continue,
                Some(_) => {}
                None => {
                    if let Some(others) = pulling_uais.get(&(e.subject.key(), reg.id.key())) {
                        let names: Vec<String> = others.iter().map(|p| ctx.identity(p).label.clone()).collect();
                        default_note = format!(
                            " Its other user-assigned identities {} can pull there; Azure ML pulls with the default one, the first user-assigned identity, and which one is first is not in the data.",
                            names.join(", ")
                        );
                        unverified = unverified.or_else(|| crate::truth::unverified(crate::truth::COMPUTE_DEFAULT_IDENTITY));
                    }
                }
            }
        }
        let identity = ctx.identity(&e.principal_id);
        let why = row.why_not.clone().unwrap_or_default();
        let role = pull_role(reg);
        let subject = e.subject.name();
        let (id, message) = match e.reason {
            ExpectReason::Compute => {
                let created = computes.get(e.subject.key()).and_then(|c| c.properties.created_on.clone());
                let hint = match created {
                    Some(when) => format!(" Computes created before the workspace's registry existed (this one was created {when}) were never granted pull on it."),
                    None => String::new(),
                };
                (ids::COMPUTE_CANNOT_PULL, format!("{subject} runs the workspace's jobs but its identity {} cannot pull from the workspace registry {}: {why}.{hint}{default_note} Grant it {} on the registry.", identity.label, reg.name, role.name))
            }
            ExpectReason::AttachedAks => (
                ids::AKS_KUBELET_CANNOT_PULL,
                format!(
                    "Attached compute {subject} deploys images from {} through the AKS {} {}, which cannot pull: {why}. Grant it {} on the registry.",
                    reg.name,
                    if identity.kind == IdentityKind::AksKubelet { "kubelet identity" } else { "cluster's service principal" },
                    identity.label,
                    role.name
                ),
            ),
            ExpectReason::Connection => (
                ids::CONNECTION_IDENTITY_CANNOT_PULL,
                format!("Connection {subject} pulls from {} as {}, which cannot pull: {why}. Grant it {} on the registry.", reg.name, identity.label, role.name),
            ),
            // concept-endpoints-online-auth: pull on the workspace registry is "automatically
            // granted to the endpoint identity if the endpoint identity is a system-assigned
            // identity", and "There's no automatic role assignment if the endpoint identity is
            // a user-assigned identity."
            ExpectReason::OnlineEndpoint => {
                let how = if identity.kind == IdentityKind::EndpointSystem {
                    "Azure ML grants a system-assigned endpoint identity pull on the workspace registry when the endpoint is created, so that grant was removed or the workspace's registry changed since."
                } else {
                    "Azure ML grants no role to a user-assigned endpoint identity: its pull on the workspace registry must be granted by hand."
                };
                (
                    ids::ENDPOINT_CANNOT_PULL,
                    format!("Online endpoint {subject} runs its deployments as {}, which cannot pull from the workspace registry {}: {why}. {how} Grant it {} on the registry.", identity.label, reg.name, role.name),
                )
            }
            ExpectReason::Demand => continue,
            ExpectReason::ContainerGroup => (
                ids::CONTAINER_GROUP_CANNOT_PULL,
                format!("Container group {subject} pulls from {} as {}, which cannot pull: {why}. Grant it {} on the registry.", reg.name, identity.label, role.name),
            ),
        };
        let fixes = identity.kind.principal_type().map(|t| vec![grant(&identity.principal_id, t, role, &reg.id)]).unwrap_or_default();
        out.push(Finding { id: id.into(), severity: Severity::High, resource: e.subject.clone(), message, nodes: vec![e.subject.to_string(), e.principal_id.clone(), reg.id.to_string()], fixes, unverified, choices: Vec::new() });
    }
}

/// The principal a workspace acts as: its system identity, else its primary user-assigned one.
pub(crate) fn workspace_principal(ctx: &Context<'_>, ws: &crate::arm::Workspace) -> Option<String> {
    let msi = ws.identity.as_ref();
    if let Some(p) = msi.and_then(|m| m.principal_id.clone()) {
        return Some(p.to_ascii_lowercase());
    }
    let primary = ws.properties.primary_user_assigned_identity.as_ref()?;
    uai_principal(ctx, ws, primary)
}

fn uai_principal(ctx: &Context<'_>, ws: &crate::arm::Workspace, uai: &ResourceId) -> Option<String> {
    crate::access::uai_principal(ctx.inv, ws.identity.as_ref(), uai)
}

fn image_build_identity_operator(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for conn in &ctx.inv.connections {
        if !conn.is_container_registry() || !conn.is_managed_identity() {
            continue;
        }
        let Some(uai) = conn.properties.credentials.as_ref().and_then(|c| c.resource_id.clone()) else { continue };
        let Some(ws_id) = conn.id.parent() else { continue };
        let Some(ws) = ctx.inv.workspaces.iter().find(|w| w.id == ws_id) else { continue };
        let Some(principal) = workspace_principal(ctx, ws) else { continue };
        if ctx.index.grant(&ctx.roles, &principal, &uai, Plane::Control, ops::ASSIGN_IDENTITY).is_some() {
            continue;
        }
        let identity = ctx.identity(&principal);
        out.push(Finding {
            id: ids::IMAGE_BUILD_MISSING_IDENTITY_OPERATOR.into(),
            severity: Severity::High,
            resource: conn.id.clone(),
            message: format!(
                "Image builds through connection {} use the identity {}, but the workspace identity {} cannot assign it (no role at the identity or above grants {}), so builds from that registry fail. Grant it Managed Identity Operator on {}.",
                conn.id.name(),
                uai.name(),
                identity.label,
                ops::ASSIGN_IDENTITY,
                uai.name()
            ),
            nodes: vec![conn.id.to_string(), principal.clone(), uai.to_string()],
            fixes: vec![grant(&principal, PrincipalType::ServicePrincipal, RoleRef::managed_identity_operator(), &uai)],
            choices: Vec::new(),
            unverified: None,
        });
    }
}

/// One role a workspace's primary user-assigned identity needs on a dependency, stood for by
/// an operation the role grants.
struct NeededRole {
    role: &'static str,
    plane: Plane,
    operation: &'static str,
    /// Microsoft's table calls it optional (it enables a studio feature, not the workspace).
    optional: bool,
}

const fn needed(role: &'static str, plane: Plane, operation: &'static str, optional: bool) -> NeededRole {
    NeededRole { role, plane, operation, optional }
}

/// The roles a workspace with a primary user-assigned identity needs, exactly as Microsoft
/// lists them. "Set up authentication between Azure Machine Learning and other services"
/// (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication,
/// "User-assigned managed identity" → "Workspace"): "The following Azure RBAC role
/// assignments are required on your user-assigned managed identity for your Azure Machine
/// Learning workspace to access data on the workspace-associated resources." — Azure Machine
/// Learning workspace: Contributor; Azure Storage: "Contributor (control plane) + Storage
/// Blob Data Contributor (data plane, optional, to enable data preview in the Azure Machine
/// Learning studio)"; Azure Key Vault: "Contributor (control plane) + Key Vault Administrator
/// (data plane)" with the RBAC permission model, "Contributor + any access policy permissions
/// besides purge operations" with access policies; Azure Container Registry: Contributor;
/// Azure Application Insights: Contributor. The template that page points to for creating
/// them (azure-quickstart-templates `machine-learning-dependencies-role-assignment`) grants
/// the key vault Key Vault Administrator plus an access policy.
///
/// So a key vault is satisfied by Key Vault Administrator (its data actions) or by
/// Contributor, which with the access-policy model comes with an access policy. Access
/// policies and a vault's permission model live on the vault, which pullpath does not read,
/// so "Contributor plus an access policy" is taken on trust (unverified).
/// Contributor is stood for by the resource type's `write` action, Key Vault Administrator by
/// its data actions (`ops::KEY_VAULT_ALL_DATA`), Storage Blob Data Contributor by writing
/// blobs.
fn dependency_needs(what: Dependency) -> &'static [&'static [NeededRole]] {
    // Each inner list is one way to satisfy one requirement (any of its roles will do).
    const WORKSPACE: &[&[NeededRole]] = &[&[needed("Contributor", Plane::Control, ops::WORKSPACE_WRITE, false)]];
    const REGISTRY: &[&[NeededRole]] = &[&[needed("Contributor", Plane::Control, ops::REGISTRY_WRITE, false)]];
    const KEY_VAULT: &[&[NeededRole]] =
        &[&[needed("Key Vault Administrator", Plane::Data, ops::KEY_VAULT_ALL_DATA, false), needed("Contributor", Plane::Control, ops::KEY_VAULT_WRITE, false)]];
    const STORAGE: &[&[NeededRole]] = &[
        &[needed("Contributor", Plane::Control, ops::STORAGE_WRITE, false)],
        &[needed("Storage Blob Data Contributor", Plane::Data, ops::BLOB_WRITE, true)],
    ];
    const APP_INSIGHTS: &[&[NeededRole]] = &[&[needed("Contributor", Plane::Control, ops::APP_INSIGHTS_WRITE, false)]];
    match what {
        Dependency::Workspace => WORKSPACE,
        Dependency::Registry => REGISTRY,
        Dependency::KeyVault => KEY_VAULT,
        Dependency::Storage => STORAGE,
        Dependency::AppInsights => APP_INSIGHTS,
    }
}

#[derive(Debug, Clone, Copy)]
enum Dependency {
    Workspace,
    Registry,
    KeyVault,
    Storage,
    AppInsights,
}

impl Dependency {
    fn describe(self) -> &'static str {
        match self {
            Dependency::Workspace => "workspace",
            Dependency::Registry => "registry",
            Dependency::KeyVault => "key vault",
            Dependency::Storage => "storage account",
            Dependency::AppInsights => "Application Insights",
        }
    }
}

fn workspace_dependency_roles(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for ws in &ctx.inv.workspaces {
        let Some(primary) = &ws.properties.primary_user_assigned_identity else { continue };
        let Some(principal) = uai_principal(ctx, ws, primary) else { continue };
        let p = &ws.properties;
        let deps = [
            (Dependency::Workspace, Some(&ws.id)),
            (Dependency::Registry, p.container_registry.as_ref()),
            (Dependency::KeyVault, p.key_vault.as_ref()),
            (Dependency::Storage, p.storage_account.as_ref()),
            (Dependency::AppInsights, p.application_insights.as_ref()),
        ];
        for (what, dep) in deps {
            let Some(dep) = dep else { continue };
            let holds = |n: &NeededRole| ctx.index.grant(&ctx.roles, &principal, dep, n.plane, n.operation).is_some();
            if matches!(what, Dependency::KeyVault) && !holds(&dependency_needs(what)[0][0]) && holds(&dependency_needs(what)[0][1]) {
                out.push(Finding {
                    id: ids::WORKSPACE_KEY_VAULT_ACCESS_POLICY_UNCHECKED.into(),
                    severity: Severity::Info,
                    resource: dep.clone(),
                    message: format!(
                        "Workspace {} acts as {}, which has Contributor on its key vault {} but not Key Vault Administrator: enough only if the vault uses the access-policy permission model and gives it an access policy, which pullpath does not read{}. Grant Key Vault Administrator on {} to be sure.",
                        display(&ws.name, &ws.id),
                        primary.name(),
                        dep.name(),
                        crate::truth::note(crate::truth::KEY_VAULT_CONTRIBUTOR_ON_TRUST),
                        dep.name()
                    ),
                    nodes: vec![ws.id.to_string(), principal.clone(), dep.to_string()],
                    fixes: catalog::role_ref("Key Vault Administrator").map(|role| grant(&principal, PrincipalType::ServicePrincipal, role, dep)).into_iter().collect(),
                    choices: Vec::new(),
                    unverified: crate::truth::unverified(crate::truth::KEY_VAULT_CONTRIBUTOR_ON_TRUST),
                });
            }
            let missing: Vec<&[NeededRole]> = dependency_needs(what)
                .iter()
                .copied()
                .filter(|ways| !ways.iter().any(holds))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let required = missing.iter().any(|ways| ways.iter().any(|n| !n.optional));
            let wanted: Vec<String> = missing
                .iter()
                .map(|ways| {
                    let names: Vec<String> = ways.iter().map(|n| format!("{} ({})", n.role, n.operation)).collect();
                    let optional = if ways.iter().all(|n| n.optional) { ", optional: it enables data preview in the studio" } else { "" };
                    format!("{}{optional}", names.join(" or "))
                })
                .collect();
            let fixes: Vec<Intent> =
                missing.iter().filter_map(|ways| catalog::role_ref(ways[0].role)).map(|role| grant(&principal, PrincipalType::ServicePrincipal, role, dep)).collect();
            out.push(Finding {
                id: ids::WORKSPACE_IDENTITY_MISSING_DEPENDENCY_ROLE.into(),
                severity: if required { Severity::High } else { Severity::Low },
                resource: dep.clone(),
                message: format!(
                    "Workspace {} acts as its primary user-assigned identity {}, which lacks on its {} {} what Azure Machine Learning requires there: {}. Grant the missing role(s) on {}.",
                    display(&ws.name, &ws.id),
                    primary.name(),
                    what.describe(),
                    dep.name(),
                    wanted.join("; "),
                    dep.name()
                ),
                nodes: vec![ws.id.to_string(), principal.clone(), dep.to_string()],
                fixes,
                choices: Vec::new(),
                unverified: None,
            });
        }
    }
}

fn abac_legacy_roles(ctx: &Context<'_>, rows: &[AccessRow], out: &mut Vec<Finding>) {
    for row in rows {
        if row.pull != Level::No {
            continue;
        }
        let relied: Vec<&Path> = row
            .via
            .iter()
            .filter(|p| p.kind == PathKind::AbacIgnored && p.pattern.as_deref().is_some_and(|pat| pat.to_ascii_lowercase().starts_with("microsoft.containerregistry/")))
            .collect();
        if relied.is_empty() {
            continue;
        }
        let wants_push = relied.iter().any(|p| p.operation.as_deref() == Some(ops::PUSH)) || relied.iter().any(|p| p.role.as_ref().is_some_and(|r| r.name.eq_ignore_ascii_case("AcrPush")));
        let role = if wants_push { catalog::role_ref("Container Registry Repository Writer").unwrap_or_else(RoleRef::repository_reader) } else { RoleRef::repository_reader() };
        let roles: Vec<String> = relied.iter().filter_map(|p| p.role.as_ref().map(|r| r.name.clone())).collect();
        let principal_type = ctx.identity(&row.principal_id).kind.principal_type();
        let mut nodes = vec![row.registry.to_string(), row.principal_id.to_string()];
        nodes.extend(relied.iter().filter_map(|p| p.assignment.as_ref().map(|a| a.to_string())));
        out.push(Finding {
            id: ids::ABAC_REGISTRY_LEGACY_ROLE.into(),
            severity: Severity::Medium,
            resource: row.registry.clone(),
            message: format!(
                "{} holds {} on {}, but the registry is in ABAC mode, which ignores it: the principal cannot pull. Grant {} (add a condition to limit it to some repositories) and remove the ignored assignment.",
                row.identity,
                roles.join(", "),
                row.registry.name(),
                role.name
            ),
            nodes,
            fixes: principal_type.map(|t| vec![grant(&row.principal_id, t, role, &row.registry)]).unwrap_or_default(),
            choices: Vec::new(),
            unverified: None,
        });
    }
}

/// One finding per principal and broad assignment (not per registry): the assignment is the
/// thing to change, and a Contributor at a resource group would otherwise repeat for every
/// registry in it.
fn broad_roles(ctx: &Context<'_>, rows: &[AccessRow], out: &mut Vec<Finding>) {
    // The workspace identity builds images into its own registry: it needs more than pull.
    let own: Vec<(&str, String)> = ctx.inv.workspaces.iter().filter_map(|w| Some((w.properties.container_registry.as_ref()?.key(), workspace_principal(ctx, w)?))).collect();
    // Borrowed pairs, so checking a row allocates nothing.
    let own_registry: FastSet<(&str, &str)> = own.iter().map(|(r, p)| (*r, p.as_str())).collect();
    // Grouped by principal and assignment id compared case-insensitively. Rows of one
    // principal share one copy of its id, and paths of one assignment one copy of the
    // assignment's id (`access` interns them), so the first lookup is by those copies'
    // addresses, and each id is lowercased and hashed once, not once per row. Group order does
    // not matter: `find` sorts, and no two groups' findings tie.
    let mut groups: Vec<(&str, Vec<(&AccessRow, &Path)>)> = Vec::new();
    let mut group_by_address: FastMap<(usize, usize), usize> = FastMap::default();
    let mut group_lowercase: FastMap<(&str, String), usize> = FastMap::default();
    for row in rows {
        if row.pull == Level::No || row.principal_id.as_ref() == "*" {
            continue;
        }
        // People browse registries with Reader and the like; the finding is about workloads.
        if matches!(row.identity_kind, IdentityKind::User | IdentityKind::Group) {
            continue;
        }
        let mut pulling = row.via.iter().filter(|p| p.works && p.pull != Level::No && p.kind != PathKind::AdminKeys);
        let Some(first) = pulling.clone().next() else { continue };
        if pulling.any(|p| matches!(p.kind, PathKind::Direct | PathKind::Anonymous)) {
            continue;
        }
        if own_registry.contains(&(row.registry.key(), row.principal_id.as_ref())) {
            continue;
        }
        let Some(assignment) = &first.assignment else { continue };
        let principal: &str = row.principal_id.as_ref();
        let g = *group_by_address.entry((principal.as_ptr() as usize, assignment.as_ptr() as usize)).or_insert_with(|| {
            let next = groups.len();
            let g = *group_lowercase.entry((principal, assignment.to_ascii_lowercase())).or_insert(next);
            if g == next {
                groups.push((principal, Vec::new()));
            }
            g
        });
        groups[g].1.push((row, first));
    }
    // A few hundred scopes serve thousands of groups: parse each once.
    let mut scopes: FastMap<&str, Option<ResourceId>> = FastMap::default();
    for (principal, items) in groups {
        let (row, path) = items[0];
        let identity = ctx.identity(principal);
        let names: Vec<&str> = items.iter().map(|(r, _)| r.registry.name()).collect();
        let shown = if names.len() > 5 { format!("{} and {} more", names[..5].join(", "), names.len() - 5) } else { names.join(", ") };
        let severity = if items.iter().any(|(_, p)| p.push != Level::No) { Severity::Medium } else { Severity::Low };
        let how = if path.kind == PathKind::BroadRole { "a role broader than pulling" } else { "an assignment at a scope wider than the registry" };
        let fixes = match identity.kind.principal_type() {
            Some(t) => items
                .iter()
                .filter_map(|(r, _)| ctx.registry(&r.registry).map(|i| grant(principal, t.clone(), pull_role(&ctx.registries[i]), &r.registry)))
                .collect(),
            None => Vec::new(),
        };
        let mut nodes = vec![principal.to_string()];
        nodes.extend(path.assignment.iter().map(|a| a.to_string()));
        nodes.extend(items.iter().map(|(r, _)| r.registry.as_str().to_owned()));
        out.push(Finding {
            id: ids::BROAD_ROLE_FOR_PULL.into(),
            severity,
            resource: path.scope.as_deref().and_then(|s| scopes.entry(s).or_insert_with(|| ResourceId::parse(s).ok()).clone()).unwrap_or_else(|| row.registry.clone()),
            message: format!(
                "{} pulls from {} only through {}: {}. AcrPull (Container Registry Repository Reader on ABAC registries) at each registry would do; grant it, then narrow or remove the broad assignment if nothing else needs it.",
                identity.label, shown, how, path.explanation
            ),
            nodes,
            fixes,
            choices: Vec::new(),
            unverified: None,
        });
    }
}

/// Container groups that log in to a registry with a username and password have no identity,
/// so no access row carries their network verdict: judge each such login here. Medium: whether
/// the credentials would be accepted is not known (pullpath never reads them).
fn password_logins_blocked(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    use crate::network::{Net, PullIdentity, Reach, Workload};
    if !ctx.inv.container_groups.iter().any(|g| g.properties.image_registry_credentials.iter().any(|c| c.username.is_some())) {
        return;
    }
    let net = Net::new(ctx.inv);
    for reg in &ctx.inv.registries {
        for login in crate::registry_login::password_logins(ctx.inv, reg) {
            let group = &login.group.id;
            let Some(v) = net.verdict(Workload::ContainerGroup, group, PullIdentity::Password, &reg.id) else { continue };
            if v.reach != Reach::Blocked {
                continue;
            }
            let mut fix = crate::network::fix(ctx.inv, Workload::ContainerGroup, group, &reg.id).0;
            if crate::network::allows_trusted_services(reg) {
                fix.push_str(" Or redeploy it to pull with a user-assigned identity holding pull on the registry: the trusted-services exception lets Azure Container Instances through with a managed identity.");
            }
            out.push(Finding {
                id: ids::REGISTRY_UNREACHABLE_FROM_CONTAINER_GROUP.into(),
                severity: Severity::Medium,
                resource: group.clone(),
                message: format!(
                    "Container group {} cannot reach registry {} over the network: {}. It logs in with a username and password (username {}), so whatever those credentials allow, its pulls fail on the network. {fix}",
                    group.name(),
                    reg.id.name(),
                    v.words(),
                    login.username
                ),
                nodes: vec![group.to_string(), reg.id.to_string()],
                fixes: Vec::new(),
                choices: Vec::new(),
                unverified: v.unverified.clone(),
            });
        }
    }
}

/// One finding per workload and registry whose network verdict is blocked, naming every
/// identity blocked there; High when RBAC lets it pull (the pull fails for a reason the role
/// assignments do not show). Where the workload runs in a workspace's managed network, the fix
/// is the outbound rule to the registry (`network::fix`); elsewhere it is guidance.
fn network_blocked(ctx: &Context<'_>, rows: &[AccessRow], expected: &[Expectation], out: &mut Vec<Finding>) {
    use crate::network::{Reach, Workload};
    let kinds: FastMap<&str, Workload> = expected.iter().filter_map(|e| Some((e.subject.key(), crate::access::network_workload(e.reason, &e.subject)?))).collect();
    let mut seen: FastMap<(&str, &str), usize> = FastMap::default();
    for row in rows {
        for v in row.network.iter().filter(|v| v.reach == Reach::Blocked) {
            let Some(&what) = kinds.get(v.workload.key()) else { continue };
            if let Some(&at) = seen.get(&(v.workload.key(), row.registry.key())) {
                let f: &mut Finding = &mut out[at];
                f.nodes.push(row.principal_id.to_string());
                if row.pull != Level::No {
                    f.severity = Severity::High;
                }
                continue;
            }
            let (id, label) = match what {
                Workload::Compute => (ids::REGISTRY_UNREACHABLE_FROM_COMPUTE, "Compute"),
                Workload::AttachedAks => (ids::REGISTRY_UNREACHABLE_FROM_AKS, "Attached AKS compute"),
                Workload::OnlineEndpoint => (ids::REGISTRY_UNREACHABLE_FROM_ENDPOINT, "Online endpoint"),
                Workload::ContainerGroup => (ids::REGISTRY_UNREACHABLE_FROM_CONTAINER_GROUP, "Container group"),
            };
            let rbac = if row.pull == Level::No { "" } else { " RBAC lets it pull, so its pulls fail on the network (a timeout or a refused request), not on permissions." };
            let (fix, intent) = match v.unlinked_zones.as_slice() {
                // The private path is there; only the name does not resolve to it.
                [] => crate::network::fix(ctx.inv, what, &v.workload, &row.registry),
                zones => (crate::network::link_zones_words(zones, &row.registry), None),
            };
            let message = format!("{label} {} cannot reach registry {} over the network: {}.{rbac} {fix}", v.workload.name(), row.registry.name(), v.words());
            seen.insert((v.workload.key(), row.registry.key()), out.len());
            out.push(Finding {
                id: id.into(),
                severity: if row.pull == Level::No { Severity::Medium } else { Severity::High },
                resource: v.workload.clone(),
                message,
                nodes: vec![v.workload.to_string(), row.registry.to_string(), row.principal_id.to_string()],
                fixes: intent.into_iter().collect(),
                choices: Vec::new(),
                unverified: v.unverified.clone(),
            });
        }
    }
    password_logins_blocked(ctx, out);
    for (ws, reg, message) in crate::network::blocked_image_builds(ctx.inv) {
        out.push(Finding {
            id: ids::IMAGE_BUILDS_BLOCKED_BY_REGISTRY_NETWORK.into(),
            severity: Severity::Medium,
            resource: ws.id.clone(),
            message,
            nodes: vec![ws.id.to_string(), reg.id.to_string()],
            fixes: Vec::new(),
            choices: Vec::new(),
            unverified: None,
        });
    }
}
