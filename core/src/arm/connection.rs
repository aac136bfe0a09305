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

/// The body of `PUT .../workspaces/{w}/connections/{name}` for the one kind of connection
/// pullpath creates: a container registry reached with a user-assigned managed identity, so
/// image builds can pull from a registry the workspace identity cannot read.
///
/// Category and auth type are single-variant enums so the body cannot name anything else.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCreate {
    pub properties: ConnectionCreateProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCreateProperties {
    pub category: ConnectionCategory,
    pub auth_type: ConnectionAuthType,
    /// The registry's login server, e.g. `myacr.azurecr.io`.
    pub target: String,
    pub credentials: ManagedIdentityCredentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionCategory {
    ContainerRegistry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionAuthType {
    ManagedIdentity,
}

/// `credentials` of a `ManagedIdentity` connection: which user-assigned identity to use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentityCredentials {
    pub resource_id: ResourceId,
    pub client_id: String,
}

impl ConnectionCreate {
    /// A ContainerRegistry connection to `target` (a login server) using `identity`.
    pub fn container_registry(target: impl Into<String>, identity: ResourceId, client_id: impl Into<String>) -> ConnectionCreate {
        ConnectionCreate {
            properties: ConnectionCreateProperties {
                category: ConnectionCategory::ContainerRegistry,
                auth_type: ConnectionAuthType::ManagedIdentity,
                target: target.into(),
                credentials: ManagedIdentityCredentials { resource_id: identity, client_id: client_id.into() },
            },
        }
    }
}
