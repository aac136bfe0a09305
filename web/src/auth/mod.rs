//! Sign-in with Microsoft Entra ID (or any OpenID provider): authorization code + PKCE.
//!
//! "Signed in" is a type: [`SignedIn`] holds the tokens, in memory only. The PKCE verifier,
//! `state` and `nonce` sit in sessionStorage just for the redirect round trip and are deleted
//! on return. When the session can no longer be refreshed, the user signs in again in a popup
//! so that the scan and any pending plan in this page survive.
//!
//! The protocol itself (URLs, bodies, checks) is in [`flow`], tested natively.

pub mod flow;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use pullpath_core::cloud::AppConfig;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::http::fetch_plain;
use flow::{AuthError, Discovery, IdClaims, PendingSignIn, Tokens};

const PENDING_KEY: &str = "pullpath.signin";

/// A refresh in progress, shared by every request that needs a fresh token meanwhile: refresh
/// tokens of public clients rotate, so using one twice would end the session.
type Refreshing = futures::future::Shared<futures::future::LocalBoxFuture<'static, Result<(), AuthError>>>;

struct Session {
    refreshing: RefCell<Option<Refreshing>>,
    config: AppConfig,
    authority: String,
    discovery: Discovery,
    tokens: RefCell<Tokens>,
    claims: RefCell<IdClaims>,
}

/// A signed-in user: the only holder of tokens.
#[derive(Clone)]
pub struct SignedIn(Rc<Session>);

impl SignedIn {
    pub fn config(&self) -> &AppConfig {
        &self.0.config
    }

    pub fn authority(&self) -> &str {
        &self.0.authority
    }

    /// The user's display name (or sign-in name).
    pub fn user(&self) -> String {
        let c = self.0.claims.borrow();
        c.name.clone().or_else(|| c.preferred_username.clone()).unwrap_or_else(|| "signed-in user".into())
    }

    pub fn tenant_id(&self) -> Option<String> {
        self.0.claims.borrow().tid.clone()
    }

    /// A valid access token, refreshed first when it is close to expiry.
    pub async fn access_token(&self) -> Result<String, AuthError> {
        let due = flow::refresh_at_ms(&self.0.tokens.borrow());
        if now_ms() >= due {
            let shared = self.0.refreshing.borrow().clone();
            let shared = match shared {
                Some(s) => s,
                None => {
                    use futures::FutureExt;
                    let me = self.clone();
                    let fut = async move {
                        let r = me.refresh().await;
                        *me.0.refreshing.borrow_mut() = None;
                        r
                    }
                    .boxed_local()
                    .shared();
                    *self.0.refreshing.borrow_mut() = Some(fut.clone());
                    fut
                }
            };
            shared.await?;
        }
        Ok(self.0.tokens.borrow().access_token.clone())
    }

    async fn refresh(&self) -> Result<(), AuthError> {
        let refresh_token = self.0.tokens.borrow().refresh_token.clone().ok_or(AuthError::SessionExpired)?;
        let body = flow::refresh_body(&self.0.config.client_id, &refresh_token, &self.0.config.scopes());
        let resp = fetch_plain("POST", &self.0.discovery.token_endpoint, Some(body)).await.map_err(|e| AuthError::Network(e.to_string()))?;
        // A refused refresh (expired after 24 h, revoked, ...) means: sign in again.
        let mut tokens = flow::parse_token_response(resp.status, &resp.body, now_ms()).map_err(|_| AuthError::SessionExpired)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token);
        }
        *self.0.tokens.borrow_mut() = tokens;
        Ok(())
    }

    /// Signs in again in a popup, keeping this page (and its scan and plan) as it is.
    pub async fn sign_in_again(&self) -> Result<(), AuthError> {
        let pending = new_pending(&self.0.authority, current_path());
        let url = flow::authorize_url(&self.0.discovery, &self.0.config.client_id, &redirect_uri(), &self.0.config.scopes(), &pending);
        let query = popup(&url).await?;
        let code = flow::code_from_redirect(&query, Some(&pending))?;
        let (tokens, claims) = exchange(&self.0.config, &self.0.discovery, &pending, &code).await?;
        *self.0.tokens.borrow_mut() = tokens;
        *self.0.claims.borrow_mut() = claims;
        Ok(())
    }
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Fills `buf` from the browser's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        // Failing here would mean no CSPRNG; then the zeroed buffer makes the verifier
        // generation fail below rather than produce a guessable value.
        let _ = crypto.get_random_values_with_u8_array(buf);
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// The app's own URL without query or fragment: the SPA redirect URI registered in Entra.
pub fn redirect_uri() -> String {
    let loc = location();
    let origin = loc.as_ref().and_then(|l| l.origin().ok()).unwrap_or_default();
    let path = loc.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    format!("{origin}{path}")
}

fn current_path() -> String {
    let loc = location();
    let path = loc.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    format!("{path}{hash}")
}

fn new_pending(authority: &str, return_to: String) -> PendingSignIn {
    let mut random = [0u8; 160];
    random_bytes(&mut random);
    let verifier = flow::verifier_from_random(&random).unwrap_or_default();
    let mut state = [0u8; 24];
    random_bytes(&mut state);
    let mut nonce = [0u8; 24];
    random_bytes(&mut nonce);
    PendingSignIn { verifier, state: flow::token_from_random(&state), nonce: flow::token_from_random(&nonce), return_to, authority: authority.to_string() }
}

