//! `Microsoft.MachineLearningServices/workspaces/connections`.

use serde::{Deserialize, Serialize};

use super::workspace::empty_id_as_none;
use crate::id::ResourceId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: ConnectionProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProperties {
    /// `ContainerRegistry` for the connections pullpath cares about.
    #[serde(default)]
    pub category: String,
    /// `ManagedIdentity` when the connection names a user-assigned identity.
    #[serde(default)]
    pub auth_type: String,
    /// For ContainerRegistry: the registry's login server (`myacr.azurecr.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<ConnectionCredentials>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shared_to_all: Option<bool>,
}

/// For `authType: ManagedIdentity`: `{resourceId, clientId}` of the user-assigned identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_id_as_none")]
    pub resource_id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl Connection {
    pub fn is_container_registry(&self) -> bool {
        self.properties.category.eq_ignore_ascii_case("ContainerRegistry")
    }
    pub fn is_managed_identity(&self) -> bool {
        self.properties.auth_type.eq_ignore_ascii_case("ManagedIdentity")
    }
}
