//! Whether a pull can reach its registry over the network: per pull path (a workload and the
//! identity it pulls as, to a registry), a verdict — reachable, blocked or unknown — with the
//! chain of reasons in words that name the resources.
//!
//! The rules are only those Microsoft documents (each is a truth case under
//! `core/tests/truth/network/`): a registry with public network access disabled is reached
//! only through an approved private endpoint in the workload's virtual network or one peered
//! with it, through a workspace managed network's private endpoint, or through the
//! trusted-services exception for the callers it names; a firewall that denies by default
//! admits listed IP ranges, and a workload's outbound address is not in the data, so that is
//! unknown. What was not readable is said, never assumed.
//!
//! A private path also needs the registry's name to resolve to the endpoint: an endpoint's
//! DNS zone groups and their zone's virtual network links say so where they were read
//! (`private_dns`).
//!
//! Not here: RBAC (`access`), network security groups, routes and firewalls in the path, and
//! what DNS servers of a network's own answer, none of which pullpath reads.

use serde::{Deserialize, Serialize};

use crate::arm::{ManagedCluster, PrivateDnsZone, PrivateEndpoint, Registry, VirtualNetwork, Workspace};
use crate::fast::FastMap;
use crate::id::ResourceId;
use crate::inventory::Inventory;

/// Whether the network lets the pull through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Reach {
    Reachable,
    /// Something needed to decide was not readable (said in the reasons).
    Unknown,
    Blocked,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Reachable => "reachable",
            Reach::Unknown => "unknown",
            Reach::Blocked => "blocked",
        }
    }
}

/// The network verdict of one workload's pull from one registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkVerdict {
    /// The compute, attached compute, online endpoint or container group that pulls.
    pub workload: ResourceId,
    pub reach: Reach,
    /// The chain, in words: the registry's settings, then where the workload runs and what
    /// that reaches.
    pub reasons: Vec<String>,
    /// The truth case this verdict rests on when no source settles it (see `truth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
    /// Private DNS zones that hold the registry's record but are not linked to the network
    /// the workload runs in (on Azure's DNS): what a blocked pull's fix is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlinked_zones: Vec<UnlinkedZone>,
}

/// A private DNS zone a workload's network would need a virtual network link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkedZone {
    pub zone: ResourceId,
    pub virtual_network: ResourceId,
}

impl NetworkVerdict {
    /// The reasons as one sentence.
    pub fn words(&self) -> String {
        self.reasons.join("; ")
    }
}

/// What pulls: the kind of workload, which decides where it runs and whether the
/// trusted-services exception can cover it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// An AML compute cluster or instance.
    Compute,
    /// An AKS cluster attached to a workspace (the subject is the attached compute).
    AttachedAks,
    OnlineEndpoint,
    ContainerGroup,
}

/// The identity a pull uses, as far as the trusted-services exception asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullIdentity {
    SystemAssigned,
    /// User-assigned, a kubelet identity or a service principal.
    Other,
    /// No managed identity: a username and password (a container group's
    /// `imageRegistryCredentials` entry without `identity`).
    Password,
}

/// How a registry's network settings gate a caller from outside its private endpoints.
enum Gate<'a> {
    Open,
    /// `publicNetworkAccess: Disabled`.
    PublicDisabled,
    /// `networkRuleSet.defaultAction: Deny`, with the IP ranges it allows.
    FirewallDeny(&'a [crate::arm::IpRule]),
}

fn gate(reg: &Registry) -> Gate<'_> {
    let p = &reg.properties;
    if p.public_network_access.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Disabled")) {
        return Gate::PublicDisabled;
    }
    match &p.network_rule_set {
        Some(set) if set.default_action.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("Deny")) => Gate::FirewallDeny(&set.ip_rules),
        _ => Gate::Open,
    }
}

/// Whether the registry restricts network access at all (for the image-build rule).
pub fn is_restricted(reg: &Registry) -> bool {
    !matches!(gate(reg), Gate::Open)
}

/// Where a workload's traffic leaves from.
enum Place<'a> {
    /// Subnets of the tenant's virtual networks (a compute's, an AKS cluster's pools', a
    /// container group's).
    Subnets(Vec<ResourceId>),
    /// The workspace's managed virtual network.
    Managed(&'a Workspace),
    /// An AKS cluster whose pools name no subnet: AKS generated its network.
    GeneratedAks(&'a ManagedCluster),
    /// No subnet of the tenant's: Azure's own network.
    Azure,
}

/// An online endpoint's deployments under Azure ML's legacy network isolation.
struct SecureEgress {
    /// The workspace's own container registry, where known.
    workspace_registry: Option<ResourceId>,
    /// "deployment blue", …: created with `egressPublicNetworkAccess: Disabled`.
    secured: Vec<String>,
    /// The endpoint's other deployments.
    open: Vec<String>,
}

impl SecureEgress {
    /// Where it applies: some managed deployments created with egress disabled, in a
    /// workspace without a managed network.
    fn of<'d>(ws: Option<&Workspace>, deployments: impl Iterator<Item = &'d crate::arm::OnlineDeployment>) -> Option<SecureEgress> {
        if ws.is_some_and(|w| w.properties.managed_network.as_ref().is_some_and(|m| m.is_isolated())) {
            return None;
        }
        let (mut secured, mut open) = (Vec::new(), Vec::new());
        for d in deployments {
            let name = format!("deployment {}", if d.name.is_empty() { d.id.name() } else { &d.name });
            if d.has_secure_egress() {
                secured.push(name);
            } else {
                open.push(name);
            }
        }
        if secured.is_empty() {
            return None;
        }
        Some(SecureEgress { workspace_registry: ws.and_then(|w| w.properties.container_registry.clone()), secured, open })
    }

    /// Where the secured deployments reach `reg` from. Microsoft: "each deployment has its
    /// own independent Azure Machine Learning managed virtual network. For each virtual
    /// network, Azure Machine Learning creates three private endpoints for communication to
    /// the following services: The Azure Machine Learning workspace, The Azure Storage blob
    /// that is associated with the workspace, The Azure Container Registry for the
    /// workspace", and the flag "ensures that the download of the model, code, and images
    /// needed by the deployment are secured with a private endpoint"
    /// (concept-secure-online-endpoint, Appendix). That a registry other than the
    /// workspace's is then out of reach is not said in so many words: unverified.
    fn judge(&self, reg: &Registry, name: &str) -> (Reach, Vec<String>, Option<String>) {
        let r = reg_name(reg);
        let who = format!("{} of {name} {} egressPublicNetworkAccess Disabled (legacy network isolation)", listed(&self.secured), if self.secured.len() == 1 { "has" } else { "have" });
        let own = self.workspace_registry.as_ref().is_some_and(|w| w == &reg.id);
        if !own {
            let theirs = self.workspace_registry.as_ref().map_or("its workspace's registry, which is not in the data".to_string(), |w| w.name().to_string());
            return (
                Reach::Blocked,
                vec![format!("{who}: Azure ML gives each such deployment its own managed network whose only private endpoints go to the workspace, its storage and its container registry ({theirs}), so images are not pulled from {r}")],
                crate::truth::unverified(crate::truth::SECURE_EGRESS_OTHER_REGISTRY),
            );
        }
        if !reg.is_premium() {
            return (
                Reach::Unknown,
                vec![format!("{who}: Azure ML gives each such deployment a private endpoint to the workspace's container registry {r}, but private endpoints need a Premium registry and {r} is not known to be Premium")],
                None,
            );
        }
        (Reach::Reachable, vec![format!("{who}: Azure ML gives each such deployment its own managed network with a private endpoint to the workspace's container registry {r}")], None)
    }
}

