//! Hostile plans for the exporter tests: a small tenant whose names, principal ids, role
//! names, descriptions, tags, body keys and values are chosen by the test (or by proptest from
//! fragments that break shells, HCL, Bicep and ARM templates), planned by the real planner.

#![allow(dead_code)]

pub mod arm_expr;
pub mod bicep;

use proptest::prelude::*;
use pullpath_core::arm::PrincipalType;
use pullpath_core::id::ResourceId;
use pullpath_core::intent::{Intent, RoleRef};
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Plan};
use serde_json::{json, Value};

/// Pieces of text that end comments or strings, start interpolations, expressions or
/// commands, or are invisible.
pub const FRAGMENTS: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "'",
    "\"",
    "\\",
    "$(touch pwned)",
    "`touch pwned`",
    "${x}",
    "%{ if true }",
    "$${",
    "[",
    "]",
    "[listKeys('x', '2019-01-01')]",
    "[reference('x')]",
    "\0",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "é",
    "😀",
    "-",
    " ",
    "'''",
    "*/",
    "//",
    "#",
    ";",
    "|",
    "&&",
    "\n}\nresource evil 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n",
    "\n}\nresource \"azurerm_role_assignment\" \"evil\" {\n",
    "\n$(touch pwned)\n",
    "'; touch pwned; '",
    "x: 1\n",
    "a",
    "Z",
    "0",
];

/// Any text made of fragments and random characters.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string), 1 => any::<char>().prop_map(String::from)], 0..6)
        .prop_map(|parts| parts.concat())
}

/// Text an ARM id segment may hold (no `/`, `?`, `#`, control characters, nor white space at
/// the ends), non-empty.
pub fn segment(s: &str) -> String {
    let kept: String = s.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '?' | '#')).collect();
    let kept = kept.trim().to_string();
    if kept.is_empty() {
        "x".into()
    } else {
        kept
    }
}

/// What the test controls in the tenant.
#[derive(Debug, Clone)]
pub struct Names {
    pub subscription: String,
    pub other_subscription: String,
    pub resource_group: String,
    pub registry: String,
    pub workspace: String,
    pub compute: String,
    pub identity: String,
    pub connection: String,
    pub principal: String,
    pub identity_principal: String,
    pub role_name: String,
    pub role_guid: String,
    pub description: String,
    pub tag_key: String,
    pub tag_value: String,
    pub body_key: String,
    pub body_value: String,
    pub float: f64,
    pub target: String,
    pub client_id: String,
    /// A top-level field of the compute that is not one a resource body has.
    pub top_level_key: Option<String>,
}

pub fn names() -> impl Strategy<Value = Names> {
    let t = hostile_text;
    (
        (t(), t(), t(), t(), t(), t(), t(), t()),
        (t(), t(), t(), t(), t(), t(), t(), t()),
        // Quarters: exact in binary and in short decimal, so JSON text reads back equal.
        (t(), t(), t(), (-4000i32..4000).prop_map(|q| f64::from(q) / 4.0 + 0.25), proptest::option::of(t())),
    )
        .prop_map(|((s1, s2, rg, reg, ws, c, id, conn), (p, ip, rn, rgd, d, tk, tv, bk), (bv, tgt, cid, float, top))| Names {
            subscription: segment(&s1),
            other_subscription: segment(&s2),
            resource_group: segment(&rg),
            registry: segment(&reg),
            workspace: segment(&ws),
            compute: segment(&c),
            identity: segment(&id),
            connection: segment(&conn),
            principal: p,
            identity_principal: ip,
            role_name: rn,
            role_guid: segment(&rgd),
            description: d,
            tag_key: tk,
            tag_value: tv,
            body_key: bk,
            body_value: bv,
            float,
            target: tgt,
            client_id: cid,
            top_level_key: top,
        })
}

