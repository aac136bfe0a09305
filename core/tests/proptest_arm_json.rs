//! Property tests for the ARM JSON models: no input makes a parser panic, and whatever a
//! model reads it writes back in a form it reads again to the same value. Inputs include
//! hostile text: ids and names with `%`, multi-byte and control characters, bidi overrides,
//! a byte-order mark, and JSON text cut or mangled at any byte.

use proptest::prelude::*;
use pullpath_core::arm::{
    Compute, ComputeType, Connection, ConnectionCreate, ErrorDetail, ErrorResponse, IdentityType, ListPage, ManagedCluster, ManagedServiceIdentity, Permission,
    PermissionGetResult, PrincipalType, QueryRequest, QueryResponse, Registry, RegistryUpdate, RoleAssignment, RoleAssignmentCreate, RoleAssignmentMode,
    RoleDefinition, Sku, UserAssignedIdentity, UserAssignedIdentityRef, Workspace,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Arbitrary JSON, biased towards the field names and shapes the models look at so that
/// parsing gets past the first field often.
fn arb_json() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("id".to_string()),
        Just("name".to_string()),
        Just("type".to_string()),
        Just("properties".to_string()),
        Just("identity".to_string()),
        Just("userAssignedIdentities".to_string()),
        Just("value".to_string()),
        Just("nextLink".to_string()),
        Just("computeType".to_string()),
        Just("roleDefinitionId".to_string()),
        Just("principalId".to_string()),
        Just("identityProfile".to_string()),
        Just("kubeletidentity".to_string()),
        Just("containerRegistry".to_string()),
        Just("credentials".to_string()),
        Just("resourceId".to_string()),
        Just("error".to_string()),
        "[a-zA-Z]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r")),
        Just(json!("SystemAssigned, UserAssigned")),
        Just(json!("AmlCompute")),
        Just(json!("")),
        "\\PC{0,12}".prop_map(Value::String),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text an attacker could put in a name, tag or id: escapes, multi-byte characters right after
/// `%`, terminal controls, bidi overrides, a byte-order mark, NUL, lone path pieces.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("%".to_string()),
        Just("%é".to_string()),
        Just("%2F".to_string()),
        Just("%zz".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\r".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{0}".to_string()),
        Just("/subscriptions/".to_string()),
        Just("/providers/".to_string()),
        Just("..".to_string()),
        Just("[listKeys()]".to_string()),
        "\\PC{0,4}",
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

/// Parses `v` as `T`; if that works, the written form must parse back to an equal `T`.
fn stable<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(v: &Value) -> Result<(), TestCaseError> {
    if let Ok(t) = serde_json::from_value::<T>(v.clone()) {
        let written = serde_json::to_value(&t).map_err(|e| TestCaseError::fail(format!("could not write {t:?}: {e}")))?;
        let back: T = serde_json::from_value(written.clone()).map_err(|e| TestCaseError::fail(format!("could not re-read {written}: {e}")))?;
        prop_assert_eq!(back, t);
    }
    Ok(())
}

fn all_models(v: &Value) -> Result<(), TestCaseError> {
    stable::<Registry>(v)?;
    stable::<Workspace>(v)?;
    stable::<Compute>(v)?;
    stable::<Connection>(v)?;
    stable::<ManagedCluster>(v)?;
    stable::<UserAssignedIdentity>(v)?;
    stable::<RoleAssignment>(v)?;
    stable::<RoleDefinition>(v)?;
    stable::<PermissionGetResult>(v)?;
    stable::<QueryResponse>(v)?;
    stable::<ErrorResponse>(v)?;
    stable::<ManagedServiceIdentity>(v)?;
    stable::<ListPage<RoleAssignment>>(v)?;
    stable::<ListPage<Registry>>(v)?;
    stable::<ListPage<Compute>>(v)?;
    stable::<ListPage<Value>>(v)?;
    stable::<ErrorDetail>(v)?;
    stable::<Permission>(v)?;
    stable::<QueryRequest>(v)?;
    stable::<Sku>(v)?;
    stable::<UserAssignedIdentityRef>(v)?;
    stable::<RoleAssignmentCreate>(v)?;
    stable::<ConnectionCreate>(v)?;
    stable::<RegistryUpdate>(v)?;
    // Enums and flag types read from strings: any string, no panic.
    let _ = serde_json::from_value::<IdentityType>(v.clone());
    let _ = serde_json::from_value::<PrincipalType>(v.clone());
    let _ = serde_json::from_value::<ComputeType>(v.clone());
    let _ = serde_json::from_value::<RoleAssignmentMode>(v.clone());
    Ok(())
}