/// Online deployments by their endpoint's key.
fn deployments_by_endpoint(inv: &Inventory) -> FastMap<&str, Vec<&crate::arm::OnlineDeployment>> {
    let mut out: FastMap<&str, Vec<&crate::arm::OnlineDeployment>> = FastMap::default();
    for d in &inv.online_deployments {
        if let Some(endpoint) = d.id.parent() {
            // The parent's key is a prefix of the deployment's own key.
            out.entry(&d.id.key()[..endpoint.key().len()]).or_default().push(d);
        }
    }
    out
}

/// Who pulls, as the trusted-services table names callers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    MachineLearning,
    ContainerInstances,
    Kubernetes,
}

/// The indexes the verdicts share.
pub struct Net<'a> {
    vnets: FastMap<&'a str, &'a VirtualNetwork>,
    /// Private endpoints by lowercase id.
    endpoints: FastMap<&'a str, &'a PrivateEndpoint>,
    /// Private endpoints connected to each registry (by registry key).
    to_registry: FastMap<&'a str, Vec<&'a PrivateEndpoint>>,
    workspaces: FastMap<&'a str, &'a Workspace>,
    clusters: FastMap<&'a str, &'a ManagedCluster>,
    computes: FastMap<&'a str, &'a crate::arm::Compute>,
    online_endpoints: FastMap<&'a str, &'a crate::arm::OnlineEndpoint>,
    /// Each online endpoint's deployments (by the endpoint's key).
    deployments: FastMap<&'a str, Vec<&'a crate::arm::OnlineDeployment>>,
    container_groups: FastMap<&'a str, &'a crate::arm::ContainerGroup>,
    registries: FastMap<&'a str, &'a Registry>,
    /// Private DNS zones by lowercase id, with their virtual network links.
    zones: FastMap<&'a str, &'a PrivateDnsZone>,
}

