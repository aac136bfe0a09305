//! The HTTP server: every request goes CORS → token → api-version → throttle → latency →
//! faults → simulator (a Microsoft Graph `$batch`: each item throttled, faulted and answered
//! on its own), and comes back with ARM's headers (`x-ms-request-id`,
//! `x-ms-ratelimit-remaining-*`, `Retry-After`, `Azure-AsyncOperation`, `Location`) and
//! CORS headers. Every request is logged.
//!
//! Not here: answering ARM operations (`pullpath_sim`), token checks (`auth`), bucket
//! arithmetic (`throttle`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::Router;
use pullpath_core::arm::ErrorResponse;
use pullpath_core::executor::TransportError;
use pullpath_core::id::ResourceId;
use pullpath_core::{directory_request, percent};
use pullpath_core::request::{Method, Request, Response};
use pullpath_sim::faults::Faults;
use pullpath_sim::generate::TenantSpec;
use pullpath_sim::{batch_answer, batch_items, DirectoryAccess, GraphAccess, Sim};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::auth::{Principal, Service, Verifier};
use crate::throttle::{Limits, Throttle, Verdict};
use crate::{Config, EmulatorError};

/// Headers a browser script may read from ARM's responses.
const EXPOSED: &str = "x-ms-request-id, x-ms-correlation-request-id, x-ms-ratelimit-remaining-subscription-reads, x-ms-ratelimit-remaining-subscription-writes, x-ms-ratelimit-remaining-tenant-reads, x-ms-ratelimit-remaining-tenant-writes, x-ms-user-quota-remaining, x-ms-user-quota-resets-after, Retry-After, Azure-AsyncOperation, Location";
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, x-ms-client-request-id, x-ms-return-client-request-id";
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One line of the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub method: String,
    /// Path and query as received.
    pub target: String,
    pub status: u16,
    pub principal: Option<String>,
    /// What happened besides the simulator answering: `throttled`, `fault`, `reset`, ...
    pub note: String,
}

pub struct AppState {
    sim: Mutex<Sim>,
    faults: Mutex<Faults>,
    throttle: Mutex<Throttle>,
    limits: Option<Limits>,
    verifier: Verifier,
    latency: Duration,
    started: Instant,
    quiet: bool,
    counter: AtomicU64,
    log: Mutex<Vec<LogEntry>>,
}

