//! Exports of plans built from hostile data (names, principal ids, role names, descriptions,
//! tags, body keys and values full of line breaks, quotes, `$( )`, backticks, `${ }`, `[ ]`,
//! NUL, control and non-ASCII characters), each read by a parser of its language and checked
//! to say exactly the planned changes and nothing else:
//! - az: `bash -n`, `shellcheck`, and a run against a stand-in `az` that records its argv:
//!   exactly the planned calls in order, and no payload ran (no `pwned` file appears);
//! - Terraform: the HCL parser (`hcl-rs`): exactly the planned blocks, every attribute a
//!   literal equal to the data (no interpolation, no directive, no reference);
//! - ARM template: JSON, exactly the planned resources, no string from data that ARM would
//!   evaluate (`[…]`), every data string reading back as itself;
//! - Bicep: the tokenizer and parser in `export_support/bicep.rs` (no Bicep compiler installs
//!   from the registries here; see there): exactly the planned `resource` and `module`
//!   declarations, each anchored to the right existing resource, data strings reading back.
//!
//! A fixed worst case runs every check once; proptest runs 64 random plans.

mod export_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use export_support::arm_expr;
use export_support::bicep::{self, Decl};
use export_support::{hostile_new_identity_plan, hostile_plan, Names};
use proptest::prelude::*;
use pullpath_core::export::{export, Format};
use pullpath_core::id::{ResourceId, ScopeLevel};
use pullpath_core::intent::Intent;
use pullpath_core::plan::{Operation, Plan, State};
use pullpath_core::request::{self, Method};
use pullpath_sim::DEFAULT_ORIGIN;
use serde_json::{json, Map, Value};

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("pullpath-export-hostile-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------
// az

/// Records each call as its argument count then its arguments, NUL-terminated (no argument can
/// hold a NUL), and answers the three queries the script reads: how many assignments exist,
/// a provisioning state, and a new identity's principal or client id ([`NEW_IDENTITY_ID`]).
const STUB_AZ: &str = r#"#!/usr/bin/env bash
printf '%s\0' "$#" "$@" >> "$AZ_LOG"
if [ "$1" = role ]; then echo 0; fi
if [ "$1" = rest ] && [ "$3" = get ]; then
  case "$7" in
    properties.principalId | properties.clientId) echo 0b6f2a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b ;;
    *) echo Succeeded ;;
  esac
fi
exit 0
"#;

/// What the stand-in `az` answers for a new identity's principal and client id.
const NEW_IDENTITY_ID: &str = "0b6f2a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

