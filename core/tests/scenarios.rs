//! Scenario harness: every `tests/scenarios/*.json` holds a snapshot (inline, or a path in
//! `snapshotFile` relative to the crate) and the access rows and findings analysis must give.
//!
//! `UPDATE_EXPECT=1 cargo test -p pullpath-core --test scenarios` rewrites the `expect` part of
//! every fixture from the current output (`pullpath-fixture`, after rust-analyzer's expect-test);
//! review the diff.

use std::path::Path;

use pullpath_core::analysis::{self, Analysis};
use pullpath_core::snapshot;
use serde_json::{json, Value};

/// The readable form of an analysis that fixtures pin down.
fn expectation(a: &Analysis) -> Value {
    let access: Vec<Value> = a
        .access
        .iter()
        .map(|r| {
            let mut row = json!({
                "principalId": r.principal_id,
                "identity": r.identity,
                "registry": r.registry.name(),
                "pull": r.pull,
                "push": r.push,
                "via": r.via.iter().map(|p| format!("{}{}: {}", serde_json::to_value(p.kind).unwrap().as_str().unwrap(), if p.works { "" } else { " (does not work)" }, p.explanation)).collect::<Vec<_>>(),
            });
            if !r.expected_by.is_empty() {
                row["expectedBy"] = json!(r.expected_by.iter().map(|e| e.name()).collect::<Vec<_>>());
            }
            if let Some(w) = &r.why_not {
                row["whyNot"] = json!(w);
            }
            if r.used {
                row["used"] = json!(true);
            }
            row
        })
        .collect();
    let findings: Vec<Value> = a
        .findings
        .iter()
        .map(|f| json!({"id": f.id, "severity": f.severity, "resource": f.resource.to_string(), "message": f.message, "fixes": f.fixes}))
        .collect();
    let diagnostics: Vec<Value> = a.diagnostics.iter().map(|d| json!(format!("{}: {}", d.at, d.message))).collect();
    let mut out = json!({"access": access, "findings": findings, "diagnostics": diagnostics});
    // Who really pulls from which registry (issue 18), in the words the detail panel shows.
    if !a.used_by.is_empty() {
        out["usedBy"] = json!(a.used_by.iter().map(|u| format!("{}: {}", u.registry.name(), u.describe())).collect::<Vec<_>>());
    }
    out
}

fn run(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let fixture: Value = serde_json::from_str(&text).map_err(|e| format!("fixture is not JSON: {e}"))?;
    let snapshot_text = match (fixture.get("snapshot"), fixture.get("snapshotFile").and_then(Value::as_str)) {
        (Some(s), _) => s.to_string(),
        (None, Some(file)) => std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).map_err(|e| format!("{file}: {e}"))?,
        (None, None) => return Err("fixture has neither \"snapshot\" nor \"snapshotFile\"".into()),
    };
    let (inv, parse_diags) = snapshot::parse(&snapshot_text).map_err(|e| e.to_string())?;
    let analysis = analysis::analyze(&inv);
    let mut actual = expectation(&analysis);
    if !parse_diags.is_empty() {
        actual["snapshotDiagnostics"] = json!(parse_diags.iter().map(|d| format!("{}: {}", d.at, d.message)).collect::<Vec<_>>());
    }
    pullpath_fixture::check_json(path, "expect", actual)
}

#[test]
fn scenarios() {
    pullpath_fixture::walk(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios"), "json", 10, run);
}

/// A job's pull is drawn inside its environment's as-is edge (one edge per environment and
/// registry), naming the jobs read and their computes.
#[test]
fn jobs_are_words_on_their_environments_edge() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/demand-jobs.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (inv, _) = snapshot::parse(&fixture["snapshot"].to_string()).unwrap();
    let a = analysis::analyze(&inv);
    let g = pullpath_core::graph::build(&inv, &a);
    let name = |id: &pullpath_core::graph::NodeId| g.nodes.iter().find(|n| &n.id == id).map(|n| n.label.clone()).unwrap_or_default();
    let used: Vec<&pullpath_core::graph::Edge> = g.edges.iter().filter(|e| e.kind == pullpath_core::graph::EdgeKind::UsedBy && name(&e.from) == "scorer:4").collect();
    assert_eq!(used.len(), 1, "{used:?}");
    assert!(used[0].label.contains("jobs read: job nightly-41 on cpu-denied, job nightly-40 on cpu-denied, job nightly-ok on cpu-ok, job serverless-3, job gone-compute"), "{}", used[0].label);
}

/// An Azure ML registry's environment run by a job: its one pull is drawn from the
/// environment's own node (no workspace to sit under), and every edge joins drawn nodes.
#[test]
fn a_registry_environment_is_drawn_with_the_job_that_runs_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/demand-registry-environments.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (inv, _) = snapshot::parse(&fixture["snapshot"].to_string()).unwrap();
    let a = analysis::analyze(&inv);
    let g = pullpath_core::graph::build(&inv, &a);
    let node = |label: &str| g.nodes.iter().find(|n| n.label == label).map(|n| n.id.clone());
    let env = node("base-scorer:2").expect("the registry's environment is drawn");
    let edges: Vec<&pullpath_core::graph::Edge> = g.edges.iter().filter(|e| e.from == env || e.to == env).collect();
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0].kind, pullpath_core::graph::EdgeKind::UsedBy);
    assert_eq!(edges[0].label, "run as is by job shared-score on compute cpu-denied: acrimagesx.azurecr.io/scoring/app:4");
    for e in &g.edges {
        assert!(g.nodes.iter().any(|n| n.id == e.from) && g.nodes.iter().any(|n| n.id == e.to), "{e:?}");
    }
}
