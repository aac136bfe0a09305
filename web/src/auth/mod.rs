//! Sign-in with Microsoft Entra ID (or any OpenID provider): authorization code + PKCE.
//!
//! "Signed in" is a type: [`SignedIn`] holds the tokens, in memory only. The PKCE verifier,
//! `state` and `nonce` sit in sessionStorage just for the redirect round trip and are deleted
//! on return. A token is used until shortly before it expires; refreshing is retried with
//! backoff, and only when no usable token can be had does the session count as gone — then
//! the user signs in again in a popup (same account and tenant only), so that the scan, any
//! pending plan and a paused apply in this page survive. Signing out wipes the tokens from
//! every holder at once, aborts everything the session started, and ends the session at the
//! provider.
//!
//! Microsoft Graph has a token of its own from the same sign-in and app registration, as
//! MSAL.js gets one per resource: silently with the session's refresh token and the Graph
//! scope when consent exists, otherwise in a popup that asks for the Graph permission
//! (incremental consent: "you can request permissions incrementally [...] as your app needs
//! them", https://learn.microsoft.com/entra/identity-platform/consent-types-developer). It lives
//! beside the ARM token, in memory, and goes only to the Graph origin (`crate::http`).
//!
//! The protocol itself (URLs, bodies, checks, timing decisions) is in [`flow`], tested
//! natively. Not here: sending ARM requests (`crate::http`).

pub mod flow;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use pullpath_core::cloud::AppConfig;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::fetch::{fetch_plain, Cancel};
use flow::{AuthError, Discovery, GraphRefusal, IdClaims, IssuerRule, PendingSignIn, RefreshFailure, RefreshState, TokenStep, Tokens};

const PENDING_KEY: &str = "pullpath.signin";
/// A note for the page the provider sends back to after signing out (no tenant data).
const SIGNED_OUT_KEY: &str = "pullpath.signedout";

/// A refresh in progress, shared by every request that needs a fresh token meanwhile: refresh
/// tokens of public clients rotate, so using one twice would end the session.
type Refreshing = futures::future::Shared<futures::future::LocalBoxFuture<'static, ()>>;

struct Session {
    refreshing: RefCell<Option<Refreshing>>,
    config: AppConfig,
    authority: String,
    discovery: Discovery,
    issuer: IssuerRule,
    /// `None` once signed out: every clone of [`SignedIn`] loses the tokens at once.
    tokens: RefCell<Option<Tokens>>,
    /// The Microsoft Graph token, once had; its `refresh_token` only when the consent popup
    /// gave one of its own (otherwise Graph is refreshed with the session's).
    graph: RefCell<Option<Tokens>>,
    refresh: RefCell<RefreshState>,
    claims: RefCell<IdClaims>,
    /// Counts new sign-ins in the popup, so held requests know to try again.
    renewed: Cell<u64>,
    /// Everything this session started; cancelled on sign-out.
    cancel: Cancel,
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

    /// Requests of this session are cancelled through children of this (sign-out cancels it).
    pub fn cancel(&self) -> &Cancel {
        &self.0.cancel
    }

    pub fn is_signed_out(&self) -> bool {
        self.0.tokens.borrow().is_none()
    }

    /// Changes each time the user signs in again in the popup.
    pub fn renewals(&self) -> u64 {
        self.0.renewed.get()
    }

    /// A usable access token. Refreshes when due; a refresh that fails while the current token
    /// is still usable keeps the current one. `SessionExpired` only when no usable token can be
    /// had: the provider refused the refresh token, or refreshing kept failing past the
    /// token's usable time.
    pub async fn access_token(&self) -> Result<String, AuthError> {
        loop {
            let step = {
                let tokens = self.0.tokens.borrow();
                let Some(t) = tokens.as_ref() else { return Err(AuthError::SessionExpired) };
                flow::token_step(t, &self.0.refresh.borrow(), t.refresh_token.is_some(), now_ms())
            };
            match step {
                TokenStep::Use => break,
                TokenStep::Gone => return Err(AuthError::SessionExpired),
                TokenStep::RefreshOrUse => {
                    self.refresh_shared().await;
                    break;
                }
                TokenStep::Refresh { wait_ms } => {
                    if wait_ms > 0 {
                        TimeoutFuture::new(wait_ms.min(30_000) as u32).await;
                    }
                    self.refresh_shared().await;
                }
            }
        }
        self.0.tokens.borrow().as_ref().map(|t| t.access_token.clone()).ok_or(AuthError::SessionExpired)
    }

