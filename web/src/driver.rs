//! Drives a core scan with an executor: requests out, responses in, timers from the browser.
//!
//! The scan decides what to send and when (concurrency, backoff, throttling); this loop only
//! performs: it sends what the scan hands out, feeds back what comes in, and sleeps when the
//! scan says it is waiting for time.

use std::time::Duration;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_timers::future::TimeoutFuture;
use pullpath_core::executor::Executor;
use pullpath_core::scan::{Progress, Scan, ScanResult};

use crate::http::Cancel;

/// Monotonic time for the core's state machines, from `performance.now()`.
pub fn monotonic() -> Duration {
    let ms = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
    Duration::from_micros((ms * 1000.0) as u64)
}

fn sleep(d: Duration) -> TimeoutFuture {
    TimeoutFuture::new(d.as_millis().clamp(1, u32::MAX as u128) as u32)
}

/// Runs `scan` to completion (or cancellation), reporting progress after every step.
pub async fn run_scan<E: Executor>(exec: &E, mut scan: Scan, cancel: &Cancel, on_progress: impl Fn(Progress)) -> ScanResult {
    let mut in_flight = FuturesUnordered::new();
    loop {
        scan.handle_timeout(monotonic());
        if !cancel.is_cancelled() {
            while let Some((id, req)) = scan.poll_request() {
                let fut = exec.execute(req);
                in_flight.push(async move { (id, fut.await) });
            }
        }
        on_progress(scan.progress());
        if in_flight.is_empty() {
            if scan.is_done() || cancel.is_cancelled() {
                break;
            }
            match scan.poll_timeout() {
                Some(at) => sleep(at.saturating_sub(monotonic())).await,
                // Nothing in flight, nothing scheduled, not done: the scan cannot make progress.
                None => break,
            }
            continue;
        }
        match scan.poll_timeout() {
            Some(at) => match select(in_flight.next(), sleep(at.saturating_sub(monotonic()))).await {
                Either::Left((Some((id, outcome)), _)) => scan.handle_response(id, outcome),
                Either::Left((None, _)) | Either::Right(_) => {}
            },
            None => {
                if let Some((id, outcome)) = in_flight.next().await {
                    scan.handle_response(id, outcome);
                }
            }
        }
    }
    on_progress(scan.progress());
    scan.into_result()
}