impl<'a> Net<'a> {
    pub fn new(inv: &'a Inventory) -> Net<'a> {
        let mut to_registry: FastMap<&str, Vec<&PrivateEndpoint>> = FastMap::default();
        for pe in &inv.private_endpoints {
            let mut targets: Vec<&str> = pe.connections().filter_map(|c| c.properties.private_link_service_id.as_ref()).map(|id| id.key()).collect();
            targets.dedup();
            for t in targets {
                to_registry.entry(t).or_default().push(pe);
            }
        }
        Net {
            vnets: inv.virtual_networks.iter().map(|v| (v.id.key(), v)).collect(),
            endpoints: inv.private_endpoints.iter().map(|p| (p.id.key(), p)).collect(),
            to_registry,
            workspaces: inv.workspaces.iter().map(|w| (w.id.key(), w)).collect(),
            clusters: inv.managed_clusters.iter().map(|m| (m.id.key(), m)).collect(),
            computes: inv.computes.iter().map(|c| (c.id.key(), c)).collect(),
            online_endpoints: inv.online_endpoints.iter().map(|e| (e.id.key(), e)).collect(),
            deployments: deployments_by_endpoint(inv),
            container_groups: inv.container_groups.iter().map(|g| (g.id.key(), g)).collect(),
            registries: inv.registries.iter().map(|r| (r.id.key(), r)).collect(),
            zones: inv.private_dns_zones.iter().map(|z| (z.id.key(), z)).collect(),
        }
    }

    /// Where `subject` (a workload of kind `what`) runs, who it is to the trusted-services
    /// table, and its name in words; `None` when the data does not hold it.
    fn place(&self, what: Workload, subject: &ResourceId) -> Option<(Place<'a>, Caller, String)> {
        let workspace = || subject.parent().and_then(|w| self.workspaces.get(w.key()).copied());
        let managed = |ws: Option<&'a Workspace>| ws.filter(|w| w.properties.managed_network.as_ref().is_some_and(|m| m.is_isolated()));
        match what {
            Workload::Compute => {
                let c = self.computes.get(subject.key()).copied()?;
                let place = match (managed(workspace()), c.properties.subnet()) {
                    (Some(ws), _) => Place::Managed(ws),
                    (None, Some(s)) => Place::Subnets(vec![s]),
                    (None, None) => Place::Azure,
                };
                Some((place, Caller::MachineLearning, c.name.clone()))
            }
            Workload::OnlineEndpoint => {
                let ep = self.online_endpoints.get(subject.key()).copied()?;
                let place = managed(workspace()).map_or(Place::Azure, Place::Managed);
                Some((place, Caller::MachineLearning, ep.name.clone()))
            }
            Workload::AttachedAks => {
                let c = self.computes.get(subject.key()).copied()?;
                let mc = self.clusters.get(c.properties.resource_id.as_ref()?.key()).copied()?;
                let mut subnets: Vec<ResourceId> = mc.properties.agent_pool_profiles.iter().filter_map(|p| p.vnet_subnet_id.clone()).collect();
                crate::sort::sort(&mut subnets);
                subnets.dedup();
                let place = if subnets.is_empty() { Place::GeneratedAks(mc) } else { Place::Subnets(subnets) };
                Some((place, Caller::Kubernetes, format!("{} (AKS cluster {})", c.name, mc.name)))
            }
            Workload::ContainerGroup => {
                let g = self.container_groups.get(subject.key()).copied()?;
                let subnets: Vec<ResourceId> = g.properties.subnet_ids.iter().map(|s| s.id.clone()).collect();
                let place = if subnets.is_empty() { Place::Azure } else { Place::Subnets(subnets) };
                Some((place, Caller::ContainerInstances, g.name.clone()))
            }
        }
    }

    /// The network verdict of `subject`'s pull from `registry` as `identity`; `None` when the
    /// workload or the registry is not in the data.
    pub fn verdict(&self, what: Workload, subject: &ResourceId, identity: PullIdentity, registry: &ResourceId) -> Option<NetworkVerdict> {
        let reg = self.registries.get(registry.key()).copied()?;
        let (place, caller, name) = self.place(what, subject)?;
        let egress = (what == Workload::OnlineEndpoint).then(|| self.secure_egress(subject)).flatten();
        let (reach, reasons, unverified, mut unlinked_zones) = match egress {
            None => self.judge(reg, &place, caller, identity, &name),
            Some(egress) => {
                let (reach, reasons, unverified) = egress.judge(reg, &name);
                if egress.open.is_empty() {
                    (reach, reasons, unverified, Vec::new())
                } else {
                    // Some deployments go out the usual way: both answers, or unknown where
                    // they differ (which deployment pulls from this registry is not told
                    // apart here).
                    let (open_reach, mut open_reasons, open_unverified, unlinked) = self.judge(reg, &place, caller, identity, &name);
                    let mut all = reasons;
                    all.push(format!("{} of {name} {} egressPublicNetworkAccess Enabled", listed(&egress.open), if egress.open.len() == 1 { "has" } else { "have" }));
                    all.append(&mut open_reasons);
                    if open_reach == reach {
                        (reach, all, unverified.or(open_unverified), unlinked)
                    } else {
                        all.push(format!("which of {name}'s deployments pulls from {} is not told apart here", reg_name(reg)));
                        (Reach::Unknown, all, unverified.or(open_unverified), Vec::new())
                    }
                }
            }
        };
        if reach != Reach::Blocked {
            unlinked_zones.clear();
        }
        Some(NetworkVerdict { workload: subject.clone(), reach, reasons, unverified, unlinked_zones })
    }

    /// The legacy network isolation of `endpoint`'s deployments, where it applies: some of its
    /// managed deployments were created with `egressPublicNetworkAccess: Disabled` and its
    /// workspace has no managed network ("When you secure your workspace with a managed
    /// virtual network, the `egress_public_access` flag for managed online deployments no
    /// longer applies.", concept-secure-online-endpoint).
    fn secure_egress(&self, endpoint: &ResourceId) -> Option<SecureEgress> {
        let ws = endpoint.parent().and_then(|w| self.workspaces.get(w.key()).copied());
        SecureEgress::of(ws, self.deployments.get(endpoint.key()).into_iter().flatten().copied())
    }

    /// The verdict of `who` (named `name`, pulling as `kind`) at `place` on `reg`.
    fn judge(&self, reg: &Registry, place: &Place<'_>, caller: Caller, kind: PullIdentity, name: &str) -> (Reach, Vec<String>, Option<String>, Vec<UnlinkedZone>) {
        let r = reg_name(reg);
        let mut reasons = Vec::new();
        let mut unverified = None;
        match gate(reg) {
            Gate::Open => {
                reasons.push(format!("{r} allows public network access from all networks (publicNetworkAccess not Disabled, no firewall default Deny); network security groups and routes are not read"));
                return (Reach::Reachable, reasons, None, Vec::new());
            }
            Gate::PublicDisabled => reasons.push(format!("{r} denies public network access (publicNetworkAccess: Disabled), so only its private endpoints and trusted services reach it")),
            Gate::FirewallDeny(rules) => reasons.push(format!(
                "{r}'s firewall denies the public endpoint by default (networkRuleSet.defaultAction: Deny) and allows {}",
                if rules.is_empty() { "no IP ranges".to_string() } else { format!("only {}", ranges(rules)) }
            )),
        }
        // A private path first: it does not depend on the registry's exceptions.
        let (private, mut why, unlinked) = self.private_path(reg, place, name);
        match private {
            Reach::Reachable => {
                reasons.extend(why);
                return (Reach::Reachable, reasons, None, Vec::new());
            }
            Reach::Unknown | Reach::Blocked => {}
        }
        if peering_mentioned(&why) {
            unverified = crate::truth::unverified(crate::truth::PEERING_MUST_BE_CONNECTED);
        }
        reasons.append(&mut why);
        match trusted(reg, caller, kind) {
            Ok(how) => {
                reasons.push(how);
                return (Reach::Reachable, reasons, unverified, Vec::new());
            }
            Err(why_not) => reasons.push(why_not),
        }
        let reach = match (gate(reg), private) {
            (_, Reach::Unknown) => Reach::Unknown,
            (Gate::FirewallDeny(rules), _) if !rules.is_empty() => {
                reasons.push(format!("{name}'s outbound public IP address is not in the data, so whether the firewall's IP rules admit it is unknown"));
                Reach::Unknown
            }
            _ => Reach::Blocked,
        };
        (reach, reasons, unverified, unlinked)
    }

    /// Whether `place` reaches an approved private endpoint of `reg`, with the reasons.
    fn private_path(&self, reg: &Registry, place: &Place<'_>, name: &str) -> (Reach, Vec<String>, Vec<UnlinkedZone>) {
        let r = reg_name(reg);
        let (reach, reasons) = match place {
            Place::Azure => (Reach::Blocked, vec![format!("{name} runs on Azure's network, not in a subnet of yours, so no private endpoint of {r} is in its path")]),
            Place::GeneratedAks(mc) => (
                Reach::Unknown,
                vec![format!(
                    "{name}'s node pools name no subnet (vnetSubnetID), so AKS generated their virtual network{}, which is not read: whether it reaches a private endpoint of {r} is unknown",
                    mc.properties.node_resource_group.as_deref().map(|g| format!(" in resource group {g}")).unwrap_or_default()
                )],
            ),
            Place::Managed(ws) => managed_path(reg, ws, name),
            Place::Subnets(subnets) => {
                let mut worst = Reach::Reachable;
                let mut reasons = Vec::new();
                let mut unlinked = Vec::new();
                for s in subnets {
                    let (reach, why, gaps) = self.subnet_path(reg, s, name);
                    worst = worst.max(reach);
                    reasons.push(why);
                    unlinked.extend(gaps);
                }
                // Every subnet a workload runs in must reach the registry (an AKS pool that
                // cannot fails its pods' pulls).
                return (worst, reasons, unlinked);
            }
        };
        (reach, reasons, Vec::new())
    }

    fn subnet_path(&self, reg: &Registry, subnet: &ResourceId, name: &str) -> (Reach, String, Vec<UnlinkedZone>) {
        let r = reg_name(reg);
        let Some(vnet) = subnet.parent() else { return (Reach::Unknown, format!("{name}'s subnet {subnet} is not a virtual network's subnet"), Vec::new()) };
        let here = format!("{name} runs in subnet {} of {}", subnet.name(), vnet.name());
        let mut endpoints: Vec<&PrivateEndpoint> = self.to_registry.get(reg.id.key()).cloned().unwrap_or_default();
        // Endpoints the registry lists but the data does not hold.
        let mut unread: Vec<String> = Vec::new();
        for c in &reg.properties.private_endpoint_connections {
            let Some(id) = c.properties.private_endpoint.as_ref().and_then(|p| p.id.as_ref()) else { continue };
            match self.endpoints.get(id.key()) {
                Some(pe) if !endpoints.iter().any(|x| x.id == pe.id) => endpoints.push(pe),
                Some(_) => {}
                None => unread.push(id.name().to_string()),
            }
        }
        if endpoints.is_empty() && unread.is_empty() {
            return (Reach::Blocked, format!("{here}, and {r} has no private endpoint"), Vec::new());
        }
        let mut misses = Vec::new();
        let mut unknown = Vec::new();
        // Private paths whose DNS is not known to resolve to the endpoint.
        let mut unresolved: Vec<String> = Vec::new();
        // Private paths whose DNS does not resolve to the endpoint, and the zones that would.
        let mut misresolved: Vec<String> = Vec::new();
        let mut unlinked: Vec<UnlinkedZone> = Vec::new();
        for pe in &endpoints {
            let approved = pe.connections().any(|c| c.properties.private_link_service_id.as_ref() == Some(&reg.id) && c.properties.private_link_service_connection_state.as_ref().is_some_and(|s| s.is_approved()))
                || reg.properties.private_endpoint_connections.iter().any(|c| {
                    c.properties.private_endpoint.as_ref().and_then(|p| p.id.as_ref()) == Some(&pe.id) && c.properties.private_link_service_connection_state.as_ref().is_some_and(|s| s.is_approved())
                });
            let Some(pe_vnet) = pe.subnet().and_then(ResourceId::parent) else {
                unknown.push(format!("{}'s subnet is not in the data", pe.name));
                continue;
            };
            if !approved {
                misses.push(format!("{} (in {}) is not approved, and only an approved private endpoint carries traffic", pe.name, pe_vnet.name()));
                continue;
            }
            let path = if pe_vnet == vnet {
                format!("{here}, where {} is a private endpoint of {r}", pe.name)
            } else {
                match self.peered(&vnet, &pe_vnet) {
                    Peering::Connected => format!("{here}, which is peered (Connected) with {} where {} lives", pe_vnet.name(), pe.name),
                    Peering::NotConnected(state) => {
                        misses.push(format!("its peering with {} where {} lives is {state}, not Connected", pe_vnet.name(), pe.name));
                        continue;
                    }
                    Peering::None => {
                        misses.push(format!("is not peered with {} where {} lives", pe_vnet.name(), pe.name));
                        continue;
                    }
                    Peering::Unread => {
                        unknown.push(format!("neither {} nor {} was read, so whether they are peered (for {}) is unknown", vnet.name(), pe_vnet.name(), pe.name));
                        continue;
                    }
                }
            };
            // The path is there; the registry's name must also resolve to the endpoint.
            match self.private_dns(reg, pe, &vnet) {
                (Reach::Reachable, dns, _) => return (Reach::Reachable, format!("{path}{dns}"), Vec::new()),
                (Reach::Unknown, dns, _) => unresolved.push(format!("{path}{dns}")),
                (Reach::Blocked, dns, zone) => {
                    misresolved.push(format!("{path}{dns}"));
                    unlinked.extend(zone.map(|zone| UnlinkedZone { zone, virtual_network: vnet.clone() }));
                }
            }
        }
        if !unresolved.is_empty() {
            return (Reach::Unknown, unresolved.join("; and "), Vec::new());
        }
        if !misresolved.is_empty() {
            unlinked.dedup();
            if unknown.is_empty() && unread.is_empty() {
                return (Reach::Blocked, misresolved.join("; and "), unlinked);
            }
            // Another endpoint may still carry it: where it lives or how it is peered is unread.
            let mut text = misresolved.join("; and ");
            text.extend(unknown.iter().map(|u| format!("; {u}")));
            text.extend(unread.iter().map(|pe| format!("; private endpoint {pe} of {r} was not readable, so where it lives is unknown")));
            return (Reach::Unknown, text, Vec::new());
        }
        for pe in &unread {
            unknown.push(format!("private endpoint {pe} of {r} was not readable, so where it lives is unknown"));
        }
        let mut text = format!("{here}, which has no private endpoint to {r}");
        if !misses.is_empty() {
            text.push_str(" and ");
            text.push_str(&misses.join(", and "));
        }
        if unknown.is_empty() {
            (Reach::Blocked, text, Vec::new())
        } else {
            text.push_str("; ");
            text.push_str(&unknown.join("; "));
            (Reach::Unknown, text, Vec::new())
        }
    }

    /// Whether the registry's name resolves to private endpoint `pe` for a workload in `vnet`,
    /// in words that continue the path's (starting with their own separator), and the zone to
    /// link when it does not. "It's important to correctly configure your DNS settings to
    /// resolve the private endpoint IP address to the fully qualified domain name (FQDN) of the
    /// connection string",
    /// by a private DNS zone "linked to your virtual network", a resolver or a hosts file
    /// (private-endpoint-dns); a registry's zone is privatelink.azurecr.io (the same page's
    /// table). A zone group that keeps the endpoint's records in that zone is the one of these
    /// that ARM shows; without one, the others are not in the data, so the answer is unknown.
    /// The zone then serves the network only if linked to it: "After you create a private DNS
    /// zone in Azure, you'll need to link a virtual network to it. Once linked, VMs hosted in that
    /// virtual network can access the private DNS zone." (private-dns-virtual-network-links). An
    /// unlinked network on Azure's DNS does not see the record; one with DNS servers of its own
    /// may (they may forward to a network that is linked), which pullpath does not read.
    fn private_dns(&self, reg: &Registry, pe: &PrivateEndpoint, vnet: &ResourceId) -> (Reach, String, Option<ResourceId>) {
        let login = reg.properties.login_server.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| format!("{}.azurecr.io", reg_name(reg)));
        let login = login.to_ascii_lowercase();
        let (label, suffix) = login.split_once('.').unwrap_or((login.as_str(), "azurecr.io"));
        let zone = format!("privatelink.{suffix}");
        let Some(groups) = pe.dns_zone_groups.as_ref() else {
            return (Reach::Reachable, format!("; {}'s private DNS zone groups were not read, so whether {login} resolves to it is not checked", pe.name), None);
        };
        let mut configs = groups.iter().flat_map(|g| g.properties.private_dns_zone_configs.iter().map(move |c| (g, c)));
        let found = configs.find_map(|(g, c)| c.properties.private_dns_zone_id.as_ref().filter(|z| z.name().eq_ignore_ascii_case(&zone)).map(|z| (g, c, z)));
        let Some((group, config, zone_id)) = found else {
            return (
                Reach::Unknown,
                format!(", but {} has no private DNS zone group for {zone}, so {login} resolves to its private address only through DNS that pullpath does not read (your own DNS servers, a DNS resolver or a hosts file)", pe.name),
                None,
            );
        };
        let record = format!("{label}.{zone}");
        let resolves = config
            .properties
            .record_sets
            .iter()
            .find(|rs| rs.fqdn.as_deref().is_some_and(|f| f.trim_end_matches('.').eq_ignore_ascii_case(&record)))
            .map(|rs| match rs.ip_addresses.first() {
                Some(ip) => format!(", where {record} resolves to {ip}"),
                None => format!(", which holds {record}"),
            })
            .unwrap_or_default();
        let name = if group.name.is_empty() { "(unnamed)" } else { group.name.as_str() };
        let kept = format!("; its private DNS zone group {name} keeps its records in zone {zone}{resolves}");
        let n = vnet.name();
        let Some(links) = self.zones.get(zone_id.key()).and_then(|z| z.virtual_network_links.as_ref()) else {
            return (Reach::Reachable, format!("{kept}; whether that zone is linked to {n} is not read"), None);
        };
        if let Some(link) = links.iter().find(|l| l.virtual_network() == Some(vnet)) {
            let state = link.properties.virtual_network_link_state.as_deref().filter(|s| !s.eq_ignore_ascii_case("Completed")).map(|s| format!(", link state {s}")).unwrap_or_default();
            return (Reach::Reachable, format!("{kept}, and the zone is linked to {n} (link {}{state})", link.name), None);
        }
        match self.vnets.get(vnet.key()) {
            None => (Reach::Unknown, format!("{kept}, but the zone is not linked to {n}, and {n} was not read, so whether its DNS servers resolve {record} is unknown"), None),
            Some(v) if !v.dns_servers().is_empty() => (
                Reach::Unknown,
                format!("{kept}, but the zone is not linked to {n}, and {n} uses DNS servers of its own ({}), which pullpath does not read: whether they resolve {record} to the endpoint is unknown", listed(v.dns_servers())),
                None,
            ),
            Some(_) => (Reach::Blocked, format!("{kept}, but the zone is not linked to {n}, whose workloads use Azure's DNS, so {login} does not resolve to the endpoint there"), Some(zone_id.clone())),
        }
    }

