//! `Microsoft.MachineLearningServices/workspaces/onlineEndpoints` and their
//! `onlineDeployments`, as the 2024-10-01 spec (`machinelearningservices/resource-manager/
//! Microsoft.MachineLearningServices/stable/2024-10-01/mfe.json`) defines them: the endpoint's
//! identity and how it is reached, and what each deployment runs on.
//!
//! Not here: whether an endpoint's identity can pull from its workspace's registry (analysis).
//! A deployment names no image itself: its image is that of the environment `environmentId`
//! names (`EnvironmentVersion.image` in the same spec), which is not modelled here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::ManagedServiceIdentity;
use crate::id::ResourceId;

/// `OnlineEndpointTrackedResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpoint {
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
    pub properties: OnlineEndpointProperties,
}

/// `OnlineEndpoint` (client name `OnlineEndpointProperties`) with its base
/// `EndpointPropertiesBase`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpointProperties {
    /// `AMLToken`, `Key` or `AADToken` (an extensible enum): how callers authenticate to the
    /// endpoint, not how it pulls images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    /// "ARM resource ID of the compute if it exists." (optional). Kept as text, not parsed:
    /// nothing reads it yet, and the spec's own examples carry a placeholder here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<String>,
    /// `Enabled` (the default) or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// `OnlineDeploymentTrackedResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineDeployment {
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
    pub properties: OnlineDeploymentProperties,
}

/// `OnlineDeployment` (polymorphic by `endpointComputeType`: `ManagedOnlineDeployment`,
/// `KubernetesOnlineDeployment`) with its base `EndpointDeploymentPropertiesBase`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct OnlineDeploymentProperties {
    #[serde(default)]
    pub endpoint_compute_type: EndpointComputeType,
    /// "ARM resource ID or AssetId of the environment specification for the endpoint
    /// deployment": an asset id (`azureml:...`) is not an ARM id, so this is text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// "The URI path to the model."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    /// "If Enabled, allow egress public network access. If Disabled, this will create secure
    /// egress. Default: Enabled." (`EgressPublicNetworkAccessType`: `Enabled`, `Disabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_public_network_access: Option<String>,
}

impl OnlineDeployment {
    /// Created with `egressPublicNetworkAccess: Disabled`: Azure ML's legacy network isolation
    /// of a managed deployment (see `network`).
    pub fn has_secure_egress(&self) -> bool {
        self.properties.endpoint_compute_type == EndpointComputeType::Managed && self.properties.egress_public_network_access.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("Disabled"))
    }
}

/// `EndpointComputeType`, an extensible enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointComputeType {
    /// Managed online deployment: Azure ML runs it on its own compute.
    Managed,
    /// Runs on an attached Kubernetes compute.
    Kubernetes,
    #[serde(rename = "AzureMLCompute")]
    AzureMlCompute,
    /// A value this version of pullpath does not know (or none).
    #[serde(untagged)]
    Other(String),
}

impl Default for EndpointComputeType {
    fn default() -> Self {
        EndpointComputeType::Other(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_types_and_unset_fields() {
        let ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";
        let endpoint: OnlineEndpoint = serde_json::from_value(serde_json::json!({
            "id": format!("{ws}/onlineEndpoints/e"),
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u": {}}},
            "properties": {"authMode": "Key", "compute": null, "publicNetworkAccess": "Disabled", "keys": null}
        }))
        .unwrap();
        assert_eq!(endpoint.identity.as_ref().map(|i| i.kind), Some(crate::arm::IdentityType::USER));
        assert_eq!((endpoint.properties.auth_mode.as_deref(), endpoint.properties.compute.as_deref()), (Some("Key"), None));
        assert_eq!(endpoint.properties.public_network_access.as_deref(), Some("Disabled"));
        let read = |t: &str| -> EndpointComputeType {
            let d: OnlineDeployment = serde_json::from_value(serde_json::json!({"id": format!("{ws}/onlineEndpoints/e/deployments/d"), "properties": {"endpointComputeType": t}})).unwrap();
            d.properties.endpoint_compute_type
        };
        assert_eq!(read("Managed"), EndpointComputeType::Managed);
        assert_eq!(read("Kubernetes"), EndpointComputeType::Kubernetes);
        assert_eq!(read("AzureMLCompute"), EndpointComputeType::AzureMlCompute);
        assert_eq!(read("Serverless"), EndpointComputeType::Other("Serverless".into()));
    }
}
