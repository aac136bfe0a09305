//! Subscriptions and directories as `GET /subscriptions` and `GET /tenants` list them
//! (Microsoft.Resources `subscriptions.json` 2022-12-01, definitions `Subscription` and
//! `TenantIdDescription`; its examples are in `tests/contract/examples-extra`). Read for the
//! subscription picker and for each subscription's directory; every field is read-only in the
//! spec, so pullpath never sends these.

use serde::{Deserialize, Serialize};

/// One subscription the caller can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// "The subscription ID."
    pub subscription_id: String,
    /// "The subscription display name."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// "The subscription tenant ID."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// "Possible values are Enabled, Warned, PastDue, Disabled, and Deleted." Kept as ARM's
    /// word: pullpath shows it and decides nothing from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// One directory (tenant) the signed-in account belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// "The tenant ID. For example, 00000000-0000-0000-0000-000000000000."
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_domain: Option<String>,
}

impl Subscription {
    /// The name people know it by: its display name, or its id where it has none.
    pub fn label(&self) -> &str {
        self.display_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&self.subscription_id)
    }
}

impl Tenant {
    /// Its display name, else its default domain, else its id.
    pub fn label(&self) -> &str {
        [self.display_name.as_deref(), self.default_domain.as_deref()].into_iter().flatten().find(|n| !n.trim().is_empty()).unwrap_or(&self.tenant_id)
    }
}
