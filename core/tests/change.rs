//! A change's whole life through `change::Change` against the simulator: the permission
//! preflight, the apply under the fault schedules of `tests/plans/*.json` (the same scenarios
//! and invariants as the apply engine's own tests), and the refresh after it — which re-reads
//! only what the plan touched and ends equal to a full rescan.

mod apply_support;

use std::path::Path;
use std::time::Duration;

use apply_support::{check_invariants, inventory, merge, PatchResource, Run, Scenario};
use pullpath_core::analysis;
use pullpath_core::apply::Outcome;
use pullpath_core::change::preflight::Gate;
use pullpath_core::change::words::Stage;
use pullpath_core::change::{Change, ChangeConfig, ChangeError, Phase};
use pullpath_core::engine::Engine;
use pullpath_sim::drive;
use pullpath_core::executor::TransportError;
use pullpath_core::request::{Method, Request, Response};
use pullpath_core::scan::{Scan, ScanResult, Start};
use pullpath_sim::faults::{Fault, FaultRule, Faults};
use pullpath_sim::{Sim, DEFAULT_ORIGIN};
use pullpath_core::ResourceId;
use serde_json::Value;

fn scenarios() -> Vec<(String, Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    assert!(files.len() >= 10, "expected the scenario files in {}", dir.display());
    files
        .iter()
        .map(|f| {
            let name = f.file_stem().unwrap().to_string_lossy().to_string();
            let s: Scenario = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, s)
        })
        .collect()
}

fn full_scan(sim: &mut Sim) -> ScanResult {
    let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
    scan.into_result()
}

