//! `pullpath analyze SNAPSHOT [--format json|jsonl|text] [--explanations shared|inline]
//! [--fail-on high|medium|low]`: reads a snapshot file (or `-` for stdin), prints who can pull
//! and push where and what is wrong, and exits 1 when a finding at or above `--fail-on` exists
//! (0 otherwise, 2 on unusable input).
//!
//! The reports are written as they are made, straight to standard output: the JSON report is
//! serialised from the analysis itself (no copy of it as a JSON tree first), and JSON Lines
//! gives a pipeline one object per line — the summary first, then each finding, access row
//! and diagnostic — so `jq`/`grep` can start before the last line is written. Each path's
//! explanation is written once and numbered (`core::report`), unless `--explanations inline`
//! asks for the text in every path.
//!
//! Only argument parsing, file reading and printing live here; the analysis is
//! `pullpath_core::analysis::analyze`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write};

use pullpath_core::access::{self, Level};
use pullpath_core::analysis::{self, Analysis};
use pullpath_core::findings::Severity;
use pullpath_core::inventory::Inventory;
use pullpath_core::report::{Explanations, SharedRow};
use pullpath_core::summary;
use pullpath_core::intent::Intent;
use pullpath_core::snapshot::{self, SnapshotError};

use crate::terminal::{self, shown};

/// Why `analyze` could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{0}\nusage: pullpath analyze SNAPSHOT [--format json|jsonl|text] [--explanations shared|inline] [--fail-on high|medium|low]")]
    Usage(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Snapshot { path: String, source: SnapshotError },
    #[error("cannot write the report: {0}")]
    Write(std::io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    /// JSON Lines: one object per line, `{"summary": …}` first.
    Jsonl,
    Text,
}

#[derive(Debug)]
struct Args {
    snapshot: String,
    format: Format,
    /// Each path's explanation in full (`--explanations inline`) instead of a number into the
    /// report's table of explanations.
    inline: bool,
    fail_on: Option<Severity>,
}

fn parse_args(args: &[String]) -> Result<Args, AnalyzeError> {
    let mut snapshot = None;
    let mut format = Format::Json;
    let mut fail_on = None;
    let mut inline = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| AnalyzeError::Usage(format!("{name} needs a value")));
        match a.as_str() {
            "--format" => {
                format = match value("--format")?.as_str() {
                    "json" => Format::Json,
                    "jsonl" => Format::Jsonl,
                    "text" => Format::Text,
                    other => return Err(AnalyzeError::Usage(format!("unknown format {other:?}: use json, jsonl or text"))),
                }
            }
            "--explanations" => {
                inline = match value("--explanations")?.as_str() {
                    "shared" => false,
                    "inline" => true,
                    other => return Err(AnalyzeError::Usage(format!("unknown explanations {other:?}: use shared or inline"))),
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
    Ok(Args { snapshot, format, inline, fail_on })
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match args.format {
        Format::Json => json_report(&mut out, &analysis, args.inline),
        Format::Jsonl => jsonl_report(&mut out, &analysis, &inv, args.inline),
        Format::Text => out.write_all(text_report(&analysis, &inv).as_bytes()),
    };
    written.and_then(|()| out.flush()).map_err(AnalyzeError::Write)?;
    let failing = args.fail_on.is_some_and(|min| analysis.findings.iter().any(|f| f.severity >= min));
    Ok(if failing { 1 } else { 0 })
}

/// The whole report as one JSON document, serialised from the analysis as it is:
/// `{"explanations": [...], "access": [...], "findings": [...], "diagnostics": [...]}`, each
/// path's `explanation` the number of its text in `explanations` (or, `inline`, the text
/// itself and no table).
fn json_report(out: &mut impl Write, a: &Analysis, inline: bool) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Report<'a, R: serde::Serialize> {
        #[serde(skip_serializing_if = "Option::is_none")]
        explanations: Option<&'a [&'a str]>,
        access: R,
        findings: &'a [pullpath_core::findings::Finding],
        diagnostics: &'a [pullpath_core::diagnostic::Diagnostic],
    }
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, terminal::Inert(serde_json::ser::PrettyFormatter::new()));
    if inline {
        serde::Serialize::serialize(&Report { explanations: None, access: &a.access, findings: &a.findings, diagnostics: &a.diagnostics }, &mut ser)?;
    } else {
        // Numbered before anything is written, so the table comes first and each row can be
        // written (and read) knowing every number it holds.
        let mut table = Explanations::default();
        for path in a.access.iter().flat_map(|r| &r.via) {
            table.number(&path.explanation);
        }
        let texts: Vec<&str> = table.texts().to_vec();
        let rows = Rows { rows: &a.access, table: std::cell::RefCell::new(table) };
        serde::Serialize::serialize(&Report { explanations: Some(&texts), access: &rows, findings: &a.findings, diagnostics: &a.diagnostics }, &mut ser)?;
    }
    out.write_all(b"\n")
}

/// The access rows with numbered explanations, made one at a time as they are written.
struct Rows<'a> {
    rows: &'a [access::AccessRow],
    table: std::cell::RefCell<Explanations<'a>>,
}

impl serde::Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut table = self.table.borrow_mut();
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        let mut new = Vec::new();
        for row in self.rows {
            seq.serialize_element(&table.row(row, &mut new))?;
        }
        seq.end()
    }
}