fn read_calls(log: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(log).unwrap_or_default();
    let mut fields = bytes.split(|b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned());
    let mut calls = Vec::new();
    while let Some(n) = fields.next() {
        if n.is_empty() {
            break;
        }
        let n: usize = n.parse().unwrap();
        calls.push((0..n).map(|_| fields.next().unwrap()).collect());
    }
    calls
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The calls the script must make against a tenant where nothing is granted yet, or `None`
/// where a value cannot be an `az` argument (a NUL; a leading `-`, which az would take for
/// an option) and the script must refuse to run at all.
fn planned_calls(plan: &Plan) -> Option<Vec<Vec<String>>> {
    // A compute's identity change is a PUT of the whole compute: a script would send it as it
    // was when planned, so a plan with one is refused whole.
    if plan.operations.iter().any(|op| matches!(op.effect, State::ComputeIdentity { .. })) {
        return None;
    }
    let mut calls = Vec::new();
    for op in &plan.operations {
        if let Some(owner) = &op.principal_from {
            // The new identity's id is read, then stands where the plan holds its placeholder.
            let field = if matches!(op.effect, State::RoleAssignment { .. }) { "principalId" } else { "clientId" };
            let get = request::get(owner).unwrap();
            calls.push(strs(&["rest", "--method", "get", "--url", &get.url(DEFAULT_ORIGIN), "--query", &format!("properties.{field}"), "--output", "tsv"]));
            if let Intent::GrantRoleToUserIdentity { role, scope, .. } = &op.intent {
                if role.guid.contains('\0') || role.guid.starts_with('-') {
                    return None;
                }
                let mut c = strs(&["role", "assignment", "list", "--scope", scope.as_str(), "--assignee-object-id", NEW_IDENTITY_ID, "--role", &role.guid]);
                c.extend(strs(&["--query", "length(@)", "--output", "tsv"]));
                calls.push(c);
            }
            let body = serde_json::to_string(op.request.body.as_ref().unwrap()).unwrap().replace(pending_in_json(owner).as_str(), NEW_IDENTITY_ID);
            calls.push(strs(&["rest", "--method", &op.request.method.as_str().to_ascii_lowercase(), "--url", &op.request.url(DEFAULT_ORIGIN), "--body", &body, "--output", "none"]));
            continue;
        }
        if let Intent::GrantRole { principal_id, role, scope, .. } = &op.intent {
            if [principal_id, &role.guid].iter().any(|s| s.contains('\0') || s.starts_with('-')) {
                return None;
            }
            let mut c = strs(&["role", "assignment", "list", "--scope", scope.as_str(), "--assignee-object-id", principal_id, "--role", &role.guid]);
            c.extend(strs(&["--query", "length(@)", "--output", "tsv"]));
            calls.push(c);
        }
        let mut c = strs(&["rest", "--method", &op.request.method.as_str().to_ascii_lowercase(), "--url", &op.request.url(DEFAULT_ORIGIN)]);
        if let Some(b) = &op.request.body {
            c.extend(["--body".to_string(), serde_json::to_string(b).unwrap()]);
        }
        c.extend(strs(&["--output", "none"]));
        calls.push(c);
        if matches!(op.effect, State::AdminUser { .. } | State::ComputeIdentity { .. }) {
            let get = request::get(&op.target).unwrap();
            calls.push(strs(&["rest", "--method", "get", "--url", &get.url(DEFAULT_ORIGIN), "--query", "properties.provisioningState", "--output", "tsv"]));
        }
    }
    Some(calls)
}

/// A new identity's placeholder as it stands inside a JSON string (escaped).
fn pending_in_json(owner: &ResourceId) -> String {
    serde_json::to_string(&pullpath_core::plan::pending_principal(owner)).unwrap().trim_matches('"').to_string()
}

fn shellcheck_available() -> bool {
    static SAID: std::sync::Once = std::sync::Once::new();
    let found = Command::new("shellcheck").arg("--version").output().is_ok();
    if !found {
        SAID.call_once(|| println!("shellcheck is not installed: skipping the shellcheck part of the az checks (./dev's bootstrap_test installs it)"));
    }
    found
}

fn check_az(plan: &Plan) {
    check_az_one(plan);
    // The plan's other steps are still checked as a script: the same data, without the step
    // that makes the whole script refuse.
    let others = Plan { operations: plan.operations.iter().filter(|op| !matches!(op.effect, State::ComputeIdentity { .. })).cloned().collect() };
    if others.operations.len() != plan.operations.len() {
        check_az_one(&others);
    }
}

fn check_az_one(plan: &Plan) {
    let files = export(plan, Format::Az, DEFAULT_ORIGIN);
    let script = &files[0].text;
    assert!(!script.contains('\0'), "a NUL byte makes bash refuse the whole file");
    let dir = scratch();
    let path = dir.join("plan.sh");
    std::fs::write(&path, script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(syntax.status.success(), "bash -n: {}\n{script}", String::from_utf8_lossy(&syntax.stderr));
    if shellcheck_available() {
        let sc = Command::new("shellcheck").arg("--shell=bash").arg(&path).output().unwrap();
        assert!(sc.status.success(), "shellcheck:\n{}\n{script}", String::from_utf8_lossy(&sc.stdout));
    }
    let stub = dir.join("bin/az");
    std::fs::write(&stub, STUB_AZ).unwrap();
    Command::new("chmod").arg("+x").arg(&stub).status().unwrap();
    let log = dir.join("az.log");
    let run = Command::new("bash")
        .arg(&path)
        .current_dir(&dir)
        .env("PATH", format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .env("AZ_LOG", &log)
        .output()
        .unwrap();
    let calls = read_calls(&log);
    match planned_calls(plan) {
        Some(want) => {
            assert!(run.status.success(), "the script failed: {}\n{script}", String::from_utf8_lossy(&run.stderr));
            assert_eq!(calls, want, "\n{script}");
        }
        None => {
            assert!(!run.status.success(), "a script that cannot pass its arguments must refuse to run\n{script}");
            assert!(calls.is_empty(), "it refused after calling az: {calls:?}");
        }
    }
    assert!(!dir.join("pwned").exists(), "a payload ran:\n{script}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Terraform

/// An HCL expression that is a literal, as JSON; an error for anything that computes
/// (interpolation, directive, reference, call, operator).
fn hcl_literal(e: &hcl::Expression) -> Result<Value, String> {
    use hcl::Expression as E;
    Ok(match e {
        E::Null => Value::Null,
        E::Bool(b) => Value::Bool(*b),
        E::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => json!(i),
            (_, Some(u), _) => json!(u),
            (_, _, Some(f)) => json!(f),
            _ => return Err(format!("number {n}")),
        },
        E::String(s) => Value::String(s.clone()),
        E::Array(items) => Value::Array(items.iter().map(hcl_literal).collect::<Result<_, _>>()?),
        E::Object(o) => {
            let mut m = Map::new();
            for (k, v) in o {
                let key = match k {
                    hcl::ObjectKey::Identifier(id) => id.to_string(),
                    hcl::ObjectKey::Expression(E::String(s)) => s.clone(),
                    hcl::ObjectKey::Expression(other) => match hcl_literal(other)? {
                        Value::String(s) => s,
                        v => return Err(format!("object key {v}")),
                    },
                    other => return Err(format!("object key {other:?}")),
                };
                m.insert(key, hcl_literal(v)?);
            }
            Value::Object(m)
        }
        E::TemplateExpr(t) => {
            let template = hcl::Template::from_expr(t).map_err(|e| e.to_string())?;
            let mut s = String::new();
            for el in template.elements() {
                match el {
                    hcl::template::Element::Literal(l) => s.push_str(l),
                    other => return Err(format!("template element {other:?} in {t:?}")),
                }
            }
            Value::String(s)
        }
        // The one reference the export writes: a new identity's id, `<type>.<label>.<attr>`.
        E::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
            (E::Variable(v), [hcl::TraversalOperator::GetAttr(label), hcl::TraversalOperator::GetAttr(attr)]) if v.as_str() == "azurerm_user_assigned_identity" && ["principal_id", "client_id"].contains(&attr.as_str()) => {
                Value::String(format!("ref:{}.{}.{}", v.as_str(), label.as_str(), attr.as_str()))
            }
            _ => return Err(format!("not a literal: {t:?}")),
        },
        other => return Err(format!("not a literal: {other:?}")),
    })
}

/// What the Terraform export must declare for `op`: resource type and attributes. A new
/// identity's id is a reference to the identity's block, `ref:` and the address the block
/// of `plan`'s creating operation has (given by `new_identity`).
fn planned_block(op: &Operation, new_identity: &dyn Fn(&ResourceId) -> Option<String>) -> Option<(&'static str, Map<String, Value>)> {
    let mut body = op.request.body.clone().unwrap_or(Value::Null);
    let reference = |attr: &str| op.principal_from.as_ref().and_then(new_identity).map(|a| Value::String(format!("ref:{a}.{attr}")));
    if let (Some(owner), Some(Value::String(r))) = (&op.principal_from, reference("client_id")) {
        body = serde_json::from_str(&serde_json::to_string(&body).unwrap().replace(pending_in_json(owner).as_str(), &r)).unwrap();
    }
    let (ty, attrs) = match &op.effect {
        State::RoleAssignment { present: Some(a), id } => {
            let mut m = json!({
                "name": id.name(), "scope": a.scope.as_str(), "role_definition_id": a.role_definition_id.as_str(),
                "principal_id": reference("principal_id").unwrap_or(json!(a.principal_id)), "principal_type": serde_json::to_value(&a.principal_type).unwrap(),
            });
            if let Some(d) = body.pointer("/properties/description") {
                m["description"] = d.clone();
            }
            ("azurerm_role_assignment", m)
        }
        State::RoleAssignment { present: None, .. } => return None,
        State::AdminUser { registry, .. } => ("azapi_update_resource", json!({"type": format!("Microsoft.ContainerRegistry/registries@{}", pullpath_core::request::ResourceKind::Registry.api_version()), "resource_id": registry.as_str(), "body": body})),
        State::ComputeIdentity { compute, .. } => (
            "azapi_update_resource",
            json!({"type": "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01", "resource_id": compute.as_str(), "body": {"identity": body["identity"]}}),
        ),
        State::Connection { id, .. } => (
            "azapi_resource",
            json!({"type": "Microsoft.MachineLearningServices/workspaces/connections@2024-10-01", "name": id.name(), "parent_id": id.parent().unwrap().as_str(), "body": body}),
        ),
        State::OutboundRule { present: None, .. } | State::Identity { present: None, .. } => return None,
        State::Identity { id, present: Some(location) } => ("azurerm_user_assigned_identity", json!({"name": id.name(), "resource_group_name": id.resource_group_name().unwrap(), "location": location})),
        State::OutboundRule { id, .. } => (
            "azapi_resource",
            json!({"type": "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-10-01", "name": id.name(), "parent_id": id.parent().unwrap().as_str(), "body": body}),
        ),
    };
    Some((ty, attrs.as_object().unwrap().clone()))
}

fn check_terraform(plan: &Plan) {
    let text = &export(plan, Format::Terraform, DEFAULT_ORIGIN)[0].text;
    let body = hcl::parse(text).unwrap_or_else(|e| panic!("HCL: {e}\n{text}"));
    assert_eq!(body.attributes().count(), 0, "top-level attributes\n{text}");
    let kinds: Vec<(&str, usize)> = body.blocks().map(|b| (b.identifier(), b.labels().len())).filter(|(k, _)| *k != "resource").collect();
    assert_eq!(kinds, vec![("terraform", 0), ("provider", 1), ("provider", 1)], "\n{text}");
    let resources: Vec<&hcl::Block> = body.blocks().filter(|b| b.identifier() == "resource").collect();
    let addresses: BTreeSet<String> = resources.iter().map(|b| format!("{}.{}", b.labels()[0].as_str(), b.labels()[1].as_str())).collect();
    // The declared identity block of the operation that creates `owner`, matched by position:
    // blocks are written in plan order.
    let declared: Vec<usize> = plan.operations.iter().enumerate().filter(|(_, op)| planned_block(op, &|_| Some(String::new())).is_some()).map(|(i, _)| i).collect();
    let new_identity = |owner: &ResourceId| -> Option<String> {
        let creator = plan.operations.iter().position(|o| o.creates() && &o.target == owner)?;
        let k = declared.iter().position(|&i| i == creator)?;
        resources.get(k).map(|b| format!("{}.{}", b.labels()[0].as_str(), b.labels()[1].as_str()))
    };
    let planned: Vec<(&str, Map<String, Value>)> = plan.operations.iter().filter_map(|op| planned_block(op, &new_identity)).collect();
    assert_eq!(resources.len(), planned.len(), "exactly the planned resources\n{text}");
    assert_eq!(addresses.len(), resources.len(), "unique addresses\n{text}");
    for (block, (ty, want)) in resources.iter().zip(&planned) {
        assert_eq!(block.labels()[0].as_str(), *ty);
        let label = block.labels()[1].as_str();
        assert!(label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "label {label:?}");
        assert_eq!(block.body().blocks().count(), 0, "no nested blocks in {label}\n{text}");
        let mut got = Map::new();
        for a in block.body().attributes() {
            if a.key() == "depends_on" {
                let hcl::Expression::Array(items) = a.expr() else { panic!("depends_on {:?}", a.expr()) };
                for i in items {
                    let hcl::Expression::Traversal(t) = i else { panic!("depends_on item {i:?}") };
                    let hcl::Expression::Variable(v) = &t.expr else { panic!("{t:?}") };
                    let [hcl::TraversalOperator::GetAttr(attr)] = t.operators.as_slice() else { panic!("{t:?}") };
                    assert!(addresses.contains(&format!("{}.{}", v.as_str(), attr.as_str())), "depends_on names no declared resource: {t:?}");
                }
                continue;
            }
            let v = hcl_literal(a.expr()).unwrap_or_else(|e| panic!("{label}.{}: {e}\n{text}", a.key()));
            assert!(got.insert(a.key().to_string(), v).is_none(), "{label}.{} twice", a.key());
        }
        assert_eq!(&got, want, "{label}\n{text}");
    }
}

// ---------------------------------------------------------------------------------------
// Declarations (ARM template and Bicep)

/// A planned PUT that a declarative export may declare.
struct Put<'a> {
    op: &'a Operation,
    id: ResourceId,
    body: Map<String, Value>,
}

fn puts(plan: &Plan) -> Vec<Put<'_>> {
    plan.operations
        .iter()
        .filter(|op| op.request.method == Method::Put)
        .map(|op| Put { op, id: op.effect.target().clone(), body: op.request.body.clone().and_then(|b| b.as_object().cloned()).unwrap_or_default() })
        .collect()
}

/// `(type, names)` of a non-extension resource id.
fn type_and_names(id: &ResourceId) -> (String, Vec<String>) {
    let (_, rel) = id.as_str().rsplit_once("/providers/").unwrap();
    let segs: Vec<&str> = rel.split('/').collect();
    let types: Vec<&str> = segs[1..].iter().step_by(2).copied().collect();
    let names: Vec<String> = segs[2..].iter().step_by(2).map(|s| s.to_string()).collect();
    (format!("{}/{}", segs[0], types.join("/")), names)
}

/// Every op is declared at most once, and the ones that are not are listed as not
/// expressed: declared + not expressed = all.
fn check_accounting(plan: &Plan, declared: &[usize], not_expressed: usize, what: &str) {
    let unique: BTreeSet<usize> = declared.iter().copied().collect();
    assert_eq!(unique.len(), declared.len(), "{what}: an operation declared twice");
    assert_eq!(declared.len() + not_expressed, plan.operations.len(), "{what}: declared {declared:?} + {not_expressed} not expressed != {} operations", plan.operations.len());
}

fn op_index(plan: &Plan, op: &Operation) -> usize {
    plan.operations.iter().position(|o| std::ptr::eq(o, op)).unwrap()
}

fn check_arm_template(plan: &Plan) {
    let text = &export(plan, Format::ArmTemplate, DEFAULT_ORIGIN)[0].text;
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON: {e}\n{text}"));
    let puts = puts(plan);
    let mut declared = Vec::new();
    // The outer template's resources are nested deployments, each pinned to a subscription
    // (and a resource group, or a location for a subscription's); theirs are declarations.
    let mut nested = Vec::new();
    for r in doc["resources"].as_array().unwrap() {
        let obj = r.as_object().unwrap();
        assert_eq!(obj["type"], "Microsoft.Resources/deployments", "{r}");
        let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        let sub = arm_expr::literal_value(obj["subscriptionId"].as_str().unwrap());
        let rg = obj.get("resourceGroup").map(|v| arm_expr::literal_value(v.as_str().unwrap()));
        let allowed: BTreeSet<&str> = ["type", "apiVersion", "name", "subscriptionId", if rg.is_some() { "resourceGroup" } else { "location" }, "properties", "dependsOn"].into();
        assert!(keys.is_subset(&allowed), "deployment keys {keys:?}");
        if rg.is_none() {
            assert_eq!(obj["location"], "[deployment().location]");
        }
        assert_eq!(obj["properties"]["expressionEvaluationOptions"]["scope"], "inner");
        nested.push((&obj["properties"]["template"]["resources"], (sub, rg)));
    }
    for (resources, (sub, rg)) in nested {
        for r in resources.as_array().unwrap() {
            let obj = r.as_object().unwrap();
            let ty = obj["type"].as_str().unwrap();
            // A declaration: one of the planned PUTs, with the planned body, in its group.
            let mut body = obj.clone();
            for k in ["type", "apiVersion", "name", "scope", "dependsOn"] {
                body.remove(k);
            }
            let body = unescape_arm(&Value::Object(body));
            let name = arm_expr::literal_value(obj["name"].as_str().unwrap());
            let found = puts.iter().find(|p| {
                let kind = p.id.resource_type();
                let want_name = if p.id.is_extension() { p.id.name().to_string() } else { type_and_names(&p.id).1.join("/") };
                kind.eq_ignore_ascii_case(ty) && want_name == name && Value::Object(p.body.clone()) == body
            });
            let p = found.unwrap_or_else(|| panic!("a template resource that is no planned PUT: {r}\n{text}"));
            let target_group = match &p.op.effect {
                State::RoleAssignment { present: Some(a), .. } => a.scope.clone(),
                _ => p.id.clone(),
            };
            assert_eq!(Some(sub.as_str()), target_group.subscription_id(), "{name}: deployed to the wrong subscription");
            assert_eq!(rg.as_deref(), target_group.resource_group_name(), "{name}: deployed to the wrong resource group");
            if let State::RoleAssignment { present: Some(a), .. } = &p.op.effect {
                if a.scope.level() == ScopeLevel::Resource {
                    let rel = a.scope.as_str().rsplit_once("/providers/").unwrap().1;
                    assert_eq!(arm_expr::literal_value(obj["scope"].as_str().unwrap()), rel, "{name}: the wrong scope");
                }
            }
            for dep in obj.get("dependsOn").and_then(Value::as_array).into_iter().flatten() {
                let dep = dep.as_str().unwrap();
                let (f, args) = arm_expr::call(dep).unwrap_or_else(|| panic!("dependsOn {dep:?} is not one resourceId call with quoted arguments"));
                assert!(f == "resourceId" || f == "extensionResourceId", "{dep}");
                assert!(args.len() >= 2, "{dep}");
            }
            declared.push(op_index(plan, p.op));
        }
    }
    let not_expressed = doc["metadata"]["notExpressed"].as_array().unwrap().len();
    check_accounting(plan, &declared, not_expressed, "ARM template");
    // No string that came from data is an expression: the only ones allowed are the
    // exporter's dependsOn calls, checked above, and a subscription deployment's location.
    fn walk(v: &Value, path: &str, text: &str) {
        match v {
            Value::String(s) => assert!(
                !arm_expr::is_expression(s) || path.ends_with("dependsOn[]") || (path == ".resources[].location" && s == "[deployment().location]"),
                "{path}: {s:?} would be evaluated\n{text}"
            ),
            Value::Array(a) => a.iter().for_each(|i| walk(i, &format!("{path}[]"), text)),
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                assert!(!arm_expr::is_expression(k), "{path}: key {k:?} would be evaluated");
                walk(v, &format!("{path}.{k}"), text)
            }),
            _ => {}
        }
    }
    walk(&doc, "", text);
}

