//! Applies plans against the simulator under the fault schedules in `tests/plans/*.json`
//! (one scenario per file) and checks the promise of the apply engine: the tenant ends fully
//! applied or fully as it was, never half, and never with a duplicate role assignment.

mod apply_support;

use std::path::Path;

use apply_support::{check_invariants, run, Scenario};

#[test]
fn every_plan_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    assert!(files.len() >= 10, "expected the scenario files in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = run(&scenario);
        if !scenario.faults.is_empty() && run.faults.injected().is_empty() {
            failures.push(format!("{name}: no fault was injected, so the scenario tests nothing"));
        }
        let got = run.outcome_kind();
        if got != scenario.expect {
            failures.push(format!("{name}: expected {}, got {got} ({:?})\n{}", scenario.expect, run.apply.outcome(), serde_json::to_string_pretty(&run.apply.statuses()).unwrap()));
            continue;
        }
        if let Err(e) = check_invariants(&run) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn reapplying_an_applied_plan_sends_no_write() {
    let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans/all-fixes-clean.json")).unwrap()).unwrap();
    let first = run(&scenario);
    assert_eq!(first.outcome_kind(), "applied");
    let mut sim = first.sim.clone();
    let mut again = pullpath_core::apply::Apply::new(first.plan.clone(), apply_support::config(1));
    pullpath_sim::drive(&mut again, std::time::Duration::ZERO, 10_000, |r| Ok(sim.handle(r))).expect("second apply finishes");
    assert_eq!(again.outcome(), Some(&pullpath_core::apply::Outcome::Applied));
    let writes: Vec<_> = again.journal().iter().filter(|e| e.method != pullpath_core::request::Method::Get).collect();
    assert!(writes.is_empty(), "re-apply wrote: {writes:?}");
    assert!(again.statuses().iter().all(|s| *s == pullpath_core::apply::OpStatus::AlreadyTrue), "{:?}", again.statuses());
}

#[test]
fn dependent_operations_wait_and_independent_ones_run_together() {
    let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans/all-fixes-clean.json")).unwrap()).unwrap();
    let run = run(&scenario);
    let journal = run.apply.journal();
    let plan = &run.plan;
    // The identity attachment comes first, and the grant to that identity is written only
    // after the attachment was verified.
    let attach = plan.operations.iter().position(|o| o.summary.starts_with("Attach")).unwrap();
    let grant = plan.operations.iter().position(|o| o.depends_on.contains(&attach)).expect("a grant depends on the attachment");
    let verified = journal.iter().filter(|e| e.operation == attach && e.purpose == pullpath_core::apply::Purpose::Verify).map(|e| e.sent_at).max().unwrap();
    let written = journal.iter().find(|e| e.operation == grant && e.purpose == pullpath_core::apply::Purpose::Write).unwrap().sent_at;
    assert!(written >= verified, "grant written at {written} before attachment verified at {verified}");
    // Independent writes are sent in the same round.
    let first_round = journal.iter().filter(|e| e.purpose == pullpath_core::apply::Purpose::Write && e.sent_at == written.min(journal.iter().filter(|e| e.purpose == pullpath_core::apply::Purpose::Write).map(|e| e.sent_at).min().unwrap())).count();
    assert!(first_round >= 2, "expected parallel writes, got {first_round}");
}
