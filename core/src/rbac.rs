//! Azure RBAC evaluation: ARM wildcard matching of actions, roles resolved from the snapshot
//! or the built-in catalogue, and an index of role assignments by principal and by scope.
//!
//! Answers "does this role grant this operation, and through which pattern" and "which of a
//! principal's assignments apply at this resource". Not here: what an operation means for a
//! registry (pull, push, ABAC modes) — that is `access`.

use std::borrow::Cow;

use crate::arm::{Permission, RoleAssignment, RoleDefinition};
use crate::catalog::{self, BuiltinRole, Plane};
pub use crate::fast::{FastHasher, FastMap, FastSet};
use crate::hierarchy::{Applies, Hierarchy};
use crate::id::ResourceId;
use crate::inventory::{Diagnostic, Inventory};

/// True when an ARM action pattern matches an operation, as ARM evaluates `actions`,
/// `notActions`, `dataActions` and `notDataActions`: case-insensitive, `*` matches any text
/// (also across `/`), and `/*/` also matches a single `/` — Managed Identity Operator grants
/// `userAssignedIdentities/assign/action` through `userAssignedIdentities/*/assign/action`
/// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions).
///
/// Patterns come from role definitions, and a snapshot's custom roles are anyone's text: the
/// backtracking matcher takes time exponential in the number of `*`, so a pattern with more
/// than two goes through the linear-space table matcher of [`crate::condition`] instead
/// (the two agree; `condition`'s tests check it).
pub fn action_matches(pattern: &str, operation: &str) -> bool {
    if pattern.bytes().filter(|&b| b == b'*').count() > 2 {
        return crate::condition::action_matches(pattern, operation);
    }
    matches_from(pattern.as_bytes(), operation.as_bytes())
}

fn matches_from(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => {
            let rest = &p[1..];
            // `*` at the end matches everything; otherwise try every split point.
            rest.is_empty() || (0..=s.len()).any(|i| matches_from(rest, &s[i..]))
        }
        Some(b'/') if p.len() >= 3 && p[1] == b'*' && p[2] == b'/' && s.first() == Some(&b'/') && matches_from(&p[2..], s) => true,
        Some(c) => s.first().is_some_and(|d| c.eq_ignore_ascii_case(d)) && matches_from(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod hostile_patterns {
    /// A custom role's pattern full of `*` against a long operation answers at once (the
    /// backtracking matcher alone took minutes on this).
    #[test]
    fn many_stars_do_not_take_exponential_time() {
        let pattern = format!("{}x", "*a".repeat(40));
        let operation = "a".repeat(200);
        let started = std::time::Instant::now();
        assert!(!super::action_matches(&pattern, &operation));
        assert!(super::action_matches(&format!("{}a", "*a".repeat(40)), &operation));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }
}

/// A role definition ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// Lowercase GUID.
    pub guid: String,
    pub name: String,
    pub blocks: Vec<Permission>,
    pub source: RoleSource,
}

/// Where a role's definition came from: shown in explanations so a user knows whether the
/// snapshot's own definition was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleSource {
    Snapshot,
    Catalogue,
}

impl Role {
    pub fn from_definition(def: &RoleDefinition) -> Role {
        let guid = if def.name.is_empty() { def.id.name().to_string() } else { def.name.clone() };
        Role { guid: guid.to_ascii_lowercase(), name: def.properties.role_name.clone(), blocks: def.properties.permissions.clone(), source: RoleSource::Snapshot }
    }

    pub fn from_builtin(role: &BuiltinRole) -> Role {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        let blocks = role
            .permissions
            .iter()
            .map(|b| Permission { actions: own(b.actions), not_actions: own(b.not_actions), data_actions: own(b.data_actions), not_data_actions: own(b.not_data_actions) })
            .collect();
        Role { guid: role.guid(), name: role.name().to_string(), blocks, source: RoleSource::Catalogue }
    }

    /// The pattern through which this role grants `operation`, if it does. Each permission
    /// block's `not*` list only subtracts from that block's own grants, as in ARM.
    pub fn grants(&self, plane: Plane, operation: &str) -> Option<&str> {
        blocks_grant(&self.blocks, plane, operation)
    }
}