fn unescape_arm(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(arm_expr::literal_value(s)),
        Value::Array(a) => Value::Array(a.iter().map(unescape_arm).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (arm_expr::literal_value(k), unescape_arm(v))).collect()),
        other => other.clone(),
    }
}

fn check_bicep(plan: &Plan) {
    let files = export(plan, Format::Bicep, DEFAULT_ORIGIN);
    let all: String = files.iter().map(|f| format!("=== {}\n{}", f.path, f.text)).collect();
    assert_eq!(files[0].path, "main.bicep");
    let mut lower = BTreeSet::new();
    for f in &files {
        assert!(lower.insert(f.path.to_lowercase()), "two files named {:?} (ignoring case)\n{all}", f.path);
        assert!(f.path.ends_with(".bicep") && !f.path.contains(['/', '\\']) && !f.path.starts_with('.') && !f.path.chars().any(char::is_control), "unsafe file name {:?}", f.path);
        assert!(f.path.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')), "file name {:?}", f.path);
    }
    let puts = puts(plan);
    let mut declared = Vec::new();
    let mut not_expressed = 0;
    let mut modules: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    let mut parsed = Vec::new();
    for f in &files {
        let (decls, comments) = bicep::parse(&f.text).unwrap_or_else(|e| panic!("{}: {e}\n{all}", f.path));
        if f.path == "main.bicep" {
            not_expressed = comments.iter().filter(|c| c.starts_with(" Not expressed here: ")).count();
        }
        parsed.push((f.path.clone(), decls));
    }
    for (path, decls) in &parsed {
        let want_scope = if path == "main.bicep" || modules_scope_is_subscription(path) { "subscription" } else { "resourceGroup" };
        assert_eq!(decls.first(), Some(&Decl::TargetScope(want_scope.into())), "{path}\n{all}");
        for d in decls {
            if let Decl::Module { symbol, path: module_path, body } = d {
                assert_eq!(path, "main.bicep", "modules only in main.bicep");
                let file = module_path.strip_prefix("./").unwrap_or_else(|| panic!("module path {module_path:?}"));
                let scope = match (body["scope"]["$resourceGroup"].as_array(), body["scope"]["$subscription"].as_array()) {
                    (Some(rg), None) => (rg[0].as_str().unwrap().to_string(), Some(rg[1].as_str().unwrap().to_string())),
                    (None, Some(sub)) => (sub[0].as_str().unwrap().to_string(), None),
                    _ => panic!("module {symbol} scope {}", body["scope"]),
                };
                assert!(modules.insert(file.to_string(), scope).is_none(), "{file} used twice");
            }
        }
    }
    let files_named: BTreeSet<&str> = files.iter().skip(1).map(|f| f.path.as_str()).collect();
    let modules_named: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
    assert_eq!(files_named, modules_named, "one module per file\n{all}");
    for (path, decls) in &parsed {
        if path != "main.bicep" {
            assert_eq!(modules[path.as_str()].1.is_none(), modules_scope_is_subscription(path), "{path}: its targetScope is not its module's scope");
        }
        let existing: BTreeMap<&str, (&str, &Map<String, Value>)> = decls
            .iter()
            .filter_map(|d| match d {
                Decl::Resource { symbol, ty, existing: true, body } => Some((symbol.as_str(), (ty.as_str(), body))),
                _ => None,
            })
            .collect();
        let mut symbols = BTreeSet::new();
        for d in decls {
            let (symbol, ty, is_existing, body) = match d {
                Decl::Resource { symbol, ty, existing, body } => (symbol, ty, *existing, body),
                Decl::Module { symbol, .. } => {
                    assert!(symbols.insert(symbol.clone()), "{path}: symbol {symbol} declared twice");
                    continue;
                }
                Decl::TargetScope(_) => continue,
            };
            assert!(symbols.insert(symbol.clone()), "{path}: symbol {symbol} declared twice\n{all}");
            if is_existing {
                continue;
            }
            let (ty, _version) = ty.split_once('@').unwrap();
            let mut rest = body.clone();
            let name = rest.remove("name").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| panic!("{symbol} has no name"));
            let scope = rest.remove("scope");
            let parent = rest.remove("parent");
            rest.remove("dependsOn");
            let p = puts
                .iter()
                .find(|p| p.id.resource_type().eq_ignore_ascii_case(ty) && p.id.name() == name && p.body == rest)
                .unwrap_or_else(|| panic!("{path}: resource {symbol} is no planned PUT\n{all}"));
            // Hangs off the right existing resource, in the right module.
            let (anchor, anchor_sym) = match (&p.op.effect, scope, parent) {
                (State::RoleAssignment { present: Some(a), .. }, Some(s), None) => (a.scope.clone(), s),
                (State::RoleAssignment { present: Some(a), .. }, None, None) => {
                    assert_ne!(a.scope.level(), ScopeLevel::Resource, "{symbol}: no scope");
                    (a.scope.clone(), Value::Null)
                }
                (_, None, Some(parent)) => (p.id.parent().unwrap(), parent),
                // A resource of its resource group's own (a new identity): its module is the anchor.
                (State::Identity { .. }, None, None) if p.id.parent().is_some_and(|g| g.level() == ScopeLevel::ResourceGroup) => (p.id.clone(), Value::Null),
                other => panic!("{symbol}: unexpected anchor {other:?}"),
            };
            if let Some(sym) = anchor_sym["$symbol"].as_str() {
                let (aty, abody) = existing.get(sym).unwrap_or_else(|| panic!("{symbol} names {sym}, which is not declared"));
                let (want_ty, names) = type_and_names(&anchor);
                assert!(aty.split('@').next().unwrap().eq_ignore_ascii_case(&want_ty), "{symbol}: anchored to a {aty}");
                assert_eq!(abody["name"].as_str(), Some(names.join("/").as_str()), "{symbol}: anchored to the wrong resource\n{all}");
            }
            assert_ne!(path, "main.bicep", "{symbol}: declarations go into modules pinned to their scope");
            let (sub, rg) = &modules[path.as_str()];
            assert_eq!(Some(sub.as_str()), anchor.subscription_id(), "{symbol} in the wrong subscription's module");
            assert_eq!(rg.as_deref(), anchor.resource_group_name(), "{symbol} in the wrong resource group's module");
            for dep in body.get("dependsOn").and_then(Value::as_array).into_iter().flatten() {
                let s = dep["$symbol"].as_str().unwrap_or_else(|| panic!("dependsOn {dep}"));
                assert!(decls.iter().any(|d| matches!(d, Decl::Resource { symbol, existing: false, .. } if symbol == s)), "dependsOn {s} is not declared");
            }
            declared.push(op_index(plan, p.op));
        }
    }
    check_accounting(plan, &declared, not_expressed, "Bicep");
}

