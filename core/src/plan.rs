//! Plans: intents turned into an ordered list of exact ARM requests, each with what must be
//! true before it (precondition), what will be true after it (effect) and the request that
//! undoes it (inverse) — and the plan's effect on an inventory, so the access matrix can be
//! shown before and after anything is sent.
//!
//! Not here: sending anything (`apply`), other formats (`export`), or deciding what should
//! change (`findings`, the UI). Every request comes from a builder in `request`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::{
    Compute, Connection, ConnectionCreate, ConnectionCredentials, ConnectionProperties, IdentityType, ManagedServiceIdentity, PrincipalType, RegistryUpdate,
    RegistryUpdateProperties, RoleAssignment, RoleAssignmentCreate, RoleAssignmentCreateProperties, RoleAssignmentProperties, UserAssignedIdentityRef,
};
use crate::id::ResourceId;
use crate::intent::{Intent, RoleRef};
use crate::inventory::Inventory;
use crate::request::{self, Request, ResourceKind};

/// An ordered list of operations. Operations only depend on earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub operations: Vec<Operation>,
}

/// One write, with everything needed to check, perform, verify and undo it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// One line for humans: "Grant AcrPull on acrmlprod to cpu-cluster's identity".
    pub summary: String,
    /// The intent this operation carries out.
    pub intent: Intent,
    /// The resource re-read before and after the write.
    pub target: ResourceId,
    pub request: Request,
    /// What must be true of `target` before the write.
    pub precondition: State,
    /// What is true of `target` after the write.
    pub effect: State,
    /// The request that undoes this one (its precondition is `effect`, its effect
    /// `precondition`).
    pub inverse: Request,
    /// Indices of earlier operations that must finish first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<usize>,
    /// The identity this operation grants to (or, for a connection, names) is one an earlier
    /// operation creates: the system-assigned identity of this compute, or this
    /// user-assigned identity. Until the apply engine learns its ids from that operation's
    /// answer ([`fill_identity`]), the request and effect carry [`pending_principal`] in
    /// their place, and nothing carrying it is ever sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_from: Option<ResourceId>,
}

impl Plan {
    /// The operation that creates `owner` (a new user-assigned identity), if one does.
    pub fn creator(&self, owner: &ResourceId) -> Option<usize> {
        self.operations.iter().position(|o| o.creates() && &o.target == owner)
    }
}

impl Operation {
    /// The principal a grant gives its role to (`None` for other operations).
    pub fn effect_principal(&self) -> Option<&str> {
        match &self.effect {
            State::RoleAssignment { present: Some(a), .. } => Some(&a.principal_id),
            _ => None,
        }
    }

    /// Whether the operation still carries a [`pending_principal`]: the ids of an identity an
    /// earlier operation creates, which Azure has not reported yet.
    pub fn waiting(&self) -> bool {
        match &self.effect {
            State::RoleAssignment { present: Some(a), .. } => is_pending(&a.principal_id),
            State::Connection { present: Some(t), .. } => is_pending(&t.client_id),
            _ => false,
        }
    }

    /// Whether the operation brings its target into being (the target did not exist before):
    /// what lives under the target can only be read or written after it.
    pub fn creates(&self) -> bool {
        matches!(self.precondition, State::Identity { present: None, .. })
    }
}

/// What stands for an id of an identity before Azure has created it: the principal id of
/// `owner`'s system-assigned identity, or the principal and client ids of the user-assigned
/// identity `owner`. Not a GUID, so it can never be mistaken for (or sent as) a real one.
pub fn pending_principal(owner: &ResourceId) -> String {
    format!("pending:{}", owner.key())
}

/// Whether `principal_id` is a [`pending_principal`].
pub fn is_pending(principal_id: &str) -> bool {
    principal_id.starts_with("pending:")
}

/// Puts the ids Azure gave a new identity into an operation that was waiting for them: the
/// principal id into a grant, the client id into a connection. The ids come from an ARM
/// answer, so only GUIDs are taken: `false` (and the operation left waiting) otherwise.
pub fn fill_identity(op: &mut Operation, principal_id: Option<&str>, client_id: Option<&str>) -> bool {
    let guid = |s: Option<&str>| s.and_then(|s| uuid::Uuid::parse_str(s).ok()).map(|g| g.hyphenated().to_string());
    // Where the id goes: the request body's object and field, and the effect's copy.
    let (id, object, field, slot) = match &mut op.effect {
        State::RoleAssignment { present: Some(a), .. } => (guid(principal_id), "/properties", "principalId", &mut a.principal_id),
        State::Connection { present: Some(t), .. } => (guid(client_id), "/properties/credentials", "clientId", &mut t.client_id),
        _ => return false,
    };
    let Some(id) = id else { return false };
    if let Some(o) = op.request.body.as_mut().and_then(|b| b.pointer_mut(object)).and_then(Value::as_object_mut) {
        o.insert(field.into(), Value::String(id.clone()));
    }
    *slot = id;
    true
}

