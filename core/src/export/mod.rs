//! A plan in other people's formats, so it can be reviewed and reused in pipelines: the exact
//! ARM requests as JSON, an idempotent az CLI script, Bicep, an ARM template and Terraform.
//!
//! Not here: deciding anything. Every export renders the same plan — same role assignment
//! names, same bodies — so applying any of them, or pullpath itself, after another is a
//! no-op. What a declarative format cannot say (deleting a role assignment; a partial
//! registry update in Bicep/ARM templates, whose PUT would reset unrelated settings) is listed
//! in the export instead of being approximated.

mod arm;
mod az;
mod declarative;
mod terraform;
mod text;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

pub use declarative::{arm_template, bicep};

/// The formats a plan can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `{"operations":[{"method","url","body",...}]}`: the exact requests.
    Arm,
    /// A bash script of `az` commands.
    Az,
    Bicep,
    ArmTemplate,
    Terraform,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Arm, Format::Az, Format::Bicep, Format::ArmTemplate, Format::Terraform];

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(s))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Arm => "arm",
            Format::Az => "az",
            Format::Bicep => "bicep",
            Format::ArmTemplate => "arm-template",
            Format::Terraform => "terraform",
        }
    }
}

/// One file of an export. Most formats are one file; Bicep needs a module file per
/// resource group, because a Bicep file may only deploy to its own scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub path: String,
    pub text: String,
}

/// `plan` as `format`, with URLs on `origin` (`https://management.azure.com`).
pub fn export(plan: &Plan, format: Format, origin: &str) -> Vec<ExportFile> {
    let one = |path: &str, text: String| vec![ExportFile { path: path.into(), text }];
    match format {
        Format::Arm => one("plan.json", arm::operations_json(plan, origin)),
        Format::Az => one("plan.sh", az::script(plan, origin)),
        Format::Bicep => bicep(plan),
        Format::ArmTemplate => one("plan.template.json", arm_template(plan)),
        Format::Terraform => one("plan.tf", terraform::config(plan)),
    }
}

/// The `--format arm` document as JSON value, for hosts that post-process it.
pub fn operations_value(plan: &Plan, origin: &str) -> serde_json::Value {
    arm::operations_value(plan, origin)
}
