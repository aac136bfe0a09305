//! What the scan reads of the images workloads pull (issue #18): each workspace's
//! environments, the newest [`ScanConfig::environment_versions`](super::ScanConfig) versions
//! of each, and each online endpoint's deployments — listed the same way on both strategies
//! (whether Resource Graph's tables index them was not checked, so it is not asked).
//!
//! A version list is one request (`$orderBy=createdtime desc&$top=N`), never paged: older
//! versions are what the setting leaves out, so a `nextLink` on it is not followed and the
//! page is cut to the newest N by `systemData.createdAt`, whatever order ARM answered in.
//!
//! Not here: judging the pulls (`demand`).

use serde_json::Value;

use super::{Scan, Step};
use crate::arm::ListPage;
use crate::id::ResourceId;
use crate::request::{self, ResourceKind};

impl Scan {
    /// Plans the demand lists a newly found resource leads to, once per resource.
    pub(super) fn plan_demand(&mut self, id: &ResourceId, kind: Option<ResourceKind>) {
        let (child, req) = match kind {
            Some(ResourceKind::Workspace) => (ResourceKind::EnvironmentContainer, request::list_children(id, ResourceKind::EnvironmentContainer)),
            Some(ResourceKind::EnvironmentContainer) if self.config.environment_versions > 0 => {
                (ResourceKind::EnvironmentVersion, request::list_environment_versions(id, self.config.environment_versions))
            }
            Some(ResourceKind::OnlineEndpoint) => (ResourceKind::OnlineDeployment, request::list_children(id, ResourceKind::OnlineDeployment)),
            _ => return,
        };
        if self.demand_for.insert(format!("{:?}|{}", child, id.key())) {
            self.enqueue(Step::List { kind: child, scope: id.clone() }, req);
        }
    }
}

/// A version list's page as the scan keeps it: no `nextLink`, at most `top` versions, newest
/// first. Other pages pass unchanged.
pub(super) fn trim_page(step: &Step, mut page: ListPage<Value>, top: usize) -> ListPage<Value> {
    if !matches!(step, Step::List { kind: ResourceKind::EnvironmentVersion, .. }) {
        return page;
    }
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
    ws.chain(envs).chain(eps).collect()
}
