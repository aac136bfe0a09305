//! The findings tab: what is wrong, grouped by rule, then by subscription and resource group
//! (`core::summary`), with counts by severity and a Fix at every level that says how many
//! changes it adds; each finding with the resource it is about, the nodes it involves and its
//! own Fix. Filters narrow it down. At scale the groups start closed and a group draws its
//! findings only once opened, a page at a time; a small tenant's groups start open.

use leptos::prelude::*;
use std::collections::HashSet;

use pullpath_core::analysis::Analysis;
use pullpath_core::findings::Finding;
use pullpath_core::graph::NodeId;
use pullpath_core::intent::Intent;
use pullpath_core::matrix::portal_url;
use pullpath_core::summary::{self, Counts, Filter, Summary, SEVERITIES};

use crate::state::{AppState, Selection};

/// How many findings of one group are drawn before "Show more".
const PAGE: usize = 50;

/// Up to this many findings (after the filter), every group starts open.
const OPEN_UP_TO: usize = 40;

/// Related nodes listed per finding; the rest are counted (the detail panel lists them all).
const INVOLVES: usize = 8;

const SEVERITY_NAMES: [&str; 4] = ["High", "Medium", "Low", "Info"];

/// What a finding's Fix button can do now.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FixState {
    /// No automatic fix exists.
    None,
    /// Every fix is pending already.
    Pending,
    Ready,
}

pub(crate) fn fix_state(fixes: &[Intent], pending: &[Intent]) -> FixState {
    if fixes.is_empty() {
        FixState::None
    } else if fixes.iter().all(|i| pending.contains(i)) {
        FixState::Pending
    } else {
        FixState::Ready
    }
}

/// The fixes of `f` the user chose: its choice number `choice` where it offers several ways
/// (`Finding::choices`, the first being its own fixes), else its fixes.
fn chosen(f: &Finding, choice: usize) -> Vec<Intent> {
    f.choices.get(choice).map(|c| c.fixes.clone()).unwrap_or_else(|| f.fixes.clone())
}