impl Names {
    /// The worst of everything at once.
    pub fn worst() -> Names {
        let all = FRAGMENTS.concat();
        Names {
            subscription: segment(&all),
            other_subscription: segment(&format!("other{all}")),
            resource_group: "main".into(),
            registry: segment(&format!("acr{all}")),
            workspace: segment(&format!("ws{all}")),
            compute: segment(&format!("c{all}")),
            identity: segment(&format!("id{all}")),
            connection: segment(&format!("conn{all}")),
            principal: format!("p{}", FRAGMENTS.iter().filter(|f| !f.contains('\0')).copied().collect::<String>()),
            identity_principal: format!("ip{all}"),
            role_name: format!("AcrPull{all}"),
            role_guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d".into(),
            description: format!("[listKeys('x', '2019-01-01')]{all}]"),
            tag_key: "[reference('k')]".into(),
            tag_value: "[reference('v')]".into(),
            body_key: format!("k{all}"),
            body_value: "[listKeys('y', '2019-01-01')]".into(),
            float: 0.5,
            target: format!("t{all}"),
            client_id: format!("c{all}"),
            top_level_key: None,
        }
    }
}

pub fn acr_pull(name: &str, guid: &str) -> RoleRef {
    RoleRef { guid: guid.into(), name: name.into() }
}