    /// The current access token even if it is past its usable time: for undoing an apply when
    /// the user chose not to sign in again (ARM decides whether it still counts).
    pub fn any_token(&self) -> Option<String> {
        self.0.tokens.borrow().as_ref().map(|t| t.access_token.clone())
    }

    async fn refresh_shared(&self) {
        let shared = self.0.refreshing.borrow().clone();
        match shared {
            Some(s) => s.await,
            None => {
                let me = self.clone();
                self.take_turn(async move { me.refresh_once().await }).await;
            }
        }
    }

    /// Runs `job` as the only use of a refresh token under way (waiting for the one before).
    async fn take_turn(&self, job: impl std::future::Future<Output = ()> + 'static) {
        use futures::FutureExt;
        loop {
            let current = self.0.refreshing.borrow().clone();
            match current {
                Some(s) => s.await,
                None => break,
            }
        }
        let me = self.clone();
        let fut = async move {
            job.await;
            *me.0.refreshing.borrow_mut() = None;
        }
        .boxed_local()
        .shared();
        *self.0.refreshing.borrow_mut() = Some(fut.clone());
        fut.await;
    }

    /// Whether a Microsoft Graph token is at hand (had, and not yet past its refresh time).
    pub fn has_graph(&self) -> bool {
        self.0.graph.borrow().as_ref().is_some_and(|t| now_ms() < flow::refresh_at_ms(t))
    }

    /// A usable Microsoft Graph token: the one at hand, or one asked for silently with the
    /// refresh token and the Graph scope. Refused when consent is missing (then
    /// [`SignedIn::consent_graph`] asks in a popup) or the provider cannot answer now.
    pub async fn graph_token(&self) -> Result<String, GraphRefusal> {
        if self.has_graph() {
            if let Some(t) = self.0.graph.borrow().as_ref() {
                return Ok(t.access_token.clone());
            }
        }
        let outcome = std::rc::Rc::new(RefCell::new(None));
        let (me, out) = (self.clone(), outcome.clone());
        self.take_turn(async move { *out.borrow_mut() = Some(me.graph_once().await) }).await;
        let taken = outcome.borrow_mut().take();
        taken.unwrap_or_else(|| Err(GraphRefusal::Unavailable("signed out".into())))
    }

    /// One silent request for the Graph token (inside a turn of [`SignedIn::take_turn`]).
    async fn graph_once(&self) -> Result<String, GraphRefusal> {
        let own = self.0.graph.borrow().as_ref().and_then(|t| t.refresh_token.clone());
        let session = self.0.tokens.borrow().as_ref().and_then(|t| t.refresh_token.clone());
        let from_own = own.is_some();
        let Some(refresh_token) = own.or(session) else {
            return Err(GraphRefusal::NeedsInteraction { consent: false, said: "this sign-in has no refresh token".into() });
        };
        let body = flow::refresh_body(&self.0.config.client_id, &refresh_token, &self.0.config.graph_scopes());
        let resp = fetch_plain("POST", &self.0.discovery.token_endpoint, Some(body), &self.0.cancel).await.map_err(|e| GraphRefusal::Unavailable(e.to_string()))?;
        let mut tokens = flow::read_graph_token(resp.status, &resp.body, now_ms())?;
        if self.is_signed_out() {
            return Err(GraphRefusal::Unavailable("signed out".into()));
        }
        // A rotated refresh token replaces the one used, where it came from.
        if from_own {
            tokens.refresh_token = tokens.refresh_token.or(Some(refresh_token));
        } else {
            if let (Some(new), Some(t)) = (tokens.refresh_token.take(), self.0.tokens.borrow_mut().as_mut()) {
                t.refresh_token = Some(new);
            }
        }
        let access = tokens.access_token.clone();
        *self.0.graph.borrow_mut() = Some(tokens);
        Ok(access)
    }

