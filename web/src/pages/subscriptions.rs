//! After sign-in: which tenant, and which subscriptions to scan.

use leptos::prelude::*;

use crate::state::AppState;

/// Upper bounds of the scan-depth settings: past these a scan of a large tenant pages for
/// minutes (jobs are listed without `$top`, see `scan_demand.rs`).
const MAX_VERSIONS: usize = 50;
const MAX_JOBS: usize = 500;

/// A whole number from 0 to `max`; what is not one is put back as it was, and a number out of
/// range is brought into it, so the scan never starts with a setting the field does not show.
#[component]
fn Depth(label: &'static str, max: usize, value: RwSignal<usize>) -> impl IntoView {
    view! {
        <label class="depth">{label}" "
            <input type="number" min="0" max=max.to_string() step="1" inputmode="numeric" prop:value=move || value.get().to_string()
                on:change=move |ev| {
                    let typed = event_target_value(&ev).trim().parse::<usize>();
                    // `update` notifies even when nothing changed, so the field is written back
                    // with what the scan will use.
                    value.update(|v| if let Ok(n) = typed { *v = n.min(max) });
                }/>
        </label>
    }
}

#[component]
pub fn Subscriptions() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (tenant, set_tenant) = signal(String::new());
    let selected = move || state.subscriptions.with(|s| s.iter().filter(|s| s.selected).count());
    view! {
        <section aria-labelledby="subs-h">
            <h1 id="subs-h">"Choose what to scan"</h1>
            <p class="summary">{move || state.session.with(|s| s.as_ref().map(|s| format!("Signed in as {} in tenant {}", s.user(), s.tenant_id().unwrap_or_else(|| "(unknown)".into()))).unwrap_or_default())}</p>
            <fieldset>
                <legend>"Subscriptions"</legend>
                {move || if state.subscriptions.with(Vec::is_empty) {
                    let words = if state.subscriptions_read.get() { "This account sees no subscription in this directory: choose another directory below, or ask for a role on a subscription." } else { "Loading subscriptions…" };
                    view! { <p role="status">{words}</p> }.into_any()
                } else {
                    view! {
                        <ul class="choices">
                            <For each=move || state.subscriptions.get().into_iter().enumerate() key=|(_, s)| s.id.clone() let:((i, sub))>
                                <li>
                                    <label>
                                        <input type="checkbox" prop:checked=sub.selected on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            state.subscriptions.update(|s| if let Some(x) = s.get_mut(i) { x.selected = on });
                                        }/>
                                        {sub.name.clone()}" "<span class="id">{sub.id.clone()}</span>
                                        {sub.state.clone().map(|st| view! { " "<span class="badge">{st}</span> })}
                                    </label>
                                </li>
                            </For>
                        </ul>
                    }.into_any()
                }}
            </fieldset>
            <fieldset class="depth">
                <legend>"What workloads pull"</legend>
                <p class="hint">"Each environment's newest versions and each workspace's jobs are read to see which images are really pulled. Higher numbers check more of what ran and cost more requests."</p>
                <Depth label="Versions read per environment" max=MAX_VERSIONS value=state.environment_versions/>
                <Depth label="Jobs read per workspace" max=MAX_JOBS value=state.jobs/>
            </fieldset>
            <fieldset class="depth">
                <legend>"How pulls reach registries"</legend>
                <p class="hint">"A private endpoint carries a pull only if the registry's name resolves to it there. Its private DNS zone groups and their zones' virtual network links say so; reading them costs one request per private endpoint of a registry and one per zone."</p>
                <label>
                    <input type="checkbox" prop:checked=move || state.private_dns.get() on:change=move |ev| state.private_dns.set(event_target_checked(&ev))/>
                    " Read the private DNS of registries' private endpoints"
                </label>
            </fieldset>
            <div class="actions">
                <button class="primary" disabled=move || selected() == 0 on:click=move |_| state.scan_tenant()>
                    {move || format!("Scan {} subscription(s)", selected())}
                </button>
            </div>
            <form class="inline" on:submit=move |ev| { ev.prevent_default(); state.sign_in(Some(tenant.get_untracked())); }>
                <Show when=move || state.tenants.with(|t| t.len() > 1)>
                    <label>"Your directories "
                        <select on:change=move |ev| set_tenant.set(event_target_value(&ev))>
                            <option value="">"Choose a directory…"</option>
                            {move || state.tenants.get().into_iter().map(|t| view! { <option value=t.id.clone()>{format!("{} ({})", t.name, t.id)}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
                <label>"Switch tenant (domain or tenant id) "
                    <input type="text" prop:value=tenant on:input=move |ev| set_tenant.set(event_target_value(&ev)) placeholder="contoso.onmicrosoft.com"/>
                </label>
                <button type="submit" disabled=move || tenant.with(|t| t.trim().is_empty())>"Switch tenant"</button>
            </form>
        </section>
    }
}
