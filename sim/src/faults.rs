//! Deterministic fault injection in front of the simulator: throttling, server errors,
//! dropped connections and `PrincipalNotFound`, on a schedule the test (or the emulator's
//! JSON flag) states up front.
//!
//! Not here: what a successful write does (`sim::writes`). How long-running operations end is
//! a simulator setting ([`LroBehaviour`], obeyed by `sim::writes`) rather than a fault,
//! because a failing operation may still change tenant state; its type lives here because
//! `sim::writes` is private.
//!
//! Each rule counts the requests it matches on its own; the first rule whose window
//! (`skip` requests let through, then `times` requests faulted) covers a request answers it.
//! No clock and no randomness: the same rules and the same requests give the same answers.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Sim, DEMO_TENANT_ID};
use pullpath_core::arm::{ErrorDetail, ErrorResponse};
use pullpath_core::executor::TransportError;
use pullpath_core::request::{Method, Request, Response};

/// One kind of failure, shaped as ARM sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// 429 with ARM's throttling body. `retry_after: None` sends no `Retry-After` header,
    /// `Some("")` sends an empty one (both happen behind some proxies).
    #[serde(rename_all = "camelCase")]
    TooManyRequests {
        #[serde(default)]
        retry_after: Option<String>,
    },
    /// 500 `InternalServerError` or 503 `ServiceUnavailable` (other 5xx use the 500 body).
    #[serde(rename_all = "camelCase")]
    ServerError { status: u16 },
    /// The connection drops before ARM sees the request: [`TransportError::Network`].
    Reset,
    /// ARM performs the request but the response never arrives: the write has happened and
    /// the client sees [`TransportError::Network`]. Only [`Faults::serve`] can do this, since
    /// it needs the simulator to perform the write.
    LostResponse,
    /// 403 `AuthorizationFailed`: the signed-in user may not do this. Not retryable.
    Forbidden,
    /// 400 `PrincipalNotFound`, as ARM answers a role assignment PUT for a principal that
    /// has not replicated to the directory yet.
    PrincipalNotFound,
    /// 409 with this error code, as a resource provider answers a write while another
    /// operation on the same resource is in progress. Which code a provider uses is not
    /// documented in the specs pullpath reads (Network uses `AnotherOperationInProgress`);
    /// the engine treats every 409 but `RoleAssignmentExists` alike, so the code is free.
    #[serde(rename_all = "camelCase")]
    Conflict { code: String },
}

/// When to inject a fault: which requests match, how many to let through, how many to fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<Method>,
    /// Only requests whose path contains this text, compared case-insensitively as ARM
    /// compares paths (any when absent).
    #[serde(default)]
    pub path_contains: Option<String>,
    pub fault: Fault,
    /// How many matching requests get the fault (after `skip`).
    #[serde(default = "one")]
    pub times: usize,
    /// How many matching requests pass untouched before the fault starts.
    #[serde(default)]
    pub skip: usize,
}

fn one() -> usize {
    1
}

impl FaultRule {
    /// A rule faulting the first `times` requests that match `method` and `path_contains`.
    pub fn new(method: Option<Method>, path_contains: Option<&str>, fault: Fault, times: usize) -> FaultRule {
        FaultRule { method, path_contains: path_contains.map(str::to_string), fault, times, skip: 0 }
    }

    fn matches(&self, req: &Request) -> bool {
        self.method.is_none_or(|m| m == req.method)
            && self.path_contains.as_deref().is_none_or(|p| req.path.to_ascii_lowercase().contains(&p.to_ascii_lowercase()))
    }
}

/// A fault schedule and how far it has run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    rules: Vec<FaultRule>,
    /// Matching requests each rule has seen so far.
    seen: Vec<usize>,
    /// Faults injected so far, in order: `(rule index, method, path)`.
    injected: Vec<(usize, Method, String)>,
}

