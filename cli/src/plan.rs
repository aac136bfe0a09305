//! `pullpath plan SNAPSHOT --fix FINDING_ID|all [--choice N] [--format text|arm|az|bicep|arm-template|terraform] [--out DIR]`:
//! reads a snapshot, takes the fixes of the chosen findings (with `--choice N`, the N-th way
//! of fixing each that offers several: which identity an image build uses), and prints the
//! plan — as text with its effect on the access matrix, or in one of the export formats.
//! Nothing is sent.
//!
//! Only argument parsing, file I/O and printing live here; planning is
//! `pullpath_core::plan`, the formats are `pullpath_core::export`.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;

use pullpath_core::access::Level;

use pullpath_core::analysis;
use pullpath_core::export::{self, ExportFile, Format};
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Access, Plan, RowChange, Skipped};
use pullpath_core::snapshot::{self, SnapshotError};

use crate::terminal::{self, shown};

/// The ARM origin exported scripts and listed requests name. A snapshot does not say which
/// cloud it came from; the public cloud's is the one `az` and Terraform default to.
const ARM_ORIGIN: &str = pullpath_core::cloud::Cloud::AzureCloud.arm_origin();

const USAGE: &str = "usage: pullpath plan SNAPSHOT --fix FINDING_ID|all [--choice N] [--format text|arm|az|bicep|arm-template|terraform] [--out DIR]";

/// Why `plan` could not run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}\n{USAGE}")]
    Usage(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Snapshot { path: String, source: SnapshotError },
    #[error("no finding {wanted:?} in this snapshot; its findings are: {available}")]
    NoSuchFinding { wanted: String, available: String },
    #[error("{finding} on {resource} offers {offered} way(s) of fixing it, so --choice {choice} names none; `pullpath analyze` lists them")]
    NoSuchChoice { finding: String, resource: String, offered: usize, choice: usize },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Text,
    Export(Format),
}

#[derive(Debug)]
struct Args {
    snapshot: String,
    fix: String,
    /// The way of fixing, counted from 1, for findings that offer several.
    choice: Option<usize>,
    output: Output,
    out_dir: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Args, PlanError> {
    let (mut snapshot, mut fix, mut output, mut out_dir, mut choice) = (None, None, Output::Text, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| PlanError::Usage(format!("{name} needs a value")));
        match a.as_str() {
            "--fix" => fix = Some(value("--fix")?),
            "--format" => {
                let f = value("--format")?;
                output = match f.as_str() {
                    "text" => Output::Text,
                    other => Output::Export(Format::parse(other).ok_or_else(|| PlanError::Usage(format!("unknown format {other:?}")))?),
                }
            }
            "--out" => out_dir = Some(PathBuf::from(value("--out")?)),
            "--choice" => {
                let v = value("--choice")?;
                choice = Some(v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| PlanError::Usage(format!("--choice takes a number from 1, not {v:?}")))?);
            }
            flag if flag.starts_with("--") => return Err(PlanError::Usage(format!("unknown option {flag}"))),
            path if snapshot.is_none() => snapshot = Some(path.to_string()),
            extra => return Err(PlanError::Usage(format!("unexpected argument {extra:?}: give one snapshot file"))),
        }
    }
    Ok(Args {
        snapshot: snapshot.ok_or_else(|| PlanError::Usage("missing SNAPSHOT (a file, or - for stdin)".into()))?,
        fix: fix.ok_or_else(|| PlanError::Usage("missing --fix FINDING_ID (or --fix all)".into()))?,
        choice,
        output,
        out_dir,
    })
}

fn read(path: &str) -> Result<String, PlanError> {
    let err = |source| PlanError::Read { path: path.to_string(), source };
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(err)?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(err)
}

/// Runs the command and returns the exit code: 0 with a plan printed, 2 on unusable input.
pub fn run(args: &[String]) -> u8 {
    match run_inner(args) {
        Ok(out) => {
            print!("{out}");
            0
        }
        Err(e) => {
            eprintln!("pullpath plan: {}", terminal::message(&e.to_string()));
            2
        }
    }
}

