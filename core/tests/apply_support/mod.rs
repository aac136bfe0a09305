//! Shared harness of the apply tests: load a scenario, plan it against the demo tenant, apply
//! it through the fault schedule with simulated time, and check the end state.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::Duration;

use pullpath_core::apply::{Apply, ApplyConfig, Outcome, Purpose};
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::{self, Plan};
use pullpath_core::request::Method;
use pullpath_sim::faults::{FaultRule, Faults, LroBehaviour};
use pullpath_sim::Sim;
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
    /// JSON merge patches made by someone else while the apply runs, each at the moment the
    /// engine is about to re-read its target for the given purpose.
    #[serde(default)]
    pub patch_during: Vec<TimedPatch>,
    /// The host stops the apply (the user pressed Stop or signed out) before driver round N.
    #[serde(default)]
    pub stop_at_round: Option<usize>,
    /// The session is lost before driver round N and regained after the given milliseconds:
    /// the host holds that round's requests (sends nothing) until the user has signed in again.
    #[serde(default)]
    pub pause: Option<Pause>,
    /// `applied`, `rolledBack`, `refused` or `stopped`.
    pub expect: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PatchResource {
    pub pointer: String,
    pub set: Value,
}

/// A concurrent change made while the apply runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimedPatch {
    /// `writeCheck` (between the precheck and the write) or `undoCheck` (before an undo).
    pub at: Purpose,
    pub pointer: String,
    pub set: Value,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    pub round: usize,
    pub ms: u64,
}

/// What happens to the run besides faults: concurrent changes, a stop, a session pause.
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub during: Vec<TimedPatch>,
    pub stop_at_round: Option<usize>,
    pub pause: Option<Pause>,
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
    /// The concurrent changes that were made while the apply ran.
    pub made_during: Vec<PatchResource>,
}

