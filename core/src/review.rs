//! Reviewing a plan before and while it is applied: which writes the signed-in user's
//! permissions allow (from `Microsoft.Authorization/permissions`), how each operation of a
//! running apply is doing in words, and the view state a share link carries.
//!
//! Not here: building the plan (`plan`), sending anything (hosts), ARM action matching
//! itself (`rbac::action_matches`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::apply::{JournalEntry, OpStatus, Outcome};
use crate::arm::{ErrorResponse, Permission, PermissionGetResult};
use crate::access::Identity;
use crate::id::ResourceId;
use crate::intent::Intent;
use crate::inventory::Inventory;
use crate::plan::{Operation, Plan};
use crate::rbac::action_matches;
use crate::request::{Method, Response};

/// One ARM action the caller must hold at one scope for an operation to succeed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub scope: ResourceId,
    pub action: String,
}

/// The actions an operation needs: the write (or delete) of its target's type, checked at the
/// target (for a role assignment: at the scope it is assigned on, where ARM checks it), plus
/// `assign/action` on a user-assigned identity being attached to a compute.
pub fn requirements(op: &Operation) -> Vec<Requirement> {
    let verb = match op.request.method {
        Method::Delete => "delete",
        Method::Get => "read",
        Method::Put | Method::Patch | Method::Post => "write",
    };
    let scope = if op.target.is_extension() { op.target.scope().unwrap_or_else(|| op.target.clone()) } else { op.target.clone() };
    let mut out = vec![Requirement { scope, action: format!("{}/{verb}", op.target.resource_type()) }];
    if let Intent::AssignComputeUserIdentity { identity, .. } = &op.intent {
        out.push(Requirement { scope: identity.clone(), action: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action".into() });
    }
    out
}

/// The distinct scopes whose permissions must be read to check `plan`, in first-use order.
pub fn scopes(plan: &Plan) -> Vec<ResourceId> {
    let mut seen = BTreeSet::new();
    plan.operations.iter().flat_map(requirements).map(|r| r.scope).filter(|s| seen.insert(s.clone())).collect()
}

/// Whether the permission blocks the caller holds at a scope allow `action`: some block lists
/// it in `actions` and does not exclude it in its own `notActions` (ARM evaluates each block
/// on its own and unions the results).
pub fn permits(permissions: &[Permission], action: &str) -> bool {
    permissions.iter().any(|p| p.actions.iter().any(|a| action_matches(a, action)) && !p.not_actions.iter().any(|n| action_matches(n, action)))
}

/// Reads the answer to `GET {scope}/providers/Microsoft.Authorization/permissions`.
pub fn parse_permissions(response: &Response) -> Result<Vec<Permission>, String> {
    if !response.is_success() {
        return Err(match serde_json::from_str::<ErrorResponse>(&response.body) {
            Ok(e) => format!("Azure Resource Manager answered {} {}: {}", response.status, e.error.code, e.error.message),
            Err(_) => format!("Azure Resource Manager answered HTTP {}", response.status),
        });
    }
    serde_json::from_str::<PermissionGetResult>(&response.body).map(|r| r.value).map_err(|e| format!("the permissions answer could not be read: {e}"))
}

/// What the permission check says about one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum Verdict {
    Allowed,
    /// The caller lacks these actions (each with the scope it is needed at).
    Denied { missing: Vec<Requirement> },
    /// A scope's permissions could not be read.
    Unknown { reason: String },
}

impl Verdict {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allowed)
    }
}

/// The verdict for each operation of `plan`, given what was read per scope (`None`: not read).
pub fn check(plan: &Plan, answers: &[(ResourceId, Result<Vec<Permission>, String>)]) -> Vec<Verdict> {
    plan.operations
        .iter()
        .map(|op| {
            let mut missing = Vec::new();
            for req in requirements(op) {
                match answers.iter().find(|(s, _)| *s == req.scope).map(|(_, a)| a) {
                    None => return Verdict::Unknown { reason: format!("the permissions at {} were not read", req.scope) },
                    Some(Err(e)) => return Verdict::Unknown { reason: format!("the permissions at {} could not be read: {e}", req.scope) },
                    Some(Ok(perms)) if permits(perms, &req.action) => {}
                    Some(Ok(_)) => missing.push(req),
                }
            }
            if missing.is_empty() { Verdict::Allowed } else { Verdict::Denied { missing } }
        })
        .collect()
}

