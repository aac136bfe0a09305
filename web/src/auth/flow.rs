//! The OAuth 2.0 authorization-code + PKCE protocol with OpenID Connect, as pure functions.
//!
//! Everything here is plain data in, plain data out, so it is tested natively: fresh sign-in
//! secrets from random bytes, the authorize and end-session URLs, checking the redirect, the
//! token request bodies, reading token responses, validating the id token and the discovery
//! document's issuer, when a token may still be used and when to refresh it, and whether a
//! second sign-in is the same account, and the Microsoft Graph token: asked with the same
//! refresh token, and why none could be had (consent missing, or the provider busy). The
//! browser side (`auth/mod.rs`) does the I/O.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Why sign-in did not complete, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the sign-in response does not belong to a sign-in started here (state mismatch); nothing was sent to the token endpoint — please sign in again")]
    StateMismatch,
    #[error("no sign-in was in progress in this tab; please sign in again")]
    NoPendingSignIn,
    #[error("the identity provider refused sign-in: {error}{}", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default())]
    Provider { error: String, description: Option<String> },
    #[error("the sign-in response has no authorization code")]
    MissingCode,
    #[error("the token endpoint's answer could not be read: {0}")]
    BadTokenResponse(String),
    #[error("the id token's nonce does not match this sign-in; the tokens were discarded")]
    NonceMismatch,
    #[error("the identity provider's discovery document could not be read: {0}")]
    BadDiscovery(String),
    #[error("network error talking to the identity provider: {0}")]
    Network(String),
    #[error("your session has expired; sign in again to continue (your scan and pending changes are kept)")]
    SessionExpired,
    #[error("the browser's secure random source (crypto.getRandomValues) failed; sign-in was not started")]
    NoRandomSource,
    #[error("the id token from the identity provider is not valid for this sign-in ({0}); the tokens were discarded")]
    BadIdToken(String),
    #[error("{0}")]
    OtherAccount(String),
    #[error("pullpath is shown inside another page (a frame): open it in its own tab to sign in")]
    Framed,
    #[error("the sign-in window was closed before sign-in finished")]
    PopupClosed,
    #[error("the sign-in window did not finish in time; it was closed")]
    PopupTimeout,
}

/// The endpoints named by `{authority}/.well-known/openid-configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

impl Discovery {
    pub fn parse(text: &str) -> Result<Discovery, AuthError> {
        serde_json::from_str(text).map_err(|e| AuthError::BadDiscovery(e.to_string()))
    }
}

/// What the id token's `iss` must be, learnt from the discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerRule {
    /// `iss` equals this exactly (OIDC Core 1.0 §3.1.3.7 item 2).
    Exact(String),
    /// Entra's tenant-independent authorities (`organizations`, `common`) publish
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`: `iss` must equal it with the
    /// token's `tid` (a GUID) put in the placeholder.
    Template(String),
}

const TENANT_PLACEHOLDER: &str = "{tenantid}";

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36 && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// `https://host/{tenant}/v2.0` → (`https://host`, `tenant`, `/v2.0`) — the shape of Entra
/// authorities and issuers.
fn split_tenant(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let slash = rest.find('/')?;
    let origin = &url[..scheme.len() + 3 + slash];
    let path = &rest[slash + 1..];
    let tenant = path.split('/').next().unwrap_or("");
    Some((origin, tenant, &path[tenant.len()..]))
}

/// Checks the discovery document's `issuer` against the authority it was fetched from, and
/// says what the id token's `iss` must then be.
///
/// OpenID Connect Discovery 1.0 §4.3 wants them identical. Microsoft Entra differs in two
/// documented ways, accepted here and nothing else: an authority naming the tenant by domain
/// (`contoso.onmicrosoft.com`) or as `consumers` publishes the tenant's GUID; `organizations`
/// and `common` publish the `{tenantid}` template ("These endpoints return an issuer value,
/// which is a template parametrized by the tenantid",
/// https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer).
/// Origin and the path after the tenant must match in every case.
pub fn issuer_rule(authority: &str, issuer: &str) -> Result<IssuerRule, AuthError> {
    let authority = authority.trim_end_matches('/');
    let issuer_t = issuer.trim_end_matches('/');
    if authority == issuer_t {
        return Ok(IssuerRule::Exact(issuer.to_string()));
    }
    let refuse = || AuthError::BadDiscovery(format!("the provider at {authority} names another issuer ({issuer}); sign-in was not started"));
    let (a_origin, a_tenant, a_tail) = split_tenant(authority).ok_or_else(refuse)?;
    let (i_origin, i_tenant, i_tail) = split_tenant(issuer_t).ok_or_else(refuse)?;
    if !a_origin.eq_ignore_ascii_case(i_origin) || a_tail != i_tail || a_tenant.is_empty() || is_guid(a_tenant) {
        return Err(refuse());
    }
    let multi = a_tenant.eq_ignore_ascii_case("organizations") || a_tenant.eq_ignore_ascii_case("common");
    if i_tenant == TENANT_PLACEHOLDER && multi {
        return Ok(IssuerRule::Template(issuer.to_string()));
    }
    if is_guid(i_tenant) && !multi {
        return Ok(IssuerRule::Exact(issuer.to_string()));
    }
    Err(refuse())
}

