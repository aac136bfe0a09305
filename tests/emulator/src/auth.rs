//! Bearer tokens: checked against a JWKS, issuer and audience, and rejected with ARM's own
//! 401 codes and messages (`AuthenticationFailed`, `InvalidAuthenticationToken`,
//! `ExpiredAuthenticationToken`, ...).
//!
//! Not here: what a principal may do (the simulator's forbidden scopes) or how often
//! (`throttle`).

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::EmulatorError;

/// ARM's answer to a request without a usable token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

/// Who a request comes from: the token's `oid` (else `sub`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal(pub String);

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    exp: Option<u64>,
}

pub enum Verifier {
    /// `--insecure-accept-any-token`: any bearer token is the same demo principal.
    AcceptAny,
    /// `audience`: ARM's; `graph_audiences`: what Microsoft Graph requests must carry.
    Jwks { keys: JwkSet, issuers: Vec<String>, audience: String, graph_audiences: Vec<String> },
}

/// Which service a request is for: each accepts only tokens for itself, and refuses others
/// in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Arm,
    Graph,
}

impl Verifier {
    /// Parses a JWKS document.
    pub fn from_jwks(text: &str, source_name: &str, issuers: Vec<String>, audience: String, graph_audiences: Vec<String>) -> Result<Verifier, EmulatorError> {
        let keys: JwkSet = serde_json::from_str(text).map_err(|e| EmulatorError::JwksInvalid { source_name: source_name.into(), reason: e.to_string() })?;
        if keys.keys.is_empty() {
            return Err(EmulatorError::JwksInvalid { source_name: source_name.into(), reason: "it has no keys".into() });
        }
        Ok(Verifier::Jwks { keys, issuers, audience, graph_audiences })
    }

    /// Checks the `Authorization` header value.
    pub fn check(&self, header: Option<&str>, now_unix: u64, service: Service) -> Result<Principal, Rejection> {
        let Some(header) = header else {
            return Err(Rejection { code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing.".into() });
        };
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim(),
            _ => {
                return Err(Rejection {
                    code: "AuthenticationFailedInvalidHeader",
                    message: "Authentication failed. The 'Authorization' header is provided in an invalid format.".into(),
                })
            }
        };
        let (keys, issuers, audiences) = match (self, service) {
            (Verifier::AcceptAny, _) => return Ok(Principal("00000000-0000-0000-0000-00000000demo".into())),
            (Verifier::Jwks { keys, issuers, audience, .. }, Service::Arm) => (keys, issuers, std::slice::from_ref(audience)),
            (Verifier::Jwks { keys, issuers, graph_audiences, .. }, Service::Graph) => (keys, issuers, graph_audiences.as_slice()),
        };
        let audience = audiences.join("' or '");
        let invalid = || Rejection { code: "InvalidAuthenticationToken", message: "The access token is invalid.".into() };
        let head = decode_header(token).map_err(|_| invalid())?;
        let jwk = match &head.kid {
            Some(kid) => keys.find(kid),
            None => keys.keys.first(),
        }
        .ok_or_else(|| Rejection { code: "InvalidAuthenticationToken", message: "The access token is invalid: it is signed by a key this tenant does not know.".into() })?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| invalid())?;
        let alg = match head.alg {
            a @ (Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256 | Algorithm::ES256) => a,
            _ => return Err(invalid()),
        };
        // Expiry, issuer and audience are checked below so each gets ARM's own message.
        let mut v = Validation::new(alg);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        let data = decode::<serde_json::Value>(token, &key, &v).map_err(|_| invalid())?;
        let claims: Claims = serde_json::from_value(data.claims.clone()).map_err(|_| invalid())?;
        let aud_ok = match data.claims.get("aud") {
            Some(serde_json::Value::String(a)) => audiences.iter().any(|x| same_audience(a, x)),
            Some(serde_json::Value::Array(list)) => list.iter().filter_map(|a| a.as_str()).any(|a| audiences.iter().any(|x| same_audience(a, x))),
            _ => false,
        };
        if !aud_ok && service == Service::Graph {
            // Unverified: the code and message Microsoft Graph gives a token for another
            // audience (an ARM token sent to Graph).
            return Err(Rejection { code: "InvalidAuthenticationToken", message: "Access token validation failure. Invalid audience.".into() });
        }
        if !aud_ok {
            return Err(Rejection {
                code: "InvalidAuthenticationTokenAudience",
                message: format!("The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences '{audience}'.", data.claims.get("aud").map(|a| a.to_string()).unwrap_or_default()),
            });
        }
        let iss = data.claims.get("iss").and_then(|i| i.as_str()).unwrap_or_default();
        if !issuers.iter().any(|issuer| iss.trim_end_matches('/') == issuer.trim_end_matches('/')) {
            return Err(Rejection { code: "InvalidAuthenticationTokenTenant", message: format!("The access token is from the wrong issuer '{iss}'. It must match the tenant's issuer '{}'.", issuers.join("' or '")) });
        }
        match claims.exp {
            Some(exp) if exp + 60 >= now_unix => {}
            Some(exp) => {
                return Err(Rejection {
                    code: "ExpiredAuthenticationToken",
                    message: format!("The access token expiry UTC time '{exp}' (Unix seconds) is earlier than current UTC time '{now_unix}'."),
                })
            }
            None => return Err(Rejection { code: "InvalidAuthenticationToken", message: "The access token is invalid: it has no expiry ('exp').".into() }),
        }
        claims.oid.or(claims.sub).map(Principal).ok_or_else(|| Rejection { code: "InvalidAuthenticationToken", message: "The access token is invalid: it names no principal ('oid' or 'sub').".into() })
    }
}

/// ARM accepts its audience with or without the trailing slash.
fn same_audience(a: &str, expected: &str) -> bool {
    a.trim_end_matches('/') == expected.trim_end_matches('/')
}
