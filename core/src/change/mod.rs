//! A change's whole life as one sans-IO state machine, with the same face as `Scan` and
//! `Apply` ([`Engine`]): the plan and its access before → after, the permission preflight
//! ([`preflight`]), on [`Change::confirm`] the apply engine ([`Apply`]), then a refresh of
//! exactly what the plan touched ([`Scan::refresh`] over the scan result the change started
//! from), and done — with progress in words ([`words`]). [`Change::stop`] stops whatever runs:
//! the preflight ends, an apply rolls back, a refresh is dropped.
//!
//! Not here: sending requests, timers and tokens (hosts drive it like any [`Engine`]), what
//! a plan is (`plan`), how writes are made safe (`apply`), how reads are paged and throttled
//! (`scan`).

pub mod preflight;
pub mod words;

use std::time::Duration;

use crate::access::Identity;
use crate::apply::{Apply, ApplyConfig, Outcome, Report};
use crate::engine::{Engine, RequestId};
use crate::executor::TransportError;
use crate::id::ResourceId;
use crate::intent::Intent;
use crate::plan::{self, Plan, RowChange};
use crate::request::{self, Request, Response};
use crate::scan::{Refresh, Scan, ScanConfig, ScanResult, Start};

use preflight::{Gate, Verdict};
use words::Stage;

/// Where the change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the caller's permissions at the scopes the plan writes to.
    Checking,
    /// Checked: waiting for [`Change::confirm`] (see [`Change::gate`]).
    Reviewed,
    /// The apply engine runs.
    Applying,
    /// Applied; re-reading what the plan touched.
    Refreshing,
    /// Finished: applied and refreshed, rolled back, refused or stopped.
    Done,
}

/// Why [`Change::confirm`] did not start the apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("there is nothing to apply: every pending change is already true or could not be planned")]
    NothingToApply,
    #[error("your permissions are still being checked; wait for the check to finish")]
    NotChecked,
    #[error("you lack permission for some operations, so Azure Resource Manager would refuse them; ask an owner of those scopes to apply the exported plan")]
    Denied,
    #[error("this change has already been started")]
    AlreadyStarted,
}

/// Where the change writes and how it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeConfig {
    /// The ARM origin; the apply and the refresh follow links only there.
    pub origin: String,
    /// The apply engine's limits (its `origin` is replaced by the one above).
    pub apply: ApplyConfig,
    /// The Microsoft Graph origin the refresh after the apply names new principals from, when
    /// the scan had Graph; `None` keeps the names the result has and asks Graph nothing.
    pub directory_origin: Option<String>,
}

impl ChangeConfig {
    pub fn new(origin: &str) -> ChangeConfig {
        ChangeConfig { origin: origin.trim_end_matches('/').to_string(), apply: ApplyConfig::default(), directory_origin: None }
    }
}

/// What the review screen shows, computed once when the change is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub intents: Vec<Intent>,
    pub plan: Plan,
    /// Intents that could not be planned: the intent in words, and why.
    pub skipped: Vec<(String, String)>,
    /// Each identity's access that changes, with the identity's label.
    pub changes: Vec<(String, RowChange)>,
    /// Each operation's intent in words, with identity labels.
    pub titles: Vec<String>,
}

/// Which part of the change a request belongs to.
#[derive(Debug, Clone)]
enum Part {
    Preflight(ResourceId),
    Apply(RequestId),
    Refresh(RequestId),
}

#[derive(Debug)]
pub struct Change {
    config: ChangeConfig,
    review: Review,
    phase: Phase,
    /// Scopes whose permissions are still to be read, in order.
    to_check: Vec<ResourceId>,
    answers: Vec<(ResourceId, Result<Vec<crate::arm::Permission>, String>)>,
    verdicts: Vec<Verdict>,
    /// The scan result the change started from, until the refresh takes it.
    previous: Option<ScanResult>,
    apply: Option<Apply>,
    refresh: Option<Scan>,
    refreshed: Option<ScanResult>,
    stopped: bool,
    /// Requests handed out and not yet answered (a handful: a `Vec` is smaller in wasm).
    in_flight: Vec<(RequestId, Part)>,
    next_id: RequestId,
}