/// JSON Lines: `{"summary": {…}}`, then `{"finding": {…}}` per finding, `{"access": {…}}` per
/// access row and `{"diagnostic": {…}}` per diagnostic, each on its own line. Each
/// explanation comes once, as `{"explanation": {"number": N, "text": "…"}}` on the line before
/// the first access row that uses it (not at all, `inline`: then every path holds its text).
fn jsonl_report(out: &mut impl Write, a: &Analysis, inv: &Inventory, inline: bool) -> std::io::Result<()> {
    let sum = summary_of(a, inv);
    let rules: Vec<serde_json::Value> = sum
        .rules
        .iter()
        .map(|r| serde_json::json!({ "rule": r.rule, "findings": r.counts.total, "worst": r.counts.worst().as_str(), "fixable": r.counts.fixable }))
        .collect();
    let head = serde_json::json!({ "summary": {
        "findings": sum.counts.total,
        "fixable": sum.counts.fixable,
        "rules": rules,
        "accessRows": a.access.len(),
        "registries": a.registries.len(),
        "identities": a.identities.len(),
        "diagnostics": a.diagnostics.len(),
    }});
    line(out, &head)?;
    for f in &a.findings {
        line(out, &Tagged { finding: Some(f), ..Tagged::default() })?;
    }
    let mut table = Explanations::default();
    let mut new = Vec::new();
    for row in &a.access {
        if inline {
            line(out, &Tagged { access: Some(row), ..Tagged::default() })?;
            continue;
        }
        new.clear();
        let shared = table.row(row, &mut new);
        for &(number, text) in &new {
            line(out, &Tagged { explanation: Some(Numbered { number, text }), ..Tagged::default() })?;
        }
        line(out, &Tagged { shared: Some(&shared), ..Tagged::default() })?;
    }
    for d in &a.diagnostics {
        line(out, &Tagged { diagnostic: Some(d), ..Tagged::default() })?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct Numbered<'a> {
    number: usize,
    text: &'a str,
}

/// One JSON Lines record: exactly one of its fields is set.
#[derive(serde::Serialize, Default)]
struct Tagged<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    finding: Option<&'a pullpath_core::findings::Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Numbered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<&'a access::AccessRow>,
    /// An access row with numbered explanations, under the same key.
    #[serde(rename = "access", skip_serializing_if = "Option::is_none")]
    shared: Option<&'a SharedRow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostic: Option<&'a pullpath_core::diagnostic::Diagnostic>,
}

/// One value on one line: serde_json escapes line breaks inside strings, so a record never
/// spans lines whatever a name holds.
fn line(out: &mut impl Write, v: &impl serde::Serialize) -> std::io::Result<()> {
    v.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, terminal::Inert(serde_json::ser::CompactFormatter)))?;
    out.write_all(b"\n")
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Yes => "yes",
        Level::No => "no",
        Level::Partial => "partial",
    }
}

/// The findings by rule and subscription (`core::summary`), subscriptions named as the
/// snapshot names them.
fn summary_of(a: &Analysis, inv: &Inventory) -> summary::Summary {
    let name = |id: &str| inv.subscriptions.iter().find(|s| s.id.subscription_id().is_some_and(|i| i.eq_ignore_ascii_case(id))).map(|s| s.name.clone()).filter(|n| !n.is_empty());
    summary::summarise(&a.findings, &summary::Filter::default(), &name)
}

/// What the text report opens with: the findings by rule and subscription, with counts by
/// severity (`core::summary`), so a person sees the shape of a large tenant before its detail.
fn summary_text(a: &Analysis, inv: &Inventory) -> String {
    let sum = summary_of(a, inv);
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
    // Rows by registry, once: looking each registry's rows up in all rows is quadratic on a
    // large tenant (1,000 registries × 75,000 rows).
    let mut by_registry: HashMap<&str, Vec<&access::AccessRow>> = HashMap::new();
    for row in &a.access {
        by_registry.entry(row.registry.key()).or_default().push(row);
    }
    // The first identity of a principal names it, as a search of the list would.
    let mut labels: HashMap<String, &str> = HashMap::new();
    for i in &a.identities {
        labels.entry(i.principal_id.to_ascii_lowercase()).or_insert(i.label.as_str());
    }
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
        for row in by_registry.get(reg.id.key()).map(Vec::as_slice).unwrap_or_default() {
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
            let _ = writeln!(s, "         fix: {}", shown(&describe_fix(fix, &labels)));
        }
        if f.choices.len() > 1 {
            let _ = writeln!(s, "         ways to fix it (pullpath plan --fix {} --choice N; 1 is the fix above):", shown(&f.id));
            for (n, c) in f.choices.iter().enumerate() {
                let _ = writeln!(s, "           {}. {}", n + 1, shown(&c.label));
            }
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
fn describe_fix(fix: &Intent, labels: &HashMap<String, &str>) -> String {
    match fix {
        Intent::GrantRole { principal_id, role, scope, .. } => {
            let who = match labels.get(&principal_id.to_ascii_lowercase()) {
                Some(label) if !label.contains(principal_id.as_str()) => format!("{label} [{principal_id}]"),
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
        Intent::CreateUserAssignedIdentity { identity, location } => format!("create user-assigned identity {identity} in {location}"),
        Intent::GrantRoleToUserIdentity { identity, role, scope } => format!("grant {} to {identity} on {scope}", role.name),
        #[allow(unreachable_patterns)]
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
