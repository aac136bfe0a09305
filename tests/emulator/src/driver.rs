//! Runs the core's sans-IO [`Scan`] against an ARM origin (and a Microsoft Graph origin, each
//! with its own token) over real HTTP, with the scan's own
//! concurrency limit, backoff and clock (a tokio `Instant`). Used by the benchmark and the
//! emulator's tests.
//!
//! Not here: any discovery logic; this only carries requests and responses and tells the
//! scan the time.

use std::collections::BTreeMap;
use std::time::Duration;

use pullpath_core::executor::TransportError;
use pullpath_core::request::{Method, Request, Response};
use pullpath_core::scan::{Progress, RequestId, Scan, ScanConfig, ScanResult};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::EmulatorError;

/// What a driven scan did.
#[derive(Debug, Clone)]
pub struct DriveReport {
    pub result: ScanResult,
    pub progress: Progress,
    /// HTTP requests sent.
    pub requests: usize,
    /// Answers by status (0: no answer, the connection failed).
    pub by_status: BTreeMap<u16, usize>,
    pub wall: Duration,
    /// The most requests in flight at once.
    pub max_in_flight: usize,
    /// Response body bytes received.
    pub bytes_received: usize,
}

/// Sends one core request to `origin` with the bearer token.
pub async fn send(client: &reqwest::Client, origin: &str, token: &str, req: &Request) -> Result<Response, TransportError> {
    let method = match req.method {
        Method::Get => reqwest::Method::GET,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Post => reqwest::Method::POST,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut builder = client.request(method, req.url(origin)).header("authorization", format!("Bearer {token}"));
    if let Some(body) = &req.body {
        builder = builder.header("content-type", "application/json").body(body.to_string());
    }
    let resp = builder.send().await.map_err(|e| TransportError::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_string())).collect();
    let body = resp.text().await.map_err(|e| TransportError::Network(e.to_string()))?;
    Ok(Response { status, headers, body })
}

/// Drives a scan to the end against `origin` (which must be `config.origin`).
pub async fn run_scan(origin: &str, token: &str, config: ScanConfig) -> Result<DriveReport, EmulatorError> {
    run_scan_with_graph(origin, token, None, config).await
}

/// [`run_scan`], with Microsoft Graph's requests sent to `config.directory_origin` with
/// `graph_token` (and ARM's to `origin` with `token`): each token only to its own service.
pub async fn run_scan_with_graph(origin: &str, token: &str, graph_token: Option<&str>, config: ScanConfig) -> Result<DriveReport, EmulatorError> {
    let graph = match (&config.directory_origin, graph_token) {
        (Some(o), Some(t)) => Some((o.clone(), t.to_string())),
        (Some(_), None) => return Err(EmulatorError::Driver("the scan reads Microsoft Graph but no Graph token was given".into())),
        _ => None,
    };
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().map_err(|e| EmulatorError::Driver(e.to_string()))?;
    let start = Instant::now();
    let mut scan = Scan::with_config(config);
    let mut tasks: JoinSet<(RequestId, Result<Response, TransportError>)> = JoinSet::new();
    let mut report = DriveReport { result: ScanResult::default(), progress: Progress::default(), requests: 0, by_status: BTreeMap::new(), wall: Duration::ZERO, max_in_flight: 0, bytes_received: 0 };
    loop {
        scan.handle_timeout(start.elapsed());
        while let Some((id, req)) = scan.poll_request(start.elapsed()) {
            report.requests += 1;
            let (origin, token) = match (&graph, pullpath_core::directory_request::is_graph(&req)) {
                (Some((o, t)), true) => (o.clone(), t.clone()),
                _ => (origin.to_string(), token.to_string()),
            };
            let client = client.clone();
            tasks.spawn(async move { (id, send(&client, &origin, &token, &req).await) });
        }
        report.max_in_flight = report.max_in_flight.max(tasks.len());
        if scan.is_done() {
            break;
        }
        let wake = scan.poll_timeout();
        if tasks.is_empty() && wake.is_none() {
            return Err(EmulatorError::Driver("the scan is waiting for nothing; this is a bug in the scan".into()));
        }
        tokio::select! {
            Some(joined) = tasks.join_next() => {
                let (id, outcome) = joined.map_err(|e| EmulatorError::Driver(e.to_string()))?;
                *report.by_status.entry(outcome.as_ref().map(|r| r.status).unwrap_or(0)).or_default() += 1;
                report.bytes_received += outcome.as_ref().map(|r| r.body.len()).unwrap_or(0);
                scan.handle_response(start.elapsed(), id, outcome);
            }
            _ = tokio::time::sleep_until(start + wake.unwrap_or_default()), if wake.is_some() => {}
        }
    }
    report.wall = start.elapsed();
    report.progress = scan.progress();
    report.result = scan.into_result();
    Ok(report)
}
