//! The one face of the core's sans-IO state machines (`Scan`, `Apply`, `Change`), after
//! quinn-proto's `Connection`: the host asks for work ([`Engine::poll_request`]), feeds back
//! what came of it ([`Engine::handle_response`]), asks when to wake the machine
//! ([`Engine::poll_timeout`]) and wakes it ([`Engine::handle_timeout`]). Every call that can
//! move the machine takes `now`, the same way everywhere.
//!
//! Time is a [`Duration`] since any origin the host likes (`performance.now()` in the
//! browser, simulated time in tests); it only has to be monotonic. Every machine can be
//! stopped ([`Engine::stop`]); other commands (`confirm`, `refresh`) are its own methods.
//!
//! Not here: sending requests or sleeping (hosts, and `pullpath_sim::drive`, the synchronous
//! loop tests and tools share), what a machine does (its own module).

use std::time::Duration;

use crate::executor::TransportError;
use crate::request::{Request, Response};

/// Identifies one request a machine handed out; unique per machine.
pub type RequestId = u64;

/// A sans-IO state machine that reads or writes ARM.
pub trait Engine {
    /// The next request to send now, if any. Call until `None` after every event.
    fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)>;
    /// The answer (or transport failure) for request `id`.
    fn handle_response(&mut self, now: Duration, id: RequestId, result: Result<Response, TransportError>);
    /// When the machine next wants [`Engine::handle_timeout`], if it is waiting for time (a
    /// backoff, a poll interval, a refilling throttling bucket).
    fn poll_timeout(&self) -> Option<Duration>;
    /// Tells the machine the time.
    fn handle_timeout(&mut self, now: Duration);
    /// Whether the machine has nothing more to do on its own: finished, or waiting for a
    /// command from the host (a `Change` waiting for `confirm`).
    fn is_done(&self) -> bool;
    /// Stops the machine: it starts nothing new and ends as its kind must (a scan keeps what
    /// it read, an apply undoes what it wrote). Requests in flight are still taken.
    fn stop(&mut self, now: Duration);
    /// Whether a host may abort request `id` when the machine stops: it only reads what
    /// nothing has been written to. Machines that never stop say no.
    fn may_abort(&self, _id: RequestId) -> bool {
        false
    }
}
