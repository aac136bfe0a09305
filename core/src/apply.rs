//! Applying a plan as a sans-IO state machine: it hands out requests
//! ([`Apply::poll_request`]), takes responses ([`Apply::handle_response`]) and timer events
//! ([`Apply::handle_timeout`]), and never reads a clock, sleeps or draws randomness itself —
//! the host passes `now` (a [`Duration`] on any monotonic clock, as every
//! [`Engine`](crate::engine::Engine) takes it) and a jitter seed. Journal times are that
//! clock's milliseconds.
//!
//! What it guarantees: every target is re-read before anything is written, and nothing is
//! written unless every precondition still holds; each write is verified by a re-read; if an
//! operation fails for good, or the host calls [`Apply::stop`], no new operation starts, and
//! every completed operation is undone (in reverse order) with its inverse, so the tenant ends
//! fully applied or fully rolled back. Every undo is preceded by a re-read: an undo is sent
//! only while the target still shows what this apply wrote.
//!
//! Whole-resource writes (a compute's identity change is a PUT of the whole compute) are
//! never sent as they were planned: the target is re-read immediately before the write and
//! before its undo, and the request is rebuilt from that fresh body with only the identity
//! changed, so edits made since the scan (VM size, scale settings, description, tags,
//! subnet) are kept instead of reverted.
//!
//! Retries: 409 `RoleAssignmentExists` is success; any other 409 (another operation in
//! progress on the resource) is retried like a 5xx; 400 `PrincipalNotFound` is retried for a
//! bounded time (replication delay), 429 waits for `Retry-After`, 5xx and network errors back
//! off exponentially with jitter, long-running operations are polled via
//! `Azure-AsyncOperation` or `Location` until they end.
//!
//! Not here: building the plan (`plan`), sending requests or tokens (the host's executor).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::ErrorResponse;
use crate::engine::Engine;
pub use crate::engine::RequestId;
use crate::executor::TransportError;
use crate::plan::Plan;
use crate::request::{self, Method, Request, Response};

/// Limits and timings. All durations in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyConfig {
    /// ARM origin; status URLs elsewhere are not followed (they would carry the token away).
    pub origin: String,
    /// Operations in progress at once (independent ones only).
    pub max_parallel: usize,
    /// Attempts per request for 429, 5xx and network errors.
    pub max_attempts: u32,
    /// First backoff; doubled per attempt up to `max_backoff_ms`, then jittered.
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// How long a role assignment may keep failing with `PrincipalNotFound` (a new identity
    /// takes minutes to replicate).
    pub principal_not_found_budget_ms: u64,
    /// Wait between status polls when ARM sends no `Retry-After`.
    pub poll_interval_ms: u64,
    /// Longest a long-running operation may take.
    pub lro_budget_ms: u64,
    /// Re-reads after a write before its effect counts as missing (reads may lag writes).
    pub verify_attempts: u32,
    /// Seed for backoff jitter.
    pub seed: u64,
}

impl Default for ApplyConfig {
    fn default() -> ApplyConfig {
        ApplyConfig {
            origin: "https://management.azure.com".into(),
            max_parallel: 4,
            max_attempts: 6,
            base_backoff_ms: 1_000,
            max_backoff_ms: 32_000,
            principal_not_found_budget_ms: 5 * 60_000,
            poll_interval_ms: 5_000,
            lro_budget_ms: 30 * 60_000,
            verify_attempts: 4,
            seed: 0x5eed,
        }
    }
}

/// Where one operation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum OpStatus {
    /// Not started (and, once the apply has finished, never started).
    Pending,
    /// Re-read before writing: ready to write.
    Checked,
    InProgress,
    /// Its effect was already true; nothing was sent.
    AlreadyTrue,
    /// Written and verified.
    Done,
    /// ARM answered that an equivalent role assignment already exists under another name:
    /// nothing was written, and there is nothing to undo.
    DoneExisting,
    /// Refused before anything was written: the target no longer matches the plan.
    #[serde(rename_all = "camelCase")]
    Refused { reason: String },
    #[serde(rename_all = "camelCase")]
    Failed { reason: String },
    /// Written, then undone by its inverse.
    Undone,
    /// Could not be undone: the tenant needs attention.
    #[serde(rename_all = "camelCase")]
    UndoFailed { reason: String },
}