/// The tenant for `n` and the plan of every kind of change in it. Intents the planner refuses
/// (an id that cannot be built from a name) are left out by the planner, as in the app.
pub fn hostile_plan(n: &Names) -> Plan {
    let ids = Ids::new(n);
    let mut compute = json!({
        "id": ids.compute.as_str(), "name": n.compute, "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": "westeurope", "tags": {n.tag_key.clone(): n.tag_value},
        "properties": {"computeType": "AmlCompute", "description": n.description, n.body_key.clone(): n.body_value, "settings": {n.body_key.clone(): [n.body_value.clone(), n.float, 3]}},
    });
    if let Some(k) = &n.top_level_key {
        compute[k.as_str()] = json!(n.body_value);
    }
    let resources = vec![
        json!({"id": ids.registry.as_str(), "name": n.registry, "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope",
               "sku": {"name": "Premium"}, "tags": {n.tag_key.clone(): n.tag_value}, "properties": {"loginServer": "acr.azurecr.io", "adminUserEnabled": false}}),
        json!({"id": ids.workspace.as_str(), "name": n.workspace, "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope",
               "properties": {"containerRegistry": ids.registry.as_str(), "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}}}),
        compute,
        json!({"id": ids.identity.as_str(), "name": n.identity, "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope",
               "properties": {"principalId": n.identity_principal, "clientId": n.client_id, "tenantId": "t"}}),
        json!({"id": ids.assignment.as_str(), "name": ids.assignment.name(), "type": "Microsoft.Authorization/roleAssignments",
               "properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                              "principalId": n.identity_principal, "principalType": "ServicePrincipal", "scope": ids.registry.as_str(), "description": n.description}}),
    ];
    let (inv, _) = Inventory::from_resources(resources);
    let role = acr_pull(&n.role_name, &n.role_guid);
    let intents = vec![
        Intent::GrantRole { principal_id: n.principal.clone(), principal_type: PrincipalType::ServicePrincipal, role: role.clone(), scope: ids.registry.clone() },
        Intent::GrantRole { principal_id: n.principal.clone(), principal_type: PrincipalType::ServicePrincipal, role, scope: ids.identity.clone() },
        Intent::GrantRole {
            principal_id: n.principal.clone(),
            principal_type: PrincipalType::ServicePrincipal,
            role: acr_pull(&n.role_name, &n.role_guid),
            scope: ResourceId::subscription(&n.other_subscription).unwrap(),
        },
        Intent::SetAdminUser { registry: ids.registry.clone(), enabled: true },
        Intent::AssignComputeUserIdentity { compute: ids.compute.clone(), identity: ids.identity.clone() },
        Intent::CreateRegistryConnection { workspace: ids.workspace.clone(), name: n.connection.clone(), target: n.target.clone(), identity: ids.identity.clone(), client_id: n.client_id.clone() },
        Intent::RevokeRoleAssignment { assignment: ids.assignment.clone() },
        // The rule's name is derived from the hostile registry name; its body carries the id.
        Intent::AddRegistryOutboundRule { workspace: ids.workspace.clone(), name: pullpath_core::intent::outbound_rule_name(&ids.registry), registry: ids.registry.clone() },
        // A hostile rule name is refused by the planner, never exported.
        Intent::AddRegistryOutboundRule { workspace: ids.workspace.clone(), name: n.connection.clone(), registry: ids.registry.clone() },
    ];
    plan::plan(&inv, &intents).0
}

/// The plan of an image build's missing connection when no identity fits: create an
/// identity (named from the hostile workspace and registry names, in the hostile resource
/// group), grant it pull, grant a principal Managed Identity Operator on it, and create the
/// connection naming it. Its grant and connection wait for the new identity's ids.
pub fn hostile_new_identity_plan(n: &Names) -> Plan {
    let ids = Ids::new(n);
    let resources = vec![
        json!({"id": ids.registry.as_str(), "name": n.registry, "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope",
               "sku": {"name": "Premium"}, "properties": {"loginServer": "acr.azurecr.io"}}),
        json!({"id": ids.workspace.as_str(), "name": n.workspace, "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope", "properties": {}}),
    ];
    let (inv, _) = Inventory::from_resources(resources);
    let group = ids.workspace.parent().and_then(|p| p.parent()).and_then(|p| p.parent()).unwrap_or_else(|| ids.workspace.clone());
    let group = ResourceId::resource_group(group.subscription_id().unwrap_or("s"), ids.workspace.resource_group_name().unwrap_or("rg")).unwrap();
    let new = group.provider("Microsoft.ManagedIdentity", "userAssignedIdentities", &pullpath_core::intent::build_identity_name(&n.workspace, &n.registry)).unwrap();
    let role = acr_pull(&n.role_name, &n.role_guid);
    let intents = vec![
        Intent::CreateUserAssignedIdentity { identity: new.clone(), location: "westeurope".into() },
        Intent::GrantRoleToUserIdentity { identity: new.clone(), role: role.clone(), scope: ids.registry.clone() },
        Intent::GrantRole { principal_id: n.principal.clone(), principal_type: PrincipalType::ServicePrincipal, role, scope: new.clone() },
        Intent::CreateRegistryConnection { workspace: ids.workspace.clone(), name: n.connection.clone(), target: n.target.clone(), identity: new, client_id: String::new() },
    ];
    plan::plan(&inv, &intents).0
}

/// The tenant's ids: the registry, workspace and compute in one subscription's resource
/// group, the identity in a resource group of the same name in another subscription.
pub struct Ids {
    pub registry: ResourceId,
    pub workspace: ResourceId,
    pub compute: ResourceId,
    pub identity: ResourceId,
    pub assignment: ResourceId,
}

impl Ids {
    pub fn new(n: &Names) -> Ids {
        let rg = |sub: &str| ResourceId::resource_group(sub, &n.resource_group).or_else(|_| ResourceId::resource_group(sub, "rg")).unwrap();
        let rg1 = rg(&n.subscription);
        let rg2 = rg(&n.other_subscription);
        let registry = rg1.provider("Microsoft.ContainerRegistry", "registries", &n.registry).unwrap();
        let workspace = rg1.provider("Microsoft.MachineLearningServices", "workspaces", &n.workspace).unwrap();
        let compute = workspace.child("computes", &n.compute).unwrap();
        let identity = rg2.provider("Microsoft.ManagedIdentity", "userAssignedIdentities", &n.identity).unwrap();
        let assignment = registry.provider("Microsoft.Authorization", "roleAssignments", "0d3c6b1e-1f9a-4c62-9d3e-000000000001").unwrap();
        Ids { registry, workspace, compute, identity, assignment }
    }
}

/// Every string and object key in `v`.
pub fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|i| strings(i, out)),
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}