impl Faults {
    pub fn new(rules: Vec<FaultRule>) -> Faults {
        let seen = vec![0; rules.len()];
        Faults { rules, seen, injected: Vec::new() }
    }

    /// Parses a JSON array of rules, as the emulator takes them from a flag.
    pub fn from_json(text: &str) -> Result<Faults, serde_json::Error> {
        Ok(Faults::new(serde_json::from_str(text)?))
    }

    /// Counts `req` against every rule and returns the fault due for it, if any.
    fn next_fault(&mut self, req: &Request) -> Option<Fault> {
        let mut due = None;
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.matches(req) {
                continue;
            }
            self.seen[i] += 1;
            let n = self.seen[i];
            if due.is_none() && n > rule.skip && n - rule.skip <= rule.times {
                due = Some((i, rule.fault.clone()));
            }
        }
        let (i, fault) = due?;
        self.injected.push((i, req.method, req.path.clone()));
        Some(fault)
    }

    /// The answer for `req` if a fault is due, before the simulator sees it. A due
    /// [`Fault::LostResponse`] cannot be produced here (the write must happen first) and is
    /// reported as a plain network error without the write; use [`Faults::serve`] for it.
    pub fn intercept(&mut self, req: &Request) -> Option<Result<Response, TransportError>> {
        let fault = self.next_fault(req)?;
        Some(answer(&fault, req))
    }

    /// Serves `req` from `sim` through the fault schedule: the one entry point tests and the
    /// emulator need.
    pub fn serve(&mut self, sim: &mut Sim, req: &Request) -> Result<Response, TransportError> {
        match self.next_fault(req) {
            None => Ok(sim.handle(req)),
            Some(Fault::LostResponse) => {
                let _performed = sim.handle(req);
                Err(TransportError::Network("connection reset after the request was sent (simulated)".into()))
            }
            Some(fault) => answer(&fault, req),
        }
    }

    /// Faults injected so far: `(rule index, method, path)`, in order.
    pub fn injected(&self) -> &[(usize, Method, String)] {
        &self.injected
    }

    /// Whether every rule has used up its `skip + times` window.
    pub fn exhausted(&self) -> bool {
        self.rules.iter().zip(&self.seen).all(|(r, &n)| n >= r.skip.saturating_add(r.times))
    }
}

