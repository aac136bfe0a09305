//! `Microsoft.MachineLearningServices/workspaces/computes`: clusters, instances, attached AKS.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::workspace::empty_id_as_none;
use super::ManagedServiceIdentity;
use crate::id::ResourceId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Compute {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: ComputeProperties,
    /// Every other top-level field (`sku`, `type`, `systemData`, ...), kept because changing a
    /// compute's identity is a PUT of the whole resource: dropping fields would erase them.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComputeProperties {
    #[serde(default)]
    pub compute_type: ComputeType,
    /// For attached computes (AKS, Kubernetes): the underlying resource.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub resource_id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the compute was created: a cluster made before its workspace's registry did not
    /// get AcrPull on it automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<String>,
    /// Every other property (`properties.properties` with scale settings and VM size,
    /// `computeLocation`, ...), kept for the same reason as [`Compute::extra`].
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComputeType {
    AmlCompute,
    ComputeInstance,
    #[serde(rename = "AKS")]
    Aks,
    Kubernetes,
    /// Other compute types (Databricks, DataFactory, VirtualMachine, ...): not image pullers.
    #[serde(untagged)]
    Other(String),
}

impl Default for ComputeType {
    fn default() -> Self {
        ComputeType::Other(String::new())
    }
}

impl ComputeProperties {
    /// `properties.properties.subnet.id` (AmlComputeProperties and ComputeInstanceProperties:
    /// "Virtual network subnet resource ID the compute nodes belong to."); `None` when unset or
    /// not an id. Read from the kept JSON, because the compute's PUT must send it back as read.
    pub fn subnet(&self) -> Option<ResourceId> {
        let id = self.extra.get("properties")?.get("subnet")?.get("id")?.as_str()?;
        ResourceId::parse(id.trim()).ok()
    }
}

impl ComputeType {
    /// Computes that pull images with their own managed identity.
    pub fn has_own_identity(&self) -> bool {
        matches!(self, ComputeType::AmlCompute | ComputeType::ComputeInstance)
    }
    /// Computes that pull images through an AKS cluster's kubelet identity.
    pub fn is_attached_kubernetes(&self) -> bool {
        matches!(self, ComputeType::Aks | ComputeType::Kubernetes)
    }
}