/// Reads the provider's endpoints from OpenID discovery.
pub async fn discover(authority: &str) -> Result<Discovery, AuthError> {
    let url = format!("{}/.well-known/openid-configuration", authority.trim_end_matches('/'));
    let resp = fetch_plain("GET", &url, None).await.map_err(|e| AuthError::Network(format!("{url}: {e}")))?;
    if !resp.is_success() {
        return Err(AuthError::BadDiscovery(format!("{url} answered HTTP {}", resp.status)));
    }
    Discovery::parse(&resp.body)
}

/// Starts sign-in: remembers the PKCE verifier, state and nonce for the round trip and sends
/// the browser to the provider. `authority` may name another tenant (tenant switching).
pub async fn start_sign_in(config: &AppConfig, authority: &str) -> Result<(), AuthError> {
    let discovery = discover(authority).await?;
    let pending = new_pending(authority, current_path());
    if pending.verifier.is_empty() {
        return Err(AuthError::Network("the browser has no secure random source (crypto.getRandomValues)".into()));
    }
    let stored = serde_json::to_string(&pending).map_err(|e| AuthError::Network(e.to_string()))?;
    session_storage().and_then(|s| s.set_item(PENDING_KEY, &stored).ok()).ok_or_else(|| AuthError::Network("sessionStorage is not available".into()))?;
    let url = flow::authorize_url(&discovery, &config.client_id, &redirect_uri(), &config.scopes(), &pending);
    location().and_then(|l| l.assign(&url).ok()).ok_or_else(|| AuthError::Network("could not navigate to the sign-in page".into()))
}

/// Takes (and deletes) the sign-in state kept for the redirect.
fn take_pending() -> Option<PendingSignIn> {
    let storage = session_storage()?;
    let text = storage.get_item(PENDING_KEY).ok()??;
    let _ = storage.remove_item(PENDING_KEY);
    serde_json::from_str(&text).ok()
}

/// What page load this is.
pub enum Arrival {
    /// A normal page load.
    Normal,
    /// This window is a sign-in popup: it has handed the response to its opener and closes.
    Popup,
    /// The return from the provider; sign-in completed or failed.
    Redirect(Result<SignedIn, AuthError>),
}

/// On page load: finishes a sign-in when this load is the provider's redirect.
pub async fn arrive(config: Option<&AppConfig>) -> Arrival {
    let Some(window) = web_sys::window() else { return Arrival::Normal };
    let query = window.location().search().unwrap_or_default();
    if !flow::is_redirect_response(&query) {
        return Arrival::Normal;
    }
    // A popup started by `sign_in_again`: hand the response to the opener, same origin only.
    if let Ok(opener) = window.opener() {
        if !opener.is_null() && !opener.is_undefined() {
            // The opener's Window comes from another realm, so `instanceof Window` (what
            // `dyn_into` checks) is false for it; the method call itself works across realms.
            if let Ok(origin) = window.location().origin() {
                let opener = opener.unchecked_into::<web_sys::Window>();
                let _ = opener.post_message(&wasm_bindgen::JsValue::from_str(&format!("pullpath-signin:{query}")), &origin);
                let _ = window.close();
                return Arrival::Popup;
            }
        }
    }
    let pending = take_pending();
    // Whatever happens next, the code and state leave the address bar.
    let return_to = pending.as_ref().map(|p| p.return_to.clone()).unwrap_or_else(|| "/".into());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&return_to));
    }
    let Some(config) = config else { return Arrival::Redirect(Err(AuthError::NoPendingSignIn)) };
    let result = async {
        let code = flow::code_from_redirect(&query, pending.as_ref())?;
        let pending = pending.ok_or(AuthError::NoPendingSignIn)?;
        let discovery = discover(&pending.authority).await?;
        let (tokens, claims) = exchange(config, &discovery, &pending, &code).await?;
        Ok(SignedIn(Rc::new(Session { refreshing: RefCell::new(None), config: config.clone(), authority: pending.authority.clone(), discovery, tokens: RefCell::new(tokens), claims: RefCell::new(claims) })))
    }
    .await;
    Arrival::Redirect(result)
}

async fn exchange(config: &AppConfig, discovery: &Discovery, pending: &PendingSignIn, code: &str) -> Result<(Tokens, IdClaims), AuthError> {
    let body = flow::code_exchange_body(&config.client_id, code, &redirect_uri(), &pending.verifier, &config.scopes());
    let resp = fetch_plain("POST", &discovery.token_endpoint, Some(body)).await.map_err(|e| AuthError::Network(e.to_string()))?;
    let tokens = flow::parse_token_response(resp.status, &resp.body, now_ms())?;
    let claims = flow::check_nonce(&tokens, &pending.nonce)?;
    Ok((tokens, claims))
}

/// Opens the sign-in popup and waits for the query string it posts back.
async fn popup(url: &str) -> Result<String, AuthError> {
    let window = web_sys::window().ok_or_else(|| AuthError::Network("no window".into()))?;
    let origin = window.location().origin().unwrap_or_default();
    let (tx, rx) = oneshot::channel::<String>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if e.origin() != origin {
            return;
        }
        if let Some(query) = e.data().as_string().and_then(|d| d.strip_prefix("pullpath-signin:").map(str::to_string)) {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(query);
            }
        }
    });
    window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref()).map_err(|_| AuthError::Network("cannot listen for the popup".into()))?;
    let opened = window.open_with_url_and_target_and_features(url, "pullpath-signin", "width=520,height=680");
    let result = match opened {
        Ok(Some(_)) => rx.await.map_err(|_| AuthError::SessionExpired),
        _ => Err(AuthError::Network("the browser blocked the sign-in popup; allow popups for this site and try again".into())),
    };
    let _ = window.remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    result
}

/// Forgets everything sign-in left in this tab.
pub fn sign_out() {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(PENDING_KEY);
    }
}