/// A started emulator.
pub struct Running {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`: the ARM origin to give clients.
    pub base_url: String,
    state: Arc<AppState>,
    task: JoinHandle<()>,
}

impl Running {
    /// Every request served so far.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.state.log).clone()
    }

    /// Runs `f` on the simulated tenant (to change it behind the clients' backs, or inspect it).
    pub fn with_sim<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        f(&mut lock(&self.state.sim))
    }

    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A poisoned lock only means a request task panicked — which the emulator does on purpose
/// to drop connections; the data behind it is still consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read_arg(value: &str) -> Result<String, EmulatorError> {
    match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| EmulatorError::Read { path: path.into(), reason: e.to_string() }),
        None => Ok(value.to_string()),
    }
}

async fn verifier(config: &Config) -> Result<Verifier, EmulatorError> {
    if config.insecure_accept_any_token {
        return Ok(Verifier::AcceptAny);
    }
    if config.issuers.is_empty() {
        return Err(EmulatorError::NoTokenCheck);
    }
    let issuers = config.issuers.clone();
    let (text, source) = match (&config.jwks_file, &config.jwks_url) {
        (Some(path), _) => (read_arg(&format!("@{path}"))?, path.clone()),
        (None, Some(url)) => {
            let fetch = async { reqwest::get(url).await?.error_for_status()?.text().await };
            let text = fetch.await.map_err(|e| EmulatorError::JwksFetch { url: url.clone(), reason: e.to_string() })?;
            (text, url.clone())
        }
        (None, None) => return Err(EmulatorError::NoTokenCheck),
    };
    Verifier::from_jwks(&text, &source, issuers, config.audience.clone(), config.graph_audiences.clone())
}

fn build_sim(config: &Config) -> Result<Sim, EmulatorError> {
    let mut sim = match (&config.tenant, config.scenario.as_str()) {
        (Some(doc), _) => {
            let doc: serde_json::Value = serde_json::from_str(&read_arg(doc)?).map_err(|e| EmulatorError::Tenant(e.to_string()))?;
            let resources = doc.get("resources").and_then(serde_json::Value::as_array).ok_or_else(|| EmulatorError::Tenant("no \"resources\" array".into()))?;
            // Objects only; what they hold is the simulator's to read (it takes list and
            // Resource Graph envelopes as snapshots do, and skips what it cannot use).
            if let Some(bad) = resources.iter().find(|r| !r.is_object()) {
                return Err(EmulatorError::Tenant(format!("an item that is not an object: {}", bad.to_string().chars().take(120).collect::<String>())));
            }
            Sim::from_resources(resources.iter().cloned())
        }
        (None, "demo") => Sim::demo(),
        (None, other) => Sim::generated(&TenantSpec::named(other, config.seed).ok_or_else(|| EmulatorError::UnknownScenario(other.into()))?),
    };
    sim.page_size = config.page_size.max(1);
    for f in &config.forbidden {
        sim.forbidden.push(ResourceId::parse(f).map_err(|e| EmulatorError::Forbid(f.clone(), e.to_string()))?);
    }
    sim.other_tenants = config.directories.clone();
    if config.graph_rows_only {
        sim.graph = GraphAccess::RowsOnly;
    }
    if config.graph_forbidden {
        sim.graph = GraphAccess::Forbidden;
    }
    if config.graph_not_consented {
        sim.directory_access = DirectoryAccess::NotConsented;
    }
    Ok(sim)
}

/// Starts the emulator on 127.0.0.1 and returns once it is listening.
pub async fn start(config: Config) -> Result<Running, EmulatorError> {
    let mut sim = build_sim(&config)?;
    let faults = match &config.faults {
        Some(f) => Faults::from_json(&read_arg(f)?).map_err(|e| EmulatorError::Faults(e.to_string()))?,
        None => Faults::new(Vec::new()),
    };
    let verifier = verifier(&config).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.map_err(|e| EmulatorError::Bind { port: config.port, reason: e.to_string() })?;
    let addr = listener.local_addr().map_err(|e| EmulatorError::Bind { port: config.port, reason: e.to_string() })?;
    let base_url = format!("http://{addr}");
    // nextLinks and operation monitors point back at this server; so do Graph's
    // `@odata.nextLink`s (Graph is served on the same origin, under `/v1.0/`).
    sim.origin = base_url.clone();
    sim.graph_origin = base_url.clone();
    let limits = (!config.no_throttle).then_some(Limits {
        read_bucket: config.read_bucket,
        read_refill: config.read_refill,
        write_bucket: config.write_bucket,
        write_refill: config.write_refill,
        graph_quota: config.graph_quota,
        graph_window: Duration::from_secs(config.graph_window_secs.max(1)),
        directory_quota: config.directory_quota,
        directory_window: Duration::from_secs(config.directory_window_secs.max(1)),
    });
    let state = Arc::new(AppState {
        sim: Mutex::new(sim),
        faults: Mutex::new(faults),
        throttle: Mutex::new(Throttle::default()),
        limits,
        verifier,
        latency: Duration::from_millis(config.latency_ms),
        started: Instant::now(),
        quiet: config.quiet,
        counter: AtomicU64::new(0),
        log: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(state.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("pullpath-emulator: the server stopped: {e}");
        }
    });
    Ok(Running { addr, base_url, state, task })
}

async fn handle(State(state): State<Arc<AppState>>, request: axum::extract::Request) -> axum::response::Response {
    let origin = request.headers().get("origin").cloned();
    let method_text = request.method().as_str().to_string();
    let target = request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let (answer, principal, note) = serve(&state, request).await;
    let mut entry = LogEntry { method: method_text, target, status: 0, principal: principal.map(|p| p.0), note };
    let response = match answer {
        Answer::Reset => {
            entry.status = 0;
            entry.note = "connection reset (fault)".into();
            record(&state, entry);
            // Dropping the connection without a response is what a reset looks like to the
            // client; unwinding the connection's task is how hyper lets a handler do that.
            std::panic::resume_unwind(Box::new("simulated connection reset"));
        }
        Answer::Http(r, extra) => {
            entry.status = r.status;
            to_http(r, extra, origin.as_ref(), &state)
        }
        Answer::Preflight(requested) => {
            entry.status = 200;
            preflight(origin.as_ref(), requested)
        }
    };
    record(&state, entry);
    response
}

fn record(state: &AppState, entry: LogEntry) {
    if !state.quiet {
        let t = state.started.elapsed().as_secs_f64();
        eprintln!(
            "[{t:9.3}s] {} {} -> {} {}{}",
            entry.method,
            entry.target,
            entry.status,
            entry.principal.as_deref().unwrap_or("-"),
            if entry.note.is_empty() { String::new() } else { format!(" ({})", entry.note) }
        );
    }
    lock(&state.log).push(entry);
}

enum Answer {
    Http(Response, Vec<(String, String)>),
    Preflight(Option<HeaderValue>),
    Reset,
}

/// Microsoft Graph's error envelope: "Errors in Microsoft Graph are returned using standard
/// HTTP status codes, and a JSON error response object" (https://learn.microsoft.com/graph/errors):
/// `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`,
/// the `innerError` [`with_inner_error`] adds.
fn graph_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &serde_json::json!({"error": {"code": code, "message": message}}))
}

/// A Graph error answer (the simulator's, or the emulator's own) with the `innerError` Graph
/// adds to its error object: when it happened and which request it was (same page).
fn with_inner_error(state: &AppState, mut r: Response, client_request_id: Option<&str>) -> Response {
    if r.status < 400 {
        return r;
    }
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&r.body) else { return r };
    let Some(error) = v.get_mut("error").and_then(serde_json::Value::as_object_mut) else { return r };
    if !error.contains_key("innerError") {
        let n = state.counter.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("00000000-0000-4000-8000-{n:012x}");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let client = client_request_id.map_or(request_id.clone(), str::to_string);
        error.insert("innerError".into(), serde_json::json!({"date": iso_seconds(now), "request-id": request_id, "client-request-id": client}));
        r.body = v.to_string();
    }
    r
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) of a Unix time, as Graph writes `innerError.date`.
fn iso_seconds(unix: u64) -> String {
    // Days to a civil date: Howard Hinnant's `civil_from_days`.
    let (days, secs) = ((unix / 86_400) as i64, unix % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// Graph's 429 for a principal over the `--directory-quota`, with `Retry-After`. Unverified:
/// the error code (Graph's pages show several, by workload).
fn directory_throttled(retry_after: u64) -> Response {
    let mut r = graph_error(429, "TooManyRequests", "Too many requests. The client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed.");
    r.headers.push(("retry-after".into(), retry_after.to_string()));
    r
}

fn arm_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &ErrorResponse::new(code, message))
}

async fn serve(state: &AppState, request: axum::extract::Request) -> (Answer, Option<Principal>, String) {
    let method = match request.method().as_str() {
        "OPTIONS" => return (Answer::Preflight(request.headers().get("access-control-request-headers").cloned()), None, "preflight".into()),
        "GET" => Method::Get,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        other => return (Answer::Http(arm_error(405, "MethodNotAllowed", &format!("The HTTP method '{other}' is not supported.")), vec![]), None, String::new()),
    };
    let now_unix = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let auth = request.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let client_request_id = ["client-request-id", "x-ms-client-request-id"].iter().find_map(|h| request.headers().get(*h)).and_then(|v| v.to_str().ok()).map(str::to_string);
    let client_request_id = client_request_id.as_deref();
    // Microsoft Graph's paths start with its version; it takes only Graph tokens, ARM only ARM's.
    let service = if request.uri().path().starts_with(directory_request::VERSION_PREFIX) { Service::Graph } else { Service::Arm };
    let principal = match state.verifier.check(auth.as_deref(), now_unix, service) {
        Ok(p) => p,
        Err(rej) if service == Service::Graph => {
            let challenge = "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"".to_string();
            return (Answer::Http(with_inner_error(state, graph_error(401, rej.code, &rej.message), client_request_id), vec![("www-authenticate".into(), challenge)]), None, rej.code.into());
        }
        Err(rej) => {
            let challenge = format!("Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"{}\"", rej.message.replace('"', "'"));
            return (Answer::Http(arm_error(401, rej.code, &rej.message), vec![("www-authenticate".into(), challenge)]), None, rej.code.into());
        }
    };
    // Core's one codec: the path as RFC 3986 (`+` is itself), the query as form data.
    let decoded = percent::decode_component(request.uri().path(), percent::Plus::Literal).and_then(|p| Ok((p, percent::parse_query(request.uri().query().unwrap_or_default())?)));
    let (path, query) = match decoded {
        Ok(pq) => pq,
        Err(e) => return (Answer::Http(arm_error(400, "InvalidRequestUri", &format!("The request URI could not be decoded: {e}")), vec![]), Some(principal), "InvalidRequestUri".into()),
    };
    let bytes = match to_bytes(request.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return (Answer::Http(arm_error(400, "InvalidRequestContent", &format!("The request content could not be read: {e}")), vec![]), Some(principal), String::new()),
    };
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                let msg = format!("The request content was invalid and could not be deserialized: '{e}'.");
                return (Answer::Http(arm_error(400, "InvalidRequestContent", &msg), vec![]), Some(principal), String::new());
            }
        }
    };
    if service == Service::Arm && !query.iter().any(|(k, v)| k.eq_ignore_ascii_case("api-version") && !v.is_empty()) {
        let msg = "The api-version query parameter (?api-version=) is required for all requests.";
        return (Answer::Http(arm_error(400, "MissingApiVersionParameter", msg), vec![]), Some(principal), String::new());
    }
    let req = Request { method, path, query, body };
    let mut extra = Vec::new();
    // ARM's buckets and Resource Graph's quota are not Graph's: Graph's 429s come from fault
    // rules (status 429 with a Retry-After).
    if let (Some(limits), Service::Arm) = (&state.limits, service) {
        let verdict = lock(&state.throttle).check(limits, &principal, &req, state.started.elapsed());
        match verdict {
            Verdict::Allow(h) => extra = h,
            Verdict::Throttle { code, message, retry_after, mut headers } => {
                headers.push(("retry-after".into(), retry_after.to_string()));
                return (Answer::Http(arm_error(429, code, &message), headers), Some(principal), "throttled".into());
            }
        }
    }
    if service == Service::Graph && !(req.method == Method::Post && req.path == "/v1.0/$batch") {
        if let Some(after) = state.limits.as_ref().and_then(|l| lock(&state.throttle).directory(l, &principal, state.started.elapsed())) {
            return (Answer::Http(with_inner_error(state, directory_throttled(after), client_request_id), vec![]), Some(principal), "throttled".into());
        }
    }
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    if service == Service::Graph && req.method == Method::Post && req.path == "/v1.0/$batch" {
        let (answer, note) = serve_batch(state, &principal, &req, client_request_id);
        return (Answer::Http(answer, extra), Some(principal), note);
    }
    let outcome = {
        let mut faults = lock(&state.faults);
        let before = faults.injected().len();
        let mut sim = lock(&state.sim);
        let outcome = faults.serve(&mut sim, &req);
        let injected = faults.injected().len() > before;
        (outcome, injected)
    };
    match outcome {
        (Ok(resp), injected) if service == Service::Graph => (Answer::Http(with_inner_error(state, resp, client_request_id), extra), Some(principal), if injected { "fault".into() } else { String::new() }),
        (Ok(resp), injected) => (Answer::Http(resp, extra), Some(principal), if injected { "fault".into() } else { String::new() }),
        (Err(TransportError::Network(_)), _) => (Answer::Reset, Some(principal), "reset".into()),
        (Err(e), _) => (Answer::Http(arm_error(500, "InternalServerError", &e.to_string()), extra), Some(principal), "fault".into()),
    }
}

/// A Microsoft Graph `$batch`: each item counted against the principal's Graph quota, put
/// through the fault rules and answered by the simulator on its own, as Graph evaluates the
/// requests of a batch one by one (unverified: Graph's pages found say only that a throttled
/// request gets 429 and a suggested wait).
fn serve_batch(state: &AppState, principal: &Principal, req: &Request, client_request_id: Option<&str>) -> (Response, String) {
    let items = match batch_items(req) {
        Ok(items) => items,
        Err(refused) => return (with_inner_error(state, refused, client_request_id), String::new()),
    };
    let total = items.len();
    let (mut throttled, mut faulted) = (0, 0);
    let mut answers = Vec::with_capacity(total);
    for (id, item) in items {
        if let Some(after) = state.limits.as_ref().and_then(|l| lock(&state.throttle).directory(l, principal, state.started.elapsed())) {
            throttled += 1;
            answers.push((id, with_inner_error(state, directory_throttled(after), client_request_id)));
            continue;
        }
        let answer = if item.path.ends_with("/$batch") {
            graph_error(400, "BadRequest", "A batch request may not hold a batch request.")
        } else {
            let mut faults = lock(&state.faults);
            let before = faults.injected().len();
            let outcome = faults.serve(&mut lock(&state.sim), &item);
            faulted += usize::from(faults.injected().len() > before);
            outcome.unwrap_or_else(|e| graph_error(503, "ServiceUnavailable", &e.to_string()))
        };
        answers.push((id, with_inner_error(state, answer, client_request_id)));
    }
    let note = match (throttled, faulted) {
        (0, 0) => format!("batch of {total}"),
        _ => format!("batch of {total}: {throttled} throttled, {faulted} faulted"),
    };
    (batch_answer(answers), note)
}

fn to_http(r: Response, extra: Vec<(String, String)>, origin: Option<&HeaderValue>, state: &AppState) -> axum::response::Response {
    let n = state.counter.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{n:012x}");
    let mut headers = HeaderMap::new();
    for (k, v) in r.headers.iter().chain(extra.iter()) {
        if let (Ok(k), Ok(v)) = (axum::http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    }
    if !r.body.is_empty() && !headers.contains_key("content-type") {
        headers.insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    }
    for name in ["x-ms-request-id", "x-ms-correlation-request-id"] {
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert(name, v);
        }
    }
    headers.insert("cache-control", HeaderValue::from_static("no-cache"));
    cors(&mut headers, origin);
    let mut out = axum::response::Response::new(Body::from(r.body));
    *out.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *out.headers_mut() = headers;
    out
}

fn cors(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    if let Some(o) = origin {
        headers.insert("access-control-allow-origin", o.clone());
        headers.insert("access-control-expose-headers", HeaderValue::from_static(EXPOSED));
        headers.insert("vary", HeaderValue::from_static("Origin"));
    }
}

fn preflight(origin: Option<&HeaderValue>, requested: Option<HeaderValue>) -> axum::response::Response {
    let mut headers = HeaderMap::new();
    cors(&mut headers, origin);
    headers.insert("access-control-allow-methods", HeaderValue::from_static("GET, PUT, PATCH, POST, DELETE, OPTIONS"));
    headers.insert("access-control-allow-headers", requested.unwrap_or(HeaderValue::from_static(ALLOWED_HEADERS)));
    headers.insert("access-control-max-age", HeaderValue::from_static("3600"));
    let mut out = axum::response::Response::new(Body::empty());
    *out.headers_mut() = headers;
    out
}


#[cfg(test)]
mod tests {
    #[test]
    fn iso_seconds_is_the_utc_civil_time() {
        assert_eq!(super::iso_seconds(0), "1970-01-01T00:00:00");
        assert_eq!(super::iso_seconds(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(super::iso_seconds(1_796_212_800 + 3_723), "2026-12-02T13:02:03");
    }
}
