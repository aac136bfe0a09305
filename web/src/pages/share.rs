//! Save the scan as a snapshot file and share the view by URL.
//!
//! A view link carries only the view state (tab, selection, "demo") in its fragment — never
//! tokens or resource data, and a selection only for the demo tenant (ids of a real tenant
//! stay out of URLs); `pullpath_core::share::ViewState` encodes and decodes it. Not here: what a snapshot contains (`pullpath_core::snapshot`).

use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pullpath_core::id::ResourceId;
use pullpath_core::share::{ViewSelection, ViewState};
use pullpath_core::snapshot;
use wasm_bindgen::JsValue;

use crate::files::{copy, download, today};
use crate::state::{AppState, Selection, Source, Tab};

fn tab_of(name: &str) -> Option<Tab> {
    Tab::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name))
}

/// The view state of what is on screen.
fn current_view(state: AppState) -> ViewState {
    let demo = state.source.get_untracked() == Some(Source::Demo);
    // Ids from a real tenant stay out of URLs (they end up in chats and histories): only the
    // demo's selection, which is the same for everyone, travels in a link.
    let selection = state.selection.get_untracked().filter(|_| demo).map(|s| match s {
        Selection::Node(n) => ViewSelection::Node(n),
        Selection::Access { principal_id, registry } => ViewSelection::Access { principal_id, registry: registry.to_string() },
        Selection::Edge(i) => ViewSelection::Edge(i),
        Selection::Finding(i) => ViewSelection::Finding(i),
    });
    ViewState { tab: state.tab.get_untracked().name().to_ascii_lowercase(), demo, selection }
}

/// The link to the current view: this page's address with the view in the fragment.
fn view_link(state: AppState) -> Option<String> {
    let location = web_sys::window()?.location();
    let base = format!("{}{}{}", location.origin().ok()?, location.pathname().ok()?, location.search().ok()?);
    Some(format!("{base}{}", current_view(state).to_fragment()))
}

/// The view a link asked for, when this page was opened with one.
fn view_from_url() -> Option<ViewState> {
    let hash = web_sys::window()?.location().hash().ok()?;
    ViewState::from_fragment(&hash)
}

fn clear_fragment() {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let (Ok(path), Ok(search)) = (loc.pathname(), loc.search()) else { return };
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

thread_local! {
    /// A link's view is applied once per page load, when results first show.
    static LINK_VIEW_DONE: Cell<bool> = const { Cell::new(false) };
}

/// Restores the tab and selection of a view link (once), on the first results screen.
fn restore_link_view(state: AppState) {
    if LINK_VIEW_DONE.with(|d| d.replace(true)) {
        return;
    }
    let Some(view) = view_from_url() else { return };
    clear_fragment();
    if let Some(tab) = tab_of(&view.tab) {
        state.tab.set(tab);
    }
    // Selections name things in the tenant the link was made from: only the demo is the same
    // tenant for everyone.
    if !view.demo || state.source.get_untracked() != Some(Source::Demo) {
        return;
    }
    let valid = state.analysed.with_untracked(|a| {
        let a = a.as_ref()?;
        let sel = match view.selection? {
            ViewSelection::Node(n) => a.graph.nodes.iter().any(|x| x.id == n).then_some(Selection::Node(n))?,
            ViewSelection::Access { principal_id, registry } => {
                let registry = ResourceId::parse(&registry).ok()?;
                // Any cell of the matrix, "no access" ones too: a known identity and registry.
                let known_principal = a.analysis.identities.iter().any(|i| i.principal_id.eq_ignore_ascii_case(&principal_id))
                    || a.analysis.access.iter().any(|r| r.principal_id.eq_ignore_ascii_case(&principal_id));
                let known_registry = a.analysis.registries.iter().any(|r| r.id == registry);
                (known_principal && known_registry).then_some(Selection::Access { principal_id, registry })?
            }
            ViewSelection::Edge(i) => (i < a.graph.edges.len()).then_some(Selection::Edge(i))?,
            ViewSelection::Finding(i) => (i < a.analysis.findings.len()).then_some(Selection::Finding(i))?,
        };
        Some(sel)
    });
    if let Some(sel) = valid {
        state.selection.set(Some(sel));
    }
}

#[component]
pub fn ShareActions() -> impl IntoView {
    let state = expect_context::<AppState>();
    restore_link_view(state);
    let status = RwSignal::new(String::new());
    let save = move |_| {
        let Some(text) = state.result.with_untracked(|r| r.as_ref().map(|r| snapshot::to_json(&r.inventory))) else { return };
        let name = format!("pullpath-snapshot-{}.json", today());
        match download(&name, "application/json", &text) {
            Ok(()) => status.set(format!("Saved {name}")),
            Err(e) => status.set(e),
        }
    };
    let copy_link = move |_| {
        let Some(link) = view_link(state) else {
            status.set("The link could not be made".into());
            return;
        };
        spawn_local(async move {
            match copy(&link).await {
                Ok(()) => status.set("Link copied".into()),
                Err(e) => status.set(format!("The link could not be copied: {e}. Copy it from here: {link}")),
            }
        });
    };
    view! {
        <button on:click=save>"Save snapshot"</button>
        <button on:click=copy_link>"Copy link to this view"</button>
        <p role="status" class="share-status">{move || status.get()}</p>
    }
}
