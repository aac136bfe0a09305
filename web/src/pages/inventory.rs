//! The inventory tab: every resource found, what was skipped and why.

use leptos::prelude::*;
use pullpath_core::scan::ScanResult;

use crate::state::AppState;

fn rows(result: &ScanResult) -> Vec<(&'static str, String, String)> {
    let inv = &result.inventory;
    inv.registries
        .iter()
        .map(|r| ("Container registry", r.name.clone(), r.id.to_string()))
        .chain(inv.workspaces.iter().map(|w| ("ML workspace", w.name.clone(), w.id.to_string())))
        .chain(inv.computes.iter().map(|c| ("ML compute", c.name.clone(), c.id.to_string())))
        .chain(inv.connections.iter().map(|c| ("Workspace connection", c.name.clone(), c.id.to_string())))
        .chain(inv.managed_clusters.iter().map(|c| ("AKS cluster", c.name.clone(), c.id.to_string())))
        .chain(inv.online_endpoints.iter().map(|e| ("ML online endpoint", e.name.clone(), e.id.to_string())))
        .chain(inv.container_groups.iter().map(|g| ("Container group", g.name.clone(), g.id.to_string())))
        .chain(inv.identities.iter().map(|i| ("User-assigned identity", i.name.clone(), i.id.to_string())))
        .collect()
}

#[component]
pub fn InventoryPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let result = move || state.result.get().unwrap_or_default();
    view! {
        <section aria-labelledby="inv-h">
            <h2 id="inv-h">"Inventory"</h2>
            <p class="summary">{move || { let r = result(); format!("{} subscription(s), {} resources, {} role assignments", r.subscriptions.len(), rows(&r).len(), r.inventory.role_assignments.len()) }}</p>
            <table class="inventory">
                <caption>"Resources found"</caption>
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"Name"</th><th scope="col">"Resource id"</th></tr></thead>
                <tbody>
                    {move || rows(&result()).into_iter().map(|(kind, name, id)| view! {
                        <tr><td>{kind}</td><td>{name}</td><td class="id">{id}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            {move || { let skipped = result().skipped; (!skipped.is_empty()).then(|| view! {
                <h3>"Skipped"</h3>
                <ul class="skipped">{skipped.into_iter().map(|s| view! { <li><span class="id">{s.scope}</span>" — "{s.what}": "{s.reason}</li> }).collect_view()}</ul>
            })}}
            {move || { let diags = result().diagnostics; (!diags.is_empty()).then(|| view! {
                <h3>"Could not read"</h3>
                <ul class="skipped">{diags.into_iter().map(|d| view! { <li><span class="id">{d.at}</span>": "{d.message}</li> }).collect_view()}</ul>
            })}}
        </section>
    }
}
