//! ARM's throttling: token buckets per principal and subscription (or tenant) for reads and
//! writes, and Resource Graph's per-principal quota window, with the headers each sends; and
//! Microsoft Graph's: a per-principal quota window over its requests, each `$batch` item
//! counted, answered with 429 and `Retry-After` ("When a throttling threshold is exceeded,
//! Microsoft Graph: Limits any further requests from that client app for some time. Returns
//! HTTP status code 429 Too Many Requests and the requests fail. Returns a suggested wait time
//! in the response header of the failed request.", https://learn.microsoft.com/graph/throttling).
//! Graph publishes no figure for directory reads that this model could copy: the quota and its
//! window are the emulator's flags, off by default.
//!
//! Time is passed in (`now` since the server started), so this module is tested without
//! sleeping. Not here: answering the request (`server`).

use std::collections::BTreeMap;
use std::time::Duration;

use pullpath_core::request::{Method, Request};

use crate::auth::Principal;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub read_bucket: u32,
    pub read_refill: u32,
    pub write_bucket: u32,
    pub write_refill: u32,
    /// Resource Graph queries per window; 0 turns the quota off.
    pub graph_quota: u32,
    pub graph_window: Duration,
    /// Microsoft Graph requests (each `$batch` item) per window; 0 turns the quota off.
    pub directory_quota: u32,
    pub directory_window: Duration,
}

/// What the throttle decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead; add these headers to the response.
    Allow(Vec<(String, String)>),
    /// 429 with this error code, message, `Retry-After` (seconds) and headers.
    Throttle { code: &'static str, message: String, retry_after: u64, headers: Vec<(String, String)> },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Subscription(String),
    Tenant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Read,
    Write,
}

#[derive(Debug, Default)]
pub struct Throttle {
    buckets: BTreeMap<(Principal, Scope, Op), (f64, Duration)>,
    /// Per principal: queries used in the current window and when it started.
    graph: BTreeMap<Principal, (u32, Duration)>,
    /// Per principal: Microsoft Graph requests in the current window and when it started.
    directory: BTreeMap<Principal, (u32, Duration)>,
}

impl Throttle {
    pub fn check(&mut self, limits: &Limits, who: &Principal, req: &Request, now: Duration) -> Verdict {
        if req.method == Method::Post && req.path.to_ascii_lowercase().starts_with("/providers/microsoft.resourcegraph/") {
            return self.graph(limits, who, now);
        }
        let mut segs = req.path.split('/').filter(|s| !s.is_empty());
        let scope = match (segs.next(), segs.next()) {
            (Some(s), Some(id)) if s.eq_ignore_ascii_case("subscriptions") => Scope::Subscription(id.to_ascii_lowercase()),
            _ => Scope::Tenant,
        };
        let op = if req.method == Method::Get { Op::Read } else { Op::Write };
        let (size, refill) = match op {
            Op::Read => (limits.read_bucket, limits.read_refill),
            Op::Write => (limits.write_bucket, limits.write_refill),
        };
        let (size, refill) = (f64::from(size.max(1)), f64::from(refill.max(1)));
        let (tokens, at) = self.buckets.entry((who.clone(), scope.clone(), op)).or_insert((size, now));
        *tokens = (*tokens + now.saturating_sub(*at).as_secs_f64() * refill).min(size);
        *at = now;
        let header = format!(
            "x-ms-ratelimit-remaining-{}-{}",
            if matches!(scope, Scope::Tenant) { "tenant" } else { "subscription" },
            if op == Op::Read { "reads" } else { "writes" }
        );
        if *tokens < 1.0 {
            let retry_after = ((1.0 - *tokens) / refill).ceil().max(1.0) as u64;
            let (code, what) = match &scope {
                Scope::Subscription(s) => ("SubscriptionRequestsThrottled", format!("subscription '{s}'")),
                Scope::Tenant => ("TenantRequestsThrottled", "tenant".to_string()),
            };
            let kind = if op == Op::Read { "read" } else { "write" };
            return Verdict::Throttle {
                code,
                message: format!("Number of '{kind}' requests for {what} actor '{}' exceeded. Please try again after '{retry_after}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.", who.0),
                retry_after,
                headers: vec![(header, "0".into())],
            };
        }
        *tokens -= 1.0;
        Verdict::Allow(vec![(header, format!("{}", tokens.floor() as u64))])
    }

    /// One Microsoft Graph request (or `$batch` item): `None` to go ahead, or the seconds
    /// until the principal's window ends, for `Retry-After`.
    pub fn directory(&mut self, limits: &Limits, who: &Principal, now: Duration) -> Option<u64> {
        if limits.directory_quota == 0 {
            return None;
        }
        let (used, start) = self.directory.entry(who.clone()).or_insert((0, now));
        if now >= *start + limits.directory_window {
            *used = 0;
            *start = now;
        }
        if *used >= limits.directory_quota {
            return Some((*start + limits.directory_window).saturating_sub(now).as_secs_f64().ceil().max(1.0) as u64);
        }
        *used += 1;
        None
    }

