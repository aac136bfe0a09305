//! The whole analysis of one inventory: who can pull from and push to which registry
//! (`access`), what the tenant's wiring and workloads expect (`access`, `findings::demand`),
//! and what is wrong with it (`findings`), in one [`Analysis`] the UI and the CLI show.
//!
//! It sits above both `access` and `findings`, so that judging access needs no way back into
//! computing it. Not here: any rule (each lives in its own module).

use serde::{Deserialize, Serialize};

use crate::access::{self, compute, expectations, network_verdicts, Context, Identity, RegistryInfo};
use crate::findings::{self, Finding};
use crate::inventory::Diagnostic;
use crate::inventory::Inventory;

/// Everything the UI and the CLI show for one inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub identities: Vec<Identity>,
    pub registries: Vec<RegistryInfo>,
    pub access: Vec<access::AccessRow>,
    pub findings: Vec<Finding>,
    /// What analysis could not use or decide, and why.
    pub diagnostics: Vec<Diagnostic>,
    /// The images workloads really pull from registries in the scan (`findings::demand`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<findings::demand::UsedBy>,
}

/// The whole analysis of one inventory: identities, registries, access rows and findings.
pub fn analyze(inv: &Inventory) -> Analysis {
    let ctx = Context::new(inv);
    let (mut expected, mut diagnostics) = expectations(&ctx);
    let demand = findings::demand::pulls(&ctx);
    let used_by = findings::demand::used_by(&ctx, &demand);
    let pullers = findings::demand::pullers(&ctx, &demand);
    expected.extend(findings::demand::expectations(&ctx, &demand));
    diagnostics.extend(demand.diagnostics.iter().cloned());
    let (mut access, more) = compute(&ctx, &expected);
    diagnostics.extend(more);
    network_verdicts(&ctx, &expected, &mut access);
    for row in &mut access {
        row.used = pullers.contains(&(row.registry.key().to_string(), row.principal_id.to_string()));
    }
    let mut findings = findings::find(&ctx, &access, &expected);
    let before = findings.len();
    findings::demand::findings(&ctx, &demand, &access, &mut findings);
    if findings.len() != before {
        findings = findings::sorted(findings);
    }
    let mut all_diags = ctx.diagnostics.clone();
    all_diags.extend(diagnostics);
    let mut identities: Vec<Identity> = ctx.identities.values().cloned().collect();
    crate::sort::sort_by(&mut identities, |a, b| a.label.cmp(&b.label).then_with(|| a.principal_id.cmp(&b.principal_id)));
    Analysis { identities, registries: ctx.registries.clone(), access, findings, diagnostics: all_diags, used_by }
}

