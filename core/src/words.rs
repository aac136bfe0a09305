//! The words for kinds and levels, one table each, so the app's graph, its SVG export, the
//! matrix and the detail panel cannot call one thing by two names.
//!
//! Words only: deciding kinds and levels is `access` and `graph`'s work, styling them the
//! export's (`layout::svg`) and the web app's. An identity kind's words are
//! `access::IdentityKind::describe`, which analysis itself writes into labels.

use crate::access::{Level, PathKind};
use crate::graph::{Edge, EdgeKind, Node, NodeKind};

/// Every edge kind, in the order the graph's legend and filter list them.
pub const EDGE_KINDS: [EdgeKind; 15] = [
    EdgeKind::Direct,
    EdgeKind::Inherited,
    EdgeKind::BroadRole,
    EdgeKind::AdminKeys,
    EdgeKind::Anonymous,
    EdgeKind::AbacIgnored,
    EdgeKind::Missing,
    EdgeKind::NetworkBlocked,
    EdgeKind::UsedBy,
    EdgeKind::Contains,
    EdgeKind::UsesRegistry,
    EdgeKind::ActsAs,
    EdgeKind::Attached,
    EdgeKind::Targets,
    EdgeKind::MemberOf,
];

/// Every node kind, in the order the graph's legend lists them.
pub const NODE_KINDS: [NodeKind; 10] = [
    NodeKind::Identity,
    NodeKind::Registry,
    NodeKind::Workspace,
    NodeKind::Compute,
    NodeKind::ManagedCluster,
    NodeKind::Connection,
    NodeKind::Endpoint,
    NodeKind::ContainerGroup,
    NodeKind::Environment,
    NodeKind::Anyone,
];

/// An edge kind for humans: in edge titles (the app's and the export's), filters, the detail
/// panel.
pub fn edge_kind(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Direct => "direct role",
        EdgeKind::Inherited => "inherited role",
        EdgeKind::BroadRole => "broad role",
        EdgeKind::AdminKeys => "admin keys",
        EdgeKind::Anonymous => "anonymous pull",
        EdgeKind::AbacIgnored => "ignored by ABAC",
        EdgeKind::Missing => "missing",
        EdgeKind::Contains => "contains",
        EdgeKind::UsesRegistry => "uses registry",
        EdgeKind::ActsAs => "acts as",
        EdgeKind::Attached => "attached",
        EdgeKind::Targets => "names the registry",
        EdgeKind::MemberOf => "member of",
        EdgeKind::NetworkBlocked => "blocked by network",
        EdgeKind::UsedBy => "image pulled from",
    }
}

/// An edge kind as a machine reads it (`data-kind` in the app and the export): its JSON name.
pub fn edge_kind_name(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Direct => "direct",
        EdgeKind::Inherited => "inherited",
        EdgeKind::BroadRole => "broadRole",
        EdgeKind::AdminKeys => "adminKeys",
        EdgeKind::Anonymous => "anonymous",
        EdgeKind::AbacIgnored => "abacIgnored",
        EdgeKind::Missing => "missing",
        EdgeKind::Contains => "contains",
        EdgeKind::UsesRegistry => "usesRegistry",
        EdgeKind::ActsAs => "actsAs",
        EdgeKind::Attached => "attached",
        EdgeKind::Targets => "targets",
        EdgeKind::MemberOf => "memberOf",
        EdgeKind::NetworkBlocked => "networkBlocked",
        EdgeKind::UsedBy => "usedBy",
    }
}

/// A node kind for humans: in node titles (the app's and the export's) and the legend.
pub fn node_kind(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Identity => "identity",
        NodeKind::Registry => "registry",
        NodeKind::Workspace => "workspace",
        NodeKind::Compute => "compute",
        NodeKind::ManagedCluster => "AKS cluster",
        NodeKind::Connection => "connection",
        NodeKind::Endpoint => "online endpoint",
        NodeKind::ContainerGroup => "container group",
        NodeKind::Environment => "environment",
        NodeKind::Anyone => "anyone",
    }
}