/// The fixes of the findings named by `wanted` (a finding id, or `all`), in finding order;
/// with `choice`, the fixes of that way (counted from 1) for findings that offer several.
fn chosen_intents(inv: &Inventory, wanted: &str, choice: Option<usize>) -> Result<Vec<Intent>, PlanError> {
    let analysis = analysis::analyze(inv);
    let mut chosen = Vec::new();
    for f in analysis.findings.iter().filter(|f| wanted == "all" || f.id == wanted) {
        match choice {
            Some(n) if !f.choices.is_empty() => match f.choices.get(n - 1) {
                Some(c) => chosen.extend(c.fixes.iter().cloned()),
                None => return Err(PlanError::NoSuchChoice { finding: f.id.clone(), resource: f.resource.to_string(), offered: f.choices.len(), choice: n }),
            },
            _ => chosen.extend(f.fixes.iter().cloned()),
        }
    }
    if wanted != "all" && !analysis.findings.iter().any(|f| f.id == wanted) {
        let mut ids: Vec<&str> = analysis.findings.iter().map(|f| f.id.as_str()).collect();
        ids.dedup();
        return Err(PlanError::NoSuchFinding { wanted: wanted.into(), available: if ids.is_empty() { "none".into() } else { ids.join(", ") } });
    }
    Ok(chosen)
}

fn run_inner(args: &[String]) -> Result<String, PlanError> {
    let args = parse_args(args)?;
    let text = read(&args.snapshot)?;
    let (inv, _diagnostics) = snapshot::parse(&text).map_err(|source| PlanError::Snapshot { path: args.snapshot.clone(), source })?;
    let intents = chosen_intents(&inv, &args.fix, args.choice)?;
    let (plan, skipped) = plan::plan(&inv, &intents);
    match args.output {
        Output::Text => Ok(text_report(&plan, &skipped, &plan::access_changes(&inv, &plan))),
        Output::Export(format) => {
            let files = export::export(&plan, format, ARM_ORIGIN);
            match &args.out_dir {
                Some(dir) => write_files(dir, &files),
                None => Ok(concat(&files, format)),
            }
        }
    }
}

/// One file as is; several (Bicep) each under a header line naming it.
fn concat(files: &[ExportFile], format: Format) -> String {
    if let [one] = files {
        return one.text.clone();
    }
    let comment = if format == Format::Terraform || format == Format::Az { "#" } else { "//" };
    files.iter().map(|f| format!("{comment} ==> {} <==\n{}\n", f.path, f.text)).collect()
}

fn write_files(dir: &std::path::Path, files: &[ExportFile]) -> Result<String, PlanError> {
    fn err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PlanError {
        let path = path.display().to_string();
        move |source| PlanError::Write { path, source }
    }
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let mut out = String::new();
    for f in files {
        let path = dir.join(&f.path);
        std::fs::write(&path, &f.text).map_err(err(&path))?;
        let _ = writeln!(out, "wrote {}", shown(&path.display().to_string()));
    }
    Ok(out)
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Yes => "yes",
        Level::Partial => "partial",
        Level::No => "no",
    }
}

fn access(a: Option<Access>) -> String {
    match a {
        Some(a) => match a.network {
            Some(n) => format!("pull {}, push {}, network {}", level(a.pull), level(a.push), n.as_str()),
            None => format!("pull {}, push {}", level(a.pull), level(a.push)),
        },
        None => "no row".into(),
    }
}

