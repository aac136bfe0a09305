//! `pullpath analyze SNAPSHOT [--format json|text] [--fail-on high|medium|low]`: reads a
//! snapshot file (or `-` for stdin), prints who can pull and push where and what is wrong, and
//! exits 1 when a finding at or above `--fail-on` exists (0 otherwise, 2 on unusable input).
//!
//! Only argument parsing, file reading and printing live here; the analysis is
//! `pullpath_core::analysis::analyze`.

use std::fmt::Write as _;
use std::io::Read as _;

use pullpath_core::access::{self, Level};
use pullpath_core::analysis::{self, Analysis};
use pullpath_core::findings::Severity;
use pullpath_core::inventory::Inventory;
use pullpath_core::summary;
use pullpath_core::intent::Intent;
use pullpath_core::snapshot::{self, SnapshotError};

use crate::terminal::{self, shown};

/// Why `analyze` could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{0}\nusage: pullpath analyze SNAPSHOT [--format json|text] [--fail-on high|medium|low]")]
    Usage(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Snapshot { path: String, source: SnapshotError },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

#[derive(Debug)]
struct Args {
    snapshot: String,
    format: Format,
    fail_on: Option<Severity>,
}

fn parse_args(args: &[String]) -> Result<Args, AnalyzeError> {
    let mut snapshot = None;
    let mut format = Format::Json;
    let mut fail_on = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| AnalyzeError::Usage(format!("{name} needs a value")));
        match a.as_str() {
            "--format" => {
                format = match value("--format")?.as_str() {
                    "json" => Format::Json,
                    "text" => Format::Text,
                    other => return Err(AnalyzeError::Usage(format!("unknown format {other:?}: use json or text"))),
                }
            }
            "--fail-on" => {
                fail_on = Some(match value("--fail-on")?.as_str() {
                    "high" => Severity::High,
                    "medium" => Severity::Medium,
                    "low" => Severity::Low,
                    other => return Err(AnalyzeError::Usage(format!("unknown severity {other:?}: use high, medium or low"))),
                })
            }
            flag if flag.starts_with("--") => return Err(AnalyzeError::Usage(format!("unknown option {flag}"))),
            path if snapshot.is_none() => snapshot = Some(path.to_string()),
            extra => return Err(AnalyzeError::Usage(format!("unexpected argument {extra:?}: give one snapshot file"))),
        }
    }
    let snapshot = snapshot.ok_or_else(|| AnalyzeError::Usage("missing SNAPSHOT (a file, or - for stdin)".into()))?;
    Ok(Args { snapshot, format, fail_on })
}

fn read(path: &str) -> Result<String, AnalyzeError> {
    let err = |source| AnalyzeError::Read { path: path.to_string(), source };
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(err)?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(err)
}

/// Runs the command and returns the exit code.
pub fn run(args: &[String]) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pullpath analyze: {}", terminal::message(&e.to_string()));
            2
        }
    }
}

fn run_inner(args: &[String]) -> Result<u8, AnalyzeError> {
    let args = parse_args(args)?;
    let text = read(&args.snapshot)?;
    let (inv, mut diagnostics) = snapshot::parse(&text).map_err(|source| AnalyzeError::Snapshot { path: args.snapshot.clone(), source })?;
    let mut analysis = analysis::analyze(&inv);
    diagnostics.append(&mut analysis.diagnostics);
    analysis.diagnostics = diagnostics;
    let out = match args.format {
        Format::Json => json_report(&analysis),
        Format::Text => text_report(&analysis, &inv),
    };
    print!("{out}");
    let failing = args.fail_on.is_some_and(|min| analysis.findings.iter().any(|f| f.severity >= min));
    Ok(if failing { 1 } else { 0 })
}