    fn graph(&mut self, limits: &Limits, who: &Principal, now: Duration) -> Verdict {
        if limits.graph_quota == 0 {
            return Verdict::Allow(Vec::new());
        }
        let (used, start) = self.graph.entry(who.clone()).or_insert((0, now));
        if now >= *start + limits.graph_window {
            *used = 0;
            *start = now;
        }
        let resets = (*start + limits.graph_window).saturating_sub(now);
        let headers = |remaining: u32| vec![("x-ms-user-quota-remaining".to_string(), remaining.to_string()), ("x-ms-user-quota-resets-after".to_string(), hms(resets))];
        if *used >= limits.graph_quota {
            return Verdict::Throttle {
                code: "RateLimiting",
                message: "Please provide below info when asking for support: timestamp = 2026-01-01T00:00:00.0000000Z, correlationId = 00000000-0000-0000-0000-000000000000. Details: Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.".into(),
                retry_after: resets.as_secs_f64().ceil().max(1.0) as u64,
                headers: headers(0),
            };
        }
        *used += 1;
        Verdict::Allow(headers(limits.graph_quota - *used))
    }
}

/// `hh:mm:ss`, rounded up to whole seconds as Resource Graph writes it.
fn hms(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { read_bucket: 3, read_refill: 1, write_bucket: 2, write_refill: 1, graph_quota: 2, graph_window: Duration::from_secs(5), directory_quota: 2, directory_window: Duration::from_secs(10) }
    }

    fn get(path: &str) -> Request {
        Request { method: Method::Get, path: path.into(), query: vec![], body: None }
    }

    #[test]
    fn read_bucket_per_subscription_and_principal_refills() {
        let mut t = Throttle::default();
        let alice = Principal("alice".into());
        let bob = Principal("bob".into());
        let a = get("/subscriptions/A/providers/x/y");
        let remaining: Vec<Verdict> = (0..3).map(|_| t.check(&limits(), &alice, &a, Duration::ZERO)).collect();
        assert_eq!(remaining[2], Verdict::Allow(vec![("x-ms-ratelimit-remaining-subscription-reads".into(), "0".into())]));
        assert!(matches!(t.check(&limits(), &alice, &a, Duration::ZERO), Verdict::Throttle { code: "SubscriptionRequestsThrottled", retry_after: 1, .. }));
        // Another principal, another subscription and the tenant have their own buckets.
        assert!(matches!(t.check(&limits(), &bob, &a, Duration::ZERO), Verdict::Allow(_)));
        assert!(matches!(t.check(&limits(), &alice, &get("/subscriptions/B"), Duration::ZERO), Verdict::Allow(_)));
        assert!(matches!(t.check(&limits(), &alice, &get("/subscriptions"), Duration::ZERO), Verdict::Allow(h) if h[0].0 == "x-ms-ratelimit-remaining-tenant-reads"));
        assert!(matches!(t.check(&limits(), &alice, &a, Duration::from_secs(1)), Verdict::Allow(_)));
    }

    #[test]
    fn directory_quota_window_per_principal() {
        let mut t = Throttle::default();
        let (a, b) = (Principal("a".into()), Principal("b".into()));
        assert_eq!(t.directory(&limits(), &a, Duration::ZERO), None);
        assert_eq!(t.directory(&limits(), &a, Duration::from_secs(1)), None);
        assert_eq!(t.directory(&limits(), &a, Duration::from_millis(3500)), Some(7));
        assert_eq!(t.directory(&limits(), &b, Duration::from_secs(4)), None);
        assert_eq!(t.directory(&limits(), &a, Duration::from_secs(10)), None);
        let off = Limits { directory_quota: 0, ..limits() };
        assert!((0..10).all(|_| t.directory(&off, &a, Duration::from_secs(10)).is_none()));
    }

    #[test]
    fn graph_quota_window() {
        let mut t = Throttle::default();
        let who = Principal("p".into());
        let q = Request { method: Method::Post, path: "/providers/Microsoft.ResourceGraph/resources".into(), query: vec![], body: None };
        let first = t.check(&limits(), &who, &q, Duration::ZERO);
        assert_eq!(first, Verdict::Allow(vec![("x-ms-user-quota-remaining".into(), "1".into()), ("x-ms-user-quota-resets-after".into(), "00:00:05".into())]));
        t.check(&limits(), &who, &q, Duration::from_secs(1));
        assert!(matches!(t.check(&limits(), &who, &q, Duration::from_secs(2)), Verdict::Throttle { code: "RateLimiting", retry_after: 3, .. }));
        assert!(matches!(t.check(&limits(), &who, &q, Duration::from_secs(5)), Verdict::Allow(_)));
    }
}
