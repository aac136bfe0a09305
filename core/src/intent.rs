//! Intents: what a user (or a finding's fix) wants changed, before it becomes ARM requests.
//!
//! An intent names *what* should be true ("principal P holds AcrPull on registry R"); the
//! `plan` module decides *how* (which requests, in which order, with which preconditions and
//! inverses). Findings produce intents; the UI produces intents; plans consume them.

use serde::{Deserialize, Serialize};

use crate::arm::PrincipalType;
use crate::id::ResourceId;

/// A role by its definition GUID, with its display name for humans.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleRef {
    /// The role definition's GUID (the last segment of its id).
    pub guid: String,
    /// e.g. `AcrPull`.
    pub name: String,
}

impl RoleRef {
    pub fn acr_pull() -> RoleRef {
        RoleRef { guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d".into(), name: "AcrPull".into() }
    }
    pub fn repository_reader() -> RoleRef {
        RoleRef { guid: "b93aa761-3e63-49ed-ac28-beffa264f7ac".into(), name: "Container Registry Repository Reader".into() }
    }
    pub fn managed_identity_operator() -> RoleRef {
        RoleRef { guid: "f1a07417-d97a-45cb-824c-7a7467783830".into(), name: "Managed Identity Operator".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Intent {
    /// Grant `role` to a principal at `scope` (a registry, a user-assigned identity, ...).
    #[serde(rename_all = "camelCase")]
    GrantRole { principal_id: String, principal_type: PrincipalType, role: RoleRef, scope: ResourceId },
    /// Delete one role assignment.
    #[serde(rename_all = "camelCase")]
    RevokeRoleAssignment { assignment: ResourceId },
    /// Turn a registry's admin user on or off.
    #[serde(rename_all = "camelCase")]
    SetAdminUser { registry: ResourceId, enabled: bool },
    /// Give a compute cluster a system-assigned identity.
    #[serde(rename_all = "camelCase")]
    EnableComputeSystemIdentity { compute: ResourceId },
    /// Attach a user-assigned identity to a compute cluster.
    #[serde(rename_all = "camelCase")]
    AssignComputeUserIdentity { compute: ResourceId, identity: ResourceId },
    /// Grant `role` at `scope` to the system-assigned identity of `compute`, including one an
    /// earlier step of the same plan creates: its principal id does not exist until then,
    /// so the apply engine takes it from that step's answer. Enabling an identity and
    /// granting it pull is thereby one fix.
    #[serde(rename_all = "camelCase")]
    GrantRoleToComputeIdentity { compute: ResourceId, role: RoleRef, scope: ResourceId },
    /// Create a workspace connection (category ContainerRegistry, authType ManagedIdentity)
    /// naming a user-assigned identity, for image builds from a private registry.
    #[serde(rename_all = "camelCase")]
    CreateRegistryConnection { workspace: ResourceId, name: String, target: String, identity: ResourceId, client_id: String },
}

impl Intent {
    /// Grant `principal` the role that lets it pull from `registry`: AcrPull, or Container
    /// Registry Repository Reader when the registry uses ABAC repository permissions (there
    /// AcrPull gives nothing on the data plane).
    pub fn grant_pull(principal_id: &str, principal_type: PrincipalType, registry: &crate::arm::Registry) -> Intent {
        let role = if registry.is_abac() { RoleRef::repository_reader() } else { RoleRef::acr_pull() };
        Intent::GrantRole { principal_id: principal_id.into(), principal_type, role, scope: registry.id.clone() }
    }

    /// The role a grant gives; `None` for intents that grant none.
    pub fn role(&self) -> Option<&RoleRef> {
        match self {
            Intent::GrantRole { role, .. } | Intent::GrantRoleToComputeIdentity { role, .. } => Some(role),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_round_trip_through_json() {
        let json = r#"{"kind":"grantRole","principalId":"p","principalType":"ServicePrincipal","role":{"guid":"7f951dda-4ed3-4680-a7ca-43fe172d538d","name":"AcrPull"},"scope":"/subscriptions/s/resourceGroups/rg"}"#;
        let intent: Intent = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&intent).unwrap(), json);
    }
}
