//! Plans (`plan.rs`) for the demo tenant: summaries and exports naming principals, principal
//! types and undo, intents skipped with reasons, identity changes first, one identity kind
//! per compute, access before and after.
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)

use pullpath_core::access::Level;
use pullpath_core::arm::PrincipalType;
use pullpath_core::intent::{Intent, RoleRef};
use pullpath_core::inventory::Inventory;
use pullpath_core::plan::*;
use pullpath_core::ResourceId;
use pullpath_sim::Sim;

const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

fn id(s: &str) -> ResourceId {
    ResourceId::parse(&format!("{SUB}{s}")).unwrap()
}

fn acr() -> ResourceId {
    id("/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod")
}

fn grant(principal: &str, scope: ResourceId) -> Intent {
    Intent::GrantRole { principal_id: principal.into(), principal_type: PrincipalType::ServicePrincipal, role: RoleRef::acr_pull(), scope }
}

fn demo() -> Inventory {
    Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0
}

/// A grant's summary names its principal as Microsoft Graph does, keeping the id; a
/// hostile name stays inside the az script's comments.
#[test]
fn grants_name_their_principal_and_exports_keep_the_name_a_comment() {
    let mut inv = demo();
    let user = "bbbbbbbb-0000-4000-8000-00000000e0e0";
    inv.add_directory_object(serde_json::json!({"@odata.type": "#microsoft.graph.user", "id": user, "displayName": "Eve\n$(rm -rf ~) `id`\r\u{2028}x"})).unwrap();
    let intent = Intent::GrantRole { principal_id: user.into(), principal_type: PrincipalType::User, role: RoleRef::acr_pull(), scope: acr() };
    let (plan, skipped) = plan(&inv, &[intent, grant("aaaaaaaa-0000-0000-0000-000000000005", acr())]);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(plan.operations[0].summary.starts_with("Grant AcrPull on acrmlprod to Eve"), "{}", plan.operations[0].summary);
    assert!(plan.operations[0].summary.ends_with(&format!(", principal {user})")), "{}", plan.operations[0].summary);
    assert_eq!(plan.operations[1].summary, "Grant AcrPull on acrmlprod to gpu-cluster (compute system identity, principal aaaaaaaa-0000-0000-0000-000000000005)");
    let script = &pullpath_core::export::export(&plan, pullpath_core::export::Format::Az, pullpath_sim::DEFAULT_ORIGIN)[0].text;
    for line in script.lines().filter(|l| l.contains("rm -rf")) {
        assert!(line.starts_with('#'), "{line}");
    }
}

#[test]
fn grants_always_send_principal_type_and_undo_by_name() {
    let (plan, skipped) = plan(&demo(), &[grant("aaaaaaaa-0000-0000-0000-000000000005", acr())]);
    assert!(skipped.is_empty());
    let op = &plan.operations[0];
    assert_eq!(op.request.body.as_ref().unwrap()["properties"]["principalType"], "ServicePrincipal");
    assert_eq!(op.inverse.method, pullpath_core::request::Method::Delete);
    assert_eq!(op.inverse.path, op.request.path);
}

#[test]
fn intents_already_true_or_unknown_are_skipped_with_a_reason() {
    let inv = demo();
    let (plan, skipped) = plan(
        &inv,
        &[
            // cpu-cluster already holds AcrPull on acrmlprod.
            grant("aaaaaaaa-0000-0000-0000-000000000002", acr()),
            Intent::SetAdminUser { registry: id("/resourceGroups/rg-shared-images/providers/Microsoft.ContainerRegistry/registries/acrbaseimages"), enabled: false },
            Intent::RevokeRoleAssignment { assignment: id("/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000dead") },
            grant("", acr()),
            grant("aaaaaaaa-0000-0000-0000-000000000005", acr()),
            grant("aaaaaaaa-0000-0000-0000-000000000005", acr()),
        ],
    );
    assert_eq!(plan.operations.len(), 1);
    let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].contains("already holds AcrPull"), "{reasons:?}");
    assert!(reasons[1].contains("already disabled"), "{reasons:?}");
    assert!(reasons[2].contains("not in the inventory"), "{reasons:?}");
    assert!(reasons[3].contains("not known yet"), "{reasons:?}");
    assert!(reasons[4].starts_with("already planned: Grant AcrPull"), "{reasons:?}");
}

#[test]
fn identity_changes_come_first_and_grants_to_them_wait() {
    let uai = id("/resourceGroups/rg-ml-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-image-build");
    let compute = id("/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/computes/legacy-cluster");
    let (plan, skipped) = plan(
        &demo(),
        &[
            grant("aaaaaaaa-0000-0000-0000-000000000003", acr()),
            Intent::AssignComputeUserIdentity { compute: compute.clone(), identity: uai },
            Intent::EnableComputeSystemIdentity { compute },
        ],
    );
    let kinds: Vec<&str> = plan.operations.iter().map(|o| o.summary.split(' ').next().unwrap()).collect();
    assert_eq!(kinds, ["Attach", "Grant"]);
    assert_eq!(plan.operations[1].depends_on, [0], "grant to the attached identity waits for it");
    assert_eq!(plan.operations[0].request.body.as_ref().unwrap()["identity"]["type"], "UserAssigned");
    // A compute takes one kind of identity: the system one is not added on top.
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].reason.contains("not both concurrently"), "{skipped:?}");
}

#[test]
fn no_plan_gives_a_compute_both_kinds_of_identity() {
    let uai = id("/resourceGroups/rg-ml-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-image-build");
    let inv = demo();
    for c in inv.computes.iter().filter(|c| c.properties.compute_type.has_own_identity()) {
        let (plan, _) = plan(&inv, &[Intent::EnableComputeSystemIdentity { compute: c.id.clone() }, Intent::AssignComputeUserIdentity { compute: c.id.clone(), identity: uai.clone() }]);
        for op in &plan.operations {
            let ty = op.request.body.as_ref().and_then(|b| b["identity"]["type"].as_str()).unwrap_or_default().to_string();
            assert!(!(ty.contains("SystemAssigned") && ty.contains("UserAssigned")), "{}: {ty}", c.name);
            if let State::ComputeIdentity { system_assigned, user_assigned, .. } = &op.effect {
                assert!(!*system_assigned || user_assigned.is_empty(), "{}", c.name);
            }
        }
    }
}

#[test]
fn applying_to_the_inventory_changes_the_access_matrix() {
    let inv = demo();
    let (plan, _) = plan(&inv, &[grant("aaaaaaaa-0000-0000-0000-000000000005", acr())]);
    let after = apply_to_inventory(&inv, &plan);
    assert_eq!(after.role_assignments.len(), inv.role_assignments.len() + 1);
    let changes = access_changes(&inv, &plan);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].registry, acr());
    assert_eq!(changes[0].before.map(|a| a.pull), Some(Level::No));
    assert_eq!(changes[0].after.map(|a| a.pull), Some(Level::Yes));
}