/// Reads `text` with every model straight from text (the path the executor's answers take).
fn all_models_from_text(text: &str) {
    let _ = serde_json::from_str::<Registry>(text);
    let _ = serde_json::from_str::<Workspace>(text);
    let _ = serde_json::from_str::<Compute>(text);
    let _ = serde_json::from_str::<Connection>(text);
    let _ = serde_json::from_str::<ManagedCluster>(text);
    let _ = serde_json::from_str::<UserAssignedIdentity>(text);
    let _ = serde_json::from_str::<ListPage<RoleAssignment>>(text);
    let _ = serde_json::from_str::<ListPage<RoleDefinition>>(text);
    let _ = serde_json::from_str::<PermissionGetResult>(text);
    let _ = serde_json::from_str::<QueryResponse>(text);
    let _ = serde_json::from_str::<ErrorResponse>(text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn models_never_panic_and_round_trip(v in arb_json()) {
        all_models(&v)?;
    }

    #[test]
    fn models_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = serde_json::from_slice::<Registry>(&bytes);
        let _ = serde_json::from_slice::<Compute>(&bytes);
        let _ = serde_json::from_slice::<ListPage<RoleAssignment>>(&bytes);
    }

    #[test]
    fn resource_shaped_objects_round_trip(
        identity_type in prop_oneof![Just("SystemAssigned, UserAssigned"), Just("SystemAssigned,UserAssigned"), Just("systemassigned"), Just("None"), Just("UserAssigned")],
        compute_type in prop_oneof![Just("AmlCompute"), Just("ComputeInstance"), Just("AKS"), Just("Kubernetes"), Just("Databricks")],
        extra in arb_json(),
    ) {
        let v = json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c",
            "name": "c",
            "identity": {"type": identity_type, "userAssignedIdentities": {"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u": {}}},
            "properties": {"computeType": compute_type, "extra": extra.clone()},
            "unknownTopLevel": extra,
        });
        let c: Compute = serde_json::from_value(v.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(c.properties.extra.contains_key("extra"), "unknown properties are kept for the PUT");
        all_models(&v)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Valid JSON text, then the same text cut short or with one byte changed.
    #[test]
    fn models_never_panic_on_mangled_text(v in arb_json(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let text = v.to_string();
        all_models_from_text(&text);
        let at = cut.index(text.len().max(1));
        let mut bytes = text.clone().into_bytes();
        bytes.truncate(at);
        if let Ok(t) = std::str::from_utf8(&bytes) {
            all_models_from_text(t);
        }
        let mut bytes = text.into_bytes();
        if let Some(b) = bytes.get_mut(at) {
            *b = byte;
        }
        if let Ok(t) = std::str::from_utf8(&bytes) {
            all_models_from_text(t);
        }
    }

    /// Resources whose ids, names and types are hostile text.
    #[test]
    fn hostile_ids_and_names_never_panic(id in hostile_text(), name in hostile_text(), ty in hostile_text(), tail in hostile_text()) {
        for id in [id.clone(), format!("/subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{tail}")] {
            let v = json!({"id": id, "name": name, "type": ty, "properties": {"principalId": tail, "roleDefinitionId": id, "scope": id}, "tags": {name.clone(): tail}});
            all_models(&v)?;
        }
    }
}