impl Run {
    pub fn outcome_kind(&self) -> String {
        match self.apply.outcome() {
            Some(Outcome::Applied) => "applied",
            Some(Outcome::RolledBack { .. }) => "rolledBack",
            Some(Outcome::Refused { .. }) => "refused",
            Some(Outcome::RollbackIncomplete { .. }) => "rollbackIncomplete",
            Some(Outcome::Stopped) => "stopped",
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

/// Merges a JSON patch into `target` (objects key by key, anything else replaced).
pub fn merge(target: &mut Value, patch: &Value) {
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
    let events = Events { during: s.patch_during.clone(), stop_at_round: s.stop_at_round, pause: s.pause };
    run_events(Sim::demo(), &s.intents, s.faults.clone(), s.lro, &s.patch_before_apply, &s.add_before_apply, &events, 7)
}

pub fn run_with(initial: Sim, intents: &[Intent], faults: Vec<FaultRule>, lro: Option<LroBehaviour>, patches: &[PatchResource], adds: &[Value], seed: u64) -> Run {
    run_events(initial, intents, faults, lro, patches, adds, &Events::default(), seed)
}

fn patch(sim: &mut Sim, p: &PatchResource) {
    let id = ResourceId::parse(&p.pointer).unwrap();
    let mut v = sim.resource(&id).cloned().unwrap_or_else(|| panic!("no {id} to patch"));
    merge(&mut v, &p.set);
    assert!(sim.upsert(v));
}

/// Drives `apply` to the end like `apply::drive` (every request of a round answered before
/// the next round), and makes the `events` happen on the way. `None` if it did not finish.
fn drive_with_events(apply: &mut Apply, sim: &mut Sim, faults: &mut Faults, events: &Events, made: &mut Vec<PatchResource>) -> Option<Duration> {
    let mut now = Duration::ZERO;
    let mut during = events.during.clone();
    for round in 0..100_000 {
        if apply.is_done() {
            return Some(now);
        }
        if events.stop_at_round == Some(round) {
            apply.stop(now);
        }
        let mut batch = Vec::new();
        while let Some((id, req)) = apply.poll_request(now) {
            let purpose = apply.journal().last().map(|e| e.purpose);
            batch.push((id, req, purpose));
        }
        if batch.is_empty() {
            if apply.is_done() {
                return Some(now);
            }
            now = apply.poll_timeout()?.max(now);
            apply.handle_timeout(now);
            continue;
        }
        if let Some(p) = events.pause.filter(|p| p.round == round) {
            // Nothing is sent while the user signs in again; the requests go out after.
            now += Duration::from_millis(p.ms);
        }
        for (id, req, purpose) in batch {
            let target = ResourceId::parse(&req.path).ok();
            if let Some(i) = during.iter().position(|d| Some(d.at) == purpose && target.as_ref().is_some_and(|t| ResourceId::parse(&d.pointer).is_ok_and(|p| &p == t))) {
                let d = during.remove(i);
                let p = PatchResource { pointer: d.pointer, set: d.set };
                patch(sim, &p);
                made.push(p);
            }
            let answer = faults.serve(sim, &req);
            apply.handle_response(now, id, answer);
        }
    }
    apply.is_done().then_some(now)
}

#[allow(clippy::too_many_arguments)]
pub fn run_events(initial: Sim, intents: &[Intent], faults: Vec<FaultRule>, lro: Option<LroBehaviour>, patches: &[PatchResource], adds: &[Value], events: &Events, seed: u64) -> Run {
    let (plan, _skipped) = plan::plan(&inventory(&initial), intents);
    let mut sim = initial.clone();
    for p in patches {
        patch(&mut sim, p);
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
    let mut made_during = Vec::new();
    if drive_with_events(&mut apply, &mut sim, &mut faults, events, &mut made_during).is_none() {
        let tail: Vec<String> = apply.journal().iter().rev().take(6).map(|e| format!("{:?} op {} {:?} {} -> {:?}", e.purpose, e.operation, e.method, e.path_and_query, e.status)).collect();
        panic!("the apply engine stalled or did not finish: statuses {:?}, last requests {tail:#?}", apply.statuses());
    }
    Run { initial, sim, plan, apply, before_apply, faults, made_during }
}

/// The promise: applied means every planned effect holds; otherwise every target is as it was
/// before apply (and, for a refusal, nothing was written); never a duplicate assignment.
pub fn check_invariants(run: &Run) -> Result<(), String> {
    // The plan as applied: ids of identities created along the way filled in.
    let ops = &run.apply.plan().operations;
    let mut seen_targets = BTreeSet::new();
    // What the tenant looked like before the apply, with what others changed meanwhile: a
    // rollback restores this, and no outcome may undo someone else's change.
    let mut before = run.before_apply.clone();
    for p in &run.made_during {
        patch(&mut before, p);
        let id = ResourceId::parse(&p.pointer).unwrap();
        if let Some(lost) = lost_change(run.sim.resource(&id), &p.set) {
            return Err(format!("a change someone made to {id} during the apply was reverted: {lost}"));
        }
    }
    let run_before = &before;
    match run.apply.outcome() {
        Some(Outcome::Applied) => {
            for (i, op) in ops.iter().enumerate() {
                let last_on_target = !ops[i + 1..].iter().any(|o| o.target == op.target);
                if last_on_target && !op.effect.holds(run.sim.resource(&op.target)) && !equivalent_grant_exists(run, op) {
                    return Err(format!("applied, but operation {i} ({}) does not hold: {}", op.summary, op.effect.describe()));
                }
            }
        }
        Some(Outcome::Refused { .. } | Outcome::RolledBack { .. } | Outcome::Stopped) => {
            for (i, op) in ops.iter().enumerate() {
                if seen_targets.insert(op.target.clone()) {
                    let before = run_before.resource(&op.target);
                    let after = run.sim.resource(&op.target);
                    if normalise(before) != normalise(after) {
                        return Err(format!("not rolled back: operation {i} ({}) target {}\nbefore: {before:?}\nafter:  {after:?}", op.summary, op.target));
                    }
                }
            }
            let ids = |s: &Sim| s.tenant_resources().map(|v| v["id"].as_str().unwrap_or_default().to_ascii_lowercase()).collect::<BTreeSet<_>>();
            if ids(run_before) != ids(&run.sim) {
                return Err(format!("resources differ after rollback: {:?}", ids(run_before).symmetric_difference(&ids(&run.sim)).collect::<Vec<_>>()));
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

/// The first leaf of merge patch `set` that `now` no longer shows, if any: a lost change.
fn lost_change(now: Option<&Value>, set: &Value) -> Option<String> {
    match set {
        Value::Object(m) => m.iter().find_map(|(k, v)| lost_change(now.and_then(|n| n.get(k)), v).map(|l| format!("{k}.{l}"))),
        leaf => (now != Some(leaf)).then(|| format!("= {leaf} (now {})", now.map(Value::to_string).unwrap_or_else(|| "absent".into()))),
    }
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