/// The part of one resource's state a plan cares about, observable by re-reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum State {
    /// The role assignment with this id exists with this content, or does not exist.
    #[serde(rename_all = "camelCase")]
    RoleAssignment { id: ResourceId, present: Option<Assignment> },
    /// The registry's admin user is on or off.
    #[serde(rename_all = "camelCase")]
    AdminUser { registry: ResourceId, enabled: bool },
    /// The compute has exactly these identities (and its other configuration is as planned).
    #[serde(rename_all = "camelCase")]
    ComputeIdentity { compute: ResourceId, system_assigned: bool, user_assigned: BTreeSet<ResourceId> },
    /// The connection exists pointing at this registry with this identity, or does not exist.
    #[serde(rename_all = "camelCase")]
    Connection { id: ResourceId, present: Option<ConnectionTarget> },
    /// The managed network outbound rule exists as a `PrivateEndpoint` rule to this registry,
    /// or does not exist.
    #[serde(rename_all = "camelCase")]
    OutboundRule { id: ResourceId, present: Option<ResourceId> },
    /// The user-assigned identity exists in this location, or does not exist.
    #[serde(rename_all = "camelCase")]
    Identity { id: ResourceId, present: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub principal_id: String,
    pub principal_type: PrincipalType,
    pub role_definition_id: ResourceId,
    pub scope: ResourceId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTarget {
    pub target: String,
    pub identity: ResourceId,
    pub client_id: String,
}

impl State {
    /// Whether a fresh GET of the target (`None` when ARM answered 404) shows this state.
    pub fn holds(&self, current: Option<&Value>) -> bool {
        match self {
            State::RoleAssignment { present: None, .. } | State::Connection { present: None, .. } | State::OutboundRule { present: None, .. } | State::Identity { present: None, .. } => current.is_none(),
            State::Identity { present: Some(location), .. } => current.and_then(|v| serde_json::from_value::<crate::arm::UserAssignedIdentity>(v.clone()).ok()).is_some_and(|u| same_location(&u.location, location)),
            State::OutboundRule { present: Some(registry), .. } => {
                current.and_then(|v| serde_json::from_value::<crate::arm::OutboundRuleResource>(v.clone()).ok()).is_some_and(|r| r.properties.reaches_registry(registry))
            }
            State::RoleAssignment { present: Some(a), .. } => current.and_then(|v| serde_json::from_value::<RoleAssignment>(v.clone()).ok()).is_some_and(|ra| {
                ra.properties.principal_id.eq_ignore_ascii_case(&a.principal_id) && ra.role_definition_guid().eq_ignore_ascii_case(a.role_definition_id.name()) && ra.scope() == a.scope
            }),
            State::AdminUser { enabled, .. } => current.and_then(|v| v.pointer("/properties/adminUserEnabled")).and_then(Value::as_bool).unwrap_or(false) == *enabled && current.is_some(),
            State::ComputeIdentity { system_assigned, user_assigned, .. } => current.and_then(|v| serde_json::from_value::<Compute>(v.clone()).ok()).is_some_and(|c| {
                let (sys, users) = identity_shape(c.identity.as_ref());
                sys == *system_assigned && &users == user_assigned
            }),
            State::Connection { present: Some(t), .. } => current.and_then(|v| serde_json::from_value::<Connection>(v.clone()).ok()).is_some_and(|c| {
                let creds = c.properties.credentials.clone().unwrap_or_default();
                c.is_container_registry()
                    && c.is_managed_identity()
                    && c.properties.target.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&t.target))
                    && creds.resource_id.as_ref() == Some(&t.identity)
            }),
        }
    }

    /// One line for humans.
    pub fn describe(&self) -> String {
        match self {
            State::RoleAssignment { id, present: None } => format!("role assignment {} does not exist", id.name()),
            State::RoleAssignment { id, present: Some(a) } => {
                let owner = a.principal_id.strip_prefix("pending:").and_then(|o| ResourceId::parse(o).ok());
                let who = if let Some(owner) = owner {
                    if owner.is_type(&ResourceKind::UserAssignedIdentity.type_name()) {
                        format!("the new user-assigned identity {} (its principal id is read once it exists)", owner.name())
                    } else {
                        format!("the new system-assigned identity of {} (its principal id is read once it exists)", owner.name())
                    }
                } else {
                    format!("principal {}", a.principal_id)
                };
                format!("role assignment {} gives {who} role {} at {}", id.name(), a.role_definition_id.name(), a.scope)
            }
            State::AdminUser { registry, enabled } => format!("admin user of {} is {}", registry.name(), if *enabled { "enabled" } else { "disabled" }),
            State::ComputeIdentity { compute, system_assigned, user_assigned } => {
                let mut parts: Vec<String> = Vec::new();
                if *system_assigned {
                    parts.push("system-assigned".into());
                }
                parts.extend(user_assigned.iter().map(|u| format!("user-assigned {}", u.name())));
                let what = if parts.is_empty() { "no managed identity".to_string() } else { parts.join(" + ") };
                format!("compute {} has {what}", compute.name())
            }
            State::Connection { id, present: None } => format!("connection {} does not exist", id.name()),
            State::Connection { id, present: Some(t) } => format!("connection {} reaches {} as {}", id.name(), t.target, t.identity.name()),
            State::OutboundRule { id, present: None } => format!("outbound rule {} does not exist", id.name()),
            State::OutboundRule { id, present: Some(r) } => format!("outbound rule {} is a private endpoint to registry {}", id.name(), r.name()),
            State::Identity { id, present: None } => format!("user-assigned identity {} does not exist", id.name()),
            State::Identity { id, present: Some(location) } => format!("user-assigned identity {} exists in {location}", id.name()),
        }
    }

    /// The resource this state is about.
    pub fn target(&self) -> &ResourceId {
        match self {
            State::RoleAssignment { id, .. } | State::Connection { id, .. } | State::OutboundRule { id, .. } | State::Identity { id, .. } => id,
            State::AdminUser { registry, .. } => registry,
            State::ComputeIdentity { compute, .. } => compute,
        }
    }
}

