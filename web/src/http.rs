//! The one module that talks to the network: `fetch` for ARM (with the bearer token) and for
//! the identity provider (without one).
//!
//! The token goes only to the configured ARM origin: core requests carry no host, this module
//! puts the origin in front, and it refuses to attach a token to any URL whose origin differs.

use std::cell::RefCell;
use std::rc::Rc;

use pullpath_core::executor::{Executor, TransportError};
use pullpath_core::request::{Request, Response};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit};

use crate::auth::SignedIn;

/// Response headers the core reads (throttling, retries, long-running operations). Browsers
/// only show the ones ARM lists in `Access-Control-Expose-Headers`.
const HEADERS_READ: &[&str] = &[
    "retry-after",
    "azure-asyncoperation",
    "location",
    "x-ms-request-id",
    "x-ms-correlation-request-id",
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-subscription-writes",
    "x-ms-ratelimit-remaining-tenant-reads",
    "x-ms-ratelimit-remaining-tenant-writes",
    "x-ms-user-quota-remaining",
    "x-ms-user-quota-resets-after",
    "content-type",
];

/// The origin (`scheme://host[:port]`) of a URL, lowercased.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// A cancellable group of requests: cancelling aborts every request still in flight.
#[derive(Clone)]
pub struct Cancel(Rc<RefCell<Option<AbortController>>>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel(Rc::new(RefCell::new(AbortController::new().ok())))
    }
    pub fn cancel(&self) {
        if let Some(c) = self.0.borrow().as_ref() {
            c.abort();
        }
    }
    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.borrow().as_ref().map(|c| c.signal())
    }
    pub fn is_cancelled(&self) -> bool {
        self.signal().is_some_and(|s| s.aborted())
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

/// Executes core requests against ARM as the signed-in user.
#[derive(Clone)]
pub struct ArmExecutor {
    pub signed_in: SignedIn,
    pub cancel: Cancel,
    /// Called when no valid token can be had: the UI offers to sign in again.
    pub on_unauthenticated: Rc<dyn Fn()>,
}

impl Executor for ArmExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        let origin = self.signed_in.config().arm_origin.clone();
        let url = request.url(&origin);
        if origin_of(&url).as_deref() != origin_of(&origin).as_deref() {
            return Err(TransportError::Network(format!("refusing to send a token to {url}: it is not the ARM origin {origin}")));
        }
        let token = match self.signed_in.access_token().await {
            Ok(t) => t,
            Err(e) => {
                (self.on_unauthenticated)();
                return Err(TransportError::Unauthenticated(e.to_string()));
            }
        };
        let headers = Headers::new().map_err(js_err)?;
        headers.append("Authorization", &format!("Bearer {token}")).map_err(js_err)?;
        headers.append("x-ms-client-request-id", &random_uuid()).map_err(js_err)?;
        let body = match &request.body {
            Some(b) => {
                headers.append("Content-Type", "application/json").map_err(js_err)?;
                Some(serde_json::to_string(b).map_err(|e| TransportError::Network(e.to_string()))?)
            }
            None => None,
        };
        fetch(request.method.as_str(), &url, headers, body, &self.cancel).await
    }
}

/// A plain fetch (identity provider endpoints): never carries the ARM token.
pub async fn fetch_plain(method: &str, url: &str, form_body: Option<String>) -> Result<Response, TransportError> {
    let headers = Headers::new().map_err(js_err)?;
    if form_body.is_some() {
        headers.append("Content-Type", "application/x-www-form-urlencoded").map_err(js_err)?;
    }
    fetch(method, url, headers, form_body, &Cancel::new()).await
}

async fn fetch(method: &str, url: &str, headers: Headers, body: Option<String>, cancel: &Cancel) -> Result<Response, TransportError> {
    if cancel.is_cancelled() {
        return Err(TransportError::Aborted);
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers);
    init.set_mode(web_sys::RequestMode::Cors);
    if let Some(b) = &body {
        init.set_body(&JsValue::from_str(b));
    }
    if let Some(signal) = cancel.signal() {
        init.set_signal(Some(&signal));
    }
    let window = web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|e| {
        if cancel.is_cancelled() { TransportError::Aborted } else { TransportError::Network(describe(&e)) }
    })?;
    let resp: web_sys::Response = resp.dyn_into().map_err(js_err)?;
    let status = resp.status();
    let mut out_headers = Vec::new();
    for name in HEADERS_READ {
        if let Ok(Some(v)) = resp.headers().get(name) {
            out_headers.push((name.to_string(), v));
        }
    }
    let text = JsFuture::from(resp.text().map_err(js_err)?).await.map_err(|e| {
        if cancel.is_cancelled() { TransportError::Aborted } else { TransportError::Network(describe(&e)) }
    })?;
    Ok(Response { status, headers: out_headers, body: text.as_string().unwrap_or_default() })
}

/// A v4 UUID from the browser (for `x-ms-client-request-id`).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    crate::auth::random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| "the request failed (network error or blocked by CORS)".into())
}

fn js_err(e: JsValue) -> TransportError {
    TransportError::Network(describe(&e))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin_of("https://management.azure.com/subscriptions?x=1").as_deref(), Some("https://management.azure.com"));
        assert_eq!(origin_of("HTTPS://Management.Azure.com").as_deref(), Some("https://management.azure.com"));
        assert_ne!(origin_of("https://management.azure.com.evil.example/x"), origin_of("https://management.azure.com"));
        assert_ne!(origin_of("http://127.0.0.1:7071/"), origin_of("http://127.0.0.1:7070"));
        assert_eq!(origin_of("https://user@evil.example"), None);
    }
}
