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

#[test]
fn the_demo_build_has_no_connection_so_nobody_pulls_its_base_image() {
    let (inv, _) = snapshot::parse(pullpath_sim::DEMO_TENANT).unwrap();
    let a = analysis::analyze(&inv);
    let m = Matrix::new(&a);
    assert!(m.view(&a, &Query::default()).rows.len() > 5);
    assert!(m.view(&a, &Query { show: Show::Used, ..Default::default() }).rows.is_empty(), "training-base:3 is built with no identity to pull acrprivate with");
}