/// The pattern through which permission `blocks` grant `operation`, if they do: some block
/// lists it and that block's own `not*` list does not take it away (ARM evaluates each block
/// on its own and unions the results). Roles and the caller's permissions at a scope
/// (`Microsoft.Authorization/permissions`) are both read this way.
pub fn blocks_grant<'a>(blocks: &'a [Permission], plane: Plane, operation: &str) -> Option<&'a str> {
    blocks.iter().find_map(|b| {
        let (allow, deny) = match plane {
            Plane::Control => (&b.actions, &b.not_actions),
            Plane::Data => (&b.data_actions, &b.not_data_actions),
        };
        let hit = allow.iter().find(|p| action_matches(p, operation))?;
        if deny.iter().any(|p| action_matches(p, operation)) {
            None
        } else {
            Some(hit.as_str())
        }
    })
}

/// Roles by lowercase GUID: the snapshot's definitions first, the catalogue for the rest.
/// Catalogue roles are materialised once here so lookups never allocate.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    by_guid: FastMap<String, Role>,
}

impl Roles {
    pub fn new(definitions: &[RoleDefinition]) -> Roles {
        let mut by_guid: FastMap<String, Role> = definitions.iter().map(Role::from_definition).map(|r| (r.guid.clone(), r)).collect();
        for b in catalog::builtin_roles() {
            by_guid.entry(b.guid()).or_insert_with(|| Role::from_builtin(b));
        }
        Roles { by_guid }
    }

    /// The role with this GUID (any case), or `None` when neither the snapshot nor the
    /// catalogue has its permissions (a custom role whose definition was not exported, or a
    /// built-in role that grants nothing pullpath evaluates: [`catalog::builtin_name`] tells
    /// the two apart).
    pub fn get(&self, guid: &str) -> Option<&Role> {
        self.by_guid.get(lower(guid).as_ref())
    }
}

/// Role assignments indexed by principal (lowercase), each with its parsed scope, so "what
/// applies to P at R" walks only P's assignments. (Which registries lie under a scope is
/// indexed by scope key in `access`, where registries are known.)
#[derive(Debug)]
pub struct AssignmentIndex<'a> {
    pub assignments: &'a [RoleAssignment],
    /// Scope of each assignment, in the same order: borrowed from `properties.scope` when the
    /// assignment carries it, which it almost always does (cloning 50,000 ids is measurable).
    pub scopes: Vec<Cow<'a, ResourceId>>,
    by_principal: FastMap<Cow<'a, str>, Vec<usize>>,
    /// Which subscriptions each management group holds, so management-group assignments
    /// apply where they should (empty: they apply nowhere pullpath can tell).
    pub hierarchy: Hierarchy,
}

/// `s` lowercased, without allocating when it already is (principal ids usually are).
pub(crate) fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

impl<'a> AssignmentIndex<'a> {
    pub fn new(assignments: &'a [RoleAssignment]) -> AssignmentIndex<'a> {
        let scopes: Vec<Cow<'a, ResourceId>> = assignments.iter().map(|ra| match &ra.properties.scope {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(ra.scope()),
        }).collect();
        let mut by_principal: FastMap<Cow<'a, str>, Vec<usize>> = FastMap::default();
        for (i, ra) in assignments.iter().enumerate() {
            by_principal.entry(lower(&ra.properties.principal_id)).or_default().push(i);
        }
        AssignmentIndex { assignments, scopes, by_principal, hierarchy: Hierarchy::default() }
    }

    /// The index, with management-group assignments placed by `hierarchy`.
    pub fn with_hierarchy(assignments: &'a [RoleAssignment], hierarchy: Hierarchy) -> AssignmentIndex<'a> {
        AssignmentIndex { hierarchy, ..AssignmentIndex::new(assignments) }
    }

    /// Indexes of the principal's assignments that apply at `resource` (assigned at it or at
    /// an ancestor, a management group above its subscription included; never at a sibling or
    /// a descendant, nor at a group whose subscriptions are unknown).
    pub fn applying_to(&self, principal_id: &str, resource: &ResourceId) -> Vec<usize> {
        self.by_principal
            .get(lower(principal_id).as_ref())
            .map(|v| v.iter().copied().filter(|&i| self.hierarchy.applies(&self.scopes[i], resource) == Applies::Yes).collect())
            .unwrap_or_default()
    }

    /// The first of the principal's assignments applying at `resource` whose role grants
    /// `operation`, with the role and the matching pattern.
    pub fn grant(&self, roles: &Roles, principal_id: &str, resource: &ResourceId, plane: Plane, operation: &str) -> Option<Grant> {
        self.applying_to(principal_id, resource).into_iter().find_map(|i| {
            let ra = &self.assignments[i];
            let role = roles.get(ra.role_definition_guid())?;
            let pattern = role.grants(plane, operation)?.to_string();
            Some(Grant { assignment: i, role_guid: role.guid.clone(), role_name: role.name.clone(), pattern })
        })
    }
}