/// What must survive the redirect to the identity provider and back (kept in
/// sessionStorage only for that trip, deleted on return).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct PendingSignIn {
    pub verifier: String,
    pub state: String,
    pub nonce: String,
    /// Where the user was, to return there after sign-in.
    pub return_to: String,
    /// The authority used (tenant switching signs in against another one).
    pub authority: String,
}

/// Random bytes [`PendingSignIn::from_random`] needs: 160 for the verifier (rejection
/// sampling discards some), 24 each for `state` and `nonce`.
pub const RANDOM_BYTES: usize = 160 + 24 + 24;

impl PendingSignIn {
    /// Fresh verifier, state and nonce from the browser's CSPRNG output. A source that failed
    /// silently (all zeros, or any constant run) is refused rather than yielding guessable
    /// secrets: the chance of a working CSPRNG producing 24 equal bytes is 2^-184.
    pub fn from_random(random: &[u8], authority: &str, return_to: String) -> Result<PendingSignIn, AuthError> {
        if random.len() < RANDOM_BYTES {
            return Err(AuthError::NoRandomSource);
        }
        let (v, rest) = random.split_at(160);
        let (st, rest) = rest.split_at(24);
        let nonce = &rest[..24];
        let constant = |b: &[u8]| b.windows(2).all(|w| w[0] == w[1]);
        if constant(v) || constant(st) || constant(nonce) {
            return Err(AuthError::NoRandomSource);
        }
        let verifier = verifier_from_random(v).ok_or(AuthError::NoRandomSource)?;
        Ok(PendingSignIn { verifier, state: token_from_random(st), nonce: token_from_random(nonce), return_to, authority: authority.to_string() })
    }
}

const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// A PKCE code verifier of 64 unreserved characters (RFC 7636 §4.1 allows 43–128) drawn from
/// `random` bytes (from the browser's CSPRNG). Rejection sampling keeps it unbiased.
pub fn verifier_from_random(random: &[u8]) -> Option<String> {
    let usable = 256 - (256 % UNRESERVED.len()); // 198: 66 × 3
    let out: String = random.iter().filter(|&&b| (b as usize) < usable).map(|&b| UNRESERVED[b as usize % UNRESERVED.len()] as char).take(64).collect();
    (out.len() == 64).then_some(out)
}

/// An opaque random token (state, nonce) from random bytes.
pub fn token_from_random(random: &[u8]) -> String {
    base64url(random)
}

/// The S256 code challenge: BASE64URL(SHA256(verifier)).
pub fn challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

pub fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        let chars = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for c in &chars[..chunk.len() + 1] {
            out.push(A[*c as usize] as char);
        }
    }
    out
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// `application/x-www-form-urlencoded` and query-string encoding.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", pullpath_core::percent::encode_component(k), pullpath_core::percent::encode_component(v))).collect::<Vec<_>>().join("&")
}

