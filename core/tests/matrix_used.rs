//! The matrix's "only pulls actually used" (issue 18): the cells of pulls a workload really
//! makes, an environment used as is, a deployment's image or a build's base image, whether
//! they work or not.

use pullpath_core::analysis;
use pullpath_core::matrix::{Matrix, Query, Show};
use pullpath_core::snapshot;
use serde_json::Value;

fn analysis_of(fixture: &str) -> pullpath_core::analysis::Analysis {
    let path = format!("{}/tests/scenarios/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    analysis::analyze(&snapshot::parse(&case["snapshot"].to_string()).unwrap().0)
}

fn used_cells(a: &pullpath_core::analysis::Analysis) -> Vec<String> {
    let m = Matrix::new(a);
    let v = m.view(a, &Query { show: Show::Used, ..Default::default() });
    let mut out = Vec::new();
    for &r in &v.rows {
        let row = &m.rows[r as usize];
        for &c in &v.columns {
            if let Some(i) = row.cell(c) {
                if a.access[i as usize].used {
                    out.push(format!("{} → {}", row.identity, a.registries[c as usize].name));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn as_is_and_deployment_images_are_pulled_by_the_computes_and_the_endpoints() {
    let a = analysis_of("demand-as-is-and-deployment.json");
    assert_eq!(used_cells(&a), ["cpu-denied → acrimagesx", "cpu-denied → acrmlws", "cpu-ok → acrimagesx", "cpu-ok → acrmlws", "ep-demand → acrimagesx", "ep-ok → acrimagesx"]);
}

#[test]
fn a_builds_base_image_is_pulled_as_its_connections_identity() {
    let a = analysis_of("demand-build-base-images.json");
    let cells = used_cells(&a);
    assert!(cells.iter().any(|c| c == "id-nopull → acrbase"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "id-crosssub → acrbasex"), "{cells:?}");
    // Used says nothing of whether it works: id-nopull cannot pull, and is still a used pull.
    assert!(a.access.iter().any(|r| r.used && r.pull == pullpath_core::access::Level::No));
}

/// In the demo, training-base:3 is built with no identity to pull acrprivate with, so nobody
/// pulls its base image; vision-train:1 runs as is on mlw-secure's vision-cluster, which is
/// the one used pull.
#[test]
fn the_demo_build_has_no_connection_so_nobody_pulls_its_base_image() {
    let (inv, _) = snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let a = analysis::analyze(&inv);
    let m = Matrix::new(&a);
    assert!(m.view(&a, &Query::default()).rows.len() > 5);
    assert_eq!(used_cells(&a), ["vision-cluster → acrvision"]);
}

/// The graph's filter of the same name keeps the same pulls: the used access edges, the
/// environments' image pulls, and who acts as each pulling identity.
#[test]
fn the_graphs_used_view_keeps_the_same_pulls_and_who_makes_them() {
    use pullpath_core::graph::{self, EdgeKind, NodeKind};
    use pullpath_core::layout::{self, Filter};
    let path = format!("{}/tests/scenarios/demand-as-is-and-deployment.json", env!("CARGO_MANIFEST_DIR"));
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let inv = snapshot::parse(&case["snapshot"].to_string()).unwrap().0;
    let a = analysis::analyze(&inv);
    let g = graph::build(&inv, &a);
    let view = layout::filter(&g, &Filter { used_only: true, ..Default::default() });
    let label = |id: &graph::NodeId| g.nodes.iter().find(|n| &n.id == id).map(|n| n.label.split(' ').next().unwrap_or_default().to_string()).unwrap();
    let mut pulls: Vec<String> = view.edges.iter().filter(|e| e.kind.is_access()).map(|e| format!("{} → {}", label(&e.from), label(&e.to))).collect();
    pulls.sort();
    pulls.dedup();
    assert_eq!(pulls, used_cells(&a));
    assert!(view.edges.iter().all(|e| !e.kind.is_access() || e.used), "an unused pull in the used view");
    let used_by = view.edges.iter().filter(|e| e.kind == EdgeKind::UsedBy).count();
    assert_eq!(used_by, a.used_by.len());
    let kinds = |k: NodeKind| view.nodes.iter().filter(|n| n.kind == k).map(|n| n.label.clone()).collect::<Vec<_>>();
    assert!(!kinds(NodeKind::Environment).is_empty());
    // Whoever makes a used pull is in the view, acting as its identity.
    for who in ["cpu-ok", "cpu-denied"] {
        assert!(kinds(NodeKind::Compute).iter().any(|c| c == who), "{who}: {:?}", kinds(NodeKind::Compute));
    }
    for who in ["ep-demand", "ep-ok"] {
        assert!(kinds(NodeKind::Endpoint).iter().any(|c| c == who), "{who}: {:?}", kinds(NodeKind::Endpoint));
    }
    assert!(view.nodes.len() < g.nodes.len(), "the used view drops what is not used");
}
