//! Azure Machine Learning jobs of a workspace (`workspaces/jobs`, `JobBaseResource` of
//! `mfe.json` 2024-10-01): only which compute a job ran on and which environment it ran.
//!
//! `JobBase` is polymorphic by `jobType` (`AutoML`, `Command`, `Pipeline`, `Spark`, `Sweep`).
//! `computeId` ("ARM resource ID of the compute resource.") is on the base; `environmentId`
//! is on `CommandJob` ("[Required] The ARM resource ID of the Environment specification for
//! the job."), `AutoMLJob` and `SparkJob`, and in a `SweepJob` on its `trial`
//! (`TrialComponent.environmentId`). A `PipelineJob`'s steps are an untyped `jobs` object, so
//! a pipeline names no environment pullpath can read.
//!
//! Not here: what a job pulls and who pulls it (`findings::demand`).

use serde::{Deserialize, Serialize};

use super::SystemData;
use crate::id::ResourceId;

/// `JobBaseResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: JobProperties,
    /// `systemData.createdAt`: which jobs are the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<SystemData>,
}

/// The fields of `JobBase` and its subtypes pullpath reads. Text, not enums: `jobType` and
/// `status` are `modelAsString`, so new values must read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobProperties {
    #[serde(default)]
    pub job_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `JobStatus` (read-only): `Completed`, `Failed`, `Running`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Kept as text: an id that does not parse means the compute is not known (said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_id: Option<String>,
    /// `CommandJob`, `AutoMLJob`, `SparkJob`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// `SweepJob.trial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<JobTrial>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
}

/// `TrialComponent`: the part a sweep job's trials run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobTrial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
}

impl Job {
    /// The environment the job runs (a sweep job's trial's), trimmed; `None` when it names none.
    pub fn environment(&self) -> Option<&str> {
        let p = &self.properties;
        p.environment_id.as_deref().or_else(|| p.trial.as_ref()?.environment_id.as_deref()).map(str::trim).filter(|e| !e.is_empty())
    }

    /// The job's name for people: its display name when it has one.
    pub fn label(&self) -> String {
        match self.properties.display_name.as_deref().map(str::trim).filter(|d| !d.is_empty() && *d != self.id.name()) {
            Some(d) => format!("{} ({d})", self.id.name()),
            None => self.id.name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_of_each_job_type() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/jobs/j1";
        let read = |props: serde_json::Value| -> Job { serde_json::from_value(serde_json::json!({"id": id, "properties": props, "futureField": 1})).unwrap() };
        assert_eq!(read(serde_json::json!({"jobType": "Command", "environmentId": " azureml:e:1 "})).environment(), Some("azureml:e:1"));
        assert_eq!(read(serde_json::json!({"jobType": "Sweep", "trial": {"environmentId": "azureml:e:2"}})).environment(), Some("azureml:e:2"));
        assert_eq!(read(serde_json::json!({"jobType": "Pipeline", "jobs": {"a": {"environment": "x"}}})).environment(), None);
        assert_eq!(read(serde_json::json!({"jobType": "Command", "environmentId": "  "})).environment(), None);
        assert_eq!(read(serde_json::json!({"jobType": "Command", "displayName": "nightly"})).label(), "j1 (nightly)");
        assert_eq!(read(serde_json::json!({"jobType": "Command", "displayName": "j1"})).label(), "j1");
    }
}