/// Whether two location names name the same region, compared ignoring case and spaces
/// (`West Europe`, `westeurope`): the plan carries the workspace's location as read, and the
/// new identity's is read back; a match on spelling alone can only be lenient about how a
/// region is written, never about which region it is.
fn same_location(a: &str, b: &str) -> bool {
    a.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).eq(b.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()))
}

fn identity_shape(identity: Option<&ManagedServiceIdentity>) -> (bool, BTreeSet<ResourceId>) {
    let Some(i) = identity else { return (false, BTreeSet::new()) };
    let users = if i.kind.user_assigned { crate::sort::collect_set(i.user_assigned_ids().filter_map(Result::ok)) } else { BTreeSet::new() };
    (i.kind.system_assigned, users)
}

/// An intent that produced no operation, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub intent: Intent,
    pub reason: String,
}

/// The deterministic name of the role assignment giving `role` to `principal` at `scope`:
/// re-planning gives the same name, so re-applying is a no-op rather than a duplicate.
pub fn role_assignment_name(scope: &ResourceId, principal_id: &str, role_guid: &str) -> String {
    let namespace = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://github.com/pullpath/pullpath/role-assignment");
    let key = format!("{}\n{}\n{}", scope.key(), principal_id.to_ascii_lowercase(), role_guid.to_ascii_lowercase());
    uuid::Uuid::new_v5(&namespace, key.as_bytes()).to_string()
}

/// The role definition id in the form `az` and the portal use: subscription-scoped below a
/// subscription, tenant-scoped above it.
pub fn role_definition_id(scope: &ResourceId, role: &RoleRef) -> Option<ResourceId> {
    let base = match scope.subscription_id() {
        Some(s) => ResourceId::subscription(s).ok()?,
        None => ResourceId::tenant(),
    };
    base.provider("Microsoft.Authorization", "roleDefinitions", &role.guid).ok()
}

/// Turns intents into a plan against `inventory` (the state the user is looking at). Intents
/// that are already true, or that name something the inventory does not have, are skipped
/// with a reason; the others become one operation each, in the given order, with
/// identity changes moved before grants to the identities they create.
pub fn plan(inventory: &Inventory, intents: &[Intent]) -> (Plan, Vec<Skipped>) {
    let mut ops = Vec::new();
    let mut skipped = Vec::new();
    // Later intents see earlier ones' effects: two fixes asking for the same grant give one
    // operation.
    let mut state = inventory.clone();
    // Who a grant or removal is for, in words (names from ARM and Microsoft Graph), worked
    // out once: reviewers read names, not GUIDs.
    let mut labels: Option<crate::rbac::FastMap<String, String>> = None;
    for intent in intents {
        match operation(&state, intent) {
            Ok(mut op) => {
                let removed = match &op.precondition {
                    State::RoleAssignment { present: Some(a), .. } => Some(a.principal_id.as_str()),
                    _ => None,
                };
                if let Some(p) = op.effect_principal().or(removed) {
                    let p = p.to_string();
                    let labels = labels.get_or_insert_with(|| crate::access::principal_labels(inventory));
                    if let Some(label) = labels.get(&p.to_ascii_lowercase()) {
                        // `cpu (compute system identity, principal …)`: the id stays, to act on.
                        let named = match label.strip_suffix(')') {
                            Some(open) => format!("{open}, principal {p})"),
                            None => format!("{label} (principal {p})"),
                        };
                        op.summary = op.summary.replacen(&format!("principal {p}"), &named, 1);
                    }
                }
                apply_state(&mut state, &op.effect);
                ops.push(op);
            }
            Err(reason) => {
                // Two findings often share a fix (an enabled admin user is two findings): say
                // the second is covered, not that it is already true.
                let reason = match operation(inventory, intent) {
                    Ok(op) if ops.iter().any(|o: &Operation| o.effect == op.effect) => format!("already planned: {}", op.summary),
                    Ok(_) => format!("not possible after the changes planned before it: {reason}"),
                    Err(_) => reason,
                };
                skipped.push(Skipped { intent: intent.clone(), reason })
            }
        }
    }
    (order(ops, inventory), skipped)
}

/// Puts new identities first, then compute identity changes, then everything else (grants
/// to the principals they create or attach), and records every dependency: same target, a
/// grant to an identity being attached or created, and anything under a resource being
/// created (a role assignment scoped to a new identity).
fn order(ops: Vec<Operation>, inventory: &Inventory) -> Plan {
    let attaches = |op: &Operation| -> BTreeSet<String> {
        match &op.intent {
            Intent::AssignComputeUserIdentity { identity, .. } => crate::sort::collect_set(
                inventory.identities.iter().filter(|i| &i.id == identity).filter_map(|i| i.properties.principal_id.clone()).map(|p| p.to_ascii_lowercase()),
            ),
            _ => BTreeSet::new(),
        }
    };
    let (created, rest): (Vec<Operation>, Vec<Operation>) = ops.into_iter().partition(Operation::creates);
    let (first, rest): (Vec<Operation>, Vec<Operation>) = rest.into_iter().partition(|op| matches!(op.effect, State::ComputeIdentity { .. }));
    let mut ops: Vec<Operation> = created.into_iter().chain(first).chain(rest).collect();
    for i in 0..ops.len() {
        let mut deps = Vec::new();
        for j in 0..i {
            let same_target = ops[j].target == ops[i].target;
            let grant_after_attach = match &ops[i].effect {
                State::RoleAssignment { present: Some(a), .. } => attaches(&ops[j]).contains(&a.principal_id.to_ascii_lowercase()),
                _ => false,
            };
            let grant_to_new_identity = ops[i].principal_from.as_ref().is_some_and(|c| c == &ops[j].target);
            let under_new = ops[j].creates() && ops[i].target.key().strip_prefix(ops[j].target.key()).is_some_and(|rest| rest.starts_with('/'));
            if same_target || grant_after_attach || grant_to_new_identity || under_new {
                deps.push(j);
            }
        }
        ops[i].depends_on = deps;
    }
    Plan { operations: ops }
}

