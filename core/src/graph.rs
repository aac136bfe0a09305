//! The identity graph the UI draws: workspaces, computes, AKS clusters and connections, the
//! identities they act as, and the registries those identities reach (or should reach).
//!
//! Built from an [`Analysis`] and its [`Inventory`]; plain data, deterministic order. A node is
//! named by a [`NodeId`], whose text form (share links, DOM ids, the SVG export) only its
//! `Display` and `FromStr` know. Not here: deciding access (`access`), layout (`layout`), words
//! for kinds (`words`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::access::{IdentityKind, PathKind};
use crate::analysis::Analysis;
use crate::id::ResourceId;
use crate::inventory::Inventory;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// What a graph node stands for. What kind of resource a resource node is, is the node's
/// [`NodeKind`]; the id only names it.
///
/// Ordered as its text is (resources by lowercase id, then `anyone`, then principals), so
/// whatever sorts nodes by id sorts them as it always did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    /// A registry, workspace, compute, AKS cluster, connection, online endpoint or container
    /// group (compared case-insensitively, as ARM compares ids).
    Resource(ResourceId),
    /// Everyone, for anonymous pull: the access rows' principal `*`.
    Anyone,
    /// A principal, by its lowercase object id.
    Principal(Arc<str>),
}

/// Text that is not a node id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a graph node id (a resource id, principal:<object id> or anyone)")]
pub struct NodeIdError(String);

const PRINCIPAL_PREFIX: &str = "principal:";
const ANYONE: &str = "anyone";

impl NodeId {
    pub fn resource(id: &ResourceId) -> NodeId {
        NodeId::Resource(id.clone())
    }

    /// The node of a principal id as access rows write it: `*` is anyone.
    pub fn principal(id: &str) -> NodeId {
        if id == "*" {
            NodeId::Anyone
        } else {
            NodeId::Principal(id.to_ascii_lowercase().into())
        }
    }

    /// The node a finding's related id names (`Finding::nodes`: resource ids and principal
    /// ids); `None` for a resource id that does not parse.
    pub fn related(id: &str) -> Option<NodeId> {
        if id.starts_with('/') {
            ResourceId::parse(id).ok().map(NodeId::Resource)
        } else {
            Some(NodeId::principal(id))
        }
    }

    pub fn as_resource(&self) -> Option<&ResourceId> {
        match self {
            NodeId::Resource(r) => Some(r),
            _ => None,
        }
    }

    /// The lowercase object id of a principal node (not of anyone).
    pub fn principal_id(&self) -> Option<&str> {
        match self {
            NodeId::Principal(p) => Some(p),
            _ => None,
        }
    }

    /// The lowercase subscription id of a resource under a subscription; principals and anyone
    /// have none.
    pub fn subscription(&self) -> Option<&str> {
        let rest = self.as_resource()?.key().strip_prefix("/subscriptions/")?;
        Some(rest.split('/').next().unwrap_or(rest))
    }
}

/// The one text form: a resource's lowercase id, `principal:{id}`, or `anyone`.
impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Resource(r) => f.write_str(r.key()),
            NodeId::Anyone => f.write_str(ANYONE),
            NodeId::Principal(p) => write!(f, "{PRINCIPAL_PREFIX}{p}"),
        }
    }
}

