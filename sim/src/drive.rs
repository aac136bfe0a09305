//! The synchronous driver of core's engines (`Scan`, `Apply`, `Change`) for tests and tools:
//! simulated time, every request answered by a function before the next round.
//!
//! Not here: the engines (`pullpath_core::engine`), the browser's asynchronous driver
//! (`web::engine`), real HTTP (the emulator's scan driver).

use std::time::Duration;

use pullpath_core::engine::Engine;
use pullpath_core::executor::TransportError;
use pullpath_core::request::{Request, Response};

/// Runs `engine` to the end against a synchronous `serve` with simulated time starting at
/// `now`: every request handed out in a round is answered before the next round, so
/// independent requests really are in flight together, and time jumps straight to the next
/// timeout when nothing is left to send. Returns the simulated time at the end, or `None`
/// if `max_rounds` passed, or the machine waits for nothing, without finishing.
///
/// This is the loop the tests, the benchmarks and the tools share; the browser has its own
/// asynchronous one (`web::engine`).
pub fn drive<E: Engine + ?Sized>(engine: &mut E, mut now: Duration, max_rounds: usize, mut serve: impl FnMut(&Request) -> Result<Response, TransportError>) -> Option<Duration> {
    for _ in 0..max_rounds {
        if engine.is_done() {
            return Some(now);
        }
        let mut batch = Vec::new();
        while let Some(x) = engine.poll_request(now) {
            batch.push(x);
        }
        if batch.is_empty() {
            if engine.is_done() {
                return Some(now);
            }
            now = engine.poll_timeout()?.max(now);
            engine.handle_timeout(now);
            continue;
        }
        for (id, req) in batch {
            let answer = serve(&req);
            engine.handle_response(now, id, answer);
        }
    }
    engine.is_done().then_some(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pullpath_core::engine::RequestId;

    /// Sends one request, is answered a 429 the first time, then waits 2 s and sends again.
    #[derive(Default)]
    struct Retrier {
        sent: u32,
        in_flight: bool,
        wait_until: Option<Duration>,
        done: bool,
    }

    impl Engine for Retrier {
        fn poll_request(&mut self, now: Duration) -> Option<(RequestId, Request)> {
            self.handle_timeout(now);
            if self.done || self.in_flight || self.wait_until.is_some() {
                return None;
            }
            self.in_flight = true;
            self.sent += 1;
            Some((self.sent.into(), pullpath_core::request::list_subscriptions()))
        }
        fn handle_response(&mut self, now: Duration, _id: RequestId, result: Result<Response, TransportError>) {
            self.in_flight = false;
            match result {
                Ok(r) if r.status == 429 => self.wait_until = Some(now + Duration::from_secs(2)),
                _ => self.done = true,
            }
        }
        fn poll_timeout(&self) -> Option<Duration> {
            self.wait_until
        }
        fn handle_timeout(&mut self, now: Duration) {
            if self.wait_until.is_some_and(|t| t <= now) {
                self.wait_until = None;
            }
        }
        fn is_done(&self) -> bool {
            self.done
        }
        fn stop(&mut self, _: Duration) {
            self.done = true;
        }
    }

    #[test]
    fn drive_jumps_to_the_next_timeout_and_ends_when_done() {
        let mut e = Retrier::default();
        let mut answers = vec![Response::json(200, &serde_json::json!({})), Response::json(429, &serde_json::json!({}))];
        let end = drive(&mut e, Duration::from_secs(10), 100, |_| Ok(answers.pop().unwrap()));
        assert_eq!(end, Some(Duration::from_secs(12)));
        assert_eq!(e.sent, 2);
    }

    #[test]
    fn drive_gives_up_on_a_machine_waiting_for_nothing() {
        struct Stuck;
        impl Engine for Stuck {
            fn poll_request(&mut self, _: Duration) -> Option<(RequestId, Request)> {
                None
            }
            fn handle_response(&mut self, _: Duration, _: RequestId, _: Result<Response, TransportError>) {}
            fn poll_timeout(&self) -> Option<Duration> {
                None
            }
            fn handle_timeout(&mut self, _: Duration) {}
            fn is_done(&self) -> bool {
                false
            }
            fn stop(&mut self, _: Duration) {}
        }
        assert_eq!(drive(&mut Stuck, Duration::ZERO, 10, |_| unreachable!()), None);
    }
}
