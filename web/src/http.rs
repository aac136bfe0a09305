//! The one module that talks to the network: `fetch` for ARM and Microsoft Graph (each with its
//! own bearer token) and for the identity provider (without one).
//!
//! Each token goes only to its own origin: core requests carry no host; this module tells a
//! Graph request from an ARM one (`directory_request::is_graph`), puts that service's origin in
//! front, attaches that service's token, and refuses to attach a token to any URL whose origin
//! differs. The ARM token never goes with a Graph request, nor the Graph token with an ARM one.
//! Every fetch has a timeout, follows no redirect, and belongs to a cancellable group; when
//! the session is gone an apply's requests are held (not failed) until the user signs in
//! again or lets go.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;

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

/// A cancellable group of requests: cancelling aborts every request still in flight, in this
/// group and in every group made from it with [`Cancel::child`] (a session's group holds its
/// scans', applies' and reads' groups; each fetch gets a child of its own for its timeout).
#[derive(Clone)]
pub struct Cancel(Rc<Node>);

struct Node {
    controller: Option<AbortController>,
    cancelled: Cell<bool>,
    children: RefCell<Vec<Weak<Node>>>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel(Rc::new(Node { controller: AbortController::new().ok(), cancelled: Cell::new(false), children: RefCell::new(Vec::new()) }))
    }

    /// A group cancelled with this one (or on its own).
    pub fn child(&self) -> Cancel {
        let c = Cancel::new();
        if self.is_cancelled() {
            c.cancel();
        } else {
            let mut children = self.0.children.borrow_mut();
            children.retain(|w| w.strong_count() > 0);
            children.push(Rc::downgrade(&c.0));
        }
        c
    }

    pub fn cancel(&self) {
        if self.0.cancelled.replace(true) {
            return;
        }
        if let Some(c) = &self.0.controller {
            c.abort();
        }
        let children = std::mem::take(&mut *self.0.children.borrow_mut());
        for child in children.iter().filter_map(Weak::upgrade) {
            Cancel(child).cancel();
        }
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.controller.as_ref().map(|c| c.signal())
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

/// What a request does when no usable token can be had.
#[derive(Clone)]
pub enum WhenSignedOut {
    /// Fail it (`Unauthenticated`): reads and scans, which the user can simply run again.
    Fail,
    /// Hold it until the user signs in again or lets go (an apply: its engine must never see a
    /// failure that is only about sign-in).
    Hold(Hold),
}

/// The pause of an apply whose session is gone: requests wait until the user signs in again
/// ([`crate::auth::SignedIn::sign_in_again`]) or lets go ([`Hold::release`]), after which
/// they are sent with whatever token there is — ARM decides whether it still counts.
#[derive(Clone, Default)]
pub struct Hold(Rc<Cell<bool>>);

impl Hold {
    pub fn release(&self) {
        self.0.set(true);
    }
    pub fn is_released(&self) -> bool {
        self.0.get()
    }
}

/// What the executor tells the page about the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// No usable token: offer to sign in again (held requests are waiting).
    Lost,
    /// A held request got a token again.
    Resumed,
}

/// How long an ARM request may take before it counts as a network error (then retried by the
/// engines). Our choice: well above what an ARM read or write takes; long-running operations
/// answer at once and are polled.
const ARM_TIMEOUT_MS: u32 = 100_000;
/// Same for the identity provider and static files.
const PLAIN_TIMEOUT_MS: u32 = 30_000;
/// How often a held request looks whether it may go on.
const HOLD_POLL_MS: u32 = 500;

/// Executes core requests as the signed-in user: ARM's with the ARM token to the ARM origin,
/// Microsoft Graph's with the Graph token to the Graph origin.
#[derive(Clone)]
pub struct ArmExecutor {
    pub signed_in: SignedIn,
    /// A child of the session's group (see [`Cancel::child`]).
    pub cancel: Cancel,
    pub when_signed_out: WhenSignedOut,
    pub on_session: Rc<dyn Fn(SessionEvent)>,
}

impl ArmExecutor {
    /// An executor for one job of `signed_in`'s session: cancelled with it.
    pub fn new(signed_in: SignedIn, when_signed_out: WhenSignedOut, on_session: Rc<dyn Fn(SessionEvent)>) -> ArmExecutor {
        let cancel = signed_in.cancel().child();
        ArmExecutor { signed_in, cancel, when_signed_out, on_session }
    }

    /// The same executor with its own cancellable group (inside this one's).
    pub fn with_cancel(&self, cancel: Cancel) -> ArmExecutor {
        ArmExecutor { cancel, ..self.clone() }
    }

