//! Generated tenants: deterministic, seeded ARM resources at any size, for scale tests and
//! benchmarks.
//!
//! Same seed and spec, same tenant, byte for byte: the generator draws from its own
//! SplitMix64 stream and never from a system random source. It writes ARM-shaped resource
//! objects (what a GET returns), so the simulator serves them like any other tenant, and
//! Microsoft Graph directory objects for its people and groups: every user named, every group
//! with members (people and managed identities) and every second group nested in another.
//!
//! Not here: serving them (`sim`), querying them (`sim::resource_graph`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{ManagementGroup, DEMO_TENANT_ID};

/// How big a tenant to generate, and from which seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec {
    pub seed: u64,
    pub subscriptions: usize,
    pub resource_groups_per_subscription: usize,
    pub registries: usize,
    /// Percent of registries in `AbacRepositoryPermissions` mode.
    pub abac_registry_percent: u64,
    pub workspaces: usize,
    pub computes_per_workspace: usize,
    pub managed_clusters: usize,
    pub identities: usize,
    /// Total role assignments, at every scope from management group down to resource.
    pub role_assignments: usize,
    pub custom_roles: usize,
}

impl TenantSpec {
    /// A few of everything: fast enough for unit tests, big enough to page.
    pub fn small(seed: u64) -> TenantSpec {
        TenantSpec {
            seed,
            subscriptions: 3,
            resource_groups_per_subscription: 2,
            registries: 6,
            abac_registry_percent: 34,
            workspaces: 2,
            computes_per_workspace: 2,
            managed_clusters: 1,
            identities: 10,
            role_assignments: 60,
            custom_roles: 2,
        }
    }

    /// The benchmark tenant of issue #6: 50 subscriptions, 5,000 identities, 1,000 registries,
    /// 50,000 role assignments.
    pub fn large(seed: u64) -> TenantSpec {
        TenantSpec {
            seed,
            subscriptions: 50,
            resource_groups_per_subscription: 4,
            registries: 1_000,
            abac_registry_percent: 20,
            workspaces: 50,
            computes_per_workspace: 4,
            managed_clusters: 100,
            identities: 5_000,
            role_assignments: 50_000,
            custom_roles: 20,
        }
    }

    /// `small` or `large`, by name (for command-line flags).
    pub fn named(name: &str, seed: u64) -> Option<TenantSpec> {
        match name {
            "small" => Some(TenantSpec::small(seed)),
            "large" => Some(TenantSpec::large(seed)),
            _ => None,
        }
    }
}

/// What [`generate`] makes: resources, and the management groups with their subscriptions.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedTenant {
    pub resources: Vec<Value>,
    pub management_groups: BTreeMap<String, ManagementGroup>,
}

/// The management group every generated subscription sits under (directly below the tenant
/// root group, which is named after the tenant id).
pub const GENERATED_ROOT_GROUP: &str = "mg-pullpath-root";
/// Below [`GENERATED_ROOT_GROUP`]: the first third of the subscriptions (at least one).
pub const GENERATED_PLATFORM_GROUP: &str = "mg-platform";
/// Below [`GENERATED_ROOT_GROUP`]: the other subscriptions.
pub const GENERATED_WORKLOADS_GROUP: &str = "mg-workloads";

/// SplitMix64: tiny, fast, and good enough to spread names and picks; not for secrets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
    fn guid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, 0x8000 | (b >> 48) & 0x3fff, b & 0xffff_ffff_ffff)
    }
}

/// A principal role assignments can name.
#[derive(Clone)]
struct Principal {
    id: String,
    kind: &'static str,
}

const LOCATIONS: [&str; 3] = ["westeurope", "northeurope", "eastus2"];
const ACR_PULL: &str = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const ACR_PUSH: &str = "8311e382-0749-4cb8-b61a-304f252e45ec";
const REPOSITORY_READER: &str = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const MANAGED_IDENTITY_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";

