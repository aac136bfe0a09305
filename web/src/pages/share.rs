//! Save the scan as a snapshot file and share the view by URL; plus the two browser chores
//! other screens share: copying text to the clipboard and downloading text as a file.
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
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::state::{AppState, Selection, Source, Tab};

/// Today as `YYYY-MM-DD` (UTC), for file names.
pub fn today() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    iso.chars().take(10).collect()
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |e: JsValue| format!("{name} could not be saved: {}", e.as_string().unwrap_or_else(|| "the browser refused".into()));
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| format!("{name} could not be saved: no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| format!("{name} could not be saved"))?;
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("visually-hidden");
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    // Revoke later: some browsers read the URL after `click` returns.
    let url2 = url.clone();
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(10_000).await;
        let _ = web_sys::Url::revoke_object_url(&url2);
    });
    Ok(())
}

/// Copies `text` to the clipboard.
pub async fn copy(text: &str) -> Result<(), String> {
    let clipboard = web_sys::window().map(|w| w.navigator().clipboard()).ok_or("no clipboard in this browser")?;
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "the browser refused access to the clipboard".into()))
}

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