    /// Asks for the Microsoft Graph permission in a popup (incremental consent), for the same
    /// account only, and keeps the Graph token it yields. Where the user may not consent, the
    /// provider says so in the popup (an administrator's consent is then needed).
    pub async fn consent_graph(&self) -> Result<(), AuthError> {
        let (tokens, _) = self.popup_sign_in(&self.0.config.graph_scopes()).await?;
        *self.0.graph.borrow_mut() = Some(tokens);
        Ok(())
    }

    /// One refresh attempt; its outcome goes into the refresh state.
    async fn refresh_once(&self) {
        let Some(refresh_token) = self.0.tokens.borrow().as_ref().and_then(|t| t.refresh_token.clone()) else { return };
        let body = flow::refresh_body(&self.0.config.client_id, &refresh_token, &self.0.config.scopes());
        let outcome = match fetch_plain("POST", &self.0.discovery.token_endpoint, Some(body), &self.0.cancel).await {
            Err(_) => Err(RefreshFailure::Transient),
            Ok(resp) => flow::read_refresh(resp.status, &resp.body, now_ms()),
        };
        // Signed out meanwhile: take nothing.
        if self.is_signed_out() {
            return;
        }
        match outcome {
            Ok(mut tokens) => {
                if tokens.refresh_token.is_none() {
                    tokens.refresh_token = Some(refresh_token);
                }
                *self.0.tokens.borrow_mut() = Some(tokens);
                *self.0.refresh.borrow_mut() = RefreshState::default();
            }
            Err(RefreshFailure::Transient) => {
                let tokens = self.0.tokens.borrow();
                if let Some(t) = tokens.as_ref() {
                    flow::refresh_failed(&mut self.0.refresh.borrow_mut(), t, now_ms());
                }
            }
            Err(RefreshFailure::Refused) => self.0.refresh.borrow_mut().refused = true,
        }
    }

    /// Signs in again in a popup, keeping this page (and its scan, plan and apply) as it is.
    /// Another account or tenant is refused: its tokens are dropped and the reason returned.
    pub async fn sign_in_again(&self) -> Result<(), AuthError> {
        let (tokens, claims) = self.popup_sign_in(&self.0.config.scopes()).await?;
        *self.0.tokens.borrow_mut() = Some(tokens);
        *self.0.refresh.borrow_mut() = RefreshState::default();
        *self.0.claims.borrow_mut() = claims;
        self.0.renewed.set(self.0.renewed.get() + 1);
        Ok(())
    }

    /// A sign-in in a popup for `scopes`, taken only when it is this session's account.
    async fn popup_sign_in(&self, scopes: &str) -> Result<(Tokens, IdClaims), AuthError> {
        refuse_in_frame()?;
        if self.is_signed_out() {
            return Err(AuthError::SessionExpired);
        }
        let pending = new_pending(&self.0.authority, current_path())?;
        let url = flow::authorize_url(&self.0.discovery, &self.0.config.client_id, &redirect_uri(), scopes, &pending);
        let query = popup(&url).await?;
        let code = flow::code_from_redirect(&query, Some(&pending))?;
        let body = flow::code_exchange_body(&self.0.config.client_id, &code, &redirect_uri(), &pending.verifier, scopes);
        let (tokens, claims) = redeem(&self.0.config, &self.0.discovery, &self.0.issuer, &pending, body, &self.0.cancel).await?;
        flow::same_account(&self.0.claims.borrow(), &claims)?;
        if self.is_signed_out() {
            return Err(AuthError::SessionExpired);
        }
        Ok((tokens, claims))
    }

