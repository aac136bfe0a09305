//! Synthetic permission graphs of any size, for layout tests and benchmarks (native, wasm and
//! the browser harness in tests/bench all draw the same one).
//!
//! Same spec, same graph, byte for byte: a xorshift stream seeded by the caller, no system
//! randomness. The shape follows a real tenant: workspaces with computes and connections,
//! AKS clusters, identities in every group, registries, and access edges of every kind.
//! Not here: realistic ARM resources (`pullpath_sim::generate` makes those).

use crate::access::IdentityKind;
use crate::graph::{Edge, EdgeKind, Graph, Node, NodeId, NodeKind};
use crate::id::ResourceId;

/// The node of a resource id this generator wrote.
fn resource(text: &str) -> NodeId {
    NodeId::Resource(ResourceId::parse(text).expect("the generator writes well-formed ids"))
}

/// How big a graph, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub seed: u64,
    pub nodes: usize,
    pub edges: usize,
}

/// The benchmark graph: 2,000 nodes, 10,000 edges.
pub const BENCH: Spec = Spec { seed: 0x5eed_9a9e, nodes: 2_000, edges: 10_000 };

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A graph with exactly `spec.nodes` nodes (at least 8) and `spec.edges` distinct edges (fewer
/// only when that many do not fit between the nodes). Structural
/// edges come first (every compute in a workspace and acting as an identity, ...); the rest
/// are access edges from identities to registries.
pub fn graph(spec: &Spec) -> Graph {
    let mut rng = XorShift(spec.seed | 1);
    let total = spec.nodes.max(8);
    let registries = (total / 10).max(1);
    let workspaces = (total * 3 / 100).max(1);
    let computes = (total * 12 / 100).max(1);
    let clusters = (total * 2 / 100).max(1);
    let connections = (total * 3 / 100).max(1);
    let identities = total - registries - workspaces - computes - clusters - connections - 1;
    let subscriptions = (total / 400).max(1);

    let mut nodes: Vec<Node> = Vec::with_capacity(total);
    let rg = |rng: &mut XorShift| format!("/subscriptions/{:08x}-0000-4000-8000-{:012x}/resourcegroups/rg-{}", rng.below(subscriptions), 0xabc, rng.below(4));
    let mut reg_ids = Vec::new();
    for i in 0..registries {
        let id = format!("{}/providers/microsoft.containerregistry/registries/acr{i:04}", rg(&mut rng));
        nodes.push(Node { id: resource(&id), kind: NodeKind::Registry, label: format!("acr{i:04}"), identity: None });
        reg_ids.push(id);
    }
    let mut ws_ids = Vec::new();
    for i in 0..workspaces {
        let id = format!("{}/providers/microsoft.machinelearningservices/workspaces/ws-{i:03}", rg(&mut rng));
        nodes.push(Node { id: resource(&id), kind: NodeKind::Workspace, label: format!("ws-{i:03}"), identity: None });
        ws_ids.push(id);
    }
    let mut compute_ids = Vec::new();
    for i in 0..computes {
        let ws = &ws_ids[i % workspaces];
        let name = if i % 3 == 0 { format!("gpu-cluster-{i}") } else { format!("cpu-cluster-{i}") };
        let id = format!("{ws}/computes/{name}");
        nodes.push(Node { id: resource(&id), kind: NodeKind::Compute, label: name, identity: None });
        compute_ids.push(id);
    }
    let mut cluster_ids = Vec::new();
    for i in 0..clusters {
        let id = format!("{}/providers/microsoft.containerservice/managedclusters/aks-{i:03}", rg(&mut rng));
        nodes.push(Node { id: resource(&id), kind: NodeKind::ManagedCluster, label: format!("aks-{i:03}"), identity: None });
        cluster_ids.push(id);
    }
    let mut conn_ids = Vec::new();
    for i in 0..connections {
        let ws = &ws_ids[i % workspaces];
        let id = format!("{ws}/connections/images-{i}");
        nodes.push(Node { id: resource(&id), kind: NodeKind::Connection, label: format!("images-{i}"), identity: None });
        conn_ids.push(id);
    }
    // Identities: one per workspace, compute and cluster, one per connection (user-assigned),
    // then users, groups and service principals.
    let mut principal_no = 0u64;
    let mut principal = |nodes: &mut Vec<Node>, label: String, kind: IdentityKind| {
        principal_no += 1;
        let id = NodeId::principal(&format!("{:08x}-0000-4000-8000-{principal_no:012x}", spec.seed as u32));
        nodes.push(Node { id: id.clone(), kind: NodeKind::Identity, label, identity: Some(kind) });
        id
    };
    let mut ids = Vec::new();
    let mut acts: Vec<(NodeId, NodeId, IdentityKind)> = Vec::new();
    let owners = ws_ids
        .iter()
        .map(|w| (w, IdentityKind::WorkspaceSystem))
        .chain(compute_ids.iter().map(|c| (c, IdentityKind::ComputeSystem)))
        .chain(cluster_ids.iter().map(|c| (c, IdentityKind::AksKubelet)))
        .chain(conn_ids.iter().map(|c| (c, IdentityKind::UserAssigned)));
    for (owner, kind) in owners {
        if ids.len() >= identities {
            break;
        }
        let name = owner.rsplit('/').next().unwrap_or(owner);
        let p = principal(&mut nodes, format!("{name} ({})", kind.describe()), kind);
        acts.push((resource(owner), p.clone(), kind));
        ids.push(p);
    }
    let kinds = [IdentityKind::User, IdentityKind::Group, IdentityKind::ServicePrincipal];
    while ids.len() < identities {
        let k = kinds[ids.len() % 3];
        let n = ids.len();
        ids.push(principal(&mut nodes, format!("{} {n:05}", k.describe()), k));
    }
    nodes.push(Node { id: NodeId::Anyone, kind: NodeKind::Anyone, label: "anyone".into(), identity: None });

    let wire = |from: &str, to: &str, kind: EdgeKind, label: &str| Edge { from: resource(from), to: resource(to), kind, works: true, label: label.to_string(), used: false };
    let mut edges: Vec<Edge> = Vec::with_capacity(spec.edges);
    for (i, ws) in ws_ids.iter().enumerate() {
        edges.push(wire(ws, &reg_ids[(i * 7) % registries], EdgeKind::UsesRegistry, "default registry"));
    }
    for (i, c) in compute_ids.iter().enumerate() {
        edges.push(wire(&ws_ids[i % workspaces], c, EdgeKind::Contains, "compute"));
        if i % 10 == 0 {
            edges.push(wire(c, &cluster_ids[i % clusters], EdgeKind::Attached, "attached cluster"));
        }
    }
    for (i, c) in conn_ids.iter().enumerate() {
        edges.push(wire(&ws_ids[i % workspaces], c, EdgeKind::Contains, "connection"));
        edges.push(wire(c, &reg_ids[rng.below(registries)], EdgeKind::Targets, "target registry"));
    }
    for (owner, p, kind) in &acts {
        let label = if *kind == IdentityKind::AksKubelet { "kubelet identity" } else { "system identity" };
        edges.push(Edge { from: owner.clone(), to: p.clone(), kind: EdgeKind::ActsAs, works: true, label: label.into(), used: false });
    }
    edges.truncate(spec.edges);
    // Access edges: identities reach mostly registries "near" them, as in a tenant where a
    // team's identities use the team's registries; that locality is what layout can exploit.
    let access = [
        (EdgeKind::Direct, "AcrPull", true, 50),
        (EdgeKind::Inherited, "AcrPull", true, 22),
        (EdgeKind::BroadRole, "Contributor", true, 10),
        (EdgeKind::AbacIgnored, "AcrPull", false, 6),
        (EdgeKind::AdminKeys, "Owner", true, 4),
        (EdgeKind::Missing, "expected pull", false, 6),
        (EdgeKind::Anonymous, "anonymous pull", true, 2),
    ];
    let weight: usize = access.iter().map(|a| a.3).sum();
    let mut seen = std::collections::HashSet::new();
    // Bounded, so a spec asking for more distinct edges than the nodes allow still ends.
    let mut attempts = spec.edges.saturating_mul(20);
    while edges.len() < spec.edges && attempts > 0 {
        attempts -= 1;
        let mut roll = rng.below(weight);
        let &(kind, label, works, _) = access.iter().find(|a| {
            if roll < a.3 {
                true
            } else {
                roll -= a.3;
                false
            }
        }).unwrap_or(&access[0]);
        let who = rng.below(ids.len());
        let near = who * registries / ids.len().max(1);
        let reg = if rng.below(4) == 0 { rng.below(registries) } else { (near + rng.below(5)) % registries };
        let from = if kind == EdgeKind::Anonymous { NodeId::Anyone } else { ids[who].clone() };
        // `graph::build` never repeats an edge; neither do we.
        if !seen.insert((from.clone(), reg, kind as u8)) {
            continue;
        }
        edges.push(Edge { from, to: resource(&reg_ids[reg]), kind, works, label: label.to_string(), used: false });
    }
    Graph { nodes, edges }
}
