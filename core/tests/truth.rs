//! The truth corpus: one JSON case per documented Azure behaviour under `tests/truth/**`, each
//! with the source it rests on (a Microsoft doc and the quoted sentence, or a spec file, a JSON
//! pointer into it and the quoted description, or `"unverified"`), the fewest ARM resources
//! that show it, and the access rows and findings Azure's rule implies.
//!
//! Every case runs twice: (a) the snapshot as a user would load it (`snapshot::parse` +
//! `analysis::analyze`); (b) the same resources served by the simulator, read by a real `Scan`
//! through `SimExecutor` — once through Resource Graph, once per provider, each followed by
//! the Microsoft Graph phase for the case's directory objects — and the scanned
//! inventory analysed. Both must meet every expectation:
//! - an `access` row must match on pull and push; a row expecting `no`/`no` also matches an
//!   absent row; `explains` substrings must each occur in the row's explanations;
//! - every `findings` entry (rule id + `resource`) must be present, every `notFindings`
//!   entry absent; `resource` is either the resource's name or its full ARM id (starting with
//!   `/`), compared as `ResourceId` compares ids: case-insensitively, whole id. An id that does
//!   not parse fails the case;
//! - every `plans` entry plans one intent (`plan::plan` on the analysed inventory): `planned`
//!   says whether it becomes an operation, and each `says` substring must occur in the
//!   operation's summary or the reason it was skipped; its `after` (an `expect` of its own)
//!   must hold of the inventory once the operation has taken effect
//!   (`plan::apply_to_inventory`), so a fix is shown to do what it says;
//! - every `fixed` entry plans a finding's whole fix (all its intents together, as Fix adds
//!   them): nothing skipped, `operations` operations, each `says` in some summary, and its
//!   `after` holding once the plan has taken effect.
//!
//! A case about what a snapshot lacks (which a scan always learns) says why in
//! `"snapshotOnly"`: it runs through the snapshot only, and the harness checks that the scans
//! do learn something the snapshot leaves out.
//!
//! Cases whose source is `"unverified"` are listed at the end, and each must be named in
//! `pullpath_core::truth::BEHAVIOURS` as unverified, so the product can say so where it shows
//! that answer; every entry of that table must be a case here with the same status and URL.
//!
//! Runs as a plain binary (`harness = false`) so the summary is always printed.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pullpath_core::executor::Executor;
use pullpath_core::scan::{Scan, ScanConfig, Start, Strategy};
use pullpath_sim::{drive, Sim, SimExecutor, DEFAULT_GRAPH_ORIGIN, DEFAULT_ORIGIN};
use pullpath_core::{snapshot, truth};
use serde_json::Value;

mod truth_support;
use truth_support::{case_files, case_id, check, check_unverified_marks, validate, Case, Source};

/// Waits for a future that is ready at once (the simulator answers synchronously).
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the simulator's executor never waits"),
    }
}

/// A real scan of the case's resources, served by the simulator through `SimExecutor`.
fn scan(resources: &[Value], strategy: Strategy) -> Result<pullpath_core::scan::ScanResult, String> {
    let exec = SimExecutor::new(Sim::from_resources(resources.iter().cloned()));
    let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
    config.strategy = strategy;
    // Cases with directory objects (names, group members) are read from Microsoft Graph too.
    config.directory_origin = Some(DEFAULT_GRAPH_ORIGIN.into());
    let mut scan = Scan::with_config(config);
    match drive(&mut scan, Duration::ZERO, 100_000, |req| ready(exec.execute(req.clone()))) {
        Some(_) => Ok(scan.into_result()),
        None => Err("the scan does not finish: it waits for nothing, or ran out of rounds".into()),
    }
}