    /// Forgets the tokens in every holder of this session and aborts every request it started.
    /// Returns where to end the session at the provider, if it names an end-session endpoint.
    pub fn end(&self) -> Option<String> {
        *self.0.tokens.borrow_mut() = None;
        *self.0.graph.borrow_mut() = None;
        *self.0.claims.borrow_mut() = IdClaims::default();
        self.0.cancel.cancel();
        flow::end_session_url(&self.0.discovery, &self.0.config.client_id, &redirect_uri())
    }
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Fills `buf` from the browser's CSPRNG, or says it cannot.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), AuthError> {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok()).ok_or(AuthError::NoRandomSource)?;
    // `getRandomValues` may be missing (a non-secure context, an old or tampered browser) or
    // throw; either way there is no safe secret to be had.
    let has = js_sys::Reflect::get(&crypto, &"getRandomValues".into()).map(|f| f.is_function()).unwrap_or(false);
    if !has {
        return Err(AuthError::NoRandomSource);
    }
    crypto.get_random_values_with_u8_array(buf).map(|_| ()).map_err(|_| AuthError::NoRandomSource)
}

/// True when this page is shown inside a frame of another page (`window.top !== window.self`):
/// there, a sign-in could be clickjacked.
pub fn framed() -> bool {
    let Some(w) = web_sys::window() else { return true };
    match w.top() {
        Ok(Some(top)) => !js_sys::Object::is(top.as_ref(), w.as_ref()),
        // No readable top: assume the worst.
        _ => true,
    }
}

