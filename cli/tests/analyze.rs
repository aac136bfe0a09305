//! End-to-end tests of `pullpath analyze`: the built binary on fixture files, checking exit
//! codes, the JSON report's shape and the text report.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

fn demo() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sim/src/demo.json").to_string_lossy().into_owned()
}

fn analyze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pullpath")).arg("analyze").args(args).output().expect("run pullpath")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_codes_follow_fail_on() {
    let demo = demo();
    let low = fixture("low-only.json");
    let clean = fixture("clean.json");
    // (snapshot, --fail-on, expected exit code)
    let cases: [(&str, Option<&str>, i32); 8] = [
        (&demo, None, 0),
        (&demo, Some("high"), 1),
        (&demo, Some("low"), 1),
        (&low, Some("high"), 0),
        (&low, Some("medium"), 0),
        (&low, Some("low"), 1),
        (&clean, Some("low"), 0),
        (&clean, None, 0),
    ];
    for (path, fail_on, code) in cases {
        let mut args = vec![path];
        if let Some(f) = fail_on {
            args.extend(["--fail-on", f]);
        }
        let out = analyze(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}\nstdout: {}\nstderr: {}", stdout(&out), stderr(&out));
    }
}

#[test]
fn json_report_has_access_and_findings() {
    let out = analyze(&[&demo(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let rows = report["access"].as_array().expect("access rows");
    let gpu = rows
        .iter()
        .find(|r| r["principalId"] == "aaaaaaaa-0000-0000-0000-000000000005" && r["registry"].as_str().unwrap().ends_with("/acrmlprod"))
        .expect("gpu-cluster row on acrmlprod");
    assert_eq!(gpu["pull"], "no");
    assert_eq!(gpu["push"], "no");
    assert_eq!(gpu["identity"], "gpu-cluster (compute system identity)");
    let partial = rows.iter().find(|r| r["principalId"] == "aaaaaaaa-0000-0000-0000-000000000005" && r["registry"].as_str().unwrap().ends_with("/acrteamabac")).expect("ABAC row");
    assert_eq!(partial["pull"], "partial");
    assert!(partial["via"][0]["condition"].as_str().unwrap().contains("training/"));
    let ids: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    for id in ["acr-admin-user-enabled", "compute-cannot-pull-workspace-registry", "image-build-missing-identity-operator", "abac-registry-legacy-role", "compute-without-identity", "broad-role-for-pull"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let f = &report["findings"][0];
    for key in ["id", "severity", "resource", "message", "fixes"] {
        assert!(!f[key].is_null(), "finding lacks {key}: {f}");
    }
}

#[test]
fn text_report_is_readable() {
    let out = analyze(&[&demo(), "--format", "text"]);
    let text = stdout(&out);
    // It opens with the findings by rule, most severe first, each with its count.
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("summary: ") && first.contains(" finding(s) (") && first.contains(" rule(s); "), "{first}");
    let rules: Vec<&str> = text.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(rules.len() >= 4 && rules[0].starts_with("  HIGH "), "{rules:?}");
    assert!(rules.iter().any(|l| l.contains("compute-cannot-pull-workspace-registry")), "{rules:?}");
    assert!(text.contains("registry acrmlprod (legacy permissions, admin user ON)"), "{text}");
    assert!(text.contains("registry acrteamabac (ABAC repository permissions)"), "{text}");
    assert!(text.contains("HIGH   compute-cannot-pull-workspace-registry"), "{text}");
    // A fix names its principal, with the object id that acts on it.
    assert!(text.contains("fix: grant AcrPull to gpu-cluster (compute system identity) [aaaaaaaa-0000-0000-0000-000000000005]"), "{text}");
    // People and groups by their Microsoft Graph names, access through a group with its chain.
    assert!(text.contains("Priya Raman (user)") && text.contains("of which this principal is a member through group platform-identities"), "{text}");
    assert!(!text.contains("user bbbbbbbb"), "{text}");
    // Online endpoints and container groups: the endpoint that cannot pull, and the admin user
    // a container group still logs in with.
    assert!(text.contains("HIGH   endpoint-cannot-pull-workspace-registry"), "{text}");
    assert!(text.contains("Do not disable it yet: container group aci-batch-scoring"), "{text}");
    // Pull demand: the demo's environment built on a private base image with no connection,
    // the one demo answer that rests on an unverified behaviour (no Microsoft sentence found).
    assert!(text.contains("HIGH   environment-base-image-unreachable"), "{text}");
    assert!(text.contains("no ContainerRegistry connection to acrprivate.azurecr.io"), "{text}");
    let marked: Vec<&str> = text.lines().filter(|l| l.contains("[unverified]")).collect();
    assert!(marked.len() == 1 && marked[0].contains("environment-base-image-unreachable"), "only the base-image finding is unverified: {marked:?}");
}

/// The text report of a truth case's snapshot (`core/tests/truth/<case>`).
fn text_report_of_truth_case(case: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/truth").join(case);
    // One directory per case: tests run in parallel.
    let dir = std::env::temp_dir().join(format!("pullpath-case-{}-{}", std::process::id(), case.replace(['/', '.'], "-")));
    let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snapshot.json");
    std::fs::write(&file, case["snapshot"].to_string()).unwrap();
    let text = stdout(&analyze(&[&file.to_string_lossy(), "--format", "text"]));
    let _ = std::fs::remove_dir_all(&dir);
    text
}

/// An answer no source settles is marked in the text report.
#[test]
fn unverified_answers_are_marked() {
    let text = text_report_of_truth_case("findings/workspace-key-vault-contributor-taken-on-trust.json");
    // The finding's own line, after the summary that opens the report.
    let (summary, findings) = text.split_once(" finding(s)\n").unwrap_or_else(|| panic!("{text}"));
    assert!(summary.starts_with("summary: ") && summary.contains("workspace-key-vault-access-policy-unchecked"), "{summary}");
    let line = findings.lines().find(|l| l.contains("workspace-key-vault-access-policy-unchecked")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with("[unverified]"), "{line}");
}

#[test]
fn unusable_input_exits_2_saying_what_and_where() {
    let broken = fixture("broken.json");
    let cases: [(Vec<&str>, &str); 5] = [
        (vec![&broken], "line 3, column"),
        (vec!["/nonexistent/snapshot.json"], "cannot read /nonexistent/snapshot.json"),
        (vec![], "missing SNAPSHOT"),
        (vec![&broken, "--format", "yaml"], "unknown format \"yaml\""),
        (vec![&broken, "--fail-on", "critical"], "unknown severity \"critical\""),
    ];
    for (args, needle) in cases {
        let out = analyze(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?} printed a report");
    }
}

/// A pull path's network verdict is printed under its row, with the reason's chain, and the
/// finding it raises is listed.
#[test]
fn network_verdicts_are_shown_under_their_rows() {
    let text = text_report_of_truth_case("network/private-endpoint-in-unpeered-vnet-blocks.json");
    let line = text.lines().find(|l| l.contains("network from gpu-cluster: blocked")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("acrprivate denies public network access") && line.contains("is not peered with vnet-hub where pe-acr lives"), "{line}");
    assert!(text.contains("HIGH   registry-unreachable-from-compute"), "{text}");
}

/// JSON Lines: the summary first, then one finding, access row or diagnostic per line, the
/// same ones as the JSON report.
#[test]
fn jsonl_report_is_one_record_per_line() {
    let json: serde_json::Value = serde_json::from_slice(&analyze(&[&demo(), "--format", "json"]).stdout).unwrap();
    let out = analyze(&[&demo(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let summary = &lines[0]["summary"];
    assert_eq!(summary["findings"], json["findings"].as_array().unwrap().len());
    assert_eq!(summary["accessRows"], json["access"].as_array().unwrap().len());
    assert!(summary["rules"].as_array().unwrap().iter().any(|r| r["rule"] == "registry-unreachable-from-compute" && r["worst"] == "high"), "{summary}");
    let of = |key: &str| lines.iter().filter_map(|l| l.get(key).cloned()).collect::<Vec<_>>();
    assert_eq!(serde_json::Value::Array(of("finding")), json["findings"]);
    assert_eq!(serde_json::Value::Array(of("access")), json["access"]);
    assert_eq!(serde_json::Value::Array(of("diagnostic")), json["diagnostics"]);
    assert!(lines[1..].iter().all(|l| l.as_object().unwrap().len() == 1), "each record is one kind");
    // A bad format says which ones there are.
    let bad = analyze(&[&demo(), "--format", "yaml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("use json, jsonl or text"), "{}", stderr(&bad));
}

/// Each explanation is written once and every path points to it by number, in both JSON
/// forms; put back, the rows are exactly those of `--explanations inline`.
#[test]
fn explanations_are_written_once_and_read_back_inline() {
    let inline: serde_json::Value = serde_json::from_slice(&analyze(&[&demo(), "--format", "json", "--explanations", "inline"]).stdout).unwrap();
    assert!(inline.get("explanations").is_none());
    assert!(inline["access"][0]["via"][0]["explanation"].is_string());
    let shared: serde_json::Value = serde_json::from_slice(&analyze(&[&demo(), "--format", "json"]).stdout).unwrap();
    let table: Vec<&str> = shared["explanations"].as_array().expect("a table of explanations").iter().map(|e| e.as_str().unwrap()).collect();
    let distinct: std::collections::HashSet<&&str> = table.iter().collect();
    assert_eq!(distinct.len(), table.len(), "each text once");
    let mut used = vec![false; table.len()];
    let resolve = |rows: &serde_json::Value, table: &dyn Fn(usize) -> Option<String>, used: &mut Vec<bool>| -> serde_json::Value {
        let mut rows = rows.clone();
        for row in rows.as_array_mut().unwrap() {
            for p in row["via"].as_array_mut().unwrap() {
                let n = p["explanation"].as_u64().expect("a number") as usize;
                p["explanation"] = serde_json::Value::String(table(n).unwrap_or_else(|| panic!("explanation {n} not written before its use")));
                if n < used.len() {
                    used[n] = true;
                }
            }
        }
        rows
    };
    assert_eq!(resolve(&shared["access"], &|n| table.get(n).map(|t| t.to_string()), &mut used), inline["access"]);
    assert!(used.iter().all(|u| *u), "every explanation is used");
    assert_eq!(shared["findings"], inline["findings"]);
    // JSON Lines: each explanation on its own line before the first row that uses it.
    let mut texts: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for l in stdout(&analyze(&[&demo(), "--format", "jsonl"])).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        if let Some(e) = v.get("explanation") {
            assert_eq!(e["number"], texts.len(), "numbered in order");
            texts.push(e["text"].as_str().unwrap().to_string());
        } else if let Some(row) = v.get("access") {
            let known = texts.clone();
            rows.push(resolve(&serde_json::Value::Array(vec![row.clone()]), &|n| known.get(n).cloned(), &mut Vec::new())[0].clone());
        }
    }
    assert_eq!(serde_json::Value::Array(rows), inline["access"]);
    assert_eq!(texts, table);
    let bad = analyze(&[&demo(), "--explanations", "none"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("use shared or inline"), "{}", stderr(&bad));
}

/// The pipeline benchmark's tenant generator (`tests/bench/big_tenant.py`, docs/benchmarks.md)
/// at a hundredth of its size: its snapshot reads without a diagnostic and every report
/// format describes the same analysis.
#[test]
fn the_pipeline_benchmark_tenant_reads_and_reports() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bench/big_tenant.py");
    let out = std::env::temp_dir().join(format!("pullpath-big-tenant-{}.json", std::process::id()));
    let made = Command::new("python3").arg(&script).arg(&out).args(["7", "0.01"]).output().expect("python3 runs the generator");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let path = out.to_string_lossy().into_owned();
    let lines = analyze(&[&path, "--format", "jsonl"]);
    assert_eq!(lines.status.code(), Some(0), "{}", stderr(&lines));
    let first: serde_json::Value = serde_json::from_str(stdout(&lines).lines().next().unwrap()).unwrap();
    let summary = &first["summary"];
    assert!(summary["registries"].as_u64() >= Some(10) && summary["findings"].as_u64() > Some(0) && summary["accessRows"].as_u64() > Some(0), "{summary}");
    assert_eq!(summary["diagnostics"], 0, "the generator writes only shapes pullpath reads");
    let json: serde_json::Value = serde_json::from_slice(&analyze(&[&path, "--format", "json"]).stdout).unwrap();
    assert_eq!(summary["findings"], json["findings"].as_array().unwrap().len());
    let text = stdout(&analyze(&[&path, "--format", "text"]));
    assert!(text.starts_with(&format!("summary: {} finding(s)", summary["findings"])), "{}", &text[..200.min(text.len())]);
    let _ = std::fs::remove_file(out);
}
