//! The results screen: where the scan (or snapshot) came from, the tabs that show it (graph,
//! matrix, findings, inventory), the detail panel for what is selected, and the tray of
//! pending changes.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{detail, findings, graph, inventory, matrix, plan, share};
use crate::state::{AppState, Source, Tab};

#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    let source = move || match state.source.get() {
        Some(Source::Demo) => "the demo tenant".to_string(),
        Some(Source::Snapshot(name)) => format!("snapshot {name}"),
        Some(Source::Tenant) | None => "your tenant".to_string(),
    };
    let summary = move || {
        state.analysed.with(|a| {
            a.as_ref().map(|a| {
                let n = &a.analysis;
                format!("From {}: {} identities, {} registries, {} findings", source(), n.identities.len(), n.registries.len(), n.findings.len())
            })
        })
    };
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab moves into the panel.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let i = Tab::ALL.iter().position(|t| *t == state.tab.get_untracked()).unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % Tab::ALL.len(),
            "ArrowLeft" => (i + Tab::ALL.len() - 1) % Tab::ALL.len(),
            "Home" => 0,
            "End" => Tab::ALL.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        state.tab.set(Tab::ALL[next]);
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&format!("tab-{}", Tab::ALL[next].name().to_lowercase()))) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    };
    view! {
        <section class="results" aria-labelledby="results-h">
            <div class="results-head">
                <div>
                    <h1 id="results-h">"Who can pull from which registry"</h1>
                    <p class="summary">{summary}</p>
                </div>
                <div class="actions">
                    <Show when=move || matches!(state.source.get(), Some(Source::Demo | Source::Tenant))>
                        <button on:click=move |_| state.rescan()>"Scan again"</button>
                    </Show>
                    <share::ShareActions/>
                </div>
            </div>
            <div role="tablist" aria-label="Views" class="tabs" on:keydown=on_key>
                {Tab::ALL.into_iter().map(|t| {
                    let id = format!("tab-{}", t.name().to_lowercase());
                    let selected = move || state.tab.get() == t;
                    view! {
                        <button role="tab" id=id aria-controls="view-panel"
                            aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            on:click=move |_| state.tab.set(t)>{t.name()}</button>
                    }
                }).collect_view()}
            </div>
            <div class="results-body">
                <div role="tabpanel" id="view-panel" class="view"
                    aria-labelledby=move || format!("tab-{}", state.tab.get().name().to_lowercase())>
                    {move || match state.tab.get() {
                        Tab::Graph => view! { <graph::GraphView/> }.into_any(),
                        Tab::Matrix => view! { <matrix::MatrixView/> }.into_any(),
                        Tab::Findings => view! { <findings::FindingsView/> }.into_any(),
                        Tab::Inventory => view! { <inventory::InventoryPage/> }.into_any(),
                    }}
                </div>
                <detail::Detail/>
            </div>
            <plan::Tray/>
        </section>
    }
}