/// One assignment granting an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Index into [`AssignmentIndex::assignments`].
    pub assignment: usize,
    pub role_guid: String,
    pub role_name: String,
    pub pattern: String,
}

/// Assignments whose role neither the snapshot nor the catalogue defines: they are left out of
/// the analysis, and the user is told which ones. Built-in roles are all known by name, and
/// the catalogue carries the permissions of every one that grants an operation analysis
/// evaluates, so a built-in role missing here grants none of them and is not reported.
pub fn unknown_role_diagnostics(inv: &Inventory, roles: &Roles) -> Vec<Diagnostic> {
    let mut missing: FastMap<String, usize> = FastMap::default();
    let mut unchecked = 0;
    for ra in &inv.role_assignments {
        let guid = ra.role_definition_guid();
        if roles.get(guid).is_some() {
            continue;
        }
        match catalog::is_builtin(guid) {
            Some(true) => {}
            Some(false) => *missing.entry(guid.to_ascii_lowercase()).or_default() += 1,
            None => unchecked += 1,
        }
    }
    let mut out: Vec<Diagnostic> = missing
        .into_iter()
        .map(|(guid, n)| Diagnostic {
            at: format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
            message: format!(
                "{n} role assignment(s) use role definition {guid}, which is not in the snapshot and is not a built-in role, so it is a custom role whose definition was not exported: add it (az role definition list --custom-role-only true)"
            ),
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.at.cmp(&b.at));
    if unchecked > 0 {
        // Only in the browser, when the list of built-in roles could not be fetched.
        out.push(Diagnostic {
            at: "/providers/Microsoft.Authorization/roleDefinitions".into(),
            message: format!(
                "{unchecked} role assignment(s) use role definitions that are not in the snapshot, and the list of built-in roles did not load, so whether they are built-in roles granting nothing pullpath evaluates or custom roles whose definitions are missing is not known: reload the page to check"
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ops;

    /// The word-at-a-time hasher hashes like the padded-chunk one it replaced, so map
    /// iteration order (and anything derived from it) did not change.
    #[test]
    fn fast_hasher_pads_the_tail_with_zeros() {
        use std::hash::Hasher;
        for text in ["", "a", "abcdefg", "abcdefgh", "/subscriptions/0/resourceGroups/rg-1/providers/Microsoft.ContainerRegistry/registries/acr9"] {
            let mut fast = FastHasher::default();
            fast.write(text.as_bytes());
            let mut padded = FastHasher::default();
            for chunk in text.as_bytes().chunks(8) {
                let mut buf = [0u8; 8];
                buf[..chunk.len()].copy_from_slice(chunk);
                padded.write_u64(u64::from_le_bytes(buf));
            }
            assert_eq!(fast.finish(), padded.finish(), "{text:?}");
        }
    }

    #[test]
    fn wildcards_follow_arm() {
        let cases = [
            ("*", ops::PULL, true),
            ("*/read", ops::PULL, true),
            ("*/read", ops::PUSH, false),
            ("microsoft.containerregistry/REGISTRIES/pull/read", ops::PULL, true),
            ("Microsoft.ContainerRegistry/*", ops::PUSH, true),
            ("Microsoft.ContainerRegistry/registries/*/read", ops::PULL, true),
            ("Microsoft.ContainerRegistry/registries/pull", ops::PULL, false),
            ("Microsoft.ContainerRegistry/registries/pull/read/x", ops::PULL, false),
            ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", ops::ASSIGN_IDENTITY, true),
            ("Microsoft.ManagedIdentity/userAssignedIdentities/*/read", ops::ASSIGN_IDENTITY, false),
            ("Microsoft.Container*", ops::CONTENT_READ, true),
            ("Microsoft.KeyVault/*", ops::PULL, false),
        ];
        for (pattern, op, expected) in cases {
            assert_eq!(action_matches(pattern, op), expected, "{pattern} vs {op}");
        }
    }

    #[test]
    fn not_actions_subtract_within_their_block() {
        let def: RoleDefinition = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/11111111-0000-0000-0000-000000000000",
            "name": "11111111-0000-0000-0000-000000000000",
            "properties": {"roleName": "Registry operator", "permissions": [
                {"actions": ["Microsoft.ContainerRegistry/*"], "notActions": ["Microsoft.ContainerRegistry/registries/push/*"]},
                {"actions": [], "dataActions": ["Microsoft.ContainerRegistry/registries/repositories/content/*"], "notDataActions": ["*/write"]}
            ]}
        }))
        .unwrap();
        let role = Role::from_definition(&def);
        assert_eq!(role.grants(Plane::Control, ops::PULL), Some("Microsoft.ContainerRegistry/*"));
        assert_eq!(role.grants(Plane::Control, ops::PUSH), None);
        assert_eq!(role.grants(Plane::Data, ops::CONTENT_READ), Some("Microsoft.ContainerRegistry/registries/repositories/content/*"));
        assert_eq!(role.grants(Plane::Data, ops::CONTENT_WRITE), None);
        // Data patterns never grant control actions.
        assert_eq!(role.grants(Plane::Control, ops::CONTENT_READ), Some("Microsoft.ContainerRegistry/*"));
    }

    #[test]
    fn snapshot_definitions_win_over_the_catalogue() {
        let acr_pull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
        let roles = Roles::new(&[]);
        assert_eq!(roles.get(acr_pull).unwrap().source, RoleSource::Catalogue);
        let def: RoleDefinition = serde_json::from_value(serde_json::json!({
            "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{acr_pull}"),
            "properties": {"roleName": "AcrPull", "permissions": []}
        }))
        .unwrap();
        let roles = Roles::new(&[def]);
        let role = roles.get(&acr_pull.to_uppercase()).unwrap();
        assert_eq!(role.source, RoleSource::Snapshot);
        assert_eq!(role.grants(Plane::Control, ops::PULL), None);
        assert!(roles.get("00000000-0000-0000-0000-000000000000").is_none());
    }

    /// A built-in role is never reported as a possibly custom role, whether or not it bears on
    /// registry access; a GUID no built-in role has is.
    #[test]
    fn only_unknown_custom_roles_are_reported() {
        let assignment = |guid: &str| -> RoleAssignment {
            serde_json::from_value(serde_json::json!({
                "id": format!("/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/{guid}"),
                "properties": {"roleDefinitionId": format!("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/{guid}"), "principalId": "p", "scope": "/subscriptions/s"}
            }))
            .unwrap()
        };
        let custom = "11111111-2222-3333-4444-555555555555";
        let inv = Inventory {
            role_assignments: vec![
                // Key Vault Administrator, Private DNS Zone Contributor (grants nothing analysis evaluates), a custom role.
                assignment("00482a5a-887f-4fb3-b363-3b7fe8e74483"),
                assignment("B12AA53E-6015-4669-85D0-8515EBB3AE7F"),
                assignment(custom),
            ],
            ..Inventory::default()
        };
        let diags = unknown_role_diagnostics(&inv, &Roles::new(&[]));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].at.ends_with(custom) && diags[0].message.contains("custom role"), "{diags:?}");
    }
}
