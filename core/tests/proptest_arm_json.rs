//! Property tests for the ARM JSON models: no input makes a parser panic, and whatever a
//! model reads it writes back in a form it reads again to the same value.

use proptest::prelude::*;
use pullpath_core::arm::{
    Compute, Connection, ErrorResponse, ListPage, ManagedCluster, ManagedServiceIdentity, PermissionGetResult, QueryResponse, Registry, RoleAssignment,
    RoleDefinition, UserAssignedIdentity, Workspace,
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
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
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
    Ok(())
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
