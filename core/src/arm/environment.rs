//! Azure Machine Learning environments and registries, as the 2024-10-01 specs
//! (`machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/
//! 2024-10-01/mfe.json` and `registries.json`) define them: only what says which image a
//! workload pulls and how it gets built.
//!
//! - `workspaces/environments` (`EnvironmentContainerResource`): a name whose versions hold
//!   the images; read only to list its versions.
//! - `workspaces/environments/versions` (`EnvironmentVersionResource`): `image` (the image,
//!   or with a build the base image), `build` (a Docker build context) and `condaFile`.
//!   The 2024-10-01 `EnvironmentVersion` has no registry credential or registry identity of
//!   its own (its properties are `autoRebuild`, `build`, `condaFile`, `environmentType`,
//!   `image`, `inferenceConfig`, `osType`, `provisioningState`, `stage` and `AssetBase`'s),
//!   so the SDK v1 `RegistryIdentity` cannot be read from ARM and is not modelled.
//! - `Microsoft.MachineLearningServices/registries` (`RegistryTrackedResource`): an AML
//!   registry's identity and the ACR accounts it created per region.
//!
//! Not here: which principal pulls what (`demand`).

use serde::{Deserialize, Serialize};

use super::ManagedServiceIdentity;
use crate::id::ResourceId;

/// `EnvironmentContainerResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentContainer {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: EnvironmentContainerProperties,
}

/// `EnvironmentContainer` (client name `EnvironmentContainerProperties`) with `AssetContainer`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentContainerProperties {
    /// "The latest version inside this container." (read-only)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
}

/// `EnvironmentVersionResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentVersion {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: EnvironmentVersionProperties,
    /// `systemData.createdAt`: which versions are the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<SystemData>,
}

/// `EnvironmentVersion` (client name `EnvironmentVersionProperties`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentVersionProperties {
    /// "Name of the image that will be used for the environment." With `build` or
    /// `condaFile`, the base image the build starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// "Configuration settings for Docker build context."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildContext>,
    /// A conda specification: Azure ML builds an image with it on top of `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conda_file: Option<String>,
    /// `Curated` or `UserCreated` (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
}

/// `BuildContext`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct BuildContext {
    #[serde(default)]
    pub context_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile_path: Option<String>,
}

/// The part of common-types `systemData` pullpath reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SystemData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

impl EnvironmentVersion {
    /// True when Azure ML builds an image for this version (a build context, or a conda file
    /// on top of `image`), false when it uses `image` as it is.
    pub fn is_built(&self) -> bool {
        self.properties.build.as_ref().is_some_and(|b| !b.context_uri.trim().is_empty()) || self.properties.conda_file.as_deref().is_some_and(|c| !c.trim().is_empty())
    }
}

/// `RegistryTrackedResource` of `Microsoft.MachineLearningServices/registries`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MlRegistry {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(default)]
    pub properties: MlRegistryProperties,
}

/// `Registry` (client name `RegistryProperties`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct MlRegistryProperties {
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "super::identity::null_as_empty")]
    pub region_details: Vec<MlRegistryRegion>,
}

/// `RegistryRegionArmDetails`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct MlRegistryRegion {
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "super::identity::null_as_empty")]
    pub acr_details: Vec<AcrDetails>,
}

/// `AcrDetails`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AcrDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_created_acr_account: Option<SystemCreatedAcrAccount>,
}

/// `SystemCreatedAcrAccount`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SystemCreatedAcrAccount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr_account_name: Option<String>,
    /// "This is populated once the ACR account is created."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm_resource_id: Option<ArmResourceId>,
}

/// `ArmResourceId`. Kept as text: the spec's own examples carry a placeholder here, and an
/// id that does not parse only means the registry is not known.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ArmResourceId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
}

impl MlRegistry {
    /// The container registries this AML registry created (one per region at most).
    pub fn container_registries(&self) -> impl Iterator<Item = ResourceId> + '_ {
        self.properties
            .region_details
            .iter()
            .flat_map(|r| &r.acr_details)
            .filter_map(|a| ResourceId::parse(a.system_created_acr_account.as_ref()?.arm_resource_id.as_ref()?.resource_id.as_deref()?).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_or_as_is_and_registry_accounts() {
        let env = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/environments/e/versions/1";
        let read = |props: serde_json::Value| -> EnvironmentVersion { serde_json::from_value(serde_json::json!({"id": env, "properties": props, "futureField": 1})).unwrap() };
        assert!(!read(serde_json::json!({"image": "acr.azurecr.io/a:1"})).is_built());
        assert!(read(serde_json::json!({"image": "acr.azurecr.io/a:1", "condaFile": "name: x"})).is_built());
        assert!(read(serde_json::json!({"build": {"contextUri": "https://s.blob.core.windows.net/c/"}})).is_built());
        assert!(!read(serde_json::json!({"image": "x", "condaFile": "", "build": null})).is_built());
        let acr = "/subscriptions/s/resourceGroups/mrg/providers/Microsoft.ContainerRegistry/registries/r1";
        let reg: MlRegistry = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/registries/mlr",
            "properties": {"regionDetails": [{"location": "eastus", "acrDetails": [{"systemCreatedAcrAccount": {"acrAccountName": "r1", "armResourceId": {"resourceId": acr}}}, {"systemCreatedAcrAccount": {"armResourceId": null}}]}, {"acrDetails": null}]}
        }))
        .unwrap();
        assert_eq!(reg.container_registries().map(|r| r.to_string()).collect::<Vec<_>>(), vec![acr]);
    }
}