fn json_report(a: &Analysis) -> String {
    let report = serde_json::json!({
        "access": a.access,
        "findings": a.findings,
        "diagnostics": a.diagnostics,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Yes => "yes",
        Level::No => "no",
        Level::Partial => "partial",
    }
}

/// What the text report opens with: the findings by rule and subscription, with counts by
/// severity (`core::summary`), so a person sees the shape of a large tenant before its detail.
fn summary_text(a: &Analysis, inv: &Inventory) -> String {
    let name = |id: &str| inv.subscriptions.iter().find(|s| s.id.subscription_id().is_some_and(|i| i.eq_ignore_ascii_case(id))).map(|s| s.name.clone()).filter(|n| !n.is_empty());
    let sum = summary::summarise(&a.findings, &summary::Filter::default(), &name);
    let mut s = String::new();
    if sum.counts.total == 0 {
        let _ = writeln!(s, "summary: no findings\n");
        return s;
    }
    let fixes = summary::fixes(&a.findings, 0..a.findings.len()).len();
    let _ = writeln!(s, "summary: {} finding(s) ({}) under {} rule(s); {} with an automatic fix ({} change(s))", sum.counts.total, sum.counts.in_words(), sum.rules.len(), sum.counts.fixable, fixes);
    for rule in &sum.rules {
        let _ = writeln!(s, "  {:<7}{:<48}{:>6}  {}", rule.counts.worst().as_str().to_uppercase(), shown(&rule.rule), rule.counts.total, rule.counts.in_words());
        if rule.subscriptions.len() > 1 {
            for sub in &rule.subscriptions {
                let _ = writeln!(s, "           {:<46}{:>6}", shown(&sub.label()), sub.counts.total);
            }
        }
    }
    s.push('\n');
    s
}

fn text_report(a: &Analysis, inv: &Inventory) -> String {
    let mut s = summary_text(a, inv);
    for reg in &a.registries {
        let mode = match reg.mode {
            access::RegistryMode::Legacy => "legacy permissions",
            access::RegistryMode::Abac => "ABAC repository permissions",
        };
        let mut flags = vec![mode];
        if reg.admin_user_enabled {
            flags.push("admin user ON");
        }
        if reg.anonymous_pull_enabled {
            flags.push("anonymous pull ON");
        }
        let _ = writeln!(s, "registry {} ({})", shown(&reg.name), flags.join(", "));
        let _ = writeln!(s, "  {:<8}{:<8}identity", "pull", "push");
        for row in a.access.iter().filter(|r| r.registry == reg.id) {
            let expected = if row.expected_by.is_empty() { String::new() } else { format!("  [needed by {}]", row.expected_by.iter().map(|e| shown(e.name()).to_string()).collect::<Vec<_>>().join(", ")) };
            let _ = writeln!(s, "  {:<8}{:<8}{}{expected}", level(row.pull), level(row.push), shown(&row.identity.to_string()));
            for p in &row.via {
                let _ = writeln!(s, "                  {} {}", if p.works { "+" } else { "x" }, shown(&p.explanation));
            }
            if let (Some(w), true) = (&row.why_not, row.via.is_empty()) {
                let _ = writeln!(s, "                  x {}", shown(&w.to_string()));
            }
            for v in &row.network {
                let mark = if v.unverified.is_some() { " [unverified]" } else { "" };
                let _ = writeln!(s, "                  network from {}: {}{mark}: {}", shown(v.workload.name()), v.reach.as_str(), shown(&v.words()));
            }
        }
        s.push('\n');
    }
    let _ = writeln!(s, "{} finding(s)", a.findings.len());
    for f in &a.findings {
        let unverified = if f.unverified.is_some() { "  [unverified]" } else { "" };
        let _ = writeln!(s, "  {:<7}{}  {}{unverified}", f.severity.as_str().to_uppercase(), shown(&f.id), shown(&f.resource.to_string()));
        let _ = writeln!(s, "         {}", shown(&f.message));
        for fix in &f.fixes {
            let _ = writeln!(s, "         fix: {}", shown(&describe_fix(fix, a)));
        }
    }
    if !a.diagnostics.is_empty() {
        let _ = writeln!(s, "\n{} diagnostic(s)", a.diagnostics.len());
        for d in &a.diagnostics {
            let _ = writeln!(s, "  {}: {}", shown(&d.at), shown(&d.message));
        }
    }
    s
}

/// A fix in words. A principal is named as the analysis labels it, with its object id (what
/// `az role assignment create --assignee-object-id` takes) beside the name.
fn describe_fix(fix: &Intent, a: &Analysis) -> String {
    match fix {
        Intent::GrantRole { principal_id, role, scope, .. } => {
            let who = match a.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(principal_id)) {
                Some(i) if !i.label.contains(principal_id.as_str()) => format!("{} [{principal_id}]", i.label),
                _ => principal_id.clone(),
            };
            format!("grant {} to {who} on {scope}", role.name)
        }
        Intent::RevokeRoleAssignment { assignment } => format!("delete role assignment {assignment}"),
        Intent::SetAdminUser { registry, enabled } => format!("{} the admin user of {registry}", if *enabled { "enable" } else { "disable" }),
        Intent::EnableComputeSystemIdentity { compute } => format!("give {compute} a system-assigned identity"),
        Intent::AssignComputeUserIdentity { compute, identity } => format!("attach {identity} to {compute}"),
        Intent::CreateRegistryConnection { workspace, name, target, .. } => format!("create connection {name} to {target} in {workspace}"),
        Intent::AddRegistryOutboundRule { workspace, name, registry } => format!("add outbound rule {name} (private endpoint to {registry}) to the managed network of {workspace}"),
        #[allow(unreachable_patterns)]
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
