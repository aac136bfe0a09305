//! The identity graph the UI draws: workspaces, computes, AKS clusters and connections, the
//! identities they act as, and the registries those identities reach (or should reach).
//!
//! Built from an [`Analysis`] and its [`Inventory`]; plain data, deterministic order. Not here:
//! deciding access (`access`) or layout (the web app).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::{Analysis, PathKind};
use crate::id::ResourceId;
use crate::inventory::Inventory;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// A lowercase resource id, or `principal:{id}` for a principal, or `anyone`.
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
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
    Identity,
    Registry,
    /// Everyone, for anonymous pull.
    Anyone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub works: bool,
    pub label: String,
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
    /// Workspace → compute or connection.
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

fn res(id: &ResourceId) -> String {
    id.key().to_string()
}

fn principal(id: &str) -> String {
    format!("principal:{}", id.to_ascii_lowercase())
}

/// Builds the graph. Every principal in an access row, every identity a resource acts as, and
/// every workspace, compute, cluster, connection and registry in the inventory is a node.
pub fn build(inv: &Inventory, analysis: &Analysis) -> Graph {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    let mut node = |id: String, kind: NodeKind, label: String| {
        nodes.entry(id.clone()).or_insert(Node { id, kind, label });
    };
    let wire = |from: String, to: String, kind: EdgeKind, label: &str| Edge { from, to, kind, works: true, label: label.to_string() };

    for r in &analysis.registries {
        node(res(&r.id), NodeKind::Registry, r.name.clone());
    }
    for i in &analysis.identities {
        node(principal(&i.principal_id), NodeKind::Identity, i.label.clone());
    }
    for w in &inv.workspaces {
        node(res(&w.id), NodeKind::Workspace, w.id.name().to_string());
        if let Some(r) = &w.properties.container_registry {
            edges.push(wire(res(&w.id), res(r), EdgeKind::UsesRegistry, "default registry"));
        }
        if let Some(p) = w.identity.as_ref().and_then(|m| m.principal_id.as_ref()) {
            edges.push(wire(res(&w.id), principal(p), EdgeKind::ActsAs, "system identity"));
        }
    }
    for c in &inv.computes {
        node(res(&c.id), NodeKind::Compute, c.id.name().to_string());
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
        node(res(&mc.id), NodeKind::ManagedCluster, mc.id.name().to_string());
        if let Some(p) = mc.kubelet_identity().and_then(|k| k.object_id.as_ref()) {
            edges.push(wire(res(&mc.id), principal(p), EdgeKind::ActsAs, "kubelet identity"));
        }
    }
    for conn in &inv.connections {
        if !conn.is_container_registry() {
            continue;
        }
        node(res(&conn.id), NodeKind::Connection, conn.id.name().to_string());
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
        node(res(&ep.id), NodeKind::Endpoint, ep.id.name().to_string());
        if let Some(ws) = ep.id.parent() {
            edges.push(wire(res(&ws), res(&ep.id), EdgeKind::Contains, "online endpoint"));
        }
        acts_as(&mut edges, &ep.id, ep.identity.as_ref());
    }
    for g in &inv.container_groups {
        node(res(&g.id), NodeKind::ContainerGroup, g.id.name().to_string());
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
    for row in &analysis.access {
        let from = if row.principal_id.as_ref() == "*" {
            node("anyone".into(), NodeKind::Anyone, "anyone".into());
            "anyone".to_string()
        } else {
            node(principal(&row.principal_id), NodeKind::Identity, row.identity.clone());
            principal(&row.principal_id)
        };
        for p in &row.via {
            let label = p.role.as_ref().map(|r| r.name.clone()).unwrap_or_else(|| "anonymous pull".into());
            edges.push(Edge { from: from.clone(), to: res(&row.registry), kind: p.kind.into(), works: p.works, label });
        }
        if !row.expected_by.is_empty() && row.pull == crate::access::Level::No {
            edges.push(Edge { from: from.clone(), to: res(&row.registry), kind: EdgeKind::Missing, works: false, label: "expected pull".into() });
        }
    }
    // Edges may name resources outside the snapshot (a registry in another tenant); keep only
    // edges whose ends are nodes so the UI never draws to nowhere.
    edges.retain(|e| nodes.contains_key(&e.from) && nodes.contains_key(&e.to));
    crate::sort::sort_by(&mut edges, |a, b| (&a.from, &a.to, a.kind as u8, &a.label).cmp(&(&b.from, &b.to, b.kind as u8, &b.label)));
    edges.dedup();
    Graph { nodes: nodes.into_values().collect(), edges }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access;

    #[test]
    fn demo_graph_connects_wiring_and_access() {
        let (inv, _) = crate::snapshot::parse(crate::sim::DEMO_TENANT).unwrap();
        let g = build(&inv, &access::analyze(&inv));
        let find = |from: &str, to: &str, kind: EdgeKind| g.edges.iter().find(|e| e.from.contains(from) && e.to.contains(to) && e.kind == kind);
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
}