    /// How `a` and `b` are peered, from either side.
    fn peered(&self, a: &ResourceId, b: &ResourceId) -> Peering {
        let mut read = false;
        let mut state: Option<String> = None;
        for (from, to) in [(a, b), (b, a)] {
            let Some(v) = self.vnets.get(from.key()) else { continue };
            read = true;
            for p in v.properties.virtual_network_peerings.iter().filter(|p| p.remote() == Some(to)) {
                if p.is_connected() {
                    return Peering::Connected;
                }
                state = Some(p.properties.peering_state.clone().unwrap_or_else(|| "of unknown state".into()));
            }
        }
        match (state, read) {
            (Some(s), _) => Peering::NotConnected(s),
            (None, true) => Peering::None,
            (None, false) => Peering::Unread,
        }
    }
}

enum Peering {
    Connected,
    /// A peering exists in another state (`Initiated`, `Disconnected`).
    NotConnected(String),
    None,
    /// Neither network is in the data.
    Unread,
}

fn managed_path(reg: &Registry, ws: &Workspace, name: &str) -> (Reach, Vec<String>) {
    let r = reg_name(reg);
    let w = if ws.name.is_empty() { ws.id.name() } else { &ws.name };
    let Some(mn) = ws.properties.managed_network.as_ref() else { return (Reach::Unknown, Vec::new()) };
    let here = format!("{name} runs in workspace {w}'s managed virtual network ({})", mn.isolation_mode.as_deref().unwrap_or("isolated"));
    let rules: Vec<(&String, &crate::arm::OutboundRule)> = mn.private_endpoint_rules_to(&reg.id).collect();
    if let Some((rule, _)) = rules.iter().find(|(_, r)| !r.is_inactive()) {
        return (Reach::Reachable, vec![format!("{here}, whose outbound rule {rule} is a private endpoint to {r}")]);
    }
    if ws.properties.container_registry.as_ref() == Some(&reg.id) {
        return (Reach::Reachable, vec![format!("{here}, which Azure ML configures with a private endpoint to the workspace's own registry {r} when that registry is private")]);
    }
    match rules.first() {
        Some((rule, _)) => (Reach::Blocked, vec![format!("{here}, whose private endpoint outbound rule {rule} to {r} is Inactive")]),
        None => (Reach::Blocked, vec![format!("{here}, which has no PrivateEndpoint outbound rule to {r}")]),
    }
}

