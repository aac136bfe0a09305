//! How workloads outside Azure ML log in to a registry: which Azure Container Instances
//! container groups pull with a username and password (and so may depend on the registry's
//! admin user), and which pull with a managed identity.
//!
//! Not here: whether that identity can pull (`access`), and any secret: pullpath never reads a
//! credential's password (see `arm::container_group`).
//!
//! A username credential is not necessarily the admin user: a service principal also logs in
//! with its app id and a password ("You can also log in directly with a service principal.
//! Provide the app ID and password of the service principal to the `docker login` command",
//! https://learn.microsoft.com/azure/container-registry/container-registry-authentication).
//! ARM does not say which one a container group holds, so pullpath treats every username login
//! as one that disabling the admin user may break, and says so (unverified which it is).

use crate::arm::{ContainerGroup, Registry};
use crate::id::ResourceId;
use crate::inventory::Inventory;

/// A login server as the registry and a credential write it, compared: lowercase, without a
/// scheme or trailing slash.
pub fn normalise_login(login: &str) -> String {
    let l = login.trim().to_ascii_lowercase();
    let l = l.strip_prefix("https://").or_else(|| l.strip_prefix("http://")).unwrap_or(&l);
    l.trim_end_matches('/').to_string()
}

/// One container group's username-and-password login to a registry.
#[derive(Debug, Clone, PartialEq)]
pub struct PasswordLogin<'a> {
    pub group: &'a ContainerGroup,
    pub username: &'a str,
}

impl PasswordLogin<'_> {
    /// The group's user-assigned identities: the candidates to pull with instead. Azure
    /// Container Instances "doesn't support system-assigned managed identity-authenticated
    /// image pulls with ACR. You must use a user-assigned managed identity"
    /// (https://learn.microsoft.com/azure/container-instances/using-azure-container-registry-mi).
    pub fn user_assigned(&self) -> Vec<ResourceId> {
        self.group.identity.as_ref().map(|i| i.user_assigned_ids().filter_map(Result::ok).collect()).unwrap_or_default()
    }

    /// The group, for people: its name and resource group.
    pub fn describe(&self) -> String {
        let name = if self.group.name.is_empty() { self.group.id.name() } else { self.group.name.as_str() };
        match self.group.id.resource_group_name() {
            Some(rg) => format!("container group {name} (resource group {rg})"),
            None => format!("container group {name}"),
        }
    }
}

/// The container groups that log in to `registry` with a username and no identity, in id order.
pub fn password_logins<'a>(inv: &'a Inventory, registry: &Registry) -> Vec<PasswordLogin<'a>> {
    let Some(login) = registry.properties.login_server.as_deref().map(normalise_login) else { return Vec::new() };
    let mut out: Vec<PasswordLogin<'a>> = Vec::new();
    for group in &inv.container_groups {
        let found = group.properties.image_registry_credentials.iter().find(|c| {
            c.identity.as_deref().is_none_or(str::is_empty) && c.username.as_deref().is_some_and(|u| !u.is_empty()) && normalise_login(&c.server) == login
        });
        if let Some(cred) = found {
            out.push(PasswordLogin { group, username: cred.username.as_deref().unwrap_or_default() });
        }
    }
    crate::sort::sort_by(&mut out, |a, b| a.group.id.cmp(&b.group.id));
    out
}

/// Why disabling the admin user of `registry` must wait, or `None` when nothing pullpath can
/// see logs in to it with a username.
pub fn admin_user_still_used(inv: &Inventory, registry: &Registry) -> Option<String> {
    still_used(registry, &password_logins(inv, registry))
}

/// Why disabling the admin user of `registry` must wait, given its [`password_logins`].
pub fn still_used(registry: &Registry, logins: &[PasswordLogin<'_>]) -> Option<String> {
    if logins.is_empty() {
        return None;
    }
    let who: Vec<String> = logins.iter().map(|l| format!("{} (username {})", l.describe(), l.username)).collect();
    Some(format!(
        "{} still {} in to {} with a username and password, which may be the admin user's (a service principal's app id logs in the same way; ARM does not say which). Disabling the admin user cuts off every login that uses its credentials. Move each group to a user-assigned identity with {} on the registry first (redeploy it with imageRegistryCredentials naming the identity, e.g. `az container create … --acr-identity <identity id>`), then disable the admin user",
        who.join(", "),
        if who.len() == 1 { "logs" } else { "log" },
        if registry.name.is_empty() { registry.id.name() } else { registry.name.as_str() },
        if registry.properties.role_assignment_mode.as_ref().is_some_and(|m| matches!(m, crate::arm::RoleAssignmentMode::AbacRepositoryPermissions)) { "Container Registry Repository Reader" } else { "AcrPull" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(groups: serde_json::Value) -> Inventory {
        let mut all = vec![serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1", "name": "acr1", "type": "Microsoft.ContainerRegistry/registries", "properties": {"loginServer": "acr1.azurecr.io", "adminUserEnabled": true}})];
        all.extend(groups.as_array().unwrap().iter().cloned());
        Inventory::from_resources(all).0
    }

    #[test]
    fn only_username_logins_without_identity_to_this_registry_count() {
        let cg = |name: &str, cred: serde_json::Value| serde_json::json!({"id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/{name}"), "name": name, "type": "Microsoft.ContainerInstance/containerGroups", "properties": {"containers": [], "imageRegistryCredentials": [cred]}});
        let inv = inv(serde_json::json!([
            cg("by-password", serde_json::json!({"server": "ACR1.azurecr.io", "username": "acr1", "password": "x"})),
            cg("by-identity", serde_json::json!({"server": "acr1.azurecr.io", "identity": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u"})),
            cg("elsewhere", serde_json::json!({"server": "other.azurecr.io", "username": "other"})),
            cg("empty-username", serde_json::json!({"server": "acr1.azurecr.io", "username": ""})),
        ]));
        let logins = password_logins(&inv, &inv.registries[0]);
        assert_eq!(logins.iter().map(|l| (l.group.name.as_str(), l.username)).collect::<Vec<_>>(), vec![("by-password", "acr1")]);
        let why = admin_user_still_used(&inv, &inv.registries[0]).unwrap();
        assert!(why.contains("container group by-password (resource group rg) (username acr1)") && why.contains("AcrPull"), "{why}");
        let none = Inventory::from_resources(vec![serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1", "type": "Microsoft.ContainerRegistry/registries", "properties": {}})]).0;
        assert_eq!(admin_user_still_used(&none, &none.registries[0]), None);
    }

    #[test]
    fn login_servers_compare_without_case_scheme_or_slash() {
        assert_eq!(normalise_login(" https://AcrBase.azurecr.io/ "), "acrbase.azurecr.io");
    }
}
