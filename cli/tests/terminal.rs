//! A snapshot whose names carry terminal control sequences: the text output of `analyze` and
//! `plan`, and the error a hostile document causes, show them escaped and never send one to
//! the terminal.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// Clears the screen, returns the cursor, reverses the line, sets the window title, and
/// starts a C1 control sequence: each would let a name rewrite what the user reads.
const HOSTILE: &str = "\u{1b}[2J\rOK \u{202e}gpj.exe\u{1b}]0;owned\u{7}\u{9b}31m\u{0}";

fn pullpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pullpath")).args(args).output().expect("run pullpath")
}

/// The demo tenant with `HOSTILE` in every registry's and identity's name and in the type of
/// one resource pullpath does not read (which a diagnostic names).
fn hostile_snapshot(test: &str) -> PathBuf {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sim/src/demo.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(demo).unwrap()).unwrap();
    let resources = doc["resources"].as_array_mut().expect("demo.json has resources");
    for r in resources.iter_mut() {
        let ty = r["type"].as_str().unwrap_or_default().to_ascii_lowercase();
        if ty.ends_with("/registries") || ty.ends_with("/userassignedidentities") || ty.ends_with("/computes") {
            let name = format!("{}{HOSTILE}", r["name"].as_str().unwrap_or_default());
            r["name"] = Value::String(name);
        }
    }
    resources.push(serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "type": format!("Microsoft.KeyVault/vaults{HOSTILE}")}));
    let path = std::env::temp_dir().join(format!("pullpath-terminal-{test}-{}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// No character a terminal would act on, except the line breaks of the report itself.
fn assert_inert(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    assert!(bad.is_empty(), "{what} sends {bad:?} to the terminal:\n{text}");
}

#[test]
fn analyze_text_shows_hostile_names_escaped() {
    let snap = hostile_snapshot("analyze");
    let out = pullpath(&["analyze", snap.to_str().unwrap(), "--format", "text"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8 report");
    assert_inert("analyze --format text", &text);
    // The names are still there, readable, each on its own line.
    assert!(text.contains("registry acrmlprod\\u{1b}[2J\\u{d}OK \\u{202e}gpj.exe\\u{1b}]0;owned\\u{7}\\u{9b}31m\\u{0} ("), "{text}");
    assert!(text.contains("microsoft.keyvault/vaults\\u{1b}[2j"), "the diagnostic names the type, escaped: {text}");
}

#[test]
fn plan_text_shows_hostile_names_escaped() {
    let snap = hostile_snapshot("plan");
    let out = pullpath(&["plan", snap.to_str().unwrap(), "--fix", "all"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8 plan");
    assert!(text.starts_with("Plan: ") && text.contains("\\u{1b}[2J"), "{text}");
    assert_inert("plan text", &text);
}

#[test]
fn errors_quoting_the_input_are_escaped() {
    let path = std::env::temp_dir().join(format!("pullpath-terminal-error-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::json!({ format!("keys{HOSTILE}"): [] }).to_string()).unwrap();
    for cmd in [&["analyze", path.to_str().unwrap()][..], &["plan", path.to_str().unwrap(), "--fix", "all"][..]] {
        let out = pullpath(cmd);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("an object with keys keys\\u{1b}[2J"), "{cmd:?}: {err}");
        assert_inert("the error", &err);
    }
}

/// The JSON reports send nothing a terminal obeys either (`pullpath analyze … | grep` prints
/// them), and still hold the names exactly: the escapes are JSON's own.
#[test]
fn json_reports_are_inert_and_keep_the_names() {
    let snap = hostile_snapshot("json");
    for format in ["json", "jsonl"] {
        let out = pullpath(&["analyze", snap.to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("UTF-8 report");
        assert_inert(&format!("analyze --format {format}"), &text);
        let values: Vec<Value> = match format {
            "json" => vec![serde_json::from_str(&text).expect("one JSON document")],
            _ => text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect(),
        };
        let all = serde_json::to_string(&values).unwrap();
        let name = serde_json::to_string(&format!("acrmlprod{HOSTILE}")).unwrap();
        assert!(all.contains(&name[1..name.len() - 1]), "{format}: the hostile registry name is in the report as it was");
    }
}
