//! The demo tenant's executor: its requests go to the demo's Web Worker (crate `demo`, built
//! by Trunk as `pullpath-demo_loader.js`), where the simulator answers them. The worker is
//! started on the first demo request, so visitors who sign in never download it, and it keeps
//! one tenant for the whole visit, so applied changes stay applied.
//!
//! One JSON text per message each way (`executor::Call` out, `executor::Answer` in); calls made
//! before the worker says `executor::WORKER_READY` wait in a queue. If the worker cannot start
//! or fails, every waiting and later request fails with a transport error saying so, which the
//! scan and apply machines report like any network failure.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use futures::channel::oneshot;
use pullpath_core::executor::{Answer, Call, Executor, TransportError, WORKER_READY};
use pullpath_core::request::{Request, Response};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// Trunk names a worker's files after its binary, unhashed, beside `index.html`.
const SCRIPT: &str = "pullpath-demo_loader.js";

type Reply = oneshot::Sender<Result<Response, TransportError>>;

#[derive(Clone)]
pub struct DemoExecutor {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    worker: Option<Worker>,
    ready: bool,
    queued: Vec<String>,
    waiting: HashMap<u32, Reply>,
    next: u32,
    /// Why the worker is unusable, once it is.
    broken: Option<String>,
    // Kept alive as long as the worker; they hold only a weak reference back.
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Option<Closure<dyn FnMut(ErrorEvent)>>,
}

impl DemoExecutor {
    /// Starts the worker (it loads in the background; calls queue until it is ready).
    pub fn start() -> DemoExecutor {
        let inner = Rc::new(RefCell::new(Inner {
            worker: None,
            ready: false,
            queued: Vec::new(),
            waiting: HashMap::new(),
            next: 0,
            broken: None,
            _on_message: None,
            _on_error: None,
        }));
        match Worker::new(SCRIPT) {
            Ok(worker) => {
                let weak = Rc::downgrade(&inner);
                let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                    if let (Some(inner), Some(text)) = (weak.upgrade(), e.data().as_string()) {
                        received(&inner, &text);
                    }
                });
                let weak: Weak<RefCell<Inner>> = Rc::downgrade(&inner);
                let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
                    if let Some(inner) = weak.upgrade() {
                        fail_all(&inner, format!("the demo tenant stopped working: {}", e.message()));
                    }
                });
                worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
                let mut i = inner.borrow_mut();
                i.worker = Some(worker);
                i._on_message = Some(on_message);
                i._on_error = Some(on_error);
            }
            Err(e) => {
                let why = e.as_string().or_else(|| js_sys::Error::try_from(e).ok().map(|e| String::from(e.message()))).unwrap_or_default();
                inner.borrow_mut().broken = Some(format!("the demo tenant could not start: {why}"));
            }
        }
        DemoExecutor { inner }
    }
}

fn received(inner: &Rc<RefCell<Inner>>, text: &str) {
    let mut i = inner.borrow_mut();
    if text == WORKER_READY {
        i.ready = true;
        let queued = std::mem::take(&mut i.queued);
        for call in queued {
            if let Err(why) = post(&i, &call) {
                drop(i);
                fail_all(inner, why);
                return;
            }
        }
        return;
    }
    let Ok(answer) = serde_json::from_str::<Answer>(text) else { return };
    if let Some(reply) = i.waiting.remove(&answer.id) {
        let _ = reply.send(Ok(answer.response));
    }
}

fn post(i: &Inner, call: &str) -> Result<(), String> {
    let worker = i.worker.as_ref().ok_or("the demo tenant is not running")?;
    worker.post_message(&JsValue::from_str(call)).map_err(|_| "the demo tenant did not take a request".to_string())
}

/// Marks the worker unusable and fails every request waiting for it.
fn fail_all(inner: &Rc<RefCell<Inner>>, why: String) {
    let waiting: Vec<Reply> = {
        let mut i = inner.borrow_mut();
        i.broken = Some(why.clone());
        i.queued.clear();
        i.waiting.drain().map(|(_, r)| r).collect()
    };
    for reply in waiting {
        let _ = reply.send(Err(TransportError::Network(why.clone())));
    }
}

impl Executor for DemoExecutor {
    async fn execute(&self, request: Request) -> Result<Response, TransportError> {
        let answer = {
            let mut i = self.inner.borrow_mut();
            if let Some(why) = &i.broken {
                return Err(TransportError::Network(why.clone()));
            }
            let id = i.next;
            i.next = i.next.wrapping_add(1);
            let call = serde_json::to_string(&Call { id, request }).map_err(|e| TransportError::Network(e.to_string()))?;
            let (tx, rx) = oneshot::channel();
            i.waiting.insert(id, tx);
            if i.ready {
                if let Err(why) = post(&i, &call) {
                    i.waiting.remove(&id);
                    return Err(TransportError::Network(why));
                }
            } else {
                i.queued.push(call);
            }
            rx
        };
        answer.await.unwrap_or_else(|_| Err(TransportError::Network("the demo tenant stopped working".into())))
    }
}
