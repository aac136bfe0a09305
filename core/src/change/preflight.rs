//! The permission preflight of a change: which actions each planned operation needs at which
//! scope, and whether the signed-in user's permissions there
//! (`GET {scope}/providers/Microsoft.Authorization/permissions`) allow them — read with
//! `rbac`'s own rule for permission blocks, not a second one.
//!
//! Not here: sending the reads (the `Change` machine hands them out), ARM action matching
//! itself (`rbac`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::arm::{ErrorResponse, Permission, PermissionGetResult};
use crate::catalog::Plane;
use crate::id::ResourceId;
use crate::intent::Intent;
use crate::plan::{Operation, Plan};
use crate::rbac;
use crate::request::{Method, Response};

/// One ARM action the caller must hold at one scope for an operation to succeed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub scope: ResourceId,
    pub action: String,
}

/// The actions an operation of `plan` needs: the write (or delete) of its target's type,
/// checked at the target (for a role assignment: at the scope it is assigned on, where ARM
/// checks it), plus `assign/action` on a user-assigned identity being attached to a compute.
/// A resource the plan creates does not exist when the check runs: what is checked at it, or
/// under it, is checked at its parent, whose role assignments it inherits (it has none of its
/// own yet; truth case `access/role-at-resource-group-inherited`).
pub fn requirements(op: &Operation, plan: &Plan) -> Vec<Requirement> {
    let verb = match op.request.method {
        Method::Delete => "delete",
        Method::Get => "read",
        Method::Put | Method::Patch | Method::Post => "write",
    };
    let scope = if op.target.is_extension() { op.target.scope().unwrap_or_else(|| op.target.clone()) } else { op.target.clone() };
    let scope = plan.operations.iter().filter(|o| o.creates()).find(|o| o.target.contains(&scope)).and_then(|o| o.target.parent()).unwrap_or(scope);
    let mut out = vec![Requirement { scope, action: format!("{}/{verb}", op.target.resource_type()) }];
    if let Intent::AssignComputeUserIdentity { identity, .. } = &op.intent {
        out.push(Requirement { scope: identity.clone(), action: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action".into() });
    }
    out
}

/// The distinct scopes whose permissions must be read to check `plan`, in first-use order.
pub fn scopes(plan: &Plan) -> Vec<ResourceId> {
    let mut seen = BTreeSet::new();
    plan.operations.iter().flat_map(|op| requirements(op, plan)).map(|r| r.scope).filter(|s| seen.insert(s.clone())).collect()
}

/// Whether the permission blocks the caller holds at a scope allow control-plane `action`,
/// by the same rule a role's blocks are read with ([`rbac::blocks_grant`]).
pub fn permits(permissions: &[Permission], action: &str) -> bool {
    rbac::blocks_grant(permissions, Plane::Control, action).is_some()
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
            for req in requirements(op, plan) {
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


#[cfg(test)]
mod tests {
    use super::*;

    fn perm(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission { actions: actions.iter().map(|s| s.to_string()).collect(), not_actions: not_actions.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    /// A resource the plan creates cannot be asked for permissions (it does not exist yet):
    /// its creation and the grants scoped to it are checked at its resource group.
    #[test]
    fn what_a_plan_creates_is_checked_at_its_parent() {
        let rg = "/subscriptions/s/resourceGroups/rg";
        let reg = format!("{rg}/providers/Microsoft.ContainerRegistry/registries/acr");
        let ws = format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/w");
        let uai = ResourceId::parse(&format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-new")).unwrap();
        let (inv, _) = crate::inventory::Inventory::from_resources([
            serde_json::json!({"id": reg, "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "properties": {"loginServer": "acr.azurecr.io"}}),
            serde_json::json!({"id": ws, "name": "w", "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope", "properties": {}}),
        ]);
        let intents = [
            Intent::CreateUserAssignedIdentity { identity: uai.clone(), location: "westeurope".into() },
            Intent::GrantRoleToUserIdentity { identity: uai.clone(), role: crate::intent::RoleRef::acr_pull(), scope: ResourceId::parse(&reg).unwrap() },
            Intent::GrantRole { principal_id: "aaaaaaaa-0000-0000-0000-000000000001".into(), principal_type: crate::arm::PrincipalType::ServicePrincipal, role: crate::intent::RoleRef::managed_identity_operator(), scope: uai.clone() },
        ];
        let (plan, skipped) = crate::plan::plan(&inv, &intents);
        assert!(skipped.is_empty(), "{skipped:?}");
        let at: Vec<(String, String)> = plan.operations.iter().flat_map(|op| requirements(op, &plan)).map(|r| (r.scope.to_string(), r.action)).collect();
        assert_eq!(
            at,
            [
                (rg.to_string(), "Microsoft.ManagedIdentity/userAssignedIdentities/write".to_string()),
                (reg.clone(), "Microsoft.Authorization/roleAssignments/write".to_string()),
                (rg.to_string(), "Microsoft.Authorization/roleAssignments/write".to_string()),
            ]
        );
        assert_eq!(scopes(&plan).iter().map(ToString::to_string).collect::<Vec<_>>(), [rg.to_string(), reg]);
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
}
