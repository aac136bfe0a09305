//! `Microsoft.Authorization`: role assignments, role definitions, and the caller's permissions.

use serde::{Deserialize, Serialize};

use crate::id::ResourceId;

/// A role assignment as ARM returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    pub properties: RoleAssignmentProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// Either `/providers/Microsoft.Authorization/roleDefinitions/{guid}` (tenant form) or
    /// `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
    pub role_definition_id: ResourceId,
    pub principal_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<PrincipalType>,
    /// Absent in some list responses: then the scope is the assignment id's scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegated_managed_identity_resource_id: Option<String>,
}

impl RoleAssignment {
    /// Where the assignment applies: `properties.scope`, or the scope in its id.
    pub fn scope(&self) -> ResourceId {
        self.properties.scope.clone().or_else(|| self.id.scope()).unwrap_or_else(ResourceId::tenant)
    }
    /// The role definition's GUID, whichever form the id is in.
    pub fn role_definition_guid(&self) -> &str {
        self.properties.role_definition_id.name()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrincipalType {
    User,
    Group,
    ServicePrincipal,
    ForeignGroup,
    Device,
    #[serde(untagged)]
    Other(String),
}

/// The body of `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentCreate {
    pub properties: RoleAssignmentCreateProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentCreateProperties {
    pub role_definition_id: ResourceId,
    pub principal_id: String,
    /// Always set by pullpath: ARM otherwise assumes `User` and a freshly created managed
    /// identity fails with `PrincipalNotFound` until replication catches up.
    pub principal_type: PrincipalType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_version: Option<String>,
}

/// A role definition (built-in or custom).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    pub properties: RoleDefinitionProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionProperties {
    #[serde(default)]
    pub role_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `BuiltInRole` or `CustomRole`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub role_type: Option<String>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    #[serde(default)]
    pub assignable_scopes: Vec<String>,
}

/// One permission block: in role definitions, and in `Microsoft.Authorization/permissions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub not_actions: Vec<String>,
    #[serde(default)]
    pub data_actions: Vec<String>,
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// The response of `GET {scope}/providers/Microsoft.Authorization/permissions`: what the
/// *caller* may do at that scope (used to tell which fixes the signed-in user can apply).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PermissionGetResult {
    #[serde(default)]
    pub value: Vec<Permission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}
