//! The results screen: where the scan (or snapshot) came from, the tabs that show it (graph,
//! matrix, findings, inventory), the detail panel for what is selected, and the tray of
//! pending changes; for a signed-in scan without Microsoft Graph, what that leaves out and how
//! to get it (consent in a popup, or an administrator's grant).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{detail, findings, graph, inventory, matrix, plan, share};
use crate::auth::flow::GraphRefusal;
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
            <GraphNote/>
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

/// Shown when a signed-in scan ran on ARM data alone because no Microsoft Graph token could be
/// had without asking, or when Graph refused its reads: what is missing, a button that asks for
/// consent in a popup (or, with a token, reads Graph again) for the results on screen, and how
/// an administrator grants the permission where users may not consent.
#[component]
fn GraphNote() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Graph refused or failed a read although the scan had a token (a 403 with consent given:
    // the permission or a policy is missing; a 401): said with what to do, and read again.
    let refused = move || state.result.with(|r| r.as_ref().and_then(|r| r.directory_problem().map(str::to_string)));
    let tenant = move || state.source.with(|s| *s == Some(Source::Tenant));
    let token_missing = move || state.graph_missing.with(Option::is_some);
    let shown = move || tenant() && (token_missing() || state.result.with(|r| r.as_ref().is_some_and(|r| r.directory_problem().is_some())));
    let why = move || {
        if !token_missing() {
            return refused().map(|p| format!("{p}.")).unwrap_or_default();
        }
        state.graph_missing.with(|g| match g {
            Some(GraphRefusal::NeedsInteraction { consent: true, .. }) => "pullpath has no consent to read your directory (Microsoft Graph, delegated permission Directory.Read.All).".to_string(),
            Some(GraphRefusal::NeedsInteraction { said, .. }) => format!("Microsoft Graph needs you to confirm in a sign-in window ({said})."),
            Some(GraphRefusal::Unavailable(said)) => format!("No Microsoft Graph token could be had just now ({said})."),
            None => String::new(),
        })
    };
    let client_id = move || state.config.with(|c| c.as_ref().and_then(|c| c.as_ref().ok()).map(|c| c.client_id.clone()).unwrap_or_default());
    let az = move || {
        let id = client_id();
        format!("az ad app permission add --id {id} --api 00000003-0000-0000-c000-000000000000 --api-permissions 06da0dbc-49e2-44d2-8312-53f166ab848a=Scope\naz ad app permission admin-consent --id {id}")
    };
    view! {
        <Show when=shown>
            <div class="banner info graph-note" role="region" aria-label="Names and groups">
                <div>
                    <p><strong>"Names and group members were not read. "</strong>{why}</p>
                    <p>"People, groups and service principals are shown by object id, and access through a group is not credited to its members."</p>
                    <details>
                        <summary>"If you may not consent: how an administrator grants it"</summary>
                        <p>"Azure portal: Microsoft Entra ID → App registrations → this app → API permissions → Add a permission → Microsoft Graph → Delegated → Directory.Read.All, then Grant admin consent. Or with the Azure CLI:"</p>
                        <pre>{az}</pre>
                    </details>
                </div>
                {move || if token_missing() {
                    view! { <button class="primary" on:click=move |_| state.consent_graph() disabled=move || state.graph_asking.get()>"Show names and groups"</button> }.into_any()
                } else {
                    view! { <button class="primary" on:click=move |_| state.add_names_and_groups()>"Read names and groups again"</button> }.into_any()
                }}
            </div>
        </Show>
    }
}
