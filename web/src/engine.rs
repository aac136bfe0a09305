//! Runs any core state machine (`Scan`, `Change`: a `pullpath_core::engine::Engine`) with an
//! executor and browser timers: requests out, responses in, `performance.now()` as the clock.
//!
//! The machine decides everything (what to send, concurrency, backoff, throttling, rollback);
//! this loop only performs. A host stops a machine by cancelling its `abort` group: the loop
//! then calls the machine's own `stop`, and requests the machine says may be aborted (reads
//! of what nothing was written to) are sent in that group, so they are aborted with it;
//! writes and their polls finish (aborting them could leave a change landing after its undo).
//! When the session is gone the ARM executor holds an apply's requests (see `http::Hold`), so
//! the machine waits instead of failing.
//!
//! Not here: what to run or when (pages, `state`), fetching itself (`http`).

use std::cell::RefCell;
use std::time::Duration;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_timers::future::TimeoutFuture;
use pullpath_core::engine::{Engine, RequestId};
use pullpath_core::executor::{Executor, TransportError};
use pullpath_core::request::{Request, Response};

use crate::demo::DemoExecutor;
use crate::fetch::Cancel;
use crate::http::ArmExecutor;

/// Monotonic time for the core's state machines, from `performance.now()`.
pub fn monotonic() -> Duration {
    let ms = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
    Duration::from_micros((ms * 1000.0) as u64)
}

fn sleep(d: Duration) -> TimeoutFuture {
    TimeoutFuture::new(d.as_millis().clamp(1, u32::MAX as u128) as u32)
}

/// Longest sleep between looks at the abort group, so a stop is seen within it.
const TICK: Duration = Duration::from_millis(250);

/// The demo's in-memory tenant or ARM as the signed-in user.
#[derive(Clone)]
pub enum AnyExecutor {
    Demo(DemoExecutor),
    Arm(ArmExecutor),
}

impl AnyExecutor {
    /// The same executor with its requests in `group` (the demo's never waits on anything).
    fn in_group(&self, group: &Cancel) -> AnyExecutor {
        match self {
            AnyExecutor::Arm(a) => AnyExecutor::Arm(a.with_cancel(group.clone())),
            AnyExecutor::Demo(_) => self.clone(),
        }
    }

    /// A new group inside this executor's own, for what may be aborted on stop.
    pub fn child_group(&self) -> Cancel {
        match self {
            AnyExecutor::Arm(a) => a.cancel.child(),
            AnyExecutor::Demo(_) => Cancel::new(),
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

/// One request's round trip; one function, so every future in flight has the same type.
async fn send(exec: AnyExecutor, id: RequestId, req: Request) -> (RequestId, Result<Response, TransportError>) {
    (id, exec.execute(req).await)
}

/// Runs `machine` until it has nothing more to do on its own (finished, or waiting for a
/// command such as a change's `confirm`), calling `on_step` after every step. The machine is
/// borrowed only between awaits, so commands (`confirm`, `stop`) may be given meanwhile.
pub async fn run<M: Engine>(exec: &AnyExecutor, machine: &RefCell<M>, abort: &Cancel, on_step: impl Fn(&M)) {
    let mut in_flight = FuturesUnordered::new();
    let mut stop_seen = false;
    loop {
        let now = monotonic();
        let (done, timeout) = {
            let mut m = machine.borrow_mut();
            if abort.is_cancelled() && !stop_seen {
                stop_seen = true;
                m.stop(now);
            }
            m.handle_timeout(now);
            while let Some((id, req)) = m.poll_request(now) {
                let e = if m.may_abort(id) { exec.in_group(abort) } else { exec.clone() };
                in_flight.push(send(e, id, req));
            }
            on_step(&m);
            (m.is_done(), m.poll_timeout())
        };
        if done && in_flight.is_empty() {
            break;
        }
        let wait = timeout.map(|at| at.saturating_sub(now).min(TICK)).unwrap_or(TICK);
        if in_flight.is_empty() {
            if timeout.is_none() && !done {
                // Nothing in flight, nothing scheduled, not done: the machine cannot progress.
                break;
            }
            sleep(wait).await;
            continue;
        }
        if let Either::Left((Some((id, outcome)), _)) = select(in_flight.next(), sleep(wait)).await {
            machine.borrow_mut().handle_response(monotonic(), id, outcome);
        }
    }
    on_step(&machine.borrow());
}
