//! The typed inventory of a tenant: every resource pullpath reads, sorted by kind.
//!
//! Built from ARM resource objects (as GET or list returns them) of mixed types. Objects of
//! types pullpath does not use are counted and skipped; objects that do not parse become
//! diagnostics, never failures — a partial inventory is still worth showing.

use serde::{Deserialize, Serialize};

use crate::arm::{Compute, Connection, ManagedCluster, Registry, RoleAssignment, RoleDefinition, SubscriptionContainer, UserAssignedIdentity, Workspace, SUBSCRIPTION_TYPE};
use crate::request::ResourceKind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    pub registries: Vec<Registry>,
    pub workspaces: Vec<Workspace>,
    pub computes: Vec<Compute>,
    pub connections: Vec<Connection>,
    pub managed_clusters: Vec<ManagedCluster>,
    pub identities: Vec<UserAssignedIdentity>,
    pub role_assignments: Vec<RoleAssignment>,
    pub role_definitions: Vec<RoleDefinition>,
    /// Where subscriptions sit under management groups (Resource Graph `resourcecontainers`
    /// rows, or what a per-provider scan learned); see `hierarchy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<SubscriptionContainer>,
}

/// Something in the input that pullpath could not use, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Where: a resource id, or a JSON path when there is no id.
    pub at: String,
    pub message: String,
}

impl Inventory {
    /// Adds one ARM resource object. Unknown types are ignored (returns `Ok(false)`).
    pub fn add(&mut self, value: serde_json::Value) -> Result<bool, Diagnostic> {
        let ty = value.get("type").and_then(|t| t.as_str()).unwrap_or_default().to_string();
        let at = value.get("id").and_then(|t| t.as_str()).unwrap_or("(resource without id)").to_string();
        fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value, at: &str, into: &mut Vec<T>) -> Result<bool, Diagnostic> {
            let item = serde_json::from_value(v).map_err(|e| Diagnostic { at: at.to_string(), message: format!("could not read this resource: {e}") })?;
            into.push(item);
            Ok(true)
        }
        if ty.eq_ignore_ascii_case(SUBSCRIPTION_TYPE) {
            return parse(value, &at, &mut self.subscriptions);
        }
        let Some(kind) = ResourceKind::from_type(&ty) else { return Ok(false) };
        match kind {
            ResourceKind::Registry => parse(value, &at, &mut self.registries),
            ResourceKind::Workspace => parse(value, &at, &mut self.workspaces),
            ResourceKind::Compute => parse(value, &at, &mut self.computes),
            ResourceKind::Connection => parse(value, &at, &mut self.connections),
            ResourceKind::ManagedCluster => parse(value, &at, &mut self.managed_clusters),
            ResourceKind::UserAssignedIdentity => parse(value, &at, &mut self.identities),
            ResourceKind::RoleAssignment => parse(value, &at, &mut self.role_assignments),
            ResourceKind::RoleDefinition => parse(value, &at, &mut self.role_definitions),
        }
    }

    /// Builds an inventory from resource objects, collecting diagnostics for the ones it could
    /// not read.
    pub fn from_resources(values: impl IntoIterator<Item = serde_json::Value>) -> (Inventory, Vec<Diagnostic>) {
        let mut inv = Inventory::default();
        let mut diags = Vec::new();
        for v in values {
            if let Err(d) = inv.add(v) {
                diags.push(d);
            }
        }
        (inv, diags)
    }

    /// True for the resource types [`Inventory::add`] keeps.
    pub fn reads_type(ty: &str) -> bool {
        ty.eq_ignore_ascii_case(SUBSCRIPTION_TYPE) || ResourceKind::from_type(ty).is_some()
    }

    pub fn len(&self) -> usize {
        self.registries.len()
            + self.workspaces.len()
            + self.computes.len()
            + self.connections.len()
            + self.managed_clusters.len()
            + self.identities.len()
            + self.role_assignments.len()
            + self.role_definitions.len()
            + self.subscriptions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