/// The Fix button of one finding, with its explanation when it cannot act, and a picker when
/// the finding can be fixed in several ways (which identity an image build uses); with
/// `list`, the changes of the chosen way are listed above it (the detail panel). `status`
/// receives what happened.
#[component]
pub(crate) fn FixButton(index: usize, status: RwSignal<String>, #[prop(optional)] list: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let finding = move || state.analysed.with(|a| a.as_ref().and_then(|a| a.analysis.findings.get(index).cloned()));
    let choice = RwSignal::new(0usize);
    let fix = move || finding().map(|f| state.pending.with(|p| fix_state(&chosen(&f, choice.get()), p))).unwrap_or(FixState::None);
    let note_id = format!("fix-note-{index}");
    let add = move |_| {
        let Some(f) = finding() else { return };
        let before = state.pending.with_untracked(Vec::len);
        for i in chosen(&f, choice.get_untracked()) {
            state.add_pending(i);
        }
        let added = state.pending.with_untracked(Vec::len) - before;
        status.set(format!("Added {added} change{} to the pending changes.", if added == 1 { "" } else { "s" }));
    };
    let picker = move || {
        let f = finding()?;
        (f.choices.len() > 1).then(|| {
            let options = f.choices.iter().enumerate().map(|(k, c)| view! { <option value=k.to_string() selected=move || choice.get() == k>{c.label.clone()}</option> }).collect_view();
            view! {
                <label class="fix-choice">"Build with "
                    <select on:change=move |e| choice.set(event_target_value(&e).parse().unwrap_or(0))>{options}</select>
                </label>
            }
        })
    };
    let changes = move || {
        let f = finding().filter(|_| list)?;
        let fixes = chosen(&f, choice.get());
        (!fixes.is_empty()).then(|| {
            let items = fixes.iter().map(|i| view! { <li>{super::detail::describe_intent(state, i)}</li> }).collect_view();
            view! { <h3>"The fix"</h3><ul class="fixes">{items}</ul> }
        })
    };
    view! {
        {changes}
        <span class="fix">
            {picker}
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

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// "12 findings (3 high, 9 low)", the breakdown only when there is more than one severity.
fn counted(c: &Counts) -> String {
    let kinds = c.by_severity.iter().filter(|n| **n > 0).count();
    if kinds > 1 {
        format!("{} ({})", plural(c.total, "finding"), c.in_words())
    } else {
        plural(c.total, "finding")
    }
}

/// A resource's name as people say it: an environment version as `training-base:3`.
pub(crate) fn resource_label(id: &pullpath_core::ResourceId) -> String {
    if id.is_type("Microsoft.MachineLearningServices/workspaces/environments/versions") {
        if let Some(env) = id.parent() {
            return format!("{}:{}", env.name(), id.name());
        }
    }
    id.name().to_string()
}

/// How a related resource or principal is named: its resource name, or the identity's unique
/// label (qualified as far as needed to tell it from others of the same name).
fn related_name(a: &Analysis, related: &str) -> String {
    if related.starts_with('/') {
        match pullpath_core::ResourceId::parse(related) {
            Ok(id) if id.is_type("Microsoft.Authorization/roleAssignments") => format!("role assignment {}", id.name()),
            Ok(id) => resource_label(&id),
            Err(_) => related.to_string(),
        }
    } else {
        a.identities.iter().find(|i| i.principal_id.eq_ignore_ascii_case(related)).map(|i| i.label.clone()).unwrap_or_else(|| format!("principal {related}"))
    }
}

/// Fix for a group: adds every fix of its findings not yet pending, and says beforehand how
/// many changes that is (the review then shows their exact requests).
#[component]
fn FixGroup(indexes: Vec<usize>, what: String, status: RwSignal<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let fixes = Memo::new(move |_| state.analysed.with(|a| a.as_ref().map(|a| summary::fixes(&a.analysis.findings, indexes.iter().copied())).unwrap_or_default()));
    let new = move || fixes.with(|f| state.pending.with(|p| not_pending(f, p)));
    let add = move |_| {
        let before = state.pending.with_untracked(Vec::len);
        state.add_all_pending(fixes.get_untracked());
        let added = state.pending.with_untracked(Vec::len) - before;
        status.set(format!("Added {} to the pending changes.", plural(added, "change")));
    };
    let has_fixes = move || fixes.with(|f| !f.is_empty());
    view! {
        <button class="fix-group" disabled=move || new() == 0 on:click=add
            aria-label=move || format!("Fix {what}: {}", match new() { 0 if has_fixes() => "all pending".to_string(), 0 => "no automatic fix".to_string(), n => plural(n, "change") })>
            {move || match new() {
                0 if has_fixes() => "Pending".to_string(),
                0 => "No automatic fix".to_string(),
                n => format!("Fix ({})", plural(n, "change")),
            }}
        </button>
    }
}

/// One finding as a list item.
fn finding_item(state: AppState, a: &Analysis, i: usize, status: RwSignal<String>) -> impl IntoView {
    let f: &Finding = &a.findings[i];
    let resource_name = resource_label(&f.resource);
    let resource_node = NodeId::resource(&f.resource);
    let link = portal_url(&f.resource);
    let more = f.nodes.len().saturating_sub(INVOLVES);
    let nodes = f
        .nodes
        .iter()
        .take(INVOLVES)
        .filter_map(|n| {
            let id = NodeId::related(n)?;
            let name = related_name(a, n);
            Some(view! { <li><button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(id.clone())))>{name}</button></li> })
        })
        .collect_view();
    view! {
        <li class=format!("finding sev-{}", f.severity.as_str())>
            <p class="message">{f.message.clone()}</p>
            <p class="meta">
                <span class="sev-word">{SEVERITY_NAMES[summary::severity_index(f.severity)]}</span>" · "
                {f.unverified.is_some().then(|| view! { <span class="badge unverified" title="No Microsoft source or data pullpath reads settles this answer">"unverified"</span>" " })}
                <code>{f.id.clone()}</code>
                " · on "
                <button class="link" on:click=move |_| state.selection.set(Some(Selection::Node(resource_node.clone())))>{resource_name.clone()}</button>
                " · "
                <a href=link target="_blank" rel="noopener noreferrer">"Open "{resource_name}" in the Azure portal"</a>
            </p>
            {(!f.nodes.is_empty()).then(|| view! {
                <div class="related"><span>"Involves:"</span><ul>{nodes}</ul>
                    {(more > 0).then(|| view! { <span class="more-related">{format!("and {more} more (Details lists them all)")}</span> })}
                </div>
            })}
            <div class="finding-actions">
                <FixButton index=i status=status/>
                <button on:click=move |_| state.selection.set(Some(Selection::Finding(i)))>"Details"</button>
            </div>
        </li>
    }
}

