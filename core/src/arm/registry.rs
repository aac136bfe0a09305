//! `Microsoft.ContainerRegistry/registries`, as the 2025-11-01 spec
//! (`containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/
//! containerregistry.json`) defines it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::{ConnectionState, IdRef, ManagedServiceIdentity, Sku};
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
    /// `RegistryProperties.anonymousPullEnabled`: "Enables registry-wide pull from
    /// unauthenticated clients.", default `false` (2025-11-01).
    #[serde(default)]
    pub anonymous_pull_enabled: bool,
    /// "Whether or not public network access is allowed for the container registry.":
    /// `Enabled` (the default) or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    /// "The network rule set for a container registry." (`defaultAction`, `ipRules`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_rule_set: Option<NetworkRuleSet>,
    /// "Whether to allow trusted Azure services to access a network restricted registry.":
    /// `AzureServices` (the default) or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_rule_bypass_options: Option<String>,
    /// "Whether or not Tasks allowed to bypass the network rules for this container
    /// registry.", default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_rule_bypass_allowed_for_tasks: Option<bool>,
    /// "Enable a single data endpoint per region for serving data."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_endpoint_enabled: Option<bool>,
    /// "List of private endpoint connections for a container registry." (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub private_endpoint_connections: Vec<RegistryPrivateEndpointConnection>,
    /// `RegistryProperties.roleAssignmentMode`: "Determines registry role assignment mode.",
    /// an extensible enum (`modelAsString: true`) of `AbacRepositoryPermissions` and
    /// `LegacyRegistryPermissions` with default `LegacyRegistryPermissions` (2025-11-01), so
    /// absent means legacy and a value this model does not know is kept as
    /// [`RoleAssignmentMode::Other`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignment_mode: Option<RoleAssignmentMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// `NetworkRuleSet`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRuleSet {
    /// "The default action of allow or deny when no other rules match.": `Allow` (the
    /// default) or `Deny`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<String>,
    /// "The IP ACL rules."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub ip_rules: Vec<IpRule>,
}

/// `IPRule`: "IP rule with specific IP or IP range in CIDR format."
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct IpRule {
    #[serde(default)]
    pub value: String,
}

/// `PrivateEndpointConnection` of a registry: which endpoint, and its state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct RegistryPrivateEndpointConnection {
    #[serde(default)]
    pub properties: RegistryPrivateEndpointConnectionProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPrivateEndpointConnectionProperties {
    /// "The resource of private endpoint."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_endpoint: Option<IdRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_link_service_connection_state: Option<ConnectionState>,
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

    /// Whether the registry is in the Premium tier, which private endpoints need: "This
    /// feature is available in the Premium container registry service tier."
    /// (container-registry-private-link). An unknown tier is not Premium.
    pub fn is_premium(&self) -> bool {
        self.sku.as_ref().is_some_and(|s| s.name.eq_ignore_ascii_case("Premium"))
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
    fn role_assignment_mode_is_read_as_the_spec_defines_it() {
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
        // The spec's default: a registry without the property is legacy.
        let absent: Registry = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r", "properties": {}
        }))
        .unwrap();
        assert!(!absent.is_abac());
        assert!(!absent.properties.anonymous_pull_enabled, "anonymousPullEnabled defaults to false");
    }

    /// The spec's own examples: `RegistryCreateAbac.json` answers with an ABAC registry whose
    /// anonymous pull is off; `RegistryGet.json` with a legacy one.
    #[test]
    fn spec_examples_read_as_their_settings_say() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/azure/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/examples/");
        let body = |file: &str, status: &str| -> Registry {
            let text = std::fs::read_to_string(format!("{dir}{file}")).unwrap_or_else(|e| panic!("{file}: {e} (the reference data lives beside the clone)"));
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            serde_json::from_value(doc["responses"][status]["body"].clone()).unwrap()
        };
        let abac = body("RegistryCreateAbac.json", "200");
        assert!(abac.is_abac());
        assert_eq!(abac.properties.role_assignment_mode, Some(RoleAssignmentMode::AbacRepositoryPermissions));
        let get = body("RegistryGet.json", "200");
        assert_eq!(get.properties.role_assignment_mode, Some(RoleAssignmentMode::LegacyRegistryPermissions));
        assert!(!get.is_abac() && !get.properties.anonymous_pull_enabled);
    }
}
