//! The truth corpus' case format and checks, shared by the core's harness (`tests/truth.rs`:
//! snapshot and simulator) and the emulator's (`tests/emulator/tests/truth.rs`: the same cases
//! over HTTP). See `tests/truth.rs` for what a case holds and how it is judged.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pullpath_core::access::{AccessRow, Level};

use pullpath_core::analysis;
use pullpath_core::id::ResourceId;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    pub behaviour: String,
    pub source: Source,
    pub snapshot: Snapshot,
    pub expect: Expect,
    /// Why no scan can produce this case's input (it is about what a snapshot lacks, which a
    /// scan always learns). Such a case runs through the snapshot only, and the harness checks
    /// that both scans do read something the snapshot leaves out, so the claim stays true.
    #[serde(default)]
    pub snapshot_only: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum Source {
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
pub struct Snapshot {
    pub resources: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    #[serde(default)]
    pub access: Vec<AccessExpect>,
    #[serde(default)]
    pub findings: Vec<FindingExpect>,
    #[serde(default)]
    pub not_findings: Vec<FindingExpect>,
    #[serde(default)]
    pub plans: Vec<PlanExpect>,
    #[serde(default)]
    pub fixed: Vec<FixedExpect>,
}

/// A finding's own fix, all of its intents planned together (`plan::plan`), as Fix adds
/// them: nothing may be skipped, each `says` must occur in some operation's summary, and
/// `after` must hold once the whole plan has taken effect (`plan::apply_to_inventory`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedExpect {
    pub id: String,
    /// The resource's name, or its full id (starts with `/`).
    pub resource: String,
    /// How many operations the plan has.
    pub operations: usize,
    #[serde(default)]
    pub says: Vec<String>,
    pub after: Box<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanExpect {
    pub intent: pullpath_core::intent::Intent,
    pub planned: bool,
    #[serde(default)]
    pub says: Vec<String>,
    /// What must hold of the tenant once the planned operation has taken effect
    /// (`plan::apply_to_inventory`, analysed again): the fix does what it says.
    #[serde(default)]
    pub after: Option<Box<Expect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessExpect {
    pub principal: String,
    pub registry: String,
    pub pull: Level,
    pub push: Level,
    #[serde(default)]
    pub explains: Vec<String>,
    /// The network verdict (`reachable`, `blocked`, `unknown`) every workload of the row
    /// must have, and substrings its reasons must contain.
    #[serde(default)]
    pub network: Option<pullpath_core::network::Reach>,
    #[serde(default, rename = "networkExplains")]
    pub network_explains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingExpect {
    pub id: String,
    /// The resource's name, or its full id (starts with `/`).
    pub resource: String,
    /// Words the finding's message must contain (only for `findings`).
    #[serde(default)]
    pub says: Vec<String>,
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



/// Checks the case's source: a doc URL with a quote, a spec file that exists with a pointer
/// that resolves to text containing the quote, or exactly `"unverified"`.
pub fn validate(case: &Case, shared_azure: &Path) -> Result<(), String> {
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
            let path = shared_azure.join(spec);
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
pub fn check(expect: &Expect, inv: &pullpath_core::inventory::Inventory) -> Vec<String> {
    let analysis = &analysis::analyze(inv);
    let mut problems = Vec::new();
    for want in &expect.plans {
        let (plan, skipped) = pullpath_core::plan::plan(inv, std::slice::from_ref(&want.intent));
        let text = match (plan.operations.first(), skipped.first()) {
            (Some(op), _) => op.summary.clone(),
            (None, Some(s)) => s.reason.clone(),
            (None, None) => String::new(),
        };
        if want.planned == plan.operations.is_empty() {
            problems.push(format!("plan {:?}: expected {}, got: {text}", want.intent, if want.planned { "an operation" } else { "no operation" }));
        }
        for needle in &want.says {
            if !text.contains(needle.as_str()) {
                problems.push(format!("plan {:?}: does not say {needle:?}: {text}", want.intent));
            }
        }
        if let Some(after) = &want.after {
            let changed = pullpath_core::plan::apply_to_inventory(inv, &plan);
            problems.extend(check(after, &changed).into_iter().map(|p| format!("after the plan: {p}")));
        }
    }
    for want in &expect.fixed {
        let names = FindingExpect { id: want.id.clone(), resource: want.resource.clone(), says: Vec::new() };
        let Some(f) = analysis.findings.iter().find(|x| x.id == want.id && names.names(&x.resource).unwrap_or(false)) else {
            problems.push(format!("fixed: finding {} on {} is missing", want.id, want.resource));
            continue;
        };
        let (plan, skipped) = pullpath_core::plan::plan(inv, &f.fixes);
        if !skipped.is_empty() {
            problems.push(format!("fixed {} on {}: skipped {:?}", want.id, want.resource, skipped.iter().map(|s| &s.reason).collect::<Vec<_>>()));
        }
        if plan.operations.len() != want.operations {
            problems.push(format!("fixed {} on {}: {} operations, expected {}: {:?}", want.id, want.resource, plan.operations.len(), want.operations, plan.operations.iter().map(|o| &o.summary).collect::<Vec<_>>()));
        }
        for needle in &want.says {
            if !plan.operations.iter().any(|o| o.summary.contains(needle.as_str())) {
                problems.push(format!("fixed {} on {}: no operation says {needle:?}: {:?}", want.id, want.resource, plan.operations.iter().map(|o| &o.summary).collect::<Vec<_>>()));
            }
        }
        let changed = pullpath_core::plan::apply_to_inventory(inv, &plan);
        problems.extend(check(&want.after, &changed).into_iter().map(|p| format!("after fixing {} on {}: {p}", want.id, want.resource)));
    }
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
                problems.extend(check_network(want, row));
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
    for f in &expect.findings {
        for needle in &f.says {
            if !analysis.findings.iter().any(|x| x.id == f.id && f.names(&x.resource).unwrap_or(false) && x.message.contains(needle.as_str())) {
                problems.push(format!("finding {} on {} does not say {needle:?}", f.id, f.resource));
            }
        }
    }
    for f in &expect.not_findings {
        if !f.says.is_empty() {
            problems.push(format!("notFindings entry {} on {} has says, which only findings take", f.id, f.resource));
        }
        if has(f) {
            problems.push(format!("finding {} on {} is present but must not be", f.id, f.resource));
        }
    }
    problems
}

/// The row's network verdicts against the case's.
fn check_network(want: &AccessExpect, row: &AccessRow) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(reach) = want.network else {
        if !want.network_explains.is_empty() {
            problems.push(format!("{} on {}: networkExplains without network", want.principal, want.registry));
        }
        return problems;
    };
    if row.network.is_empty() {
        problems.push(format!("{} on {}: no network verdict, expected {}", want.principal, want.registry, reach.as_str()));
    }
    let words: Vec<String> = row.network.iter().map(|v| v.words()).collect();
    let words = words.join("\n");
    for v in row.network.iter().filter(|v| v.reach != reach) {
        problems.push(format!("{} on {} from {}: network {}, expected {}\n      because: {}", want.principal, want.registry, v.workload.name(), v.reach.as_str(), reach.as_str(), v.words()));
    }
    for needle in &want.network_explains {
        if !words.contains(needle.as_str()) {
            problems.push(format!("{} on {}: the network reasons do not say {needle:?}: {}", want.principal, want.registry, words.replace('\n', "; ")));
        }
    }
    problems
}

pub fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
pub fn case_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// A case that no source settles must show as unverified wherever it surfaces as a finding,
/// and a settled one must not: every finding the case expects carries the mark exactly when
/// the case's source is `"unverified"`.
pub fn check_unverified_marks(case: &Case, inv: &pullpath_core::inventory::Inventory) -> Vec<String> {
    let unverified = matches!(case.source, Source::Unverified(_));
    let analysis = analysis::analyze(inv);
    let mut problems = Vec::new();
    for f in &case.expect.findings {
        for x in analysis.findings.iter().filter(|x| x.id == f.id && f.names(&x.resource).unwrap_or(false)) {
            if x.unverified.is_some() != unverified {
                problems.push(format!("finding {} on {} is {}marked unverified, but the case's source {}", f.id, f.resource, if x.unverified.is_some() { "" } else { "not " }, if unverified { "is \"unverified\"" } else { "settles it" }));
            }
        }
    }
    problems
}
