//! `Microsoft.ContainerInstance/containerGroups` (Azure Container Instances), as the 2026-07-01
//! spec (`containerinstance/resource-manager/Microsoft.ContainerInstance/ContainerInstance/
//! stable/2026-07-01/containerInstance.json`) defines it: the group's identity, the images its
//! containers run and the registry credentials it pulls them with.
//!
//! Not here: deciding whether a group depends on a registry's admin user (analysis), and any
//! secret. `ImageRegistryCredential.password` is deliberately not modelled, so a password in a
//! response (or a snapshot) is dropped on parse and never stored or written out again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::ManagedServiceIdentity;
use crate::id::ResourceId;

/// A container group: `ContainerGroup` from a GET, `ListResultContainerGroup` in a list (the
/// list shape lacks only the instance views, which pullpath does not read).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerGroup {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    /// `ContainerGroupIdentity`: the same shape as the common `ManagedServiceIdentity`
    /// (`type` is `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: ContainerGroupProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerGroupProperties {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub containers: Vec<ContainerGroupContainer>,
    /// Init containers run before the containers and pull their images the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub init_containers: Vec<ContainerGroupContainer>,
    /// "The image registry credentials by which the container group is created from."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub image_registry_credentials: Vec<ImageRegistryCredential>,
    /// "The subnet resource IDs for a container group": set for groups deployed into a
    /// virtual network, which reach a registry over its private endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub subnet_ids: Vec<ContainerGroupSubnetId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// A container or init container: both are `{name, properties: {image, ...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerGroupContainer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: ContainerGroupContainerProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerGroupContainerProperties {
    /// "The name of the image used to create the container instance.", e.g.
    /// `myregistry.azurecr.io/app:v1` or `nginx`.
    #[serde(default)]
    pub image: String,
}

/// One entry of `imageRegistryCredentials`, without its password (see the module doc).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImageRegistryCredential {
    /// "The Docker image registry server without a protocol such as "http" and "https"."
    /// (`azcloudconsoleregistry.azurecr.io` in the spec's examples).
    #[serde(default)]
    pub server: String,
    /// "The username for the private registry."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// "The identity for the private registry." The spec does not say its form beyond a
    /// string; pullpath does not interpret it yet (unverified: a user-assigned identity's
    /// resource id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// "The identity URL for the private registry."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_url: Option<String>,
}

/// One entry of `subnetIds`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerGroupSubnetId {
    /// "Resource ID of virtual network and subnet."
    pub id: ResourceId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_dropped_and_never_written_back() {
        let group: ContainerGroup = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/cg",
            "properties": {
                "containers": [{"name": "app", "properties": {"image": "acr1.azurecr.io/app:v1"}}],
                "imageRegistryCredentials": [{"server": "acr1.azurecr.io", "username": "acr1", "password": "hunter2-secret", "passwordReference": "ref"}],
                "subnetIds": null
            }
        }))
        .unwrap();
        let cred = &group.properties.image_registry_credentials[0];
        assert_eq!((cred.server.as_str(), cred.username.as_deref(), cred.identity.as_deref()), ("acr1.azurecr.io", Some("acr1"), None));
        assert_eq!(group.properties.containers[0].properties.image, "acr1.azurecr.io/app:v1");
        let written = serde_json::to_string(&group).unwrap();
        assert!(!written.contains("hunter2-secret") && !written.contains("password"), "{written}");
    }

    #[test]
    fn identities_subnets_and_init_containers_are_read() {
        let uai = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller";
        let group: ContainerGroup = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/cg",
            "identity": {"type": "SystemAssigned, UserAssigned", "principalId": "p", "userAssignedIdentities": {uai: {"principalId": "p2", "clientId": "c2"}}},
            "properties": {
                "containers": [{"name": "app", "properties": {"image": "acr1.azurecr.io/app:v1", "resources": {"requests": {"cpu": 1}}}}],
                "initContainers": [{"name": "init", "properties": {"image": "acr1.azurecr.io/init:v1"}}],
                "imageRegistryCredentials": [{"server": "acr1.azurecr.io", "identity": uai}],
                "subnetIds": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci", "name": "aci"}]
            }
        }))
        .unwrap();
        assert_eq!(group.identity.as_ref().map(|i| i.kind), Some(super::super::IdentityType::BOTH));
        assert_eq!(group.properties.init_containers[0].properties.image, "acr1.azurecr.io/init:v1");
        assert_eq!(group.properties.image_registry_credentials[0].identity.as_deref(), Some(uai));
        assert_eq!(group.properties.image_registry_credentials[0].username, None);
        assert_eq!(group.properties.subnet_ids[0].id.to_string(), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci");
        // A subnet id that is not an ARM id is an error, not a silently dropped subnet.
        let bad = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/cg", "properties": {"containers": [], "subnetIds": [{"id": "not an id"}]}});
        assert!(serde_json::from_value::<ContainerGroup>(bad).is_err());
    }
}