/// Reads what `Display` writes, in any case (links made before ids were typed included).
impl std::str::FromStr for NodeId {
    type Err = NodeIdError;
    fn from_str(s: &str) -> Result<NodeId, NodeIdError> {
        let err = || NodeIdError(s.to_string());
        if s == ANYONE {
            return Ok(NodeId::Anyone);
        }
        if let Some(p) = s.strip_prefix(PRINCIPAL_PREFIX) {
            // `*` is anyone's principal id, never a principal's.
            return if p.is_empty() || p == "*" { Err(err()) } else { Ok(NodeId::principal(p)) };
        }
        if s.starts_with('/') {
            return ResourceId::parse(s).map(NodeId::Resource).map_err(|_| err());
        }
        Err(err())
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
    pub label: String,
    /// An identity node's kind of principal (which the layout groups identities by).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeKind {
    Workspace,
    Compute,
    ManagedCluster,
    Connection,
    /// A managed online endpoint of a workspace.
    Endpoint,
    /// An Azure Container Instances container group.
    ContainerGroup,
    /// An Azure ML environment version whose image is pulled from a registry in the scan (the
    /// pull demand, `findings::demand`): only those, so the graph does not grow by every
    /// environment a workspace has.
    Environment,
    Identity,
    Registry,
    /// Everyone, for anonymous pull.
    Anyone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: EdgeKind,
    pub works: bool,
    pub label: String,
    /// A pull the tenant really makes (`AccessRow::used`) or an environment's image pull: what
    /// the filter "only pulls that are actually used" keeps.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EdgeKind {
    // Principal → registry, one per access path.
    Direct,
    Inherited,
    BroadRole,
    AdminKeys,
    Anonymous,
    AbacIgnored,
    /// An expected pull with no working path.
    Missing,
    // Wiring.
    /// Workspace → compute, connection or environment; online endpoint → the environment a
    /// deployment of it runs.
    Contains,
    /// Workspace → its registry.
    UsesRegistry,
    /// Resource → the identity it acts as.
    ActsAs,
    /// Attached compute → AKS cluster.
    Attached,
    /// Connection → target registry; container group → the registry it logs in to with a
    /// username and password.
    Targets,
    /// Principal → a group it is a transitive member of, where the group holds a role on a
    /// registry (the member's access runs through it).
    MemberOf,
    /// A pull a role allows and the network blocks for a workload that needs it (`network`):
    /// drawn apart from RBAC-denied (`Missing`) so the two causes never look alike.
    NetworkBlocked,
    /// Environment → the registry its image is pulled from: the base image of its build, the
    /// image its workspace's computes run as is, or the image a deployment runs.
    UsedBy,
}

impl EdgeKind {
    /// A principal → registry kind: one access path (or a missing one), which the matrix shows
    /// as a cell.
    pub fn is_access(self) -> bool {
        matches!(self, EdgeKind::Direct | EdgeKind::Inherited | EdgeKind::BroadRole | EdgeKind::AdminKeys | EdgeKind::Anonymous | EdgeKind::AbacIgnored | EdgeKind::Missing | EdgeKind::NetworkBlocked)
    }
}

impl From<PathKind> for EdgeKind {
    fn from(k: PathKind) -> EdgeKind {
        match k {
            PathKind::Direct => EdgeKind::Direct,
            PathKind::Inherited => EdgeKind::Inherited,
            PathKind::BroadRole => EdgeKind::BroadRole,
            PathKind::AdminKeys => EdgeKind::AdminKeys,
            PathKind::Anonymous => EdgeKind::Anonymous,
            PathKind::AbacIgnored => EdgeKind::AbacIgnored,
        }
    }
}

fn res(id: &ResourceId) -> NodeId {
    NodeId::resource(id)
}

fn principal(id: &str) -> NodeId {
    NodeId::principal(id)
}

/// Builds the graph. Every principal in an access row, every identity a resource acts as, and
/// every workspace, compute, cluster, connection and registry in the inventory is a node.
pub fn build(inv: &Inventory, analysis: &Analysis) -> Graph {
    let mut nodes: BTreeMap<NodeId, Node> = BTreeMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    let mut node = |id: NodeId, kind: NodeKind, label: String, identity: Option<IdentityKind>| {
        nodes.entry(id.clone()).or_insert(Node { id, kind, label, identity });
    };
    let wire = |from: NodeId, to: NodeId, kind: EdgeKind, label: &str| Edge { from, to, kind, works: true, label: label.to_string(), used: false };

    for r in &analysis.registries {
        node(res(&r.id), NodeKind::Registry, r.name.clone(), None);
    }
    for i in &analysis.identities {
        node(principal(&i.principal_id), NodeKind::Identity, i.label.clone(), Some(i.kind));
    }
    for w in &inv.workspaces {
        node(res(&w.id), NodeKind::Workspace, w.id.name().to_string(), None);
        if let Some(r) = &w.properties.container_registry {
            edges.push(wire(res(&w.id), res(r), EdgeKind::UsesRegistry, "default registry"));
        }
        if let Some(p) = w.identity.as_ref().and_then(|m| m.principal_id.as_ref()) {
            edges.push(wire(res(&w.id), principal(p), EdgeKind::ActsAs, "system identity"));
        }
    }
    for c in &inv.computes {
        node(res(&c.id), NodeKind::Compute, c.id.name().to_string(), None);
        if let Some(ws) = c.id.parent() {
            edges.push(wire(res(&ws), res(&c.id), EdgeKind::Contains, "compute"));
        }
        if let Some(msi) = &c.identity {
            if let Some(p) = &msi.principal_id {
                edges.push(wire(res(&c.id), principal(p), EdgeKind::ActsAs, "system identity"));
            }
            for r in msi.user_assigned_identities.values() {
                if let Some(p) = &r.principal_id {
                    edges.push(wire(res(&c.id), principal(p), EdgeKind::ActsAs, "user-assigned identity"));
                }
            }
        }
        if let Some(aks) = &c.properties.resource_id {
            edges.push(wire(res(&c.id), res(aks), EdgeKind::Attached, "attached cluster"));
        }
    }
    for mc in &inv.managed_clusters {
        node(res(&mc.id), NodeKind::ManagedCluster, mc.id.name().to_string(), None);
        if let Some(p) = mc.kubelet_identity().and_then(|k| k.object_id.as_ref()) {
            edges.push(wire(res(&mc.id), principal(p), EdgeKind::ActsAs, "kubelet identity"));
        }
    }
    for conn in &inv.connections {
        if !conn.is_container_registry() {
            continue;
        }
        node(res(&conn.id), NodeKind::Connection, conn.id.name().to_string(), None);
        if let Some(ws) = conn.id.parent() {
            edges.push(wire(res(&ws), res(&conn.id), EdgeKind::Contains, "connection"));
        }
        if let Some(uai) = conn.properties.credentials.as_ref().and_then(|c| c.resource_id.as_ref()) {
            if let Some(p) = inv.identities.iter().find(|u| &u.id == uai).and_then(|u| u.properties.principal_id.as_ref()) {
                edges.push(wire(res(&conn.id), principal(p), EdgeKind::ActsAs, "connection identity"));
            }
        }
        if let Some(target) = &conn.properties.target {
            if let Some(r) = analysis.registries.iter().find(|r| r.login_server.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(target.trim_start_matches("https://").trim_end_matches('/')))) {
                edges.push(wire(res(&conn.id), res(&r.id), EdgeKind::Targets, "target registry"));
            }
        }
    }
    let acts_as = |edges: &mut Vec<Edge>, from: &ResourceId, msi: Option<&crate::arm::ManagedServiceIdentity>| {
        let Some(msi) = msi else { return };
        if let Some(p) = &msi.principal_id {
            edges.push(wire(res(from), principal(p), EdgeKind::ActsAs, "system identity"));
        }
        for (key, r) in &msi.user_assigned_identities {
            let from_inventory = || ResourceId::parse(key).ok().and_then(|id| inv.identities.iter().find(|u| u.id == id)).and_then(|u| u.properties.principal_id.clone());
            if let Some(p) = r.principal_id.clone().or_else(from_inventory) {
                edges.push(wire(res(from), principal(&p), EdgeKind::ActsAs, "user-assigned identity"));
            }
        }
    };
    for ep in &inv.online_endpoints {
        node(res(&ep.id), NodeKind::Endpoint, ep.id.name().to_string(), None);
        if let Some(ws) = ep.id.parent() {
            edges.push(wire(res(&ws), res(&ep.id), EdgeKind::Contains, "online endpoint"));
        }
        acts_as(&mut edges, &ep.id, ep.identity.as_ref());
    }
    for g in &inv.container_groups {
        node(res(&g.id), NodeKind::ContainerGroup, g.id.name().to_string(), None);
        acts_as(&mut edges, &g.id, g.identity.as_ref());
        for cred in &g.properties.image_registry_credentials {
            let by_password = cred.identity.as_deref().is_none_or(str::is_empty) && cred.username.as_deref().is_some_and(|u| !u.is_empty());
            let login = crate::registry_login::normalise_login(&cred.server);
            if let Some(r) = analysis.registries.iter().find(|r| r.login_server.as_deref().is_some_and(|l| crate::registry_login::normalise_login(l) == login)) {
                let label = if by_password { "logs in with a username and password" } else { "pulls with its identity" };
                edges.push(wire(res(&g.id), res(&r.id), EdgeKind::Targets, label));
            }
        }
    }
    // The pull demand: each environment version whose image comes from a registry in the
    // scan, under its workspace, with one edge per use of its image.
    // A job runs an environment version the scan also read, whose as-is pull is drawn
    // already: its jobs go into that edge's words, not into edges of their own.
    let jobs: Vec<(&crate::findings::demand::UsedBy, String)> = analysis
        .used_by
        .iter()
        .filter_map(|u| match &u.by {
            crate::findings::demand::UsedFor::Job { job, compute: Some(c) } => Some((u, format!("job {} on {}", job.name(), c.name()))),
            crate::findings::demand::UsedFor::Job { job, compute: None } => Some((u, format!("job {}", job.name()))),
            _ => None,
        })
        .collect();
    let as_is: crate::rbac::FastSet<(&str, &str)> =
        analysis.used_by.iter().filter(|u| matches!(u.by, crate::findings::demand::UsedFor::AsIs)).map(|u| (u.environment.key(), u.registry.key())).collect();
    for u in &analysis.used_by {
        let Some(ws) = u.environment.parent().and_then(|c| c.parent()) else { continue };
        if matches!(u.by, crate::findings::demand::UsedFor::Job { .. }) && as_is.contains(&(u.environment.key(), u.registry.key())) {
            continue;
        }
        node(res(&u.environment), NodeKind::Environment, crate::findings::demand::environment_label(&u.environment), None);
        // An Azure ML registry's environment has no workspace of its own to sit under.
        if !crate::findings::demand::in_ml_registry(&u.environment) {
            edges.push(wire(res(&ws), res(&u.environment), EdgeKind::Contains, "environment"));
        }
        let label = match &u.by {
            crate::findings::demand::UsedFor::Build => format!("base image of its build: {}", u.image),
            crate::findings::demand::UsedFor::AsIs => {
                let ran: Vec<&str> = jobs.iter().filter(|(j, _)| j.environment == u.environment && j.registry == u.registry).map(|(_, r)| r.as_str()).collect();
                match ran.is_empty() {
                    true => format!("run as is on the workspace's computes: {}", u.image),
                    false => format!("run as is on the workspace's computes (jobs read: {}): {}", ran.join(", "), u.image),
                }
            }
            crate::findings::demand::UsedFor::Deployment { deployment } => {
                format!("run by deployment {} of endpoint {}: {}", deployment.name(), deployment.parent().map(|p| p.name().to_string()).unwrap_or_default(), u.image)
            }
            // An Azure ML registry's environment: its jobs are its only pulls.
            crate::findings::demand::UsedFor::Job { job, compute } => match compute {
                Some(c) => format!("run as is by job {} on compute {}: {}", job.name(), c.name(), u.image),
                None => format!("run as is by job {}: {}", job.name(), u.image),
            },
        };
        edges.push(Edge { used: true, ..wire(res(&u.environment), res(&u.registry), EdgeKind::UsedBy, &label) });
        if let crate::findings::demand::UsedFor::Deployment { deployment } = &u.by {
            if let Some(ep) = deployment.parent() {
                edges.push(Edge { used: true, ..wire(res(&ep), res(&u.environment), EdgeKind::Contains, &format!("deployment {}", deployment.name())) });
            }
        }
    }
    for row in &analysis.access {
        let from = principal(&row.principal_id);
        match from {
            NodeId::Anyone => node(NodeId::Anyone, NodeKind::Anyone, "anyone".into(), None),
            _ => node(from.clone(), NodeKind::Identity, row.identity.clone(), Some(row.identity_kind)),
        }
        for p in &row.via {
            let label = p.role.as_ref().map(|r| r.name.clone()).unwrap_or_else(|| "anonymous pull".into());
            edges.push(Edge { from: from.clone(), to: res(&row.registry), kind: p.kind.into(), works: p.works, label, used: row.used });
        }
        if !row.expected_by.is_empty() && row.pull == crate::access::Level::No {
            edges.push(Edge { from: from.clone(), to: res(&row.registry), kind: EdgeKind::Missing, works: false, label: "expected pull".into(), used: row.used });
        }
        if row.pull != crate::access::Level::No && row.network_blocked() {
            let blocked: Vec<&str> = row.network.iter().filter(|v| v.reach == crate::network::Reach::Blocked).map(|v| v.workload.name()).collect();
            edges.push(Edge { from: from.clone(), to: res(&row.registry), kind: EdgeKind::NetworkBlocked, works: false, label: format!("blocked by the network for {}", blocked.join(", ")), used: row.used });
        }
        // Access through a group: the member → group edge shows whose role it is (the group's
        // own row draws the group → registry edge).
        for g in row.via.iter().filter_map(|p| p.group.as_deref()) {
            edges.push(Edge { from: from.clone(), to: principal(g), kind: EdgeKind::MemberOf, works: true, label: "member of".into(), used: row.used });
        }
    }
    // Edges may name resources outside the snapshot (a registry in another tenant); keep only
    // edges whose ends are nodes so the UI never draws to nowhere.
    edges.retain(|e| nodes.contains_key(&e.from) && nodes.contains_key(&e.to));
    crate::sort::sort_by(&mut edges, |a, b| (&a.from, &a.to, a.kind as u8, &a.label).cmp(&(&b.from, &b.to, b.kind as u8, &b.label)));
    edges.dedup();
    Graph { nodes: nodes.into_values().collect(), edges }
}

