//! A change in words: each pending intent as a sentence with identity labels, each
//! operation's progress while it is applied, and the outcome in one sentence.
//!
//! Not here: deciding anything (the `Change` machine, `apply`), rendering (hosts).

use serde::{Deserialize, Serialize};

use crate::access::Identity;
use crate::apply::{JournalEntry, OpStatus, Outcome};
use crate::intent::Intent;
use crate::inventory::Inventory;
use crate::plan::Plan;

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
        Intent::AddRegistryOutboundRule { workspace, name, registry } => {
            format!("Add outbound rule {name} to workspace {}'s managed network: a private endpoint to registry {}", workspace.name(), registry.name())
        }
        Intent::CreateUserAssignedIdentity { identity, location } => {
            format!("Create user-assigned identity {} in resource group {} ({location})", identity.name(), identity.resource_group_name().unwrap_or_default())
        }
        Intent::GrantRoleToUserIdentity { identity, role, scope } => format!("Grant {} on {} to user-assigned identity {}", role.name, scope.name(), identity.name()),
    }
}


/// The outcome's headline (`None`: the apply stopped without an outcome).
pub fn headline(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Applied) => "Applied",
        Some(Outcome::Refused { .. }) => "Not applied",
        Some(Outcome::RolledBack { .. }) => "Rolled back",
        Some(Outcome::RollbackIncomplete { .. }) => "Rollback incomplete",
        Some(Outcome::Stopped) | None => "Stopped",
    }
}

/// What the landing page says after a sign-out that stopped an apply: how the tenant was left,
/// without names (they are tenant data, which sign-out clears).
pub fn signed_out_note(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Applied) => "Signed out. The running apply had already finished: every change was applied.",
        Some(Outcome::Refused { .. }) => "Signed out. The apply that was running was stopped before it wrote anything.",
        Some(Outcome::RolledBack { .. } | Outcome::Stopped) => {
            "Signed out. The apply that was running was stopped first and everything it wrote was undone: the tenant is as it was before the apply."
        }
        Some(Outcome::RollbackIncomplete { .. }) => "Signed out, but the apply could not be fully undone: some changes may remain; the downloaded journal names them.",
        None => "Signed out. The apply stopped without an outcome: see the downloaded journal.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method;

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
}
