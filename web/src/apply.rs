//! Drives the core apply engine with an executor and browser timers, and the permission
//! check before it: requests out, responses in, `performance.now()` as the clock.
//!
//! The engine decides everything (order, retries, verification, rollback); this loop only
//! performs. Stopping is the engine's own ([`Apply::stop`]): no new check or write is sent,
//! checks in flight are aborted, writes and
//! their polls already sent finish (aborting them could leave a change landing after its
//! undo), and whatever was written is undone. When the session is gone the executor holds
//! requests (see `http::Hold`), so the engine waits instead of failing: sign-in never leaves a
//! plan half applied.

use std::cell::Cell;
use std::rc::Rc;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_timers::future::TimeoutFuture;
use pullpath_core::apply::{Apply, Purpose};
use pullpath_core::arm::Permission;
use pullpath_core::executor::{Executor, TransportError};
use pullpath_core::id::ResourceId;
use pullpath_core::plan::Plan;
use pullpath_core::request::{self, Request, Response};
use pullpath_core::review;
use pullpath_core::sim::SimExecutor;

use crate::http::{ArmExecutor, Cancel};

/// The demo's in-memory tenant or ARM as the signed-in user.
#[derive(Clone)]
pub enum AnyExecutor {
    Demo(SimExecutor),
    Arm(ArmExecutor),
}

impl AnyExecutor {
    /// The same executor in its own cancellable group (the demo's never waits on anything).
    fn in_group(&self, group: &Option<Cancel>) -> AnyExecutor {
        match (self, group) {
            (AnyExecutor::Arm(a), Some(g)) => AnyExecutor::Arm(a.with_cancel(g.clone())),
            _ => self.clone(),
        }
    }

    fn child_group(&self) -> Option<Cancel> {
        match self {
            AnyExecutor::Arm(a) => Some(a.cancel.child()),
            AnyExecutor::Demo(_) => None,
        }
    }
}

impl Executor for AnyExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        match self {
            AnyExecutor::Demo(e) => e.execute(request).await,
            AnyExecutor::Arm(e) => e.execute(request).await,
        }
    }
}

/// Asks a running apply to stop and roll back.
#[derive(Clone, Default)]
pub struct Stop(Rc<Cell<bool>>);

impl Stop {
    pub fn stop(&self) {
        self.0.set(true);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.get()
    }
}

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> u64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0) as u64
}

fn sleep_ms(ms: u64) -> TimeoutFuture {
    TimeoutFuture::new(ms.clamp(1, u32::MAX as u64) as u32)
}

/// Longest sleep between looks at the stop flag.
const TICK_MS: u64 = 250;

/// Reads the caller's permissions at every scope the plan writes to.
pub async fn read_permissions<E: Executor>(exec: &E, plan: &Plan) -> Vec<(ResourceId, Result<Vec<Permission>, String>)> {
    let mut out = Vec::new();
    for scope in review::scopes(plan) {
        let answer = match exec.execute(request::list_permissions(&scope)).await {
            Ok(resp) => review::parse_permissions(&resp),
            Err(e) => Err(e.to_string()),
        };
        out.push((scope, answer));
    }
    out
}

/// Runs `apply` to the end, calling `on_progress` after every step.
pub async fn run_apply(exec: &AnyExecutor, apply: &mut Apply, stop: &Stop, on_progress: impl Fn(&Apply)) {
    let mut in_flight = FuturesUnordered::new();
    let mut stop_seen = false;
    // Prechecks are reads of targets nothing has been written to yet: safe to abort on stop.
    let prechecks = exec.child_group();
    loop {
        let now = now_ms();
        if stop.is_stopped() && !stop_seen {
            // The engine's own stop: nothing new is sent, writes already sent finish, and what
            // was written is undone. Prechecks in flight are reads of untouched targets: safe
            // to abort.
            stop_seen = true;
            if let Some(p) = &prechecks {
                p.cancel();
            }
            apply.stop(now);
        }
        apply.handle_timeout(now);
        while let Some((id, req)) = apply.poll_request(now) {
            let purpose = apply.journal().last().map(|e| e.purpose);
            let e = if purpose == Some(Purpose::Precheck) { exec.in_group(&prechecks) } else { exec.clone() };
            in_flight.push(async move { (id, e.execute(req).await) });
        }
        on_progress(apply);
        if apply.is_done() && in_flight.is_empty() {
            break;
        }
        let wait = apply.poll_timeout().map(|at| at.saturating_sub(now).min(TICK_MS)).unwrap_or(TICK_MS);
        if in_flight.is_empty() {
            if apply.poll_timeout().is_none() && !apply.is_done() && !stop.is_stopped() {
                // Nothing in flight, nothing scheduled, not done: the engine cannot progress.
                break;
            }
            sleep_ms(wait).await;
            continue;
        }
        match select(in_flight.next(), sleep_ms(wait)).await {
            Either::Left((Some((id, outcome)), _)) => apply.handle_response(now_ms(), id, outcome),
            Either::Left((None, _)) | Either::Right(_) => {}
        }
    }
    on_progress(apply);
}