/// The URL to send the browser to.
pub fn authorize_url(discovery: &Discovery, client_id: &str, redirect_uri: &str, scopes: &str, pending: &PendingSignIn) -> String {
    let challenge = challenge(&pending.verifier);
    let query = form(&[
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", redirect_uri),
        ("response_mode", "query"),
        ("scope", scopes),
        ("state", &pending.state),
        ("nonce", &pending.nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let sep = if discovery.authorization_endpoint.contains('?') { '&' } else { '?' };
    format!("{}{sep}{query}", discovery.authorization_endpoint)
}

/// Where to send the browser to end the session at the provider (OpenID Connect
/// RP-Initiated Logout 1.0; Entra: "Redirect the user-agent to the end_session_endpoint as
/// shown in the OpenID Connect configuration document", with `post_logout_redirect_uri`
/// "Recommended", https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#send-a-sign-out-request).
/// `client_id` lets a provider accept the return address without an id token in the URL
/// (RP-Initiated Logout §2); no token is put in it. `None` when the provider names no
/// end-session endpoint.
pub fn end_session_url(discovery: &Discovery, client_id: &str, post_logout_redirect_uri: &str) -> Option<String> {
    let endpoint = discovery.end_session_endpoint.as_deref().filter(|e| e.starts_with("https://") || e.starts_with("http://"))?;
    let query = form(&[("post_logout_redirect_uri", post_logout_redirect_uri), ("client_id", client_id)]);
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    Some(format!("{endpoint}{sep}{query}"))
}

/// Parses a query string into pairs (percent-decoding, `+` as space), with core's one codec.
/// A query with a malformed escape yields no pairs: it is not a redirect pullpath can read.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    pullpath_core::percent::parse_query(query.trim_start_matches('?')).unwrap_or_default()
}

/// True when a page load is the return from the identity provider.
pub fn is_redirect_response(query: &str) -> bool {
    let q = parse_query(query);
    q.iter().any(|(k, _)| k == "state") && q.iter().any(|(k, _)| k == "code" || k == "error")
}

/// Checks the redirect's `state` *before* anything else and returns the code. A mismatch
/// means the response was not for us: no token request may be made.
pub fn code_from_redirect(query: &str, pending: Option<&PendingSignIn>) -> Result<String, AuthError> {
    let q = parse_query(query);
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let pending = pending.ok_or(AuthError::NoPendingSignIn)?;
    if get("state").as_deref() != Some(pending.state.as_str()) {
        return Err(AuthError::StateMismatch);
    }
    if let Some(error) = get("error") {
        return Err(AuthError::Provider { error, description: get("error_description") });
    }
    get("code").filter(|c| !c.is_empty()).ok_or(AuthError::MissingCode)
}

/// Body of the authorization-code token request.
pub fn code_exchange_body(client_id: &str, code: &str, redirect_uri: &str, verifier: &str, scopes: &str) -> String {
    form(&[("client_id", client_id), ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri), ("code_verifier", verifier), ("scope", scopes)])
}

/// Body of the refresh-token request.
pub fn refresh_body(client_id: &str, refresh_token: &str, scopes: &str) -> String {
    form(&[("client_id", client_id), ("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("scope", scopes)])
}

#[derive(Debug, Clone, Deserialize)]
struct RawTokenResponse {
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Tokens from the token endpoint. Lives only in memory (see `auth::SignedIn`).
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// Milliseconds since the epoch when the access token was received and expires.
    pub issued_at_ms: u64,
    pub expires_at_ms: u64,
}

impl std::fmt::Debug for Tokens {
    // Never print a token, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("expires_at_ms", &self.expires_at_ms).field("has_refresh_token", &self.refresh_token.is_some()).finish()
    }
}

/// Reads a token endpoint response; `now_ms` comes from the caller's clock.
pub fn parse_token_response(status: u16, body: &str, now_ms: u64) -> Result<Tokens, AuthError> {
    let raw: RawTokenResponse = serde_json::from_str(body).map_err(|e| AuthError::BadTokenResponse(format!("HTTP {status}: {e}")))?;
    if let Some(error) = raw.error {
        return Err(AuthError::Provider { error, description: raw.error_description });
    }
    let access_token = raw.access_token.filter(|t| !t.is_empty()).ok_or_else(|| AuthError::BadTokenResponse(format!("HTTP {status}: no access_token")))?;
    let expires_in = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(3600),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or(3600),
        _ => 3600,
    };
    Ok(Tokens { access_token, refresh_token: raw.refresh_token, id_token: raw.id_token, issued_at_ms: now_ms, expires_at_ms: now_ms + expires_in * 1000 })
}

/// The id token claims pullpath shows or checks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct IdClaims {
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub sub: Option<String>,
    /// Entra's object id of the user (the same in every app, unlike `sub`).
    #[serde(default)]
    pub oid: Option<String>,
    /// One string or an array of them (OIDC Core 1.0 §2); kept as JSON (no extra decoder).
    #[serde(default)]
    pub aud: Option<serde_json::Value>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub exp: Option<serde_json::Value>,
}

pub fn id_claims(id_token: &str) -> Option<IdClaims> {
    let payload = id_token.split('.').nth(1)?;
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

/// What an id token must say to belong to this sign-in.
pub struct Expected<'a> {
    pub issuer: &'a IssuerRule,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Seconds since the epoch, from the browser's clock.
    pub now_s: u64,
}

/// Clock skew allowed on `exp` ("possibly allowing for some small leeway to account for
/// clock skew", OIDC Core 1.0 §3.1.3.7 item 9).
const EXP_LEEWAY_S: u64 = 5 * 60;

/// Validates the id token as OpenID Connect Core 1.0 §3.1.3.7 asks
/// (https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation): "The Issuer
/// Identifier for the OpenID Provider [...] MUST exactly match the value of the iss (issuer)
/// Claim" (item 2, with Entra's `{tenantid}` template, see [`issuer_rule`]); "The ID Token
/// MUST be rejected if the ID Token does not list the Client as a valid audience, or if it
/// contains additional audiences not trusted by the Client" (item 3; pullpath trusts no other
/// audience); an `azp` must be the client (item 5); "The current time MUST be before the time
/// represented by the exp Claim" (item 9); the nonce must be the one sent (item 11). The
/// signature is not checked: the token came straight from the token endpoint over TLS, and
/// item 6 lets "the TLS server validation [...] be used to validate the issuer in place of
/// checking the token signature".
pub fn check_id_token(tokens: &Tokens, expected: &Expected) -> Result<IdClaims, AuthError> {
    let bad = |why: String| AuthError::BadIdToken(why);
    let claims = tokens.id_token.as_deref().and_then(id_claims).ok_or_else(|| bad("there is no readable id token".into()))?;
    let iss = claims.iss.as_deref().ok_or_else(|| bad("it names no issuer".into()))?;
    let want = match expected.issuer {
        IssuerRule::Exact(i) => i.clone(),
        IssuerRule::Template(t) => {
            let tid = claims.tid.as_deref().filter(|t| is_guid(t)).ok_or_else(|| bad("it names no tenant id (tid) for a multi-tenant authority".into()))?;
            t.replacen(TENANT_PLACEHOLDER, tid, 1)
        }
    };
    if iss != want {
        return Err(bad(format!("issued by {iss}")));
    }
    let only_us = match &claims.aud {
        Some(serde_json::Value::String(a)) => a == expected.client_id,
        Some(serde_json::Value::Array(v)) => !v.is_empty() && v.iter().all(|a| a.as_str() == Some(expected.client_id)),
        _ => false,
    };
    if !only_us {
        return Err(bad("its audience is not only this app".into()));
    }
    if claims.azp.as_deref().is_some_and(|azp| azp != expected.client_id) {
        return Err(bad("it was issued to another party (azp)".into()));
    }
    let exp = match &claims.exp {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| bad("it has no expiry (exp)".into()))?;
    if expected.now_s >= exp.saturating_add(EXP_LEEWAY_S) {
        return Err(bad("it has expired (check this computer's clock)".into()));
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(AuthError::NonceMismatch);
    }
    Ok(claims)
}

/// Whether a second sign-in (the popup when the session ended) is the same person in the same
/// tenant. Taking another account silently would continue an apply, or show a scan, under
/// someone else's rights.
pub fn same_account(before: &IdClaims, after: &IdClaims) -> Result<(), AuthError> {
    let differs = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
    if before.tid == after.tid && before.sub.is_some() && before.sub == after.sub && !differs(&before.oid, &after.oid) {
        return Ok(());
    }
    let who = before.preferred_username.as_deref().or(before.name.as_deref()).unwrap_or("the same user");
    Err(AuthError::OtherAccount(format!("that sign-in was another user or tenant; nothing was taken from it — sign in again as {who}, or sign out")))
}

/// When to refresh: five minutes before expiry, or halfway through the life of a token that
/// lives less than ten minutes.
pub fn refresh_at_ms(tokens: &Tokens) -> u64 {
    let life = tokens.expires_at_ms.saturating_sub(tokens.issued_at_ms);
    let margin = (5 * 60 * 1000).min(life / 2);
    tokens.expires_at_ms.saturating_sub(margin)
}

/// The last moment a token is still sent: a minute (a tenth of a short token's life) before
/// it expires, so that it does not expire on its way or while ARM reads it.
pub fn usable_until_ms(tokens: &Tokens) -> u64 {
    let life = tokens.expires_at_ms.saturating_sub(tokens.issued_at_ms);
    tokens.expires_at_ms.saturating_sub((60 * 1000).min(life / 10))
}

/// How refreshing has gone since the last token was received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshState {
    /// Transient failures in a row (network errors, 5xx, 429).
    pub failures: u32,
    /// Of those, how many happened when the token was no longer usable.
    pub failures_after_expiry: u32,
    /// No new attempt before this (backoff).
    pub next_try_ms: u64,
    /// The provider refused the refresh token (`invalid_grant`, ...): it will not work again.
    pub refused: bool,
}

