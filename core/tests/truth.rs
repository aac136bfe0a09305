//! The truth corpus: one JSON case per documented Azure behaviour under `tests/truth/**`, each
//! with the source it rests on (a Microsoft doc and the quoted sentence, or a spec file, a JSON
//! pointer into it and the quoted description, or `"unverified"`), the fewest ARM resources
//! that show it, and the access rows and findings Azure's rule implies.
//!
//! Every case runs twice: (a) the snapshot as a user would load it (`snapshot::parse` +
//! `access::analyze`); (b) the same resources served by the simulator, read by a real `Scan`
//! through `SimExecutor` — once through Resource Graph, once per provider — and the scanned
//! inventory analysed. Both must meet every expectation:
//! - an `access` row must match on pull and push; a row expecting `no`/`no` also matches an
//!   absent row; `explains` substrings must each occur in the row's explanations;
//! - every `findings` entry (rule id + `resource`) must be present, every `notFindings`
//!   entry absent; `resource` is either the resource's name or its full ARM id (starting with
//!   `/`), compared as `ResourceId` compares ids: case-insensitively, whole id. An id that does
//!   not parse fails the case.
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
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pullpath_core::access::{self, AccessRow, Analysis, Level};
use pullpath_core::executor::Executor;
use pullpath_core::id::ResourceId;
use pullpath_core::scan::{Scan, ScanConfig, Start, Strategy};
use pullpath_core::sim::{Sim, SimExecutor, DEFAULT_ORIGIN};
use pullpath_core::{snapshot, truth};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    behaviour: String,
    source: Source,
    snapshot: Snapshot,
    expect: Expect,
    /// Why no scan can produce this case's input (it is about what a snapshot lacks, which a
    /// scan always learns). Such a case runs through the snapshot only, and the harness checks
    /// that both scans do read something the snapshot leaves out, so the claim stays true.
    #[serde(default)]
    snapshot_only: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Source {
    Doc {
        url: String,
        quote: String,
    },
    Spec {
        spec: String,
        pointer: String,
        quote: String,
    },
    /// Only the string `"unverified"` (checked in [`validate`]).
    Unverified(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    resources: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expect {
    #[serde(default)]
    access: Vec<AccessExpect>,
    #[serde(default)]
    findings: Vec<FindingExpect>,
    #[serde(default)]
    not_findings: Vec<FindingExpect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessExpect {
    principal: String,
    registry: String,
    pull: Level,
    push: Level,
    #[serde(default)]
    explains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingExpect {
    id: String,
    /// The resource's name, or its full id (starts with `/`).
    resource: String,
}

impl FindingExpect {
    /// Whether a finding's resource is the one this entry names: by full id when it gives one
    /// (`ResourceId` equality: case-insensitive), else by name (case-insensitive).
    fn names(&self, resource: &ResourceId) -> Result<bool, String> {
        if self.resource.starts_with('/') {
            let want = ResourceId::parse(&self.resource).map_err(|e| format!("finding {} names resource {:?}, which is not an ARM id: {e}", self.id, self.resource))?;
            Ok(want == *resource)
        } else {
            Ok(resource.name().eq_ignore_ascii_case(&self.resource))
        }
    }
}

fn shared_azure() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/azure")
}

/// Checks the case's source: a doc URL with a quote, a spec file that exists with a pointer
/// that resolves to text containing the quote, or exactly `"unverified"`.
fn validate(case: &Case) -> Result<(), String> {
    if case.behaviour.trim().is_empty() {
        return Err("\"behaviour\" is empty".into());
    }
    match &case.source {
        Source::Doc { url, quote } => {
            if !url.starts_with("https://") {
                return Err(format!("source url {url:?} is not an https URL"));
            }
            if quote.trim().is_empty() {
                return Err("source quote is empty".into());
            }
        }
        Source::Spec { spec, pointer, quote } => {
            if spec.contains("..") {
                return Err(format!("spec path {spec:?} must stay inside ../shared/azure"));
            }
            let path = shared_azure().join(spec);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("spec {}: {e}", path.display()))?;
            let doc: Value = serde_json::from_str(&text).map_err(|e| format!("spec {spec}: {e}"))?;
            let node = doc.pointer(pointer).ok_or_else(|| format!("pointer {pointer} does not resolve in {spec}"))?;
            if quote.trim().is_empty() {
                return Err("source quote is empty".into());
            }
            if !strings_in(node).iter().any(|s| s.contains(quote.as_str())) {
                return Err(format!("the quote {quote:?} is not in {spec}#{pointer}"));
            }
        }
        Source::Unverified(s) if s == "unverified" => {}
        Source::Unverified(s) => return Err(format!("source must be an object or \"unverified\", not {s:?}")),
    }
    Ok(())
}

fn strings_in(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(strings_in).collect(),
        Value::Object(o) => o.values().flat_map(strings_in).collect(),
        _ => Vec::new(),
    }
}

fn level(l: Level) -> &'static str {
    match l {
        Level::No => "no",
        Level::Partial => "partial",
        Level::Yes => "yes",
    }
}