fn text_report(plan: &Plan, skipped: &[Skipped], changes: &[RowChange]) -> String {
    let mut out = String::new();
    let n = plan.operations.len();
    let _ = writeln!(out, "Plan: {n} operation(s). Nothing has been sent.");
    for (i, op) in plan.operations.iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}", i + 1, shown(&op.summary));
        let _ = writeln!(out, "   {} {}", op.request.method.as_str(), op.request.url(ARM_ORIGIN));
        if let Some(body) = &op.request.body {
            let _ = writeln!(out, "   body: {}", shown(&serde_json::to_string(body).unwrap_or_default()));
        }
        let _ = writeln!(out, "   requires: {}", shown(&op.precondition.describe()));
        let _ = writeln!(out, "   result:   {}", shown(&op.effect.describe()));
        let _ = writeln!(out, "   undo:     {} {}", op.inverse.method.as_str(), op.inverse.url(ARM_ORIGIN));
        if !op.depends_on.is_empty() {
            let deps: Vec<String> = op.depends_on.iter().map(|d| (d + 1).to_string()).collect();
            let _ = writeln!(out, "   after:    {}", deps.join(", "));
        }
    }
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nNot planned:");
        for s in skipped {
            let _ = writeln!(out, "  - {}", shown(&s.reason));
        }
    }
    let _ = writeln!(out, "\nAccess changes:");
    if changes.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for c in changes {
        let _ = writeln!(out, "  {} on {}: {} -> {}", shown(&c.identity.to_string()), shown(c.registry.name()), access(c.before), access(c.after));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo tenant as a snapshot file; one per test, since tests run in parallel.
    fn demo_snapshot(test: &str) -> PathBuf {
        let sim = pullpath_sim::Sim::demo();
        let doc = serde_json::json!({"resources": sim.tenant_resources().cloned().collect::<Vec<_>>()});
        let path = std::env::temp_dir().join(format!("pullpath-plan-{test}-{}.json", std::process::id()));
        std::fs::write(&path, doc.to_string()).unwrap();
        path
    }

    fn run_args(args: &[&str]) -> Result<String, PlanError> {
        run_inner(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn plan_all_as_arm_lists_exact_requests() {
        let snap = demo_snapshot("plan_all_as_arm_lists_exact_requests");
        let out = run_args(&[snap.to_str().unwrap(), "--fix", "all", "--format", "arm"]).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let ops = doc["operations"].as_array().unwrap();
        assert!(!ops.is_empty(), "the demo tenant has fixable findings");
        for op in ops {
            assert!(op["url"].as_str().unwrap().starts_with("https://management.azure.com/"));
            assert!(["PUT", "PATCH", "DELETE"].contains(&op["method"].as_str().unwrap()));
            if op["url"].as_str().unwrap().contains("/roleAssignments/") && op["method"] == "PUT" {
                assert!(op["body"]["properties"]["principalType"].is_string(), "{op}");
            }
        }
    }

    #[test]
    fn text_plan_shows_access_changes_and_unknown_finding_is_an_error() {
        let snap = demo_snapshot("text_plan_shows_access_changes_and_unknown_finding_is_an_error");
        let out = run_args(&[snap.to_str().unwrap(), "--fix", "all"]).unwrap();
        assert!(out.starts_with("Plan: "), "{out}");
        assert!(out.contains("\nAccess changes:\n"));
        let err = run_args(&[snap.to_str().unwrap(), "--fix", "no-such-finding"]).unwrap_err();
        assert!(matches!(err, PlanError::NoSuchFinding { .. }), "{err}");
        let err = run_args(&[snap.to_str().unwrap()]).unwrap_err();
        assert!(err.to_string().contains("missing --fix"), "{err}");
    }

    #[test]
    fn a_choice_picks_the_identity_an_image_build_uses() {
        let snap = demo_snapshot("a_choice_picks_the_identity_an_image_build_uses");
        let snap = snap.to_str().unwrap();
        let rule = "environment-base-image-unreachable";
        // The demo's build offers the identity it picks first, others, and a new one last.
        let default = run_args(&[snap, "--fix", rule]).unwrap();
        assert!(default.contains("as identity id-image-build") && !default.contains("Create user-assigned identity"), "{default}");
        assert_eq!(run_args(&[snap, "--fix", rule, "--choice", "1"]).unwrap(), default);
        let inv = snapshot::parse(&std::fs::read_to_string(snap).unwrap()).unwrap().0;
        let n = analysis::analyze(&inv).findings.iter().find(|f| f.id == rule).unwrap().choices.len();
        let new = run_args(&[snap, "--fix", rule, "--choice", &n.to_string()]).unwrap();
        assert!(new.contains("Create user-assigned identity id-mlw-prod-acrprivate-pull in resource group rg-ml-prod (westeurope)"), "{new}");
        let err = run_args(&[snap, "--fix", rule, "--choice", &(n + 1).to_string()]).unwrap_err();
        assert!(matches!(err, PlanError::NoSuchChoice { offered, .. } if offered == n), "{err}");
        for bad in ["0", "x", "-1"] {
            assert!(matches!(run_args(&[snap, "--fix", rule, "--choice", bad]), Err(PlanError::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn every_format_renders() {
        let snap = demo_snapshot("every_format_renders");
        for f in Format::ALL {
            let out = run_args(&[snap.to_str().unwrap(), "--fix", "all", "--format", f.as_str()]).unwrap();
            assert!(!out.trim().is_empty(), "{}", f.as_str());
        }
    }
}
