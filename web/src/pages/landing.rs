//! The landing screen: explore the demo tenant (and, later, sign in or open a snapshot).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pullpath_core::executor::Executor;
use pullpath_core::scan::{Scan, Start};
use pullpath_core::sim::{Sim, SimExecutor, DEFAULT_ORIGIN};

use super::Screen;

#[component]
pub fn Landing() -> impl IntoView {
    let set_screen = expect_context::<WriteSignal<Screen>>();
    let explore = move |_| {
        set_screen.set(Screen::Scanning);
        spawn_local(async move {
            let executor = SimExecutor::new(Sim::demo());
            let mut scan = Scan::new(DEFAULT_ORIGIN, Start::AllSubscriptions);
            while let Some((id, req)) = scan.poll_request() {
                let outcome = executor.execute(req).await;
                scan.handle_response(id, outcome);
            }
            set_screen.set(Screen::Inventory(scan.into_result()));
        });
    };
    view! {
        <section class="landing">
            <h1>"Which identity can pull images from which registry?"</h1>
            <p>"pullpath reads your Azure tenant from the browser, draws the identity → registry permission graph, explains every edge and turns fixes into reviewed ARM changes."</p>
            <div class="actions">
                <button class="primary" on:click=explore>"Explore the demo tenant"</button>
            </div>
        </section>
    }
}
