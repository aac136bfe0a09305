//! The 2024-10-01 Azure Machine Learning examples of the operations the pull-demand scan
//! reads (environments, their versions, jobs, online deployments, AML registries), which
//! `../shared/azure` does not hold: copied whole into `examples-extra/` (sources in its
//! `sources.json`). Each response body must be valid against the spec's own schema and read
//! into pullpath's typed model; what the model read is compared with what the analysis needs.

use std::path::Path;

use pullpath_contract_tests::Spec;
use pullpath_core::arm::{EnvironmentContainer, EnvironmentVersion, Job, ListPage, MlRegistry, OnlineDeployment};
use serde_json::Value;

const VERSION: &str = "2024-10-01";

fn example(file: &str) -> (String, Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-extra");
    let sources: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("sources.json")).unwrap()).unwrap();
    let op = sources[file]["operation"].as_str().unwrap_or_else(|| panic!("{file} is not in sources.json")).to_string();
    (op, serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap())
}

/// The example's 200 body, checked against the spec; placeholder ids (`"id": "string"`, as
/// AutoRest writes them) are replaced by `id` for reading into the models.
fn body(file: &str, id: &str) -> Value {
    let spec = Spec::shared();
    let (op_id, ex) = example(file);
    let op = spec.operation(&op_id, VERSION).unwrap_or_else(|| panic!("{op_id} ({VERSION}) is not in the loaded specs"));
    let body = ex["responses"]["200"]["body"].clone();
    if let Err(problems) = spec.validate_operation_response(op, 200, Some(&body)) {
        panic!("{file}: the example does not satisfy the spec: {problems:?}");
    }
    let mut body = body;
    let fill = |v: &mut Value| {
        if v["id"] == "string" {
            v["id"] = Value::String(id.into());
        }
    };
    match body.get_mut("value").and_then(Value::as_array_mut) {
        Some(items) => items.iter_mut().for_each(fill),
        None => fill(&mut body),
    }
    body
}

const WS: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.MachineLearningServices/workspaces/my-aml-workspace";

#[test]
fn environment_examples_read_into_the_models() {
    let page: ListPage<EnvironmentContainer> = serde_json::from_value(body("EnvironmentContainers_List.json", "")).unwrap();
    assert_eq!(page.value[0].name, "testEnvironment");
    let one: EnvironmentContainer = serde_json::from_value(body("EnvironmentContainers_Get.json", "")).unwrap();
    assert!(one.id.is_type("Microsoft.MachineLearningServices/workspaces/environments"));
    let version_id = format!("{WS}/environments/string/versions/string");
    let page: ListPage<EnvironmentVersion> = serde_json::from_value(body("EnvironmentVersions_List.json", &version_id)).unwrap();
    let v = &page.value[0];
    assert_eq!(v.properties.image.as_deref(), Some("docker.io/tensorflow/serving:latest"));
    assert!(v.is_built(), "the example has a build context and a conda file");
    assert_eq!(v.system_data.as_ref().and_then(|s| s.created_at.as_deref()), Some("2020-01-01T12:34:56.999Z"));
    let one: EnvironmentVersion = serde_json::from_value(body("EnvironmentVersions_Get.json", &version_id)).unwrap();
    assert_eq!(&one, v);
}

#[test]
fn deployment_and_registry_examples_read_into_the_models() {
    let dep_id = format!("{WS}/onlineEndpoints/testEndpointName/deployments/string");
    let page: ListPage<OnlineDeployment> = serde_json::from_value(body("OnlineDeployments_List.json", &dep_id)).unwrap();
    assert_eq!(page.value[0].properties.environment_id.as_deref(), Some("string"));
    // Legacy network isolation (`network`): the flag as the spec names and types it, read.
    let spec = Spec::shared();
    let op = spec.operation("OnlineDeployments_Get", VERSION).unwrap();
    let mut one = body("OnlineDeployments_List.json", &dep_id)["value"][0].clone();
    one["properties"]["egressPublicNetworkAccess"] = "Disabled".into();
    spec.validate_operation_response(op, 200, Some(&one)).unwrap();
    let dep: OnlineDeployment = serde_json::from_value(one.clone()).unwrap();
    assert_eq!(dep.properties.egress_public_network_access.as_deref(), Some("Disabled"));
    // The example is a Kubernetes deployment, which this isolation is not about.
    assert_eq!(dep.has_secure_egress(), dep.properties.endpoint_compute_type == pullpath_core::arm::EndpointComputeType::Managed);
    one["properties"]["egressPublicNetworkAccess"] = true.into();
    assert!(spec.validate_operation_response(op, 200, Some(&one)).is_err(), "the spec types the flag as a string");
    let reg_id = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.MachineLearningServices/registries/string";
    let reg: MlRegistry = serde_json::from_value(body("Registries_Get_SystemCreated.json", reg_id)).unwrap();
    assert!(reg.identity.is_some());
    // The example's ACR id is the placeholder "string": no registry is known from it.
    assert_eq!(reg.container_registries().count(), 0);
    assert_eq!(reg.properties.region_details[0].acr_details.len(), 1);
}

#[test]
fn job_examples_read_into_the_model() {
    let job_id = format!("{WS}/jobs/string");
    let page: ListPage<Job> = serde_json::from_value(body("Jobs_List_Command.json", &job_id)).unwrap();
    let j = &page.value[0];
    assert_eq!(j.properties.job_type, "Command");
    assert_eq!(j.properties.compute_id.as_deref(), Some("string"));
    assert_eq!(j.environment(), Some("string"), "a command job's environmentId");
    assert_eq!(j.properties.status.as_deref(), Some("NotStarted"));
    assert_eq!(j.system_data.as_ref().and_then(|s| s.created_at.as_deref()), Some("2020-01-01T12:34:56.999Z"));
    let page: ListPage<Job> = serde_json::from_value(body("Jobs_List_Sweep.json", &job_id)).unwrap();
    let j = &page.value[0];
    assert_eq!(j.properties.job_type, "Sweep");
    assert!(j.properties.environment_id.is_none(), "a sweep job has no environmentId of its own");
    assert_eq!(j.environment(), Some("string"), "a sweep job's trial's environmentId");
}