/// A scan result with every list in a fixed order, so two reads of the same tenant compare
/// equal however their requests were ordered.
fn canonical(r: &ScanResult) -> Value {
    fn sort(v: &mut Value) {
        match v {
            Value::Array(items) => {
                items.iter_mut().for_each(sort);
                items.sort_by_key(|x| x.to_string());
            }
            Value::Object(m) => m.values_mut().for_each(sort),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(r).unwrap();
    sort(&mut v);
    v
}


fn patch(sim: &mut Sim, p: &PatchResource) {
    let id = ResourceId::parse(&p.pointer).unwrap();
    let mut v = sim.resource(&id).cloned().unwrap();
    merge(&mut v, &p.set);
    assert!(sim.upsert(v));
}

/// What a driven change did besides its end state.
struct Driven {
    /// Requests the refresh sent (answered), in order.
    refresh_requests: Vec<Request>,
    made_during: Vec<PatchResource>,
}

/// Drives `change` like `pullpath_sim::drive`, with the scenario's events: the apply's requests go
/// through the fault schedule, the preflight's and the refresh's straight to the simulator.
/// Rounds are counted from the confirm, as the apply tests count them.
fn drive_change(change: &mut Change, sim: &mut Sim, faults: &mut Faults, s: &Scenario) -> Driven {
    let mut now = Duration::from_secs(1);
    let mut during = s.patch_during.clone();
    let mut out = Driven { refresh_requests: Vec::new(), made_during: Vec::new() };
    let mut round = 0usize;
    for _ in 0..100_000 {
        if change.phase() == Phase::Reviewed {
            change.confirm(now).expect("the demo user may apply");
        }
        if change.is_done() {
            return out;
        }
        let applying = change.phase() == Phase::Applying;
        if applying && s.stop_at_round == Some(round) {
            change.stop(now);
        }
        let mut batch = Vec::new();
        loop {
            let phase = change.phase();
            let before = change.apply().map_or(0, |a| a.journal().len());
            let Some((id, req)) = change.poll_request(now) else { break };
            let purpose = change.apply().filter(|a| a.journal().len() > before).and_then(|a| a.journal().last()).map(|e| e.purpose);
            batch.push((id, req, phase, purpose));
        }
        if batch.is_empty() {
            if change.is_done() || change.phase() == Phase::Reviewed {
                continue;
            }
            now = change.poll_timeout().expect("a change waiting for nothing").max(now);
            change.handle_timeout(now);
            continue;
        }
        if applying {
            if let Some(p) = s.pause.filter(|p| p.round == round) {
                now += Duration::from_millis(p.ms);
            }
            round += 1;
        }
        for (id, req, phase, purpose) in batch {
            let answer: Result<Response, TransportError> = match phase {
                Phase::Applying => {
                    let target = ResourceId::parse(&req.path).ok();
                    if let Some(i) = during.iter().position(|d| Some(d.at) == purpose && target.as_ref().is_some_and(|t| ResourceId::parse(&d.pointer).is_ok_and(|p| &p == t))) {
                        let d = during.remove(i);
                        let p = PatchResource { pointer: d.pointer, set: d.set };
                        patch(sim, &p);
                        out.made_during.push(p);
                    }
                    faults.serve(sim, &req)
                }
                Phase::Refreshing => {
                    out.refresh_requests.push(req.clone());
                    Ok(sim.handle(&req))
                }
                _ => Ok(sim.handle(&req)),
            };
            change.handle_response(now, id, answer);
        }
    }
    panic!("the change did not finish: {:?}", change.phase());
}

struct Lived {
    run: Run,
    change: Change,
    driven: Driven,
}

fn live(s: &Scenario) -> Lived {
    let initial = Sim::demo();
    let previous = full_scan(&mut initial.clone());
    let analysis = analysis::analyze(&previous.inventory);
    let mut change = Change::new(previous, &analysis.identities, s.intents.clone(), ChangeConfig { apply: apply_support::config(7), ..ChangeConfig::new(DEFAULT_ORIGIN) });
    let mut sim = initial.clone();
    for p in &s.patch_before_apply {
        patch(&mut sim, p);
    }
    for a in &s.add_before_apply {
        assert!(sim.upsert(a.clone()));
    }
    if let Some(b) = s.lro {
        sim.set_lro_behaviour(b);
    }
    let before_apply = sim.clone();
    let mut faults = Faults::new(s.faults.clone());
    let driven = drive_change(&mut change, &mut sim, &mut faults, s);
    let run = Run {
        initial,
        sim,
        plan: change.plan().clone(),
        apply: change.apply().expect("confirmed").clone(),
        before_apply,
        faults,
        made_during: driven.made_during.clone(),
    };
    Lived { run, change, driven }
}

#[test]
fn every_plan_scenario_through_the_change() {
    let mut failures = Vec::new();
    for (name, s) in scenarios() {
        let mut l = live(&s);
        if !s.faults.is_empty() && l.run.faults.injected().is_empty() {
            failures.push(format!("{name}: no fault was injected, so the scenario tests nothing"));
        }
        let got = l.run.outcome_kind();
        if got != s.expect {
            failures.push(format!("{name}: expected {}, got {got} ({:?})", s.expect, l.change.outcome()));
            continue;
        }
        if let Err(e) = check_invariants(&l.run) {
            failures.push(format!("{name}: {e}"));
        }
        if l.change.phase() != Phase::Done {
            failures.push(format!("{name}: ended in {:?}", l.change.phase()));
        }
        match (l.change.outcome(), l.change.refreshed()) {
            (Some(Outcome::Applied), Some(refreshed)) => {
                // Only what the plan touched is read again, once each (no fault reaches the
                // refresh here, so nothing is retried) …
                let touched = Change::touched(l.change.plan()).len();
                if l.driven.refresh_requests.len() != touched || l.driven.refresh_requests.iter().any(|r| r.method != Method::Get) {
                    failures.push(format!("{name}: the refresh sent {:?} for {touched} touched target(s)", l.driven.refresh_requests.iter().map(|r| r.path.clone()).collect::<Vec<_>>()));
                }
                // … and the result is what a full rescan reads.
                let rescan = full_scan(&mut l.run.sim);
                if canonical(refreshed) != canonical(&rescan) {
                    failures.push(format!("{name}: the refreshed result differs from a full rescan"));
                }
            }
            (Some(Outcome::Applied), None) => failures.push(format!("{name}: applied but not refreshed")),
            (_, Some(_)) => failures.push(format!("{name}: refreshed after {:?}", l.change.outcome())),
            (_, None) => {
                if !l.driven.refresh_requests.is_empty() {
                    failures.push(format!("{name}: read again after {:?}", l.change.outcome()));
                }
            }
        }
        let stages = l.change.stages();
        if got == "applied" && !stages.iter().all(|(s, _)| *s == Stage::Done) {
            failures.push(format!("{name}: applied with stages {stages:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn all_fixes() -> Scenario {
    scenarios().into_iter().find(|(n, _)| n == "all-fixes-clean").expect("all-fixes-clean.json").1
}

#[test]
fn the_refresh_rereads_only_what_the_plan_touched_and_equals_a_rescan() {
    let s = all_fixes();
    let mut l = live(&s);
    assert_eq!(l.change.outcome(), Some(&Outcome::Applied));
    let plan = l.change.plan();
    assert!(plan.operations.len() >= 4, "{:?}", plan.operations.iter().map(|o| &o.summary).collect::<Vec<_>>());
    let full_requests = {
        let mut sim = l.run.sim.clone();
        let mut n = 0;
        let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        drive(&mut scan, Duration::ZERO, 100_000, |r| {
            n += 1;
            Ok(sim.handle(r))
        })
        .unwrap();
        n
    };
    let paths: Vec<String> = l.driven.refresh_requests.iter().map(|r| r.path.to_ascii_lowercase()).collect();
    // One read per distinct target: a role assignment's scope list, or the resource itself.
    for op in &plan.operations {
        let want = if op.target.is_type("Microsoft.Authorization/roleAssignments") {
            format!("{}/providers/microsoft.authorization/roleassignments", op.target.scope().unwrap().as_str().to_ascii_lowercase())
        } else {
            op.target.as_str().to_ascii_lowercase()
        };
        assert!(paths.contains(&want), "{want} not re-read: {paths:#?}");
    }
    assert_eq!(paths.len(), Change::touched(plan).len(), "{paths:#?}");
    assert!(paths.len() < full_requests, "{} refresh requests vs {full_requests} for a rescan", paths.len());
    let refreshed = l.change.refreshed().unwrap().clone();
    assert_eq!(canonical(&refreshed), canonical(&full_scan(&mut l.run.sim)));
    // The fixes took: fewer findings than before.
    let before = analysis::analyze(&inventory(&l.run.initial)).findings.len();
    let after = analysis::analyze(&refreshed.inventory).findings.len();
    assert!(after < before, "{before} → {after}");
}

#[test]
fn a_throttled_refresh_retries_and_still_equals_a_rescan() {
    let s = all_fixes();
    let initial = Sim::demo();
    let previous = full_scan(&mut initial.clone());
    let mut change = Change::new(previous, &[], s.intents.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    let mut sim = initial.clone();
    let mut refresh_faults = Faults::new(vec![FaultRule::new(Some(Method::Get), None, Fault::TooManyRequests { retry_after: Some("3".into()) }, 2)]);
    let mut sent = 0;
    confirm_and_run(&mut change, |phase, req| {
        if phase == Phase::Refreshing {
            sent += 1;
            refresh_faults.serve(&mut sim, req)
        } else {
            Ok(sim.handle(req))
        }
    });
    assert_eq!(change.phase(), Phase::Done);
    assert_eq!(refresh_faults.injected().len(), 2);
    assert_eq!(sent, Change::touched(change.plan()).len() + 2, "each throttled read is sent once more");
    assert_eq!(canonical(change.refreshed().unwrap()), canonical(&full_scan(&mut sim)));
}

/// Confirms the change once it is reviewed and runs it to Done on simulated time, answering
/// each request with `answer(phase the request was sent in, request)`.
fn confirm_and_run(change: &mut Change, mut answer: impl FnMut(Phase, &Request) -> Result<Response, TransportError>) {
    let mut now = Duration::ZERO;
    for _ in 0..10_000 {
        if change.phase() == Phase::Reviewed {
            change.confirm(now).unwrap();
        }
        if change.phase() == Phase::Done {
            break;
        }
        let phase = change.phase();
        let Some((id, req)) = change.poll_request(now) else {
            now = change.poll_timeout().unwrap_or(now + Duration::from_millis(1)).max(now);
            change.handle_timeout(now);
            continue;
        };
        let got = answer(phase, &req);
        change.handle_response(now, id, got);
    }
}

fn grant_and_admin() -> Scenario {
    scenarios().into_iter().find(|(n, _)| n == "stopped-mid-apply").unwrap().1
}

#[test]
fn the_preflight_gates_the_confirm() {
    let s = grant_and_admin();
    let previous = full_scan(&mut Sim::demo());
    // Permissions refused at the resource group: ARM would refuse the writes.
    let mut sim = Sim::demo();
    sim.forbidden.push(ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-ml-prod").unwrap());
    let mut change = Change::new(previous.clone(), &[], s.intents.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    assert_eq!(change.phase(), Phase::Checking);
    assert_eq!(change.confirm(Duration::ZERO), Err(ChangeError::NotChecked));
    assert_eq!(change.gate(), None);
    drive(&mut change, Duration::ZERO, 100, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(change.phase(), Phase::Reviewed);
    assert_eq!(change.gate(), Some(Gate::Closed));
    assert_eq!(change.confirm(Duration::ZERO), Err(ChangeError::Denied));
    assert!(!change.started());

    // A permission read that fails: uncertain, and confirming applies anyway.
    let mut sim = Sim::demo();
    let mut faults = Faults::new(vec![FaultRule::new(Some(Method::Get), Some("/providers/Microsoft.Authorization/permissions"), Fault::ServerError { status: 500 }, 10)]);
    let mut change = Change::new(previous.clone(), &[], s.intents.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    drive(&mut change, Duration::ZERO, 100, |r| faults.serve(&mut sim, r)).unwrap();
    assert_eq!(change.gate(), Some(Gate::Uncertain));
    assert!(change.verdicts().iter().all(|v| !v.is_allowed()), "{:?}", change.verdicts());
    change.confirm(Duration::ZERO).unwrap();
    assert_eq!(change.confirm(Duration::ZERO), Err(ChangeError::AlreadyStarted));
    drive(&mut change, Duration::ZERO, 10_000, |r| Ok(sim.handle(r))).unwrap();
    assert_eq!(change.outcome(), Some(&Outcome::Applied));
    assert_eq!(change.phase(), Phase::Done);

    // Nothing to plan: nothing to confirm, and no permission read.
    let mut change = Change::new(previous, &[], Vec::new(), ChangeConfig::new(DEFAULT_ORIGIN));
    assert_eq!(change.phase(), Phase::Reviewed);
    assert!(change.poll_request(Duration::ZERO).is_none());
    assert_eq!(change.confirm(Duration::ZERO), Err(ChangeError::NothingToApply));
}

#[test]
fn stopping_ends_each_phase() {
    let s = grant_and_admin();
    let previous = full_scan(&mut Sim::demo());
    let mut sim = Sim::demo();
    // During the preflight: a read in flight is dropped when it comes back, nothing is applied.
    let mut change = Change::new(previous.clone(), &[], s.intents.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    let (id, req) = change.poll_request(Duration::ZERO).unwrap();
    assert!(change.may_abort(id));
    change.stop(Duration::ZERO);
    change.handle_response(Duration::ZERO, id, Ok(sim.handle(&req)));
    assert_eq!(change.phase(), Phase::Done);
    assert!(change.is_stopped() && !change.started() && change.poll_request(Duration::ZERO).is_none());

    // During the refresh: the apply's result stands, the refresh is dropped.
    let mut change = Change::new(previous, &[], s.intents.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    drive(&mut change, Duration::ZERO, 100, |r| Ok(sim.handle(r))).unwrap();
    change.confirm(Duration::ZERO).unwrap();
    let mut refresh_read = None;
    for _ in 0..10_000 {
        if change.phase() == Phase::Refreshing {
            refresh_read = change.poll_request(Duration::ZERO);
            break;
        }
        match change.poll_request(Duration::ZERO) {
            Some((id, req)) => change.handle_response(Duration::ZERO, id, Ok(sim.handle(&req))),
            None => change.handle_timeout(change.poll_timeout().unwrap_or_default()),
        }
    }
    let (id, _) = refresh_read.expect("the refresh sends a read");
    assert!(change.may_abort(id));
    change.stop(Duration::ZERO);
    change.handle_response(Duration::ZERO, id, Err(TransportError::Aborted));
    assert_eq!(change.phase(), Phase::Done);
    assert_eq!(change.outcome(), Some(&Outcome::Applied));
    assert!(change.refreshed().is_none());
}

/// After an apply on a result read with Microsoft Graph, the refresh keeps the names and group
/// members Graph gave, asks Graph only about principals new to the result (none here), and
/// does not say that names were not read.
#[test]
fn the_refresh_keeps_what_graph_said() {
    use pullpath_sim::DEFAULT_GRAPH_ORIGIN;
    let s = all_fixes();
    let initial = Sim::demo();
    let previous = {
        let mut sim = initial.clone();
        let mut config = pullpath_core::scan::ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        config.directory_origin = Some(DEFAULT_GRAPH_ORIGIN.into());
        let mut scan = Scan::with_config(config);
        drive(&mut scan, Duration::ZERO, 100_000, |r| Ok(sim.handle(r))).expect("the scan finishes");
        scan.into_result()
    };
    assert!(!previous.inventory.directory.is_empty());
    let analysis = analysis::analyze(&previous.inventory);
    let config = ChangeConfig { apply: apply_support::config(7), directory_origin: Some(DEFAULT_GRAPH_ORIGIN.into()), ..ChangeConfig::new(DEFAULT_ORIGIN) };
    let mut change = Change::new(previous.clone(), &analysis.identities, s.intents.clone(), config);
    let mut sim = initial.clone();
    let driven = drive_change(&mut change, &mut sim, &mut Faults::new(Vec::new()), &s);
    assert_eq!(change.outcome(), Some(&Outcome::Applied));
    assert!(!driven.refresh_requests.iter().any(pullpath_core::directory_request::is_graph), "{:?}", driven.refresh_requests);
    let refreshed = change.refreshed().unwrap();
    assert_eq!(refreshed.inventory.directory, previous.inventory.directory);
    assert!(!refreshed.diagnostics.iter().any(|d| d.message.contains("were not read from Microsoft Graph")), "{:?}", refreshed.diagnostics);
}

/// The managed network fix end to end (on the truth case that shows it: the demo tenant has
/// no managed network): the finding's own fix is planned, applied through the simulator,
/// and the refresh re-reads the workspace (where scans read its outbound rules) — after
/// which the compute reaches the registry, the finding is gone, and the result equals a
/// rescan.
#[test]
fn the_outbound_rule_fix_lands_and_the_refresh_shows_the_path_open() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truth/network/managed-network-outbound-rule-is-the-fix.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let resources: Vec<Value> = serde_json::from_value(case["snapshot"]["resources"].clone()).unwrap();
    let mut sim = Sim::from_resources(resources);
    let previous = full_scan(&mut sim.clone());
    let before = analysis::analyze(&previous.inventory);
    let finding = before.findings.iter().find(|f| f.id == "registry-unreachable-from-compute").expect("the blocked path is reported");
    assert_eq!(finding.fixes.len(), 1, "{finding:?}");
    let mut change = Change::new(previous, &before.identities, finding.fixes.clone(), ChangeConfig::new(DEFAULT_ORIGIN));
    // The review shows the path opening before anything is sent: pull stays, network changes.
    let opened: Vec<_> = change.review().changes.iter().map(|(_, c)| (c.registry.name().to_string(), c.before.and_then(|a| a.network), c.after.and_then(|a| a.network))).collect();
    use pullpath_core::network::Reach;
    assert_eq!(opened, vec![("acrvision".to_string(), Some(Reach::Blocked), Some(Reach::Reachable))]);
    let mut refresh_paths = Vec::new();
    confirm_and_run(&mut change, |phase, req| {
        if phase == Phase::Refreshing {
            refresh_paths.push(req.path.clone());
        }
        Ok(sim.handle(req))
    });
    assert_eq!(change.outcome(), Some(&Outcome::Applied));
    let ws = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-truth/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure";
    assert_eq!(refresh_paths, vec![ws.to_string()]);
    let refreshed = change.refreshed().unwrap().clone();
    assert_eq!(canonical(&refreshed), canonical(&full_scan(&mut sim)));
    let after = analysis::analyze(&refreshed.inventory);
    assert!(!after.findings.iter().any(|f| f.id == "registry-unreachable-from-compute"), "{:#?}", after.findings);
    let row = after.access.iter().find(|r| r.registry.name() == "acrvision").unwrap();
    assert!(row.network.iter().all(|v| v.reach == pullpath_core::network::Reach::Reachable) && !row.network.is_empty(), "{:?}", row.network);
}