fn run(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let doc = serde_json::json!({ "resources": case.snapshot.resources });
    let mut expected_len = None;
    match snapshot::parse(&doc.to_string()) {
        Err(e) => problems.push(format!("snapshot: {e}")),
        Ok((inv, diags)) => {
            // Subscription rows (where subscriptions sit under management groups) are what a
            // scan learns on its own; the resources are what must match.
            expected_len = Some(inv.len() - inv.subscriptions.len());
            // A snapshot a resource of which does not parse shows nothing reliable.
            for d in diags.iter().filter(|d| d.message.starts_with("could not read")) {
                problems.push(format!("snapshot: {}: {}", d.at, d.message));
            }
            problems.extend(check(&case.expect, &inv).into_iter().map(|p| format!("snapshot: {p}")));
            problems.extend(check_unverified_marks(case, &inv).into_iter().map(|p| format!("snapshot: {p}")));
        }
    }
    if let Some(why) = &case.snapshot_only {
        if why.trim().is_empty() {
            problems.push("snapshotOnly needs a reason".into());
        }
        // The claim "no scan can produce this input" is checked: a scan must learn more than
        // the snapshot holds (here, where subscriptions sit).
        for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
            match scan(&case.snapshot.resources, strategy) {
                Err(e) => problems.push(format!("scan ({strategy:?}): {e}")),
                Ok(result) if result.inventory.subscriptions.is_empty() => {
                    problems.push(format!("scan ({strategy:?}): marked snapshotOnly, but the scan learns nothing the snapshot lacks; run it through the scans"))
                }
                Ok(_) => {}
            }
        }
        return problems;
    }
    for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
        match scan(&case.snapshot.resources, strategy) {
            Err(e) => problems.push(format!("scan ({strategy:?}): {e}")),
            Ok(result) => {
                problems.extend(result.skipped.iter().map(|s| format!("scan ({strategy:?}): skipped {} {}: {}", s.what, s.scope, s.reason)));
                // The scan must have read everything the snapshot holds, or a "no" could pass
                // for the wrong reason.
                let read = result.inventory.len() - result.inventory.subscriptions.len();
                if let Some(n) = expected_len.filter(|&n| n != read) {
                    problems.push(format!("scan ({strategy:?}): read {read} resource(s), the snapshot has {n}"));
                }
                problems.extend(check(&case.expect, &result.inventory).into_iter().map(|p| format!("scan ({strategy:?}): {p}")));
            }
        }
    }
    problems
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truth");
    let mut files = Vec::new();
    case_files(&root, &mut files);
    assert!(files.len() >= 15, "expected the truth corpus in {}, found {} case(s)", root.display(), files.len());
    let mut failures = Vec::new();
    let mut unverified = Vec::new();
    let mut cases: BTreeMap<String, Option<String>> = BTreeMap::new();
    for path in &files {
        let id = case_id(&root, path);
        let text = std::fs::read_to_string(path).unwrap();
        let case: Case = match serde_json::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{id}: not a truth case: {e}"));
                continue;
            }
        };
        if let Err(e) = validate(&case, &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/azure")) {
            failures.push(format!("{id}: {e}"));
            continue;
        }
        let url = match &case.source {
            Source::Doc { url, .. } => Some(url.clone()),
            Source::Spec { spec, .. } => Some(spec.clone()),
            Source::Unverified(_) => {
                unverified.push(format!("{id}: {}", case.behaviour));
                None
            }
        };
        cases.insert(id.clone(), url);
        let problems = run(&case);
        if !problems.is_empty() {
            failures.push(format!("{id} ({}):\n    {}", case.behaviour, problems.join("\n    ")));
        }
    }
    // The product's table of behaviours and the corpus agree.
    for b in truth::BEHAVIOURS {
        match cases.get(b.id) {
            None => failures.push(format!("truth::BEHAVIOURS names {:?}, which is no case under tests/truth", b.id)),
            Some(url) if url.as_deref() != b.source => {
                failures.push(format!("truth::BEHAVIOURS says {:?} rests on {:?}, its case on {:?}", b.id, b.source, url))
            }
            Some(_) => {}
        }
    }
    for (id, url) in &cases {
        if url.is_none() && truth::behaviour(id).is_none() {
            failures.push(format!("{id} is unverified but not in truth::BEHAVIOURS, so the product cannot say so"));
        }
    }
    println!("truth corpus: {} case(s), each through the snapshot and two scans of the simulator", files.len());
    if unverified.is_empty() {
        println!("unverified: none");
    } else {
        println!("unverified ({}): the product says so where it shows these answers", unverified.len());
        for u in &unverified {
            println!("  - {u}");
        }
    }
    if !failures.is_empty() {
        eprintln!("{} of {} truth case(s) fail:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
        std::process::exit(1);
    }
    println!("all truth cases hold");
}