/// How the whole apply ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    /// Every operation's effect holds.
    Applied,
    /// A precondition no longer held; nothing was written.
    #[serde(rename_all = "camelCase")]
    Refused { operation: usize, reason: String },
    /// An operation failed; everything written was undone.
    #[serde(rename_all = "camelCase")]
    RolledBack { operation: usize, reason: String },
    /// An operation failed and undoing did not fully succeed: see each operation's status.
    #[serde(rename_all = "camelCase")]
    RollbackIncomplete { operation: usize, reason: String },
    /// The host stopped the apply ([`Apply::stop`]): nothing more was written and everything
    /// written was undone. (A stop whose undo does not fully succeed ends
    /// `RollbackIncomplete`.)
    Stopped,
}

/// One request and what came back, for the exported journal. Requests carry no token (the
/// core never sees one); response headers are kept only where they explain a retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub request_id: RequestId,
    pub sent_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<u64>,
    pub operation: usize,
    pub purpose: Purpose,
    pub method: Method,
    pub path_and_query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a request was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    Precheck,
    /// The re-read immediately before a whole-resource write, whose body it becomes.
    WriteCheck,
    Write,
    Poll,
    Verify,
    UndoCheck,
    Undo,
    UndoPoll,
    UndoVerify,
}

/// The final account: outcome, each operation's status, and the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub outcome: Option<Outcome>,
    pub operations: Vec<OperationReport>,
    pub journal: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationReport {
    pub summary: String,
    #[serde(flatten)]
    pub status: OpStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Prechecking,
    Writing,
    /// Waiting for operations already in progress to finish before undoing.
    Draining,
    RollingBack,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PollKind {
    AsyncOperation,
    Location,
}

/// One unit of work: a request to send (now or later), for one operation.
#[derive(Debug, Clone)]
struct Task {
    op: usize,
    purpose: Purpose,
    request: Request,
    /// Attempts so far with transient failures.
    attempts: u32,
    /// When the first attempt was sent (bounds `PrincipalNotFound` retries).
    first_sent: Option<u64>,
    /// For polls: how to read the answer, and when the operation started.
    poll: Option<(PollKind, u64)>,
}

impl Task {
    fn new(op: usize, purpose: Purpose, request: Request) -> Task {
        Task { op, purpose, request, attempts: 0, first_sent: None, poll: None }
    }
}

/// The apply engine. Create with [`Apply::new`], then loop: send every request
/// [`Apply::poll_request`] hands out, feed answers to [`Apply::handle_response`], and when
/// there is nothing to send, wait until [`Apply::poll_timeout`] and call
/// [`Apply::handle_timeout`]; stop when [`Apply::is_done`].
#[derive(Debug, Clone)]
pub struct Apply {
    plan: Plan,
    config: ApplyConfig,
    phase: Phase,
    status: Vec<OpStatus>,
    ready: VecDeque<Task>,
    waiting: Vec<(u64, Task)>,
    in_flight: BTreeMap<RequestId, Task>,
    next_id: RequestId,
    rng: u64,
    /// Completed operations with something to undo, in completion order.
    completed: Vec<usize>,
    /// Operations to undo (or check), in order; the head is being undone.
    undo_queue: VecDeque<usize>,
    failure: Option<(usize, String)>,
    /// Whether [`Apply::stop`] was called, and whether that stop (rather than a failure before
    /// it) is why the apply rolls back.
    stopped: Stopped,
    outcome: Option<Outcome>,
    journal: Vec<JournalEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    No,
    /// Stopped after an operation had already failed: the outcome is that failure's.
    AfterFailure,
    /// The stop is what rolls back: the outcome is [`Outcome::Stopped`].
    First,
}

impl Apply {
    pub fn new(plan: Plan, config: ApplyConfig) -> Apply {
        let n = plan.operations.len();
        let mut a = Apply {
            status: vec![OpStatus::Pending; n],
            rng: config.seed | 1,
            plan,
            config,
            phase: Phase::Prechecking,
            ready: VecDeque::new(),
            waiting: Vec::new(),
            in_flight: BTreeMap::new(),
            next_id: 1,
            completed: Vec::new(),
            undo_queue: VecDeque::new(),
            failure: None,
            stopped: Stopped::No,
            outcome: None,
            journal: Vec::new(),
        };
        // Operations whose target an earlier operation changes are checked when their turn
        // comes: their precondition is that earlier operation's effect.
        for i in 0..n {
            // A grant to an identity an earlier operation creates, and anything under a
            // resource an earlier operation creates, is checked just before its write, once
            // that identity's ids are known and that resource exists.
            if a.first_on_target(i) && !a.checked_late(i) {
                a.queue_read(i, Purpose::Precheck);
            } else {
                a.status[i] = OpStatus::Checked;
            }
        }
        a.advance();
        a
    }

    /// Whether operation `i` waits for something an earlier operation of the plan creates, so
    /// it can only be checked right before its own write.
    fn checked_late(&self, i: usize) -> bool {
        let op = &self.plan.operations[i];
        op.principal_from.is_some() || op.depends_on.iter().any(|&j| self.plan.operations[j].creates())
    }

    fn first_on_target(&self, i: usize) -> bool {
        let op = &self.plan.operations[i];
        !op.depends_on.iter().any(|&j| self.plan.operations[j].target == op.target)
    }

    fn queue_read(&mut self, op: usize, purpose: Purpose) {
        match request::get(&self.plan.operations[op].target) {
            Some(req) => self.ready.push_back(Task::new(op, purpose, req)),
            None => self.fail(op, format!("pullpath cannot read {} to check it", self.plan.operations[op].target)),
        }
    }

    /// The next request to send, if any is due at `now`.
    pub fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
        self.handle_timeout(now);
        let now = ms(now);
        let task = self.ready.pop_front()?;
        let id = self.next_id;
        self.next_id += 1;
        let req = task.request.clone();
        self.journal.push(JournalEntry {
            request_id: id,
            sent_at: now,
            answered_at: None,
            operation: task.op,
            purpose: task.purpose,
            method: req.method,
            path_and_query: req.path_and_query(),
            body: req.body.clone(),
            status: None,
            headers: Vec::new(),
            response: None,
            error: None,
        });
        let mut task = task;
        task.first_sent.get_or_insert(now);
        self.in_flight.insert(id, task);
        Some((id, req))
    }

    /// When the engine next wants [`Apply::handle_timeout`] called, if it is waiting.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.waiting.iter().map(|(t, _)| *t).min().map(Duration::from_millis)
    }

    /// Moves every wait that is due at `now` to the send queue.
    pub fn handle_timeout(&mut self, now: Duration) {
        let now = ms(now);
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting).into_iter().partition(|(t, _)| *t <= now);
        self.waiting = later;
        let mut due = due;
        crate::sort::sort_by_key(&mut due, |(t, task)| (*t, task.op));
        self.ready.extend(due.into_iter().map(|(_, task)| task));
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// Stops the apply: nothing not yet sent is sent (queued prechecks and writes are
    /// dropped), requests already sent are still taken and finished (a write in progress is
    /// polled and verified, so the engine knows whether it landed), and then everything
    /// written is undone. The apply ends [`Outcome::Stopped`], or `RollbackIncomplete` if an
    /// undo fails. Stopping during a rollback, or after the end, changes nothing.
    pub fn stop(&mut self, now: Duration) {
        let now = ms(now);
        if self.stopped != Stopped::No || matches!(self.phase, Phase::RollingBack | Phase::Finished) {
            return;
        }
        self.stopped = if self.failure.is_some() { Stopped::AfterFailure } else { Stopped::First };
        let dropped: Vec<Task> = self.ready.drain(..).chain(std::mem::take(&mut self.waiting).into_iter().map(|(_, t)| t)).collect();
        for task in dropped {
            match task.purpose {
                Purpose::Precheck | Purpose::WriteCheck => self.status[task.op] = OpStatus::Pending,
                // A write waiting for its retry was sent at least once: it may have landed,
                // so it is checked and undone like a failed one.
                Purpose::Write if task.attempts > 0 => {
                    self.status[task.op] = OpStatus::Failed { reason: "stopped while retrying; checked and undone".into() };
                    self.undo_queue.push_back(task.op);
                }
                Purpose::Write => self.status[task.op] = OpStatus::Pending,
                // Polls and verifications of writes already sent go on: they tell whether the
                // write landed, which the undo needs to know.
                _ => self.waiting.push((now, task)),
            }
        }
        if self.failure.is_none() {
            let first = self.status.iter().position(|s| matches!(s, OpStatus::Pending | OpStatus::Checked | OpStatus::InProgress)).unwrap_or(0);
            self.failure = Some((first, "stopped before it was sent".into()));
        }
        if self.phase == Phase::Writing {
            self.phase = Phase::Draining;
        }
        for s in self.status.iter_mut().filter(|s| **s == OpStatus::Checked) {
            *s = OpStatus::Pending;
        }
        self.advance();
    }

    /// Whether [`Apply::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped != Stopped::No
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn statuses(&self) -> &[OpStatus] {
        &self.status
    }

    /// The plan as it is being applied: as given, with the ids of identities created along
    /// the way filled in where later operations waited for them.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    /// Outcome, statuses and journal, ready to export as JSON.
    pub fn report(&self) -> Report {
        Report {
            outcome: self.outcome.clone(),
            operations: self.plan.operations.iter().zip(&self.status).map(|(op, s)| OperationReport { summary: op.summary.clone(), status: s.clone() }).collect(),
            journal: self.journal.clone(),
        }
    }

    /// Takes the answer (or transport failure) for request `id`.
    pub fn handle_response(&mut self, now: Duration, id: RequestId, result: Result<Response, TransportError>) {
        let now = ms(now);
        let Some(task) = self.in_flight.remove(&id) else { return };
        if let Some(entry) = self.journal.iter_mut().rev().find(|e| e.request_id == id) {
            entry.answered_at = Some(now);
            match &result {
                Ok(r) => {
                    entry.status = Some(r.status);
                    entry.headers = r
                        .headers
                        .iter()
                        .filter(|(k, _)| matches!(k.to_ascii_lowercase().as_str(), "retry-after" | "azure-asyncoperation" | "location" | "x-ms-request-id" | "x-ms-correlation-request-id"))
                        .cloned()
                        .collect();
                    entry.response = Some(r.body.clone());
                }
                Err(e) => entry.error = Some(e.to_string()),
            }
        }
        match classify(&task, &result) {
            Class::Retry { after } => self.retry(now, task, after),
            Class::Fatal(reason) => self.task_failed(task, reason),
            Class::Answer(resp) => self.on_answer(now, task, resp),
        }
        self.advance();
    }

    fn backoff(&mut self, attempts: u32) -> u64 {
        let exp = self.config.base_backoff_ms.saturating_mul(1u64 << attempts.min(20)).min(self.config.max_backoff_ms);
        // xorshift64: deterministic for a seed, different per retry so parallel retries spread.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        exp / 2 + self.rng % (exp / 2 + 1)
    }

    fn retry(&mut self, now: u64, mut task: Task, after: RetryAfter) {
        task.attempts += 1;
        let delay = match after {
            RetryAfter::PrincipalNotFound => {
                let waited = now.saturating_sub(task.first_sent.unwrap_or(now));
                if waited >= self.config.principal_not_found_budget_ms {
                    let reason = format!(
                        "the principal was still not found in the directory after {} s; check the principal id, or wait for replication and apply again",
                        waited / 1000
                    );
                    return self.task_failed(task, reason);
                }
                self.backoff(task.attempts)
            }
            RetryAfter::Transient { server: delay, why } => {
                if task.attempts >= self.config.max_attempts {
                    let reason = format!("gave up after {} attempts: {why}", task.attempts);
                    return self.task_failed(task, reason);
                }
                match delay {
                    Some(d) => d,
                    None => self.backoff(task.attempts),
                }
            }
        };
        self.waiting.push((now + delay, task));
    }

    fn task_failed(&mut self, task: Task, reason: String) {
        let op = task.op;
        match task.purpose {
            Purpose::Precheck | Purpose::Write | Purpose::Poll | Purpose::Verify => self.fail(op, reason),
            // Nothing was written for this operation: it is refused, and the rest rolls back.
            Purpose::WriteCheck => self.refuse_write(op, reason),
            Purpose::UndoCheck | Purpose::Undo | Purpose::UndoPoll | Purpose::UndoVerify => {
                self.status[op] = OpStatus::UndoFailed { reason };
                self.next_undo();
            }
        }
    }

    /// An operation failed for good: stop starting new ones and undo.
    fn fail(&mut self, op: usize, reason: String) {
        let refused = self.phase == Phase::Prechecking;
        self.status[op] = if refused { OpStatus::Refused { reason: reason.clone() } } else { OpStatus::Failed { reason: reason.clone() } };
        if self.failure.is_none() {
            self.failure = Some((op, reason));
        }
        if !refused {
            // The failed write may still have landed (a failed long-running operation can
            // leave its change behind): it is checked and undone first.
            self.undo_queue.push_back(op);
            self.phase = Phase::Draining;
        }
    }

    /// After operation `op` gave a compute its system-assigned identity or created a
    /// user-assigned one (or found it so), hands the identity's ids, as ARM reports them in
    /// `body`, to the operations that grant to it or name it. An answer without well-formed
    /// ones leaves them waiting, and they fail when their turn comes rather than send a
    /// placeholder.
    fn learn_principal(&mut self, op: usize, body: Option<&Value>) {
        let text = |pointer: &str| body.and_then(|b| b.pointer(pointer)).and_then(Value::as_str).map(str::to_string);
        let (owner, principal, client) = match &self.plan.operations[op].effect {
            crate::plan::State::ComputeIdentity { compute, system_assigned: true, .. } => (compute.clone(), text("/identity/principalId"), None),
            crate::plan::State::Identity { id, present: Some(_) } => (id.clone(), text("/properties/principalId"), text("/properties/clientId")),
            _ => return,
        };
        for o in self.plan.operations.iter_mut().filter(|o| o.principal_from.as_ref() == Some(&owner)) {
            crate::plan::fill_identity(o, principal.as_deref(), client.as_deref());
        }
    }

    /// The re-read before a whole-resource write showed the target changed (or could not be
    /// read): nothing of this operation is written, and what others wrote is undone.
    fn refuse_write(&mut self, op: usize, reason: String) {
        self.status[op] = OpStatus::Refused { reason: reason.clone() };
        if self.failure.is_none() {
            self.failure = Some((op, reason));
        }
        if self.phase == Phase::Writing {
            self.phase = Phase::Draining;
        }
    }

    fn on_answer(&mut self, now: u64, task: Task, resp: Response) {
        let op = task.op;
        let current = || -> Option<Value> { if resp.status == 404 { None } else { serde_json::from_str(&resp.body).ok() } };
        let (pre, eff) = {
            let o = &self.plan.operations[op];
            (o.precondition.clone(), o.effect.clone())
        };
        match task.purpose {
            Purpose::Precheck => {
                let cur = current();
                if eff.holds(cur.as_ref()) {
                    self.status[op] = OpStatus::AlreadyTrue;
                    self.learn_principal(op, cur.as_ref());
                } else if pre.holds(cur.as_ref()) {
                    self.status[op] = OpStatus::Checked;
                } else {
                    self.fail(op, format!("{} changed since the plan was made: expected {}", self.plan.operations[op].target, pre.describe()));
                }
            }
            Purpose::WriteCheck => {
                let cur = current();
                if eff.holds(cur.as_ref()) {
                    // Someone else made the change meanwhile: nothing to write or undo.
                    self.status[op] = OpStatus::AlreadyTrue;
                    self.learn_principal(op, cur.as_ref());
                } else if !pre.holds(cur.as_ref()) {
                    self.refuse_write(op, format!("{} changed since it was checked: expected {}", self.plan.operations[op].target, pre.describe()));
                } else {
                    let planned = &self.plan.operations[op];
                    let write = if whole_body(planned) {
                        cur.as_ref().ok_or_else(|| format!("{} no longer exists", planned.target)).and_then(|fresh| rebase(&planned.request, fresh))
                    } else {
                        Ok(planned.request.clone())
                    };
                    match write {
                        Ok(req) if self.stopped == Stopped::No => self.ready.push_back(Task::new(op, Purpose::Write, req)),
                        Ok(_) => self.status[op] = OpStatus::Pending,
                        Err(reason) => self.refuse_write(op, reason),
                    }
                }
            }
            Purpose::Write | Purpose::Undo => {
                let undo = task.purpose == Purpose::Undo;
                if is_role_assignment_exists(&resp) {
                    if undo {
                        self.status[op] = OpStatus::Undone;
                        self.next_undo();
                    } else {
                        self.status[op] = OpStatus::DoneExisting;
                    }
                    return;
                }
                match monitor(&resp, &self.config.origin) {
                    Ok(Some((kind, req))) => {
                        let mut t = Task::new(op, if undo { Purpose::UndoPoll } else { Purpose::Poll }, req);
                        t.poll = Some((kind, now));
                        let delay = retry_after(&resp).unwrap_or(self.config.poll_interval_ms);
                        self.waiting.push((now + delay, t));
                    }
                    Ok(None) => self.queue_read(op, if undo { Purpose::UndoVerify } else { Purpose::Verify }),
                    Err(reason) => self.task_failed(task, reason),
                }
            }
            Purpose::Poll | Purpose::UndoPoll => {
                let undo = task.purpose == Purpose::UndoPoll;
                let (kind, started) = task.poll.unwrap_or((PollKind::AsyncOperation, now));
                let state = match kind {
                    PollKind::AsyncOperation => {
                        let body: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
                        match body.get("status").and_then(Value::as_str).unwrap_or("") {
                            s if s.eq_ignore_ascii_case("Succeeded") => LroState::Succeeded,
                            s if s.eq_ignore_ascii_case("Failed") || s.eq_ignore_ascii_case("Canceled") => {
                                let err: Option<ErrorResponse> = serde_json::from_value(serde_json::json!({"error": body.get("error").cloned().unwrap_or(Value::Null)})).ok();
                                LroState::Ended(format!("the operation ended {s}: {}", err.map(|e| format!("{} {}", e.error.code, e.error.message)).unwrap_or_default()))
                            }
                            _ => LroState::Running,
                        }
                    }
                    PollKind::Location => match resp.status {
                        202 => LroState::Running,
                        200..=299 => LroState::Succeeded,
                        s => LroState::Ended(format!("the operation ended with HTTP {s}: {}", error_text(&resp))),
                    },
                };
                match state {
                    LroState::Succeeded => self.queue_read(op, if undo { Purpose::UndoVerify } else { Purpose::Verify }),
                    // An undo that reports failure may still have landed: the re-read decides.
                    LroState::Ended(_) if undo => self.queue_read(op, Purpose::UndoVerify),
                    LroState::Ended(reason) => self.task_failed(task, reason),
                    LroState::Running if now.saturating_sub(started) >= self.config.lro_budget_ms => {
                        let reason = format!("the operation was still running after {} s", (now - started) / 1000);
                        self.task_failed(task, reason)
                    }
                    LroState::Running => {
                        let delay = retry_after(&resp).unwrap_or(self.config.poll_interval_ms);
                        let mut t = task;
                        t.attempts = 0;
                        self.waiting.push((now + delay, t));
                    }
                }
            }
            Purpose::Verify | Purpose::UndoVerify => {
                let undo = task.purpose == Purpose::UndoVerify;
                let want = if undo { &pre } else { &eff };
                let cur = current();
                if want.holds(cur.as_ref()) {
                    self.status[op] = if undo { OpStatus::Undone } else { OpStatus::Done };
                    if undo {
                        self.next_undo();
                    } else {
                        self.learn_principal(op, cur.as_ref());
                        self.completed.push(op);
                    }
                } else if task.attempts + 1 < self.config.verify_attempts {
                    let mut t = task;
                    t.attempts += 1;
                    let delay = self.backoff(t.attempts);
                    self.waiting.push((now + delay, t));
                } else {
                    let reason = format!("ARM accepted the change but a re-read does not show it: expected {}", want.describe());
                    self.task_failed(task, reason);
                }
            }
            Purpose::UndoCheck => {
                let cur = current();
                if pre.holds(cur.as_ref()) {
                    // Nothing of this operation landed.
                    if !matches!(self.status[op], OpStatus::Failed { .. }) {
                        self.status[op] = OpStatus::Undone;
                    }
                    self.next_undo();
                } else if eff.holds(cur.as_ref()) {
                    let planned = &self.plan.operations[op].inverse;
                    let inverse = if whole_body(&self.plan.operations[op]) { cur.as_ref().ok_or_else(|| "the target vanished".to_string()).and_then(|fresh| rebase(planned, fresh)) } else { Ok(planned.clone()) };
                    match inverse {
                        Ok(inverse) => self.ready.push_back(Task::new(op, Purpose::Undo, inverse)),
                        Err(reason) => {
                            self.status[op] = OpStatus::UndoFailed { reason };
                            self.next_undo();
                        }
                    }
                } else {
                    let reason = format!("{} is neither as before ({}) nor as planned; left as found", self.plan.operations[op].target, pre.describe());
                    self.status[op] = OpStatus::UndoFailed { reason };
                    self.next_undo();
                }
            }
        }
    }

    /// Finished with the head of the undo queue: start the next one.
    fn next_undo(&mut self) {
        self.undo_queue.pop_front();
        self.start_undo();
    }

    fn start_undo(&mut self) {
        match self.undo_queue.front().copied() {
            // Every undo starts with a re-read: the inverse is sent only while the target
            // still shows what this apply wrote, so a change someone made since is never
            // reverted, and a whole-resource undo is rebuilt from the fresh body.
            Some(op) => self.queue_read(op, Purpose::UndoCheck),
            None => self.finish_rollback(),
        }
    }

    fn finish_rollback(&mut self) {
        let (op, reason) = self.failure.clone().unwrap_or((0, String::new()));
        let clean = !self.status.iter().any(|s| matches!(s, OpStatus::UndoFailed { .. }));
        self.outcome = Some(match (clean, self.stopped_first()) {
            (true, true) => Outcome::Stopped,
            (true, false) => Outcome::RolledBack { operation: op, reason },
            (false, _) => Outcome::RollbackIncomplete { operation: op, reason },
        });
        self.phase = Phase::Finished;
    }

    /// Whether the rollback is the host's stop rather than a failure that came first.
    fn stopped_first(&self) -> bool {
        self.stopped == Stopped::First
    }

    fn busy(&self) -> bool {
        !self.ready.is_empty() || !self.waiting.is_empty() || !self.in_flight.is_empty()
    }

    /// Moves the phases on and starts operations whose dependencies are done.
    fn advance(&mut self) {
        loop {
            match self.phase {
                Phase::Prechecking => {
                    if self.busy() {
                        return;
                    }
                    if let Some((op, reason)) = self.failure.clone() {
                        for s in self.status.iter_mut().filter(|s| **s == OpStatus::Checked) {
                            *s = OpStatus::Pending;
                        }
                        self.outcome = Some(if self.stopped_first() { Outcome::Stopped } else { Outcome::Refused { operation: op, reason } });
                        self.phase = Phase::Finished;
                        return;
                    }
                    self.phase = Phase::Writing;
                }
                Phase::Writing => {
                    let active = self.status.iter().filter(|s| matches!(s, OpStatus::InProgress)).count();
                    let mut room = self.config.max_parallel.max(1).saturating_sub(active);
                    for i in 0..self.status.len() {
                        if room == 0 {
                            break;
                        }
                        let deps_done = self.plan.operations[i].depends_on.iter().all(|&j| matches!(self.status[j], OpStatus::Done | OpStatus::DoneExisting | OpStatus::AlreadyTrue));
                        if self.status[i] == OpStatus::Checked && deps_done {
                            self.status[i] = OpStatus::InProgress;
                            if self.plan.operations[i].waiting() {
                                let owner = self.plan.operations[i].principal_from.clone();
                                let what = match &owner {
                                    Some(o) if o.is_type(&crate::request::ResourceKind::UserAssignedIdentity.type_name()) => format!("the ids of the new user-assigned identity {}", o.name()),
                                    Some(o) => format!("the principal id of the new system-assigned identity of {}", o.name()),
                                    None => "the ids of a new identity".to_string(),
                                };
                                // Nothing was written for it; what was written drains and rolls back
                                // (the loop goes on in the draining phase, so an apply with nothing
                                // in flight still finishes).
                                self.fail(i, format!("ARM did not report {what}, so this step cannot be made; rescan and plan again"));
                                break;
                            } else if whole_body(&self.plan.operations[i]) || self.checked_late(i) {
                                self.queue_read(i, Purpose::WriteCheck);
                            } else {
                                let req = self.plan.operations[i].request.clone();
                                self.ready.push_back(Task::new(i, Purpose::Write, req));
                            }
                            room -= 1;
                        }
                    }
                    if self.phase != Phase::Writing {
                        continue;
                    }
                    if !self.status.iter().any(|s| matches!(s, OpStatus::InProgress | OpStatus::Checked)) {
                        self.outcome = Some(Outcome::Applied);
                        self.phase = Phase::Finished;
                    }
                    return;
                }
                Phase::Draining => {
                    if self.busy() {
                        return;
                    }
                    // Ops interrupted mid-way were failed by their tasks; completed ones are
                    // undone newest first, after the failed ones are checked.
                    for &op in self.completed.iter().rev() {
                        self.undo_queue.push_back(op);
                    }
                    self.phase = Phase::RollingBack;
                    self.start_undo();
                    return;
                }
                Phase::RollingBack | Phase::Finished => return,
            }
        }
    }
}