fn answer(fault: &Fault, req: &Request) -> Result<Response, TransportError> {
    match fault {
        Fault::TooManyRequests { retry_after } => {
            // ARM's throttling answer names the exhausted bucket; the client only needs the
            // status and Retry-After, the text is for humans reading a journal.
            let mut r = Response::json(
                429,
                &ErrorResponse::new(
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits",
                ),
            );
            if let Some(v) = retry_after {
                r.headers.push(("retry-after".into(), v.clone()));
            }
            Ok(r)
        }
        Fault::ServerError { status } => {
            let (code, message) = match status {
                503 => ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
                _ => ("InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '', subscription id '', tracking id '', request correlation id ''."),
            };
            Ok(Response::json(*status, &ErrorResponse::new(code, message)))
        }
        Fault::Reset | Fault::LostResponse => Err(TransportError::Network("connection reset by peer (simulated)".into())),
        Fault::Forbidden => Ok(Response::json(
            403,
            &ErrorResponse::new(
                "AuthorizationFailed",
                format!(
                    "The client 'user@contoso.com' with object id 'bbbbbbbb-0000-0000-0000-000000000001' does not have authorization to perform action '{}' over scope '{}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                    req.method.as_str(),
                    req.path
                ),
            ),
        )),
        Fault::Conflict { code } => Ok(Response::json(409, &ErrorResponse::new(code, format!("Another operation is in progress on {}. Retry later.", req.path)))),
        Fault::PrincipalNotFound => {
            let principal = req
                .body
                .as_ref()
                .and_then(|b| b.pointer("/properties/principalId"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .replace('-', "");
            let body = ErrorResponse {
                error: ErrorDetail {
                    code: "PrincipalNotFound".into(),
                    message: format!(
                        "Principal {principal} does not exist in the directory {DEMO_TENANT_ID}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype"
                    ),
                    ..Default::default()
                },
            };
            Ok(Response::json(400, &body))
        }
    }
}

/// How the simulator's long-running operations (compute and registry updates) end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LroBehaviour {
    /// Status polls answered `InProgress` before the operation ends.
    pub polls: u32,
    pub outcome: LroOutcome,
}

impl Default for LroBehaviour {
    fn default() -> LroBehaviour {
        LroBehaviour { polls: 1, outcome: LroOutcome::Succeeded }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LroOutcome {
    /// The change lands and the operation reports `Succeeded`.
    Succeeded,
    /// The operation reports `Failed` and nothing changed.
    Failed,
    /// The operation reports `Canceled` and nothing changed.
    Canceled,
    /// The change landed but the operation still reports `Failed` (ARM does this when a
    /// later step of a provider's update fails), so a client must re-read to know.
    FailedAfterApplying,
}

/// The JSON shape of the rules, for documentation and the emulator's `--help`.
pub fn example_rules_json() -> Value {
    json!([
        {"method": "PUT", "pathContains": "roleAssignments", "fault": {"kind": "principalNotFound"}, "times": 2},
        {"fault": {"kind": "tooManyRequests", "retryAfter": "3"}, "skip": 1},
        {"fault": {"kind": "serverError", "status": 503}},
        {"method": "PATCH", "fault": {"kind": "reset"}}
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_ra() -> Request {
        Request {
            method: Method::Put,
            path: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/x".into(),
            query: vec![("api-version".into(), "2022-04-01".into())],
            body: Some(json!({"properties": {"principalId": "aaaaaaaa-0000-0000-0000-000000000001"}})),
        }
    }

    #[test]
    fn skip_then_times_then_pass() {
        let mut f = Faults::new(vec![FaultRule { skip: 1, ..FaultRule::new(Some(Method::Put), Some("ROLEASSIGNMENTS"), Fault::Reset, 2) }]);
        let seq: Vec<bool> = (0..5).map(|_| f.intercept(&put_ra()).is_some()).collect();
        assert_eq!(seq, [false, true, true, false, false]);
        assert!(f.exhausted());
        let get = Request { method: Method::Get, ..put_ra() };
        assert!(Faults::new(vec![FaultRule::new(Some(Method::Put), None, Fault::Reset, 1)]).intercept(&get).is_none());
    }

    #[test]
    fn bodies_are_arm_shaped() {
        let r = answer(&Fault::PrincipalNotFound, &put_ra()).unwrap();
        assert_eq!(r.status, 400);
        let e: ErrorResponse = serde_json::from_str(&r.body).unwrap();
        assert_eq!(e.error.code, "PrincipalNotFound");
        assert!(e.error.message.starts_with("Principal aaaaaaaa000000000000000000000001 does not exist in the directory "), "{}", e.error.message);

        let r = answer(&Fault::TooManyRequests { retry_after: None }, &put_ra()).unwrap();
        assert_eq!((r.status, r.header("retry-after")), (429, None));
        let r = answer(&Fault::TooManyRequests { retry_after: Some(String::new()) }, &put_ra()).unwrap();
        assert_eq!(r.header("retry-after"), Some(""));
        let r = answer(&Fault::ServerError { status: 503 }, &put_ra()).unwrap();
        assert!(r.body.contains("ServiceUnavailable"));
    }

    #[test]
    fn rules_parse_from_json() {
        let f = Faults::from_json(&example_rules_json().to_string()).unwrap();
        assert_eq!(f.rules.len(), 4);
        assert_eq!(f.rules[0].method, Some(Method::Put));
        assert_eq!(f.rules[1].fault, Fault::TooManyRequests { retry_after: Some("3".into()) });
        assert_eq!((f.rules[1].times, f.rules[1].skip), (1, 1));
    }
}
