//! An in-memory Azure Resource Manager: serves the demo tenant and the tests.
//!
//! It replaces only the transport: requests built by `request` come in, ARM-shaped responses
//! (status codes, list envelopes with `nextLink`, error envelopes) go out, and everything
//! above runs unchanged. It is deterministic: no clock, no randomness.
//!
//! Non-goals: it does not check tokens (the loopback emulator in `tests/emulator` does), and
//! answers operations it does not implement with ARM's own `NoRegisteredProviderFound`-style
//! 400 error rather than pretending to succeed.

pub mod faults;
mod writes;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::arm::ErrorResponse;
use crate::executor::{Executor, TransportError};
use crate::id::{ResourceId, ScopeLevel};
use crate::request::{Method, Request, Response};

/// The demo tenant: one subscription with an ML workspace and its registry, compute clusters,
/// a private base-image registry, an ABAC registry, an AKS cluster and a user-assigned identity.
pub const DEMO_TENANT: &str = include_str!("demo.json");

/// Default ARM origin the simulator writes into `nextLink`s.
pub const DEFAULT_ORIGIN: &str = "https://management.azure.com";

#[derive(Debug, Clone)]
pub struct Sim {
    resources: BTreeMap<ResourceId, Value>,
    /// Origin used in `nextLink`s, so paging can be followed through the same executor.
    pub origin: String,
    /// Items per list page; small values exercise paging.
    pub page_size: usize,
}

impl Sim {
    /// A simulator holding the resources of a snapshot document (`{"resources": [...]}`).
    pub fn from_resources(resources: impl IntoIterator<Item = Value>) -> Sim {
        let mut map = BTreeMap::new();
        for r in resources {
            if let Some(id) = r.get("id").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()) {
                map.insert(id, r);
            }
        }
        Sim { resources: map, origin: DEFAULT_ORIGIN.into(), page_size: 100 }
    }

    /// The demo tenant.
    pub fn demo() -> Sim {
        let doc: Value = serde_json::from_str(DEMO_TENANT).unwrap_or(Value::Null);
        let items = doc.get("resources").and_then(Value::as_array).cloned().unwrap_or_default();
        Sim::from_resources(items)
    }

    /// Every resource, in id order.
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        self.resources.values()
    }

    /// Subscriptions are implied by the resources they hold.
    fn subscriptions(&self) -> Vec<String> {
        let mut subs: Vec<String> = self.resources.keys().filter_map(|id| id.subscription_id().map(str::to_string)).collect();
        subs.sort_by_key(|s| s.to_lowercase());
        subs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        subs
    }

    /// Serves one request.
    pub fn handle(&mut self, req: &Request) -> Response {
        // Long-running operations' status monitors live with the writes that start them.
        if let Some(status) = self.operation_status(req) {
            return status;
        }
        match req.method {
            Method::Get => self.get(req),
            Method::Put => self.put(req),
            Method::Patch => self.patch(req),
            Method::Delete => self.delete(req),
            Method::Post => not_supported(req),
        }
    }

    fn get(&self, req: &Request) -> Response {
        if req.path.eq_ignore_ascii_case("/subscriptions") {
            let items: Vec<Value> = self
                .subscriptions()
                .into_iter()
                .map(|s| json!({"id": format!("/subscriptions/{s}"), "subscriptionId": s, "displayName": format!("Subscription {s}"), "state": "Enabled", "tenantId": DEMO_TENANT_ID}))
                .collect();
            return self.page(req, items);
        }
        if let Some((scope, ty)) = collection(&req.path) {
            let items = self.list(&scope, &ty);
            return self.page(req, items);
        }
        match ResourceId::parse(&req.path) {
            Ok(id) if id.level() == ScopeLevel::Subscription && self.subscriptions().iter().any(|s| s.eq_ignore_ascii_case(id.name())) => {
                Response::json(200, &json!({"id": id.as_str(), "subscriptionId": id.name(), "displayName": format!("Subscription {}", id.name()), "state": "Enabled"}))
            }
            Ok(id) => match self.resources.get(&id) {
                Some(v) => Response::json(200, v),
                None => not_found(&id),
            },
            Err(e) => Response::json(400, &ErrorResponse::new("InvalidResourceId", e.to_string())),
        }
    }

    /// Resources of type `ty` in `scope`. Role assignments follow ARM: those at, above and
    /// below the scope.
    fn list(&self, scope: &ResourceId, ty: &str) -> Vec<Value> {
        let is_ra = ty.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments");
        self.resources
            .iter()
            .filter(|(id, _)| id.is_type(ty))
            .filter(|(id, v)| {
                if is_ra {
                    let at = v.pointer("/properties/scope").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()).or_else(|| id.scope());
                    at.is_some_and(|at| at.contains(scope) || scope.contains(&at))
                } else {
                    id.parent().is_some_and(|p| scope.contains(&p))
                }
            })
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn page(&self, req: &Request, items: Vec<Value>) -> Response {
        let skip: usize = req.query.iter().find(|(k, _)| k == "$skiptoken").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let end = (skip + self.page_size).min(items.len());
        let value: Vec<Value> = items.get(skip..end).map(<[Value]>::to_vec).unwrap_or_default();
        let mut body = json!({ "value": value });
        if end < items.len() {
            let mut next = req.clone();
            next.query.retain(|(k, _)| k != "$skiptoken");
            next.query.push(("$skiptoken".into(), end.to_string()));
            body["nextLink"] = json!(next.url(&self.origin));
        }
        Response::json(200, &body)
    }
}