/// A node's title (tooltip and, in the export, its `<title>`): `acrmlprod (registry)`.
pub fn node_title(n: &Node) -> String {
    format!("{} ({})", n.label, node_kind(n.kind))
}

/// An edge's title, given its ends' labels: `gpu-cluster → acrmlprod: AcrPull (direct role)`,
/// with `, does not work` inside the parenthesis when it does not.
pub fn edge_title(from: &str, to: &str, e: &Edge) -> String {
    let works = if e.works { "" } else { ", does not work" };
    format!("{from} → {to}: {} ({}{works})", e.label, edge_kind(e.kind))
}

/// How a principal reaches a registry, for humans (the detail panel's explanation chain).
pub fn path_kind(kind: PathKind) -> &'static str {
    match kind {
        PathKind::Direct => "role on the registry",
        PathKind::Inherited => "inherited role",
        PathKind::BroadRole => "broad role",
        PathKind::AdminKeys => "admin user keys",
        PathKind::Anonymous => "anonymous pull",
        PathKind::AbacIgnored => "ignored by ABAC mode",
    }
}

/// A pull or push level as a verdict, symbol first so it never rests on colour alone:
/// `✓ yes`, `◐ some repositories`, `✗ no`.
pub fn level(l: Level) -> &'static str {
    match l {
        Level::Yes => "✓ yes",
        Level::Partial => "◐ some repositories",
        Level::No => "✗ no",
    }
}

/// A level in a matrix cell, after `pull` or `push`: `✓`, `partial`, `—`.
pub fn level_in_cell(l: Level) -> &'static str {
    match l {
        Level::Yes => "✓",
        Level::Partial => "partial",
        Level::No => "—",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables themselves: every surface reads them, so a change here is a change the app,
    /// the export, the matrix and the detail panel make together, and is made on purpose.
    #[test]
    fn each_kind_has_one_set_of_words() {
        let edges: Vec<(&str, &str)> = EDGE_KINDS.iter().map(|&k| (edge_kind_name(k), edge_kind(k))).collect();
        assert_eq!(
            edges,
            [
                ("direct", "direct role"),
                ("inherited", "inherited role"),
                ("broadRole", "broad role"),
                ("adminKeys", "admin keys"),
                ("anonymous", "anonymous pull"),
                ("abacIgnored", "ignored by ABAC"),
                ("missing", "missing"),
                ("networkBlocked", "blocked by network"),
                ("usedBy", "image pulled from"),
                ("contains", "contains"),
                ("usesRegistry", "uses registry"),
                ("actsAs", "acts as"),
                ("attached", "attached"),
                ("targets", "names the registry"),
                ("memberOf", "member of"),
            ]
        );
        // The machine name is the JSON name, so `data-kind` and a graph's JSON agree.
        for k in EDGE_KINDS {
            assert_eq!(serde_json::to_value(k).unwrap(), edge_kind_name(k), "{k:?}");
        }
        let nodes: Vec<&str> = NODE_KINDS.iter().map(|&k| node_kind(k)).collect();
        assert_eq!(nodes, ["identity", "registry", "workspace", "compute", "AKS cluster", "connection", "online endpoint", "container group", "environment", "anyone"]);
        let levels: Vec<(&str, &str)> = [Level::Yes, Level::Partial, Level::No].into_iter().map(|l| (level(l), level_in_cell(l))).collect();
        assert_eq!(levels, [("✓ yes", "✓"), ("◐ some repositories", "partial"), ("✗ no", "—")]);
        // No two kinds share words: a reader could not tell them apart.
        for (i, a) in EDGE_KINDS.iter().enumerate() {
            for b in &EDGE_KINDS[i + 1..] {
                assert_ne!(edge_kind(*a), edge_kind(*b));
            }
        }
    }
}