/// Attempts after expiry before the session counts as gone (1 + 2 + 4 + 8 s of backoff).
const MAX_FAILURES_AFTER_EXPIRY: u32 = 4;

/// What to do for a request that needs a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStep {
    /// Send the current token.
    Use,
    /// Refresh now; if that fails for now, the current token is still good.
    RefreshOrUse,
    /// The current token is no longer usable: refresh (after `wait_ms`) before sending.
    Refresh { wait_ms: u64 },
    /// Only a new sign-in helps.
    Gone,
}

/// Decides, from the tokens, how refreshing went and the time, what a request does. A failed
/// refresh never ends a session whose token is still usable; it ends only once the token is
/// no longer usable and the provider refused, or refreshing kept failing after that.
pub fn token_step(tokens: &Tokens, refresh: &RefreshState, has_refresh_token: bool, now_ms: u64) -> TokenStep {
    let usable = now_ms < usable_until_ms(tokens);
    if now_ms < refresh_at_ms(tokens) && usable {
        return TokenStep::Use;
    }
    let can_refresh = has_refresh_token && !refresh.refused;
    match (usable, can_refresh) {
        (true, false) => TokenStep::Use,
        (true, true) if now_ms >= refresh.next_try_ms => TokenStep::RefreshOrUse,
        (true, true) => TokenStep::Use,
        (false, false) => TokenStep::Gone,
        (false, true) if refresh.failures_after_expiry >= MAX_FAILURES_AFTER_EXPIRY => TokenStep::Gone,
        (false, true) => TokenStep::Refresh { wait_ms: refresh.next_try_ms.saturating_sub(now_ms) },
    }
}

/// Records a transient refresh failure: back off 1, 2, 4 … 30 s.
pub fn refresh_failed(state: &mut RefreshState, tokens: &Tokens, now_ms: u64) {
    let backoff = 1000u64.saturating_mul(1 << state.failures.min(5)).min(30_000);
    state.failures += 1;
    if now_ms >= usable_until_ms(tokens) {
        state.failures_after_expiry += 1;
    }
    state.next_try_ms = now_ms + backoff;
}

/// Why a refresh did not give a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshFailure {
    /// Try again later: the network, the provider being busy or broken.
    Transient,
    /// The provider refused the refresh token: only a new sign-in helps.
    Refused,
}