/// Subscription modules are named `sub-…` (resource groups' `rg-…`); their scope is checked
/// against the module declaration anyway.
fn modules_scope_is_subscription(path: &str) -> bool {
    path.starts_with("sub-")
}

fn check_arm_operations(plan: &Plan) {
    let text = &export(plan, Format::Arm, DEFAULT_ORIGIN)[0].text;
    let doc: Value = serde_json::from_str(text).unwrap();
    let ops = doc["operations"].as_array().unwrap();
    assert_eq!(ops.len(), plan.operations.len());
    for (op, v) in plan.operations.iter().zip(ops) {
        assert_eq!(v.get("body"), op.request.body.as_ref());
        assert_eq!(v["url"], op.request.url(DEFAULT_ORIGIN));
    }
}

fn check_all(plan: &Plan) {
    check_arm_operations(plan);
    check_az(plan);
    check_terraform(plan);
    check_arm_template(plan);
    check_bicep(plan);
}

#[test]
fn the_worst_names_are_only_ever_data() {
    let plan = hostile_plan(&Names::worst());
    assert_eq!(plan.operations.len(), 8, "{:#?}", plan.operations.iter().map(|o| &o.summary).collect::<Vec<_>>());
    check_all(&plan);
}

#[test]
fn a_new_identity_for_an_image_build_is_exported_with_its_ids_taken_from_it() {
    let plan = hostile_new_identity_plan(&Names::worst());
    assert_eq!(plan.operations.len(), 4, "{:#?}", plan.operations.iter().map(|o| &o.summary).collect::<Vec<_>>());
    assert!(plan.operations[0].creates());
    assert_eq!(plan.operations.iter().filter(|o| o.principal_from.is_some()).count(), 2);
    check_all(&plan);
    let tf = &export(&plan, Format::Terraform, DEFAULT_ORIGIN)[0].text;
    assert!(tf.contains(".principal_id\n") && tf.contains(".client_id"), "{tf}");
}

