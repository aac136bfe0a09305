//! Choosing which part of the graph to show: a node's neighbourhood, or the nodes and edges a
//! filter keeps (subscription, edge kind, text).
//!
//! Both return a smaller [`Graph`] that keeps the input's order, so laying it out stays
//! deterministic. Not here: layout, and deciding what the graph holds (`graph`).

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::graph::{EdgeKind, Graph, NodeId};

/// The node `id` and everything within `depth` edges of it, in either direction, with the
/// edges among them. An unknown id gives an empty graph.
pub fn neighbourhood(graph: &Graph, id: &NodeId, depth: usize) -> Graph {
    around(graph, std::slice::from_ref(id), depth)
}

/// The nodes `ids` and everything within `depth` edges of any of them, with the edges among
/// them, in the input's order (a finding's neighbourhood). Unknown ids are ignored.
pub fn around(graph: &Graph, ids: &[NodeId], depth: usize) -> Graph {
    let index: HashMap<&NodeId, usize> = graph.nodes.iter().enumerate().map(|(i, n)| (&n.id, i)).collect();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for e in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(&e.from), index.get(&e.to)) {
            adj[a].push(b);
            adj[b].push(a);
        }
    }
    let mut dist: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    let mut queue = VecDeque::new();
    for id in ids {
        if let Some(&i) = index.get(id) {
            if dist[i].is_none() {
                dist[i] = Some(0);
                queue.push_back(i);
            }
        }
    }
    while let Some(n) = queue.pop_front() {
        let d = dist[n].unwrap_or(0);
        if d >= depth {
            continue;
        }
        for &m in &adj[n] {
            if dist[m].is_none() {
                dist[m] = Some(d + 1);
                queue.push_back(m);
            }
        }
    }
    let keep: HashSet<&NodeId> = graph.nodes.iter().zip(&dist).filter(|(_, d)| d.is_some()).map(|(n, _)| &n.id).collect();
    subgraph(graph, &keep, |_| true)
}

/// What to keep. Every part is optional (empty keeps everything); parts combine with "and".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    /// Subscription ids, any case. Resources in other subscriptions go. Principals and
    /// `anyone` have no subscription: they stay when an edge links them to a kept resource.
    pub subscriptions: Vec<String>,
    /// Edge kinds to keep. A node left without any edge by this goes too, so "show only
    /// ABAC-ignored roles" shows only who and what they concern.
    pub edge_kinds: Vec<EdgeKind>,
    /// Case-insensitive text in a node's label or id. Matching nodes stay with their direct
    /// neighbours, so a match is shown with what it connects to.
    pub text: String,
    /// Only the pulls the tenant really makes (`Edge::used`): their access edges, the images
    /// environments pull, and the wiring that leads to them (who acts as the pulling identity,
    /// which workspace holds it, the group a pull runs through).
    pub used_only: bool,
}

/// The part of the graph the filter keeps.
pub fn filter(graph: &Graph, f: &Filter) -> Graph {
    if f.used_only {
        return filter(&used_part(graph), &Filter { used_only: false, ..f.clone() });
    }
    let subs: HashSet<String> = f.subscriptions.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    let in_scope = |id: &NodeId| match id.subscription() {
        Some(s) => subs.is_empty() || subs.contains(s),
        // Principals and `anyone` have no subscription of their own: decided by their edges.
        None => true,
    };
    let kind_ok = |k: EdgeKind| f.edge_kinds.is_empty() || f.edge_kinds.contains(&k);
    let nodes: HashSet<&NodeId> = graph.nodes.iter().map(|n| &n.id).collect();

    // Edges that pass kind and subscription.
    let edges: Vec<usize> = (0..graph.edges.len())
        .filter(|&i| {
            let e = &graph.edges[i];
            kind_ok(e.kind) && in_scope(&e.from) && in_scope(&e.to) && nodes.contains(&e.from) && nodes.contains(&e.to)
        })
        .collect();
    let mut touched: HashSet<&NodeId> = HashSet::new();
    for &i in &edges {
        touched.insert(&graph.edges[i].from);
        touched.insert(&graph.edges[i].to);
    }
    let mut keep: HashSet<&NodeId> = graph
        .nodes
        .iter()
        .filter(|n| {
            let id = &n.id;
            if touched.contains(id) {
                return true;
            }
            // An edge-kind filter asks for edges, which this node has none of.
            if !f.edge_kinds.is_empty() {
                return false;
            }
            match id.subscription() {
                Some(_) => in_scope(id),
                None => subs.is_empty(),
            }
        })
        .map(|n| &n.id)
        .collect();

    let needle = f.text.trim().to_lowercase();
    if !needle.is_empty() {
        // The id as its text: a search for `principal:` or a subscription id finds nodes.
        let hits: HashSet<&NodeId> = graph.nodes.iter().filter(|n| keep.contains(&n.id) && (n.label.to_lowercase().contains(&needle) || n.id.to_string().contains(&needle))).map(|n| &n.id).collect();
        let mut with_neighbours = hits.clone();
        for &i in &edges {
            let e = &graph.edges[i];
            if hits.contains(&e.from) {
                with_neighbours.insert(&e.to);
            }
            if hits.contains(&e.to) {
                with_neighbours.insert(&e.from);
            }
        }
        keep.retain(|id| with_neighbours.contains(id));
    }
    let edge_set: HashSet<usize> = edges.into_iter().collect();
    subgraph(graph, &keep, |i| edge_set.contains(&i))
}

/// The used edges, then the wiring into what they reach, followed backwards to a fixed point:
/// a used pull keeps its principal, an acts-as edge into that principal keeps the compute, a
/// contains edge into the compute keeps its workspace, an attached edge into a kept cluster
/// keeps the AKS compute. Wiring out of kept nodes to elsewhere (a workspace's other computes)
/// is not followed, so the view stays the used part.
fn used_part(graph: &Graph) -> Graph {
    let mut keep: HashSet<&NodeId> = HashSet::new();
    let mut edge_set: HashSet<usize> = HashSet::new();
    for (i, e) in graph.edges.iter().enumerate().filter(|(_, e)| e.used) {
        edge_set.insert(i);
        keep.insert(&e.from);
        keep.insert(&e.to);
    }
    let wiring = |k: EdgeKind| matches!(k, EdgeKind::ActsAs | EdgeKind::Contains | EdgeKind::Attached | EdgeKind::UsesRegistry);
    loop {
        let before = edge_set.len();
        for (i, e) in graph.edges.iter().enumerate() {
            if wiring(e.kind) && keep.contains(&e.to) && !edge_set.contains(&i) {
                // A workspace's default registry edge only where both ends are already kept.
                if e.kind == EdgeKind::UsesRegistry && !keep.contains(&e.from) {
                    continue;
                }
                edge_set.insert(i);
                keep.insert(&e.from);
            }
        }
        if edge_set.len() == before {
            break;
        }
    }
    subgraph(graph, &keep, |i| edge_set.contains(&i))
}

/// Nodes in `keep` and the edges (passing `edge_ok`) between them, in the input's order.
fn subgraph(graph: &Graph, keep: &HashSet<&NodeId>, edge_ok: impl Fn(usize) -> bool) -> Graph {
    Graph {
        nodes: graph.nodes.iter().filter(|n| keep.contains(&n.id)).cloned().collect(),
        edges: graph.edges.iter().enumerate().filter(|(i, e)| edge_ok(*i) && keep.contains(&e.from) && keep.contains(&e.to)).map(|(_, e)| e.clone()).collect(),
    }
}
