//! What the scan reads of the images workloads pull (issue #18): each workspace's
//! environments, the newest [`ScanConfig::environment_versions`](super::ScanConfig) versions
//! of each, each workspace's jobs ([`ScanConfig::jobs`](super::ScanConfig)), and each online
//! endpoint's deployments, and each Azure ML registry's environments and their newest
//! versions (as a workspace's) — listed the same way on both strategies (whether Resource Graph's
//! tables index them was not checked, so it is not asked).
//!
//! A version list is one request (`$orderBy=createdtime desc&$top=N`), never paged: older
//! versions are what the setting leaves out, so a `nextLink` on it is not followed and the
//! page is cut to the newest N by `systemData.createdAt`, whatever order ARM answered in.
//!
//! The 2024-10-01 `Jobs_List` has neither `$top` nor an order (only `$skipToken`, `jobType`,
//! `tag`, `listViewType` and `properties`), and a busy workspace has thousands of jobs, so the
//! scan follows a job list's pages only until it holds [`ScanConfig::jobs`](super::ScanConfig)
//! jobs of that workspace (active ones: `listViewType` defaults to `ActiveOnly`; of a page
//! that holds more, the newest by `systemData.createdAt`), and says when it stopped with more
//! left.
//!
//! Not here: judging the pulls (`demand`).

use serde_json::Value;

use super::{Scan, Step};
use crate::arm::ListPage;
use crate::id::ResourceId;
use crate::inventory::Diagnostic;
use crate::request::{self, ResourceKind};

impl Scan {
    /// Plans the demand lists a newly found resource leads to, once per resource.
    pub(super) fn plan_demand(&mut self, id: &ResourceId, kind: Option<ResourceKind>) {
        let mut lists = Vec::new();
        match kind {
            Some(ResourceKind::Workspace) => {
                lists.push((ResourceKind::EnvironmentContainer, request::list_children(id, ResourceKind::EnvironmentContainer)));
                if self.config.jobs > 0 {
                    lists.push((ResourceKind::Job, request::list_children(id, ResourceKind::Job)));
                }
            }
            Some(ResourceKind::MlRegistry) => lists.push((ResourceKind::RegistryEnvironmentContainer, request::list_children(id, ResourceKind::RegistryEnvironmentContainer))),
            Some(ResourceKind::EnvironmentContainer | ResourceKind::RegistryEnvironmentContainer) if self.config.environment_versions > 0 => {
                lists.push((ResourceKind::EnvironmentVersion, request::list_environment_versions(id, self.config.environment_versions)));
            }
            Some(ResourceKind::OnlineEndpoint) => lists.push((ResourceKind::OnlineDeployment, request::list_children(id, ResourceKind::OnlineDeployment))),
            Some(ResourceKind::Job | ResourceKind::OnlineDeployment) if !self.ml_registries_wanted => {
                let inv = &self.result.inventory;
                let env = match kind {
                    Some(ResourceKind::Job) => inv.jobs.iter().rev().find(|j| &j.id == id).and_then(|j| j.environment()),
                    _ => inv.online_deployments.iter().rev().find(|d| &d.id == id).and_then(|d| d.properties.environment_id.as_deref()),
                };
                if env.is_some_and(names_registry) {
                    self.ml_registries_wanted = true;
                    for s in self.result.subscriptions.clone() {
                        self.plan_ml_registries(&s);
                    }
                }
            }
            _ => {}
        }
        for (child, req) in lists {
            if self.demand_for.insert(format!("{:?}|{}", child, id.key())) {
                self.enqueue(Step::List { kind: child, scope: id.clone() }, req);
            }
        }
    }
}

/// Whether an environment id names an Azure ML registry's environment.
fn names_registry(environment: &str) -> bool {
    environment.trim().starts_with("azureml://registries/")
}

