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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// naming a user-assigned identity, for image builds from a private registry. An empty
    /// `client_id` means the identity's own, read from the inventory or, for an identity an
    /// earlier step of the same plan creates, from that step's answer.
    #[serde(rename_all = "camelCase")]
    CreateRegistryConnection { workspace: ResourceId, name: String, target: String, identity: ResourceId, client_id: String },
    /// Create the user-assigned managed identity `identity` (in its resource group, which
    /// must exist) in `location`: for an image build that no existing identity fits.
    #[serde(rename_all = "camelCase")]
    CreateUserAssignedIdentity { identity: ResourceId, location: String },
    /// Grant `role` at `scope` to the user-assigned identity `identity`, including one an
    /// earlier step of the same plan creates: its principal id does not exist until then, so
    /// the apply engine takes it from that step's answer.
    #[serde(rename_all = "camelCase")]
    GrantRoleToUserIdentity { identity: ResourceId, role: RoleRef, scope: ResourceId },
    /// Add a user-defined `PrivateEndpoint` outbound rule named `name` to `registry` in the
    /// managed network of `workspace`: how its computes and managed online endpoints reach a
    /// registry that denies public access and is not the workspace's own.
    #[serde(rename_all = "camelCase")]
    AddRegistryOutboundRule { workspace: ResourceId, name: String, registry: ResourceId },
}

/// The outbound rule name pullpath gives a workspace's private endpoint rule to `registry`:
/// `pe-` and the registry's name, reduced to what the rule name pattern
/// (`^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`, workspaceRP 2024-10-01) allows and cut to its 33
/// characters. The same registry always gives the same name, so planning twice asks once.
pub fn outbound_rule_name(registry: &ResourceId) -> String {
    let reduced: String = registry.name().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    format!("pe-{}", reduced.to_ascii_lowercase()).chars().take(33).collect()
}

/// Whether `name` fits the outbound rule name pattern `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`.
pub fn is_outbound_rule_name(name: &str) -> bool {
    let mut chars = name.chars();
    (3..=33).contains(&name.len()) && chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `name` can name a user-assigned identity: 3 to 128 letters, digits, hyphens and
/// underscores, starting with a letter or digit. The 2024-11-30 ManagedIdentity.json gives
/// `resourceName` no pattern; Microsoft Learn's naming rules list userAssignedIdentities as
/// "3-128", "Alphanumerics, hyphens, and underscores", "Start with letter or number"
/// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
pub fn is_identity_name(name: &str) -> bool {
    let mut chars = name.chars();
    (3..=128).contains(&name.len()) && chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The name pullpath gives an identity it creates for workspace `workspace`'s image builds
/// from registry `registry`: `id-{workspace}-{registry}-pull`, reduced to what
/// [`is_identity_name`] allows and cut to 64 characters, so the same pair always gives the
/// same name (planning twice asks once).
pub fn build_identity_name(workspace: &str, registry: &str) -> String {
    let reduce = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>().to_ascii_lowercase() };
    let stem: String = format!("id-{}-{}", reduce(workspace), reduce(registry)).chars().take(59).collect();
    format!("{}-pull", stem.trim_end_matches(['-', '_']))
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
            Intent::GrantRole { role, .. } | Intent::GrantRoleToComputeIdentity { role, .. } | Intent::GrantRoleToUserIdentity { role, .. } => Some(role),
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

    #[test]
    fn build_identity_names_fit_the_naming_rules_whatever_the_resources_are_called() {
        assert_eq!(build_identity_name("mlw-prod", "AcrPrivate"), "id-mlw-prod-acrprivate-pull");
        for (ws, reg) in [("w", "r"), ("ü.ß/\\n", ""), (&"x".repeat(300) as &str, "acr"), ("--", "__")] {
            let name = build_identity_name(ws, reg);
            assert!(is_identity_name(&name), "{name:?}");
            assert!(name.len() <= 64);
        }
        assert!(!is_identity_name("-id") && !is_identity_name("ab") && !is_identity_name("a/b/c") && !is_identity_name(&"a".repeat(129)));
    }

    #[test]
    fn outbound_rule_names_fit_the_pattern_whatever_the_registry_is_called() {
        let reg = |name: &str| ResourceId::parse(&format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{name}")).unwrap();
        assert_eq!(outbound_rule_name(&reg("AcrVision")), "pe-acrvision");
        let long = outbound_rule_name(&reg(&"a".repeat(50)));
        assert_eq!(long.len(), 33);
        // A hostile name cannot leave the pattern (or carry a path separator or a quote).
        for name in ["acr$(rm -rf)x", "ac%2Fr", "\u{202e}acr", "x"] {
            let n = outbound_rule_name(&reg(name));
            assert!(is_outbound_rule_name(&n), "{name:?} gave {n:?}");
        }
        for bad in ["", "ab", "-ab", "a/b", "a b", &"a".repeat(34)] {
            assert!(!is_outbound_rule_name(bad), "{bad:?}");
        }
    }
}