/// Whether the operation's write replaces the whole resource, so that it must be rebuilt
/// from a fresh read (see the module comment).
fn whole_body(op: &crate::plan::Operation) -> bool {
    matches!(op.effect, crate::plan::State::ComputeIdentity { .. })
}

/// `planned` (a whole-resource PUT) rebuilt on `fresh`, the target as just read: everything
/// as it is now, with only the planned `identity`.
fn rebase(planned: &Request, fresh: &Value) -> Result<Request, String> {
    let identity = planned.body.as_ref().and_then(|b| b.get("identity")).ok_or_else(|| "the planned write carries no identity".to_string())?;
    let body = request::compute_body_with_identity(fresh, identity)?;
    let mut out = planned.clone();
    out.body = Some(body);
    Ok(out)
}

enum LroState {
    Running,
    Succeeded,
    Ended(String),
}

enum RetryAfter {
    PrincipalNotFound,
    Transient { server: Option<u64>, why: String },
}

enum Class {
    Retry { after: RetryAfter },
    Fatal(String),
    Answer(Response),
}

fn classify(task: &Task, result: &Result<Response, TransportError>) -> Class {
    let resp = match result {
        Ok(r) => r,
        Err(TransportError::Network(e)) => return Class::Retry { after: RetryAfter::Transient { server: None, why: format!("network error: {e}") } },
        Err(e) => return Class::Fatal(e.to_string()),
    };
    let code = error_code(resp);
    match resp.status {
        429 => Class::Retry { after: RetryAfter::Transient { server: retry_after(resp), why: "ARM kept throttling (429)".into() } },
        408 | 500..=599 => Class::Retry { after: RetryAfter::Transient { server: retry_after(resp), why: format!("HTTP {}: {}", resp.status, error_text(resp)) } },
        400 if code.as_deref() == Some("PrincipalNotFound") => Class::Retry { after: RetryAfter::PrincipalNotFound },
        404 if matches!(task.purpose, Purpose::Precheck | Purpose::WriteCheck | Purpose::Verify | Purpose::UndoCheck | Purpose::UndoVerify) => Class::Answer(resp.clone()),
        409 if code.as_deref() == Some("RoleAssignmentExists") => Class::Answer(resp.clone()),
        // Any other conflict (another operation in progress on the resource, a concurrent
        // update) says "not now", not "never": retried within the attempt budget.
        409 => Class::Retry { after: RetryAfter::Transient { server: retry_after(resp), why: format!("HTTP 409: {}", error_text(resp)) } },
        // A DELETE of something already gone is what undo wanted.
        200..=299 => Class::Answer(resp.clone()),
        s if task.poll.is_some_and(|(k, _)| k == PollKind::Location) && (400..500).contains(&s) => Class::Answer(resp.clone()),
        s => Class::Fatal(format!("{} {} answered HTTP {s}: {}", task.request.method.as_str(), task.request.path, error_text(resp))),
    }
}

