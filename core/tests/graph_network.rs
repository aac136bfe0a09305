//! The graph marks a pull the role allows and the network blocks (issue 19, UI): an edge of
//! its own kind, worded and styled apart from an RBAC-denied one, in the app and the export.

use pullpath_core::analysis;
use pullpath_core::graph::{self, EdgeKind, NodeId};
use pullpath_core::layout::{self, svg, LayoutOptions};
use pullpath_core::snapshot;
use pullpath_core::words;
use serde_json::Value;

/// A truth case's snapshot: gpu-cluster may pull from acrprivate by its role, but its VNet's
/// peering to the private endpoint's VNet is only Initiated.
fn blocked_case() -> pullpath_core::inventory::Inventory {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/truth/network/peering-must-be-connected.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    snapshot::parse(&case["snapshot"].to_string()).unwrap().0
}

#[test]
fn a_pull_blocked_by_the_network_has_its_own_edge_beside_the_role() {
    let inv = blocked_case();
    let a = analysis::analyze(&inv);
    let g = graph::build(&inv, &a);
    let who = NodeId::principal("aaaaaaaa-0000-4000-8000-000000000091");
    let to_registry: Vec<&graph::Edge> = g.edges.iter().filter(|e| e.from == who && g.nodes.iter().any(|n| n.id == e.to && n.label == "acrprivate")).collect();
    let blocked: Vec<&&graph::Edge> = to_registry.iter().filter(|e| e.kind == EdgeKind::NetworkBlocked).collect();
    assert_eq!(blocked.len(), 1, "{to_registry:?}");
    assert!(!blocked[0].works);
    assert!(blocked[0].label.contains("gpu-cluster"), "names the workload: {}", blocked[0].label);
    assert!(to_registry.iter().any(|e| e.kind.is_access() && e.kind != EdgeKind::NetworkBlocked && e.works), "the role's own edge stays: {to_registry:?}");
    assert_ne!(svg::edge_style(EdgeKind::NetworkBlocked), svg::edge_style(EdgeKind::Missing), "not drawn like an RBAC-denied pull");
    assert_eq!(words::edge_kind(EdgeKind::NetworkBlocked), "blocked by network");
    let missing = graph::Edge { kind: EdgeKind::Missing, ..(*blocked[0]).clone() };
    assert_ne!(svg::edge_stroke(blocked[0]), svg::edge_stroke(&missing), "its colour is not the red of a pull RBAC denies");

    // The export draws it with its kind and says so in the legend.
    let l = layout::layout(&g, &LayoutOptions::default());
    let doc = svg::render(&g, &l, &svg::SvgOptions::default());
    assert!(doc.contains("data-kind=\"networkBlocked\""), "the edge is in the export");
    assert!(doc.contains("the network blocks it"), "and in its legend");
}

/// The demo's one blocked path: vision-cluster in mlw-secure's managed network has AcrPull on
/// acrvision, which denies public access, and the managed network has no outbound rule to it.
#[test]
fn the_demo_has_one_network_blocked_edge() {
    let (inv, _) = snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let g = graph::build(&inv, &analysis::analyze(&inv));
    let blocked: Vec<&graph::Edge> = g.edges.iter().filter(|e| e.kind == EdgeKind::NetworkBlocked).collect();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(blocked[0].to.to_string().ends_with("/registries/acrvision"), "{:?}", blocked[0]);
    assert_eq!(blocked[0].label, "blocked by the network for vision-cluster");
    assert!(blocked[0].used, "vision-cluster runs vision-train:1 from acrvision as is");
}

/// The blocked edge's title names the workload: a hostile compute name stays text there, in
/// the app's words and in the export.
#[test]
fn a_hostile_workload_name_in_the_blocked_edge_is_only_text() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/truth/network/peering-must-be-connected.json");
    // No `/` (it would end the id's segment) and no control character (ids refuse them).
    let evil = "gpu<script>x<\\script>\"'&`$(id)]]>";
    let text = std::fs::read_to_string(path).unwrap().replace("/computes/gpu-cluster", &format!("/computes/{}", serde_json::to_string(evil).unwrap().trim_matches('"')));
    let case: Value = serde_json::from_str(&text).unwrap();
    let inv = snapshot::parse(&case["snapshot"].to_string()).unwrap().0;
    let g = graph::build(&inv, &analysis::analyze(&inv));
    let blocked = g.edges.iter().find(|e| e.kind == EdgeKind::NetworkBlocked).expect("still blocked");
    assert!(blocked.label.contains(evil), "{}", blocked.label);
    let l = layout::layout(&g, &LayoutOptions::default());
    let doc = svg::render(&g, &l, &svg::SvgOptions::default());
    assert!(!doc.contains("<script") && !doc.contains("]]>"), "markup from data in:\n{doc}");
    assert!(doc.contains("gpu&lt;script&gt;x&lt;\\script&gt;&quot;&apos;&amp;`$(id)]]&gt;"), "the name is escaped text");
    assert_eq!(doc.matches('"').count() % 2, 0, "every attribute closes");
}