#[test]
fn a_principal_id_no_argument_can_carry_makes_the_script_refuse_to_run() {
    for principal in ["a\0b", "--scope=/"] {
        let plan = hostile_plan(&Names { principal: principal.into(), ..Names::worst() });
        let script = &export(&plan, Format::Az, DEFAULT_ORIGIN)[0].text;
        assert!(script.contains("\nexit 1\n") && !script.contains("az rest"), "{script}");
        check_az(&plan);
    }
}

#[test]
fn a_body_field_the_template_language_owns_is_not_declared() {
    for key in ["name", "type", "dependsOn", "scope", "resources", "condition", "parent"] {
        let plan = hostile_plan(&Names { top_level_key: Some(key.into()), ..Names::worst() });
        check_arm_template(&plan);
        check_bicep(&plan);
        // The planner itself drops some (`name`, `type`) from a compute's PUT.
        let in_body = plan.operations.iter().any(|o| o.request.body.as_ref().is_some_and(|b| b.get(key).is_some()));
        let template = &export(&plan, Format::ArmTemplate, DEFAULT_ORIGIN)[0].text;
        assert_eq!(template.contains(&format!("top-level fields a template cannot declare as data ({key})")), in_body, "{key}: {template}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn every_export_of_a_hostile_plan_says_exactly_the_plan(names in export_support::names()) {
        let plan = hostile_plan(&names);
        check_all(&plan);
        check_all(&hostile_new_identity_plan(&names));
    }
}

#[test]
fn bicep_modules_of_same_named_groups_never_collide_nor_replace_main() {
    // The registry's group and the identity's group are both `main`, in two subscriptions
    // (and `Main` reads the same to a case-insensitive file system).
    for rg in ["main", "Main", "main.bicep", "..", "a/b"] {
        let names = Names { resource_group: rg.into(), ..Names::worst() };
        let plan = hostile_plan(&names);
        let files = export(&plan, Format::Bicep, DEFAULT_ORIGIN);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths.len(), 4, "main.bicep, one module per subscription's group and one for the subscription-level grant: {paths:?}");
        assert_eq!(paths.iter().filter(|p| p.eq_ignore_ascii_case("main.bicep")).count(), 1, "{paths:?}");
        let again: Vec<String> = export(&plan, Format::Bicep, DEFAULT_ORIGIN).into_iter().map(|f| f.path).collect();
        assert_eq!(paths, again, "deterministic");
        check_bicep(&plan);
    }
}