#[component]
pub fn FindingsView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(String::new());
    let filter = RwSignal::new(Filter::default());
    // Groups whose open/closed state the user changed from the default.
    let toggled = RwSignal::new(HashSet::<String>::new());
    // How many findings each opened place shows, by its key.
    let shown = RwSignal::new(std::collections::HashMap::<String, usize>::new());
    let summary = Memo::new(move |_| {
        let names = state.result.with(|r| r.as_ref().map(|r| r.inventory.subscriptions.iter().filter_map(|s| Some((s.id.subscription_id()?.to_ascii_lowercase(), s.name.clone()))).filter(|(_, n)| !n.is_empty()).collect::<Vec<_>>()).unwrap_or_default());
        let name = move |id: &str| names.iter().find(|(k, _)| k.eq_ignore_ascii_case(id)).map(|(_, n)| n.clone());
        filter.with(|f| state.analysed.with(|a| a.as_ref().map(|a| summary::summarise(&a.analysis.findings, f, &name)).unwrap_or_default()))
    });
    let open_by_default = move || summary.with(|s| s.counts.total <= OPEN_UP_TO);
    let is_open = move |key: &str| open_by_default() != toggled.with(|t| t.contains(key));
    let toggle = move |key: String| toggled.update(|t| if !t.remove(&key) { t.insert(key); });
    // Every finding's fixes, each once (what Fix all adds), computed once per analysis.
    let all_fixes = Memo::new(move |_| state.analysed.with(|a| a.as_ref().map(|a| summary::fixes(&a.analysis.findings, 0..a.analysis.findings.len())).unwrap_or_default()));
    let fix_all_new = move || all_fixes.with(|f| state.pending.with(|p| not_pending(f, p)));
    let fix_all = move |_| {
        let before = state.pending.with_untracked(Vec::len);
        state.add_all_pending(all_fixes.get_untracked());
        let added = state.pending.with_untracked(Vec::len) - before;
        status.set(format!("Added {} to the pending changes.", plural(added, "change")));
    };
    let filters = move || {
        let s = summary.get();
        let boxes = SEVERITIES
            .iter()
            .enumerate()
            .map(|(k, sev)| {
                let n = s.unfiltered.by_severity[k];
                view! {
                    <label class=format!("sev-filter sev-{}", sev.as_str())>
                        <input type="checkbox" prop:checked=move || filter.with(|f| f.severities[k])
                            on:change=move |e| { let on = event_target_checked(&e); filter.update(|f| f.severities[k] = on) }/>
                        {format!("{} ({n})", SEVERITY_NAMES[k])}
                    </label>
                }
            })
            .collect_view();
        view! {
            <div class="findings-filter" role="group" aria-label="Filter findings">
                {boxes}
                <label class="fixable-filter">
                    <input type="checkbox" prop:checked=move || filter.with(|f| f.fixable_only)
                        on:change=move |e| { let on = event_target_checked(&e); filter.update(|f| f.fixable_only = on) }/>
                    "Only with an automatic fix"
                </label>
                <label class="text-filter">"Search "
                    <input type="search" placeholder="rule, resource or words" prop:value=move || filter.with(|f| f.text.clone())
                        on:input=move |e| { let t = event_target_value(&e); filter.update(|f| f.text = t) }/>
                </label>
            </div>
        }
    };
    let groups = move || {
        let Some(a) = state.analysed.get() else { return ().into_any() };
        let s: Summary = summary.get();
        s.rules
            .iter()
            .enumerate()
            .map(|(r, rule)| {
                let key = format!("rule:{}", rule.rule);
                let open = is_open(&key);
                let heading = format!("rule-{r}");
                let heading_label = heading.clone();
                let worst = rule.counts.worst();
                let single_place = rule.subscriptions.len() == 1 && rule.subscriptions[0].places.len() == 1;
                let places = open.then(|| {
                    rule.subscriptions
                        .iter()
                        .flat_map(|sub| sub.places.iter().map(move |p| (sub, p)))
                        .enumerate()
                        .map(|(k, (sub, place))| {
                            let pkey = format!("{key}|{}|{}", sub.subscription.as_deref().unwrap_or("").to_ascii_lowercase(), place.resource_group.as_deref().unwrap_or("").to_ascii_lowercase());
                            let popen = is_open(&pkey);
                            let where_ = match &place.resource_group {
                                Some(rg) => format!("{rg} in {}", sub.label()),
                                None => sub.label(),
                            };
                            let limit = shown.with(|m| m.get(&pkey).copied().unwrap_or(PAGE));
                            let count = place.findings.len();
                            let items = popen.then(|| place.findings.iter().take(limit).map(|&i| finding_item(state, &a.analysis, i, status)).collect_view());
                            let more_key = pkey.clone();
                            let more = (popen && count > limit).then(|| view! {
                                <button class="more" on:click=move |_| shown.update(|m| { *m.entry(more_key.clone()).or_insert(PAGE) += 200; })>{format!("Show more ({} not shown)", count - limit)}</button>
                            });
                            let toggle_key = pkey.clone();
                            let h = format!("place-{r}-{k}");
                            let h_label = h.clone();
                            view! {
                                <section class=format!("place sev-{}", place.counts.worst().as_str()) aria-labelledby=h_label>
                                    <div class="group-head">
                                        <h4 id=h>
                                            <button class="disclosure" aria-expanded=popen.to_string() on:click=move |_| toggle(toggle_key.clone())>
                                                {where_.clone()}" · "{counted(&place.counts)}
                                            </button>
                                        </h4>
                                        {(!single_place).then(|| view! { <FixGroup indexes=place.findings.clone() what=format!("the {} of {} in {where_}", plural(count, "finding"), rule.rule) status=status/> })}
                                    </div>
                                    {items.map(|items| view! { <ul class="findings">{items}</ul> })}
                                    {more}
                                </section>
                            }
                        })
                        .collect_view()
                });
                let toggle_key = key.clone();
                view! {
                    <section class=format!("rule-group sev-{}", worst.as_str()) aria-labelledby=heading_label>
                        <div class="group-head">
                            <h3 id=heading>
                                <button class="disclosure" aria-expanded=open.to_string() on:click=move |_| toggle(toggle_key.clone())>
                                    <span class="sev-badge">{SEVERITY_NAMES[summary::severity_index(worst)]}</span>" "
                                    <code>{rule.rule.clone()}</code>" · "{counted(&rule.counts)}
                                    {(rule.subscriptions.len() > 1).then(|| format!(" in {} subscriptions", rule.subscriptions.len()))}
                                </button>
                            </h3>
                            <FixGroup indexes=rule.findings().collect() what=format!("the {} of {}", plural(rule.counts.total, "finding"), rule.rule) status=status/>
                        </div>
                        {places}
                    </section>
                }
            })
            .collect_view()
            .into_any()
    };
    let summary_line = move || {
        summary.with(|s| match (s.unfiltered.total, s.counts.total) {
            (0, _) => "No findings: nothing to fix.".to_string(),
            (all, kept) if kept == all => format!("{} ({}) under {}, most severe first.", plural(all, "finding"), s.unfiltered.in_words(), plural(s.rules.len(), "rule")),
            (all, kept) => format!("{kept} of {} shown, under {}.", plural(all, "finding"), plural(s.rules.len(), "rule")),
        })
    };
    view! {
        <section class="findings-view" aria-labelledby="findings-h">
            <div class="findings-head">
                <h2 id="findings-h">"Findings"</h2>
                <button class="primary" disabled=move || fix_all_new() == 0 on:click=fix_all
                    aria-label=move || format!("Fix all: {}", plural(fix_all_new(), "change"))>"Fix all"
                    {move || match fix_all_new() { 0 => String::new(), n => format!(" ({})", plural(n, "change")) }}
                </button>
            </div>
            <p class="summary">{summary_line}</p>
            {filters}
            <p role="status" class="status">{move || status.get()}</p>
            {groups}
        </section>
    }
}

/// How many of `fixes` are not pending yet, with the pending ones in a set: both lists run to
/// tens of thousands on a large tenant.
fn not_pending(fixes: &[Intent], pending: &[Intent]) -> usize {
    let pending: pullpath_core::rbac::FastSet<&Intent> = pending.iter().collect();
    fixes.iter().filter(|i| !pending.contains(i)).count()
}