/// What the apply button may do after the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Every operation is allowed.
    Open,
    /// Some permissions could not be read: applying is possible, with a warning (the engine
    /// rolls back if ARM refuses a write).
    Uncertain,
    /// Some operation is certainly refused: ARM would answer 403, so applying is pointless.
    Closed,
}

pub fn gate(verdicts: &[Verdict]) -> Gate {
    if verdicts.iter().any(|v| matches!(v, Verdict::Denied { .. })) {
        Gate::Closed
    } else if verdicts.iter().all(Verdict::is_allowed) {
        Gate::Open
    } else {
        Gate::Uncertain
    }
}

/// One operation's progress in words, for the apply screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Pending,
    Running,
    Retrying,
    Done,
    Failed,
    RolledBack,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Pending => "Pending",
            Stage::Running => "Running",
            Stage::Retrying => "Retrying",
            Stage::Done => "Done",
            Stage::Failed => "Failed",
            Stage::RolledBack => "Rolled back",
        }
    }
}

/// The stage of operation `op` and the detail to show beside it (a reason, or what happened).
pub fn stage(op: usize, status: &OpStatus, journal: &[JournalEntry]) -> (Stage, Option<String>) {
    match status {
        OpStatus::Pending | OpStatus::Checked => (Stage::Pending, None),
        OpStatus::InProgress => {
            // Waiting after a throttled, failing or not-yet-replicated answer is a retry.
            let last = journal.iter().rev().find(|e| e.operation == op);
            match last {
                Some(e) if e.answered_at.is_some() && (e.error.is_some() || e.status.is_some_and(|s| s == 429 || s >= 500 || s == 400 || s == 409)) => {
                    let why = match (e.status, &e.error) {
                        (_, Some(err)) => err.clone(),
                        (Some(s), None) => format!("HTTP {s}"),
                        (None, None) => String::new(),
                    };
                    (Stage::Retrying, Some(format!("retrying after {why}")))
                }
                _ => (Stage::Running, None),
            }
        }
        OpStatus::AlreadyTrue => (Stage::Done, Some("already true: nothing was sent".into())),
        OpStatus::Done => (Stage::Done, Some("written and verified".into())),
        OpStatus::DoneExisting => (Stage::Done, Some("an equivalent role assignment already exists: nothing was written".into())),
        OpStatus::Refused { reason } => (Stage::Failed, Some(format!("refused before writing: {reason}"))),
        OpStatus::Failed { reason } => (Stage::Failed, Some(reason.clone())),
        OpStatus::Undone => (Stage::RolledBack, Some("written, then undone".into())),
        OpStatus::UndoFailed { reason } => (Stage::Failed, Some(format!("could not be undone — check this resource: {reason}"))),
    }
}

/// The outcome in one sentence, naming the operation that failed.
pub fn outcome_text(outcome: &Outcome, plan: &Plan) -> String {
    let name = |i: &usize| plan.operations.get(*i).map(|o| o.summary.clone()).unwrap_or_else(|| format!("operation {}", i + 1));
    // ARM's messages end with a full stop; ours follow them.
    let trim = |r: &str| r.trim_end().trim_end_matches('.').to_string();
    match outcome {
        Outcome::Applied => "Every change was applied and verified.".into(),
        Outcome::Refused { operation, reason } => format!("Nothing was changed: \"{}\" no longer matches the plan: {}.", name(operation), trim(reason)),
        Outcome::RolledBack { operation, reason } => format!("\"{}\" failed: {}. Everything already written was undone.", name(operation), trim(reason)),
        Outcome::RollbackIncomplete { operation, reason } => {
            format!("\"{}\" failed: {}. Undoing did not fully succeed: check the operations marked Failed.", name(operation), trim(reason))
        }
        Outcome::Stopped => "Stopped: nothing more was written, and everything already written was undone.".into(),
    }
}

