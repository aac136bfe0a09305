//! What the scan reads of the images workloads pull (issue #18): each workspace's
//! environments, the newest [`ScanConfig::environment_versions`](super::ScanConfig) versions
//! of each, each workspace's jobs ([`ScanConfig::jobs`](super::ScanConfig)), and each online
//! endpoint's deployments — listed the same way on both strategies (whether Resource Graph's
//! tables index them was not checked, so it is not asked).
//!
//! A version list is one request (`$orderBy=createdtime desc&$top=N`), never paged: older
//! versions are what the setting leaves out, so a `nextLink` on it is not followed and the
//! page is cut to the newest N by `systemData.createdAt`, whatever order ARM answered in.
//!
//! A job list is one request too. The 2024-10-01 `Jobs_List` has neither `$top` nor an
//! order (only `$skipToken`, `jobType`, `tag`, `listViewType` and `properties`), and a busy
//! workspace has thousands of jobs, so the scan reads the first page ARM answers (active
//! jobs: `listViewType` defaults to `ActiveOnly`), keeps its newest N by
//! `systemData.createdAt`, and says when more pages were left unread.
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
            Some(ResourceKind::EnvironmentContainer) if self.config.environment_versions > 0 => {
                lists.push((ResourceKind::EnvironmentVersion, request::list_environment_versions(id, self.config.environment_versions)));
            }
            Some(ResourceKind::OnlineEndpoint) => lists.push((ResourceKind::OnlineDeployment, request::list_children(id, ResourceKind::OnlineDeployment))),
            _ => {}
        }
        for (child, req) in lists {
            if self.demand_for.insert(format!("{:?}|{}", child, id.key())) {
                self.enqueue(Step::List { kind: child, scope: id.clone() }, req);
            }
        }
    }
}

/// A version or job list's page as the scan keeps it: no `nextLink`, at most the setting's
/// number of items, newest first; a job list left with more pages says so. Other pages pass
/// unchanged.
pub(super) fn trim_page(step: &Step, mut page: ListPage<Value>, config: &super::ScanConfig, diagnostics: &mut Vec<Diagnostic>) -> ListPage<Value> {
    let top = match step {
        Step::List { kind: ResourceKind::EnvironmentVersion, .. } => config.environment_versions,
        Step::List { kind: ResourceKind::Job, scope } => {
            if page.next_link.as_deref().is_some_and(|l| !l.is_empty()) {
                diagnostics.push(Diagnostic {
                    at: scope.to_string(),
                    message: format!(
                        "workspace {} lists more jobs than one page: only the newest {} of the first page were read (Jobs_List 2024-10-01 has no order or $top), so images that older jobs ran are not checked",
                        scope.name(),
                        config.jobs.min(page.value.len())
                    ),
                });
            }
            config.jobs
        }
        _ => return page,
    };
    page.next_link = None;
    let created = |v: &Value| v.pointer("/systemData/createdAt").and_then(Value::as_str).unwrap_or_default().to_string();
    // ISO 8601 UTC timestamps sort as text; newest first, and a stable order for ties.
    crate::sort::sort_by(&mut page.value, |a, b| created(b).cmp(&created(a)));
    page.value.truncate(top);
    page
}

/// The demand lists a kept inventory already read (for `Scan::resume`): they are not asked
/// for again.
pub(super) fn planned_for(inv: &crate::inventory::Inventory) -> std::collections::HashSet<String> {
    let ws = inv.workspaces.iter().map(|w| format!("{:?}|{}", ResourceKind::EnvironmentContainer, w.id.key()));
    let envs = inv.environments.iter().map(|e| format!("{:?}|{}", ResourceKind::EnvironmentVersion, e.id.key()));
    let eps = inv.online_endpoints.iter().map(|e| format!("{:?}|{}", ResourceKind::OnlineDeployment, e.id.key()));
    let jobs = inv.workspaces.iter().map(|w| format!("{:?}|{}", ResourceKind::Job, w.id.key()));
    ws.chain(envs).chain(eps).chain(jobs).collect()
}
