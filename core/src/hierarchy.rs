//! Where subscriptions sit under management groups, so that a role assignment made at a
//! management group (or at the tenant root group) counts for exactly the subscriptions below it.
//!
//! Learned from two sources (see [`crate::arm::SubscriptionContainer`]):
//! - Resource Graph's `resourcecontainers` rows for subscriptions: `properties.
//!   managementGroupAncestorsChain` lists every group above the subscription, immediate parent
//!   first ("The ancestors of the management group displayed in reversed order, from immediate
//!   parent to the root", https://learn.microsoft.com/dotnet/api/azure.resourcemanager.managementgroups.models.managementgroupinfo.managementgroupancestorchain;
//!   Microsoft's "Count of subscriptions per management group" sample reads a subscription's
//!   group as `mgParent[0].name`, https://learn.microsoft.com/azure/governance/management-groups/resource-graph-samples),
//!   the root group last: "the root management group's display name is Tenant root group. The
//!   ID is the Azure Active Directory ID" (https://learn.microsoft.com/azure/governance/management-groups/overview);
//! - a per-provider scan: the groups whose assignments the subscription's own role-assignment
//!   list returned. The 2022-04-01 spec calls that list "List all role assignments that apply
//!   to a subscription" (RoleAssignments_ListForSubscription); that "apply to" includes the
//!   assignments at every management group above is how pullpath reads it — no Microsoft page
//!   says so in as many words (unverified).
//!
//! The tenant root group is the group that ends a chain, or (per provider, without a chain)
//! the group named after a subscription's `tenantId`, which `GET /subscriptions` reports.
//!
//! Without either, pullpath does not know which subscriptions a group holds, and says so
//! ("unknown hierarchy") rather than assuming a group's assignment applies everywhere.
//!
//! Not here: reading the rows (`arm`, `scan`), what a role grants (`rbac`, `access`).

use crate::arm::SubscriptionContainer;
use crate::id::{ResourceId, ScopeLevel};
use crate::inventory::Diagnostic;
use crate::fast::{FastMap, FastSet};

/// Whether an assignment's scope applies at a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// The scope is a management group and pullpath does not know where the resource's
    /// subscription sits.
    Unknown,
}

/// What is known about one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// Every group above it, lowercase, immediate parent first (Resource Graph).
    Chain(Vec<String>),
    /// The groups its role-assignment list showed assignments from, lowercase (per provider).
    AssignedAbove(FastSet<String>),
}

/// Subscriptions and the management groups above them.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    /// By lowercase subscription id.
    places: FastMap<String, Place>,
    /// Lowercase names of the tenant root groups: those that end a chain, and the tenant ids
    /// of the subscription rows (the root group's "ID is the Azure Active Directory ID").
    roots: FastSet<String>,
}

impl Hierarchy {
    /// The hierarchy the inventory's subscription rows describe, with diagnostics for rows that
    /// say nothing usable.
    pub fn new(subscriptions: &[SubscriptionContainer]) -> (Hierarchy, Vec<Diagnostic>) {
        let mut h = Hierarchy::default();
        let mut diags = Vec::new();
        for s in subscriptions {
            let sub = s.subscription().to_ascii_lowercase();
            if sub.is_empty() || sub.contains('/') {
                diags.push(Diagnostic { at: s.id.to_string(), message: "this subscription row names no subscription id; it is ignored".into() });
                continue;
            }
            // A per-provider scan has no chain to end at the root, but knows the directory.
            if let Some(tenant) = s.tenant_id.as_deref().map(str::trim).filter(|t| !t.is_empty() && !t.contains('/')) {
                h.roots.insert(tenant.to_ascii_lowercase());
            }
            let place = match (&s.properties.management_group_ancestors_chain, &s.properties.assigned_above) {
                (Some(chain), _) => {
                    let names: Vec<String> = chain.iter().map(|a| a.name.to_ascii_lowercase()).filter(|n| !n.is_empty() && !n.contains('/')).collect();
                    if names.is_empty() {
                        // Every subscription folds up to the tenant root group: an empty chain
                        // is not a real answer.
                        diags.push(Diagnostic { at: s.id.to_string(), message: "the subscription's managementGroupAncestorsChain is empty, so which management groups it sits below is unknown".into() });
                        continue;
                    }
                    if let Some(root) = names.last() {
                        h.roots.insert(root.clone());
                    }
                    Place::Chain(names)
                }
                (None, Some(above)) => Place::AssignedAbove(above.iter().map(|n| n.to_ascii_lowercase()).collect()),
                (None, None) => continue,
            };
            // A Resource Graph chain is the whole truth; it wins over what a list implied.
            match (h.places.get(&sub), &place) {
                (Some(Place::Chain(_)), Place::AssignedAbove(_)) => {}
                _ => {
                    h.places.insert(sub, place);
                }
            }
        }
        (h, diags)
    }

