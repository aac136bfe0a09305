//! Intents (`intent.rs`) on the demo tenant: a pull grant picks the role its registry honours.
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)

use pullpath_core::arm::PrincipalType;
use pullpath_core::intent::Intent;
use pullpath_core::inventory::Inventory;
use pullpath_sim::Sim;

#[test]
fn pull_grants_pick_the_role_the_registry_honours() {
    let inv = Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0;
    let role_for = |name: &str| match Intent::grant_pull("p", PrincipalType::ServicePrincipal, inv.registries.iter().find(|r| r.name == name).unwrap()) {
        Intent::GrantRole { role, .. } => role.name,
        other => panic!("{other:?}"),
    };
    let grant = Intent::grant_pull("p", PrincipalType::ServicePrincipal, inv.registries.iter().find(|r| r.name == "acrteamabac").unwrap());
    assert_eq!(grant.role().map(|r| r.name.as_str()), Some("Container Registry Repository Reader"));
    assert_eq!(Intent::SetAdminUser { registry: inv.registries[0].id.clone(), enabled: false }.role(), None);
    assert_eq!(role_for("acrmlprod"), "AcrPull");
    assert_eq!(role_for("acrteamabac"), "Container Registry Repository Reader");
}
