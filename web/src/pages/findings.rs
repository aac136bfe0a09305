//! The findings tab: what is wrong, most severe first, each with the resource it is about,
//! the nodes it involves and a Fix that adds its intents to the pending changes.

use leptos::prelude::*;
use pullpath_core::findings::{Finding, Severity};
use pullpath_core::intent::Intent;
use pullpath_core::matrix::portal_url;

use crate::state::{AppState, Selection};

/// How many findings of one severity are drawn before "Show more".
const PAGE: usize = 50;

const SEVERITIES: [(Severity, &str); 4] = [(Severity::High, "High"), (Severity::Medium, "Medium"), (Severity::Low, "Low"), (Severity::Info, "Info")];

/// The graph node id of a finding's related resource or principal.
pub(crate) fn node_id(related: &str) -> String {
    if related.starts_with('/') {
        related.to_ascii_lowercase()
    } else {
        format!("principal:{}", related.to_ascii_lowercase())
    }
}

/// What a finding's Fix button can do now.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FixState {
    /// No automatic fix exists.
    None,
    /// Every fix is pending already.
    Pending,
    Ready,
}

pub(crate) fn fix_state(f: &Finding, pending: &[Intent]) -> FixState {
    if f.fixes.is_empty() {
        FixState::None
    } else if f.fixes.iter().all(|i| pending.contains(i)) {
        FixState::Pending
    } else {
        FixState::Ready
    }
}

/// The Fix button of one finding, with its explanation when it cannot act. `status` receives
/// what happened.
#[component]
pub(crate) fn FixButton(index: usize, status: RwSignal<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let finding = move || state.analysed.with(|a| a.as_ref().and_then(|a| a.analysis.findings.get(index).cloned()));
    let fix = move || finding().map(|f| state.pending.with(|p| fix_state(&f, p))).unwrap_or(FixState::None);
    let note_id = format!("fix-note-{index}");
    let add = move |_| {
        let Some(f) = finding() else { return };
        let before = state.pending.with_untracked(Vec::len);
        for i in f.fixes {
            state.add_pending(i);
        }
        let added = state.pending.with_untracked(Vec::len) - before;
        status.set(format!("Added {added} change{} to the pending changes.", if added == 1 { "" } else { "s" }));
    };
    view! {
        <span class="fix">
            <button class="primary" disabled=move || fix() != FixState::Ready
                aria-describedby=move || (fix() != FixState::Ready).then(|| note_id.clone())
                on:click=add>
                {move || if fix() == FixState::Pending { "Pending" } else { "Fix" }}
            </button>
            {move || match fix() {
                FixState::None => Some(view! { <span class="note" id=format!("fix-note-{index}")>"No automatic fix: this needs a decision only you can make."</span> }),
                FixState::Pending => Some(view! { <span class="note" id=format!("fix-note-{index}")>"Its changes are in the pending list."</span> }),
                FixState::Ready => None,
            }}
        </span>
    }
}

#[component]
pub fn FindingsView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(String::new());
    let shown = RwSignal::new([PAGE; 4]);
    let total = move || state.analysed.with(|a| a.as_ref().map(|a| a.analysis.findings.len()).unwrap_or(0));
    let all_fixes = move || state.analysed.with(|a| a.as_ref().map(|a| a.analysis.findings.iter().flat_map(|f| f.fixes.iter().cloned()).collect::<Vec<_>>()).unwrap_or_default());
    let fix_all_ready = move || {
        let fixes = all_fixes();
        state.pending.with(|p| fixes.iter().any(|i| !p.contains(i)))
    };
    let fix_all = move |_| {
        let before = state.pending.with_untracked(Vec::len);
        for i in all_fixes() {
            state.add_pending(i);
        }
        let added = state.pending.with_untracked(Vec::len) - before;
        status.set(format!("Added {added} change{} to the pending changes.", if added == 1 { "" } else { "s" }));
    };
    let groups = move || {
        let Some(a) = state.analysed.get() else { return ().into_any() };
        let findings = &a.analysis.findings;
        let name_of = |related: &str| -> String {
            if related.starts_with('/') {
                match pullpath_core::ResourceId::parse(related) {
                    Ok(id) if id.is_type("Microsoft.Authorization/roleAssignments") => format!("role assignment {}", id.name()),
                    Ok(id) => id.name().to_string(),
                    Err(_) => related.to_string(),
                }
            } else {
                let name = a.analysis.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(related)).map(|i| i.name.clone()).unwrap_or_else(|| related.to_string());
                format!("{name} (identity)")
            }
        };
        SEVERITIES
            .iter()
            .enumerate()
            .filter_map(|(g, (sev, label))| {
                let idx: Vec<usize> = findings.iter().enumerate().filter(|(_, f)| f.severity == *sev).map(|(i, _)| i).collect();
                if idx.is_empty() {
                    return None;
                }
                let count = idx.len();
                let limit = shown.get()[g];
                let heading_id = format!("sev-{}", sev.as_str());
                let h3_id = heading_id.clone();
                let items = idx
                    .iter()
                    .take(limit)
                    .map(|&i| {
                        let f = &findings[i];
                        let resource_name = f.resource.name().to_string();
                        let resource_node = f.resource.key().to_string();
                        let link = portal_url(&f.resource);
                        let nodes = f
                            .nodes
                            .iter()
                            .map(|n| {
                                let id = node_id(n);
                                let name = name_of(n);
                                view! { <li><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(id.clone())))>{name}</button></li> }
                            })
                            .collect_view();
                        view! {
                            <li class=format!("finding sev-{}", f.severity.as_str())>
                                <p class="message">{f.message.clone()}</p>
                                <p class="meta">
                                    {f.unverified.is_some().then(|| view! { <span class="badge unverified" title="No Microsoft source or data pullpath reads settles this answer">"unverified"</span>" " })}
                                    <code>{f.id.clone()}</code>
                                    " · on "
                                    <button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(resource_node.clone())))>{resource_name.clone()}</button>
                                    " · "
                                    <a href=link target="_blank" rel="noopener noreferrer">"Open "{resource_name}" in the Azure portal"</a>
                                </p>
                                {(!f.nodes.is_empty()).then(|| view! { <div class="related"><span>"Involves:"</span><ul>{nodes}</ul></div> })}
                                <div class="finding-actions">
                                    <FixButton index=i status=status/>
                                    <button on:click=move |_| state.selection.set(Some(Selection::Finding(i)))>"Details"</button>
                                </div>
                            </li>
                        }
                    })
                    .collect_view();
                let more = (count > limit).then(|| view! {
                    <button class="more" on:click=move |_| shown.update(|s| s[g] += 200)>{format!("Show more ({} not shown)", count - limit)}</button>
                });
                Some(view! {
                    <section class=format!("sev-group sev-{}", sev.as_str()) aria-labelledby=heading_id>
                        <h3 id=h3_id><span class="sev-badge">{*label}</span>" "{format!("{count} finding{}", if count == 1 { "" } else { "s" })}</h3>
                        <ul class="findings">{items}</ul>
                        {more}
                    </section>
                })
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="findings-view" aria-labelledby="findings-h">
            <div class="findings-head">
                <h2 id="findings-h">"Findings"</h2>
                <button class="primary" disabled=move || !fix_all_ready() on:click=fix_all>"Fix all"</button>
            </div>
            <p class="summary">{move || match total() { 0 => "No findings: nothing to fix.".to_string(), n => format!("{n} finding{}, most severe first.", if n == 1 { "" } else { "s" }) }}</p>
            <p role="status" class="status">{move || status.get()}</p>
            {groups}
        </section>
    }
}
