//! `Microsoft.ContainerRegistry/registries`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::{ManagedServiceIdentity, Sku};
use crate::id::ResourceId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: RegistryProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_server: Option<String>,
    #[serde(default)]
    pub admin_user_enabled: bool,
    #[serde(default)]
    pub anonymous_pull_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    /// Absent on registries created before ABAC existed; not in the 2025-04-01 stable spec
    /// but returned by ARM for registries that have it, so it is read when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignment_mode: Option<RoleAssignmentMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// How a registry authorises data-plane access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleAssignmentMode {
    /// AcrPull/AcrPush and Owner/Contributor/Reader work on the data plane.
    LegacyRegistryPermissions,
    /// Only the Container Registry Repository roles (and their conditions) grant data access.
    AbacRepositoryPermissions,
    /// A mode this version of pullpath does not know; treated as legacy and reported.
    #[serde(untagged)]
    Other(String),
}

impl Registry {
    pub fn is_abac(&self) -> bool {
        matches!(self.properties.role_assignment_mode, Some(RoleAssignmentMode::AbacRepositoryPermissions))
    }
}

/// The body of `PATCH .../registries/{name}` (RegistryUpdateParameters), with only what
/// pullpath changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<RegistryUpdateProperties>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryUpdateProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_user_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_pull_enabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_assignment_mode_is_read_although_the_stable_spec_lacks_it() {
        let read = |mode: serde_json::Value| -> Registry {
            serde_json::from_value(serde_json::json!({
                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r",
                "properties": {"loginServer": "r.azurecr.io", "roleAssignmentMode": mode, "somethingNew": {"x": 1}}
            }))
            .unwrap()
        };
        assert!(read("AbacRepositoryPermissions".into()).is_abac());
        assert!(!read("LegacyRegistryPermissions".into()).is_abac());
        let future = read("SomethingElse".into());
        assert_eq!(future.properties.role_assignment_mode, Some(RoleAssignmentMode::Other("SomethingElse".into())));
        assert!(!future.is_abac());
        assert_eq!(read(serde_json::Value::Null).properties.role_assignment_mode, None);
    }
}
