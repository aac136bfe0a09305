//! `Microsoft.MachineLearningServices/workspaces`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use super::{ManagedServiceIdentity, Sku};
use crate::id::ResourceId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    /// `Default`, `Hub`, `Project` or `FeatureStore`; absent means Default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: WorkspaceProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceProperties {
    /// Registry id; `None` until the workspace creates one on first image build.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub container_registry: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub key_vault: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub storage_account: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub application_insights: Option<ResourceId>,
    /// The user-assigned identity the workspace acts as, when it was created with one.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub primary_user_assigned_identity: Option<ResourceId>,
    /// Name of the compute cluster used to build images when the registry is behind a VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_build_compute: Option<String>,
    /// For a Project workspace: the Hub it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub hub_resource_id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// ARM returns `""` or `null` for unset id properties; both mean "not set".
pub(crate) fn empty_id_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ResourceId>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => ResourceId::parse(&s).map(Some).map_err(serde::de::Error::custom),
    }
}
