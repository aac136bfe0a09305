//! The condition cases of the truth corpus (`tests/truth/conditions/*.json`) checked against the
//! analysis: every case is well-formed (a behaviour, a source with URL and quote, a snapshot,
//! expectations) and the analysis gives the access rows, explanations and findings it states.
//! The corpus-wide harness walks the same files; this keeps them honest on their own.

use std::path::{Path, PathBuf};

use pullpath_core::access::Level;

use pullpath_core::analysis;
use pullpath_core::snapshot;
use serde_json::Value;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truth/conditions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn level(word: &str) -> Result<Level, String> {
    serde_json::from_value(Value::String(word.to_string())).map_err(|_| format!("level {word:?} is not yes, no or partial"))
}

fn text<'a>(v: &'a Value, path: &str) -> Result<&'a str, String> {
    v.pointer(path).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).ok_or_else(|| format!("{path} is missing or empty"))
}

fn check(path: &Path) -> Result<(), String> {
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).map_err(|e| e.to_string())?).map_err(|e| format!("not JSON: {e}"))?;
    text(&case, "/behaviour")?;
    let url = text(&case, "/source/url")?;
    if !url.starts_with("https://learn.microsoft.com/") && !url.starts_with("https://github.com/Azure/azure-rest-api-specs/") {
        return Err(format!("source {url} is neither a Microsoft Learn page nor the REST API specs"));
    }
    text(&case, "/source/quote")?;
    let snapshot = case.get("snapshot").ok_or("no snapshot")?;
    let (inv, diags) = snapshot::parse(&snapshot.to_string()).map_err(|e| format!("snapshot: {e}"))?;
    if !diags.is_empty() {
        return Err(format!("snapshot diagnostics: {diags:?}"));
    }
    let analysis = analysis::analyze(&inv);
    let rows = case.pointer("/expect/access").and_then(Value::as_array).ok_or("no expect.access")?;
    for want in rows {
        let principal = text(want, "/principal")?.to_ascii_lowercase();
        let registry = text(want, "/registry")?;
        let row = analysis
            .access
            .iter()
            .find(|r| r.principal_id.as_ref() == principal && r.registry.name().eq_ignore_ascii_case(registry))
            .ok_or_else(|| format!("no access row for {principal} on {registry}"))?;
        for (field, got) in [("pull", row.pull), ("push", row.push)] {
            let wanted = level(text(want, &format!("/{field}"))?)?;
            if wanted != got {
                return Err(format!("{field}: expected {wanted:?}, got {got:?}; via {:?}", row.via.iter().map(|p| p.explanation.as_ref()).collect::<Vec<_>>()));
            }
        }
        let said: Vec<&str> = row.via.iter().map(|p| p.explanation.as_ref()).chain(row.why_not.as_deref()).collect();
        for e in want.get("explains").and_then(Value::as_array).into_iter().flatten() {
            let e = e.as_str().ok_or("explains holds a non-string")?;
            if !said.iter().any(|s| s.contains(e)) {
                return Err(format!("no explanation contains {e:?}: {said:?}"));
            }
        }
    }
    for (key, present) in [("findings", true), ("notFindings", false)] {
        for f in case.pointer(&format!("/expect/{key}")).and_then(Value::as_array).ok_or(format!("no expect.{key}"))? {
            let (id, resource) = (text(f, "/id")?, text(f, "/resource")?);
            let found = analysis.findings.iter().any(|x| x.id == id && x.resource.name().eq_ignore_ascii_case(resource));
            if found != present {
                return Err(format!("finding {id} on {resource}: expected {}", if present { "present" } else { "absent" }));
            }
        }
    }
    Ok(())
}

#[test]
fn condition_truth_cases() {
    let files = cases();
    assert!(files.len() >= 10, "expected the condition cases, found {}", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check(f).err().map(|e| format!("{}: {e}", f.file_name().unwrap_or_default().to_string_lossy()))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
