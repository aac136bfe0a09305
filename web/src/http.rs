//! The executor for ARM and Microsoft Graph: core requests sent with each service's own bearer
//! token, through `fetch` (the one module that calls the browser's `fetch`).
//!
//! Each token goes only to its own origin: core requests carry no host; this module tells a
//! Graph request from an ARM one (`directory_request::is_graph`), puts that service's origin in
//! front, attaches that service's token, and refuses to attach a token to any URL whose origin
//! differs. The ARM token never goes with a Graph request, nor the Graph token with an ARM one.
//! Every fetch has a timeout, follows no redirect, and belongs to a cancellable group; when
//! the session is gone an apply's requests are held (not failed) until the user signs in
//! again or lets go.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use pullpath_core::executor::{Executor, TransportError};
use pullpath_core::request::{Request, Response};
use web_sys::Headers;

use crate::auth::SignedIn;
use crate::fetch::{fetch, js_err, Cancel};

/// The origin (`scheme://host[:port]`) of a URL, lowercased.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
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