    /// True when nothing is known about any subscription.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Whether an assignment made at `scope` applies at `resource`: by the id's own parent
    /// chain, and for management groups by what is known of the resource's subscription.
    pub fn applies(&self, scope: &ResourceId, resource: &ResourceId) -> Applies {
        if scope.contains(resource) {
            return Applies::Yes;
        }
        if scope.level() != ScopeLevel::ManagementGroup {
            return Applies::No;
        }
        // A group applies only to what lies in subscriptions below it (or to groups below it,
        // which pullpath never evaluates access at).
        let Some(sub) = resource.subscription_id() else { return Applies::No };
        self.below(scope.name(), sub)
    }

    /// Whether subscription `sub` sits below management group `group`.
    pub fn below(&self, group: &str, sub: &str) -> Applies {
        let group = group.to_ascii_lowercase();
        match self.places.get(&sub.to_ascii_lowercase()) {
            Some(Place::Chain(chain)) => yes_no(chain.contains(&group)),
            Some(Place::AssignedAbove(seen)) => yes_no(seen.contains(&group)),
            None => Applies::Unknown,
        }
    }

    /// True for the tenant root group: a group that ends some subscription's chain, or whose
    /// name is the tenant id of a subscription row.
    pub fn is_tenant_root_group(&self, group: &str) -> bool {
        self.roots.contains(&group.to_ascii_lowercase())
    }
}

fn yes_no(b: bool) -> Applies {
    if b { Applies::Yes } else { Applies::No }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: serde_json::Value) -> SubscriptionContainer {
        serde_json::from_value(v).unwrap()
    }

    /// Snapshots take `resourcecontainers` rows as Resource Graph returns them (inside its
    /// answer, lowercase type, null columns) and write them back so they read the same.
    #[test]
    fn snapshots_keep_subscription_rows() {
        let answer = serde_json::json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [
            {"id": "/subscriptions/s1", "name": "Prod", "type": "microsoft.resources/subscriptions", "subscriptionId": "s1", "tenantId": "t1",
             "kind": "", "location": "", "resourceGroup": "", "tags": null, "sku": null, "identity": null,
             "properties": {"state": "Enabled", "managementGroupAncestorsChain": [{"name": "mg-a", "displayName": "A"}, {"name": "t1", "displayName": "Tenant Root Group"}]}}
        ]});
        let (inv, diags) = crate::snapshot::parse(&serde_json::json!({"resources": [answer]}).to_string()).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(inv.subscriptions.len(), 1);
        assert_eq!(Hierarchy::new(&inv.subscriptions).0.below("MG-A", "S1"), Applies::Yes);
        let (again, diags) = crate::snapshot::parse(&crate::snapshot::to_json(&inv)).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(again, inv);
    }

    #[test]
    fn a_chain_places_a_subscription_below_each_group_in_it() {
        let (h, diags) = Hierarchy::new(&[
            row(serde_json::json!({"id": "/subscriptions/s1", "type": "microsoft.resources/subscriptions", "subscriptionId": "s1",
                "properties": {"managementGroupAncestorsChain": [{"name": "mg-platform", "displayName": "Platform"}, {"name": "T1", "displayName": "Tenant Root Group"}]}})),
            row(serde_json::json!({"id": "/subscriptions/s2", "properties": {"pullpathAssignedAbove": ["mg-apps"]}})),
            row(serde_json::json!({"id": "/subscriptions/s3", "properties": {"managementGroupAncestorsChain": []}})),
        ]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let mg = |n: &str| ResourceId::management_group(n).unwrap();
        let reg = ResourceId::parse("/subscriptions/S1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r").unwrap();
        assert_eq!(h.applies(&mg("MG-Platform"), &reg), Applies::Yes);
        assert_eq!(h.applies(&mg("t1"), &reg), Applies::Yes);
        assert_eq!(h.applies(&mg("mg-apps"), &reg), Applies::No);
        assert!(h.is_tenant_root_group("t1") && !h.is_tenant_root_group("mg-platform"));
        // Without a chain, the row's tenant id names the root group.
        let (listed, _) = Hierarchy::new(&[row(serde_json::json!({"id": "/subscriptions/s2", "tenantId": "T2", "properties": {"pullpathAssignedAbove": ["t2"]}}))]);
        assert!(listed.is_tenant_root_group("t2") && !listed.is_tenant_root_group("mg-apps"));
        assert_eq!(h.below("mg-apps", "s2"), Applies::Yes);
        assert_eq!(h.below("mg-platform", "s2"), Applies::No);
        assert_eq!(h.below("mg-platform", "s3"), Applies::Unknown, "an empty chain says nothing");
        assert_eq!(h.below("mg-platform", "s4"), Applies::Unknown);
        // Ids keep their own rules: a resource group's assignment is not a group's.
        assert_eq!(h.applies(&ResourceId::parse("/subscriptions/s1/resourceGroups/other").unwrap(), &reg), Applies::No);
        assert_eq!(h.applies(&ResourceId::tenant(), &reg), Applies::Yes);
    }
}