/// The principals that act as or for a node, lowercase as access rows write them: a
/// principal itself, anyone's `*`; a workspace's, compute's or AKS cluster's system-assigned and
/// user-assigned identities (and a cluster's kubelet identity first), a connection's identity,
/// a user-assigned identity's own principal. None for other nodes. The detail panel lists
/// these principals' access rows for the node.
pub fn acting_principals(inv: &Inventory, node: &NodeId) -> Vec<String> {
    let id = match node {
        NodeId::Anyone => return vec!["*".into()],
        NodeId::Principal(p) => return vec![p.to_string()],
        NodeId::Resource(id) => id,
    };
    let mut out = Vec::new();
    let system_and_user = |msi: Option<&crate::arm::ManagedServiceIdentity>, out: &mut Vec<String>| {
        let Some(msi) = msi else { return };
        out.extend(msi.principal_id.iter().map(|p| p.to_ascii_lowercase()));
        out.extend(msi.user_assigned_identities.values().filter_map(|r| r.principal_id.as_ref()).map(|p| p.to_ascii_lowercase()));
    };
    if let Some(w) = inv.workspaces.iter().find(|x| &x.id == id) {
        system_and_user(w.identity.as_ref(), &mut out);
    } else if let Some(c) = inv.computes.iter().find(|x| &x.id == id) {
        system_and_user(c.identity.as_ref(), &mut out);
    } else if let Some(conn) = inv.connections.iter().find(|x| &x.id == id) {
        let uai = conn.properties.credentials.as_ref().and_then(|c| c.resource_id.as_ref());
        out.extend(uai.and_then(|r| inv.identities.iter().find(|i| &i.id == r)).and_then(|i| i.properties.principal_id.as_ref()).map(|p| p.to_ascii_lowercase()));
    } else if let Some(mc) = inv.managed_clusters.iter().find(|x| &x.id == id) {
        out.extend(mc.kubelet_identity().and_then(|k| k.object_id.as_ref()).map(|p| p.to_ascii_lowercase()));
        system_and_user(mc.identity.as_ref(), &mut out);
    } else if let Some(u) = inv.identities.iter().find(|x| &x.id == id) {
        out.extend(u.properties.principal_id.as_ref().map(|p| p.to_ascii_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis;

    #[test]
    fn demo_graph_connects_wiring_and_access() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let g = build(&inv, &analysis::analyze(&inv));
        let find = |from: &str, to: &str, kind: EdgeKind| g.edges.iter().find(|e| e.from.to_string().contains(from) && e.to.to_string().contains(to) && e.kind == kind);
        // gpu-cluster → its identity → (missing) acrmlprod.
        assert!(find("computes/gpu-cluster", "principal:aaaaaaaa-0000-0000-0000-000000000005", EdgeKind::ActsAs).is_some());
        let missing = find("principal:aaaaaaaa-0000-0000-0000-000000000005", "registries/acrmlprod", EdgeKind::Missing).expect("missing pull edge");
        assert!(!missing.works);
        // The AKS compute → cluster → kubelet → registry chain.
        assert!(find("computes/aks-endpoint", "managedclusters/aks-inference", EdgeKind::Attached).is_some());
        assert!(find("managedclusters/aks-inference", "principal:aaaaaaaa-0000-0000-0000-000000000004", EdgeKind::ActsAs).is_some());
        assert!(find("principal:aaaaaaaa-0000-0000-0000-000000000004", "registries/acrmlprod", EdgeKind::Direct).is_some_and(|e| e.works));
        // Alice's AcrPull on the ABAC registry is drawn, as not working.
        assert!(find("principal:bbbbbbbb-0000-0000-0000-000000000001", "registries/acrteamabac", EdgeKind::AbacIgnored).is_some_and(|e| !e.works));
        assert!(find("connections/base-images", "registries/acrbaseimages", EdgeKind::Targets).is_some());
        for e in &g.edges {
            assert!(g.nodes.iter().any(|n| n.id == e.from) && g.nodes.iter().any(|n| n.id == e.to), "{e:?}");
        }
    }

    #[test]
    fn environments_draw_the_pulls_the_tenant_really_makes() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let an = analysis::analyze(&inv);
        let g = build(&inv, &an);
        let envs: Vec<&Node> = g.nodes.iter().filter(|n| n.kind == NodeKind::Environment).collect();
        assert!(!envs.is_empty() && envs.len() <= an.used_by.len(), "{envs:?}");
        // One used-by edge per demanded pull from a registry in the scan, each from an
        // environment node under its workspace, marked used; a job's pull is words on its
        // environment's edge (the demo's job ran vision-train:1 on vision-cluster).
        let used_by: Vec<&Edge> = g.edges.iter().filter(|e| e.kind == EdgeKind::UsedBy).collect();
        let jobs = an.used_by.iter().filter(|u| matches!(u.by, crate::findings::demand::UsedFor::Job { .. })).count();
        assert_eq!(jobs, 1);
        assert_eq!(used_by.len(), an.used_by.len() - jobs);
        assert!(used_by.iter().any(|e| e.label.contains("jobs read: job vision-train-1130 on vision-cluster")), "{used_by:?}");
        for u in &an.used_by {
            let e = used_by.iter().find(|e| e.from == res(&u.environment) && e.to == res(&u.registry)).unwrap_or_else(|| panic!("{u:?}"));
            assert!(e.used && e.label.contains(&u.image), "{e:?}");
            let ws = u.environment.parent().and_then(|c| c.parent()).unwrap();
            assert!(g.edges.iter().any(|e| e.kind == EdgeKind::Contains && e.from == res(&ws) && e.to == res(&u.environment)));
        }
        let base = used_by.iter().find(|e| e.to.to_string().ends_with("registries/acrprivate")).expect("the private base image's pull");
        assert!(base.label.starts_with("base image of its build"), "{base:?}");
        // Access edges carry the rows' `used` (the demo's one build has no connection, so no
        // access row is used: `tests/matrix_used.rs` covers used rows).
        for row in an.access.iter().filter(|r| !r.used) {
            assert!(!g.edges.iter().any(|e| e.kind.is_access() && e.used && e.from == principal(&row.principal_id) && e.to == res(&row.registry)), "{row:?}");
        }
    }

    #[test]
    fn node_ids_read_back_their_text_and_sort_as_it_does() {
        let reg = ResourceId::parse("/subscriptions/S1/resourceGroups/RG/providers/Microsoft.ContainerRegistry/registries/Acr").unwrap();
        let ids = [NodeId::resource(&reg), NodeId::Anyone, NodeId::principal("AAAAAAAA-0000-0000-0000-000000000001"), NodeId::principal("bbbb")];
        let texts: Vec<String> = ids.iter().map(NodeId::to_string).collect();
        assert_eq!(
            texts,
            [
                "/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr",
                "anyone",
                "principal:aaaaaaaa-0000-0000-0000-000000000001",
                "principal:bbbb"
            ]
        );
        for (id, text) in ids.iter().zip(&texts) {
            assert_eq!(&text.parse::<NodeId>().unwrap(), id, "{text}");
            assert_eq!(serde_json::to_value(id).unwrap(), serde_json::Value::String(text.clone()));
            assert_eq!(&serde_json::from_value::<NodeId>(serde_json::Value::String(text.clone())).unwrap(), id);
        }
        // Ids order as their text does: layout breaks ties on ids.
        let mut by_id = ids.to_vec();
        by_id.sort();
        let mut by_text = texts.clone();
        by_text.sort();
        assert_eq!(by_id.iter().map(NodeId::to_string).collect::<Vec<_>>(), by_text);
        // A resource id in its original case names the same node.
        assert_eq!(reg.as_str().parse::<NodeId>().unwrap(), ids[0]);
        assert_eq!(ids[0].subscription(), Some("s1"));
        assert_eq!(NodeId::principal("*"), NodeId::Anyone);
        assert_eq!(NodeId::related("BBBB"), Some(ids[3].clone()));
        assert_eq!(NodeId::related(reg.as_str()), Some(ids[0].clone()));
        for bad in ["", "Anyone", "principal:", "principal:*", "subscriptions/s1", "<script>", "/subscriptions//x"] {
            assert!(bad.parse::<NodeId>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn acting_principals_are_the_identities_a_node_acts_as() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let node = |suffix: &str| {
            let ids = inv.computes.iter().map(|c| &c.id).chain(inv.managed_clusters.iter().map(|c| &c.id)).chain(inv.connections.iter().map(|c| &c.id)).chain(inv.registries.iter().map(|c| &c.id));
            NodeId::resource(ids.into_iter().find(|id| id.key().ends_with(suffix)).unwrap_or_else(|| panic!("{suffix}")))
        };
        assert_eq!(acting_principals(&inv, &node("computes/gpu-cluster")), ["aaaaaaaa-0000-0000-0000-000000000005"]);
        // The kubelet identity first, then the cluster's own.
        let aks = acting_principals(&inv, &node("managedclusters/aks-inference"));
        assert_eq!(aks.first().map(String::as_str), Some("aaaaaaaa-0000-0000-0000-000000000004"), "{aks:?}");
        assert!(acting_principals(&inv, &node("registries/acrmlprod")).is_empty());
        assert_eq!(acting_principals(&inv, &NodeId::Anyone), ["*"]);
        assert_eq!(acting_principals(&inv, &NodeId::principal("ABC")), ["abc"]);
    }
}
