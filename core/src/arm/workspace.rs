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
    /// "Managed Network settings for a machine learning workspace." (`ManagedNetworkSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_network: Option<ManagedNetwork>,
}

/// `ManagedNetworkSettings`: its isolation mode and outbound rules, by rule name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetwork {
    /// `Disabled`, `AllowInternetOutbound` or `AllowOnlyApprovedOutbound` (extensible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation_mode: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub outbound_rules: BTreeMap<String, OutboundRule>,
}

/// `OutboundRule` (discriminated by `type`: `FQDN`, `PrivateEndpoint`, `ServiceTag`). Only a
/// `PrivateEndpoint` rule's destination is read (`PrivateEndpointDestination`); the others'
/// destinations (a string, a service tag) read as empty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct OutboundRule {
    #[serde(default, rename = "type")]
    pub rule_type: String,
    /// `Required`, `Recommended`, `UserDefined` or `Dependency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `Inactive` or `Active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "pe_destination")]
    pub destination: Option<PrivateEndpointDestination>,
}

/// `PrivateEndpointDestination`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointDestination {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::network::lenient_id")]
    pub service_resource_id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource_target: Option<String>,
}

fn pe_destination<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PrivateEndpointDestination>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(v.is_object().then(|| serde_json::from_value(v).ok()).flatten())
}

impl ManagedNetwork {
    /// Whether the workspace's computes run in the managed virtual network: any isolation mode
    /// but `Disabled` (or none).
    pub fn is_isolated(&self) -> bool {
        self.isolation_mode.as_deref().is_some_and(|m| !m.trim().is_empty() && !m.eq_ignore_ascii_case("Disabled"))
    }

    /// The `PrivateEndpoint` outbound rules to `target`, with their names.
    pub fn private_endpoint_rules_to<'a>(&'a self, target: &'a ResourceId) -> impl Iterator<Item = (&'a String, &'a OutboundRule)> + 'a {
        self.outbound_rules.iter().filter(move |(_, r)| {
            r.rule_type.eq_ignore_ascii_case("PrivateEndpoint") && r.destination.as_ref().and_then(|d| d.service_resource_id.as_ref()) == Some(target)
        })
    }
}

/// `OutboundRuleBasicResource`: one rule as `GET {workspace}/outboundRules/{rule}` answers
/// and as its PUT takes it (the body needs only `properties`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct OutboundRuleResource {
    pub properties: OutboundRule,
}

impl OutboundRule {
    /// A user-defined `PrivateEndpoint` rule to a container registry's `registry` sub-resource:
    /// what a managed network needs to reach a registry that is not the workspace's own.
    pub fn private_endpoint_to_registry(registry: &ResourceId) -> OutboundRule {
        OutboundRule {
            rule_type: "PrivateEndpoint".into(),
            category: Some("UserDefined".into()),
            status: None,
            destination: Some(PrivateEndpointDestination { service_resource_id: Some(registry.clone()), subresource_target: Some("registry".into()) }),
        }
    }

    /// Whether this is a `PrivateEndpoint` rule to `registry`'s `registry` sub-resource.
    pub fn reaches_registry(&self, registry: &ResourceId) -> bool {
        self.rule_type.eq_ignore_ascii_case("PrivateEndpoint")
            && self.destination.as_ref().is_some_and(|d| d.service_resource_id.as_ref() == Some(registry) && d.subresource_target.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("registry")))
    }

    pub fn is_inactive(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Inactive"))
    }
}

/// ARM returns `""` or `null` for unset id properties; both mean "not set".
pub(crate) fn empty_id_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ResourceId>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => ResourceId::parse(&s).map(Some).map_err(serde::de::Error::custom),
    }
}

/// What a workspace is, from its `kind`: a Hub shares its registry and identities with its
/// Projects, so access questions about a Project often have their answer on the Hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceKind {
    /// `Default`, or no `kind` at all.
    Default,
    Hub,
    Project,
    FeatureStore,
    /// A kind this version of pullpath does not know.
    Other(String),
}

impl Workspace {
    /// The workspace's kind, compared case-insensitively as ARM does.
    pub fn workspace_kind(&self) -> WorkspaceKind {
        match self.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("default") => WorkspaceKind::Default,
            Some("hub") => WorkspaceKind::Hub,
            Some("project") => WorkspaceKind::Project,
            Some("featurestore") => WorkspaceKind::FeatureStore,
            Some(_) => WorkspaceKind::Other(self.kind.clone().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_unset_ids() {
        let read = |v: serde_json::Value| -> Workspace { serde_json::from_value(v).unwrap() };
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";
        let hub = read(serde_json::json!({"id": id, "kind": "hub", "properties": {"containerRegistry": "", "keyVault": null}}));
        assert_eq!(hub.workspace_kind(), WorkspaceKind::Hub);
        assert_eq!(hub.properties.container_registry, None);
        assert_eq!(hub.properties.key_vault, None);
        assert_eq!(read(serde_json::json!({"id": id})).workspace_kind(), WorkspaceKind::Default);
        assert_eq!(read(serde_json::json!({"id": id, "kind": "Project"})).workspace_kind(), WorkspaceKind::Project);
        assert_eq!(read(serde_json::json!({"id": id, "kind": "Lab"})).workspace_kind(), WorkspaceKind::Other("Lab".into()));
    }
}
