//! Discovery of a tenant's inventory as a sans-IO state machine.
//!
//! The scan hands out requests ([`Scan::poll_request`]) and takes responses
//! ([`Scan::handle_response`]); the host sends them with whatever executor it has. It never
//! blocks, sleeps or reads a clock. This is the per-provider list strategy: subscriptions,
//! then one list per resource type per subscription, then computes and connections per
//! workspace, following `nextLink` only on the configured ARM origin.
//!
//! Not here: sending requests, tokens, retries on the wire (the host's executor).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::{ErrorResponse, ListPage};
use crate::executor::TransportError;
use crate::id::ResourceId;
use crate::inventory::{Diagnostic, Inventory};
use crate::request::{self, Request, ResourceKind, Response};

/// Identifies one request handed out by the scan.
pub type RequestId = u64;

/// A scope the scan could not read, and why (shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub scope: String,
    pub what: String,
    pub reason: String,
}

/// Counters for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub requests_done: usize,
    pub requests_planned: usize,
    pub items_found: usize,
}

/// What the scan found.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ScanResult {
    pub subscriptions: Vec<String>,
    pub inventory: Inventory,
    pub skipped: Vec<Skipped>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
enum Step {
    Subscriptions,
    List { kind: ResourceKind, scope: ResourceId },
}

#[derive(Debug)]
pub struct Scan {
    origin: String,
    queue: VecDeque<(Step, Request)>,
    in_flight: BTreeMap<RequestId, (Step, Request)>,
    next_id: RequestId,
    progress: Progress,
    result: ScanResult,
}

/// Where the scan starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Every subscription the caller can see.
    AllSubscriptions,
    /// Only these subscription ids.
    Subscriptions(Vec<String>),
}

/// Resource types listed once per subscription.
const PER_SUBSCRIPTION: [ResourceKind; 6] = [
    ResourceKind::Registry,
    ResourceKind::Workspace,
    ResourceKind::ManagedCluster,
    ResourceKind::UserAssignedIdentity,
    ResourceKind::RoleAssignment,
    ResourceKind::RoleDefinition,
];

impl Scan {
    /// `origin` is the ARM origin (`https://management.azure.com`) that `nextLink`s must point at.
    pub fn new(origin: &str, start: Start) -> Scan {
        let mut scan = Scan {
            origin: origin.trim_end_matches('/').to_string(),
            queue: VecDeque::new(),
            in_flight: BTreeMap::new(),
            next_id: 0,
            progress: Progress::default(),
            result: ScanResult::default(),
        };
        match start {
            Start::AllSubscriptions => scan.enqueue(Step::Subscriptions, request::list_subscriptions()),
            Start::Subscriptions(subs) => {
                for s in subs {
                    scan.add_subscription(&s);
                }
            }
        }
        scan
    }

    fn enqueue(&mut self, step: Step, req: Request) {
        self.progress.requests_planned += 1;
        self.queue.push_back((step, req));
    }

    fn add_subscription(&mut self, sub: &str) {
        let id = match ResourceId::subscription(sub) {
            Ok(id) => id,
            Err(e) => {
                self.result.diagnostics.push(Diagnostic { at: sub.into(), message: e.to_string() });
                return;
            }
        };
        self.result.subscriptions.push(sub.to_string());
        for kind in PER_SUBSCRIPTION {
            self.enqueue(Step::List { kind, scope: id.clone() }, request::list_in_subscription(&id, kind));
        }
    }

    /// The next request to send, if any is ready.
    pub fn poll_request(&mut self) -> Option<(RequestId, Request)> {
        let (step, req) = self.queue.pop_front()?;
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(id, (step, req.clone()));
        Some((id, req))
    }

