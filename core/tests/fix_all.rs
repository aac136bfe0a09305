//! Fix all converges: on the demo tenant and on every scenario fixture, planning every fix of
//! every finding, applying the plan to the simulator and analysing the result again leaves no
//! finding whose fixes would still change anything. (Before fixes could take a value from an
//! earlier step's answer, enabling a compute's identity left a new "cannot pull" finding.)

use std::path::{Path, PathBuf};


use pullpath_core::analysis;
use pullpath_core::apply::{Apply, ApplyConfig, Outcome};
use pullpath_sim::drive;
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_core::plan;
use pullpath_sim::Sim;
use pullpath_core::snapshot;
use serde_json::Value;

fn fixes(inv: &Inventory) -> Vec<Intent> {
    analysis::analyze(inv).findings.into_iter().flat_map(|f| f.fixes).collect()
}

fn inventory(sim: &Sim) -> Inventory {
    Inventory::from_resources(sim.tenant_resources().cloned()).0
}

/// Applies Fix all to `sim` and returns what would still be planned afterwards.
fn fix_all(name: &str, mut sim: Sim) -> Result<Vec<String>, String> {
    let before = inventory(&sim);
    let (plan, _) = plan::plan(&before, &fixes(&before));
    if plan.operations.is_empty() {
        return Ok(Vec::new());
    }
    let mut apply = Apply::new(plan, ApplyConfig::default());
    drive(&mut apply, std::time::Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).ok_or_else(|| format!("{name}: the apply did not finish"))?;
    if apply.outcome() != Some(&Outcome::Applied) {
        return Err(format!("{name}: Fix all did not apply: {:?}\n{:#?}", apply.outcome(), apply.report().operations));
    }
    let after = inventory(&sim);
    let (again, _) = plan::plan(&after, &fixes(&after));
    Ok(again.operations.iter().map(|o| format!("{name}: still planned after Fix all: {}", o.summary)).collect())
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    files
}

fn scenario_sim(path: &Path) -> Sim {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let text = match (fixture.get("snapshot"), fixture.get("snapshotFile").and_then(Value::as_str)) {
        (Some(s), _) => s.to_string(),
        (None, Some(file)) => std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap(),
        (None, None) => panic!("{}: no snapshot", path.display()),
    };
    let (inv, _) = snapshot::parse(&text).unwrap();
    let doc: Value = serde_json::from_str(&snapshot::to_json(&inv)).unwrap();
    Sim::from_resources(doc["resources"].as_array().cloned().unwrap_or_default())
}

#[test]
fn fix_all_leaves_nothing_fix_all_could_fix() {
    let mut problems = Vec::new();
    let mut cases = vec![("demo".to_string(), Sim::demo())];
    cases.extend(scenario_files().iter().map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), scenario_sim(p))));
    assert!(cases.len() > 5, "expected the scenario fixtures");
    for (name, sim) in cases {
        match fix_all(&name, sim) {
            Ok(left) => problems.extend(left),
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn enabling_an_identity_and_granting_it_pull_is_one_fix() {
    let inv = inventory(&Sim::demo());
    let finding = analysis::analyze(&inv).findings.into_iter().find(|f| f.id == "compute-without-identity").expect("the demo has a compute without identity");
    let (plan, skipped) = plan::plan(&inv, &finding.fixes);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(plan.operations.len(), 2, "{:#?}", plan.operations);
    let grant = &plan.operations[1];
    assert_eq!(grant.principal_from.as_ref(), Some(&finding.resource));
    assert_eq!(grant.depends_on, [0]);
    assert!(plan::is_pending(grant.effect_principal().unwrap()));
    // The placeholder never leaves: what is sent carries the principal id ARM reported.
    let mut sim = Sim::demo();
    let mut apply = Apply::new(plan, ApplyConfig::default());
    drive(&mut apply, std::time::Duration::ZERO, 10_000, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(apply.outcome(), Some(&Outcome::Applied), "{:#?}", apply.report().operations);
    assert!(apply.journal().iter().all(|e| !e.body.as_ref().is_some_and(|b| b.to_string().contains("pending:"))), "a placeholder was sent");
    let compute = sim.resource(&finding.resource).unwrap();
    let principal = compute.pointer("/identity/principalId").and_then(Value::as_str).unwrap();
    assert!(sim.tenant_resources().any(|v| v.pointer("/properties/principalId").and_then(Value::as_str) == Some(principal)), "no grant to {principal}");
}

/// The demo's environment built on a private base image in acrprivate, with no connection to
/// it (the seed's failing build), is fixed by Fix all: the identity the workspace already
/// builds with gets AcrPull there and a new connection names it.
#[test]
fn fix_all_fixes_the_demo_build_on_a_private_base_image() {
    let mut sim = Sim::demo();
    let before = inventory(&sim);
    let unreachable = |inv: &Inventory| analysis::analyze(inv).findings.into_iter().filter(|f| f.id == "environment-base-image-unreachable").collect::<Vec<_>>();
    let found = unreachable(&before);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("no ContainerRegistry connection to acrprivate.azurecr.io"), "{}", found[0].message);
    assert!(found[0].fixes.iter().any(|f| matches!(f, Intent::CreateRegistryConnection { target, .. } if target == "acrprivate.azurecr.io")), "{:?}", found[0].fixes);
    let (plan, _) = plan::plan(&before, &fixes(&before));
    let mut apply = Apply::new(plan, ApplyConfig::default());
    drive(&mut apply, std::time::Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(apply.outcome(), Some(&Outcome::Applied));
    let after = inventory(&sim);
    assert!(unreachable(&after).is_empty(), "{:#?}", unreachable(&after));
    assert!(after.connections.iter().any(|c| c.properties.target.as_deref() == Some("acrprivate.azurecr.io")));
}