/// One line for humans naming what `intent` changes, with identity labels from the analysis
/// (`cpu-cluster (compute system identity)`) rather than principal ids where it knows them.
pub fn describe_intent(intent: &Intent, inventory: &Inventory, identities: &[Identity]) -> String {
    let who = |principal_id: &str| {
        if principal_id.trim().is_empty() {
            return "an identity that does not exist yet".to_string();
        }
        identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(principal_id)).map(|i| i.label.clone()).unwrap_or_else(|| format!("principal {principal_id}"))
    };
    match intent {
        Intent::GrantRole { principal_id, role, scope, .. } => format!("Grant {} on {} to {}", role.name, scope.name(), who(principal_id)),
        Intent::GrantRoleToComputeIdentity { compute, role, scope } => format!("Grant {} on {} to the system-assigned identity of {}", role.name, scope.name(), compute.name()),
        Intent::RevokeRoleAssignment { assignment } => match inventory.role_assignments.iter().find(|ra| &ra.id == assignment) {
            Some(ra) => {
                let role = crate::catalog::builtin_name(ra.role_definition_guid()).map(str::to_string).unwrap_or_else(|| format!("role {}", ra.role_definition_guid()));
                format!("Remove {role} on {} from {}", ra.scope().name(), who(&ra.properties.principal_id))
            }
            None => format!("Remove role assignment {}", assignment.name()),
        },
        Intent::SetAdminUser { registry, enabled } => format!("{} the admin user of {}", if *enabled { "Enable" } else { "Disable" }, registry.name()),
        Intent::EnableComputeSystemIdentity { compute } => format!("Give compute {} a system-assigned identity", compute.name()),
        Intent::AssignComputeUserIdentity { compute, identity } => format!("Attach identity {} to compute {}", identity.name(), compute.name()),
        Intent::CreateRegistryConnection { workspace, name, target, identity, .. } => {
            format!("Create connection {name} in workspace {} to {target} as {}", workspace.name(), identity.name())
        }
    }
}

/// The view a share link restores. It carries only what is on screen — which tab, what is
/// selected, and whether it is the demo tenant — never tokens or resource data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewState {
    /// Lowercase tab name (`graph`, `matrix`, `findings`, `inventory`).
    pub tab: String,
    pub demo: bool,
    pub selection: Option<ViewSelection>,
}

/// What is selected, mirroring the app's selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewSelection {
    Node(String),
    Access { principal_id: String, registry: String },
    Edge(usize),
    Finding(usize),
}

/// Longest text a link may carry per field: ids are short; anything longer is not ours.
const MAX_FIELD: usize = 1024;

impl ViewState {
    /// The URL fragment, e.g. `#view=matrix&src=demo&sel=access:p1:%2Fsubscriptions%2F...`.
    pub fn to_fragment(&self) -> String {
        let mut out = format!("#view={}", encode(&self.tab));
        if self.demo {
            out.push_str("&src=demo");
        }
        if let Some(sel) = &self.selection {
            out.push_str("&sel=");
            out.push_str(&match sel {
                ViewSelection::Node(n) => format!("node:{}", encode(n)),
                ViewSelection::Access { principal_id, registry } => format!("access:{}:{}", encode(principal_id), encode(registry)),
                ViewSelection::Edge(i) => format!("edge:{i}"),
                ViewSelection::Finding(i) => format!("finding:{i}"),
            });
        }
        out
    }

    /// Reads a fragment written by [`ViewState::to_fragment`] (with or without the `#`);
    /// `None` when it is not a view link. Unknown parameters are ignored; a malformed
    /// selection is dropped rather than guessed.
    pub fn from_fragment(fragment: &str) -> Option<ViewState> {
        let f = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut parts = f.split('&');
        let tab = decode(parts.next()?.strip_prefix("view=")?)?;
        if tab.is_empty() || tab.len() > 32 || !tab.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut state = ViewState { tab, demo: false, selection: None };
        for p in parts {
            match p.split_once('=') {
                Some(("src", "demo")) => state.demo = true,
                Some(("sel", v)) => state.selection = parse_selection(v),
                _ => {}
            }
        }
        Some(state)
    }
}

fn parse_selection(v: &str) -> Option<ViewSelection> {
    let (kind, rest) = v.split_once(':')?;
    let text = |s: &str| decode(s).filter(|t| !t.is_empty() && t.len() <= MAX_FIELD);
    match kind {
        "node" => Some(ViewSelection::Node(text(rest)?)),
        "access" => {
            let (p, r) = rest.split_once(':')?;
            Some(ViewSelection::Access { principal_id: text(p)?, registry: text(r)? })
        }
        "edge" => rest.parse().ok().map(ViewSelection::Edge),
        "finding" => rest.parse().ok().map(ViewSelection::Finding),
        _ => None,
    }
}

fn encode(s: &str) -> String {
    crate::request::encode_component(s)
}