    /// Feeds the outcome of request `id`.
    pub fn handle_response(&mut self, id: RequestId, outcome: Result<Response, TransportError>) {
        let Some((step, req)) = self.in_flight.remove(&id) else { return };
        self.progress.requests_done += 1;
        let scope = match &step {
            Step::Subscriptions => "/".to_string(),
            Step::List { scope, .. } => scope.to_string(),
        };
        let what = match &step {
            Step::Subscriptions => "subscriptions".to_string(),
            Step::List { kind, .. } => kind.type_name(),
        };
        let resp = match outcome {
            Ok(r) => r,
            Err(e) => {
                self.result.skipped.push(Skipped { scope, what, reason: e.to_string() });
                return;
            }
        };
        if !resp.is_success() {
            let msg = serde_json::from_str::<ErrorResponse>(&resp.body).map(|e| format!("{}: {}", e.error.code, e.error.message)).unwrap_or_else(|_| format!("HTTP {}", resp.status));
            self.result.skipped.push(Skipped { scope, what, reason: msg });
            return;
        }
        let page: ListPage<Value> = match serde_json::from_str(&resp.body) {
            Ok(p) => p,
            Err(e) => {
                self.result.diagnostics.push(Diagnostic { at: req.path.clone(), message: format!("the response is not an ARM list: {e}") });
                return;
            }
        };
        if let Some(next) = page.next_link.as_deref() {
            self.follow(step.clone(), next, &req);
        }
        match step {
            Step::Subscriptions => {
                for v in page.value {
                    if let Some(s) = v.get("subscriptionId").and_then(Value::as_str) {
                        self.add_subscription(s);
                    }
                }
            }
            Step::List { kind, .. } => {
                for v in page.value {
                    if kind == ResourceKind::Workspace {
                        if let Some(ws) = v.get("id").and_then(Value::as_str).and_then(|s| ResourceId::parse(s).ok()) {
                            for child in [ResourceKind::Compute, ResourceKind::Connection] {
                                self.enqueue(Step::List { kind: child, scope: ws.clone() }, request::list_children(&ws, child));
                            }
                        }
                    }
                    match self.result.inventory.add(v) {
                        Ok(true) => self.progress.items_found += 1,
                        Ok(false) => {}
                        Err(d) => self.result.diagnostics.push(d),
                    }
                }
            }
        }
    }

    /// Queues the next page, but only on the ARM origin: a `nextLink` elsewhere would carry the
    /// user's token to a foreign host.
    fn follow(&mut self, step: Step, next: &str, req: &Request) {
        let Some(rest) = next.strip_prefix(&self.origin).filter(|r| r.starts_with('/')) else {
            self.result.skipped.push(Skipped {
                scope: req.path.clone(),
                what: "next page".into(),
                reason: format!("nextLink {next:?} does not point at {}; not followed", self.origin),
            });
            return;
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        self.enqueue(step, request::next_page(&decode(path), query));
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// True when nothing is queued or in flight.
    pub fn is_done(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty()
    }

    pub fn result(&self) -> &ScanResult {
        &self.result
    }

    pub fn into_result(self) -> ScanResult {
        self.result
    }
}

/// Percent-decoding for nextLink parts.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Sim, DEFAULT_ORIGIN};

    fn drive(scan: &mut Scan, sim: &mut Sim) {
        while let Some((id, req)) = scan.poll_request() {
            let resp = sim.handle(&req);
            scan.handle_response(id, Ok(resp));
        }
    }

    #[test]
    fn scans_the_demo_tenant_with_paging() {
        let mut sim = Sim::demo();
        sim.page_size = 2;
        let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
        drive(&mut scan, &mut sim);
        assert!(scan.is_done());
        let r = scan.into_result();
        assert_eq!(r.subscriptions.len(), 1);
        assert_eq!(r.inventory.registries.len(), 3);
        assert_eq!(r.inventory.workspaces.len(), 1);
        assert_eq!(r.inventory.computes.len(), 4);
        assert_eq!(r.inventory.connections.len(), 1);
        assert_eq!(r.inventory.managed_clusters.len(), 1);
        assert_eq!(r.inventory.identities.len(), 1);
        assert_eq!(r.inventory.role_assignments.len(), 8);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    }

    #[test]
    fn foreign_next_link_is_not_followed() {
        let mut sim = Sim::demo();
        sim.page_size = 1;
        sim.origin = "https://evil.example".into();
        let mut scan = Scan::new(DEFAULT_ORIGIN, Start::Subscriptions(vec!["11111111-1111-1111-1111-111111111111".into()]));
        let mut sent = Vec::new();
        while let Some((id, req)) = scan.poll_request() {
            sent.push(req.url(DEFAULT_ORIGIN));
            let resp = sim.handle(&req);
            scan.handle_response(id, Ok(resp));
        }
        assert!(sent.iter().all(|u| u.starts_with(DEFAULT_ORIGIN)));
        assert!(scan.result().skipped.iter().any(|s| s.reason.contains("evil.example")));
    }
}
