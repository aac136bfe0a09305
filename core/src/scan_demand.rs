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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::scan::{Scan, ScanConfig, Start, Strategy};
    use crate::sim::{generate, Sim, DEFAULT_ORIGIN};

    fn scan(strategy: Strategy, versions: usize, page_size: usize) -> crate::scan::ScanResult {
        let mut sim = Sim::generated(&generate::TenantSpec::small(5));
        sim.page_size = page_size;
        let mut config = ScanConfig::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        config.strategy = strategy;
        config.environment_versions = versions;
        let mut scan = Scan::with_config(config);
        while let Some((id, req)) = scan.poll_request(Duration::ZERO) {
            let resp = sim.handle(&req);
            scan.handle_response(Duration::ZERO, id, Ok(resp));
        }
        assert!(scan.is_done());
        scan.into_result()
    }

    /// Both strategies read every environment, only its newest versions (the setting), and
    /// every endpoint's deployments; a version list's `nextLink` is not a page left unread.
    #[test]
    fn reads_the_newest_versions_and_every_deployment_on_both_strategies() {
        for strategy in [Strategy::ResourceGraph, Strategy::PerProvider] {
            let r = scan(strategy, 3, 2);
            let inv = &r.inventory;
            let workspaces_with_endpoints = inv.online_endpoints.len();
            assert!(workspaces_with_endpoints > 0, "{strategy:?}");
            assert_eq!(inv.environments.len(), 2 * workspaces_with_endpoints, "{strategy:?}");
            assert_eq!(inv.environment_versions.len(), 3 * inv.environments.len(), "{strategy:?}");
            let mut names: Vec<&str> = inv.environment_versions.iter().map(|v| v.id.name()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names, ["3", "4", "5"], "{strategy:?}: the newest three of five");
            assert_eq!(inv.online_deployments.len(), workspaces_with_endpoints, "{strategy:?}");
            assert!(r.skipped.is_empty(), "{strategy:?}: {:?}", r.skipped);
        }
        assert!(scan(Strategy::ResourceGraph, 0, 100).inventory.environment_versions.is_empty(), "0 reads no versions");
        assert_eq!(scan(Strategy::PerProvider, 10, 100).inventory.environment_versions.len(), 20, "more than there are reads them all");
    }
}