fn explanations(row: &AccessRow) -> String {
    let mut all: Vec<&str> = row.via.iter().map(|p| p.explanation.as_ref()).collect();
    all.extend(row.why_not.as_deref());
    all.join("\n")
}

/// Every expectation the analysis does not meet, described.
fn check(expect: &Expect, analysis: &Analysis) -> Vec<String> {
    let mut problems = Vec::new();
    for want in &expect.access {
        let row = analysis.access.iter().find(|r| r.principal_id.eq_ignore_ascii_case(&want.principal) && r.registry.name().eq_ignore_ascii_case(&want.registry));
        match row {
            None if want.pull == Level::No && want.push == Level::No => {}
            None => problems.push(format!("no access row for {} on {} (expected pull {}, push {})", want.principal, want.registry, level(want.pull), level(want.push))),
            Some(row) => {
                if (row.pull, row.push) != (want.pull, want.push) {
                    problems.push(format!(
                        "{} on {}: pull {} push {}, expected pull {} push {}\n      because: {}",
                        want.principal,
                        want.registry,
                        level(row.pull),
                        level(row.push),
                        level(want.pull),
                        level(want.push),
                        explanations(row).replace('\n', "; ")
                    ));
                }
                let text = explanations(row);
                for needle in &want.explains {
                    if !text.contains(needle.as_str()) {
                        problems.push(format!("{} on {}: the explanations do not say {needle:?}: {}", want.principal, want.registry, text.replace('\n', "; ")));
                    }
                }
            }
        }
    }
    for f in expect.findings.iter().chain(&expect.not_findings) {
        if let Err(e) = f.names(&ResourceId::tenant()) {
            problems.push(e);
        }
    }
    let has = |f: &FindingExpect| analysis.findings.iter().any(|x| x.id == f.id && f.names(&x.resource).unwrap_or(false));
    for f in &expect.findings {
        if !has(f) {
            let present: Vec<String> = analysis.findings.iter().map(|x| format!("{} on {}", x.id, if f.resource.starts_with('/') { x.resource.as_str() } else { x.resource.name() })).collect();
            problems.push(format!("finding {} on {} is missing (present: {})", f.id, f.resource, if present.is_empty() { "none".into() } else { present.join(", ") }));
        }
    }
    for f in &expect.not_findings {
        if has(f) {
            problems.push(format!("finding {} on {} is present but must not be", f.id, f.resource));
        }
    }
    problems
}

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
    let mut scan = Scan::with_config(config);
    let mut now = Duration::ZERO;
    for _ in 0..100_000 {
        scan.handle_timeout(now);
        let mut sent = false;
        while let Some((id, req)) = scan.poll_request(now) {
            let resp = ready(exec.execute(req));
            scan.handle_response(now, id, resp);
            sent = true;
        }
        if scan.is_done() {
            return Ok(scan.into_result());
        }
        if !sent {
            match scan.poll_timeout() {
                Some(t) => now = t.max(now + Duration::from_millis(1)),
                None => return Err("the scan is stuck: nothing to send, nothing to wait for, not done".into()),
            }
        }
    }
    Err("the scan does not finish".into())
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
            problems.extend(check(&case.expect, &access::analyze(&inv)).into_iter().map(|p| format!("snapshot: {p}")));
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
                problems.extend(check(&case.expect, &access::analyze(&result.inventory)).into_iter().map(|p| format!("scan ({strategy:?}): {p}")));
            }
        }
    }
    problems
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            case_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// The case's id: its path under `tests/truth` without `.json`, with `/` separators.
fn case_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
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
        if let Err(e) = validate(&case) {
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
