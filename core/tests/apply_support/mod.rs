//! Shared harness of the apply tests: load a scenario, plan it against the demo tenant, apply
//! it through the fault schedule with simulated time, and check the end state.

#![allow(dead_code)]

use std::collections::BTreeSet;

use pullpath_core::apply::{self, Apply, ApplyConfig, Outcome};
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Plan};
use pullpath_core::request::Method;
use pullpath_core::sim::faults::{FaultRule, Faults, LroBehaviour};
use pullpath_core::sim::Sim;
use pullpath_core::ResourceId;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub description: String,
    pub intents: Vec<Intent>,
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    #[serde(default)]
    pub lro: Option<LroBehaviour>,
    /// JSON merge patches applied to resources after planning: a concurrent change.
    #[serde(default)]
    pub patch_before_apply: Vec<PatchResource>,
    /// Resources created after planning.
    #[serde(default)]
    pub add_before_apply: Vec<Value>,
    /// `applied`, `rolledBack` or `refused`.
    pub expect: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PatchResource {
    pub pointer: String,
    pub set: Value,
}

pub struct Run {
    pub initial: Sim,
    pub sim: Sim,
    pub plan: Plan,
    pub apply: Apply,
    /// State right before apply (after any concurrent change).
    pub before_apply: Sim,
    /// The fault schedule as it ran.
    pub faults: Faults,
}

impl Run {
    pub fn outcome_kind(&self) -> String {
        match self.apply.outcome() {
            Some(Outcome::Applied) => "applied",
            Some(Outcome::RolledBack { .. }) => "rolledBack",
            Some(Outcome::Refused { .. }) => "refused",
            Some(Outcome::RollbackIncomplete { .. }) => "rollbackIncomplete",
            None => "unfinished",
        }
        .into()
    }
}

pub fn config(seed: u64) -> ApplyConfig {
    ApplyConfig { seed, ..ApplyConfig::default() }
}

pub fn inventory(sim: &Sim) -> Inventory {
    let (inv, diags) = Inventory::from_resources(sim.tenant_resources().cloned());
    assert!(diags.is_empty(), "{diags:?}");
    inv
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

pub fn run(s: &Scenario) -> Run {
    run_with(Sim::demo(), &s.intents, s.faults.clone(), s.lro, &s.patch_before_apply, &s.add_before_apply, 7)
}

pub fn run_with(initial: Sim, intents: &[Intent], faults: Vec<FaultRule>, lro: Option<LroBehaviour>, patches: &[PatchResource], adds: &[Value], seed: u64) -> Run {
    let (plan, _skipped) = plan::plan(&inventory(&initial), intents);
    let mut sim = initial.clone();
    for p in patches {
        let id = ResourceId::parse(&p.pointer).unwrap();
        let mut v = sim.resource(&id).cloned().unwrap_or_else(|| panic!("no {id} to patch"));
        merge(&mut v, &p.set);
        assert!(sim.upsert(v));
    }
    for a in adds {
        assert!(sim.upsert(a.clone()));
    }
    if let Some(b) = lro {
        sim.set_lro_behaviour(b);
    }
    let before_apply = sim.clone();
    let mut faults = Faults::new(faults);
    let mut apply = Apply::new(plan.clone(), config(seed));
    apply::drive(&mut apply, 0, 100_000, |r| faults.serve(&mut sim, r)).expect("the apply engine finishes in bounded simulated time without stalling");
    Run { initial, sim, plan, apply, before_apply, faults }
}

/// The promise: applied means every planned effect holds; otherwise every target is as it was
/// before apply (and, for a refusal, nothing was written); never a duplicate assignment.
pub fn check_invariants(run: &Run) -> Result<(), String> {
    let ops = &run.plan.operations;
    let mut seen_targets = BTreeSet::new();
    match run.apply.outcome() {
        Some(Outcome::Applied) => {
            for (i, op) in ops.iter().enumerate() {
                let last_on_target = !ops[i + 1..].iter().any(|o| o.target == op.target);
                if last_on_target && !op.effect.holds(run.sim.resource(&op.target)) && !equivalent_grant_exists(run, op) {
                    return Err(format!("applied, but operation {i} ({}) does not hold: {}", op.summary, op.effect.describe()));
                }
            }
        }
        Some(Outcome::Refused { .. } | Outcome::RolledBack { .. }) => {
            for (i, op) in ops.iter().enumerate() {
                if seen_targets.insert(op.target.clone()) {
                    let before = run.before_apply.resource(&op.target);
                    let after = run.sim.resource(&op.target);
                    if normalise(before) != normalise(after) {
                        return Err(format!("not rolled back: operation {i} ({}) target {}\nbefore: {before:?}\nafter:  {after:?}", op.summary, op.target));
                    }
                }
            }
            let ids = |s: &Sim| s.tenant_resources().map(|v| v["id"].as_str().unwrap_or_default().to_ascii_lowercase()).collect::<BTreeSet<_>>();
            if ids(&run.before_apply) != ids(&run.sim) {
                return Err(format!("resources differ after rollback: {:?}", ids(&run.before_apply).symmetric_difference(&ids(&run.sim)).collect::<Vec<_>>()));
            }
            if matches!(run.apply.outcome(), Some(Outcome::Refused { .. })) {
                if let Some(w) = run.apply.journal().iter().find(|e| e.method != Method::Get) {
                    return Err(format!("refused, yet wrote {:?} {}", w.method, w.path_and_query));
                }
            }
        }
        other => return Err(format!("ended {other:?}")),
    }
    no_duplicate_assignments(&run.sim)
}

/// A role assignment's identity: (scope, principal, role).
fn ra_key(v: &Value) -> Option<(String, String, String)> {
    let p = v.get("properties")?;
    let scope = p.get("scope")?.as_str()?.to_ascii_lowercase();
    let principal = p.get("principalId")?.as_str()?.to_ascii_lowercase();
    let role = p.get("roleDefinitionId")?.as_str()?.rsplit('/').next()?.to_ascii_lowercase();
    Some((scope, principal, role))
}

fn equivalent_grant_exists(run: &Run, op: &plan::Operation) -> bool {
    let plan::State::RoleAssignment { present: Some(a), .. } = &op.effect else { return false };
    let want = (a.scope.as_str().to_ascii_lowercase(), a.principal_id.to_ascii_lowercase(), a.role_definition_id.name().to_ascii_lowercase());
    run.sim.tenant_resources().filter(|v| v["type"] == "Microsoft.Authorization/roleAssignments").any(|v| ra_key(v).as_ref() == Some(&want))
}

pub fn no_duplicate_assignments(sim: &Sim) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for v in sim.tenant_resources().filter(|v| v["type"] == "Microsoft.Authorization/roleAssignments") {
        if let Some(k) = ra_key(v) {
            if !seen.insert(k.clone()) {
                return Err(format!("duplicate role assignment {k:?}"));
            }
        }
    }
    Ok(())
}

/// A resource without what ARM changes on its own (provisioning state).
fn normalise(v: Option<&Value>) -> Option<Value> {
    let mut v = v.cloned()?;
    if let Some(p) = v.get_mut("properties").and_then(Value::as_object_mut) {
        p.remove("provisioningState");
    }
    Some(v)
}
