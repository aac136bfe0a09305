//! `Microsoft.Network` as far as a pull's network path needs it, at 2024-07-01
//! (`network/resource-manager/Microsoft.Network/stable/2024-07-01/{privateEndpoint,
//! virtualNetwork}.json`): private endpoints (their subnet and the resources they connect to)
//! and virtual networks (their subnets and peerings, which a VNet's GET and list embed).
//!
//! Not here: whether a subnet reaches a registry (`network`). Private DNS zone groups are a
//! child list of each endpoint, which the scan does not read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::identity::null_as_empty;
use crate::id::ResourceId;

/// `PrivateEndpoint`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpoint {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub properties: PrivateEndpointProperties,
}

/// `PrivateEndpointProperties`: "The ID of the subnet from which the private IP will be
/// allocated." and its two connection lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<IdRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub private_link_service_connections: Vec<PrivateLinkServiceConnection>,
    /// "A grouping of information about the connection to the remote resource. Used when the
    /// network admin does not have access to approve connections to the remote resource."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub manual_private_link_service_connections: Vec<PrivateLinkServiceConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
}

/// `{"id": ...}` (`SubResource`, or a `Subnet` of which only the id is used). An id that does
/// not parse is kept as `None`: the reference is then unknown, not the whole resource unread.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct IdRef {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub id: Option<ResourceId>,
}

/// `PrivateLinkServiceConnection`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkServiceConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub properties: PrivateLinkServiceConnectionProperties,
}

/// `PrivateLinkServiceConnectionProperties`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkServiceConnectionProperties {
    /// "The resource id of private link service." — for a registry's endpoint, the registry.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub private_link_service_id: Option<ResourceId>,
    /// "The ID(s) of the group(s) obtained from the remote resource that this private endpoint
    /// should connect to." (`registry` for a container registry).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_link_service_connection_state: Option<ConnectionState>,
}

/// `PrivateLinkServiceConnectionState` (Network) and the registry's own of the same name;
/// `status` is `Approved`, `Pending`, `Rejected` or `Disconnected` (the registry spec's
/// `ConnectionStatus`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl ConnectionState {
    pub fn is_approved(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Approved"))
    }
}

impl PrivateEndpoint {
    /// The subnet the endpoint's address is in.
    pub fn subnet(&self) -> Option<&ResourceId> {
        self.properties.subnet.as_ref()?.id.as_ref()
    }

    /// Every connection, automatic and manual.
    pub fn connections(&self) -> impl Iterator<Item = &PrivateLinkServiceConnection> {
        self.properties.private_link_service_connections.iter().chain(&self.properties.manual_private_link_service_connections)
    }
}

/// `VirtualNetwork`: its subnets and peerings come embedded in its GET and list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetwork {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub properties: VirtualNetworkProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkProperties {
    /// "A list of subnets in a Virtual Network." — only their ids and names are used.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub subnets: Vec<SubnetRef>,
    /// "A list of peerings in a Virtual Network."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub virtual_network_peerings: Vec<VirtualNetworkPeering>,
}

/// A subnet as its virtual network embeds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SubnetRef {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub id: Option<ResourceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `VirtualNetworkPeering`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkPeering {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub properties: VirtualNetworkPeeringProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkPeeringProperties {
    /// "The reference to the remote virtual network."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_virtual_network: Option<IdRef>,
    /// "The status of the virtual network peering.": `Initiated`, `Connected` or
    /// `Disconnected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_state: Option<String>,
}

impl VirtualNetworkPeering {
    pub fn remote(&self) -> Option<&ResourceId> {
        self.properties.remote_virtual_network.as_ref()?.id.as_ref()
    }
    pub fn is_connected(&self) -> bool {
        self.properties.peering_state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Connected"))
    }
}

/// An id that does not parse (or is empty) reads as `None`.
pub(crate) fn lenient_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ResourceId>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|s| ResourceId::parse(s.trim()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_networks_read_tolerantly() {
        let pe: PrivateEndpoint = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe",
            "properties": {"subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"},
                "privateLinkServiceConnections": null,
                "manualPrivateLinkServiceConnections": [{"properties": {"privateLinkServiceId": "not an id", "privateLinkServiceConnectionState": {"status": "Pending"}}}],
                "somethingNew": 1}
        }))
        .unwrap();
        assert_eq!(pe.subnet().unwrap().name(), "a");
        let c = pe.connections().next().unwrap();
        assert_eq!(c.properties.private_link_service_id, None);
        assert!(!c.properties.private_link_service_connection_state.as_ref().unwrap().is_approved());
        let vnet: VirtualNetwork = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "properties": {"subnets": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a", "name": "a"}],
                "virtualNetworkPeerings": [{"name": "p", "properties": {"remoteVirtualNetwork": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"}, "peeringState": "Connected"}}]}
        }))
        .unwrap();
        let peering = &vnet.properties.virtual_network_peerings[0];
        assert!(peering.is_connected());
        assert_eq!(peering.remote().unwrap().name(), "hub");
    }
}
