//! `Microsoft.ContainerService/managedClusters` (AKS): the kubelet identity pulls images.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::workspace::empty_id_as_none;
use super::ManagedServiceIdentity;
use crate::id::ResourceId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedCluster {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: ManagedClusterProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterProperties {
    /// `{"kubeletidentity": {...}}` — the key is lowercase on the wire.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub identity_profile: BTreeMap<String, UserAssignedIdentityProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityProfile {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub resource_id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
}

impl ManagedCluster {
    pub fn kubelet_identity(&self) -> Option<&UserAssignedIdentityProfile> {
        self.properties.identity_profile.iter().find(|(k, _)| k.eq_ignore_ascii_case("kubeletidentity")).map(|(_, v)| v)
    }
}
