//! `Microsoft.Network` as far as a pull's network path needs it, at 2024-07-01
//! (`network/resource-manager/Microsoft.Network/stable/2024-07-01/{privateEndpoint,
//! virtualNetwork}.json`): private endpoints (their subnet and the resources they connect to)
//! and virtual networks (their subnets and peerings, which a VNet's GET and list embed).
//!
//! Private DNS zone groups are a child list of each endpoint (`GET {endpoint}/
//! privateDnsZoneGroups`); a snapshot carries the list an endpoint's read returned on the
//! endpoint itself, as `privateDnsZoneGroups` beside `properties` (as a Graph group carries
//! its `transitiveMembers`), so that "read, and there are none" differs from "not read".
//!
//! Not here: whether a subnet reaches a registry (`network`).

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
    /// pullpath's own: what `GET {id}/privateDnsZoneGroups` (PrivateDnsZoneGroups_List)
    /// returned; `None` when it was not read.
    #[serde(default, rename = "privateDnsZoneGroups", skip_serializing_if = "Option::is_none")]
    pub dns_zone_groups: Option<Vec<PrivateDnsZoneGroup>>,
}

/// `PrivateDnsZoneGroup`: "Private dns zone group resource." of one private endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneGroup {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub id: Option<ResourceId>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: PrivateDnsZoneGroupProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneGroupProperties {
    /// "A collection of private dns zone configurations of the private dns zone group."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub private_dns_zone_configs: Vec<PrivateDnsZoneConfig>,
}

/// `PrivateDnsZoneConfig`: one zone the group keeps the endpoint's records in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub properties: PrivateDnsZoneConfigProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneConfigProperties {
    /// "The resource id of the private dns zone."
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub private_dns_zone_id: Option<ResourceId>,
    /// "A collection of information regarding a recordSet, holding information to identify
    /// private resources."
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub record_sets: Vec<RecordSet>,
}

/// `RecordSet`: `fqdn` is the "Fqdn that resolves to private endpoint ip address.", and
/// `ipAddresses` "The private ip address of the private endpoint."
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RecordSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub ip_addresses: Vec<String>,
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
    /// "The dhcpOptions that contains an array of DNS servers available to VMs deployed in the
    /// virtual network."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options: Option<DhcpOptions>,
}

/// `DhcpOptions`: `dnsServers`, "The list of DNS servers IP addresses." None or empty: the
/// network uses Azure's own DNS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct DhcpOptions {
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
    pub dns_servers: Vec<String>,
}

impl VirtualNetwork {
    /// The DNS servers of its own the network names (empty: Azure's DNS).
    pub fn dns_servers(&self) -> &[String] {
        self.properties.dhcp_options.as_ref().map_or(&[], |d| d.dns_servers.as_slice())
    }
}

/// `PrivateZone` (privatedns.json 2024-06-01), as far as pullpath reads it: its id and name,
/// and, pullpath's own, what `GET {id}/virtualNetworkLinks` (VirtualNetworkLinks_List)
/// returned (`None`: not read), kept on the zone as a private endpoint keeps its zone groups.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZone {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "virtualNetworkLinks", skip_serializing_if = "Option::is_none")]
    pub virtual_network_links: Option<Vec<VirtualNetworkLink>>,
}

/// `VirtualNetworkLink`: "Describes a link to virtual network for a Private DNS zone."
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkLink {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_id")]
    pub id: Option<ResourceId>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: VirtualNetworkLinkProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkLinkProperties {
    /// "The reference of the virtual network."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_network: Option<IdRef>,
    /// "The status of the virtual network link to the Private DNS zone.": `InProgress` or
    /// `Completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_network_link_state: Option<String>,
}

impl VirtualNetworkLink {
    pub fn virtual_network(&self) -> Option<&ResourceId> {
        self.properties.virtual_network.as_ref()?.id.as_ref()
    }
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
