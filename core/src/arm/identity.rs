//! Managed identities: the `identity` block on resources, and user-assigned identity resources.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::ResourceId;

/// Which kinds of managed identity a resource has. ARM spells the combination both
/// `"SystemAssigned, UserAssigned"` and `"SystemAssigned,UserAssigned"` (and casing varies by
/// provider), so this is parsed from the text rather than matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdentityType {
    pub system_assigned: bool,
    pub user_assigned: bool,
}

impl IdentityType {
    pub const NONE: IdentityType = IdentityType { system_assigned: false, user_assigned: false };
    pub const SYSTEM: IdentityType = IdentityType { system_assigned: true, user_assigned: false };
    pub const USER: IdentityType = IdentityType { system_assigned: false, user_assigned: true };
    pub const BOTH: IdentityType = IdentityType { system_assigned: true, user_assigned: true };

    pub fn parse(text: &str) -> IdentityType {
        let mut t = IdentityType::NONE;
        for part in text.split(',') {
            match part.trim().to_ascii_lowercase().as_str() {
                "systemassigned" => t.system_assigned = true,
                "userassigned" => t.user_assigned = true,
                _ => {}
            }
        }
        t
    }

    /// The canonical spelling ARM accepts in request bodies.
    pub fn as_str(self) -> &'static str {
        match (self.system_assigned, self.user_assigned) {
            (false, false) => "None",
            (true, false) => "SystemAssigned",
            (false, true) => "UserAssigned",
            (true, true) => "SystemAssigned,UserAssigned",
        }
    }
}

impl Serialize for IdentityType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for IdentityType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.map(|s| IdentityType::parse(&s)).unwrap_or_default())
    }
}

/// The `identity` property of a resource (ManagedServiceIdentity in common-types).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagedServiceIdentity {
    #[serde(rename = "type", default)]
    pub kind: IdentityType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Keyed by the identity's resource id. Values are `{principalId, clientId}` in responses
    /// and `{}` in requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub user_assigned_identities: BTreeMap<String, UserAssignedIdentityRef>,
}

impl ManagedServiceIdentity {
    /// User-assigned identity ids, parsed; ids that do not parse are skipped (and reported by
    /// the inventory).
    pub fn user_assigned_ids(&self) -> impl Iterator<Item = Result<ResourceId, crate::id::IdError>> + '_ {
        self.user_assigned_identities.keys().map(|k| ResourceId::parse(k))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A `Microsoft.ManagedIdentity/userAssignedIdentities` resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub properties: UserAssignedIdentityProperties,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// The body of `PUT {identity}` (UserAssignedIdentities_CreateOrUpdate, `Identity` in
/// ManagedIdentity.json 2024-11-30): a `TrackedResource`, so `location` is required; every
/// property of the identity itself is read-only or optional.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityCreate {
    pub location: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// ARM sends `null` for empty maps in places; treat it as empty.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_identity_spellings_parse() {
        for text in ["SystemAssigned, UserAssigned", "SystemAssigned,UserAssigned", "systemassigned,userassigned"] {
            assert_eq!(IdentityType::parse(text), IdentityType::BOTH, "{text}");
        }
        assert_eq!(IdentityType::parse("None"), IdentityType::NONE);
        let msi: ManagedServiceIdentity = serde_json::from_str(r#"{"type":"SystemAssigned, UserAssigned","userAssignedIdentities":null}"#).unwrap();
        assert_eq!(msi.kind, IdentityType::BOTH);
    }
}
