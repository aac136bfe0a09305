//! Exports of the demo "all fixes" plan: each format is parsed by a real parser where one is
//! available (bash -n and a run with a stand-in `az`, an HCL parser, JSON + the ARM template
//! shape), checked for the plan's content, and compared with the snapshots in
//! `tests/exports/snapshots/` (`UPDATE_EXPECT=1 cargo test -p pullpath-core --test exports`
//! rewrites them for review). There is no Bicep compiler on the registries we can use, so Bicep
//! is read by the test tokenizer and parser in `tests/export_support/bicep.rs`.

#[path = "../export_support/bicep.rs"]
mod bicep;

use std::path::{Path, PathBuf};
use std::process::Command;

use pullpath_core::export::{export, ExportFile, Format};
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Plan, State};
use pullpath_sim::{Sim, DEFAULT_ORIGIN};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn demo_plan() -> Plan {
    let text = std::fs::read_to_string(root().join("plans/all-fixes-clean.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let intents: Vec<pullpath_core::intent::Intent> = serde_json::from_value(doc["intents"].clone()).unwrap();
    let sim = Sim::demo();
    let (inv, _) = Inventory::from_resources(sim.tenant_resources().cloned());
    let (plan, skipped) = plan::plan(&inv, &intents);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(plan.operations.len(), 7);
    plan
}

/// Compares each exported file with its snapshot and reports snapshots the export no longer
/// writes (`pullpath-fixture`; `UPDATE_EXPECT=1` rewrites and deletes them).
fn snapshot(format: Format, files: &[ExportFile]) {
    let dir = root().join("exports/snapshots").join(format.as_str());
    let name = format!("{} export", format.as_str());
    let mut report = pullpath_fixture::Report::default();
    for f in files {
        report.record(&name, pullpath_fixture::check_text(dir.join(&f.path), &f.text));
    }
    report.record(&name, pullpath_fixture::check_stale(&dir, files.iter().map(|f| f.path.as_str())));
    report.finish();
}

fn role_assignment_names(plan: &Plan) -> Vec<String> {
    plan.operations
        .iter()
        .filter_map(|op| match &op.effect {
            plan::State::RoleAssignment { present: Some(_), id } => Some(id.name().to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn arm_operations_json() {
    let plan = demo_plan();
    let files = export(&plan, Format::Arm, DEFAULT_ORIGIN);
    let doc: Value = serde_json::from_str(&files[0].text).unwrap();
    let ops = doc["operations"].as_array().unwrap();
    assert_eq!(ops.len(), plan.operations.len());
    for (op, v) in plan.operations.iter().zip(ops) {
        assert_eq!(v["method"], op.request.method.as_str());
        assert_eq!(v["url"], op.request.url(DEFAULT_ORIGIN));
        assert_eq!(v.get("body"), op.request.body.as_ref());
        assert!(v["inverse"]["url"].as_str().unwrap().starts_with("https://management.azure.com/"));
    }
    snapshot(Format::Arm, &files);
}

#[test]
fn az_script_parses_and_runs_twice_against_a_stand_in_az() {
    // With a compute identity change (a PUT of the whole compute as planned) the script
    // refuses whole, before any az call; without one it runs.
    let refused = &export(&demo_plan(), Format::Az, DEFAULT_ORIGIN)[0].text;
    assert!(refused.contains("cannot be run as a script") && refused.contains("whole compute") && refused.trim_end().ends_with("exit 1"), "{refused}");
    assert!(!refused.contains("az rest"), "{refused}");
    let plan = Plan { operations: demo_plan().operations.into_iter().filter(|op| !matches!(op.effect, State::ComputeIdentity { .. })).collect() };
    let files = export(&plan, Format::Az, DEFAULT_ORIGIN);
    let script = &files[0].text;
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    assert!(script.contains("\nset -euo pipefail\n"));
    let tmp = std::env::temp_dir().join(format!("pullpath-az-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let path = tmp.join("plan.sh");
    std::fs::write(&path, script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));

    // A stand-in `az` that records its arguments; `role assignment list` answers from a
    // state file so the second run sees the grants of the first.
    let fake = tmp.join("az");
    std::fs::write(
        &fake,
        r#"#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >> "$AZ_LOG"
case "$1 $2" in
  "role assignment")
    if grep -qF -- "$5 $7" "$AZ_STATE" 2>/dev/null; then echo 1; else echo 0; fi ;;
  "rest --method")
    if [ "$3" = get ]; then echo Succeeded; fi
    if [ "$3" = put ] && [[ "$5" == *roleAssignments* ]]; then
      scope=${5%%/providers/Microsoft.Authorization/*}; scope=${scope#https://management.azure.com}
      body=$7; principal=${body#*\"principalId\":\"}; principal=${principal%%\"*}
      echo "$scope $principal" >> "$AZ_STATE"
    fi ;;
esac
"#,
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    let run = |n: usize| {
        let log = tmp.join(format!("log{n}"));
        let _ = std::fs::remove_file(&log);
        let out = Command::new("bash")
            .arg(&path)
            .env("PATH", format!("{}:{}", tmp.display(), std::env::var("PATH").unwrap_or_default()))
            .env("AZ_LOG", &log)
            .env("AZ_STATE", tmp.join("state"))
            .output()
            .unwrap();
        assert!(out.status.success(), "run {n}: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(&log).unwrap()
    };
    let _ = std::fs::remove_file(tmp.join("state"));
    let first = run(1);
    let second = run(2);
    let puts = |log: &str| log.lines().filter(|l| l.starts_with("rest --method put") && l.contains("roleAssignments")).count();
    assert_eq!(puts(&first), 3, "{first}");
    assert_eq!(puts(&second), 0, "the second run must not grant again:\n{second}");
    for name in role_assignment_names(&plan) {
        assert!(script.contains(&name));
    }
    snapshot(Format::Az, &files);
}

#[test]
fn terraform_parses_as_hcl() {
    let plan = demo_plan();
    let files = export(&plan, Format::Terraform, DEFAULT_ORIGIN);
    let body: hcl::Body = hcl::from_str(&files[0].text).unwrap_or_else(|e| panic!("HCL parse error: {e}\n{}", files[0].text));
    let resources: Vec<(String, String)> = body
        .blocks()
        .filter(|b| b.identifier() == "resource")
        .map(|b| (b.labels()[0].as_str().to_string(), b.labels()[1].as_str().to_string()))
        .collect();
    let count = |ty: &str| resources.iter().filter(|(t, _)| t == ty).count();
    assert_eq!((count("azurerm_role_assignment"), count("azapi_update_resource"), count("azapi_resource")), (3, 2, 1), "{resources:?}");
    for name in role_assignment_names(&plan) {
        assert!(files[0].text.contains(&format!("name = \"{name}\"")));
    }
    // The one removal is stated, not dropped.
    assert!(files[0].text.contains("# Not expressed"));
    snapshot(Format::Terraform, &files);
}

#[test]
fn arm_template_has_the_template_shape() {
    let plan = demo_plan();
    let files = export(&plan, Format::ArmTemplate, DEFAULT_ORIGIN);
    let doc: Value = serde_json::from_str(&files[0].text).unwrap();
    assert_eq!(doc["$schema"], "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#");
    assert_eq!(doc["contentVersion"], "1.0.0.0");
    fn walk(resources: &Value, found: &mut Vec<(String, String)>) {
        for r in resources.as_array().unwrap() {
            let ty = r["type"].as_str().expect("type");
            let api = r["apiVersion"].as_str().expect("apiVersion");
            assert!(r["name"].is_string(), "name: {r}");
            assert!(api.len() == 10 && api.as_bytes()[4] == b'-', "apiVersion {api}");
            if ty == "Microsoft.Resources/deployments" {
                assert_eq!(r["properties"]["mode"], "Incremental");
                assert!(r["resourceGroup"].is_string());
                let inner = &r["properties"]["template"];
                assert_eq!(inner["$schema"], "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#");
                walk(&inner["resources"], found);
            } else {
                found.push((ty.to_string(), r["name"].as_str().unwrap().to_string()));
            }
        }
    }
    let mut found = Vec::new();
    walk(&doc["resources"], &mut found);
    let names = role_assignment_names(&plan);
    for n in &names {
        assert!(found.iter().any(|(t, name)| t == "Microsoft.Authorization/roleAssignments" && name == n), "{n} missing from {found:?}");
    }
    // A compute's identity change would declare the whole compute as planned, reverting later
    // edits on deployment: it is listed, not declared.
    assert!(!found.iter().any(|(t, _)| t == "Microsoft.MachineLearningServices/workspaces/computes"), "{found:?}");
    assert!(found.iter().any(|(t, n)| t == "Microsoft.MachineLearningServices/workspaces/connections" && n == "mlw-prod/acr-ml-prod"));
    let not_expressed = doc["metadata"]["notExpressed"].as_array().unwrap();
    assert_eq!(not_expressed.len(), 3, "the revocation, the admin-user change and the compute identity: {not_expressed:?}");
    assert!(not_expressed.iter().any(|n| n.as_str().is_some_and(|n| n.contains("whole compute"))), "{not_expressed:?}");
    // Each declared resource carries exactly the body of the planned (spec-checked) request.
    let mut declared = Vec::new();
    fn bodies(resources: &Value, out: &mut Vec<Value>) {
        for r in resources.as_array().unwrap() {
            if r["type"] == "Microsoft.Resources/deployments" {
                bodies(&r["properties"]["template"]["resources"], out);
            } else {
                let mut b = r.clone();
                for k in ["type", "apiVersion", "name", "scope", "dependsOn"] {
                    b.as_object_mut().unwrap().remove(k);
                }
                out.push(b);
            }
        }
    }
    bodies(&doc["resources"], &mut declared);
    let planned: Vec<&Value> = plan
        .operations
        .iter()
        .filter(|o| o.request.method == pullpath_core::request::Method::Put && !matches!(o.effect, State::ComputeIdentity { .. }))
        .filter_map(|o| o.request.body.as_ref())
        .collect();
    assert_eq!(declared.len(), planned.len());
    for b in planned {
        assert!(declared.contains(b), "no template resource with body {b}");
    }
    snapshot(Format::ArmTemplate, &files);
}

#[test]
fn bicep_is_structurally_sound() {
    let plan = demo_plan();
    let files = export(&plan, Format::Bicep, DEFAULT_ORIGIN);
    assert_eq!(files[0].path, "main.bicep");
    assert!(files[0].text.contains("targetScope = 'subscription'"));
    for f in &files {
        let (decls, _) = bicep::parse(&f.text).unwrap_or_else(|e| panic!("{}: {e}\n{}", f.path, f.text));
        assert!(decls.len() > 1, "{}: declares nothing", f.path);
        // Brackets balance outside string literals.
        let mut depth = 0i32;
        let mut in_str = false;
        let mut prev = ' ';
        for c in f.text.lines().filter(|l| !l.trim_start().starts_with("//")).flat_map(|l| l.chars().chain(['\n'])) {
            match c {
                '\'' if prev != '\\' => in_str = !in_str,
                '{' | '[' | '(' if !in_str => depth += 1,
                '}' | ']' | ')' if !in_str => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "{}: closes more than it opens", f.path);
            prev = c;
        }
        assert_eq!((depth, in_str), (0, false), "{}: unbalanced", f.path);
        for line in f.text.lines().filter(|l| l.starts_with("resource ")) {
            let ty = line.split('\'').nth(1).unwrap_or_default();
            assert!(ty.contains('@') && ty.starts_with("Microsoft."), "{}: {line}", f.path);
        }
        if f.path != "main.bicep" {
            assert!(files[0].text.contains(&format!("'./{}'", f.path)), "main.bicep does not use {}", f.path);
        }
    }
    let all: String = files.iter().map(|f| f.text.as_str()).collect();
    for n in role_assignment_names(&plan) {
        assert!(all.contains(&format!("name: '{n}'")));
    }
    snapshot(Format::Bicep, &files);
}