/// The built-in roles generated tenants use, as ARM returns them (copied from
/// `shared/azure/roles/builtin-roles.json`, trimmed to the fields pullpath reads).
pub const BUILTIN_ROLES: &str = r#"[
{"id":"/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d","name":"7f951dda-4ed3-4680-a7ca-43fe172d538d","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"AcrPull","type":"BuiltInRole","description":"acr pull","assignableScopes":["/"],"permissions":[{"actions":["Microsoft.ContainerRegistry/registries/pull/read"],"notActions":[],"dataActions":[],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec","name":"8311e382-0749-4cb8-b61a-304f252e45ec","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"AcrPush","type":"BuiltInRole","description":"acr push","assignableScopes":["/"],"permissions":[{"actions":["Microsoft.ContainerRegistry/registries/pull/read","Microsoft.ContainerRegistry/registries/push/write"],"notActions":[],"dataActions":[],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/b93aa761-3e63-49ed-ac28-beffa264f7ac","name":"b93aa761-3e63-49ed-ac28-beffa264f7ac","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"Container Registry Repository Reader","type":"BuiltInRole","description":"Allows for read access to Azure Container Registry repositories, but excluding catalog listing.","assignableScopes":["/"],"permissions":[{"actions":[],"notActions":[],"dataActions":["Microsoft.ContainerRegistry/registries/repositories/metadata/read","Microsoft.ContainerRegistry/registries/repositories/content/read"],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c","name":"b24988ac-6180-42a0-ab88-20f7382dd24c","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"Contributor","type":"BuiltInRole","description":"Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.","assignableScopes":["/"],"permissions":[{"actions":["*"],"notActions":["Microsoft.Authorization/*/Delete","Microsoft.Authorization/*/Write","Microsoft.Authorization/elevateAccess/Action","Microsoft.Blueprint/blueprintAssignments/write","Microsoft.Blueprint/blueprintAssignments/delete","Microsoft.Compute/galleries/share/action","Microsoft.Purview/consents/write","Microsoft.Purview/consents/delete","Microsoft.Resources/deploymentStacks/manageDenySetting/action","Microsoft.Subscription/cancel/action","Microsoft.Subscription/enable/action"],"dataActions":[],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/f1a07417-d97a-45cb-824c-7a7467783830","name":"f1a07417-d97a-45cb-824c-7a7467783830","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"Managed Identity Operator","type":"BuiltInRole","description":"Read and Assign User Assigned Identity","assignableScopes":["/"],"permissions":[{"actions":["Microsoft.ManagedIdentity/userAssignedIdentities/*/read","Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action","Microsoft.Authorization/*/read","Microsoft.Insights/alertRules/*","Microsoft.Resources/subscriptions/resourceGroups/read","Microsoft.Resources/deployments/*","Microsoft.Support/*"],"notActions":[],"dataActions":[],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635","name":"8e3af657-a8ff-443c-a75c-2fe8c4bcb635","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"Owner","type":"BuiltInRole","description":"Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.","assignableScopes":["/"],"permissions":[{"actions":["*"],"notActions":[],"dataActions":[],"notDataActions":[]}]}},
{"id":"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","name":"acdd72a7-3385-48ef-bd42-f606fba81ae7","type":"Microsoft.Authorization/roleDefinitions","properties":{"roleName":"Reader","type":"BuiltInRole","description":"View all resources, but does not allow you to make any changes.","assignableScopes":["/"],"permissions":[{"actions":["*/read"],"notActions":[],"dataActions":[],"notDataActions":[]}]}}
]"#;

/// The built-in role definitions above, parsed.
pub fn builtin_roles() -> Vec<Value> {
    serde_json::from_str(BUILTIN_ROLES).unwrap_or_default()
}