impl Change {
    /// Plans `intents` against `previous` (the scan result on screen, which the refresh after
    /// the apply starts from) and queues the permission preflight. `identities` (from the
    /// analysis) only name principals in words.
    pub fn new(previous: ScanResult, identities: &[Identity], intents: Vec<Intent>, config: ChangeConfig) -> Change {
        let inv = &previous.inventory;
        let (plan, skipped) = plan::plan(inv, &intents);
        let label = |principal_id: &str, fallback: &str| {
            identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(principal_id)).map(|i| i.label.clone()).unwrap_or_else(|| fallback.to_string())
        };
        let changes = plan::access_changes(inv, &plan).into_iter().map(|c| (label(&c.principal_id, &c.identity), c)).collect();
        let skipped = skipped.into_iter().map(|s| (words::describe_intent(&s.intent, inv, identities), s.reason)).collect();
        let titles = plan.operations.iter().map(|op| words::describe_intent(&op.intent, inv, identities)).collect();
        let to_check = preflight::scopes(&plan);
        let phase = if to_check.is_empty() { Phase::Reviewed } else { Phase::Checking };
        let verdicts = if to_check.is_empty() { preflight::check(&plan, &[]) } else { Vec::new() };
        Change {
            config,
            review: Review { intents, plan, skipped, changes, titles },
            phase,
            to_check,
            answers: Vec::new(),
            verdicts,
            previous: Some(previous),
            apply: None,
            refresh: None,
            refreshed: None,
            stopped: false,
            in_flight: Vec::new(),
            next_id: 1,
        }
    }

    pub fn review(&self) -> &Review {
        &self.review
    }

    pub fn plan(&self) -> &Plan {
        &self.review.plan
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// What the preflight says about each operation (empty until it has finished).
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }

    /// What confirming may do, once the preflight has finished.
    pub fn gate(&self) -> Option<Gate> {
        (self.phase != Phase::Checking).then(|| preflight::gate(&self.verdicts))
    }

    /// Starts the apply. With [`Gate::Uncertain`] the host has asked the user to accept that
    /// some writes may be refused (the engine then rolls back).
    pub fn confirm(&mut self, now: Duration) -> Result<(), ChangeError> {
        match self.phase {
            Phase::Checking => return Err(ChangeError::NotChecked),
            Phase::Reviewed => {}
            _ => return Err(ChangeError::AlreadyStarted),
        }
        if self.review.plan.operations.is_empty() {
            return Err(ChangeError::NothingToApply);
        }
        if self.gate() == Some(Gate::Closed) {
            return Err(ChangeError::Denied);
        }
        let apply = ApplyConfig { origin: self.config.origin.clone(), ..self.config.apply.clone() };
        let mut engine = Apply::new(self.review.plan.clone(), apply);
        engine.handle_timeout(now);
        self.apply = Some(engine);
        self.phase = Phase::Applying;
        self.advance(now);
        Ok(())
    }

    /// Stops the change: a preflight ends (nothing is applied), a running apply stops and
    /// undoes what it wrote ([`Apply::stop`]), a refresh is dropped. Stopping a finished
    /// change changes nothing.
    pub fn stop(&mut self, now: Duration) {
        if self.stopped || self.phase == Phase::Done {
            return;
        }
        self.stopped = true;
        match self.phase {
            Phase::Checking | Phase::Reviewed => {
                self.in_flight.clear();
                self.phase = Phase::Done;
            }
            Phase::Applying => {
                if let Some(a) = &mut self.apply {
                    a.stop(now);
                }
            }
            Phase::Refreshing => {
                self.in_flight.retain(|(_, p)| !matches!(p, Part::Refresh(_)));
                self.refresh = None;
                self.phase = Phase::Done;
            }
            Phase::Done => {}
        }
        self.advance(now);
    }

    /// Whether [`Change::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The apply's outcome, once it has one.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.apply.as_ref().and_then(Apply::outcome)
    }

    /// The outcome in one sentence, naming the operation that failed.
    pub fn outcome_text(&self) -> Option<String> {
        self.outcome().map(|o| words::outcome_text(o, &self.review.plan))
    }

    /// Each operation's progress in words (all pending before the apply starts).
    pub fn stages(&self) -> Vec<(Stage, Option<String>)> {
        match &self.apply {
            Some(a) => a.statuses().iter().enumerate().map(|(i, s)| words::stage(i, s, a.journal())).collect(),
            None => self.review.plan.operations.iter().map(|_| (Stage::Pending, None)).collect(),
        }
    }

    /// Whether the apply has started.
    pub fn started(&self) -> bool {
        self.apply.is_some()
    }

    /// Whether the apply has finished (the refresh may still run).
    pub fn applied_or_ended(&self) -> bool {
        self.apply.as_ref().is_some_and(Apply::is_done)
    }

    /// The apply engine, once confirmed.
    pub fn apply(&self) -> Option<&Apply> {
        self.apply.as_ref()
    }

    /// The apply's outcome, statuses and journal (without tokens), ready to export.
    pub fn report(&self) -> Option<Report> {
        self.apply.as_ref().map(Apply::report)
    }

    /// The scan result after an applied change: the one it started from with what the plan
    /// touched read again.
    pub fn refreshed(&self) -> Option<&ScanResult> {
        self.refreshed.as_ref()
    }

    /// What the plan touched, as refresh targets: a role assignment's scope (its list there
    /// also shows an assignment ARM found equivalent), every other target itself.
    pub fn touched(plan: &Plan) -> Vec<Refresh> {
        let mut out: Vec<Refresh> = Vec::new();
        let mut seen: crate::rbac::FastSet<Refresh> = crate::rbac::FastSet::default();
        for op in &plan.operations {
            let target = if op.target.is_type("Microsoft.Authorization/roleAssignments") {
                Refresh::Scope(op.target.scope().unwrap_or_else(|| op.target.clone()))
            } else if op.target.is_type(request::OUTBOUND_RULE_TYPE) {
                // Scans read outbound rules in their workspace's managedNetwork, so the
                // workspace is what is re-read.
                Refresh::Resource(op.target.parent().unwrap_or_else(|| op.target.clone()))
            } else {
                Refresh::Resource(op.target.clone())
            };
            // Ids compare (and hash) as ARM compares them, so one target is read once.
            if seen.insert(target.clone()) {
                out.push(target);
            }
        }
        out
    }

    fn id(&mut self, part: Part) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.push((id, part));
        id
    }

    /// Moves on to the next phase when the current one has ended.
    fn advance(&mut self, now: Duration) {
        if self.phase == Phase::Checking && self.to_check.is_empty() && !self.in_flight.iter().any(|(_, p)| matches!(p, Part::Preflight(_))) {
            self.verdicts = preflight::check(&self.review.plan, &self.answers);
            self.phase = Phase::Reviewed;
        }
        if self.phase == Phase::Applying && self.applied_or_ended() {
            self.in_flight.retain(|(_, p)| !matches!(p, Part::Apply(_)));
            let applied = matches!(self.outcome(), Some(Outcome::Applied));
            match self.previous.take() {
                Some(previous) if applied && !self.stopped => {
                    let mut config = ScanConfig::new(&self.config.origin, Start::Subscriptions(Vec::new()));
                    config.directory_origin = self.config.directory_origin.clone();
                    let mut scan = Scan::resume(config, previous);
                    for target in Change::touched(&self.review.plan) {
                        scan.refresh(target);
                    }
                    scan.handle_timeout(now);
                    self.refresh = Some(scan);
                    self.phase = Phase::Refreshing;
                }
                _ => self.phase = Phase::Done,
            }
        }
        if self.phase == Phase::Refreshing && self.refresh.as_ref().is_some_and(Scan::is_done) {
            self.refreshed = self.refresh.take().map(Scan::into_result);
            self.phase = Phase::Done;
        }
    }
}

