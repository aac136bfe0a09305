//! The inventory screen: every resource the scan found, by kind.

use leptos::prelude::*;
use pullpath_core::scan::ScanResult;

#[component]
pub fn InventoryPage(result: ScanResult) -> impl IntoView {
    let inv = result.inventory;
    let rows: Vec<(&'static str, String, String)> = inv
        .registries
        .iter()
        .map(|r| ("Container registry", r.name.clone(), r.id.to_string()))
        .chain(inv.workspaces.iter().map(|w| ("ML workspace", w.name.clone(), w.id.to_string())))
        .chain(inv.computes.iter().map(|c| ("ML compute", c.name.clone(), c.id.to_string())))
        .chain(inv.connections.iter().map(|c| ("Workspace connection", c.name.clone(), c.id.to_string())))
        .chain(inv.managed_clusters.iter().map(|c| ("AKS cluster", c.name.clone(), c.id.to_string())))
        .chain(inv.identities.iter().map(|i| ("User-assigned identity", i.name.clone(), i.id.to_string())))
        .collect();
    let assignments = inv.role_assignments.len();
    let skipped = result.skipped;
    view! {
        <section aria-labelledby="inv-h">
            <h1 id="inv-h">"Inventory"</h1>
            <p>{format!("{} subscription(s), {} resources, {} role assignments", result.subscriptions.len(), rows.len(), assignments)}</p>
            <table class="inventory">
                <caption>"Resources found"</caption>
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"Name"</th><th scope="col">"Resource id"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(kind, name, id)| view! {
                        <tr><td>{kind}</td><td>{name}</td><td class="id">{id}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Show when={let n = skipped.len(); move || n > 0}>
                <h2>"Skipped scopes"</h2>
                <ul>{skipped.iter().map(|s| view! { <li>{format!("{} ({}): {}", s.scope, s.what, s.reason)}</li> }).collect_view()}</ul>
            </Show>
        </section>
    }
}