/// Generates a tenant. Deterministic: the same spec always gives the same resources.
pub fn generate(spec: &TenantSpec) -> GeneratedTenant {
    let mut rng = Rng(spec.seed ^ 0x7075_6c6c_7061_7468);
    let mut out: Vec<Value> = builtin_roles();
    let subs: Vec<String> = (0..spec.subscriptions.max(1)).map(|_| rng.guid()).collect();
    let rgs: Vec<(usize, String)> = subs
        .iter()
        .enumerate()
        .flat_map(|(i, _)| (0..spec.resource_groups_per_subscription.max(1)).map(move |k| (i, format!("rg-{i:02}-{k}"))))
        .collect();
    let rg_id = |(si, name): &(usize, String)| format!("/subscriptions/{}/resourceGroups/{name}", subs[*si]);
    let mut users: Vec<Principal> = (0..(spec.identities / 25).max(2)).map(|_| Principal { id: rng.guid(), kind: "User" }).collect();
    users.extend((0..(spec.identities / 100).max(1)).map(|_| Principal { id: rng.guid(), kind: "Group" }));

    // User-assigned identities.
    let mut identities: Vec<(String, String, String)> = Vec::new(); // (id, principalId, clientId)
    for n in 0..spec.identities {
        let rg = &rgs[rng.below(rgs.len())];
        let id = format!("{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{n:05}", rg_id(rg));
        let (principal, client) = (rng.guid(), rng.guid());
        out.push(json!({
            "id": id, "name": format!("id-{n:05}"), "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "location": LOCATIONS[n % LOCATIONS.len()], "tags": {},
            "properties": {"principalId": principal, "clientId": client, "tenantId": DEMO_TENANT_ID}
        }));
        identities.push((id, principal, client));
    }
    let identity_ref = |i: &(String, String, String)| json!({ i.0.clone(): {"principalId": i.1, "clientId": i.2} });

    // Registries, in both permission modes.
    let mut registries: Vec<(String, String, bool)> = Vec::new(); // (id, loginServer, abac)
    for n in 0..spec.registries {
        let rg = &rgs[rng.below(rgs.len())];
        let name = format!("acr{:02}{n:05}", rg.0);
        let id = format!("{}/providers/Microsoft.ContainerRegistry/registries/{name}", rg_id(rg));
        let abac = rng.percent(spec.abac_registry_percent);
        let mut props = json!({
            "loginServer": format!("{name}.azurecr.io"), "adminUserEnabled": rng.percent(10), "anonymousPullEnabled": false,
            "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"
        });
        if abac {
            props["roleAssignmentMode"] = json!("AbacRepositoryPermissions");
        } else if rng.percent(50) {
            props["roleAssignmentMode"] = json!("LegacyRegistryPermissions");
        }
        out.push(json!({
            "id": id, "name": name, "type": "Microsoft.ContainerRegistry/registries", "location": LOCATIONS[n % LOCATIONS.len()],
            "sku": {"name": "Premium", "tier": "Premium"}, "tags": {}, "properties": props
        }));
        registries.push((id, format!("{name}.azurecr.io"), abac));
    }

    // Role assignments that make the tenant interesting come first; the rest are filler
    // spread over every scope level.
    let mut assignments: Vec<(String, String, &'static str, String)> = Vec::new(); // (scope, role guid, principal type, principal)
    let mut seen: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut assign = |assignments: &mut Vec<(String, String, &'static str, String)>, scope: String, role: &str, kind: &'static str, principal: &str| {
        if seen.insert((scope.to_lowercase(), role.to_string(), principal.to_string())) {
            assignments.push((scope, role.to_string(), kind, principal.to_string()));
        }
    };

    // AKS clusters: the kubelet identity is one of the user-assigned identities.
    let mut clusters: Vec<String> = Vec::new();
    for n in 0..spec.managed_clusters {
        let rg = &rgs[rng.below(rgs.len())];
        let name = format!("aks-{n:04}");
        let id = format!("{}/providers/Microsoft.ContainerService/managedClusters/{name}", rg_id(rg));
        let kubelet = identities.get(rng.below(identities.len())).cloned();
        let mut props = json!({"nodeResourceGroup": format!("MC_{}_{name}_westeurope", rg.1), "provisioningState": "Succeeded"});
        if let Some(k) = &kubelet {
            props["identityProfile"] = json!({"kubeletidentity": {"resourceId": k.0, "clientId": k.2, "objectId": k.1}});
            if !registries.is_empty() && rng.percent(80) {
                let reg = &registries[rng.below(registries.len())];
                assign(&mut assignments, reg.0.clone(), if reg.2 { REPOSITORY_READER } else { ACR_PULL }, "ServicePrincipal", &k.1);
            }
        }
        out.push(json!({
            "id": id, "name": name, "type": "Microsoft.ContainerService/managedClusters", "location": "westeurope",
            "identity": {"type": "SystemAssigned", "principalId": rng.guid(), "tenantId": DEMO_TENANT_ID}, "properties": props
        }));
        clusters.push(id);
    }

    // Workspaces with their computes and a registry connection.
    let mut system_principals: Vec<Principal> = Vec::new();
    // Endpoints and container groups draw from their own sequence, so the rest of a tenant
    // generated from a seed stays what it was before they existed.
    let mut workloads_rng = Rng(spec.seed ^ 0x6570_6163_6967_7270);
    for n in 0..spec.workspaces {
        let rg = &rgs[rng.below(rgs.len())];
        let name = format!("mlw-{n:04}");
        let id = format!("{}/providers/Microsoft.MachineLearningServices/workspaces/{name}", rg_id(rg));
        let principal = rng.guid();
        let registry = registries.get(rng.below(registries.len())).cloned();
        let mut props = json!({
            "keyVault": format!("{}/providers/Microsoft.KeyVault/vaults/kv-{name}", rg_id(rg)),
            "storageAccount": format!("{}/providers/Microsoft.Storage/storageAccounts/st{n:04}", rg_id(rg)),
            "provisioningState": "Succeeded"
        });
        if let Some(reg) = &registry {
            props["containerRegistry"] = json!(reg.0);
            assign(&mut assignments, reg.0.clone(), if reg.2 { REPOSITORY_READER } else { ACR_PUSH }, "ServicePrincipal", &principal);
        }
        out.push(json!({
            "id": id, "name": name, "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope", "kind": "Default",
            "sku": {"name": "Basic", "tier": "Basic"},
            "identity": {"type": "SystemAssigned", "principalId": principal, "tenantId": DEMO_TENANT_ID}, "properties": props
        }));
        system_principals.push(Principal { id: principal, kind: "ServicePrincipal" });
        for c in 0..spec.computes_per_workspace {
            let cname = format!("cpu-{c}");
            let cid = format!("{id}/computes/{cname}");
            let mut compute = json!({"id": cid, "name": cname, "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "westeurope"});
            match (c % 4, clusters.get(rng.below(clusters.len()))) {
                (3, Some(aks)) => compute["properties"] = json!({"computeType": "Kubernetes", "resourceId": aks, "provisioningState": "Succeeded"}),
                (2, _) if !identities.is_empty() => {
                    let uai = &identities[rng.below(identities.len())];
                    compute["identity"] = json!({"type": "UserAssigned", "userAssignedIdentities": identity_ref(uai)});
                    compute["properties"] = json!({"computeType": "AmlCompute", "provisioningState": "Succeeded", "createdOn": "2025-03-01T10:00:00Z"});
                    if let (Some(reg), true) = (&registry, rng.percent(70)) {
                        assign(&mut assignments, reg.0.clone(), if reg.2 { REPOSITORY_READER } else { ACR_PULL }, "ServicePrincipal", &uai.1);
                    }
                }
                (k, _) => {
                    let p = rng.guid();
                    compute["identity"] = json!({"type": "SystemAssigned", "principalId": p, "tenantId": DEMO_TENANT_ID});
                    let ty = if k == 1 { "ComputeInstance" } else { "AmlCompute" };
                    compute["properties"] = json!({"computeType": ty, "provisioningState": "Succeeded", "createdOn": "2025-03-01T10:00:00Z"});
                    if let (Some(reg), true) = (&registry, rng.percent(60)) {
                        assign(&mut assignments, reg.0.clone(), if reg.2 { REPOSITORY_READER } else { ACR_PULL }, "ServicePrincipal", &p);
                    }
                    system_principals.push(Principal { id: p, kind: "ServicePrincipal" });
                }
            }
            out.push(compute);
        }
        if let (Some(reg), false) = (&registry, identities.is_empty()) {
            let uai = &identities[rng.below(identities.len())];
            let cname = "acr-pull";
            out.push(json!({
                "id": format!("{id}/connections/{cname}"), "name": cname, "type": "Microsoft.MachineLearningServices/workspaces/connections",
                "properties": {"category": "ContainerRegistry", "authType": "ManagedIdentity", "target": reg.1, "isSharedToAll": false,
                    "credentials": {"resourceId": uai.0, "clientId": uai.2}}
            }));
        }
        // One managed online endpoint per workspace with a registry: a system identity (which
        // Azure ML grants pull when it creates the endpoint; the grant is sometimes gone) or a
        // user-assigned one (granted by hand, or not).
        if let Some(reg) = &registry {
            let rng = &mut workloads_rng;
            let pull = if reg.2 { REPOSITORY_READER } else { ACR_PULL };
            let ename = format!("ep-{n:04}");
            let mut endpoint = json!({"id": format!("{id}/onlineEndpoints/{ename}"), "name": ename, "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "location": "westeurope", "kind": "Managed",
                "properties": {"authMode": "Key", "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"}});
            if identities.is_empty() || rng.percent(50) {
                let p = rng.guid();
                endpoint["identity"] = json!({"type": "SystemAssigned", "principalId": p, "tenantId": DEMO_TENANT_ID});
                if rng.percent(90) {
                    assign(&mut assignments, reg.0.clone(), pull, "ServicePrincipal", &p);
                }
                system_principals.push(Principal { id: p, kind: "ServicePrincipal" });
            } else {
                let uai = &identities[rng.below(identities.len())];
                endpoint["identity"] = json!({"type": "UserAssigned", "userAssignedIdentities": identity_ref(uai)});
                if rng.percent(50) {
                    assign(&mut assignments, reg.0.clone(), pull, "ServicePrincipal", &uai.1);
                }
            }
            out.push(endpoint);
            out.extend(demand(&id, &reg.1, &ename, spec.computes_per_workspace > 0));
            // Every fourth workspace's team also runs a container group from that registry,
            // half of them logging in with a username and password.
            if n % 4 == 0 && !identities.is_empty() {
                let uai = &identities[rng.below(identities.len())];
                let gname = format!("aci-{n:04}");
                let cred = if rng.percent(50) { json!({"server": reg.1, "username": reg.1.split('.').next().unwrap_or_default()}) } else { json!({"server": reg.1, "identity": uai.0}) };
                if rng.percent(50) {
                    assign(&mut assignments, reg.0.clone(), pull, "ServicePrincipal", &uai.1);
                }
                out.push(json!({"id": format!("{}/providers/Microsoft.ContainerInstance/containerGroups/{gname}", rg_id(rg)), "name": gname, "type": "Microsoft.ContainerInstance/containerGroups", "location": "westeurope",
                    "identity": {"type": "UserAssigned", "userAssignedIdentities": identity_ref(uai)},
                    "properties": {"containers": [{"name": "scorer", "properties": {"image": format!("{}/scorer:1", reg.1), "resources": {"requests": {"cpu": 1, "memoryInGB": 1.5}}}}],
                        "imageRegistryCredentials": [cred], "osType": "Linux", "provisioningState": "Succeeded"}}));
            }
        }
    }

    // Custom roles, each assignable in one subscription.
    let mut customs: Vec<(usize, String)> = Vec::new();
    for n in 0..spec.custom_roles {
        let si = n % subs.len();
        let guid = rng.guid();
        out.push(json!({
            "id": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{guid}", subs[si]),
            "name": guid, "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": format!("Image puller {n}"), "type": "CustomRole", "description": "Pulls images; generated.",
                "assignableScopes": [format!("/subscriptions/{}", subs[si])],
                "permissions": [{"actions": ["Microsoft.ContainerRegistry/registries/pull/read"], "notActions": [], "dataActions": [], "notDataActions": []}]
            }
        }));
        customs.push((si, guid));
    }

    // Filler assignments at every scope level; those at management groups go round the four
    // groups (tenant root group included) without drawing from the generator, so the rest of
    // the tenant is what it was before there was a hierarchy.
    let mg_scope = |n: usize| {
        let group = [DEMO_TENANT_ID, GENERATED_ROOT_GROUP, GENERATED_PLATFORM_GROUP, GENERATED_WORKLOADS_GROUP][n % 4];
        format!("/providers/Microsoft.Management/managementGroups/{group}")
    };
    let mut principals: Vec<Principal> = identities.iter().map(|i| Principal { id: i.1.clone(), kind: "ServicePrincipal" }).collect();
    principals.extend(users.iter().cloned());
    principals.extend(system_principals);
    let mut attempts = 0;
    while assignments.len() < spec.role_assignments && attempts < spec.role_assignments * 4 && !principals.is_empty() {
        attempts += 1;
        let p = &principals[rng.below(principals.len())];
        let roll = rng.below(100);
        let (scope, role) = if roll < 70 && !registries.is_empty() {
            let reg = &registries[rng.below(registries.len())];
            let role = match (reg.2, rng.below(3)) {
                (true, 0) => REPOSITORY_READER,
                (_, 1) => ACR_PUSH,
                _ => ACR_PULL,
            };
            (reg.0.clone(), role)
        } else if roll < 85 {
            let rg = &rgs[rng.below(rgs.len())];
            let custom = customs.iter().filter(|(si, _)| *si == rg.0).map(|(_, g)| g.as_str()).next();
            let role = match (rng.below(3), custom) {
                (0, Some(g)) => g,
                (1, _) => CONTRIBUTOR,
                _ => READER,
            };
            (rg_id(rg), role)
        } else if roll < 95 {
            (format!("/subscriptions/{}", subs[rng.below(subs.len())]), if rng.percent(20) { OWNER } else { READER })
        } else if roll < 99 && !identities.is_empty() {
            (identities[rng.below(identities.len())].0.clone(), MANAGED_IDENTITY_OPERATOR)
        } else {
            (mg_scope(assignments.len()), READER)
        };
        assign(&mut assignments, scope, role, p.kind, &p.id);
    }
    // One group of people pulls from every legacy registry of the platform subscriptions
    // through a management-group assignment (it takes the last filler assignment's place).
    if let Some(group) = users.iter().find(|u| u.kind == "Group") {
        let scope = format!("/providers/Microsoft.Management/managementGroups/{GENERATED_PLATFORM_GROUP}");
        assignments.insert(0, (scope, ACR_PULL.to_string(), group.kind, group.id.clone()));
    }
    assignments.truncate(spec.role_assignments);
    for (scope, role, kind, principal) in assignments {
        let guid = rng.guid();
        // ARM returns role definition ids in the subscription form where there is one.
        let sub = scope.strip_prefix("/subscriptions/").and_then(|s| s.split('/').next());
        let role_id = match sub {
            Some(s) => format!("/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            None => format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        };
        let mut props = json!({"roleDefinitionId": role_id, "principalId": principal, "principalType": kind, "scope": scope});
        if role == REPOSITORY_READER && rng.percent(30) {
            props["condition"] = json!("((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'base/'))");
            props["conditionVersion"] = json!("2.0");
        }
        out.push(json!({
            "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"),
            "name": guid, "type": "Microsoft.Authorization/roleAssignments", "properties": props
        }));
    }
    // From its own sequence, so the rest of a seed's tenant is what it was before.
    network(spec.seed, &subs, &mut out);
    // Drawn after everything else, so the ARM resources of a seed are what they always were.
    out.extend(directory(&mut rng, &users, &identities));
    GeneratedTenant { resources: out, management_groups: hierarchy(&subs) }
}

/// The network half (issue #19): about a third of the registries are private (public
/// access disabled, or a firewall that denies by default with one allowed range), a tenth of
/// them refusing trusted services; each subscription has a hub network where most private
/// registries have their endpoint; most workspaces' clusters run in a spoke network peered
/// with the hub (some peerings only Initiated, some spokes not peered), a few workspaces use a
/// managed network, and AKS clusters and container groups get subnets the same way. Each
/// subscription has a privatelink.azurecr.io zone linked to the hub and most spokes, and most
/// endpoints keep their records in it.
fn network(seed: u64, subs: &[String], out: &mut Vec<Value>) {
    let mut rng = Rng(seed ^ 0x6e65_7477_6f72_6b21);
    let vnet_id = |sub: &str, name: &str| format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/{name}");
    let sub_of = |id: &str| id.split('/').nth(2).unwrap_or_default().to_string();
    // Spokes by subscription, with their peering state to the hub (None: not peered).
    let mut spokes: BTreeMap<String, Vec<(String, Option<&'static str>)>> = BTreeMap::new();
    let mut endpoints: Vec<Value> = Vec::new();
    let spoke = |rng: &mut Rng, sub: &str, name: String, spokes: &mut BTreeMap<String, Vec<(String, Option<&'static str>)>>| -> String {
        let id = vnet_id(sub, &name);
        let state = match rng.below(10) {
            0 => None,
            1 => Some("Initiated"),
            _ => Some("Connected"),
        };
        spokes.entry(sub.to_string()).or_default().push((id.clone(), state));
        format!("{id}/subnets/snet-workload")
    };
    for v in out.iter_mut() {
        let ty = v["type"].as_str().unwrap_or_default().to_string();
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let name = v["name"].as_str().unwrap_or_default().to_string();
        let sub = sub_of(&id);
        match ty.as_str() {
            "Microsoft.ContainerRegistry/registries" => {
                let roll = rng.below(100);
                if roll >= 33 {
                    continue;
                }
                let props = &mut v["properties"];
                if roll < 22 {
                    props["publicNetworkAccess"] = json!("Disabled");
                } else {
                    props["networkRuleSet"] = json!({"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": format!("203.0.113.{}/32", rng.below(250))}]});
                }
                props["networkRuleBypassOptions"] = json!(if rng.percent(10) { "None" } else { "AzureServices" });
                if rng.percent(85) {
                    let pe = format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/pe-{name}");
                    let status = if rng.percent(95) { "Approved" } else { "Pending" };
                    props["privateEndpointConnections"] = json!([{"id": format!("{id}/privateEndpointConnections/pe-{name}"), "properties": {"privateEndpoint": {"id": pe},
                        "privateLinkServiceConnectionState": {"status": status, "description": "", "actionsRequired": "None"}, "provisioningState": "Succeeded"}}]);
                    endpoints.push(json!({"id": pe, "name": format!("pe-{name}"), "type": "Microsoft.Network/privateEndpoints", "location": "westeurope",
                        "properties": {"provisioningState": "Succeeded", "subnet": {"id": format!("{}/subnets/snet-pe", vnet_id(&sub, "vnet-hub"))},
                            "privateLinkServiceConnections": [{"id": format!("{pe}/privateLinkServiceConnections/registry"), "name": "registry",
                                "properties": {"privateLinkServiceId": id, "groupIds": ["registry"], "privateLinkServiceConnectionState": {"status": status, "description": "", "actionsRequired": "None"}}}],
                            "manualPrivateLinkServiceConnections": []},
                        // About one endpoint in ten has no DNS zone group (decided by name, so the
                        // tenant's other draws stay as they were).
                        "privateDnsZoneGroups": if name.bytes().map(u32::from).sum::<u32>() % 10 == 0 { json!([]) } else {
                            json!([{"name": "default", "properties": {"provisioningState": "Succeeded", "privateDnsZoneConfigs": [{"name": "privatelink-azurecr-io", "properties": {
                                "privateDnsZoneId": format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"),
                                "recordSets": [{"recordType": "A", "recordSetName": name, "fqdn": format!("{name}.privatelink.azurecr.io"), "ttl": 10, "ipAddresses": ["10.1.0.4"], "provisioningState": "Succeeded"}]}}]}}])
                        }}));
                }
            }
            "Microsoft.MachineLearningServices/workspaces" if rng.percent(10) => {
                v["properties"]["managedNetwork"] = json!({"isolationMode": "AllowInternetOutbound", "outboundRules": {}});
            }
            "Microsoft.MachineLearningServices/workspaces/computes" if matches!(v["properties"]["computeType"].as_str(), Some("AmlCompute" | "ComputeInstance")) && rng.percent(70) => {
                let ws = id.split("/computes/").next().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
                let subnet = spoke(&mut rng, &sub, format!("vnet-{ws}"), &mut spokes);
                v["properties"]["properties"] = json!({"vmSize": "STANDARD_DS3_V2", "subnet": {"id": subnet}});
            }
            "Microsoft.ContainerService/managedClusters" if rng.percent(60) => {
                let subnet = spoke(&mut rng, &sub, format!("vnet-{name}"), &mut spokes);
                v["properties"]["agentPoolProfiles"] = json!([{"name": "nodepool1", "count": 3, "vmSize": "Standard_DS2_v2", "mode": "System", "vnetSubnetID": subnet}]);
            }
            "Microsoft.ContainerInstance/containerGroups" if rng.percent(40) => {
                let subnet = spoke(&mut rng, &sub, format!("vnet-{name}"), &mut spokes);
                v["properties"]["subnetIds"] = json!([{"id": subnet, "name": "snet-workload"}]);
            }
            _ => {}
        }
    }
    let vnet = |id: &str, subnets: &[&str], peers: Vec<Value>| {
        let name = id.rsplit('/').next().unwrap_or_default();
        json!({"id": id, "name": name, "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "provisioningState": "Succeeded",
                "subnets": subnets.iter().map(|s| json!({"id": format!("{id}/subnets/{s}"), "name": s, "properties": {"addressPrefix": "10.0.1.0/24"}})).collect::<Vec<_>>(),
                "virtualNetworkPeerings": peers}})
    };
    let peering = |from: &str, to: &str, state: &str| {
        let to_name = to.rsplit('/').next().unwrap_or_default();
        json!({"id": format!("{from}/virtualNetworkPeerings/to-{to_name}"), "name": format!("to-{to_name}"),
            "properties": {"remoteVirtualNetwork": {"id": to}, "peeringState": state, "allowVirtualNetworkAccess": true}})
    };
    for sub in subs {
        let hub = vnet_id(sub, "vnet-hub");
        let mine = spokes.remove(sub).unwrap_or_default();
        let mut seen = BTreeSet::new();
        let mut hub_peers = Vec::new();
        for (id, state) in &mine {
            if !seen.insert(id.clone()) {
                continue;
            }
            let peers = match state {
                Some(s) => {
                    // An Initiated peering exists on the spoke's side only.
                    if *s == "Connected" {
                        hub_peers.push(peering(&hub, id, s));
                    }
                    vec![peering(id, &hub, s)]
                }
                None => Vec::new(),
            };
            out.push(vnet(id, &["snet-workload"], peers));
        }
        out.push(vnet(&hub, &["snet-pe"], hub_peers));
        // The subscription's privatelink.azurecr.io zone, linked to the hub and to the spokes
        // but about one in twelve (decided by name, so the other draws stay as they were).
        let linked = std::iter::once(&hub).chain(seen.iter().filter(|id| id.bytes().map(u32::from).sum::<u32>() % 12 != 0));
        let links: Vec<Value> = linked
            .map(|id| {
                let name = id.rsplit('/').next().unwrap_or_default();
                json!({"name": format!("{name}-link"), "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
                    "properties": {"virtualNetwork": {"id": id}, "registrationEnabled": false, "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"}})
            })
            .collect();
        out.push(json!({"id": format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"),
            "name": "privatelink.azurecr.io", "type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {"provisioningState": "Succeeded"},
            "virtualNetworkLinks": links}));
    }
    out.extend(endpoints);
}

/// Graph's directory objects for the tenant's people and groups: each user named, each group
/// with direct members (a dozen people and a few managed identities of the tenant), and group
/// `2k + 1` nested in group `2k`, whose `transitiveMembers` then holds the nested group and all
/// its members, as Graph's transitive list does.
fn directory(rng: &mut Rng, people: &[Principal], identities: &[(String, String, String)]) -> Vec<Value> {
    let users: Vec<&Principal> = people.iter().filter(|p| p.kind == "User").collect();
    let groups: Vec<&Principal> = people.iter().filter(|p| p.kind == "Group").collect();
    let user = |i: usize| json!({"@odata.type": "#microsoft.graph.user", "id": users[i].id, "displayName": format!("Person {i:04}"), "userPrincipalName": format!("person{i:04}@contoso.example")});
    let identity = |i: usize| {
        let (id, principal, client) = &identities[i];
        let name = id.rsplit('/').next().unwrap_or_default();
        json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": principal, "displayName": name, "appId": client, "servicePrincipalType": "ManagedIdentity"})
    };
    let mut out: Vec<Value> = (0..users.len()).map(user).collect();
    let direct: Vec<Vec<Value>> = groups
        .iter()
        .map(|_| {
            let mut members: Vec<Value> = Vec::new();
            let mut seen = BTreeSet::new();
            for _ in 0..12 {
                let i = rng.below(users.len().max(1));
                if !users.is_empty() && seen.insert(users[i].id.clone()) {
                    members.push(user(i));
                }
            }
            for _ in 0..4 {
                let i = rng.below(identities.len().max(1));
                if !identities.is_empty() && seen.insert(identities[i].1.clone()) {
                    members.push(identity(i));
                }
            }
            members
        })
        .collect();
    for (g, group) in groups.iter().enumerate() {
        let mut members = direct[g].clone();
        if g % 2 == 0 {
            if let Some(nested) = groups.get(g + 1) {
                members.push(json!({"@odata.type": "#microsoft.graph.group", "id": nested.id, "displayName": format!("Team {:03}", g + 1)}));
                let have: BTreeSet<String> = members.iter().filter_map(|m| m["id"].as_str().map(str::to_string)).collect();
                members.extend(direct[g + 1].iter().filter(|m| m["id"].as_str().is_some_and(|id| !have.contains(id))).cloned());
            }
        }
        out.push(json!({"@odata.type": "#microsoft.graph.group", "id": group.id, "displayName": format!("Team {g:03}"), "transitiveMembers": members}));
    }
    out
}

/// Tenant root group → [`GENERATED_ROOT_GROUP`] → platform (first third) and workloads.
fn hierarchy(subs: &[String]) -> BTreeMap<String, ManagementGroup> {
    let platform = subs.len().div_ceil(3).max(1).min(subs.len());
    let group = |display: &str, parent: Option<&str>, subscriptions: &[String]| ManagementGroup { display_name: display.into(), parent: parent.map(str::to_string), subscriptions: subscriptions.to_vec() };
    BTreeMap::from([
        (DEMO_TENANT_ID.to_string(), group("Tenant Root Group", None, &[])),
        (GENERATED_ROOT_GROUP.to_string(), group("pullpath", Some(DEMO_TENANT_ID), &[])),
        (GENERATED_PLATFORM_GROUP.to_string(), group("Platform", Some(GENERATED_ROOT_GROUP), &subs[..platform])),
        (GENERATED_WORKLOADS_GROUP.to_string(), group("Workloads", Some(GENERATED_ROOT_GROUP), &subs[platform..])),
    ])
}

/// What a workspace's workloads pull (issue #18), drawn from no random sequence so the rest
/// of the tenant is as before: two environments of five versions each, `trainer` built
/// (a conda file on a base image) and `scorer` used as it is, both on the workspace's
/// registry `login`, one deployment of endpoint `endpoint` running `scorer`'s newest, and
/// (with a compute `cpu-0`) two jobs on it: one training on `trainer:5`, one scoring with
/// `scorer:5` as it is.
fn demand(ws: &str, login: &str, endpoint: &str, has_compute: bool) -> Vec<Value> {
    let mut out = Vec::new();
    for (env, built) in [("trainer", true), ("scorer", false)] {
        let eid = format!("{ws}/environments/{env}");
        out.push(json!({"id": eid, "name": env, "type": "Microsoft.MachineLearningServices/workspaces/environments", "properties": {"latestVersion": "5"}}));
        for v in 1..=5 {
            let mut props = json!({"image": format!("{login}/{env}:{v}"), "environmentType": "UserCreated", "osType": "Linux", "provisioningState": "Succeeded"});
            if built {
                props["condaFile"] = json!("name: train\ndependencies: [python=3.11]\n");
            }
            out.push(json!({"id": format!("{eid}/versions/{v}"), "name": v.to_string(), "type": "Microsoft.MachineLearningServices/workspaces/environments/versions",
                "systemData": {"createdAt": format!("2025-0{v}-01T10:00:00Z")}, "properties": props}));
        }
    }
    out.push(json!({"id": format!("{ws}/onlineEndpoints/{endpoint}/deployments/blue"), "name": "blue", "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", "location": "westeurope",
        "properties": {"endpointComputeType": "Managed", "environmentId": "azureml:scorer:5", "provisioningState": "Succeeded"}}));
    if has_compute {
        for (job, env, status, day) in [("train-nightly", "trainer", "Completed", 1), ("score-batch", "scorer", "Running", 2)] {
            out.push(json!({"id": format!("{ws}/jobs/{job}"), "name": job, "type": "Microsoft.MachineLearningServices/workspaces/jobs", "systemData": {"createdAt": format!("2025-06-0{day}T10:00:00Z")},
                "properties": {"jobType": "Command", "status": status, "command": "python run.py", "computeId": format!("{ws}/computes/cpu-0"), "environmentId": format!("azureml:{env}:5")}}));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(t: &GeneratedTenant, ty: &str) -> usize {
        t.resources.iter().filter(|r| r["type"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(ty))).count()
    }

    #[test]
    fn same_seed_same_tenant_other_seed_other_tenant() {
        let a = generate(&TenantSpec::small(7));
        assert_eq!(a, generate(&TenantSpec::small(7)));
        assert_ne!(a.resources, generate(&TenantSpec::small(8)).resources);
    }

    #[test]
    fn large_tenant_has_the_issue_sizes() {
        let t = generate(&TenantSpec::large(1));
        let sim = crate::Sim::generated(&TenantSpec::large(1));
        assert_eq!(sim.subscriptions_below(GENERATED_ROOT_GROUP).unwrap().len(), 50);
        assert_eq!(sim.subscriptions_below(DEMO_TENANT_ID).unwrap().len(), 50, "the tenant root group holds every subscription");
        assert_eq!(t.management_groups[GENERATED_PLATFORM_GROUP].subscriptions.len(), 17);
        let first = &t.management_groups[GENERATED_PLATFORM_GROUP].subscriptions[0];
        let chain: Vec<String> = sim.ancestors_of(first).into_iter().map(|(n, _)| n).collect();
        assert_eq!(chain, [GENERATED_PLATFORM_GROUP, GENERATED_ROOT_GROUP, DEMO_TENANT_ID], "immediate parent first, root last");
        assert_eq!(count(&t, "Microsoft.ManagedIdentity/userAssignedIdentities"), 5_000);
        assert_eq!(count(&t, "Microsoft.ContainerRegistry/registries"), 1_000);
        assert_eq!(count(&t, "Microsoft.Authorization/roleAssignments"), 50_000);
        let abac = t.resources.iter().filter(|r| r.pointer("/properties/roleAssignmentMode").and_then(Value::as_str) == Some("AbacRepositoryPermissions")).count();
        assert!((100..400).contains(&abac), "{abac} ABAC registries");
        // Every scope level carries assignments.
        let scopes: std::collections::HashSet<pullpath_core::id::ScopeLevel> = t
            .resources
            .iter()
            .filter_map(|r| r.pointer("/properties/scope").and_then(Value::as_str))
            .filter_map(|s| pullpath_core::id::ResourceId::parse(s).ok())
            .map(|s| s.level())
            .collect();
        assert_eq!(scopes.len(), 4, "{scopes:?}");
    }

    /// Registries' private endpoints come with their DNS zone groups, some without any,
    /// and the simulator serves them as ARM does: a child list of the endpoint, which itself
    /// comes without them.
    #[test]
    fn private_endpoints_carry_dns_zone_groups_served_as_a_child_list() {
        let t = generate(&TenantSpec::large(1));
        let pes: Vec<&Value> = t.resources.iter().filter(|r| r["type"] == "Microsoft.Network/privateEndpoints").collect();
        let none = pes.iter().filter(|p| p["privateDnsZoneGroups"].as_array().is_some_and(Vec::is_empty)).count();
        assert_eq!((pes.len(), none), (281, 17), "endpoints, and those without a zone group");
        let mut sim = crate::Sim::generated(&TenantSpec::large(1));
        let pe = pes.iter().find(|p| p["privateDnsZoneGroups"].as_array().is_some_and(|g| !g.is_empty())).unwrap();
        let id = pullpath_core::id::ResourceId::parse(pe["id"].as_str().unwrap()).unwrap();
        let body = |r: pullpath_core::request::Response| -> Value { serde_json::from_str(&r.body).unwrap() };
        let served = body(sim.handle(&pullpath_core::request::get(&id).unwrap()));
        assert!(served.get("privateDnsZoneGroups").is_none(), "{served}");
        let list = body(sim.handle(&pullpath_core::request::list_dns_zone_groups(&id)));
        assert_eq!(list["value"].as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!(list["value"][0]["id"], format!("{}/privateDnsZoneGroups/default", id.as_str()));
    }

    /// People are named, groups have members, and every second group sits in another.
    #[test]
    fn generated_groups_have_members_and_nest() {
        // One group per hundred identities: two here.
        let t = generate(&TenantSpec { identities: 200, ..TenantSpec::small(3) });
        let objects: Vec<pullpath_core::directory::DirectoryObject> = t.resources.iter().filter(|r| r.get("@odata.type").is_some()).map(|r| serde_json::from_value(r.clone()).unwrap()).collect();
        let (dir, diags) = pullpath_core::directory::Directory::new(&objects);
        assert!(diags.is_empty());
        let groups: Vec<_> = objects.iter().filter(|o| o.kind() == pullpath_core::directory::DirectoryKind::Group).collect();
        assert!(groups.len() >= 2, "{}", groups.len());
        assert!(groups.iter().all(|g| g.transitive_members.as_ref().is_some_and(|m| !m.is_empty())));
        let (outer, inner) = (&groups[0].id, &groups[1].id);
        let member = groups[1].transitive_members.as_ref().unwrap()[0].id.clone();
        assert!(dir.members(outer).unwrap().contains(&inner.to_ascii_lowercase()));
        assert!(dir.members(outer).unwrap().contains(&member.to_ascii_lowercase()));
        assert!(objects.iter().filter(|o| o.kind() == pullpath_core::directory::DirectoryKind::User).all(|u| u.name().is_some()));
    }

    #[test]
    fn every_generated_id_parses_and_is_unique() {
        let t = generate(&TenantSpec::small(3));
        let mut ids = BTreeSet::new();
        // Directory objects have Graph ids, not ARM ones.
        for r in t.resources.iter().filter(|r| r.get("@odata.type").is_none()) {
            let id = pullpath_core::id::ResourceId::parse(r["id"].as_str().unwrap()).unwrap();
            assert!(id.is_type(r["type"].as_str().unwrap()), "{id} vs {}", r["type"]);
            assert!(ids.insert(id));
        }
    }
}