/// Reads a refresh answer. OAuth 2.0 (RFC 6749 §5.2) answers a refused grant with HTTP 400
/// and an `error` code; `temporarily_unavailable` and `server_error`, 5xx, 429 and 408 are
/// the provider's trouble, not the session's.
pub fn read_refresh(status: u16, body: &str, now_ms: u64) -> Result<Tokens, RefreshFailure> {
    if matches!(status, 408 | 429 | 500..=599) {
        return Err(RefreshFailure::Transient);
    }
    match parse_token_response(status, body, now_ms) {
        Ok(t) => Ok(t),
        Err(AuthError::Provider { error, .. }) if matches!(error.as_str(), "temporarily_unavailable" | "server_error") => Err(RefreshFailure::Transient),
        Err(AuthError::Provider { .. }) => Err(RefreshFailure::Refused),
        // A 2xx that cannot be read is most likely a proxy's page: not a verdict on the session.
        Err(_) if (200..300).contains(&status) => Err(RefreshFailure::Transient),
        Err(_) => Err(RefreshFailure::Refused),
    }
}

/// Why no Microsoft Graph token could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphRefusal {
    /// The provider wants the user in front of it: nobody consented to the Graph permission for
    /// this user and app (`consent_required`, AADSTS65001), or it needs another sign-in
    /// (`interaction_required`, `invalid_grant`). Asking again in a popup may help; where users
    /// may not consent, only an administrator's consent does. `consent` says which it said.
    NeedsInteraction { consent: bool, said: String },
    /// The network or the provider failed for now: the scan goes on without Graph.
    Unavailable(String),
}

impl GraphRefusal {
    /// What the provider said, in its words.
    pub fn said(&self) -> &str {
        match self {
            GraphRefusal::NeedsInteraction { said, .. } | GraphRefusal::Unavailable(said) => said,
        }
    }
}

