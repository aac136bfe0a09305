//! The one module that calls the browser's `fetch`: for the executor (`http`, which adds the
//! tokens) and for plain requests (the identity provider's endpoints, the app's own files).
//! Every fetch has a timeout, follows no redirect, and belongs to a cancellable group.
//!
//! It sits below both `auth` and `http`, so the sign-in can fetch tokens and the executor can
//! ask the sign-in for them without the two importing each other.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use pullpath_core::executor::TransportError;
use pullpath_core::request::Response;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit};

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

/// How long a plain fetch (identity provider, static files) may take.
const PLAIN_TIMEOUT_MS: u32 = 30_000;

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
pub(crate) async fn fetch(method: &str, url: &str, headers: Headers, body: Option<String>, group: &Cancel, timeout_ms: u32) -> Result<Response, TransportError> {
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

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| "the request failed (network error or blocked by CORS)".into())
}

pub(crate) fn js_err(e: JsValue) -> TransportError {
    TransportError::Network(describe(&e))
}