fn refuse_in_frame() -> Result<(), AuthError> {
    if framed() { Err(AuthError::Framed) } else { Ok(()) }
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

fn new_pending(authority: &str, return_to: String) -> Result<PendingSignIn, AuthError> {
    let mut random = [0u8; flow::RANDOM_BYTES];
    random_bytes(&mut random)?;
    PendingSignIn::from_random(&random, authority, return_to)
}

/// Reads the provider's endpoints from OpenID discovery and checks its issuer belongs to
/// `authority`.
pub async fn discover(authority: &str) -> Result<(Discovery, IssuerRule), AuthError> {
    let url = format!("{}/.well-known/openid-configuration", authority.trim_end_matches('/'));
    let resp = fetch_plain("GET", &url, None, &Cancel::new()).await.map_err(|e| AuthError::Network(format!("{url}: {e}")))?;
    if !resp.is_success() {
        return Err(AuthError::BadDiscovery(format!("{url} answered HTTP {}", resp.status)));
    }
    let discovery = Discovery::parse(&resp.body)?;
    let rule = flow::issuer_rule(authority, &discovery.issuer)?;
    Ok((discovery, rule))
}

/// Starts sign-in: remembers the PKCE verifier, state and nonce for the round trip and sends
/// the browser to the provider. `authority` may name another tenant (tenant switching).
pub async fn start_sign_in(config: &AppConfig, authority: &str) -> Result<(), AuthError> {
    refuse_in_frame()?;
    // Before anything goes over the network: no secrets, no sign-in.
    let pending = new_pending(authority, current_path())?;
    let (discovery, _) = discover(authority).await?;
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
    /// A normal page load; `signed_out` is the note left by a sign-out that went through the
    /// provider, if this load is its return.
    Normal { signed_out: Option<String> },
    /// This window is a sign-in popup: it has handed the response to its opener and closes.
    Popup,
    /// The return from the provider; sign-in completed or failed.
    Redirect(Result<SignedIn, AuthError>),
}

/// On page load: finishes a sign-in when this load is the provider's redirect.
pub async fn arrive(config: Option<&AppConfig>) -> Arrival {
    let Some(window) = web_sys::window() else { return Arrival::Normal { signed_out: None } };
    let query = window.location().search().unwrap_or_default();
    if !flow::is_redirect_response(&query) {
        let signed_out = session_storage().and_then(|s| {
            let note = s.get_item(SIGNED_OUT_KEY).ok().flatten();
            let _ = s.remove_item(SIGNED_OUT_KEY);
            note
        });
        return Arrival::Normal { signed_out };
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
        // A framed page never redeems a code, whoever put it in the address.
        refuse_in_frame()?;
        let code = flow::code_from_redirect(&query, pending.as_ref())?;
        let pending = pending.ok_or(AuthError::NoPendingSignIn)?;
        let (discovery, issuer) = discover(&pending.authority).await?;
        let cancel = Cancel::new();
        let (tokens, claims) = exchange(config, &discovery, &issuer, &pending, &code, &cancel).await?;
        Ok(SignedIn(Rc::new(Session {
            refreshing: RefCell::new(None),
            config: config.clone(),
            authority: pending.authority.clone(),
            discovery,
            issuer,
            tokens: RefCell::new(Some(tokens)),
            graph: RefCell::new(None),
            refresh: RefCell::new(RefreshState::default()),
            claims: RefCell::new(claims),
            renewed: Cell::new(0),
            cancel,
        })))
    }
    .await;
    Arrival::Redirect(result)
}

async fn exchange(config: &AppConfig, discovery: &Discovery, issuer: &IssuerRule, pending: &PendingSignIn, code: &str, cancel: &Cancel) -> Result<(Tokens, IdClaims), AuthError> {
    let body = flow::code_exchange_body(&config.client_id, code, &redirect_uri(), &pending.verifier, &config.scopes());
    redeem(config, discovery, issuer, pending, body, cancel).await
}

/// Sends a code-exchange `body` and checks the id token that comes back.
async fn redeem(config: &AppConfig, discovery: &Discovery, issuer: &IssuerRule, pending: &PendingSignIn, body: String, cancel: &Cancel) -> Result<(Tokens, IdClaims), AuthError> {
    let resp = fetch_plain("POST", &discovery.token_endpoint, Some(body), cancel).await.map_err(|e| AuthError::Network(e.to_string()))?;
    let tokens = flow::parse_token_response(resp.status, &resp.body, now_ms())?;
    let expected = flow::Expected { issuer, client_id: &config.client_id, nonce: &pending.nonce, now_s: now_ms() / 1000 };
    let claims = flow::check_id_token(&tokens, &expected)?;
    Ok((tokens, claims))
}

/// Longest a sign-in popup may stay open.
const POPUP_TIMEOUT_MIN: u64 = 5;
/// How often the popup is looked at (closed by the user?).
const POPUP_POLL_MS: u32 = 500;

/// Opens the sign-in popup and waits for the query string it posts back; gives up when the
/// user closes the window or after [`POPUP_TIMEOUT_MIN`] minutes.
async fn popup(url: &str) -> Result<String, AuthError> {
    let window = web_sys::window().ok_or_else(|| AuthError::Network("no window".into()))?;
    let origin = window.location().origin().unwrap_or_default();
    let (tx, mut rx) = oneshot::channel::<String>();
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
        Ok(Some(popup)) => {
            let deadline = now_ms() + POPUP_TIMEOUT_MIN * 60_000;
            let mut closed_seen = 0;
            loop {
                match select(&mut rx, TimeoutFuture::new(POPUP_POLL_MS)).await {
                    Either::Left((Ok(query), _)) => break Ok(query),
                    Either::Left((Err(_), _)) => break Err(AuthError::PopupClosed),
                    Either::Right(_) => {
                        // The popup posts its answer and then closes itself: one more look
                        // after it is closed lets that message arrive.
                        if popup.closed().unwrap_or(true) {
                            closed_seen += 1;
                            if closed_seen > 2 {
                                break Err(AuthError::PopupClosed);
                            }
                        }
                        if now_ms() >= deadline {
                            let _ = popup.close();
                            break Err(AuthError::PopupTimeout);
                        }
                    }
                }
            }
        }
        _ => Err(AuthError::Network("the browser blocked the sign-in popup; allow popups for this site and try again".into())),
    };
    let _ = window.remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    result
}

/// Forgets everything sign-in left in this tab and leaves `note` (no tenant data) for the page
/// the provider sends back to after ending its session.
pub fn sign_out(note: Option<&str>) {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(PENDING_KEY);
        match note {
            Some(n) => {
                let _ = s.set_item(SIGNED_OUT_KEY, n);
            }
            None => {
                let _ = s.remove_item(SIGNED_OUT_KEY);
            }
        }
    }
}