/// Why no plan gives a compute both kinds of identity. Source: Microsoft Learn, "Set up
/// authentication between Azure Machine Learning and other services"
/// (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication):
/// "Azure Machine Learning compute clusters support only one system-assigned identity or
/// multiple user-assigned identities, not both concurrently."
const ONE_KIND: &str = "Azure Machine Learning compute clusters support only one system-assigned identity or multiple user-assigned identities, not both concurrently.";

fn operation(inv: &Inventory, intent: &Intent) -> Result<Operation, String> {
    match intent {
        Intent::GrantRole { principal_id, principal_type, role, scope } => {
            if principal_id.trim().is_empty() {
                return Err("the principal is not known yet (its identity is created by an earlier change): apply that change, rescan, and plan again".into());
            }
            let role_id = role_definition_id(scope, role).ok_or_else(|| format!("{scope} is not a scope a role can be assigned at"))?;
            let name = role_assignment_name(scope, principal_id, &role.guid);
            let already = inv.role_assignments.iter().find(|ra| {
                ra.scope() == *scope && ra.properties.principal_id.eq_ignore_ascii_case(principal_id) && ra.role_definition_guid().eq_ignore_ascii_case(&role.guid) && ra.properties.condition.is_none()
            });
            if let Some(ra) = already {
                return Err(format!("principal {principal_id} already holds {} at {scope} (assignment {})", role.name, ra.name));
            }
            let body = RoleAssignmentCreate {
                properties: RoleAssignmentCreateProperties {
                    role_definition_id: role_id.clone(),
                    principal_id: principal_id.clone(),
                    principal_type: principal_type.clone(),
                    description: Some(format!("pullpath: {} for image pulls", role.name)),
                    condition: None,
                    condition_version: None,
                },
            };
            let request = request::put_role_assignment(scope, &name, &body);
            let id = ResourceId::parse(&request.path).map_err(|e| e.to_string())?;
            let assignment = Assignment {
                principal_id: principal_id.clone(),
                principal_type: principal_type.clone(),
                role_definition_id: role_id,
                scope: scope.clone(),
                condition: None,
                condition_version: None,
            };
            Ok(Operation {
                summary: format!("Grant {} on {} to principal {principal_id}", role.name, scope.name()),
                intent: intent.clone(),
                target: id.clone(),
                inverse: request::delete_role_assignment(&id),
                request,
                precondition: State::RoleAssignment { id: id.clone(), present: None },
                effect: State::RoleAssignment { id, present: Some(assignment) },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
        Intent::GrantRoleToComputeIdentity { compute, role, scope } => {
            let c = inv.computes.iter().find(|c| &c.id == compute).ok_or_else(|| format!("compute {compute} is not in the inventory"))?;
            let msi = c.identity.clone().unwrap_or_default();
            if !msi.kind.system_assigned {
                return Err(format!("{} has no system-assigned identity to grant {} to", c.name, role.name));
            }
            let principal = msi.principal_id.clone().unwrap_or_else(|| pending_principal(&c.id));
            let grant = Intent::GrantRole { principal_id: principal.clone(), principal_type: PrincipalType::ServicePrincipal, role: role.clone(), scope: scope.clone() };
            let mut op = operation(inv, &grant)?;
            op.intent = intent.clone();
            if is_pending(&principal) {
                op.summary = format!("Grant {} on {} to the new system-assigned identity of compute {}", role.name, scope.name(), c.name);
                op.principal_from = Some(c.id.clone());
            }
            Ok(op)
        }
        Intent::GrantRoleToUserIdentity { identity, role, scope } => {
            let u = inv.identities.iter().find(|u| &u.id == identity).ok_or_else(|| format!("user-assigned identity {identity} is not in the inventory"))?;
            let principal = u.properties.principal_id.clone().ok_or_else(|| format!("the principal id of identity {} could not be read, so {} cannot be granted to it", u.id.name(), role.name))?;
            let grant = Intent::GrantRole { principal_id: principal.clone(), principal_type: PrincipalType::ServicePrincipal, role: role.clone(), scope: scope.clone() };
            let mut op = operation(inv, &grant)?;
            op.intent = intent.clone();
            if is_pending(&principal) {
                op.summary = format!("Grant {} on {} to the new user-assigned identity {}", role.name, scope.name(), u.id.name());
                op.principal_from = Some(u.id.clone());
            } else {
                op.summary = format!("Grant {} on {} to user-assigned identity {} (principal {principal})", role.name, scope.name(), u.id.name());
            }
            Ok(op)
        }
        Intent::CreateUserAssignedIdentity { identity, location } => {
            if !identity.is_type(&ResourceKind::UserAssignedIdentity.type_name()) || identity.resource_group_name().is_none() {
                return Err(format!("{identity} is not the id of a user-assigned identity in a resource group"));
            }
            if !crate::intent::is_identity_name(identity.name()) {
                return Err(format!("{:?} cannot name a user-assigned identity: it must be 3 to 128 letters, digits, '-' or '_', starting with a letter or digit", identity.name()));
            }
            let location = location.trim();
            if location.is_empty() || !location.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
                return Err(format!("{location:?} is not an Azure location"));
            }
            if inv.identities.iter().any(|u| &u.id == identity) {
                return Err(format!("user-assigned identity {} already exists in resource group {}", identity.name(), identity.resource_group_name().unwrap_or_default()));
            }
            let body = crate::arm::UserAssignedIdentityCreate { location: location.to_string(), tags: Default::default() };
            Ok(Operation {
                summary: format!("Create user-assigned identity {} in resource group {} ({location})", identity.name(), identity.resource_group_name().unwrap_or_default()),
                intent: intent.clone(),
                target: identity.clone(),
                request: request::put_user_assigned_identity(identity, &body),
                inverse: request::delete_user_assigned_identity(identity),
                precondition: State::Identity { id: identity.clone(), present: None },
                effect: State::Identity { id: identity.clone(), present: Some(location.to_string()) },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
        Intent::RevokeRoleAssignment { assignment } => {
            let ra = inv.role_assignments.iter().find(|ra| &ra.id == assignment).ok_or_else(|| format!("role assignment {assignment} is not in the inventory (already removed?)"))?;
            let scope = ra.scope();
            let current = Assignment {
                principal_id: ra.properties.principal_id.clone(),
                // ARM assumed `User` when the creator did not say; recreating with the same
                // value restores exactly what was there.
                principal_type: ra.properties.principal_type.clone().unwrap_or(PrincipalType::User),
                role_definition_id: ra.properties.role_definition_id.clone(),
                scope: scope.clone(),
                condition: ra.properties.condition.clone(),
                condition_version: ra.properties.condition_version.clone(),
            };
            let recreate = RoleAssignmentCreate {
                properties: RoleAssignmentCreateProperties {
                    role_definition_id: current.role_definition_id.clone(),
                    principal_id: current.principal_id.clone(),
                    principal_type: current.principal_type.clone(),
                    description: ra.properties.description.clone(),
                    condition: current.condition.clone(),
                    condition_version: current.condition_version.clone(),
                },
            };
            Ok(Operation {
                summary: format!("Remove role assignment {} (role {} for principal {} on {})", ra.name, ra.role_definition_guid(), current.principal_id, scope.name()),
                intent: intent.clone(),
                target: ra.id.clone(),
                request: request::delete_role_assignment(&ra.id),
                inverse: request::put_role_assignment(&scope, ra.id.name(), &recreate),
                precondition: State::RoleAssignment { id: ra.id.clone(), present: Some(current) },
                effect: State::RoleAssignment { id: ra.id.clone(), present: None },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
        Intent::SetAdminUser { registry, enabled } => {
            let reg = inv.registries.iter().find(|r| &r.id == registry).ok_or_else(|| format!("registry {registry} is not in the inventory"))?;
            if reg.properties.admin_user_enabled == *enabled {
                return Err(format!("the admin user of {} is already {}", reg.name, if *enabled { "enabled" } else { "disabled" }));
            }
            if !*enabled {
                // "Changing or disabling this account disables registry access for all users
                // who use its credentials." (container-registry-authentication)
                if let Some(why) = crate::registry_login::admin_user_still_used(inv, reg) {
                    return Err(why);
                }
            }
            let patch = |on: bool| RegistryUpdate { properties: Some(RegistryUpdateProperties { admin_user_enabled: Some(on), anonymous_pull_enabled: None }) };
            Ok(Operation {
                summary: format!("{} the admin user of registry {}", if *enabled { "Enable" } else { "Disable" }, reg.name),
                intent: intent.clone(),
                target: reg.id.clone(),
                request: request::patch_registry(&reg.id, &patch(*enabled)),
                inverse: request::patch_registry(&reg.id, &patch(!*enabled)),
                precondition: State::AdminUser { registry: reg.id.clone(), enabled: !*enabled },
                effect: State::AdminUser { registry: reg.id.clone(), enabled: *enabled },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
        Intent::EnableComputeSystemIdentity { compute } | Intent::AssignComputeUserIdentity { compute, .. } => {
            let c = inv.computes.iter().find(|c| &c.id == compute).ok_or_else(|| format!("compute {compute} is not in the inventory"))?;
            let old = c.identity.clone().unwrap_or_default();
            let mut new = old.clone();
            let summary = match intent {
                Intent::AssignComputeUserIdentity { identity, .. } => {
                    if !inv.identities.iter().any(|i| &i.id == identity) {
                        return Err(format!("user-assigned identity {identity} is not in the inventory"));
                    }
                    let (_, users) = identity_shape(Some(&old));
                    if users.contains(identity) {
                        return Err(format!("{} already has identity {}", c.name, identity.name()));
                    }
                    if old.kind.system_assigned {
                        return Err(format!("{} has a system-assigned identity; {ONE_KIND} Grant the system-assigned identity instead, or replace it deliberately in the portal.", c.name));
                    }
                    new.kind = IdentityType { system_assigned: false, user_assigned: true };
                    if !old.kind.user_assigned {
                        new.user_assigned_identities.clear();
                    }
                    new.user_assigned_identities.insert(identity.as_str().to_string(), UserAssignedIdentityRef::default());
                    format!("Attach user-assigned identity {} to compute {}", identity.name(), c.name)
                }
                _ => {
                    if old.kind.system_assigned {
                        return Err(format!("{} already has a system-assigned identity", c.name));
                    }
                    if old.kind.user_assigned {
                        return Err(format!("{} has user-assigned identities; {ONE_KIND} Grant its user-assigned identity instead.", c.name));
                    }
                    new.kind = IdentityType { system_assigned: true, user_assigned: false };
                    format!("Enable the system-assigned identity of compute {}", c.name)
                }
            };
            let shape = |i: &ManagedServiceIdentity| identity_shape(Some(i));
            let (old_sys, old_users) = shape(&old);
            let (new_sys, new_users) = shape(&new);
            // Removing every identity is `"type": "None"` with no map.
            let old_for_request = if !old.kind.system_assigned && !old.kind.user_assigned { ManagedServiceIdentity { kind: IdentityType::NONE, ..Default::default() } } else { old.clone() };
            Ok(Operation {
                summary,
                intent: intent.clone(),
                target: c.id.clone(),
                request: request::update_compute_identity(c, &new),
                inverse: request::update_compute_identity(c, &old_for_request),
                precondition: State::ComputeIdentity { compute: c.id.clone(), system_assigned: old_sys, user_assigned: old_users },
                effect: State::ComputeIdentity { compute: c.id.clone(), system_assigned: new_sys, user_assigned: new_users },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
        Intent::CreateRegistryConnection { workspace, name, target, identity, client_id } => {
            if !inv.workspaces.iter().any(|w| &w.id == workspace) {
                return Err(format!("workspace {workspace} is not in the inventory"));
            }
            let id = workspace.child("connections", name).map_err(|e| format!("{name:?} cannot name a connection: {e}"))?;
            if inv.connections.iter().any(|c| c.id == id) {
                return Err(format!("workspace {} already has a connection named {name}", workspace.name()));
            }
            // An empty client id is the identity's own; one an earlier step creates is filled in
            // from that step's answer.
            let client_id = if client_id.is_empty() {
                let u = inv.identities.iter().find(|u| &u.id == identity).ok_or_else(|| format!("user-assigned identity {identity} is not in the inventory"))?;
                u.properties.client_id.clone().ok_or_else(|| format!("the client id of identity {} could not be read, so no connection can name it", identity.name()))?
            } else {
                client_id.clone()
            };
            let body = ConnectionCreate::container_registry(target.clone(), identity.clone(), client_id.clone());
            let waiting = is_pending(&client_id);
            Ok(Operation {
                summary: format!("Create connection {name} in workspace {} to {target} as {}identity {}", workspace.name(), if waiting { "the new " } else { "" }, identity.name()),
                intent: intent.clone(),
                target: id.clone(),
                request: request::put_connection(&id, &body),
                inverse: request::delete_connection(&id),
                precondition: State::Connection { id: id.clone(), present: None },
                effect: State::Connection { id, present: Some(ConnectionTarget { target: target.clone(), identity: identity.clone(), client_id }) },
                depends_on: Vec::new(),
                principal_from: waiting.then(|| identity.clone()),
            })
        }
        Intent::AddRegistryOutboundRule { workspace, name, registry } => {
            let Some(ws) = inv.workspaces.iter().find(|w| &w.id == workspace) else {
                return Err(format!("workspace {workspace} is not in the inventory"));
            };
            let Some(reg) = inv.registries.iter().find(|r| &r.id == registry) else {
                return Err(format!("registry {registry} is not in the inventory"));
            };
            let Some(network) = ws.properties.managed_network.as_ref().filter(|m| m.is_isolated()) else {
                return Err(format!("workspace {} has no managed virtual network, so an outbound rule would reach nothing", ws.name));
            };
            if !crate::intent::is_outbound_rule_name(name) {
                return Err(format!("{name:?} cannot name an outbound rule: it must be 3 to 33 letters, digits, '_' or '-', starting with a letter or digit"));
            }
            // A rule to a registry below Premium cannot be provisioned (`Registry::is_premium`).
            if !reg.is_premium() {
                let tier = reg.sku.as_ref().map(|s| s.name.as_str()).filter(|n| !n.is_empty()).unwrap_or("unknown");
                return Err(format!("registry {} is in the {tier} tier; private endpoints need the Premium tier", reg.name));
            }
            if let Some((existing, _)) = network.private_endpoint_rules_to(registry).find(|(_, r)| !r.is_inactive()) {
                return Err(format!("workspace {}'s managed network already has outbound rule {existing} to {}", ws.name, reg.name));
            }
            if let Some((_, other)) = network.outbound_rules.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                let what = if other.reaches_registry(registry) { format!("to {}, which is Inactive", reg.name) } else { "for something else".to_string() };
                return Err(format!("workspace {}'s managed network already has an outbound rule named {name} {what}", ws.name));
            }
            let id = workspace.child("outboundRules", name).map_err(|e| format!("{name:?} cannot name an outbound rule: {e}"))?;
            let body = crate::arm::OutboundRuleResource { properties: crate::arm::OutboundRule::private_endpoint_to_registry(registry) };
            Ok(Operation {
                summary: format!("Add outbound rule {name} to workspace {}'s managed network: a private endpoint to registry {}", ws.name, reg.name),
                intent: intent.clone(),
                target: id.clone(),
                request: request::put_outbound_rule(&id, &body),
                inverse: request::delete_outbound_rule(&id),
                precondition: State::OutboundRule { id: id.clone(), present: None },
                effect: State::OutboundRule { id, present: Some(registry.clone()) },
                depends_on: Vec::new(),
                principal_from: None,
            })
        }
    }
}

/// The inventory as it will be once every operation of `plan` has taken effect: run the
/// analysis on both to show the access matrix before and after.
///
/// A newly enabled system-assigned identity has no principal id until Azure creates it, so
/// the copy names it by its [`pending_principal`].
pub fn apply_to_inventory(inventory: &Inventory, plan: &Plan) -> Inventory {
    let mut out = inventory.clone();
    for op in &plan.operations {
        apply_state(&mut out, &op.effect);
    }
    out
}

/// Makes `state` true in `inv`.
pub fn apply_state(inv: &mut Inventory, state: &State) {
    match state {
        State::RoleAssignment { id, present } => {
            inv.role_assignments.retain(|ra| &ra.id != id);
            if let Some(a) = present {
                inv.role_assignments.push(RoleAssignment {
                    id: id.clone(),
                    name: id.name().to_string(),
                    properties: RoleAssignmentProperties {
                        role_definition_id: a.role_definition_id.clone(),
                        principal_id: a.principal_id.clone(),
                        principal_type: Some(a.principal_type.clone()),
                        scope: Some(a.scope.clone()),
                        condition: a.condition.clone(),
                        condition_version: a.condition_version.clone(),
                        description: None,
                        delegated_managed_identity_resource_id: None,
                    },
                });
            }
        }
        State::AdminUser { registry, enabled } => {
            for r in inv.registries.iter_mut().filter(|r| &r.id == registry) {
                r.properties.admin_user_enabled = *enabled;
            }
        }
        State::ComputeIdentity { compute, system_assigned, user_assigned } => {
            let identities = inv.identities.clone();
            for c in inv.computes.iter_mut().filter(|c| &c.id == compute) {
                let old = c.identity.clone().unwrap_or_default();
                let mut users = std::collections::BTreeMap::new();
                for u in user_assigned {
                    let known = identities.iter().find(|i| &i.id == u);
                    users.insert(
                        u.as_str().to_string(),
                        UserAssignedIdentityRef { principal_id: known.and_then(|i| i.properties.principal_id.clone()), client_id: known.and_then(|i| i.properties.client_id.clone()) },
                    );
                }
                let kind = IdentityType { system_assigned: *system_assigned, user_assigned: !user_assigned.is_empty() };
                c.identity = Some(ManagedServiceIdentity {
                    kind,
                    // A new system identity has no principal id until Azure creates it; later
                    // grants to it (and the before/after rows) name it by the placeholder.
                    principal_id: if *system_assigned { old.principal_id.clone().or_else(|| Some(pending_principal(compute))) } else { None },
                    tenant_id: if *system_assigned { old.tenant_id.clone() } else { None },
                    user_assigned_identities: users,
                });
            }
        }
        State::Connection { id, present } => {
            inv.connections.retain(|c| &c.id != id);
            if let Some(t) = present {
                inv.connections.push(Connection {
                    id: id.clone(),
                    name: id.name().to_string(),
                    properties: ConnectionProperties {
                        category: "ContainerRegistry".into(),
                        auth_type: "ManagedIdentity".into(),
                        target: Some(t.target.clone()),
                        credentials: Some(ConnectionCredentials { resource_id: Some(t.identity.clone()), client_id: Some(t.client_id.clone()) }),
                        is_shared_to_all: None,
                    },
                });
            }
        }
        State::Identity { id, present } => {
            inv.identities.retain(|u| &u.id != id);
            if let Some(location) = present {
                // Azure gives a new identity its principal and client ids; until then later
                // steps (and the before/after rows) name it by the placeholder.
                let pending = pending_principal(id);
                inv.identities.push(crate::arm::UserAssignedIdentity {
                    id: id.clone(),
                    name: id.name().to_string(),
                    location: location.clone(),
                    tags: Default::default(),
                    properties: crate::arm::UserAssignedIdentityProperties { principal_id: Some(pending.clone()), client_id: Some(pending), tenant_id: None },
                });
            }
        }
        State::OutboundRule { id, present } => {
            let Some(workspace) = id.parent() else { return };
            for ws in inv.workspaces.iter_mut().filter(|w| w.id == workspace) {
                let network = ws.properties.managed_network.get_or_insert_with(Default::default);
                network.outbound_rules.retain(|name, _| !name.eq_ignore_ascii_case(id.name()));
                if let Some(registry) = present {
                    // No status: Azure reports it once it has provisioned the rule; the refresh
                    // after an apply reads it back.
                    network.outbound_rules.insert(id.name().to_string(), crate::arm::OutboundRule::private_endpoint_to_registry(registry));
                }
            }
        }
    }
}

/// One access-matrix row a plan changes: who, which registry, pull/push before and after
/// (`None` when the row does not exist on that side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowChange {
    pub principal_id: String,
    pub identity: String,
    pub registry: ResourceId,
    pub before: Option<Access>,
    pub after: Option<Access>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    pub pull: crate::access::Level,
    pub push: crate::access::Level,
    /// The worst network verdict of the row's workloads (`None`: the row has none), so a fix
    /// that opens a network path shows as a change too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::network::Reach>,
}

/// The access-matrix rows whose pull, push or network verdict changes when `plan` takes effect on `inventory`,
/// computed by the same analysis the matrix uses, before anything is sent.
pub fn access_changes(inventory: &Inventory, plan: &Plan) -> Vec<RowChange> {
    use std::collections::BTreeMap;
    let rows = |inv: &Inventory| -> BTreeMap<(String, ResourceId), (String, Access)> {
        crate::sort::collect_map(crate::analysis::analyze(inv).access.into_iter().map(|r| ((r.principal_id.to_ascii_lowercase(), r.registry.clone()), (r.identity.clone(), Access { pull: r.pull, push: r.push, network: r.network.iter().map(|v| v.reach).max() }))))
    };
    let before = rows(inventory);
    let after = rows(&apply_to_inventory(inventory, plan));
    let keys: BTreeSet<&(String, ResourceId)> = crate::sort::collect_set(before.keys().chain(after.keys()));
    keys.into_iter()
        .filter_map(|k| {
            let b = before.get(k);
            let a = after.get(k);
            (b.map(|x| x.1) != a.map(|x| x.1)).then(|| RowChange {
                principal_id: k.0.clone(),
                identity: a.or(b).map(|x| x.0.clone()).unwrap_or_default(),
                registry: k.1.clone(),
                before: b.map(|x| x.1),
                after: a.map(|x| x.1),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(&format!("{SUB}{s}")).unwrap()
    }

    fn acr() -> ResourceId {
        id("/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod")
    }

    /// An outbound rule is planned only where it can work: a workspace with a managed network,
    /// a Premium registry, a name the rule pattern allows and no rule already there; undone
    /// by deleting it by name; and the rule it adds is what the re-read must show.
    #[test]
    fn outbound_rules_are_planned_only_where_they_can_work() {
        let ws = id("/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w");
        let reg = |sku: &str| serde_json::json!({"id": acr().as_str(), "name": "acrmlprod", "type": "Microsoft.ContainerRegistry/registries", "sku": {"name": sku}, "properties": {}});
        let workspace = |mode: &str, rules: Value| serde_json::json!({"id": ws.as_str(), "name": "w", "type": "Microsoft.MachineLearningServices/workspaces", "properties": {"managedNetwork": {"isolationMode": mode, "outboundRules": rules}}});
        let intent = |name: &str| Intent::AddRegistryOutboundRule { workspace: ws.clone(), name: name.into(), registry: acr() };
        let active = serde_json::json!({"mine": {"type": "PrivateEndpoint", "status": "Active", "destination": {"serviceResourceId": acr().as_str(), "subresourceTarget": "registry"}}});
        let taken = serde_json::json!({"PE-ACRMLPROD": {"type": "FQDN", "destination": "pypi.org"}});
        for (reg_sku, mode, rules, name, says) in [
            ("Premium", "Disabled", serde_json::json!({}), "pe-acrmlprod", "has no managed virtual network"),
            ("Basic", "AllowOnlyApprovedOutbound", serde_json::json!({}), "pe-acrmlprod", "in the Basic tier; private endpoints need the Premium tier"),
            ("Premium", "AllowOnlyApprovedOutbound", serde_json::json!({}), "a/b", "cannot name an outbound rule"),
            ("Premium", "AllowInternetOutbound", active, "pe-acrmlprod", "already has outbound rule mine to acrmlprod"),
            ("Premium", "AllowOnlyApprovedOutbound", taken, "pe-acrmlprod", "already has an outbound rule named pe-acrmlprod for something else"),
        ] {
            let (inv, _) = Inventory::from_resources([reg(reg_sku), workspace(mode, rules)]);
            let (p, skipped) = plan(&inv, &[intent(name)]);
            assert!(p.operations.is_empty(), "{says}");
            assert!(skipped[0].reason.contains(says), "{} / {says}", skipped[0].reason);
        }
        let (inv, _) = Inventory::from_resources([reg("Premium"), workspace("AllowOnlyApprovedOutbound", serde_json::json!({}))]);
        let (p, _) = plan(&inv, &[intent("pe-acrmlprod")]);
        let op = &p.operations[0];
        assert_eq!(op.request.path, format!("{}/outboundRules/pe-acrmlprod", ws.as_str()));
        assert_eq!(op.request.body.as_ref().unwrap()["properties"], serde_json::json!({"type": "PrivateEndpoint", "category": "UserDefined", "destination": {"serviceResourceId": acr().as_str(), "subresourceTarget": "registry"}}));
        assert_eq!((op.inverse.method, op.inverse.path.as_str()), (request::Method::Delete, op.request.path.as_str()));
        let read = |props: Value| serde_json::json!({"id": op.target.as_str(), "name": "pe-acrmlprod", "type": "Microsoft.MachineLearningServices/workspaces/outboundRules", "properties": props});
        assert!(op.effect.holds(Some(&read(op.request.body.as_ref().unwrap()["properties"].clone()))));
        assert!(!op.effect.holds(Some(&read(serde_json::json!({"type": "FQDN", "destination": "acrmlprod.azurecr.io"})))));
        assert!(!op.effect.holds(None) && op.precondition.holds(None));
        // The inventory after the plan has the rule, so the access matrix can show its effect.
        let after = apply_to_inventory(&inv, &p);
        assert!(after.workspaces[0].properties.managed_network.as_ref().unwrap().private_endpoint_rules_to(&acr()).any(|(n, r)| n == "pe-acrmlprod" && !r.is_inactive()));
    }

    #[test]
    fn role_assignment_names_are_stable_and_ignore_case() {
        let a = role_assignment_name(&acr(), "AAAAAAAA-0000-0000-0000-000000000005", "7F951DDA-4ED3-4680-A7CA-43FE172D538D");
        let b = role_assignment_name(&ResourceId::parse(&acr().as_str().to_lowercase()).unwrap(), "aaaaaaaa-0000-0000-0000-000000000005", "7f951dda-4ed3-4680-a7ca-43fe172d538d");
        assert_eq!(a, b);
        // Pinned: changing the naming would make re-applying an old plan create duplicates.
        assert_eq!(a, "d41ce8fd-0797-5571-bb5d-b55b98f2400e");
        assert_ne!(a, role_assignment_name(&acr(), "aaaaaaaa-0000-0000-0000-000000000006", "7f951dda-4ed3-4680-a7ca-43fe172d538d"));
    }
}