/// A fragment part as [`encode`] wrote it; `None` for a malformed escape or bytes that are not
/// text. `+` is itself: the encoder never writes one for a space.
fn decode(s: &str) -> Option<String> {
    crate::link::decode_component(s, crate::link::Plus::Literal).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::{drive, Apply, ApplyConfig};
    use crate::arm::PrincipalType;
    use crate::intent::RoleRef;
    use crate::plan::plan;
    use crate::request;
    use crate::sim::Sim;

    const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(&format!("{SUB}{s}")).unwrap()
    }

    fn acr() -> ResourceId {
        id("/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod")
    }

    fn demo() -> Inventory {
        Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0
    }

    fn grant() -> Intent {
        Intent::GrantRole { principal_id: "00000000-0000-0000-0000-0000000000aa".into(), principal_type: PrincipalType::ServicePrincipal, role: RoleRef::acr_pull(), scope: acr() }
    }

    /// Flips acrmlprod's admin user, whatever the demo has.
    fn admin_toggle() -> Intent {
        let on = demo().registries.iter().find(|r| r.id == acr()).unwrap().properties.admin_user_enabled;
        Intent::SetAdminUser { registry: acr(), enabled: !on }
    }

    fn perm(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission { actions: actions.iter().map(|s| s.to_string()).collect(), not_actions: not_actions.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    #[test]
    fn a_grant_needs_role_assignment_write_at_the_registry() {
        let (p, _) = plan(&demo(), &[grant(), admin_toggle()]);
        let reqs: Vec<Requirement> = p.operations.iter().flat_map(requirements).collect();
        let admin = p.operations.iter().position(|o| matches!(o.intent, Intent::SetAdminUser { .. })).unwrap();
        assert!(reqs.contains(&Requirement { scope: acr(), action: "Microsoft.Authorization/roleAssignments/write".into() }), "{reqs:?}");
        assert_eq!(requirements(&p.operations[admin]), vec![Requirement { scope: acr(), action: "Microsoft.ContainerRegistry/registries/write".into() }]);
        assert_eq!(scopes(&p), vec![acr()]);
    }

    #[test]
    fn a_revoke_needs_delete() {
        let inv = demo();
        let ra = inv.role_assignments.iter().find(|ra| ra.scope() == acr()).unwrap().id.clone();
        let (p, _) = plan(&inv, &[Intent::RevokeRoleAssignment { assignment: ra }]);
        assert_eq!(requirements(&p.operations[0])[0].action, "Microsoft.Authorization/roleAssignments/delete");
    }

    #[test]
    fn permissions_honour_wildcards_and_not_actions() {
        let write = "Microsoft.Authorization/roleAssignments/write";
        assert!(permits(&[perm(&["*"], &[])], write));
        // Contributor: everything but authorization writes.
        assert!(!permits(&[perm(&["*"], &["Microsoft.Authorization/*/Write"])], write));
        assert!(permits(&[perm(&["*"], &["Microsoft.Authorization/*/Write"])], "Microsoft.ContainerRegistry/registries/write"));
        // A second block (User Access Administrator) adds it back: blocks are unioned.
        assert!(permits(&[perm(&["*"], &["Microsoft.Authorization/*/Write"]), perm(&["Microsoft.Authorization/*"], &[])], write));
        assert!(!permits(&[perm(&["*/read"], &[])], write));
        assert!(!permits(&[], write));
        // `/*/` also matches one segment: Managed Identity Operator's assign.
        assert!(permits(&[perm(&["Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"], &[])], "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"));
    }

    #[test]
    fn check_names_what_is_missing_and_gates_apply() {
        let (p, _) = plan(&demo(), &[grant(), admin_toggle()]);
        let contributor = vec![perm(&["*"], &["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"])];
        let v = check(&p, &[(acr(), Ok(contributor))]);
        let grant_op = p.operations.iter().position(|o| matches!(o.intent, Intent::GrantRole { .. })).unwrap();
        assert_eq!(v[grant_op], Verdict::Denied { missing: vec![Requirement { scope: acr(), action: "Microsoft.Authorization/roleAssignments/write".into() }] });
        assert_eq!(v[1 - grant_op], Verdict::Allowed);
        assert_eq!(gate(&v), Gate::Closed);

        let owner = check(&p, &[(acr(), Ok(vec![perm(&["*"], &[])]))]);
        assert_eq!(gate(&owner), Gate::Open);

        let failed = check(&p, &[(acr(), Err("HTTP 500".into()))]);
        assert!(matches!(&failed[0], Verdict::Unknown { reason } if reason.contains("HTTP 500")));
        assert_eq!(gate(&failed), Gate::Uncertain);
        assert!(matches!(check(&p, &[])[0], Verdict::Unknown { .. }));
    }

    #[test]
    fn the_simulator_answers_the_permission_check() {
        let mut sim = Sim::demo();
        let (p, _) = plan(&demo(), &[grant()]);
        let answers: Vec<_> = scopes(&p).into_iter().map(|s| {
            let r = sim.handle(&request::list_permissions(&s));
            (s, parse_permissions(&r))
        }).collect();
        assert_eq!(gate(&check(&p, &answers)), Gate::Open);
        sim.forbidden.push(ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-ml-prod").unwrap());
        let answers: Vec<_> = scopes(&p).into_iter().map(|s| {
            let r = sim.handle(&request::list_permissions(&s));
            (s, parse_permissions(&r))
        }).collect();
        assert_eq!(gate(&check(&p, &answers)), Gate::Closed);
        let err = parse_permissions(&Response::json(403, &ErrorResponse::new("AuthorizationFailed", "no"))).unwrap_err();
        assert!(err.contains("403 AuthorizationFailed: no"), "{err}");
    }

    #[test]
    fn stages_follow_the_engine() {
        let inv = demo();
        let (p, _) = plan(&inv, &[grant(), admin_toggle()]);
        let mut sim = Sim::demo();
        let mut a = Apply::new(p.clone(), ApplyConfig { origin: crate::sim::DEFAULT_ORIGIN.into(), ..Default::default() });
        assert!(a.statuses().iter().enumerate().all(|(i, s)| stage(i, s, a.journal()).0 == Stage::Pending));
        drive(&mut a, 0, 1000, |r| Ok(sim.handle(r))).unwrap();
        assert!(a.statuses().iter().enumerate().all(|(i, s)| stage(i, s, a.journal()).0 == Stage::Done), "{:?}", a.statuses());
        assert_eq!(outcome_text(a.outcome().unwrap(), &p), "Every change was applied and verified.");

        // The admin-user write fails for good: the grant written before it is undone.
        let mut sim = Sim::demo();
        let mut a = Apply::new(p.clone(), ApplyConfig { origin: crate::sim::DEFAULT_ORIGIN.into(), max_attempts: 2, ..Default::default() });
        drive(&mut a, 0, 1000, |r| {
            if r.method == Method::Patch {
                Ok(Response::json(500, &ErrorResponse::new("InternalServerError", "boom")))
            } else {
                Ok(sim.handle(r))
            }
        })
        .unwrap();
        let stages: Vec<Stage> = a.statuses().iter().enumerate().map(|(i, s)| stage(i, s, a.journal()).0).collect();
        assert!(stages.contains(&Stage::Failed), "{stages:?}");
        let text = outcome_text(a.outcome().unwrap(), &p);
        assert!(text.contains("failed") && text.contains("undone"), "{text}");
        assert!(!text.contains(".."), "{text}");
        let dotted = Outcome::RolledBack { operation: 0, reason: "ARM said no.".into() };
        assert!(outcome_text(&dotted, &p).ends_with("failed: ARM said no. Everything already written was undone."), "{}", outcome_text(&dotted, &p));
        assert!(a.statuses().iter().all(|s| !matches!(s, OpStatus::Done)), "{:?}", a.statuses());
    }

    #[test]
    fn fixing_every_demo_finding_applies_cleanly_and_removes_findings() {
        let inv = demo();
        let before = crate::access::analyze(&inv);
        let mut intents: Vec<Intent> = Vec::new();
        for i in before.findings.iter().flat_map(|f| f.fixes.iter()) {
            if !intents.contains(i) {
                intents.push(i.clone());
            }
        }
        let (p, _) = plan(&inv, &intents);
        assert!(p.operations.len() >= 2, "{:?}", p.operations);
        let mut sim = Sim::demo();
        let answers: Vec<_> = scopes(&p).into_iter().map(|s| {
            let r = sim.handle(&request::list_permissions(&s));
            (s, parse_permissions(&r))
        }).collect();
        assert_eq!(gate(&check(&p, &answers)), Gate::Open);
        let mut a = Apply::new(p.clone(), ApplyConfig { origin: crate::sim::DEFAULT_ORIGIN.into(), ..Default::default() });
        drive(&mut a, 0, 10_000, |r| Ok(sim.handle(r))).unwrap();
        assert_eq!(a.outcome(), Some(&Outcome::Applied), "{:?}", a.report().operations);
        let after_inv = Inventory::from_resources(sim.tenant_resources().cloned()).0;
        let after = crate::access::analyze(&after_inv);
        assert!(after.findings.len() < before.findings.len(), "{} → {}", before.findings.len(), after.findings.len());
    }

    #[test]
    fn a_waiting_operation_after_a_throttle_is_retrying() {
        let entry = |status: Option<u16>, answered: bool| JournalEntry {
            request_id: 1,
            sent_at: 0,
            answered_at: answered.then_some(1),
            operation: 0,
            purpose: crate::apply::Purpose::Write,
            method: Method::Put,
            path_and_query: "/x".into(),
            body: None,
            status,
            headers: vec![],
            response: None,
            error: None,
        };
        assert_eq!(stage(0, &OpStatus::InProgress, &[entry(Some(429), true)]).0, Stage::Retrying);
        assert_eq!(stage(0, &OpStatus::InProgress, &[entry(None, false)]).0, Stage::Running);
        assert_eq!(stage(0, &OpStatus::InProgress, &[entry(Some(201), true)]).0, Stage::Running);
        assert_eq!(stage(0, &OpStatus::Undone, &[]).0, Stage::RolledBack);
    }

    #[test]
    fn intents_read_as_sentences_with_identity_labels() {
        let inv = demo();
        let analysis = crate::access::analyze(&inv);
        let known = analysis.identities.iter().find(|i| i.label != i.principal_id).unwrap();
        let g = Intent::GrantRole { principal_id: known.principal_id.to_uppercase(), principal_type: PrincipalType::ServicePrincipal, role: RoleRef::acr_pull(), scope: acr() };
        assert_eq!(describe_intent(&g, &inv, &analysis.identities), format!("Grant AcrPull on acrmlprod to {}", known.label));
        assert_eq!(describe_intent(&grant(), &inv, &analysis.identities), "Grant AcrPull on acrmlprod to principal 00000000-0000-0000-0000-0000000000aa");
        let ra = inv.role_assignments.iter().find(|ra| ra.scope() == acr()).unwrap();
        let text = describe_intent(&Intent::RevokeRoleAssignment { assignment: ra.id.clone() }, &inv, &analysis.identities);
        assert!(text.starts_with("Remove ") && text.contains(" on acrmlprod from "), "{text}");
        assert_eq!(describe_intent(&Intent::SetAdminUser { registry: acr(), enabled: false }, &inv, &[]), "Disable the admin user of acrmlprod");
    }

    #[test]
    fn view_state_round_trips_through_a_fragment() {
        let cases = [
            ViewState { tab: "graph".into(), demo: true, selection: None },
            ViewState { tab: "matrix".into(), demo: true, selection: Some(ViewSelection::Access { principal_id: "p:1 &=#".into(), registry: acr().to_string() }) },
            ViewState { tab: "graph".into(), demo: false, selection: Some(ViewSelection::Node("principal:abc".into())) },
            ViewState { tab: "findings".into(), demo: true, selection: Some(ViewSelection::Finding(3)) },
            ViewState { tab: "graph".into(), demo: true, selection: Some(ViewSelection::Edge(12)) },
            ViewState { tab: "inventory".into(), demo: true, selection: Some(ViewSelection::Node("<script>é".into())) },
        ];
        for c in cases {
            let f = c.to_fragment();
            assert!(f.starts_with("#view="), "{f}");
            assert!(!f[1..].contains(['#', ' ', '<']), "{f}");
            assert_eq!(ViewState::from_fragment(&f), Some(c.clone()), "{f}");
        }
        let f = ViewState { tab: "matrix".into(), demo: true, selection: Some(ViewSelection::Node(acr().to_string())) }.to_fragment();
        assert!(f.starts_with("#view=matrix&src=demo&sel=node:%2Fsubscriptions%2F"), "{f}");
    }

    #[test]
    fn foreign_fragments_are_not_views() {
        assert_eq!(ViewState::from_fragment(""), None);
        assert_eq!(ViewState::from_fragment("#access_token=abc"), None);
        assert_eq!(ViewState::from_fragment("#view="), None);
        assert_eq!(ViewState::from_fragment("#view=Matrix%20x"), None);
        // A broken selection is dropped, the tab kept.
        assert_eq!(ViewState::from_fragment("#view=graph&sel=node:%ZZ"), Some(ViewState { tab: "graph".into(), demo: false, selection: None }));
        assert_eq!(ViewState::from_fragment("#view=graph&sel=edge:x&src=demo"), Some(ViewState { tab: "graph".into(), demo: true, selection: None }));
        let long = format!("#view=graph&sel=node:{}", "a".repeat(2000));
        assert_eq!(ViewState::from_fragment(&long).unwrap().selection, None);
    }
}