/// Reads the token endpoint's answer to a request for the Graph token (a refresh-token grant
/// with the Graph scope). "Refresh tokens are also used to acquire extra access tokens for
/// other resources. [...] A client can use a refresh token to acquire access tokens across any
/// combination of resource and tenant where it has permission to do so."
/// (https://learn.microsoft.com/entra/identity-platform/refresh-tokens). Where it has no
/// permission, the answer is an OAuth error; Entra's error envelope carries `error` ("used to
/// react to errors", https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
/// and, for a missing consent, `suberror: consent_required` with AADSTS65001 in its
/// description. Any refusal that is not the provider's own trouble asks for interaction
/// (what MSAL.js calls an `InteractionRequiredAuthError`); which code it was only changes the
/// words.
pub fn read_graph_token(status: u16, body: &str, now_ms: u64) -> Result<Tokens, GraphRefusal> {
    if matches!(status, 408 | 429 | 500..=599) {
        return Err(GraphRefusal::Unavailable(format!("the identity provider answered HTTP {status}")));
    }
    match parse_token_response(status, body, now_ms) {
        Ok(t) => Ok(t),
        Err(AuthError::Provider { error, description }) if matches!(error.as_str(), "temporarily_unavailable" | "server_error") => {
            Err(GraphRefusal::Unavailable(description.unwrap_or(error)))
        }
        Err(AuthError::Provider { .. }) => {
            let r: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            let field = |k: &str| r.get(k).and_then(serde_json::Value::as_str).unwrap_or_default();
            let (error, description) = (field("error"), field("error_description"));
            let consent = error == "consent_required" || field("suberror") == "consent_required" || description.starts_with("AADSTS65001");
            // Entra's descriptions end in trace and correlation ids over several lines: the
            // first line says it.
            let first = description.lines().next().unwrap_or_default().trim();
            let said = if first.is_empty() { error.to_string() } else { format!("{error}: {first}") };
            Err(GraphRefusal::NeedsInteraction { consent, said })
        }
        Err(e) if (200..300).contains(&status) => Err(GraphRefusal::Unavailable(e.to_string())),
        Err(e) => Err(GraphRefusal::NeedsInteraction { consent: false, said: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingSignIn {
        PendingSignIn { verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(), state: "st-1".into(), nonce: "n-1".into(), return_to: "/".into(), authority: "https://login.microsoftonline.com/organizations/v2.0".into() }
    }

    #[test]
    fn s256_challenge_matches_rfc7636_appendix_b() {
        assert_eq!(challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifier_is_64_unreserved_chars_or_none() {
        let random: Vec<u8> = (0..=255u8).cycle().take(200).collect();
        let v = verifier_from_random(&random).unwrap();
        assert_eq!(v.len(), 64);
        assert!(v.bytes().all(|b| UNRESERVED.contains(&b)));
        assert_eq!(verifier_from_random(&[250; 100]), None, "all bytes rejected: not enough randomness");
    }

    #[test]
    fn authorize_url_carries_pkce_state_nonce() {
        let d = Discovery { issuer: "i".into(), authorization_endpoint: "https://login.example/authorize".into(), token_endpoint: "t".into(), end_session_endpoint: None };
        let url = authorize_url(&d, "cid", "http://127.0.0.1:8080/", "https://management.azure.com/user_impersonation openid", &pending());
        let q = parse_query(url.split_once('?').unwrap().1);
        let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(get("code_challenge"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(get("code_challenge_method"), "S256");
        assert_eq!(get("state"), "st-1");
        assert_eq!(get("nonce"), "n-1");
        assert_eq!(get("scope"), "https://management.azure.com/user_impersonation openid");
        assert_eq!(get("redirect_uri"), "http://127.0.0.1:8080/");
    }

    #[test]
    fn redirect_checks_state_first() {
        let p = pending();
        assert_eq!(code_from_redirect("?code=abc&state=st-1", Some(&p)), Ok("abc".into()));
        assert_eq!(code_from_redirect("?code=abc&state=forged", Some(&p)), Err(AuthError::StateMismatch));
        assert_eq!(code_from_redirect("?error=access_denied&state=forged", Some(&p)), Err(AuthError::StateMismatch));
        assert_eq!(code_from_redirect("?code=abc&state=st-1", None), Err(AuthError::NoPendingSignIn));
        assert!(matches!(code_from_redirect("?error=access_denied&error_description=User+cancelled&state=st-1", Some(&p)), Err(AuthError::Provider { description: Some(d), .. }) if d == "User cancelled"));
    }

    const CID: &str = "0f1c6e3a-5b7d-4f3e-9a7b-2c1d0e9f8a77";
    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    fn tokens_with(claims: serde_json::Value) -> Tokens {
        let payload = base64url(claims.to_string().as_bytes());
        let body = format!(r#"{{"access_token":"SECRET-ACCESS","refresh_token":"SECRET-REFRESH","id_token":"h.{payload}.s","expires_in":"3599","token_type":"Bearer"}}"#);
        parse_token_response(200, &body, 1_000).unwrap()
    }

    fn good_claims() -> serde_json::Value {
        serde_json::json!({"iss": "https://login.example/t/v2.0", "aud": CID, "exp": 2_000, "nonce": "n-1", "name": "Ada", "tid": TID, "sub": "ada"})
    }

    #[test]
    fn token_response_and_id_token() {
        let t = tokens_with(good_claims());
        assert_eq!(t.expires_at_ms, 1_000 + 3_599_000);
        let rule = IssuerRule::Exact("https://login.example/t/v2.0".into());
        let ok = Expected { issuer: &rule, client_id: CID, nonce: "n-1", now_s: 1_500 };
        assert_eq!(check_id_token(&t, &ok).unwrap().name.as_deref(), Some("Ada"));
        assert_eq!(check_id_token(&t, &Expected { nonce: "other", ..ok }), Err(AuthError::NonceMismatch));
        assert!(!format!("{t:?}").contains("SECRET"), "debug output never shows tokens");
        let err = parse_token_response(400, r#"{"error":"invalid_grant","error_description":"PKCE verification failed"}"#, 0).unwrap_err();
        assert!(err.to_string().contains("PKCE verification failed"));
    }

    #[test]
    fn id_token_iss_aud_exp_are_checked() {
        let rule = IssuerRule::Exact("https://login.example/t/v2.0".into());
        let expected = Expected { issuer: &rule, client_id: CID, nonce: "n-1", now_s: 1_500 };
        let with = |k: &str, v: serde_json::Value| {
            let mut c = good_claims();
            if v.is_null() { c.as_object_mut().unwrap().remove(k); } else { c[k] = v; }
            check_id_token(&tokens_with(c), &expected)
        };
        // (claim, value, what the refusal says); null removes the claim.
        let cases: &[(&str, serde_json::Value, &str)] = &[
            ("iss", "https://evil.example/t/v2.0".into(), "issued by https://evil.example"),
            ("iss", serde_json::Value::Null, "no issuer"),
            ("aud", "someone-else".into(), "audience"),
            ("aud", serde_json::json!([CID, "someone-else"]), "audience"),
            ("aud", serde_json::Value::Null, "audience"),
            ("azp", "someone-else".into(), "another party"),
            ("exp", 900.into(), "expired"),
            ("exp", "2000".into(), "no expiry"),
            ("exp", serde_json::Value::Null, "no expiry"),
        ];
        for (claim, value, says) in cases {
            let err = with(claim, value.clone()).unwrap_err();
            assert!(matches!(err, AuthError::BadIdToken(_)) && err.to_string().contains(says), "{claim}={value}: {err}");
        }
        assert!(with("aud", serde_json::json!([CID])).is_ok(), "an array naming only this app is fine");
        assert!(with("exp", 1_400.into()).is_ok(), "a few minutes of clock skew are allowed");
        assert!(check_id_token(&Tokens { id_token: None, ..tokens_with(good_claims()) }, &expected).is_err(), "no id token");
        assert!(check_id_token(&Tokens { id_token: Some("not-a-jwt".into()), ..tokens_with(good_claims()) }, &expected).is_err());
    }

    #[test]
    fn entra_multi_tenant_issuer_template_takes_the_tokens_tid() {
        let rule = issuer_rule("https://login.microsoftonline.com/organizations/v2.0", "https://login.microsoftonline.com/{tenantid}/v2.0").unwrap();
        assert_eq!(rule, IssuerRule::Template("https://login.microsoftonline.com/{tenantid}/v2.0".into()));
        let expected = Expected { issuer: &rule, client_id: CID, nonce: "n-1", now_s: 1_500 };
        let mut c = good_claims();
        c["iss"] = format!("https://login.microsoftonline.com/{TID}/v2.0").into();
        assert!(check_id_token(&tokens_with(c.clone()), &expected).is_ok());
        c["tid"] = "3b1e0c4a-0000-4000-8000-000000000002".into();
        assert!(check_id_token(&tokens_with(c.clone()), &expected).is_err(), "iss must carry the token's own tid");
        c["tid"] = "not-a-guid".into();
        c["iss"] = "https://login.microsoftonline.com/not-a-guid/v2.0".into();
        assert!(check_id_token(&tokens_with(c), &expected).is_err(), "tid must be a GUID");
    }

    #[test]
    fn discovery_issuer_must_belong_to_the_authority() {
        let ok: &[(&str, &str)] = &[
            ("http://127.0.0.1:7000", "http://127.0.0.1:7000"),
            ("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
            ("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
            ("https://login.microsoftonline.com/consumers/v2.0", "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
            ("https://login.microsoftonline.com/common/v2.0", "https://login.microsoftonline.com/{tenantid}/v2.0"),
        ];
        for (authority, issuer) in ok {
            assert!(issuer_rule(authority, issuer).is_ok(), "{authority} → {issuer}");
        }
        let refused: &[(&str, &str)] = &[
            ("http://127.0.0.1:7000", "http://127.0.0.1:7001"),
            ("https://login.microsoftonline.com/organizations/v2.0", "https://evil.example/{tenantid}/v2.0"),
            ("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "https://login.microsoftonline.com/3b1e0c4a-0000-4000-8000-000000000002/v2.0"),
            ("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", "https://login.microsoftonline.com/{tenantid}/v2.0"),
            ("https://login.microsoftonline.com/organizations/v2.0", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
            ("https://login.microsoftonline.com/contoso.com/v2.0", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("https://login.microsoftonline.com/contoso.com/v2.0", "not a url"),
        ];
        for (authority, issuer) in refused {
            assert!(matches!(issuer_rule(authority, issuer), Err(AuthError::BadDiscovery(_))), "{authority} → {issuer}");
        }
    }

    #[test]
    fn a_failed_random_source_refuses_to_sign_in() {
        let good: Vec<u8> = (0..RANDOM_BYTES).map(|i| (i * 37 % 251) as u8).collect();
        let p = PendingSignIn::from_random(&good, "https://a", "/".into()).unwrap();
        assert_eq!(p.verifier.len(), 64);
        assert_ne!(p.state, p.nonce);
        assert_eq!(PendingSignIn::from_random(&[0; RANDOM_BYTES], "https://a", "/".into()), Err(AuthError::NoRandomSource), "all zeros");
        assert_eq!(PendingSignIn::from_random(&good[..100], "https://a", "/".into()), Err(AuthError::NoRandomSource), "too short");
        let mut zero_nonce = good.clone();
        zero_nonce[184..].fill(0);
        assert_eq!(PendingSignIn::from_random(&zero_nonce, "https://a", "/".into()), Err(AuthError::NoRandomSource), "a constant nonce");
    }

    #[test]
    fn end_session_url_names_the_return_address_and_no_token() {
        let d = Discovery { issuer: "i".into(), authorization_endpoint: "a".into(), token_endpoint: "t".into(), end_session_endpoint: Some("https://login.example/logout".into()) };
        let url = end_session_url(&d, CID, "http://127.0.0.1:8080/").unwrap();
        let q = parse_query(url.split_once('?').unwrap().1);
        assert_eq!(q, vec![("post_logout_redirect_uri".into(), "http://127.0.0.1:8080/".into()), ("client_id".into(), CID.into())]);
        assert_eq!(end_session_url(&Discovery { end_session_endpoint: None, ..d.clone() }, CID, "x"), None);
        assert_eq!(end_session_url(&Discovery { end_session_endpoint: Some("javascript:alert(1)".into()), ..d }, CID, "x"), None);
    }

    #[test]
    fn a_second_sign_in_must_be_the_same_account() {
        let ada = IdClaims { sub: Some("ada".into()), oid: Some("o-1".into()), tid: Some(TID.into()), preferred_username: Some("ada@contoso".into()), ..Default::default() };
        assert_eq!(same_account(&ada, &ada.clone()), Ok(()));
        let eve = IdClaims { sub: Some("eve".into()), preferred_username: Some("eve@contoso".into()), ..ada.clone() };
        let err = same_account(&ada, &eve).unwrap_err().to_string();
        assert!(err.contains("another user") && err.contains("as ada@contoso"), "{err}");
        let other_tenant = IdClaims { tid: Some("3b1e0c4a-0000-4000-8000-000000000002".into()), ..ada.clone() };
        assert!(same_account(&ada, &other_tenant).is_err(), "another tenant");
        assert!(same_account(&ada, &IdClaims { oid: Some("o-2".into()), ..ada.clone() }).is_err(), "same sub, other object id");
        assert!(same_account(&ada, &IdClaims { sub: None, ..ada.clone() }).is_err(), "no subject: cannot tell");
    }

    #[test]
    fn a_failed_refresh_does_not_end_a_session_whose_token_is_usable() {
        // A one-hour token received at 0: refresh from 55 min, usable until 59 min.
        let t = Tokens { access_token: "a".into(), refresh_token: Some("r".into()), id_token: None, issued_at_ms: 0, expires_at_ms: 3_600_000 };
        let mut st = RefreshState::default();
        assert_eq!(usable_until_ms(&t), 3_540_000);
        assert_eq!(token_step(&t, &st, true, 1_000), TokenStep::Use);
        assert_eq!(token_step(&t, &st, true, 3_300_000), TokenStep::RefreshOrUse);
        // The refresh fails on the network: the token is still used, and no new attempt is
        // made before the backoff.
        refresh_failed(&mut st, &t, 3_300_000);
        assert_eq!(token_step(&t, &st, true, 3_300_500), TokenStep::Use);
        assert_eq!(token_step(&t, &st, true, 3_301_000), TokenStep::RefreshOrUse);
        // Past the usable time, a request waits for a refresh instead of sending a dying token…
        assert_eq!(token_step(&t, &st, true, 3_540_000), TokenStep::Refresh { wait_ms: 0 });
        refresh_failed(&mut st, &t, 3_540_000);
        assert_eq!(token_step(&t, &st, true, 3_540_000), TokenStep::Refresh { wait_ms: 2_000 });
        // …and only after several failures in a row there is the session gone.
        for n in 0..3 {
            refresh_failed(&mut st, &t, 3_541_000 + n);
        }
        assert_eq!(token_step(&t, &st, true, 3_560_000), TokenStep::Gone);
        // A refused refresh token: keep the token while it lasts, then it is gone.
        let refused = RefreshState { refused: true, ..Default::default() };
        assert_eq!(token_step(&t, &refused, true, 3_400_000), TokenStep::Use);
        assert_eq!(token_step(&t, &refused, true, 3_540_000), TokenStep::Gone);
        assert_eq!(token_step(&t, &RefreshState::default(), false, 3_540_000), TokenStep::Gone, "no refresh token");
    }

    #[test]
    fn refresh_answers_are_transient_or_refused() {
        let transient: &[(u16, &str)] = &[(503, ""), (429, "{}"), (500, r#"{"error":"invalid_grant"}"#), (400, r#"{"error":"temporarily_unavailable"}"#), (200, "<html>proxy</html>")];
        for (status, body) in transient {
            assert!(read_refresh(*status, body, 0).err() == Some(RefreshFailure::Transient), "{status} {body}");
        }
        let refused: &[(u16, &str)] = &[(400, r#"{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired"}"#), (401, r#"{"error":"invalid_client"}"#), (400, "not json")];
        for (status, body) in refused {
            assert!(read_refresh(*status, body, 0).err() == Some(RefreshFailure::Refused), "{status} {body}");
        }
        assert!(read_refresh(200, r#"{"access_token":"x","expires_in":60}"#, 0).is_ok());
    }

    #[test]
    fn refresh_before_expiry() {
        let t = Tokens { access_token: "a".into(), refresh_token: None, id_token: None, issued_at_ms: 0, expires_at_ms: 3_600_000 };
        assert_eq!(refresh_at_ms(&t), 3_300_000);
        let short = Tokens { issued_at_ms: 10_000, expires_at_ms: 70_000, ..t };
        assert_eq!(refresh_at_ms(&short), 40_000, "the deadline does not move as time passes");
    }

    #[test]
    fn graph_token_answers_say_whether_consent_is_missing() {
        let ok = read_graph_token(200, r#"{"access_token":"G","expires_in":3599,"refresh_token":"R2"}"#, 0).unwrap();
        assert_eq!((ok.access_token.as_str(), ok.refresh_token.as_deref()), ("G", Some("R2")));
        // Shaped after Entra's error envelope (reference-error-codes) for AADSTS65001.
        let entra = r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID '0f1c6e3a-5b7d-4f3e-9a7b-2c1d0e9f8a77' named 'pullpath'. Send an interactive authorization request for this user and resource.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-12-02 05:00:00Z","error_codes":[65001],"suberror":"consent_required"}"#;
        match read_graph_token(400, entra, 0) {
            Err(GraphRefusal::NeedsInteraction { consent: true, said }) => assert!(said.starts_with("invalid_grant: AADSTS65001") && !said.contains("Trace ID"), "{said}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(read_graph_token(400, r#"{"error":"interaction_required","error_description":"AADSTS50076: MFA"}"#, 0), Err(GraphRefusal::NeedsInteraction { consent: false, .. })));
        assert!(matches!(read_graph_token(400, r#"{"error":"consent_required"}"#, 0), Err(GraphRefusal::NeedsInteraction { consent: true, .. })));
        for (status, body) in [(503, ""), (429, "{}"), (400, r#"{"error":"temporarily_unavailable"}"#), (200, "<html>proxy</html>")] {
            assert!(matches!(read_graph_token(status, body, 0), Err(GraphRefusal::Unavailable(_))), "{status} {body}");
        }
    }
}