/// Whether the trusted-services exception lets this caller through, in words either way.
/// "Instances of the following services can access a network-restricted container registry if
/// the registry's allow trusted services setting is enabled (the default)": Azure Container
/// Instances with a system- or user-assigned identity, Machine Learning (deploy or train with a
/// custom image) with a managed identity, which must be system-assigned where a user-assigned
/// one is not noted as supported (allow-access-trusted-services).
fn trusted(reg: &Registry, caller: Caller, kind: PullIdentity) -> Result<String, String> {
    let r = reg_name(reg);
    if !allows_trusted_services(reg) {
        return Err(format!("{r} does not let trusted Azure services bypass its network rules (networkRuleBypassOptions: None)"));
    }
    match (caller, kind) {
        // "Where indicated, access by the trusted service requires additional configuration of
        // a managed identity in a service instance, assignment of an RBAC role, and
        // authentication with the registry", and every row of the table that pullpath's callers
        // use is so indicated: a login with a username and password is not let through.
        (_, PullIdentity::Password) => Err(
            "the trusted-services exception lets a service through only when it authenticates with its managed identity, and this pull logs in with a username and password".into(),
        ),
        (Caller::MachineLearning, PullIdentity::SystemAssigned) => {
            Ok("reachable through the trusted-services exception: Azure Machine Learning with a system-assigned managed identity".into())
        }
        (Caller::MachineLearning, PullIdentity::Other) => {
            Err("the trusted-services exception covers Azure Machine Learning only with a system-assigned identity, and this pull uses a user-assigned one".into())
        }
        (Caller::ContainerInstances, _) => Ok("reachable through the trusted-services exception: Azure Container Instances with a managed identity".into()),
        (Caller::Kubernetes, _) => Err("AKS is not among the services the trusted-services exception lets through".into()),
    }
}

/// Whether the registry lets trusted Azure services bypass its network rules (the default).
pub fn allows_trusted_services(reg: &Registry) -> bool {
    reg.properties.network_rule_bypass_options.as_deref().is_none_or(|o| o.eq_ignore_ascii_case("AzureServices"))
}

fn reg_name(reg: &Registry) -> &str {
    if reg.name.is_empty() {
        reg.id.name()
    } else {
        &reg.name
    }
}

fn ranges(rules: &[crate::arm::IpRule]) -> String {
    let values: Vec<&str> = rules.iter().map(|r| r.value.as_str()).collect();
    listed(&values)
}