fn error_code(resp: &Response) -> Option<String> {
    serde_json::from_str::<ErrorResponse>(&resp.body).ok().map(|e| e.error.code)
}

fn error_text(resp: &Response) -> String {
    match serde_json::from_str::<ErrorResponse>(&resp.body) {
        Ok(e) => format!("{}: {}", e.error.code, e.error.message),
        Err(_) => resp.body.chars().take(200).collect(),
    }
}

fn is_role_assignment_exists(resp: &Response) -> bool {
    resp.status == 409 && error_code(resp).as_deref() == Some("RoleAssignmentExists")
}

/// `Retry-After` in seconds; a missing, empty or HTTP-date value (the core has no wall
/// clock to compare a date with) gives `None`, and the caller backs off on its own.
fn retry_after(resp: &Response) -> Option<u64> {
    resp.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(|s| s.saturating_mul(1000))
}

/// The status monitor a write answered with, if it started a long-running operation.
fn monitor(resp: &Response, origin: &str) -> Result<Option<(PollKind, Request)>, String> {
    let (kind, url) = if let Some(u) = resp.header("azure-asyncoperation").filter(|u| !u.is_empty()) {
        (PollKind::AsyncOperation, u)
    } else if let Some(u) = resp.header("location").filter(|u| !u.is_empty() && resp.status == 202) {
        (PollKind::Location, u)
    } else {
        return Ok(None);
    };
    let req = crate::link::follow(origin, url).map_err(|e| match e {
        crate::link::LinkError::OtherOrigin { origin, .. } => format!("ARM sent a status URL outside {origin} ({url}); not followed, so the change may or may not have completed"),
        e => format!("ARM sent a status URL pullpath does not follow ({e}), so the change may or may not have completed"),
    })?;
    Ok(Some((kind, req)))
}

/// Milliseconds of the host's clock, the engine's own unit (journal times, budgets).
fn ms(now: Duration) -> u64 {
    u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
}

impl Engine for Apply {
    fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
        Apply::poll_request(self, now)
    }
    fn handle_response(&mut self, now: Duration, id: RequestId, result: Result<Response, TransportError>) {
        Apply::handle_response(self, now, id, result)
    }
    fn poll_timeout(&self) -> Option<Duration> {
        Apply::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Duration) {
        Apply::handle_timeout(self, now)
    }
    fn is_done(&self) -> bool {
        Apply::is_done(self)
    }
    fn stop(&mut self, now: Duration) {
        Apply::stop(self, now)
    }
    /// Prechecks read targets nothing has been written to yet: aborting one on stop is safe.
    fn may_abort(&self, id: RequestId) -> bool {
        self.in_flight.get(&id).is_some_and(|t| t.purpose == Purpose::Precheck)
    }
}