    async fn token(&self) -> Result<String, TransportError> {
        let mut held = false;
        loop {
            if self.cancel.is_cancelled() {
                return Err(TransportError::Aborted);
            }
            let renewals = self.signed_in.renewals();
            match self.signed_in.access_token().await {
                Ok(t) => {
                    if held {
                        (self.on_session)(SessionEvent::Resumed);
                    }
                    return Ok(t);
                }
                Err(e) => match &self.when_signed_out {
                    WhenSignedOut::Fail => {
                        (self.on_session)(SessionEvent::Lost);
                        return Err(TransportError::Unauthenticated(e.to_string()));
                    }
                    WhenSignedOut::Hold(hold) => {
                        if hold.is_released() {
                            return self.signed_in.any_token().ok_or_else(|| TransportError::Unauthenticated(e.to_string()));
                        }
                        if !held {
                            held = true;
                            (self.on_session)(SessionEvent::Lost);
                        }
                        // Nothing is sent and nothing is answered until the user decides.
                        while self.signed_in.renewals() == renewals && !hold.is_released() && !self.cancel.is_cancelled() {
                            TimeoutFuture::new(HOLD_POLL_MS).await;
                        }
                    }
                },
            }
        }
    }
}

impl Executor for ArmExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        // Graph's paths get Graph's origin and token; nothing else does.
        let graph = pullpath_core::directory_request::is_graph(&request);
        let (origin, service) = if graph { (self.signed_in.config().graph_origin.clone(), "Microsoft Graph") } else { (self.signed_in.config().arm_origin.clone(), "ARM") };
        let url = request.url(&origin);
        if origin_of(&url).as_deref() != origin_of(&origin).as_deref() {
            return Err(TransportError::Network(format!("refusing to send a token to {url}: it is not the {service} origin {origin}")));
        }
        if self.cancel.is_cancelled() {
            return Err(TransportError::Aborted);
        }
        let token = if graph { self.signed_in.graph_token().await.map_err(|r| TransportError::Unauthenticated(format!("no Microsoft Graph token: {}", r.said())))? } else { self.token().await? };
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
        fetch(request.method.as_str(), &url, headers, body, &self.cancel, ARM_TIMEOUT_MS).await
    }
}

/// A plain fetch (identity provider endpoints, the app's own files): never carries the ARM
/// token. `cancel` aborts it (sign-out).
pub async fn fetch_plain(method: &str, url: &str, form_body: Option<String>, cancel: &Cancel) -> Result<Response, TransportError> {
    let headers = Headers::new().map_err(js_err)?;
    if form_body.is_some() {
        headers.append("Content-Type", "application/x-www-form-urlencoded").map_err(js_err)?;
    }
    fetch(method, url, headers, form_body, cancel, PLAIN_TIMEOUT_MS).await
}

/// Every fetch: CORS, no redirects followed (a redirect is an error: a token or a form body
/// must never be carried elsewhere), aborted with `group`, and given up after `timeout_ms`.
async fn fetch(method: &str, url: &str, headers: Headers, body: Option<String>, group: &Cancel, timeout_ms: u32) -> Result<Response, TransportError> {
    if group.is_cancelled() {
        return Err(TransportError::Aborted);
    }
    let mine = group.child();
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_redirect(web_sys::RequestRedirect::Error);
    if let Some(b) = &body {
        init.set_body(&JsValue::from_str(b));
    }
    if let Some(signal) = mine.signal() {
        init.set_signal(Some(&signal));
    }
    let window = web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
    let aborted_or = |e: JsValue| if group.is_cancelled() { TransportError::Aborted } else { TransportError::Network(describe(&e)) };
    let work = async {
        let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(aborted_or)?;
        let resp: web_sys::Response = resp.dyn_into().map_err(js_err)?;
        let status = resp.status();
        let mut out_headers = Vec::new();
        for name in HEADERS_READ {
            if let Ok(Some(v)) = resp.headers().get(name) {
                out_headers.push((name.to_string(), v));
            }
        }
        let text = JsFuture::from(resp.text().map_err(js_err)?).await.map_err(aborted_or)?;
        Ok(Response { status, headers: out_headers, body: text.as_string().unwrap_or_default() })
    };
    let work = std::pin::pin!(work);
    match select(work, TimeoutFuture::new(timeout_ms)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            mine.cancel();
            Err(TransportError::Network("no answer in time (the request was given up)".into()))
        }
    }
}

/// A v4 UUID from the browser (for `x-ms-client-request-id`).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    // Only a correlation id for ARM's logs: without a random source it is all zeros, which
    // is harmless (it protects nothing).
    let _ = crate::auth::random_bytes(&mut b);
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