/// The first three of `items`, and how many more.
fn listed<S: AsRef<str>>(items: &[S]) -> String {
    let shown: Vec<&str> = items.iter().map(AsRef::as_ref).take(3).collect();
    let more = if items.len() > 3 { format!(" and {} more", items.len() - 3) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// Whether a verdict turned on a peering that exists but is not Connected.
fn peering_mentioned(reasons: &[String]) -> bool {
    reasons.iter().any(|r| r.contains(", not Connected"))
}

/// "When Azure Container Registry is behind the virtual network, Azure Machine Learning can't
/// use it to directly build Docker images ... Instead, configure the workspace to use the
/// compute cluster" (tutorial-create-secure-workspace-vnet): each workspace whose registry
/// restricts network access, without `imageBuildCompute` and without a managed network, with
/// the words saying so (a registry that lets ACR Tasks bypass its rules is left out: what that
/// does for Azure ML's builds is not documented).
pub fn blocked_image_builds(inv: &Inventory) -> Vec<(&Workspace, &Registry, String)> {
    let mut out = Vec::new();
    for ws in &inv.workspaces {
        let Some(reg_id) = ws.properties.container_registry.as_ref() else { continue };
        let Some(reg) = inv.registries.iter().find(|r| &r.id == reg_id) else { continue };
        let managed = ws.properties.managed_network.as_ref().is_some_and(|m| m.is_isolated());
        let builder = ws.properties.image_build_compute.as_deref().is_some_and(|c| !c.trim().is_empty());
        if !is_restricted(reg) || managed || builder || reg.properties.network_rule_bypass_allowed_for_tasks == Some(true) {
            continue;
        }
        let r = reg_name(reg);
        let w = if ws.name.is_empty() { ws.id.name() } else { &ws.name };
        let words = format!(
            "Workspace {w}'s registry {r} restricts network access, and the workspace names no image build compute, so Azure ML cannot build environment images with the registry's ACR Tasks. Set the workspace's imageBuildCompute to a compute cluster that reaches {r}."
        );
        out.push((ws, reg, words));
    }
    out
}

/// What to do about a pull whose private path is there but whose network does not resolve
/// the registry's name to it: link each zone to each network (guidance: a link is a write to
/// a zone pullpath does not otherwise manage, often another team's).
pub fn link_zones_words(zones: &[UnlinkedZone], registry: &ResourceId) -> String {
    let each: Vec<String> = zones
        .iter()
        .map(|z| format!("private DNS zone {} (resource group {}) to {}", z.zone.name(), z.zone.resource_group_name().unwrap_or("?"), z.virtual_network.name()))
        .collect();
    format!(
        "Link {} (a virtual network link, registration off), so that its workloads resolve {}'s name to the private endpoint; or point the network at DNS servers that resolve the zone.",
        each.join(", and "),
        registry.name()
    )
}

/// What to do about a blocked pull of `workload` from `registry`, in words, and the intent
/// that does it where pullpath can plan one: for a compute or managed online endpoint of a
/// workspace with a managed network, a `PrivateEndpoint` outbound rule to the registry
/// ("These rules define private endpoints that allow an Azure resource to securely
/// communicate with the managed VNet.", how-to-managed-network), if the registry is Premium
/// (private endpoints are "available in the Premium container registry service tier",
/// container-registry-private-link). Else guidance towards a private path.
pub fn fix(inv: &Inventory, what: Workload, workload: &ResourceId, registry: &ResourceId) -> (String, Option<crate::intent::Intent>) {
    let ws = matches!(what, Workload::Compute | Workload::OnlineEndpoint).then(|| workload.parent()).flatten().and_then(|w| inv.workspaces.iter().find(|x| x.id == w));
    let reg = registry.name();
    if what == Workload::OnlineEndpoint {
        if let Some(egress) = SecureEgress::of(ws, inv.online_deployments.iter().filter(|d| d.id.parent().as_ref() == Some(workload))) {
            // "Once you've created the deployment, you can't update (enable or disable) the
            // egress_public_network_access flag." (concept-secure-online-endpoint)
            let theirs = egress.workspace_registry.as_ref().map_or("the workspace's registry".to_string(), |w| format!("the workspace's registry {}", w.name()));
            return (
                format!(
                    "{} of {} cannot reach {reg} with egressPublicNetworkAccess Disabled, and that cannot be changed once a deployment exists: deploy the image from {theirs}, or recreate the deployment with egressPublicNetworkAccess Enabled, or in a workspace with a managed network and a PrivateEndpoint outbound rule to {reg}.",
                    listed(&egress.secured),
                    workload.name()
                ),
                None,
            );
        }
    }
    let Some((ws, network)) = ws.and_then(|w| Some((w, w.properties.managed_network.as_ref().filter(|m| m.is_isolated())?))) else {
        return (format!("Give it a private path to {reg}: an approved private endpoint of {reg} (subresource registry) in its virtual network or in one peered with it, with private DNS for privatelink.azurecr.io; or allow its network in {reg}'s firewall."), None);
    };
    let w = if ws.name.is_empty() { ws.id.name() } else { &ws.name };
    if let Some((rule, _)) = network.private_endpoint_rules_to(registry).next() {
        return (format!("Workspace {w}'s outbound rule {rule} to {reg} exists but is Inactive; another rule would not change that, so none is planned: see the rule's status in the workspace's managed network."), None);
    }
    if !inv.registries.iter().find(|r| &r.id == registry).is_some_and(crate::arm::Registry::is_premium) {
        return (format!("Registry {reg} is not known to be in the Premium tier, which private endpoints need: move it to Premium, then add a PrivateEndpoint outbound rule to it in workspace {w}'s managed network."), None);
    }
    let name = crate::intent::outbound_rule_name(registry);
    let words = format!("Fix adds outbound rule {name} to workspace {w}'s managed network: a private endpoint to {reg} (subresource registry).");
    (words, Some(crate::intent::Intent::AddRegistryOutboundRule { workspace: ws.id.clone(), name, registry: registry.clone() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: &str = "/subscriptions/s/resourceGroups/rg/providers";

    fn tenant(extra: Vec<serde_json::Value>) -> Inventory {
        let mut resources = vec![
            json!({"id": format!("{S}/Microsoft.ContainerRegistry/registries/acr"), "type": "Microsoft.ContainerRegistry/registries", "name": "acr",
                "properties": {"publicNetworkAccess": "Disabled", "networkRuleBypassOptions": "None",
                    "privateEndpointConnections": [{"properties": {"privateEndpoint": {"id": format!("{S}/Microsoft.Network/privateEndpoints/pe-gone")}, "privateLinkServiceConnectionState": {"status": "Approved"}}}]}}),
            json!({"id": format!("{S}/Microsoft.ContainerRegistry/registries/other"), "type": "Microsoft.ContainerRegistry/registries", "name": "other", "properties": {"publicNetworkAccess": "Disabled"}}),
        ];
        resources.extend(extra);
        let (inv, diags) = Inventory::from_resources(resources);
        assert!(diags.is_empty(), "{diags:?}");
        inv
    }

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(&format!("{S}/{s}")).unwrap()
    }

    /// A private endpoint in the workload's own network carries the pull only with DNS: a zone
    /// group for privatelink.azurecr.io is reachable (naming the record that resolves), none is
    /// unknown, an unread list is reachable with the DNS said to be unchecked; a zone named
    /// like it elsewhere in the id, or a record for another registry, does not count.
    #[test]
    fn a_private_path_needs_the_registrys_name_to_resolve_to_the_endpoint() {
        let compute = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w/computes/c"), "type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "c",
            "properties": {"computeType": "AmlCompute", "properties": {"subnet": {"id": format!("{S}/Microsoft.Network/virtualNetworks/v/subnets/a")}}}});
        let ws = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w"), "type": "Microsoft.MachineLearningServices/workspaces", "name": "w", "properties": {}});
        let zone = |name: &str, fqdn: &str| json!([{"name": "default", "properties": {"privateDnsZoneConfigs": [{"properties": {
            "privateDnsZoneId": format!("{S}/Microsoft.Network/privateDnsZones/{name}"), "recordSets": [{"fqdn": fqdn, "ipAddresses": ["10.0.0.9"]}]}}]}}]);
        let pe = |groups: Option<serde_json::Value>| {
            let mut v = json!({"id": format!("{S}/Microsoft.Network/privateEndpoints/pe-other"), "type": "Microsoft.Network/privateEndpoints", "name": "pe-other",
                "properties": {"subnet": {"id": format!("{S}/Microsoft.Network/virtualNetworks/v/subnets/pe")},
                    "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": format!("{S}/Microsoft.ContainerRegistry/registries/other"), "privateLinkServiceConnectionState": {"status": "Approved"}}}]}});
            if let Some(g) = groups {
                v["privateDnsZoneGroups"] = g;
            }
            v
        };
        let c = id("Microsoft.MachineLearningServices/workspaces/w/computes/c");
        let other = id("Microsoft.ContainerRegistry/registries/other");
        for (groups, reach, says) in [
            (Some(zone("privatelink.azurecr.io", "other.privatelink.azurecr.io.")), Reach::Reachable, "zone privatelink.azurecr.io, where other.privatelink.azurecr.io resolves to 10.0.0.9; whether that zone is linked to v is not read"),
            (Some(zone("PrivateLink.AzureCR.io", "acr.privatelink.azurecr.io")), Reach::Reachable, "keeps its records in zone privatelink.azurecr.io; whether"),
            (Some(zone("privatelink.azurecr.io.contoso.com", "other.privatelink.azurecr.io")), Reach::Unknown, "pe-other has no private DNS zone group for privatelink.azurecr.io"),
            (Some(json!([])), Reach::Unknown, "runs in subnet a of v, where pe-other is a private endpoint of other, but pe-other has no private DNS zone group"),
            (None, Reach::Reachable, "pe-other's private DNS zone groups were not read, so whether other.azurecr.io resolves to it is not checked"),
        ] {
            let inv = tenant(vec![ws.clone(), compute.clone(), pe(groups)]);
            // `other` lets trusted services through, but not a user-assigned identity.
            let v = Net::new(&inv).verdict(Workload::Compute, &c, PullIdentity::Other, &other).unwrap();
            assert_eq!(v.reach, reach, "{}", v.words());
            assert!(v.words().contains(says), "{}", v.words());
        }
        // The zone serves the network only if linked to it; an unlinked one on Azure's DNS does
        // not see the record, one with DNS servers of its own may.
        let zone_groups = zone("privatelink.azurecr.io", "other.privatelink.azurecr.io");
        let zone_id = format!("{S}/Microsoft.Network/privateDnsZones/privatelink.azurecr.io");
        let zone = |linked: &str| json!({"id": zone_id, "type": "Microsoft.Network/privateDnsZones", "name": "privatelink.azurecr.io",
            "virtualNetworkLinks": [{"name": "l", "properties": {"virtualNetwork": {"id": format!("{S}/Microsoft.Network/virtualNetworks/{linked}")}, "virtualNetworkLinkState": "InProgress"}}]});
        let vnet = |dhcp: serde_json::Value| json!({"id": format!("{S}/Microsoft.Network/virtualNetworks/v"), "type": "Microsoft.Network/virtualNetworks", "name": "v", "properties": {"dhcpOptions": dhcp}});
        for (extra, reach, says) in [
            (vec![zone("V")], Reach::Reachable, "and the zone is linked to v (link l, link state InProgress)"),
            (vec![zone("hub")], Reach::Unknown, "but the zone is not linked to v, and v was not read"),
            (vec![zone("hub"), vnet(json!({"dnsServers": ["10.9.0.4", "10.9.0.5"]}))], Reach::Unknown, "v uses DNS servers of its own (10.9.0.4, 10.9.0.5)"),
            (vec![zone("hub"), vnet(json!(null))], Reach::Blocked, "but the zone is not linked to v, whose workloads use Azure's DNS, so other.azurecr.io does not resolve to the endpoint there"),
        ] {
            let mut resources = vec![ws.clone(), compute.clone(), pe(Some(zone_groups.clone()))];
            resources.extend(extra);
            let inv = tenant(resources);
            let v = Net::new(&inv).verdict(Workload::Compute, &c, PullIdentity::Other, &other).unwrap();
            assert_eq!(v.reach, reach, "{}", v.words());
            assert!(v.words().contains(says), "{}", v.words());
            // Only a blocked verdict names the zone to link.
            assert_eq!(v.unlinked_zones.len(), usize::from(reach == Reach::Blocked), "{:?}", v.unlinked_zones);
        }
        // An unlinked zone blocks only when no other endpoint could carry the pull: one whose
        // subnet is not in the data leaves it unknown.
        let nowhere = json!({"id": format!("{S}/Microsoft.Network/privateEndpoints/pe-nowhere"), "type": "Microsoft.Network/privateEndpoints", "name": "pe-nowhere",
            "properties": {"privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": format!("{S}/Microsoft.ContainerRegistry/registries/other"), "privateLinkServiceConnectionState": {"status": "Approved"}}}]}});
        let inv = tenant(vec![ws.clone(), compute.clone(), pe(Some(zone_groups.clone())), zone("hub"), vnet(json!(null)), nowhere]);
        let v = Net::new(&inv).verdict(Workload::Compute, &c, PullIdentity::Other, &other).unwrap();
        assert_eq!(v.reach, Reach::Unknown, "{}", v.words());
        assert!(v.words().contains("but the zone is not linked to v") && v.words().contains("pe-nowhere's subnet is not in the data"), "{}", v.words());
        assert!(v.unlinked_zones.is_empty());
    }

    /// A managed network reaches another registry only through an active PrivateEndpoint rule
    /// naming it; an endpoint the registry lists but the data lacks makes a subnet's verdict
    /// unknown, saying which; AKS pools without a subnet are unknown too.
    #[test]
    fn managed_rules_unread_endpoints_and_generated_aks_networks() {
        let ws = |rules: serde_json::Value| {
            json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w"), "type": "Microsoft.MachineLearningServices/workspaces", "name": "w",
                "properties": {"containerRegistry": format!("{S}/Microsoft.ContainerRegistry/registries/acr"), "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "outboundRules": rules}}})
        };
        let compute = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w/computes/c"), "type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "c",
            "properties": {"computeType": "AmlCompute", "properties": {"subnet": {"id": format!("{S}/Microsoft.Network/virtualNetworks/v/subnets/a")}}}});
        let other = id("Microsoft.ContainerRegistry/registries/other");
        let c = id("Microsoft.MachineLearningServices/workspaces/w/computes/c");
        let rule = |status: &str| json!({"pe": {"type": "PrivateEndpoint", "status": status, "destination": {"serviceResourceId": format!("{S}/Microsoft.ContainerRegistry/registries/other")}}});
        for (rules, reach, says) in [
            (rule("Active"), Reach::Reachable, "outbound rule pe is a private endpoint to other"),
            (rule("Inactive"), Reach::Blocked, "outbound rule pe to other is Inactive"),
            (json!({}), Reach::Blocked, "no PrivateEndpoint outbound rule to other"),
        ] {
            let inv = tenant(vec![ws(rules), compute.clone()]);
            // Trusted services are on by default for `other`, but not for a user-assigned identity.
            let v = Net::new(&inv).verdict(Workload::Compute, &c, PullIdentity::Other, &other).unwrap();
            assert_eq!(v.reach, reach, "{}", v.words());
            assert!(v.words().contains(says), "{}", v.words());
        }
        // Without a managed network the compute's subnet decides: acr lists an endpoint the data lacks.
        let plain = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w"), "type": "Microsoft.MachineLearningServices/workspaces", "name": "w", "properties": {}});
        let inv = tenant(vec![plain, compute]);
        let v = Net::new(&inv).verdict(Workload::Compute, &c, PullIdentity::SystemAssigned, &id("Microsoft.ContainerRegistry/registries/acr")).unwrap();
        assert_eq!(v.reach, Reach::Unknown, "{}", v.words());
        assert!(v.words().contains("private endpoint pe-gone of acr was not readable"), "{}", v.words());
        assert!(v.words().contains("networkRuleBypassOptions: None"), "{}", v.words());
        // An attached AKS cluster whose pools name no subnet.
        let aks = json!({"id": format!("{S}/Microsoft.ContainerService/managedClusters/k"), "type": "Microsoft.ContainerService/managedClusters", "name": "k",
            "properties": {"nodeResourceGroup": "MC_k", "agentPoolProfiles": [{"name": "p"}]}});
        let attached = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w/computes/k"), "type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "k",
            "properties": {"computeType": "Kubernetes", "resourceId": format!("{S}/Microsoft.ContainerService/managedClusters/k")}});
        let inv = tenant(vec![aks, attached]);
        let v = Net::new(&inv).verdict(Workload::AttachedAks, &id("Microsoft.MachineLearningServices/workspaces/w/computes/k"), PullIdentity::Other, &other).unwrap();
        assert_eq!(v.reach, Reach::Unknown, "{}", v.words());
        assert!(v.words().contains("AKS generated their virtual network in resource group MC_k"), "{}", v.words());
    }

    /// Deployments with egress disabled (legacy isolation) reach only the workspace's
    /// registry; with other deployments beside them the verdicts are combined, unknown where
    /// they differ; Kubernetes deployments and a workspace's managed network leave the flag out.
    #[test]
    fn secure_egress_of_deployments() {
        let acr = id("Microsoft.ContainerRegistry/registries/acr");
        let open = json!({"id": format!("{S}/Microsoft.ContainerRegistry/registries/open"), "type": "Microsoft.ContainerRegistry/registries", "name": "open", "sku": {"name": "Premium"}, "properties": {}});
        let premium = json!({"id": format!("{S}/Microsoft.ContainerRegistry/registries/acr"), "type": "Microsoft.ContainerRegistry/registries", "name": "acr", "sku": {"name": "Premium"}, "properties": {"publicNetworkAccess": "Disabled", "networkRuleBypassOptions": "None"}});
        let ws_of = |registry: &str, managed: Option<&str>| {
            let mut p = json!({"containerRegistry": format!("{S}/Microsoft.ContainerRegistry/registries/{registry}")});
            if let Some(m) = managed {
                p["managedNetwork"] = json!({"isolationMode": m});
            }
            json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w"), "type": "Microsoft.MachineLearningServices/workspaces", "name": "w", "properties": p})
        };
        let ws = |managed: Option<&str>| ws_of("acr", managed);
        let ep = json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e"), "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "name": "e", "properties": {}});
        let dep = |name: &str, compute: &str, egress: &str| {
            json!({"id": format!("{S}/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e/deployments/{name}"), "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", "name": name,
                "properties": {"endpointComputeType": compute, "egressPublicNetworkAccess": egress}})
        };
        let e = id("Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e");
        let open_id = id("Microsoft.ContainerRegistry/registries/open");
        let verdict = |extra: Vec<serde_json::Value>, registry: &ResourceId| {
            let mut resources = vec![premium.clone(), open.clone(), ep.clone()];
            resources.extend(extra);
            let (inv, diags) = Inventory::from_resources(resources);
            assert!(diags.is_empty(), "{diags:?}");
            Net::new(&inv).verdict(Workload::OnlineEndpoint, &e, PullIdentity::SystemAssigned, registry).unwrap()
        };
        for (extra, registry, reach, says) in [
            // The workspace's registry, closed to the public: the deployment's own private endpoint.
            (vec![ws(None), dep("blue", "Managed", "disabled")], &acr, Reach::Reachable, "deployment blue of e has egressPublicNetworkAccess Disabled"),
            // Without the flag the same registry is closed.
            (vec![ws(None), dep("blue", "Managed", "Enabled")], &acr, Reach::Blocked, "acr denies public network access"),
            // Another registry, open to all: out of the deployment's reach.
            (vec![ws(None), dep("blue", "Managed", "Disabled")], &open_id, Reach::Blocked, "so images are not pulled from open"),
            // Beside a deployment that goes out the usual way: the two answers differ.
            (vec![ws(None), dep("blue", "Managed", "Disabled"), dep("green", "Managed", "Enabled")], &open_id, Reach::Unknown, "which of e's deployments pulls from open is not told apart here"),
            // ... or agree (the workspace's registry, open to all).
            (vec![ws_of("open", None), dep("blue", "Managed", "Disabled"), dep("green", "Managed", "Enabled")], &open_id, Reach::Reachable, "deployment green of e has egressPublicNetworkAccess Enabled; open allows public network access"),
            // A Kubernetes deployment is not isolated this way.
            (vec![ws(None), dep("blue", "Kubernetes", "Disabled")], &open_id, Reach::Reachable, "open allows public network access"),
            // A managed network: the flag "no longer applies".
            (vec![ws(Some("AllowInternetOutbound")), dep("blue", "Managed", "Disabled")], &open_id, Reach::Reachable, "open allows public network access"),
        ] {
            let v = verdict(extra, registry);
            assert_eq!(v.reach, reach, "{}", v.words());
            assert!(v.words().contains(says), "{}", v.words());
        }
        // The workspace's registry not known to be Premium: no private endpoint to count on.
        let basic = json!({"id": format!("{S}/Microsoft.ContainerRegistry/registries/acr"), "type": "Microsoft.ContainerRegistry/registries", "name": "acr", "sku": {"name": "Basic"}, "properties": {}});
        let (inv, _) = Inventory::from_resources(vec![basic, ep.clone(), ws(None), dep("blue", "Managed", "Disabled")]);
        let v = Net::new(&inv).verdict(Workload::OnlineEndpoint, &e, PullIdentity::SystemAssigned, &acr).unwrap();
        assert_eq!(v.reach, Reach::Unknown, "{}", v.words());
        // The fix says the flag cannot change and where the image can come from instead.
        let (inv, _) = Inventory::from_resources(vec![premium.clone(), open.clone(), ep.clone(), ws(None), dep("blue", "Managed", "Disabled")]);
        let (words, intent) = fix(&inv, Workload::OnlineEndpoint, &e, &open_id);
        assert!(intent.is_none());
        assert!(words.contains("deployment blue of e cannot reach open") && words.contains("from the workspace's registry acr"), "{words}");
    }
}
