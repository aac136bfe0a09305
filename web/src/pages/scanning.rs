//! The scan in progress: a progress bar, counters, and a way to stop.

use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub fn Scanning() -> impl IntoView {
    let state = expect_context::<AppState>();
    let p = state.progress;
    let percent = move || {
        let p = p.get();
        (p.requests_done * 100).checked_div(p.requests_planned).map_or(0, |v| v.min(100))
    };
    view! {
        <section aria-labelledby="scan-h">
            <h1 id="scan-h">"Scanning"</h1>
            <div class="progress" role="progressbar" aria-label="Scan progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <div class="bar" style:width=move || format!("{}%", percent())></div>
            </div>
            <p role="status">{move || { let p = p.get(); format!("{} of {} requests done, {} items found", p.requests_done, p.requests_planned, p.items_found) }}</p>
            <button on:click=move |_| state.cancel_scan()>"Cancel scan"</button>
        </section>
    }
}
