//! Entry point of the demo's Web Worker (built by Trunk from `index.html`'s worker link).

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use pullpath_core::executor::WORKER_READY;
    use pullpath_sim::Sim;
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // One tenant for the visit: the app's writes are seen by its next reads.
    let sim = Rc::new(RefCell::new(Sim::demo()));
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        if let Some(answer) = pullpath_demo::answer(&mut sim.borrow_mut(), &text) {
            let _ = reply.post_message(&JsValue::from_str(&answer));
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page: its handler is never dropped.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(WORKER_READY));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pullpath-demo is the demo tenant's Web Worker: it runs in the browser (see index.html), not natively");
    std::process::exit(2);
}