/// Tenant id the demo's subscriptions report.
pub const DEMO_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// A list path: `{scope}/providers/{ns}/{type}` or `{resource}/{childType}`; returns the
/// scope to list in and the full resource type.
fn collection(path: &str) -> Option<(ResourceId, String)> {
    let trimmed = path.trim_end_matches('/');
    let (head, last) = trimmed.rsplit_once('/')?;
    if ResourceId::parse(trimmed).is_ok() {
        return None;
    }
    if let Some((scope, ns)) = head.rsplit_once('/').and_then(|(h, ns)| h.rsplit_once('/').filter(|(_, p)| p.eq_ignore_ascii_case("providers")).map(|(scope, _)| (scope, ns))) {
        let scope = if scope.is_empty() { ResourceId::tenant() } else { ResourceId::parse(scope).ok()? };
        return Some((scope, format!("{ns}/{last}")));
    }
    let parent = ResourceId::parse(head).ok()?;
    parent.namespace()?;
    Some((parent.clone(), format!("{}/{last}", parent.resource_type())))
}

pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

pub(crate) fn not_found(id: &ResourceId) -> Response {
    Response::json(
        404,
        &ErrorResponse::new("ResourceNotFound", format!("The Resource '{}' under resource group '{}' was not found.", id.resource_type() + "/" + id.name(), id.resource_group_name().unwrap_or(""))),
    )
}

pub(crate) fn not_supported(req: &Request) -> Response {
    Response::json(400, &ErrorResponse::new("UnsupportedOperation", format!("The simulator does not implement {} {}.", req.method.as_str(), req.path)))
}

/// The simulator behind the executor interface, for hosts that share one simulated tenant.
#[derive(Debug, Clone)]
pub struct SimExecutor {
    pub sim: std::rc::Rc<std::cell::RefCell<Sim>>,
}

impl SimExecutor {
    pub fn new(sim: Sim) -> SimExecutor {
        SimExecutor { sim: std::rc::Rc::new(std::cell::RefCell::new(sim)) }
    }
}

impl Executor for SimExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        Ok(self.sim.borrow_mut().handle(&request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{self, ResourceKind};

    #[test]
    fn demo_lists_registries_with_paging() {
        let mut sim = Sim::demo();
        sim.page_size = 2;
        let sub = ResourceId::subscription("11111111-1111-1111-1111-111111111111").unwrap();
        let first = sim.handle(&request::list_in_subscription(&sub, ResourceKind::Registry));
        assert_eq!(first.status, 200);
        let page: Value = serde_json::from_str(&first.body).unwrap();
        assert_eq!(page["value"].as_array().unwrap().len(), 2);
        let next = page["nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://management.azure.com/subscriptions/"), "{next}");
    }

    #[test]
    fn unknown_resource_is_arm_404() {
        let mut sim = Sim::demo();
        let id = ResourceId::parse("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x/providers/Microsoft.ContainerRegistry/registries/nope").unwrap();
        let r = sim.handle(&request::get(&id).unwrap());
        assert_eq!(r.status, 404);
        assert!(r.body.contains("ResourceNotFound"));
    }
}