/// Whether a kept inventory's jobs or deployments name an Azure ML registry's environment (for
/// `Scan::resume`: subscriptions found later list their AML registries too).
pub(super) fn names_ml_registry(inv: &crate::inventory::Inventory) -> bool {
    inv.jobs.iter().filter_map(|j| j.environment()).chain(inv.online_deployments.iter().filter_map(|d| d.properties.environment_id.as_deref())).any(names_registry)
}

impl Scan {
    /// Lists one subscription's Azure ML registries (`Registries_List`, registries.json
    /// 2024-10-01), once: only when some job or deployment runs a registry's environment, since
    /// whether Resource Graph indexes them was not checked and a list per subscription costs a
    /// request each.
    pub(super) fn plan_ml_registries(&mut self, subscription: &str) {
        let Ok(sub) = ResourceId::subscription(subscription) else { return };
        if self.demand_for.insert(format!("{:?}|{}", ResourceKind::MlRegistry, sub.key())) {
            self.enqueue(Step::List { kind: ResourceKind::MlRegistry, scope: sub.clone() }, request::list_in_subscription(&sub, ResourceKind::MlRegistry));
        }
    }
}

/// A version or job list's page as the scan keeps it: no `nextLink`, at most the setting's
/// number of items, newest first; a job list left with more pages says so. Other pages pass
/// unchanged.
pub(super) fn trim_page(step: &Step, mut page: ListPage<Value>, config: &super::ScanConfig, inv: &crate::inventory::Inventory, diagnostics: &mut Vec<Diagnostic>) -> ListPage<Value> {
    let created = |v: &Value| v.pointer("/systemData/createdAt").and_then(Value::as_str).unwrap_or_default().to_string();
    // ISO 8601 UTC timestamps sort as text; newest first, and a stable order for ties.
    let newest_first = |page: &mut ListPage<Value>| crate::sort::sort_by(&mut page.value, |a, b| created(b).cmp(&created(a)));
    match step {
        Step::List { kind: ResourceKind::EnvironmentVersion, .. } => {
            page.next_link = None;
            newest_first(&mut page);
            page.value.truncate(config.environment_versions);
        }
        // Pages are followed until the setting's number of jobs is read.
        Step::List { kind: ResourceKind::Job, scope } => {
            let read = inv.jobs.iter().filter(|j| j.id.parent().as_ref() == Some(scope)).count();
            let room = config.jobs.saturating_sub(read);
            let more = page.value.len() > room || page.next_link.as_deref().is_some_and(|l| !l.is_empty());
            newest_first(&mut page);
            page.value.truncate(room);
            if read + page.value.len() >= config.jobs && more {
                page.next_link = None;
                diagnostics.push(Diagnostic {
                    at: scope.to_string(),
                    message: format!(
                        "workspace {} has more than {} jobs: the first {} ARM listed were read (Jobs_List 2024-10-01 has no order or $top), so images that its other jobs ran are not checked",
                        scope.name(),
                        config.jobs,
                        config.jobs
                    ),
                });
            }
        }
        _ => {}
    }
    page
}

/// The demand lists a kept inventory already read (for `Scan::resume`): they are not asked
/// for again.
pub(super) fn planned_for(inv: &crate::inventory::Inventory) -> std::collections::HashSet<String> {
    let ws = inv.workspaces.iter().map(|w| format!("{:?}|{}", ResourceKind::EnvironmentContainer, w.id.key()));
    let envs = inv.environments.iter().map(|e| format!("{:?}|{}", ResourceKind::EnvironmentVersion, e.id.key()));
    let eps = inv.online_endpoints.iter().map(|e| format!("{:?}|{}", ResourceKind::OnlineDeployment, e.id.key()));
    let jobs = inv.workspaces.iter().map(|w| format!("{:?}|{}", ResourceKind::Job, w.id.key()));
    let registries = inv.ml_registries.iter().map(|r| format!("{:?}|{}", ResourceKind::RegistryEnvironmentContainer, r.id.key()));
    ws.chain(envs).chain(eps).chain(jobs).chain(registries).collect()
}
