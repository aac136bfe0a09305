//! The OAuth 2.0 authorization-code + PKCE protocol with OpenID Connect, as pure functions.
//!
//! Everything here is plain data in, plain data out, so it is tested natively: building the
//! authorize URL, checking the redirect, the token request bodies, reading token responses and
//! checking the id token's nonce. The browser side (`auth::browser`) does the I/O.

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
    pairs.iter().map(|(k, v)| format!("{}={}", pullpath_core::request::encode_component(k), pullpath_core::request::encode_component(v))).collect::<Vec<_>>().join("&")
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

/// Parses a query string into pairs (percent-decoding, `+` as space), with core's one codec.
/// A query with a malformed escape yields no pairs: it is not a redirect pullpath can read.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    pullpath_core::link::parse_query(query.trim_start_matches('?')).unwrap_or_default()
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

/// The id token claims pullpath shows or checks. The signature is not verified here: the
/// token came straight from the token endpoint over TLS (OIDC Core §3.1.3.7 allows this);
/// the nonce check binds it to this sign-in.
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
}

pub fn id_claims(id_token: &str) -> Option<IdClaims> {
    let payload = id_token.split('.').nth(1)?;
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

/// Checks the id token's nonce against the one this sign-in sent.
pub fn check_nonce(tokens: &Tokens, nonce: &str) -> Result<IdClaims, AuthError> {
    let claims = tokens.id_token.as_deref().and_then(id_claims).ok_or(AuthError::NonceMismatch)?;
    if claims.nonce.as_deref() == Some(nonce) { Ok(claims) } else { Err(AuthError::NonceMismatch) }
}

/// When to refresh: five minutes before expiry, or halfway through the life of a token that
/// lives less than ten minutes.
pub fn refresh_at_ms(tokens: &Tokens) -> u64 {
    let life = tokens.expires_at_ms.saturating_sub(tokens.issued_at_ms);
    let margin = (5 * 60 * 1000).min(life / 2);
    tokens.expires_at_ms.saturating_sub(margin)
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

    #[test]
    fn token_response_and_nonce() {
        let payload = base64url(br#"{"nonce":"n-1","name":"Ada","tid":"t"}"#);
        let body = format!(r#"{{"access_token":"SECRET-ACCESS","refresh_token":"SECRET-REFRESH","id_token":"h.{payload}.s","expires_in":"3599","token_type":"Bearer"}}"#);
        let t = parse_token_response(200, &body, 1_000).unwrap();
        assert_eq!(t.expires_at_ms, 1_000 + 3_599_000);
        assert_eq!(check_nonce(&t, "n-1").unwrap().name.as_deref(), Some("Ada"));
        assert_eq!(check_nonce(&t, "other"), Err(AuthError::NonceMismatch));
        assert!(!format!("{t:?}").contains("SECRET"), "debug output never shows tokens");
        let err = parse_token_response(400, r#"{"error":"invalid_grant","error_description":"PKCE verification failed"}"#, 0).unwrap_err();
        assert!(err.to_string().contains("PKCE verification failed"));
    }

    #[test]
    fn refresh_before_expiry() {
        let t = Tokens { access_token: "a".into(), refresh_token: None, id_token: None, issued_at_ms: 0, expires_at_ms: 3_600_000 };
        assert_eq!(refresh_at_ms(&t), 3_300_000);
        let short = Tokens { issued_at_ms: 10_000, expires_at_ms: 70_000, ..t };
        assert_eq!(refresh_at_ms(&short), 40_000, "the deadline does not move as time passes");
    }
}
