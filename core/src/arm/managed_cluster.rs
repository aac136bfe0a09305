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
    /// "Information about a service principal identity for the cluster to use for
    /// manipulating Azure APIs." (2025-05-01 `ManagedClusterServicePrincipalProfile`). Only
    /// `clientId` is modelled: its `secret` is never read or kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal_profile: Option<ServicePrincipalProfile>,
    /// "The agent pool properties." — only each pool's name and subnet are read.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
}

/// `ManagedClusterAgentPoolProfile`, as far as where its nodes run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AgentPoolProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// "If this is not specified, a VNET and subnet will be generated and used."
    #[serde(default, rename = "vnetSubnetID", skip_serializing_if = "Option::is_none", deserialize_with = "super::network::lenient_id")]
    pub vnet_subnet_id: Option<ResourceId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalProfile {
    /// "The ID for the service principal." — the application (client) id; `msi` on clusters
    /// that use managed identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
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
    /// The application (client) id of the cluster's service principal, when it has one (a
    /// GUID; not `msi`).
    pub fn service_principal_app_id(&self) -> Option<&str> {
        let id = self.properties.service_principal_profile.as_ref()?.client_id.as_deref()?.trim();
        uuid::Uuid::parse_str(id).is_ok().then_some(id)
    }

    pub fn kubelet_identity(&self) -> Option<&UserAssignedIdentityProfile> {
        self.properties.identity_profile.iter().find(|(k, _)| k.eq_ignore_ascii_case("kubeletidentity")).map(|(_, v)| v)
    }
}