impl Engine for Change {
    fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
        let out = match self.phase {
            Phase::Checking if !self.to_check.is_empty() => {
                let scope = self.to_check.remove(0);
                let req = request::list_permissions(&scope);
                Some((self.id(Part::Preflight(scope)), req))
            }
            Phase::Applying => {
                let (inner, req) = self.apply.as_mut()?.poll_request(now)?;
                Some((self.id(Part::Apply(inner)), req))
            }
            Phase::Refreshing => {
                let (inner, req) = self.refresh.as_mut()?.poll_request(now)?;
                Some((self.id(Part::Refresh(inner)), req))
            }
            _ => None,
        };
        if out.is_none() {
            self.advance(now);
        }
        out
    }

    fn handle_response(&mut self, now: Duration, id: RequestId, result: Result<Response, TransportError>) {
        // An answer for a part that has ended (a stopped preflight or refresh) is dropped.
        let Some(at) = self.in_flight.iter().position(|(i, _)| *i == id) else { return };
        let (_, part) = self.in_flight.swap_remove(at);
        match part {
            Part::Preflight(scope) => {
                let answer = result.map_err(|e| e.to_string()).and_then(|r| preflight::parse_permissions(&r));
                self.answers.push((scope, answer));
            }
            Part::Apply(inner) => {
                if let Some(a) = &mut self.apply {
                    a.handle_response(now, inner, result);
                }
            }
            Part::Refresh(inner) => {
                if let Some(s) = &mut self.refresh {
                    s.handle_response(now, inner, result);
                }
            }
        }
        self.advance(now);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        match self.phase {
            Phase::Applying => self.apply.as_ref()?.poll_timeout(),
            Phase::Refreshing => self.refresh.as_ref()?.poll_timeout(),
            _ => None,
        }
    }

    fn handle_timeout(&mut self, now: Duration) {
        match self.phase {
            Phase::Applying => {
                if let Some(a) = &mut self.apply {
                    a.handle_timeout(now);
                }
            }
            Phase::Refreshing => {
                if let Some(s) = &mut self.refresh {
                    s.handle_timeout(now);
                }
            }
            _ => {}
        }
        self.advance(now);
    }

    /// Done, or waiting for the host's [`Change::confirm`]: a machine in `Reviewed` has
    /// nothing to do until the user decides.
    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Reviewed)
    }

    fn stop(&mut self, now: Duration) {
        Change::stop(self, now)
    }

    /// Permission reads and a refresh's reads may be aborted; so may the apply's prechecks.
    fn may_abort(&self, id: RequestId) -> bool {
        match self.in_flight.iter().find(|(i, _)| *i == id).map(|(_, p)| p) {
            Some(Part::Preflight(_) | Part::Refresh(_)) => true,
            Some(Part::Apply(inner)) => self.apply.as_ref().is_some_and(|a| a.may_abort(*inner)),
            None => true,
        }
    }
}
