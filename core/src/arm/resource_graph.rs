//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`, and the
//! `resourcecontainers` rows for subscriptions that say where each sits under management groups.

use serde::{Deserialize, Serialize};

use crate::id::ResourceId;

/// QueryRequest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub management_groups: Vec<String>,
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<QueryRequestOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct QueryRequestOptions {
    #[serde(rename = "$top", default, skip_serializing_if = "Option::is_none")]
    pub top: Option<u32>,
    #[serde(rename = "$skip", default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(rename = "$skipToken", default, skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<String>,
    /// `objectArray` so that `data` is a list of objects.
    #[serde(rename = "resultFormat", default, skip_serializing_if = "Option::is_none")]
    pub result_format: Option<String>,
    /// Which authorization resources come back for the subscriptions queried. The 2024-04-01
    /// spec (`QueryRequestOptions.authorizationScopeFilter`): "Defines what level of
    /// authorization resources should be returned based on the which subscriptions and
    /// management groups are passed as scopes", default `AtScopeAndBelow`; management-group and
    /// tenant-root assignments above the subscriptions need [`AT_SCOPE_ABOVE_AND_BELOW`].
    #[serde(rename = "authorizationScopeFilter", default, skip_serializing_if = "Option::is_none")]
    pub authorization_scope_filter: Option<String>,
}

/// `authorizationScopeFilter` value that returns assignments at, above and below the scopes.
pub const AT_SCOPE_ABOVE_AND_BELOW: &str = "AtScopeAboveAndBelow";

/// `type` of a subscription row in `resourcecontainers` (Resource Graph writes types lowercase).
pub const SUBSCRIPTION_TYPE: &str = "microsoft.resources/subscriptions";

/// A subscription as Resource Graph's `resourcecontainers` table returns it, or as pullpath
/// learned it from the subscription's own role-assignment list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionContainer {
    /// `/subscriptions/{id}`.
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default = "subscription_type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub properties: SubscriptionContainerProperties,
}

fn subscription_type() -> String {
    SUBSCRIPTION_TYPE.to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionContainerProperties {
    /// Resource Graph: every management group above the subscription, immediate parent first
    /// and the tenant root group (named after the tenant id) last. `None` when the row does
    /// not carry it (then where the subscription sits is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_chain")]
    pub management_group_ancestors_chain: Option<Vec<ManagementGroupAncestor>>,
    /// pullpath's own field, never Resource Graph's: the management groups whose role
    /// assignments the subscription's role-assignment list returned (a per-provider scan has no
    /// ancestors chain). Unordered, and only groups that hold assignments.
    #[serde(rename = "pullpathAssignedAbove", default, skip_serializing_if = "Option::is_none")]
    pub assigned_above: Option<Vec<String>>,
}

/// One element of `managementGroupAncestorsChain`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagementGroupAncestor {
    /// The group's name (its id segment), e.g. `mg-platform`, or the tenant id for the root.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Resource Graph writes an absent dynamic value as `""` or `null`: both mean "not known".
fn lenient_chain<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<ManagementGroupAncestor>>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.is_empty() => Ok(None),
        other => serde_json::from_value(other).map(Some).map_err(serde::de::Error::custom),
    }
}

/// `"true"`/`"false"` as the spec has it, or a JSON boolean as some clients write it.
fn lenient_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

impl SubscriptionContainer {
    /// The subscription id: the `subscriptionId` column, or the id's last segment.
    pub fn subscription(&self) -> &str {
        self.subscription_id.as_deref().filter(|s| !s.is_empty()).unwrap_or_else(|| self.id.name())
    }
}

/// QueryResponse with `resultFormat: objectArray`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryResponse {
    #[serde(default)]
    pub total_records: u64,
    #[serde(default)]
    pub count: u64,
    /// `"true"` or `"false"` (a string in the spec). Resource Graph's "Working with large data
    /// sets": "resultTruncated is true when either paging is disabled or not possible because
    /// no id column or when there are less resources available than a query is requesting.
    /// When resultTruncated is true, the $skipToken property isn't set."
    #[serde(default, deserialize_with = "lenient_flag")]
    pub result_truncated: Option<String>,
    #[serde(rename = "$skipToken", default, skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<String>,
    #[serde(default)]
    pub data: serde_json::Value,
}

impl QueryResponse {
    /// True when Resource Graph says the answer is cut short (`resultTruncated: "true"`, also
    /// accepted as a JSON boolean).
    pub fn is_truncated(&self) -> bool {
        self.result_truncated.as_deref().is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
    }
}
